"""What the page of an eGoverneISS note shows, read from the ``NotaFiscal_RTC`` the gateway
keeps: the note sent (DataContract members in the ``...DataTransferObject.Prestador``
namespace, the tomador's in ``...Contribuinte``) with eGoverneISS's ``NotaFiscalGerada``
(``Numero``, ``Autenticador``, ``Link``). The note carries neither the prestador's CNPJ nor
its name (eGoverneISS knows the company by its access key); the description of the service is
in ``InformacoesAdicionais``."""

from __future__ import annotations

from decimal import Decimal

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
from nfse.visualizacao.abrasf_xml import (
    achar,
    data_hora,
    decimal,
    texto,
    texto_bruto,
    texto_multilinha,
)
from nfse.xml import seguro


def _juntos(separador: str, *partes: str | None) -> str:
    return separador.join(filter(None, partes)) or AUSENTE


def ler_nota_fiscal(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the eGoverneISS ``NotaFiscal_RTC`` in ``xml``."""
    root = seguro.ler(xml)
    gerada = achar(root, "NotaFiscalGerada")
    tomador = achar(root, "Tomador")
    endereco = achar(tomador, "Endereco")
    numero = texto(gerada, "Numero") or AUSENTE
    emissao = data_hora(root, "DataRecibo")
    documento = texto(tomador, "CNPJ") or texto(tomador, "CPF")
    cabecalho = Cabecalho(municipio="Osasco/SP", numero=numero, campos=[
        Campo("Número", numero, destaque=True),
        Campo("Emissão do RPS", campo_data_hora(emissao)),
        Campo("Autenticador", texto(gerada, "Autenticador") or AUSENTE, 1.6),
        Campo("RPS", texto(root, "NumeroRecibo") or AUSENTE)])
    blocos = [
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", cpf_cnpj(documento) if documento and documento.isdigit()
                   else (documento or AUSENTE), 1.3),
             Campo("Nome / razão social", texto(tomador, "Nome") or AUSENTE, 3.0)],
            [Campo("Endereço", _juntos(" ", *(texto(endereco, campo) for campo in (
                "Logradouro", "Numero", "Complemento", "Bairro"))), 3.0),
             Campo("Município", _juntos("/", texto(endereco, "Cidade"),
                                        texto(endereco, "Estado")), 1.5),
             Campo("E-mail", texto(tomador, "Email") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Atividade", texto(root, "Atividade") or AUSENTE),
            Campo("ISS retido", "Sim" if texto(root, "SubstituicaoTributaria") == "true"
                  else "Não"),
            Campo("Local da prestação", _juntos("/", texto(root, "CidadePrestacaoServico"),
                                                texto(root, "EstadoPrestacaoServico")), 1.4)]]),
    ]
    aliquota = decimal(root, "Aliquota")
    valor = decimal(root, "Valor")
    iss = (valor * aliquota / 100).quantize(Decimal("0.01")) if valor is not None and \
        aliquota is not None else None
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(valor), destaque=True),
        Campo("Deduções", campo_reais(decimal(root, "ValorDeducao"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(iss))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada="NFS-e CANCELADA" if cancelada else None,
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha(texto_bruto(root, "InformacoesAdicionais")) or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo eGoverneISS da prefeitura de "
                "Osasco. Confira a autenticidade no portal da prefeitura com o autenticador."))
