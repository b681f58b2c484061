"""What the page of a note of IPM's own layout (Atende.Net 1.01) shows, read from the
``<nfse>`` the gateway keeps: the document sent with IPM's identification in its ``nf``
(``numero_nfse``, ``serie_nfse``, ``cod_verificador_autenticidade``, ``data_nfse``,
``hora_nfse``, ``situacao_codigo_nfse``). Municipalities are TOM codes there, shown by name;
amounts have a decimal comma. The layout carries no razão social of the prestador."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.providers.ipm.tom import codigo_ibge
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

SITUACAO = {"0": "Tributada integralmente", "1": "Tributada integralmente com ISSRF",
            "6": "Isenta", "7": "Imune"}


def _t(element: etree._Element | None, caminho: str) -> str | None:
    valor = element.findtext(caminho) if element is not None else None
    return valor.strip() if valor and valor.strip() else None


def _decimal(element: etree._Element | None, caminho: str) -> Decimal | None:
    valor = _t(element, caminho)
    try:
        return Decimal(valor.replace(",", ".")) if valor else None
    except InvalidOperation:
        return None


def _cidade(tom: str | None) -> str:
    ibge = codigo_ibge(tom)
    return municipio(ibge) if ibge else (tom or AUSENTE)


def _emissao(nf: etree._Element | None) -> datetime | None:
    try:
        return datetime.strptime(f"{_t(nf, 'data_nfse')} {_t(nf, 'hora_nfse') or '00:00:00'}",
                                 "%d/%m/%Y %H:%M:%S").replace(tzinfo=SAO_PAULO)
    except ValueError:
        return None


def _documento(valor: str | None) -> str:
    return cpf_cnpj(valor) if valor and valor.isdigit() else (valor or AUSENTE)


def ler_nfse(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the IPM ``<nfse>`` in ``xml``; shown as cancelled when ``cancelada`` or
    its ``situacao_codigo_nfse`` is ``C``."""
    root = seguro.ler(xml)
    nf = root.find("nf")
    numero = _t(nf, "numero_nfse") or AUSENTE
    prestador, tomador = root.find("prestador"), root.find("tomador")
    item = root.find("itens/lista")
    emissao = _emissao(nf)
    cabecalho = Cabecalho(municipio=_cidade(_t(prestador, "cidade")), numero=numero, campos=[
        Campo("Número", numero, destaque=True), Campo("Série", _t(nf, "serie_nfse") or AUSENTE),
        Campo("Emissão", campo_data_hora(emissao)),
        Campo("Código de verificação", _t(nf, "cod_verificador_autenticidade") or AUSENTE, 1.6),
        Campo("RPS", f"{_t(root, 'rps/nro_recibo_provisorio') or AUSENTE} / série "
                     f"{_t(root, 'rps/serie_recibo_provisorio') or AUSENTE}")])
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("CPF/CNPJ", _documento(_t(prestador, "cpfcnpj")), 1.3),
            Campo("Município", _cidade(_t(prestador, "cidade")), 1.5)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", _documento(_t(tomador, "cpfcnpj")
                                          or _t(tomador, "identificador")), 1.3),
             Campo("Nome / razão social", _t(tomador, "nome_razao_social") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(tomador, "logradouro"), _t(tomador, "numero_residencia"),
                _t(tomador, "complemento"), _t(tomador, "bairro")))) or AUSENTE, 3.0),
             Campo("Município", _cidade(_t(tomador, "cidade")), 1.5),
             Campo("E-mail", _t(tomador, "email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(item, "codigo_item_lista_servico") or AUSENTE),
            Campo("Situação tributária", SITUACAO.get(_t(item, "situacao_tributaria") or "",
                                                      _t(item, "situacao_tributaria")
                                                      or AUSENTE), 1.6),
            Campo("Local da prestação", _cidade(_t(item, "codigo_local_prestacao_servico")),
                  1.4)]]),
    ]
    aliquota = _decimal(item, "aliquota_item_lista_servico")
    base = _decimal(item, "valor_tributavel")
    iss = (base * aliquota / 100).quantize(Decimal("0.01")) if base is not None and \
        aliquota is not None else None
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_decimal(nf, "valor_total")), destaque=True),
        Campo("Base de cálculo", campo_reais(base)),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(iss)),
        Campo("ISS retido", campo_reais(_decimal(item, "valor_issrf")))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada=("NFS-e CANCELADA" if cancelada or _t(nf, "situacao_codigo_nfse") == "C"
                   else None),
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(_t(item, "descritivo")) or AUSENTE,
        depois=[valores], outras=_t(nf, "observacao"),
        rodape=("Representação gráfica de NFS-e emitida pelo sistema IPM (Atende.Net) da "
                "prefeitura. Confira a autenticidade no portal da prefeitura com o código de "
                "verificação."))
