"""iiBrasil's own variant of ABRASF 2.04 (option ``leiaute_proprio = "iibrasil"``; Limeira/SP,
São Sebastião/SP): the reference WSDL (``<Op>Request`` with ``nfseCabecMsg``/``nfseDadosMsg``,
SOAPAction ``http://nfse.abrasf.org.br/<Op>``, the standard 2.04 header) carrying documents of
iiBrasil's schema (``nfse.xml.esquema_iibrasil``), in ABRASF's namespace.

What differs, from that schema and ACBr ``Provedores/iiBrasil.*.pas``:

- nothing is signed; each request ends in ``<Integridade>``: the SHA-512, in lower-case hex,
  of the root's content (what lies between its tags) without any character outside
  ``!``..``~`` (no spaces, line breaks nor accented letters), followed by the company's
  token (``TACBrNFSeX.GerarIntegridade``: ``WSChaveAcesso``; here its ``senha_responsavel``);
- the declaration has no ``ExigibilidadeISS``, ``RegimeEspecialTributacao``,
  ``OptanteSimplesNacional`` nor ``IncentivoFiscal``; the service carries the national
  code (``CodigoTributacaoNacional``, required); the tomador ends in ``AtualizaTomador`` and
  ``TomadorExterior`` (both required); the construction work is an address, which the
  contract does not carry as such (a note with ``codigo_obra``/``art`` is refused);
- the emission and the query by RPS answer ``InformacoesNfse`` (``NumeroNfse``,
  ``SerieNfse``, ``CodigoVerificacao``, ``LinkNfse`` in base64), not the ``CompNfse``;
- the cancellation names the note by number **and series** (``CancPreencherSerieNfse``):
  the series is kept as the note's ``chave_acesso``.

Emission is GerarNfse; the cancellation is reconciled by asking it again (no range query:
``conciliacao_cancelamento = "CancelarNfse"``)."""

from __future__ import annotations

import binascii
import hashlib
from base64 import b64decode

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.nota import Nota
from nfse.providers.abrasf import pedidos
from nfse.providers.abrasf.leiaute import LEIAUTES, NS
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import (
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Result,
    Rps,
    credenciais_ausentes,
)
from nfse.xml import esquema_iibrasil
from nfse.xml.canonical import Node

LEIAUTE = LEIAUTES["2.04"]
AUSENTE = credenciais_ausentes(
    "A prefeitura (iiBrasil) exige o token do contribuinte no código de integridade de cada "
    "pedido e a empresa não tem senha_responsavel cadastrada", "o token em senha_responsavel")
SEM_TOMADAS = "A consulta das notas tomadas não está disponível para a iiBrasil neste gateway"
SEM_SERIE = Erro("requisicao_invalida", "Série da NFS-e desconhecida: a prefeitura (iiBrasil) "
                 "cancela pela série e pelo número", "Cancele a nota no portal da prefeitura")


def integridade(conteudo: str, token: str) -> str:
    """``<Integridade>`` of a document whose root holds ``conteudo``."""
    visiveis = "".join(c for c in conteudo if "!" <= c <= "~")
    return hashlib.sha512((visiveis + token).encode("utf-8")).hexdigest()


def _documento(raiz: str, filhos: list[Node], emissor: Emissor) -> bytes:
    """The request: ``raiz`` holding ``filhos`` and the ``Integridade`` of them, checked
    against iiBrasil's schema. The bytes returned are the text digested."""
    if not emissor.senha:
        raise DocumentoInvalido([AUSENTE])
    conteudo = "".join(filho.canonical() for filho in filhos)
    texto = (f'<{raiz} xmlns="{NS}">{conteudo}'
             f"<Integridade>{integridade(conteudo, emissor.senha)}</Integridade></{raiz}>")
    problemas = esquema_iibrasil.problemas(pedidos._parse(texto))
    if problemas:
        raise DocumentoInvalido.fora_do_leiaute(problemas, "iiBrasil 2.04")
    return texto.encode("utf-8")


def _servico(inf: Node, nota: Nota, variante: Variante) -> None:
    s = nota.servico
    node = inf.add("Servico")
    pedidos._valores(node, nota, variante)
    node.add("IssRetido", pedidos._sim_nao(s.iss_retido))
    if s.iss_retido:
        node.add("ResponsavelRetencao",
                 "2" if nota.tomador is None and nota.intermediario is not None else "1")
    node.add("ItemListaServico", pedidos.item_lista(nota, variante))
    if s.codigo_cnae:
        node.add("CodigoCnae", s.codigo_cnae)
    if s.codigo_tributario_municipio:
        node.add("CodigoTributacaoMunicipio", s.codigo_tributario_municipio)
    node.add("CodigoTributacaoNacional", s.codigo_tributacao_nacional)
    nbs = s.reforma.get("codigo_nbs", "").replace(".", "")
    if 0 < len(nbs) <= 9:
        node.add("CodigoNbs", nbs)
    node.add("Discriminacao", s.discriminacao)
    node.add("CodigoMunicipio", s.codigo_municipio)
    if nota.natureza_operacao == 2:  # taxed where the service was provided
        node.add("MunicipioIncidencia", s.codigo_municipio)
    if nota.natureza_operacao in (5, 6) and nota.numero_processo_suspensao:
        node.add("NumeroProcesso", nota.numero_processo_suspensao)


def declaracao(nota: Nota, rps: Rps, variante: Variante) -> Node:
    """``InfDeclaracaoPrestacaoServico`` in iiBrasil's layout."""
    if nota.codigo_obra or nota.art:
        raise DocumentoInvalido([Erro(
            "requisicao_invalida", "A prefeitura (iiBrasil) identifica a obra pelo endereço, "
            "não por codigo_obra nem art", "Emita a nota de obra no portal da prefeitura")])
    hoje = pedidos._hoje()
    inf = Node("InfDeclaracaoPrestacaoServico")
    inf.set("Id", pedidos.rps_id(rps))
    info = inf.add("Rps")
    ident = info.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", pedidos.TIPO_RPS)
    info.add("DataEmissao", min(nota.data_emissao.astimezone(SAO_PAULO).date(), hoje)
             .isoformat())
    info.add("Status", "1")
    inf.add("Competencia", min(nota.data_competencia, hoje).isoformat())
    _servico(inf, nota, variante)
    pedidos._prestador(inf, nota)
    if nota.tomador is not None:
        pedidos._tomador(inf, nota.tomador, LEIAUTE)
        tomador = inf.children[-1]
        assert isinstance(tomador, Node)
        tomador.add("AtualizaTomador", "2")
        tomador.add("TomadorExterior", "1" if nota.tomador.nif and not (
            nota.tomador.cnpj or nota.tomador.cpf) else "2")
    if nota.intermediario is not None:
        pedidos._intermediario(inf, nota.intermediario, LEIAUTE)
    return inf


def gerar_nfse(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``GerarNfseEnvio``: the RPS (unsigned) and the Integridade."""
    pedidos._exigir(nota)
    rps_node = Node("Rps")
    rps_node.children.append(declaracao(nota, rps, variante))
    return _documento("GerarNfseEnvio", [rps_node], emissor)


def consultar_nfse_rps(nota: Nota, rps: Rps, emissor: Emissor) -> bytes:
    """``ConsultarNfseRpsEnvio``: the RPS, the prestador and the Integridade."""
    ident = Node("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", pedidos.TIPO_RPS)
    prestador = Node("_")
    pedidos._prestador(prestador, nota)
    filho = prestador.children[0]
    assert isinstance(filho, Node)
    return _documento("ConsultarNfseRpsEnvio", [ident, filho], emissor)


def cancelar_nfse(nota: Nota, numero: str, serie: str, emissor: Emissor,
                  variante: Variante) -> bytes:
    """``CancelarNfseEnvio`` as ACBr writes it: the note's series after its number, the
    Integridade after the ``Pedido``."""
    if not serie:
        raise DocumentoInvalido([SEM_SERIE])
    pedido = Node("Pedido")
    inf = pedido.add("InfPedidoCancelamento")
    inf.set("Id", pedidos._ident("cancel", numero))
    ident = inf.add("IdentificacaoNfse")
    ident.add("Numero", pedidos._numero_nfse(numero))
    ident.add("Serie", serie)
    pedidos._cpf_cnpj(ident, nota.prestador.cnpj, nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        ident.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    ident.add("CodigoMunicipio", nota.prestador.codigo_municipio)
    inf.add("CodigoCancelamento", variante.codigo_cancelamento)
    return _documento("CancelarNfseEnvio", [pedido], emissor)


def informacoes(resposta: etree._Element) -> etree._Element | None:
    """The ``InformacoesNfse`` of an emission's or a query's answer."""
    return resposta.find("{*}InformacoesNfse")


def link(info: etree._Element) -> str | None:
    """The note's address (``LinkNfse`` is base64 of it)."""
    texto = (info.findtext("{*}LinkNfse") or "").strip()
    try:
        return b64decode(texto, validate=True).decode("utf-8") or None
    except (binascii.Error, UnicodeDecodeError):
        return None


def autorizada(info: etree._Element, exchanges: tuple[Exchange, ...]) -> Outcome:
    """The note an ``InformacoesNfse`` names: its series as ``chave_acesso`` (what the
    cancellation repeats), the element itself as ``xml``."""
    endereco = link(info)
    return Outcome(Result.AUTHORIZED, numero=(info.findtext("{*}NumeroNfse") or "").strip(),
                   codigo_verificacao=(info.findtext("{*}CodigoVerificacao") or "").strip(),
                   chave_acesso=(info.findtext("{*}SerieNfse") or "").strip() or None,
                   xml=etree.tostring(info, encoding="UTF-8"),
                   mensagem=f"NFS-e em {endereco}" if endereco else None, exchanges=exchanges)
