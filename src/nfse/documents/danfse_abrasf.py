"""The PDF of a note issued by an ABRASF 2.04 municipality, rendered from its ``CompNfse``.

``brazilfiscalreport`` only reads NFS-e Nacional XML, and an ABRASF municipality has no
national layout to follow, so this is our own one-page A4 representation with what the note
says: identification, prestador, tomador, intermediário, the service, the values, and the
cancellation/substitution status.

Elements are matched by local name (``{*}``), as ``nfse.providers.abrasf.respostas`` does:
several municipal systems answer in their own namespace. Only ``Nfse/InfNfse`` is required;
every other element may be absent and is shown as "-" or left out.

The PDF uses fpdf2's core Helvetica, which draws Windows-1252 only; any other character is
reduced to its base letter or replaced by "?" (see ``_cp1252``), so no text of the note can
make rendering fail. The page never grows: the discriminação and the additional information
are fitted to the space left (smaller type, then truncation with a notice).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from lxml import etree

from nfse.model.formato import reais
from nfse.municipios import registry, servicos

FUSO = ZoneInfo("America/Sao_Paulo")
"""ABRASF date-times carry no offset: they are Brasília's local time."""

TITULO = "NFS-e — Nota Fiscal de Serviços Eletrônica"
LIMITE_VALOR = Decimal(10) ** 15
AUSENTE = "-"

EXIGIBILIDADE = {
    "1": "Exigível", "2": "Não incidência", "3": "Isenção", "4": "Exportação",
    "5": "Imunidade", "6": "Suspensa por decisão judicial",
    "7": "Suspensa por processo administrativo",
}
REGIME_ESPECIAL = {
    "1": "Microempresa municipal", "2": "Estimativa", "3": "Sociedade de profissionais",
    "4": "Cooperativa", "5": "MEI", "6": "ME/EPP",
}
MOTIVO_CANCELAMENTO = {
    "1": "erro na emissão", "2": "serviço não prestado", "3": "erro de assinatura",
    "4": "duplicidade da nota", "5": "erro de processamento",
}
RESPONSAVEL_RETENCAO = {"1": "tomador", "2": "intermediário"}

# --- page geometry (mm) and type (pt) -----------------------------------------------------

MARGEM = 10.0
LARGURA = 190.0
FIM_UTIL = 287.0
"""Lowest y the content may reach (A4 is 297 mm high)."""
ESPACO = 2.0
"""Between blocks."""
TITULO_BLOCO_H = 4.6
ROTULO_PT = 6.0
ROTULO_H = 3.2
VALOR_PT = 8.5
FOLGA_CELULA = 0.9
"""Below the value of a cell."""
TEXTO_PT = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)
"""Sizes tried, largest first, to fit a free text in the space left."""
RODAPE_H = 6.0
TRUNCADO = "[...] texto truncado nesta representação; o conteúdo completo está no XML da NFS-e."

Cor = tuple[int, int, int]
_Faixa = tuple[str, Cor, Cor]
"""A status band: text, background, text colour."""

COR_BORDA = (130, 130, 130)
COR_ROTULO = (85, 85, 85)
COR_TITULO_BLOCO = (226, 231, 238)
COR_DESTAQUE = (243, 246, 250)
COR_CANCELADA = (176, 0, 32)
COR_SUBSTITUIDA = (255, 243, 205)
COR_MARCA = (205, 40, 40)


def render_abrasf(xml: bytes, cancelada: bool = False) -> bytes:
    """The PDF of the ``CompNfse`` in ``xml``. The note is shown as cancelled when
    ``cancelada`` (the gateway knows it) or when the XML carries its ``NfseCancelamento``."""
    comp, inf = _ler(xml)
    cancelamento = _achar(comp, "NfseCancelamento")
    substituidora = _texto(comp, "NfseSubstituicao/SubstituicaoNfse/NfseSubstituidora")
    decl = _achar(inf, "DeclaracaoPrestacaoServico/InfDeclaracaoPrestacaoServico")

    pagina = _Pagina()
    numero = _texto(inf, "Numero") or AUSENTE
    emissao = _data_hora(_texto(inf, "DataEmissao"))
    pagina.metadados(numero, _texto(inf, "PrestadorServico/RazaoSocial"), emissao)

    faixas: list[_Faixa] = []
    if cancelada or cancelamento is not None:
        faixas.append((_faixa_cancelada(cancelamento), COR_CANCELADA, (255, 255, 255)))
    if substituidora:
        faixas.append((f"NFS-e SUBSTITUÍDA pela NFS-e nº {substituidora}", COR_SUBSTITUIDA,
                       (92, 68, 0)))

    cabecalho = _Cabecalho(
        municipio=_municipio_gerador(inf, decl),
        numero=numero,
        campos=_identificacao(inf, decl, emissao),
    )
    antes = [_prestador(inf, decl), _tomador(decl), *_intermediario(decl), _servico(inf, decl)]
    depois = [_valores(inf, decl)]
    discriminacao = _texto_multilinha(_texto_bruto(decl, "Servico/Discriminacao")) or AUSENTE
    outras = _outras_informacoes(inf, decl)

    pagina.compor(cabecalho, faixas, antes, discriminacao, depois, outras,
                  rodape=_rodape(cabecalho.municipio))
    if cancelada or cancelamento is not None:
        pagina.marca_dagua("CANCELADA")
    return pagina.pdf()


# --- reading the XML ----------------------------------------------------------------------


def _ler(xml: bytes) -> tuple[etree._Element | None, etree._Element]:
    """The ``CompNfse`` (None when the document is a bare ``Nfse``) and its ``InfNfse``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml, parser)
    if etree.QName(root).localname == "CompNfse":
        comp: etree._Element | None = root
    else:
        comp = next(root.iter("{*}CompNfse"), None)
    inf = next((comp if comp is not None else root).iter("{*}InfNfse"), None)
    if inf is None:
        raise ValueError("XML sem InfNfse: não é uma NFS-e ABRASF")
    return comp, inf


@cache
def _caminho(path: str) -> str:
    """``"A/B"`` as ``"{*}A/{*}B"``: any namespace, as municipal systems vary."""
    return "/".join(f"{{*}}{step}" for step in path.split("/"))


def _achar(element: etree._Element | None, path: str) -> etree._Element | None:
    return None if element is None else element.find(_caminho(path))


def _texto_bruto(element: etree._Element | None, path: str) -> str | None:
    found = _achar(element, path)
    return found.text if found is not None and found.text else None


def _texto(element: etree._Element | None, path: str) -> str | None:
    """The element's text with whitespace collapsed (the schema's ``collapse``); None when
    absent or blank."""
    bruto = _texto_bruto(element, path)
    if bruto is None:
        return None
    return " ".join(bruto.split()) or None


def _decimal(element: etree._Element | None, path: str) -> Decimal | None:
    texto = _texto(element, path)
    if texto is None:
        return None
    try:
        valor = Decimal(texto.replace(",", "."))
    except InvalidOperation:
        return None
    # tsValor has at most 15 digits: anything beyond is not an amount to print
    return valor if valor.is_finite() and abs(valor) < LIMITE_VALOR else None


def _primeiro(*valores: Decimal | None) -> Decimal | None:
    return next((v for v in valores if v is not None), None)


# --- formatting ---------------------------------------------------------------------------


def _data_hora(texto: str | None) -> datetime | None:
    """An ABRASF date-time in Brasília time (no offset means Brasília already)."""
    if not texto:
        return None
    try:
        momento = datetime.fromisoformat(texto)
    except ValueError:
        return None
    return momento.replace(tzinfo=FUSO) if momento.tzinfo is None else momento.astimezone(FUSO)


def _fmt_data_hora(momento: datetime | None) -> str:
    return momento.strftime("%d/%m/%Y %H:%M") if momento else AUSENTE


def _fmt_data(texto: str | None) -> str:
    if not texto:
        return AUSENTE
    try:
        return date.fromisoformat(texto[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return texto


def _fmt_reais(valor: Decimal | None) -> str:
    return reais(valor) if valor is not None else AUSENTE


def _fmt_percentual(valor: Decimal) -> str:
    duas_casas = valor.quantize(Decimal("0.01"))
    texto = f"{duas_casas:f}" if duas_casas == valor else f"{valor.normalize():f}"
    return texto.replace(".", ",") + "%"


def _aliquota(aliquota: Decimal | None, base: Decimal | None, iss: Decimal | None) -> str:
    """The ISS rate as a percentage. ABRASF 1.0 wrote it as a fraction (``0.05``), 2.x as a
    percentage (``5.00``), and some municipal systems still write the old way: when the ISS
    matches the base times the rate taken as a fraction (and not as a percentage), it is
    one."""
    if aliquota is None:
        return AUSENTE
    if base and iss is not None and aliquota < 1:
        como_fracao = abs(base * aliquota - iss)
        como_percentual = abs(base * aliquota / 100 - iss)
        if como_fracao <= Decimal("0.01") < como_percentual:
            aliquota *= 100
    return _fmt_percentual(aliquota)


def _fmt_documento(documento: str) -> str:
    """CNPJ ``00.000.000/0000-00`` (alphanumeric too), CPF ``000.000.000-00``."""
    d = documento
    if len(d) == 14:
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    if len(d) == 11:
        return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"
    return d


def _documento(ident: etree._Element | None) -> tuple[str, str]:
    """``(label, formatted number)`` of a ``CpfCnpj`` holder (also the 1.0 shape, with
    ``Cnpj``/``Cpf`` directly inside)."""
    for path, rotulo in (("CpfCnpj/Cnpj", "CNPJ"), ("CpfCnpj/Cpf", "CPF"), ("Cnpj", "CNPJ"),
                         ("Cpf", "CPF")):
        numero = _texto(ident, path)
        if numero:
            return rotulo, _fmt_documento(numero)
    return "CPF/CNPJ", "Não informado"


def _municipio(codigo: str | None, uf: str | None = None) -> str:
    """``Sertãozinho/SP``; the code (and UF) when the registry does not know it."""
    if not codigo:
        return uf or AUSENTE
    municipio = registry.get(codigo)
    if municipio:
        return f"{municipio.nome}/{municipio.uf}"
    return f"{codigo}/{uf}" if uf else codigo


def _cep(cep: str | None) -> str:
    if not cep:
        return AUSENTE
    return f"{cep[:5]}-{cep[5:]}" if len(cep) == 8 and cep.isdigit() else cep


def _sim_nao(valor: str | None) -> str:
    return {"1": "Sim", "2": "Não"}.get(valor or "", AUSENTE)


def _item_lista(codigo: str | None) -> str:
    """``01.07 - Suporte técnico em informática...`` when the item is in LC 116."""
    if not codigo:
        return AUSENTE
    item = servicos.item(codigo)
    return f"{item.codigo} - {item.descricao}" if item else codigo


def _texto_multilinha(texto: str | None) -> str | None:
    """A free text keeping its line breaks (``\\r\\n``/``\\r`` as ``\\n``), each line's
    trailing blanks and the text's leading and trailing blank lines dropped."""
    if not texto:
        return None
    linhas = texto.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(linha.rstrip() for linha in linhas).strip("\n") or None


def _cp1252(texto: str) -> str:
    """``texto`` with only characters Helvetica can draw (Windows-1252, what fpdf2 writes
    as ``WinAnsiEncoding``): accents, "—", "•", curly quotes stay; a letter with a mark
    outside the set loses the mark ("ŝ" → "s"); any other character (emoji, CJK) becomes
    "?". Tabs become spaces, other control and format characters are dropped."""
    saida: list[str] = []
    for ch in unicodedata.normalize("NFC", texto):
        if ch == "\n":
            saida.append(ch)
            continue
        if ch == "\t":
            saida.append("    ")
            continue
        categoria = unicodedata.category(ch)
        if categoria in ("Zl", "Zp"):
            saida.append("\n")
            continue
        if categoria in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            if categoria.startswith("M"):  # a lone mark (an emoji's variation selector)
                continue
            base = unicodedata.normalize("NFKD", ch).encode("cp1252", "ignore").decode("cp1252")
            saida.append(base if base.strip() else "?")
        else:
            saida.append(ch)
    return "".join(saida)


# --- the content --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Campo:
    """One boxed field: a small label over its value."""

    rotulo: str
    valor: str
    peso: float = 1.0
    """Share of the row's width."""
    destaque: bool = False
    alinhamento: str = "L"


@dataclass(frozen=True)
class _Grade:
    """A titled block of rows of fields."""

    titulo: str
    linhas: Sequence[Sequence[_Campo]]


@dataclass(frozen=True)
class _Cabecalho:
    municipio: str
    numero: str
    campos: Sequence[_Campo]


def _municipio_gerador(inf: etree._Element, decl: etree._Element | None) -> str:
    codigo = (_texto(inf, "OrgaoGerador/CodigoMunicipio")
              or _texto(inf, "PrestadorServico/Endereco/CodigoMunicipio")
              or _texto(decl, "Servico/CodigoMunicipio"))
    return _municipio(codigo, _texto(inf, "OrgaoGerador/Uf"))


def _identificacao(inf: etree._Element, decl: etree._Element | None,
                   emissao: datetime | None) -> list[_Campo]:
    rps = _achar(decl, "Rps/IdentificacaoRps")
    rps_numero = _texto(rps, "Numero")
    rps_serie = _texto(rps, "Serie")
    rps_texto = AUSENTE
    if rps_numero:
        rps_texto = f"{rps_numero} / {rps_serie}" if rps_serie else rps_numero
    campos = [
        _Campo("Data e hora de emissão", _fmt_data_hora(emissao)),
        _Campo("Competência", _fmt_data(_texto(decl, "Competencia"))),
        _Campo("Código de verificação", _texto(inf, "CodigoVerificacao") or AUSENTE,
               destaque=True),
        _Campo("RPS (número / série)", rps_texto),
    ]
    substituida = _texto(inf, "NfseSubstituida")
    if substituida:
        campos.append(_Campo("Substitui a NFS-e nº", substituida))
    return campos


def _endereco(endereco: etree._Element | None) -> tuple[str, str, str]:
    """``(street line, city/UF, CEP)`` of a ``tcEndereco``."""
    if endereco is None:
        return AUSENTE, AUSENTE, AUSENTE
    partes = [_texto(endereco, tag) for tag in ("Endereco", "Numero", "Complemento", "Bairro")]
    linha = ", ".join(p for p in partes if p) or AUSENTE
    cidade = _municipio(_texto(endereco, "CodigoMunicipio"), _texto(endereco, "Uf"))
    return linha, cidade, _cep(_texto(endereco, "Cep"))


def _contato(contato: etree._Element | None) -> list[_Campo]:
    telefone, email = _texto(contato, "Telefone"), _texto(contato, "Email")
    if not telefone and not email:
        return []
    return [_Campo("Telefone", telefone or AUSENTE, 1.0), _Campo("E-mail", email or AUSENTE, 3.0)]


def _prestador(inf: etree._Element, decl: etree._Element | None) -> _Grade:
    dados = _achar(inf, "PrestadorServico")
    # 2.04 identifies the prestador in the declaration; 2.01/2.02 in PrestadorServico
    ident = _achar(decl, "Prestador")
    if _achar(ident, "CpfCnpj") is None:
        ident = _achar(dados, "IdentificacaoPrestador")
    rotulo, documento = _documento(ident)
    regime = REGIME_ESPECIAL.get(_texto(decl, "RegimeEspecialTributacao") or "")
    primeira = [
        _Campo(rotulo, documento, 1.3),
        _Campo("Inscrição municipal", _texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        _Campo("Optante pelo Simples Nacional", _sim_nao(_texto(decl, "OptanteSimplesNacional"))),
        _Campo("Incentivo fiscal", _sim_nao(_texto(decl, "IncentivoFiscal")), 0.8),
    ]
    if regime:
        primeira.append(_Campo("Regime especial de tributação", regime, 1.3))
    nomes = [_Campo("Razão social", _texto(dados, "RazaoSocial") or AUSENTE, 3.0)]
    fantasia = _texto(dados, "NomeFantasia")
    if fantasia:
        nomes.append(_Campo("Nome fantasia", fantasia, 2.0))
    linha, cidade, cep = _endereco(_achar(dados, "Endereco"))
    linhas = [primeira, nomes,
              [_Campo("Endereço", linha, 3.0), _Campo("Município", cidade, 1.3),
               _Campo("CEP", cep, 0.7)]]
    contato = _contato(_achar(dados, "Contato"))
    if contato:
        linhas.append(contato)
    return _Grade("Prestador de serviços", linhas)


def _tomador(decl: etree._Element | None) -> _Grade:
    tomador = _achar(decl, "TomadorServico")
    if tomador is None:
        tomador = _achar(decl, "Tomador")  # 2.01/2.02
    ident = _achar(tomador, "IdentificacaoTomador")
    nome = _texto(tomador, "RazaoSocial")
    nif = _texto(tomador, "NifTomador")
    if tomador is None or (ident is None and not nome and not nif):
        return _Grade("Tomador de serviços", [[_Campo("Tomador", "Tomador não identificado")]])
    rotulo, documento = _documento(ident)
    if ident is None and nif:
        rotulo, documento = "NIF", nif
    linhas: list[list[_Campo]] = [[
        _Campo(rotulo, documento, 1.3),
        _Campo("Inscrição municipal", _texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        _Campo("Razão social", nome or AUSENTE, 3.5),
    ]]
    exterior = _achar(tomador, "EnderecoExterior")
    if exterior is not None:
        linhas.append([
            _Campo("Endereço no exterior", _texto(exterior, "EnderecoCompletoExterior")
                   or AUSENTE, 4.0),
            _Campo("País (código)", _texto(exterior, "CodigoPais") or AUSENTE, 1.0),
        ])
    else:
        linha, cidade, cep = _endereco(_achar(tomador, "Endereco"))
        linhas.append([_Campo("Endereço", linha, 3.0), _Campo("Município", cidade, 1.3),
                       _Campo("CEP", cep, 0.7)])
    contato = _contato(_achar(tomador, "Contato"))
    if contato:
        linhas.append(contato)
    return _Grade("Tomador de serviços", linhas)


def _intermediario(decl: etree._Element | None) -> list[_Grade]:
    inter = _achar(decl, "Intermediario")
    if inter is None:
        inter = _achar(decl, "IntermediarioServico")  # 2.01/2.02
    if inter is None:
        return []
    ident = _achar(inter, "IdentificacaoIntermediario")
    if ident is None:
        ident = inter
    rotulo, documento = _documento(ident)
    return [_Grade("Intermediário de serviços", [[
        _Campo(rotulo, documento, 1.3),
        _Campo("Inscrição municipal", _texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        _Campo("Razão social", _texto(inter, "RazaoSocial") or AUSENTE, 2.5),
        _Campo("Município", _municipio(_texto(inter, "CodigoMunicipio")), 1.0),
    ]])]


def _servico(inf: etree._Element, decl: etree._Element | None) -> _Grade:
    servico = _achar(decl, "Servico")
    codigo_municipio = _texto(servico, "CodigoTributacaoMunicipio")
    descricao = _texto(inf, "DescricaoCodigoTributacaoMunicípio")
    if codigo_municipio and descricao:
        codigo_municipio = f"{codigo_municipio} - {descricao}"
    primeira = [
        _Campo("Item da lista de serviços (LC 116/2003)",
               _item_lista(_texto(servico, "ItemListaServico")), 3.2),
        _Campo("Código de tributação do município", codigo_municipio or AUSENTE, 1.8),
    ]
    cnae = _texto(servico, "CodigoCnae")
    if cnae:
        primeira.append(_Campo("CNAE", cnae, 0.8))
    pais = _texto(servico, "CodigoPais")
    segunda = [
        _Campo("Município da prestação",
               _municipio(_texto(servico, "CodigoMunicipio")) if not pais
               else f"Exterior (país {pais})", 1.4),
        _Campo("Exigibilidade do ISS",
               EXIGIBILIDADE.get(_texto(servico, "ExigibilidadeISS") or "", AUSENTE), 1.4),
        _Campo("Município de incidência", _municipio(_texto(servico, "MunicipioIncidencia")),
               1.4),
    ]
    processo = _texto(servico, "NumeroProcesso")
    if processo:
        segunda.append(_Campo("Processo de suspensão", processo, 1.2))
    obra = _achar(decl, "ConstrucaoCivil")
    linhas = [primeira, segunda]
    if obra is not None:
        linhas.append([_Campo("Código da obra", _texto(obra, "CodigoObra") or AUSENTE),
                       _Campo("ART", _texto(obra, "Art") or AUSENTE)])
    return _Grade("Serviço", linhas)


def _valores(inf: etree._Element, decl: etree._Element | None) -> _Grade:
    """The authority's figures (``ValoresNfse``) first, the declaration's when absent."""
    declarados = _achar(decl, "Servico/Valores")
    nfse = _achar(inf, "ValoresNfse")

    def declarado(tag: str) -> Decimal | None:
        return _decimal(declarados, tag)

    base = _primeiro(_decimal(nfse, "BaseCalculo"), declarado("ValorServicos"))
    iss = _primeiro(_decimal(nfse, "ValorIss"), declarado("ValorIss"))
    aliquota = _primeiro(_decimal(nfse, "Aliquota"), declarado("Aliquota"))
    retido = _texto(decl, "Servico/IssRetido")
    iss_retido = _sim_nao(retido)
    responsavel = RESPONSAVEL_RETENCAO.get(_texto(decl, "Servico/ResponsavelRetencao") or "")
    if retido == "1" and responsavel:
        iss_retido += f" ({responsavel})"
    zero = Decimal("0.00")

    def opcional(tag: str) -> str:
        return _fmt_reais(_primeiro(declarado(tag), zero))

    return _Grade("Valores", [
        [
            _Campo("Valor dos serviços", _fmt_reais(declarado("ValorServicos")), 1.0, True, "R"),
            _Campo("Deduções", opcional("ValorDeducoes"), alinhamento="R"),
            _Campo("Desconto incondicionado", opcional("DescontoIncondicionado"),
                   alinhamento="R"),
            _Campo("Desconto condicionado", opcional("DescontoCondicionado"), alinhamento="R"),
            _Campo("Base de cálculo", _fmt_reais(base), alinhamento="R"),
        ],
        [
            _Campo("Alíquota do ISS", _aliquota(aliquota, base, iss), alinhamento="R"),
            _Campo("Valor do ISS", _fmt_reais(iss), alinhamento="R"),
            _Campo("ISS retido", iss_retido, alinhamento="R"),
            _Campo("Tributos aproximados", _fmt_reais(declarado("ValTotTributos")),
                   alinhamento="R"),
            _Campo("Valor líquido da NFS-e",
                   _fmt_reais(_primeiro(_decimal(nfse, "ValorLiquidoNfse"),
                                        declarado("ValorServicos"))), 1.0, True, "R"),
        ],
        [
            _Campo("Retenção PIS", opcional("ValorPis"), alinhamento="R"),
            _Campo("Retenção COFINS", opcional("ValorCofins"), alinhamento="R"),
            _Campo("Retenção INSS", opcional("ValorInss"), alinhamento="R"),
            _Campo("Retenção IR", opcional("ValorIr"), alinhamento="R"),
            _Campo("Retenção CSLL", opcional("ValorCsll"), alinhamento="R"),
            _Campo("Outras retenções", opcional("OutrasRetencoes"), alinhamento="R"),
        ],
    ])


def _outras_informacoes(inf: etree._Element, decl: etree._Element | None) -> str | None:
    partes = [_texto_multilinha(_texto_bruto(inf, "OutrasInformacoes")),
              _texto_multilinha(_texto_bruto(decl, "InformacoesComplementares"))]
    return "\n".join(p for p in partes if p) or None


def _faixa_cancelada(cancelamento: etree._Element | None) -> str:
    texto = "NFS-e CANCELADA"
    quando = _data_hora(_texto(cancelamento, "Confirmacao/DataHora"))
    if quando:
        texto += f" em {_fmt_data_hora(quando)}"
    motivo = MOTIVO_CANCELAMENTO.get(
        _texto(cancelamento, "Confirmacao/Pedido/InfPedidoCancelamento/CodigoCancelamento")
        or "")
    if motivo:
        texto += f" (motivo: {motivo})"
    return texto + " - sem validade fiscal"


def _rodape(municipio: str) -> str:
    prefeitura = "da prefeitura" if municipio == AUSENTE else f"da prefeitura ({municipio})"
    return ("Representação gráfica de NFS-e emitida no padrão ABRASF. Confira a autenticidade "
            f"no sistema {prefeitura} com o número e o código de verificação.")


# --- the page -----------------------------------------------------------------------------


class _Pagina:
    """One A4 page, laid out top-down: every block is measured before anything is drawn, so
    the free texts can take exactly the space left."""

    def __init__(self) -> None:
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.core_fonts_encoding = "cp1252"
        pdf.set_margins(MARGEM, MARGEM, MARGEM)
        pdf.set_auto_page_break(False)
        pdf.c_margin = 1.0
        pdf.set_draw_color(*COR_BORDA)
        pdf.set_line_width(0.2)
        pdf.add_page()
        self.fpdf = pdf

    def pdf(self) -> bytes:
        return bytes(self.fpdf.output())

    def metadados(self, numero: str, prestador: str | None, emissao: datetime | None) -> None:
        self.fpdf.set_title(_cp1252(f"NFS-e nº {numero}"))
        if prestador:
            self.fpdf.set_author(_cp1252(prestador))
        self.fpdf.set_creator("nfse-gateway")
        self.fpdf.set_lang("pt-BR")
        # the emission date rather than now: the same note always renders the same bytes
        self.fpdf.set_creation_date(emissao or datetime(2000, 1, 1, tzinfo=FUSO))

    # --- composition ---

    def compor(self, cabecalho: _Cabecalho,
               faixas: Sequence[_Faixa],
               antes: Sequence[_Grade], discriminacao: str, depois: Sequence[_Grade],
               outras: str | None, rodape: str) -> None:
        """Draw everything; the discriminação takes what the other blocks leave."""
        fixo = (self._altura_cabecalho(cabecalho) + ESPACO
                + sum(7.0 + ESPACO for _ in faixas)
                + sum(self._altura_grade(g) + ESPACO for g in (*antes, *depois))
                + TITULO_BLOCO_H + ESPACO + RODAPE_H)
        livre = FIM_UTIL - MARGEM - fixo
        texto_outras: tuple[float, list[str]] | None = None
        if outras:
            # at most a third of the free space, never more than it needs
            texto_outras = self._ajustar(outras, max(livre / 3 - TITULO_BLOCO_H, 8.0))
            livre -= TITULO_BLOCO_H + self._altura_texto(*texto_outras) + ESPACO
        texto_disc = self._ajustar(discriminacao, max(livre, 10.0))

        y = self._cabecalho(cabecalho, MARGEM) + ESPACO
        for texto, fundo, cor in faixas:
            y = self._faixa(texto, fundo, cor, y) + ESPACO
        for grade in antes:
            y = self._grade(grade, y) + ESPACO
        y = self._bloco_texto("Discriminação do serviço", texto_disc, y,
                              altura=max(livre, self._altura_texto(*texto_disc))) + ESPACO
        for grade in depois:
            y = self._grade(grade, y) + ESPACO
        if texto_outras:
            y = self._bloco_texto("Outras informações", texto_outras, y) + ESPACO
        self._rodape(rodape)

    def marca_dagua(self, texto: str) -> None:
        """Large diagonal text across the page, translucent so the note stays readable."""
        pdf = self.fpdf
        with pdf.local_context(fill_opacity=0.22, text_color=COR_MARCA):
            pdf.set_font("helvetica", "B", 96)
            largura = pdf.get_string_width(texto)
            centro_x, centro_y = pdf.w / 2, pdf.h / 2
            with pdf.rotation(angle=55, x=centro_x, y=centro_y):
                pdf.text(centro_x - largura / 2, centro_y + 12, texto)

    # --- measuring ---

    def _larguras(self, campos: Sequence[_Campo], largura: float = LARGURA) -> list[float]:
        total = sum(c.peso for c in campos)
        return [largura * c.peso / total for c in campos]

    def _linhas(self, texto: str, largura: float, tamanho: float, estilo: str = "") -> list[str]:
        """``texto`` wrapped to ``largura`` at ``tamanho`` pt.

        fpdf2 returns the wrapped lines in its internal encoding (cp1252 bytes read as
        latin-1); they are decoded back so they can be drawn again."""
        pdf = self.fpdf
        pdf.set_font("helvetica", estilo, tamanho)
        linhas = pdf.multi_cell(largura, _entrelinha(tamanho), _cp1252(texto), dry_run=True,
                                output=MethodReturnValue.LINES)
        return [linha.encode("latin-1").decode("cp1252") for linha in linhas] or [""]

    def _altura_linha(self, campos: Sequence[_Campo]) -> float:
        alturas = [
            len(self._linhas(c.valor, w, _tamanho_valor(c), "B" if c.destaque else ""))
            * _entrelinha(_tamanho_valor(c))
            for c, w in zip(campos, self._larguras(campos), strict=True)
        ]
        return ROTULO_H + max(alturas) + FOLGA_CELULA

    def _altura_grade(self, grade: _Grade) -> float:
        return TITULO_BLOCO_H + sum(self._altura_linha(linha) for linha in grade.linhas)

    def _altura_cabecalho(self, cabecalho: _Cabecalho) -> float:
        return 20.0 + self._altura_linha(cabecalho.campos)

    @staticmethod
    def _altura_texto(tamanho: float, linhas: list[str]) -> float:
        return len(linhas) * _entrelinha(tamanho) + 2 * FOLGA_CELULA

    def _ajustar(self, texto: str, altura: float) -> tuple[float, list[str]]:
        """The largest size at which ``texto`` fits ``altura``; at the smallest, the lines
        that fit and a notice that the rest is in the XML."""
        largura = LARGURA
        for tamanho in TEXTO_PT:
            linhas = self._linhas(texto, largura, tamanho)
            if self._altura_texto(tamanho, linhas) <= altura:
                return tamanho, linhas
        tamanho = TEXTO_PT[-1]
        cabem = max(int((altura - 2 * FOLGA_CELULA) / _entrelinha(tamanho)), 2)
        aviso = self._linhas(TRUNCADO, largura, tamanho)
        return tamanho, linhas[:max(cabem - len(aviso), 0)] + aviso

    # --- drawing ---

    def _cabecalho(self, cabecalho: _Cabecalho, y: float) -> float:
        pdf = self.fpdf
        altura_topo = 20.0
        largura_numero = 42.0
        pdf.rect(MARGEM, y, LARGURA, altura_topo)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("helvetica", "B", 14)
        pdf.set_xy(MARGEM + 1, y + 2.5)
        pdf.cell(LARGURA - largura_numero - 2, 7, _cp1252(TITULO))
        pdf.set_font("helvetica", "", 10)
        pdf.set_xy(MARGEM + 1, y + 10.5)
        prefeitura = "Prefeitura Municipal"
        if cabecalho.municipio != AUSENTE:
            prefeitura += f" de {cabecalho.municipio}"
        pdf.cell(LARGURA - largura_numero - 2, 6, _cp1252(prefeitura))
        x_numero = MARGEM + LARGURA - largura_numero
        pdf.line(x_numero, y, x_numero, y + altura_topo)
        self._rotulo("Número da NFS-e", x_numero, y, largura_numero)
        pdf.set_font("helvetica", "B", 17)
        pdf.set_xy(x_numero, y + 6)
        pdf.cell(largura_numero, 10, _cp1252(cabecalho.numero), align="C")
        return self._linha_campos(cabecalho.campos, y + altura_topo)

    def _faixa(self, texto: str, fundo: Cor, cor: Cor, y: float) -> float:
        pdf = self.fpdf
        pdf.set_fill_color(*fundo)
        pdf.set_text_color(*cor)
        pdf.set_font("helvetica", "B", 10)
        pdf.set_xy(MARGEM, y)
        pdf.cell(LARGURA, 7, _cp1252(texto), border=1, align="C", fill=True)
        pdf.set_text_color(0, 0, 0)
        return y + 7

    def _titulo_bloco(self, titulo: str, y: float) -> float:
        pdf = self.fpdf
        pdf.set_fill_color(*COR_TITULO_BLOCO)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("helvetica", "B", 7.5)
        pdf.set_xy(MARGEM, y)
        pdf.cell(LARGURA, TITULO_BLOCO_H, _cp1252(titulo.upper()), border=1, fill=True)
        return y + TITULO_BLOCO_H

    def _grade(self, grade: _Grade, y: float) -> float:
        y = self._titulo_bloco(grade.titulo, y)
        for linha in grade.linhas:
            y = self._linha_campos(linha, y)
        return y

    def _linha_campos(self, campos: Sequence[_Campo], y: float) -> float:
        pdf = self.fpdf
        altura = self._altura_linha(campos)
        x = MARGEM
        for campo, largura in zip(campos, self._larguras(campos), strict=True):
            if campo.destaque:
                pdf.set_fill_color(*COR_DESTAQUE)
                pdf.rect(x, y, largura, altura, style="DF")
            else:
                pdf.rect(x, y, largura, altura)
            self._rotulo(campo.rotulo, x, y, largura)
            tamanho = _tamanho_valor(campo)
            estilo = "B" if campo.destaque else ""
            pdf.set_text_color(0, 0, 0)
            pdf.set_xy(x, y + ROTULO_H)
            for linha in self._linhas(campo.valor, largura, tamanho, estilo):
                pdf.set_font("helvetica", estilo, tamanho)
                pdf.set_x(x)
                pdf.cell(largura, _entrelinha(tamanho), linha, align=campo.alinhamento,
                         new_x="LEFT", new_y="NEXT")
            x += largura
        return y + altura

    def _rotulo(self, rotulo: str, x: float, y: float, largura: float) -> None:
        pdf = self.fpdf
        pdf.set_font("helvetica", "", ROTULO_PT)
        pdf.set_text_color(*COR_ROTULO)
        pdf.set_xy(x, y + 0.4)
        pdf.cell(largura, ROTULO_H - 0.4, _cp1252(rotulo))
        pdf.set_text_color(0, 0, 0)

    def _bloco_texto(self, titulo: str, texto: tuple[float, list[str]], y: float,
                     altura: float | None = None) -> float:
        pdf = self.fpdf
        tamanho, linhas = texto
        y = self._titulo_bloco(titulo, y)
        altura = altura if altura is not None else self._altura_texto(tamanho, linhas)
        pdf.rect(MARGEM, y, LARGURA, altura)
        pdf.set_font("helvetica", "", tamanho)
        pdf.set_text_color(0, 0, 0)
        pdf.set_xy(MARGEM, y + FOLGA_CELULA)
        for linha in linhas:
            pdf.set_x(MARGEM)
            pdf.cell(LARGURA, _entrelinha(tamanho), linha, new_x="LEFT", new_y="NEXT")
        return y + altura

    def _rodape(self, texto: str) -> None:
        pdf = self.fpdf
        pdf.set_font("helvetica", "", 6.5)
        pdf.set_text_color(*COR_ROTULO)
        pdf.set_xy(MARGEM, FIM_UTIL - RODAPE_H + 1)
        pdf.multi_cell(LARGURA, 2.8, _cp1252(texto), align="C")
        pdf.set_text_color(0, 0, 0)


def _entrelinha(tamanho: float) -> float:
    """Line height in mm for a size in pt (1.25 × the size)."""
    return tamanho * 0.3528 * 1.25


def _tamanho_valor(campo: _Campo) -> float:
    return VALOR_PT + 0.5 if campo.destaque else VALOR_PT
