"""The Paulistana request documents (layout v1, ``Versao="1"``), built from the normalised
note, signed and checked against the official v1 schemas before they may leave.

Every request is one element in ``http://www.prefeitura.sp.gov.br/nfe`` whose children are
unqualified, and ends with an enveloped XMLDSig over the whole document (``Reference
URI=""``, C14N 1.0, RSA-SHA1, SHA-1 digest, the certificate in KeyInfo). The RPS carries its
own ``Assinatura`` (``assinatura.texto_rps``) and a cancellation its
``AssinaturaCancelamento``.

Values: amounts with ``.`` and two places (no leading zeros, as ``tpValor`` wants), the rate
as a fraction (5% = ``0.05``), dates ``AAAA-MM-DD``, the IM as 8 digits.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib.metadata import PackageNotFoundError, files
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota, Pessoa
from nfse.providers.base import Emissor, Erro, Rps
from nfse.providers.paulistana.assinatura import (
    CamposRps,
    Documento,
    assinar,
    texto_cancelamento,
    texto_rps,
)
from nfse.xml.validate import validate

NS = "http://www.prefeitura.sp.gov.br/nfe"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
VERSAO = "1"
TIPO_RPS = "RPS"
ENV_XSD = "NFSE_PAULISTANA_XSD_DIR"

TRIBUTACAO = {1: "T", 2: "F", 3: "A", 4: "M", 5: "X", 6: "X"}
"""natureza_operacao → TributacaoRPS: tributado em São Paulo, fora de São Paulo, isento,
imune, exigibilidade suspensa (judicial or administrative)."""

SIGNED_INFO = (
    f'<SignedInfo xmlns="{DSIG}"><CanonicalizationMethod Algorithm="{C14N}">'
    f'</CanonicalizationMethod><SignatureMethod Algorithm="{DSIG}rsa-sha1"></SignatureMethod>'
    f'<Reference URI=""><Transforms><Transform Algorithm="{DSIG}enveloped-signature">'
    f'</Transform><Transform Algorithm="{C14N}"></Transform></Transforms>'
    f'<DigestMethod Algorithm="{DSIG}sha1"></DigestMethod>'
    "<DigestValue>{digest}</DigestValue></Reference></SignedInfo>")
"""SignedInfo as written (its C14N adds the namespaces in scope where it stands)."""


class DocumentoInvalido(ValueError):
    """The note cannot become a valid document, or the document failed the schema (our
    bug); ``erros`` say why, in Portuguese, and nothing is sent."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


# -- checks at POST ---------------------------------------------------------------------------

def _problema(campo: str, correcao: str, ausente: bool = False) -> Problema:
    return Problema(campo, f'Parâmetro "{campo}" {"não informado" if ausente else "inválido"}',
                    correcao)


def problemas(nota: Nota) -> list[Problema]:
    """What the Paulistana layout needs beyond the contract."""
    found: list[Problema] = []
    im = nota.prestador.inscricao_municipal
    if not im:
        found.append(_problema("prestador.inscricao_municipal", "A NFS-e Paulistana "
                               "identifica o prestador pela inscrição municipal (CCM)", True))
    elif not im.isdigit() or len(im.lstrip("0")) > 8:
        found.append(_problema("prestador.inscricao_municipal", "Em São Paulo a inscrição "
                               "municipal (CCM) tem 8 dígitos"))
    codigo = nota.servico.codigo_tributario_municipio
    if not codigo:
        found.append(_problema("servico.codigo_tributario_municipio", "Informe o código de "
                               "serviço da Prefeitura de São Paulo (4 ou 5 dígitos)", True))
    elif not (codigo.isdigit() and 4 <= len(codigo) <= 5):
        found.append(_problema("servico.codigo_tributario_municipio", "O código de serviço "
                               "da Prefeitura de São Paulo tem 4 ou 5 dígitos"))
    if len(nota.servico.discriminacao) > 2000:
        found.append(_problema("servico.discriminacao", "Na NFS-e Paulistana a discriminação "
                               "tem até 2000 caracteres"))
    if nota.natureza_operacao not in TRIBUTACAO:
        found.append(_problema("natureza_operacao", "A NFS-e Paulistana aceita natureza_"
                               "operacao 1 a 6"))
    inter = nota.intermediario
    if inter is not None and not (inter.cnpj or inter.cpf):
        found.append(_problema("intermediario.cnpj", "A NFS-e Paulistana identifica o "
                               "intermediário por CPF ou CNPJ", True))
    return found


def _exigir(nota: Nota) -> None:
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])


# -- values -----------------------------------------------------------------------------------

def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def _aliquota(nota: Nota) -> str:
    """The rate as a fraction with up to 4 places (5% = 0.05)."""
    rate = (nota.servico.aliquota or Decimal("0")) / 100
    return f"{rate.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP).normalize():f}"


def inscricao(nota: Nota) -> str:
    """The CCM as 8 digits (leading zeros beyond 8 dropped, missing ones added)."""
    im = nota.prestador.inscricao_municipal
    return im.lstrip("0").zfill(8) if im.isdigit() else im


def _hoje() -> date:
    return datetime.now(SAO_PAULO).date()


def data_rps(nota: Nota, hoje: date | None = None) -> date:
    """The RPS date: the note's in Brasília, never after today."""
    return min(nota.data_emissao.astimezone(SAO_PAULO).date(), hoje or _hoje())


def _documento(pessoa: Pessoa | None) -> Documento:
    if pessoa is None:
        return Documento()
    return Documento(cpf=pessoa.cpf, cnpj=None if pessoa.cpf else pessoa.cnpj)


def campos_rps(nota: Nota, rps: Rps, hoje: date | None = None) -> CamposRps:
    s = nota.servico
    return CamposRps(
        inscricao_prestador=inscricao(nota), serie=rps.serie, numero=rps.numero,
        data_emissao=data_rps(nota, hoje), tributacao=TRIBUTACAO[nota.natureza_operacao],
        status="N", iss_retido=s.iss_retido, valor_servicos=s.valor_servicos,
        valor_deducoes=s.valor_deducoes,
        codigo_servico=s.codigo_tributario_municipio or "",
        tomador=_documento(nota.tomador),
        intermediario=_documento(nota.intermediario) if nota.intermediario else None,
        iss_retido_intermediario=False)


# -- building ---------------------------------------------------------------------------------

def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _raiz(tag: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{tag}", nsmap={"p1": NS})


def _cpf_cnpj(parent: etree._Element, tag: str, cnpj: str | None, cpf: str | None) -> None:
    node = _sub(parent, tag)
    if cpf and not cnpj:
        _sub(node, "CPF", cpf)
    else:
        _sub(node, "CNPJ", cnpj)


def _cabecalho(root: etree._Element, nota: Nota) -> etree._Element:
    cab = _sub(root, "Cabecalho")
    cab.set("Versao", VERSAO)
    _cpf_cnpj(cab, "CPFCNPJRemetente", nota.prestador.cnpj, nota.prestador.cpf)
    return cab


def _curto(text: str | None, size: int) -> str | None:
    return text.strip()[:size] if text and text.strip() else None


def _tomador(rps: etree._Element, tomador: Pessoa) -> None:
    if tomador.cnpj or tomador.cpf:
        _cpf_cnpj(rps, "CPFCNPJTomador", tomador.cnpj, tomador.cpf)
    im = tomador.inscricao_municipal
    if im and im.isdigit() and len(im) == 8:  # a São Paulo CCM only
        _sub(rps, "InscricaoMunicipalTomador", im)
    if razao := _curto(tomador.razao_social, 75):
        _sub(rps, "RazaoSocialTomador", razao)
    end = tomador.endereco
    if end is not None and not end.exterior:
        node = _sub(rps, "EnderecoTomador")
        for tag, value, size in (("TipoLogradouro", end.tipo_logradouro, 3),
                                 ("Logradouro", end.logradouro, 50),
                                 ("NumeroEndereco", end.numero, 10),
                                 ("ComplementoEndereco", end.complemento, 30),
                                 ("Bairro", end.bairro, 30)):
            if text := _curto(value, size):
                _sub(node, tag, text)
        if end.codigo_municipio:
            _sub(node, "Cidade", end.codigo_municipio)
        if end.uf:
            _sub(node, "UF", end.uf)
        if end.cep:
            _sub(node, "CEP", end.cep)
    if email := _curto(tomador.email, 75):
        _sub(rps, "EmailTomador", email)


def elemento_rps(parent: etree._Element, nota: Nota, rps: Rps, emissor: Emissor,
                 hoje: date | None = None) -> etree._Element:
    """``RPS`` (``tpRPS``) with its ``Assinatura``."""
    s = nota.servico
    campos = campos_rps(nota, rps, hoje)
    node = _sub(parent, "RPS")
    _sub(node, "Assinatura", assinar(texto_rps(campos), emissor.a1))
    chave = _sub(node, "ChaveRPS")
    _sub(chave, "InscricaoPrestador", campos.inscricao_prestador)
    _sub(chave, "SerieRPS", rps.serie)
    _sub(chave, "NumeroRPS", str(rps.numero))
    _sub(node, "TipoRPS", TIPO_RPS)
    _sub(node, "DataEmissao", campos.data_emissao.isoformat())
    _sub(node, "StatusRPS", campos.status)
    _sub(node, "TributacaoRPS", campos.tributacao)
    _sub(node, "ValorServicos", _money(s.valor_servicos))
    _sub(node, "ValorDeducoes", _money(s.valor_deducoes))
    for tag, value in (("ValorPIS", s.valor_pis), ("ValorCOFINS", s.valor_cofins),
                       ("ValorINSS", s.valor_inss), ("ValorIR", s.valor_ir),
                       ("ValorCSLL", s.valor_csll)):
        if value:
            _sub(node, tag, _money(value))
    _sub(node, "CodigoServico", campos.codigo_servico)
    _sub(node, "AliquotaServicos", _aliquota(nota))
    _sub(node, "ISSRetido", "true" if s.iss_retido else "false")
    if nota.tomador is not None:
        _tomador(node, nota.tomador)
    inter = nota.intermediario
    if inter is not None:
        _cpf_cnpj(node, "CPFCNPJIntermediario", inter.cnpj, inter.cpf)
        im = inter.inscricao_municipal
        if im and im.isdigit() and len(im) == 8:
            _sub(node, "InscricaoMunicipalIntermediario", im)
        _sub(node, "ISSRetidoIntermediario", "N")
        if email := _curto(inter.email, 75):
            _sub(node, "EmailIntermediario", email)
    _sub(node, "Discriminacao", s.discriminacao)
    if s.percentual_total_tributos:
        _sub(node, "ValorCargaTributaria",
             _money(s.valor_servicos * s.percentual_total_tributos / 100))
    return node


# -- signing and checking ---------------------------------------------------------------------

def assinar_documento(root: etree._Element, emissor: Emissor) -> None:
    """Append the enveloped signature of the whole document (``Reference URI=""``).

    The signed bytes are the SignedInfo's inclusive C14N as a document subset: it carries
    every namespace in scope where it stands, so the root's ``xmlns:p1`` too (C14N writes
    the default namespace first, then prefixes in order)."""
    canonical = etree.tostring(root, method="c14n", exclusive=False, with_comments=False)
    signed_info = SIGNED_INFO.format(digest=base64.b64encode(
        hashlib.sha1(canonical).digest()).decode())
    no_contexto = signed_info.replace(f'<SignedInfo xmlns="{DSIG}">',
                                      f'<SignedInfo xmlns="{DSIG}" xmlns:p1="{NS}">', 1)
    value = emissor.a1.key.sign(no_contexto.encode(), padding.PKCS1v15(), hashes.SHA1())
    root.append(etree.fromstring(
        f'<Signature xmlns="{DSIG}">{signed_info}<SignatureValue>'
        f"{base64.b64encode(value).decode()}</SignatureValue><KeyInfo><X509Data>"
        f"<X509Certificate>{emissor.a1.cert_base64}</X509Certificate></X509Data></KeyInfo>"
        "</Signature>"))


@cache
def _xsd_do_pacote() -> Path | None:
    """The v1 schemas the ``nfselib-legacy`` wheel ships, when installed."""
    try:
        found = files("nfselib-legacy") or []
    except PackageNotFoundError:
        return None
    for item in found:
        if str(item).endswith("PAULISTANA/TiposNFe_v01.xsd"):
            return Path(str(item.locate())).parent
    return None


def xsd_dir() -> Path | None:
    """Where the official v1 schemas are: ``NFSE_PAULISTANA_XSD_DIR``, else the copy of the
    ``nfselib-legacy`` wheel; None = documents go unchecked (the Prefeitura then speaks)."""
    configured = os.environ.get(ENV_XSD, "").strip()
    return Path(configured) if configured else _xsd_do_pacote()


def _checked(root: etree._Element) -> bytes:
    folder = xsd_dir()
    if folder is not None:
        schema = folder / f"{etree.QName(root).localname}_v01.xsd"
        problems = validate(root, schema)
        if problems:
            raise DocumentoInvalido([
                Erro("erro_schema", f"Documento fora do leiaute da NFS-e Paulistana: {p}",
                     "Erro do gateway ao montar o XML; informe o suporte")
                for p in problems[:10]])
    return etree.tostring(root, encoding="UTF-8")


def _assinado(root: etree._Element, emissor: Emissor) -> bytes:
    assinar_documento(root, emissor)
    return _checked(root)


# -- the documents ----------------------------------------------------------------------------

def envio_rps(nota: Nota, rps: Rps, emissor: Emissor, hoje: date | None = None) -> bytes:
    """``PedidoEnvioRPS``: one RPS to become an NFS-e."""
    _exigir(nota)
    root = _raiz("PedidoEnvioRPS")
    _cabecalho(root, nota)
    elemento_rps(root, nota, rps, emissor, hoje)
    return _assinado(root, emissor)


def envio_lote(nota: Nota, rps: Rps, emissor: Emissor, hoje: date | None = None) -> bytes:
    """``PedidoEnvioLoteRPS`` of one RPS (what ``TesteEnvioLoteRPS`` takes)."""
    _exigir(nota)
    root = _raiz("PedidoEnvioLoteRPS")
    cab = _cabecalho(root, nota)
    dia = data_rps(nota, hoje).isoformat()
    _sub(cab, "transacao", "true")
    _sub(cab, "dtInicio", dia)
    _sub(cab, "dtFim", dia)
    _sub(cab, "QtdRPS", "1")
    _sub(cab, "ValorTotalServicos", _money(nota.servico.valor_servicos))
    _sub(cab, "ValorTotalDeducoes", _money(nota.servico.valor_deducoes))
    elemento_rps(root, nota, rps, emissor, hoje)
    return _assinado(root, emissor)


def consulta_rps(nota: Nota, rps: Rps, emissor: Emissor) -> bytes:
    """``PedidoConsultaNFe`` by the RPS key."""
    root = _raiz("PedidoConsultaNFe")
    _cabecalho(root, nota)
    chave = _sub(_sub(root, "Detalhe"), "ChaveRPS")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "SerieRPS", rps.serie)
    _sub(chave, "NumeroRPS", str(rps.numero))
    return _assinado(root, emissor)


def consulta_nfe(nota: Nota, numero: str, emissor: Emissor) -> bytes:
    """``PedidoConsultaNFe`` by the NFS-e number."""
    root = _raiz("PedidoConsultaNFe")
    _cabecalho(root, nota)
    chave = _sub(_sub(root, "Detalhe"), "ChaveNFe")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "NumeroNFe", _numero(numero))
    return _assinado(root, emissor)


def _numero(numero: str) -> str:
    if not (numero.isdigit() and len(numero) <= 12):
        raise DocumentoInvalido([Erro("requisicao_invalida",
                                      f"Número de NFS-e inválido para São Paulo: {numero!r}")])
    return str(int(numero))


def cancelamento(nota: Nota, numero: str, emissor: Emissor) -> bytes:
    """``PedidoCancelamentoNFe`` of one NFS-e, with its ``AssinaturaCancelamento``."""
    numero = _numero(numero)
    root = _raiz("PedidoCancelamentoNFe")
    cab = _cabecalho(root, nota)
    _sub(cab, "transacao", "true")
    detalhe = _sub(root, "Detalhe")
    chave = _sub(detalhe, "ChaveNFe")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "NumeroNFe", numero)
    _sub(detalhe, "AssinaturaCancelamento",
         assinar(texto_cancelamento(inscricao(nota), numero), emissor.a1))
    return _assinado(root, emissor)
