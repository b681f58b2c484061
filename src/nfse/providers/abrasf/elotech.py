"""EloTech's own ABRASF 2.03 layout (option ``leiaute_proprio = "elotech"``): the request
documents in ``http://shad.elotech.com.br/schemas/iss/nfse_v2_03.xsd`` (schema
``ELOTECH/nfse_v2_03.xsd`` of nfselib-legacy), built here from the shared pieces of
``pedidos``.

What differs from ABRASF 2.03 (the schema, and ACBr ``Provedores/EloTech/EloTech.Provider.pas``,
``GetRequerente`` and one ``Executar('', ...)`` per operation):

- every request begins with ``IdentificacaoRequerente``: the company's CNPJ, its municipal
  registration, its password at the municipality (``senha_responsavel``) and ``Homologa``
  (``true`` in homologação); the RPS query and the range query carry it instead of
  ``Prestador``;
- emission only by lot (``EnviarLoteRpsSincronoEnvio``); nothing is signed (the schema has no
  ``Signature``: neither the RPS nor the lot nor the cancellation);
- the declaration's service carries its items in ``ListaItensServico/ItemServico``
  (``ItemListaServico``, ``CodigoCnae`` required, ``Descricao`` up to 20 characters,
  ``Tributavel``, ``Quantidade``, ``ValorUnitario``, ``ValorLiquido``); there is no
  ``OptanteSimplesNacional``;
- the note carries a ``ChaveAcesso`` (32 hex digits), which the cancellation request must
  repeat;
- the SOAP body is the request document itself, the SOAPAction empty, no ``nfseCabecMsg``;
  the answer is the ``...Resposta`` document in the body.

The schema as published names the requerente's municipal registration ``" "`` (a blank,
which no schema processor accepts); the gateway checks against a copy where it is
``InscricaoMunicipal``, the element ACBr writes (file ``elotech_nfse_v2_03.xsd`` of the
schema folder)."""

from __future__ import annotations

import os
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.nota import Nota
from nfse.providers.abrasf import pedidos
from nfse.providers.abrasf.esquema import ENV, EsquemaAusente
from nfse.providers.abrasf.leiaute import LEIAUTES
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.soap import SOAP11
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor, Erro, Rps, credenciais_ausentes
from nfse.xml.canonical import Node
from nfse.xml.validate import validate

NS = "http://shad.elotech.com.br/schemas/iss/nfse_v2_03.xsd"
ESQUEMA = "elotech_nfse_v2_03.xsd"
VERSAO = "2.03"
LEIAUTE = LEIAUTES[VERSAO]
DESCRICAO_MAX = 20
"""``tsDescricao``: an item's description, up to 20 characters."""


def esquema(variante: Variante) -> Path | None:
    folder = variante.xsd_dir or os.environ.get(ENV, "").strip()
    if not folder:
        return None
    path = Path(folder) / ESQUEMA
    if not path.is_file():
        raise EsquemaAusente(f"esquema EloTech não encontrado: {path} (opção xsd_dir ou {ENV})")
    return path


def faltando(nota: Nota, emissor: Emissor) -> list[Erro]:
    """What EloTech needs beyond ABRASF's checks: the company's password and the CNAE."""
    erros = []
    if not emissor.senha or not 6 <= len(emissor.senha) <= 30:
        erros.append(credenciais_ausentes(
            "A prefeitura (EloTech) exige a senha da empresa em cada pedido "
            "(IdentificacaoRequerente) e a empresa não tem senha_responsavel cadastrada com 6 "
            "a 30 caracteres", "a senha do portal da prefeitura em senha_responsavel"))
    if not (nota.servico.codigo_cnae or "").isdigit():
        erros.append(Erro("servico.codigo_cnae", 'Parâmetro "servico.codigo_cnae" não '
                          "informado", "No leiaute EloTech cada item de serviço exige o "
                          "código CNAE"))
    if not nota.prestador.cnpj:
        erros.append(Erro("prestador.cnpj", 'Parâmetro "prestador.cnpj" não informado',
                          "A EloTech identifica o requerente pelo CNPJ"))
    return erros


def _requerente(parent: Node, nota: Nota, emissor: Emissor) -> None:
    node = parent.add("IdentificacaoRequerente")
    node.add("CpfCnpj").add("Cnpj", nota.prestador.cnpj)
    node.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    node.add("Senha", emissor.senha)
    node.add("Homologa", "true" if emissor.ambiente == "homologacao" else "false")


def _quantia(valor: Decimal) -> str:
    return f"{valor:.5f}"


def _servico(parent: Node, nota: Nota, variante: Variante) -> None:
    s = nota.servico
    node = parent.add("Servico")
    pedidos._valores(node, nota, replace(variante, versao_layout=VERSAO))
    node.add("IssRetido", pedidos._sim_nao(s.iss_retido))
    if s.iss_retido:
        node.add("ResponsavelRetencao",
                 "2" if nota.tomador is None and nota.intermediario is not None else "1")
    node.add("Discriminacao", s.discriminacao)
    if s.codigo_tributario_municipio:
        node.add("CodigoTributacaoMunicipio", s.codigo_tributario_municipio)
    node.add("CodigoMunicipio", s.codigo_municipio)
    exigibilidade = pedidos.EXIGIBILIDADE.get(nota.natureza_operacao, "1")
    node.add("ExigibilidadeISS", exigibilidade)
    node.add("MunicipioIncidencia", s.codigo_municipio if nota.natureza_operacao == 2
             else nota.prestador.codigo_municipio)
    if exigibilidade in pedidos.SUSPENSA and nota.numero_processo_suspensao:
        node.add("NumeroProcesso", nota.numero_processo_suspensao)
    item = node.add("ListaItensServico").add("ItemServico")
    item.add("ItemListaServico", pedidos.item_lista(nota, variante))
    item.add("CodigoCnae", str(int(s.codigo_cnae or "0")))
    item.add("Descricao", " ".join(s.discriminacao.split())[:DESCRICAO_MAX].strip())
    item.add("Tributavel", "1")
    item.add("Quantidade", _quantia(Decimal(1)))
    item.add("ValorUnitario", _quantia(s.valor_servicos))
    item.add("ValorLiquido", pedidos._money(s.valor_servicos))


def declaracao(nota: Nota, rps: Rps, variante: Variante) -> Node:
    """``InfDeclaracaoPrestacaoServico`` in EloTech's layout (no Id: nothing is signed)."""
    today = pedidos._hoje()
    inf = Node("InfDeclaracaoPrestacaoServico")
    info = inf.add("Rps")
    ident = info.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", pedidos.TIPO_RPS)
    info.add("DataEmissao", min(nota.data_emissao.astimezone(SAO_PAULO).date(), today)
             .isoformat())
    info.add("Status", "1")
    inf.add("Competencia", min(nota.data_competencia, today).isoformat())
    _servico(inf, nota, variante)
    pedidos._prestador(inf, nota)
    if nota.tomador is not None:
        pedidos._tomador(inf, nota.tomador, LEIAUTE)
    if nota.intermediario is not None:
        pedidos._intermediario(inf, nota.intermediario, LEIAUTE)
    if nota.art:
        obra = inf.add("ConstrucaoCivil")
        if nota.codigo_obra:
            obra.add("CodigoObra", nota.codigo_obra)
        obra.add("Art", nota.art)
    if nota.regime_especial_tributacao:
        inf.add("RegimeEspecialTributacao", str(nota.regime_especial_tributacao))
    inf.add("IncentivoFiscal", pedidos._sim_nao(nota.incentivador_cultural))
    return inf


def _checked(root: Node, variante: Variante) -> bytes:
    documento = pedidos._parse(root.canonical(NS))
    path = esquema(variante)
    problems = validate(documento, path) if path is not None else []
    if problems:
        raise DocumentoInvalido.fora_do_leiaute(problems, "EloTech 2.03")
    return etree.tostring(documento, encoding="UTF-8")


def _exigir(nota: Nota, emissor: Emissor) -> None:
    erros = [Erro(p.codigo, p.mensagem, p.correcao) for p in pedidos.problemas(nota)]
    erros += faltando(nota, emissor)
    if erros:
        raise DocumentoInvalido(erros)


def lote_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``EnviarLoteRpsSincronoEnvio`` of one RPS; the lot number is the RPS number."""
    _exigir(nota, emissor)
    root = Node("EnviarLoteRpsSincronoEnvio")
    _requerente(root, nota, emissor)
    lote = root.add("LoteRps")
    lote.set("versao", VERSAO)
    lote.add("NumeroLote", str(rps.numero))
    pedidos._cpf_cnpj(lote, nota.prestador.cnpj, nota.prestador.cpf)
    lote.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    lote.add("QuantidadeRps", "1")
    lote.add("ListaRps").add("Rps").children.append(declaracao(nota, rps, variante))
    return _checked(root, variante)


def consultar_nfse_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``ConsultarNfseRpsEnvio``: the RPS, then the requerente (no ``Prestador``)."""
    if not emissor.senha:
        raise DocumentoInvalido(faltando(nota, emissor)[:1])
    root = Node("ConsultarNfseRpsEnvio")
    ident = root.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", pedidos.TIPO_RPS)
    _requerente(root, nota, emissor)
    return _checked(root, variante)


def cancelar_nfse(nota: Nota, numero: str, chave_acesso: str, emissor: Emissor,
                  variante: Variante) -> bytes:
    """``CancelarNfseEnvio``: the requerente and the unsigned request, with the note's
    ``ChaveAcesso``."""
    if not emissor.senha:
        raise DocumentoInvalido(faltando(nota, emissor)[:1])
    if not chave_acesso:
        raise DocumentoInvalido([Erro(
            "requisicao_invalida", "A chave de acesso da NFS-e (EloTech) não foi registrada "
            "na emissão", "Cancele a nota no portal da prefeitura")])
    root = Node("CancelarNfseEnvio")
    _requerente(root, nota, emissor)
    inf = root.add("Pedido").add("InfPedidoCancelamento")
    ident = inf.add("IdentificacaoNfse")
    ident.add("Numero", pedidos._numero_nfse(numero))
    pedidos._cpf_cnpj(ident, nota.prestador.cnpj, nota.prestador.cpf)
    ident.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    ident.add("CodigoMunicipio", nota.prestador.codigo_municipio)
    inf.add("ChaveAcesso", chave_acesso)
    inf.add("CodigoCancelamento", variante.codigo_cancelamento)
    return _checked(root, variante)


def chave_acesso(comp: etree._Element) -> str | None:
    """The ``InfNfse/ChaveAcesso`` of a ``CompNfse``."""
    found = comp.findtext("{*}Nfse/{*}InfNfse/{*}ChaveAcesso")
    return found.strip() if found and found.strip() else None


def envelope(dados: bytes) -> tuple[bytes, dict[str, str]]:
    """SOAP 1.1 with the document as the body, the SOAPAction empty."""
    documento = dados.decode("utf-8")
    if documento.startswith("<?xml"):
        documento = documento[documento.index("?>") + 2:]
    texto = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11}">'
             f"<soap:Body>{documento}</soap:Body></soap:Envelope>")
    return texto.encode(), {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
