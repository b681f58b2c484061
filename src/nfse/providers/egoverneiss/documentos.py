"""The SOAP requests of eGoverneISS (``NotaFiscalEletronica.svc``), built from the normalised
note.

Facts from the ACBr project's eGoverneISS provider (``eGoverneISS.Provider.pas``,
``eGoverneISS.GravarXml.pas``, commit 7be4dac, 2026-06: the reform's ``RTC_`` operations) and
from the service's own contract as nfselib-legacy ships it (``POsascoEGOVERNEISS.wsdl`` and the
bindings generated from its ``?xsd=xsd0..4``: element types and nillability, the
``Motivo`` of a cancellation). docs/egoverneiss.md lists what only Osasco can confirm.

- SOAP 1.1, body ``<tem:<Operação>><tem:request>...`` in ``http://tempuri.org/``, action
  ``http://tempuri.org/INotaFiscalEletronicaServico/<Operação>``.
- Emission (``RTC_EmitirNFE``): ``request`` holds ``eis:NotaFiscal_RTC``, whose members are in
  the ``Prestador`` DataContract namespace (``eis1``) and the tomador's in the
  ``Contribuinte`` one (``eis2``), in ACBr's order. The company's key travels in the note.
  The note has no member for the service's description: the discriminação goes in
  ``InformacoesAdicionais``.
- Query by RPS (``RTC_ConsultarNFE``): ``ChaveAutenticacao`` and ``NumeroReciboUnico``.
- Cancellation (``Cancelar``): ``ChaveAutenticacao``, ``Homologacao``, ``Motivo``,
  ``NumeroNota``.

Amounts with a decimal point and 2 places, the rate in percent with 4, booleans ``true`` /
``false``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Endereco, Nota
from nfse.municipios import registry
from nfse.providers.base import Erro, Rps

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TEM = "http://tempuri.org/"
MENSAGEM = "http://schemas.datacontract.org/2004/07/Eissnfe.Negocio.WebServices.Mensagem"
PRESTADOR = "http://schemas.datacontract.org/2004/07/Eissnfe.Dominio.DataTransferObject.Prestador"
CONTRIBUINTE = ("http://schemas.datacontract.org/2004/07/"
                "Eissnfe.Dominio.DataTransferObject.Contribuinte")
PREFIXOS = {"soapenv": SOAP11, "tem": TEM, "eis": MENSAGEM, "eis1": PRESTADOR,
            "eis2": CONTRIBUINTE}
ACAO = "http://tempuri.org/INotaFiscalEletronicaServico/"
EMISSAO = "RTC_EmitirNFE"
CONSULTA = "RTC_ConsultarNFE"
CANCELAMENTO = "Cancelar"
PAIS = "BRASIL"


class DocumentoInvalido(ValueError):
    """The note cannot become an eGoverneISS request; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def problemas(nota: Nota) -> list[Problema]:
    """What eGoverneISS's note needs beyond the contract: the activity it is taxed by."""
    if _atividade(nota):
        return []
    return [Problema("servico.item_lista_servico",
                     'Parâmetro "servico.item_lista_servico" não informado',
                     "Informe a atividade da nota: servico.codigo_tributario_municipio (o "
                     "código da atividade em Osasco) ou o item da lista da LC 116")]


def _atividade(nota: Nota) -> str:
    """``Atividade`` (up to 9 characters): the municipal code when given, else the LC 116
    item as the note writes it."""
    servico = nota.servico
    return (servico.codigo_tributario_municipio or servico.item_lista_servico or "").strip()[:9]


def _informacoes(nota: Nota) -> str:
    """``InformacoesAdicionais`` (up to 2300 characters): the layout has no place for the
    service's description, so the discriminação, then the complementary information."""
    partes = (nota.servico.discriminacao, nota.informacoes_complementares)
    return "\n".join(p.strip() for p in partes if p and p.strip())[:2300]


def valor(value: Decimal | None) -> str:
    """``1234.50``."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _aliquota(value: Decimal | None) -> str:
    """The rate in percent with 4 places (``3.0000``)."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP):.4f}"


def _booleano(value: bool) -> str:
    return "true" if value else "false"


def _sub(parent: etree._Element, ns: str, tag: str, text: str | None = "") -> etree._Element:
    element = etree.SubElement(parent, f"{{{ns}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _cidade(codigo: str | None) -> tuple[str, str]:
    """(name, UF) of an IBGE code; empty when unknown."""
    municipio = registry.get(codigo) if codigo else None
    return (municipio.nome, municipio.uf) if municipio else ("", "")


def _pedido(operacao: str) -> tuple[etree._Element, etree._Element]:
    """The envelope and its ``<tem:request>`` of ``operacao``."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap=PREFIXOS)
    etree.SubElement(envelope, f"{{{SOAP11}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    chamada = etree.SubElement(body, f"{{{TEM}}}{operacao}")
    return envelope, etree.SubElement(chamada, f"{{{TEM}}}request")


def _bytes(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def cabecalhos(operacao: str) -> dict[str, str]:
    """The HTTP headers of a SOAP 1.1 call of ``operacao``."""
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{ACAO}{operacao}"',
            "Accept": "text/xml"}


def _local_da_prestacao(nota_fiscal: etree._Element, nota: Nota) -> None:
    """``*PrestacaoServico``: the note has no address of the service itself, so, as ACBr
    does, the tomador's; without one, the municipality where the service was rendered."""
    tomador = nota.tomador
    e = (tomador.endereco if tomador else None) or Endereco()
    codigo = e.codigo_municipio or nota.servico.codigo_municipio
    nome, uf = _cidade(codigo)
    exterior = bool(e.codigo_pais) and e.codigo_pais not in ("1058", "01058", "BR")
    for tag, texto in (("BairroPrestacaoServico", e.bairro),
                       ("CEPPrestacaoServico", _digitos(e.cep)),
                       ("CidadePrestacaoServico", nome or e.cidade),
                       ("CodigoCidadeIBGEPrestacaoServico", "" if exterior else codigo),
                       ("EnderecoPrestacaoServico", e.logradouro),
                       ("EstadoPrestacaoServico", uf or e.uf),
                       ("NumeroPrestacaoServico", e.numero)):
        _sub(nota_fiscal, PRESTADOR, tag, (texto or "")[:36])
    if not exterior:
        _sub(nota_fiscal, PRESTADOR, "PaisPrestacaoServico", PAIS)
    _sub(nota_fiscal, PRESTADOR, "SemIncidenciaISS", _booleano(exterior))


def _tomador(nota_fiscal: etree._Element, nota: Nota) -> None:
    tomador = nota.tomador
    documento = (tomador.cnpj or tomador.cpf or "") if tomador else ""
    if tomador is None or not documento:
        return
    pessoa = _sub(nota_fiscal, PRESTADOR, "Tomador", None)
    _sub(pessoa, CONTRIBUINTE, "CNPJ" if len(documento) == 14 else "CPF", documento)
    telefone = _digitos(tomador.telefone)
    if len(telefone) in (10, 11):
        _sub(pessoa, CONTRIBUINTE, "DDD", telefone[:len(telefone) - 8])
    if tomador.email:
        _sub(pessoa, CONTRIBUINTE, "Email", tomador.email[:120])
    e = tomador.endereco or Endereco()
    nome, uf = _cidade(e.codigo_municipio)
    endereco = _sub(pessoa, CONTRIBUINTE, "Endereco", None)
    for tag, texto, tamanho in (("Bairro", e.bairro, 50), ("CEP", _digitos(e.cep), 8),
                                ("Cidade", nome or e.cidade, 50),
                                ("CodigoCidadeIBGE", e.codigo_municipio, 7),
                                ("Complemento", e.complemento, 30), ("Estado", uf or e.uf, 2),
                                ("Logradouro", e.logradouro, 50), ("Numero", e.numero, 9),
                                ("Pais", PAIS if not e.codigo_pais else e.codigo_pais, 8),
                                ("TipoLogradouro", e.tipo_logradouro, 10)):
        if texto or tag not in ("Complemento", "TipoLogradouro"):
            _sub(endereco, CONTRIBUINTE, tag, (texto or "")[:tamanho])
    if tomador.inscricao_municipal:
        _sub(pessoa, CONTRIBUINTE, "InscricaoMunicipal", _digitos(tomador.inscricao_municipal)[:11])
    _sub(pessoa, CONTRIBUINTE, "Nome", (tomador.razao_social or "")[:120])
    if len(telefone) >= 8:
        _sub(pessoa, CONTRIBUINTE, "Telefone", telefone[-8:])


def nota_fiscal(nota: Nota, rps: Rps, chave: str, homologacao: bool) -> etree._Element:
    """The ``eis:NotaFiscal_RTC`` of ``rps``, with the company's ``chave``."""
    problemas_ = problemas(nota)
    if problemas_:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in problemas_])
    servico = nota.servico
    raiz = etree.Element(f"{{{MENSAGEM}}}NotaFiscal_RTC", nsmap=PREFIXOS)

    def campo(tag: str, texto: str | None) -> None:
        _sub(raiz, PRESTADOR, tag, texto)

    def opcional(tag: str, texto: str | None) -> None:
        if texto:
            campo(tag, texto)

    campo("Aliquota", _aliquota(servico.aliquota))
    campo("Atividade", _atividade(nota))
    campo("ChaveAutenticacao", chave)
    opcional("CodObra", (nota.codigo_obra or "")[:15])
    campo("DataRecibo", f"{nota.data_emissao.astimezone(SAO_PAULO):%Y-%m-%dT%H:%M:%S}")
    campo("Homologacao", _booleano(homologacao))
    campo("InformacoesAdicionais", _informacoes(nota))
    campo("NotificarTomadorPorEmail",
          _booleano(bool(nota.tomador and nota.tomador.email)))
    opcional("NumeroCDC", (nota.art or "")[:15])
    campo("NumeroRecibo", str(rps.numero))
    campo("SimplesNacional", _booleano(bool(nota.optante_simples_nacional)))
    campo("SubstituicaoTributaria", _booleano(servico.iss_retido))
    _local_da_prestacao(raiz, nota)
    _tomador(raiz, nota)
    estrangeiro = bool(nota.tomador and nota.tomador.nif)
    campo("TomadorEstrangeiro", _booleano(estrangeiro))
    campo("Valor", valor(servico.valor_servicos))
    for tag, quantia in (("ValorCSLL", servico.valor_csll), ("ValorCOFINS", servico.valor_cofins)):
        if quantia:
            campo(tag, valor(quantia))
    campo("ValorDeducao", valor(servico.valor_deducoes))
    for tag, quantia in (("ValorINSS", servico.valor_inss), ("ValorIR", servico.valor_ir),
                         ("ValorOutrosImpostos", servico.outras_retencoes),
                         ("ValorPisPasep", servico.valor_pis)):
        if quantia:
            campo(tag, valor(quantia))
    reforma = servico.reforma
    opcional("ClassTrib", reforma.get("ibs_cbs_classificacao_tributaria", "")[:6])
    opcional("CodigoNBS", reforma.get("codigo_nbs", "").replace(".", ""))
    campo("IndOperacao", reforma.get("codigo_indicador_operacao", "")[:6])
    return raiz


def emissao(nota_fiscal_: etree._Element) -> bytes:
    """The ``RTC_EmitirNFE`` request of a ``NotaFiscal_RTC`` (left as it is)."""
    envelope, request = _pedido(EMISSAO)
    request.append(copy.deepcopy(nota_fiscal_))
    return _bytes(envelope)


def consulta(rps: Rps, chave: str) -> bytes:
    """The ``RTC_ConsultarNFE`` request: the note of RPS (recibo) ``rps.numero``."""
    envelope, request = _pedido(CONSULTA)
    _sub(request, MENSAGEM, "ChaveAutenticacao", chave)
    _sub(request, MENSAGEM, "NumeroReciboUnico", str(rps.numero))
    return _bytes(envelope)


def cancelamento(numero: str, motivo: str, chave: str, homologacao: bool) -> bytes:
    """The ``Cancelar`` request of NFS-e ``numero``."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}")])
    envelope, request = _pedido(CANCELAMENTO)
    _sub(request, MENSAGEM, "ChaveAutenticacao", chave)
    _sub(request, MENSAGEM, "Homologacao", _booleano(homologacao))
    _sub(request, MENSAGEM, "Motivo", motivo[:255])
    _sub(request, MENSAGEM, "NumeroNota", numero)
    return _bytes(envelope)
