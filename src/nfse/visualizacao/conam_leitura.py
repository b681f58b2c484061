"""What the page of a note of Conam's own layout shows, read from the ``Reg20`` the gateway
keeps: the ``Reg20Item`` Conam returned for the RPS (``NumNf``, ``SerNf``, ``CodVernf``,
``DtHrGerNf``, the RPS's fields and, when Conam gives them, the prestador's ``RazSocPre``,
``CpfCnpjPre``, ``MunPre``). Amounts have a decimal comma; municipalities are upper-case
names."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.visualizacao.abrasf_conteudo import (
    AUSENTE,
    Cabecalho,
    Campo,
    Conteudo,
    Grade,
    campo_data_hora,
    campo_reais,
)
from nfse.visualizacao.abrasf_xml import texto_multilinha
from nfse.xml import seguro

QUEBRA_DE_LINHA = "\\\\"


def _t(element: etree._Element | None, tag: str) -> str | None:
    valor = element.findtext(tag) if element is not None else None
    return valor.strip() if valor and valor.strip() else None


def _reais(element: etree._Element, tag: str) -> Decimal | None:
    valor = _t(element, tag)
    try:
        return Decimal(valor.replace(".", "").replace(",", ".")) if valor else None
    except InvalidOperation:
        return None


def _momento(element: etree._Element) -> datetime | None:
    for tag, formato in (("DtHrGerNf", "%d/%m/%Y %H:%M:%S"), ("DtEmiNf", "%d/%m/%Y")):
        try:
            return datetime.strptime(_t(element, tag) or "", formato).replace(
                tzinfo=SAO_PAULO)
        except ValueError:
            continue
    return None


def _documento(valor: str | None) -> str:
    return cpf_cnpj(valor) if valor and valor.isdigit() else (valor or AUSENTE)


def _cidade(item: etree._Element, municipio: str, uf: str) -> str:
    return "/".join(filter(None, (_t(item, municipio), _t(item, uf)))) or AUSENTE


def ler_reg20(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the Conam ``Reg20Item`` in ``xml``."""
    root = seguro.ler(xml)
    item = root.find("Reg20Item")
    if item is None:
        item = root
    numero = _t(item, "NumNf") or AUSENTE
    serie = _t(item, "SerNf")
    cabecalho = Cabecalho(municipio=_cidade(item, "MunPre", "SiglaUFPre"), numero=numero,
                          campos=[
        Campo("Número", f"{numero} / {serie}" if serie else numero, destaque=True),
        Campo("Emissão", campo_data_hora(_momento(item))),
        Campo("Código de verificação", _t(item, "CodVernf") or AUSENTE, 1.6),
        Campo("RPS", " / ".join(filter(None, (_t(item, "NumRps"), _t(item, "SerRps"))))
              or AUSENTE)])
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("CPF/CNPJ", _documento(_t(item, "CpfCnpjPre")), 1.3),
            Campo("Nome / razão social", _t(item, "RazSocPre") or AUSENTE, 3.0)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", _documento(_t(item, "CpfCnpTom") or _t(item, "CpfCnpjTom")),
                   1.3),
             Campo("Nome / razão social", _t(item, "RazSocTom") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(item, "TipoLogtom"), _t(item, "LogTom"), _t(item, "NumEndTom"),
                _t(item, "ComplEndTom"), _t(item, "BairroTom")))) or AUSENTE, 3.0),
             Campo("Município", _cidade(item, "MunTom", "SiglaUFTom"), 1.5),
             Campo("E-mail", _t(item, "Email1") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(item, "CodSrv") or AUSENTE),
            Campo("ISS retido", "Sim" if _t(item, "RetFonte") == "SIM" else "Não")]]),
    ]
    aliquota = _reais(item, "AlqIss")
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_reais(item, "VlNFS")), destaque=True),
        Campo("Deduções", campo_reais(_reais(item, "VlDed"))),
        Campo("Base de cálculo", campo_reais(_reais(item, "VlBasCalc"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(_reais(item, "VlIss")))]])
    discriminacao = (_t(item, "DiscrSrv") or "").replace(QUEBRA_DE_LINHA, "\n")
    return Conteudo(
        numero=numero, prestador=None, emissao=_momento(item), cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada or _t(item, "SitNf") == "2" else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(discriminacao) or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo sistema Conam "
                "(etransparencia) da prefeitura. Confira a autenticidade no portal da "
                "prefeitura com o código de verificação."))
