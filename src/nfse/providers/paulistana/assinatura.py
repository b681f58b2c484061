"""The two signatures of the Paulistana layout that are not XMLDSig: the RPS's ``Assinatura``
and the cancellation's ``AssinaturaCancelamento``. Each is RSA-SHA1 (PKCS#1 v1.5) over a
fixed-width ASCII string, in base64 ("Manual de Utilização Web Service" v3.3.4, item 4.3.2,
tables "Campos para assinatura do RPS – versão 1.0" and "– versão 2.0").

RPS string, 86 characters without intermediário in layout 1, 90 in layout 2:

=======  =====  ====================================================================
IM       8 / 12 the prestador's inscrição municipal, zero-padded (12 in layout 2)
série    5      the RPS série, space-padded on the right
número   12     the RPS number, zero-padded
data     8      AAAAMMDD
T        1      TributacaoRPS
S        1      StatusRPS (N normal, C cancelled)
R        1      ISSRetido: S or N
valor    15     in cents, zero-padded: ValorServicos (layout 1); ValorInicialCobrado or
                ValorFinalCobrado (layout 2)
deduções 15     ValorDeducoes in cents, zero-padded
código   5      CodigoServico, zero-padded
ind.     1      tomador: 1 CPF, 2 CNPJ, 3 not informed, 4 NIF or NaoNIF (layout 2)
doc.     14     the tomador's CPF/CNPJ, zero-padded (zeros when 3 or 4)
=======  =====  ====================================================================

With an intermediário: its indicator (1/2/3), its CPF/CNPJ (14) and ISSRetidoIntermediario
(S/N) follow. Layout 2 then ends, for a tomador identified abroad, with the NIF itself
(trimmed, up to 40 characters) or the one-digit NaoNIF reason (0, 1, 2).

Cancellation string (manual item 4.3.10, in both layouts): the prestador's IM (8) followed by
the NFS-e number (12)."""

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
    """A CPF or CNPJ (digits); for a tomador abroad in layout 2, a NIF or the reason it has
    none (``nao_nif``: 0, 1 or 2); or nothing."""

    cpf: str | None = None
    cnpj: str | None = None
    nif: str | None = None
    nao_nif: str | None = None

    @property
    def indicador(self) -> str:
        if self.cpf:
            return "1"
        if self.cnpj:
            return "2"
        return "4" if self.estrangeiro else "3"

    @property
    def numero(self) -> str:
        return (self.cpf or self.cnpj or "").zfill(14)

    @property
    def estrangeiro(self) -> bool:
        """Identified abroad: by a NIF, or by the reason for its absence."""
        return not (self.cpf or self.cnpj) and bool(self.nif or self.nao_nif)


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
    versao: int = 1
    """The layout: 1, or 2 (12-digit IM, NIF/NaoNIF at the end); ``valor_servicos`` is then
    the ValorInicialCobrado or ValorFinalCobrado sent."""


def _centavos(value: Decimal) -> str:
    return str(int((value * 100).to_integral_value())).zfill(15)


def _sn(value: bool) -> str:
    return "S" if value else "N"


def texto_rps(campos: CamposRps) -> str:
    """The ASCII string the RPS ``Assinatura`` signs (layout 1: 86 or 102 characters;
    layout 2: 90 or 106, and the NIF or NaoNIF of a tomador abroad)."""
    tomador = campos.tomador
    if campos.versao == 1 and tomador.estrangeiro:  # layout 1 cannot name one
        tomador = Documento()
    largura = 12 if campos.versao == 2 else 8
    text = (campos.inscricao_prestador.zfill(largura) + campos.serie.ljust(5)
            + str(campos.numero).zfill(12) + campos.data_emissao.strftime("%Y%m%d")
            + campos.tributacao + campos.status + _sn(campos.iss_retido)
            + _centavos(campos.valor_servicos) + _centavos(campos.valor_deducoes)
            + campos.codigo_servico.zfill(5) + tomador.indicador + tomador.numero)
    if campos.intermediario is not None:
        text += (campos.intermediario.indicador + campos.intermediario.numero
                 + _sn(campos.iss_retido_intermediario))
    if tomador.estrangeiro:
        text += (tomador.nif or "").strip() or (tomador.nao_nif or "")
    return text


def texto_cancelamento(inscricao_prestador: str, numero_nfe: str) -> str:
    """The 20-character string of ``AssinaturaCancelamento``."""
    return inscricao_prestador.zfill(8) + numero_nfe.zfill(12)


def assinar(texto: str, a1: A1) -> str:
    """RSA-SHA1 of the ASCII string with the company's key, in base64."""
    value = a1.key.sign(texto.encode("ascii"), padding.PKCS1v15(), hashes.SHA1())
    return base64.b64encode(value).decode("ascii")
