"""The DPS 1.01 (Declaração de Prestação de Serviço) built from the normalised note, signed,
and checked against the official XSD before it may leave."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from lxml import etree

from nfse.certs.a1 import A1
from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import DocumentoDeducao, Endereco, Evento, Nota, Obra, Pessoa, PisCofins
from nfse.municipios.servicos import nacional as tributacao_nacional
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional import conformidade
from nfse.xml.canonical import Node
from nfse.xml.sign import signature
from nfse.xml.validate import nacional_schema_dir, validate

NS = "http://www.sped.fazenda.gov.br/nfse"
VERSAO = "1.01"
VER_APLIC = "nfse-gateway_0.1"
CLOCK_MARGIN = timedelta(seconds=5)
"""The Sefin's clock lags up to ~1 s; a dhEmi in its future is refused (E0008)."""

DPS_XSD = nacional_schema_dir() / "DPS_v1.01.xsd"

# ABRASF regime_especial_tributacao → national regEspTrib
REG_ESP_TRIB = {1: "3", 2: "2", 3: "6", 4: "1"}


class DpsInvalida(ValueError):
    """The note cannot become a valid DPS; the message says why, in Portuguese, and
    ``problemas`` lists each reason (with the Sefin's code when a rule is broken)."""

    def __init__(self, mensagem: str, problemas: Iterable[Problema] = ()):
        super().__init__(mensagem)
        self.problemas = tuple(problemas)


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


def opcao_declarada(nota: Nota) -> str | None:
    """opSimpNac as the note itself says it; None when the company's regime decides."""
    if nota.optante_simples_nacional is True:
        return "2" if nota.regime_especial_tributacao == 5 else "3"
    if nota.optante_simples_nacional is False:
        return "1"
    return None


def op_simples(nota: Nota, emissor: Emissor) -> str:
    """opSimpNac: 1 não optante, 2 MEI, 3 ME/EPP."""
    return opcao_declarada(nota) or {1: "3", 2: "3", 3: "1", 4: "2"}.get(
        emissor.regime_tributario or 3, "1")


def apuracao_simples(nota: Nota, simples: str | None) -> str | None:
    """regApTribSN: only for ME/EPP (E0162, E0166); 1 (everything by the Simples) unless the
    note says otherwise."""
    return str(nota.regime_apuracao_simples or 1) if simples == "3" else None


def reg_esp_trib(nota: Nota, simples: str | None) -> str:
    """regEspTrib: 0 for MEI (E0174) and for ME/EPP apurando pelo Simples (E0175)."""
    if simples == "2" or (simples == "3" and apuracao_simples(nota, simples) == "1"):
        return "0"
    return REG_ESP_TRIB.get(nota.regime_especial_tributacao or 0, "0")


def problemas(nota: Nota, simples: str | None = None) -> list[Problema]:
    """Fields the contract leaves optional but the DPS requires, and every rule of the Sefin
    the customer controls (``conformidade``); ``simples`` None: as the note says it."""
    simples = simples or opcao_declarada(nota)
    found = conformidade.violacoes(nota, simples, reg_esp_trib(nota, simples))
    if nota.natureza_operacao in (5, 6) and not nota.numero_processo_suspensao:
        found.append(Problema("numero_processo_suspensao",
                              'Parâmetro "numero_processo_suspensao" não informado',
                              "Com a exigibilidade suspensa (natureza_operacao 5 ou 6) a NFS-e "
                              "Nacional exige o número do processo (30 dígitos)"))
    if nota.natureza_operacao == 3 and not nota.numero_beneficio_municipal:
        found.append(Problema("numero_beneficio_municipal",
                              'Parâmetro "numero_beneficio_municipal" não informado',
                              "Na NFS-e Nacional a isenção (natureza_operacao 3) é um benefício "
                              "municipal: informe o seu número (14 dígitos)"))
    found += _problemas_ibscbs(nota.servico.reforma)
    found += _problemas_servico(nota)
    found += [Problema(campo, f'Parâmetro "{campo}" inválido',
                       "Use só caracteres do alfabeto latino, sem quebras de linha, emojis ou "
                       "outros símbolos (o leiaute nacional não os aceita neste campo)")
              for campo, valor in _textos(nota) if not _LATIN1.fullmatch(valor)]
    s = nota.servico
    if s.pis_cofins is None and (s.valor_pis or s.valor_cofins):
        found.append(Problema("servico.situacao_tributaria_pis_cofins",
                              'Parâmetro "servico.situacao_tributaria_pis_cofins" não informado',
                              "A NFS-e Nacional declara PIS e COFINS com o seu CST (00 a 99): "
                              "informe-o para enviar valor_pis e valor_cofins"))
    for papel, pessoa in (("tomador", nota.tomador), ("intermediario", nota.intermediario)):
        end = pessoa.endereco if pessoa is not None else None
        if end is not None and end.exterior and not all((end.logradouro, end.numero,
                                                         end.bairro)):
            found.append(Problema(f"{papel}.endereco.logradouro",
                                  f'Parâmetro "{papel}.endereco.logradouro" não informado',
                                  "Um endereço no exterior leva também logradouro, número e "
                                  "bairro na NFS-e Nacional"))
        if pessoa is not None and not pessoa.razao_social:
            found.append(Problema(f"{papel}.razao_social",
                                  f'Parâmetro "{papel}.razao_social" não informado',
                                  f"A NFS-e Nacional exige o nome do {papel}"))
    return found


_LATIN1 = re.compile("[ -\u00ff]*")
"""What the national TSString admits (after the edges, which coerce.texto strips)."""
_TEXTOS_ENDERECO = ("logradouro", "numero", "complemento", "bairro", "cidade", "regiao",
                    "codigo_postal")


def _textos(nota: Nota) -> Iterator[tuple[str, str]]:
    """(field, text) of every text that goes into a TSString element of the DPS."""
    if nota.prestador.email:
        yield "prestador.email", nota.prestador.email
    if nota.informacoes_complementares:
        yield "informacoes_complementares", nota.informacoes_complementares
    for papel, pessoa in (("tomador", nota.tomador), ("intermediario", nota.intermediario)):
        if pessoa is None:
            continue
        for nome in ("razao_social", "nif", "email"):
            if getattr(pessoa, nome):
                yield f"{papel}.{nome}", getattr(pessoa, nome)
        yield from _textos_endereco(f"{papel}.endereco", pessoa.endereco)
    if nota.obra:
        for nome in ("codigo", "inscricao_imobiliaria_fiscal"):
            if getattr(nota.obra, nome):
                yield ("codigo_obra" if nome == "codigo" else f"obra.{nome}",
                       getattr(nota.obra, nome))
        yield from _textos_endereco("obra.endereco", nota.obra.endereco)
    if nota.evento:
        yield "evento.nome", nota.evento.nome
        if nota.evento.identificacao:
            yield "evento.identificacao", nota.evento.identificacao
        yield from _textos_endereco("evento.endereco", nota.evento.endereco)
    for i, documento in enumerate(nota.servico.documentos_deducao):
        for nome in ("descricao", "numero_documento_fiscal", "numero_documento"):
            if getattr(documento, nome):
                yield f"servico.documentos_deducao[{i}].{nome}", getattr(documento, nome)
    if nota.motivo_substituicao:
        yield "motivo_substituicao", nota.motivo_substituicao


def _textos_endereco(campo: str, endereco: Endereco | None) -> Iterator[tuple[str, str]]:
    for nome in _TEXTOS_ENDERECO:
        valor = getattr(endereco, nome, None) if endereco is not None else None
        if valor:
            yield f"{campo}.{nome}", valor


GRUPOS = {"obra": ("obra", "o grupo obra (codigo_obra ou obra.endereco)"),
          "atvEvento": ("evento", "o grupo evento (nome, datas e identificação)")}


def _problemas_servico(nota: Nota) -> list[Problema]:
    """The cTribNac must be in the national list, with the group its service requires."""
    codigo = nota.servico.codigo_tributacao_nacional
    servico = tributacao_nacional(codigo)
    if servico is None:
        return [Problema("servico.item_lista_servico",
                         f"O código de tributação nacional {codigo} não existe na lista "
                         "nacional de serviços",
                         "Confira o item e o subitem da LC 116/2003 (e o desdobro nacional): "
                         "GET /v2/municipios/CODIGO/codigos_tributacao_nacional lista os "
                         "códigos")]
    if servico.grupo_obrigatorio in GRUPOS:
        campo, nome = GRUPOS[servico.grupo_obrigatorio]
        if getattr(nota, campo) is None:
            return [Problema(campo, f'Parâmetro "{campo}" não informado',
                             f"O serviço {codigo} exige na NFS-e Nacional {nome}")]
    return []


IBSCBS = {"codigo_indicador_operacao": 6, "ibs_cbs_situacao_tributaria": 3,
          "ibs_cbs_classificacao_tributaria": 6}
"""The tax-reform fields the DPS declares (cIndOp, CST, cClassTrib) and their digits; the
authority computes bases, rates and values from them."""


def _problemas_ibscbs(reforma: dict[str, str]) -> list[Problema]:
    given = {campo: reforma.get(campo, "") for campo in IBSCBS}
    if not any(given.values()):
        return []
    found = [Problema(f"servico.{campo}", f'Parâmetro "servico.{campo}" inválido',
                      f"O grupo IBS/CBS da NFS-e Nacional exige {size} dígitos aqui")
             for campo, size in IBSCBS.items()
             if not (given[campo].isdigit() and len(given[campo]) == size)]
    cst, classe = given["ibs_cbs_situacao_tributaria"], given["ibs_cbs_classificacao_tributaria"]
    if not found and classe[:3] != cst:
        found.append(Problema("servico.ibs_cbs_classificacao_tributaria",
                              "A classificação tributária do IBS/CBS não pertence ao CST "
                              "informado", "Os 3 primeiros dígitos de cClassTrib são o CST "
                              "(E0959)"))
    return found


def _ibscbs(inf: Node, reforma: dict[str, str]) -> None:
    """The IBSCBS group (reform of 2026): the operation and its classification."""
    if not reforma.get("codigo_indicador_operacao"):
        return
    group = inf.add("IBSCBS")
    group.leaf("finNFSe", "0")  # 0 = regular
    group.leaf("cIndOp", reforma["codigo_indicador_operacao"])
    group.leaf("indDest", "0")  # the destinatário is the tomador
    classe = group.add("valores").add("trib").add("gIBSCBS")
    classe.leaf("CST", reforma["ibs_cbs_situacao_tributaria"])
    classe.leaf("cClassTrib", reforma["ibs_cbs_classificacao_tributaria"])


def _pessoa(parent: Node, tag: str, pessoa: Pessoa) -> None:
    node = parent.add(tag)
    if pessoa.cnpj:
        node.leaf("CNPJ", pessoa.cnpj)
    elif pessoa.cpf:
        node.leaf("CPF", pessoa.cpf)
    elif pessoa.nif:
        node.leaf("NIF", pessoa.nif)
    else:
        node.leaf("cNaoNIF", pessoa.motivo_ausencia_nif or "1")
    if pessoa.inscricao_municipal:
        node.leaf("IM", pessoa.inscricao_municipal)
    node.leaf("xNome", pessoa.razao_social)
    end = pessoa.endereco
    if end and end.exterior and all((end.logradouro, end.numero, end.bairro)):
        e = node.add("end")
        _exterior(e.add("endExt"), end, pais=True)
        _rua(e, end)
    elif end and all((end.logradouro, end.numero, end.bairro, end.codigo_municipio, end.cep)):
        e = node.add("end")
        nac = e.add("endNac")
        nac.leaf("cMun", end.codigo_municipio)
        nac.leaf("CEP", end.cep)
        _rua(e, end)
    if pessoa.telefone and len(pessoa.telefone) >= 6:
        node.leaf("fone", pessoa.telefone)
    if pessoa.email:
        node.leaf("email", pessoa.email)


def _exterior(node: Node, end: Endereco, pais: bool) -> None:
    if pais:
        node.leaf("cPais", end.codigo_pais)
    node.leaf("cEndPost", end.codigo_postal)
    node.leaf("xCidade", end.cidade)
    node.leaf("xEstProvReg", end.regiao)


def _rua(node: Node, end: Endereco) -> None:
    node.leaf("xLgr", end.logradouro)
    node.leaf("nro", end.numero)
    if end.complemento:
        node.leaf("xCpl", end.complemento)
    node.leaf("xBairro", end.bairro)


def _local(parent: Node, end: Endereco) -> None:
    """The address of a work or an event (by CEP, or abroad)."""
    node = parent.add("end")
    if end.exterior:
        _exterior(node.add("endExt"), end, pais=False)
    else:
        node.leaf("CEP", end.cep)
    _rua(node, end)


def _obra(serv: Node, obra: Obra) -> None:
    node = serv.add("obra")
    if obra.inscricao_imobiliaria_fiscal:
        node.leaf("inscImobFisc", obra.inscricao_imobiliaria_fiscal)
    if obra.codigo:
        node.leaf("cObra", obra.codigo)
    elif obra.endereco:
        _local(node, obra.endereco)


def _evento(serv: Node, evento: Evento) -> None:
    node = serv.add("atvEvento")
    node.leaf("xNome", evento.nome)
    node.leaf("dtIni", evento.data_inicio.isoformat())
    node.leaf("dtFim", evento.data_fim.isoformat())
    if evento.identificacao:
        node.leaf("idAtvEvt", evento.identificacao)
    elif evento.endereco:
        _local(node, evento.endereco)


DOCUMENTO_DEDUCAO = {"chave_nfse": "chNFSe", "chave_nfe": "chNFe",
                     "numero_documento_fiscal": "nDocFisc", "numero_documento": "nDoc"}


def _documentos_deducao(lista: Node, documentos: Iterable[DocumentoDeducao]) -> None:
    for documento in documentos:
        node = lista.add("docDedRed")
        for campo, tag in DOCUMENTO_DEDUCAO.items():
            if getattr(documento, campo):
                node.leaf(tag, getattr(documento, campo))
        node.leaf("tpDedRed", documento.tipo)
        if documento.descricao and documento.tipo == "99":
            node.leaf("xDescOutDed", documento.descricao)
        node.leaf("dtEmiDoc", documento.data_emissao.isoformat())
        node.leaf("vDedutivelRedutivel", _money(documento.valor_dedutivel))
        node.leaf("vDeducaoReducao", _money(documento.valor_deducao))


def _pis_cofins(fed: Node, grupo: PisCofins) -> None:
    node = fed.add("piscofins")
    node.leaf("CST", grupo.situacao_tributaria)
    for tag, value in (("vBCPisCofins", grupo.base_calculo), ("pAliqPis", grupo.aliquota_pis),
                       ("pAliqCofins", grupo.aliquota_cofins), ("vPis", grupo.valor_pis),
                       ("vCofins", grupo.valor_cofins)):
        if value is not None:
            node.leaf(tag, _money(value))
    node.leaf("tpRetPisCofins", grupo.tipo_retencao)


def _money_group(parent: Node, tag: str, **values: Decimal) -> None:
    """A group of optional amounts, present only when one of them is not zero."""
    if not any(values.values()):
        return
    group = parent.add(tag)
    for child, value in values.items():
        if value:
            group.leaf(child, _money(value))


def _trib_issqn(natureza: int) -> str:
    """natureza_operacao → tribISSQN: imune → 2 (imunidade); every other nature is a taxable
    operation for the national standard: a suspended tax travels in ``exigSusp``, an
    isenção as a municipal benefit (``BM``)."""
    return "2" if natureza == 4 else "1"


def aliquota_exigida(nota: Nota, simples: str, regime_especial: str,
                     municipio_ativo: bool) -> str | None:
    """The rule that requires pAliq in this DPS, or None where the annex forbids it (the
    rate is then the municipality's, from its parameters). In Anexo I v1.01 every case is one
    or the other.

    Forbidden: MEI (E0600), tribISSQN not 1 (E0602), a special regime (E0604), a benefício
    de isenção (E0612), a não optante in an active municipality (E0617), an ME/EPP apurando
    pelo Simples without retention (E0625, E0631) and an ME/EPP apurando fora do Simples in an
    active municipality (E0635). Required: the não optante in a municipality not active
    (E0619), the ME/EPP apurando pelo Simples with retention (E0621, E0628) and the ME/EPP
    apurando fora do Simples in a municipality not active (E0640)."""
    if (simples == "2" or _trib_issqn(nota.natureza_operacao) != "1"
            or regime_especial != "0" or nota.natureza_operacao == 3):
        return None
    if simples == "1":
        return None if municipio_ativo else "E0619"
    if apuracao_simples(nota, simples) == "1":
        if not nota.servico.iss_retido:
            return None
        return "E0621" if municipio_ativo else "E0628"
    return None if municipio_ativo else "E0640"


ALIQUOTA_MUNICIPAL = {"E0619", "E0640"}
"""The cases where the rate required is the municipality's (not the company's Simples one)."""


def _p_aliq(nota: Nota, simples: str, especial: str, municipio_ativo: bool,
            aliquota_municipal: Decimal | None) -> Decimal | None:
    """The pAliq of the DPS (None: no pAliq); ``DpsInvalida`` when one is required and
    neither the note nor the municipal parameters give it."""
    exigida = aliquota_exigida(nota, simples, especial, municipio_ativo)
    if exigida is None:
        return None
    aliquota = nota.servico.aliquota or (aliquota_municipal if exigida in ALIQUOTA_MUNICIPAL
                                         else None)
    if not aliquota:
        problema = Problema("servico.aliquota", conformidade.mensagem_oficial(exigida),
                            "O município não está ativo no Sistema Nacional NFS-e e os seus "
                            "parâmetros não informam a alíquota deste serviço: informe a "
                            "alíquota do ISS na nota", codigo=exigida)
        raise DpsInvalida(f"{problema.mensagem}: {problema.correcao}", [problema])
    return aliquota


def total_tributos(tot: Node, nota: Nota, simples: str) -> None:
    """totTrib (Lei 12.741), the form the regime admits. Anexo I v1.01: ME/EPP never
    indTotTrib (E0712); não optante neither indTotTrib nor pTotTribSN (E0713); MEI never
    pTotTribSN (E0710). Some clients send indTotTrib=0 for a não optante; the official text
    (E0713) forbids it, and the official text decides: a não optante without an estimate
    declares pTotTrib with the three shares at 0.00 (the approximate burden it did not
    compute), an ME/EPP without one declares pTotTribSN 0.00. The three shares are sent apart,
    as given; a single figure (``percentual_total_tributos``) is pTotTribSN for ME/EPP and
    the federal share otherwise; the burden in money (``valores_tributos``, when no
    percentual is given) is vTotTrib."""
    s = nota.servico
    zero = Decimal("0")
    if simples == "3" and s.percentual_total_tributos is not None:
        tot.leaf("pTotTribSN", _aliquota(s.percentual_total_tributos))
        return
    if s.valores_tributos is not None and s.percentuais_tributos is None \
            and s.percentual_total_tributos is None:
        v_tot = tot.add("vTotTrib")  # in money: every regime may (E0702-E0704 bound it)
        for tag, valor in zip(("vTotTribFed", "vTotTribEst", "vTotTribMun"),
                              s.valores_tributos, strict=True):
            v_tot.leaf(tag, _money(valor))
        return
    partes = s.percentuais_tributos or (
        (s.percentual_total_tributos, zero, zero) if s.percentual_total_tributos is not None
        else None)
    if partes is None and simples == "2":
        tot.leaf("indTotTrib", "0")  # 0 = the estimate is not informed (allowed for MEI)
        return
    if partes is None and simples == "3":
        tot.leaf("pTotTribSN", "0.00")
        return
    federal, estadual, municipal = partes or (zero, zero, zero)
    p_tot = tot.add("pTotTrib")
    p_tot.leaf("pTotTribFed", _aliquota(federal))
    p_tot.leaf("pTotTribEst", _aliquota(estadual))
    p_tot.leaf("pTotTribMun", _aliquota(municipal))


def build_dps(nota: Nota, rps: Rps, emissor: Emissor, now: datetime | None = None,
              municipio_ativo: bool = True, aliquota_municipal: Decimal | None = None
              ) -> bytes:
    """Signed, schema-valid DPS bytes (UTF-8 with declaration). Raises ``DpsInvalida`` when
    the note cannot be expressed or breaks a rule of the Sefin it controls, or when the
    result fails the official XSD (our bug: the message carries the schema error, and
    nothing is sent). ``municipio_ativo``: whether the incidence municipality is active in the
    national system (its convênio; decides pAliq); ``aliquota_municipal``: the service's rate in
    its parameters, for a pAliq the annex requires and the note does not give."""
    ident, canonical = write_inf_dps(nota, rps, emissor, now, municipio_ativo,
                                     aliquota_municipal)
    unsigned = unsigned_dps(canonical)
    check_schema(unsigned)
    return signed_dps(unsigned, canonical, ident, emissor.a1)


def write_inf_dps(nota: Nota, rps: Rps, emissor: Emissor, now: datetime | None = None,
                  municipio_ativo: bool = True, aliquota_municipal: Decimal | None = None
                  ) -> tuple[str, bytes]:
    """The DPS's Id and its infDPS in canonical form (C14N, the DPS's namespace declared on
    it), UTF-8: the bytes that are digested, and that the document carries as they are.
    ``DpsInvalida`` as ``build_dps`` says."""
    simples = op_simples(nota, emissor)
    missing = problemas(nota, simples)
    if missing:
        raise DpsInvalida("; ".join(f"{p.mensagem}: {p.correcao}" for p in missing), missing)
    ident = dps_id(nota, rps)
    inf = Node("infDPS")
    inf.set("Id", ident)
    latest = (now or datetime.now(SAO_PAULO)) - CLOCK_MARGIN
    inf.leaf("tpAmb", tp_amb(emissor.ambiente))
    inf.leaf("dhEmi", _timestamp(min(nota.data_emissao, latest)))
    inf.leaf("verAplic", VER_APLIC)
    inf.leaf("serie", str(int(rps.serie)))
    inf.leaf("nDPS", str(rps.numero))
    inf.leaf("dCompet", min(nota.data_competencia, latest.date()).isoformat())
    inf.leaf("tpEmit", "1")
    inf.leaf("cLocEmi", nota.prestador.codigo_municipio)
    if nota.substituicao is not None:
        subst = inf.add("subst")
        subst.leaf("chSubstda", nota.substituicao.chave)
        subst.leaf("cMotivo", nota.substituicao.codigo_motivo)
        if nota.substituicao.motivo:
            subst.leaf("xMotivo", nota.substituicao.motivo)

    prest = inf.add("prest")
    if nota.prestador.cnpj:
        prest.leaf("CNPJ", nota.prestador.cnpj)
    else:
        prest.leaf("CPF", nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        prest.leaf("IM", nota.prestador.inscricao_municipal)
    # tpEmit 1: no xNome (E0121) nor end (E0128); fone and email are allowed
    if nota.prestador.telefone and len(nota.prestador.telefone) >= 6:
        prest.leaf("fone", nota.prestador.telefone)
    if nota.prestador.email:
        prest.leaf("email", nota.prestador.email)
    reg = prest.add("regTrib")
    reg.leaf("opSimpNac", simples)
    apuracao = apuracao_simples(nota, simples)
    if apuracao:
        reg.leaf("regApTribSN", apuracao)
    especial = reg_esp_trib(nota, simples)
    reg.leaf("regEspTrib", especial)

    if nota.tomador:
        _pessoa(inf, "toma", nota.tomador)
    if nota.intermediario:
        _pessoa(inf, "interm", nota.intermediario)

    s = nota.servico
    serv = inf.add("serv")
    if s.codigo_pais:
        serv.add("locPrest").leaf("cPaisPrestacao", s.codigo_pais)
    else:
        serv.add("locPrest").leaf("cLocPrestacao", s.codigo_municipio)
    c_serv = serv.add("cServ")
    c_serv.leaf("cTribNac", s.codigo_tributacao_nacional)
    ctm = s.codigo_tributario_municipio
    if ctm and len(ctm) == 3 and ctm.isdigit() and ctm != "000":
        c_serv.leaf("cTribMun", ctm)
    c_serv.leaf("xDescServ", s.discriminacao)
    nbs = s.reforma.get("codigo_nbs", "").replace(".", "")
    if len(nbs) == 9 and nbs.isdigit():
        c_serv.leaf("cNBS", nbs)
    if s.codigo_interno_contribuinte:
        c_serv.leaf("cIntContrib", s.codigo_interno_contribuinte)
    if nota.obra:
        _obra(serv, nota.obra)
    if nota.evento:
        _evento(serv, nota.evento)
    if nota.informacoes_complementares:
        serv.add("infoCompl").leaf("xInfComp", nota.informacoes_complementares)

    valores = inf.add("valores")
    valores.add("vServPrest").leaf("vServ", _money(s.valor_servicos))
    _money_group(valores, "vDescCondIncond", vDescIncond=s.desconto_incondicionado,
                 vDescCond=s.desconto_condicionado)
    if s.documentos_deducao:
        _documentos_deducao(valores.add("vDedRed").add("documentos"), s.documentos_deducao)
    elif s.percentual_deducoes:
        valores.add("vDedRed").leaf("pDR", _aliquota(s.percentual_deducoes))
    elif s.valor_deducoes:
        valores.add("vDedRed").leaf("vDR", _money(s.valor_deducoes))
    trib = valores.add("trib")
    mun = trib.add("tribMun")
    trib_issqn = _trib_issqn(nota.natureza_operacao)
    mun.leaf("tribISSQN", trib_issqn)
    if trib_issqn == "2":
        mun.leaf("tpImunidade", str(nota.tipo_imunidade or 5))  # 5 = outras imunidades
    if nota.natureza_operacao in (5, 6):  # 1 decisão judicial, 2 processo administrativo
        susp = mun.add("exigSusp")
        susp.leaf("tpSusp", "1" if nota.natureza_operacao == 5 else "2")
        susp.leaf("nProcesso", nota.numero_processo_suspensao)
    if nota.natureza_operacao == 3:
        mun.add("BM").leaf("nBM", nota.numero_beneficio_municipal)
    mun.leaf("tpRetISSQN", "2" if s.iss_retido else "1")
    p_aliq = _p_aliq(nota, simples, especial, municipio_ativo, aliquota_municipal)
    if p_aliq is not None:
        mun.leaf("pAliq", _aliquota(p_aliq))
    if simples != "2" and s.pis_cofins:  # MEI may not fill tribFed (E0676)
        fed = trib.add("tribFed")
        _pis_cofins(fed, s.pis_cofins)
        for tag, value in (("vRetCP", s.valor_inss), ("vRetIRRF", s.valor_ir),
                           ("vRetCSLL", s.valor_csll)):
            if value:
                fed.leaf(tag, _money(value))
    elif simples != "2":
        _money_group(trib, "tribFed", vRetCP=s.valor_inss, vRetIRRF=s.valor_ir,
                     vRetCSLL=s.valor_csll)
    total_tributos(trib.add("totTrib"), nota, simples)

    _ibscbs(inf, s.reforma)

    try:
        return ident, inf.canonical(NS).encode()
    except UnicodeEncodeError as exc:  # a lone surrogate: no UTF-8, no XML
        raise DpsInvalida(f"A nota contém caracteres não permitidos em XML: {exc}") from exc


_OPEN = f'<DPS xmlns="{NS}" versao="{VERSAO}"><infDPS'.encode()
_DECLARED = len(f'<infDPS xmlns="{NS}"')
"""Where the infDPS's canonical text follows its namespace declaration (the DPS's, inside
the document)."""
_CLOSE = b"</DPS>"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def unsigned_dps(canonical: bytes) -> bytes:
    """The DPS element around ``canonical``, open where its Signature goes."""
    return _OPEN + canonical[_DECLARED:]


def signed_dps(unsigned: bytes, canonical: bytes, ident: str, a1: A1) -> bytes:
    """The document that leaves: ``unsigned`` with its Signature, UTF-8 with declaration."""
    return document(unsigned, signature(canonical, ident, a1))


def document(unsigned: bytes, signed: str) -> bytes:
    return b"".join((_DECLARATION, unsigned, signed.encode(), _CLOSE))


def check_schema(unsigned: bytes) -> None:
    """The DPS before its signature, checked against the official XSD (the Signature is
    optional there): a document that fails is never signed. The Signature comes from a
    fixed template (``nfse.xml.sign``) whose every value is base64, so the signed document
    is valid when this one is; the tests validate signed DPSs whole."""
    try:
        root = etree.fromstring(unsigned + _CLOSE)
    except etree.XMLSyntaxError as exc:
        raise DpsInvalida(f"A nota contém caracteres não permitidos em XML: {exc}") from exc
    problems = validate(root, DPS_XSD)
    if problems:
        raise DpsInvalida("DPS fora do leiaute oficial: " + "; ".join(problems[:5]))
