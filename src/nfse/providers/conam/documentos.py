"""The documents of Conam's own layout (etransparencia.com.br, ``aws_nfe.aspx``, versão
4.00), built from the normalised note.

Facts (element names, order, formats) from the ACBr project's Conam provider
(``Conam.Provider.pas``, ``Conam.GravarXml.pas``, commit 7be4dac, 2026-06); Conam publishes
no schema. docs/conam.md says which defaults are the gateway's own choice.

- Emission (``PROCESSARPS``): ``Sdt_processarpsin`` with ``Login`` (``CodigoUsuario``,
  ``CodigoContribuinte``) and ``SDTRPS``: the period (``Ano``, ``Mes``, ``DTIni``, ``DTFin``),
  the prestador's ``CPFCNPJ``, the lot's ``TipoTrib`` (and, in the Simples, ``DtAdeSN``,
  ``AlqIssSN_IP``, ``RegApTribSN``, ``TribTpSusp``, ``TribProcSusp``), ``Versao`` 4.00, one
  ``Reg20/Reg20Item`` per RPS (with its ``Reg30`` federal taxes, ``Reg40`` additional fields
  and ``Reg60_RTC`` of the 2026 reform) and the ``Reg90`` trailer of counts and totals.
- Lot situation (``CONSULTAPROTOCOLO``) and its notes (``CONSULTANOTASPROTOCOLO``): the
  protocol and the login.
- Cancellation (``CANCELANOTAELETRONICA``): ``Sdt_cancelanfe`` with the login and the note's
  series and number, its RPS's, its value and the reason.

Amounts with a decimal comma and 2 places (``1234,50``), dates ``dd/mm/aaaa``, line breaks
of the description as ``\\\\``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.municipios import registry
from nfse.providers.abrasf.pedidos import optante_simples
from nfse.providers.base import Emissor, Erro, Rps

VERSAO = "4.00"
QUEBRA_DE_LINHA = "\\\\"
"""How Conam writes a line break inside a text (ACBr ``QuebradeLinha``)."""
SERIE_RPS_PADRAO = "001"
CONSUMIDOR = "CONSUMIDOR"
EXTERIOR = "EXTERIOR"
TRIBUTOS = (("PIS", "valor_pis"), ("COFINS", "valor_cofins"), ("CSLL", "valor_csll"),
            ("INSS", "valor_inss"), ("IR", "valor_ir"))
"""Reg30: the federal taxes the layout names, in ACBr's order, with the note's field."""
CST_PADRAO = "00"
TIPO_TRIB = {1: "1", 2: "1", 3: "2", 4: "2", 5: "3", 6: "3"}
"""natureza_operacao → TipoTrib outside the Simples: 1 tributável (in or outside the
municipality), 2 isenta/imune, 3 suspensa; 4 is the Simples and 5 the export."""
SIMPLES, EXPORTACAO = "4", "5"
SEPARADOR = "-"
SUSPENSAO = {5: "1", 6: "2"}
"""natureza_operacao → TribTpSusp: 1 decisão judicial, 2 processo administrativo."""


class DocumentoInvalido(ValueError):
    """The note cannot become a Conam document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def valor(value: Decimal | None) -> str:
    """``1234,50``."""
    quantia = (value or Decimal(0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{quantia:.2f}".replace(".", ",")


def _data(nota: Nota) -> str:
    return f"{nota.data_emissao.astimezone(SAO_PAULO):%d/%m/%Y}"


def _texto(text: str | None) -> str:
    """Line breaks as Conam writes them."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\n",
                                                                          QUEBRA_DE_LINHA)


def nome_municipio(codigo: str | None) -> tuple[str, str]:
    """(NAME, UF) of an IBGE code as Conam compares names: upper case, without accents, an
    apostrophe as a space (ACBr: ``SANTA BARBARA D OESTE``); empty when unknown."""
    municipio = registry.get(codigo) if codigo else None
    if municipio is None:
        return "", ""
    sem_acento = unicodedata.normalize("NFKD", municipio.nome).encode("ascii", "ignore")
    return sem_acento.decode().replace("'", " ").upper(), municipio.uf


def _estrangeiro(tomador: Pessoa | None) -> bool:
    return tomador is not None and bool(
        tomador.nif or tomador.motivo_ausencia_nif
        or (tomador.endereco is not None and tomador.endereco.exterior))


def _identificado(tomador: Pessoa | None) -> bool:
    return tomador is not None and bool(tomador.cnpj or tomador.cpf)


def problemas(nota: Nota) -> list[Problema]:
    """What Conam's layout needs beyond the contract, checked at POST."""
    found: list[Problema] = []
    tomador = nota.tomador
    if _identificado(tomador) and not _estrangeiro(tomador) and not (
            tomador and tomador.endereco and tomador.endereco.codigo_municipio):
        found.append(Problema(
            "tomador.endereco.codigo_municipio",
            'Parâmetro "tomador.endereco.codigo_municipio" não informado',
            "A Conam pede o município e a UF do tomador identificado por CPF ou CNPJ; sem "
            "CPF/CNPJ o tomador vai como consumidor"))
    if nota.optante_simples_nacional and nota.data_opcao_simples_nacional is None:
        found.append(_sem_adesao())
    return found


def _sem_adesao() -> Problema:
    return Problema("data_opcao_simples_nacional",
                    'Parâmetro "data_opcao_simples_nacional" não informado',
                    "A Conam pede, na nota de um optante pelo Simples Nacional, a data de "
                    "adesão ao Simples (DtAdeSN); informe-a em data_opcao_simples_nacional")


def _exigir(nota: Nota, rps: Rps, emissor: Emissor) -> None:
    found = problemas(nota)
    if optante_simples(nota, emissor) and nota.data_opcao_simples_nacional is None \
            and not nota.optante_simples_nacional:  # the company's regime said Simples
        found.append(_sem_adesao())
    if len(rps.serie) > 3 or len(str(rps.numero)) > 9:
        found.append(Problema("serie_rps", f"RPS {rps.serie}/{rps.numero} fora do leiaute",
                              "A Conam aceita série de até 3 caracteres e número de até 9 "
                              "dígitos: ajuste a série da empresa (serie_nfse_*)"))
    if found:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in found])


def _sub(parent: etree._Element, tag: str, text: str | None = "") -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _login(parent: etree._Element, emissor: Emissor) -> None:
    login = _sub(parent, "Login", None)
    _sub(login, "CodigoUsuario", emissor.login or "")
    _sub(login, "CodigoContribuinte", emissor.senha or "")


def _tomador(item: etree._Element, nota: Nota) -> None:
    tomador = nota.tomador
    endereco = tomador.endereco if tomador else None
    estrangeiro = _estrangeiro(tomador)
    if estrangeiro:
        documento = EXTERIOR
    elif _identificado(tomador):
        documento = (tomador.cnpj or tomador.cpf or "") if tomador else ""
    else:
        documento = CONSUMIDOR
    _sub(item, "CpfCnpTom", documento)
    _sub(item, "RazSocTom", ((tomador.razao_social if tomador else None) or documento)[:60])
    for tag, campo, tamanho in (("TipoLogtom", "tipo_logradouro", 10),
                                ("LogTom", "logradouro", 60), ("NumEndTom", "numero", 10),
                                ("ComplEndTom", "complemento", 60),
                                ("BairroTom", "bairro", 60)):
        _sub(item, tag, ((getattr(endereco, campo) if endereco else None) or "")[:tamanho])
    if documento == CONSUMIDOR:
        municipio, uf = nome_municipio(nota.prestador.codigo_municipio)
    elif documento == EXTERIOR:
        municipio, uf = EXTERIOR, "EX"
    else:
        municipio, uf = nome_municipio(endereco.codigo_municipio if endereco else None)
        uf = uf or ((endereco.uf if endereco else None) or "")
    _sub(item, "MunTom", municipio[:60])
    _sub(item, "SiglaUFTom", uf)
    identificado = documento not in (CONSUMIDOR, EXTERIOR)
    _sub(item, "CepTom", _digitos(endereco.cep if endereco else None)[:8] if identificado
         else "")
    _sub(item, "Telefone", _digitos(tomador.telefone if tomador else None)[-8:]
         if documento != CONSUMIDOR else "")
    _sub(item, "InscricaoMunicipal", ((tomador.inscricao_municipal if tomador else None)
                                      or "")[:20] if identificado else "")
    _sub(item, "Email1", ((tomador.email if tomador else None) or "")[:120])


def _aliquota(valor_tributo: Decimal, base: Decimal) -> Decimal:
    return (valor_tributo * 100 / base) if base else Decimal(0)


def _reg30(item: etree._Element, nota: Nota) -> tuple[int, Decimal]:
    """The federal taxes of the note (only those with a value), their count and total."""
    servico = nota.servico
    pis_cofins = servico.pis_cofins
    declarados = [(sigla, getattr(servico, campo)) for sigla, campo in TRIBUTOS
                  if getattr(servico, campo) > 0]
    if not declarados:
        return 0, Decimal(0)
    reg30 = _sub(item, "Reg30", None)
    for sigla, quantia in declarados:
        registro = _sub(reg30, "Reg30Item", None)
        _sub(registro, "TributoSigla", sigla)
        aliquota = None
        if sigla in ("PIS", "COFINS"):
            _sub(registro, "TributoCST",
                 pis_cofins.situacao_tributaria if pis_cofins else CST_PADRAO)
        _sub(registro, "TributoIdRet", "SIM")
        if sigla in ("PIS", "COFINS"):
            base = (pis_cofins.base_calculo if pis_cofins else None) or servico.base_calculo
            _sub(registro, "TributoBaseCalc", valor(base))
            if pis_cofins is not None:
                aliquota = pis_cofins.aliquota_pis if sigla == "PIS" \
                    else pis_cofins.aliquota_cofins
        _sub(registro, "TributoAliquota",
             valor(aliquota if aliquota is not None
                   else _aliquota(quantia, servico.valor_servicos)))
        _sub(registro, "TributoValor", valor(quantia))
    return len(declarados), sum((q for _, q in declarados), Decimal(0))


def _adicionais(nota: Nota) -> Iterable[tuple[str, str]]:
    servico = nota.servico
    if servico.desconto_incondicionado > 0:
        yield "DESCINCOND", valor(servico.desconto_incondicionado)
    if nota.informacoes_complementares:
        yield "DADOSADICIONAIS", _texto(nota.informacoes_complementares)
    if servico.codigo_cnae:
        yield "SRV_CNAE", _digitos(servico.codigo_cnae)
    if servico.codigo_tributacao_nacional:
        yield "SRV_CTN", servico.codigo_tributacao_nacional
    if servico.reforma.get("codigo_nbs"):
        yield "SRV_NBS", servico.reforma["codigo_nbs"]
    tomador = nota.tomador
    endereco = tomador.endereco if tomador else None
    if endereco is not None and endereco.exterior:
        yield "TOMEXT_PAIS", endereco.codigo_pais or ""
        yield "TOMEXT_CODPOST", endereco.codigo_postal or ""
        yield "TOMEXT_CIDADE", endereco.cidade or ""
        yield "TOMEXT_ESTPROVREG", endereco.regiao or ""


def _reg40(item: etree._Element, nota: Nota) -> int:
    """The additional fields by code (``SiglaCpoAdc``/``ConteudoCpoAdc``), their count."""
    campos = list(_adicionais(nota))
    if campos:
        reg40 = _sub(item, "Reg40", None)
        for sigla, conteudo in campos:
            registro = _sub(reg40, "Reg40Item", None)
            _sub(registro, "SiglaCpoAdc", sigla)
            _sub(registro, "ConteudoCpoAdc", conteudo)
    return len(campos)


def _reg60(item: etree._Element, nota: Nota) -> None:
    """The IBS/CBS of the 2026 reform, when the note classifies them (situação tributária and
    classificação): a regular note (Finalidade 0) to the tomador itself."""
    reforma = nota.servico.reforma
    cst = reforma.get("ibs_cbs_situacao_tributaria")
    classificacao = reforma.get("ibs_cbs_classificacao_tributaria")
    if not (cst and classificacao):
        return
    reg60 = _sub(item, "Reg60_RTC", None)
    _sub(reg60, "Finalidade", "0")
    _sub(reg60, "IndConsFin", "NAO")
    _sub(reg60, "IndDest", "SIM")
    _sub(reg60, "IndOpeOne", "NAO")
    _sub(reg60, "IndCodOpe", reforma.get("codigo_indicador_operacao", ""))
    grupo = _sub(reg60, "gIBSCBS", None)
    _sub(grupo, "CST", cst)
    _sub(grupo, "CClassTrib", classificacao)


def _valor_iss(nota: Nota) -> Decimal:
    return nota.servico.valor_iss or Decimal(0)


def _valor_iss_retido(nota: Nota) -> Decimal:
    servico = nota.servico
    return (servico.valor_iss_retido or _valor_iss(nota)) if servico.iss_retido else Decimal(0)


def _reg20_item(reg20: etree._Element, nota: Nota, rps: Rps) -> tuple[int, Decimal, int]:
    servico = nota.servico
    item = _sub(reg20, "Reg20Item", None)
    _sub(item, "TipoNFS", "RPS")
    _sub(item, "NumRps", str(rps.numero))
    _sub(item, "SerRps", rps.serie or SERIE_RPS_PADRAO)
    _sub(item, "DtEmi", _data(nota))
    _sub(item, "RetFonte", "SIM" if servico.iss_retido else "NAO")
    subitem = servico.item_lista_servico
    _sub(item, "CodSrv", f"{subitem[:2]}.{subitem[2:]}")
    _sub(item, "DiscrSrv", _texto(servico.discriminacao)[:4000])
    _sub(item, "VlNFS", valor(servico.valor_servicos))
    _sub(item, "VlDed", valor(servico.valor_deducoes))
    _sub(item, "DiscrDed", "")
    _sub(item, "VlBasCalc", valor(servico.base_calculo))
    _sub(item, "AlqIss", valor(servico.aliquota))
    _sub(item, "VlIss", valor(_valor_iss(nota)))
    _sub(item, "VlIssRet", valor(_valor_iss_retido(nota)))
    _tomador(item, nota)
    quantidade30, total30 = _reg30(item, nota)
    quantidade40 = _reg40(item, nota)
    _reg60(item, nota)
    return quantidade30, total30, quantidade40


def _tipo_tributacao(sdtrps: etree._Element, nota: Nota, emissor: Emissor) -> None:
    """``TipoTrib`` of the lot: the Simples (4, with its adhesion date, ISS rate, regime of
    apuração and suspension), else by the natureza da operação (export: 5)."""
    if optante_simples(nota, emissor):
        _sub(sdtrps, "TipoTrib", SIMPLES)
        adesao = nota.data_opcao_simples_nacional
        _sub(sdtrps, "DtAdeSN", f"{adesao:%d/%m/%Y}" if adesao else "")
        _sub(sdtrps, "AlqIssSN_IP", valor(nota.servico.aliquota))
        _sub(sdtrps, "RegApTribSN", str(nota.regime_apuracao_simples or 1))
        _sub(sdtrps, "TribTpSusp", SUSPENSAO.get(nota.natureza_operacao, ""))
        _sub(sdtrps, "TribProcSusp", nota.numero_processo_suspensao or "")
        return
    exportacao = nota.servico.codigo_pais not in (None, "BR")
    _sub(sdtrps, "TipoTrib", EXPORTACAO if exportacao
         else TIPO_TRIB.get(nota.natureza_operacao, "1"))


def processar_rps(nota: Nota, rps: Rps, emissor: Emissor) -> bytes:
    """The ``Sdt_processarpsin`` of a lot of one RPS."""
    _exigir(nota, rps, emissor)
    root = etree.Element("Sdt_processarpsin")
    _login(root, emissor)
    sdtrps = _sub(root, "SDTRPS", None)
    emissao = nota.data_emissao.astimezone(SAO_PAULO)
    _sub(sdtrps, "Ano", f"{emissao:%Y}")
    _sub(sdtrps, "Mes", f"{emissao:%m}")
    _sub(sdtrps, "CPFCNPJ", nota.prestador.documento)
    _sub(sdtrps, "DTIni", _data(nota))
    _sub(sdtrps, "DTFin", _data(nota))
    _tipo_tributacao(sdtrps, nota, emissor)
    _sub(sdtrps, "Versao", VERSAO)
    reg20 = _sub(sdtrps, "Reg20", None)
    quantidade30, total30, quantidade40 = _reg20_item(reg20, nota, rps)
    servico = nota.servico
    reg90 = _sub(sdtrps, "Reg90", None)
    _sub(reg90, "QtdRegNormal", "1")
    _sub(reg90, "ValorNFS", valor(servico.valor_servicos))
    _sub(reg90, "ValorISS", valor(_valor_iss(nota)))
    _sub(reg90, "ValorDed", valor(servico.valor_deducoes))
    _sub(reg90, "ValorIssRetTom", valor(_valor_iss_retido(nota)))
    _sub(reg90, "QtdReg30", str(quantidade30))
    _sub(reg90, "ValorTributos", valor(total30))
    _sub(reg90, "QtdReg40", str(quantidade40))
    _sub(reg90, "QtdReg50", "0")
    return etree.tostring(root, encoding="unicode").encode("utf-8")


def consulta_protocolo(elemento: str, protocolo: str, emissor: Emissor) -> bytes:
    """``Sdt_consultaprotocoloin`` or ``Sdt_consultanotasprotocoloin``: the protocol, then
    the login."""
    root = etree.Element(elemento)
    _sub(root, "Protocolo", protocolo)
    _login(root, emissor)
    return etree.tostring(root, encoding="unicode").encode("utf-8")


def cancelamento(identificacao: Identificacao, valor_nota: Decimal, motivo: str,
                 emissor: Emissor) -> bytes:
    """``Sdt_cancelanfe`` of the note ``identificacao``; the RPS number is never reused
    (``ReaproveitaNumRPS`` N: the gateway numbers every RPS once) and the ISS guide may be
    cancelled with it (``PodeCancelarGuia`` S, ACBr's)."""
    root = etree.Element("Sdt_cancelanfe")
    _login(root, emissor)
    nota = _sub(root, "Nota", None)
    _sub(nota, "SerieNota", identificacao.serie_nota)
    _sub(nota, "NumeroNota", identificacao.numero_nota)
    _sub(nota, "SerieRPS", identificacao.serie_rps)
    _sub(nota, "NumeroRps", identificacao.numero_rps)
    _sub(nota, "ValorNota", f"{valor_nota.quantize(Decimal('0.01')):.2f}")
    _sub(nota, "MotivoCancelamento", _texto(motivo))
    _sub(nota, "PodeCancelarGuia", "S")
    _sub(nota, "ReaproveitaNumRPS", "N")
    return etree.tostring(root, encoding="unicode").encode("utf-8")


@dataclass(frozen=True)
class Identificacao:
    """How Conam names an issued note for its cancellation: the note's series and number and
    its RPS's. Kept as the note's ``chave_acesso`` (``SerNf-NumNf-SerRps-NumRps``): the
    cancellation gets nothing else of the note, and Conam has no key of its own."""

    serie_nota: str
    numero_nota: str
    serie_rps: str
    numero_rps: str

    def chave(self) -> str:
        return SEPARADOR.join((self.serie_nota, self.numero_nota, self.serie_rps,
                               self.numero_rps))

    @classmethod
    def da_chave(cls, chave: str) -> Identificacao | None:
        """The identification kept in ``chave`` (None: not one of Conam's)."""
        partes = chave.rsplit(SEPARADOR, 3)
        if len(partes) != 4 or not all(partes):
            return None
        return cls(*partes)
