"""The documents of IPM's own layout (Atende.Net ``WNERestServiceNFSe``, version 1.01), built
from the normalised note.

Sources of the facts (field names, order, formats): the ACBr project's IPM provider
(``IPM.GravarXml.pas``, ``IPM.Provider.pas``, 2026) and IPM's Nota Técnica 122/2025 (IBS/CBS
tests) as summarised in public repositories; IPM's own manual (NTE 35/2021) is not public
where we could read it. docs/ipm.md lists what is and is not confirmed.

- Emission: ``<nfse>`` with ``identificador`` (unique per RPS: IPM refuses to process one
  twice), ``nfse_teste`` (1: validate only, nothing is issued), ``rps``, ``nf`` (totals),
  ``prestador`` (CNPJ/CPF and the TOM code of its city), ``tomador``, ``itens/lista``.
- Query by RPS: ``<consulta_rps>`` with ``cidade`` (TOM), ``serie_rps``, ``numero_rps``.
- Cancellation: ``<nfse><nf><numero/><serie_nfse/><situacao>C</situacao><observacao/></nf>
  <prestador/></nfse>``.

Formats: amounts and rates with a decimal comma (``100,00``, ``5,0000``), dates
``DD/MM/AAAA``, hours ``hh:mm:ss``, municipalities by their TOM code (``tom``), CPF/CNPJ
digits only. Documents leave as ISO-8859-1 (what IPM's server reads; other characters become
character references).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.providers.base import Emissor, Erro, Rps
from nfse.providers.ipm.tom import codigo_tom
from nfse.xml.sign import sign

ENCODING = "ISO-8859-1"

SITUACAO_TRIBUTARIA = {1: "0", 2: "0", 3: "6", 4: "7"}
"""natureza_operacao → situacao_tributaria of IPM's table (0 tributada integralmente, 6
isenta, 7 imune); with ISS retido, 0 becomes 1 (tributada integralmente com ISSRF).
Exigibilidade suspensa (5, 6) has no code in that table."""
COM_RETENCAO = {"0": "1"}
ITENS_MAXIMO = 10
"""``lista`` elements a note may carry (ACBr's limit for the layout)."""


class DocumentoInvalido(ValueError):
    """The note cannot become an IPM document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


# -- checks at POST ---------------------------------------------------------------------------

def _problema(campo: str, correcao: str, ausente: bool = False) -> Problema:
    return Problema(campo, f'Parâmetro "{campo}" {"não informado" if ausente else "inválido"}',
                    correcao)


def problemas(nota: Nota) -> list[Problema]:
    """What IPM's layout needs beyond the contract."""
    found: list[Problema] = []
    if codigo_tom(nota.prestador.codigo_municipio) is None:
        found.append(_problema("prestador.codigo_municipio", "O município do prestador não "
                               "tem código TOM conhecido (o leiaute IPM identifica os "
                               "municípios pela tabela TOM da Receita Federal)"))
    if codigo_tom(nota.servico.codigo_municipio) is None:
        found.append(_problema("servico.codigo_municipio", "Informe o código IBGE do município "
                               "onde o serviço foi prestado (o leiaute IPM o envia como "
                               "código TOM)"))
    if nota.natureza_operacao not in SITUACAO_TRIBUTARIA:
        found.append(_problema("natureza_operacao", "O leiaute IPM aceita natureza_operacao 1 "
                               "(tributação no município), 2 (fora do município), 3 (isenção) "
                               "ou 4 (imune)"))
    if not _digitos(nota.servico.item_lista_servico):
        found.append(_problema("servico.item_lista_servico", "Informe o item da lista de "
                               "serviços da LC 116 (por exemplo 01.07)", True))
    if len(nota.servico.discriminacao) > 1000:
        found.append(_problema("servico.discriminacao", "No leiaute IPM a discriminação tem "
                               "até 1000 caracteres"))
    tomador = nota.tomador
    if tomador is not None and not tomador.nif:
        endereco = tomador.endereco
        if endereco is not None and endereco.codigo_municipio and \
                codigo_tom(endereco.codigo_municipio) is None:
            found.append(_problema("tomador.endereco.codigo_municipio", "Código IBGE do "
                                   "município do tomador desconhecido na tabela TOM"))
    return found


def _exigir(nota: Nota) -> None:
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])


# -- values -----------------------------------------------------------------------------------

def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def valor(value: Decimal, casas: int = 2) -> str:
    """An amount with a decimal comma: ``1234,50``."""
    quantum = Decimal(1).scaleb(-casas)
    return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):.{casas}f}".replace(".", ",")


def data(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def identificador(rps: Rps, teste: bool) -> str:
    """The emission's unique identifier, one per RPS: a resend of the same RPS carries the
    same one, so IPM never issues it twice (``nfse_`` / ``nfseh_`` + número.série, as ACBr
    forms it)."""
    return f"{'nfseh' if teste else 'nfse'}_{rps.numero}.{rps.serie}"


def situacao_tributaria(nota: Nota) -> str:
    situacao = SITUACAO_TRIBUTARIA[nota.natureza_operacao]
    return COM_RETENCAO.get(situacao, situacao) if nota.servico.iss_retido else situacao


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _opcional(parent: etree._Element, tag: str, text: str | None, size: int) -> None:
    if text:
        _sub(parent, tag, text[:size])


def _serializar(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)


# -- emission ---------------------------------------------------------------------------------

def _tomador(root: etree._Element, tomador: Pessoa | None) -> None:
    element = _sub(root, "tomador")
    if tomador is None:
        return
    endereco = tomador.endereco
    _sub(element, "endereco_informado", "1" if endereco is not None else "0")
    if tomador.nif:
        _sub(element, "tipo", "E")
        _sub(element, "identificador", tomador.nif[:20])
        _opcional(element, "estado", endereco.regiao if endereco else None, 100)
        _opcional(element, "pais", endereco.codigo_pais if endereco else None, 100)
    else:
        _sub(element, "tipo", "J" if tomador.cnpj else "F")
        _sub(element, "cpfcnpj", tomador.cnpj or tomador.cpf or "")
    _opcional(element, "nome_razao_social", tomador.razao_social, 100)
    if endereco is not None:
        _opcional(element, "logradouro", endereco.logradouro, 70)
    _opcional(element, "email", tomador.email, 100)
    if endereco is not None:
        _opcional(element, "numero_residencia", endereco.numero, 8)
        _opcional(element, "complemento", endereco.complemento, 50)
        _opcional(element, "bairro", endereco.bairro, 30)
        cidade = (endereco.cidade if tomador.nif else codigo_tom(endereco.codigo_municipio))
        _opcional(element, "cidade", cidade, 100)
        _opcional(element, "cep", _digitos(endereco.cep), 8)
    telefone = _digitos(tomador.telefone)
    if len(telefone) >= 10:
        _sub(element, "ddd_fone_comercial", telefone[:2])
        _sub(element, "fone_comercial", telefone[2:11])


def _lista(itens: etree._Element, nota: Nota) -> None:
    servico = nota.servico
    lista = _sub(itens, "lista")
    _sub(lista, "tributa_municipio_prestador", "N" if nota.natureza_operacao == 2 else "S")
    _sub(lista, "codigo_local_prestacao_servico", codigo_tom(servico.codigo_municipio))
    _sub(lista, "codigo_item_lista_servico", _digitos(servico.item_lista_servico))
    if servico.codigo_cnae:
        _sub(lista, "codigo_atividade", _digitos(servico.codigo_cnae))
    _sub(lista, "descritivo", servico.discriminacao)
    _sub(lista, "aliquota_item_lista_servico", valor(servico.aliquota or Decimal(0), 4))
    _sub(lista, "situacao_tributaria", situacao_tributaria(nota))
    _sub(lista, "valor_tributavel", valor(servico.base_calculo))
    if servico.valor_deducoes:
        _sub(lista, "valor_deducao", valor(servico.valor_deducoes))
    if servico.desconto_incondicionado:
        _sub(lista, "valor_desconto_incondicional", valor(servico.desconto_incondicionado))
    if servico.iss_retido:
        retido = servico.valor_iss_retido if servico.valor_iss_retido is not None \
            else servico.valor_iss
        _sub(lista, "valor_issrf", valor(retido or Decimal(0)))


def emissao(nota: Nota, rps: Rps, emissor: Emissor, teste: bool) -> bytes:
    """The ``<nfse>`` that issues the note of ``rps``; with ``teste`` it carries
    ``nfse_teste`` 1 (IPM validates it and issues nothing). Signed (enveloped XMLDSig over
    the whole document) when the profile names an ``assinatura`` algorithm."""
    _exigir(nota)
    servico = nota.servico
    root = etree.Element("nfse")
    _sub(root, "identificador", identificador(rps, teste))
    if teste:
        _sub(root, "nfse_teste", "1")
    emitida = nota.data_emissao.astimezone(SAO_PAULO)
    elemento_rps = _sub(root, "rps")
    _sub(elemento_rps, "nro_recibo_provisorio", str(rps.numero))
    _sub(elemento_rps, "serie_recibo_provisorio", rps.serie[:2])
    _sub(elemento_rps, "data_emissao_recibo_provisorio", data(emitida.date()))
    _sub(elemento_rps, "hora_emissao_recibo_provisorio", emitida.strftime("%H:%M:%S"))
    nf = _sub(root, "nf")
    _sub(nf, "data_fato_gerador", data(nota.data_competencia))
    _sub(nf, "valor_total", valor(servico.valor_servicos))
    _sub(nf, "valor_desconto", valor(servico.desconto_incondicionado))
    _sub(nf, "valor_ir", valor(servico.valor_ir))
    _sub(nf, "valor_inss", valor(servico.valor_inss))
    _sub(nf, "valor_contribuicao_social", valor(servico.valor_csll))
    _sub(nf, "valor_rps", valor(Decimal(0)))
    _sub(nf, "valor_pis", valor(servico.valor_pis))
    _sub(nf, "valor_cofins", valor(servico.valor_cofins))
    _opcional(nf, "observacao", nota.informacoes_complementares, 1000)
    prestador = _sub(root, "prestador")
    _sub(prestador, "cpfcnpj", nota.prestador.cnpj or nota.prestador.cpf or "")
    _sub(prestador, "cidade", codigo_tom(nota.prestador.codigo_municipio))
    _tomador(root, nota.tomador)
    _lista(_sub(root, "itens"), nota)
    _assinar(root, f"rps{rps.numero}", emissor)
    return _serializar(root)


def _assinar(root: etree._Element, ident: str, emissor: Emissor) -> None:
    """An enveloped XMLDSig over the whole document, referenced by its ``Id`` (the RPS
    number, prefixed ``rps``, in an emission; ``nota`` in a cancellation), when the
    municipality's profile names an ``assinatura`` algorithm; most IPM cities ask for
    none (the portal's user and password authenticate)."""
    algoritmo = emissor.opcoes.get("assinatura")
    if algoritmo:
        root.set("Id", ident)
        sign(root, root, emissor.a1, str(algoritmo))


# -- query and cancellation -------------------------------------------------------------------

def consulta_rps(nota: Nota, rps: Rps) -> bytes:
    """``<consulta_rps>``: the note issued from ``rps`` in the prestador's city."""
    root = etree.Element("consulta_rps")
    _sub(root, "cidade", codigo_tom(nota.prestador.codigo_municipio))
    _sub(root, "serie_rps", _digitos(rps.serie) or rps.serie)
    _sub(root, "numero_rps", str(rps.numero))
    return _serializar(root)


def cancelamento(nota: Nota, numero: str, serie: str, justificativa: str,
                 emissor: Emissor) -> bytes:
    """The ``<nfse>`` that cancels NFS-e ``numero`` of ``serie`` (``situacao`` C)."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}",
                                      None)])
    root = etree.Element("nfse")
    nf = _sub(root, "nf")
    _sub(nf, "numero", numero)
    _sub(nf, "serie_nfse", serie)
    _sub(nf, "situacao", "C")
    _sub(nf, "observacao", justificativa[:1000])
    prestador = _sub(root, "prestador")
    _sub(prestador, "cpfcnpj", nota.prestador.cnpj or nota.prestador.cpf or "")
    _sub(prestador, "cidade", codigo_tom(nota.prestador.codigo_municipio))
    _assinar(root, "nota", emissor)
    return _serializar(root)
