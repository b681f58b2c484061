"""The documents of CTA 2.00 (``https://prefeiturade<cidade>.online/wsnfse/``), built from the
normalised note.

Facts from the ACBr project's CTA provider (``CTA.Provider.pas``, ``CTA.GravarXml.pas``,
2026-06; CTA publishes no schema, ACBr validates nothing). docs/cta.md lists what only a city
confirms.

- Each document is POSTed as the one file part of a ``multipart/form-data`` body (ACBr's
  ``TACBrNFSeXWebserviceMulti2``: the part named after its file, ``text/xml; charset=Cp1252``,
  binary), to the city's one address; no SOAP, no signature, no client certificate.
- Emission ``<RpsNfse versao="2.00">``: ``ChaveSeguranca`` (Base64 of the lowercase hex
  SHA-256 of CNPJ + the company's key + ``DataEmissao``), ``Producao`` (1 test, 2 production),
  ``Prestador`` and ``ListaRps`` with one ``Rps``.
- Cancellation ``<CancelaNfse versao="2.00" Id="<número>">``: ``ChaveSeguranca`` (Base64 of
  the SHA-1 of the same text), ``Producao``, ``Prestador`` and the note's number with the
  justification.

There is no query: neither of a lot nor of a note.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Endereco, Nota
from nfse.municipios import registry
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.base import Erro, Rps

VERSAO = "2.00"
ENCODING = "windows-1252"
"""The part's charset, as ACBr declares it (``Cp1252``); other characters go as references."""
LIMITE_ITEM = 60
"""``DescritivoDoItem`` has at most 60 characters."""
LIMITE_OBSERVACOES = 190
ITENS = 5
"""The layout always carries ``Servico1`` to ``Servico5``; the unused ones go zeroed."""
TRIBUTACAO = {1: "0", 2: "1", 3: "2", 4: "2", 5: "3", 6: "3"}
"""natureza_operacao → ``TipoDeTributacao`` (ACBr's ``TipoTributacaoRPSToStr``): 0 no
município, 1 fora, 2 isenta ou imune, 3 suspensa; 4 is the Simples, 5 retido no município."""
PAIS_BRASIL = "1058"


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def problemas(nota: Nota) -> list[Problema]:
    """What CTA's note needs beyond the contract: the prestador's inscrição municipal, the
    LC 116 item, a discriminação its one service line keeps whole, complementary information
    within ``Observacoes``."""
    found: list[Problema] = []
    if not _digitos(nota.prestador.inscricao_municipal):
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" não informado',
                              "A CTA identifica o prestador pela inscrição municipal"))
    if not _digitos(nota.servico.item_lista_servico):
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    tamanho = len(nota.servico.discriminacao.strip())
    if tamanho > LIMITE_ITEM:
        found.append(Problema("servico.discriminacao",
                              f"A discriminação tem {tamanho} caracteres e a CTA aceita no "
                              f"máximo {LIMITE_ITEM} na descrição do serviço",
                              "Resuma a discriminação (o gateway não a corta); o texto longo "
                              f"cabe em informacoes_complementares, até {LIMITE_OBSERVACOES} "
                              "caracteres"))
    complementares = len((nota.informacoes_complementares or "").strip())
    if complementares > LIMITE_OBSERVACOES:
        found.append(Problema("informacoes_complementares",
                              f"As informações complementares têm {complementares} "
                              f"caracteres e a CTA aceita no máximo {LIMITE_OBSERVACOES}",
                              "Resuma as informações complementares"))
    return found


def valor(value: Decimal | None) -> str:
    """``1234.50``."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def agora() -> str:
    """``DataEmissao`` of the ``Prestador`` group: now, Brasília time, as ACBr writes it."""
    return f"{datetime.now(SAO_PAULO):%Y-%m-%dT%H:%M:%S}"


def chave_emissao(cnpj: str, chave: str, data: str) -> str:
    """``ChaveSeguranca`` of an emission: Base64 of the lowercase hex SHA-256."""
    resumo = hashlib.sha256(f"{cnpj}{chave}{data}".encode()).hexdigest()
    return base64.b64encode(resumo.encode()).decode()


def chave_cancelamento(cnpj: str, chave: str, data: str) -> str:
    """``ChaveSeguranca`` of a cancellation: Base64 of the SHA-1 digest."""
    return base64.b64encode(hashlib.sha1(f"{cnpj}{chave}{data}".encode()).digest()).decode()


def _sub(parent: etree._Element, tag: str, text: str | None = "") -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _prestador(raiz: etree._Element, nota: Nota, data: str) -> etree._Element:
    prestador = _sub(raiz, "Prestador", None)
    _sub(prestador, "DataEmissao", data)
    _sub(prestador, "Cnpj", nota.prestador.cnpj or nota.prestador.cpf or "")
    return prestador


def _raiz(tag: str, chave: str, producao: bool, nota: Nota, data: str,
          **atributos: str) -> tuple[etree._Element, etree._Element]:
    raiz = etree.Element(tag, versao=VERSAO, **atributos)
    _sub(raiz, "ChaveSeguranca", chave)
    _sub(raiz, "Producao", "2" if producao else "1")
    return raiz, _prestador(raiz, nota, data)


def _tomador(rps: etree._Element, nota: Nota) -> None:
    tomador = nota.tomador
    documento = (tomador.cnpj or tomador.cpf or "") if tomador else ""
    grupo = _sub(rps, "Tomador", None)
    _sub(grupo, "Tipo", "1" if tomador and tomador.cnpj else "2" if documento else "")
    _sub(grupo, "CpfCnpj", documento)
    _sub(grupo, "InscricaoMunicipal", (tomador.inscricao_municipal or "") if tomador else "")
    _sub(grupo, "InscricaoEstadual", "")
    if tomador and tomador.razao_social:
        _sub(grupo, "RazaoSocial", tomador.razao_social[:115])
    e = (tomador.endereco if tomador else None) or Endereco()
    municipio = registry.get(e.codigo_municipio) if e.codigo_municipio else None
    endereco = _sub(rps, "Endereco", None)
    for tag, texto in (
            ("TipoLogradouro", (e.tipo_logradouro or "")[:50]),
            ("Logradouro", (e.logradouro or "")[:125]), ("Numero", (e.numero or "")[:10]),
            ("Complemento", (e.complemento or "")[:60]), ("Bairro", (e.bairro or "")[:60]),
            ("CodigoMunicipio", _digitos(e.codigo_municipio)[:7]),
            ("Uf", (municipio.uf if municipio else e.uf or "")[:2]),
            ("CodigoPais", _digitos(e.codigo_pais)[-4:] or (PAIS_BRASIL if documento else "")),
            ("Cep", _digitos(e.cep)[:8]),
            ("TelefoneContatoTomador", _digitos(tomador.telefone if tomador else None)[-11:]),
            ("EmailTomador", ((tomador.email or "") if tomador else "")[:80])):
        _sub(endereco, tag, texto)


def _item(nota: Nota) -> str:
    """``ItemListaServico`` as ``01.07`` (ACBr's default format)."""
    item = _digitos(nota.servico.item_lista_servico).zfill(4)
    return f"{item[:-2]}.{item[-2:]}"


def rps(nota: Nota, rps_: Rps, simples: bool) -> etree._Element:
    """The ``Rps`` of ``rps_``, in ACBr's order."""
    servico = nota.servico
    emissao = nota.data_emissao.astimezone(SAO_PAULO)
    raiz = etree.Element("Rps")
    identificacao = _sub(raiz, "IdentificacaoRps", None)
    retido_no_municipio = servico.iss_retido and nota.natureza_operacao == 1
    tributacao = "4" if simples else "5" if retido_no_municipio else \
        TRIBUTACAO[nota.natureza_operacao]
    for tag, texto in (("Numero", str(rps_.numero)),
                       ("DataDeEmissao", f"{emissao:%Y-%m-%dT%H:%M:%S}"),
                       ("Competencia", f"{nota.data_competencia:%m-%Y}"),
                       ("LocalDaPrestacao", servico.codigo_municipio),
                       ("LocalDoRecolhimento", servico.codigo_municipio
                        if not servico.iss_retido else nota.prestador.codigo_municipio),
                       ("CodigoDaObra", (nota.codigo_obra or "")[:6]),
                       ("TipoDeTributacao", tributacao)):
        _sub(identificacao, tag, texto)
    for indice in range(1, ITENS + 1):
        item = _sub(raiz, f"Servico{indice}", None)
        primeiro = indice == 1
        for tag, texto in (
                ("QuantidadeDoItem", "1" if primeiro else "0"),
                ("DescritivoDoItem", servico.discriminacao.strip() if primeiro else ""),
                ("ValorUnitarioDoItem", valor(servico.valor_servicos if primeiro else None)),
                ("ValorTotalDoItem", valor(servico.valor_servicos if primeiro else None))):
            _sub(item, tag, texto)
    valores = _sub(raiz, "Valores", None)
    liquido = servico.valor_liquido
    tributos = servico.valores_tributos
    total_tributos = sum(tributos, Decimal(0)) if tributos else Decimal(0)
    carga = (total_tributos / liquido * 100) if liquido else Decimal(0)
    for tag, quantia in (("ValorTotalDosServicos", servico.valor_servicos),
                         ("ValorDeducoes", servico.valor_deducoes),
                         ("DescontoIncondicionado", servico.desconto_incondicionado),
                         ("DescontoCondicionado", servico.desconto_condicionado),
                         ("BaseDeCalculoDoISS", servico.base_calculo),
                         ("Aliquota", servico.aliquota), ("ValorIss", servico.valor_iss),
                         ("ValorLiquidoNota", liquido), ("CargaTributariaTotal", carga),
                         ("ValorCargaTributariaTotal", total_tributos)):
        _sub(valores, tag, valor(quantia))
    informacoes = _sub(raiz, "Informacoes", None)
    for tag, texto in (("IssRetido", "1" if servico.iss_retido else "2"),
                       ("ResponsavelRecolhimento", "1" if servico.iss_retido else ""),
                       ("ItemListaServico", _item(nota)),
                       ("ClassificacaoCNAE", _digitos(servico.codigo_cnae)[:9]),
                       ("CodigoTributacaoMunicipio",
                        (servico.codigo_tributario_municipio or "")[:20])):
        _sub(informacoes, tag, texto)
    retencoes = _sub(raiz, "ValoresRetencoes", None)
    pis_cofins = servico.pis_cofins
    for tag, quantia in (
            ("AliquotaPIS", pis_cofins.aliquota_pis if pis_cofins else None),
            ("ValorPIS", servico.valor_pis),
            ("AliquotaCOFINS", pis_cofins.aliquota_cofins if pis_cofins else None),
            ("ValorCOFINS", servico.valor_cofins), ("AliquotaCSLL", None),
            ("ValorCSLL", servico.valor_csll), ("BaseCalculoINSS", servico.base_calculo),
            ("AliquotaINSS", None), ("ValorINSS", servico.valor_inss), ("AliquotaIR", None),
            ("ValorIR", servico.valor_ir)):
        _sub(retencoes, tag, valor(quantia))
    _sub(raiz, "Observacoes", (nota.informacoes_complementares or "").strip())
    _tomador(raiz, nota)
    return raiz


def emissao(nota: Nota, rps_: Rps, chave: str, producao: bool, simples: bool,
            data: str) -> etree._Element:
    """The ``RpsNfse`` of ``rps_`` with the company's ``chave`` hashed at ``data``."""
    found = problemas(nota)
    if found:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in found])
    cnpj = nota.prestador.cnpj or nota.prestador.cpf or ""
    raiz, prestador = _raiz("RpsNfse", chave_emissao(cnpj, chave, data), producao, nota, data)
    _sub(prestador, "InscricaoEstadual", "")
    _sub(prestador, "InscricaoMunicipal", _digitos(nota.prestador.inscricao_municipal))
    _sub(prestador, "OptanteSimplesNacional", "1" if simples else "2")
    _sub(prestador, "IncentivoFiscalImunidade", "1" if nota.incentivador_cultural else "2")
    _sub(raiz, "ListaRps", None).append(rps(nota, rps_, simples))
    return raiz


def cancelamento(nota: Nota, numero: str, justificativa: str, chave: str, producao: bool,
                 data: str) -> etree._Element:
    """The ``CancelaNfse`` of NFS-e ``numero``."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}")])
    cnpj = nota.prestador.cnpj or nota.prestador.cpf or ""
    raiz, _ = _raiz("CancelaNfse", chave_cancelamento(cnpj, chave, data), producao, nota, data,
                    Id=numero)
    identificacao = _sub(_sub(raiz, "Nfse", None), "IdentificacaoNfse", None)
    _sub(identificacao, "Numero", numero)
    _sub(identificacao, "Justificativa", justificativa.strip())
    return raiz


def bytes_(documento: etree._Element) -> bytes:
    return etree.tostring(documento, xml_declaration=True, encoding=ENCODING)


def multipart(documento: bytes, nome: str) -> tuple[bytes, str]:
    """The body with ``documento`` as its one part, named after its file ``nome`` (ACBr's
    ``Multi2`` form), and its Content-Type."""
    fronteira = f"----=_Part_3_{secrets.token_hex(4).upper()}"
    cabecalho = (f"--{fronteira}\r\nContent-Type: text/xml; charset=Cp1252; name={nome}\r\n"
                 "Content-Transfer-Encoding: binary\r\n"
                 f'Content-Disposition: form-data; name="{nome}"; filename="{nome}"\r\n\r\n')
    corpo = cabecalho.encode() + documento + f"\r\n--{fronteira}--\r\n".encode()
    return corpo, f'multipart/form-data; boundary="{fronteira}"'
