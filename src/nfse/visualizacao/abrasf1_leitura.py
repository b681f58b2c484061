"""The page of an ABRASF 1.0 note (Ginfes and the other 1.0 systems): its ``CompNfse`` keeps
everything in ``InfNfse`` (the RPS, the service, the tomador), where 2.0x nests it in
``DeclaracaoPrestacaoServico``. The note is rearranged into the 2.0x shape and read by
``abrasf_leitura``, so both versions share one page; a 2.0x note passes through unchanged.

1.0 → 2.0x: ``IdentificacaoRps`` → ``Rps/IdentificacaoRps``; ``Servico``, ``Competencia``,
``TomadorServico``, ``ConstrucaoCivil``, the regime and Simples flags → the declaration;
``Valores/IssRetido`` → ``Servico/IssRetido``; ``IncentivadorCultural`` →
``IncentivoFiscal``; ``IntermediarioServico`` → ``Intermediario``; the computed values
(base, rate, ISS, net) → ``ValoresNfse``; the cancellation's
``InfConfirmacaoCancelamento/DataHora`` → ``Confirmacao/DataHora`` and its four-digit code
without the zeros; ISSNet 1.0's ``Cidade``/``Estado`` and ``MunicipioPrestacaoServico`` → the
ABRASF names."""

from __future__ import annotations

import copy

from lxml import etree

from nfse.model.digitos import so_digitos
from nfse.visualizacao import abrasf_leitura
from nfse.visualizacao.abrasf_conteudo import Conteudo
from nfse.visualizacao.abrasf_xml import achar, ler_comp_nfse

NA_DECLARACAO = ("Competencia", "Servico", "RegimeEspecialTributacao",
                 "OptanteSimplesNacional", "TomadorServico", "ConstrucaoCivil")
VALORES_NFSE = ("BaseCalculo", "Aliquota", "ValorIss", "ValorLiquidoNfse")
ISSNET = {("Endereco", "Cidade"): "CodigoMunicipio", ("Endereco", "Estado"): "Uf",
          ("Servico", "MunicipioPrestacaoServico"): "CodigoMunicipio"}
"""ISSNet 1.0's names (its ``tipos_complexos.xsd``) → the ABRASF ones, by parent."""


def _filho(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def _mover(element: etree._Element | None, destino: etree._Element,
           tag: str | None = None) -> None:
    if element is None:
        return
    element.getparent().remove(element)
    if tag is not None:
        element.tag = f"{{{etree.QName(element).namespace}}}{tag}" \
            if etree.QName(element).namespace else tag
    destino.append(element)


def _como_2x(comp: etree._Element | None, inf: etree._Element) -> None:
    """Rearrange ``inf`` (and the cancellation of ``comp``) in place."""
    for elemento in inf.iter("{*}Cidade", "{*}Estado", "{*}MunicipioPrestacaoServico"):
        nome = ISSNET.get((etree.QName(elemento.getparent()).localname,
                           etree.QName(elemento).localname))
        if nome:
            elemento.tag = f"{{{etree.QName(elemento).namespace}}}{nome}"
    decl = _filho(_filho(inf, "DeclaracaoPrestacaoServico"), "InfDeclaracaoPrestacaoServico")
    rps = _filho(decl, "Rps")
    _mover(achar(inf, "IdentificacaoRps"), rps)
    data_rps = achar(inf, "DataEmissaoRps")
    if data_rps is not None:
        _filho(rps, "DataEmissao", data_rps.text)
    for tag in NA_DECLARACAO:
        _mover(achar(inf, tag), decl)
    servico = achar(decl, "Servico")
    valores = achar(servico, "Valores")
    if servico is not None:
        _mover(achar(valores, "IssRetido"), servico)
    incentivo = achar(inf, "IncentivadorCultural")
    if incentivo is not None:
        _filho(decl, "IncentivoFiscal", incentivo.text)
    intermediario = achar(inf, "IntermediarioServico")
    if intermediario is not None:
        novo = _filho(decl, "Intermediario")
        ident = _filho(novo, "IdentificacaoIntermediario")
        _mover(achar(intermediario, "CpfCnpj"), ident)
        _mover(achar(intermediario, "InscricaoMunicipal"), ident)
        _mover(achar(intermediario, "RazaoSocial"), novo)
    if valores is not None:
        nfse = _filho(inf, "ValoresNfse")
        for tag in VALORES_NFSE:
            valor = achar(valores, tag)
            if valor is not None:
                _filho(nfse, tag, valor.text)
    confirmacao = achar(comp, "NfseCancelamento/Confirmacao")
    if confirmacao is not None:
        quando = achar(confirmacao, "InfConfirmacaoCancelamento/DataHora")
        if quando is not None:
            _filho(confirmacao, "DataHora", quando.text)
        codigo = achar(confirmacao, "Pedido/InfPedidoCancelamento/CodigoCancelamento")
        if codigo is not None and codigo.text and so_digitos(codigo.text.strip()):
            codigo.text = str(int(codigo.text))


def ler_nota(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the ``CompNfse`` in ``xml``, ABRASF 1.0 or 2.0x."""
    comp, inf = ler_comp_nfse(xml)
    if achar(inf, "DeclaracaoPrestacaoServico") is not None or achar(inf, "Servico") is None:
        return abrasf_leitura.ler_nota(xml, cancelada)
    raiz = copy.deepcopy(comp if comp is not None else inf.getroottree().getroot())
    _como_2x(raiz if comp is not None else None, next(raiz.iter("{*}InfNfse")))
    return abrasf_leitura.ler_nota(etree.tostring(raiz), cancelada)
