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
from nfse.xml.canonical import attribute, leaf
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


def _ibscbs(reforma: dict[str, str]) -> str:
    """The IBSCBS group (reform of 2026): the operation and its classification."""
    if not reforma.get("codigo_indicador_operacao"):
        return ""
    return ("<IBSCBS><finNFSe>0</finNFSe>"  # 0 = regular
            + leaf("cIndOp", reforma["codigo_indicador_operacao"])
            + "<indDest>0</indDest>"  # the destinatário is the tomador
            + "<valores><trib><gIBSCBS>"
            + leaf("CST", reforma["ibs_cbs_situacao_tributaria"])
            + leaf("cClassTrib", reforma["ibs_cbs_classificacao_tributaria"])
            + "</gIBSCBS></trib></valores></IBSCBS>")


def _pessoa(tag: str, pessoa: Pessoa) -> str:
    if pessoa.cnpj:
        out = [f"<{tag}>", leaf("CNPJ", pessoa.cnpj)]
    elif pessoa.cpf:
        out = [f"<{tag}>", leaf("CPF", pessoa.cpf)]
    elif pessoa.nif:
        out = [f"<{tag}>", leaf("NIF", pessoa.nif)]
    else:
        out = [f"<{tag}>", leaf("cNaoNIF", pessoa.motivo_ausencia_nif or "1")]
    if pessoa.inscricao_municipal:
        out.append(leaf("IM", pessoa.inscricao_municipal))
    out.append(leaf("xNome", pessoa.razao_social))
    end = pessoa.endereco
    if end and end.exterior and all((end.logradouro, end.numero, end.bairro)):
        out.append(f"<end><endExt>{_exterior(end, pais=True)}</endExt>{_rua(end)}</end>")
    elif end and all((end.logradouro, end.numero, end.bairro, end.codigo_municipio, end.cep)):
        out.append(f"<end><endNac>{leaf('cMun', end.codigo_municipio)}{leaf('CEP', end.cep)}"
                   f"</endNac>{_rua(end)}</end>")
    if pessoa.telefone and len(pessoa.telefone) >= 6:
        out.append(leaf("fone", pessoa.telefone))
    if pessoa.email:
        out.append(leaf("email", pessoa.email))
    out.append(f"</{tag}>")
    return "".join(out)


def _exterior(end: Endereco, pais: bool) -> str:
    return ((leaf("cPais", end.codigo_pais) if pais else "") + leaf("cEndPost", end.codigo_postal)
            + leaf("xCidade", end.cidade) + leaf("xEstProvReg", end.regiao))


def _rua(end: Endereco) -> str:
    return (leaf("xLgr", end.logradouro) + leaf("nro", end.numero)
            + (leaf("xCpl", end.complemento) if end.complemento else "")
            + leaf("xBairro", end.bairro))


def _local(end: Endereco) -> str:
    """The address of a work or an event (by CEP, or abroad)."""
    lugar = (f"<endExt>{_exterior(end, pais=False)}</endExt>" if end.exterior
             else leaf("CEP", end.cep))
    return f"<end>{lugar}{_rua(end)}</end>"


def _obra(obra: Obra) -> str:
    out = ["<obra>"]
    if obra.inscricao_imobiliaria_fiscal:
        out.append(leaf("inscImobFisc", obra.inscricao_imobiliaria_fiscal))
    if obra.codigo:
        out.append(leaf("cObra", obra.codigo))
    elif obra.endereco:
        out.append(_local(obra.endereco))
    out.append("</obra>")
    return "".join(out)


def _evento(evento: Evento) -> str:
    out = ["<atvEvento>", leaf("xNome", evento.nome),
           f"<dtIni>{evento.data_inicio.isoformat()}</dtIni>",
           f"<dtFim>{evento.data_fim.isoformat()}</dtFim>"]
    if evento.identificacao:
        out.append(leaf("idAtvEvt", evento.identificacao))
    elif evento.endereco:
        out.append(_local(evento.endereco))
    out.append("</atvEvento>")
    return "".join(out)


DOCUMENTO_DEDUCAO = {"chave_nfse": "chNFSe", "chave_nfe": "chNFe",
                     "numero_documento_fiscal": "nDocFisc", "numero_documento": "nDoc"}


def _documentos_deducao(documentos: Iterable[DocumentoDeducao]) -> str:
    out = []
    for documento in documentos:
        out.append("<docDedRed>")
        for campo, tag in DOCUMENTO_DEDUCAO.items():
            if getattr(documento, campo):
                out.append(leaf(tag, getattr(documento, campo)))
        out.append(leaf("tpDedRed", documento.tipo))
        if documento.descricao and documento.tipo == "99":
            out.append(leaf("xDescOutDed", documento.descricao))
        out.append(f"<dtEmiDoc>{documento.data_emissao.isoformat()}</dtEmiDoc>"
                   f"<vDedutivelRedutivel>{_money(documento.valor_dedutivel)}"
                   f"</vDedutivelRedutivel>"
                   f"<vDeducaoReducao>{_money(documento.valor_deducao)}</vDeducaoReducao>"
                   "</docDedRed>")
    return "".join(out)


def _pis_cofins(grupo: PisCofins) -> str:
    out = ["<piscofins>", leaf("CST", grupo.situacao_tributaria)]
    for tag, value in (("vBCPisCofins", grupo.base_calculo), ("pAliqPis", grupo.aliquota_pis),
                       ("pAliqCofins", grupo.aliquota_cofins), ("vPis", grupo.valor_pis),
                       ("vCofins", grupo.valor_cofins)):
        if value is not None:
            out.append(f"<{tag}>{_money(value)}</{tag}>")
    out.append(leaf("tpRetPisCofins", grupo.tipo_retencao))
    out.append("</piscofins>")
    return "".join(out)


def _money_group(tag: str, **values: Decimal) -> str:
    """A group of optional amounts, present only when one of them is not zero."""
    if not any(values.values()):
        return ""
    inner = "".join(f"<{child}>{_money(value)}</{child}>"
                    for child, value in values.items() if value)
    return f"<{tag}>{inner}</{tag}>"


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


def total_tributos(nota: Nota, simples: str) -> str:
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
    if simples == "3" and s.percentual_total_tributos is not None:
        return f"<pTotTribSN>{_aliquota(s.percentual_total_tributos)}</pTotTribSN>"
    if s.valores_tributos is not None and s.percentuais_tributos is None \
            and s.percentual_total_tributos is None:
        federal, estadual, municipal = map(_money, s.valores_tributos)
        # in money: every regime may (E0702-E0704 bound it)
        return (f"<vTotTrib><vTotTribFed>{federal}</vTotTribFed><vTotTribEst>{estadual}"
                f"</vTotTribEst><vTotTribMun>{municipal}</vTotTribMun></vTotTrib>")
    partes = s.percentuais_tributos or (
        (s.percentual_total_tributos, _ZERO, _ZERO) if s.percentual_total_tributos is not None
        else None)
    if partes is None and simples == "2":
        return "<indTotTrib>0</indTotTrib>"  # 0 = the estimate is not informed (MEI may)
    if partes is None and simples == "3":
        return "<pTotTribSN>0.00</pTotTribSN>"
    federal, estadual, municipal = map(_aliquota, partes or (_ZERO, _ZERO, _ZERO))
    return (f"<pTotTrib><pTotTribFed>{federal}</pTotTribFed><pTotTribEst>{estadual}"
            f"</pTotTribEst><pTotTribMun>{municipal}</pTotTribMun></pTotTrib>")


_ZERO = Decimal("0")


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
    ``DpsInvalida`` as ``build_dps`` says.

    Written as text in document order, each element whole once its last child is known (no
    tree to walk afterwards): the values the gateway formats itself (numbers, dates, codes
    of its own) go in as they are, every text from the note through ``canonical.leaf``,
    which escapes it as C14N does."""
    simples = op_simples(nota, emissor)
    missing = problemas(nota, simples)
    if missing:
        raise DpsInvalida("; ".join(f"{p.mensagem}: {p.correcao}" for p in missing), missing)
    ident = dps_id(nota, rps)
    latest = (now or datetime.now(SAO_PAULO)) - CLOCK_MARGIN
    prestador = nota.prestador
    out = [f'<infDPS xmlns="{NS}" Id="{attribute(ident)}">'
           f"<tpAmb>{tp_amb(emissor.ambiente)}</tpAmb>"
           f"<dhEmi>{_timestamp(min(nota.data_emissao, latest))}</dhEmi>"
           f"<verAplic>{VER_APLIC}</verAplic><serie>{int(rps.serie)}</serie>"
           f"<nDPS>{rps.numero}</nDPS>"
           f"<dCompet>{min(nota.data_competencia, latest.date()).isoformat()}</dCompet>"
           f"<tpEmit>1</tpEmit>{leaf('cLocEmi', prestador.codigo_municipio)}"]
    append = out.append
    if nota.substituicao is not None:
        append(f"<subst>{leaf('chSubstda', nota.substituicao.chave)}"
               f"{leaf('cMotivo', nota.substituicao.codigo_motivo)}")
        if nota.substituicao.motivo:
            append(leaf("xMotivo", nota.substituicao.motivo))
        append("</subst>")

    if prestador.cnpj:
        append("<prest>" + leaf("CNPJ", prestador.cnpj))
    else:
        append("<prest>" + leaf("CPF", prestador.cpf))
    if prestador.inscricao_municipal:
        append(leaf("IM", prestador.inscricao_municipal))
    # tpEmit 1: no xNome (E0121) nor end (E0128); fone and email are allowed
    if prestador.telefone and len(prestador.telefone) >= 6:
        append(leaf("fone", prestador.telefone))
    if prestador.email:
        append(leaf("email", prestador.email))
    append(f"<regTrib><opSimpNac>{simples}</opSimpNac>")
    apuracao = apuracao_simples(nota, simples)
    if apuracao:
        append(f"<regApTribSN>{apuracao}</regApTribSN>")
    especial = reg_esp_trib(nota, simples)
    append(f"<regEspTrib>{especial}</regEspTrib></regTrib></prest>")

    if nota.tomador:
        append(_pessoa("toma", nota.tomador))
    if nota.intermediario:
        append(_pessoa("interm", nota.intermediario))

    s = nota.servico
    if s.codigo_pais:
        append("<serv><locPrest>" + leaf("cPaisPrestacao", s.codigo_pais))
    else:
        append("<serv><locPrest>" + leaf("cLocPrestacao", s.codigo_municipio))
    append("</locPrest><cServ>" + leaf("cTribNac", s.codigo_tributacao_nacional))
    ctm = s.codigo_tributario_municipio
    if ctm and len(ctm) == 3 and ctm.isdigit() and ctm != "000":
        append(f"<cTribMun>{ctm}</cTribMun>")
    append(leaf("xDescServ", s.discriminacao))
    nbs = s.reforma.get("codigo_nbs", "").replace(".", "")
    if len(nbs) == 9 and nbs.isdigit():
        append(f"<cNBS>{nbs}</cNBS>")
    if s.codigo_interno_contribuinte:
        append(leaf("cIntContrib", s.codigo_interno_contribuinte))
    append("</cServ>")
    if nota.obra:
        append(_obra(nota.obra))
    if nota.evento:
        append(_evento(nota.evento))
    if nota.informacoes_complementares:
        append(f"<infoCompl>{leaf('xInfComp', nota.informacoes_complementares)}</infoCompl>")

    append(f"</serv><valores><vServPrest><vServ>{_money(s.valor_servicos)}</vServ></vServPrest>")
    append(_money_group("vDescCondIncond", vDescIncond=s.desconto_incondicionado,
                        vDescCond=s.desconto_condicionado))
    if s.documentos_deducao:
        append(f"<vDedRed><documentos>{_documentos_deducao(s.documentos_deducao)}"
               "</documentos></vDedRed>")
    elif s.percentual_deducoes:
        append(f"<vDedRed><pDR>{_aliquota(s.percentual_deducoes)}</pDR></vDedRed>")
    elif s.valor_deducoes:
        append(f"<vDedRed><vDR>{_money(s.valor_deducoes)}</vDR></vDedRed>")
    trib_issqn = _trib_issqn(nota.natureza_operacao)
    append(f"<trib><tribMun><tribISSQN>{trib_issqn}</tribISSQN>")
    if trib_issqn == "2":  # 5 = outras imunidades
        append(f"<tpImunidade>{nota.tipo_imunidade or 5}</tpImunidade>")
    if nota.natureza_operacao in (5, 6):  # 1 decisão judicial, 2 processo administrativo
        append(f"<exigSusp><tpSusp>{'1' if nota.natureza_operacao == 5 else '2'}</tpSusp>"
               f"{leaf('nProcesso', nota.numero_processo_suspensao)}</exigSusp>")
    if nota.natureza_operacao == 3:
        append(f"<BM>{leaf('nBM', nota.numero_beneficio_municipal)}</BM>")
    append(f"<tpRetISSQN>{'2' if s.iss_retido else '1'}</tpRetISSQN>")
    p_aliq = _p_aliq(nota, simples, especial, municipio_ativo, aliquota_municipal)
    if p_aliq is not None:
        append(f"<pAliq>{_aliquota(p_aliq)}</pAliq>")
    append("</tribMun>")
    if simples != "2" and s.pis_cofins:  # MEI may not fill tribFed (E0676)
        append("<tribFed>" + _pis_cofins(s.pis_cofins))
        for tag, value in (("vRetCP", s.valor_inss), ("vRetIRRF", s.valor_ir),
                           ("vRetCSLL", s.valor_csll)):
            if value:
                append(f"<{tag}>{_money(value)}</{tag}>")
        append("</tribFed>")
    elif simples != "2":
        append(_money_group("tribFed", vRetCP=s.valor_inss, vRetIRRF=s.valor_ir,
                            vRetCSLL=s.valor_csll))
    append(f"<totTrib>{total_tributos(nota, simples)}</totTrib></trib></valores>")
    append(_ibscbs(s.reforma))
    append("</infDPS>")
    try:
        return ident, "".join(out).encode()
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
