"""ISSIntel 1.00 (Picos and Oeiras/PI, Conceição do Araguaia and Irituia/PA, Afonso
Cláudio/ES, Capim Branco/MG, at ``https://<cidade>-<uf>.issintel.com.br/webservices/abrasf/api``
or ``...issintegra.com.br/...``): the ABRASF 1.0 documents in
``http://www.abrasf.org.br/nfse.xsd`` (the ISSIntel schema ACBr ships,
``Exemplos/ACBrDFe/Schemas/NFSe/ISSIntel/1.00/nfse.xsd``, in ``esquemas/issintel/``), Ginfes'
structure in one namespace with ``Id`` and ``LoteRps versao="1.00"``
(``ConfigWebServices.AtribVerLote``), plus what ISSIntel added to the 1.0 service
(``ISSIntel.GravarXml.pas``, ``TNFSeW_ISSIntel``): ``CodigoServicoNacional`` after
``ItemListaServico`` (required by the schema) and the PIS/COFINS group at the end of
``Valores`` (``TpRetPisCofins`` required). The lot is signed by its ``Id`` and the
cancellation inside ``Pedido`` over ``InfPedidoCancelamento Id="Canc_<CNPJ><IM><número>"``
(``ConfigAssinar.LoteRps``, ``CancelarNFSe``; ``DefinirIDCancelamento``); the queries go
unsigned.

SOAP 1.1 at the city's one address: the document **as elements** inside ``<urn:<Operação>>``,
``urn`` being the city's namespace, and SOAPAction the namespace + ``/`` + the operation
(``TACBrNFSeXWebserviceISSIntel``). ACBr's table gives each of the six cities the namespace
``http://`` + its address (``ProNameSpace``/``HomNameSpace``, ``ProSoapAction`` = the same
+ ``/``), so it is derived from the address called. The answer comes back as elements
(``EnviarLoteRpsResposta``...) inside ``<Operação>Response``."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from nfse.certs.a1 import A1
from nfse.model.grupos import retencao_por_valores
from nfse.model.nota import Nota
from nfse.providers.abrasf.soap import SOAP11
from nfse.providers.abrasf1 import esquema
from nfse.xml.sign import c14n, sign, signature
from nfse.xml.validate import validate

NS = "http://www.abrasf.org.br/nfse.xsd"
XSD = esquema.PASTA / "issintel" / "nfse.xsd"
VERSAO = "1.00"


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of an ISSIntel document."""
    if etree.QName(doc).namespace != NS:
        return [f"elemento raiz {etree.QName(doc).text} fora do esquema do ISSIntel"]
    return validate(doc, XSD)


def namespace(base_url: str) -> str:
    """The city's service namespace: its address with ``http://``."""
    return "http://" + base_url.split("://", 1)[-1].rstrip("/")


def acao(namespace_cidade: str, operacao: str) -> str:
    return f"{namespace_cidade}/{operacao}"


def _decimal(valor: Decimal, casas: str) -> str:
    return str(valor.quantize(Decimal(casas)))


def acrescentar(lote: etree._Element, nota: Nota) -> None:
    """The elements ISSIntel adds, in each ``Servico`` of a Ginfes-structured lot (before
    its conversion): the national service code, the PIS/COFINS withholding (and, when the
    note has the group, its CST, base and rates, the rates as fractions like ``Aliquota``).
    Without the group the withholding code says what the ABRASF values mean in this body:
    a ``valor_pis``/``valor_cofins``/``valor_csll`` is retained (``0`` when all are zero)."""
    s = nota.servico
    pis_cofins = s.pis_cofins
    retencao = pis_cofins.tipo_retencao if pis_cofins else retencao_por_valores(
        s.valor_pis > 0, s.valor_cofins > 0, s.valor_csll > 0)
    for servico in lote.iter("{*}Servico"):
        ns = etree.QName(servico).namespace
        item = servico.find(f"{{{ns}}}ItemListaServico")
        codigo = etree.Element(f"{{{ns}}}CodigoServicoNacional")
        codigo.text = s.codigo_tributacao_nacional
        item.addnext(codigo)
        valores = servico.find(f"{{{ns}}}Valores")
        campos = [("TpRetPisCofins", retencao)]
        if pis_cofins is not None:
            campos.append(("PisCofinsCst", pis_cofins.situacao_tributaria))
            if pis_cofins.base_calculo is not None:
                campos.append(("BcPisCofins", _decimal(pis_cofins.base_calculo, "0.01")))
            for nome, aliquota in (("AliquotaPis", pis_cofins.aliquota_pis),
                                   ("AliquotaCofins", pis_cofins.aliquota_cofins)):
                if aliquota is not None:
                    campos.append((nome, _decimal(aliquota / 100, "0.0001")))
        for nome, texto in campos:
            etree.SubElement(valores, f"{{{ns}}}{nome}").text = texto


def assinar(doc: etree._Element, a1: A1, algoritmo: str) -> None:
    """Sign a converted document the ISSIntel way: the lot by its ``Id`` (with its
    ``versao``), the cancellation inside ``Pedido`` by the ``Id`` of its
    ``InfPedidoCancelamento``; anything else stays unsigned."""
    lote = doc.find(f"{{{NS}}}LoteRps")
    if lote is not None:
        lote.set("versao", VERSAO)
        sign(doc, lote, a1, algoritmo)
        return
    inf = doc.find(f"{{{NS}}}Pedido/{{{NS}}}InfPedidoCancelamento")
    if inf is None:
        return
    ident = inf.find(f"{{{NS}}}IdentificacaoNfse")
    inf.set("Id", "Canc_" + "".join(ident.findtext(f"{{{NS}}}{campo}") or ""
                                    for campo in ("Cnpj", "InscricaoMunicipal", "Numero")))
    inf.getparent().append(etree.fromstring(signature(c14n(inf), inf.get("Id"), a1,
                                                      algoritmo)))


def envelope(operacao: str, dados: str, namespace_cidade: str) -> tuple[bytes, dict[str, str]]:
    """The call of ``operacao`` with the document as its content, and its SOAPAction."""
    if dados.startswith("<?xml"):
        dados = dados[dados.index("?>") + 2:]
    texto = (f'<?xml version="1.0" encoding="utf-8"?>'
             f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:urn="{namespace_cidade}">'
             f"<soapenv:Body><urn:{operacao}>{dados}</urn:{operacao}></soapenv:Body>"
             "</soapenv:Envelope>")
    return texto.encode("utf-8"), {"Content-Type": "text/xml; charset=utf-8",
                                   "SOAPAction": f'"{acao(namespace_cidade, operacao)}"',
                                   "Accept": "text/xml"}
