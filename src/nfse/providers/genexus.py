"""The SOAP envelope of Coplan's web services (GeneXus, ``www.gp.srv.br/tributario/<cidade>``).

Every operation is a GeneXus procedure: the body is ``<trib:<serviço>.<OPERAÇÃO>>`` in the
namespace ``Tributario``, inside it ``<trib:<Operação>request>`` (the operation's name with
only its first letter upper case), and inside that the two parameters ``nfseCabecMsg`` and
``nfseDadosMsg``, the header and the document as text in CDATA, in a third namespace that
names the system's environment. The SOAPAction is ``Tributarioaction/<AÇÃO>``; the answer is
``<Operação>response/outputXML``, the document as text.

Facts from ACBr's ``Provedores/Coplan.Provider.pas`` (edsontmarques/ACBr, 2026-06: classes
``TACBrNFSeXWebserviceCoplan201`` and ``TACBrNFSeXWebserviceCoplanAPIPropria``, whose
``Executar`` calls give the request, the action and the answer's path) and the ``Coplan.ini``
example of the same repository (``S:Envelope``, ``xmlns="Tributario"``, the CDATA). Shared by
the interface 1.01 (``nacional.dialetos.coplan``) and the ABRASF 2.01 body
(``abrasf.corpo``, ``forma_documento = "genexus"``).
"""

from __future__ import annotations

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TRIBUTARIO = "Tributario"
PREFIXO_ACAO = "Tributarioaction/"
PRODUCAO = "Tributario_PRODUCAO_FULL"
"""The parameters' namespace in produção, for both interfaces."""
SERVICO_ABRASF = "nfse_web_service"
"""The procedures' prefix of the ABRASF 2.01 interface (``.../anfse_web_service``)."""
HOMOLOGACAO_ABRASF = "TributarioGx16New"
"""The parameters' namespace of the ABRASF 2.01 interface outside produção."""


def pedido(operacao: str) -> str:
    """The request element of an operation: ``GERARNFSE`` → ``Gerarnfserequest``."""
    return operacao.capitalize() + "request"


def envelope(servico: str, operacao: str, namespace: str, cabecalho: bytes | str,
             dados: bytes, requisicao: str | None = None) -> bytes:
    """The SOAP 1.1 request of ``<servico>.<operacao>`` with the header and the document in
    CDATA, the parameters in ``namespace`` (the environment's); ``requisicao``: the request
    element when it is not ``pedido(operacao)``."""
    env = etree.Element(f"{{{SOAP}}}Envelope",
                        nsmap={"soapenv": SOAP, "trib": TRIBUTARIO, "trib1": namespace})
    etree.SubElement(env, f"{{{SOAP}}}Header")
    corpo = etree.SubElement(etree.SubElement(env, f"{{{SOAP}}}Body"),
                             f"{{{TRIBUTARIO}}}{servico}.{operacao}")
    req = etree.SubElement(corpo, f"{{{TRIBUTARIO}}}{requisicao or pedido(operacao)}")
    for nome, texto in (("nfseCabecMsg", cabecalho), ("nfseDadosMsg", dados)):
        etree.SubElement(req, f"{{{namespace}}}{nome}").text = etree.CDATA(
            _sem_declaracao(texto))
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def cabecalho(versao: str, namespace: str) -> bytes:
    """The ``cabecalho`` ACBr sends in ``nfseCabecMsg`` (``GetCabecalho``)."""
    return (f'<cabecalho versao="{versao}" xmlns="{namespace}">'
            f"<versaoDados>{versao}</versaoDados></cabecalho>").encode()


def _sem_declaracao(documento: bytes | str) -> str:
    texto = (documento.decode("utf-8") if isinstance(documento, bytes) else documento).strip()
    if texto.startswith("<?xml"):
        texto = texto[texto.index("?>") + 2:].lstrip()
    return texto


def abrasf(operacao: str, nome: str, cabecalho: str, dados: bytes, ambiente: str
           ) -> tuple[bytes, dict[str, str]]:
    """The request of the ABRASF 2.01 interface and its headers: ``operacao`` the ABRASF
    operation (``ConsultarNfsePorFaixa``, which names the request element:
    ``Consultarnfseporfaixarequest``), ``nome`` the system's (``ConsultarNfseFaixa``, which
    names the procedure and the action in upper case: ``CONSULTARNFSEFAIXA``)."""
    procedimento = nome.upper()
    namespace = PRODUCAO if ambiente == "producao" else HOMOLOGACAO_ABRASF
    return (envelope(SERVICO_ABRASF, procedimento, namespace, cabecalho, dados,
                     requisicao=pedido(operacao.upper())),
            cabecalhos(f"A{SERVICO_ABRASF.upper()}.{procedimento}"))


def cabecalhos(acao: str) -> dict[str, str]:
    """The HTTP headers of a request whose SOAPAction is ``Tributarioaction/<acao>``."""
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": PREFIXO_ACAO + acao,
            "Accept": "text/xml"}


def _local(elemento: etree._Element) -> str:
    return etree.QName(elemento).localname if isinstance(elemento.tag, str) else ""


def saida(body: bytes) -> etree._Element | None:
    """The document of an answer's ``outputXML`` (text, CDATA or inline elements); None
    when the answer has none."""
    try:
        raiz = seguro.ler(body)
    except etree.XMLSyntaxError:
        return None
    saidas = [e for e in raiz.iter() if _local(e) == "outputXML"]
    if not saidas:
        return None
    filhos = [f for f in saidas[0] if isinstance(f.tag, str)]
    if filhos:
        return seguro.ler(etree.tostring(filhos[0]))
    texto = (saidas[0].text or "").strip()
    if not texto:
        return None
    try:
        return seguro.ler(texto.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None


def falha_soap(body: bytes) -> Erro | None:
    """The SOAP Fault of an answer, as an error; None when it is not one."""
    try:
        raiz = seguro.ler(body)
    except etree.XMLSyntaxError:
        return None
    falha = next((e for e in raiz.iter() if _local(e) == "Fault"), None)
    if falha is None:
        return None
    codigo = next((e.text for e in falha.iter() if _local(e) == "faultcode"), None)
    texto = next((e.text for e in falha.iter() if _local(e) == "faultstring"), None)
    return Erro((codigo or "SOAP-Fault").strip(), (texto or "").strip())


AVISO = "L000"
"""A message whose code contains it is a notice, not an error (ACBr: ``VerificarAlerta``)."""


def mensagens(documento: etree._Element) -> list[Erro]:
    """The errors of an answer (``MensagemRetorno`` with ``Codigo``, ``Mensagem``,
    ``Correcao``, in any list), notices left out."""
    erros = []
    for item in documento.iter():
        if _local(item) != "MensagemRetorno":
            continue
        campos = {_local(f): (f.text or "").strip() for f in item}
        codigo = campos.get("Codigo", "")
        if AVISO in codigo or not (campos.get("Mensagem") or campos.get("Correcao")):
            continue
        erros.append(Erro(codigo or "sem_codigo", campos.get("Mensagem", ""),
                          campos.get("Correcao") or None))
    return erros
