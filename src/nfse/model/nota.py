"""The normalised note: what every door of the API (``/v2/nfse``, later ``/v2/nfsen``) turns a
request body into, and what every provider builds its XML from.

Values are already coerced and checked: documents hold digits (CNPJ may hold letters), money is
``Decimal`` with two places, dates are timezone-aware. Absent optional values are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Endereco:
    logradouro: str | None = None
    tipo_logradouro: str | None = None
    numero: str | None = None
    complemento: str | None = None
    bairro: str | None = None
    codigo_municipio: str | None = None
    uf: str | None = None
    cep: str | None = None
    codigo_pais: str | None = None
    """ISO 3166 alpha-2 of a foreign address (``BR`` or None = a Brazilian one)."""
    codigo_postal: str | None = None
    """Foreign postal code (cEndPost)."""
    cidade: str | None = None
    regiao: str | None = None
    """Foreign state, province or region (xEstProvReg)."""

    @property
    def exterior(self) -> bool:
        return self.codigo_pais not in (None, "BR")


@dataclass(frozen=True)
class Prestador:
    cnpj: str | None
    cpf: str | None
    inscricao_municipal: str
    codigo_municipio: str
    telefone: str | None = None
    """(ext) DPS prest/fone: allowed with tpEmit 1 (only xNome and end are refused, E0121 and
    E0128)."""
    email: str | None = None

    @property
    def documento(self) -> str:
        return self.cnpj or self.cpf or ""


@dataclass(frozen=True)
class Pessoa:
    """Tomador or intermediário."""

    cnpj: str | None = None
    cpf: str | None = None
    nif: str | None = None
    motivo_ausencia_nif: str | None = None
    inscricao_municipal: str | None = None
    razao_social: str | None = None
    telefone: str | None = None
    email: str | None = None
    endereco: Endereco | None = None


@dataclass(frozen=True)
class PisCofins:
    """The PIS/COFINS group of the NFS-e Nacional (tribFed/piscofins)."""

    situacao_tributaria: str
    """CST: 00 nenhum, 01..09 (tributável, alíquota zero, isenta, ...), 49..99."""
    tipo_retencao: str
    """tpRetPisCofins 0..9: which of PIS, COFINS and CSLL the tomador retains."""
    base_calculo: Decimal | None = None
    aliquota_pis: Decimal | None = None
    aliquota_cofins: Decimal | None = None
    valor_pis: Decimal | None = None
    valor_cofins: Decimal | None = None


@dataclass(frozen=True)
class DocumentoDeducao:
    """A document behind a deduction or reduction of the base (DPS vDedRed/documentos)."""

    tipo: str
    """tpDedRed: 1 alimentação, 2 materiais, 3 produção externa, 4 reembolso, 5 repasse
    consorciado, 6 repasse plano de saúde, 7 serviços, 8 subempreitada, 9 profissional
    parceiro, 99 outras (with ``descricao``)."""
    data_emissao: date
    valor_dedutivel: Decimal
    valor_deducao: Decimal
    chave_nfse: str | None = None
    chave_nfe: str | None = None
    numero_documento_fiscal: str | None = None
    numero_documento: str | None = None
    descricao: str | None = None


@dataclass(frozen=True)
class Obra:
    """Construção civil (DPS serv/obra): the work's code, or its address."""

    codigo: str | None = None
    inscricao_imobiliaria_fiscal: str | None = None
    endereco: Endereco | None = None


@dataclass(frozen=True)
class Evento:
    """A cultural, sporting or similar event (DPS serv/atvEvento)."""

    nome: str
    data_inicio: date
    data_fim: date
    identificacao: str | None = None
    endereco: Endereco | None = None


@dataclass(frozen=True)
class Servico:
    valor_servicos: Decimal
    iss_retido: bool
    item_lista_servico: str
    """LC 116 item as 4 digits, item + subitem: ``"0107"`` for item 1.07."""
    codigo_tributacao_nacional: str
    """The 6-digit national code (cTribNac): item, subitem, desdobro (``"010701"``)."""
    discriminacao: str
    codigo_municipio: str
    base_calculo: Decimal
    valor_liquido: Decimal
    valor_deducoes: Decimal = Decimal("0.00")
    valor_pis: Decimal = Decimal("0.00")
    valor_cofins: Decimal = Decimal("0.00")
    valor_inss: Decimal = Decimal("0.00")
    valor_ir: Decimal = Decimal("0.00")
    valor_csll: Decimal = Decimal("0.00")
    outras_retencoes: Decimal = Decimal("0.00")
    desconto_incondicionado: Decimal = Decimal("0.00")
    desconto_condicionado: Decimal = Decimal("0.00")
    aliquota: Decimal | None = None
    valor_iss: Decimal | None = None
    valor_iss_retido: Decimal | None = None
    codigo_cnae: str | None = None
    codigo_tributario_municipio: str | None = None
    percentual_total_tributos: Decimal | None = None
    """The approximate tax burden (Lei 12.741) as one figure: the Simples one (pTotTribSN) for
    ME/EPP, else the federal share when ``percentuais_tributos`` is not given."""
    percentuais_tributos: tuple[Decimal, Decimal, Decimal] | None = None
    """(ext) The same burden split as the DPS declares it (pTotTribFed, pTotTribEst,
    pTotTribMun), kept apart as given."""
    valores_tributos: tuple[Decimal, Decimal, Decimal] | None = None
    """(ext) The burden in money instead (vTotTribFed, vTotTribEst, vTotTribMun)."""
    fonte_total_tributos: str | None = None
    reforma: dict[str, str] = field(default_factory=dict)
    """Tax-reform fields (codigo_nbs, ibs_cbs_*, cbs_*, ...) as given, normalised to strings."""
    percentual_deducoes: Decimal | None = None
    """(ext) The deduction as a percentage of valor_servicos (DPS pDR)."""
    codigo_pais: str | None = None
    """(ext) Service provided abroad: ISO country code (DPS cPaisPrestacao)."""
    pis_cofins: PisCofins | None = None
    codigo_interno_contribuinte: str | None = None
    """(ext) The company's own code of the service (DPS cIntContrib: up to 20 letters and
    digits)."""
    documentos_deducao: tuple[DocumentoDeducao, ...] = ()


@dataclass(frozen=True)
class Substituicao:
    """The note this one replaces (DPS ``subst``): its access key and why."""

    chave: str
    codigo_motivo: str
    """01 desenquadramento do Simples, 02 enquadramento, 03/04 inclusão/exclusão retroativa
    de imunidade ou isenção, 05 rejeição pelo tomador, 99 outros."""
    motivo: str | None = None


@dataclass(frozen=True)
class Nota:
    data_emissao: datetime
    data_competencia: date
    natureza_operacao: int
    optante_simples_nacional: bool | None
    """None when the request did not say; the company's regime then decides."""
    prestador: Prestador
    servico: Servico
    regime_especial_tributacao: int | None = None
    regime_apuracao_simples: int | None = None
    """(ext) regApTribSN of a Simples ME/EPP: 1 federal and municipal taxes by the Simples,
    2 federal by the Simples and ISSQN outside it, 3 both outside it. None = 1."""
    data_opcao_simples_nacional: date | None = None
    """(ext) When the prestador joined the Simples Nacional (Conam's DtAdeSN)."""
    informacoes_complementares: str | None = None
    """(ext) DPS serv/infoCompl/xInfComp (up to 2000 characters)."""
    incentivador_cultural: bool = False
    numero_processo_suspensao: str | None = None
    """(ext) natureza 5/6: the court or administrative case suspending the tax (30 digits)."""
    numero_beneficio_municipal: str | None = None
    """(ext) natureza 3: the municipal benefit (isenção) as the national system numbers it."""
    tipo_imunidade: int | None = None
    """(ext) natureza 4: 1 templos, 2 partidos/sindicatos/educação/assistência, 3 livros e
    papel, 4 fonogramas, 5 outras (default)."""
    codigo_obra: str | None = None
    art: str | None = None
    obra: Obra | None = None
    evento: Evento | None = None
    chave_nfse_substituida: str | None = None
    """(ext) Substitution by the access key of the note replaced (NFS-e Nacional)."""
    numero_rps_substituido: str | None = None
    serie_rps_substituido: str | None = None
    tipo_rps_substituido: str | None = None
    codigo_motivo_substituicao: str = "99"
    motivo_substituicao: str | None = None
    substituicao: Substituicao | None = None
    """Set by the worker, which knows the access key of the note being replaced."""
    tomador: Pessoa | None = None
    intermediario: Pessoa | None = None
