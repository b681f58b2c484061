"""CTA's answers, as ACBr's CTA provider reads them (``CTA.Provider.pas``:
``TratarRetornoEmitir``, ``TratarRetornoCancelaNFSe``, ``ProcessarMensagemErros``,
``TratarXmlRetornado``).

- Emission: ``Informacoes`` with one ``Nfse`` per note issued (``NumeroNFSe``,
  ``DataEmissaoNFSe``, ``LinkNFSe``, ``CodigoVerificacao``, ``IdentificacaoRps/Numero``), or
  the refusal: ``mensagem`` (or ``ListadeErros``) elements, with the ``Rps`` refused
  (``NumeroRPS``, ``EstadoDoRPS``).
- Cancellation: ``GerarNfseResposta`` with ``numero_nfse``, ``situacao_codigo_nfse``,
  ``situacao_descricao_nfse`` (flat, or inside ``nfse/nf``), or ``mensagem`` elements.
- An answer that is not XML at all is a message: a refusal with that text.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from nfse.providers.base import Erro
from nfse.xml import seguro

CODIGO = "cta"
"""The ``codigo`` of CTA's refusals, which carry none of their own."""
MENSAGENS = ("mensagem", "ListadeErros")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _achar(element: etree._Element | None, nome: str) -> etree._Element | None:
    if element is None:
        return None
    return next((e for e in element.iter() if _local(e) == nome), None)


def texto(element: etree._Element | None, nome: str) -> str:
    alvo = _achar(element, nome)
    return (alvo.text or "").strip() if alvo is not None else ""


@dataclass(frozen=True)
class Lida:
    """An answer read: its result element (None: no XML, or not the expected one) and the
    refusal's messages."""

    raiz: etree._Element | None
    erros: tuple[Erro, ...]


def ler(body: bytes, resultado: str) -> Lida:
    """The ``resultado`` element of an answer and its messages; plain text is one message."""
    if b"</" not in body:
        mensagem = body.decode("utf-8", "replace").strip()
        return Lida(None, (Erro(CODIGO, mensagem),) if mensagem else ())
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return Lida(None, ())
    raiz = root if _local(root) == resultado else _achar(root, resultado)
    if raiz is None:
        return Lida(None, ())
    mensagens = [" ".join(t.strip() for t in e.itertext() if t.strip())
                 for e in raiz.iter() if _local(e) in MENSAGENS]
    return Lida(raiz, tuple(Erro(CODIGO, m) for m in dict.fromkeys(mensagens) if m))


@dataclass(frozen=True)
class NotaCta:
    numero: str
    codigo_verificacao: str | None
    link: str | None
    numero_rps: str
    elemento: etree._Element


def notas(raiz: etree._Element) -> list[NotaCta]:
    """The notes an emission's ``Informacoes`` lists."""
    return [NotaCta(texto(n, "NumeroNFSe"), texto(n, "CodigoVerificacao") or None,
                    texto(n, "LinkNFSe") or None,
                    texto(_achar(n, "IdentificacaoRps"), "Numero"), n)
            for n in raiz.iter() if _local(n) == "Nfse" and texto(n, "NumeroNFSe")]


def documento_da_nota(rps: etree._Element, nota: NotaCta) -> bytes:
    """The note kept by the gateway: CTA's ``Nfse`` with the ``Rps`` sent inside (the
    answer names the note; the RPS carries what it is about), without the security key."""
    guardada = etree.Element("NfseCta")
    for tag, valor in (("NumeroNFSe", nota.numero),
                       ("CodigoVerificacao", nota.codigo_verificacao),
                       ("LinkNFSe", nota.link),
                       ("DataEmissaoNFSe", texto(nota.elemento, "DataEmissaoNFSe"))):
        etree.SubElement(guardada, tag).text = valor or ""
    guardada.append(rps)
    return etree.tostring(guardada, xml_declaration=True, encoding="UTF-8")
