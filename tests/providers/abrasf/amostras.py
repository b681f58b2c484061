"""Answers an ABRASF 2.04 authority gives, written by hand for the tests (each one is checked
against the official schema in ``test_abrasf_respostas``), an independent XMLDSig
verification, and a small HTTPS server with client certificates that plays a scripted
authority."""

from __future__ import annotations

import base64
import copy
import hashlib
import http.server
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.a1 import A1
from nfse.certs.generate import generate_ca, generate_server_cert
from nfse.certs.tls import server_context

NS = "http://www.abrasf.org.br/nfse.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
CNPJ = "11222333000181"
IM = "12345"
MUNICIPIO = "3516200"

# -- answer documents -------------------------------------------------------------------------


def declaracao(rps_numero: int = 7, serie: str = "1") -> str:
    return (
        f'<DeclaracaoPrestacaoServico><InfDeclaracaoPrestacaoServico Id="rps{serie}_{rps_numero}">'
        f"<Rps><IdentificacaoRps><Numero>{rps_numero}</Numero><Serie>{serie}</Serie>"
        "<Tipo>1</Tipo></IdentificacaoRps><DataEmissao>2024-05-10</DataEmissao>"
        "<Status>1</Status></Rps><Competencia>2024-05-10</Competencia>"
        "<Servico><Valores><ValorServicos>100.00</ValorServicos></Valores>"
        "<IssRetido>2</IssRetido><ItemListaServico>01.07</ItemListaServico>"
        f"<Discriminacao>Suporte</Discriminacao><CodigoMunicipio>{MUNICIPIO}</CodigoMunicipio>"
        "<ExigibilidadeISS>1</ExigibilidadeISS></Servico>"
        f"<Prestador><CpfCnpj><Cnpj>{CNPJ}</Cnpj></CpfCnpj>"
        f"<InscricaoMunicipal>{IM}</InscricaoMunicipal></Prestador>"
        "<OptanteSimplesNacional>2</OptanteSimplesNacional><IncentivoFiscal>2</IncentivoFiscal>"
        "</InfDeclaracaoPrestacaoServico></DeclaracaoPrestacaoServico>")


def nfse_cancelamento(numero: str) -> str:
    return (
        '<NfseCancelamento versao="2.04"><Confirmacao Id="conf' + numero + '"><Pedido>'
        f'<InfPedidoCancelamento Id="cancel{numero}"><IdentificacaoNfse><Numero>{numero}</Numero>'
        f"<CpfCnpj><Cnpj>{CNPJ}</Cnpj></CpfCnpj><InscricaoMunicipal>{IM}</InscricaoMunicipal>"
        f"<CodigoMunicipio>{MUNICIPIO}</CodigoMunicipio></IdentificacaoNfse>"
        "<CodigoCancelamento>1</CodigoCancelamento></InfPedidoCancelamento></Pedido>"
        "<DataHora>2024-05-11T09:30:00</DataHora></Confirmacao></NfseCancelamento>")


def comp_nfse(numero: str = "123", rps_numero: int = 7, serie: str = "1", *,
              codigo: str = "AB12CD34", data: str = "2024-05-10T10:05:00",
              cancelada: bool = False, substituida_por: str | None = None,
              substitui: str | None = None, com_rps: bool = True) -> str:
    decl = declaracao(rps_numero, serie)
    if not com_rps:
        start, end = decl.index("<Rps>"), decl.index("</Rps>") + len("</Rps>")
        decl = decl[:start] + decl[end:]
    return (
        f'<CompNfse><Nfse versao="2.04"><InfNfse Id="nfse{numero}"><Numero>{numero}</Numero>'
        f"<CodigoVerificacao>{codigo}</CodigoVerificacao><DataEmissao>{data}</DataEmissao>"
        + (f"<NfseSubstituida>{substitui}</NfseSubstituida>" if substitui else "")
        + "<ValoresNfse><BaseCalculo>100.00</BaseCalculo><Aliquota>2.00</Aliquota>"
        "<ValorIss>2.00</ValorIss><ValorLiquidoNfse>100.00</ValorLiquidoNfse></ValoresNfse>"
        "<PrestadorServico><RazaoSocial>EMPRESA TESTE LTDA</RazaoSocial><Endereco>"
        "<Endereco>Rua Y</Endereco><Numero>1</Numero><Bairro>Centro</Bairro>"
        f"<CodigoMunicipio>{MUNICIPIO}</CodigoMunicipio><Uf>SP</Uf><Cep>13560000</Cep>"
        "</Endereco></PrestadorServico><OrgaoGerador>"
        f"<CodigoMunicipio>{MUNICIPIO}</CodigoMunicipio><Uf>SP</Uf></OrgaoGerador>"
        f"{decl}</InfNfse></Nfse>"
        + (nfse_cancelamento(numero) if cancelada else "")
        + (f'<NfseSubstituicao versao="2.04"><SubstituicaoNfse Id="subst{numero}">'
           f"<NfseSubstituidora>{substituida_por}</NfseSubstituidora></SubstituicaoNfse>"
           "</NfseSubstituicao>" if substituida_por else "")
        + "</CompNfse>")


def mensagens(*items: tuple[str, str, str | None], lista: str = "ListaMensagemRetorno") -> str:
    body = "".join(
        f"<MensagemRetorno><Codigo>{c}</Codigo><Mensagem>{m}</Mensagem>"
        + (f"<Correcao>{k}</Correcao>" if k else "") + "</MensagemRetorno>"
        for c, m, k in items)
    return f"<{lista}>{body}</{lista}>"


def doc(root: str, inner: str) -> str:
    return f'<{root} xmlns="{NS}">{inner}</{root}>'


GERAR_OK = doc("GerarNfseResposta", "<ListaNfse>" + comp_nfse() + mensagens(
    ("A1", "Campo CodigoCnae ignorado pelo município", None),
    lista="ListaMensagemAlertaRetorno") + "</ListaNfse>")
GERAR_ERRO = doc("GerarNfseResposta", mensagens(
    ("E30", "Item da lista de serviço inexistente", "Informe um item da LC 116/2003"),
    ("E41", "Discriminação não informada", None)))
GERAR_DUPLICADO = doc("GerarNfseResposta", mensagens(
    ("E010", "RPS já informado.", "Para essa Inscrição Municipal/CNPJ já existe um RPS "
     "informado com o mesmo número, série e tipo.")))
LOTE_OK = doc("EnviarLoteRpsSincronoResposta",
              "<NumeroLote>7</NumeroLote><DataRecebimento>2024-05-10T10:05:00</DataRecebimento>"
              "<Protocolo>P777</Protocolo><ListaNfse>" + comp_nfse("124", 6) + comp_nfse()
              + "</ListaNfse>")
LOTE_ERRO = doc("EnviarLoteRpsSincronoResposta",
                "<NumeroLote>7</NumeroLote><ListaMensagemRetornoLote><MensagemRetorno>"
                "<IdentificacaoRps><Numero>7</Numero><Serie>1</Serie><Tipo>1</Tipo>"
                "</IdentificacaoRps><Codigo>E10</Codigo><Mensagem>RPS já informado</Mensagem>"
                "</MensagemRetorno></ListaMensagemRetornoLote>")
CONSULTA_OK = doc("ConsultarNfseRpsResposta", comp_nfse())
CONSULTA_CANCELADA = doc("ConsultarNfseRpsResposta", comp_nfse(cancelada=True))
CONSULTA_SUBSTITUIDA = doc("ConsultarNfseRpsResposta", comp_nfse(substituida_por="130"))
CONSULTA_OUTRO_RPS = doc("ConsultarNfseRpsResposta", comp_nfse(rps_numero=8))
CONSULTA_NAO_ENCONTRADO = doc("ConsultarNfseRpsResposta", mensagens(
    ("E4", "Esse RPS não foi enviado para a nossa base de dados", None)))
CONSULTA_PROCESSANDO = doc("ConsultarNfseRpsResposta", mensagens(
    ("E92", "Esse RPS foi enviado mas ainda não foi processado", "Consulte mais tarde")))
CANCELAR_OK = doc("CancelarNfseResposta",
                  "<RetCancelamento>" + nfse_cancelamento("123") + "</RetCancelamento>")
CANCELAR_ERRO = doc("CancelarNfseResposta", mensagens(
    ("E78", "Número da NFS-e inexistente na base de dados para esse prestador", None)))
CANCELAR_JA_CANCELADA = doc("CancelarNfseResposta", mensagens(
    ("E79", "Essa NFS-e já está cancelada", None)))
SUBSTITUIR_OK = doc(
    "SubstituirNfseResposta",
    "<RetSubstituicao><NfseSubstituida>"
    + comp_nfse("123", 5, cancelada=True, substituida_por="131")
    + "</NfseSubstituida><NfseSubstituidora>"
    + comp_nfse("131", 7, codigo="ZZ99", data="2024-05-12T08:00:00-03:00", substitui="123")
    + "</NfseSubstituidora></RetSubstituicao>")
FAIXA_CANCELADA = doc("ConsultarNfseFaixaResposta",
                      "<ListaNfse>" + comp_nfse("123", cancelada=True)
                      + "<Pagina>1</Pagina></ListaNfse>")
FAIXA_ATIVA = doc("ConsultarNfseFaixaResposta",
                  "<ListaNfse>" + comp_nfse("123") + "<Pagina>1</Pagina></ListaNfse>")

ALL = {name: value for name, value in globals().items()
       if name.isupper() and isinstance(value, str) and value.startswith("<")}


# -- SOAP answers -----------------------------------------------------------------------------

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def soap_answer(operacao: str, document: str, *, version: str = "1.1",
                qualified: bool = False, cdata: bool = False, child: str = "outputXML",
                declaration: bool = True) -> bytes:
    env = SOAP12 if version == "1.2" else SOAP11
    inner = ('<?xml version="1.0" encoding="UTF-8"?>' if declaration else "") + document
    text = f"<![CDATA[{inner}]]>" if cdata else escape(inner)
    prefix = "ws:" if qualified else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env}">'
            f'<soap:Body><ws:{operacao}Response xmlns:ws="http://nfse.abrasf.org.br">'
            f"<{prefix}{child}>{text}</{prefix}{child}></ws:{operacao}Response>"
            "</soap:Body></soap:Envelope>").encode()


def soap_fault(code: str, message: str, version: str = "1.1") -> bytes:
    if version == "1.2":
        return (f'<env:Envelope xmlns:env="{SOAP12}"><env:Body><env:Fault>'
                f"<env:Code><env:Value>env:{code}</env:Value></env:Code>"
                f'<env:Reason><env:Text xml:lang="pt">{escape(message)}</env:Text></env:Reason>'
                "</env:Fault></env:Body></env:Envelope>").encode()
    return (f'<s:Envelope xmlns:s="{SOAP11}"><s:Body><s:Fault>'
            f"<faultcode>s:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
            "</s:Fault></s:Body></s:Envelope>").encode()


# -- signatures -------------------------------------------------------------------------------

DIGESTS = {DS + "sha1": hashlib.sha1, "http://www.w3.org/2001/04/xmlenc#sha256": hashlib.sha256}
METHODS = {DS + "rsa-sha1": hashes.SHA1,
           "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256}
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


def _canonical(element: etree._Element) -> bytes:
    """Inclusive C14N 1.0 of an element as a document subset: the element serialised with
    the namespaces it uses, parsed as a document of its own, canonicalised whole."""
    alone = etree.fromstring(etree.tostring(copy.deepcopy(element)))
    return etree.tostring(alone, method="c14n", exclusive=False, with_comments=False)


def verify(element: etree._Element) -> tuple[x509.Certificate, str]:
    """Check the Signature that follows ``element`` (ABRASF places it as the next sibling):
    reference to its Id, the two transforms, digest of its C14N, RSA value under the
    certificate in KeyInfo. Returns (certificate, signature method URI)."""
    sig = element.getnext()
    assert sig is not None and sig.tag == f"{{{DS}}}Signature", "no Signature after element"
    ns = {"ds": DS}
    info = sig.find("ds:SignedInfo", ns)
    assert info.find("ds:CanonicalizationMethod", ns).get("Algorithm") == C14N
    ref = info.find("ds:Reference", ns)
    assert ref.get("URI") == "#" + element.get("Id")
    transforms = [t.get("Algorithm") for t in ref.findall("ds:Transforms/ds:Transform", ns)]
    assert transforms == [DS + "enveloped-signature", C14N]
    digest_fn = DIGESTS[ref.find("ds:DigestMethod", ns).get("Algorithm")]
    expected = base64.b64encode(digest_fn(_canonical(element)).digest()).decode()
    assert ref.findtext("ds:DigestValue", namespaces=ns) == expected, "digest mismatch"
    cert = x509.load_der_x509_certificate(base64.b64decode(
        sig.findtext("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=ns)))
    method = info.find("ds:SignatureMethod", ns).get("Algorithm")
    cert.public_key().verify(base64.b64decode(sig.findtext("ds:SignatureValue", namespaces=ns)),
                             _canonical(info), padding.PKCS1v15(), METHODS[method]())
    return cert, method


# -- a scripted authority over HTTPS ----------------------------------------------------------

@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/xml; charset=utf-8"
    delay: float = 0.0
    hang_up: bool = False
    """Read the request, then close the connection without answering."""


@cache
def _server_identity() -> tuple[A1, A1]:
    """The CA and the server certificate of every test authority (made once: RSA keys
    are slow to generate)."""
    ca = generate_ca("Autoridade de teste")
    return ca, generate_server_cert(ca)


@dataclass
class Authority:
    """An HTTPS server requiring a client certificate from ``client``; answers the queued
    replies in order (a 500 when none is left) and records what it received."""

    client: A1
    folder: Path
    replies: list[Reply] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    peers: set[tuple[str, int]] = field(default_factory=set)
    """The client (address, port) of every request: one per connection."""

    def start(self) -> None:
        ca, server_cert = _server_identity()
        self.ca_file = str(self.folder / "ca.pem")
        Path(self.ca_file).write_bytes(ca.cert_pem())
        client_ca = self.folder / "clientes.pem"
        client_ca.write_bytes(self.client.cert_pem())
        context = server_context(server_cert, str(client_ca))
        authority = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 (the http.server convention)
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                authority.received.append(Received(self.path, dict(self.headers), body))
                authority.peers.add(self.client_address)
                reply = authority.replies.pop(0) if authority.replies else Reply(500, b"")
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.hang_up:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}/nfse/ws"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,),
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

