"""Reading ABRASF answer documents: the notes (``CompNfse``), the return messages, the
cancellation confirmation. Elements are matched by local name, whatever namespace the
provider answers in (DBSeller and others use their own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
from nfse.providers.base import Erro, Rps

"""ABRASF date-times carry no offset: they are Brasília's local time."""


@dataclass(frozen=True)
class NfseEmitida:
    numero: str
    codigo_verificacao: str | None
    data_emissao: datetime | None
    xml: bytes
    """The ``CompNfse`` as a document of its own."""
    cancelada: bool
    substituida_por: str | None


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def texto(root: etree._Element, nome: str) -> str | None:
    """The text of the answer's child element ``nome`` (in any namespace), or None."""
    for child in root:
        if _local(child) == nome and child.text and child.text.strip():
            return child.text.strip()
    return None


def _text(element: etree._Element, path: str) -> str | None:
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def documento(element: etree._Element) -> bytes:
    """An element as a standalone UTF-8 document (the namespaces in scope declared on it)."""
    return etree.tostring(element, encoding="UTF-8", xml_declaration=True, with_tail=False)


def data_hora(text: str | None) -> datetime | None:
    """An ABRASF date-time as an aware datetime (no offset = Brasília); a bare date is
    midnight of that day; None when unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        try:
            day = date.fromisoformat(text.strip()[:10])
        except ValueError:
            return None
        moment = datetime(day.year, day.month, day.day)
    return moment if moment.tzinfo else moment.replace(tzinfo=SAO_PAULO)


def _rps_of(comp: etree._Element) -> tuple[str, str | None] | None:
    """(number, series) of the note's RPS; the series None where the layout names an RPS
    by its number alone (MegaSoft)."""
    ident = comp.find("{*}Nfse/{*}InfNfse/{*}DeclaracaoPrestacaoServico/"
                      "{*}InfDeclaracaoPrestacaoServico/{*}Rps/{*}IdentificacaoRps")
    if ident is None:
        return None
    return _text(ident, "{*}Numero") or "", _text(ident, "{*}Serie")


def _same_rps(found: tuple[str, str | None], rps: Rps) -> bool:
    numero, serie = found
    return so_digitos(numero) and int(numero) == rps.numero and (
        serie is None or serie == rps.serie.strip())


def comp_nfse(root: etree._Element, rps: Rps | None = None,
              within: str | None = None) -> etree._Element | None:
    """The ``CompNfse`` of the answer: the one of ``rps`` when the answer names RPSs (one
    naming another RPS is not ours), else the first; only under an element named
    ``within`` when given (``NfseSubstituidora``)."""
    scope = root.iter(f"{{*}}{within}") if within else [root]
    candidates = [comp for top in scope for comp in top.iter("{*}CompNfse")]
    if within is None and _local(root) == "CompNfse":
        candidates = [root]
    unnamed = None
    for comp in candidates:
        if comp.find("{*}Nfse/{*}InfNfse/{*}Numero") is None:
            continue
        found = _rps_of(comp)
        if found is None:
            unnamed = unnamed if unnamed is not None else comp
        elif rps is None or _same_rps(found, rps):
            return comp
    return unnamed


def nfse(comp: etree._Element) -> NfseEmitida:
    inf = comp.find("{*}Nfse/{*}InfNfse")
    assert inf is not None  # comp_nfse only returns CompNfse with InfNfse/Numero
    substituicao = comp.find("{*}NfseSubstituicao/{*}SubstituicaoNfse")
    return NfseEmitida(
        numero=_text(inf, "{*}Numero") or "",
        codigo_verificacao=_text(inf, "{*}CodigoVerificacao"),
        data_emissao=data_hora(_text(inf, "{*}DataEmissao")),
        xml=documento(comp),
        cancelada=comp.find("{*}NfseCancelamento") is not None,
        substituida_por=_text(substituicao, "{*}NfseSubstituidora")
        if substituicao is not None else None,
    )


def _inside(element: etree._Element, names: set[str]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if _local(parent) in names:
            return True
        parent = parent.getparent()
    return False


def _erros(root: etree._Element, alertas: bool) -> list[Erro]:
    found = []
    for message in root.iter("{*}MensagemRetorno"):
        parent = message.getparent()
        is_alert = parent is not None and _local(parent) == "ListaMensagemAlertaRetorno"
        if is_alert != alertas or _inside(message, {"CompNfse"}):
            continue
        found.append(Erro(codigo=_text(message, "{*}Codigo") or "sem_codigo",
                          mensagem=_text(message, "{*}Mensagem") or "",
                          correcao=_text(message, "{*}Correcao")))
    return found


def erros(root: etree._Element) -> list[Erro]:
    """Every ``MensagemRetorno`` of ``ListaMensagemRetorno`` and ``ListaMensagemRetornoLote``
    (or loose in the answer), as the authority wrote it."""
    return _erros(root, alertas=False)


def alertas(root: etree._Element) -> list[Erro]:
    """The ``ListaMensagemAlertaRetorno`` that may come with a note."""
    return _erros(root, alertas=True)


def cancelamento(root: etree._Element, numero: str | None = None) -> etree._Element | None:
    """The ``NfseCancelamento`` with a ``Confirmacao`` (EloTech: ``ConfirmacaoCancelamento``)
    in a cancellation answer (or in a ``CompNfse`` numbered ``numero``, as a query returns it)."""
    for element in root.iter("{*}NfseCancelamento"):
        if element.find("{*}Confirmacao") is None \
                and element.find("{*}ConfirmacaoCancelamento") is None:  # EloTech's name
            continue
        comp = element.getparent()
        if numero is not None and comp is not None and _local(comp) == "CompNfse":
            own = _text(comp, "{*}Nfse/{*}InfNfse/{*}Numero") or ""
            if not (so_digitos(own) and so_digitos(numero) and int(own) == int(numero)):
                continue
        return element
    return None
