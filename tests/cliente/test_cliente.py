"""The Python client (``nfse.cliente``) against the running gateway: typed notes, Focus errors
as exceptions, a POST whose answer was lost sent again safely, the asynchronous flavour; and,
with a scripted transport, the 429 and pagination rules."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from nfse.cliente import (
    Cliente,
    ClienteAsync,
    LimiteDeRequisicoes,
    NaoEncontrado,
    Politica,
    RequisicaoInvalida,
    verificar_assinatura,
)
from nfse.notify.webhook import assinatura
from tests.support import Gateway, nota_exemplo

RAPIDA = Politica(espera_inicial=0.01, espera_maxima=0.05)


def test_emits_waits_and_cancels_with_typed_results(gateway: Gateway) -> None:
    with Cliente(gateway.base_url, gateway.token, politica=RAPIDA) as api:
        aceita = api.emitir("cliente-1", nota_exemplo())
        assert (aceita.ref, aceita.status) == ("cliente-1", "processando_autorizacao")
        nota = api.esperar("cliente-1", prazo=20)
        assert nota.status == "autorizado" and nota.final
        assert nota.numero and nota.chave_acesso and nota.url_danfse
        assert nota.dados["ref"] == "cliente-1"
        justificativa = "Erro na emissão da nota fiscal"
        assert api.cancelar("cliente-1", justificativa).cancelado
        # a retry of a cancellation whose answer was lost finds it done: still success
        assert api.cancelar("cliente-1", justificativa).cancelado
        assert api.consultar("cliente-1").status == "cancelado"


def test_focus_errors_are_exceptions_naming_every_field(gateway: Gateway) -> None:
    with Cliente(gateway.base_url, gateway.token, politica=RAPIDA) as api:
        with pytest.raises(NaoEncontrado) as ausente:
            api.consultar("nao-existe")
        assert ausente.value.codigo == "nao_encontrado"
        ruim = nota_exemplo()
        del ruim["servico"]["discriminacao"]
        ruim["servico"]["valor_servicos"] = "abc"
        with pytest.raises(RequisicaoInvalida) as recusada:
            api.emitir("cliente-ruim", ruim)
        assert recusada.value.codigo == "requisicao_invalida"
        campos = " ".join(erro.mensagem for erro in recusada.value.erros)
        assert "discriminacao" in campos and "valor_servicos" in campos


class _PerdeAPrimeiraResposta(httpx.HTTPTransport):
    """Delivers the first POST to the gateway, then drops its answer as a broken connection
    would."""

    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        resposta = super().handle_request(request)
        if request.method == "POST":
            self.posts += 1
            if self.posts == 1:
                resposta.read()
                raise httpx.ReadError("conexão perdida", request=request)
        return resposta


def test_a_post_whose_answer_was_lost_is_sent_again_without_a_second_note(
        gateway: Gateway) -> None:
    transporte = _PerdeAPrimeiraResposta()
    http = httpx.Client(base_url=gateway.base_url, auth=(gateway.token, ""),
                        transport=transporte)
    with Cliente(gateway.base_url, gateway.token, politica=RAPIDA, http=http) as api:
        nota = api.emitir("perdida-1", nota_exemplo())
        assert transporte.posts == 2
        assert nota.status in {"processando_autorizacao", "autorizado"}
        assert api.esperar("perdida-1", prazo=20).status == "autorizado"
    assert len(gateway.sandbox.emitidas()) == 1


def test_the_async_client_does_the_same(gateway: Gateway) -> None:
    async def emite() -> str:
        async with ClienteAsync(gateway.base_url, gateway.token, politica=RAPIDA) as api:
            await api.emitir("assincrona-1", nota_exemplo())
            return (await api.esperar("assincrona-1", prazo=20)).status

    assert asyncio.run(emite()) == "autorizado"


def _roteiro(respostas: list[httpx.Response]) -> tuple[httpx.Client, list[httpx.Request]]:
    vistas: list[httpx.Request] = []

    def responde(request: httpx.Request) -> httpx.Response:
        vistas.append(request)
        return respostas.pop(0)

    return httpx.Client(base_url="http://api", transport=httpx.MockTransport(responde)), vistas


def test_429_waits_what_retry_after_says_then_gives_up() -> None:
    limitada = httpx.Response(429, headers={"Retry-After": "0"},
                              json={"codigo": "limite", "mensagem": "Limite de requisições"})
    http, vistas = _roteiro([limitada, limitada, httpx.Response(
        200, json={"ref": "r", "status": "autorizado"})])
    api = Cliente("http://api", "t", http=http, politica=RAPIDA)
    assert api.consultar("r").status == "autorizado"
    assert len(vistas) == 3
    http, vistas = _roteiro([limitada] * 3)
    api = Cliente("http://api", "t", http=http, politica=Politica(tentativas_429=3))
    with pytest.raises(LimiteDeRequisicoes):
        api.consultar("r")
    assert len(vistas) == 3


def test_received_notes_are_iterated_by_versao() -> None:
    paginas = {0: [{"chave": "a", "versao": 3}, {"chave": "b", "versao": 5}],
               5: [{"chave": "a", "versao": 9, "status": "cancelado"}], 9: []}

    def responde(request: httpx.Request) -> httpx.Response:
        assert request.url.params["cnpj"] == "07504505000132"
        return httpx.Response(200, json=paginas[int(request.url.params["versao"])])

    http = httpx.Client(base_url="http://api", transport=httpx.MockTransport(responde))
    api = Cliente("http://api", "t", http=http)
    assert [(n["chave"], n["versao"]) for n in api.recebidas("07504505000132")] == [
        ("a", 3), ("b", 5), ("a", 9)]


def test_webhook_signature_checks_what_the_gateway_signs() -> None:
    corpo = json.dumps({"ref": "r", "status": "autorizado"}).encode()
    cabecalhos = {"X-Nfse-Timestamp": "1700000000",
                  "X-Nfse-Signature": assinatura("segredo", "1700000000", corpo)}
    assert verificar_assinatura(cabecalhos, corpo, "segredo", agora=1700000010)
    assert not verificar_assinatura(cabecalhos, corpo + b" ", "segredo", agora=1700000010)
    assert not verificar_assinatura(cabecalhos, corpo, "outro", agora=1700000010)
    assert not verificar_assinatura(cabecalhos, corpo, "segredo", agora=1700000000 + 301)
