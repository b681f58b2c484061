"""The sandbox side of Centi's dialect (``nfse.providers.abrasf.centi`` says what differs): a
POST whose body is JSON is a Centi call, ``{"xml": ..., "usuario": ..., "senha": ...}``. The
user and password are checked against ``AbrasfSandbox.usuarios_centi`` (user → password;
empty: any non-empty pair); a refused pair is HTTP 401, as a REST service answers. The
document is named by its root (``GerarNfseEnvio``, ``ConsultarNfseRpsEnvio``,
``CancelarNfseEnvio``; any other is refused), checked against Centi's schema when the sandbox
has one, and its signature (``URI=""``: the whole ``Rps``, the whole cancellation request) is
verified and must come from a trusted certificate. The answer is the ``...Resposta``
document as XML, the note carrying an ``Id`` that the cancellation must repeat with the
verification code; a cancelled note is answered, as ACBr reads Centi's answer, as itself with
``InfNfse/Status`` 3. The notes share the ABRASF sandbox's state."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from lxml import etree

from nfse.sandbox.abrasf.prefeitura import UF_POR_CODIGO, agora
from nfse.sandbox.abrasf.recusa import Recusa
from nfse.sandbox.abrasf.soap import parser
from nfse.sandbox.abrasf.state import CANCELADA, Estado
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura
from nfse.xml.validate import validate

NS = "http://www.centi.com.br/files/nfse.xsd"
ESQUEMA = "centi_nfse.xsd"
VERSAO = "2.02"
MUTANTES = frozenset({"GerarNfseEnvio", "CancelarNfseEnvio"})
N = {"c": NS}
STATUS_CANCELADA = "3"


class ChamadaInvalida(Exception):
    """Not a Centi call: the HTTP status and the answer's text."""

    def __init__(self, status: int, mensagem: str):
        super().__init__(mensagem)
        self.status = status


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(tag))
    if text is not None:
        element.text = text
    return element


def _texto(node: etree._Element, path: str) -> str:
    return (node.findtext(path, namespaces=N) or "").strip()


def _cnpj(node: etree._Element | None) -> str:
    if node is None:
        return ""
    return _texto(node, "c:CpfCnpj/c:Cnpj") or _texto(node, "c:CpfCnpj/c:Cpf")


def ler(raw: bytes, usuarios: dict[str, str]) -> etree._Element:
    """The document of a Centi call, its user and password accepted. Raises
    ``ChamadaInvalida`` (400: not the JSON of a Centi call; 401: user or password
    refused)."""
    try:
        corpo = json.loads(raw)
    except ValueError as exc:
        raise ChamadaInvalida(400, "Corpo JSON inválido") from exc
    if not isinstance(corpo, dict) or not all(
            isinstance(corpo.get(k), str) for k in ("xml", "usuario", "senha")):
        raise ChamadaInvalida(400, 'Informe "xml", "usuario" e "senha"')
    usuario, senha = corpo["usuario"], corpo["senha"]
    if not usuario or not senha or (usuarios and usuarios.get(usuario) != senha):
        raise ChamadaInvalida(401, "Usuário ou senha inválidos")
    try:
        return etree.fromstring(corpo["xml"].encode("utf-8"), parser())
    except etree.XMLSyntaxError as exc:
        raise ChamadaInvalida(400, f"XML inválido: {exc}") from exc


class PrefeituraCenti:
    def __init__(self, estado: Estado, xsd_dir: Path | None, municipio: str | None,
                 confiavel: Callable[[x509.Certificate], bool]):
        self.estado = estado
        self.xsd_dir = xsd_dir
        self.municipio = municipio
        self.confiavel = confiavel

    def atender(self, pedido: etree._Element) -> bytes:
        """The answer document (bytes) to one Centi request document."""
        raiz = etree.QName(pedido).localname
        nome_resposta = raiz.removesuffix("Envio") + "Resposta"
        operacoes = {"GerarNfseEnvio": self._gerar, "ConsultarNfseRpsEnvio": self._consultar,
                     "CancelarNfseEnvio": self._cancelar}
        resposta = etree.Element(_q(nome_resposta), nsmap={None: NS})
        try:
            if raiz not in operacoes or etree.QName(pedido).namespace != NS:
                raise Recusa("E160", f"Documento {raiz} não atendido pela Centi",
                              f"Envie GerarNfseEnvio, ConsultarNfseRpsEnvio ou "
                              f"CancelarNfseEnvio no namespace {NS}")
            self._validar(pedido)
            operacoes[raiz](pedido, resposta)
        except Recusa as exc:
            resposta = etree.Element(_q(nome_resposta), nsmap={None: NS})
            mensagem = _sub(_sub(resposta, "ListaMensagemRetorno"), "MensagemRetorno")
            _sub(mensagem, "Codigo", exc.codigo)
            _sub(mensagem, "Mensagem", exc.mensagem[:200])
            if exc.correcao:
                _sub(mensagem, "Correcao", exc.correcao[:200])
        return etree.tostring(resposta, xml_declaration=True, encoding="UTF-8")

    def _validar(self, pedido: etree._Element) -> None:
        if self.xsd_dir is None:
            return
        problemas = validate(pedido, self.xsd_dir / ESQUEMA)
        if problemas:
            raise Recusa("E160", f"Falha no esquema XML: {problemas[0]}",
                          f"Valide o documento contra {ESQUEMA}")

    def _assinado(self, documento: etree._Element, o_que: str) -> None:
        """``documento``, a tree of its own, carries a valid signature of all of it."""
        sig = next(documento.iter(ds("Signature")), None)
        if sig is None:
            raise Recusa("E1", f"Assinatura digital {o_que} ausente")
        try:
            certificado = verificar_assinatura(sig, documento)
        except AssinaturaIncorreta as exc:
            raise Recusa("E1", f"Assinatura {o_que} inválida: {exc}") from exc
        if not self.confiavel(certificado):
            raise Recusa("E1", f"Certificado da assinatura {o_que} não é confiável")

    def _comp(self, nota: dict) -> etree._Element:
        comp = etree.Element(_q("CompNfse"), nsmap={None: NS})
        nfse = etree.fromstring(nota["nfse"])
        if nota["status"] == CANCELADA:
            _sub(nfse.find("c:InfNfse", N), "Status", STATUS_CANCELADA)
        comp.append(nfse)
        return comp

    def _lista(self, resposta: etree._Element, nota: dict) -> None:
        _sub(resposta, "ListaNfse").append(self._comp(nota))

    def _nfse(self, rps: etree._Element, prestador: str, numero: int,
              codigo: str) -> etree._Element:
        inf = rps.find("c:InfDeclaracaoPrestacaoServico", N)
        assert inf is not None  # the schema requires it
        nfse = etree.Element(_q("Nfse"), versao=VERSAO, nsmap={None: NS})
        info = _sub(nfse, "InfNfse", None)
        info.set("Id", secrets.token_hex(12))
        _sub(info, "Numero", str(numero))
        _sub(info, "CodigoVerificacao", codigo)
        _sub(info, "DataEmissao", agora().strftime("%Y-%m-%dT%H:%M:%S"))
        servicos = Decimal(_texto(inf, "c:Servico/c:Valores/c:ValorServicos") or "0")
        aliquota = Decimal(_texto(inf, "c:Servico/c:Valores/c:Aliquota") or "0")
        valores = _sub(info, "ValoresNfse")
        _sub(valores, "BaseCalculo", f"{servicos:.2f}")
        _sub(valores, "Aliquota", f"{aliquota:.2f}")
        _sub(valores, "ValorIss", f"{servicos * aliquota / 100:.2f}")
        _sub(valores, "ValorLiquidoNfse", f"{servicos:.2f}")
        municipio = self.municipio or _texto(inf, "c:Servico/c:CodigoMunicipio")
        orgao = _sub(info, "OrgaoGerador")
        _sub(orgao, "CodigoMunicipio", municipio)
        _sub(orgao, "Uf", UF_POR_CODIGO.get(municipio[:2], "GO"))
        declaracao = etree.fromstring(etree.tostring(rps))
        declaracao.tag = _q("DeclaracaoPrestacaoServico")
        info.append(declaracao)
        return nfse

    def _gerar(self, pedido: etree._Element, resposta: etree._Element) -> None:
        rps = pedido.find("c:Rps", N)
        assert rps is not None  # the schema requires it
        self._assinado(etree.fromstring(etree.tostring(rps)), "do RPS")
        inf = rps.find("c:InfDeclaracaoPrestacaoServico", N)
        assert inf is not None
        prestador = _cnpj(inf.find("c:Prestador", N))
        ident = (str(int(_texto(inf, "c:Rps/c:IdentificacaoRps/c:Numero"))),
                 _texto(inf, "c:Rps/c:IdentificacaoRps/c:Serie"),
                 _texto(inf, "c:Rps/c:IdentificacaoRps/c:Tipo"))
        with self.estado.transacao():
            existente = self.estado.por_rps(prestador, *ident)
            if existente is not None:
                raise Recusa("E10", "RPS já informado: convertido na NFS-e "
                                     f"{existente['numero']}")
            numero = self.estado.proximo(f"nfse:{prestador}")
            codigo = secrets.token_hex(4).upper()
            self.estado.registrar(
                prestador=prestador, numero=numero, codigo_verificacao=codigo,
                rps_numero=ident[0], rps_serie=ident[1], rps_tipo=ident[2],
                valor_servicos=_texto(inf, "c:Servico/c:Valores/c:ValorServicos"),
                data_emissao=agora().isoformat(),
                nfse=etree.tostring(self._nfse(rps, prestador, numero, codigo)))
            nota = self.estado.por_numero(prestador, numero)
        assert nota is not None
        self._lista(resposta, nota)

    def _consultar(self, pedido: etree._Element, resposta: etree._Element) -> None:
        nota = self.estado.por_rps(_cnpj(pedido.find("c:Prestador", N)),
                                   str(int(_texto(pedido, "c:IdentificacaoRps/c:Numero"))),
                                   _texto(pedido, "c:IdentificacaoRps/c:Serie"),
                                   _texto(pedido, "c:IdentificacaoRps/c:Tipo"))
        if nota is None:
            raise Recusa("E4", "Esse RPS não foi enviado para a nossa base de dados")
        self._lista(resposta, nota)

    def _cancelar(self, pedido: etree._Element, resposta: etree._Element) -> None:
        self._assinado(pedido, "do pedido de cancelamento")
        ident = pedido.find("c:Pedido/c:InfPedidoCancelamento/c:IdentificacaoNfse", N)
        assert ident is not None  # the schema requires it
        prestador = _cnpj(ident)
        numero = _texto(ident, "c:Numero")
        with self.estado.transacao():
            nota = self.estado.por_numero(prestador, int(numero))
            if nota is None:
                raise Recusa("E78", f"NFS-e {numero} não encontrada para o prestador "
                                     f"{prestador}")
            inf = etree.fromstring(nota["nfse"]).find("c:InfNfse", N)
            assert inf is not None
            if (_texto(ident, "c:Id"), _texto(ident, "c:CodigoVerificacao")) != (
                    inf.get("Id"), _texto(inf, "c:CodigoVerificacao")):
                raise Recusa("E206", "Id ou código de verificação não conferem com os da "
                                      "NFS-e", "Informe os devolvidos na emissão")
            if nota["status"] != CANCELADA:
                confirmacao = etree.Element(_q("NfseCancelamento"), versao=VERSAO,
                                            nsmap={None: NS})
                _sub(confirmacao, "Confirmacao").append(etree.fromstring(etree.tostring(
                    pedido.find("c:Pedido", N))))
                _sub(confirmacao[0], "DataHora", agora().strftime("%Y-%m-%dT%H:%M:%S"))
                self.estado.cancelar(prestador, int(numero), etree.tostring(confirmacao))
                nota = self.estado.por_numero(prestador, int(numero))
        assert nota is not None
        self._lista(resposta, nota)
