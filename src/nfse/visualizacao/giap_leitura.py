"""What the page of a note of Giap's own layout shows, read from the ``notaFiscal`` the
gateway keeps: the document sent with Giap's ``numeroNota``, ``codigoVerificacao`` and
``link`` in its ``dadosPrestador``. Municipalities are names there; amounts have a decimal
point. The layout carries neither the prestador's CNPJ nor its name (Giap knows the
prestador by its inscrição municipal), nor the time of issue (``dataEmissao`` is the RPS's
day)."""

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


def _t(element: etree._Element | None, caminho: str) -> str | None:
    valor = element.findtext(caminho) if element is not None else None
    return valor.strip() if valor and valor.strip() else None


def _decimal(element: etree._Element | None, caminho: str) -> Decimal | None:
    valor = _t(element, caminho)
    try:
        return Decimal(valor) if valor else None
    except InvalidOperation:
        return None


def _cidade(element: etree._Element | None) -> str:
    nome, uf = _t(element, "cidade"), _t(element, "uf")
    return "/".join(filter(None, (nome, uf))) or AUSENTE


def _dia(valor: str | None) -> datetime | None:
    try:
        return datetime.strptime(valor or "", "%d/%m/%Y").replace(tzinfo=SAO_PAULO)
    except ValueError:
        return None


def ler_nota_fiscal(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the Giap ``notaFiscal`` in ``xml``."""
    root = seguro.ler(xml)
    prestador, local = root.find("dadosPrestador"), root.find("dadosServico")
    tomador, detalhe = root.find("dadosTomador"), root.find("detalheServico")
    item = detalhe.find("item") if detalhe is not None else None
    numero = _t(prestador, "numeroNota") or AUSENTE
    emissao = _dia(_t(prestador, "dataEmissao"))
    documento = _t(tomador, "documento")
    cabecalho = Cabecalho(municipio=_cidade(local), numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão do RPS", campo_data_hora(emissao)),
        Campo("Código de verificação", _t(prestador, "codigoVerificacao") or AUSENTE, 1.6),
        Campo("RPS", _t(prestador, "numeroRps") or AUSENTE)])
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("Inscrição municipal", _t(prestador, "im") or AUSENTE, 1.3)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento and documento.isdigit()
                   else (documento or AUSENTE), 1.3),
             Campo("Nome / razão social", _t(tomador, "nomeTomador") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(tomador, "logradouro"), _t(tomador, "numero"), _t(tomador, "complemento"),
                _t(tomador, "bairro")))) or AUSENTE, 3.0),
             Campo("Município", _cidade(tomador), 1.5),
             Campo("E-mail", _t(tomador, "email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(item, "codigo") or AUSENTE),
            Campo("ISS retido", "Sim" if _t(detalhe, "issRetido") == "1" else "Não"),
            Campo("Local da prestação", _cidade(local), 1.4)]]),
    ]
    aliquota = _decimal(item, "aliquota")
    valor = _decimal(item, "valor")
    iss = (valor * aliquota / 100).quantize(Decimal("0.01")) if valor is not None and \
        aliquota is not None else None
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(valor), destaque=True),
        Campo("Deduções", campo_reais(_decimal(detalhe, "deducaoMaterial"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(iss))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(_t(item, "descricao")) or AUSENTE,
        depois=[valores], outras=_t(detalhe, "obs"),
        rodape=("Representação gráfica de NFS-e emitida pelo sistema Giap da prefeitura. "
                "Confira a autenticidade no portal da prefeitura com o código de "
                "verificação."))
