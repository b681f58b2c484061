"""Coplan's dialect, interface 1.01 (``www.gp.srv.br/tributario/<cidade>/anfse_ws``: Barra
Mansa, Sinop, Barra do Garças, Alta Floresta...): the national DPS in Coplan's GeneXus SOAP
envelope (``nfse.providers.genexus``), the documents ABRASF-shaped around it in the national
namespace.

- Emission: ``nfse_web.GERARNFSE`` (SOAPAction ``Tributarioaction/ANFSE_WEB.GERARNFSE``)
  with ``<GerarNfseEnvio xmlns="http://www.sped.fazenda.gov.br/nfse"><DPS>`` — the signed
  DPS, its root written without attributes (ACBr's ``PrepararRpsParaLote``: the namespace is
  the envelope's, ``versao`` goes away; the signature, over ``infDPS``, is unchanged). The
  answer ``GerarNfseResposta/ListaNfse/CompNfse/NFSe``: the national NFS-e.
- Query: ``nfse_ws.CONSULTARNFSEPORDPS`` (``ANFSE_WS.CONSULTARNFSEPORDPS``) with
  ``ConsultarNfseDpsEnvio``: ``IdentificacaoDPS`` (the DPS's 45-character id) and the
  ``Prestador`` (``CpfCnpj``, ``InscricaoMunicipal``); the answer's ``CompNfse/NFSe``.
- Cancellation: ``nfse_ws.CANCELARNFSE`` (SOAPAction ``ANFSE_WEB.CANCELARNFSE``, as ACBr
  writes it) with the ABRASF ``CancelarNfseEnvio/Pedido/InfPedidoCancelamento`` (``Id``
  ``Canc_<CNPJ><IM><número>``, ``IdentificacaoNfse``: ``Numero``, ``CpfCnpj``,
  ``InscricaoMunicipal``, ``CodigoMunicipio``; ``CodigoCancelamento``), signed, in the
  national namespace; the answer's ``RetCancelamento/NfseCancelamento/Confirmacao/DataHora``.
- Every answer's errors in ``ListaMensagemRetorno/MensagemRetorno`` (``Codigo``,
  ``Mensagem``, ``Correcao``; a code with ``L000`` is a notice); the parameters' namespace
  ``Tributario_PRODUCAO_FULL`` in produção, ``Tributario_HOMOLOGACAO_FULL`` otherwise; the
  header ``<cabecalho versao="1.01">`` in the national namespace.

Facts from ACBr's ``Provedores/Coplan.Provider.pas``, classes
``TACBrNFSeProviderCoplanAPIPropria`` and ``TACBrNFSeXWebserviceCoplanAPIPropria``
(edsontmarques/ACBr, 2026-06), and the ``[Coplan]`` section of ``ACBrNFSeXServicos.ini``
(``ServicosPadraoNacional``: the note by its key and the events are the Sefin Nacional's). What
ACBr does not show — the answer to a query for a DPS Coplan does not have — is read as "not
found" when the answer is a document with messages and no note.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lxml import etree

from nfse.providers import genexus
from nfse.providers.base import Emissor, Erro, Exchange, Outcome, Result, Rps
from nfse.providers.nacional.dialetos.comum import chamar, documento, na_sefin, sem_nota
from nfse.providers.nacional.dps import NS, dps_id
from nfse.xml import seguro
from nfse.xml.sign import sign

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

VERSAO = "1.01"
HOMOLOGACAO = "Tributario_HOMOLOGACAO_FULL"
CODIGO_CANCELAMENTO = "1"
"""ABRASF's "erro na emissão": the contract carries only a free-text justificativa."""
EMITIR = ("nfse_web", "GERARNFSE", "ANFSE_WEB.GERARNFSE")
CONSULTAR = ("nfse_ws", "CONSULTARNFSEPORDPS", "ANFSE_WS.CONSULTARNFSEPORDPS")
CANCELAR = ("nfse_ws", "CANCELARNFSE", "ANFSE_WEB.CANCELARNFSE")


def namespace_parametros(ambiente: str) -> str:
    return genexus.PRODUCAO if ambiente == "producao" else HOMOLOGACAO


def _el(pai: etree._Element, tag: str, texto: str | None = None) -> etree._Element:
    filho = etree.SubElement(pai, f"{{{NS}}}{tag}")
    filho.text = texto
    return filho


def gerar_nfse_envio(dps: bytes) -> bytes:
    """``GerarNfseEnvio`` around the signed DPS, whose root loses its attributes."""
    raiz = etree.Element(f"{{{NS}}}GerarNfseEnvio", nsmap={None: NS})
    assinada = seguro.ler(dps)
    assinada.attrib.clear()
    raiz.append(assinada)
    return etree.tostring(raiz, encoding="UTF-8")


def _prestador(pai: etree._Element, nota: Nota, tag: str = "Prestador") -> etree._Element:
    grupo = _el(pai, tag) if tag else pai
    cpf_cnpj = _el(grupo, "CpfCnpj")
    if nota.prestador.cnpj:
        _el(cpf_cnpj, "Cnpj", nota.prestador.cnpj)
    else:
        _el(cpf_cnpj, "Cpf", nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        _el(grupo, "InscricaoMunicipal", nota.prestador.inscricao_municipal)
    return grupo


def consultar_nfse_dps_envio(nota: Nota, rps: Rps) -> bytes:
    raiz = etree.Element(f"{{{NS}}}ConsultarNfseDpsEnvio", nsmap={None: NS})
    _el(raiz, "IdentificacaoDPS", dps_id(nota, rps))
    _prestador(raiz, nota)
    return etree.tostring(raiz, encoding="UTF-8")


def cancelar_nfse_envio(nota: Nota, numero: str, emissor: Emissor) -> bytes:
    """The signed ABRASF cancellation request, in the national namespace."""
    raiz = etree.Element(f"{{{NS}}}CancelarNfseEnvio", nsmap={None: NS})
    pedido = _el(raiz, "Pedido")
    ident = (f"Canc_{nota.prestador.documento}{nota.prestador.inscricao_municipal or ''}"
             f"{numero}")
    inf = _el(pedido, "InfPedidoCancelamento")
    inf.set("Id", ident)
    nfse = _el(inf, "IdentificacaoNfse")
    _el(nfse, "Numero", numero)
    _prestador(nfse, nota, tag="")
    _el(nfse, "CodigoMunicipio", nota.prestador.codigo_municipio)
    _el(inf, "CodigoCancelamento", CODIGO_CANCELAMENTO)
    sign(pedido, ident, emissor.a1)
    return etree.tostring(raiz, encoding="UTF-8")


def _do_cliente(erro: Erro) -> bool:
    """A SOAP Fault of the client: the message itself was refused."""
    return erro.codigo.rsplit(":", 1)[-1] in ("Client", "Sender")


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


def _avulso(elemento: etree._Element) -> bytes:
    """An element of the answer as a document of its own (without the answer's unused
    namespace declarations, which would change what its signature covers)."""
    copia = seguro.ler(etree.tostring(elemento))
    etree.cleanup_namespaces(copia)
    return etree.tostring(copia, xml_declaration=True, encoding="UTF-8")


def nfse_da_resposta(resposta: etree._Element) -> tuple[str, bytes] | None:
    """The key and the document of the national NFS-e an answer carries."""
    nfse = next((e for e in resposta.iter(f"{{{NS}}}NFSe")), None)
    inf = nfse.find(f"{{{NS}}}infNFSe") if nfse is not None else None
    if inf is None or not (inf.get("Id") or "").startswith("NFS"):
        return None
    return (inf.get("Id") or "")[3:], _avulso(nfse)


class Coplan:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment, which serve the
        events of Coplan's notes (ACBr: ``ServicosPadraoNacional``)."""

    def _enviar(self, provider: NacionalProvider, emissor: Emissor,
                operacao: tuple[str, str, str], dados: bytes, nome: str
                ) -> tuple[int, etree._Element | None, list[Erro], tuple[Exchange, ...]] | Outcome:
        """One GeneXus call: the HTTP status, the answer's document, its errors (a SOAP
        Fault's included) and the exchange."""
        servico, nome_operacao, acao = operacao
        pedido = genexus.envelope(servico, nome_operacao, namespace_parametros(emissor.ambiente),
                                  genexus.cabecalho(VERSAO, NS), dados)
        sent = chamar(provider, "POST", emissor.base_url, emissor, nome, pedido,
                      content=pedido, headers=genexus.cabecalhos(acao))
        if isinstance(sent, Outcome):
            return sent
        answer, exchanges = sent
        resposta = genexus.saida(answer.body)
        erros = genexus.mensagens(resposta) if resposta is not None else []
        falha = genexus.falha_soap(answer.body)
        if falha is not None:
            erros.append(falha)
        return answer.status, resposta, erros, exchanges

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        feito = documento(provider, nota, rps, emissor)
        if isinstance(feito, Outcome):
            return feito
        xml, aviso = feito
        sent = self._enviar(provider, emissor, EMITIR, gerar_nfse_envio(xml), "emissao")
        if isinstance(sent, Outcome):
            return sent
        status, resposta, erros, exchanges = sent
        nfse = nfse_da_resposta(resposta) if resposta is not None else None
        if nfse is not None:
            return provider._authorized_xml(*nfse, exchanges, aviso)
        if any(_do_cliente(e) for e in erros):  # the message refused: nothing processed
            return Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(erros),
                           mensagem=aviso)
        return sem_nota(status, erros, exchanges, aviso)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        sent = self._enviar(provider, emissor, CONSULTAR, consultar_nfse_dps_envio(nota, rps),
                            "consulta_dps")
        if isinstance(sent, Outcome):
            return replace(sent, result=Result.UNKNOWN)
        status, resposta, erros, exchanges = sent
        nfse = nfse_da_resposta(resposta) if resposta is not None else None
        if nfse is not None:
            return provider._authorized_xml(*nfse, exchanges)
        if status == 200 and resposta is not None and erros:
            return Outcome(Result.NOT_FOUND, exchanges=exchanges, erros=tuple(erros))
        return Outcome(Result.UNKNOWN, exchanges=exchanges, erros=tuple(erros),
                       mensagem=f"Consulta da DPS sem resposta útil (HTTP {status})")

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        sent = self._enviar(provider, emissor, CANCELAR,
                            cancelar_nfse_envio(nota, numero, emissor), "cancelamento")
        nacional = na_sefin(self.nacional, emissor)
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return provider._cancelamento_registrado(chave, numero, nacional, sent)
            return sent
        status, resposta, erros, exchanges = sent
        confirmacao = None
        if resposta is not None:
            confirmacao = next((e for e in resposta.iter() if _local(e) == "NfseCancelamento"
                                and any(_local(d) == "DataHora" and (d.text or "").strip()
                                        for d in e.iter())), None)
        if confirmacao is not None:
            return Outcome(Result.AUTHORIZED, xml=_avulso(confirmacao), chave_acesso=chave,
                           numero=numero, exchanges=exchanges)
        falha_do_servidor = status >= 500 and resposta is None and not any(
            _do_cliente(e) for e in erros)
        if not erros or falha_do_servidor:
            return provider._cancelamento_registrado(chave, numero, nacional, Outcome(
                Result.UNKNOWN, exchanges=exchanges, erros=tuple(erros),
                mensagem=f"Resposta inesperada da autoridade (HTTP {status})"))
        return Outcome(Result.REJECTED, exchanges=exchanges, erros=tuple(erros))
