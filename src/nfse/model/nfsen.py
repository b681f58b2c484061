"""The ``/v2/nfsen`` body (SPEC §3, the flat JSON of the Focus "NFS-e Nacional" API) → the same
normalised ``Nota`` that ``/v2/nfse`` gives for the equivalent nested body.

The flat body is translated into the nested shape of SPEC §2.1 and handed to ``parse_nfse``, so
both doors share every coercion and check; each problem is then renamed after the flat field
(``Parâmetro "codigo_municipio_emissora" não informado``). Unknown fields are ignored.

Mapping (flat → ``Nota``); names marked [oca] are sent by the OCA Odoo module
``l10n_br_nfse_focus`` 18.0.4.4.0.2, [focus] appear in Focus's own examples or field list,
[inf] are inferred from the pattern (the ``*_intermediario`` group mirrors the tomador's):

- ``data_emissao`` [oca] → data_emissao; ``data_competencia`` [oca] → data_competencia
  (default: the date of data_emissao).
- ``codigo_municipio_emissora`` [oca] → prestador.codigo_municipio (required);
  ``cnpj_prestador`` / ``cpf_prestador`` [oca] → prestador.cnpj / cpf (one required);
  ``inscricao_municipal_prestador`` [oca] → prestador.inscricao_municipal, optional here
  (absent → ``""``): the national system refuses an IM the CNC does not know (E0120).
- ``codigo_opcao_simples_nacional`` [oca] (opSimpNac): 1 não optante → optante False;
  2 MEI → optante True and regime_especial_tributacao 5; 3 ME/EPP → optante True. Absent →
  None (the company's regime decides). ``dps._op_simples`` gives the same code back.
- ``regime_especial_tributacao`` [oca] (regEspTrib): 0 → None; 1 ato cooperado → 4
  (cooperativa); 2 estimativa → 2; 3 microempresa municipal → 1; 6 sociedade de profissionais
  → 3 (the inverse of ``dps.REG_ESP_TRIB``). 4 notário/registrador, 5 profissional autônomo and
  9 outros have no value in the model: refused. Ignored for MEI (regEspTrib must be 0, E0174).
- tomador [oca]: ``cnpj_tomador``, ``cpf_tomador``, ``razao_social_tomador``,
  ``codigo_municipio_tomador``, ``cep_tomador``, ``logradouro_tomador``, ``numero_tomador``,
  ``complemento_tomador``, ``bairro_tomador``, ``telefone_tomador``, ``email_tomador``;
  [focus] ``nif_tomador``, ``motivo_ausencia_nif_tomador``, ``inscricao_municipal_tomador``
  → tomador.* (and tomador.endereco.*). intermediário [inf]: the same names ending in
  ``_intermediario``. A municipality code 0 (sent by ERPs that have none) means absent.
- ``codigo_municipio_prestacao`` [oca] → servico.codigo_municipio (default: the emissora).
- ``codigo_tributacao_nacional_iss`` [oca] (cTribNac, 6 digits, dots allowed) →
  servico.codigo_tributacao_nacional and item_lista_servico (required).
- ``codigo_tributacao_municipal_iss`` [oca] → servico.codigo_tributario_municipio.
- ``descricao_servico`` [oca] → servico.discriminacao (required).
- ``valor_servico`` [oca] → servico.valor_servicos (required).
- ``desconto_incondicionado``, ``desconto_condicionado``, ``valor_deducao_servico`` [focus] →
  servico.desconto_incondicionado, desconto_condicionado, valor_deducoes.
- ``tributacao_iss`` [oca] (tribISSQN): 1 tributável → natureza_operacao 1 (default), or 5/6
  with ``tipo_exigibilidade_suspensao`` 1 judicial / 2 administrativa [focus] and
  ``numero_processo_suspensao`` [focus], or 3 with ``numero_beneficio_municipal`` [focus];
  2 imunidade → 4, with ``tipo_imunidade`` [focus]. 3 exportação and 4 não incidência: refused.
- ``tipo_retencao_iss`` [oca] (tpRetISSQN): 1 não retido → iss_retido False; 2 retido pelo
  tomador, 3 retido pelo intermediário → True (required). These are codes, not booleans: "2"
  means retido here, unlike the ABRASF "2" = não of ``/v2/nfse``.
- ``percentual_aliquota_relativa_municipio`` [oca] (pAliq) → servico.aliquota.
- ``valor_cp``, ``valor_irrf``, ``valor_csll`` [oca] (vRetCP, vRetIRRF, vRetCSLL) →
  servico.valor_inss, valor_ir, valor_csll.
- ``percentual_total_tributos_federais`` / ``_estaduais`` / ``_municipais`` [oca] →
  servico.percentuais_tributos, kept apart (pTotTribFed/Est/Mun);
  ``percentual_total_tributos_simples_nacional`` [focus] → servico.percentual_total_tributos
  (pTotTribSN for ME/EPP). Which of them the DPS carries depends on the regime
  (``dps.total_tributos``).
- ``telefone_prestador``, ``email_prestador`` [oca] → prestador.telefone / email (prest/fone
  and prest/email: the annex forbids only xNome and end when the prestador emits, E0121 and
  E0128); ``informacoes_complementares`` [oca] → informacoes_complementares (xInfComp);
  ``regime_apuracao_tributos_sn`` [focus] → regime_apuracao_simples (regApTribSN, ME/EPP).
- ``codigo_interno_contribuinte`` [focus] → servico.codigo_interno_contribuinte (cIntContrib).
- ``valor_total_tributos_federais`` / ``_estaduais`` / ``_municipais`` [focus] →
  servico.valores_tributos (vTotTrib), when no percentual is given.
- ``codigo_nbs`` [oca], ``codigo_indicador_operacao``, ``ibs_cbs_situacao_tributaria``,
  ``ibs_cbs_classificacao_tributaria`` [focus] and the other tax-reform names of
  ``nfse.REFORMA`` → servico.reforma.
- PIS/COFINS [oca]: ``situacao_tributaria_pis_cofins`` (CST), ``base_calculo_pis_cofins``,
  ``aliquota_pis``, ``aliquota_cofins``, ``valor_pis``, ``valor_cofins``,
  ``tipo_retencao_pis_cofins`` (tpRetPisCofins 0..9) → servico.* of the same names
  (``model.grupos.pis_cofins``).
- ``percentual_deducao_servico`` [focus] → servico.percentual_deducoes (pDR);
  ``documentos_deducao`` [inf] (a list, as in the nested body) → servico.documentos_deducao.
- foreign addresses [focus]: ``codigo_pais_ext_tomador``, ``cep_ext_tomador``,
  ``nome_cidade_ext_tomador``, ``regiao_ext_tomador`` (and ``_intermediario``) →
  tomador.endereco.codigo_pais, codigo_postal, cidade, regiao; ``codigo_pais_prestacao`` [inf]
  → servico.codigo_pais (service provided abroad).
- obra [inf]: ``codigo_obra``, ``inscricao_imobiliaria_fiscal_obra``, ``cep_obra``,
  ``logradouro_obra``, ``numero_obra``, ``complemento_obra``, ``bairro_obra``; evento [inf]:
  ``nome_evento``, ``data_inicio_evento``, ``data_fim_evento``, ``identificacao_evento``,
  ``cep_evento``, ... → the (ext) ``obra`` and ``evento`` objects of the nested body.
- substitution [focus]: ``chave_nfse_substituida``, ``codigo_justificativa_substituicao``,
  ``motivo_substituicao`` → chave_nfse_substituida, codigo_motivo_substituicao,
  motivo_substituicao.

Not representable yet in ``Nota`` (what the DPS built from it cannot say):
- refused with a problem: tributacao_iss 3 (exportação, which needs the comércio exterior
  group) and 4 (não incidência); regEspTrib 4, 5, 9; ``emitente_dps`` other than 1; a
  municipal benefit together with a suspended tax.
- carried with a loss: tipo_retencao_iss 3 becomes "retido pelo tomador" (tpRetISSQN 2).
- ignored, each with its reason in ``docs/campos-ignorados.md``: ``serie_dps``/``numero_dps``
  (the gateway numbers), ``codigo_municipio_incidencia`` (the DPS has no such field: the Sefin
  derives the incidence itself), ``valor_iss`` (the national system computes it),
  ``indicador_total_tributacao`` (the regime decides totTrib), ``caepf_tomador``,
  ``finalidade_emissao``, ``consumidor_final``, ``indicador_destinatario`` and the
  destinatário, imóvel and comércio exterior groups.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from nfse.model import coerce
from nfse.model.coerce import Problemas
from nfse.model.errors import Problema, RequisicaoInvalida
from nfse.model.nfse import REFORMA, VALORES_TRIBUTOS, parse_nfse
from nfse.model.nota import Nota

PAPEIS = ("tomador", "intermediario")
PESSOA = ("cnpj", "cpf", "nif", "motivo_ausencia_nif", "inscricao_municipal", "razao_social",
          "telefone", "email")
ENDERECO = ("logradouro", "numero", "complemento", "bairro", "codigo_municipio", "cep")
EXTERIOR = {"codigo_pais_ext": "codigo_pais", "cep_ext": "codigo_postal",
            "nome_cidade_ext": "cidade", "regiao_ext": "regiao"}
LOCAL = ("cep", "logradouro", "numero", "complemento", "bairro")
PIS_COFINS = ("situacao_tributaria_pis_cofins", "base_calculo_pis_cofins", "aliquota_pis",
              "aliquota_cofins", "valor_pis", "valor_cofins", "tipo_retencao_pis_cofins")
MUNICIPIOS = ("codigo_municipio_emissora", "codigo_municipio_prestacao",
              *(f"codigo_municipio_{papel}" for papel in PAPEIS))
PERCENTUAIS = ("percentual_total_tributos_federais", "percentual_total_tributos_estaduais",
               "percentual_total_tributos_municipais")
PERCENTUAL_SN = "percentual_total_tributos_simples_nacional"
LISTA_DEDUCAO = "servico.documentos_deducao["
"""Problems inside the list keep their index: ``documentos_deducao[0].valor_deducao``."""
SEM_IM = "0"
"""Stands for an absent inscrição municipal in the nested body (which requires one)."""

PASSA: dict[str, str] = {
    "data_emissao": "data_emissao",
    "data_competencia": "data_competencia",
    "tipo_imunidade": "tipo_imunidade",
    "numero_processo_suspensao": "numero_processo_suspensao",
    "numero_beneficio_municipal": "numero_beneficio_municipal",
    "codigo_municipio_emissora": "prestador.codigo_municipio",
    "cnpj_prestador": "prestador.cnpj",
    "cpf_prestador": "prestador.cpf",
    "inscricao_municipal_prestador": "prestador.inscricao_municipal",
    "telefone_prestador": "prestador.telefone",
    "email_prestador": "prestador.email",
    "regime_apuracao_tributos_sn": "regime_apuracao_tributos_sn",
    "codigo_interno_contribuinte": "servico.codigo_interno_contribuinte",
    "informacoes_complementares": "informacoes_complementares",
    **{campo: f"servico.{campo}" for campo in (*PERCENTUAIS, *VALORES_TRIBUTOS)},
    **{f"{campo}_{papel}": f"{papel}.{campo}" for papel in PAPEIS for campo in PESSOA},
    **{f"{campo}_{papel}": f"{papel}.endereco.{campo}" for papel in PAPEIS for campo in ENDERECO},
    **{f"{plano}_{papel}": f"{papel}.endereco.{campo}" for papel in PAPEIS
       for plano, campo in EXTERIOR.items()},
    "codigo_pais_prestacao": "servico.codigo_pais",
    **{campo: f"servico.{campo}" for campo in PIS_COFINS},
    "percentual_deducao_servico": "servico.percentual_deducoes",
    "documentos_deducao": "servico.documentos_deducao",
    "codigo_obra": "codigo_obra",
    "inscricao_imobiliaria_fiscal_obra": "obra.inscricao_imobiliaria_fiscal",
    **{f"{campo}_obra": f"obra.endereco.{campo}" for campo in LOCAL},
    "nome_evento": "evento.nome",
    "data_inicio_evento": "evento.data_inicio",
    "data_fim_evento": "evento.data_fim",
    "identificacao_evento": "evento.identificacao",
    **{f"{campo}_evento": f"evento.endereco.{campo}" for campo in LOCAL},
    "chave_nfse_substituida": "chave_nfse_substituida",
    "codigo_justificativa_substituicao": "codigo_motivo_substituicao",
    "motivo_substituicao": "motivo_substituicao",
    "codigo_municipio_prestacao": "servico.codigo_municipio",
    "codigo_tributacao_municipal_iss": "servico.codigo_tributario_municipio",
    "descricao_servico": "servico.discriminacao",
    "valor_servico": "servico.valor_servicos",
    "desconto_incondicionado": "servico.desconto_incondicionado",
    "desconto_condicionado": "servico.desconto_condicionado",
    "valor_deducao_servico": "servico.valor_deducoes",
    "percentual_aliquota_relativa_municipio": "servico.aliquota",
    "valor_cp": "servico.valor_inss",
    "valor_irrf": "servico.valor_ir",
    "valor_csll": "servico.valor_csll",
    **{campo: f"servico.{campo}" for campo in REFORMA},
}
"""Flat fields whose value goes as given to a path of the nested body."""

CAMPO_PLANO: dict[str, str] = {
    **{aninhado: plano for plano, aninhado in PASSA.items()},
    "natureza_operacao": "tributacao_iss",
    "optante_simples_nacional": "codigo_opcao_simples_nacional",
    "regime_especial_tributacao": "regime_especial_tributacao",
    "prestador": "cnpj_prestador",
    "servico": "valor_servico",
    "servico.item_lista_servico": "codigo_tributacao_nacional_iss",
    "servico.iss_retido": "tipo_retencao_iss",
    "servico.percentual_total_tributos": PERCENTUAL_SN,
    "servico.base_calculo": "valor_deducao_servico",
    **{papel: f"cnpj_{papel}" for papel in PAPEIS},
    **{f"{papel}.endereco": f"logradouro_{papel}" for papel in PAPEIS},
    "obra": "codigo_obra",
    "obra.endereco": "logradouro_obra",
    "codigo_obra": "codigo_obra",
    "evento": "nome_evento",
    "evento.endereco": "logradouro_evento",
}
"""A nested path (as ``parse_nfse`` and the providers name problems) → the flat field."""

ORDEM = (
    "data_emissao", "data_competencia", "emitente_dps", "codigo_municipio_emissora",
    "cnpj_prestador", "cpf_prestador", "inscricao_municipal_prestador", "telefone_prestador",
    "email_prestador", "codigo_opcao_simples_nacional", "regime_apuracao_tributos_sn",
    "regime_especial_tributacao", "chave_nfse_substituida",
    "codigo_justificativa_substituicao", "motivo_substituicao",
    *(f"{campo}_{papel}" for papel in PAPEIS for campo in (*PESSOA, *ENDERECO, *EXTERIOR)),
    "codigo_municipio_prestacao", "codigo_pais_prestacao", "codigo_tributacao_nacional_iss",
    "codigo_tributacao_municipal_iss", "codigo_interno_contribuinte", "descricao_servico",
    "codigo_obra",
    "inscricao_imobiliaria_fiscal_obra", *(f"{campo}_obra" for campo in LOCAL), "nome_evento",
    "data_inicio_evento", "data_fim_evento", "identificacao_evento",
    *(f"{campo}_evento" for campo in LOCAL), "valor_servico",
    "desconto_incondicionado", "desconto_condicionado", "valor_deducao_servico",
    "percentual_deducao_servico", "documentos_deducao", "tributacao_iss", "tipo_imunidade",
    "tipo_exigibilidade_suspensao", "numero_processo_suspensao", "numero_beneficio_municipal",
    "tipo_retencao_iss", "percentual_aliquota_relativa_municipio", "valor_cp", "valor_irrf",
    "valor_csll", *PIS_COFINS, *PERCENTUAIS, PERCENTUAL_SN, *VALORES_TRIBUTOS, *REFORMA,
    "informacoes_complementares",
)
"""The flat fields in the order of the contract: problems are reported in this order."""

# national regEspTrib → the model's (ABRASF) regime_especial_tributacao; 0 = nenhum
REGIME_ESPECIAL: dict[int, int | None] = {0: None, 1: 4, 2: 2, 3: 1, 6: 3}
REGIME_NACIONAL = (0, 1, 2, 3, 4, 5, 6, 9)
MEI = 5


def plano(problemas: list[Problema]) -> list[Problema]:
    """The problems renamed after the flat fields (for checks that name nested paths, such as
    a provider's ``problemas``), in the order of the contract."""
    renamed = []
    for problema in problemas:
        campo = CAMPO_PLANO.get(problema.campo)
        if campo is None and problema.campo.startswith(LISTA_DEDUCAO):
            campo = problema.campo.removeprefix("servico.")
        if campo is not None:
            problema = replace(problema, campo=campo, mensagem=problema.mensagem.replace(
                f'"{problema.campo}"', f'"{campo}"'))
        renamed.append(problema)
    posicao = {campo: i for i, campo in enumerate(ORDEM)}
    return sorted(renamed, key=lambda problema: posicao.get(problema.campo, len(posicao)))


def _nao_suportado(p: Problemas, campo: str, mensagem: str, correcao: str) -> None:
    p.items.append(Problema(campo, mensagem, correcao))


def _por(path: str, value: Any, nested: dict[str, Any]) -> None:
    *parents, last = path.split(".")
    node = nested
    for parent in parents:
        node = node.setdefault(parent, {})
    node[last] = value


def _ctrib_nac(value: Any, p: Problemas) -> str | None:
    campo = "codigo_tributacao_nacional_iss"
    raw = coerce.texto(value, campo, p)
    if raw is None:
        return None  # parse_nfse reports it missing
    compact = re.sub(r"[\s.-]", "", raw)
    if not re.fullmatch(r"\d{6}", compact):
        p.invalido(campo, "Informe o código de tributação nacional (cTribNac) de 6 dígitos: "
                          'item, subitem e desdobro, como "010701"')
        return None
    return compact


def _regime(flat: dict[str, Any], p: Problemas) -> tuple[bool | None, int | None]:
    """(optante_simples_nacional, regime_especial_tributacao) of the model."""
    opcao = coerce.inteiro(flat.get("codigo_opcao_simples_nacional"),
                           "codigo_opcao_simples_nacional", p, valores=range(1, 4))
    campo = "regime_especial_tributacao"
    especial = coerce.inteiro(flat.get(campo), campo, p, valores=range(0, 10))
    if especial is not None and especial not in REGIME_NACIONAL:
        p.invalido(campo, "Informe 0 (nenhum), 1 a 6 ou 9 (outros)")
        especial = None
    optante = None if opcao is None else opcao != 1
    if opcao == 2:  # MEI: regEspTrib is always 0 (E0174)
        return optante, MEI
    if especial is not None and especial not in REGIME_ESPECIAL:
        _nao_suportado(p, campo, f'Parâmetro "{campo}" = {especial} ainda não suportado',
                       "Os regimes especiais 4 (notário ou registrador), 5 (profissional "
                       "autônomo) e 9 (outros) ainda não podem ser emitidos; use 0 (nenhum), "
                       "1, 2, 3 ou 6")
        especial = None
    return optante, REGIME_ESPECIAL.get(especial) if especial is not None else None


def _natureza(flat: dict[str, Any], p: Problemas) -> int | None:
    """tribISSQN and its companions → natureza_operacao."""
    tributacao = coerce.inteiro(flat.get("tributacao_iss"), "tributacao_iss", p,
                                valores=range(1, 5))
    suspensao = coerce.inteiro(flat.get("tipo_exigibilidade_suspensao"),
                               "tipo_exigibilidade_suspensao", p, valores=range(1, 3))
    beneficio = not coerce.absent(flat.get("numero_beneficio_municipal"))
    processo = not coerce.absent(flat.get("numero_processo_suspensao"))
    if tributacao in (3, 4):
        nome = "exportação" if tributacao == 3 else "não incidência"
        _nao_suportado(p, "tributacao_iss",
                       f'Parâmetro "tributacao_iss" = {tributacao} ({nome}) ainda não suportado',
                       "Exportação (3) e não incidência (4) ainda não podem ser emitidas por "
                       "este gateway; use 1 (operação tributável) ou 2 (imunidade)")
        return None
    if tributacao == 2:
        for campo, dado in (("tipo_exigibilidade_suspensao", suspensao is not None),
                            ("numero_beneficio_municipal", beneficio)):
            if dado:
                p.invalido(campo, "Só com tributacao_iss 1 (operação tributável)")
        return 4
    if processo and suspensao is None and coerce.absent(flat.get("tipo_exigibilidade_suspensao")):
        p.faltando("tipo_exigibilidade_suspensao")
    if suspensao is not None and beneficio:
        _nao_suportado(p, "numero_beneficio_municipal",
                       'Parâmetro "numero_beneficio_municipal" não suportado com a '
                       "exigibilidade suspensa",
                       "Informe o benefício municipal ou a suspensão da exigibilidade, não "
                       "os dois")
        return None
    if suspensao is not None:
        return 4 + suspensao  # 5 judicial, 6 administrativa
    return 3 if beneficio else tributacao


def _percentual(flat: dict[str, Any], p: Problemas) -> Decimal | None:
    """The Simples figure (pTotTribSN); the three shares travel apart, as given."""
    return coerce.decimal(flat.get(PERCENTUAL_SN), PERCENTUAL_SN, p)


def _recusados(flat: dict[str, Any], p: Problemas) -> None:
    """Fields the model cannot carry and that must not be silently dropped."""
    campo = "emitente_dps"
    emitente = coerce.inteiro(flat.get(campo), campo, p, valores=range(1, 4))
    if emitente is not None and emitente != 1:
        _nao_suportado(p, campo, f'Parâmetro "{campo}" = {emitente} não suportado',
                       "Só o prestador emite a DPS (emitente_dps 1)")


def _aninhado(flat: dict[str, Any], p: Problemas) -> dict[str, Any]:
    """The nested ``/v2/nfse`` body saying what the flat one says."""
    nested: dict[str, Any] = {
        # never empty: parse_nfse then checks every field inside
        "prestador": {"codigo_municipio": None},
        "servico": {"codigo_municipio": None},
    }
    for plano_, caminho in PASSA.items():
        if not coerce.absent(flat.get(plano_)):
            _por(caminho, flat[plano_], nested)
    if coerce.absent(flat.get("inscricao_municipal_prestador")):
        nested["prestador"]["inscricao_municipal"] = SEM_IM
    optante, regime = _regime(flat, p)
    nested["optante_simples_nacional"] = optante
    nested["regime_especial_tributacao"] = regime
    nested["natureza_operacao"] = _natureza(flat, p)
    servico = nested["servico"]
    servico["item_lista_servico"] = _ctrib_nac(flat.get("codigo_tributacao_nacional_iss"), p)
    retencao = coerce.inteiro(flat.get("tipo_retencao_iss"), "tipo_retencao_iss", p,
                              valores=range(1, 4))
    servico["iss_retido"] = None if retencao is None else retencao != 1
    percentual = _percentual(flat, p)
    servico["percentual_total_tributos"] = None if percentual is None else str(percentual)
    _recusados(flat, p)
    return nested


def _zero(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, str)) \
        and str(value).strip() in ("0", "0000000")


def parse_nfsen(body: object) -> Nota:
    """Coerce and check a ``/v2/nfsen`` body; raise ``RequisicaoInvalida`` with every problem,
    each naming the flat field, in the order of the contract's fields."""
    if not isinstance(body, dict):
        raise RequisicaoInvalida([Problema("", "O corpo da requisição deve ser um objeto JSON",
                                           "Envie os campos da nota num objeto JSON")])
    flat = {k: None if k in MUNICIPIOS and _zero(v) else v for k, v in body.items()}
    p = Problemas()
    nested = _aninhado(flat, p)
    nota: Nota | None
    try:
        nota = parse_nfse(nested)
    except RequisicaoInvalida as exc:
        nota = None
        proprios = {problema.campo for problema in p.items}
        p.items += [problema for problema in plano(exc.problemas)
                    if problema.campo not in proprios]
    if p.items or nota is None:
        raise RequisicaoInvalida(plano(p.items) or [Problema("", "Requisição inválida")])
    if coerce.absent(flat.get("inscricao_municipal_prestador")):
        nota = replace(nota, prestador=replace(nota.prestador, inscricao_municipal=""))
    return nota
