"""The SOAP request of an operation, the document placed where the variant's system wants it
(``nfse.providers.abrasf.corpo``): the reference WSDL's ``nfseCabecMsg``/``nfseDadosMsg``
(``soap.envelope``), the document as elements inside the operation, the document as the body,
or the document as the text of one ``xml`` parameter; with the SOAPAction's shape."""

from __future__ import annotations

import dataclasses
import re
from xml.sax.saxutils import escape

from nfse.providers import genexus
from nfse.providers.abrasf import credenciais, megasoft, namespaces, soap
from nfse.providers.abrasf.leiaute import NS
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor, credenciais_ausentes

_DECLARACAO = re.compile(rb"^\s*<\?xml[^>]*\?>\s*")
ENDERECO = "{endereco}"
_RAIZ = re.compile(r"<([A-Za-z_][\w.-]*)")


class CredenciaisAusentes(Exception):
    """The system takes the company's login at the municipality in the body, and the company
    has none registered: nothing is sent."""

    erro = credenciais_ausentes(
        "O sistema da prefeitura identifica a empresa pelo usuário e senha do portal da "
        "prefeitura, e a empresa não os tem cadastrados", "login_responsavel e senha_responsavel")


def _atributo(texto: str) -> str:
    return escape(texto, {'"': "&quot;"})


def _cabecalhos(acao: str, variante: Variante) -> dict[str, str]:
    if variante.versao_soap == "1.2":
        return {"Content-Type": f'application/soap+xml; charset=utf-8; action="{acao}"',
                "Accept": "application/soap+xml, text/xml"}
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{acao}"',
            "Accept": "text/xml"}


def do_ambiente(variante: Variante, emissor: Emissor) -> Variante:
    """The variant with ``{endereco}`` of its service namespace and action prefix replaced by
    the address of the environment called: SigCorp's service namespace is the address of each
    environment, another in homologação and in produção (ACBr ``SigCorp.Provider.pas``, the
    city's ``ProNameSpace``, which is its address in ``ACBrNFSeXServicos.ini``)."""
    if ENDERECO not in variante.namespace_servico + variante.prefixo_acao:
        return variante
    endereco = emissor.base_url.rstrip("/")
    return dataclasses.replace(
        variante, namespace_servico=variante.namespace_servico.replace(ENDERECO, endereco),
        prefixo_acao=variante.prefixo_acao.replace(ENDERECO, endereco))


def pedido(operacao: str, dados: bytes, variante: Variante,
           emissor: Emissor) -> tuple[bytes, dict[str, str]]:
    """The SOAP request and its HTTP headers. Raises ``CredenciaisAusentes``."""
    variante = do_ambiente(variante, emissor)
    corpo = variante.corpo
    if corpo.forma_documento == "genexus":
        return genexus.abrasf(operacao, variante.nome(operacao), namespaces.cabecalho(variante),
                              dados, emissor.ambiente)
    if corpo.forma_documento in soap.PARAMETROS:
        cabecalho = megasoft.CABECALHO if variante.leiaute_proprio == "megasoft" \
            else namespaces.cabecalho(variante)
        texto, cabecalhos = soap.envelope(operacao, cabecalho, dados, variante,
                                          credenciais.cabecalho_soap(emissor, variante),
                                          soap.PARAMETROS[corpo.forma_documento])
        return texto, {**cabecalhos, **credenciais.cabecalhos_http(emissor, variante)}
    documento = _DECLARACAO.sub(b"", dados, count=1).decode("utf-8")
    if corpo.documento_sem_namespace or corpo.forma_documento == "conteudo":
        # signed and checked with it; sent without it
        documento = documento.replace(f' xmlns="{NS}"', "", 1)
    match = _RAIZ.match(documento)
    raiz = match.group(1) if match else ""
    if corpo.forma_documento == "conteudo":  # the root's children; the operation its root
        documento = documento[documento.index(">") + 1:documento.rindex(f"</{raiz}>")]
        if corpo.envio_teste and emissor.ambiente == "homologacao":
            documento = "<EnvioTeste>1</EnvioTeste>" + documento
    nome = corpo.operacao(variante.nome(operacao)) + variante.sufixo_requisicao
    if corpo.forma_documento == "corpo":
        conteudo = documento
    else:
        if corpo.forma_documento == "parametro_xml":
            parametro = "ws:xml" if variante.parametros_qualificados else "xml"
            documento = f"<{parametro}>{escape(documento)}</{parametro}>"
        if corpo.credenciais_no_corpo:
            if not emissor.login or not emissor.senha:
                raise CredenciaisAusentes(CredenciaisAusentes.erro.mensagem)
            documento += (f"<username>{escape(emissor.login)}</username>"
                          f"<password>{escape(emissor.senha)}</password>")
        conteudo = (f'<ws:{nome} xmlns:ws="{_atributo(variante.namespace_servico)}">'
                    f"{documento}</ws:{nome}>")
    envelope = soap.SOAP12 if variante.versao_soap == "1.2" else soap.SOAP11
    texto = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{envelope}">'
             f"<soap:Body>{conteudo}</soap:Body></soap:Envelope>")
    acao = corpo.acao(variante.prefixo_acao or variante.namespace_servico,
                      variante.nome(operacao), raiz)
    return texto.encode("utf-8"), {**_cabecalhos(acao, variante),
                                   **credenciais.cabecalhos_http(emissor, variante)}
