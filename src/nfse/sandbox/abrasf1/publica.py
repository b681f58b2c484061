"""Publica as the ABRASF 1.0 sandbox plays it: requests in ``http://www.publica.inf.br``
(nfselib-legacy ``PUBLICA/schema_nfse_v03.xsd``) checked against that schema, the lot's
signature verified, then read by the Ginfes rules in Ginfes' structure; answers converted back
(one namespace, ``id``, the note's number in 15 digits, ``Competencia`` as a year and month,
the cancellation's confirmation as ``Pedido`` + ``DataHoraCancelamento``, the RPS query's
answer as ``ConsultarNfseResposta/ListaNfse``) and checked against the same schema. Calls:
``<Operação>`` in ``http://service.nfse.integracao.ws.publica/`` with ``XML`` (ACBr
``Publica.Provider.pas``)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from nfse.model.digitos import so_digitos
from nfse.sandbox.abrasf1.salvador import copia

NS = "http://www.publica.inf.br"
SERVICO = "http://service.nfse.integracao.ws.publica/"
ESQUEMA = Path("publica") / "schema_nfse_v03.xsd"
"""Relative to the sandbox's schema folder."""
OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultarSituacaoLoteRps": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNfsePorRps": "ConsultarNfsePorRpsV3",
    "CancelarNfse": "CancelarNfseV3",
    "ConsultarNfseFaixa": "ConsultarNfseV3",
}
"""Publica operation → the Ginfes operation it plays."""
SEM_LUGAR = ("RegimeEspecialTributacao", "ValorCredito", "ConstrucaoCivil", "CodigoCnae",
             "CodigoTributacaoMunicipio")


def _q(nome: str) -> str:
    return f"{{{NS}}}{nome}"


def envio(ginfes: str) -> str:
    """The name of Publica's request where Ginfes expects ``ginfes``."""
    return "ConsultarNfseFaixaEnvio" if ginfes == "ConsultarNfseEnvio" else ginfes


def para_ginfes(root: etree._Element, servico: str, tipos: str) -> etree._Element:
    """A Publica request in Ginfes' structure (``id`` → ``Id``, the note's number without
    its leading zeros, no ``versao`` on the lot; the range query from and to one number as
    the query by that number)."""
    if etree.QName(root).localname == "ConsultarNfseFaixaEnvio":
        doc = etree.Element(f"{{{servico}}}ConsultarNfseEnvio", nsmap={None: servico})
        prestador = etree.SubElement(doc, f"{{{servico}}}Prestador")
        for campo in root.find(_q("Prestador")):
            etree.SubElement(prestador, f"{{{tipos}}}{etree.QName(campo).localname}",
                             nsmap={None: tipos}).text = campo.text
        numero = root.findtext(f"{_q('Faixa')}/{_q('NumeroNfseInicial')}") or "0"
        etree.SubElement(doc, f"{{{servico}}}NumeroNfse").text = str(int(numero))
        return doc
    doc = copia(root, None, lambda p: servico if p < 2 else tipos, {}, "id", "Id")
    for elemento in doc.iter():
        if isinstance(elemento.tag, str) and etree.QName(elemento).localname == "LoteRps":
            elemento.attrib.pop("versao", None)
        if isinstance(elemento.tag, str) and etree.QName(elemento).localname == "Numero":
            pai = elemento.getparent()
            if etree.QName(pai).localname == "IdentificacaoNfse" and \
                    so_digitos(elemento.text or ""):
                elemento.text = str(int(elemento.text))
    return doc


def para_publica(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in Publica's namespace and shapes."""
    novo = copia(root, None, lambda _: NS, {}, "Id", "id")
    for nome in SEM_LUGAR:
        for elemento in list(novo.iter(_q(nome))):
            elemento.getparent().remove(elemento)
    for competencia in novo.iter(_q("Competencia")):
        competencia.text = (competencia.text or "")[:7]
    for pai in ("InfNfse", "IdentificacaoNfse"):
        for inf in novo.iter(_q(pai)):
            numero = inf.find(_q("Numero"))
            if numero is not None and (numero.text or "").isdigit():
                numero.text = numero.text.zfill(15)
    for confirmacao in novo.iter(_q("Confirmacao")):
        info = confirmacao.find(_q("InfConfirmacaoCancelamento"))
        if info is not None:
            data = etree.Element(_q("DataHoraCancelamento"))
            data.text = info.findtext(_q("DataHora"))
            confirmacao.replace(info, data)
    if etree.QName(novo).localname == "ConsultarNfseResposta":
        novo.tag = _q("ConsultarNfseFaixaResposta")
    elif etree.QName(novo).localname == "ConsultarNfseRpsResposta":
        novo.tag = _q("ConsultarNfseResposta")
        comp = novo.find(_q("CompNfse"))
        if comp is not None:
            lista = etree.Element(_q("ListaNfse"))
            novo.replace(comp, lista)
            lista.append(comp)
    return novo
