"""What the page of a note of Equiplano's own layout shows, read from the ``compNfse`` the
gateway keeps: Equiplano's ``nfse`` (number, authentication code, date) and the ``rps``
sent. Neither carries the prestador's name or CNPJ (Equiplano knows the prestador from the
lot); the tomador's city is an IBGE code."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.providers.equiplano.documentos import SIM
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

TRIBUTACAO = {"1": "No município", "2": "Fora do município", "3": "Isenta", "4": "Imune"}


def _t(element: etree._Element | None, caminho: str) -> str | None:
    valor = element.findtext(caminho) if element is not None else None
    return valor.strip() if valor and valor.strip() else None


def _decimal(element: etree._Element | None, caminho: str) -> Decimal | None:
    try:
        valor = _t(element, caminho)
        return Decimal(valor) if valor else None
    except InvalidOperation:
        return None


def _momento(valor: str | None) -> datetime | None:
    try:
        momento = datetime.fromisoformat(valor or "")
    except ValueError:
        return None
    return momento if momento.tzinfo else momento.replace(tzinfo=SAO_PAULO)


def ler_comp_nfse(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the Equiplano ``compNfse`` in ``xml``."""
    root = seguro.ler(xml)
    nfse, rps = root.find("nfse"), root.find("rps")
    numero = _t(nfse, "nfse/nrNfs") or _t(nfse, "nrNfse") or AUSENTE
    codigo = _t(nfse, "nfse/cdAutenticacao") or _t(nfse, "cdAutenticacao")
    emissao = _momento(_t(nfse, "nfse/dtEmissaoNfs") or _t(rps, "dtEmissaoRps"))
    tomador = rps.find("tomador") if rps is not None else None
    servico = rps.find("listaServicos/servico") if rps is not None else None
    documento = _t(tomador, "documento/nrDocumento")
    item = (f'{(_t(servico, "nrServicoItem") or "").zfill(2)}.'
            f'{(_t(servico, "nrServicoSubItem") or "").zfill(2)}') if servico is not None else None
    cabecalho = Cabecalho(municipio=municipio(_t(rps, "nrCidadeIbgeServico")), numero=numero,
                          campos=[Campo("Número", numero, destaque=True),
                                  Campo("Emissão", campo_data_hora(emissao)),
                                  Campo("Código de autenticação", codigo or AUSENTE, 2.0),
                                  Campo("RPS", _t(rps, "nrRps") or AUSENTE)])
    blocos = [
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento else AUSENTE, 1.3),
             Campo("Nome / razão social", _t(tomador, "nmTomador") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(tomador, "dsEndereco"), _t(tomador, "nrEndereco"),
                _t(tomador, "dsComplemento"), _t(tomador, "nmBairro")))) or AUSENTE, 3.0),
             Campo("Município", municipio(_t(tomador, "nrCidadeIbge"), _t(tomador, "nmUf")),
                   1.5),
             Campo("E-mail", _t(tomador, "dsEmail") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", item or AUSENTE),
            Campo("Tributação", TRIBUTACAO.get(_t(rps, "tpTributacao") or "", AUSENTE)),
            Campo("ISS retido", "Sim" if _t(rps, "isIssRetido") == SIM else "Não")]]),
    ]
    aliquota = _decimal(servico, "vlAliquota")
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_decimal(rps, "vlTotalRps")), destaque=True),
        Campo("Base de cálculo", campo_reais(_decimal(servico, "vlBaseCalculo"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(_decimal(servico, "vlIssServico"))),
        Campo("Valor líquido", campo_reais(_decimal(rps, "vlLiquidoRps")))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None, substituida=None, antes=blocos,
        discriminacao=texto_multilinha(_t(servico, "dsDiscriminacaoServico")) or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo sistema e-NFS (Equiplano) da "
                "prefeitura. Confira a autenticidade no portal da prefeitura com o código de "
                "autenticação."))
