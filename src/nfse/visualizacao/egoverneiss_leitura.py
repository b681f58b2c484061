"""What the page of an eGoverneISS note shows, read from the ``NotaFiscal_RTC`` the gateway
keeps: the note sent (DataContract members in the ``...DataTransferObject.Prestador``
namespace, the tomador's in ``...Contribuinte``) with eGoverneISS's ``NotaFiscalGerada``
(``Numero``, ``Autenticador``, ``Link``). The note carries neither the prestador's CNPJ nor
its name (eGoverneISS knows the company by its access key); the description of the service is
in ``InformacoesAdicionais``."""

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

RAIZ = "NotaFiscal_RTC"
DTO = "{http://schemas.datacontract.org/2004/07/Eissnfe.Dominio.DataTransferObject.Prestador}"
PESSOA = ("{http://schemas.datacontract.org/2004/07/"
          "Eissnfe.Dominio.DataTransferObject.Contribuinte}")


def _t(element: etree._Element | None, *caminho: str) -> str | None:
    valor = element.findtext("/".join(caminho)) if element is not None else None
    return valor.strip() if valor and valor.strip() else None


def _decimal(element: etree._Element | None, caminho: str) -> Decimal | None:
    valor = _t(element, caminho)
    try:
        return Decimal(valor) if valor else None
    except InvalidOperation:
        return None


def _data(valor: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(valor or "").replace(tzinfo=SAO_PAULO)
    except ValueError:
        return None


def ler_nota_fiscal(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the eGoverneISS ``NotaFiscal_RTC`` in ``xml``."""
    root = seguro.ler(xml)
    gerada = root.find(f"{DTO}NotaFiscalGerada")
    tomador = root.find(f"{DTO}Tomador")
    endereco = tomador.find(f"{PESSOA}Endereco") if tomador is not None else None
    numero = _t(gerada, f"{DTO}Numero") or AUSENTE
    emissao = _data(_t(root, f"{DTO}DataRecibo"))
    documento = _t(tomador, f"{PESSOA}CNPJ") or _t(tomador, f"{PESSOA}CPF")
    local = "/".join(filter(None, (_t(root, f"{DTO}CidadePrestacaoServico"),
                                   _t(root, f"{DTO}EstadoPrestacaoServico")))) or AUSENTE
    cabecalho = Cabecalho(municipio="Osasco/SP", numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão do RPS", campo_data_hora(emissao)),
        Campo("Autenticador", _t(gerada, f"{DTO}Autenticador") or AUSENTE, 1.6),
        Campo("RPS", _t(root, f"{DTO}NumeroRecibo") or AUSENTE)])
    blocos = [
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento and documento.isdigit()
                   else (documento or AUSENTE), 1.3),
             Campo("Nome / razão social", _t(tomador, f"{PESSOA}Nome") or AUSENTE, 3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(endereco, f"{PESSOA}Logradouro"), _t(endereco, f"{PESSOA}Numero"),
                _t(endereco, f"{PESSOA}Complemento"), _t(endereco, f"{PESSOA}Bairro")))) or
                AUSENTE, 3.0),
             Campo("Município", "/".join(filter(None, (
                 _t(endereco, f"{PESSOA}Cidade"), _t(endereco, f"{PESSOA}Estado")))) or AUSENTE,
                 1.5),
             Campo("E-mail", _t(tomador, f"{PESSOA}Email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Atividade", _t(root, f"{DTO}Atividade") or AUSENTE),
            Campo("ISS retido", "Sim" if _t(root, f"{DTO}SubstituicaoTributaria") == "true"
                  else "Não"),
            Campo("Local da prestação", local, 1.4)]]),
    ]
    aliquota = _decimal(root, f"{DTO}Aliquota")
    valor = _decimal(root, f"{DTO}Valor")
    iss = (valor * aliquota / 100).quantize(Decimal("0.01")) if valor is not None and \
        aliquota is not None else None
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(valor), destaque=True),
        Campo("Deduções", campo_reais(_decimal(root, f"{DTO}ValorDeducao"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None
              else AUSENTE),
        Campo("ISS", campo_reais(iss))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(_t(root, f"{DTO}InformacoesAdicionais")) or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo eGoverneISS da prefeitura de "
                "Osasco. Confira a autenticidade no portal da prefeitura com o autenticador."))
