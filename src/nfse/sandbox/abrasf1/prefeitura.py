"""The municipality, as the ABRASF 1.0 sandbox plays it in Ginfes' dialect (schemas v03): read
the request documents with its own parser, check the ``cabecalho``, the schema, the
signatures and the rules, receive lots and process them later, answer queries and
cancellations with the ``...Resposta`` documents of the v03 schemas (each checked against its
schema before it leaves). ISSSalvador's and WebISS 1.00's requests are checked in their own
layouts and read in Ginfes' structure (``_convertido``); ISSFortaleza's v02 cancellation by
``_cancelar_v02``.

A lot is received at once (protocol) and processed afterwards, as the real service does in the
background: here, when a request arrives after the lot was asked about (its situation, or one
of its RPS) ``consultas_pendentes`` times and ``atraso`` seconds have passed. Until then
ConsultarSituacaoLoteRps answers 1 (não recebido: only the first of two or more pending
answers) or 2 (não processado), ConsultarLoteRps and ConsultarNfsePorRps answer E92; then 3
(processado com erro) or 4 (processado com sucesso).

Return codes (ABRASF 1.0 table, ``/work/shared/facts/abrasf-detail.md`` §8):

=====  ==========================================================================
E1     signature missing (lot, cancellation), malformed, not verifying, untrusted
E4     ConsultarNfsePorRps: this RPS was never received
E10    the RPS (prestador + Numero + Serie + Tipo) already became a note
E16    DataEmissao in the future;  E18 ValorServicos not > 0;  E19 deductions > value
E44    prestador CNPJ with a wrong check digit;  E47 tomador CPF/CNPJ likewise
E52    tomador is the prestador;  E69 QuantidadeRps differs;  E70 RPS of another prestador
E71    the same RPS twice in a lot;  E78 no such NFS-e;  E79 NFS-e already cancelled
E86    unknown protocol;  E92 received, not yet processed (ask again later)
E99    withholdings greater than the service value
E157   the TLS certificate, or the signing one, is not the prestador's
E160   XML malformed, not the operation's document, against the schema, bad cabecalho
=====  ==========================================================================
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from nfse.certs.a1 import A1, document_of
from nfse.fuso import SAO_PAULO
from nfse.sandbox.abrasf.soap import parser
from nfse.sandbox.abrasf1 import issintel, issnet, publica, salvador, speedgov, tiplan, webiss
from nfse.sandbox.abrasf1.estado import Estado
from nfse.sandbox.assinatura import DS, AssinaturaIncorreta, ds, verificar_assinatura
from nfse.sandbox.digitos import cnpj_ok, cpf_ok
from nfse.xml.sign import c14n, sign, signature
from nfse.xml.validate import validate

GINFES = "http://www.ginfes.com.br/"
TIPOS = GINFES + "tipos_v03.xsd"
CABECALHO = GINFES + "cabecalho_v03.xsd"
T = {"t": TIPOS}
VERSAO = "3"
CENTAVO = Decimal("0.01")
ZERO = Decimal("0")
MAX_MENSAGEM = 200
ESQUEMAS = Path(__file__).resolve().parents[2] / "providers" / "abrasf1" / "esquemas"
VALORES = ("ValorServicos", "ValorDeducoes", "ValorPis", "ValorCofins", "ValorInss", "ValorIr",
           "ValorCsll", "IssRetido", "ValorIss", "ValorIssRetido", "OutrasRetencoes",
           "BaseCalculo", "Aliquota", "ValorLiquidoNfse", "DescontoIncondicionado",
           "DescontoCondicionado")
"""The ABRASF 1.0 ``Valores``, in their order."""
"""The v03 schemas shipped with the gateway (the sandbox reads the files, not the provider)."""

DOCUMENTOS = {
    "RecepcionarLoteRpsV3": ("EnviarLoteRpsEnvio", "servico_enviar_lote_rps"),
    "ConsultarSituacaoLoteRpsV3": ("ConsultarSituacaoLoteRpsEnvio",
                                   "servico_consultar_situacao_lote_rps"),
    "ConsultarLoteRpsV3": ("ConsultarLoteRpsEnvio", "servico_consultar_lote_rps"),
    "ConsultarNfsePorRpsV3": ("ConsultarNfseRpsEnvio", "servico_consultar_nfse_rps"),
    "ConsultarNfseV3": ("ConsultarNfseEnvio", "servico_consultar_nfse"),
    "CancelarNfseV3": ("CancelarNfseEnvio", "servico_cancelar_nfse"),
}
MUTANTES = frozenset({"RecepcionarLoteRpsV3", "CancelarNfseV3", "CancelarNfse"})
CANCELAR_V02 = "CancelarNfse"
"""Ginfes' v02 cancellation (ISSFortaleza's): ``CancelarNfseEnvio`` in
``servico_cancelar_nfse_envio`` (``Prestador`` + ``NumeroNfse``, signed), no cabecalho,
answered with ``Sucesso`` and ``DataHora`` (ACBr ``ISSFortaleza.Provider.pas``)."""
V02_ENVIO = GINFES + "servico_cancelar_nfse_envio"
V02_RESPOSTA = GINFES + "servico_cancelar_nfse_resposta"
TIPOS_V02 = GINFES + "tipos"
CODIGO_V02 = "1"
"""The coded reason recorded for a v02 cancellation, which carries none (1: erro na
emissão)."""
UF_POR_CODIGO = {
    "11": "RO", "12": "AC", "13": "AM", "14": "RR", "15": "PA", "16": "AP", "17": "TO",
    "21": "MA", "22": "PI", "23": "CE", "24": "RN", "25": "PB", "26": "PE", "27": "AL",
    "28": "SE", "29": "BA", "31": "MG", "32": "ES", "33": "RJ", "35": "SP", "41": "PR",
    "42": "SC", "43": "RS", "50": "MS", "51": "MT", "52": "GO", "53": "DF",
}
MUNICIPIO_PADRAO = "3518800"
"""Guarulhos/SP, the largest Ginfes municipality."""
RpsId = tuple[str, str, str]
_VERIFICADA: ContextVar[tuple[x509.Certificate | None] | None] = ContextVar(
    "assinatura_verificada", default=None)
"""The signer of a request whose signatures were checked as it came (ISSSalvador's, read
again in Ginfes' structure, where its digests no longer hold)."""


class Rejeicao(Exception):
    def __init__(self, *mensagens: tuple[str, str, str | None]):
        super().__init__("; ".join(m[1] for m in mensagens))
        self.mensagens = list(mensagens)


class OperacaoIndisponivel(Exception):
    """An operation this sandbox does not play (answered with a SOAP Fault)."""


def rejeitar(codigo: str, mensagem: str, correcao: str | None = None) -> NoReturn:
    raise Rejeicao((codigo, mensagem, correcao))


def agora() -> datetime:
    return datetime.now(SAO_PAULO).replace(microsecond=0, tzinfo=None)


def _ns(base: str, lado: str) -> str:
    return f"{GINFES}{base}_{lado}_v03.xsd"


def _sub(parent: etree._Element, tag: str, text: str | None = None, ns: str = TIPOS,
         **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, f"{{{ns}}}{tag}", **attrs)
    if text is not None:
        child.text = text
    return child


def _texto(node: etree._Element | None, path: str) -> str:
    return (node.findtext(path, namespaces=T) or "").strip() if node is not None else ""


def _ns_de(root: etree._Element) -> str:
    """The namespace of a request's root (its own elements share it, prefixed or not)."""
    return etree.QName(root).namespace or ""


def _copia(element: etree._Element) -> etree._Element:
    """A copy that keeps the namespaces in scope, so a signature over it still verifies."""
    return etree.fromstring(etree.tostring(element))


def _renomeado(element: etree._Element, tag: str) -> etree._Element:
    """``element``'s children under a new ``tipos`` element named ``tag``."""
    novo = etree.Element(f"{{{TIPOS}}}{tag}", nsmap={None: TIPOS})
    for filho in element:
        if isinstance(filho.tag, str):
            novo.append(_copia(filho))
    return novo


def _decimal(texto: str) -> Decimal:
    try:
        return Decimal(texto) if texto else ZERO
    except InvalidOperation:
        rejeitar("E160", f"Valor numérico inválido: {texto[:40]}")


def _codigo_verificacao() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(9))


def _protocolo() -> str:
    return agora().strftime("%Y%m%d%H%M%S") + secrets.token_hex(6).upper()


def _razao_social(cert: x509.Certificate | None) -> str:
    if cert is None:
        return "PRESTADOR"
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = str(names[0].value) if names else ""
    return (common.split(":")[0].strip() or "PRESTADOR")[:115]


def _mesmo_titular(a: str | None, b: str | None) -> bool:
    """Same holder: equal CPFs, or CNPJs of the same company (first eight digits)."""
    if not a or not b:
        return False
    if len(a) == len(b) == 14:
        return a[:8] == b[:8]
    return a == b


def _sem_declaracao(texto: str) -> bytes:
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", texto).encode("utf-8")


class Prefeitura:
    def __init__(self, estado: Estado, signer: A1, confiavel: Callable[[x509.Certificate], bool],
                 xsd_dir: Path = ESQUEMAS, municipio: str | None = None,
                 aliquota_padrao: Decimal = Decimal("0.02"), consultas_pendentes: int = 1,
                 atraso: float = 0.0):
        self.estado = estado
        self.signer = signer
        self.confiavel = confiavel
        self.xsd_dir = Path(xsd_dir)
        self.municipio = municipio
        self.aliquota_padrao = aliquota_padrao
        """The rate (a fraction, as Ginfes writes it) when the RPS brings none."""
        self.consultas_pendentes = consultas_pendentes
        """Situation queries of a lot answered "not processed" before it is processed."""
        self.atraso = atraso
        """Seconds after reception before a lot may be processed."""
        self.sem_tls = False
        """Served in plain http: no transmission certificate to check (``_autorizado``)."""

    # -- entry ---------------------------------------------------------------------------
    def atender(self, operacao: str, cabecalho: str | None, dados: str,
                chamador: x509.Certificate | None, leiaute: str = "ginfes_v03") -> bytes:
        """The ``...Resposta`` document (bytes, no declaration) of one call, in Ginfes' v03
        layout or (``leiaute == "salvador"``) in ISSSalvador's."""
        if leiaute in ("salvador", "abrasf_nfse", "publica", "tiplan", "speedgov", "issintel",
                       "issnet"):
            return self._convertido(operacao, dados, chamador, leiaute, cabecalho)
        if operacao == CANCELAR_V02:
            return self._cancelar_v02(dados, chamador)
        if operacao not in DOCUMENTOS:
            raise OperacaoIndisponivel(f"Operação {operacao} não disponível neste sandbox")
        envio, base = DOCUMENTOS[operacao]
        resposta = envio.removesuffix("Envio") + "Resposta"
        self.processar_pendentes()
        try:
            self._cabecalho(cabecalho)
            root = self._documento(dados, envio, _ns(base, "envio"), f"{base}_envio_v03.xsd")
            answer = getattr(self, "_" + _snake(operacao.removesuffix("V3")))(root, chamador)
        except Rejeicao as exc:
            answer = self._erros(resposta, _ns(base, "resposta"), exc.mensagens)
        problemas = validate(answer, self.xsd_dir / f"{base}_resposta_v03.xsd")
        if problemas:  # the sandbox's own bug: it must never answer outside the schema
            raise RuntimeError(f"resposta {resposta} fora do esquema: {problemas[:3]}")
        return etree.tostring(answer, encoding="UTF-8", xml_declaration=False)

    def _convertido(self, operacao: str, dados: str, chamador: x509.Certificate | None,
                    leiaute: str, cabecalho: str | None = None) -> bytes:
        """One ISSSalvador or WebISS 1.00 call: the request checked against the system's
        schema and its signatures as it came, played by the Ginfes rules in Ginfes'
        structure, answered in the system's layout (the notes and cancellations signed again
        over it) and checked against its schema."""
        envio, base = DOCUMENTOS[operacao]
        resposta = envio.removesuffix("Envio") + "Resposta"
        # SpeedGov: the root in its schema's namespace, everything below it in none
        ns, ident = {"salvador": (salvador.NS, "id"), "publica": (publica.NS, "id"),
                     "tiplan": (tiplan.NS, "Id"), "issintel": (issintel.NS, "Id"),
                     "issnet": (issnet.namespace(envio), "id"),
                     "speedgov": ("", "Id")}.get(leiaute, (webiss.NS, "Id"))
        raiz_ns = speedgov.namespace(envio) if leiaute == "speedgov" else ns
        esquema_envio = {"salvador": str(salvador.ESQUEMA), "publica": str(publica.ESQUEMA),
                         "tiplan": str(tiplan.ESQUEMA), "issintel": str(issintel.ESQUEMA),
                         "issnet": str(issnet.esquema(envio)),
                         "speedgov": str(speedgov.esquema(envio))
                         }.get(leiaute) or webiss.esquema(envio)
        self.processar_pendentes()
        token = None
        root = None
        try:
            if leiaute == "speedgov":  # its own cabecalho, in header
                self._documento(cabecalho or "", "cabecalho", speedgov.CABECALHO,
                                str(speedgov.esquema("Cabecalho")))
            original = self._documento(
                dados, publica.envio(envio) if leiaute == "publica" else envio, raiz_ns,
                esquema_envio)
            cert = self._assinaturas_convertido(original, ns,
                                                leiaute in ("issintel", "issnet"))
            para_ginfes = {"salvador": salvador.para_ginfes, "publica": publica.para_ginfes,
                           "issnet": issnet.para_ginfes
                           }.get(leiaute, webiss.para_ginfes)  # WebISS' and SpeedGov's
            root = para_ginfes(original, _ns(base, "envio"), TIPOS)
            token = _VERIFICADA.set((cert,))
            answer = getattr(self, "_" + _snake(operacao.removesuffix("V3")))(root, chamador)
        except Rejeicao as exc:
            answer = self._erros(resposta, _ns(base, "resposta"), exc.mensagens)
        finally:
            if token is not None:
                _VERIFICADA.reset(token)
        saida = {"salvador": salvador.para_salvador, "publica": publica.para_publica,
                 "tiplan": tiplan.para_tiplan,
                 "speedgov": speedgov.para_speedgov, "issintel": issintel.para_issintel,
                 "issnet": issnet.para_issnet}.get(leiaute, webiss.para_webiss)(answer)
        if leiaute == "issnet":  # the notes and confirmations are in tipos_complexos
            ns = issnet.TIPOS
            issnet.identificar_mensagens(saida, self._rps_do_lote(root))
        assinados = [(f"{{{ns}}}Nfse", f"{{{ns}}}InfNfse"),
                     (f"{{{ns}}}NfseCancelamento", f"{{{ns}}}Confirmacao")]
        if leiaute == "tiplan":  # CancelarNfseResposta keeps Ginfes' Cancelamento
            assinados.append((f"{{{ns}}}Cancelamento", f"{{{ns}}}Confirmacao"))
        for pai, filho in assinados:
            for assinado in saida.iter(pai):
                for antiga in assinado.findall(ds("Signature")):  # over the Ginfes form
                    assinado.remove(antiga)
                alvo = assinado.find(filho)
                if leiaute == "publica" and pai.endswith("}Nfse"):
                    continue  # Publica's tcNfse has no room for a signature
                assinado.append(etree.fromstring(signature(c14n(alvo), alvo.get(ident) or "",
                                                           self.signer)))
        esquema_resposta = {"salvador": salvador.ESQUEMA, "publica": publica.ESQUEMA,
                            "tiplan": tiplan.ESQUEMA, "issintel": issintel.ESQUEMA,
                            "issnet": issnet.esquema(resposta),
                            "speedgov": speedgov.esquema(resposta)
                            }.get(leiaute) or webiss.esquema(resposta)
        problemas = validate(saida, self.xsd_dir / esquema_resposta)
        if problemas:  # the sandbox's own bug: it must never answer outside the schema
            raise RuntimeError(f"resposta {resposta} fora do esquema ({leiaute}): "
                               f"{problemas[:3]}")
        return etree.tostring(saida, encoding="UTF-8", xml_declaration=False)

    def _rps_do_lote(self, root: etree._Element | None) -> etree._Element | None:
        """The ``IdentificacaoRps`` of the first RPS of the lot a Ginfes-structured query
        names by its ``Protocolo``, if known."""
        protocolo = root.findtext("{*}Protocolo") if root is not None else None
        lote = self.estado.lote(protocolo) if protocolo else None
        if lote is None:
            return None
        return etree.fromstring(lote["documento"]).find(".//t:InfRps/t:IdentificacaoRps", T)

    def _assinaturas_convertido(self, root: etree._Element, ns: str,
                                pedido_assinado: bool = False) -> x509.Certificate | None:
        """The signatures of an ISSSalvador or WebISS request: the lot's (required), each
        RPS's (when present) over its ``InfRps``; the signer of the lot, or None for another
        request (the cancellation's ``Pedido`` is checked when signed, and must be when
        ``pedido_assinado``: ISSIntel)."""
        cert = None
        lote = root.find(f"{{{ns}}}LoteRps")
        pedido = root.find("{*}Pedido")  # unqualified in ISSNet's cancellation
        if pedido is not None:
            inf = pedido.find("{*}InfPedidoCancelamento")
            return self._assinatura(root, inf, pedido, "do pedido de cancelamento",
                                    obrigatoria=pedido_assinado)
        if lote is not None:
            cert = self._assinatura(root, lote, root, "do lote", obrigatoria=True)
            for rps in lote.iter(f"{{{ns}}}Rps"):
                inf = rps.find(f"{{{ns}}}InfRps")
                do_rps = self._assinatura(root, inf, rps, "do RPS", obrigatoria=False)
                prestador = (lote.findtext(f"{{{ns}}}Cnpj") or "").strip()
                self._titular(do_rps, prestador, "do RPS")
        return cert

    def _cabecalho(self, texto: str | None) -> None:
        if not texto:
            rejeitar("E160", "Cabeçalho (arg0) não informado",
                     f'Envie <cabecalho versao="{VERSAO}"> no namespace {CABECALHO}')
        root = self._documento(texto, "cabecalho", CABECALHO, "cabecalho_v03.xsd")
        if (root.findtext("versaoDados") or "").strip() != VERSAO:
            rejeitar("E160", "Versão dos dados do cabeçalho não suportada",
                     f"Use versaoDados {VERSAO}")

    def _documento(self, texto: str, raiz: str, namespace: str,
                   esquema: str) -> etree._Element:
        try:
            root = etree.fromstring(_sem_declaracao(texto), parser())
        except etree.XMLSyntaxError as exc:
            rejeitar("E160", f"XML mal formado: {exc}"[:MAX_MENSAGEM])
        if root.tag != f"{{{namespace}}}{raiz}":
            rejeitar("E160", f"Documento {etree.QName(root).localname} não corresponde à "
                             "operação", f"Envie {raiz} no namespace {namespace}")
        problemas = validate(root, self.xsd_dir / esquema)
        if problemas:
            raise Rejeicao(*[("E160", f"Falha no esquema XML: {p}"[:MAX_MENSAGEM],
                              f"Valide o documento contra {esquema}") for p in problemas[:5]])
        return root

    def _erros(self, resposta: str, namespace: str,
               mensagens: list[tuple[str, str, str | None]]) -> etree._Element:
        root = etree.Element(f"{{{namespace}}}{resposta}", nsmap={None: namespace})
        lista = etree.SubElement(root, f"{{{TIPOS}}}ListaMensagemRetorno", nsmap={None: TIPOS})
        for codigo, mensagem, correcao in mensagens:
            item = _sub(lista, "MensagemRetorno")
            _sub(item, "Codigo", codigo)
            _sub(item, "Mensagem", mensagem[:MAX_MENSAGEM])
            if correcao:
                _sub(item, "Correcao", correcao[:MAX_MENSAGEM])
        return root

    # -- identity and signatures ---------------------------------------------------------
    def _assinatura(self, root: etree._Element, assinado: etree._Element,
                    onde: etree._Element, o_que: str, obrigatoria: bool) -> x509.Certificate | None:
        """Verify the Signature that is a child of ``onde``: over the whole document
        (``URI=""``, Ginfes' way) or over ``assinado`` (by its Id). A request already
        verified as it came (``_VERIFICADA``) answers its signer."""
        verificada = _VERIFICADA.get()
        if verificada is not None:
            return verificada[0]
        signature = onde.find(ds("Signature"))
        if signature is None:
            if obrigatoria:
                rejeitar("E1", f"Assinatura digital {o_que} ausente",
                         'Assine o documento (XMLDSig envelopada, Reference URI="")')
            return None
        reference = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
        uri = reference.get("URI", "") if reference is not None else ""
        try:
            cert = verificar_assinatura(signature, root if uri == "" else assinado)
        except AssinaturaIncorreta as exc:
            rejeitar("E1", f"Assinatura {o_que} inválida: {exc}")
        if not self.confiavel(cert):
            rejeitar("E1", f"Certificado da assinatura {o_que} não é confiável",
                     "Assine com um certificado ICP-Brasil aceito pelo município")
        return cert

    @staticmethod
    def _titular(cert: x509.Certificate | None, prestador: str, o_que: str) -> None:
        if cert is not None and not _mesmo_titular(document_of(cert), prestador):
            rejeitar("E157", f"Certificado da assinatura {o_que} não pertence ao prestador "
                             f"{prestador}")

    def _autorizado(self, chamador: x509.Certificate | None, prestador: str) -> None:
        """The TLS client certificate must be the prestador's own; in plain http there is
        none (SpeedGov): the system knows the company by its signatures."""
        if self.sem_tls:
            return
        doc = document_of(chamador) if chamador is not None else None
        if not _mesmo_titular(doc, prestador):
            rejeitar("E157", f"Certificado de transmissão ({doc or 'sem CPF/CNPJ'}) não "
                             f"autorizado a agir pelo prestador {prestador}",
                     "Transmita com o certificado do prestador")

    def _prestador(self, root: etree._Element, chamador: x509.Certificate | None,
                   assinado: etree._Element | None = None) -> str:
        """The prestador of a query (``Prestador/Cnpj``), acting with its own certificate;
        a signature, when present, must verify and be its own."""
        prestador = _texto(root.find(f"{{{_ns_de(root)}}}Prestador"), "t:Cnpj")
        self._autorizado(chamador, prestador)
        cert = self._assinatura(root, assinado if assinado is not None else root, root,
                                "da consulta", obrigatoria=False)
        self._titular(cert, prestador, "da consulta")
        return prestador

    # -- lots ----------------------------------------------------------------------------
    def _recepcionar_lote_rps(self, root: etree._Element,
                              chamador: x509.Certificate | None) -> etree._Element:
        ns = _ns_de(root)
        lote = root.find(f"{{{ns}}}LoteRps")
        assert lote is not None  # the schema requires it
        prestador = _texto(lote, "t:Cnpj")
        self._autorizado(chamador, prestador)
        cert = self._assinatura(root, lote, root, "do lote", obrigatoria=True)
        self._titular(cert, prestador, "do lote")
        quantidade = _texto(lote, "t:QuantidadeRps")
        if int(quantidade) != len(lote.findall("t:ListaRps/t:Rps", T)):
            rejeitar("E69", f"QuantidadeRps {quantidade} difere da quantidade de RPS no lote")
        protocolo, recebido = _protocolo(), agora()
        self.estado.receber(protocolo, prestador, _texto(lote, "t:NumeroLote"),
                            recebido.isoformat(), etree.tostring(root))
        base = _ns("servico_enviar_lote_rps", "resposta")
        answer = etree.Element(f"{{{base}}}EnviarLoteRpsResposta", nsmap={None: base})
        _sub(answer, "NumeroLote", _texto(lote, "t:NumeroLote"), ns=base)
        _sub(answer, "DataRecebimento", recebido.isoformat(), ns=base)
        _sub(answer, "Protocolo", protocolo, ns=base)
        return answer

    def processar_pendentes(self) -> None:
        """Process every lot that is due (the real service's background work, done when a
        request arrives)."""
        limite = agora() - timedelta(seconds=self.atraso)
        for lote in self.estado.pendentes():
            if lote["consultas"] >= self.consultas_pendentes and \
                    datetime.fromisoformat(lote["recebido"]) <= limite:
                self.processar(lote)

    def processar(self, lote: dict[str, Any]) -> None:
        """Turn the lot's RPS into notes, all or none, or record its messages. ``lote`` may
        be stale: threads answering requests at once may both find it due."""
        root = etree.fromstring(lote["documento"])
        der = root.findtext(f"{ds('Signature')}//{ds('X509Certificate')}") or ""
        cert = x509.load_der_x509_certificate(base64.b64decode(der)) if der else None
        erros: list[tuple[str, str, str | None]] = []
        lidos: list[tuple[RpsId, etree._Element]] = []
        vistos: set[RpsId] = set()
        for inf in root.iterfind(".//t:ListaRps/t:Rps/t:InfRps", T):
            ident = (str(int(_texto(inf, "t:IdentificacaoRps/t:Numero"))),
                     _texto(inf, "t:IdentificacaoRps/t:Serie"),
                     _texto(inf, "t:IdentificacaoRps/t:Tipo"))
            rotulo = f"RPS {ident[0]}/{ident[1]}: "
            for codigo, mensagem in self._regras(inf, lote["prestador"]):
                erros.append((codigo, rotulo + mensagem, None))
            if ident in vistos:
                erros.append(("E71", rotulo + "RPS informado mais de uma vez no lote", None))
            vistos.add(ident)
            lidos.append((ident, inf))
        with self.estado.transacao():
            atual = self.estado.lote(lote["protocolo"])
            if atual is None or atual["situacao"] not in ("1", "2"):
                return  # another request's thread processed it meanwhile
            for ident, _ in lidos:
                existente = self.estado.por_rps(lote["prestador"], *ident)
                if existente is not None:
                    erros.append(("E10", f"RPS {ident[0]}/{ident[1]} já informado: convertido "
                                          f"na NFS-e {existente['numero']}",
                                  "Para este prestador já existe RPS com o mesmo número, "
                                  "série e tipo"))
            if erros:
                self.estado.processado(lote["protocolo"], "3", None, json.dumps(erros))
                return
            numeros = [self._emitir(lote, ident, inf, cert) for ident, inf in lidos]
            self.estado.processado(lote["protocolo"], "4", json.dumps(numeros), None)

    @staticmethod
    def _regras(inf: etree._Element, prestador: str) -> list[tuple[str, str]]:
        erros = []
        if _texto(inf, "t:Prestador/t:Cnpj") != prestador:
            erros.append(("E70", "Prestador do RPS difere do prestador do lote"))
        if not cnpj_ok(prestador):
            erros.append(("E44", f"CNPJ do prestador {prestador} inválido"))
        if datetime.fromisoformat(_texto(inf, "t:DataEmissao")[:19]) > agora() + \
                timedelta(minutes=5):
            erros.append(("E16", "A data de emissão do RPS não pode ser posterior a hoje"))
        v = inf.find("t:Servico/t:Valores", T)
        servicos = _decimal(_texto(v, "t:ValorServicos"))
        deducoes = _decimal(_texto(v, "t:ValorDeducoes"))
        retencoes = sum((_decimal(_texto(v, f"t:{tag}")) for tag in (
            "ValorPis", "ValorCofins", "ValorInss", "ValorIr", "ValorCsll",
            "OutrasRetencoes")), ZERO)
        if servicos <= 0:
            erros.append(("E18", "O valor dos serviços deve ser maior que zero"))
        if deducoes > servicos:
            erros.append(("E19", "As deduções não podem ser maiores que o valor dos serviços"))
        if servicos > 0 and retencoes > servicos:
            erros.append(("E99", "As retenções não podem ser maiores que o valor dos serviços"))
        tomador = inf.find("t:Tomador/t:IdentificacaoTomador/t:CpfCnpj", T)
        cnpj, cpf = _texto(tomador, "t:Cnpj"), _texto(tomador, "t:Cpf")
        if (cnpj and not cnpj_ok(cnpj)) or (cpf and not cpf_ok(cpf)):
            erros.append(("E47", "CPF/CNPJ do tomador inválido"))
        if (cnpj or cpf) == prestador:
            erros.append(("E52", "O tomador não pode ser o próprio prestador"))
        return erros

    def _valores(self, original: etree._Element) -> etree._Element:
        """``Servico/Valores`` as the municipality computes them: base = serviços −
        deduções − desconto incondicionado; ISS = base × alíquota; líquido = serviços −
        retenções − ISS retido − descontos."""
        def valor(tag: str) -> Decimal:
            return _decimal(_texto(original, f"t:{tag}"))

        servicos = valor("ValorServicos")
        base = servicos - valor("ValorDeducoes") - valor("DescontoIncondicionado")
        aliquota = valor("Aliquota") or self.aliquota_padrao
        iss = (base * aliquota).quantize(CENTAVO, rounding=ROUND_HALF_UP)
        retido = _texto(original, "t:IssRetido") == "1"
        retencoes = sum((valor(t) for t in ("ValorPis", "ValorCofins", "ValorInss", "ValorIr",
                                           "ValorCsll", "OutrasRetencoes")), ZERO)
        liquido = servicos - retencoes - (iss if retido else ZERO) \
            - valor("DescontoIncondicionado") - valor("DescontoCondicionado")
        calculados = {"ValorIss": iss, "ValorIssRetido": iss if retido else None,
                      "BaseCalculo": base, "Aliquota": aliquota, "ValorLiquidoNfse": liquido}
        novo = etree.Element(f"{{{TIPOS}}}Valores", nsmap={None: TIPOS})
        for tag in VALORES:
            if tag in calculados:
                numero = calculados[tag]
                if numero is not None:
                    _sub(novo, tag, f"{numero:.4f}" if tag == "Aliquota" else f"{numero:.2f}")
            elif _texto(original, f"t:{tag}"):
                _sub(novo, tag, _texto(original, f"t:{tag}"))
        for extra in original:  # a system's own additions (ISSIntel's PIS/COFINS) as sent
            if isinstance(extra.tag, str) and etree.QName(extra).localname not in VALORES:
                novo.append(_copia(extra))
        return novo

    def _orgao(self, inf: etree._Element) -> tuple[str, str]:
        for codigo in (self.municipio, _texto(inf, "t:Servico/t:CodigoMunicipio"),
                       MUNICIPIO_PADRAO):
            if codigo and len(codigo) == 7 and codigo[:2] in UF_POR_CODIGO:
                return codigo, UF_POR_CODIGO[codigo[:2]]
        return MUNICIPIO_PADRAO, "SP"

    def _emitir(self, lote: dict[str, Any], ident: RpsId, inf: etree._Element,
                assinante: x509.Certificate | None) -> int:
        prestador = lote["prestador"]
        numero = self.estado.proximo(f"nfse:{prestador}")
        momento, codigo = agora(), _codigo_verificacao()
        nfse = etree.Element(f"{{{TIPOS}}}Nfse", nsmap={None: TIPOS})
        info = _sub(nfse, "InfNfse", Id=f"nfse{numero}")
        _sub(info, "Numero", str(numero))
        _sub(info, "CodigoVerificacao", codigo)
        _sub(info, "DataEmissao", momento.isoformat())
        info.append(_copia(inf.find("t:IdentificacaoRps", T)))
        emissao_rps = _texto(inf, "t:DataEmissao")[:10]
        _sub(info, "DataEmissaoRps", emissao_rps)
        for tag in ("NaturezaOperacao", "RegimeEspecialTributacao", "OptanteSimplesNacional",
                    "IncentivadorCultural"):
            if _texto(inf, f"t:{tag}"):
                _sub(info, tag, _texto(inf, f"t:{tag}"))
        _sub(info, "Competencia", emissao_rps)
        servico = _copia(inf.find("t:Servico", T))
        servico.replace(servico.find("t:Valores", T), self._valores(servico.find("t:Valores", T)))
        info.append(servico)
        municipio, uf = self._orgao(inf)
        dados = _sub(info, "PrestadorServico")
        dados.append(_renomeado(inf.find("t:Prestador", T), "IdentificacaoPrestador"))
        _sub(dados, "RazaoSocial", _razao_social(assinante))
        endereco = _sub(dados, "Endereco")
        for tag, text in (("Endereco", "Endereço do cadastro municipal"), ("Numero", "S/N"),
                          ("Bairro", "Centro"), ("CodigoMunicipio", municipio), ("Uf", uf),
                          ("Cep", "07000000")):
            _sub(endereco, tag, text)
        info.append(_renomeado(inf.find("t:Tomador", T), "TomadorServico"))
        intermediario = inf.find("t:IntermediarioServico", T)
        if intermediario is not None:
            info.append(_copia(intermediario))
        orgao = _sub(info, "OrgaoGerador")
        _sub(orgao, "CodigoMunicipio", municipio)
        _sub(orgao, "Uf", uf)
        obra = inf.find("t:ConstrucaoCivil", T)
        if obra is not None:
            info.append(_copia(obra))
        sign(nfse, info, self.signer)
        self.estado.registrar(
            prestador=prestador, numero=numero, codigo_verificacao=codigo, rps_numero=ident[0],
            rps_serie=ident[1], rps_tipo=ident[2], protocolo=lote["protocolo"],
            valor_servicos=_texto(inf, "t:Servico/t:Valores/t:ValorServicos"),
            data_emissao=momento.isoformat(), nfse=etree.tostring(nfse))
        return numero

    def comp_nfse(self, nota: dict[str, Any], ns: str) -> etree._Element:
        """The note as ``CompNfse`` (in the answer's namespace ``ns``), with its
        cancellation when it has one."""
        comp = etree.Element(f"{{{ns}}}CompNfse", nsmap={None: ns})
        comp.append(etree.fromstring(nota["nfse"]))
        if nota.get("cancelamento"):
            comp.append(etree.fromstring(nota["cancelamento"]))
        return comp

    def _consultar_situacao_lote_rps(self, root: etree._Element,
                                     chamador: x509.Certificate | None) -> etree._Element:
        prestador = self._prestador(root, chamador)
        lote = self._lote(root, prestador)
        situacao = lote["situacao"]
        if situacao in ("1", "2"):
            self.estado.consultado(lote["protocolo"])
            situacao = "1" if lote["consultas"] == 0 and self.consultas_pendentes > 1 else "2"
        base = _ns("servico_consultar_situacao_lote_rps", "resposta")
        answer = etree.Element(f"{{{base}}}ConsultarSituacaoLoteRpsResposta", nsmap={None: base})
        _sub(answer, "NumeroLote", lote["numero_lote"], ns=base)
        _sub(answer, "Situacao", situacao, ns=base)
        return answer

    def _lote(self, root: etree._Element, prestador: str) -> dict[str, Any]:
        protocolo = _texto(root, f"{{{_ns_de(root)}}}Protocolo")
        lote = self.estado.lote(protocolo)
        if lote is None or lote["prestador"] != prestador:
            rejeitar("E86", f"Protocolo {protocolo[:50]} não encontrado para este prestador")
        return lote

    def _consultar_lote_rps(self, root: etree._Element,
                            chamador: x509.Certificate | None) -> etree._Element:
        prestador = self._prestador(root, chamador)
        lote = self._lote(root, prestador)
        if lote["situacao"] in ("1", "2"):
            rejeitar("E92", "Lote recebido e ainda não processado",
                     "Consulte a situação do lote e aguarde o processamento")
        if lote["situacao"] == "3":
            raise Rejeicao(*[tuple(m) for m in json.loads(lote["erros"])])  # type: ignore[misc]
        base = _ns("servico_consultar_lote_rps", "resposta")
        answer = etree.Element(f"{{{base}}}ConsultarLoteRpsResposta", nsmap={None: base})
        lista = _sub(answer, "ListaNfse", ns=base)
        for numero in json.loads(lote["numeros"]):
            nota = self.estado.por_numero(prestador, numero)
            assert nota is not None
            lista.append(self.comp_nfse(nota, base))
        return answer

    def _pendente(self, prestador: str, ident: RpsId) -> bool:
        """Whether the RPS is in a lot received and not yet processed; asking counts as a
        query of that lot (a client that lost the protocol still sees it processed)."""
        for lote in self.estado.pendentes():
            if lote["prestador"] != prestador:
                continue
            for inf in etree.fromstring(lote["documento"]).iterfind(".//t:InfRps", T):
                if (str(int(_texto(inf, "t:IdentificacaoRps/t:Numero"))),
                        _texto(inf, "t:IdentificacaoRps/t:Serie"),
                        _texto(inf, "t:IdentificacaoRps/t:Tipo")) == ident:
                    self.estado.consultado(lote["protocolo"])
                    return True
        return False

    def _consultar_nfse_por_rps(self, root: etree._Element,
                                chamador: x509.Certificate | None) -> etree._Element:
        prestador = self._prestador(root, chamador)
        ident_el = root.find(f"{{{_ns_de(root)}}}IdentificacaoRps")
        ident = (str(int(_texto(ident_el, "t:Numero"))), _texto(ident_el, "t:Serie"),
                 _texto(ident_el, "t:Tipo"))
        nota = self.estado.por_rps(prestador, *ident)
        if nota is None:
            if self._pendente(prestador, ident):
                rejeitar("E92", "Esse RPS foi recebido, mas ainda não foi processado",
                         "Consulte novamente mais tarde")
            rejeitar("E4", "Esse RPS não foi enviado para a nossa base de dados",
                     "Envie o lote com o RPS antes de consultá-lo")
        base = _ns("servico_consultar_nfse_rps", "resposta")
        answer = etree.Element(f"{{{base}}}ConsultarNfseRpsResposta", nsmap={None: base})
        answer.append(self.comp_nfse(nota, base))
        return answer

    def _consultar_nfse(self, root: etree._Element,
                        chamador: x509.Certificate | None) -> etree._Element:
        """The prestador's notes by number (and/or issue period)."""
        prestador = self._prestador(root, chamador)
        ns = _ns_de(root)
        numero = _texto(root, f"{{{ns}}}NumeroNfse")
        inicio = _texto(root, f"{{{ns}}}PeriodoEmissao/{{{ns}}}DataInicial")
        fim = _texto(root, f"{{{ns}}}PeriodoEmissao/{{{ns}}}DataFinal")
        notas = [n for n in self.estado.notas() if n["prestador"] == prestador
                 and (not numero or n["numero"] == int(numero))
                 and (not inicio or inicio <= n["data_emissao"][:10] <= fim)][:50]
        if not notas:
            rejeitar("E78", "Nenhuma NFS-e encontrada para o prestador com esses filtros")
        base = _ns("servico_consultar_nfse", "resposta")
        answer = etree.Element(f"{{{base}}}ConsultarNfseResposta", nsmap={None: base})
        lista = _sub(answer, "ListaNfse", ns=base)
        for nota in notas:
            lista.append(self.comp_nfse(nota, base))
        return answer

    def _cancelar_nfse(self, root: etree._Element,
                       chamador: x509.Certificate | None) -> etree._Element:
        pedido = next(filho for filho in root if isinstance(filho.tag, str)
                      and etree.QName(filho).localname == "Pedido")  # the schema requires it
        inf = pedido.find("t:InfPedidoCancelamento", T)
        ident = inf.find("t:IdentificacaoNfse", T)
        prestador = _texto(ident, "t:Cnpj")
        numero = int(_texto(ident, "t:Numero"))
        self._autorizado(chamador, prestador)
        onde = pedido if pedido.find(ds("Signature")) is not None else root
        cert = self._assinatura(root, inf, onde, "do pedido de cancelamento", obrigatoria=True)
        self._titular(cert, prestador, "do pedido de cancelamento")
        cancelamento = self._cancelar(prestador, numero, _renomeado(pedido, "Pedido"))
        base = _ns("servico_cancelar_nfse", "resposta")
        answer = etree.Element(f"{{{base}}}CancelarNfseResposta", nsmap={None: base})
        resultado = _sub(answer, "Cancelamento", ns=base)
        for filho in cancelamento:
            resultado.append(_copia(filho))
        return answer


    def _cancelar(self, prestador: str, numero: int,
                  pedido: etree._Element) -> etree._Element:
        """Cancel the prestador's NFS-e ``numero`` (E78, E79) and return its
        ``NfseCancelamento`` holding ``pedido``."""
        with self.estado.transacao():
            nota = self.estado.por_numero(prestador, numero)
            if nota is None:
                rejeitar("E78", f"NFS-e {numero} não encontrada para o prestador {prestador}")
            if nota["cancelamento"]:
                rejeitar("E79", f"NFS-e {numero} já está cancelada")
            cancelamento = etree.Element(f"{{{TIPOS}}}NfseCancelamento", nsmap={None: TIPOS})
            confirmacao = _sub(cancelamento, "Confirmacao", Id=f"canc{prestador}{numero}")
            confirmacao.append(pedido)
            info = _sub(confirmacao, "InfConfirmacaoCancelamento")
            _sub(info, "Sucesso", "true")
            _sub(info, "DataHora", agora().isoformat())
            sign(cancelamento, confirmacao, self.signer)
            self.estado.cancelar(prestador, numero, etree.tostring(cancelamento))
        return cancelamento

    def _cancelar_v02(self, dados: str, chamador: x509.Certificate | None) -> bytes:
        """The v02 cancellation: the request checked against
        ``servico_cancelar_nfse_envio_v02.xsd`` and its signature (required, the
        prestador's); the note recorded cancelled with a v03 ``Pedido`` built from it."""
        self.processar_pendentes()
        resposta = etree.Element(f"{{{V02_RESPOSTA}}}CancelarNfseResposta",
                                 nsmap={None: V02_RESPOSTA})
        try:
            root = self._documento(dados, "CancelarNfseEnvio", V02_ENVIO,
                                   "servico_cancelar_nfse_envio_v02.xsd")
            prestador = (root.findtext(f"{{{V02_ENVIO}}}Prestador/{{{TIPOS_V02}}}Cnpj")
                         or "").strip()
            numero = int(root.findtext(f"{{{V02_ENVIO}}}NumeroNfse") or "0")
            self._autorizado(chamador, prestador)
            cert = self._assinatura(root, root, root, "do pedido de cancelamento",
                                    obrigatoria=True)
            self._titular(cert, prestador, "do pedido de cancelamento")
            nota = self.estado.por_numero(prestador, numero)
            municipio = etree.fromstring(nota["nfse"]).findtext(
                "t:InfNfse/t:OrgaoGerador/t:CodigoMunicipio", namespaces=T) \
                if nota is not None else MUNICIPIO_PADRAO
            pedido = etree.Element(f"{{{TIPOS}}}Pedido", nsmap={None: TIPOS})
            ident = _sub(_sub(pedido, "InfPedidoCancelamento"), "IdentificacaoNfse")
            _sub(ident, "Numero", str(numero))
            _sub(ident, "Cnpj", prestador)
            inscricao = (root.findtext(f"{{{V02_ENVIO}}}Prestador/"
                                       f"{{{TIPOS_V02}}}InscricaoMunicipal") or "").strip()
            if inscricao:
                _sub(ident, "InscricaoMunicipal", inscricao)
            _sub(ident, "CodigoMunicipio", municipio or MUNICIPIO_PADRAO)
            _sub(pedido[0], "CodigoCancelamento", CODIGO_V02)
            self._cancelar(prestador, numero, pedido)
        except Rejeicao as exc:
            etree.SubElement(resposta, f"{{{V02_RESPOSTA}}}Sucesso").text = "false"
            etree.SubElement(resposta, f"{{{V02_RESPOSTA}}}DataHora").text = \
                agora().isoformat()
            lista = etree.SubElement(resposta, f"{{{TIPOS}}}ListaMensagemRetorno",
                                     nsmap={None: TIPOS})
            for codigo, mensagem, correcao in exc.mensagens:
                item = _sub(lista, "MensagemRetorno")
                _sub(item, "Codigo", codigo)
                _sub(item, "Mensagem", mensagem[:MAX_MENSAGEM])
                if correcao:
                    _sub(item, "Correcao", correcao[:MAX_MENSAGEM])
        else:
            etree.SubElement(resposta, f"{{{V02_RESPOSTA}}}Sucesso").text = "true"
            etree.SubElement(resposta, f"{{{V02_RESPOSTA}}}DataHora").text = \
                agora().isoformat()
        return etree.tostring(resposta, encoding="UTF-8", xml_declaration=False)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()

