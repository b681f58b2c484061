"""One company whose certificate the authority refuses stays its own trouble (issue 19 point
1): its notes wait with what the authority refused and what to do, then become
erro_autorizacao at the processing deadline; another company's notes are authorized as fast
as without it; the authority's circuit never opens and ``/v2/municipios`` never shows the
municipality out of the air."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import select

from nfse.admin import criar_empresa
from nfse.certs.generate import generate_a1
from nfse.providers.base import certificado_recusado
from nfse.store.tables import autoridades, historico, notas
from nfse.work.worker import _prazo_esgotado
from tests.support import IM, MUNICIPIO, Gateway, nota_exemplo

OUTRO_CNPJ = "11444777000161"
NOTAS = 16


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def _latencies(gateway: Gateway, refs: list[str]) -> list[float]:
    """Seconds from acceptance to ``autorizado`` of each note (the store's own clocks)."""
    with gateway.runtime.engine.connect() as conn:
        rows = conn.execute(select(notas.c.accepted_at, historico.c.at).join(
            historico, historico.c.nota_id == notas.c.id).where(
            notas.c.ref.in_(refs), historico.c.status == "autorizado")).all()
    assert len(rows) == len(refs)
    return [(at - accepted).total_seconds() for accepted, at in rows]


def _issue(gateway: Gateway, prefix: str) -> list[str]:
    refs = [f"{prefix}-{i}" for i in range(NOTAS)]
    for ref in refs:
        answer = gateway.client.post(f"/v2/nfse?ref={ref}", json=nota_exemplo())
        assert answer.status_code == 202, answer.text
    for ref in refs:
        assert gateway.wait_final(ref, timeout=60)["status"] == "autorizado"
    return refs


def _final(client: httpx.Client, ref: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        nota = client.get(f"/v2/nfse/{ref}").json()
        if nota["status"] != "processando_autorizacao":
            return nota
        time.sleep(0.05)
    raise AssertionError(f"nota {ref} still processing after {timeout} s")


def _fora_do_ar(gateway: Gateway) -> bool:
    with gateway.runtime.engine.connect() as conn:
        marked = conn.execute(select(autoridades.c.chave)).first() is not None
    municipio = gateway.client.get(f"/v2/municipios/{MUNICIPIO}").json()
    return marked or municipio.get("status_nfse") == "fora_do_ar"


@pytest.mark.slow
def test_a_refused_certificate_holds_only_its_company(gateway: Gateway) -> None:
    settings = gateway.runtime.settings
    settings.breaker_failures, settings.breaker_open = 2, 30.0
    settings.backoff_base, settings.backoff_cap = 0.2, 1.0
    alone = _p99(_latencies(gateway, _issue(gateway, "so")))

    stranger = generate_a1(OUTRO_CNPJ, "EMPRESA SEM AC LTDA")  # not from a CA the authority trusts
    outra = criar_empresa(gateway.runtime, cnpj=OUTRO_CNPJ, nome="EMPRESA SEM AC LTDA",
                          inscricao_municipal=IM, codigo_municipio=MUNICIPIO,
                          pfx=stranger.to_pfx("senha"), senha="senha", regime_tributario=3)
    body = nota_exemplo(prestador={"cnpj": OUTRO_CNPJ, "inscricao_municipal": IM,
                                   "codigo_municipio": MUNICIPIO})
    with httpx.Client(base_url=gateway.base_url, auth=(outra.token_homologacao, ""),
                      timeout=30) as recusada:
        for i in range(NOTAS):
            answer = recusada.post(f"/v2/nfse?ref=recusada-{i}", json=body)
            assert answer.status_code == 202, answer.text
        together = _p99(_latencies(gateway, _issue(gateway, "junto")))
        assert together <= alone + 2.0, (alone, together)

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = recusada.get("/v2/nfse/recusada-0").json()
            if "Certificado recusado" in (waiting.get("mensagem") or ""):
                break
            time.sleep(0.1)
        assert waiting["status"] == "processando_autorizacao", waiting
        assert waiting["mensagem"].startswith(
            "Certificado recusado pela autoridade: a autoridade não reconhece a autoridade "
            "certificadora que emitiu o certificado"), waiting
        assert "PUT /v2/empresas" in waiting["mensagem"]
        assert not _fora_do_ar(gateway)
        assert not any(line.startswith("nfse_autoridade_disponivel") and line.endswith(" 0")
                       and gateway.sandbox.url in line  # the registry is the process's
                       for line in gateway.client.get("/metrics").text.splitlines())

        settings.processing_deadline = 0.5  # the refused company's notes end
        finals = [_final(recusada, f"recusada-{i}") for i in range(NOTAS)]
    assert {n["status"] for n in finals} == {"erro_autorizacao"}
    assert {n["erros"][0]["codigo"] for n in finals} == {"certificado_recusado"}
    assert all("emita a nota de novo" in n["erros"][0]["correcao"] for n in finals)
    assert not _fora_do_ar(gateway)
    assert all(gateway.client.get(f"/v2/nfse/junto-{i}").json()["status"] == "autorizado"
               for i in range(NOTAS))


def test_a_note_that_may_have_arrived_is_never_told_to_be_sent_again() -> None:
    """Past the deadline, a refused company's note that was never sent may be issued
    again; one whose earlier attempt may have reached the authority must be asked first."""
    recusa = certificado_recusado("certificado revogado (TLS SSLV3_ALERT_CERTIFICATE_REVOKED)")
    nunca_enviada = _prazo_esgotado(recusa, reconcile=False)
    assert nunca_enviada["codigo"] == "certificado_recusado"
    assert nunca_enviada["mensagem"] == recusa and "emita a nota de novo" in \
        nunca_enviada["correcao"]
    talvez = _prazo_esgotado(recusa, reconcile=True)
    assert talvez["codigo"] == "certificado_recusado" and "Consulte" in talvez["correcao"]
    assert _prazo_esgotado("A autoridade (nacional) está fora do ar", False)["codigo"] == \
        "prazo_esgotado"
