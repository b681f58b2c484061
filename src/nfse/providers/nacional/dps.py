"""The DPS 1.01 (Declaração de Prestação de Serviço) built from the normalised note, signed,
and checked against the official XSD before it may leave."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.providers.base import Emissor, Rps
from nfse.xml.sign import sign
from nfse.xml.validate import nacional_schema_dir, validate

NS = "http://www.sped.fazenda.gov.br/nfse"
VERSAO = "1.01"
VER_APLIC = "nfse-gateway_0.1"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
CLOCK_MARGIN = timedelta(seconds=5)
"""The Sefin's clock lags up to ~1 s; a dhEmi in its future is refused (E0008)."""

# ABRASF regime_especial_tributacao → national regEspTrib
REG_ESP_TRIB = {1: "3", 2: "2", 3: "6", 4: "1"}


class DpsInvalida(ValueError):
    """The note cannot become a valid DPS; the message says why, in Portuguese."""


def tp_amb(ambiente: str) -> str:
    return "1" if ambiente == "producao" else "2"


def dps_id(nota: Nota, rps: Rps) -> str:
    prestador = nota.prestador
    tipo = "2" if prestador.cnpj else "1"
    inscricao = (prestador.cnpj or prestador.cpf or "").zfill(14)
    return (f"DPS{prestador.codigo_municipio}{tipo}{inscricao}"
            f"{int(rps.serie):05d}{rps.numero:015d}")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _aliquota(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):.2f}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(SAO_PAULO).replace(microsecond=0).isoformat()


class _Builder:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{NS}}}DPS", nsmap={None: NS}, versao=VERSAO)

    @staticmethod
    def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NS}}}{tag}")
        if text is not None:
            child.text = text
        return child


def _op_simples(nota: Nota, emissor: Emissor) -> str:
    """opSimpNac: 1 não optante, 2 MEI, 3 ME/EPP."""
    if nota.optante_simples_nacional is True:
        return "2" if nota.regime_especial_tributacao == 5 else "3"
    if nota.optante_simples_nacional is False:
        return "1"
    return {1: "3", 2: "3", 3: "1", 4: "2"}.get(emissor.regime_tributario or 3, "1")


def problemas(nota: Nota) -> list[Problema]:
    """Fields the contract leaves optional but the DPS requires."""
    found = []
    for papel, pessoa in (("tomador", nota.tomador), ("intermediario", nota.intermediario)):
        if pessoa is not None and not pessoa.razao_social:
            found.append(Problema(f"{papel}.razao_social",
                                  f'Parâmetro "{papel}.razao_social" não informado',
                                  f"A NFS-e Nacional exige o nome do {papel}"))
    return found


def _pessoa(b: _Builder, parent: etree._Element, tag: str, pessoa: Pessoa) -> None:
    node = b.add(parent, tag)
    if pessoa.cnpj:
        b.add(node, "CNPJ", pessoa.cnpj)
    elif pessoa.cpf:
        b.add(node, "CPF", pessoa.cpf)
    elif pessoa.nif:
        b.add(node, "NIF", pessoa.nif)
    else:
        b.add(node, "cNaoNIF", pessoa.motivo_ausencia_nif or "1")
    if pessoa.inscricao_municipal:
        b.add(node, "IM", pessoa.inscricao_municipal)
    b.add(node, "xNome", pessoa.razao_social)
    end = pessoa.endereco
    if end and all((end.logradouro, end.numero, end.bairro, end.codigo_municipio, end.cep)):
        e = b.add(node, "end")
        nac = b.add(e, "endNac")
        b.add(nac, "cMun", end.codigo_municipio)
        b.add(nac, "CEP", end.cep)
        b.add(e, "xLgr", end.logradouro)
        b.add(e, "nro", end.numero)
        if end.complemento:
            b.add(e, "xCpl", end.complemento)
        b.add(e, "xBairro", end.bairro)
    if pessoa.telefone and len(pessoa.telefone) >= 6:
        b.add(node, "fone", pessoa.telefone)
    if pessoa.email:
        b.add(node, "email", pessoa.email)


def _money_group(b: _Builder, parent: etree._Element, tag: str, **values: Decimal) -> None:
    """A group of optional amounts, present only when one of them is not zero."""
    if not any(values.values()):
        return
    group = b.add(parent, tag)
    for child, value in values.items():
        if value:
            b.add(group, child, _money(value))


def _trib_issqn(natureza: int) -> str:
    """natureza_operacao → tribISSQN: imune → 2 (imunidade); every other nature is a taxable
    operation for the national standard (exigibilidade and isenção travel in other groups)."""
    return "2" if natureza == 4 else "1"


def build_dps(nota: Nota, rps: Rps, emissor: Emissor, now: datetime | None = None) -> bytes:
    """Signed, schema-valid DPS bytes (UTF-8 with declaration). Raises ``DpsInvalida`` when
    the note cannot be expressed, or when the result fails the official XSD (our bug: the
    message carries the schema error, and nothing is sent)."""
    missing = problemas(nota)
    if missing:
        raise DpsInvalida("; ".join(f"{p.mensagem}: {p.correcao}" for p in missing))
    b = _Builder()
    ident = dps_id(nota, rps)
    inf = b.add(b.root, "infDPS")
    inf.set("Id", ident)
    latest = (now or datetime.now(SAO_PAULO)) - CLOCK_MARGIN
    b.add(inf, "tpAmb", tp_amb(emissor.ambiente))
    b.add(inf, "dhEmi", _timestamp(min(nota.data_emissao, latest)))
    b.add(inf, "verAplic", VER_APLIC)
    b.add(inf, "serie", str(int(rps.serie)))
    b.add(inf, "nDPS", str(rps.numero))
    b.add(inf, "dCompet", min(nota.data_competencia, latest.date()).isoformat())
    b.add(inf, "tpEmit", "1")
    b.add(inf, "cLocEmi", nota.prestador.codigo_municipio)

    prest = b.add(inf, "prest")
    if nota.prestador.cnpj:
        b.add(prest, "CNPJ", nota.prestador.cnpj)
    else:
        b.add(prest, "CPF", nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        b.add(prest, "IM", nota.prestador.inscricao_municipal)
    op_simples = _op_simples(nota, emissor)
    reg = b.add(prest, "regTrib")
    b.add(reg, "opSimpNac", op_simples)
    if op_simples == "3":
        b.add(reg, "regApTribSN", "1")
    especial = REG_ESP_TRIB.get(nota.regime_especial_tributacao or 0, "0")
    b.add(reg, "regEspTrib", "0" if op_simples in ("2", "3") else especial)

    if nota.tomador:
        _pessoa(b, inf, "toma", nota.tomador)
    if nota.intermediario:
        _pessoa(b, inf, "interm", nota.intermediario)

    s = nota.servico
    serv = b.add(inf, "serv")
    b.add(b.add(serv, "locPrest"), "cLocPrestacao", s.codigo_municipio)
    c_serv = b.add(serv, "cServ")
    b.add(c_serv, "cTribNac", s.codigo_tributacao_nacional)
    ctm = s.codigo_tributario_municipio
    if ctm and len(ctm) == 3 and ctm.isdigit() and ctm != "000":
        b.add(c_serv, "cTribMun", ctm)
    b.add(c_serv, "xDescServ", s.discriminacao)
    nbs = s.reforma.get("codigo_nbs", "").replace(".", "")
    if len(nbs) == 9 and nbs.isdigit():
        b.add(c_serv, "cNBS", nbs)

    valores = b.add(inf, "valores")
    b.add(b.add(valores, "vServPrest"), "vServ", _money(s.valor_servicos))
    _money_group(b, valores, "vDescCondIncond", vDescIncond=s.desconto_incondicionado,
                 vDescCond=s.desconto_condicionado)
    if s.valor_deducoes:
        b.add(b.add(valores, "vDedRed"), "vDR", _money(s.valor_deducoes))
    trib = b.add(valores, "trib")
    mun = b.add(trib, "tribMun")
    trib_issqn = _trib_issqn(nota.natureza_operacao)
    b.add(mun, "tribISSQN", trib_issqn)
    if trib_issqn == "2":
        b.add(mun, "tpImunidade", "5")  # 5 = outras imunidades (the contract has no detail)
    b.add(mun, "tpRetISSQN", "2" if s.iss_retido else "1")
    if s.aliquota is not None and s.aliquota > 0 and op_simples != "2" and trib_issqn == "1":
        b.add(mun, "pAliq", _aliquota(s.aliquota))
    if op_simples != "2":  # MEI may not fill tribFed (E0676)
        _money_group(b, trib, "tribFed", vRetCP=s.valor_inss, vRetIRRF=s.valor_ir,
                     vRetCSLL=s.valor_csll)
    tot = b.add(trib, "totTrib")
    percentual = _aliquota(s.percentual_total_tributos or Decimal("0"))
    if op_simples == "3":
        b.add(tot, "pTotTribSN", percentual)
    else:
        p_tot = b.add(tot, "pTotTrib")
        b.add(p_tot, "pTotTribFed", percentual)
        b.add(p_tot, "pTotTribEst", "0.00")
        b.add(p_tot, "pTotTribMun", "0.00")

    sign(b.root, ident, emissor.a1)
    problems = validate(b.root, nacional_schema_dir() / "DPS_v1.01.xsd")
    if problems:
        raise DpsInvalida("DPS fora do leiaute oficial: " + "; ".join(problems[:5]))
    return etree.tostring(b.root, xml_declaration=True, encoding="UTF-8")
