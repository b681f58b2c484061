"""What the page of a CTA note shows, read from the ``NfseCta`` the gateway keeps: CTA's
``NumeroNFSe``, ``CodigoVerificacao``, ``LinkNFSe`` and ``DataEmissaoNFSe`` with the ``Rps``
sent (no namespace, amounts with a decimal point). CTA's answer carries no copy of the note;
the RPS names neither the prestador (CTA knows it by the CNPJ of the request) nor the
tomador's city by name."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.municipios import registry
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
    try:
        return Decimal(_t(element, caminho) or "")
    except InvalidOperation:
        return None


def _cidade(codigo: str | None) -> str:
    municipio = registry.get(codigo) if codigo else None
    return f"{municipio.nome}/{municipio.uf}" if municipio else AUSENTE


def ler_nfse_cta(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the CTA ``NfseCta`` in ``xml``."""
    root = seguro.ler(xml)
    rps = root.find("Rps")
    identificacao = rps.find("IdentificacaoRps") if rps is not None else None
    numero = _t(root, "NumeroNFSe") or AUSENTE
    try:
        emissao = datetime.fromisoformat(_t(identificacao, "DataDeEmissao") or "").replace(
            tzinfo=SAO_PAULO)
    except ValueError:
        emissao = None
    documento = _t(rps, "Tomador/CpfCnpj")
    cabecalho = Cabecalho(municipio=_cidade(_t(identificacao, "LocalDoRecolhimento")),
                          numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão do RPS", campo_data_hora(emissao)),
        Campo("Código de verificação", _t(root, "CodigoVerificacao") or AUSENTE, 1.6),
        Campo("RPS", _t(identificacao, "Numero") or AUSENTE)])
    blocos = [
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento and documento.isdigit()
                   else AUSENTE, 1.3),
             Campo("Nome / razão social", _t(rps, "Tomador/RazaoSocial") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(rps, f"Endereco/{campo}") for campo in (
                    "TipoLogradouro", "Logradouro", "Numero", "Complemento", "Bairro"))))
                   or AUSENTE, 3.0),
             Campo("Município", _cidade(_t(rps, "Endereco/CodigoMunicipio")), 1.5),
             Campo("E-mail", _t(rps, "Endereco/EmailTomador") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(rps, "Informacoes/ItemListaServico")
                  or AUSENTE),
            Campo("ISS retido", "Sim" if _t(rps, "Informacoes/IssRetido") == "1" else "Não"),
            Campo("Local da prestação", _cidade(_t(identificacao, "LocalDaPrestacao")),
                  1.4)]]),
    ]
    aliquota = _decimal(rps, "Valores/Aliquota")
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_decimal(rps, "Valores/ValorTotalDosServicos")),
              destaque=True),
        Campo("Deduções", campo_reais(_decimal(rps, "Valores/ValorDeducoes"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(_decimal(rps, "Valores/ValorIss")))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(_t(rps, "Servico1/DescritivoDoItem")) or AUSENTE,
        depois=[valores], outras=_t(rps, "Observacoes"),
        rodape=("Representação gráfica de NFS-e emitida pelo sistema CTA da prefeitura. "
                "Confira a autenticidade no portal da prefeitura com o código de "
                "verificação."))
