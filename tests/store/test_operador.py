"""The operators' note list (``store.operador``): paging by cursor returns every note that
matches once, newest first, under every filter (by the moment accepted with a day filter,
ties broken by id); the text is looked for a window at a time and still finds every match;
counts stop at their limit, a company's per status too. And the migrations build exactly
the tables the code declares (its indexes included)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, update

from nfse.runtime import Runtime
from nfse.store import notas, operador
from nfse.store.tables import empresas, metadata
from nfse.store.tables import notas as notas_table
from tests.support import CNPJ, empresa_teste, nota_exemplo

STATUS = ["autorizado", "erro_autorizacao", "autorizado", "cancelado", "processando_autorizacao"]


def _notas(runtime: Runtime, total: int = 90) -> list[dict]:
    """``total`` notes of two companies, both environments, several statuses and days; every
    seventh with "Padaria" in its tomador. What each is, by id."""
    empresa_teste(runtime)
    with runtime.engine.begin() as conn:
        outra = conn.execute(insert(empresas).values(
            cnpj="07504505000132", nome="OUTRA LTDA", inscricao_municipal="1",
            codigo_municipio="3516200", habilita_nfse=True, created_at=datetime.now(UTC))
            .returning(empresas.c.id)).scalar_one()
    inicio = datetime(2026, 3, 1, 15, tzinfo=UTC)
    feitas = []
    for n in range(total):
        corpo = nota_exemplo()
        if n % 7 == 0:
            corpo["tomador"]["razao_social"] = f"Padaria 100% Pão_{n}"
        nota = {"empresa_id": 1 if n % 3 else outra,
                "ambiente": "producao" if n % 4 == 0 else "homologacao",
                "ref": f"ref-{n}", "status": STATUS[n % len(STATUS)],
                "accepted_at": inicio + timedelta(days=n // 10 - 2 * (n % 5 == 0)),
                "padaria": n % 7 == 0}  # every fifth accepted as if two days earlier
        with runtime.engine.begin() as conn:
            nota["id"] = notas.aceitar(conn, empresa_id=nota["empresa_id"],
                                       ambiente=nota["ambiente"], ref=nota["ref"],
                                       requisicao=json.dumps(corpo, ensure_ascii=False),
                                       cnpj_prestador=CNPJ, provider="nacional", modelo="nfse")
            conn.execute(update(notas_table).where(notas_table.c.id == nota["id"]).values(
                status=nota["status"], accepted_at=nota["accepted_at"]))
        feitas.append(nota)
    return feitas


def _todas(runtime: Runtime, filtros: operador.Filtros, limite: int) -> list[list[int]]:
    """Every page of the list under ``filtros``, following each page's cursor."""
    paginas, antes = [], None
    with runtime.engine.connect() as conn:
        while True:
            pagina = operador.buscar_notas(conn, filtros, antes, limite=limite)
            paginas.append([row.id for row in pagina.linhas])
            if pagina.proxima is None:
                return paginas
            antes = pagina.proxima


def test_paging_returns_every_matching_note_once_newest_first(runtime: Runtime) -> None:
    feitas = _notas(runtime)
    outra = feitas[0]["empresa_id"]
    casos = {
        operador.Filtros(): lambda n: True,
        operador.Filtros(empresa_id=1): lambda n: n["empresa_id"] == 1,
        operador.Filtros(status="erro_autorizacao"): lambda n: n["status"] == "erro_autorizacao",
        operador.Filtros(empresa_id=outra, status="autorizado", ambiente="homologacao"):
            lambda n: (n["empresa_id"], n["status"], n["ambiente"]) == (
                outra, "autorizado", "homologacao"),
        operador.Filtros(ref="ref-42"): lambda n: n["ref"] == "ref-42",
        operador.Filtros(desde=date(2026, 3, 3), ate=date(2026, 3, 6)):
            lambda n: date(2026, 3, 3) <= n["accepted_at"].date() <= date(2026, 3, 6),
    }
    for filtros, cabe in casos.items():
        ordem = (lambda n: (n["accepted_at"], n["id"])) if filtros.desde else (
            lambda n: n["id"])
        esperadas = [n["id"] for n in sorted(filter(cabe, feitas), key=ordem, reverse=True)]
        assert esperadas, filtros
        paginas = _todas(runtime, filtros, limite=7)
        assert [i for pagina in paginas for i in pagina] == esperadas, filtros
        assert all(len(pagina) == 7 for pagina in paginas[:-1])


def test_text_is_looked_for_a_window_at_a_time_and_every_match_found(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    feitas = _notas(runtime)
    monkeypatch.setattr(operador, "JANELA_TEXTO", 10)
    for filtros, cabe in (
            (operador.Filtros(texto="100% Pão_"), lambda n: n["padaria"]),
            (operador.Filtros(texto="Padaria", empresa_id=1),
             lambda n: n["padaria"] and n["empresa_id"] == 1),
            (operador.Filtros(texto="Padaria", desde=date(2026, 3, 2), ate=date(2026, 3, 7)),
             lambda n: n["padaria"] and date(2026, 3, 2) <= n["accepted_at"].date()
             <= date(2026, 3, 7))):
        ordem = (lambda n: (n["accepted_at"], n["id"])) if filtros.desde else (
            lambda n: n["id"])
        esperadas = [n["id"] for n in sorted(filter(cabe, feitas), key=ordem, reverse=True)]
        paginas = _todas(runtime, filtros, limite=3)
        assert [i for pagina in paginas for i in pagina] == esperadas
        assert len(paginas) > len(esperadas) / 3  # windows without a full page go on
    with runtime.engine.connect() as conn:
        pagina = operador.buscar_notas(conn, operador.Filtros(texto="Padaria"))
        assert pagina.examinadas == 10 and pagina.proxima is not None
        assert [r.ref for r in operador.buscar_notas(  # a literal %, in the newest ten
            conn, operador.Filtros(texto="%")).linhas] == ["ref-84"]


def test_counts_stop_at_their_limit(runtime: Runtime) -> None:
    feitas = _notas(runtime, total=20)
    erros = sum(n["status"] == "erro_autorizacao" for n in feitas)
    with runtime.engine.connect() as conn:
        assert operador.contar_notas(conn, operador.Filtros(), limite=50) == 20
        assert operador.contar_notas(conn, operador.Filtros(), limite=5) == 6
        assert operador.contar_notas(conn, operador.Filtros(status="erro_autorizacao"),
                                     limite=50) == erros
        assert operador.contar_notas(conn, operador.Filtros(texto="Padaria")) is None


def test_companies_count_their_notes_per_status_up_to_the_limit(runtime: Runtime) -> None:
    feitas = _notas(runtime, total=40)
    esperadas: dict[int, dict[str, int]] = {}
    for n in feitas:
        por_status = esperadas.setdefault(n["empresa_id"], {})
        por_status[n["status"]] = por_status.get(n["status"], 0) + 1
    with runtime.engine.connect() as conn:
        exatas = operador.empresas_com_contagem(conn, limite=50)
        assert [linha["empresa"].id for linha in exatas] == sorted(esperadas)
        assert {linha["empresa"].id: linha["notas"] for linha in exatas} == esperadas
        limitadas = operador.empresas_com_contagem(conn, limite=4)
    assert {linha["empresa"].id: linha["notas"] for linha in limitadas} == {
        empresa: {s: min(q, 5) for s, q in por_status.items()}
        for empresa, por_status in esperadas.items()}
    assert max(q for linha in limitadas for q in linha["notas"].values()) == 5


def test_migrations_build_the_declared_tables_and_indexes(runtime: Runtime) -> None:
    with runtime.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
