"""(ext) The optional groups of the ``/v2/nfse`` body that only the NFS-e Nacional declares:
PIS/COFINS, obra, evento and the foreign parts of an address.

Names follow the flat fields of the Focus NFS-e Nacional API (``model.nfsen`` maps those one
to one onto these), nested where the contract nests: ``servico.situacao_tributaria_pis_cofins``,
``obra.inscricao_imobiliaria_fiscal``, ``evento.data_inicio``, ``tomador.endereco.codigo_pais``.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from nfse.model import coerce
from nfse.model.coerce import Problemas
from nfse.model.digitos import so_digitos
from nfse.model.nota import DocumentoDeducao, Endereco, Evento, Obra, PisCofins

CST_PIS_COFINS = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "49", "50", "51",
                  "52", "53", "54", "55", "56", "60", "61", "62", "63", "64", "65", "66", "67",
                  "70", "71", "72", "73", "74", "75", "98", "99"}
RETENCAO = {
    # tpRetPisCofins → (PIS, COFINS, CSLL) retained; None = the code does not say
    "0": (False, False, False), "1": (True, True, None), "2": (False, False, None),
    "3": (True, True, True), "4": (True, True, False), "5": (True, False, False),
    "6": (False, True, False), "7": (False, True, True), "8": (False, False, True),
    "9": (True, False, True),
}
PAIS = re.compile(r"[A-Z]{2}")
CAMPOS_PIS_COFINS = ("situacao_tributaria_pis_cofins", "tipo_retencao_pis_cofins",
                     "base_calculo_pis_cofins", "aliquota_pis", "aliquota_cofins")
CAMPOS_EXTERIOR = ("codigo_pais", "codigo_postal", "cidade", "regiao")
TIPOS_DEDUCAO = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "99"}
DOCUMENTO_DEDUCAO = {"chave_nfse": 50, "chave_nfe": 44, "numero_documento_fiscal": 255,
                     "numero_documento": 255}
"""The ways to name the document (one of them), and their length (keys: exactly)."""


def retencao_por_valores(pis: bool, cofins: bool, csll: bool) -> str:
    """The tpRetPisCofins that says exactly which of the three are retained."""
    for codigo, retidos in RETENCAO.items():
        if codigo not in ("1", "2") and retidos == (pis, cofins, csll):
            return codigo
    raise AssertionError("every combination has a code")


def pis_cofins(raw: dict[str, Any], money: dict[str, Decimal | None],
               p: Problemas) -> PisCofins | None:
    """The group, when ``servico.situacao_tributaria_pis_cofins`` (the CST) is given. Without
    a ``tipo_retencao_pis_cofins``, valor_pis/valor_cofins/valor_csll are retentions (the
    meaning they have in the ABRASF convention of this body)."""
    if not any(raw.get(campo) is not None for campo in CAMPOS_PIS_COFINS):
        return None  # the common case, on every POST: nothing to read
    c = "servico."
    cst = coerce.texto(raw.get("situacao_tributaria_pis_cofins"),
                       c + "situacao_tributaria_pis_cofins", p)
    tipo = coerce.texto(raw.get("tipo_retencao_pis_cofins"), c + "tipo_retencao_pis_cofins", p)
    base = coerce.decimal(raw.get("base_calculo_pis_cofins"), c + "base_calculo_pis_cofins", p)
    aliquotas = {k: coerce.decimal(raw.get(k), c + k, p) for k in ("aliquota_pis",
                                                                   "aliquota_cofins")}
    for nome, aliquota in aliquotas.items():
        if aliquota is not None and aliquota >= 100:
            p.invalido(c + nome, "Informe a alíquota em percentual, menor que 100")
    if cst is None:  # all zero without a CST (as ERPs send it, e.g. OCA) is no group at all
        valores = {"tipo_retencao_pis_cofins": Decimal(tipo) if tipo and so_digitos(tipo)
                   else None if tipo is None else tipo,
                   "base_calculo_pis_cofins": base, **aliquotas}
        for campo, valor in valores.items():
            if not coerce.absent(raw.get(campo)) and valor != 0:
                p.invalido(c + campo, "Informe também situacao_tributaria_pis_cofins (o CST)")
        return None
    cst = cst.zfill(2)
    if cst not in CST_PIS_COFINS:
        p.invalido(c + "situacao_tributaria_pis_cofins",
                   "Informe o CST do PIS/COFINS: 00 a 09, 49 a 56, 60 a 67, 70 a 75, 98 ou 99")
        return None
    if tipo is not None and tipo not in RETENCAO:
        p.invalido(c + "tipo_retencao_pis_cofins", "Informe de 0 a 9 (tpRetPisCofins)")
        return None
    zero = Decimal("0")
    pis, cofins, csll = (money.get(k) or zero for k in ("valor_pis", "valor_cofins",
                                                        "valor_csll"))
    return PisCofins(
        situacao_tributaria=cst,
        tipo_retencao=tipo or retencao_por_valores(pis > 0, cofins > 0, csll > 0),
        base_calculo=base, aliquota_pis=aliquotas["aliquota_pis"],
        aliquota_cofins=aliquotas["aliquota_cofins"],
        valor_pis=money.get("valor_pis"), valor_cofins=money.get("valor_cofins"),
    )


def retidos(grupo: PisCofins | None) -> tuple[bool, bool, bool]:
    """Whether PIS, COFINS and CSLL leave valor_liquido (retained by the tomador)."""
    if grupo is None:
        return True, True, True
    pis, cofins, csll = RETENCAO[grupo.tipo_retencao]
    return pis, cofins, True if csll is None else csll


def pais(value: Any, campo: str, p: Problemas) -> str | None:
    """An ISO 3166 alpha-2 country code, upper case."""
    codigo = coerce.texto(value, campo, p)
    if codigo is None:
        return None
    if not PAIS.fullmatch(codigo.upper()):
        p.invalido(campo, "Informe o código ISO do país com 2 letras, como US")
        return None
    return codigo.upper()


def exterior(raw: dict[str, Any], campo: str, p: Problemas) -> dict[str, str | None]:
    """The foreign parts of an address: ``codigo_pais`` (ISO alpha-2), ``codigo_postal``,
    ``cidade`` and ``regiao``; all three others required abroad."""
    if not any(raw.get(nome) is not None for nome in CAMPOS_EXTERIOR):
        return dict.fromkeys(CAMPOS_EXTERIOR)  # the common case: a Brazilian address
    c = f"{campo}."
    pais_ = pais(raw.get("codigo_pais"), c + "codigo_pais", p)
    partes: dict[str, str | None] = {"codigo_pais": pais_}
    for nome, limite in (("codigo_postal", 11), ("cidade", 60), ("regiao", 60)):
        partes[nome] = coerce.texto(raw.get(nome), c + nome, p, max_len=limite)
        if pais_ not in (None, "BR") and partes[nome] is None and coerce.absent(raw.get(nome)):
            p.faltando(c + nome)
    return partes


def _local(raw: Any, campo: str, p: Problemas) -> Endereco | None:
    """The address of a work or event: CEP, street, number, district (no municipality)."""
    if coerce.absent(raw) or raw == {}:
        return None
    if not isinstance(raw, dict):
        p.invalido(campo, "Informe um objeto JSON")
        return None
    c = f"{campo}."
    cep = coerce.texto(raw.get("cep"), c + "cep", p)
    if cep is not None:
        cep = re.sub(r"\D", "", cep)
        if len(cep) != 8:
            p.invalido(c + "cep", "Informe exatamente 8 dígitos")
    endereco = Endereco(
        cep=cep,
        logradouro=coerce.texto(raw.get("logradouro"), c + "logradouro", p, max_len=255),
        numero=coerce.texto(raw.get("numero"), c + "numero", p, max_len=60),
        complemento=coerce.texto(raw.get("complemento"), c + "complemento", p, max_len=156),
        bairro=coerce.texto(raw.get("bairro"), c + "bairro", p, max_len=60),
    )
    for nome in ("cep", "logradouro", "numero", "bairro"):
        if coerce.absent(raw.get(nome)):
            p.faltando(c + nome)
    return endereco


def obra(body: dict[str, Any], p: Problemas) -> Obra | None:
    """``codigo_obra`` (the contract's) with the (ext) ``obra`` object: inscrição imobiliária
    fiscal and, when the work has no code, its ``endereco``."""
    if body.get("codigo_obra") is None and body.get("obra") is None:
        return None
    codigo = coerce.texto(body.get("codigo_obra"), "codigo_obra", p, max_len=15)
    raw = body.get("obra")
    if coerce.absent(raw) or raw == {}:
        raw = {}
    elif not isinstance(raw, dict):
        p.invalido("obra", "Informe um objeto JSON")
        raw = {}
    inscricao = coerce.texto(raw.get("inscricao_imobiliaria_fiscal"),
                             "obra.inscricao_imobiliaria_fiscal", p, max_len=30)
    endereco = _local(raw.get("endereco"), "obra.endereco", p)
    if codigo is None and endereco is None:
        if inscricao is not None:
            p.faltando("codigo_obra")
        return None
    if codigo is not None and endereco is not None:
        p.invalido("obra.endereco", "Informe o código da obra ou o seu endereço, não os dois")
    return Obra(codigo=codigo, inscricao_imobiliaria_fiscal=inscricao,
                endereco=None if codigo else endereco)


def evento(body: dict[str, Any], p: Problemas) -> Evento | None:
    """The (ext) ``evento`` object: nome, data_inicio, data_fim and its identificacao (the
    municipality's code of the event) or its endereco."""
    raw = body.get("evento")
    if coerce.absent(raw) or raw == {}:
        return None
    if not isinstance(raw, dict):
        p.invalido("evento", "Informe um objeto JSON")
        return None
    nome = coerce.texto(raw.get("nome"), "evento.nome", p, obrigatorio=True, max_len=255)
    inicio = coerce.data(raw.get("data_inicio"), "evento.data_inicio", p)
    fim = coerce.data(raw.get("data_fim"), "evento.data_fim", p)
    for campo, valor in (("data_inicio", inicio), ("data_fim", fim)):
        if valor is None and coerce.absent(raw.get(campo)):
            p.faltando(f"evento.{campo}")
    identificacao = coerce.texto(raw.get("identificacao"), "evento.identificacao", p,
                                 max_len=30)
    endereco = _local(raw.get("endereco"), "evento.endereco", p)
    if identificacao is None and endereco is None and coerce.absent(raw.get("identificacao")):
        p.faltando("evento.identificacao")
    if identificacao is not None and endereco is not None:
        p.invalido("evento.endereco", "Informe a identificação do evento ou o seu endereço, "
                                      "não os dois")
    if inicio and fim and fim < inicio:
        p.invalido("evento.data_fim", "A data de fim não pode ser anterior à de início")
    if nome is None or inicio is None or fim is None:
        return None
    return Evento(nome=nome, data_inicio=inicio, data_fim=fim, identificacao=identificacao,
                  endereco=None if identificacao else endereco)


def documentos_deducao(raw: Any, p: Problemas) -> tuple[DocumentoDeducao, ...]:
    """``servico.documentos_deducao``: the documents behind the deduction, each with its
    tipo_deducao, one way to name the document, data_emissao, valor_dedutivel and
    valor_deducao."""
    campo = "servico.documentos_deducao"
    if coerce.absent(raw) or raw == []:
        return ()
    if not isinstance(raw, list) or len(raw) > 1000:
        p.invalido(campo, "Informe uma lista de documentos (até 1000)")
        return ()
    found = []
    for i, item in enumerate(raw):
        c = f"{campo}[{i}]."
        if not isinstance(item, dict):
            p.invalido(c.rstrip("."), "Informe um objeto JSON")
            continue
        tipo = coerce.texto(item.get("tipo_deducao"), c + "tipo_deducao", p, obrigatorio=True)
        if tipo is not None and tipo not in TIPOS_DEDUCAO:
            p.invalido(c + "tipo_deducao", "Informe de 1 a 9 ou 99 (outras deduções)")
            tipo = None
        descricao = coerce.texto(item.get("descricao"), c + "descricao", p, max_len=150)
        if tipo == "99" and descricao is None:
            p.faltando(c + "descricao")
        nomes = {nome: coerce.texto(item.get(nome), c + nome, p, max_len=tamanho)
                 for nome, tamanho in DOCUMENTO_DEDUCAO.items()}
        dados = {nome: valor for nome, valor in nomes.items() if valor is not None}
        if len(dados) != 1:
            p.invalido(c + "chave_nfse", "Informe um (e só um) de chave_nfse, chave_nfe, "
                                          "numero_documento_fiscal e numero_documento")
        for nome in ("chave_nfse", "chave_nfe"):
            if nome in dados and not re.fullmatch(f"[0-9]{{{DOCUMENTO_DEDUCAO[nome]}}}",
                                                  dados[nome]):
                p.invalido(c + nome, f"Informe os {DOCUMENTO_DEDUCAO[nome]} dígitos da chave")
        emissao = coerce.data(item.get("data_emissao"), c + "data_emissao", p)
        if emissao is None and coerce.absent(item.get("data_emissao")):
            p.faltando(c + "data_emissao")
        valores = {nome: coerce.decimal(item.get(nome), c + nome, p, obrigatorio=True)
                   for nome in ("valor_dedutivel", "valor_deducao")}
        if (tipo is None or emissao is None or None in valores.values()
                or len(dados) != 1):
            continue
        found.append(DocumentoDeducao(tipo=tipo, data_emissao=emissao,
                                      valor_dedutivel=valores["valor_dedutivel"],
                                      valor_deducao=valores["valor_deducao"],
                                      descricao=descricao, **dados))
    return tuple(found)
