"""The Prefeitura de São Paulo as the Paulistana sandbox plays it, in layouts 1 and 2: read
the request document with its own parser, check that its ``Cabecalho Versao`` is the call's
``VersaoSchema``, the schema of that layout (when given the official XSDs), the message's
XMLDSig, the TLS certificate against the remetente, the RPS ``Assinatura`` (the string of the
layout: 8-digit IM and ValorServicos in 1; 12-digit IM, the value charged and the NIF/NaoNIF of
a tomador abroad in 2) and the ``AssinaturaCancelamento``; issue (one RPS or a lot), query (by
RPS, by number, by lot, the notes a tomador received in a period, 50 a page) and cancel; answer
the ``Retorno...`` documents in the request's layout.

Error codes are the manual's ("Manual de Utilização Web Service" v3.3.4, item 4.5.1), the
description followed by what was found:

====  ==========================================================================
640   ValorInicialCobrado sent in layout 2: the Prefeitura takes only ValorFinalCobrado
      (not in manual 3.3.4; the code and rule as public integrations report them)
303   value of the services not above zero
304   deductions not below the value of the services
1001  XML malformed or against the schema
1002  Cabecalho Versao is not the call's VersaoSchema
1050  the signing certificate is not trusted
1056  the message's digest does not match
1057  the message's signature does not verify (or is missing or malformed)
1100  the TLS certificate or the signing certificate is not the remetente's
1105  no such lot for this remetente
1106  no such NFS-e for this prestador (queries, cancellation)
1206  Assinatura Digital do RPS incorreta - String verificada (...)
1305  Assinatura de cancelamento da NF-e incorreta - String verificada (...)
1402  the signing certificate is not the tomador whose received notes are asked
1403  a period of received notes longer than 31 days
====  ==========================================================================

ConsultaNFe of an RPS that never became a note answers ``Sucesso`` true and no ``NFe``. An
RPS already converted, sent again, answers the note it became (nothing is issued twice).
Cancelling a cancelled note succeeds again."""

from __future__ import annotations

import base64
import copy
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
           "CancelamentoNFe": "PedidoCancelamentoNFe", "ConsultaLote": "PedidoConsultaLote",
           "ConsultaNFeRecebidas": "PedidoConsultaNFePeriodo"}
RETORNOS = {"EnvioRPS": "RetornoEnvioRPS", "EnvioLoteRPS": "RetornoEnvioLoteRPS",
            "TesteEnvioLoteRPS": "RetornoEnvioLoteRPS", "ConsultaNFe": "RetornoConsulta",
            "CancelamentoNFe": "RetornoCancelamentoNFe", "ConsultaLote": "RetornoConsulta",
            "ConsultaNFeRecebidas": "RetornoConsulta"}
POR_PAGINA = 50
PERIODO_MAXIMO = 31
"""Days a query of received notes may span (error 1403)."""
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
        recusar("1057", "Rejeição: Assinatura difere do calculado - assinatura ausente")
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
        recusar("1057", "Rejeição: Assinatura difere do calculado - assinatura malformada")
    if algoritmos != (DS + "rsa-sha1", DS + "sha1") or ref.get("URI") != "":
        recusar("1057", "Rejeição: Assinatura difere do calculado - use RSA-SHA1, SHA-1 e "
                        "URI vazia")
    if hashlib.sha1(_canonical(root, sig)).digest() != digest:
        recusar("1056", "Rejeição: Assinatura – Digest difere do calculado")
    chave = cert.public_key()
    if not isinstance(chave, rsa.RSAPublicKey):
        recusar("1050", "Rejeição: Certificado Assinatura Inválido - chave não RSA")
    signed_info = etree.tostring(etree.fromstring(etree.tostring(info), _parser),
                                 method="c14n")
    try:
        chave.verify(valor, signed_info, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        recusar("1057", "Rejeição: Assinatura difere do calculado")
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
        recusar("1001", f"XML não compatível com Schema: {campo} inválido: {text!r}")


def _documento(rps: etree._Element, tag: str) -> tuple[str, str]:
    cpf, cnpj = _t(rps, f"{tag}/CPF"), _t(rps, f"{tag}/CNPJ")
    if cpf:
        return "1", cpf.zfill(14)
    if cnpj:
        return "2", cnpj.zfill(14)
    if rps.find(f"{tag}/NIF") is not None or rps.find(f"{tag}/NaoNIF") is not None:
        return "4", "0" * 14
    return "3", "0" * 14


def valor_cobrado(rps: etree._Element) -> str:
    """The value the RPS signature covers: ValorServicos (layout 1), else ValorFinalCobrado
    or ValorInicialCobrado (layout 2)."""
    for tag in ("ValorServicos", "ValorFinalCobrado", "ValorInicialCobrado"):
        if rps.find(tag) is not None:
            return _t(rps, tag)
    return ""


def string_rps(rps: etree._Element, versao: int) -> str:
    """The RPS signature string as the manual defines it for layout ``versao``, from the RPS
    as received."""
    def centavos(text: str, tag: str) -> str:
        return str(int(_valor(text, tag) * 100)).zfill(15)

    data = _t(rps, "DataEmissao").replace("-", "")
    texto = (_t(rps, "ChaveRPS/InscricaoPrestador").zfill(12 if versao == 2 else 8)
             + _t(rps, "ChaveRPS/SerieRPS").ljust(5)
             + _t(rps, "ChaveRPS/NumeroRPS").zfill(12) + data
             + _t(rps, "TributacaoRPS") + _t(rps, "StatusRPS")
             + ("S" if _t(rps, "ISSRetido") in ("true", "1") else "N")
             + centavos(valor_cobrado(rps), "Valor") + centavos(_t(rps, "ValorDeducoes"),
                                                                "ValorDeducoes")
             + _t(rps, "CodigoServico").zfill(5)
             + "".join(_documento(rps, "CPFCNPJTomador")))
    if rps.find("CPFCNPJIntermediario") is not None:
        texto += "".join(_documento(rps, "CPFCNPJIntermediario"))
        texto += "S" if _t(rps, "ISSRetidoIntermediario") in ("S", "true") else "N"
    if versao == 2:
        texto += _t(rps, "CPFCNPJTomador/NIF") or _t(rps, "CPFCNPJTomador/NaoNIF")
    return texto


def _nome(cert: x509.Certificate) -> str:
    nomes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(nomes[0].value).split(":")[0][:75] if nomes else "PRESTADOR"


class Prefeitura:
    def __init__(self, estado: Estado, confiavel: Callable[[x509.Certificate], bool],
                 xsd_dir: Path | None = None, xsd_dir_v2: Path | None = None):
        self.estado = estado
        self.confiavel = confiavel
        self.esquemas = {1: xsd_dir, 2: xsd_dir_v2}

    # -- reading --------------------------------------------------------------------------

    def _ler(self, operacao: str, versao: int, mensagem: str, cliente: x509.Certificate | None
             ) -> tuple[etree._Element, x509.Certificate]:
        try:
            root = etree.fromstring(mensagem.encode("utf-8"), _parser)
        except etree.XMLSyntaxError as exc:
            recusar("1001", f"XML não compatível com Schema: XML mal formado: {exc}")
        if etree.QName(root).localname != PEDIDOS[operacao] or etree.QName(root).namespace != NS:
            recusar("1001", f"XML não compatível com Schema: a operação {operacao} espera "
                            f"{PEDIDOS[operacao]}")
        if (root.find("Cabecalho") is None
                or root.find("Cabecalho").get("Versao") != str(versao)):
            recusar("1002", f"Versão do Schema XML Incorreto: VersaoSchema {versao} e "
                            f"Cabecalho Versao {root.find('Cabecalho').get('Versao')!r}"
                    if root.find("Cabecalho") is not None else
                    "Versão do Schema XML Incorreto: sem Cabecalho")
        pasta = self.esquemas.get(versao)
        if pasta is not None:
            problemas = validate(root, pasta / f"{PEDIDOS[operacao]}_v0{versao}.xsd")
            if problemas:
                recusar("1001", f"XML não compatível com Schema: {problemas[0]}"[:300])
        cert = verificar_documento(root)
        if not self.confiavel(cert):
            recusar("1050", "Rejeição: Certificado Assinatura Inválido - não reconhecido")
        remetente = _t(root, "Cabecalho/CPFCNPJRemetente/CNPJ") or \
            _t(root, "Cabecalho/CPFCNPJRemetente/CPF")
        if document_of(cert) != remetente or (cliente is not None
                                              and document_of(cliente) != remetente):
            recusar("1100", "O CNPJ do usuário autorizado a enviar a mensagem XML não confere "
                            "com o CNPJ usado na comunicação")
        return root, cert

    # -- answering ------------------------------------------------------------------------

    def atender(self, operacao: str, mensagem: str, cliente: x509.Certificate | None,
                versao: int = 1) -> bytes:
        """The ``Retorno...`` document of one call, in layout ``versao`` (the call's
        ``VersaoSchema``)."""
        retorno = etree.Element(f"{{{NS}}}{RETORNOS[operacao]}", nsmap={"p1": NS})
        cab = _sub(retorno, "Cabecalho")
        cab.set("Versao", str(versao))
        sucesso = _sub(cab, "Sucesso", "true")
        try:
            root, cert = self._ler(operacao, versao, mensagem, cliente)
            if operacao == "EnvioRPS":
                self._envio(retorno, root.find("RPS"), cert, versao)
            elif operacao in ("EnvioLoteRPS", "TesteEnvioLoteRPS"):
                self._lote(retorno, root, cert, versao, teste=operacao == "TesteEnvioLoteRPS")
            elif operacao == "ConsultaNFe":
                self._consulta(retorno, root, versao)
            elif operacao == "ConsultaLote":
                self._consulta_lote(retorno, root, cert, versao)
            elif operacao == "ConsultaNFeRecebidas":
                self._recebidas(retorno, root, cert, versao)
            else:
                self._cancelamento(root, cert)
        except (ValueError, InvalidOperation) as exc:  # a number that is none (no schema)
            sucesso.text = "false"
            erro = _sub(retorno, "Erro")
            _sub(erro, "Codigo", "1001")
            _sub(erro, "Descricao", f"XML não compatível com Schema: {exc}"[:300])
        except Recusa as exc:
            sucesso.text = "false"
            for child in retorno.findall("NFe") + retorno.findall("ChaveNFeRPS"):
                retorno.remove(child)
            erro = _sub(retorno, "Erro")
            _sub(erro, "Codigo", exc.codigo)
            _sub(erro, "Descricao", exc.descricao[:300])
        return etree.tostring(retorno, encoding="UTF-8", xml_declaration=True)

    def _verificar_rps(self, rps: etree._Element, cert: x509.Certificate, versao: int) -> str:
        if versao == 2 and rps.find("ValorInicialCobrado") is not None:
            recusar("640", "ValorInicialCobrado não é mais aceito: informe o ValorFinalCobrado")
        texto = string_rps(rps, versao)
        if not _assinatura_confere(cert, texto, _t(rps, "Assinatura")):
            recusar("1206", f"Assinatura Digital do RPS incorreta - String verificada ({texto})")
        valor = _valor(valor_cobrado(rps), "Valor")
        if valor <= 0:
            recusar("303", "O Valor dos serviços deverá ser superior a R$ 0,00 (zero).")
        if _valor(_t(rps, "ValorDeducoes"), "ValorDeducoes") >= valor \
                and _valor(_t(rps, "ValorDeducoes"), "ValorDeducoes") > 0:
            recusar("304", "O Valor das deduções deverá ser inferior ao valor dos serviços.")
        try:
            date.fromisoformat(_t(rps, "DataEmissao"))
        except ValueError:
            recusar("312", "A data da emissão do RPS não foi preenchida corretamente.")
        return texto

    def _envio(self, retorno: etree._Element, rps: etree._Element,
               cert: x509.Certificate, versao: int) -> None:
        self._verificar_rps(rps, cert, versao)
        nota = self._emitir(rps, cert)
        chaves = _sub(retorno, "ChaveNFeRPS")
        self._chave_nfe(chaves, nota)
        self._chave_rps(chaves, nota)

    def _lote(self, retorno: etree._Element, root: etree._Element, cert: x509.Certificate,
              versao: int, teste: bool) -> None:
        lista = root.findall("RPS")
        for rps in lista:
            self._verificar_rps(rps, cert, versao)
        if len({_t(rps, "ChaveRPS/InscricaoPrestador") for rps in lista}) > 1:
            recusar("1201", "Só é permitido o envio de RPS emitidos por um único Prestador de "
                            "Serviços (mesma inscrição municipal).")
        if _t(root, "Cabecalho/QtdRPS") != str(len(lista)):
            recusar("1203", f"Total de RPS não confere com o enviado ({len(lista)}).")
        if teste:
            return
        remetente = document_of(cert) or ""
        notas = [self._emitir(rps, cert) for rps in lista]
        lote = self.estado.proximo(f"lote:{remetente}")
        self.estado.registrar_lote(remetente, lote, notas)
        info = etree.Element("InformacoesLote")
        retorno.find("Cabecalho").append(info)
        _sub(info, "NumeroLote", str(lote))
        _sub(info, "InscricaoPrestador", _t(lista[0], "ChaveRPS/InscricaoPrestador"))
        _cpf_cnpj(_sub(info, "CPFCNPJRemetente"), remetente)
        _sub(info, "DataEnvioLote", _agora().isoformat()[:19])
        _sub(info, "QtdNotasProcessadas", str(len(notas)))
        _sub(info, "TempoProcessamento", "0")
        total = sum((_valor(valor_cobrado(rps), "Valor") for rps in lista), Decimal("0"))
        _sub(info, "ValorTotalServicos", f"{total:.2f}")
        for nota in notas:
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

    def _consulta(self, retorno: etree._Element, root: etree._Element, versao: int) -> None:
        for detalhe in root.findall("Detalhe"):
            if detalhe.find("ChaveRPS") is not None:
                nota = self.estado.por_rps(_t(detalhe, "ChaveRPS/InscricaoPrestador"),
                                           _t(detalhe, "ChaveRPS/SerieRPS"),
                                           int(_t(detalhe, "ChaveRPS/NumeroRPS")))
            else:
                nota = self.estado.por_numero(_t(detalhe, "ChaveNFe/InscricaoPrestador"),
                                              int(_t(detalhe, "ChaveNFe/NumeroNFe")))
            if nota is not None:
                retorno.append(self.nfe(nota, versao))

    def _consulta_lote(self, retorno: etree._Element, root: etree._Element,
                       cert: x509.Certificate, versao: int) -> None:
        lote = int(_t(root, "Cabecalho/NumeroLote"))
        notas = self.estado.do_lote(document_of(cert) or "", lote)
        if not notas:
            recusar("1105", f"Lote não encontrado. ({lote})")
        for nota in notas:
            retorno.append(self.nfe(nota, versao))

    def _recebidas(self, retorno: etree._Element, root: etree._Element,
                   cert: x509.Certificate, versao: int) -> None:
        """The notes issued to the tomador from dtInicio to dtFim (or cancelled then), by
        date and prestador's IM, page NumeroPagina of 50 (manual item 4.3.6)."""
        tomador = _t(root, "Cabecalho/CPFCNPJ/CNPJ") or _t(root, "Cabecalho/CPFCNPJ/CPF")
        if tomador != document_of(cert):
            recusar("1402", "O CPF/CNPJ da assinatura da mensagem XML não tem acesso ao "
                            "Tomador de Serviços informado.")
        inicio = date.fromisoformat(_t(root, "Cabecalho/dtInicio"))
        fim = date.fromisoformat(_t(root, "Cabecalho/dtFim"))
        if (fim - inicio).days >= PERIODO_MAXIMO or fim < inicio:
            recusar("1403", "As datas informadas compreendem um período maior que o permitido. "
                            "O período não pode abranger mais que 31 dias.")
        pagina = int(_t(root, "Cabecalho/NumeroPagina") or "1")

        def quando(nota: dict) -> str:
            return nota["cancelada_em"] or nota["emitida_em"]

        achadas = sorted((nota for nota in self.estado.notas()
                          if self._tomador(nota) == tomador
                          and inicio <= date.fromisoformat(quando(nota)[:10]) <= fim),
                         key=lambda nota: (quando(nota), nota["inscricao"], nota["numero"]))
        for nota in achadas[(pagina - 1) * POR_PAGINA:pagina * POR_PAGINA]:
            retorno.append(self.nfe(nota, versao))

    @staticmethod
    def _tomador(nota: dict) -> str:
        rps = etree.fromstring(nota["rps"], _parser)
        return _t(rps, "CPFCNPJTomador/CNPJ") or _t(rps, "CPFCNPJTomador/CPF")

    def _cancelamento(self, root: etree._Element, cert: x509.Certificate) -> None:
        for detalhe in root.findall("Detalhe"):
            im = _t(detalhe, "ChaveNFe/InscricaoPrestador")
            numero = _t(detalhe, "ChaveNFe/NumeroNFe")
            nota = self.estado.por_numero(im, int(numero))
            if nota is None or nota["remetente"] != document_of(cert):
                recusar("1106", f"NF-e não encontrada. ({numero}, inscrição {im})")
            texto = im.zfill(8) + numero.zfill(12)
            if not _assinatura_confere(cert, texto, _t(detalhe, "AssinaturaCancelamento")):
                recusar("1305", f"Assinatura de cancelamento da NF-e incorreta - String "
                                f"verificada ({texto})")
            if not nota["cancelada_em"]:
                self.estado.cancelar(im, int(numero), _agora().isoformat())

    def nfe(self, nota: dict, versao: int = 1) -> etree._Element:
        """The ``NFe`` (``tpNFe`` of layout ``versao``) of a stored note, in its present
        state."""
        rps = etree.fromstring(nota["rps"], _parser)
        nfe = etree.Element("NFe")
        self._chave_nfe(nfe, nota)
        _sub(nfe, "DataEmissaoNFe", nota["emitida_em"][:19])
        self._chave_rps(nfe, nota)
        _sub(nfe, "TipoRPS", _t(rps, "TipoRPS") or "RPS")
        _sub(nfe, "DataEmissaoRPS", _t(rps, "DataEmissao"))
        if versao == 2:
            _sub(nfe, "DataFatoGeradorNFe", _t(rps, "DataEmissao") + "T00:00:00")
        _cpf_cnpj(_sub(nfe, "CPFCNPJPrestador"), nota["remetente"])
        _sub(nfe, "RazaoSocialPrestador", nota["razao_social"])
        _sub(nfe, "EnderecoPrestador")
        _sub(nfe, "StatusNFe", "C" if nota["cancelada_em"] else "N")
        if nota["cancelada_em"]:
            _sub(nfe, "DataCancelamento", nota["cancelada_em"][:19])
        _sub(nfe, "TributacaoNFe", _t(rps, "TributacaoRPS"))
        _sub(nfe, "OpcaoSimples", "0")
        valor = _valor(valor_cobrado(rps), "Valor")
        deducoes = _valor(_t(rps, "ValorDeducoes"), "ValorDeducoes")
        aliquota = _valor(_t(rps, "AliquotaServicos"), "AliquotaServicos")
        _sub(nfe, "ValorServicos", valor_cobrado(rps))
        _sub(nfe, "ValorDeducoes", _t(rps, "ValorDeducoes"))
        _sub(nfe, "CodigoServico", _t(rps, "CodigoServico"))
        _sub(nfe, "AliquotaServicos", _t(rps, "AliquotaServicos"))
        iss = ((valor - deducoes) * aliquota).quantize(Decimal("0.01"))
        _sub(nfe, "ValorISS", f"{iss:.2f}" if iss else "0")
        _sub(nfe, "ValorCredito", "0")
        _sub(nfe, "ISSRetido", _t(rps, "ISSRetido"))
        for tag in ("CPFCNPJTomador", "InscricaoMunicipalTomador", "InscricaoEstadualTomador",
                    "RazaoSocialTomador", "EnderecoTomador", "EmailTomador",
                    "CPFCNPJIntermediario", "InscricaoMunicipalIntermediario",
                    "ISSRetidoIntermediario", "EmailIntermediario"):
            found = rps.find(tag)
            if found is not None and (versao == 2 or found.find("NIF") is None
                                      and found.find("NaoNIF") is None
                                      and found.find("EnderecoExterior") is None):
                nfe.append(copy.deepcopy(found))
        _sub(nfe, "Discriminacao", _t(rps, "Discriminacao"))
        if versao == 2:
            self._reforma(nfe, rps)
        return nfe

    @staticmethod
    def _reforma(nfe: etree._Element, rps: etree._Element) -> None:
        """The layout-2 part of ``tpNFe``: the value charged and what the RPS declared of
        the reform (a layout-1 RPS read in layout 2: neither suspended nor paid in
        advance)."""
        for tag in ("ValorInicialCobrado", "ValorFinalCobrado", "ValorMulta", "ValorJuros",
                    "ValorIPI"):
            if rps.find(tag) is not None:
                _sub(nfe, tag, _t(rps, tag))
        _sub(nfe, "ExigibilidadeSuspensa", _t(rps, "ExigibilidadeSuspensa") or "0")
        _sub(nfe, "PagamentoParceladoAntecipado",
             _t(rps, "PagamentoParceladoAntecipado") or "0")
        for tag in ("NCM", "NBS", "atvEvento", "cLocPrestacao", "cPaisPrestacao", "IBSCBS"):
            found = rps.find(tag)
            if found is not None:
                nfe.append(copy.deepcopy(found))


def _cpf_cnpj(parent: etree._Element, documento: str) -> None:
    _sub(parent, "CNPJ" if len(documento) == 14 else "CPF", documento)
