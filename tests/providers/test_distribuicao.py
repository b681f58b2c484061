"""Reading the ADN distribution (``providers.nacional.distribuicao``): what each kind of
answer means for the walk — documents in NSU order, the end of the distribution, and "come
back later" for the ADN's HTML 429 page, a 5xx, an unreachable ADN or a refusal."""

from __future__ import annotations

import base64
import gzip
import json

import pytest

from nfse.certs.generate import generate_a1
from nfse.providers.base import Emissor
from nfse.providers.nacional import distribuicao
from nfse.providers.transport import Answer, NotSent

EMISSOR = Emissor(a1=generate_a1("11222333000181", "EMPRESA"), ambiente="homologacao",
                  base_url="", ca_file=None, razao_social="EMPRESA")


class _Roteiro:
    """A transport that answers what the test says (a unit test's double)."""

    def __init__(self, resposta: Answer | Exception):
        self.resposta = resposta
        self.urls: list[str] = []

    def request(self, method: str, url: str, *args: object, **kwargs: object) -> Answer:
        self.urls.append(url)
        if isinstance(self.resposta, Exception):
            raise self.resposta
        return self.resposta


def _item(nsu: int, tipo: str = "NFSE", evento: str | None = None) -> dict:
    item = {"NSU": nsu, "ChaveAcesso": str(nsu) * 50 if nsu < 10 else "1" * 50,
            "TipoDocumento": tipo,
            "ArquivoXml": base64.b64encode(gzip.compress(b"<NFSe/>")).decode()}
    if evento:
        item["TipoEvento"] = evento
    return item


def _pagina(resposta: Answer | Exception) -> distribuicao.Pagina:
    transporte = _Roteiro(resposta)
    pagina = distribuicao.consultar(transporte, "https://adn/contribuintes", EMISSOR, 7,
                                    "11222333000181")  # type: ignore[arg-type]
    assert transporte.urls == ["https://adn/contribuintes/DFe/7?lote=true&"
                               "cnpjConsulta=11222333000181"]
    return pagina


def test_documents_come_in_nsu_order_with_their_events() -> None:
    corpo = {"StatusProcessamento": "DOCUMENTOS_LOCALIZADOS", "LoteDFe": [
        _item(9, "EVENTO", "CANCELAMENTO_POR_SUBSTITUICAO"), _item(8)]}
    pagina = _pagina(Answer(200, json.dumps(corpo).encode()))
    assert not pagina.erro and not pagina.fim
    assert [d.nsu for d in pagina.documentos] == [8, 9]
    assert distribuicao.cancela(pagina.documentos[1])
    assert not distribuicao.cancela(pagina.documentos[0])


def test_the_end_of_the_distribution_is_a_404_with_its_status() -> None:
    corpo = {"StatusProcessamento": "NENHUM_DOCUMENTO_LOCALIZADO", "LoteDFe": []}
    assert _pagina(Answer(404, json.dumps(corpo).encode())).fim


@pytest.mark.parametrize("resposta", [
    Answer(429, b"<html><body>Too Many Requests</body></html>"),
    Answer(503, b"<html>No server is available</html>"),
    Answer(200, b"\x00 nao e JSON"),
    Answer(400, json.dumps({"StatusProcessamento": "REJEICAO", "Erros": [
        {"Codigo": "X1", "Descricao": "CNPJ fora da raiz"}]}).encode()),
    NotSent("connection refused"),
])
def test_anything_else_means_come_back_later(resposta: Answer | Exception) -> None:
    pagina = _pagina(resposta)
    assert pagina.erro and not pagina.fim and not pagina.documentos
