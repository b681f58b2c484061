"""The ``/v2/nfse`` body (SPEC §2.1) → the normalised ``Nota``, with every problem reported.

Where the contract says required but the seed's own example omits a field, a default that a
user of the original API would expect applies: ``optante_simples_nacional`` absent → the
company's regime decides (``None``); ``servico.codigo_municipio`` absent → the prestador's
municipality.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from nfse.fuso import SAO_PAULO
from nfse.model import coerce, grupos
from nfse.model.coerce import Problemas
from nfse.model.digitos import cnpj_valido, cpf_valido, limpar_cnpj, limpar_digitos, so_digitos
from nfse.model.errors import Problema, RequisicaoInvalida
from nfse.model.nota import Endereco, Nota, Pessoa, Prestador, Servico
from nfse.municipios.registry import UF_POR_PREFIXO
from nfse.municipios.registry import get as municipio

REF = re.compile(r"[A-Za-z0-9_-]{1,100}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ITEM = re.compile(r"(\d{1,2})\.?(\d{2})")
IBGE = re.compile(r"\d{7}")
NAO_ALFANUMERICO = re.compile(r"[^0-9A-Za-z]")
INTERNO = re.compile(r"[A-Za-z0-9]{1,20}")
ZERO = Decimal("0.00")
REFORMA = ("codigo_nbs", "codigo_indicador_operacao", "ibs_cbs_classificacao_tributaria",
           "ibs_cbs_situacao_tributaria", "ibs_cbs_base_calculo", "ibs_uf_aliquota",
           "ibs_mun_aliquota", "cbs_aliquota", "ibs_uf_valor", "ibs_mun_valor", "cbs_valor")
PERCENTUAIS = ("percentual_total_tributos_federais", "percentual_total_tributos_estaduais",
               "percentual_total_tributos_municipais")
"""(ext) The approximate tax burden split as the DPS declares it (pTotTribFed/Est/Mun)."""
VALORES_TRIBUTOS = ("valor_total_tributos_federais", "valor_total_tributos_estaduais",
                    "valor_total_tributos_municipais")
"""(ext) The same burden in money (vTotTribFed/Est/Mun)."""
DINHEIRO = ("valor_deducoes", "valor_pis", "valor_cofins", "valor_inss", "valor_ir",
            "valor_csll", "outras_retencoes", "desconto_incondicionado", "desconto_condicionado")


def validar_ref(ref: str | None) -> str:
    if ref is None or not ref.strip():
        raise RequisicaoInvalida([Problema("ref", 'Parâmetro "ref" não informado',
                                           "Informe ?ref= com a referência da nota")])
    if not REF.fullmatch(ref):
        raise RequisicaoInvalida([Problema(
            "ref", 'Parâmetro "ref" inválido',
            "Use apenas letras, números, '-' e '_', até 100 caracteres")])
    return ref


def _objeto(value: Any, campo: str, p: Problemas, obrigatorio: bool) -> dict[str, Any] | None:
    if coerce.absent(value) or value == {}:
        if obrigatorio:
            p.faltando(campo)
        return None
    if not isinstance(value, dict):
        p.invalido(campo, "Informe um objeto JSON")
        return None
    return value


def _municipio(value: Any, campo: str, p: Problemas, obrigatorio: bool) -> str | None:
    codigo = coerce.texto(value, campo, p, obrigatorio=obrigatorio)
    if codigo is None:
        return None
    if not IBGE.fullmatch(codigo) or municipio(codigo) is None:
        p.invalido(campo, "Informe o código IBGE de 7 dígitos de um município existente")
        return None
    return codigo


def _cnpj(value: Any, campo: str, p: Problemas) -> str | None:
    raw = coerce.texto(value, campo, p)
    if raw is None:
        return None
    cnpj = limpar_cnpj(raw)
    if not cnpj_valido(cnpj):
        p.invalido(campo, "CNPJ inválido: confira os 14 caracteres e os dígitos verificadores")
        return None
    return cnpj


def _cpf(value: Any, campo: str, p: Problemas) -> str | None:
    raw = coerce.texto(value, campo, p)
    if raw is None:
        return None
    cpf = limpar_digitos(raw)
    if not cpf_valido(cpf):
        p.invalido(campo, "CPF inválido: confira os 11 dígitos e os dígitos verificadores")
        return None
    return cpf


def _digitos(value: Any, campo: str, p: Problemas, max_len: int,
             exato: bool = False) -> str | None:
    raw = coerce.texto(value, campo, p)
    if raw is None:
        return None
    digits = limpar_digitos(raw)
    if not digits or len(digits) > max_len or (exato and len(digits) != max_len):
        p.invalido(campo, f"Informe {'exatamente' if exato else 'até'} {max_len} dígitos")
        return None
    return digits


def _endereco(raw: dict[str, Any], campo: str, p: Problemas) -> Endereco:
    c = f"{campo}."
    logradouro = coerce.texto(raw.get("logradouro"), c + "logradouro", p, max_len=125)
    codigo = _municipio(raw.get("codigo_municipio"), c + "codigo_municipio", p, False)
    uf = coerce.texto(raw.get("uf"), c + "uf", p)
    if uf is not None:
        uf = uf.upper()
        if uf not in UF_POR_PREFIXO.values():
            p.invalido(c + "uf", "Informe a sigla de uma UF, como SP")
            uf = None
        elif codigo and UF_POR_PREFIXO.get(codigo[:2]) != uf:
            p.invalido(c + "uf", f"A UF não corresponde ao município {codigo}")
    tipo = coerce.texto(raw.get("tipo_logradouro"), c + "tipo_logradouro", p, max_len=3)
    return Endereco(
        logradouro=logradouro,
        tipo_logradouro=tipo or (logradouro[:3] if logradouro else None),
        numero=coerce.texto(raw.get("numero"), c + "numero", p, max_len=10),
        complemento=coerce.texto(raw.get("complemento"), c + "complemento", p, max_len=60),
        bairro=coerce.texto(raw.get("bairro"), c + "bairro", p, max_len=60),
        codigo_municipio=codigo,
        uf=uf or (UF_POR_PREFIXO.get(codigo[:2]) if codigo else None),
        cep=_digitos(raw.get("cep"), c + "cep", p, 8, exato=True),
        **grupos.exterior(raw, campo, p),
    )


def _pessoa(raw: dict[str, Any], campo: str, p: Problemas) -> Pessoa:
    c = f"{campo}."
    cnpj = _cnpj(raw.get("cnpj"), c + "cnpj", p)
    cpf = _cpf(raw.get("cpf"), c + "cpf", p)
    nif = coerce.texto(raw.get("nif"), c + "nif", p, max_len=40)
    motivo = coerce.texto(raw.get("motivo_ausencia_nif"), c + "motivo_ausencia_nif", p)
    if motivo is not None and motivo not in ("0", "1", "2"):
        p.invalido(c + "motivo_ausencia_nif", "Informe 0, 1 ou 2")
        motivo = None
    if all(coerce.absent(raw.get(k)) for k in ("cnpj", "cpf", "nif", "motivo_ausencia_nif")):
        p.faltando(c + "cpf")
    email = _email(raw.get("email"), c + "email", p)
    endereco = _objeto(raw.get("endereco"), c + "endereco", p, False)
    return Pessoa(
        cnpj=cnpj, cpf=cpf, nif=nif, motivo_ausencia_nif=motivo,
        inscricao_municipal=_digitos_ou_texto(raw.get("inscricao_municipal"),
                                              c + "inscricao_municipal", p),
        razao_social=coerce.texto(raw.get("razao_social"), c + "razao_social", p, max_len=115),
        telefone=_digitos(raw.get("telefone"), c + "telefone", p, 11),
        email=email,
        endereco=_endereco(endereco, c + "endereco", p) if endereco else None,
    )


def _digitos_ou_texto(value: Any, campo: str, p: Problemas) -> str | None:
    """Inscrição municipal: punctuation dropped; some municipalities use letters, kept."""
    raw = coerce.texto(value, campo, p, max_len=20)
    return NAO_ALFANUMERICO.sub("", raw) or None if raw else None


def _item_lista(value: Any, p: Problemas) -> tuple[str, str] | None:
    campo = "servico.item_lista_servico"
    raw = coerce.texto(value, campo, p, obrigatorio=True)
    if raw is None:
        return None
    compact = raw.replace(" ", "")
    if re.fullmatch(r"\d{6}", compact):
        item, sub, desdobro = compact[:2], compact[2:4], compact[4:]
    else:
        match = ITEM.fullmatch(compact)
        if not match:
            p.invalido(campo, 'Informe o item da LC 116/2003, como "0107" ou "01.07", '
                              'ou o código nacional de 6 dígitos')
            return None
        item, sub, desdobro = match.group(1).zfill(2), match.group(2), "01"
    if not (1 <= int(item) <= 40 and 1 <= int(sub) <= 99):
        p.invalido(campo, "Item ou subitem fora da lista da LC 116/2003")
        return None
    return item + sub, item + sub + desdobro


def _chave(value: Any, p: Problemas) -> str | None:
    """(ext) The 50-digit access key of a NFS-e Nacional."""
    chave = coerce.texto(value, "chave_nfse_substituida", p)
    if chave is not None and not re.fullmatch(r"[0-9]{50}", chave):
        p.invalido("chave_nfse_substituida", "Informe a chave de acesso de 50 dígitos da NFS-e")
        return None
    return chave


def _prestador(raw: dict[str, Any], p: Problemas) -> Prestador:
    cnpj = _cnpj(raw.get("cnpj"), "prestador.cnpj", p)
    cpf = _cpf(raw.get("cpf"), "prestador.cpf", p)
    if coerce.absent(raw.get("cnpj")) and coerce.absent(raw.get("cpf")):
        p.faltando("prestador.cnpj")
    im = _digitos_ou_texto(raw.get("inscricao_municipal"), "prestador.inscricao_municipal", p)
    if im is None and coerce.absent(raw.get("inscricao_municipal")):
        p.faltando("prestador.inscricao_municipal")
    codigo = _municipio(raw.get("codigo_municipio"), "prestador.codigo_municipio", p, True)
    return Prestador(cnpj=cnpj, cpf=cpf, inscricao_municipal=im or "",
                     codigo_municipio=codigo or "",
                     telefone=_digitos(raw.get("telefone"), "prestador.telefone", p, 20),
                     email=_email(raw.get("email"), "prestador.email", p))


def _email(value: Any, campo: str, p: Problemas) -> str | None:
    email = coerce.texto(value, campo, p, max_len=80)
    if email is not None and not EMAIL.fullmatch(email):
        p.invalido(campo, "Informe um endereço de e-mail válido")
        return None
    return email


def _discriminacao(value: Any, p: Problemas) -> str | None:
    campo = "servico.discriminacao"
    if coerce.absent(value):
        p.faltando(campo)
        return None
    if isinstance(value, (dict, list)):
        p.invalido(campo, "Informe um texto")
        return None
    text = str(value).strip()
    if CONTROL.search(text):
        p.invalido(campo, "Remova caracteres de controle (só tabulação e quebra de linha "
                          "são aceitas)")
        return None
    if len(text) > 2000:
        p.invalido(campo, "Tamanho máximo: 2000 caracteres")
        return None
    return text


def _servico(raw: dict[str, Any], prestador_municipio: str, p: Problemas) -> Servico | None:
    c = "servico."
    valor = coerce.decimal(raw.get("valor_servicos"), c + "valor_servicos", p, positivo=True,
                           obrigatorio=True)
    # an absent amount is None: most are not sent, and the call and the field's name cost
    money = {k: coerce.decimal(raw[k], c + k, p) if k in raw else None for k in DINHEIRO}
    valor_iss = coerce.decimal(raw.get("valor_iss"), c + "valor_iss", p)
    valor_iss_retido = coerce.decimal(raw.get("valor_iss_retido"), c + "valor_iss_retido", p)
    base = coerce.decimal(raw.get("base_calculo"), c + "base_calculo", p)
    aliquota = coerce.decimal(raw.get("aliquota"), c + "aliquota", p, casas=4)
    iss_retido = coerce.booleano(raw.get("iss_retido"), c + "iss_retido", p, obrigatorio=True)
    itens = _item_lista(raw.get("item_lista_servico"), p)
    cnae = _digitos(raw.get("codigo_cnae"), c + "codigo_cnae", p, 7, exato=True)
    discriminacao = _discriminacao(raw.get("discriminacao"), p)
    local = _municipio(raw.get("codigo_municipio"), c + "codigo_municipio", p, False)
    percentual = coerce.decimal(raw.get("percentual_total_tributos"),
                                c + "percentual_total_tributos", p)
    partes = [coerce.decimal(raw[nome], c + nome, p) if nome in raw else None
              for nome in PERCENTUAIS]
    federal, estadual, municipal = (parte or ZERO for parte in partes)
    percentuais = None if all(parte is None for parte in partes) else (federal, estadual,
                                                                       municipal)
    for nome, parte in zip(PERCENTUAIS, partes, strict=True):
        if parte is not None and not ZERO <= parte <= 100:
            p.invalido(c + nome, "Informe um percentual de 0 a 100")
    em_valor = [coerce.decimal(raw[nome], c + nome, p) if nome in raw else None
                for nome in VALORES_TRIBUTOS]
    federal, estadual, municipal = (parte or ZERO for parte in em_valor)
    valores_tributos = None if all(parte is None for parte in em_valor) else (
        federal, estadual, municipal)
    for nome, parte in zip(VALORES_TRIBUTOS, em_valor, strict=True):
        if parte is not None and valor is not None and not ZERO <= parte <= valor:
            p.invalido(c + nome, "Informe um valor de zero até o valor dos serviços "
                                 "(E0702 a E0704)")
    reforma = {k: str(raw[k]).strip() for k in REFORMA if k in raw and not coerce.absent(raw[k])}
    pis_cofins = grupos.pis_cofins(raw, money, p)
    documentos = grupos.documentos_deducao(raw.get("documentos_deducao"), p)
    percentual_deducoes = coerce.decimal(raw.get("percentual_deducoes"),
                                         c + "percentual_deducoes", p)
    pais = grupos.pais(raw.get("codigo_pais"), c + "codigo_pais", p)
    interno = coerce.texto(raw.get("codigo_interno_contribuinte"),
                           c + "codigo_interno_contribuinte", p, max_len=20)
    if interno is not None and not INTERNO.fullmatch(interno):
        p.invalido(c + "codigo_interno_contribuinte", "Use só letras e dígitos, até 20")
        interno = None
    if valor is None or iss_retido is None or itens is None or discriminacao is None:
        return None
    m = {k: v if v is not None else ZERO for k, v in money.items()}
    formas = [nome for nome, dada in (("valor_deducoes", bool(money["valor_deducoes"])),
                                      ("percentual_deducoes", bool(percentual_deducoes)),
                                      ("documentos_deducao", bool(documentos))) if dada]
    if len(formas) > 1:
        p.invalido(c + formas[1], "Informe a dedução de uma só forma: em valor, em percentual "
                                  "ou por documentos")
        return None
    if documentos:
        m["valor_deducoes"] = sum((d.valor_deducao for d in documentos), ZERO)
    elif percentual_deducoes:
        m["valor_deducoes"] = (valor * percentual_deducoes / 100).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
    if base is None:
        base = valor - m["valor_deducoes"] - m["desconto_incondicionado"]
    if valor_iss is None and aliquota is not None:
        valor_iss = (base * aliquota / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    retido = valor_iss_retido if valor_iss_retido is not None else (valor_iss or ZERO)
    pis, cofins, csll = grupos.retidos(pis_cofins)
    retencoes = [("valor_pis", pis), ("valor_cofins", cofins), ("valor_inss", True),
                 ("valor_ir", True), ("valor_csll", csll), ("outras_retencoes", True)]
    liquido = valor - sum(m[k] for k, retida in retencoes if retida) \
        - (retido if iss_retido else ZERO) - m["desconto_incondicionado"] \
        - m["desconto_condicionado"]
    if base < 0:
        p.invalido(c + "base_calculo", "Deduções e descontos maiores que o valor dos serviços")
        return None
    if liquido < 0:
        p.invalido(c + "valor_servicos", "Retenções e descontos maiores que o valor dos "
                                          "serviços: o valor líquido ficaria negativo")
        return None
    return Servico(
        valor_servicos=valor, iss_retido=iss_retido, item_lista_servico=itens[0],
        codigo_tributacao_nacional=itens[1], discriminacao=discriminacao,
        codigo_municipio=local or prestador_municipio, base_calculo=base,
        valor_liquido=liquido, aliquota=aliquota, valor_iss=valor_iss,
        valor_iss_retido=valor_iss_retido, codigo_cnae=cnae,
        codigo_tributario_municipio=coerce.texto(raw.get("codigo_tributario_municipio"),
                                                 c + "codigo_tributario_municipio", p,
                                                 max_len=20),
        percentual_total_tributos=percentual, percentuais_tributos=percentuais,
        valores_tributos=valores_tributos,
        fonte_total_tributos=coerce.texto(raw.get("fonte_total_tributos"),
                                          c + "fonte_total_tributos", p, max_len=60),
        reforma=reforma, percentual_deducoes=percentual_deducoes,
        codigo_pais=None if pais == "BR" else pais, pis_cofins=pis_cofins,
        documentos_deducao=documentos, codigo_interno_contribuinte=interno, **m,
    )


def parse_nfse(body: object) -> Nota:
    """Coerce and check a ``/v2/nfse`` body; raise ``RequisicaoInvalida`` with every
    problem, in the order of the contract's fields."""
    if not isinstance(body, dict):
        raise RequisicaoInvalida([Problema("", "O corpo da requisição deve ser um objeto JSON",
                                           "Envie os campos da nota num objeto JSON")])
    p = Problemas()
    emissao = coerce.data_hora(body.get("data_emissao"), "data_emissao", p, obrigatorio=True)
    competencia = coerce.data(body.get("data_competencia"), "data_competencia", p)
    natureza = coerce.inteiro(body.get("natureza_operacao"), "natureza_operacao", p,
                              valores=range(1, 7))
    regime = coerce.inteiro(body.get("regime_especial_tributacao"),
                            "regime_especial_tributacao", p, valores=range(1, 7))
    optante = coerce.booleano(body.get("optante_simples_nacional"),
                              "optante_simples_nacional", p)
    incentivador = coerce.booleano(body.get("incentivador_cultural"), "incentivador_cultural", p)
    processo = _digitos(body.get("numero_processo_suspensao"), "numero_processo_suspensao", p,
                        30, exato=True)
    beneficio = _digitos(body.get("numero_beneficio_municipal"), "numero_beneficio_municipal",
                         p, 14, exato=True)
    imunidade = coerce.inteiro(body.get("tipo_imunidade"), "tipo_imunidade", p,
                               valores=range(1, 6))
    obra = grupos.obra(body, p)
    evento = grupos.evento(body, p)
    chave_subst = _chave(body.get("chave_nfse_substituida"), p)
    art = coerce.texto(body.get("art"), "art", p, max_len=15)
    rps_subst = coerce.texto(body.get("numero_rps_substituido"), "numero_rps_substituido", p)
    serie_subst = coerce.texto(body.get("serie_rps_substituido"), "serie_rps_substituido", p)
    tipo_subst = coerce.texto(body.get("tipo_rps_substituido"), "tipo_rps_substituido", p)
    if rps_subst is not None and serie_subst is None:
        p.faltando("serie_rps_substituido")
    if rps_subst is not None and chave_subst is not None:
        p.invalido("chave_nfse_substituida", "Informe a chave da NFS-e substituída ou o RPS "
                                             "substituído, não os dois")
    if rps_subst is not None and not so_digitos(rps_subst):
        p.invalido("numero_rps_substituido", "Informe o número do RPS substituído (só dígitos)")
    codigo_subst = coerce.inteiro(body.get("codigo_motivo_substituicao"),
                                  "codigo_motivo_substituicao", p, valores=range(1, 100))
    if codigo_subst is not None and codigo_subst not in (1, 2, 3, 4, 5, 99):
        p.invalido("codigo_motivo_substituicao", "Informe 1 a 5 ou 99 (outros)")
        codigo_subst = None
    motivo_subst = coerce.texto(body.get("motivo_substituicao"), "motivo_substituicao", p,
                                max_len=255)
    if motivo_subst is not None and len(motivo_subst) < 15:
        p.invalido("motivo_substituicao", "O motivo da substituição deve ter de 15 a 255 "
                                          "caracteres")

    apuracao = coerce.inteiro(body.get("regime_apuracao_tributos_sn"),
                              "regime_apuracao_tributos_sn", p, valores=range(1, 4))
    adesao_simples = coerce.data(body.get("data_opcao_simples_nacional"),
                                 "data_opcao_simples_nacional", p)
    complementares = coerce.texto(body.get("informacoes_complementares"),
                                  "informacoes_complementares", p, max_len=2000)
    prestador_raw = _objeto(body.get("prestador"), "prestador", p, True)
    prestador = _prestador(prestador_raw, p) if prestador_raw is not None else None
    tomador_raw = _objeto(body.get("tomador"), "tomador", p, False)
    tomador = _pessoa(tomador_raw, "tomador", p) if tomador_raw else None
    servico_raw = _objeto(body.get("servico"), "servico", p, True)
    servico = _servico(servico_raw, prestador.codigo_municipio if prestador else "", p) \
        if servico_raw is not None else None
    inter_raw = _objeto(body.get("intermediario"), "intermediario", p, False)
    intermediario = _pessoa(inter_raw, "intermediario", p) if inter_raw else None

    if p.items or emissao is None or prestador is None or servico is None:
        raise RequisicaoInvalida(p.items or [Problema("", "Requisição inválida")])
    return Nota(
        data_emissao=emissao,
        data_competencia=competencia or emissao.astimezone(SAO_PAULO).date(),
        natureza_operacao=natureza or 1,
        optante_simples_nacional=optante,
        prestador=prestador,
        servico=servico,
        regime_especial_tributacao=regime,
        regime_apuracao_simples=apuracao,
        data_opcao_simples_nacional=adesao_simples,
        informacoes_complementares=complementares,
        incentivador_cultural=bool(incentivador),
        numero_processo_suspensao=processo,
        numero_beneficio_municipal=beneficio,
        tipo_imunidade=imunidade,
        codigo_obra=obra.codigo if obra else None,
        art=art,
        obra=obra,
        evento=evento,
        chave_nfse_substituida=chave_subst,
        numero_rps_substituido=rps_subst,
        serie_rps_substituido=serie_subst,
        tipo_rps_substituido=(tipo_subst or "1") if rps_subst else None,
        codigo_motivo_substituicao=f"{codigo_subst or 99:02d}",
        motivo_substituicao=motivo_subst or (
            f"Substituição da NFS-e do RPS {serie_subst}/{rps_subst}" if rps_subst else None)
        or (f"Substituição da NFS-e {chave_subst}" if chave_subst else None),
        tomador=tomador,
        intermediario=intermediario,
    )
