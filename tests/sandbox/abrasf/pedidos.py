"""Requests to the ABRASF sandbox, built here with lxml and signed with ``nfse.xml.sign``
(never with the provider's builder: the sandbox must stand on its own), and the SOAP calls
that carry them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from xml.sax.saxutils import escape

import httpx
from lxml import etree

from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1
from nfse.certs.tls import client_context
from nfse.fuso import SAO_PAULO
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.xml.sign import sign

NS = "http://www.abrasf.org.br/nfse.xsd"
N = {"n": NS, "ds": "http://www.w3.org/2000/09/xmldsig#"}
WS = "http://nfse.abrasf.org.br"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CNPJ = "11222333000181"
OUTRO_CNPJ = "07504505000132"
MUNICIPIO = "3550308"


def cabecalho(versao: str = "2.04") -> str:
    return (f'<cabecalho xmlns="{NS}" versao="{versao}"><versaoDados>{versao}</versaoDados>'
            "</cabecalho>")


CABECALHO = cabecalho()

def hoje() -> date:
    """Today where the municipality is (the sandbox refuses an RPS dated tomorrow there)."""
    return datetime.now(SAO_PAULO).date()


A1_TESTE = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
A1_OUTRO = generate_a1(OUTRO_CNPJ, "OUTRA EMPRESA LTDA")
A1_NAO_CONFIAVEL = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
"""Same CNPJ as the test company, but never trusted by the sandbox."""


def _e(parent: etree._Element, tag: str, text: str | None = None,
       **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
    if text is not None:
        child.text = text
    return child


def _root(tag: str, **attrs: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{tag}", nsmap={None: NS}, **attrs)


def _pessoa(parent: etree._Element, tag: str, documento: str) -> etree._Element:
    node = _e(parent, tag)
    _e(_e(node, "CpfCnpj"), "Cnpj" if len(documento) == 14 else "Cpf", documento)
    return node


def rps(parent: etree._Element, numero: int, serie: str = "A", *, cnpj: str = CNPJ,
        signer: A1 | None = A1_TESTE, valor: str = "1000.00", aliquota: str | None = "2.00",
        iss: str | None = None, pis: str | None = "6.50", emissao: date | None = None,
        competencia: date | None = None, substitui: tuple[int, str] | None = None,
        algorithm: str = "sha1", sem: tuple[str, ...] = (),
        ident: str | None = None, versao: str = "2.04") -> etree._Element:
    """Append a signed ``Rps`` (tcDeclaracaoPrestacaoServico) to ``parent``. ``sem`` names
    elements of the declaration to leave out (to break the schema); before 2.04 the tomador
    is ``Tomador`` (nothing else this declaration carries differs)."""
    node = _e(parent, "Rps")
    inf = _e(node, "InfDeclaracaoPrestacaoServico", Id=ident or f"rps{numero}{serie}")
    info = _e(inf, "Rps")
    ident = _e(info, "IdentificacaoRps")
    _e(ident, "Numero", str(numero))
    _e(ident, "Serie", serie)
    _e(ident, "Tipo", "1")
    emissao = emissao or hoje()
    _e(info, "DataEmissao", emissao.isoformat())
    _e(info, "Status", "1")
    if substitui is not None:
        sub = _e(info, "RpsSubstituido")
        _e(sub, "Numero", str(substitui[0]))
        _e(sub, "Serie", substitui[1])
        _e(sub, "Tipo", "1")
    if "Competencia" not in sem:
        _e(inf, "Competencia", (competencia or emissao).isoformat())
    servico = _e(inf, "Servico")
    valores = _e(servico, "Valores")
    _e(valores, "ValorServicos", valor)
    if pis:
        _e(valores, "ValorPis", pis)
    if iss:
        _e(valores, "ValorIss", iss)
    if aliquota:
        _e(valores, "Aliquota", aliquota)
    _e(servico, "IssRetido", "2")
    _e(servico, "ItemListaServico", "01.07")
    _e(servico, "CodigoTributacaoMunicipio", "010701")
    _e(servico, "Discriminacao", "Suporte técnico & manutenção <mensal>")
    _e(servico, "CodigoMunicipio", MUNICIPIO)
    _e(servico, "ExigibilidadeISS", "1")
    _e(servico, "MunicipioIncidencia", MUNICIPIO)
    prestador = _pessoa(inf, "Prestador", cnpj)
    _e(prestador, "InscricaoMunicipal", "12345")
    tomador = _e(inf, "TomadorServico" if versao == "2.04" else "Tomador")
    _pessoa(tomador, "IdentificacaoTomador", "12345678909")
    _e(tomador, "RazaoSocial", "Fulano de Tal")
    _e(inf, "OptanteSimplesNacional", "2")
    _e(inf, "IncentivoFiscal", "2")
    if signer is not None:
        sign(node, inf, signer, algorithm)
    return node


def gerar(numero: int, serie: str = "A", **kw: object) -> str:
    root = _root("GerarNfseEnvio")
    rps(root, numero, serie, **kw)  # type: ignore[arg-type]
    return etree.tostring(root, encoding="unicode")


def lote(numeros: list[int], *, quantidade: int | None = None, cnpj: str = CNPJ,
         assinado: bool = True, raiz: str = "EnviarLoteRpsSincronoEnvio",
         versao: str = "2.04", **kw: object) -> str:
    """A lot; before 2.04 the lot names its prestador with CpfCnpj and InscricaoMunicipal
    of its own."""
    root = _root(raiz)
    lote_el = _e(root, "LoteRps", Id=f"lote{numeros[0]}", versao=versao)
    _e(lote_el, "NumeroLote", str(numeros[0]))
    if versao == "2.04":
        _pessoa(lote_el, "Prestador", cnpj)
    else:
        _e(_e(lote_el, "CpfCnpj"), "Cnpj", cnpj)
        _e(lote_el, "InscricaoMunicipal", "12345")
    _e(lote_el, "QuantidadeRps", str(len(numeros) if quantidade is None else quantidade))
    lista = _e(lote_el, "ListaRps")
    for position, numero in enumerate(numeros):
        rps(lista, numero, ident=f"rps{numero}_{position}", versao=versao,
            **kw)  # type: ignore[arg-type]
    if assinado:
        sign(root, lote_el, A1_TESTE)
    return etree.tostring(root, encoding="unicode")


def _pedido(parent: etree._Element, numero: int, signer: A1 | None,
            cnpj: str = CNPJ) -> etree._Element:
    pedido = _e(parent, "Pedido")
    inf = _e(pedido, "InfPedidoCancelamento", Id=f"canc{numero}")
    ident = _e(inf, "IdentificacaoNfse")
    _e(ident, "Numero", str(numero))
    _e(_e(ident, "CpfCnpj"), "Cnpj", cnpj)
    _e(ident, "InscricaoMunicipal", "12345")
    _e(ident, "CodigoMunicipio", MUNICIPIO)
    _e(inf, "CodigoCancelamento", "1")
    if signer is not None:
        sign(pedido, inf, signer)
    return pedido


def cancelar(numero: int, signer: A1 | None = A1_TESTE) -> str:
    root = _root("CancelarNfseEnvio")
    _pedido(root, numero, signer)
    return etree.tostring(root, encoding="unicode")


def substituir(numero: int, novo_rps: int, serie: str = "A",
               assinado: bool = True, versao: str = "2.04") -> str:
    root = _root("SubstituirNfseEnvio")
    subst = _e(root, "SubstituicaoNfse", Id=f"subst{numero}")
    _pedido(subst, numero, A1_TESTE)
    rps(subst, novo_rps, serie, versao=versao)
    if assinado:
        sign(root, subst, A1_TESTE)
    return etree.tostring(root, encoding="unicode")


def consultar_rps(numero: int, serie: str = "A", cnpj: str = CNPJ) -> str:
    root = _root("ConsultarNfseRpsEnvio")
    ident = _e(root, "IdentificacaoRps")
    _e(ident, "Numero", str(numero))
    _e(ident, "Serie", serie)
    _e(ident, "Tipo", "1")
    _pessoa(root, "Prestador", cnpj)
    return etree.tostring(root, encoding="unicode")


def consultar_faixa(inicial: int, final: int, cnpj: str = CNPJ) -> str:
    root = _root("ConsultarNfseFaixaEnvio")
    _pessoa(root, "Prestador", cnpj)
    faixa = _e(root, "Faixa")
    _e(faixa, "NumeroNfseInicial", str(inicial))
    _e(faixa, "NumeroNfseFinal", str(final))
    _e(root, "Pagina", "1")
    return etree.tostring(root, encoding="unicode")


def consultar_tomado(consulente: str, tomador: str | None, inicio: date, fim: date) -> str:
    root = _root("ConsultarNfseServicoTomadoEnvio")
    _pessoa(root, "Consulente", consulente)
    periodo = _e(root, "PeriodoEmissao")
    _e(periodo, "DataInicial", inicio.isoformat())
    _e(periodo, "DataFinal", fim.isoformat())
    if tomador:
        _pessoa(root, "Tomador", tomador)
    _e(root, "Pagina", "1")
    return etree.tostring(root, encoding="unicode")


def consultar_lote(protocolo: str) -> str:
    root = _root("ConsultarLoteRpsEnvio")
    _pessoa(root, "Prestador", CNPJ)
    _e(root, "Protocolo", protocolo)
    return etree.tostring(root, encoding="unicode")


# -- SOAP ---------------------------------------------------------------------------------

def envelope(operacao: str, dados: str, *, cabecalho: str | None = CABECALHO,
             soap: str = "1.1", qualificado: bool = False, cdata: bool = False,
             sufixo: str = "Request", namespace: str = WS) -> tuple[bytes, dict[str, str]]:
    """The SOAP call: its body and headers."""
    env = SOAP12 if soap == "1.2" else SOAP11
    prefix = "ws:" if qualificado else ""

    def param(name: str, xml: str) -> str:
        content = f"<![CDATA[{xml}]]>" if cdata else escape(xml)
        return f"<{prefix}{name}>{content}</{prefix}{name}>"

    cab = param("nfseCabecMsg", cabecalho) if cabecalho is not None else ""
    body = (f'<soap:Envelope xmlns:soap="{env}" xmlns:ws="{namespace}"><soap:Body>'
            f"<ws:{operacao}{sufixo}>{cab}{param('nfseDadosMsg', dados)}"
            f"</ws:{operacao}{sufixo}></soap:Body></soap:Envelope>")
    action = f"{WS}/{operacao}"
    if soap == "1.2":
        headers = {"Content-Type": f'application/soap+xml; charset=utf-8; action="{action}"'}
    else:
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{action}"'}
    return body.encode(), headers


@dataclass
class Resposta:
    http: httpx.Response
    envelope: etree._Element
    documento: etree._Element | None
    """The ``...Resposta`` document inside ``outputXML`` (None for a SOAP Fault)."""

    def codigos(self) -> list[str]:
        assert self.documento is not None
        return [c.text for c in self.documento.iterfind(".//n:MensagemRetorno/n:Codigo", N)]

    def mensagens(self) -> str:
        assert self.documento is not None
        return " | ".join(m.text for m in self.documento.iterfind(".//n:Mensagem", N))

    def comps(self) -> list[etree._Element]:
        assert self.documento is not None
        return list(self.documento.iter(f"{{{NS}}}CompNfse"))

    def fault(self) -> str:
        return " ".join(self.envelope.itertext())


def chamar(client: httpx.Client, operacao: str, dados: str, **kw: object) -> Resposta:
    body, headers = envelope(operacao, dados, **kw)  # type: ignore[arg-type]
    answer = client.post("", content=body, headers=headers)
    env = etree.fromstring(answer.content)
    output = next((e for e in env.iter() if isinstance(e.tag, str)
                   and etree.QName(e).localname == "outputXML"), None)
    documento = etree.fromstring(output.text.encode()) if output is not None else None
    return Resposta(answer, env, documento)


@contextmanager
def cliente(sandbox: AbrasfSandbox, a1: A1 = A1_TESTE,
            timeout: float = 10) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.url, verify=client_context(a1, str(sandbox.ca_file)),
                      timeout=timeout) as client:
        yield client
