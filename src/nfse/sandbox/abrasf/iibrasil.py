"""The sandbox side of iiBrasil's variant of ABRASF 2.04 (``nfse.providers.abrasf.iibrasil``
says what differs): a document in ABRASF's namespace whose root ends in ``<Integridade>`` is
read here. There is no manual: the documents are checked against iiBrasil's schema with the
cancellation as ACBr's writer sends it (``nfse.xml.esquema_iibrasil``), and the answers are
written as that schema describes them.

The Integridade is recomputed over the root's content as received (the text between the
root's tags and the ``<Integridade>``) with the prestador's token when the sandbox knows one
(``AbrasfSandbox.tokens_iibrasil``, CNPJ → token), else it must only be a SHA-512 in hex.
GerarNfse, ConsultarNfsePorRps and CancelarNfse are served (any other operation is a SOAP
Fault); the emission and the query answer ``InformacoesNfse``; the answers of both end in an
``Integridade`` of their own. The notes share the ABRASF sandbox's state."""

from __future__ import annotations

import hashlib
import re
import secrets
from base64 import b64encode
from collections.abc import Callable
from typing import Any

from lxml import etree

from nfse.sandbox.abrasf.prefeitura import (
    NS,
    OperacaoIndisponivel,
    Prefeitura,
    Rejeicao,
    _documento,
    _raiz,
    _sub,
    _texto,
    agora,
    rejeitar,
)
from nfse.sandbox.abrasf.state import CANCELADA, Estado
from nfse.xml import esquema_iibrasil

N = {"n": NS}
SERIE_NFSE = "1"
"""The series of every note this sandbox issues."""
_INTEGRIDADE = re.compile(r"<Integridade>([^<]*)</Integridade>\s*</[A-Za-z]+>\s*$")
_HEX512 = re.compile(r"[0-9a-f]{128}")


def digest(conteudo: str, token: str) -> str:
    """The Integridade as iiBrasil computes it (the sandbox's own reading of the rule)."""
    return hashlib.sha512((re.sub(r"[^!-~]", "", conteudo) + token).encode()).hexdigest()


def conteudo(texto: str) -> tuple[str, str] | None:
    """(the root's content before the Integridade, the Integridade) of a request as text."""
    texto = re.sub(r"^\s*<\?xml[^>]*\?>", "", texto.lstrip("\ufeff"), count=1)
    fim = _INTEGRIDADE.search(texto)
    inicio = texto.find(">")
    if fim is None or inicio < 0:
        return None
    return texto[inicio + 1:fim.start()], fim.group(1).strip()


class PrefeituraIiBrasil:
    def __init__(self, estado: Estado, municipio: str | None,
                 tokens: Callable[[], dict[str, str]]):
        self.estado = estado
        self.municipio = municipio
        self.tokens = tokens

    def atender(self, operacao: str, dados: str, documento: etree._Element) -> bytes:
        """The answer document (bytes) to one call in iiBrasil's layout."""
        operacoes: dict[str, tuple[str, Callable[[etree._Element, etree._Element], str],
                                   bool]] = {
            "GerarNfse": ("GerarNfseResposta", self._gerar, True),
            "ConsultarNfsePorRps": ("ConsultarNfseRpsResposta", self._consultar_rps, True),
            "CancelarNfse": ("CancelarNfseResposta", self._cancelar, False)}
        if operacao not in operacoes:
            raise OperacaoIndisponivel(f"Operação {operacao} não disponível no web service "
                                       "iiBrasil")
        nome, fazer, com_integridade = operacoes[operacao]
        resposta = _raiz(nome)
        prestador = ""
        try:
            problemas = esquema_iibrasil.problemas(documento)
            if problemas:
                rejeitar("E160", f"Falha no esquema XML: {problemas[0]}",
                         "Valide o documento contra o esquema da iiBrasil")
            self._integro(dados, documento)
            prestador = fazer(documento, resposta)
        except Rejeicao as exc:
            resposta = _raiz(nome)
            Prefeitura._lista_erros(resposta, exc.mensagens, por_rps=False)
        if com_integridade:
            interno = "".join(etree.tostring(filho, encoding="unicode") for filho in resposta)
            _sub(resposta, "Integridade", digest(interno, self.tokens().get(prestador, "")))
        return etree.tostring(resposta, encoding="UTF-8")

    def _prestador(self, documento: etree._Element) -> str:
        raiz = etree.QName(documento).localname
        caminho = {"GerarNfseEnvio": "n:Rps/n:InfDeclaracaoPrestacaoServico/n:Prestador",
                   "ConsultarNfseRpsEnvio": "n:Prestador"}.get(raiz)
        if caminho is not None:
            return _documento(documento.find(caminho, N), "prestador")
        ident = documento.find("n:Pedido/n:InfPedidoCancelamento/n:IdentificacaoNfse", N)
        return _documento(ident, "prestador")

    def _integro(self, dados: str, documento: etree._Element) -> None:
        """Refuses a request whose Integridade does not match."""
        lido = conteudo(dados)
        if lido is None:
            rejeitar("E160", "Integridade ausente: o último elemento do documento deve "
                                  "ser <Integridade>")
        interno, recebida = lido
        token = self.tokens().get(self._prestador(documento))
        if token is None:
            if not _HEX512.fullmatch(recebida):
                rejeitar("E160", "Integridade inválida: esperado o SHA-512 em "
                                      "hexadecimal minúsculo")
            return
        if recebida != digest(interno, token):
            rejeitar("E160", "Integridade não confere com o documento e o token do "
                                  "contribuinte", "Confira o token cadastrado na prefeitura")

    def _informacoes(self, nota: dict[str, Any], resposta: etree._Element) -> None:
        resposta.append(etree.fromstring(nota["nfse"]))

    def _gerar(self, documento: etree._Element, resposta: etree._Element) -> str:
        inf = documento.find("n:Rps/n:InfDeclaracaoPrestacaoServico", N)
        assert inf is not None  # the schema requires it
        prestador = _documento(inf.find("n:Prestador", N), "prestador")
        ident = inf.find("n:Rps/n:IdentificacaoRps", N)
        if ident is None:
            rejeitar("E11", "Identificação do RPS ausente")
        numero_rps = str(int(_texto(ident, "n:Numero")))
        serie, tipo = _texto(ident, "n:Serie"), _texto(ident, "n:Tipo")
        with self.estado.transacao():
            existente = self.estado.por_rps(prestador, numero_rps, serie, tipo)
            if existente is not None:
                rejeitar("E10", "RPS já informado: convertido na NFS-e "
                                     f"{existente['numero']}")
            numero = self.estado.proximo(f"nfse:{prestador}")
            codigo = secrets.token_hex(4).upper()
            info = _raiz("InformacoesNfse")
            _sub(info, "NumeroRps", numero_rps)
            _sub(info, "SerieRps", serie)
            cpf_cnpj = _sub(info, "Prestador")
            _sub(cpf_cnpj, "Cnpj" if len(prestador) == 14 else "Cpf", prestador)
            _sub(info, "NumeroNfse", str(numero))
            _sub(info, "SerieNfse", SERIE_NFSE)
            _sub(info, "CodigoVerificacao", codigo)
            endereco = (f"https://nfse.iibrasil.sandbox/{self.municipio or 'municipio'}/"
                        f"{prestador}/{numero}/{codigo}")
            _sub(info, "LinkNfse", b64encode(endereco.encode()).decode("ascii"))
            self.estado.registrar(
                prestador=prestador, numero=numero, codigo_verificacao=codigo,
                rps_numero=numero_rps, rps_serie=serie, rps_tipo=tipo,
                valor_servicos=_texto(inf, "n:Servico/n:Valores/n:ValorServicos"),
                data_emissao=agora().isoformat(), nfse=etree.tostring(info))
            nota = self.estado.por_numero(prestador, numero)
        assert nota is not None
        self._informacoes(nota, resposta)
        return prestador

    def _consultar_rps(self, documento: etree._Element, resposta: etree._Element) -> str:
        prestador = _documento(documento.find("n:Prestador", N), "prestador")
        ident = documento.find("n:IdentificacaoRps", N)
        assert ident is not None  # the schema requires it
        nota = self.estado.por_rps(prestador, str(int(_texto(ident, "n:Numero"))),
                                   _texto(ident, "n:Serie"), _texto(ident, "n:Tipo"))
        if nota is None:
            rejeitar("E4", "Esse RPS não foi enviado para a nossa base de dados")
        self._informacoes(nota, resposta)
        return prestador

    def _cancelar(self, documento: etree._Element, resposta: etree._Element) -> str:
        inf = documento.find("n:Pedido/n:InfPedidoCancelamento", N)
        assert inf is not None  # the schema requires it
        ident = inf.find("n:IdentificacaoNfse", N)
        prestador = _documento(ident, "prestador")
        numero = int(_texto(inf, "n:IdentificacaoNfse/n:Numero"))
        serie = _texto(inf, "n:IdentificacaoNfse/n:Serie")
        with self.estado.transacao():
            nota = self.estado.por_numero(prestador, numero)
            if nota is None or serie != SERIE_NFSE:
                rejeitar("E78", f"NFS-e {numero} série {serie or '(sem série)'} não "
                                     f"encontrada para o prestador {prestador}")
            if nota["status"] == CANCELADA:
                rejeitar("E79", f"NFS-e {numero} já está cancelada")
            cancelamento = _raiz("NfseCancelamento", versao="2.04")
            confirmacao = _sub(cancelamento, "Confirmacao")
            pedido = _sub(confirmacao, "Pedido")
            pedido.append(etree.fromstring(etree.tostring(inf)))
            _sub(pedido, "Integridade", _texto(documento, "n:Integridade"))
            _sub(confirmacao, "DataHora", agora().strftime("%Y-%m-%dT%H:%M:%S"))
            self.estado.cancelar(prestador, numero, etree.tostring(cancelamento))
        _sub(resposta, "RetCancelamento").append(cancelamento)
        return prestador


def e_iibrasil(documento: etree._Element | None) -> bool:
    """Whether a request is in iiBrasil's layout: an ABRASF document ending in Integridade."""
    if documento is None or etree.QName(documento).namespace != NS or not len(documento):
        return False
    return etree.QName(documento[-1]).localname == "Integridade"
