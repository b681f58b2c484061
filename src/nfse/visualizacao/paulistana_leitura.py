"""What the page of a São Paulo note (NFS-e Paulistana, layouts 1 and 2) shows, read from its
``NFe`` (``tpNFe`` of ``TiposNFe_v01.xsd`` or ``_v02.xsd``): the note's key and verification
code, the RPS, prestador, tomador, intermediário, the service (in layout 2 also its NBS, place
of provision and IBS/CBS classification), the values and the cancellation. A layout-2 RPS has
no ``ValorServicos``: its value is the ``ValorFinalCobrado`` (or ``ValorInicialCobrado``).

The provider keeps the ``NFe`` as ``ConsultaNFe`` answers it; when that query failed right
after the emission it keeps the ``RetornoEnvioRPS`` instead, which carries only the note's
and the RPS's keys. The page then shows those keys with the RPS the Prefeitura accepted for
them (read from the emission's request, ``pedido``: tomador, service, values), and says so;
without the request, every other field is absent ("-") and the page says where the rest is.
Elements are matched in any namespace (or none), as the answers come.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from lxml import etree

from nfse.model import formato
from nfse.model.formato import cep, cpf_cnpj
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
)
from nfse.visualizacao.abrasf_xml import (
    achar,
    data_hora,
    decimal,
    texto,
    texto_bruto,
    texto_multilinha,
)
from nfse.xml import seguro

SAO_PAULO = "3550308"

TRIBUTACAO = {
    "T": "Tributado em São Paulo", "F": "Tributado fora de São Paulo",
    "A": "Tributado em São Paulo, isento", "B": "Tributado fora de São Paulo, isento",
    "M": "Tributado em São Paulo, imune", "N": "Tributado fora de São Paulo, imune",
    "X": "Tributado em São Paulo, exigibilidade suspensa", "P": "Exportação de serviços",
}
OPCAO_SIMPLES = {
    "0": "Não optante", "1": "Simples Federal (1,0%)", "2": "Simples Federal (0,5%)",
    "3": "Simples Municipal",
}
SO_A_CHAVE = ("A Prefeitura de São Paulo não devolveu os dados da NFS-e ao emiti-la; o "
              "conteúdo completo está na consulta da nota no sistema da Prefeitura.")
DO_RPS = ("Dados do RPS aceito pela Prefeitura de São Paulo para esta NFS-e (ela não devolveu "
          "a nota ao emiti-la); o valor do ISS e a nota completa estão na consulta da nota no "
          "sistema da Prefeitura.")


def ler_nfe(xml: bytes, cancelada: bool = False,
            pedido: Callable[[], bytes | None] | None = None) -> Conteudo:
    """The page of the ``NFe`` (or ``RetornoEnvioRPS``) in ``xml``. The note is shown as
    cancelled when ``cancelada`` (the gateway knows it) or its ``StatusNFe`` is ``C``.
    ``pedido`` reads the SOAP request of the emission; called only for a
    ``RetornoEnvioRPS``."""
    root = seguro.ler(xml)
    completa = etree.QName(root).localname == "NFe"
    chave = achar(root, "ChaveNFe") if completa else achar(root, "ChaveNFeRPS/ChaveNFe")
    if chave is None:
        raise ValueError("XML sem ChaveNFe: não é uma NFS-e Paulistana")
    chave_rps = achar(root, "ChaveRPS") if completa else achar(root, "ChaveNFeRPS/ChaveRPS")
    dados = root if completa else _rps_aceito(pedido() if pedido else None, chave_rps)
    numero = texto(chave, "NumeroNFe") or AUSENTE
    cabecalho = Cabecalho(municipio=municipio(SAO_PAULO), numero=numero,
                          campos=_identificacao(root, dados, chave, chave_rps))
    if dados is None:
        antes, discriminacao, depois, outras = [_prestador(root, chave)], SO_A_CHAVE, [], None
    else:
        antes = [_prestador(dados, chave), _tomador(dados), *_intermediario(dados),
                 _servico(dados)]
        discriminacao = texto_multilinha(texto_bruto(dados, "Discriminacao")) or AUSENTE
        depois = [_valores(dados)]
        outras = _outras(root) if completa else DO_RPS
    return Conteudo(
        numero=numero,
        prestador=texto(root, "RazaoSocialPrestador"),
        emissao=data_hora(root, "DataEmissaoNFe"),
        cabecalho=cabecalho,
        cancelada=(_faixa_cancelada(root)
                   if cancelada or texto(root, "StatusNFe") == "C" else None),
        substituida=None,
        antes=antes,
        discriminacao=discriminacao,
        depois=depois,
        outras=outras,
        rodape=("Representação gráfica de NFS-e emitida pela Prefeitura de São Paulo (NFS-e "
                "Paulistana). Confira a autenticidade no sistema da Prefeitura com a "
                "inscrição do prestador, o número e o código de verificação."),
    )


def _rps_aceito(pedido: bytes | None, chave_rps: etree._Element | None
                ) -> etree._Element | None:
    """The ``RPS`` of ``chave_rps`` in the emission's SOAP request (its ``MensagemXML``, a
    ``PedidoEnvioRPS`` or ``PedidoEnvioLoteRPS``), with the request's ``Cabecalho`` as its
    ``CPFCNPJPrestador``; None when there is no such request or RPS."""
    if pedido is None or chave_rps is None:
        return None
    try:
        campo = next(seguro.ler(pedido).iter("{*}MensagemXML"), None)
        if campo is None or not campo.text:
            return None
        documento = seguro.ler(campo.text)
    except etree.XMLSyntaxError:
        return None
    for rps in documento.iter("{*}RPS"):
        if all(texto(rps, f"ChaveRPS/{tag}") == texto(chave_rps, tag)
               for tag in ("InscricaoPrestador", "SerieRPS", "NumeroRPS")):
            remetente = achar(documento, "Cabecalho/CPFCNPJRemetente")
            if remetente is not None and achar(rps, "CPFCNPJPrestador") is None:
                prestador = etree.SubElement(rps, "CPFCNPJPrestador")
                prestador.extend(list(remetente))
            return rps
    return None


def _identificacao(root: etree._Element, dados: etree._Element | None,
                   chave: etree._Element | None,
                   chave_rps: etree._Element | None) -> list[Campo]:
    rps = AUSENTE
    rps_numero = texto(chave_rps, "NumeroRPS")
    if rps_numero:
        serie = texto(chave_rps, "SerieRPS")
        rps = f"{rps_numero} / {serie}" if serie else rps_numero
        tipo = texto(dados, "TipoRPS")
        if tipo and tipo != "RPS":
            rps += f" ({tipo})"
    return [
        Campo("Data e hora de emissão", campo_data_hora(data_hora(root, "DataEmissaoNFe"))),
        Campo("Data do RPS", campo_data(texto(dados, "DataEmissaoRPS")
                                        or texto(dados, "DataEmissao"))),
        Campo("Código de verificação", texto(chave, "CodigoVerificacao") or AUSENTE,
              destaque=True),
        Campo("RPS (número / série)", rps),
    ]


# --- the parties --------------------------------------------------------------------------


def _documento(element: etree._Element | None, path: str) -> tuple[str, str]:
    """``(label, formatted number)`` of a ``tpCPFCNPJ``."""
    for tag, rotulo in (("CNPJ", "CNPJ"), ("CPF", "CPF")):
        numero = texto(element, f"{path}/{tag}")
        if numero:
            return rotulo, cpf_cnpj(numero)
    return "CPF/CNPJ", "Não informado"


def _endereco(endereco: etree._Element | None) -> list[Campo]:
    """The street line, city/UF and CEP of a ``tpEndereco``."""
    linha = AUSENTE
    if endereco is not None:
        rua = " ".join(p for p in (texto(endereco, "TipoLogradouro"),
                                   texto(endereco, "Logradouro")) if p)
        partes = [rua, texto(endereco, "NumeroEndereco"), texto(endereco, "ComplementoEndereco"),
                  texto(endereco, "Bairro")]
        linha = ", ".join(p for p in partes if p) or AUSENTE
    numero_cep = texto(endereco, "CEP")
    cidade = texto(endereco, "Cidade")
    uf = texto(endereco, "UF")
    return [Campo("Endereço", linha, 3.0),
            Campo("Município", municipio(cidade, uf) if cidade or uf else AUSENTE, 1.3),
            Campo("CEP", cep(numero_cep.zfill(8)) if numero_cep else AUSENTE, 0.7)]


def _prestador(root: etree._Element, chave: etree._Element | None) -> Grade:
    rotulo, documento = _documento(root, "CPFCNPJPrestador")
    linhas = [
        [Campo(rotulo, documento, 1.3),
         Campo("Inscrição municipal (CCM)", texto(chave, "InscricaoPrestador") or AUSENTE, 1.2),
         Campo("Opção pelo Simples", OPCAO_SIMPLES.get(texto(root, "OpcaoSimples") or "",
                                                      AUSENTE), 1.5)],
        [Campo("Razão social", texto(root, "RazaoSocialPrestador") or AUSENTE, 3.0),
         Campo("E-mail", texto(root, "EmailPrestador") or AUSENTE, 2.0)],
    ]
    endereco = achar(root, "EnderecoPrestador")
    if endereco is not None and len(endereco):
        linhas.append(_endereco(endereco))
    return Grade("Prestador de serviços", linhas)


def _tomador(root: etree._Element) -> Grade:
    nome = texto(root, "RazaoSocialTomador")
    if achar(root, "CPFCNPJTomador") is None and not nome:
        return Grade("Tomador de serviços", [[Campo("Tomador", "Tomador não identificado")]])
    rotulo, documento = _documento(root, "CPFCNPJTomador")
    linhas = [
        [Campo(rotulo, documento, 1.3),
         Campo("Inscrição municipal", texto(root, "InscricaoMunicipalTomador") or AUSENTE, 1.0),
         Campo("Inscrição estadual", texto(root, "InscricaoEstadualTomador") or AUSENTE, 1.0),
         Campo("E-mail", texto(root, "EmailTomador") or AUSENTE, 2.0)],
        [Campo("Razão social", nome or AUSENTE)],
        _endereco(achar(root, "EnderecoTomador")),
    ]
    return Grade("Tomador de serviços", linhas)


def _intermediario(root: etree._Element) -> list[Grade]:
    if achar(root, "CPFCNPJIntermediario") is None:
        return []
    rotulo, documento = _documento(root, "CPFCNPJIntermediario")
    retido = texto(root, "ISSRetidoIntermediario")
    return [Grade("Intermediário de serviços", [[
        Campo(rotulo, documento, 1.3),
        Campo("Inscrição municipal", texto(root, "InscricaoMunicipalIntermediario")
              or AUSENTE, 1.2),
        Campo("ISS retido pelo intermediário", _sim_nao(retido), 1.2),
        Campo("E-mail", texto(root, "EmailIntermediario") or AUSENTE, 2.0),
    ]])]


# --- the service and its values -----------------------------------------------------------


def _servico(root: etree._Element) -> Grade:
    tributacao = texto(root, "TributacaoNFe") or texto(root, "TributacaoRPS")
    descricao = TRIBUTACAO.get(tributacao or "")
    primeira = [
        Campo("Código do serviço", texto(root, "CodigoServico") or AUSENTE, 1.0),
        Campo("Tributação", f"{tributacao} - {descricao}" if descricao
              else tributacao or AUSENTE, 2.2),
        Campo("Município da prestação", municipio(texto(root, "MunicipioPrestacao")
                                                  or texto(root, "cLocPrestacao")), 1.4),
    ]
    linhas = [primeira]
    reforma = [Campo(rotulo, valor) for rotulo, valor in (
        ("NBS", texto(root, "NBS")),
        ("Indicador da operação (IBS/CBS)", texto(root, "IBSCBS/cIndOp")),
        ("Classificação tributária (IBS/CBS)",
         texto(root, "IBSCBS/valores/trib/gIBSCBS/cClassTrib")),
        ("País da prestação", texto(root, "cPaisPrestacao")),
    ) if valor]
    if reforma:
        linhas.append(reforma)
    extras = [Campo(rotulo, valor) for rotulo, valor in (
        ("Código CEI", texto(root, "CodigoCEI")),
        ("Matrícula da obra", texto(root, "MatriculaObra")),
        ("Nº do encapsulamento", texto(root, "NumeroEncapsulamento")),
        ("Guia vinculada", texto(root, "NumeroGuia")),
        ("Quitação da guia", campo_data(texto(root, "DataQuitacaoGuia"))
         if texto(root, "DataQuitacaoGuia") else None),
    ) if valor]
    if extras:
        linhas.append(extras)
    return Grade("Serviço", linhas)


def _valores(root: etree._Element) -> Grade:
    servicos = next((valor for valor in (decimal(root, tag) for tag in (
        "ValorServicos", "ValorFinalCobrado", "ValorInicialCobrado")) if valor is not None),
        None)
    deducoes = decimal(root, "ValorDeducoes")
    zero = Decimal("0.00")
    base = servicos - (deducoes or zero) if servicos is not None else None
    aliquota = decimal(root, "AliquotaServicos")

    def opcional(tag: str) -> str:
        valor = decimal(root, tag)
        return campo_reais(valor if valor is not None else zero)

    carga = decimal(root, "ValorCargaTributaria")
    percentual = decimal(root, "PercentualCargaTributaria")
    carga_texto = campo_reais(carga)
    if carga is not None and percentual is not None:
        carga_texto += f" ({formato.percentual(percentual * 100)})"
    fonte = texto(root, "FonteCargaTributaria")
    if carga is not None and fonte:
        carga_texto += f" - {fonte}"
    linhas = [
        [
            Campo("Valor dos serviços", campo_reais(servicos), 1.0, True, "R"),
            Campo("Deduções", opcional("ValorDeducoes"), alinhamento="R"),
            Campo("Base de cálculo", campo_reais(base), alinhamento="R"),
            Campo("Alíquota do ISS", formato.percentual(aliquota * 100)
                  if aliquota is not None else AUSENTE, alinhamento="R"),
            Campo("Valor do ISS", campo_reais(decimal(root, "ValorISS")), alinhamento="R"),
            Campo("ISS retido", _sim_nao(texto(root, "ISSRetido")), alinhamento="R"),
        ],
        [
            Campo("Retenção PIS", opcional("ValorPIS"), alinhamento="R"),
            Campo("Retenção COFINS", opcional("ValorCOFINS"), alinhamento="R"),
            Campo("Retenção INSS", opcional("ValorINSS"), alinhamento="R"),
            Campo("Retenção IR", opcional("ValorIR"), alinhamento="R"),
            Campo("Retenção CSLL", opcional("ValorCSLL"), alinhamento="R"),
            Campo("Crédito gerado", campo_reais(decimal(root, "ValorCredito")),
                  alinhamento="R"),
        ],
    ]
    recebido = decimal(root, "ValorTotalRecebido")
    if carga is not None or recebido is not None:
        linhas.append([Campo("Carga tributária aproximada", carga_texto, 2.0),
                       Campo("Valor total recebido", campo_reais(recebido), alinhamento="R")])
    return Grade("Valores", linhas)


# --- the status ---------------------------------------------------------------------------


def _faixa_cancelada(root: etree._Element) -> str:
    faixa = "NFS-e CANCELADA"
    quando = data_hora(root, "DataCancelamento")
    if quando:
        faixa += f" em {campo_data_hora(quando)}"
    return faixa + " - sem validade fiscal"


def _outras(root: etree._Element) -> str | None:
    if texto(root, "StatusNFe") == "E":
        return "NFS-e extraviada, segundo a Prefeitura de São Paulo."
    return None


def _sim_nao(valor: str | None) -> str:
    """An ``xs:boolean`` (``true``/``false``/``1``/``0``) or ``S``/``N``."""
    if not valor:
        return AUSENTE
    return "Sim" if valor.lower() in ("true", "1", "s") else "Não"
