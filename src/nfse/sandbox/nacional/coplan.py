"""Coplan's interface 1.01 (``.../tributario/<cidade>/anfse_ws``), as the Nacional sandbox
plays it: a GeneXus SOAP 1.1 service at its base path whose body
``<trib:<serviço>.<OPERAÇÃO>>`` (namespace ``Tributario``) holds
``<trib:<Operação>request>`` and in it ``nfseCabecMsg``/``nfseDadosMsg`` as text, in the
namespace of Coplan's environment (``Tributario_PRODUCAO_FULL``,
``Tributario_HOMOLOGACAO_FULL``); the answer is ``<Operação>response/outputXML`` with the
document as text.

- ``nfse_web.GERARNFSE``: ``GerarNfseEnvio/DPS`` (the DPS's root without attributes, as ACBr
  sends it; checked with ``versao="1.01"`` against the official XSD), signature, emitter and
  the Sefin's rules checked, the note issued as the Sefin does; ``GerarNfseResposta`` with
  ``ListaNfse/CompNfse/NFSe``.
- ``nfse_ws.CONSULTARNFSEPORDPS``: ``ConsultarNfseDpsEnvio/IdentificacaoDPS``;
  ``ConsultarNfseRpsResposta`` with ``CompNfse/NFSe``.
- ``nfse_ws.CANCELARNFSE``: the ABRASF ``CancelarNfseEnvio`` (``InfPedidoCancelamento``
  signed, the note by ``Numero`` and the prestador's ``Cnpj``/``Cpf``);
  ``CancelarNfseResposta/RetCancelamento/NfseCancelamento/Confirmacao`` with ``DataHora``.

Errors in ``ListaMensagemRetorno/MensagemRetorno`` (``Codigo``, ``Mensagem``, ``Correcao``)
with the Sefin's codes, which Coplan's own are not published. The note by its key and the
events are the national environment's (ACBr: ``ServicosPadraoNacional``), served under
``/SefinNacional`` on the same port; the cancellation is kept as the note's event as the
confirmation Coplan answers. Facts from ACBr's ``Provedores/Coplan.Provider.pas``
(``...CoplanAPIPropria``, 2026-06); the client is ``nfse.providers.nacional.dialetos.coplan``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from nfse.certs.a1 import document_of
from nfse.regras.catalogo import mensagem
from nfse.sandbox.nacional.recepcao import Mensagens, Recusa, assinante, emitir
from nfse.sandbox.nacional.sefin import agora
from nfse.xml import seguro

if TYPE_CHECKING:
    from nfse.sandbox.nacional.server import NacionalSandbox

NS = "http://www.sped.fazenda.gov.br/nfse"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TRIBUTARIO = "Tributario"
AMBIENTES = ("Tributario_PRODUCAO_FULL", "Tributario_HOMOLOGACAO_FULL")
VERSAO = "1.01"
SEFIN_NACIONAL = True
"""The notes by key and the events are queried at the national environment."""
NAO_ENCONTRADA = "E0001"
"""The sandbox's code for a DPS it has not received (Coplan's is not published)."""


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _achar(raiz: etree._Element, caminho: str) -> str:
    elemento = raiz.find("/".join(_q(p) for p in caminho.split("/")))
    return (elemento.text or "").strip() if elemento is not None else ""


def _documento(raiz_resposta: str) -> etree._Element:
    return etree.Element(_q(raiz_resposta), nsmap={None: NS})


def _mensagens(resposta: etree._Element, mensagens: Mensagens) -> etree._Element:
    lista = etree.SubElement(resposta, _q("ListaMensagemRetorno"))
    for codigo, texto, correcao in mensagens:
        item = etree.SubElement(lista, _q("MensagemRetorno"))
        for tag, valor in (("Codigo", codigo), ("Mensagem", texto), ("Correcao", correcao)):
            etree.SubElement(item, _q(tag)).text = valor
    return resposta


def _comp_nfse(pai: etree._Element, xml: bytes) -> None:
    etree.SubElement(pai, _q("CompNfse")).append(seguro.ler(xml))


def gerar_nfse(sandbox: NacionalSandbox, envio: etree._Element, chamador: str | None
               ) -> etree._Element:
    """GERARNFSE: the DPS issued as the Sefin issues it."""
    resposta = _documento("GerarNfseResposta")
    try:
        dps = envio.find(_q("DPS"))
        if envio.tag != _q("GerarNfseEnvio") or dps is None or len(dps) == 0:
            raise Recusa([("E1235", mensagem("E1235"),
                           f"Esperado GerarNfseEnvio/DPS no namespace {NS}")])
        dps = seguro.ler(etree.tostring(dps))
        dps.set("versao", dps.get("versao") or VERSAO)
        chave, _numero, _campos = emitir(sandbox, dps, assinante(dps, dps[0]), chamador)
    except Recusa as recusa:
        return _mensagens(resposta, recusa.mensagens)
    nota = sandbox.estado.por_chave(chave)
    etree.SubElement(resposta, _q("DataRecebimento")).text = agora().date().isoformat()
    _comp_nfse(etree.SubElement(resposta, _q("ListaNfse")), nota["xml"])
    return resposta


def consultar_dps(sandbox: NacionalSandbox, envio: etree._Element, chamador: str | None
                  ) -> etree._Element:
    """CONSULTARNFSEPORDPS: the note of a DPS id, to its emitter only."""
    resposta = _documento("ConsultarNfseRpsResposta")
    nota = sandbox.estado.por_dps(_achar(envio, "IdentificacaoDPS"))
    if nota is None or nota["inscricao"][:8] != (chamador or "")[:8]:
        return _mensagens(resposta, [(NAO_ENCONTRADA, "DPS não encontrada", "")])
    _comp_nfse(resposta, nota["xml"])
    return resposta


def cancelar(sandbox: NacionalSandbox, envio: etree._Element, chamador: str | None
             ) -> etree._Element:
    """CANCELARNFSE: the signed ABRASF request; the note cancelled."""
    resposta = _documento("CancelarNfseResposta")
    try:
        pedido = envio.find(_q("Pedido"))
        inf = pedido.find(_q("InfPedidoCancelamento")) if pedido is not None else None
        if inf is None:
            raise Recusa([("E1235", mensagem("E1235"),
                           "Esperado CancelarNfseEnvio/Pedido/InfPedidoCancelamento")])
        cert = assinante(pedido, inf)
        numero = _achar(inf, "IdentificacaoNfse/Numero")
        autor = (_achar(inf, "IdentificacaoNfse/CpfCnpj/Cnpj")
                 or _achar(inf, "IdentificacaoNfse/CpfCnpj/Cpf"))
        if (document_of(cert) or "")[:8] != autor[:8] or (chamador or "")[:8] != autor[:8]:
            raise Recusa([("E0812", mensagem("E0812"), "")])
        with sandbox.estado.lock:
            nota = next((n for n in sandbox.estado.emitidas()
                         if str(n["numero"]) == numero and n["cnpj"] == autor), None)
            if nota is None:
                raise Recusa([("E1831", mensagem("E1831"), "")])
            if nota["cancelada"]:
                raise Recusa([("E0840", mensagem("E0840"), "")])
            ret = etree.SubElement(resposta, _q("RetCancelamento"))
            confirmacao = etree.SubElement(etree.SubElement(ret, _q("NfseCancelamento")),
                                           _q("Confirmacao"))
            confirmacao.append(seguro.ler(etree.tostring(pedido)))
            etree.SubElement(confirmacao, _q("DataHora")).text = (
                agora().replace(microsecond=0, tzinfo=None).isoformat())
            sandbox.estado.cancelar(nota["chaveAcesso"], etree.tostring(ret[0]))
    except Recusa as recusa:
        return _mensagens(resposta, recusa.mensagens)
    return resposta


OPERACOES = {"nfse_web.GERARNFSE": gerar_nfse, "nfse_ws.CONSULTARNFSEPORDPS": consultar_dps,
             "nfse_ws.CANCELARNFSE": cancelar}


def _envelope(conteudo: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"SOAP-ENV": SOAP})
    etree.SubElement(env, f"{{{SOAP}}}Body").append(conteudo)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def _falha(texto: str) -> tuple[int, bytes, str]:
    falha = etree.Element(f"{{{SOAP}}}Fault")
    etree.SubElement(falha, "faultcode").text = "SOAP-ENV:Client"
    etree.SubElement(falha, "faultstring").text = texto
    return 500, _envelope(falha), "text/xml"


def _parametros(requisicao: etree._Element) -> tuple[etree._Element, etree._Element] | str:
    """The header and the document of a request (their text parsed), or what is wrong."""
    textos = {_local(p): (etree.QName(p).namespace, (p.text or "").strip())
              for p in requisicao}
    if set(textos) != {"nfseCabecMsg", "nfseDadosMsg"}:
        return "Esperados os parâmetros nfseCabecMsg e nfseDadosMsg"
    if any(ns not in AMBIENTES for ns, _texto in textos.values()):
        return f"Parâmetros fora do namespace do ambiente ({' ou '.join(AMBIENTES)})"
    try:
        cabecalho, dados = (seguro.ler(textos[n][1].encode())
                            for n in ("nfseCabecMsg", "nfseDadosMsg"))
    except etree.XMLSyntaxError as exc:
        return f"XML ilegível num parâmetro: {exc}"
    if cabecalho.findtext(_q("versaoDados")) != VERSAO:
        return f"Cabeçalho sem versaoDados {VERSAO} no namespace {NS}"
    return cabecalho, dados


def responder(sandbox: NacionalSandbox, metodo: str, rota: list[str], corpo: bytes,
              chamador: str | None) -> tuple[int, bytes, str] | None:
    """A GeneXus SOAP request at the base path; None for any other path or method."""
    if metodo != "POST" or rota not in ([], [""]):
        return None
    try:
        envelope = seguro.ler(corpo)
    except etree.XMLSyntaxError as exc:
        return _falha(f"XML ilegível: {exc}")
    procedimento = envelope.find(f"{{{SOAP}}}Body/*")
    if procedimento is None or etree.QName(procedimento).namespace != TRIBUTARIO:
        return _falha(f"Corpo SOAP sem procedimento no namespace {TRIBUTARIO}")
    nome = _local(procedimento)
    operacao = nome.split(".")[-1]
    requisicao = procedimento.find(f"{{{TRIBUTARIO}}}{operacao.capitalize()}request")
    if nome not in OPERACOES or requisicao is None:
        return _falha(f"Procedimento desconhecido: {nome}")
    parametros = _parametros(requisicao)
    if isinstance(parametros, str):
        return _falha(parametros)
    documento = OPERACOES[nome](sandbox, parametros[1], chamador)
    saida = etree.Element(f"{{{TRIBUTARIO}}}{operacao.capitalize()}response",
                          nsmap={None: TRIBUTARIO})
    etree.SubElement(saida, f"{{{TRIBUTARIO}}}outputXML").text = etree.tostring(
        documento, encoding="unicode")
    return 200, _envelope(saida), "text/xml; charset=utf-8"
