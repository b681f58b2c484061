"""ISSNet's ABRASF 1.0 web service as the ABRASF 1.0 sandbox plays it: requests in ISSNet's
namespaces (nfselib-legacy ``ISSNET`` schemas, ``servico_*_envio.xsd`` and
``tipos_complexos.xsd``) checked, and their signatures (the lot's, over the whole document;
the cancellation's, inside ``Pedido``) verified, as they came; then rewritten in Ginfes'
structure (``Cnpj`` out of ``CpfCnpj``, ``CodigoMunicipio``/``Uf`` for ``Cidade``/``Estado``,
``CodigoMunicipio`` for ``MunicipioPrestacaoServico``, ``ConstrucaoCivil``) and played by the
Ginfes rules. It plays Barcarena, whose ACBr row says ``Params=NaoDividir100``: ``Aliquota``
comes and goes as a percentage (``3.0000``), a fraction for the Ginfes rules. Answers are
rewritten back the other way, with ``Competencia`` as ISSNet's ``AAAAMM`` and
``DataEmissaoRps`` as a date-time, the notes signed again over ``InfNfse``, and checked
against ``servico_*_resposta.xsd``. Calls:
``<Operação xmlns="http://www.issnetonline.com.br/webservice/nfd">`` with the document in
``<xml>``, SOAPAction ``.../nfd/<Operação>``, answered in
``<Operação>Result`` (ACBr ``ISSNet.Provider.pas``, ``TACBrNFSeXWebserviceISSNet``)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from lxml import etree

from nfse.sandbox.abrasf1.salvador import copia

VSD = "http://www.issnetonline.com.br/webserviceabrasf/vsd/"
TIPOS = VSD + "tipos_complexos.xsd"
NFD = "http://www.issnetonline.com.br/webservice/nfd"
OPERACOES = {
    "RecepcionarLoteRps": "RecepcionarLoteRpsV3",
    "ConsultaSituacaoLoteRPS": "ConsultarSituacaoLoteRpsV3",
    "ConsultarLoteRps": "ConsultarLoteRpsV3",
    "ConsultarNFSePorRPS": "ConsultarNfsePorRpsV3",
    "ConsultarNfse": "ConsultarNfseV3",
    "CancelarNfse": "CancelarNfseV3",
}
"""ISSNet's operation → the Ginfes operation it plays."""
COM_CPF_CNPJ = ("LoteRps", "Prestador", "IdentificacaoPrestador")
"""Where ISSNet's ``tcLoteRps`` and ``tcIdentificacaoPrestador`` hold ``CpfCnpj``."""
NOMES = {("Endereco", "CodigoMunicipio"): "Cidade", ("Endereco", "Uf"): "Estado",
         ("Servico", "CodigoMunicipio"): "MunicipioPrestacaoServico",
         ("", "ConstrucaoCivil"): "ContrucaoCivil"}
"""(parent, Ginfes' name) → ISSNet's; ``""``: under any parent."""
_PARTES = {"EnviarLoteRps": "enviar_lote_rps", "ConsultarSituacaoLoteRps":
           "consultar_situacao_lote_rps", "ConsultarLoteRps": "consultar_lote_rps",
           "ConsultarNfseRps": "consultar_nfse_rps", "ConsultarNfse": "consultar_nfse",
           "CancelarNfse": "cancelar_nfse"}


def acao(operacao: str) -> str:
    return f"{NFD}/{operacao}"


def esquema(raiz: str) -> Path:
    """The schema of an ISSNet document, relative to the sandbox's schema folder."""
    for sufixo, lado in (("Envio", "envio"), ("Resposta", "resposta")):
        if raiz.endswith(sufixo):
            return Path("issnet") / f"servico_{_PARTES[raiz.removesuffix(sufixo)]}_{lado}.xsd"
    raise KeyError(raiz)


def namespace(raiz: str) -> str:
    return VSD + esquema(raiz).name


def _escala(root: etree._Element, tipos: str, fator: Decimal) -> None:
    for aliquota in root.iter(f"{{{tipos}}}Aliquota"):
        aliquota.text = f"{Decimal(aliquota.text or '0') * fator:.4f}"


def _trocar(root: etree._Element, de_para: dict[tuple[str, str], str]) -> None:
    for elemento in list(root.iter()):
        if not isinstance(elemento.tag, str) or elemento is root:
            continue
        nome = etree.QName(elemento)
        pai = etree.QName(elemento.getparent()).localname
        novo = de_para.get((pai, nome.localname)) or de_para.get(("", nome.localname))
        if novo:
            elemento.tag = f"{{{nome.namespace}}}{novo}" if nome.namespace else novo


def para_ginfes(root: etree._Element, servico: str, tipos: str) -> etree._Element:
    """An ISSNet request in Ginfes' structure: the root and its children in ``servico``, the
    rest in ``tipos`` (``Pedido`` stays found by its name)."""
    novo = copia(root, None, lambda p: servico if p < 2 else tipos, {}, "id", "Id")
    _trocar(novo, {(pai, issnet): ginfes for (pai, ginfes), issnet in NOMES.items()})
    for envoltorio in list(novo.iter(f"{{{tipos}}}CpfCnpj")):
        pai = envoltorio.getparent()
        if etree.QName(pai).localname in COM_CPF_CNPJ:
            for filho in list(envoltorio):
                filho.tag = f"{{{tipos}}}{etree.QName(filho).localname}"
                envoltorio.addprevious(filho)
            pai.remove(envoltorio)
    _escala(novo, tipos, Decimal("0.01"))
    return novo


def identificar_mensagens(resposta: etree._Element, rps: etree._Element | None) -> None:
    """ISSNet's lot messages (``ConsultarLoteRpsResposta``: ``tcMensagemRetornoLote``) carry
    the RPS they are about, and no ``Correcao``: ``rps`` (a Ginfes ``IdentificacaoRps``)
    added to each."""
    if rps is None or etree.QName(resposta).localname != "ConsultarLoteRpsResposta":
        return
    servico = etree.QName(resposta).namespace
    for mensagem in resposta.iterfind(f"{{{servico}}}ListaMensagemRetorno/"
                                      f"{{{servico}}}MensagemRetorno"):
        for correcao in mensagem.findall(f"{{{TIPOS}}}Correcao"):
            mensagem.remove(correcao)
        ident = etree.SubElement(mensagem, f"{{{TIPOS}}}IdentificacaoRps",
                                 nsmap={None: TIPOS})
        for campo in rps:
            etree.SubElement(ident, f"{{{TIPOS}}}{etree.QName(campo).localname}").text = \
                campo.text


def para_issnet(root: etree._Element) -> etree._Element:
    """A Ginfes-structured answer in ISSNet's namespaces and shapes: the answer's own
    elements (the root, its children and the items of ``ListaNfse`` and
    ``ListaMensagemRetorno``) in the answer's namespace, the rest in ``tipos_complexos``."""
    servico = namespace(etree.QName(root).localname)
    novo = copia(root, None, lambda p: servico if p < 2 else TIPOS, {}, "Id", "id")
    for lista in ("ListaNfse", "ListaMensagemRetorno"):
        for item in novo.findall(f"{{{servico}}}{lista}/*"):
            item.tag = f"{{{servico}}}{etree.QName(item).localname}"
    _trocar(novo, NOMES)
    for cnpj in list(novo.iter(f"{{{TIPOS}}}Cnpj")):
        pai = cnpj.getparent()
        if etree.QName(pai).localname in COM_CPF_CNPJ:
            envoltorio = etree.Element(f"{{{TIPOS}}}CpfCnpj")
            cnpj.addprevious(envoltorio)
            envoltorio.append(cnpj)
    for competencia in novo.iter(f"{{{TIPOS}}}Competencia"):  # tsCompetencia: AAAAMM
        competencia.text = (competencia.text or "").replace("-", "")[:6]
    for data in novo.iter(f"{{{TIPOS}}}DataEmissaoRps"):  # a date-time in tcInfNfse
        if data.text and "T" not in data.text:
            data.text += "T00:00:00"
    _escala(novo, TIPOS, Decimal(100))
    return novo
