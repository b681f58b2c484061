"""IPM's answers (``<retorno>``): messages and the note's identification.

Every answer carries one or more ``<mensagem>`` with ``<codigo>`` texts of the form
``00001 - Sucesso`` (a 5-digit code, then the text); ``00001`` is success, any other code a
refusal. A successful emission or query adds ``numero_nfse``, ``serie_nfse``, ``data_nfse``
(DD/MM/AAAA), ``hora_nfse``, ``situacao_codigo_nfse``, ``situacao_descricao_nfse``,
``link_nfse`` and ``cod_verificador_autenticidade``, at the root or, in the "retorno
completo" a prestador may turn on, in the ``nf`` of a ``nfse`` element (ACBr's
``IPM.Provider.pas``). An answer that is not XML (an HTML error page, plain text) is
unreadable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.providers.base import Erro
from nfse.xml import seguro

SUCESSO = "00001"
VALIDA_PARA_EMISSAO = "NFS-e válida para emissão"
"""What IPM answers a valid document sent with ``nfse_teste`` 1 (NTE 122/2025)."""
CANCELADA = "C"
"""``situacao_codigo_nfse``/``situacao`` of a cancelled note."""


def _de_json(body: bytes) -> etree._Element | None:
    """IPM's JSON refusal ``{"retorno": {"code": ..., "msg": ...}}`` (ACBr reads it so) as
    the ``retorno`` element it stands for; None for anything else."""
    try:
        dados = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    retorno = dados.get("retorno") if isinstance(dados, dict) else None
    if not isinstance(retorno, dict) or not retorno.get("msg"):
        return None
    root = etree.Element("retorno")
    codigo = etree.SubElement(etree.SubElement(root, "mensagem"), "codigo")
    codigo.text = f"{str(retorno.get('code') or '').zfill(5)} - {retorno['msg']}"
    return root


def ler(body: bytes) -> etree._Element | None:
    """The ``retorno`` element (from IPM's JSON refusal too), or None when the answer is
    neither."""
    if body.lstrip()[:1] == b"{":
        return _de_json(body)
    try:
        root = seguro.ler(body)
    except (etree.XMLSyntaxError, ValueError):
        return None
    return root if isinstance(root.tag, str) and etree.QName(root).localname == "retorno" \
        else None


def mensagens(root: etree._Element) -> list[Erro]:
    """Every ``mensagem`` as (code, text): ``00001 - Sucesso`` → ("00001", "Sucesso"); a
    text without code keeps it whole with code ``""``."""
    found: list[Erro] = []
    for mensagem in root.iter("mensagem"):
        for codigo in mensagem.iter("codigo"):
            texto = (codigo.text or "").strip()
            numero, _, resto = texto.partition(" ")
            if numero.rstrip(":").isdigit():
                found.append(Erro(numero.rstrip(":"), resto.lstrip("-: ").strip() or texto))
            elif texto:
                found.append(Erro("", texto))
    return found


def erros(root: etree._Element) -> list[Erro]:
    """The messages that are not success."""
    return [m for m in mensagens(root) if m.codigo != SUCESSO]


def validada_em_teste(root: etree._Element) -> bool:
    """Whether IPM validated a ``nfse_teste`` document (it answers so as an "error")."""
    return any(VALIDA_PARA_EMISSAO.lower() in m.mensagem.lower() for m in mensagens(root))


@dataclass(frozen=True)
class NotaIpm:
    numero: str
    serie: str | None
    codigo_verificacao: str | None
    link: str | None
    data_emissao: datetime | None
    situacao: str | None


def _campos(root: etree._Element) -> etree._Element | None:
    """Where the note's fields are: the root, or the ``nfse/nf`` of a complete answer."""
    if root.findtext("numero_nfse"):
        return root
    return next((nf for nf in root.iter("nf") if nf.findtext("numero_nfse")), None)


def _data_hora(dia: str | None, hora: str | None) -> datetime | None:
    try:
        quando = datetime.strptime(f"{dia or ''} {hora or '00:00:00'}".strip(),
                                   "%d/%m/%Y %H:%M:%S")
    except ValueError:
        return None
    return quando.replace(tzinfo=SAO_PAULO)


def nota(root: etree._Element) -> NotaIpm | None:
    """The note an answer identifies, or None."""
    campos = _campos(root)
    if campos is None:
        return None
    return NotaIpm(
        numero=(campos.findtext("numero_nfse") or "").strip(),
        serie=campos.findtext("serie_nfse"),
        codigo_verificacao=campos.findtext("cod_verificador_autenticidade")
        or campos.findtext("codigo_autenticidade"),
        link=campos.findtext("link_nfse"),
        data_emissao=_data_hora(campos.findtext("data_nfse"), campos.findtext("hora_nfse")),
        situacao=campos.findtext("situacao_codigo_nfse"),
    )


def documento_da_nota(enviado: bytes, nota_ipm: NotaIpm) -> bytes:
    """The note kept by the gateway: the ``<nfse>`` that was sent (without ``nfse_teste``
    and signature) with IPM's identification added to its ``nf``, as ACBr keeps it
    (``GerarXMLNota``); IPM's emission answer carries no copy of the note."""
    root = seguro.ler(enviado)
    for tag in ("nfse_teste", "{http://www.w3.org/2000/09/xmldsig#}Signature"):
        for element in root.findall(tag):
            root.remove(element)
    root.attrib.pop("Id", None)
    nf = root.find("nf")
    if nf is None:
        nf = etree.SubElement(root, "nf")
    quando = nota_ipm.data_emissao
    for tag, valor in (("numero_nfse", nota_ipm.numero), ("serie_nfse", nota_ipm.serie),
                       ("cod_verificador_autenticidade", nota_ipm.codigo_verificacao),
                       ("link_nfse", nota_ipm.link),
                       ("data_nfse", f"{quando:%d/%m/%Y}" if quando else None),
                       ("hora_nfse", f"{quando:%H:%M:%S}" if quando else None),
                       ("situacao_codigo_nfse", nota_ipm.situacao)):
        if valor:
            etree.SubElement(nf, tag).text = valor
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
