"""SilTecnologia's web service, as the Nacional sandbox plays it: SOAP 1.1 under its base path
(``/services/NotaFiscalNacional``), the document as XML text in ``<xml>`` (CDATA) of
``NotaFiscalNacionalGerar`` (the NFS-e the emitter built and signed) or
``NotaFiscalNacionalCancelar`` (the national ``evento`` the emitter signed). The NFS-e is
checked against the official XSD (``TSNNFSe`` admitting the 0 of a number still to assign:
``nfse.xml.nfse_transcrita``), its signature and key verified, its DPS judged by the Sefin's
rules; the system then assigns the number and the key, and the note — transcribed as the
system's own (``ambGer`` 1, ``tpEmis`` 2), signed by the sandbox, valid against the unchanged
official XSD — is shared with the national environment: the Sefin's routes answer for it
under ``/SefinNacional`` on the same port. Facts from ACBr's
``Provedores/SilTecnologia.Provider.pas`` (``...SilTecnologiaAPIPropria``, 2026-06-28); the
client is ``nfse.providers.nacional.dialetos.siltecnologia``. The answer's element names
around ``return`` (``<Operação>Response``, ``Retorno``) and the ``Status`` texts are the
sandbox's own: ACBr reads the children of the document in ``return`` only."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from nfse.certs.a1 import document_of
from nfse.regras.catalogo import mensagem
from nfse.sandbox.nacional.assinatura import AssinaturaInvalida, verificar
from nfse.sandbox.nacional.betha import _falha
from nfse.sandbox.nacional.digitos import chave_dv
from nfse.sandbox.nacional.leitura import Campos, campos
from nfse.sandbox.nacional.regras import Contexto, avaliar
from nfse.sandbox.nacional.sefin import NS, agora
from nfse.xml import nfse_transcrita, seguro
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS_SIL = "http://webservices.sil.com/"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SEFIN_NACIONAL = True
"""SilTecnologia's notes are queried at the national environment (ACBr:
``ServicosPadraoNacional``)."""
VERSAO_SISTEMA = "SilTecnologia_1.0"
DSIG = "{http://www.w3.org/2000/09/xmldsig#}"
Mensagens = list[tuple[str, str, str]]


class Recusa(Exception):
    def __init__(self, mensagens: Mensagens):
        super().__init__(mensagens[0][1])
        self.mensagens = mensagens


def _n(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _retorno(operacao: str, mensagens: Mensagens | None = None, **campos: str) -> bytes:
    """The SOAP answer: the document (receipt time, fields, messages) escaped as the text of
    ``return``."""
    documento = etree.Element("Retorno")
    etree.SubElement(documento, "dhRecebimento").text = agora().replace(
        microsecond=0).isoformat()
    for tag, texto in campos.items():
        etree.SubElement(documento, tag).text = texto
    if mensagens:
        lista = etree.SubElement(documento, "listaMensagens")
        for codigo, texto, correcao in mensagens:
            item = etree.SubElement(lista, "mensagem")
            for tag, valor in (("codigo", codigo), ("mensagem", texto), ("correcao", correcao)):
                etree.SubElement(item, tag).text = valor
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    resposta = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"),
                                f"{{{NS_SIL}}}{operacao}Response", nsmap={"ns2": NS_SIL})
    etree.SubElement(resposta, "return").text = etree.tostring(documento, encoding="unicode")
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _assinante(documento: etree._Element) -> str:
    try:
        return document_of(verificar(documento)) or ""
    except AssinaturaInvalida as exc:
        raise Recusa([(exc.codigo, mensagem(exc.codigo), str(exc))]) from exc


def _conferir_chave(inf: etree._Element, dps: etree._Element, inscricao: str,
                    numero: str) -> None:
    """The emitter's key: 50 digits with a valid check digit, of the DPS's municipality,
    ambGer 1 and the emitter's registration; ambGer 1, tpEmis 2 and the number ``numero``
    (``"0"``: the system assigns it)."""
    chave = (inf.get("Id") or "")[3:]
    esperado = f"{dps.findtext(_n('cLocEmi'))}1{'2' if len(inscricao) == 14 else '1'}" \
               f"{inscricao.zfill(14)}"
    if not chave.isdigit() or chave_dv(chave[:49]) != chave[49] or \
            not chave.startswith(esperado):
        raise Recusa([("S0001", "Chave de acesso da NFS-e inválida",
                       f"A chave deve começar por {esperado} e ter o dígito verificador "
                       "do módulo 11")])
    for tag, valor in (("ambGer", "1"), ("tpEmis", "2"), ("nNFSe", numero)):
        if inf.findtext(_n(tag)) != valor:
            raise Recusa([("S0002", f"{tag} deve ser {valor}",
                           "A NFS-e é gerada pelo sistema do município (ambGer 1, tpEmis 2), "
                           f"com o número {valor}")])


@dataclass(frozen=True)
class Recebida:
    """An emitter's NFS-e the system checked: its parts and the DPS's fields."""

    nfse: etree._Element
    inf: etree._Element
    dps: etree._Element
    c: Campos
    inscricao: str


def conferir_nfse(nfse: etree._Element, chamador: str | None,
                  problemas: Callable[[etree._Element], list[str]],
                  numero_do_emitente: bool) -> Recebida:
    """The emitter's NFS-e against ``problemas`` (the schema), its signature (the
    certificate, ``emit``, the DPS's prestador and the connection of one company) and its
    key; ``numero_do_emitente``: nNFSe is the DPS's number, else 0. Raises ``Recusa``."""
    if nfse.tag != _n("NFSe"):
        raise Recusa([("E1242", mensagem("E1242"), "Esperado NFSe")])
    erros = problemas(nfse)
    if erros:
        raise Recusa([("E1235", mensagem("E1235"), "; ".join(erros[:3]))])
    assinante = _assinante(nfse)
    inf = nfse.find(_n("infNFSe"))
    dps = inf.find(_n("DPS"))
    c = campos(dps.find(_n("infDPS")))
    inscricao = c["prest/CNPJ"] or c["prest/CPF"]
    emitente = inf.findtext(f"{_n('emit')}/{_n('CNPJ')}") or \
        inf.findtext(f"{_n('emit')}/{_n('CPF')}")
    if assinante[:8] != inscricao[:8] or emitente != inscricao:
        raise Recusa([("E0718", mensagem("E0718"), "")])
    if (chamador or "")[:8] != inscricao[:8]:
        raise Recusa([("E1200", mensagem("E1200"),
                       "O certificado da conexão não pertence ao emitente da NFS-e")])
    _conferir_chave(inf, dps.find(_n("infDPS")), inscricao,
                    c["nDPS"] if numero_do_emitente else "0")
    return Recebida(nfse, inf, dps, c, inscricao)


def registrar_nfse(sandbox: NacionalSandbox, recebida: Recebida,
                   transcrever: Callable[[], tuple[str, int, bytes]]) -> tuple[str, int]:
    """The DPS judged by the Sefin's rules, then the note ``transcrever`` gives (key,
    number, document) kept and shared with the national environment, in one transaction.
    Raises ``Recusa``."""
    estado = sandbox.estado
    inf_dps = recebida.dps.find(_n("infDPS"))
    with estado.transacao():
        contexto = Contexto(raiz=recebida.dps, inf=inf_dps, c=recebida.c,
                            parametros=sandbox.parametrizacao, estado=estado, agora=agora())
        erros = avaliar(contexto)
        if erros:
            raise Recusa(erros)
        chave, numero, xml = transcrever()
        estado.registrar(chave=chave, id_dps=inf_dps.get("Id"), inscricao=recebida.inscricao,
                         serie=recebida.c["serie"], ndps=recebida.c["nDPS"], numero=numero,
                         xml=xml)
    return chave, numero


def _transcrever(sandbox: NacionalSandbox, recebida: Recebida) -> tuple[str, int, bytes]:
    """The note as SilTecnologia keeps and shares it: its number, its key, its processing
    time and sequence, signed by the system."""
    nfse, inf = recebida.nfse, recebida.inf
    numero = sandbox.estado.proximo(f"nfse:{recebida.inscricao}")
    for assinatura in nfse.findall(f"{DSIG}Signature"):
        nfse.remove(assinatura)
    momento = agora().replace(microsecond=0)
    antiga = (inf.get("Id") or "")[3:]
    base = (f"{antiga[:23]}{numero:013d}{momento:%y%m}"
            f"{secrets.randbelow(10**9):09d}")
    chave = base + chave_dv(base)
    inf.set("Id", "NFS" + chave)
    inf.find(_n("nNFSe")).text = str(numero)
    inf.find(_n("verAplic")).text = VERSAO_SISTEMA
    inf.find(_n("dhProc")).text = momento.isoformat()
    inf.find(_n("nDFSe")).text = str(sandbox.estado.proximo("ndfse"))
    sign(nfse, "NFS" + chave, sandbox.sefin.signer)
    problemas = validate(nfse, nacional_schema_dir() / "NFSe_v1.01.xsd")
    if problemas:  # the sandbox's own bug: never share a note out of the layout
        raise Recusa([("S0999", "Erro interno do sistema", "; ".join(problemas[:3]))])
    return chave, numero, etree.tostring(nfse, xml_declaration=True, encoding="UTF-8")


def receber_nfse(sandbox: NacionalSandbox, nfse: etree._Element, chamador: str | None
                 ) -> bytes:
    """NotaFiscalNacionalGerar: the emitter's NFS-e checked, numbered and shared."""
    operacao = "NotaFiscalNacionalGerar"
    try:
        recebida = conferir_nfse(nfse, chamador, nfse_transcrita.problemas, False)
        chave, numero = registrar_nfse(sandbox, recebida,
                                       lambda: _transcrever(sandbox, recebida))
    except Recusa as recusa:
        return _retorno(operacao, recusa.mensagens, Status="Rejeitada")
    return _retorno(operacao, protocolo=str(sandbox.estado.proximo("protocolo_sil")),
                    Status="Autorizada", nNFSe=str(numero), chaveAcesso=chave)


def cancelar(sandbox: NacionalSandbox, evento: etree._Element, chamador: str | None) -> None:
    """The emitter's ``evento`` checked (the official schema, its signature, Id, author) and
    the note cancelled, its event registered as the Sefin registers one. Raises
    ``Recusa``."""
    if evento.tag != _n("evento"):
        raise Recusa([("E1242", mensagem("E1242"), "Esperado evento")])
    problemas = validate(evento, nacional_schema_dir() / "evento_v1.01.xsd")
    if problemas:
        raise Recusa([("E1235", mensagem("E1235"), "; ".join(problemas[:3]))])
    assinante = _assinante(evento)
    info = evento.find(_n("infEvento"))
    pedido = info.find(_n("pedRegEvento"))
    inf = pedido.find(_n("infPedReg"))
    if inf.find(_n("e101101")) is None:
        raise Recusa([("E1818", "Evento não suportado: só o cancelamento (e101101)", "")])
    c = campos(inf)
    chave, autor = c["chNFSe"], c["CNPJAutor"] or c["CPFAutor"]
    if info.get("Id") != f"EVT{chave}101101001":
        raise Recusa([("E1827", mensagem("E1827"), "")])
    if assinante[:8] != autor[:8] or (chamador or "")[:8] != autor[:8]:
        raise Recusa([("E0812", mensagem("E0812"), "")])
    with sandbox.estado.lock:
        nota = sandbox.estado.por_chave(chave)
        if nota is None:
            raise Recusa([("E1831", mensagem("E1831"), "")])
        if nota["inscricao"][:8] != autor[:8]:
            raise Recusa([("E1991", mensagem("E1991"), "O autor não é o emitente")])
        if nota["cancelada"]:
            raise Recusa([("E0840", mensagem("E0840"), "")])
        sandbox.estado.cancelar(chave, sandbox.sefin._gerar_evento(pedido, chave))


def receber_evento(sandbox: NacionalSandbox, evento: etree._Element, chamador: str | None
                   ) -> bytes:
    """NotaFiscalNacionalCancelar: the emitter's ``evento`` checked, the note cancelled."""
    operacao = "NotaFiscalNacionalCancelar"
    try:
        cancelar(sandbox, evento, chamador)
    except Recusa as recusa:
        return _retorno(operacao, recusa.mensagens, status="Rejeitado")
    return _retorno(operacao, protocolo=str(sandbox.estado.proximo("protocolo_sil")),
                    status="Registrado")


OPERACOES = {"NotaFiscalNacionalGerar": receber_nfse,
             "NotaFiscalNacionalCancelar": receber_evento}


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A SOAP request at the base path; None for any other path or method."""
    if metodo != "POST" or rota not in ([], [""]):
        return None
    try:
        envelope = seguro.ler(corpo)
    except etree.XMLSyntaxError as exc:
        return _falha(f"XML ilegível: {exc}")
    operacao = envelope.find(f"{{{SOAP}}}Body/*")
    if operacao is None or etree.QName(operacao).namespace != NS_SIL:
        return _falha("Corpo SOAP sem operação do serviço NotaFiscalNacional")
    tratar = OPERACOES.get(etree.QName(operacao).localname)
    if tratar is None:
        return _falha(f"Operação desconhecida: {etree.QName(operacao).localname}")
    try:
        documento = seguro.ler((operacao.findtext("xml") or "").encode())
    except etree.XMLSyntaxError as exc:
        return _falha(f"Documento ilegível em <xml>: {exc}")
    return 200, tratar(sandbox, documento, chamador), "text/xml; charset=utf-8"
