"""What the page of an ABRASF 2.04 note shows, read from its ``CompNfse``: the header, the
parties (``abrasf_partes``), the service, the values, the free texts and the
cancellation/substitution status.

Every element but ``Nfse/InfNfse`` may be absent: it is then shown as "-" or left out.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lxml import etree

from nfse.model import formato
from nfse.municipios import servicos
from nfse.visualizacao.abrasf_conteudo import (
    AUSENTE,
    Cabecalho,
    Campo,
    Conteudo,
    Grade,
    campo_data,
    campo_data_hora,
    campo_reais,
    municipio,
    sim_nao,
)
from nfse.visualizacao.abrasf_partes import intermediario, prestador, tomador
from nfse.visualizacao.abrasf_xml import (
    achar,
    data_hora,
    decimal,
    ler_comp_nfse,
    primeiro,
    texto,
    texto_bruto,
    texto_multilinha,
)

EXIGIBILIDADE = {
    "1": "Exigível", "2": "Não incidência", "3": "Isenção", "4": "Exportação",
    "5": "Imunidade", "6": "Suspensa por decisão judicial",
    "7": "Suspensa por processo administrativo",
}
MOTIVO_CANCELAMENTO = {
    "1": "erro na emissão", "2": "serviço não prestado", "3": "erro de assinatura",
    "4": "duplicidade da nota", "5": "erro de processamento",
}
RESPONSAVEL_RETENCAO = {"1": "tomador", "2": "intermediário"}


def ler_nota(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the ``CompNfse`` in ``xml``. The note is shown as cancelled when
    ``cancelada`` (the gateway knows it) or when the XML carries its ``NfseCancelamento``."""
    comp, inf = ler_comp_nfse(xml)
    cancelamento = achar(comp, "NfseCancelamento")
    substituidora = texto(comp, "NfseSubstituicao/SubstituicaoNfse/NfseSubstituidora")
    decl = achar(inf, "DeclaracaoPrestacaoServico/InfDeclaracaoPrestacaoServico")

    numero = texto(inf, "Numero") or AUSENTE
    emissao = data_hora(inf, "DataEmissao")
    cabecalho = Cabecalho(
        municipio=_municipio_gerador(inf, decl),
        numero=numero,
        campos=_identificacao(inf, decl, emissao),
    )
    return Conteudo(
        numero=numero,
        prestador=texto(inf, "PrestadorServico/RazaoSocial"),
        emissao=emissao,
        cabecalho=cabecalho,
        cancelada=(_faixa_cancelada(cancelamento)
                   if cancelada or cancelamento is not None else None),
        substituida=(f"NFS-e SUBSTITUÍDA pela NFS-e nº {substituidora}"
                     if substituidora else None),
        antes=[prestador(inf, decl), tomador(decl), *intermediario(decl), _servico(inf, decl)],
        discriminacao=texto_multilinha(texto_bruto(decl, "Servico/Discriminacao")) or AUSENTE,
        depois=[_valores(inf, decl)],
        outras=_outras_informacoes(inf, decl),
        rodape=_rodape(cabecalho.municipio),
    )


# --- the header ---------------------------------------------------------------------------


def _municipio_gerador(inf: etree._Element, decl: etree._Element | None) -> str:
    codigo = (texto(inf, "OrgaoGerador/CodigoMunicipio")
              or texto(inf, "PrestadorServico/Endereco/CodigoMunicipio")
              or texto(decl, "Servico/CodigoMunicipio"))
    return municipio(codigo, texto(inf, "OrgaoGerador/Uf"))


def _identificacao(inf: etree._Element, decl: etree._Element | None,
                   emissao: datetime | None) -> list[Campo]:
    rps = achar(decl, "Rps/IdentificacaoRps")
    rps_numero = texto(rps, "Numero")
    rps_serie = texto(rps, "Serie")
    rps_texto = AUSENTE
    if rps_numero:
        rps_texto = f"{rps_numero} / {rps_serie}" if rps_serie else rps_numero
    campos = [
        Campo("Data e hora de emissão", campo_data_hora(emissao)),
        Campo("Competência", campo_data(texto(decl, "Competencia"))),
        Campo("Código de verificação", texto(inf, "CodigoVerificacao") or AUSENTE,
              destaque=True),
        Campo("RPS (número / série)", rps_texto),
    ]
    substituida = texto(inf, "NfseSubstituida")
    if substituida:
        campos.append(Campo("Substitui a NFS-e nº", substituida))
    return campos


# --- the service and its values -----------------------------------------------------------


def _servico(inf: etree._Element, decl: etree._Element | None) -> Grade:
    servico = achar(decl, "Servico")
    codigo_municipio = texto(servico, "CodigoTributacaoMunicipio")
    descricao = texto(inf, "DescricaoCodigoTributacaoMunicípio")
    if codigo_municipio and descricao:
        codigo_municipio = f"{codigo_municipio} - {descricao}"
    primeira = [
        Campo("Item da lista de serviços (LC 116/2003)",
              _item_lista(texto(servico, "ItemListaServico")), 3.2),
        Campo("Código de tributação do município", codigo_municipio or AUSENTE, 1.8),
    ]
    cnae = texto(servico, "CodigoCnae")
    if cnae:
        primeira.append(Campo("CNAE", cnae, 0.8))
    pais = texto(servico, "CodigoPais")
    segunda = [
        Campo("Município da prestação",
              municipio(texto(servico, "CodigoMunicipio")) if not pais
              else f"Exterior (país {pais})", 1.4),
        Campo("Exigibilidade do ISS",
              EXIGIBILIDADE.get(texto(servico, "ExigibilidadeISS") or "", AUSENTE), 1.4),
        Campo("Município de incidência", municipio(texto(servico, "MunicipioIncidencia")),
              1.4),
    ]
    processo = texto(servico, "NumeroProcesso")
    if processo:
        segunda.append(Campo("Processo de suspensão", processo, 1.2))
    obra = achar(decl, "ConstrucaoCivil")
    linhas = [primeira, segunda]
    if obra is not None:
        linhas.append([Campo("Código da obra", texto(obra, "CodigoObra") or AUSENTE),
                       Campo("ART", texto(obra, "Art") or AUSENTE)])
    return Grade("Serviço", linhas)


def _valores(inf: etree._Element, decl: etree._Element | None) -> Grade:
    """The authority's figures (``ValoresNfse``) first, the declaration's when absent."""
    declarados = achar(decl, "Servico/Valores")
    nfse = achar(inf, "ValoresNfse")

    def declarado(tag: str) -> Decimal | None:
        return decimal(declarados, tag)

    base = primeiro(decimal(nfse, "BaseCalculo"), declarado("ValorServicos"))
    iss = primeiro(decimal(nfse, "ValorIss"), declarado("ValorIss"))
    aliquota = primeiro(decimal(nfse, "Aliquota"), declarado("Aliquota"))
    retido = texto(decl, "Servico/IssRetido")
    iss_retido = sim_nao(retido)
    responsavel = RESPONSAVEL_RETENCAO.get(texto(decl, "Servico/ResponsavelRetencao") or "")
    if retido == "1" and responsavel:
        iss_retido += f" ({responsavel})"
    zero = Decimal("0.00")

    def opcional(tag: str) -> str:
        return campo_reais(primeiro(declarado(tag), zero))

    return Grade("Valores", [
        [
            Campo("Valor dos serviços", campo_reais(declarado("ValorServicos")), 1.0, True, "R"),
            Campo("Deduções", opcional("ValorDeducoes"), alinhamento="R"),
            Campo("Desconto incondicionado", opcional("DescontoIncondicionado"),
                  alinhamento="R"),
            Campo("Desconto condicionado", opcional("DescontoCondicionado"), alinhamento="R"),
            Campo("Base de cálculo", campo_reais(base), alinhamento="R"),
        ],
        [
            Campo("Alíquota do ISS", _aliquota(aliquota, base, iss), alinhamento="R"),
            Campo("Valor do ISS", campo_reais(iss), alinhamento="R"),
            Campo("ISS retido", iss_retido, alinhamento="R"),
            Campo("Tributos aproximados", campo_reais(declarado("ValTotTributos")),
                  alinhamento="R"),
            Campo("Valor líquido da NFS-e",
                  campo_reais(primeiro(decimal(nfse, "ValorLiquidoNfse"),
                                  declarado("ValorServicos"))), 1.0, True, "R"),
        ],
        [
            Campo("Retenção PIS", opcional("ValorPis"), alinhamento="R"),
            Campo("Retenção COFINS", opcional("ValorCofins"), alinhamento="R"),
            Campo("Retenção INSS", opcional("ValorInss"), alinhamento="R"),
            Campo("Retenção IR", opcional("ValorIr"), alinhamento="R"),
            Campo("Retenção CSLL", opcional("ValorCsll"), alinhamento="R"),
            Campo("Outras retenções", opcional("OutrasRetencoes"), alinhamento="R"),
        ],
    ])


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
    return formato.percentual(aliquota)


def _item_lista(codigo: str | None) -> str:
    """``01.07 - Suporte técnico em informática...`` when the item is in LC 116."""
    if not codigo:
        return AUSENTE
    item = servicos.item(codigo)
    return f"{item.codigo} - {item.descricao}" if item else codigo


# --- the free texts and the status --------------------------------------------------------


def _outras_informacoes(inf: etree._Element, decl: etree._Element | None) -> str | None:
    partes = [texto_multilinha(texto_bruto(inf, "OutrasInformacoes")),
              texto_multilinha(texto_bruto(decl, "InformacoesComplementares"))]
    return "\n".join(p for p in partes if p) or None


def _faixa_cancelada(cancelamento: etree._Element | None) -> str:
    faixa = "NFS-e CANCELADA"
    quando = data_hora(cancelamento, "Confirmacao/DataHora")
    if quando:
        faixa += f" em {campo_data_hora(quando)}"
    motivo = MOTIVO_CANCELAMENTO.get(
        texto(cancelamento, "Confirmacao/Pedido/InfPedidoCancelamento/CodigoCancelamento")
        or "")
    if motivo:
        faixa += f" (motivo: {motivo})"
    return faixa + " - sem validade fiscal"


def _rodape(gerador: str) -> str:
    prefeitura = "da prefeitura" if gerador == AUSENTE else f"da prefeitura ({gerador})"
    return ("Representação gráfica de NFS-e emitida no padrão ABRASF. Confira a autenticidade "
            f"no sistema {prefeitura} com o número e o código de verificação.")
