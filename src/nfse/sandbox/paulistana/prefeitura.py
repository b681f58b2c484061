"""The Prefeitura de São Paulo as the Paulistana sandbox plays it (layout v1): read the
request document with its own parser, check the schema (when given the official v1 XSDs),
the message's XMLDSig, the TLS certificate against the remetente, the RPS ``Assinatura`` and
the ``AssinaturaCancelamento``; issue, query and cancel notes; answer the ``Retorno...``
documents.

Error codes: 1206 is the manual's (RPS signature incorrect, the description naming the
string verified, as the Prefeitura does). The manual's code list was not available to this
sandbox, so its other refusals use codes of its own, above 9000, to be read as "refused":

====  ==========================================================================
1206  Assinatura Digital do RPS incorreta
9001  XML malformed or against the schema
9002  message XMLDSig missing, not verifying, or from an untrusted certificate
9003  the TLS certificate or the signing certificate is not the remetente's
9004  AssinaturaCancelamento incorreta
9005  no such NFS-e for this prestador
9006  ValorServicos not > 0, or deductions above it
====  ==========================================================================

ConsultaNFe of an RPS that never became a note answers ``Sucesso`` true and no ``NFe``. An
RPS already converted, sent again, answers the note it became (nothing is issued twice).
Cancelling a cancelled note succeeds again."""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NoReturn

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.fuso import SAO_PAULO
from nfse.sandbox.paulistana.estado import Estado
from nfse.xml.validate import validate

NS = "http://www.prefeitura.sp.gov.br/nfe"
DS = "http://www.w3.org/2000/09/xmldsig#"
PEDIDOS = {"EnvioRPS": "PedidoEnvioRPS", "EnvioLoteRPS": "PedidoEnvioLoteRPS",
           "TesteEnvioLoteRPS": "PedidoEnvioLoteRPS", "ConsultaNFe": "PedidoConsultaNFe",
           "CancelamentoNFe": "PedidoCancelamentoNFe"}
RETORNOS = {"EnvioRPS": "RetornoEnvioRPS", "EnvioLoteRPS": "RetornoEnvioLoteRPS",
            "TesteEnvioLoteRPS": "RetornoEnvioLoteRPS", "ConsultaNFe": "RetornoConsulta",
            "CancelamentoNFe": "RetornoCancelamentoNFe"}
MUTANTES = frozenset({"EnvioRPS", "EnvioLoteRPS", "CancelamentoNFe"})
_parser = etree.XMLParser(resolve_entities=False, no_network=True)


class Recusa(Exception):
    def __init__(self, codigo: str, descricao: str):
        super().__init__(descricao)
        self.codigo = codigo
        self.descricao = descricao


def recusar(codigo: str, descricao: str) -> NoReturn:
    raise Recusa(codigo, descricao)


def _agora() -> datetime:
    return datetime.now(SAO_PAULO).replace(microsecond=0)


def _t(element: etree._Element | None, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None else ""


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _canonical(root: etree._Element, sem: etree._Element | None = None) -> bytes:
    """C14N of the document by serialising and re-parsing, without ``sem``."""
    copia = etree.fromstring(etree.tostring(root), _parser)
    if sem is not None:
        indice = list(root.iter()).index(sem)
        alvo = list(copia.iter())[indice]
        alvo.getparent().remove(alvo)
    return etree.tostring(copia, method="c14n", exclusive=False, with_comments=False)


def verificar_documento(root: etree._Element) -> x509.Certificate:
    """The enveloped signature over the whole document (``URI=""``); its certificate."""
    sig = root.find(f"{{{DS}}}Signature")
    if sig is None:
        recusar("9002", "Assinatura digital da mensagem ausente")
    try:
        info = sig.find(f"{{{DS}}}SignedInfo")
        ref = info.find(f"{{{DS}}}Reference")
        algoritmos = (info.find(f"{{{DS}}}SignatureMethod").get("Algorithm"),
                      ref.find(f"{{{DS}}}DigestMethod").get("Algorithm"))
        digest = base64.b64decode(ref.findtext(f"{{{DS}}}DigestValue") or "")
        valor = base64.b64decode(sig.findtext(f"{{{DS}}}SignatureValue") or "")
        cert = x509.load_der_x509_certificate(base64.b64decode(
            sig.findtext(f".//{{{DS}}}X509Certificate") or ""))
    except (AttributeError, ValueError, TypeError):
        recusar("9002", "Assinatura digital da mensagem malformada")
    if algoritmos != (DS + "rsa-sha1", DS + "sha1") or ref.get("URI") != "":
        recusar("9002", "Assinatura digital da mensagem: use RSA-SHA1, SHA-1 e URI vazia")
    if hashlib.sha1(_canonical(root, sig)).digest() != digest:
        recusar("9002", "Assinatura digital da mensagem: resumo (digest) não confere")
    chave = cert.public_key()
    if not isinstance(chave, rsa.RSAPublicKey):
        recusar("9002", "Assinatura digital da mensagem: chave não RSA")
    signed_info = etree.tostring(etree.fromstring(etree.tostring(info), _parser),
                                 method="c14n")
    try:
        chave.verify(valor, signed_info, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        recusar("9002", "Assinatura digital da mensagem não confere")
    return cert


def _assinatura_confere(cert: x509.Certificate, texto: str, assinatura: str) -> bool:
    chave = cert.public_key()
    try:
        assert isinstance(chave, rsa.RSAPublicKey)
        chave.verify(base64.b64decode(assinatura), texto.encode("ascii"), padding.PKCS1v15(),
                     hashes.SHA1())
    except (InvalidSignature, AssertionError, ValueError, UnicodeEncodeError):
        return False
    return True


def _valor(text: str, campo: str) -> Decimal:
    try:
        return Decimal(text or "0")
    except InvalidOperation:
        recusar("9001", f"{campo} inválido: {text!r}")


def _documento_tomador(rps: etree._Element, tag: str) -> tuple[str, str]:
    cpf, cnpj = _t(rps, f"{tag}/CPF"), _t(rps, f"{tag}/CNPJ")
    if cpf:
        return "1", cpf.zfill(14)
    if cnpj:
        return "2", cnpj.zfill(14)
    return "3", "0" * 14


def string_rps(rps: etree._Element) -> str:
    """The RPS signature string as the manual defines it (v1), from the RPS as received."""
    def centavos(tag: str) -> str:
        return str(int(_valor(_t(rps, tag), tag) * 100)).zfill(15)

    data = _t(rps, "DataEmissao").replace("-", "")
    texto = (_t(rps, "ChaveRPS/InscricaoPrestador").zfill(8)
             + _t(rps, "ChaveRPS/SerieRPS").ljust(5)
             + _t(rps, "ChaveRPS/NumeroRPS").zfill(12) + data
             + _t(rps, "TributacaoRPS") + _t(rps, "StatusRPS")
             + ("S" if _t(rps, "ISSRetido") in ("true", "1") else "N")
             + centavos("ValorServicos") + centavos("ValorDeducoes")
             + _t(rps, "CodigoServico").zfill(5) + "".join(_documento_tomador(rps,
                                                                               "CPFCNPJTomador")))
    if rps.find("CPFCNPJIntermediario") is not None:
        texto += "".join(_documento_tomador(rps, "CPFCNPJIntermediario"))
        texto += "S" if _t(rps, "ISSRetidoIntermediario") == "S" else "N"
    return texto


def _nome(cert: x509.Certificate) -> str:
    nomes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(nomes[0].value).split(":")[0][:75] if nomes else "PRESTADOR"


class Prefeitura:
    def __init__(self, estado: Estado, confiavel: Callable[[x509.Certificate], bool],
                 xsd_dir: Path | None = None):
        self.estado = estado
        self.confiavel = confiavel
        self.xsd_dir = xsd_dir

    # -- reading --------------------------------------------------------------------------

    def _ler(self, operacao: str, mensagem: str, cliente: x509.Certificate | None
             ) -> tuple[etree._Element, x509.Certificate]:
        try:
            root = etree.fromstring(mensagem.encode("utf-8"), _parser)
        except etree.XMLSyntaxError as exc:
            recusar("9001", f"XML mal formado: {exc}")
        if etree.QName(root).localname != PEDIDOS[operacao] or etree.QName(root).namespace != NS:
            recusar("9001", f"A operação {operacao} espera {PEDIDOS[operacao]}")
        if self.xsd_dir is not None:
            problemas = validate(root, self.xsd_dir / f"{PEDIDOS[operacao]}_v01.xsd")
            if problemas:
                recusar("9001", f"XML fora do schema: {problemas[0]}"[:300])
        cert = verificar_documento(root)
        if not self.confiavel(cert):
            recusar("9002", "Certificado da assinatura não reconhecido")
        remetente = _t(root, "Cabecalho/CPFCNPJRemetente/CNPJ") or \
            _t(root, "Cabecalho/CPFCNPJRemetente/CPF")
        if document_of(cert) != remetente or (cliente is not None
                                              and document_of(cliente) != remetente):
            recusar("9003", "O certificado não pertence ao remetente (CPFCNPJRemetente)")
        return root, cert

    # -- answering ------------------------------------------------------------------------

    def atender(self, operacao: str, mensagem: str, cliente: x509.Certificate | None) -> bytes:
        """The ``Retorno...`` document of one call."""
        retorno = etree.Element(f"{{{NS}}}{RETORNOS[operacao]}", nsmap={"p1": NS})
        cab = _sub(retorno, "Cabecalho")
        cab.set("Versao", "1")
        sucesso = _sub(cab, "Sucesso", "true")
        try:
            root, cert = self._ler(operacao, mensagem, cliente)
            if operacao == "EnvioRPS":
                self._envio(retorno, root.find("RPS"), cert)
            elif operacao in ("EnvioLoteRPS", "TesteEnvioLoteRPS"):
                self._lote(retorno, root, cert, teste=operacao == "TesteEnvioLoteRPS")
            elif operacao == "ConsultaNFe":
                self._consulta(retorno, root)
            else:
                self._cancelamento(root, cert)
        except (ValueError, InvalidOperation) as exc:  # a number that is none (no schema)
            sucesso.text = "false"
            erro = _sub(retorno, "Erro")
            _sub(erro, "Codigo", "9001")
            _sub(erro, "Descricao", f"Valor inválido no XML: {exc}"[:300])
        except Recusa as exc:
            sucesso.text = "false"
            erro = _sub(retorno, "Erro")
            _sub(erro, "Codigo", exc.codigo)
            _sub(erro, "Descricao", exc.descricao[:300])
        return etree.tostring(retorno, encoding="UTF-8", xml_declaration=True)

    def _verificar_rps(self, rps: etree._Element, cert: x509.Certificate) -> str:
        texto = string_rps(rps)
        if not _assinatura_confere(cert, texto, _t(rps, "Assinatura")):
            recusar("1206", f"Assinatura Digital do RPS incorreta - String verificada ({texto})")
        valor = _valor(_t(rps, "ValorServicos"), "ValorServicos")
        if valor <= 0 or _valor(_t(rps, "ValorDeducoes"), "ValorDeducoes") > valor:
            recusar("9006", "ValorServicos deve ser maior que zero e que as deduções")
        try:
            date.fromisoformat(_t(rps, "DataEmissao"))
        except ValueError:
            recusar("9001", "DataEmissao do RPS inválida")
        return texto

    def _envio(self, retorno: etree._Element, rps: etree._Element,
               cert: x509.Certificate) -> None:
        self._verificar_rps(rps, cert)
        nota = self._emitir(rps, cert)
        chaves = _sub(retorno, "ChaveNFeRPS")
        self._chave_nfe(chaves, nota)
        self._chave_rps(chaves, nota)

    def _lote(self, retorno: etree._Element, root: etree._Element, cert: x509.Certificate,
              teste: bool) -> None:
        lista = root.findall("RPS")
        for rps in lista:
            self._verificar_rps(rps, cert)
        if not teste:
            for rps in lista:
                nota = self._emitir(rps, cert)
                chaves = _sub(retorno, "ChaveNFeRPS")
                self._chave_nfe(chaves, nota)
                self._chave_rps(chaves, nota)

    def _emitir(self, rps: etree._Element, cert: x509.Certificate) -> dict:
        im = _t(rps, "ChaveRPS/InscricaoPrestador")
        serie = _t(rps, "ChaveRPS/SerieRPS")
        numero_rps = int(_t(rps, "ChaveRPS/NumeroRPS"))
        with self.estado.transacao():
            existente = self.estado.por_rps(im, serie, numero_rps)
            if existente is not None:
                return existente
            nota = dict(
                inscricao=im, numero=self.estado.proximo(f"nfe:{im}"),
                codigo_verificacao="".join(secrets.choice(string.ascii_uppercase
                                                          + string.digits) for _ in range(8)),
                serie=serie, rps_numero=numero_rps, remetente=document_of(cert) or "",
                razao_social=_nome(cert), emitida_em=_agora().isoformat(),
                rps=etree.tostring(rps))
            self.estado.registrar(**nota)
        return self.estado.por_rps(im, serie, numero_rps) or nota

    @staticmethod
    def _chave_nfe(parent: etree._Element, nota: dict) -> None:
        chave = _sub(parent, "ChaveNFe")
        _sub(chave, "InscricaoPrestador", nota["inscricao"])
        _sub(chave, "NumeroNFe", str(nota["numero"]))
        _sub(chave, "CodigoVerificacao", nota["codigo_verificacao"])

    @staticmethod
    def _chave_rps(parent: etree._Element, nota: dict) -> None:
        chave = _sub(parent, "ChaveRPS")
        _sub(chave, "InscricaoPrestador", nota["inscricao"])
        _sub(chave, "SerieRPS", nota["serie"])
        _sub(chave, "NumeroRPS", str(nota["rps_numero"]))

    def _consulta(self, retorno: etree._Element, root: etree._Element) -> None:
        for detalhe in root.findall("Detalhe"):
            if detalhe.find("ChaveRPS") is not None:
                nota = self.estado.por_rps(_t(detalhe, "ChaveRPS/InscricaoPrestador"),
                                           _t(detalhe, "ChaveRPS/SerieRPS"),
                                           int(_t(detalhe, "ChaveRPS/NumeroRPS")))
            else:
                nota = self.estado.por_numero(_t(detalhe, "ChaveNFe/InscricaoPrestador"),
                                              int(_t(detalhe, "ChaveNFe/NumeroNFe")))
            if nota is not None:
                retorno.append(self.nfe(nota))

    def _cancelamento(self, root: etree._Element, cert: x509.Certificate) -> None:
        for detalhe in root.findall("Detalhe"):
            im = _t(detalhe, "ChaveNFe/InscricaoPrestador")
            numero = _t(detalhe, "ChaveNFe/NumeroNFe")
            nota = self.estado.por_numero(im, int(numero))
            if nota is None or nota["remetente"] != document_of(cert):
                recusar("9005", f"NFS-e {numero} não encontrada para a inscrição {im}")
            texto = im.zfill(8) + numero.zfill(12)
            if not _assinatura_confere(cert, texto, _t(detalhe, "AssinaturaCancelamento")):
                recusar("9004", f"Assinatura de cancelamento incorreta - String verificada "
                                f"({texto})")
            if not nota["cancelada_em"]:
                self.estado.cancelar(im, int(numero), _agora().isoformat())

    def nfe(self, nota: dict) -> etree._Element:
        """The ``NFe`` (``tpNFe``) of a stored note, in its present state."""
        rps = etree.fromstring(nota["rps"], _parser)
        nfe = etree.Element("NFe")
        self._chave_nfe(nfe, nota)
        _sub(nfe, "DataEmissaoNFe", nota["emitida_em"][:19])
        self._chave_rps(nfe, nota)
        _sub(nfe, "TipoRPS", _t(rps, "TipoRPS") or "RPS")
        _sub(nfe, "DataEmissaoRPS", _t(rps, "DataEmissao"))
        remetente = _sub(nfe, "CPFCNPJPrestador")
        _sub(remetente, "CNPJ" if len(nota["remetente"]) == 14 else "CPF", nota["remetente"])
        _sub(nfe, "RazaoSocialPrestador", nota["razao_social"])
        _sub(nfe, "EnderecoPrestador")
        _sub(nfe, "StatusNFe", "C" if nota["cancelada_em"] else "N")
        if nota["cancelada_em"]:
            _sub(nfe, "DataCancelamento", nota["cancelada_em"][:19])
        _sub(nfe, "TributacaoNFe", _t(rps, "TributacaoRPS"))
        _sub(nfe, "OpcaoSimples", "0")
        valor = _valor(_t(rps, "ValorServicos"), "ValorServicos")
        deducoes = _valor(_t(rps, "ValorDeducoes"), "ValorDeducoes")
        aliquota = _valor(_t(rps, "AliquotaServicos"), "AliquotaServicos")
        _sub(nfe, "ValorServicos", _t(rps, "ValorServicos"))
        _sub(nfe, "ValorDeducoes", _t(rps, "ValorDeducoes"))
        _sub(nfe, "CodigoServico", _t(rps, "CodigoServico"))
        _sub(nfe, "AliquotaServicos", _t(rps, "AliquotaServicos"))
        iss = ((valor - deducoes) * aliquota).quantize(Decimal("0.01"))
        _sub(nfe, "ValorISS", f"{iss:.2f}" if iss else "0")
        _sub(nfe, "ValorCredito", "0")
        _sub(nfe, "ISSRetido", _t(rps, "ISSRetido"))
        for tag in ("CPFCNPJTomador", "InscricaoMunicipalTomador", "InscricaoEstadualTomador",
                    "RazaoSocialTomador", "EnderecoTomador", "EmailTomador"):
            found = rps.find(tag)
            if found is not None:
                nfe.append(found)
        _sub(nfe, "Discriminacao", _t(rps, "Discriminacao"))
        return nfe
