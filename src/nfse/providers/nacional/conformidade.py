"""The Sefin's rejection rules that the customer controls, checked on the note before any DPS
is built (ARCHITECTURE decision 11): POST answers 400 with every violation, each carrying the
rule's code, the official message and a correction in Portuguese; dry_run answers the same
with ``"valido": false``.

This is the gateway's own evaluation, on the normalised note; the sandbox evaluates the same
catalogue on the XML it receives, with its own reading, so a mistake on one side is caught by
the other. The rules the builder satisfies by itself (pAliq, totTrib, regEspTrib by regime)
are not here: ``dps`` chooses the compliant form for those.

``simples`` is the opSimpNac the DPS will carry ("1" não optante, "2" MEI, "3" ME/EPP), or
None when the note does not say and the company's regime is not known yet (at POST): the
rules that need it are then checked again when the DPS is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from nfse.model import grupos
from nfse.model.coerce import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.regras import catalogo


def mensagem_oficial(codigo: str) -> str:
    """The Sefin's official message of ``codigo``, from the catalogue the sandbox shares
    (ARCHITECTURE decision 11: the same codes and messages, never the same evaluation)."""
    return catalogo.mensagem(codigo)


IBS_CBS_DESDE = date(2026, 1, 1)
RODOVIA = "220101"
"""Exploração de rodovia: the ISSQN is never retained (E0596)."""
LIMITE_ALIQUOTA = Decimal("5")
"""LC 116/2003 art. 8: the ISSQN rate is at most 5 %."""
MINIMO_SIMPLES = Decimal("1.8")
"""The lowest ISS rate of the Simples annexes, the floor E0621 sets for a retained ME/EPP."""


@dataclass(frozen=True)
class Regra:
    codigo: str
    campo: str
    """The field of the ``/v2/nfse`` body the customer corrects (``plano`` renames it for
    ``/v2/nfsen``)."""
    correcao: str
    viola: Callable[[Nota, str | None, str], bool]
    """(nota, opSimpNac or None, regEspTrib the DPS would carry) → whether the rule is broken."""


def _retido(nota: Nota) -> bool:
    return nota.servico.iss_retido


def _simples_retido_sem_aliquota(nota: Nota, simples: str | None) -> bool:
    """An ME/EPP apurando pelo Simples whose ISS the tomador retains: the tomador needs the
    company's Simples rate, which only the note can give (E0621)."""
    aliquota = nota.servico.aliquota
    return (simples == "3" and (nota.regime_apuracao_simples or 1) == 1 and _retido(nota)
            and nota.natureza_operacao in (1, 5, 6)
            and (aliquota is None or aliquota < MINIMO_SIMPLES))


def _tem_tribfed(nota: Nota) -> bool:
    s = nota.servico
    return s.pis_cofins is not None or any((s.valor_inss, s.valor_ir, s.valor_csll))


def _ibscbs(nota: Nota) -> bool:
    return bool(nota.servico.reforma.get("codigo_indicador_operacao"))


def _nbs(nota: Nota) -> bool:
    nbs = nota.servico.reforma.get("codigo_nbs", "").replace(".", "")
    return len(nbs) == 9 and nbs.isdigit()


def _exportacao(nota: Nota) -> bool:
    """The Sefin's export scenario (E0318, E0330): a tomador or intermediário abroad, or a
    service provided abroad."""
    return bool(nota.servico.codigo_pais not in (None, "BR") or any(
        p is not None and p.endereco is not None and p.endereco.exterior
        for p in (nota.tomador, nota.intermediario)))


def _competencia_apos_emissao(nota: Nota) -> bool:
    """E0015: dCompet after the date of dhEmi. The builder sends a dhEmi in the future as the
    present (E0008), so only an emission already past can fall before the competence."""
    emissao = min(nota.data_emissao, datetime.now(SAO_PAULO)).astimezone(SAO_PAULO)
    return nota.data_competencia > emissao.date()


def _motivo_zero(pessoa: Pessoa | None) -> bool:
    """cNaoNIF 0 ("não informado na nota de origem") is for municipalities sharing notes
    with the ADN, never for a DPS (E0226, E0286)."""
    return pessoa is not None and not (pessoa.cnpj or pessoa.cpf or pessoa.nif) \
        and pessoa.motivo_ausencia_nif == "0"


def _mesma_pessoa(nota: Nota) -> bool:
    t, p = nota.tomador, nota.prestador
    return t is not None and bool((t.cnpj and t.cnpj == p.cnpj) or (t.cpf and t.cpf == p.cpf))


def _fora_do_servico(valor: Decimal, nota: Nota) -> bool:
    return bool(valor) and not Decimal("0") < valor < nota.servico.valor_servicos


def _retem_csll(nota: Nota) -> bool:
    """Whether tpRetPisCofins retains the CSLL. The annex (E0724) speaks of the domain of
    v1.01 (0, 1, 2: only 0 and 2 leave the CSLL out); NT 007/2026 widened it to 0..9, where
    4, 5 and 6 also say "CSLL não retida": asking vRetCSLL for those would refuse what the
    code declares."""
    tipo = _tipo_retencao(nota)
    return tipo == "1" or (tipo is not None and grupos.RETENCAO[tipo][2] is True)


def _tipo_retencao(nota: Nota) -> str | None:
    grupo = nota.servico.pis_cofins
    return grupo.tipo_retencao if grupo is not None else None


REGRAS = (
    Regra("E0015", "data_competencia",
          "A competência não pode ser posterior à data de emissão: informe data_competencia "
          "até a data de data_emissao",
          lambda n, _s, _r: _competencia_apos_emissao(n)),
    Regra("E0202", "tomador.cnpj",
          "O tomador não pode ser o próprio prestador: informe o CNPJ ou CPF de quem contratou "
          "o serviço",
          lambda n, _s, _r: _mesma_pessoa(n)),
    Regra("E0204", "tomador.cnpj",
          "Com o ISS retido pelo tomador, identifique o tomador pelo CNPJ ou CPF; sem tomador "
          "identificado, informe o ISS como não retido",
          lambda n, _s, _r: _retido(n) and not (n.tomador and (n.tomador.cnpj or n.tomador.cpf))),
    Regra("E0226", "tomador.motivo_ausencia_nif",
          "Sem CNPJ, CPF ou NIF, informe o motivo 1 (dispensado do NIF) ou 2 (não exigência "
          "do NIF); o motivo 0 é só do compartilhamento pelos municípios",
          lambda n, _s, _r: _motivo_zero(n.tomador)),
    Regra("E0286", "intermediario.motivo_ausencia_nif",
          "Sem CNPJ, CPF ou NIF, informe o motivo 1 (dispensado do NIF) ou 2 (não exigência "
          "do NIF); o motivo 0 é só do compartilhamento pelos municípios",
          lambda n, _s, _r: _motivo_zero(n.intermediario)),
    Regra("E0580", "servico.iss_retido",
          "Um serviço imune (natureza_operacao 4) não tem ISS a reter: informe o ISS como não "
          "retido",
          lambda n, _s, _r: _retido(n) and n.natureza_operacao == 4),
    Regra("E0583", "servico.iss_retido",
          "O MEI não tem ISS retido pelo tomador: informe o ISS como não retido",
          lambda n, s, _r: _retido(n) and s == "2"),
    Regra("E0588", "servico.iss_retido",
          "Com regime especial de tributação o ISS não é retido: informe o ISS como não "
          "retido ou omita o regime especial",
          lambda n, _s, r: _retido(n) and r != "0"),
    Regra("E0596", "servico.iss_retido",
          "A exploração de rodovia (220101) não tem ISS retido: informe o ISS como não retido",
          lambda n, _s, _r: _retido(n) and n.servico.codigo_tributacao_nacional == RODOVIA),
    Regra("E0172", "regime_especial_tributacao",
          "Um serviço imune (natureza_operacao 4) não tem regime especial de tributação: omita "
          "regime_especial_tributacao",
          lambda n, _s, r: n.natureza_operacao == 4 and r != "0"),
    Regra("E0595", "servico.aliquota",
          "A alíquota do ISS vai de 2% a 5% (LC 116/2003): confira o valor, em percentual "
          "(5 = 5%)",
          lambda n, _s, _r: n.servico.aliquota is not None
          and n.servico.aliquota > LIMITE_ALIQUOTA),
    Regra("E0621", "servico.aliquota",
          "Com o ISS retido pelo tomador, o optante do Simples (ME/EPP) informa a sua alíquota "
          "do Simples Nacional, de 1,8% a 5%",
          lambda n, s, _r: _simples_retido_sem_aliquota(n, s)),
    Regra("E0322", "servico.codigo_nbs",
          "Com o grupo IBS/CBS informe o código NBS do serviço (9 dígitos, como 1.1502.10.00)",
          lambda n, _s, _r: _ibscbs(n) and not _nbs(n)),
    Regra("E0318", "servico.codigo_nbs",
          "Numa exportação de serviço (tomador ou intermediário no exterior, ou serviço "
          "prestado no exterior) informe o código NBS do serviço (9 dígitos)",
          lambda n, _s, _r: _exportacao(n) and not _nbs(n)),
    Regra("E0330", "servico.codigo_pais",
          "Numa exportação de serviço a Sefin exige o grupo de comércio exterior (comExt: "
          "modo de prestação, vínculo, moeda, valor em moeda estrangeira), que este gateway "
          "ainda não monta: emita esta nota pelo emissor nacional",
          lambda n, _s, _r: _exportacao(n)),
    Regra("E0850", "servico.codigo_indicador_operacao",
          "O IBS/CBS só é declarado a partir da competência 01/01/2026: omita o grupo IBS/CBS "
          "ou confira data_competencia",
          lambda n, _s, _r: _ibscbs(n) and n.data_competencia < IBS_CBS_DESDE),
    Regra("E0675", "servico.valor_ir",
          "Um prestador pessoa física (CPF) não declara tributos federais na NFS-e Nacional: "
          "omita PIS/COFINS, valor_inss, valor_ir e valor_csll",
          lambda n, _s, _r: bool(n.prestador.cpf) and not n.prestador.cnpj and _tem_tribfed(n)),
    Regra("E0676", "servico.valor_ir",
          "O MEI não declara tributos federais na NFS-e Nacional: omita PIS/COFINS, "
          "valor_inss, valor_ir e valor_csll",
          lambda n, s, _r: s == "2" and _tem_tribfed(n)),
    Regra("E0677", "servico.base_calculo_pis_cofins",
          "A base de cálculo do PIS/COFINS não pode passar do valor dos serviços",
          lambda n, _s, _r: n.servico.pis_cofins is not None
          and (n.servico.pis_cofins.base_calculo or 0) > n.servico.valor_servicos),
    Regra("E0699", "servico.valor_inss",
          "A retenção do INSS (CP) deve ser maior que zero e menor que o valor dos serviços",
          lambda n, _s, _r: _fora_do_servico(n.servico.valor_inss, n)),
    Regra("E0700", "servico.valor_ir",
          "A retenção do IR deve ser maior que zero e menor que o valor dos serviços",
          lambda n, _s, _r: _fora_do_servico(n.servico.valor_ir, n)),
    Regra("E0701", "servico.valor_csll",
          "A retenção da CSLL deve ser maior que zero e menor que o valor dos serviços",
          lambda n, _s, _r: _fora_do_servico(n.servico.valor_csll, n)),
    Regra("E0720", "servico.valor_csll",
          "Com tipo_retencao_pis_cofins 0 (nada retido) não informe valor_csll; ou informe o "
          "tipo de retenção que inclui a CSLL",
          lambda n, _s, _r: _tipo_retencao(n) == "0" and bool(n.servico.valor_csll)),
    Regra("E0724", "servico.valor_csll",
          "O tipo_retencao_pis_cofins informado retém a CSLL: informe valor_csll, ou use o "
          "tipo 0 ou 2",
          lambda n, _s, _r: _retem_csll(n) and not n.servico.valor_csll),
)
"""The customer-controlled rules, in the order the Sefin's annex lists their fields."""


def violacoes(nota: Nota, simples: str | None, reg_esp_trib: str) -> list[Problema]:
    """Every rule in ``REGRAS`` the note breaks, as problems coded with the Sefin's code."""
    return [Problema(regra.campo, mensagem_oficial(regra.codigo), regra.correcao,
                     codigo=regra.codigo)
            for regra in REGRAS if regra.viola(nota, simples, reg_esp_trib)]


def codigos() -> tuple[str, ...]:
    """The codes this module checks (for the coverage document and the tests)."""
    return tuple(regra.codigo for regra in REGRAS)
