"""The two signatures of the Paulistana layout that are not XMLDSig: the RPS's ``Assinatura``
and the cancellation's ``AssinaturaCancelamento``. Each is RSA-SHA1 (PKCS#1 v1.5) over a
fixed-width ASCII string, in base64.

RPS string, layout v1 (manual "Manual de Utilização Web Service", section on the RPS
signature), 86 characters without intermediário:

=======  ====  =====================================================================
IM       8     the prestador's inscrição municipal, zero-padded on the left
série    5     the RPS série, space-padded on the right
número   12    the RPS number, zero-padded
data     8     AAAAMMDD
T        1     TributacaoRPS
S        1     StatusRPS (N normal, C cancelled)
R        1     ISSRetido: S or N
valor    15    ValorServicos in cents, zero-padded
deduções 15    ValorDeducoes in cents, zero-padded
código   5     CodigoServico, zero-padded
ind.     1     tomador: 1 CPF, 2 CNPJ, 3 not informed
doc.     14    the tomador's CPF/CNPJ, zero-padded (zeros when not informed)
=======  ====  =====================================================================

With an intermediário: its indicator (1/2/3), its CPF/CNPJ (14) and ISSRetidoIntermediario
(S/N) follow — 102 characters.

Cancellation string: the prestador's IM (8) followed by the NFS-e number (12)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from nfse.certs.a1 import A1


@dataclass(frozen=True)
class Documento:
    """A CPF or CNPJ (digits), or none."""

    cpf: str | None = None
    cnpj: str | None = None

    @property
    def indicador(self) -> str:
        return "1" if self.cpf else "2" if self.cnpj else "3"

    @property
    def numero(self) -> str:
        return (self.cpf or self.cnpj or "").zfill(14)


@dataclass(frozen=True)
class CamposRps:
    """What the RPS signature covers."""

    inscricao_prestador: str
    serie: str
    numero: int
    data_emissao: date
    tributacao: str
    status: str
    iss_retido: bool
    valor_servicos: Decimal
    valor_deducoes: Decimal
    codigo_servico: str
    tomador: Documento
    intermediario: Documento | None = None
    iss_retido_intermediario: bool = False


def _centavos(value: Decimal) -> str:
    return str(int((value * 100).to_integral_value())).zfill(15)


def _sn(value: bool) -> str:
    return "S" if value else "N"


def texto_rps(campos: CamposRps) -> str:
    """The ASCII string the RPS ``Assinatura`` signs (86 or 102 characters)."""
    text = (campos.inscricao_prestador.zfill(8) + campos.serie.ljust(5)
            + str(campos.numero).zfill(12) + campos.data_emissao.strftime("%Y%m%d")
            + campos.tributacao + campos.status + _sn(campos.iss_retido)
            + _centavos(campos.valor_servicos) + _centavos(campos.valor_deducoes)
            + campos.codigo_servico.zfill(5) + campos.tomador.indicador
            + campos.tomador.numero)
    if campos.intermediario is not None:
        text += (campos.intermediario.indicador + campos.intermediario.numero
                 + _sn(campos.iss_retido_intermediario))
    return text


def texto_cancelamento(inscricao_prestador: str, numero_nfe: str) -> str:
    """The 20-character string of ``AssinaturaCancelamento``."""
    return inscricao_prestador.zfill(8) + numero_nfe.zfill(12)


def assinar(texto: str, a1: A1) -> str:
    """RSA-SHA1 of the ASCII string with the company's key, in base64."""
    value = a1.key.sign(texto.encode("ascii"), padding.PKCS1v15(), hashes.SHA1())
    return base64.b64encode(value).decode("ascii")
