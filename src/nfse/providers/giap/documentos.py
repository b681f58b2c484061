"""The documents of Giap's own REST layout (``.../ws/nfe/emitir_nfe``), built from the
normalised note.

Facts (field names, order, formats) from the ACBr project's Giap provider
(``Giap.GravarXml.pas``, ``Giap.Provider.pas``, commit 7be4dac, 2026-06); Giap publishes no
schema. docs/giap.md lists what is and is not confirmed.

- Emission: ``<nfe><notaFiscal>`` with ``dadosPrestador`` (``dataEmissao`` DD/MM/AAAA,
  ``im``, ``numeroRps``; ``numeroNota``, ``codigoVerificacao`` and ``link`` empty until the
  note exists), ``dadosServico`` (where the service was rendered), ``dadosTomador``,
  ``detalheServico`` (retentions, ``issRetido`` 0/1, one ``item``, ``obs``).
- Query: ``<consulta>`` with ``inscricaoMunicipal`` and ``codigoVerificacao`` (Giap finds a
  note by its verification code, not by the RPS).
- Cancellation: ``<nfe><cancelaNota>`` with ``codigoMotivo`` and ``numeroNota``.

Amounts with a decimal point and 2 places, the rate in percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Endereco, Nota
from nfse.municipios import registry
from nfse.providers.base import Erro, Rps

ENCODING = "UTF-8"
PAIS = "Brasil"


class DocumentoInvalido(ValueError):
    """The note cannot become a Giap document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def problemas(nota: Nota) -> list[Problema]:
    """What Giap's layout needs beyond the contract."""
    found: list[Problema] = []
    if not _digitos(nota.prestador.inscricao_municipal):
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" não informado',
                              "A Giap identifica o prestador pela inscrição municipal"))
    if not _digitos(nota.servico.item_lista_servico):
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    return found


def _exigir(nota: Nota) -> None:
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])


def valor(value: Decimal | None) -> str:
    """``1234.50``."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _sub(parent: etree._Element, tag: str, text: str | None = "") -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text or ""
    return element


def _cidade(codigo: str | None) -> tuple[str, str]:
    """(name, UF) of an IBGE code; empty when unknown."""
    municipio = registry.get(codigo) if codigo else None
    return (municipio.nome, municipio.uf) if municipio else ("", "")


def _endereco(parent: etree._Element, endereco: Endereco | None, codigo: str | None,
              tamanho_cidade: int) -> None:
    nome, uf = _cidade(codigo)
    e = endereco or Endereco()
    _sub(parent, "bairro", (e.bairro or "")[:25])
    _sub(parent, "cep", _digitos(e.cep)[:9])
    _sub(parent, "cidade", (nome or e.cidade or "")[:tamanho_cidade])
    _sub(parent, "complemento", (e.complemento or "")[:30])


def emissao(nota: Nota, rps: Rps) -> bytes:
    """The ``<nfe>`` that issues the note of ``rps``."""
    _exigir(nota)
    servico = nota.servico
    root = etree.Element("nfe")
    nota_fiscal = _sub(root, "notaFiscal", None)
    prestador = _sub(nota_fiscal, "dadosPrestador", None)
    _sub(prestador, "dataEmissao", f"{nota.data_emissao.astimezone(SAO_PAULO):%d/%m/%Y}")
    _sub(prestador, "im", _digitos(nota.prestador.inscricao_municipal)[:11])
    _sub(prestador, "numeroRps", str(rps.numero))
    _sub(prestador, "loteRps", str(rps.numero))
    for tag in ("numeroNota", "codigoVerificacao", "link"):
        _sub(prestador, tag)

    tomador = nota.tomador
    endereco_tomador = tomador.endereco if tomador else None
    local = _sub(nota_fiscal, "dadosServico", None)
    # The note has no address of the service itself: the tomador's, when the service was
    # rendered in the tomador's municipality; the municipality alone otherwise.
    no_tomador = endereco_tomador is not None and \
        endereco_tomador.codigo_municipio == servico.codigo_municipio
    endereco_servico = endereco_tomador if no_tomador else None
    _endereco(local, endereco_servico, servico.codigo_municipio, 30)
    _sub(local, "logradouro", ((endereco_servico.logradouro if endereco_servico else "")
                               or "")[:50])
    _sub(local, "numero", ((endereco_servico.numero if endereco_servico else "") or "")[:10])
    _sub(local, "pais", PAIS)
    _sub(local, "uf", _cidade(servico.codigo_municipio)[1])

    dados_tomador = _sub(nota_fiscal, "dadosTomador", None)
    _endereco(dados_tomador, endereco_tomador,
              endereco_tomador.codigo_municipio if endereco_tomador else None, 50)
    documento = (tomador.cnpj or tomador.cpf or "") if tomador else ""
    _sub(dados_tomador, "documento", documento)
    _sub(dados_tomador, "email", (tomador.email or "") if tomador else "")
    _sub(dados_tomador, "ie")
    _sub(dados_tomador, "logradouro", ((endereco_tomador.logradouro if endereco_tomador
                                        else "") or "")[:50])
    _sub(dados_tomador, "nomeTomador", ((tomador.razao_social if tomador else "") or "")[:120])
    _sub(dados_tomador, "numero", ((endereco_tomador.numero if endereco_tomador else "")
                                   or "")[:10])
    _sub(dados_tomador, "pais", PAIS)
    _sub(dados_tomador, "tipoDoc", "F" if len(documento) == 11 else "J")
    _sub(dados_tomador, "uf", (_cidade(endereco_tomador.codigo_municipio)[1]
                               if endereco_tomador else "") or
         ((endereco_tomador.uf or "") if endereco_tomador else ""))

    detalhe = _sub(nota_fiscal, "detalheServico", None)
    _sub(detalhe, "cofins", valor(servico.valor_cofins))
    _sub(detalhe, "csll", valor(servico.valor_csll))
    _sub(detalhe, "deducaoMaterial", valor(servico.valor_deducoes))
    _sub(detalhe, "descontoIncondicional", valor(servico.desconto_incondicionado))
    _sub(detalhe, "inss", valor(servico.valor_inss))
    _sub(detalhe, "ir", valor(servico.valor_ir))
    _sub(detalhe, "issRetido", "1" if servico.iss_retido else "0")
    item = _sub(detalhe, "item", None)
    _sub(item, "aliquota", valor(servico.aliquota))
    if servico.codigo_cnae:
        _sub(item, "cnae", _digitos(servico.codigo_cnae))
    _sub(item, "codigo", str(int(_digitos(servico.item_lista_servico))))
    _sub(item, "descricao", servico.discriminacao[:4000])
    _sub(item, "valor", valor(servico.valor_servicos))
    _sub(detalhe, "obs", (nota.informacoes_complementares or "")[:4000])
    _sub(detalhe, "pisPasep", valor(servico.valor_pis))
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)


def consulta(nota: Nota, codigo_verificacao: str) -> bytes:
    """``<consulta>``: the note of ``codigo_verificacao`` of the prestador."""
    root = etree.Element("consulta")
    _sub(root, "inscricaoMunicipal", _digitos(nota.prestador.inscricao_municipal))
    _sub(root, "codigoVerificacao", codigo_verificacao)
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)


def cancelamento(numero: str, codigo_motivo: str) -> bytes:
    """The ``<nfe><cancelaNota>`` of NFS-e ``numero``."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}",
                                      None)])
    root = etree.Element("nfe")
    cancela = _sub(root, "cancelaNota", None)
    _sub(cancela, "codigoMotivo", codigo_motivo)
    _sub(cancela, "numeroNota", numero)
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)
