"""What the page of a note of Agili's own layout shows, read from the ``Nfse`` Agili answers
(``nfse_v_1.00.xsd``: the note's number, authenticity code, date and situation, the
prestador's data and the declaration sent). Amounts have a decimal point."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.providers.agili.documentos import NS
from nfse.visualizacao.abrasf_conteudo import (
    AUSENTE,
    Cabecalho,
    Campo,
    Conteudo,
    Grade,
    campo_data_hora,
    campo_reais,
    municipio,
)
from nfse.visualizacao.abrasf_xml import texto_multilinha
from nfse.xml import seguro


def _t(element: etree._Element | None, caminho: str) -> str | None:
    if element is None:
        return None
    valor = element.findtext("/".join(f"{{{NS}}}{p}" for p in caminho.split("/")))
    return valor.strip() if valor and valor.strip() else None


def _decimal(element: etree._Element | None, caminho: str) -> Decimal | None:
    try:
        valor = _t(element, caminho)
        return Decimal(valor) if valor else None
    except InvalidOperation:
        return None


def _documento(element: etree._Element | None, caminho: str) -> str:
    numero = _t(element, f"{caminho}/Cnpj") or _t(element, f"{caminho}/Cpf")
    return cpf_cnpj(numero) if numero else AUSENTE


def ler_nfse(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the Agili ``Nfse`` in ``xml``."""
    root = seguro.ler(xml)
    declaracao = root.find(f"{{{NS}}}DeclaracaoPrestacaoServico")
    numero = _t(root, "Numero") or AUSENTE
    try:
        emissao: datetime | None = datetime.fromisoformat(_t(root, "DataEmissao") or "")
    except ValueError:
        emissao = None
    if emissao is not None and emissao.tzinfo is None:
        emissao = emissao.replace(tzinfo=SAO_PAULO)
    cancelada = cancelada or _t(root, "SituacaoNfse/Codigo") == "-2"
    gerador = _t(root, "IdentificacaoOrgaoGerador/Municipio/CodigoMunicipioIBGE")
    tomador = declaracao.find(f"{{{NS}}}DadosTomador") if declaracao is not None else None
    endereco = tomador.find(f"{{{NS}}}Endereco") if tomador is not None else None
    prestador = _t(root, "DadosPrestador/RazaoSocial")
    cabecalho = Cabecalho(municipio=municipio(gerador), numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão", campo_data_hora(emissao)),
        Campo("Código de autenticidade", _t(root, "CodigoAutenticidade") or AUSENTE, 2.2),
        Campo("RPS", _t(declaracao, "Rps/IdentificacaoRps/Numero") or AUSENTE)])
    atividade = _t(declaracao, "ItemLei116AtividadeEconomica") \
        or _t(declaracao, "CodigoCnaeAtividadeEconomica")
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("CPF/CNPJ", _documento(declaracao, "IdentificacaoPrestador/CpfCnpj"), 1.3),
            Campo("Inscrição municipal",
                  _t(declaracao, "IdentificacaoPrestador/InscricaoMunicipal") or AUSENTE),
            Campo("Nome / razão social", prestador or AUSENTE, 3.0)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", _documento(tomador, "IdentificacaoTomador/CpfCnpj"), 1.3),
             Campo("Nome / razão social", _t(tomador, "RazaoSocial") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(endereco, "Logradouro"), _t(endereco, "Numero"),
                _t(endereco, "Complemento"), _t(endereco, "Bairro")))) or AUSENTE, 3.0),
             Campo("Município", municipio(_t(endereco, "Municipio/CodigoMunicipioIBGE")), 1.5),
             Campo("E-mail", _t(tomador, "Contato/Email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Atividade", atividade or AUSENTE),
            Campo("ISS retido", "Sim" if _t(declaracao, "ISSQNRetido") == "1" else "Não"),
            Campo("Incidência", municipio(
                _t(declaracao, "MunicipioIncidencia/CodigoMunicipioIBGE")), 1.4)]]),
    ]
    aliquota = _decimal(declaracao, "AliquotaISSQN")
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_decimal(declaracao, "ValorServicos")),
              destaque=True),
        Campo("Descontos", campo_reais(_decimal(declaracao, "ValorDescontos"))),
        Campo("Base de cálculo", campo_reais(_decimal(declaracao, "ValorBaseCalculoISSQN"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(_decimal(declaracao, "ValorISSQNCalculado"))),
        Campo("Valor líquido", campo_reais(_decimal(declaracao, "ValorLiquido")))]])
    return Conteudo(
        numero=numero, prestador=prestador, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None, substituida=None, antes=blocos,
        discriminacao=texto_multilinha(
            _t(declaracao, "ListaServico/DadosServico/Discriminacao")) or AUSENTE,
        depois=[valores], outras=_t(declaracao, "Observacao"),
        rodape=("Representação gráfica de NFS-e emitida pelo sistema Agili da prefeitura. "
                "Confira a autenticidade no portal da prefeitura com o código de "
                "autenticidade."))
