"""The sandbox side of EloTech's own ABRASF 2.03 layout (``nfse.providers.abrasf.elotech``
says what differs): a call whose SOAP body is a document in EloTech's namespace is read
here, not as an ABRASF ``<Op>Request``. The requerente's password is checked against
``AbrasfSandbox.senhas_elotech`` (CNPJ → password; empty: any password), nothing is signed,
the notes carry a ``ChaveAcesso`` that the cancellation must repeat, and the answer is the
``...Resposta`` document as the SOAP body. The notes share the ABRASF sandbox's state.

Served: ``EnviarLoteRpsSincronoEnvio``, ``ConsultarNfseRpsEnvio``, ``CancelarNfseEnvio``."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from nfse.sandbox.abrasf.prefeitura import UF_POR_CODIGO, agora
from nfse.sandbox.abrasf.recusa import Recusa
from nfse.sandbox.abrasf.soap import SOAP11, parser
from nfse.sandbox.abrasf.state import CANCELADA, Estado
from nfse.xml.validate import validate

NS = "http://shad.elotech.com.br/schemas/iss/nfse_v2_03.xsd"
ESQUEMA = "elotech_nfse_v2_03.xsd"
VERSAO = "2.03"
MUTANTES = frozenset({"EnviarLoteRpsSincronoEnvio", "CancelarNfseEnvio"})
N = {"e": NS}


def documento(raw: bytes) -> etree._Element | None:
    """The EloTech document a SOAP call carries as its body, or None when it is another
    kind of call."""
    try:
        envelope = etree.fromstring(raw, parser())
    except (etree.XMLSyntaxError, ValueError):
        return None
    body = envelope.find(f"{{{SOAP11}}}Body")
    filhos = [e for e in body if isinstance(e.tag, str)] if body is not None else []
    if filhos and etree.QName(filhos[0]).namespace == NS:
        return filhos[0]
    return None


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(tag))
    if text is not None:
        element.text = text
    return element


def _texto(node: etree._Element, path: str) -> str:
    return (node.findtext(path, namespaces=N) or "").strip()


def _envelope(resposta: etree._Element) -> bytes:
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soap": SOAP11})
    etree.SubElement(envelope, f"{{{SOAP11}}}Body").append(resposta)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


class PrefeituraElotech:
    def __init__(self, estado: Estado, xsd_dir: Path | None, municipio: str | None,
                 senhas: Callable[[], dict[str, str]]):
        self.estado = estado
        self.xsd_dir = xsd_dir
        self.municipio = municipio
        self.senhas = senhas
        """CNPJ → password of the requerente (read at each call); empty: every password is
        accepted."""

    def atender(self, pedido: etree._Element) -> bytes:
        """The SOAP answer to one EloTech request document."""
        raiz = etree.QName(pedido).localname
        nome_resposta = raiz.removesuffix("Envio") + "Resposta"
        operacoes = {"EnviarLoteRpsSincronoEnvio": self._lote,
                     "ConsultarNfseRpsEnvio": self._consultar_rps,
                     "CancelarNfseEnvio": self._cancelar}
        resposta = etree.Element(_q(nome_resposta), nsmap={None: NS})
        try:
            if raiz not in operacoes:
                raise Recusa("E160", f"Documento {raiz} não atendido por este sandbox")
            self._validar(pedido)
            self._requerente(pedido)
            operacoes[raiz](pedido, resposta)
        except Recusa as exc:
            resposta = etree.Element(_q(nome_resposta), nsmap={None: NS})
            if raiz == "EnviarLoteRpsSincronoEnvio":
                _sub(resposta, "NumeroLote", _texto(pedido, "e:LoteRps/e:NumeroLote") or "0")
                _sub(resposta, "DataRecebimento", agora().date().isoformat())
            mensagem = _sub(_sub(resposta, "ListaMensagemRetorno"), "MensagemRetorno")
            _sub(mensagem, "Codigo", exc.codigo)
            _sub(mensagem, "Mensagem", exc.mensagem[:200])
            if exc.correcao:
                _sub(mensagem, "Correcao", exc.correcao[:200])
        return _envelope(resposta)

    def _validar(self, pedido: etree._Element) -> None:
        if self.xsd_dir is None:
            return
        problemas = validate(etree.fromstring(etree.tostring(pedido)), self.xsd_dir / ESQUEMA)
        if problemas:
            raise Recusa("E160", f"Falha no esquema XML: {problemas[0]}",
                          f"Valide o documento contra {ESQUEMA}")

    def _requerente(self, pedido: etree._Element) -> None:
        cnpj = _texto(pedido, "e:IdentificacaoRequerente/e:CpfCnpj/e:Cnpj")
        senha = _texto(pedido, "e:IdentificacaoRequerente/e:Senha")
        senhas = self.senhas()
        if senhas and senhas.get(cnpj) != senha:
            raise Recusa("E157", f"Senha do requerente {cnpj} inválida",
                          "Informe a senha do contribuinte cadastrada na prefeitura")

    @staticmethod
    def _prestador(pedido: etree._Element) -> str:
        return _texto(pedido, "e:IdentificacaoRequerente/e:CpfCnpj/e:Cnpj")

    def _comp(self, nota: dict) -> etree._Element:
        comp = etree.Element(_q("CompNfse"), nsmap={None: NS})
        comp.append(etree.fromstring(nota["nfse"]))
        if nota.get("cancelamento"):
            comp.append(etree.fromstring(nota["cancelamento"]))
        return comp

    def _nfse(self, inf: etree._Element, prestador: str, numero: int, codigo: str,
              momento: datetime) -> etree._Element:
        nfse = etree.Element(_q("Nfse"), versao=VERSAO, nsmap={None: NS})
        info = _sub(nfse, "InfNfse")
        _sub(info, "Numero", str(numero))
        _sub(info, "CodigoVerificacao", codigo)
        _sub(info, "DataEmissao", momento.date().isoformat())
        servicos = Decimal(_texto(inf, "e:Servico/e:Valores/e:ValorServicos") or "0")
        iss = Decimal(_texto(inf, "e:Servico/e:Valores/e:ValorIss") or "0")
        valores = _sub(info, "ValoresNfse")
        _sub(valores, "BaseCalculo", f"{servicos:.2f}")
        _sub(valores, "ValorIss", f"{iss:.2f}")
        _sub(valores, "ValorLiquidoNfse", f"{servicos:.2f}")
        municipio = self.municipio or _texto(inf, "e:Servico/e:MunicipioIncidencia")
        uf = UF_POR_CODIGO.get(municipio[:2], "SP")
        dados = _sub(info, "PrestadorServico")
        ident = _sub(dados, "IdentificacaoPrestador")
        _sub(_sub(ident, "CpfCnpj"), "Cnpj", prestador)
        _sub(dados, "RazaoSocial", "Prestador do sandbox EloTech")
        endereco = _sub(dados, "Endereco")
        for tag, text in (("Endereco", "Endereço do cadastro municipal"), ("Numero", "S/N"),
                          ("Bairro", "Centro"), ("CodigoMunicipio", municipio), ("Uf", uf),
                          ("Cep", "01001000")):
            _sub(endereco, tag, text)
        orgao = _sub(info, "OrgaoGerador")
        _sub(orgao, "CodigoMunicipio", municipio)
        _sub(orgao, "Uf", uf)
        _sub(info, "DeclaracaoPrestacaoServico").append(etree.fromstring(etree.tostring(inf)))
        _sub(info, "ChaveAcesso", secrets.token_hex(16))
        return nfse

    def _lote(self, pedido: etree._Element, resposta: etree._Element) -> None:
        prestador = self._prestador(pedido)
        lote = pedido.find("e:LoteRps", N)
        assert lote is not None  # the schema requires it
        if _texto(lote, "e:CpfCnpj/e:Cnpj") != prestador:
            raise Recusa("E159", "CNPJ do lote difere do requerente")
        declaracoes = lote.findall("e:ListaRps/e:Rps/e:InfDeclaracaoPrestacaoServico", N)
        if _texto(lote, "e:QuantidadeRps") != str(len(declaracoes)):
            raise Recusa("E69", "QuantidadeRps difere da quantidade de RPS no lote")
        notas = []
        with self.estado.transacao():
            for inf in declaracoes:
                ident = (str(int(_texto(inf, "e:Rps/e:IdentificacaoRps/e:Numero"))),
                         _texto(inf, "e:Rps/e:IdentificacaoRps/e:Serie"),
                         _texto(inf, "e:Rps/e:IdentificacaoRps/e:Tipo"))
                existente = self.estado.por_rps(prestador, *ident)
                if existente is not None:
                    raise Recusa("E10", "RPS já informado: convertido na NFS-e "
                                         f"{existente['numero']}")
                numero = self.estado.proximo(f"nfse:{prestador}")
                momento = agora()
                codigo = secrets.token_hex(4).upper()
                nfse = self._nfse(inf, prestador, numero, codigo, momento)
                self.estado.registrar(
                    prestador=prestador, numero=numero, codigo_verificacao=codigo,
                    rps_numero=ident[0], rps_serie=ident[1], rps_tipo=ident[2],
                    valor_servicos=_texto(inf, "e:Servico/e:Valores/e:ValorServicos"),
                    data_emissao=momento.isoformat(), nfse=etree.tostring(nfse))
                nota = self.estado.por_numero(prestador, numero)
                assert nota is not None
                notas.append(nota)
        _sub(resposta, "NumeroLote", _texto(lote, "e:NumeroLote"))
        _sub(resposta, "DataRecebimento", agora().date().isoformat())
        lista = _sub(resposta, "ListaNfse")
        for nota in notas:
            lista.append(self._comp(nota))

    def _consultar_rps(self, pedido: etree._Element, resposta: etree._Element) -> None:
        numero = _texto(pedido, "e:IdentificacaoRps/e:Numero")
        nota = self.estado.por_rps(self._prestador(pedido), str(int(numero)),
                                   _texto(pedido, "e:IdentificacaoRps/e:Serie"),
                                   _texto(pedido, "e:IdentificacaoRps/e:Tipo"))
        if nota is None:
            raise Recusa("E4", "Esse RPS não foi enviado para a nossa base de dados")
        resposta.append(self._comp(nota))

    def _cancelar(self, pedido: etree._Element, resposta: etree._Element) -> None:
        inf = pedido.find("e:Pedido/e:InfPedidoCancelamento", N)
        assert inf is not None  # the schema requires it
        prestador = self._prestador(pedido)
        numero = _texto(inf, "e:IdentificacaoNfse/e:Numero")
        if _texto(inf, "e:IdentificacaoNfse/e:CpfCnpj/e:Cnpj") != prestador \
                or not re.fullmatch(r"\d{1,15}", numero):
            raise Recusa("E78", f"NFS-e {numero[:15]} não encontrada para o requerente")
        with self.estado.transacao():
            nota = self.estado.por_numero(prestador, int(numero))
            if nota is None:
                raise Recusa("E78", f"NFS-e {numero} não encontrada para o prestador "
                                     f"{prestador}")
            chave = etree.fromstring(nota["nfse"]).findtext("e:InfNfse/e:ChaveAcesso",
                                                             namespaces=N)
            if _texto(inf, "e:ChaveAcesso").lower() != (chave or "").lower():
                raise Recusa("E206", "Chave de acesso não confere com a da NFS-e",
                              "Informe a ChaveAcesso devolvida na emissão")
            if nota["status"] == CANCELADA:
                raise Recusa("E79", f"NFS-e {numero} já está cancelada")
            cancelamento = etree.Element(_q("NfseCancelamento"), versao=VERSAO,
                                         nsmap={None: NS})
            confirmacao = _sub(cancelamento, "ConfirmacaoCancelamento")
            confirmacao.append(etree.fromstring(etree.tostring(
                pedido.find("e:Pedido", N))))
            _sub(confirmacao, "DataHora", agora().strftime("%Y-%m-%dT%H:%M:%S"))
            self.estado.cancelar(prestador, int(numero), etree.tostring(cancelamento))
        _sub(resposta, "tcRetCancelamento").append(cancelamento)
