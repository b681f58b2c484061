"""DPS documents for the sandbox's tests, written here from the layout (Anexo I, XSD 1.01) and
not by the gateway's builder: a rule test must not depend on the code the rule judges.

``dps(**partes)`` answers a signed DPS that breaks no rule the sandbox enforces (a não optante
in Franca/SP, software development, R$ 1,000.00, ISS at the municipality's rate); each keyword
replaces one part of it: a plain value (``opSimpNac="3"``) or an XML fragment (``toma=...``,
``""`` to leave a group out)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from lxml import etree

from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.xml.sign import sign

NS = "http://www.sped.fazenda.gov.br/nfse"
CNPJ = "11222333000181"
TOMADOR = "07504505000132"
MUNICIPIO = "3516200"
EMITENTE = generate_a1(CNPJ, "EMPRESA TESTE LTDA")

TOMA = (f"<toma><CNPJ>{TOMADOR}</CNPJ><xNome>Tomador Teste Ltda</xNome><end><endNac>"
        "<cMun>4106902</cMun><CEP>80045165</CEP></endNac><xLgr>Rua Dias da Rocha Filho</xLgr>"
        "<nro>999</nro><xBairro>Alto da XV</xBairro></end></toma>")
PTOTTRIB = ("<pTotTrib><pTotTribFed>0.00</pTotTribFed><pTotTribEst>0.00</pTotTribEst>"
            "<pTotTribMun>0.00</pTotTribMun></pTotTrib>")


def _agora() -> datetime:
    return datetime.now(SAO_PAULO).replace(microsecond=0) - \
        timedelta(minutes=1)


def padrao() -> dict[str, Any]:
    agora = _agora()
    return {
        "versao": "1.01", "tpAmb": "2", "dhEmi": agora.isoformat(), "serie": "1", "nDPS": "1",
        "dCompet": agora.date().isoformat(), "tpEmit": "1", "cMotivoEmisTI": None,
        "cLocEmi": MUNICIPIO, "subst": "", "prest": f"<CNPJ>{CNPJ}</CNPJ><IM>12345</IM>",
        "opSimpNac": "1", "regApTribSN": None, "regEspTrib": "0", "toma": TOMA, "interm": "",
        "locPrest": f"<cLocPrestacao>{MUNICIPIO}</cLocPrestacao>", "cTribNac": "010701",
        "cTribMun": None, "cNBS": None, "serv": "", "vReceb": None, "vServ": "1000.00",
        "descontos": "", "vDedRed": "", "tribISSQN": "1", "tribMun": "", "tpRetISSQN": "1",
        "pAliq": None, "tribFed": "", "totTrib": PTOTTRIB, "IBSCBS": "", "Id": None,
    }


def _tag(nome: str, valor: str | None) -> str:
    return "" if valor is None else f"<{nome}>{valor}</{nome}>"


def xml(**partes: Any) -> bytes:
    """The DPS, unsigned."""
    p = padrao() | partes
    inscricao = etree.fromstring(f"<x>{p['prest']}</x>")[0]
    tipo = "2" if inscricao.tag == "CNPJ" else "1"
    ident = p["Id"] or (f"DPS{p['cLocEmi']}{tipo}{(inscricao.text or '').zfill(14)}"
                        f"{int(p['serie']):05d}{int(p['nDPS']):015d}")
    texto = (
        f'<DPS xmlns="{NS}" versao="{p["versao"]}"><infDPS Id="{ident}">'
        f"<tpAmb>{p['tpAmb']}</tpAmb><dhEmi>{p['dhEmi']}</dhEmi><verAplic>testes</verAplic>"
        f"<serie>{p['serie']}</serie><nDPS>{p['nDPS']}</nDPS><dCompet>{p['dCompet']}</dCompet>"
        f"<tpEmit>{p['tpEmit']}</tpEmit>{_tag('cMotivoEmisTI', p['cMotivoEmisTI'])}"
        f"<cLocEmi>{p['cLocEmi']}</cLocEmi>{p['subst']}"
        f"<prest>{p['prest']}<regTrib><opSimpNac>{p['opSimpNac']}</opSimpNac>"
        f"{_tag('regApTribSN', p['regApTribSN'])}<regEspTrib>{p['regEspTrib']}</regEspTrib>"
        f"</regTrib></prest>{p['toma']}{p['interm']}"
        f"<serv><locPrest>{p['locPrest']}</locPrest><cServ><cTribNac>{p['cTribNac']}</cTribNac>"
        f"{_tag('cTribMun', p['cTribMun'])}<xDescServ>Desenvolvimento de sistemas</xDescServ>"
        f"{_tag('cNBS', p['cNBS'])}</cServ>{p['serv']}</serv>"
        f"<valores><vServPrest>{_tag('vReceb', p['vReceb'])}<vServ>{p['vServ']}</vServ>"
        f"</vServPrest>{p['descontos']}{p['vDedRed']}<trib><tribMun>"
        f"<tribISSQN>{p['tribISSQN']}</tribISSQN>{p['tribMun']}"
        f"<tpRetISSQN>{p['tpRetISSQN']}</tpRetISSQN>{_tag('pAliq', p['pAliq'])}</tribMun>"
        f"{p['tribFed']}<totTrib>{p['totTrib']}</totTrib></trib></valores>{p['IBSCBS']}"
        "</infDPS></DPS>")
    return texto.encode()


def dps(a1: A1 = EMITENTE, **partes: Any) -> bytes:
    """The DPS, signed by ``a1`` (the test company's certificate)."""
    root = etree.fromstring(xml(**partes))
    sign(root, root[0], a1)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def pedido_cancelamento(chave: str, a1: A1 = EMITENTE, autor: str = CNPJ, tpAmb: str = "2",
                        dhEvento: str | None = None, Id: str | None = None,
                        assinar: bool = True) -> bytes:
    """A cancellation request (e101101) for the NFS-e ``chave``."""
    quando = dhEvento or _agora().isoformat()
    texto = (
        f'<pedRegEvento xmlns="{NS}" versao="1.01"><infPedReg Id="{Id or f"PRE{chave}101101"}">'
        f"<tpAmb>{tpAmb}</tpAmb><verAplic>testes</verAplic><dhEvento>{quando}</dhEvento>"
        f"<CNPJAutor>{autor}</CNPJAutor><chNFSe>{chave}</chNFSe><e101101>"
        "<xDesc>Cancelamento de NFS-e</xDesc><cMotivo>1</cMotivo>"
        "<xMotivo>Erro na emissão da nota</xMotivo></e101101></infPedReg></pedRegEvento>")
    root = etree.fromstring(texto.encode())
    if assinar:
        sign(root, root[0], a1)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
