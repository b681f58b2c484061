"""What the page of a SigISS note shows, read from the ``DescricaoRps`` the gateway keeps:
the fields sent (flat members in ``urn:sigiss_ws``, amounts with a decimal comma) with
SigISS's ``RetornoNota`` (``Nota``, ``autenticidade``, ``LinkImpressao``) as the last
member. The layout carries neither the prestador's name nor its city (SigISS knows the
company by its ``ccm``), nor the rate (SigISS applies the activity's), nor the time of issue
(only the RPS's day)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj
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


def _t(element: etree._Element | None, nome: str) -> str | None:
    if element is None:
        return None
    alvo = next((c for c in element if isinstance(c.tag, str)
                 and etree.QName(c).localname == nome), None)
    valor = alvo.text.strip() if alvo is not None and alvo.text else ""
    return valor or None


def _valor(element: etree._Element, nome: str) -> Decimal | None:
    try:
        return Decimal((_t(element, nome) or "").replace(",", "."))
    except InvalidOperation:
        return None


def _dia(root: etree._Element) -> datetime | None:
    try:
        return datetime(int(_t(root, "rps_ano") or ""), int(_t(root, "rps_mes") or ""),
                         int(_t(root, "rps_dia") or ""), tzinfo=SAO_PAULO)
    except ValueError:
        return None


def _cidade(codigo: str | None) -> str:
    municipio = registry.get(codigo) if codigo else None
    return f"{municipio.nome}/{municipio.uf}" if municipio else AUSENTE


def ler_descricao_rps(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the SigISS ``DescricaoRps`` in ``xml``."""
    root = seguro.ler(xml)
    retorno = next((c for c in root if isinstance(c.tag, str)
                    and etree.QName(c).localname == "RetornoNota"), None)
    numero = _t(retorno, "Nota") or AUSENTE
    emissao = _dia(root)
    documento = _t(root, "tomador_cnpj")
    prestador = _t(root, "cnpj")
    cabecalho = Cabecalho(municipio=AUSENTE, numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão do RPS", campo_data_hora(emissao)),
        Campo("Autenticidade", _t(retorno, "autenticidade") or AUSENTE, 1.6),
        Campo("RPS", " ".join(filter(None, (_t(root, "rps_num"), _t(root, "rps_serie"))))
              or AUSENTE)])
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("CPF/CNPJ", cpf_cnpj(prestador) if prestador else AUSENTE, 1.3),
            Campo("Inscrição municipal (CCM)", _t(root, "ccm") or AUSENTE, 1.3)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento and documento.isdigit()
                   else AUSENTE, 1.3),
             Campo("Nome / razão social", _t(root, "tomador_razao") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(root, f"tomador_{campo}") for campo in (
                    "endereco", "numero", "complemento", "bairro")))) or AUSENTE, 3.0),
             Campo("Município", _cidade(_t(root, "tomador_cod_cidade")), 1.5),
             Campo("E-mail", _t(root, "tomador_email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(root, "servico") or AUSENTE),
            Campo("Situação", _t(root, "situacao") or AUSENTE),
            Campo("Local da prestação", _cidade(_t(root, "cod_outro_municipio"))
                  if _t(root, "cod_outro_municipio") else "No município", 1.4)]]),
    ]
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_valor(root, "valor")), destaque=True),
        Campo("Base de cálculo", campo_reais(_valor(root, "base"))),
        Campo("ISS retido", campo_reais(_valor(root, "retencao_iss")))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha((_t(root, "descricaoNF") or "").replace("|", "\n"))
        or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo SigISS da prefeitura. Confira a "
                "autenticidade no portal da prefeitura (SigISS) com o código de "
                "autenticidade."))
