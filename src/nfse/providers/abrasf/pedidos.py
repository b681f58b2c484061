"""The ABRASF 2.0x request documents (2.04 by default; 2.03, 2.02 and 2.00 where the
variant's ``versao_layout`` says so, ``leiaute`` holding what differs), built from the
normalised note, signed, and checked against the layout's schema before they may leave.

The declaration (``InfDeclaracaoPrestacaoServico``) and the cancellation request
(``InfPedidoCancelamento``) are written as canonical text (``nfse.xml.canonical.Node``), so
the bytes written are the bytes digested; the outer signatures of a lot and of a
substitution, which cover other signatures, are computed on the parsed tree.

Formatting follows the manual (§8.1): no empty elements, ``.`` as decimal separator, dates
``YYYY-MM-DD``, nothing between tags. Elements follow the schema's sequence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.providers.abrasf.esquema import problemas_de_esquema
from nfse.providers.abrasf.leiaute import NS, Leiaute
from nfse.providers.abrasf.soap import parser
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor, Erro, Rps
from nfse.xml.canonical import Node
from nfse.xml.sign import c14n, signature

CABECALHO = Variante().leiaute.cabecalho()
"""The default layout's header; a variant's is ``variante.leiaute.cabecalho()``."""
TIPO_RPS = "1"
"""RPS (not a conjugated note nor a coupon): the gateway issues only RPS."""

EXIGIBILIDADE = {1: "1", 2: "1", 3: "3", 4: "5", 5: "6", 6: "7"}
"""natureza_operacao (ABRASF 1.0 codes, Focus) → ExigibilidadeISS: taxed here or elsewhere
are both exigível (elsewhere differs by MunicipioIncidencia), isenção, imunidade, suspended
by a court, suspended by an administrative case."""
COM_INCIDENCIA = {"1", "3", "5", "6", "7"}
"""ExigibilidadeISS values that name the municipality where the tax is due (manual §5:
required for 1, 3, 5, 6, 7; an error for 2 and 4, which we never send)."""
SUSPENSA = {"6", "7"}
_ID_CHARS = re.compile(r"[^A-Za-z0-9]")


class DocumentoInvalido(ValueError):
    """The note cannot become a valid document, or the document failed the schema (our
    bug); ``erros`` say why, in Portuguese, and nothing is sent."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)

    @classmethod
    def fora_do_leiaute(cls, problems: Sequence[str], leiaute: str) -> DocumentoInvalido:
        """The refusal of a document the gateway built outside ``leiaute``'s schema (at
        most ten of its ``problems``)."""
        return cls([Erro("erro_schema", f"Documento fora do leiaute {leiaute}: {p}",
                         "Erro do gateway ao montar o XML; informe o suporte")
                    for p in problems[:10]])


# -- checks at POST ---------------------------------------------------------------------------

def problemas(nota: Nota) -> list[Problema]:
    """What the ABRASF layout needs beyond the contract (the variant is not known at POST,
    so the standard schema's limits apply)."""
    found: list[Problema] = []
    if not nota.prestador.inscricao_municipal:
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" não informado',
                              "O padrão ABRASF identifica o prestador pela inscrição municipal"))
    elif len(nota.prestador.inscricao_municipal) > 15:
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" inválido',
                              "No padrão ABRASF a inscrição municipal tem até 15 caracteres"))
    s = nota.servico
    if len(s.discriminacao) > 2000:
        found.append(Problema("servico.discriminacao", 'Parâmetro "servico.discriminacao" '
                              "inválido", "No padrão ABRASF a discriminação tem até 2000 "
                              "caracteres"))
    if s.aliquota is not None and (s.aliquota != s.aliquota.quantize(Decimal("0.01"))
                                   or s.aliquota >= 100):
        found.append(Problema("servico.aliquota", 'Parâmetro "servico.aliquota" inválido',
                              "No padrão ABRASF 2.04 a alíquota é um percentual com até 2 "
                              "casas decimais (5% = 5.00)"))
    if nota.natureza_operacao == 2:
        if s.codigo_municipio == nota.prestador.codigo_municipio:
            found.append(Problema("servico.codigo_municipio",
                                  'Parâmetro "servico.codigo_municipio" inválido',
                                  "Com tributação fora do município (natureza_operacao 2) o "
                                  "município da prestação deve ser outro que o do prestador"))
        if not s.aliquota:
            found.append(Problema("servico.aliquota", 'Parâmetro "servico.aliquota" não '
                                  "informado", "Com tributação fora do município "
                                  "(natureza_operacao 2) informe a alíquota"))
    if nota.natureza_operacao in (5, 6) and not nota.numero_processo_suspensao:
        found.append(Problema("numero_processo_suspensao",
                              'Parâmetro "numero_processo_suspensao" não informado',
                              "Com a exigibilidade suspensa (natureza_operacao 5 ou 6) o padrão "
                              "ABRASF exige o número do processo"))
    if nota.numero_rps_substituido and (len(nota.numero_rps_substituido) > 15
                                        or len(nota.serie_rps_substituido or "") > 5
                                        or nota.tipo_rps_substituido not in ("1", "2", "3")):
        found.append(Problema("numero_rps_substituido",
                              'Parâmetro "numero_rps_substituido" inválido',
                              "No padrão ABRASF o RPS substituído tem número de até 15 "
                              "dígitos, série de até 5 caracteres e tipo 1, 2 ou 3"))
    if nota.tomador is not None and not nota.tomador.razao_social:
        found.append(Problema("tomador.razao_social",
                              'Parâmetro "tomador.razao_social" não informado',
                              "O padrão ABRASF exige o nome do tomador"))
    for papel, pessoa in (("tomador", nota.tomador), ("intermediario", nota.intermediario)):
        if pessoa is not None and len(pessoa.inscricao_municipal or "") > 15:
            found.append(Problema(f"{papel}.inscricao_municipal",
                                  f'Parâmetro "{papel}.inscricao_municipal" inválido',
                                  "No padrão ABRASF a inscrição municipal tem até 15 "
                                  "caracteres"))
    inter = nota.intermediario
    if inter is not None:
        if not (inter.cnpj or inter.cpf):
            found.append(Problema("intermediario.cnpj",
                                  'Parâmetro "intermediario.cnpj" não informado',
                                  "O padrão ABRASF identifica o intermediário por CPF ou CNPJ"))
        if not inter.razao_social:
            found.append(Problema("intermediario.razao_social",
                                  'Parâmetro "intermediario.razao_social" não informado',
                                  "O padrão ABRASF exige o nome do intermediário"))
        if not (inter.endereco and inter.endereco.codigo_municipio):
            found.append(Problema(
                "intermediario.endereco.codigo_municipio",
                'Parâmetro "intermediario.endereco.codigo_municipio" não informado',
                "O padrão ABRASF exige o município (IBGE) do intermediário; o do prestador "
                "não o substitui"))
    return found


# -- values -----------------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _sim_nao(value: bool) -> str:
    return "1" if value else "2"


def _hoje() -> date:
    return datetime.now(SAO_PAULO).date()


def _ident(prefix: str, *parts: object) -> str:
    """An Id the signature can reference: letters and digits only after the prefix."""
    return prefix + "_".join(_ID_CHARS.sub("", str(p)) for p in parts)


def rps_id(rps: Rps) -> str:
    return _ident("rps", rps.serie, rps.numero)


def item_lista(nota: Nota, variante: Variante) -> str:
    """The LC 116 subitem in the variant's format: ``01.07`` (the standard schema's
    enumeration) or ``0107``."""
    item = nota.servico.item_lista_servico
    if variante.formato_item_lista == "0107":
        return item
    com_ponto = f"{item[:2]}.{item[2:]}"
    return com_ponto.removeprefix("0") if variante.formato_item_lista == "1.07" else com_ponto


def optante_simples(nota: Nota, emissor: Emissor) -> bool:
    """The note's word, else the company's regime (1 SN, 2 SN excesso, 4 MEI are optantes)."""
    if nota.optante_simples_nacional is not None:
        return nota.optante_simples_nacional
    return emissor.regime_tributario in (1, 2, 4)


def _cpf_cnpj(parent: Node, cnpj: str | None, cpf: str | None) -> None:
    node = parent.add("CpfCnpj")
    if cnpj:
        node.add("Cnpj", cnpj)
    else:
        node.add("Cpf", cpf)


def _prestador(parent: Node, nota: Nota) -> None:
    node = parent.add("Prestador")
    _cpf_cnpj(node, nota.prestador.cnpj, nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        node.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)


def _tomador(parent: Node, tomador: Pessoa, leiaute: Leiaute) -> None:
    node = parent.add(leiaute.tomador)
    if tomador.cnpj or tomador.cpf:
        ident = node.add("IdentificacaoTomador")
        _cpf_cnpj(ident, tomador.cnpj, tomador.cpf)
        if tomador.inscricao_municipal:
            ident.add("InscricaoMunicipal", tomador.inscricao_municipal)
    elif tomador.nif and leiaute.reforma_2_03:  # before 2.03 a foreign tomador goes unnamed
        node.add("NifTomador", tomador.nif)
    node.add("RazaoSocial", tomador.razao_social)
    end = tomador.endereco
    # The schema wants the whole Brazilian address or none; a foreign address needs the
    # country's code (EnderecoExterior/CodigoPais), which the contract does not carry.
    if end and all((end.logradouro, end.bairro, end.codigo_municipio, end.uf, end.cep)):
        e = node.add("Endereco")
        e.add("Endereco", end.logradouro)
        e.add("Numero", end.numero or "S/N")
        if end.complemento:
            e.add("Complemento", end.complemento)
        e.add("Bairro", end.bairro)
        e.add("CodigoMunicipio", end.codigo_municipio)
        e.add("Uf", end.uf)
        e.add("Cep", end.cep)
    if tomador.telefone or tomador.email:
        contato = node.add("Contato")
        if tomador.telefone:
            contato.add("Telefone", tomador.telefone)
        if tomador.email:
            contato.add("Email", tomador.email)


def _intermediario(parent: Node, inter: Pessoa, leiaute: Leiaute) -> None:
    node = parent.add("Intermediario")
    ident = node.add("IdentificacaoIntermediario")
    _cpf_cnpj(ident, inter.cnpj, inter.cpf)
    if inter.inscricao_municipal:
        ident.add("InscricaoMunicipal", inter.inscricao_municipal)
    node.add("RazaoSocial", inter.razao_social)
    if leiaute.reforma_2_03:
        node.add("CodigoMunicipio", inter.endereco.codigo_municipio if inter.endereco else "")


_SEMPRE = frozenset({"ValorPis", "ValorCofins", "ValorInss", "ValorIr", "ValorCsll"})


def _valores(parent: Node, nota: Nota, variante: Variante) -> None:
    """Amounts in the schema's order; zero amounts are left out (the manual: no empty or
    null optional tags) unless the system wants them (``valores_zerados``). The rate and the
    ISS value go as the client gave them (or as the contract computed the value from the
    rate); a system that computes the ISS itself gets no ValorIss (``sem_valor_iss``)."""
    leiaute = variante.leiaute
    s = nota.servico
    v = parent.add("Valores")
    v.add("ValorServicos", _money(s.valor_servicos))
    for tag, value in (("ValorDeducoes", s.valor_deducoes), ("ValorPis", s.valor_pis),
                       ("ValorCofins", s.valor_cofins), ("ValorInss", s.valor_inss),
                       ("ValorIr", s.valor_ir), ("ValorCsll", s.valor_csll),
                       ("OutrasRetencoes", s.outras_retencoes)):
        if value or (variante.valores_zerados and tag in _SEMPRE):
            v.add(tag, _money(value or Decimal(0)))
    if s.percentual_total_tributos and leiaute.reforma_2_03:  # the amount, not the percentage
        v.add("ValTotTributos", _money(s.valor_servicos * s.percentual_total_tributos / 100))
    valor_iss = s.valor_iss
    if valor_iss is None and s.iss_retido:  # 2.04 has no ValorIssRetido
        valor_iss = s.valor_iss_retido
    if valor_iss and not variante.sem_valor_iss:
        v.add("ValorIss", _money(valor_iss))
    if s.aliquota or variante.valores_zerados:
        aliquota = s.aliquota or Decimal(0)
        v.add("Aliquota", f"{aliquota / 100:.4f}" if variante.aliquota_fracao
              else f"{aliquota:.2f}")
    if s.desconto_incondicionado:
        v.add("DescontoIncondicionado", _money(s.desconto_incondicionado))
    if s.desconto_condicionado:
        v.add("DescontoCondicionado", _money(s.desconto_condicionado))


def _servico(parent: Node, nota: Nota, variante: Variante) -> None:
    s = nota.servico
    node = parent.add("Servico")
    _valores(node, nota, variante)
    node.add("IssRetido", _sim_nao(s.iss_retido))
    if s.iss_retido:  # 1 tomador; 2 intermediário when there is no tomador to withhold
        node.add("ResponsavelRetencao",
                 "2" if nota.tomador is None and nota.intermediario is not None else "1")
    node.add("ItemListaServico", item_lista(nota, variante))
    if s.codigo_cnae:
        node.add("CodigoCnae", s.codigo_cnae)
    if s.codigo_tributario_municipio:
        node.add("CodigoTributacaoMunicipio", s.codigo_tributario_municipio)
    nbs = s.reforma.get("codigo_nbs", "").replace(".", "")
    if 0 < len(nbs) <= 9 and variante.leiaute.reforma_2_03:
        node.add("CodigoNbs", nbs)
    node.add("Discriminacao", s.discriminacao)
    node.add("CodigoMunicipio", s.codigo_municipio)
    exigibilidade = EXIGIBILIDADE.get(nota.natureza_operacao, "1")
    node.add("ExigibilidadeISS", exigibilidade)
    if exigibilidade in COM_INCIDENCIA:
        node.add("MunicipioIncidencia", s.codigo_municipio if nota.natureza_operacao == 2
                 else nota.prestador.codigo_municipio)
    if exigibilidade in SUSPENSA and nota.numero_processo_suspensao:
        node.add("NumeroProcesso", nota.numero_processo_suspensao)


def declaracao(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante,
               hoje: date | None = None) -> Node:
    """``InfDeclaracaoPrestacaoServico`` of the note (not yet signed)."""
    today = hoje or _hoje()
    inf = Node("InfDeclaracaoPrestacaoServico")
    inf.set("Id", rps_id(rps))
    info = inf.add("Rps")
    ident = info.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", TIPO_RPS)
    # a date after today is refused (E16); a client's clock may run ahead of Brasília's
    info.add("DataEmissao", min(nota.data_emissao.astimezone(SAO_PAULO).date(), today)
             .isoformat())
    info.add("Status", "1")
    if nota.numero_rps_substituido:
        subst = info.add("RpsSubstituido")
        subst.add("Numero", nota.numero_rps_substituido)
        subst.add("Serie", nota.serie_rps_substituido or "")
        subst.add("Tipo", nota.tipo_rps_substituido or TIPO_RPS)
    inf.add("Competencia", min(nota.data_competencia, today).isoformat())
    _servico(inf, nota, variante)
    _prestador(inf, nota)
    if nota.tomador is not None:
        _tomador(inf, nota.tomador, variante.leiaute)
    if nota.intermediario is not None:
        _intermediario(inf, nota.intermediario, variante.leiaute)
    if nota.codigo_obra or nota.art:
        obra = inf.add("ConstrucaoCivil")
        if nota.codigo_obra:
            obra.add("CodigoObra", nota.codigo_obra)
        if nota.art:
            obra.add("Art", nota.art)
    if nota.regime_especial_tributacao:
        inf.add("RegimeEspecialTributacao", str(nota.regime_especial_tributacao))
    inf.add("OptanteSimplesNacional", _sim_nao(optante_simples(nota, emissor)))
    inf.add("IncentivoFiscal", _sim_nao(nota.incentivador_cultural))
    return inf


# -- signing and checking ---------------------------------------------------------------------

def _signed(node: Node, emissor: Emissor, variante: Variante) -> str:
    """The element followed by its enveloped Signature, as text (without the namespace
    declaration, which the enclosing document provides)."""
    canonical = node.canonical(NS)
    ident = node.attrs["Id"]
    sig = signature(canonical.encode(), ident, emissor.a1, variante.assinatura)
    return f"<{node.tag}" + canonical[len(f'<{node.tag} xmlns="{NS}"'):] + sig


def _sign_element(root: etree._Element, element: etree._Element, emissor: Emissor,
                  variante: Variante) -> None:
    """Sign ``element`` (which carries an Id) and put the Signature right after it."""
    sig = etree.fromstring(signature(c14n(element), element.get("Id") or "", emissor.a1,
                                     variante.assinatura))
    element.addnext(sig)


def _parse(text: str) -> etree._Element:
    try:
        return etree.fromstring(text.encode(), parser())
    except etree.XMLSyntaxError as exc:
        raise DocumentoInvalido([Erro("requisicao_invalida", "A nota contém caracteres não "
                                      f"permitidos em XML: {exc}")]) from exc


def _checked(root: etree._Element, variante: Variante) -> bytes:
    problems = problemas_de_esquema(root, variante)
    if problems:
        raise DocumentoInvalido.fora_do_leiaute(problems,
                                                f"ABRASF {variante.versao_layout}")
    return etree.tostring(root, encoding="UTF-8")


def _exigir(nota: Nota) -> None:
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])


def _rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> str:
    return f"<Rps>{_signed(declaracao(nota, rps, emissor, variante), emissor, variante)}</Rps>"


def gerar_nfse(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``GerarNfseEnvio``: one signed RPS."""
    _exigir(nota)
    root = _parse(f'<GerarNfseEnvio xmlns="{NS}">{_rps(nota, rps, emissor, variante)}'
                  "</GerarNfseEnvio>")
    return _checked(root, variante)


def lote_rps(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante,
             raiz: str = "EnviarLoteRpsSincronoEnvio") -> bytes:
    """A lot of one signed RPS, the lot signed too: ``EnviarLoteRpsSincronoEnvio``, or
    ``EnviarLoteRpsEnvio`` for the asynchronous reception. The lot number is the RPS number:
    allocated once, so a resend after NOT_FOUND repeats it."""
    _exigir(nota)
    prestador = Node("_")
    _prestador(prestador, nota)
    identificacao = prestador.children[0]
    assert isinstance(identificacao, Node)
    if variante.leiaute.prestador_no_lote:
        do_lote = identificacao.canonical()
    else:  # before 2.04 the lot names the prestador with CpfCnpj and InscricaoMunicipal
        do_lote = "".join(child if isinstance(child, str) else child.canonical()
                          for child in identificacao.children)
    lote_id = _ident("lote", rps.serie, rps.numero)
    root = _parse(f'<{raiz} xmlns="{NS}">'
                  f'<LoteRps Id="{lote_id}" versao="{variante.versao_layout}">'
                  f"<NumeroLote>{rps.numero}</NumeroLote>{do_lote}"
                  f"<QuantidadeRps>1</QuantidadeRps>"
                  f"<ListaRps>{_rps(nota, rps, emissor, variante)}</ListaRps></LoteRps>"
                  f"</{raiz}>")
    _sign_element(root, root[0], emissor, variante)
    return _checked(root, variante)


def consultar_lote(nota: Nota, protocolo: str, variante: Variante) -> bytes:
    """``ConsultarLoteRpsEnvio``: the result of an asynchronous lot, by its protocol."""
    root = Node("ConsultarLoteRpsEnvio")
    _prestador(root, nota)
    root.add("Protocolo", protocolo)
    return _checked(_parse(root.canonical(NS)), variante)


def _municipio_pedido(nota: Nota, emissor: Emissor, variante: Variante) -> str:
    """The municipality a cancellation names: the prestador's, except in a homologação
    environment shared by every city of a system, which wants its own code."""
    if emissor.ambiente == "homologacao" and variante.codigo_municipio_homologacao:
        return variante.codigo_municipio_homologacao
    return nota.prestador.codigo_municipio


def _pedido(nota: Nota, numero: str, emissor: Emissor, variante: Variante) -> Node:
    inf = Node("InfPedidoCancelamento")
    inf.set("Id", _ident("cancel", numero))
    ident = inf.add("IdentificacaoNfse")
    ident.add("Numero", numero)
    _cpf_cnpj(ident, nota.prestador.cnpj, nota.prestador.cpf)
    if nota.prestador.inscricao_municipal:
        ident.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)
    ident.add("CodigoMunicipio", _municipio_pedido(nota, emissor, variante))
    inf.add("CodigoCancelamento", variante.codigo_cancelamento)
    return inf


def _numero_nfse(numero: str) -> str:
    if not so_digitos(numero):
        raise DocumentoInvalido([Erro("requisicao_invalida",
                                      f"Número de NFS-e inválido para o padrão ABRASF: "
                                      f"{numero!r}")])
    return str(int(numero))


def cancelar_nfse(nota: Nota, numero: str, emissor: Emissor, variante: Variante) -> bytes:
    """``CancelarNfseEnvio``: the signed cancellation request of NFS-e ``numero``."""
    pedido = _pedido(nota, _numero_nfse(numero), emissor, variante)
    root = _parse(f'<CancelarNfseEnvio xmlns="{NS}"><Pedido>'
                  f"{_signed(pedido, emissor, variante)}</Pedido></CancelarNfseEnvio>")
    return _checked(root, variante)


def substituir_nfse(nota: Nota, rps: Rps, numero_substituida: str, emissor: Emissor,
                    variante: Variante) -> bytes:
    """``SubstituirNfseEnvio``: the signed cancellation of NFS-e ``numero_substituida`` and
    the new signed RPS, the whole ``SubstituicaoNfse`` signed after them."""
    _exigir(nota)
    numero = _numero_nfse(numero_substituida)
    pedido = _signed(_pedido(nota, numero, emissor, variante), emissor, variante)
    subst_id = _ident("subst", numero, rps.serie, rps.numero)
    root = _parse(f'<SubstituirNfseEnvio xmlns="{NS}"><SubstituicaoNfse Id="{subst_id}">'
                  f"<Pedido>{pedido}</Pedido>{_rps(nota, rps, emissor, variante)}"
                  "</SubstituicaoNfse></SubstituirNfseEnvio>")
    _sign_element(root, root[0], emissor, variante)
    return _checked(root, variante)


def consultar_nfse_rps(nota: Nota, rps: Rps, variante: Variante) -> bytes:
    """``ConsultarNfseRpsEnvio``: the reconciliation query (unsigned in the standard)."""
    root = Node("ConsultarNfseRpsEnvio")
    ident = root.add("IdentificacaoRps")
    ident.add("Numero", str(rps.numero))
    ident.add("Serie", rps.serie)
    ident.add("Tipo", TIPO_RPS)
    _prestador(root, nota)
    return _checked(_parse(root.canonical(NS)), variante)


def consultar_nfse_faixa(nota: Nota, numero: str, variante: Variante) -> bytes:
    """``ConsultarNfseFaixaEnvio`` for one number: the note as the authority holds it now
    (with ``NfseCancelamento`` once cancelled)."""
    numero = _numero_nfse(numero)
    root = Node("ConsultarNfseFaixaEnvio")
    _prestador(root, nota)
    faixa = root.add("Faixa")
    faixa.add("NumeroNfseInicial", numero)
    faixa.add("NumeroNfseFinal", numero)
    root.add("Pagina", "1")
    return _checked(_parse(root.canonical(NS)), variante)


def consultar_servico_tomado(cnpj: str | None, cpf: str | None, inicio: date, fim: date,
                             pagina: int, variante: Variante) -> bytes:
    """``ConsultarNfseServicoTomadoEnvio``: the notes issued to the consulente (as tomador)
    in the period, page ``pagina`` (50 a page)."""
    root = Node("ConsultarNfseServicoTomadoEnvio")
    _cpf_cnpj(root.add("Consulente"), cnpj, cpf)
    periodo = root.add("PeriodoEmissao")
    periodo.add("DataInicial", inicio.isoformat())
    periodo.add("DataFinal", fim.isoformat())
    _cpf_cnpj(root.add("Tomador"), cnpj, cpf)
    root.add("Pagina", str(pagina))
    return _checked(_parse(root.canonical(NS)), variante)
