"""The emission document of SigISSWeb's own REST layout (``POST rest/nfes``), built from the
normalised note.

Facts (field names, order, formats) from the ACBr project's SigISSWeb provider
(``SigISSWeb.GravarXml.pas``, ``SigISSWeb.Provider.pas``, commit 7be4dac, 2026-06);
SigISSWeb publishes no schema. docs/sigissweb.md lists what is and is not confirmed.

``<notafiscal>``: the prestador's CNPJ/CPF, the tomador (``*_destinatario``), the amounts
(decimal comma, 2 places), ``data_emissao`` DD/MM/AAAA, ``descricao``, ``id_codigo_servico``
(the LC 116 item with its dot, ``01.07``), ``iss_retido`` S/N, each federal retention as
base, rate and amount, ``serie_rps``/``rps`` and where the service was rendered. Sent as
ISO-8859-1, as ACBr declares it.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.municipios import registry
from nfse.providers.base import Erro, Rps

ENCODING = "ISO-8859-1"
PAIS = "BRASIL"
SISTEMA_GERADOR = "nfse-gateway"


class DocumentoInvalido(ValueError):
    """The note cannot become a SigISSWeb document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def item_lista(item: str) -> str:
    """``0107`` or ``1.07`` → ``01.07``."""
    if "." in item:
        grupo, _, sub = item.partition(".")
        return f"{_digitos(grupo).zfill(2)}.{_digitos(sub).zfill(2)}"
    digitos = _digitos(item).zfill(4)
    return f"{digitos[:-2]}.{digitos[-2:]}"


def problemas(nota: Nota) -> list[Problema]:
    """What SigISSWeb's layout needs beyond the contract."""
    found: list[Problema] = []
    if not _digitos(nota.servico.item_lista_servico):
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    if nota.tomador is None or not (nota.tomador.cnpj or nota.tomador.cpf or nota.tomador.nif):
        found.append(Problema("tomador", 'Parâmetro "tomador" não informado',
                              "O leiaute SigISSWeb exige o documento do tomador"))
    return found


def valor(value: Decimal | None) -> str:
    """``1234,50``."""
    quantum = Decimal("0.01")
    return f"{(value or Decimal(0)).quantize(quantum, rounding=ROUND_HALF_UP):.2f}".replace(
        ".", ",")


def _aliquota(montante: Decimal, base: Decimal) -> Decimal:
    return montante * 100 / base if montante and base else Decimal(0)


def _sub(parent: etree._Element, tag: str, text: str | None) -> None:
    etree.SubElement(parent, tag).text = text or ""


def emissao(nota: Nota, rps: Rps) -> bytes:
    """The ``<notafiscal>`` that issues the note of ``rps``."""
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])
    servico, tomador = nota.servico, nota.tomador
    assert tomador is not None
    endereco = tomador.endereco
    municipio_tomador = registry.get(endereco.codigo_municipio) \
        if endereco is not None and endereco.codigo_municipio else None
    local = registry.get(servico.codigo_municipio)
    root = etree.Element("notafiscal")
    _sub(root, "cnpj_cpf_prestador", nota.prestador.documento)
    _sub(root, "exterior_dest", "1" if tomador.nif else "0")
    _sub(root, "cnpj_cpf_destinatario", tomador.nif or tomador.cnpj or tomador.cpf)
    _sub(root, "pessoa_destinatario", "F" if tomador.cpf else "J")
    _sub(root, "ie_destinatario", "")
    _sub(root, "im_destinatario", _digitos(tomador.inscricao_municipal))
    _sub(root, "razao_social_destinatario", (tomador.razao_social or "")[:60])
    _sub(root, "endereco_destinatario", ((endereco.logradouro if endereco else "") or "")[:60])
    _sub(root, "numero_ende_destinatario", ((endereco.numero if endereco else "") or "")[:10])
    _sub(root, "complemento_ende_destinatario",
         ((endereco.complemento if endereco else "") or "")[:60])
    _sub(root, "bairro_destinatario", ((endereco.bairro if endereco else "") or "")[:60])
    _sub(root, "cep_destinatario", _digitos(endereco.cep if endereco else "")[:8])
    _sub(root, "cidade_destinatario", municipio_tomador.nome if municipio_tomador else
         ((endereco.cidade if endereco else "") or ""))
    _sub(root, "uf_destinatario", municipio_tomador.uf if municipio_tomador else
         ((endereco.uf if endereco else "") or ""))
    _sub(root, "pais_destinatario", PAIS if not tomador.nif else
         ((endereco.codigo_pais if endereco else "") or ""))
    telefone = _digitos(tomador.telefone)
    if telefone:
        _sub(root, "fone_destinatario", telefone[:10])
    _sub(root, "email_destinatario", (tomador.email or "")[:100])
    _sub(root, "valor_nf", valor(servico.valor_servicos))
    _sub(root, "deducao", valor(servico.valor_deducoes))
    _sub(root, "valor_servico", valor(servico.valor_servicos - servico.valor_deducoes
                                      if servico.iss_retido else servico.valor_liquido))
    _sub(root, "data_emissao", f"{nota.data_emissao.astimezone(SAO_PAULO):%d/%m/%Y}")
    _sub(root, "forma_de_pagamento", "")
    _sub(root, "descricao", servico.discriminacao.replace("\n", "|"))
    _sub(root, "id_codigo_servico", item_lista(servico.item_lista_servico))
    _sub(root, "cancelada", "N")
    _sub(root, "iss_retido", "S" if servico.iss_retido else "N")
    _sub(root, "aliq_iss", valor(servico.aliquota))
    iss = servico.valor_iss if servico.valor_iss is not None else \
        servico.base_calculo * (servico.aliquota or Decimal(0)) / 100
    _sub(root, "valor_iss", valor(iss))
    for sufixo, montante in (("pis", servico.valor_pis), ("cofins", servico.valor_cofins),
                             ("csll", servico.valor_csll), ("irrf", servico.valor_ir),
                             ("inss", servico.valor_inss)):
        base = servico.base_calculo if montante else Decimal(0)
        _sub(root, f"bc_{sufixo}", valor(base))
        _sub(root, f"aliq_{sufixo}", valor(_aliquota(montante, base)))
        _sub(root, f"valor_{sufixo}", valor(montante))
    _sub(root, "sistema_gerador", SISTEMA_GERADOR)
    _sub(root, "serie_rps", rps.serie[:10])
    _sub(root, "rps", str(rps.numero))
    _sub(root, "codigo_nbs", "")
    _sub(root, "exterior_prestacao_servico", "0")
    _sub(root, "pais_local_prest", PAIS)
    _sub(root, "cidade_local_prest", local.nome if local else "")
    _sub(root, "uf_local_prest", local.uf if local else "")
    return etree.tostring(root, xml_declaration=True, encoding=ENCODING)
