"""The municipality, as the ABRASF 2.0x sandbox plays it: read the request documents with its
own parser, check schema, signatures and rules, issue, query, cancel and substitute notes, and
answer the ``...Resposta`` documents of the call's layout (2.04, 2.03, 2.02 or 2.00, by the
header's ``versaoDados``; ``versoes`` says what differs).

Rejections carry the ABRASF 1.0 return-message codes (the 2.04 annex was never published):

=====  ==========================================================================
E1     signature missing, malformed, not verifying or from an untrusted certificate
E2     Competencia after the month of the RPS's DataEmissao
E4     ConsultarNfsePorRps: no note for this RPS
E5     SubstituirNfse: the note to substitute does not exist
E7     the note was already substituted
E10    the RPS (prestador + Numero + Serie + Tipo) was already turned into a note
E11    the declaration has no RPS identification;  E13 RPS Tipo other than 1, 2, 3
E15    DataEmissao malformed;  E16 DataEmissao in the future
E18    ValorServicos not > 0;  E19 deductions greater than the service value
E21    discounts greater than the service value
E44    prestador CNPJ with a wrong check digit (CPF likewise);  E46 prestador missing
E47    tomador CPF/CNPJ with a wrong check digit;  E52 tomador is the prestador
E68    RPS Status other than 1 (normal)
E69    QuantidadeRps differs from the RPS in the lot;  E71 the same RPS twice in a lot
E76    RpsSubstituido does not exist
E78    CancelarNfse: no such note for this prestador;  E79 note already cancelled
E86    ConsultarLoteRps: unknown protocol
E94    Competencia missing (schema off);  E95 Competencia malformed
E96    RPS number malformed
E99    withholdings greater than the service value
E136   note number malformed
E153   ValorIss differs from BaseCalculo × Aliquota (tolerance R$ 0,01)
E157   the TLS certificate, or the signing certificate, is not the prestador's
E159   a lot's RPS from a prestador other than the lot's
E160   XML malformed, not the operation's document, or against the schema
=====  ==========================================================================
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NoReturn

from cryptography import x509
from cryptography.x509.oid import NameOID
from lxml import etree

from nfse.certs.a1 import A1, document_of
from nfse.fuso import SAO_PAULO
from nfse.model.digitos import so_digitos
from nfse.sandbox.abrasf.soap import parser
from nfse.sandbox.abrasf.state import CANCELADA, SUBSTITUIDA, Estado
from nfse.sandbox.abrasf.versoes import PADRAO, VERSOES, Versao
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura
from nfse.sandbox.digitos import cnpj_ok, cpf_ok
from nfse.xml.sign import sign
from nfse.xml.validate import validate

NS = "http://www.abrasf.org.br/nfse.xsd"
N = {"n": NS}
VERSAO = PADRAO.numero
ESQUEMA = PADRAO.esquema
CENTAVO = Decimal("0.01")
ZERO = Decimal("0")
MAX_MENSAGEM = 200  # tsDescricaoMensagemAlerta

DOCUMENTOS = {
    "GerarNfse": ("GerarNfseEnvio", "GerarNfseResposta"),
    "RecepcionarLoteRpsSincrono": ("EnviarLoteRpsSincronoEnvio",
                                   "EnviarLoteRpsSincronoResposta"),
    "RecepcionarLoteRps": ("EnviarLoteRpsEnvio", "EnviarLoteRpsResposta"),
    "ConsultarLoteRps": ("ConsultarLoteRpsEnvio", "ConsultarLoteRpsResposta"),
    "ConsultarNfsePorRps": ("ConsultarNfseRpsEnvio", "ConsultarNfseRpsResposta"),
    "ConsultarNfsePorFaixa": ("ConsultarNfseFaixaEnvio", "ConsultarNfseFaixaResposta"),
    "ConsultarNfseServicoTomado": ("ConsultarNfseServicoTomadoEnvio",
                                   "ConsultarNfseServicoTomadoResposta"),
    "CancelarNfse": ("CancelarNfseEnvio", "CancelarNfseResposta"),
    "SubstituirNfse": ("SubstituirNfseEnvio", "SubstituirNfseResposta"),
}
MUTANTES = frozenset({"GerarNfse", "RecepcionarLoteRpsSincrono", "RecepcionarLoteRps",
                      "CancelarNfse", "SubstituirNfse"})
"""Operations that change state: the ones fault injection applies to."""

UF_POR_CODIGO = {
    "11": "RO", "12": "AC", "13": "AM", "14": "RR", "15": "PA", "16": "AP", "17": "TO",
    "21": "MA", "22": "PI", "23": "CE", "24": "RN", "25": "PB", "26": "PE", "27": "AL",
    "28": "SE", "29": "BA", "31": "MG", "32": "ES", "33": "RJ", "35": "SP", "41": "PR",
    "42": "SC", "43": "RS", "50": "MS", "51": "MT", "52": "GO", "53": "DF",
}
MUNICIPIO_PADRAO = "3550308"
RpsId = tuple[str, str, str]


@dataclass(frozen=True)
class Mensagem:
    codigo: str
    mensagem: str
    correcao: str | None = None
    rps: RpsId | None = None
    """The RPS the message is about (lot answers list it)."""


class Rejeicao(Exception):
    def __init__(self, *mensagens: Mensagem):
        super().__init__("; ".join(m.mensagem for m in mensagens))
        self.mensagens = list(mensagens)


class OperacaoIndisponivel(Exception):
    """A WSDL operation this sandbox does not play (answered with a SOAP Fault)."""


def rejeitar(codigo: str, mensagem: str, correcao: str | None = None,
             rps: RpsId | None = None) -> NoReturn:
    raise Rejeicao(Mensagem(codigo, mensagem, correcao, rps))


def agora() -> datetime:
    return datetime.now(SAO_PAULO).replace(microsecond=0)


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None,
         **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, _q(tag), **attrs)
    if text is not None:
        child.text = text
    return child


def _raiz(tag: str, **attrs: str) -> etree._Element:
    return etree.Element(_q(tag), nsmap={None: NS}, **attrs)


def _texto(node: etree._Element | None, path: str) -> str:
    if node is None:
        return ""
    return (node.findtext(path, namespaces=N) or "").strip()


def _obrigatorio(node: etree._Element | None, path: str) -> str:
    """The text at ``path``; its absence is a structure error (what the schema says when it
    is loaded, said here by our own reading when it is not)."""
    value = _texto(node, path)
    if not value:
        rejeitar("E160", f"Elemento obrigatório ausente: {path.replace('n:', '')}",
                 f"Siga o esquema {ESQUEMA}")
    return value


def _elemento(node: etree._Element | None, path: str) -> etree._Element:
    found = node.find(path, N) if node is not None else None
    if found is None:
        rejeitar("E160", f"Elemento obrigatório ausente: {path.replace('n:', '')}",
                 f"Siga o esquema {ESQUEMA}")
    return found


def _decimal(node: etree._Element, path: str) -> Decimal | None:
    text = _texto(node, path)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        rejeitar("E160", f"Valor numérico inválido em {path.replace('n:', '')}: {text[:40]}")
    if not value.is_finite() or value < 0:
        rejeitar("E160", f"Valor inválido em {path.replace('n:', '')}: {text[:40]}")
    return value


def _data(text: str) -> date:
    return date.fromisoformat(text[:10])


def _documento(pessoa: etree._Element | None, quem: str) -> str:
    """The CNPJ or CPF of a ``tcIdentificacaoPessoaEmpresa``/``tcIdentificacaoNfse``."""
    doc = _texto(pessoa, "n:CpfCnpj/n:Cnpj") or _texto(pessoa, "n:CpfCnpj/n:Cpf")
    if not doc:
        rejeitar("E46", f"CPF/CNPJ do {quem} não informado")
    return doc


def _parte(nota: dict[str, Any], documento: str) -> bool:
    """Whether ``documento`` is the tomador or the intermediário of the issued note."""
    inf = etree.fromstring(nota["nfse"]).find(".//n:InfDeclaracaoPrestacaoServico", N)
    if inf is None:
        return False
    return any(documento in (_texto(pessoa, "n:CpfCnpj/n:Cnpj"), _texto(pessoa, "n:CpfCnpj/n:Cpf"))
               for pessoa in (_tomador(inf),
                              inf.find("n:Intermediario/n:IdentificacaoIntermediario", N))
               if pessoa is not None)


def _tomador(inf: etree._Element) -> etree._Element | None:
    """The tomador's identification: ``TomadorServico`` in 2.04, ``Tomador`` before."""
    found = inf.find("n:TomadorServico/n:IdentificacaoTomador", N)
    return found if found is not None else inf.find("n:Tomador/n:IdentificacaoTomador", N)


def _prestador_do_lote(lote: etree._Element) -> etree._Element:
    """Who sends a lot: ``LoteRps/Prestador`` in 2.04; before, ``LoteRps`` itself carries
    ``CpfCnpj`` and ``InscricaoMunicipal``."""
    found = lote.find("n:Prestador", N)
    return found if found is not None else lote


def _mesmo_titular(a: str | None, b: str | None) -> bool:
    """Same holder: equal CPFs, or CNPJs of the same company (matriz and filiais share the
    first eight characters), as the authorities accept a certificate of the headquarters."""
    if not a or not b:
        return False
    if len(a) == len(b) == 14:
        return a[:8] == b[:8]
    return a == b


def _codigo_verificacao() -> str:
    alfabeto = string.ascii_uppercase + string.digits
    return "".join(secrets.choice(alfabeto) for _ in range(9))


def _razao_social(cert: x509.Certificate | None) -> str:
    if cert is None:
        return "PRESTADOR"
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common = str(names[0].value) if names else ""
    return (common.split(":")[0].strip() or "PRESTADOR")[:150]


def _sem_declaracao(texto: str) -> bytes:
    """The document as UTF-8 bytes, its XML declaration dropped: the text already is
    Unicode, whatever encoding the declaration names."""
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", texto).encode("utf-8")


@dataclass
class Valores:
    """``Servico/Valores`` read, and the note's values the municipality computes from them
    (manual §5: base = serviços − deduções − desconto incondicionado; líquido = serviços −
    retenções − ISS retido − descontos)."""

    servicos: Decimal
    deducoes: Decimal
    retencoes: Decimal
    iss_declarado: Decimal | None
    aliquota_declarada: Decimal | None
    desconto_incondicionado: Decimal
    desconto_condicionado: Decimal
    iss_retido: bool
    calcula_iss: bool
    aliquota_padrao: Decimal
    base: Decimal = field(init=False)
    aliquota: Decimal | None = field(init=False)
    iss: Decimal | None = field(init=False)
    liquido: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.servicos - self.deducoes - self.desconto_incondicionado
        self.aliquota = self.aliquota_declarada
        self.iss = None
        if self.calcula_iss:
            self.aliquota = self.aliquota_declarada or self.aliquota_padrao
            self.iss = self.iss_declarado if self.iss_declarado is not None else \
                self.iss_esperado(self.aliquota)
        retido = self.iss if self.iss_retido and self.iss is not None else ZERO
        self.liquido = self.servicos - self.retencoes - retido \
            - self.desconto_incondicionado - self.desconto_condicionado

    def iss_esperado(self, aliquota: Decimal) -> Decimal:
        return (self.base * aliquota / 100).quantize(CENTAVO, rounding=ROUND_HALF_UP)

    def erros(self) -> list[tuple[str, str]]:
        erros: list[tuple[str, str]] = []
        if self.servicos <= 0:
            erros.append(("E18", "O valor dos serviços deve ser maior que zero"))
        if self.deducoes > self.servicos or self.base < 0:
            erros.append(("E19", "As deduções não podem ser maiores que o valor dos serviços"))
        if self.desconto_incondicionado + self.desconto_condicionado > self.servicos:
            erros.append(("E21", "Os descontos não podem ser maiores que o valor dos serviços"))
        if self.iss_declarado is not None and self.aliquota_declarada is not None and \
                abs(self.iss_declarado - self.iss_esperado(self.aliquota_declarada)) > CENTAVO:
            erros.append(("E153", f"Valor do ISS {self.iss_declarado:.2f} difere de base de "
                                  f"cálculo × alíquota "
                                  f"({self.iss_esperado(self.aliquota_declarada):.2f})"))
        if self.servicos > 0 and self.liquido < 0:
            erros.append(("E99", "As retenções não podem ser maiores que o valor dos serviços"))
        return erros


@dataclass
class RpsLido:
    elemento: etree._Element
    """The ``Rps`` (tcDeclaracaoPrestacaoServico): InfDeclaracaoPrestacaoServico + Signature."""
    ident: RpsId
    prestador: str
    assinante: x509.Certificate
    valores: Valores
    municipio: str
    incidencia: str
    substituido: RpsId | None


class Prefeitura:
    def __init__(self, estado: Estado, signer: A1, confiavel: Callable[[x509.Certificate], bool],
                 xsd_dir: Path | None = None, municipio: str | None = None,
                 aliquota_padrao: Decimal = Decimal("2.00")):
        self.estado = estado
        self.signer = signer
        self.confiavel = confiavel
        """Whether a signing certificate is on the sandbox's trust list (as TLS decides)."""
        self.xsd_dir = Path(xsd_dir) if xsd_dir is not None else None
        """With a folder, every document is checked against its version's schema, and a
        version whose schema the folder lacks is refused; without, nothing is checked."""
        if self.xsd_dir is not None and not (self.xsd_dir / ESQUEMA).is_file():
            raise FileNotFoundError(f"esquema ABRASF não encontrado: {self.xsd_dir / ESQUEMA}")
        self.municipio = municipio
        """The generating municipality (OrgaoGerador); when None, the service's."""
        self.aliquota_padrao = aliquota_padrao
        """The municipal ISS rate applied when the RPS brings none."""
        self.sem_tls = False
        """Served in plain http: no transmission certificate to check (``_autorizado``)."""

    # -- entry ---------------------------------------------------------------------------
    def atender(self, operacao: str, cabecalho: str | None, dados: str,
                chamador: x509.Certificate | None) -> bytes:
        """The ``...Resposta`` document (bytes, no XML declaration) for one call."""
        if operacao not in DOCUMENTOS:
            raise OperacaoIndisponivel(f"Operação {operacao} não disponível neste sandbox")
        envio, resposta = DOCUMENTOS[operacao]
        try:
            versao = self._cabecalho(cabecalho)
            root = self._documento(dados, envio, versao)
            answer = getattr(self, "_" + _snake(operacao))(root, chamador, versao)
        except Rejeicao as exc:
            answer = self._erros(resposta, exc.mensagens)
        return etree.tostring(answer, encoding="UTF-8", xml_declaration=False)

    def _cabecalho(self, texto: str | None) -> Versao:
        """The layout the call is in, by the header's ``versaoDados``."""
        if not texto:
            rejeitar("E160", "Cabeçalho (nfseCabecMsg) não informado",
                     f'Envie <cabecalho versao="{VERSAO}"><versaoDados>{VERSAO}</versaoDados>')
        root = self._documento(texto, "cabecalho", None)
        numero = _texto(root, "n:versaoDados")
        if not numero:
            rejeitar("E160", "Elemento obrigatório ausente: cabecalho/versaoDados")
        versao = VERSOES.get(numero)
        if versao is None or (self.xsd_dir is not None
                              and not (self.xsd_dir / versao.esquema).is_file()):
            rejeitar("E160", f"Versão dos dados {numero[:10]} não suportada",
                     "Use versaoDados " + ", ".join(self.versoes()))
        self._validar(root, versao)
        return versao

    def versoes(self) -> list[str]:
        """The layouts this sandbox serves: those whose schema it has (all, unchecked)."""
        return [numero for numero, versao in VERSOES.items()
                if self.xsd_dir is None or (self.xsd_dir / versao.esquema).is_file()]

    def _validar(self, root: etree._Element, versao: Versao) -> None:
        if self.xsd_dir is None:
            return
        problemas = validate(root, self.xsd_dir / versao.esquema)
        if problemas:
            raise Rejeicao(*[Mensagem("E160", f"Falha no esquema XML: {p}",
                                      f"Valide o documento contra {versao.esquema}")
                             for p in problemas[:5]])

    def _documento(self, texto: str, esperado: str, versao: Versao | None) -> etree._Element:
        """The document parsed and, with ``versao``, checked against its schema."""
        try:
            root = etree.fromstring(_sem_declaracao(texto), parser())
        except etree.XMLSyntaxError as exc:
            rejeitar("E160", f"XML mal formado: {exc}", "Envie um XML bem formado em UTF-8")
        if root.tag != _q(esperado):
            rejeitar("E160", f"Documento {etree.QName(root).localname} não corresponde à "
                             f"operação", f"Envie {esperado} no namespace {NS}")
        if versao is not None:
            self._validar(root, versao)
        return root

    def _erros(self, resposta: str, mensagens: list[Mensagem],
               situacao: str | None = None) -> etree._Element:
        root = _raiz(resposta)
        if resposta == "ConsultarLoteRpsResposta":
            _sub(root, "Situacao", situacao or "1")
        self._lista_erros(root, mensagens,
                          por_rps=resposta in ("EnviarLoteRpsSincronoResposta",
                                               "ConsultarLoteRpsResposta"))
        return root

    @staticmethod
    def _lista_erros(root: etree._Element, mensagens: list[Mensagem], por_rps: bool) -> None:
        """``ListaMensagemRetornoLote`` when every message names its RPS (lots), else
        ``ListaMensagemRetorno``."""
        if por_rps and all(m.rps for m in mensagens):
            lista = _sub(root, "ListaMensagemRetornoLote")
            for m in mensagens:
                item = _sub(lista, "MensagemRetorno")
                ident = _sub(item, "IdentificacaoRps")
                assert m.rps is not None
                for tag, value in zip(("Numero", "Serie", "Tipo"), m.rps, strict=True):
                    _sub(ident, tag, value)
                _sub(item, "Codigo", m.codigo)
                _sub(item, "Mensagem", m.mensagem[:MAX_MENSAGEM])
            return
        lista = _sub(root, "ListaMensagemRetorno")
        for m in mensagens:
            item = _sub(lista, "MensagemRetorno")
            _sub(item, "Codigo", m.codigo)
            prefixo = f"RPS {m.rps[0]}/{m.rps[1]}: " if m.rps and por_rps else ""
            _sub(item, "Mensagem", (prefixo + m.mensagem)[:MAX_MENSAGEM])
            if m.correcao:
                _sub(item, "Correcao", m.correcao[:MAX_MENSAGEM])

    # -- identity and signatures ---------------------------------------------------------
    def _assinatura(self, container: etree._Element, esperado: etree._Element, o_que: str,
                    obrigatoria: bool = True,
                    rps: RpsId | None = None) -> x509.Certificate | None:
        """Verify the Signature that is a child of ``container`` and signs ``esperado``."""
        signature = container.find(ds("Signature"))
        if signature is None:
            if obrigatoria:
                rejeitar("E1", f"Assinatura digital {o_que} ausente",
                         f"Assine {etree.QName(esperado).localname} (XMLDSig, Id)", rps)
            return None
        try:
            cert = verificar_assinatura(signature, esperado)
        except AssinaturaIncorreta as exc:
            rejeitar("E1", f"Assinatura {o_que} inválida: {exc}", None, rps)
        if not self.confiavel(cert):
            rejeitar("E1", f"Certificado da assinatura {o_que} não é confiável",
                     "Assine com um certificado ICP-Brasil aceito pelo município", rps)
        return cert

    @staticmethod
    def _titular(cert: x509.Certificate | None, prestador: str, o_que: str,
                 rps: RpsId | None = None) -> None:
        if cert is not None and not _mesmo_titular(document_of(cert), prestador):
            rejeitar("E157", f"Certificado da assinatura {o_que} não pertence ao prestador "
                             f"{prestador}", None, rps)

    def _autorizado(self, chamador: x509.Certificate | None, prestador: str,
                    rps: RpsId | None = None) -> None:
        """The TLS client certificate must be the prestador's own. In plain http there is
        none: the system knows the company by the signature and the credentials in the call
        (as the http-only systems do)."""
        if self.sem_tls:
            return
        doc = document_of(chamador) if chamador is not None else None
        if not _mesmo_titular(doc, prestador):
            rejeitar("E157", f"Certificado de transmissão ({doc or 'sem CPF/CNPJ'}) não "
                             f"autorizado a agir pelo prestador {prestador}",
                     "Transmita com o certificado do prestador", rps)

    # -- reading an RPS ------------------------------------------------------------------
    def _ler_rps(self, rps: etree._Element | None,
                 chamador: x509.Certificate | None) -> RpsLido:
        inf = _elemento(rps, "n:InfDeclaracaoPrestacaoServico")
        assert rps is not None
        ident_el = inf.find("n:Rps/n:IdentificacaoRps", N)
        if ident_el is None:
            rejeitar("E11", "Declaração sem identificação do RPS (Rps/IdentificacaoRps)",
                     "Informe Numero, Serie e Tipo do RPS")
        numero = _obrigatorio(ident_el, "n:Numero")
        if not re.fullmatch(r"\d{1,15}", numero):
            rejeitar("E96", f"Número do RPS inválido: {numero[:20]}")
        ident = (str(int(numero)), _obrigatorio(ident_el, "n:Serie"),
                 _obrigatorio(ident_el, "n:Tipo"))
        cert = self._assinatura(rps, inf, "do RPS", rps=ident)
        assert cert is not None
        prestador = _documento(inf.find("n:Prestador", N), "prestador")
        self._titular(cert, prestador, "do RPS", ident)
        self._autorizado(chamador, prestador, ident)

        erros: list[tuple[str, str]] = []
        if len(prestador) == 14 and not cnpj_ok(prestador):
            erros.append(("E44", f"CNPJ do prestador {prestador} inválido"))
        if len(prestador) == 11 and not cpf_ok(prestador):
            erros.append(("E44", f"CPF do prestador {prestador} inválido"))
        if ident[2] not in ("1", "2", "3"):
            erros.append(("E13", f"Tipo do RPS {ident[2][:5]} inválido"))
        if _texto(inf, "n:Rps/n:Status") != "1":
            erros.append(("E68", "Situação do RPS deve ser 1 (normal)"))
        emissao = competencia = None
        try:
            emissao = _data(_obrigatorio(inf, "n:Rps/n:DataEmissao"))
        except ValueError:
            erros.append(("E15", "Data de emissão do RPS inválida"))
        if emissao is not None and emissao > agora().date():
            erros.append(("E16", "A data de emissão do RPS não pode ser posterior a hoje"))
        competencia_txt = _texto(inf, "n:Competencia")
        if not competencia_txt:
            erros.append(("E94", "Competência não informada"))
        else:
            try:
                competencia = _data(competencia_txt)
            except ValueError:
                erros.append(("E95", "Competência inválida"))
        if emissao and competencia and (competencia.year, competencia.month) > \
                (emissao.year, emissao.month):
            erros.append(("E2", "A competência não pode ser posterior ao mês de emissão do RPS"))

        servico = _elemento(inf, "n:Servico")
        valores = self._valores(inf, servico)
        erros += valores.erros()
        tomador = _tomador(inf)
        t_cnpj = _texto(tomador, "n:CpfCnpj/n:Cnpj")
        t_cpf = _texto(tomador, "n:CpfCnpj/n:Cpf")
        if (t_cnpj and not cnpj_ok(t_cnpj)) or (t_cpf and not cpf_ok(t_cpf)):
            erros.append(("E47", "CPF/CNPJ do tomador inválido"))
        if (t_cnpj or t_cpf) == prestador:
            erros.append(("E52", "O tomador não pode ser o próprio prestador"))
        substituido = None
        sub_el = inf.find("n:Rps/n:RpsSubstituido", N)
        if sub_el is not None:
            sub_numero = _obrigatorio(sub_el, "n:Numero")
            substituido = (str(int(sub_numero)) if so_digitos(sub_numero) else sub_numero,
                           _obrigatorio(sub_el, "n:Serie"), _obrigatorio(sub_el, "n:Tipo"))
        if erros:
            raise Rejeicao(*[Mensagem(c, m, None, ident) for c, m in erros])
        return RpsLido(elemento=rps, ident=ident, prestador=prestador, assinante=cert,
                       valores=valores, municipio=_obrigatorio(servico, "n:CodigoMunicipio"),
                       incidencia=_texto(servico, "n:MunicipioIncidencia"),
                       substituido=substituido)

    def _valores(self, inf: etree._Element, servico: etree._Element) -> Valores:
        v = _elemento(servico, "n:Valores")
        servicos = _decimal(v, "n:ValorServicos")
        if servicos is None:
            rejeitar("E160", "Elemento obrigatório ausente: Servico/Valores/ValorServicos")

        def soma(*tags: str) -> Decimal:
            return sum((_decimal(v, f"n:{t}") or ZERO for t in tags), ZERO)

        optante = _texto(inf, "n:OptanteSimplesNacional") == "1"
        retido = _obrigatorio(servico, "n:IssRetido") == "1"
        exigivel = _obrigatorio(servico, "n:ExigibilidadeISS") == "1"
        return Valores(
            servicos=servicos, deducoes=soma("ValorDeducoes"),
            retencoes=soma("ValorPis", "ValorCofins", "ValorInss", "ValorIr", "ValorCsll",
                           "OutrasRetencoes"),
            iss_declarado=_decimal(v, "n:ValorIss"), aliquota_declarada=_decimal(v, "n:Aliquota"),
            desconto_incondicionado=soma("DescontoIncondicionado"),
            desconto_condicionado=soma("DescontoCondicionado"), iss_retido=retido,
            # Simples Nacional without withholding pays ISS in the DAS: the note computes none.
            calcula_iss=exigivel and (retido or not optante),
            aliquota_padrao=self.aliquota_padrao)

    # -- issuing -------------------------------------------------------------------------
    def _orgao(self, rps: RpsLido) -> tuple[str, str]:
        for codigo in (self.municipio, rps.municipio, rps.incidencia, MUNICIPIO_PADRAO):
            if codigo and len(codigo) == 7 and codigo[:2] in UF_POR_CODIGO:
                return codigo, UF_POR_CODIGO[codigo[:2]]
        return MUNICIPIO_PADRAO, "SP"

    def _nfse(self, rps: RpsLido, numero: int, codigo: str, momento: datetime,
              substituida: int | None, versao: Versao) -> etree._Element:
        nfse = _raiz("Nfse", versao=versao.numero)
        inf = _sub(nfse, "InfNfse", Id=f"NFSe{rps.prestador}{numero}")
        _sub(inf, "Numero", str(numero))
        _sub(inf, "CodigoVerificacao", codigo)
        _sub(inf, "DataEmissao", momento.strftime("%Y-%m-%dT%H:%M:%S"))
        if substituida is not None:
            _sub(inf, "NfseSubstituida", str(substituida))
        valores = _sub(inf, "ValoresNfse")
        v = rps.valores
        _sub(valores, "BaseCalculo", f"{v.base:.2f}")
        if v.aliquota is not None:
            _sub(valores, "Aliquota", f"{v.aliquota:.2f}")
        if v.iss is not None:
            _sub(valores, "ValorIss", f"{v.iss:.2f}")
        _sub(valores, "ValorLiquidoNfse", f"{v.liquido:.2f}")
        municipio, uf = self._orgao(rps)
        prestador = _sub(inf, "PrestadorServico")
        if versao.identificacao_no_prestador:
            identificacao = _sub(prestador, "IdentificacaoPrestador")
            declarado = rps.elemento.find("n:InfDeclaracaoPrestacaoServico/n:Prestador", N)
            for child in declarado if declarado is not None else ():
                if isinstance(child.tag, str):
                    identificacao.append(_copia(child))
        _sub(prestador, "RazaoSocial", _razao_social(rps.assinante))
        endereco = _sub(prestador, "Endereco")
        for tag, text in (("Endereco", "Endereço do cadastro municipal"), ("Numero", "S/N"),
                          ("Bairro", "Centro"), ("CodigoMunicipio", municipio), ("Uf", uf),
                          ("Cep", "01001000")):
            _sub(endereco, tag, text)
        orgao = _sub(inf, "OrgaoGerador")
        _sub(orgao, "CodigoMunicipio", municipio)
        _sub(orgao, "Uf", uf)
        declaracao = _sub(inf, "DeclaracaoPrestacaoServico")
        for child in rps.elemento:  # the RPS as sent, its signature included
            if isinstance(child.tag, str):
                declaracao.append(_copia(child))
        sign(nfse, inf, self.signer)
        return nfse

    def _confirmacao(self, nota: dict[str, Any], pedido: etree._Element,
                     versao: Versao) -> etree._Element:
        cancelamento = _raiz("NfseCancelamento", versao=versao.numero)
        confirmacao = _sub(cancelamento, "Confirmacao",
                           Id=f"Canc{nota['prestador']}{nota['numero']}")
        confirmacao.append(_copia(pedido))
        _sub(confirmacao, "DataHora", agora().strftime("%Y-%m-%dT%H:%M:%S"))
        sign(cancelamento, confirmacao, self.signer)
        return cancelamento

    def _substituicao(self, nota: dict[str, Any], substituta: int,
                      versao: Versao) -> etree._Element:
        root = _raiz("NfseSubstituicao", versao=versao.numero)
        inf = _sub(root, "SubstituicaoNfse", Id=f"Subst{nota['prestador']}{nota['numero']}")
        _sub(inf, "NfseSubstituidora", str(substituta))
        sign(root, inf, self.signer)
        return root

    def _alvo(self, prestador: str, numero: int | None, rps: RpsId | None,
              origem: RpsId) -> dict[str, Any]:
        """The note a new one replaces (by number, or by its RPS), checked substitutable."""
        if numero is not None:
            nota = self.estado.por_numero(prestador, numero)
            if nota is None:
                rejeitar("E5", f"NFS-e {numero} a ser substituída não encontrada", None, origem)
        else:
            assert rps is not None
            nota = self.estado.por_rps(prestador, *rps)
            if nota is None:
                rejeitar("E76", f"RPS substituído {rps[0]}/{rps[1]} não encontrado", None,
                         origem)
        if nota["status"] == CANCELADA:
            rejeitar("E79", f"NFS-e {nota['numero']} já está cancelada", None, origem)
        if nota["status"] == SUBSTITUIDA:
            rejeitar("E7", f"NFS-e {nota['numero']} já foi substituída", None, origem)
        return nota

    def _emitir(self, lista: list[RpsLido], versao: Versao,
                substitui: int | None = None) -> list[dict[str, Any]]:
        """Turn every RPS of ``lista`` into a note, all or none, in one transaction; with
        ``substitui`` (one RPS) the note of that number becomes substituted by the new
        one."""
        with self.estado.transacao():
            erros: list[Mensagem] = []
            alvos: list[dict[str, Any] | None] = []
            for rps in lista:
                existente = self.estado.por_rps(rps.prestador, *rps.ident)
                if existente is not None:
                    erros.append(Mensagem(
                        "E10", f"RPS já informado: convertido na NFS-e {existente['numero']}",
                        "Para este prestador já existe RPS com o mesmo número, série e tipo",
                        rps.ident))
                alvo = None
                try:
                    if substitui is not None:
                        alvo = self._alvo(rps.prestador, substitui, None, rps.ident)
                    elif rps.substituido is not None:
                        alvo = self._alvo(rps.prestador, None, rps.substituido, rps.ident)
                except Rejeicao as exc:
                    erros += exc.mensagens
                alvos.append(alvo)
            if erros:
                raise Rejeicao(*erros)
            emitidas = []
            for rps, alvo in zip(lista, alvos, strict=True):
                numero = self.estado.proximo(f"nfse:{rps.prestador}")
                momento = agora()
                codigo = _codigo_verificacao()
                nfse = self._nfse(rps, numero, codigo, momento,
                                  alvo["numero"] if alvo else None, versao)
                self.estado.registrar(
                    prestador=rps.prestador, numero=numero, codigo_verificacao=codigo,
                    rps_numero=rps.ident[0], rps_serie=rps.ident[1], rps_tipo=rps.ident[2],
                    valor_servicos=f"{rps.valores.servicos:.2f}",
                    data_emissao=momento.isoformat(), nfse=etree.tostring(nfse))
                if alvo is not None:
                    self.estado.substituir(rps.prestador, alvo["numero"], etree.tostring(
                        self._substituicao(alvo, numero, versao)), numero)
                nota = self.estado.por_numero(rps.prestador, numero)
                assert nota is not None
                emitidas.append(nota)
        return emitidas

    def comp_nfse(self, nota: dict[str, Any]) -> etree._Element:
        """The note as ``CompNfse``, with its cancellation or substitution when it has one."""
        comp = _raiz("CompNfse")
        comp.append(etree.fromstring(nota["nfse"]))
        for key in ("cancelamento", "substituicao"):
            if nota.get(key):
                comp.append(etree.fromstring(nota[key]))
        return comp

    # -- operations ----------------------------------------------------------------------
    def _gerar_nfse(self, root: etree._Element,
                    chamador: x509.Certificate | None, versao: Versao
                    ) -> etree._Element:
        rps = self._ler_rps(_elemento(root, "n:Rps"), chamador)
        (nota,) = self._emitir([rps], versao)
        answer = _raiz("GerarNfseResposta")
        _sub(answer, "ListaNfse").append(self.comp_nfse(nota))
        return answer

    def _ler_lote(self, root: etree._Element,
                  chamador: x509.Certificate | None) -> tuple[str, list[RpsLido]]:
        lote = _elemento(root, "n:LoteRps")
        prestador = _documento(_prestador_do_lote(lote), "prestador")
        self._autorizado(chamador, prestador)
        cert = self._assinatura(root, lote, "do lote", obrigatoria=False)
        self._titular(cert, prestador, "do lote")
        numero_lote = _obrigatorio(lote, "n:NumeroLote")
        elementos = lote.findall("n:ListaRps/n:Rps", N)
        quantidade = _obrigatorio(lote, "n:QuantidadeRps")
        if not so_digitos(quantidade) or int(quantidade) != len(elementos):
            rejeitar("E69", f"QuantidadeRps {quantidade[:5]} difere da quantidade de RPS no "
                            f"lote ({len(elementos)})")
        lidos: list[RpsLido] = []
        erros: list[Mensagem] = []
        vistos: set[RpsId] = set()
        for elemento in elementos:
            try:
                rps = self._ler_rps(elemento, chamador)
            except Rejeicao as exc:
                erros += exc.mensagens
                continue
            if rps.prestador != prestador:
                erros.append(Mensagem("E159", "CNPJ do prestador do RPS difere do informado "
                                              "no lote", None, rps.ident))
            if rps.ident in vistos:
                erros.append(Mensagem("E71", "RPS informado mais de uma vez no lote", None,
                                      rps.ident))
            vistos.add(rps.ident)
            lidos.append(rps)
        if erros:
            raise Rejeicao(*erros)
        return numero_lote, lidos

    def _recepcionar_lote_rps_sincrono(self, root: etree._Element,
                                       chamador: x509.Certificate | None, versao: Versao
                                       ) -> etree._Element:
        numero_lote, lidos = self._ler_lote(root, chamador)
        notas = self._emitir(lidos, versao)
        answer = _raiz("EnviarLoteRpsSincronoResposta")
        _sub(answer, "NumeroLote", numero_lote)
        _sub(answer, "DataRecebimento", agora().strftime("%Y-%m-%dT%H:%M:%S"))
        _sub(answer, "Protocolo", _protocolo())
        lista = _sub(answer, "ListaNfse")
        for nota in notas:
            lista.append(self.comp_nfse(nota))
        return answer

    def _recepcionar_lote_rps(self, root: etree._Element,
                              chamador: x509.Certificate | None, versao: Versao
                              ) -> etree._Element:
        """The asynchronous lot: received now (protocol), processed at once; its result is
        read with ConsultarLoteRps."""
        lote = _elemento(root, "n:LoteRps")
        prestador = _documento(_prestador_do_lote(lote), "prestador")
        self._autorizado(chamador, prestador)
        numero_lote = _obrigatorio(lote, "n:NumeroLote")
        protocolo, recebido = _protocolo(), agora()
        try:
            _, lidos = self._ler_lote(root, chamador)
            numeros = [nota["numero"] for nota in self._emitir(lidos, versao)]
            situacao, erros = 4, None
        except Rejeicao as exc:
            numeros, situacao = [], 3
            erros = json.dumps([m.__dict__ for m in exc.mensagens]).encode()
        self.estado.registrar_lote(protocolo=protocolo, prestador=prestador,
                                   numero_lote=numero_lote, recebido=recebido.isoformat(),
                                   situacao=situacao, numeros=json.dumps(numeros), erros=erros)
        answer = _raiz("EnviarLoteRpsResposta")
        _sub(answer, "NumeroLote", numero_lote)
        _sub(answer, "DataRecebimento", recebido.strftime("%Y-%m-%dT%H:%M:%S"))
        _sub(answer, "Protocolo", protocolo)
        return answer

    def _consultar_lote_rps(self, root: etree._Element,
                            chamador: x509.Certificate | None, versao: Versao
                            ) -> etree._Element:
        prestador = _documento(_elemento(root, "n:Prestador"), "prestador")
        self._autorizado(chamador, prestador)
        protocolo = _obrigatorio(root, "n:Protocolo")
        lote = self.estado.lote(protocolo)
        if lote is None or lote["prestador"] != prestador:
            rejeitar("E86", f"Protocolo {protocolo[:50]} não encontrado para este prestador")
        if lote["situacao"] == 3:
            mensagens = [Mensagem(m["codigo"], m["mensagem"], m["correcao"],
                                  tuple(m["rps"]) if m["rps"] else None)
                         for m in json.loads(lote["erros"])]
            return self._erros("ConsultarLoteRpsResposta", mensagens, situacao="3")
        answer = _raiz("ConsultarLoteRpsResposta")
        _sub(answer, "Situacao", "4")
        lista = _sub(answer, "ListaNfse")
        for numero in json.loads(lote["numeros"]):
            nota = self.estado.por_numero(prestador, numero)
            assert nota is not None
            lista.append(self.comp_nfse(nota))
        return answer

    def _consultar_nfse_por_rps(self, root: etree._Element,
                                chamador: x509.Certificate | None, versao: Versao
                                ) -> etree._Element:
        ident_el = _elemento(root, "n:IdentificacaoRps")
        numero = _obrigatorio(ident_el, "n:Numero")
        if not re.fullmatch(r"\d{1,15}", numero):
            rejeitar("E96", f"Número do RPS inválido: {numero[:20]}")
        prestador = _documento(_elemento(root, "n:Prestador"), "prestador")
        self._autorizado(chamador, prestador)
        nota = self.estado.por_rps(prestador, str(int(numero)),
                                   _obrigatorio(ident_el, "n:Serie"),
                                   _obrigatorio(ident_el, "n:Tipo"))
        if nota is None:
            rejeitar("E4", "Esse RPS não foi enviado para a nossa base de dados",
                     "Envie o RPS (GerarNfse) antes de consultá-lo")
        answer = _raiz("ConsultarNfseRpsResposta")
        answer.append(self.comp_nfse(nota))
        return answer

    def _consultar_nfse_por_faixa(self, root: etree._Element,
                                  chamador: x509.Certificate | None, versao: Versao
                                  ) -> etree._Element:
        """The prestador's notes numbered within the range, as they are now, 50 a page."""
        prestador = _documento(_elemento(root, "n:Prestador"), "prestador")
        self._autorizado(chamador, prestador)
        faixa = _elemento(root, "n:Faixa")
        limites = [_obrigatorio(faixa, f"n:NumeroNfse{lado}") for lado in ("Inicial", "Final")]
        if not all(re.fullmatch(r"\d{1,15}", n) for n in limites):
            rejeitar("E136", "Número de NFS-e inválido na faixa")
        pagina = int(_texto(root, "n:Pagina") or "1")
        inicial, final = (int(n) for n in limites)
        numeros = list(range(inicial, final + 1))[(pagina - 1) * 50:pagina * 50]
        notas = [nota for nota in (self.estado.por_numero(prestador, n) for n in numeros)
                 if nota is not None]
        if not notas:
            rejeitar("E78", f"Nenhuma NFS-e de {inicial} a {final} para o prestador "
                            f"{prestador}")
        answer = _raiz("ConsultarNfseFaixaResposta")
        lista = _sub(answer, "ListaNfse")
        for nota in notas:
            lista.append(self.comp_nfse(nota))
        _pagina(lista, versao, pagina, final - inicial + 1 > pagina * 50)
        return answer

    def _consultar_nfse_servico_tomado(self, root: etree._Element,
                                       chamador: x509.Certificate | None, versao: Versao
                                       ) -> etree._Element:
        """The notes in which the consulente is the tomador or the intermediário, issued (or
        of competência) in the period, as they are now (a cancelled one with its
        ``NfseCancelamento``), 50 a page. The consulente must be the Tomador or Intermediario
        given, and acts with its own certificate."""
        consulente = _documento(_elemento(root, "n:Consulente"), "consulente")
        self._autorizado(chamador, consulente)
        papeis = {papel: _texto(root, f"n:{papel}/n:CpfCnpj/n:Cnpj")
                  or _texto(root, f"n:{papel}/n:CpfCnpj/n:Cpf")
                  for papel in ("Tomador", "Intermediario")}
        if consulente not in papeis.values():
            rejeitar("E138", "O consulente deve ser o tomador ou o intermediário informado",
                     "Informe Tomador (ou Intermediario) com o CPF/CNPJ do consulente")
        numero = _texto(root, "n:NumeroNfse")
        periodo = root.find("n:PeriodoEmissao", N)
        if periodo is None:
            periodo = root.find("n:PeriodoCompetencia", N)
        inicio = fim = None
        if periodo is not None:
            try:
                inicio, fim = (date.fromisoformat(_obrigatorio(periodo, f"n:Data{lado}"))
                               for lado in ("Inicial", "Final"))
            except ValueError:
                rejeitar("E131", "Data do período inválida")
            if fim < inicio:
                rejeitar("E134", "A data final é anterior à inicial")
            if (fim - inicio).days > 366:
                rejeitar("E135", "O período não pode passar de um ano")
        elif not numero:
            rejeitar("E160", "Informe NumeroNfse, PeriodoEmissao ou PeriodoCompetencia")
        pagina = int(_texto(root, "n:Pagina") or "1")
        achadas = [nota for nota in self.estado.notas()
                   if _parte(nota, consulente)
                   and (not numero or str(nota["numero"]) == numero)
                   and (inicio is None
                        or inicio <= date.fromisoformat(nota["data_emissao"][:10]) <= fim)]
        notas = achadas[(pagina - 1) * 50:pagina * 50]
        if not notas:
            rejeitar("E78", "Nenhuma NFS-e encontrada para o consulente no período")
        answer = _raiz("ConsultarNfseServicoTomadoResposta")
        lista = _sub(answer, "ListaNfse")
        for nota in notas:
            lista.append(self.comp_nfse(nota))
        _pagina(lista, versao, pagina, len(achadas) > pagina * 50)
        return answer

    def _pedido(self, pedido: etree._Element, obrigatoria: bool,
                chamador: x509.Certificate | None) -> tuple[str, int]:
        """Read a cancellation request (``tcPedidoCancelamento``): (prestador, number)."""
        inf = _elemento(pedido, "n:InfPedidoCancelamento")
        ident = _elemento(inf, "n:IdentificacaoNfse")
        numero = _obrigatorio(ident, "n:Numero")
        if not re.fullmatch(r"\d{1,15}", numero):
            rejeitar("E136", f"Número da NFS-e inválido: {numero[:20]}")
        prestador = _documento(ident, "prestador")
        cert = self._assinatura(pedido, inf, "do pedido de cancelamento", obrigatoria)
        self._titular(cert, prestador, "do pedido de cancelamento")
        self._autorizado(chamador, prestador)
        _obrigatorio(inf, "n:CodigoCancelamento")
        return prestador, int(numero)

    def _cancelar_nfse(self, root: etree._Element,
                       chamador: x509.Certificate | None, versao: Versao
                       ) -> etree._Element:
        pedido = _elemento(root, "n:Pedido")
        prestador, numero = self._pedido(pedido, True, chamador)
        with self.estado.transacao():
            nota = self.estado.por_numero(prestador, numero)
            if nota is None:
                rejeitar("E78", f"NFS-e {numero} não encontrada para o prestador {prestador}")
            if nota["status"] == CANCELADA:
                rejeitar("E79", f"NFS-e {numero} já está cancelada")
            if nota["status"] == SUBSTITUIDA:
                rejeitar("E7", f"NFS-e {numero} já foi substituída")
            cancelamento = self._confirmacao(nota, pedido, versao)
            self.estado.cancelar(prestador, numero, etree.tostring(cancelamento))
        answer = _raiz("CancelarNfseResposta")
        _sub(answer, "RetCancelamento").append(cancelamento)
        return answer

    def _substituir_nfse(self, root: etree._Element,
                         chamador: x509.Certificate | None, versao: Versao
                         ) -> etree._Element:
        substituicao = _elemento(root, "n:SubstituicaoNfse")
        prestador, numero = self._pedido(_elemento(substituicao, "n:Pedido"), False, chamador)
        cert = self._assinatura(root, substituicao, "da substituição")
        self._titular(cert, prestador, "da substituição")
        rps = self._ler_rps(_elemento(substituicao, "n:Rps"), chamador)
        if rps.prestador != prestador:
            rejeitar("E157", "O RPS substituto e a NFS-e substituída devem ser do mesmo "
                             "prestador", None, rps.ident)
        (nova,) = self._emitir([rps], versao, substitui=numero)
        antiga = self.estado.por_numero(prestador, numero)
        assert antiga is not None
        answer = _raiz("SubstituirNfseResposta")
        ret = _sub(answer, "RetSubstituicao")
        _sub(ret, "NfseSubstituida").append(self.comp_nfse(antiga))
        _sub(ret, "NfseSubstituidora").append(self.comp_nfse(nova))
        return answer


def _pagina(lista: etree._Element, versao: Versao, pagina: int, mais: bool) -> None:
    """2.04 names the page answered; the older layouts name the next one, when there is."""
    if versao.pagina == "Pagina":
        _sub(lista, "Pagina", str(pagina))
    elif mais:
        _sub(lista, versao.pagina, str(pagina + 1))


def _copia(element: etree._Element) -> etree._Element:
    """A copy that keeps the namespace declarations in scope, so a signature over it still
    canonicalises to the same bytes."""
    return etree.fromstring(etree.tostring(element))


def _protocolo() -> str:
    return agora().strftime("%Y%m%d%H%M%S") + secrets.token_hex(6).upper()


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
