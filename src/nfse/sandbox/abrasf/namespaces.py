"""The sandbox side of the systems whose documents live in their own namespaces (GISS
Online: one namespace per message for the root and its children, ``tipos-v2_04.xsd`` below
them, the ``cabecalho`` in its own; ``nfse.providers.abrasf.namespaces`` says the rule).

A document outside ABRASF's namespace is read in that dialect: its signatures are checked
where they are (a signature covers the namespace), the document is then moved to ABRASF's
namespace and served by the ABRASF municipality, and the answer goes back in the request's
dialect: the root in the request's message namespace named after the answer (GISS:
``gerar-nfse-envio`` → ``gerar-nfse-resposta``), the root's children in it too, everything
below them in the request's ``tipos`` namespace."""

from __future__ import annotations

import re
import threading

from cryptography import x509
from lxml import etree

from nfse.sandbox.abrasf import actcon, iibrasil, megasoft
from nfse.sandbox.abrasf.prefeitura import NS, Prefeitura, rejeitar
from nfse.sandbox.abrasf.soap import parser
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_MAIUSCULA = re.compile(r"(?<!^)(?=[A-Z])")


def _kebab(nome: str) -> str:
    return _MAIUSCULA.sub("-", nome).lower()


def _ler(texto: str) -> etree._Element | None:
    texto = re.sub(r"^\s*<\?xml[^>]*\?>", "", texto.lstrip("\ufeff"), count=1).strip()
    try:
        return etree.fromstring(texto.encode("utf-8"), parser())
    except (etree.XMLSyntaxError, ValueError):
        return None


def _renomear(origem: etree._Element, raiz: str, filhos: str, resto: str,
              nsmap: dict[str | None, str]) -> etree._Element:
    """A copy of ``origem`` with the root in ``raiz``, its children in ``filhos`` and every
    other element (signatures excepted) in ``resto``."""
    def copiar(elemento: etree._Element, destino: etree._Element, ns: str) -> None:
        for filho in elemento:
            if not isinstance(filho.tag, str):
                continue
            nome = etree.QName(filho)
            alvo = nome.namespace if nome.namespace == DSIG else ns
            novo = etree.SubElement(destino, f"{{{alvo}}}{nome.localname}", dict(filho.attrib))
            novo.text = filho.text
            copiar(filho, novo, alvo if alvo == DSIG else resto)

    root = etree.Element(f"{{{raiz}}}{etree.QName(origem).localname}", dict(origem.attrib),
                         nsmap=nsmap)
    root.text = origem.text
    copiar(origem, root, filhos)
    return root


def _versao_com_ponto(cabecalho: etree._Element) -> None:
    """A system's header may say ``versao="204"`` for ``versaoDados`` 2.04 (VersaTecnologia,
    whose own schema refuses it as ABRASF's does): read as ``2.04``; any other mismatch is
    left for the schema to refuse."""
    dados = next((filho.text for filho in cabecalho
                  if etree.QName(filho).localname == "versaoDados"), None) or ""
    if cabecalho.get("versao") == dados.replace(".", "") and "." in dados:
        cabecalho.set("versao", dados)


class PrefeituraNamespaces(Prefeitura):
    """The ABRASF municipality, also answering in a system's own namespaces."""

    def __init__(self, *args: object, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._chamada = threading.local()
        self.megasoft = megasoft.PrefeituraMegaSoft(self.estado, self.xsd_dir, self.municipio,
                                                    self.confiavel)
        self.iibrasil: iibrasil.PrefeituraIiBrasil | None = None
        """iiBrasil's variant (set by the server, which holds its tokens)."""

    def atender(self, operacao: str, cabecalho: str | None, dados: str,
                chamador: x509.Certificate | None) -> bytes:
        documento = _ler(dados)
        ns = etree.QName(documento).namespace if documento is not None else NS
        if documento is not None and ns == megasoft.NS:  # a layout of its own
            return self.megasoft.atender(operacao, cabecalho, documento)
        if self.iibrasil is not None and iibrasil.e_iibrasil(documento):
            assert documento is not None
            return self.iibrasil.atender(operacao, dados, documento)
        if documento is None or ns == NS or ns is None:
            self._chamada.assinaturas = None
            return super().atender(operacao, cabecalho, dados, chamador)
        raiz = etree.QName(documento).localname
        tipos = next((etree.QName(neto).namespace for filho in documento for neto in filho
                      if isinstance(neto.tag, str) and etree.QName(neto).namespace != DSIG),
                     ns) or ns
        self._chamada.assinaturas = self._assinaturas(documento)
        try:
            abrasf = _renomear(documento, NS, NS, NS, {None: NS})
            if actcon.e_actcon(ns):
                actcon.em_percentual(abrasf)
            if cabecalho and (lido := _ler(cabecalho)) is not None:
                _versao_com_ponto(lido)
                cabecalho = etree.tostring(_renomear(lido, NS, NS, NS, {None: NS}),
                                           encoding="unicode")
            resposta = super().atender(operacao, cabecalho,
                                       etree.tostring(abrasf, encoding="unicode"), chamador)
        finally:
            self._chamada.assinaturas = None
        lida = etree.fromstring(resposta, parser())
        if actcon.e_actcon(ns):
            actcon.em_fracao(lida)
        nome = etree.QName(lida).localname
        proprio = ns.replace(_kebab(raiz), _kebab(nome)) if _kebab(raiz) in ns else ns
        nsmap = {None: proprio} if tipos == proprio else {None: proprio, "tipos": tipos}
        return etree.tostring(_renomear(lida, proprio, proprio, tipos, nsmap), encoding="UTF-8")

    @staticmethod
    def _assinaturas(documento: etree._Element) -> dict[str, x509.Certificate | str]:
        """Each signed element's Id → the signer's certificate, or why the signature fails."""
        found: dict[str, x509.Certificate | str] = {}
        for sig in documento.iter(ds("Signature")):
            alvo = sig.getprevious()
            if alvo is None or not alvo.get("Id"):
                continue
            try:
                found[alvo.get("Id") or ""] = verificar_assinatura(sig, alvo)
            except AssinaturaIncorreta as exc:
                found[alvo.get("Id") or ""] = str(exc)
        return found

    def _assinatura(self, container: etree._Element, esperado: etree._Element, o_que: str,
                    obrigatoria: bool = True, rps: tuple[str, str, str] | None = None
                    ) -> x509.Certificate | None:
        """In a system's dialect the signatures were checked before the move to ABRASF's
        namespace (which they do not cover): their outcome is looked up by Id."""
        assinaturas = getattr(self._chamada, "assinaturas", None)
        if assinaturas is None:
            return super()._assinatura(container, esperado, o_que, obrigatoria, rps)
        found = assinaturas.get(esperado.get("Id") or "")
        if found is None or container.find(ds("Signature")) is None:
            if obrigatoria:
                rejeitar("E1", f"Assinatura digital {o_que} ausente",
                         f"Assine {etree.QName(esperado).localname} (XMLDSig, Id)", rps)
            return None
        if isinstance(found, str):
            rejeitar("E1", f"Assinatura {o_que} inválida: {found}", None, rps)
        if not self.confiavel(found):
            rejeitar("E1", f"Certificado da assinatura {o_que} não é confiável",
                     "Assine com um certificado ICP-Brasil aceito pelo município", rps)
        return found
