"""The signed pedRegEvento for cancellation (e101101)."""

from __future__ import annotations

from datetime import datetime, timedelta

from lxml import etree

from nfse.model.nota import Nota
from nfse.providers.base import Emissor
from nfse.providers.nacional.dps import NS, SAO_PAULO, VER_APLIC, DpsInvalida, tp_amb
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate

CANCELAMENTO = "101101"
EVENT_MARGIN = timedelta(seconds=60)
"""dhEvento later than the Sefin's receipt time is refused (E1843)."""
MOTIVO_OUTROS = "9"
"""The contract carries only a free-text justificativa, so the coded reason is "outros"."""


def pedido_cancelamento(nota: Nota, chave: str, justificativa: str, emissor: Emissor,
                        now: datetime | None = None) -> bytes:
    root = etree.Element(f"{{{NS}}}pedRegEvento", nsmap={None: NS}, versao="1.01")
    ident = f"PRE{chave}{CANCELAMENTO}"
    inf = etree.SubElement(root, f"{{{NS}}}infPedReg", Id=ident)

    def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NS}}}{tag}")
        child.text = text
        return child

    moment = (now or datetime.now(SAO_PAULO)) - EVENT_MARGIN
    add(inf, "tpAmb", tp_amb(emissor.ambiente))
    add(inf, "verAplic", VER_APLIC)
    add(inf, "dhEvento", moment.astimezone(SAO_PAULO).replace(microsecond=0).isoformat())
    if nota.prestador.cnpj:
        add(inf, "CNPJAutor", nota.prestador.cnpj)
    else:
        add(inf, "CPFAutor", nota.prestador.cpf)
    add(inf, "chNFSe", chave)
    event = add(inf, "e" + CANCELAMENTO)
    add(event, "xDesc", "Cancelamento de NFS-e")
    add(event, "cMotivo", MOTIVO_OUTROS)
    add(event, "xMotivo", justificativa)
    sign(root, ident, emissor.a1)
    problems = validate(root, nacional_schema_dir() / "pedRegEvento_v1.01.xsd")
    if problems:
        raise DpsInvalida("pedido de cancelamento fora do leiaute oficial: "
                          + "; ".join(problems[:5]))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
