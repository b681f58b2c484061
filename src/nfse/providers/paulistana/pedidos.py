"""The Paulistana request documents, built from the normalised note, signed and checked
against the official schemas of their layout before they may leave.

Two layouts (``Cabecalho Versao`` and the SOAP ``VersaoSchema``), both accepted since
2026-01-01; ``leiaute`` chooses by the note's data: layout 2 (the tax reform's: ``IBSCBS``
group, NBS, cLocPrestacao, ``ValorFinalCobrado`` instead of ``ValorServicos``, the IM up to 12
digits) when the note carries the IBS/CBS group (``codigo_indicador_operacao`` or
``ibs_cbs_classificacao_tributaria``), layout 1 otherwise — what a note without them can
express, and the layout the Prefeitura demands of Simples Nacional taxpayers (error 641).

Every request is one element in ``http://www.prefeitura.sp.gov.br/nfe`` whose children are
unqualified, and ends with an enveloped XMLDSig over the whole document (``Reference
URI=""``, C14N 1.0, RSA-SHA1, SHA-1 digest, the certificate in KeyInfo). The RPS carries its
own ``Assinatura`` (``assinatura.texto_rps``) and a cancellation its
``AssinaturaCancelamento``.

Values: amounts with ``.`` and two places (no leading zeros, as ``tpValor`` wants), the rate
as a fraction (5% = ``0.05``), dates ``AAAA-MM-DD``, the IM as 8 digits (up to 12 in layout
2).
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, files
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
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
TIPO_RPS = "RPS"
ENV_XSD = "NFSE_PAULISTANA_XSD_DIR"
ENV_XSD_V2 = "NFSE_PAULISTANA_XSD_DIR_V2"
SAO_PAULO_IBGE = "3550308"
IBSCBS = {"codigo_indicador_operacao": 6, "ibs_cbs_classificacao_tributaria": 6}
"""The IBS/CBS fields layout 2 sends (cIndOp, cClassTrib) and their digits; either one puts
the note in layout 2."""

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


def leiaute(nota: Nota) -> int:
    """2 when the note carries the IBS/CBS group, else 1 (see the module's docstring)."""
    return 2 if any(nota.servico.reforma.get(campo) for campo in IBSCBS) else 1


def _nbs(nota: Nota) -> str:
    return nota.servico.reforma.get("codigo_nbs", "").replace(".", "")


def _problemas_v2(nota: Nota) -> list[Problema]:
    found = [_problema(f"servico.{campo}", f"O grupo IBS/CBS da NFS-e Paulistana (leiaute 2) "
                       f"exige {size} dígitos aqui", not nota.servico.reforma.get(campo))
             for campo, size in IBSCBS.items()
             if not (nota.servico.reforma.get(campo, "").isdigit()
                     and len(nota.servico.reforma[campo]) == size)]
    nbs = _nbs(nota)
    if not (nbs.isdigit() and len(nbs) == 9):
        found.append(_problema("servico.codigo_nbs", "O leiaute 2 da NFS-e Paulistana exige o "
                               "código NBS do serviço com 9 dígitos", not nbs))
    tomador = nota.tomador
    if (tomador is not None and tomador.motivo_ausencia_nif
            and tomador.motivo_ausencia_nif not in ("0", "1", "2")):
        found.append(_problema("tomador.motivo_ausencia_nif", "Na NFS-e Paulistana o motivo "
                               "da ausência do NIF é 0, 1 ou 2"))
    return found


def problemas(nota: Nota) -> list[Problema]:
    """What the Paulistana layout needs beyond the contract."""
    found: list[Problema] = []
    im = nota.prestador.inscricao_municipal
    digitos = 12 if leiaute(nota) == 2 else 8
    if not im:
        found.append(_problema("prestador.inscricao_municipal", "A NFS-e Paulistana "
                               "identifica o prestador pela inscrição municipal (CCM)", True))
    elif not im.isdigit() or len(im.lstrip("0")) > digitos:
        found.append(_problema("prestador.inscricao_municipal", "Em São Paulo a inscrição "
                               f"municipal (CCM) tem até {digitos} dígitos"
                               + (" no leiaute 1" if digitos == 8 else "")))
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
    if leiaute(nota) == 2:
        found += _problemas_v2(nota)
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
    """The CCM as 8 digits (leading zeros beyond 8 dropped, missing ones added); a longer one
    (layout 2 takes up to 12) as it is without leading zeros."""
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
    if pessoa.cpf or pessoa.cnpj:
        return Documento(cpf=pessoa.cpf, cnpj=None if pessoa.cpf else pessoa.cnpj)
    return Documento(nif=pessoa.nif, nao_nif=None if pessoa.nif else pessoa.motivo_ausencia_nif)


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
        iss_retido_intermediario=False, versao=leiaute(nota))


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


def _cabecalho(root: etree._Element, nota: Nota, versao: int) -> etree._Element:
    cab = _sub(root, "Cabecalho")
    cab.set("Versao", str(versao))
    _cpf_cnpj(cab, "CPFCNPJRemetente", nota.prestador.cnpj, nota.prestador.cpf)
    return cab


def _curto(text: str | None, size: int) -> str | None:
    return text.strip()[:size] if text and text.strip() else None


def _tomador(rps: etree._Element, tomador: Pessoa, versao: int) -> None:
    doc = _documento(tomador)
    if tomador.cnpj or tomador.cpf:
        _cpf_cnpj(rps, "CPFCNPJTomador", tomador.cnpj, tomador.cpf)
    elif versao == 2 and doc.estrangeiro:  # tpCPFCNPJNIF
        node = _sub(rps, "CPFCNPJTomador")
        if doc.nif:
            _sub(node, "NIF", doc.nif.strip()[:40])
        else:
            _sub(node, "NaoNIF", doc.nao_nif)
    im = tomador.inscricao_municipal
    if im and im.isdigit() and len(im) == 8:  # a São Paulo CCM only
        _sub(rps, "InscricaoMunicipalTomador", im)
    if razao := _curto(tomador.razao_social, 75):
        _sub(rps, "RazaoSocialTomador", razao)
    end = tomador.endereco
    if end is not None and end.exterior:
        if versao == 2 and end.codigo_pais and end.codigo_postal and end.cidade and end.regiao:
            exterior = _sub(_sub(rps, "EnderecoTomador"), "EnderecoExterior")
            _sub(exterior, "cPais", end.codigo_pais)
            _sub(exterior, "cEndPost", end.codigo_postal[:11])
            _sub(exterior, "xCidade", end.cidade[:60])
            _sub(exterior, "xEstProvReg", end.regiao[:60])
    elif end is not None:
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
    """``RPS`` (``tpRPS`` of the note's layout) with its ``Assinatura``."""
    s = nota.servico
    campos = campos_rps(nota, rps, hoje)
    versao = campos.versao
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
    if versao == 1:  # layout 2 has no ValorServicos: ValorFinalCobrado, further down
        _sub(node, "ValorServicos", _money(s.valor_servicos))
    _sub(node, "ValorDeducoes", _money(s.valor_deducoes))
    for tag, value in (("ValorPIS", s.valor_pis), ("ValorCOFINS", s.valor_cofins),
                       ("ValorINSS", s.valor_inss), ("ValorIR", s.valor_ir),
                       ("ValorCSLL", s.valor_csll)):
        if value or versao == 2:  # all five are required in layout 2
            _sub(node, tag, _money(value))
    _sub(node, "CodigoServico", campos.codigo_servico)
    _sub(node, "AliquotaServicos", _aliquota(nota))
    _sub(node, "ISSRetido", "true" if s.iss_retido else "false")
    if nota.tomador is not None:
        _tomador(node, nota.tomador, versao)
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
    if versao == 2:
        _reforma(node, nota)
    return node


def _reforma(node: etree._Element, nota: Nota) -> None:
    """What layout 2 adds after the discriminação (``tpRPS`` "complemento para a versão 2.0"):
    the value charged, the federal extras, NBS, where the service was provided and the
    ``IBSCBS`` group. The value goes as ``ValorFinalCobrado`` (the total on the note): the
    Prefeitura no longer takes ``ValorInicialCobrado`` (error 640)."""
    s = nota.servico
    _sub(node, "ValorFinalCobrado", _money(s.valor_servicos))
    _sub(node, "ValorIPI", _money(Decimal("0")))
    _sub(node, "ExigibilidadeSuspensa", "1" if nota.natureza_operacao in (5, 6) else "0")
    _sub(node, "PagamentoParceladoAntecipado", "0")
    _sub(node, "NBS", _nbs(nota))
    if s.codigo_pais and s.codigo_pais != "BR":
        _sub(node, "cPaisPrestacao", s.codigo_pais)
    else:
        _sub(node, "cLocPrestacao", s.codigo_municipio or SAO_PAULO_IBGE)
    grupo = _sub(node, "IBSCBS")
    _sub(grupo, "finNFSe", "0")  # NFS-e regular
    _sub(grupo, "indFinal", "0")  # not for personal use or consumption
    _sub(grupo, "cIndOp", s.reforma["codigo_indicador_operacao"])
    _sub(grupo, "indDest", "0")  # the destinatário is the tomador
    trib = _sub(_sub(_sub(grupo, "valores"), "trib"), "gIBSCBS")
    _sub(trib, "cClassTrib", s.reforma["ibs_cbs_classificacao_tributaria"])


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


def xsd_dir_v2() -> Path:
    """Where the official v2 schemas are: ``NFSE_PAULISTANA_XSD_DIR_V2``, else the copy this
    package ships (``esquemas_v02``, the Prefeitura's ``schemas-reformatributaria-v02-3``)."""
    configured = os.environ.get(ENV_XSD_V2, "").strip()
    return Path(configured) if configured else Path(str(
        resources.files("nfse.providers.paulistana") / "esquemas_v02"))


def esquema(root: etree._Element) -> Path | None:
    """The official schema of a request document, by its ``Cabecalho Versao``."""
    nome = etree.QName(root).localname
    if root.find("Cabecalho") is not None and root.find("Cabecalho").get("Versao") == "2":
        return xsd_dir_v2() / f"{nome}_v02.xsd"
    folder = xsd_dir()
    return folder / f"{nome}_v01.xsd" if folder is not None else None


def _checked(root: etree._Element) -> bytes:
    schema = esquema(root)
    if schema is not None:
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
    _cabecalho(root, nota, leiaute(nota))
    elemento_rps(root, nota, rps, emissor, hoje)
    return _assinado(root, emissor)


def envio_lote(notas: Sequence[tuple[Nota, Rps]], emissor: Emissor,
               hoje: date | None = None) -> bytes:
    """``PedidoEnvioLoteRPS`` of up to 50 RPS of one prestador in one layout (what
    ``EnvioLoteRPS`` and ``TesteEnvioLoteRPS`` take), as one transaction."""
    if not 1 <= len(notas) <= 50 or len({leiaute(n) for n, _ in notas}) != 1:
        raise DocumentoInvalido([Erro("requisicao_invalida", "Um lote da NFS-e Paulistana "
                                      "tem de 1 a 50 RPS de um mesmo leiaute")])
    for nota, _rps in notas:
        _exigir(nota)
    primeira = notas[0][0]
    versao = leiaute(primeira)
    root = _raiz("PedidoEnvioLoteRPS")
    cab = _cabecalho(root, primeira, versao)
    dias = [data_rps(nota, hoje) for nota, _ in notas]
    _sub(cab, "transacao", "true")
    _sub(cab, "dtInicio", min(dias).isoformat())
    _sub(cab, "dtFim", max(dias).isoformat())
    _sub(cab, "QtdRPS", str(len(notas)))
    if versao == 1:  # removed from layout 2 (manual 3.3.3)
        _sub(cab, "ValorTotalServicos",
             _money(sum((n.servico.valor_servicos for n, _ in notas), Decimal("0"))))
        _sub(cab, "ValorTotalDeducoes",
             _money(sum((n.servico.valor_deducoes for n, _ in notas), Decimal("0"))))
    for nota, rps in notas:
        elemento_rps(root, nota, rps, emissor, hoje)
    return _assinado(root, emissor)


def consulta_rps(nota: Nota, rps: Rps, emissor: Emissor) -> bytes:
    """``PedidoConsultaNFe`` by the RPS key."""
    root = _raiz("PedidoConsultaNFe")
    _cabecalho(root, nota, leiaute(nota))
    chave = _sub(_sub(root, "Detalhe"), "ChaveRPS")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "SerieRPS", rps.serie)
    _sub(chave, "NumeroRPS", str(rps.numero))
    return _assinado(root, emissor)


def consulta_nfe(nota: Nota, numero: str, emissor: Emissor) -> bytes:
    """``PedidoConsultaNFe`` by the NFS-e number."""
    root = _raiz("PedidoConsultaNFe")
    _cabecalho(root, nota, leiaute(nota))
    chave = _sub(_sub(root, "Detalhe"), "ChaveNFe")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "NumeroNFe", _numero(numero))
    return _assinado(root, emissor)


def consulta_lote(nota: Nota, numero_lote: str, emissor: Emissor) -> bytes:
    """``PedidoConsultaLote``: the notes of a lot ``EnvioLoteRPS`` issued."""
    root = _raiz("PedidoConsultaLote")
    cab = _cabecalho(root, nota, leiaute(nota))
    _sub(cab, "NumeroLote", _numero(numero_lote))
    return _assinado(root, emissor)


def consulta_recebidas(cnpj: str | None, cpf: str | None, inicio: date, fim: date,
                       pagina: int, emissor: Emissor, versao: int = 2) -> bytes:
    """``PedidoConsultaNFePeriodo`` as ``ConsultaNFeRecebidas`` takes it: the notes issued to
    the tomador ``cnpj``/``cpf`` from ``inicio`` to ``fim`` (at most 31 days, error 1403),
    page ``pagina`` of 50."""
    root = _raiz("PedidoConsultaNFePeriodo")
    cab = _sub(root, "Cabecalho")
    cab.set("Versao", str(versao))
    _cpf_cnpj(cab, "CPFCNPJRemetente", cnpj, cpf)
    _cpf_cnpj(cab, "CPFCNPJ", cnpj, cpf)
    _sub(cab, "dtInicio", inicio.isoformat())
    _sub(cab, "dtFim", fim.isoformat())
    _sub(cab, "NumeroPagina", str(pagina))
    return _assinado(root, emissor)


def _numero(numero: str) -> str:
    if not (so_digitos(numero) and len(numero) <= 12):
        raise DocumentoInvalido([Erro("requisicao_invalida",
                                      f"Número de NFS-e inválido para São Paulo: {numero!r}")])
    return str(int(numero))


def cancelamento(nota: Nota, numero: str, emissor: Emissor) -> bytes:
    """``PedidoCancelamentoNFe`` of one NFS-e, with its ``AssinaturaCancelamento`` (the same
    20-character string in both layouts, manual item 4.3.10)."""
    numero = _numero(numero)
    root = _raiz("PedidoCancelamentoNFe")
    cab = _cabecalho(root, nota, leiaute(nota))
    _sub(cab, "transacao", "true")
    detalhe = _sub(root, "Detalhe")
    chave = _sub(detalhe, "ChaveNFe")
    _sub(chave, "InscricaoPrestador", inscricao(nota))
    _sub(chave, "NumeroNFe", numero)
    _sub(detalhe, "AssinaturaCancelamento",
         assinar(texto_cancelamento(inscricao(nota), numero), emissor.a1))
    return _assinado(root, emissor)
