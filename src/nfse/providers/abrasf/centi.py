"""Centi's dialect of ABRASF 2.02 (option ``leiaute_proprio = "centi"``): documents of its own
schema in ``http://www.centi.com.br/files/nfse.xsd`` (``CENTI/nfse.xsd`` of nfselib-legacy; the
file ``centi_nfse.xsd`` of the schema folder), sent not over SOAP but as the ``xml`` field of a
JSON object with the company's portal user and password, POSTed to one address per operation.

Facts from ACBr (``Provedores/Centi.Provider.pas``, ``Centi.GravarXml.pas``, the class
``TACBrNFSeXWebserviceRest2`` of ``ACBrNFSeXWebserviceBase.pas`` and the Centi sections of
``ACBrNFSeXServicos.ini``, 2026-06):

- the body is ``{"xml": "<document>", "usuario": "...", "senha": "..."}``, Content-Type
  ``application/json``; user and password are the emitter's ``WSUser``/``WSSenha``, without
  which ACBr sends nothing (here: ``login_responsavel``/``senha_responsavel``); the answer is
  the ABRASF answer document as XML;
- only GerarNfse, ConsultarNfseRps and CancelarNfse exist; the city's address is GerarNfse's
  (``https://api.centi.com.br/nfe/gerar/<uf>/<cidade>``, ``.../gerar/homologacao/...`` in
  homologação), the query's is ``.../consultar/rps/...`` (``.../consultar/homologacao/rps/...``)
  and the cancellation's ``.../cancelar/...``; a city with one address
  (``app.centi.com.br/<cidade>/wcf/service/ServiceNfse.svc/ws``) gets every call there;
- the declaration has no Id: the inner ``Rps`` (``tcInfRps``) carries it, and the signature
  references the whole ``Rps`` (``URI=""``, exclusive C14N); no ``Competencia``,
  ``OptanteSimplesNacional``, ``IncentivoFiscal``, ``ValorIss``, ``DescontoCondicionado``,
  ``ResponsavelRetencao``, ``CodigoCnae`` nor ``ExigibilidadeISS``; ``DataEmissao`` is a
  date-time; ``Aliquota`` and ``CodigoTributacaoMunicipio`` always present; the item without
  dot nor leading zero (``107``), or with four digits where the city says
  ``NaoFormatarItemServico`` (profile option ``formato_item_lista = "0107"``);
- the cancellation names the note by number, prestador, municipality, verification code and
  the NFS-e's ``Id`` (its ``InfNfse/@Id``), with the reason (``DescricaoCancelamento``), and is
  signed whole (``URI=""``, C14N 1.0);
- the cancellation's answer, as ACBr reads it, is the note itself
  (``ListaNfse/CompNfse/Nfse/InfNfse``) with ``Status`` 3; the schema's ``RetCancelamento``
  is read too."""

from __future__ import annotations

import json
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.nota import Nota
from nfse.providers.abrasf import pedidos
from nfse.providers.abrasf.esquema import esquema_proprio
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import (
    RECUSA_DE_CREDENCIAIS,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Party,
    Result,
    Rps,
    credenciais_ausentes,
    credenciais_recusadas,
)
from nfse.xml.canonical import Node
from nfse.xml.sign import c14n, signature
from nfse.xml.validate import validate

NS = "http://www.centi.com.br/files/nfse.xsd"
ESQUEMA = "centi_nfse.xsd"
VERSAO = "2.02"
CANCELADA = "3"
"""``InfNfse/Status`` of a cancelled note in Centi's answers (ACBr ``TratarRetornoCancelaNFSe``)."""
SEPARADOR = "|"
"""Between the NFS-e's Id and its verification code in ``chave_acesso``: the cancellation
needs both."""
_TROCAS = {
    "ConsultarNfsePorRps": (("/nfe/gerar/homologacao/", "/nfe/consultar/homologacao/rps/"),
                            ("/nfe/gerar/", "/nfe/consultar/rps/")),
    "CancelarNfse": (("/nfe/gerar/", "/nfe/cancelar/"),),
}
"""How the address of each operation follows from GerarNfse's (the first that matches)."""
_FORA = frozenset({"Competencia", "OptanteSimplesNacional", "IncentivoFiscal", "ValorIss",
                   "DescontoCondicionado", "ResponsavelRetencao", "CodigoCnae",
                   "ExigibilidadeISS"})
"""What the ABRASF 2.02 declaration has and Centi's must not (``NrOcorr... := -1``)."""

SEM_TOMADAS = ("O sistema da prefeitura (Centi) não oferece a consulta das notas tomadas pelo "
               "web service")
AUSENTES = credenciais_ausentes(
    "O sistema da prefeitura (Centi) identifica a empresa pelo usuário e senha do portal da "
    "prefeitura em cada chamada, e a empresa não os tem cadastrados",
    "login_responsavel e senha_responsavel")


def endereco(operacao: str, base_url: str) -> str:
    """The address of ``operacao`` from the city's (GerarNfse's) address."""
    for de, para in _TROCAS.get(operacao, ()):
        if de in base_url:
            return base_url.replace(de, para, 1)
    return base_url


def pedido(dados: bytes, emissor: Emissor) -> tuple[bytes, dict[str, str]]:
    """The JSON body of a call and its headers (the caller checked the credentials)."""
    documento = dados.decode("utf-8")
    if documento.startswith("<?xml"):
        documento = documento[documento.index("?>") + 2:]
    corpo = {"xml": documento, "usuario": emissor.login or "", "senha": emissor.senha or ""}
    return (json.dumps(corpo, ensure_ascii=False).encode("utf-8"),
            {"Content-Type": "application/json", "Accept": "application/xml, text/xml"})


def _checked(root: etree._Element, variante: Variante) -> bytes:
    path = esquema_proprio(variante, ESQUEMA, "Centi")
    problems = validate(root, path) if path is not None else []
    if problems:
        raise DocumentoInvalido.fora_do_leiaute(problems, f"Centi {VERSAO}")
    return etree.tostring(root, encoding="UTF-8")


def _podar(node: Node) -> None:
    node.children = [c for c in node.children if isinstance(c, str) or c.tag not in _FORA]
    for child in node.children:
        if isinstance(child, Node):
            _podar(child)


def _filho(node: Node, tag: str) -> Node:
    return next(c for c in node.children if isinstance(c, Node) and c.tag == tag)


def item(nota: Nota, variante: Variante) -> str:
    """``0107`` where the city wants four digits, else ``107`` (ACBr's default for Centi)."""
    codigo = nota.servico.item_lista_servico
    return codigo if variante.formato_item_lista == "0107" else codigo.removeprefix("0")


def declaracao(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> Node:
    """``InfDeclaracaoPrestacaoServico`` in Centi's layout: the ABRASF 2.02 one, pruned."""
    inf = pedidos.declaracao(nota, rps, emissor, variante)
    _podar(inf)
    del inf.attrs["Id"]
    info = _filho(inf, "Rps")
    info.set("Id", pedidos.rps_id(rps))
    momento = min(nota.data_emissao.astimezone(SAO_PAULO).replace(tzinfo=None),
                  datetime.now(SAO_PAULO).replace(tzinfo=None))
    _filho(info, "DataEmissao").text = momento.replace(microsecond=0).isoformat()
    servico = _filho(inf, "Servico")
    valores = _filho(servico, "Valores")
    if not any(isinstance(c, Node) and c.tag == "Aliquota" for c in valores.children):
        antes = next((i for i, c in enumerate(valores.children)
                      if isinstance(c, Node) and c.tag == "DescontoIncondicionado"),
                     len(valores.children))
        valores.children.insert(antes, Node("Aliquota", "0.00"))
    _filho(servico, "ItemListaServico").text = item(nota, variante)
    return inf


def gerar_nfse(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``GerarNfseEnvio``: the RPS signed whole (the signature last inside ``Rps``)."""
    pedidos._exigir(nota)
    if not nota.servico.codigo_tributario_municipio:
        raise DocumentoInvalido([Erro(
            "requisicao_invalida", "O sistema da prefeitura (Centi) exige o código de "
            "tributação do município", "Informe servico.codigo_tributario_municipio")])
    declarado = declaracao(nota, rps, emissor, variante).canonical()
    canonical = f'<Rps xmlns="{NS}">{declarado}</Rps>'
    assinatura = signature(canonical.encode(), "", emissor.a1, variante.assinatura,
                           exclusiva=True)
    root = pedidos._parse(f'<GerarNfseEnvio xmlns="{NS}"><Rps>{declarado}{assinatura}</Rps>'
                          "</GerarNfseEnvio>")
    return _checked(root, variante)


def consultar_nfse_rps(nota: Nota, rps: Rps, variante: Variante) -> bytes:
    """``ConsultarNfseRpsEnvio``: as ABRASF 2.02's, in Centi's namespace."""
    root = Node("ConsultarNfseRpsEnvio")
    ident = root.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", pedidos.TIPO_RPS)
    pedidos._prestador(root, nota)
    return _checked(pedidos._parse(root.canonical(NS)), variante)


def chave_acesso(comp: etree._Element) -> str | None:
    """``<InfNfse/@Id>|<CodigoVerificacao>`` of a ``CompNfse``: what its cancellation names."""
    inf = comp.find("{*}Nfse/{*}InfNfse")
    if inf is None or not (inf.get("Id") or "").strip():
        return None
    codigo = (inf.findtext("{*}CodigoVerificacao") or "").strip()
    return f"{inf.get('Id', '').strip()}{SEPARADOR}{codigo}"


def cancelar_nfse(nota: Nota, numero: str, chave: str, justificativa: str, emissor: Emissor,
                  variante: Variante) -> bytes:
    """``CancelarNfseEnvio`` of NFS-e ``numero`` whose ``chave_acesso`` is ``chave``."""
    ident_nfse, _, codigo = chave.rpartition(SEPARADOR)
    if not ident_nfse or not codigo:
        raise DocumentoInvalido([Erro(
            "requisicao_invalida", "Identificador (Id) ou código de verificação da NFS-e "
            "desconhecido: a nota não pode ser cancelada pelo web service da Centi",
            "Cancele a nota no portal da prefeitura")])
    inf = Node("InfPedidoCancelamento")
    ident = inf.add("IdentificacaoNfse")
    ident.add("Numero", pedidos._numero_nfse(numero))
    pedidos._cpf_cnpj(ident, nota.prestador.cnpj, nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        ident.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    ident.add("CodigoMunicipio", pedidos._municipio_pedido(nota, emissor, variante))
    ident.add("CodigoVerificacao", codigo)
    ident.add("DescricaoCancelamento", justificativa)
    ident.add("Id", ident_nfse)
    inf.add("CodigoCancelamento", variante.codigo_cancelamento)
    root = pedidos._parse(f'<CancelarNfseEnvio xmlns="{NS}"><Pedido>{inf.canonical()}'
                          "</Pedido></CancelarNfseEnvio>")
    root[0].append(etree.fromstring(signature(c14n(root), "", emissor.a1,
                                              variante.assinatura)))
    return _checked(root, variante)


def cancelada(root: etree._Element) -> etree._Element | None:
    """The ``CompNfse`` of a cancellation answer whose note has ``Status`` 3."""
    for comp in root.iter("{*}CompNfse"):
        if (comp.findtext("{*}Nfse/{*}InfNfse/{*}Status") or "").strip() == CANCELADA:
            return comp
    return None


def recusa(status: int, exchange: Exchange) -> Outcome | None:
    """HTTP 401 or 403: Centi refused the company's user and password (the statuses are not
    published; these are the ones that mean it)."""
    if status not in RECUSA_DE_CREDENCIAIS:
        return None
    return Outcome(Result.RETRY, failure_of=Party.COMPANY, exchanges=(exchange,),
                   mensagem=credenciais_recusadas(
                       f"O sistema da prefeitura (Centi) recusou o usuário e a senha da "
                       f"empresa (HTTP {status})", "das credenciais da empresa",
                       "login_responsavel e senha_responsavel"))
