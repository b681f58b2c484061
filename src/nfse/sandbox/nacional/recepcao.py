"""What the municipal dialects that take the signed DPS in XML share in the sandbox: the
signature's check, and the DPS checked (official XSD, emitter, the Sefin's rules) and issued
as the Sefin does (``betha``, ``coplan``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.regras.catalogo import mensagem
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura
from nfse.sandbox.nacional.leitura import Campos, campos
from nfse.sandbox.nacional.regras import Contexto, avaliar
from nfse.sandbox.nacional.sefin import agora
from nfse.xml.validate import nacional_schema_dir, validate

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

Mensagens = list[tuple[str, str, str]]


class Recusa(Exception):
    def __init__(self, mensagens: Mensagens):
        super().__init__(mensagens[0][1])
        self.mensagens = mensagens


def assinante(documento: etree._Element, alvo: etree._Element) -> x509.Certificate:
    """The certificate whose Signature (a child of ``documento``) covers ``alvo``."""
    assinatura = documento.find(ds("Signature"))
    if assinatura is None:
        raise Recusa([("E0717", mensagem("E0717"), "")])
    try:
        return verificar_assinatura(assinatura, alvo)
    except AssinaturaIncorreta as exc:
        raise Recusa([("E0714", mensagem("E0714"), str(exc))]) from exc


def emitir(sandbox: NacionalSandbox, dps: etree._Element, cert: x509.Certificate,
           chamador: str | None) -> tuple[str, int, Campos]:
    """A DPS of the national namespace (``dps``, signed by ``cert``) checked and issued:
    its key, the note's number and the DPS's fields; Recusa with the Sefin's messages."""
    problemas = validate(dps, nacional_schema_dir() / "DPS_v1.01.xsd")
    if problemas:
        raise Recusa([("E1235", mensagem("E1235"), "; ".join(problemas[:3]))])
    inf = dps[0]
    c = campos(inf)
    inscricao = c["prest/CNPJ"] or c["prest/CPF"]
    if (document_of(cert) or "")[:8] != inscricao[:8]:
        raise Recusa([("E0718", mensagem("E0718"), "")])
    if (chamador or "")[:8] != inscricao[:8]:
        raise Recusa([("E1200", mensagem("E1200"),
                       "O certificado da conexão não pertence ao emitente da DPS")])
    sefin, estado = sandbox.sefin, sandbox.estado
    with estado.transacao():
        contexto = Contexto(raiz=dps, inf=inf, c=c, parametros=sandbox.parametrizacao,
                            estado=estado, agora=agora())
        erros = avaliar(contexto)
        if erros:
            raise Recusa(erros)
        chave, numero, xml = sefin._gerar_nfse(dps, contexto, inscricao, c["prest/CNPJ"], cert)
        estado.registrar(chave=chave, id_dps=inf.get("Id"), inscricao=inscricao,
                         serie=c["serie"], ndps=c["nDPS"], numero=numero, xml=xml)
    return chave, numero, c
