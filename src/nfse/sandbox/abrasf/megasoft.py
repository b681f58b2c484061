"""The sandbox side of MegaSoft's own layout (``nfse.providers.abrasf.megasoft`` says what
differs): a document in MegaSoft's namespace, inside the usual ``nfseDadosMsg``, is read
here. The header must say ``1.00``; the RPS's signature is checked and must come from a
trusted certificate; only GerarNfse and ConsultarNfsePorRps are served (any other operation
is a SOAP Fault, as on a web service that has no such method); the RPS is named by its
number alone. The notes share the ABRASF sandbox's state (series ``""``, type ``1``)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from lxml import etree

from nfse.sandbox.abrasf.prefeitura import UF_POR_CODIGO, OperacaoIndisponivel, agora
from nfse.sandbox.abrasf.recusa import Recusa
from nfse.sandbox.abrasf.soap import parser
from nfse.sandbox.abrasf.state import Estado
from nfse.sandbox.assinatura import AssinaturaIncorreta, ds, verificar_assinatura
from nfse.xml.validate import validate

NS = "http://megasoftarrecadanet.com.br/xsd/nfse_v01.xsd"
ESQUEMA = "megasoft_nfse_v01.xsd"
VERSAO = "1.00"
N = {"m": NS}
SERIE, TIPO = "", "1"
"""How a MegaSoft RPS (a number alone) is kept in the shared state."""


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(tag))
    if text is not None:
        element.text = text
    return element


def _texto(node: etree._Element, path: str) -> str:
    return (node.findtext(path, namespaces=N) or "").strip()


def _documento_de(pessoa: etree._Element | None) -> str:
    if pessoa is None:
        return ""
    return _texto(pessoa, "m:CpfCnpj/m:Cnpj") or _texto(pessoa, "m:CpfCnpj/m:Cpf")


class PrefeituraMegaSoft:
    def __init__(self, estado: Estado, xsd_dir: Path | None, municipio: str | None,
                 confiavel: Callable[[x509.Certificate], bool]):
        self.estado = estado
        self.xsd_dir = xsd_dir
        self.municipio = municipio
        self.confiavel = confiavel

    def atender(self, operacao: str, cabecalho: str | None,
                documento: etree._Element) -> bytes:
        """The answer document (bytes) to one call in MegaSoft's layout."""
        operacoes = {"GerarNfse": ("GerarNfseResposta", self._gerar),
                     "ConsultarNfsePorRps": ("ConsultarNfseRpsResposta", self._consultar_rps)}
        if operacao not in operacoes:
            raise OperacaoIndisponivel(f"Operação {operacao} não disponível no web service "
                                       "MegaSoft")
        nome, fazer = operacoes[operacao]
        resposta = etree.Element(_q(nome), nsmap={None: NS})
        try:
            self._cabecalho(cabecalho)
            self._validar(documento)
            fazer(documento, resposta)
        except Recusa as exc:
            resposta = etree.Element(_q(nome), nsmap={None: NS})
            mensagem = _sub(_sub(resposta, "ListaMensagemRetorno"), "MensagemRetorno")
            _sub(mensagem, "Codigo", exc.codigo)
            _sub(mensagem, "Mensagem", exc.mensagem[:200])
            if exc.correcao:
                _sub(mensagem, "Correcao", exc.correcao[:200])
        return etree.tostring(resposta, encoding="UTF-8")

    def _cabecalho(self, texto: str | None) -> None:
        try:
            root = etree.fromstring((texto or "").encode(), parser())
        except etree.XMLSyntaxError:
            root = None
        if root is None or root.findtext("m:versaoDados", namespaces=N) != VERSAO:
            raise Recusa("E160", "Cabeçalho MegaSoft ausente ou de outra versão",
                          f'Envie <cabecalho versao="{VERSAO}" xmlns="{NS}">'
                          f"<versaoDados>{VERSAO}</versaoDados></cabecalho>")

    def _validar(self, documento: etree._Element) -> None:
        if self.xsd_dir is None:
            return
        problemas = validate(documento, self.xsd_dir / ESQUEMA)
        if problemas:
            raise Recusa("E160", f"Falha no esquema XML: {problemas[0]}",
                          f"Valide o documento contra {ESQUEMA}")

    def _comp(self, nota: dict) -> etree._Element:
        comp = etree.Element(_q("CompNfse"), nsmap={None: NS})
        comp.append(etree.fromstring(nota["nfse"]))
        return comp

    def _gerar(self, documento: etree._Element, resposta: etree._Element) -> None:
        rps = documento.find("m:Rps", N)
        assert rps is not None  # the schema requires it
        inf = rps.find("m:InfDeclaracaoPrestacaoServico", N)
        sig = rps.find(ds("Signature"))
        if inf is None or sig is None:
            raise Recusa("E1", "Assinatura digital do RPS ausente")
        try:
            certificado = verificar_assinatura(sig, inf)
        except AssinaturaIncorreta as exc:
            raise Recusa("E1", f"Assinatura do RPS inválida: {exc}") from exc
        if not self.confiavel(certificado):
            raise Recusa("E1", "Certificado da assinatura do RPS não é confiável")
        prestador = _documento_de(inf.find("m:Prestador", N))
        numero_rps = str(int(_texto(inf, "m:Rps/m:IdentificacaoRps/m:Numero")))
        with self.estado.transacao():
            existente = self.estado.por_rps(prestador, numero_rps, SERIE, TIPO)
            if existente is not None:
                raise Recusa("E10", "RPS já informado: convertido na NFS-e "
                                     f"{existente['numero']}")
            numero = self.estado.proximo(f"nfse:{prestador}")
            momento = agora()
            codigo = secrets.token_hex(4).upper()
            nfse = self._nfse(inf, rps, prestador, numero, codigo)
            self.estado.registrar(
                prestador=prestador, numero=numero, codigo_verificacao=codigo,
                rps_numero=numero_rps, rps_serie=SERIE, rps_tipo=TIPO,
                valor_servicos=_texto(inf, "m:Servico/m:Valores/m:ValorServicos"),
                data_emissao=momento.isoformat(), nfse=etree.tostring(nfse))
            nota = self.estado.por_numero(prestador, numero)
        assert nota is not None
        _sub(resposta, "ListaNfse").append(self._comp(nota))

    def _nfse(self, inf: etree._Element, rps: etree._Element, prestador: str, numero: int,
              codigo: str) -> etree._Element:
        nfse = etree.Element(_q("Nfse"), versao=VERSAO, nsmap={None: NS})
        info = _sub(nfse, "InfNfse")
        _sub(info, "Numero", str(numero))
        _sub(info, "CodigoVerificacao", codigo)
        _sub(info, "DataEmissao", agora().strftime("%Y-%m-%dT%H:%M:%S"))
        servicos = Decimal(_texto(inf, "m:Servico/m:Valores/m:ValorServicos") or "0")
        aliquota = Decimal(_texto(inf, "m:Servico/m:Valores/m:Aliquota") or "2")
        valores = _sub(info, "ValoresNfse")
        _sub(valores, "BaseCalculo", f"{servicos:.2f}")
        _sub(valores, "Aliquota", f"{aliquota:.2f}")
        _sub(valores, "ValorIss", f"{servicos * aliquota / 100:.2f}")
        _sub(valores, "Deducao", "0.00")
        municipio = self.municipio or _texto(inf, "m:Servico/m:CodigoMunicipio")
        uf = UF_POR_CODIGO.get(municipio[:2], "SP")
        dados = _sub(info, "PrestadorServico")
        ident = _sub(dados, "IdentificacaoPrestador")
        declarado = inf.find("m:Prestador", N)
        for filho in declarado if declarado is not None else ():
            ident.append(etree.fromstring(etree.tostring(filho)))
        _sub(dados, "RazaoSocial", "Prestador do sandbox MegaSoft")
        endereco = _sub(dados, "Endereco")
        for tag, text in (("Endereco", "Endereço do cadastro municipal"), ("Numero", "S/N"),
                          ("Bairro", "Centro"), ("Cep", "01001000"),
                          ("CodigoMunicipio", municipio)):
            _sub(endereco, tag, text)
        orgao = _sub(info, "OrgaoGerador")
        _sub(orgao, "CodigoMunicipio", municipio)
        _sub(orgao, "Uf", uf)
        info.append(etree.fromstring(etree.tostring(rps)))
        info[-1].tag = _q("DeclaracaoPrestacaoServico")
        return nfse

    def _consultar_rps(self, documento: etree._Element, resposta: etree._Element) -> None:
        prestador = _documento_de(documento.find("m:Prestador", N))
        numero = _texto(documento, "m:IdentificacaoRps/m:Numero")
        nota = self.estado.por_rps(prestador, str(int(numero)), SERIE, TIPO)
        if nota is None:
            raise Recusa("E4", "Esse RPS não foi enviado para a nossa base de dados")
        resposta.append(self._comp(nota))
