"""The sandbox plays the families whose document is not in nfseCabecMsg/nfseDadosMsg: it
reads each one's envelope its own way, refuses what the family's service would not take (a
SOAPAction of another shape, an operation it lacks, DSF's document with the namespace,
Fiorilli's call without user and password), and answers the family's way."""

from __future__ import annotations

from xml.sax.saxutils import escape

import httpx
from lxml import etree

from tests.sandbox.abrasf.pedidos import NS, WS, consultar_faixa, consultar_rps

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
FIORILLI = "http://ws.issweb.fiorilli.com.br/"
FISCO = "https://www.fisco.net.br/wsnfseabrasf/ServicosNFSEAbrasf.asmx"
TINUS = "http://nfse.abrasf.org.br/WSNFSE203.Service2.nfseSOAP."


def _post(client: httpx.Client, corpo: str, acao: str,
          soap12: bool = False) -> tuple[int, etree._Element]:
    """(HTTP status, the body's first element) of a SOAP 1.1 (or 1.2) call."""
    versao = SOAP12 if soap12 else SOAP11
    envelope = (f'<soap:Envelope xmlns:soap="{versao}"><soap:Body>{corpo}</soap:Body>'
                "</soap:Envelope>")
    headers = ({"Content-Type": f'application/soap+xml; charset=utf-8; action="{acao}"'}
               if soap12 else
               {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{acao}"'})
    answer = client.post("", content=envelope.encode(), headers=headers)
    body = etree.fromstring(answer.content).find(f"{{{versao}}}Body")
    assert body is not None
    return answer.status_code, body[0]


def _sem_namespace(documento: str) -> str:
    return documento.replace(f' xmlns="{NS}"', "", 1)


def _codigos(resposta: etree._Element) -> list[str | None]:
    return [c.text for c in resposta.iter(f"{{{NS}}}Codigo")]


def test_fiorilli_answers_inline_and_wants_user_and_password(client: httpx.Client) -> None:
    pedido = (f'<ws:consultarNfsePorRps xmlns:ws="{FIORILLI}">{consultar_rps(1)}'
              "<username>u</username><password>p</password></ws:consultarNfsePorRps>")
    status, elemento = _post(client, pedido, "consultarNfsePorRps")
    assert status == 200
    assert etree.QName(elemento).text == f"{{{FIORILLI}}}consultarNfsePorRpsResponse"
    [resposta] = elemento
    assert etree.QName(resposta).text == f"{{{NS}}}ConsultarNfseRpsResposta"
    assert _codigos(resposta) == ["E4"]
    sem_senha = pedido.replace("<password>p</password>", "")
    status, fault = _post(client, sem_senha, "consultarNfsePorRps")
    assert (status, etree.QName(fault).localname) == (500, "Fault")
    assert "senha" in "".join(fault.itertext())
    status, fault = _post(client, pedido, f"{FIORILLI}consultarNfsePorRps")
    assert status == 500 and "SOAPAction" in "".join(fault.itertext())


def test_dsf_takes_the_document_without_namespace_and_its_own_range_name(
        client: httpx.Client) -> None:
    faixa = _sem_namespace(consultar_faixa(1, 1))
    status, elemento = _post(client, f'<nfse:ConsultarNfseFaixa xmlns:nfse="{WS}">{faixa}'
                                     "</nfse:ConsultarNfseFaixa>", "")
    assert status == 200
    [resposta] = elemento
    assert etree.QName(resposta).localname == "ConsultarNfseFaixaResposta"
    por_faixa = (f'<nfse:ConsultarNfsePorFaixa xmlns:nfse="{WS}">{faixa}'
                 "</nfse:ConsultarNfsePorFaixa>")
    assert _post(client, por_faixa, "")[0] == 500
    com_namespace = (f'<nfse:ConsultarNfseFaixa xmlns:nfse="{WS}">{consultar_faixa(1, 1)}'
                     "</nfse:ConsultarNfseFaixa>")
    status, fault = _post(client, com_namespace, "")
    assert status == 500 and "sem namespace" in "".join(fault.itertext())


def test_tinus_takes_the_document_as_the_body_and_has_no_range_query(
        client: httpx.Client) -> None:
    status, elemento = _post(client, consultar_rps(1), TINUS + "ConsultarNfseRpsEnvio")
    assert status == 200
    assert etree.QName(elemento).localname == "ConsultarNfsePorRpsResponse"
    [saida] = elemento
    assert saida.tag == "outputXML"
    assert _codigos(etree.fromstring(saida.text.encode())) == ["E4"]
    status, fault = _post(client, consultar_faixa(1, 1), TINUS + "ConsultarNfseFaixaEnvio")
    assert status == 500 and "não existe" in "".join(fault.itertext())
    assert _post(client, consultar_rps(1), f"{WS}/ConsultarNfsePorRps")[0] == 500


def test_fisco_takes_the_document_as_text_and_answers_in_result(client: httpx.Client) -> None:
    """SOAP 1.2, the document without namespace in nfse:xml, lower-case operations."""
    def pedido(documento: str, operacao: str = "consultarNfsePorRps") -> str:
        return (f'<nfse:{operacao} xmlns:nfse="{FISCO}"><nfse:xml>{escape(documento)}'
                f"</nfse:xml></nfse:{operacao}>")

    sem_namespace = _sem_namespace(consultar_rps(1))
    acao = f"{FISCO}/consultarNfsePorRps"
    status, elemento = _post(client, pedido(sem_namespace), acao, soap12=True)
    assert status == 200
    [resultado] = elemento
    assert resultado.tag == "consultarNfsePorRpsResult"
    assert _codigos(etree.fromstring(resultado.text.encode())) == ["E4"]
    assert _post(client, pedido(sem_namespace), acao)[0] == 500  # SOAP 1.1
    assert _post(client, pedido(consultar_rps(1)), acao, soap12=True)[0] == 500
    maiuscula = pedido(sem_namespace, "ConsultarNfsePorRps")
    assert _post(client, maiuscula, f"{FISCO}/ConsultarNfsePorRps", soap12=True)[0] == 500
