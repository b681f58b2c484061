"""Issue 25.4 (and 23.3): what a request costs with a million notes already stored, against
an empty database measured in the same run, and the bytes an authorized note takes.

The million notes are written by ``carregar`` straight into PostgreSQL, not through the API:
a few notes first go the real way (API, worker, the Nacional sandbox), and their rows —
the note, its history, the exchanged XMLs and the NFS-e — are the models each loaded note
copies, with its own id, company, environment, ref, status, numbers, capability, tomador
and dates (a year of notes, oldest first). The notes go in with ``COPY``; their history
and documents with ``INSERT … SELECT`` from the models, in the server, so the documents'
bytes never travel through Python.

Each measurement is taken on one database then the other, in turn: acceptance (POST
/v2/nfse, 32 clients), GET by ref (random loaded refs), the worker's claim (``notas.claim``
of 8 due notes), the panel's note list (first page, a company and status filter, a deep
page through its ``antes`` cursor, a ref, a month, a text) and its companies page (their
notes counted per status)."""

from __future__ import annotations

import json
import random
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Connection, Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from bench.acceptance import NOTA, load
from bench.endtoend import run as end_to_end
from bench.loadgen import percentile
from bench.stack import ROOT, Stack, database
from nfse.config import Settings
from nfse.store import admin_tokens
from nfse.store import artefatos as artefatos_store
from nfse.store import notas as notas_store
from nfse.store.db import make_engine
from nfse.store.operador import PAGINA
from nfse.store.tables import artefatos, empresas, historico, notas
from nfse.work.danfse import store_danfse

MODELOS = 6
BASE = 50
"""The baseline database holds 1/50 of the notes, loaded alike: "empty" as far as costs
go, and every page measured lists as many notes on both (on an empty database the filtered
pages listed none, and rendering 50 rows against none was most of the difference)."""
"""Notes issued the real way, whose rows the loaded notes copy."""
EMPRESAS = 12
"""Companies the loaded notes belong to (the bench's own company is the first)."""
DIAS = 365
ERROS = 0.04
CANCELADAS = 0.02
HOMOLOGACAO = 0.3
TOMADORES = ["Acras Tecnologia da Informação LTDA", "Padaria Pão Quente ME",
             "Construtora Horizonte S.A.", "Clínica Bem Estar LTDA", "Escola Saber EIRELI",
             "Transportes Rápidos LTDA", "Mercado Bom Preço LTDA", "Oficina do Zé ME"]
LOTE = 50_000
GRANDE = 100_000
"""A load from which the loader writes its pages out before measuring (``CHECKPOINT``)."""
ERRO_JSON = json.dumps([{"codigo": "E0712", "mensagem": "Valor do serviço inválido"}],
                       ensure_ascii=False)
COLUNAS = ("id", "empresa_id", "ambiente", "ref", "provider", "status", "requisicao",
           "cnpj_prestador", "serie_rps", "numero_rps", "tipo_rps", "numero",
           "codigo_verificacao", "chave_acesso", "data_emissao", "erros", "mensagem",
           "capability", "attempts", "reconcile", "modelo", "valores_nfse", "accepted_at",
           "updated_at")


@dataclass
class Modelos:
    notas: list[dict]
    historico: dict[int, list[dict]]
    artefatos: dict[int, list[dict]]
    danfse: bytes
    """A DANFSe as kept once rendered (an e-mail, the public link): the loaded notes of the
    last ``NFSE_DANFSE_DIAS`` days keep one, as when every note is e-mailed."""
    danfse_pdf: int
    """The same PDF's own bytes."""


def modelos(workdir: Path, database_url: str, count: int = MODELOS) -> Modelos:
    """``count`` notes through the API, a worker and the sandbox; their rows."""
    result = end_to_end(workdir, database_url, count, 1, warmup=0)
    if result["autorizado"] != count:
        raise RuntimeError(f"only {result['autorizado']} of {count} model notes authorized")
    return modelos_de(database_url, count)


def modelos_de(database_url: str, count: int = MODELOS) -> Modelos:
    """The rows of the first ``count`` authorized notes of a database where notes went the
    real way (``modelos``, or the bench's end-to-end run, whose notes are the same), and
    the first one's DANFSe kept as an e-mail or the public link keeps it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            ids = list(conn.execute(select(notas.c.id).where(notas.c.status == "autorizado")
                                    .order_by(notas.c.id).limit(count)).scalars())
            if len(ids) < count:
                raise RuntimeError(f"only {len(ids)} authorized notes to copy, {count} needed")
            xml = artefatos_store.latest(conn, ids[0], artefatos_store.XML_NFSE)
        assert xml is not None
        pdf = store_danfse(engine, ids[0], xml[0])
        with engine.connect() as conn:
            danfse = conn.execute(select(artefatos.c.content).where(
                artefatos.c.nota_id == ids[0],
                artefatos.c.kind == artefatos_store.DANFSE)).scalar_one()
            rows = [r._asdict() for r in conn.execute(
                select(notas).where(notas.c.id.in_(ids)).order_by(notas.c.id))]
            hist: dict[int, list[dict]] = {}
            for r in conn.execute(select(historico).where(historico.c.nota_id.in_(ids))
                                  .order_by(historico.c.id)):
                hist.setdefault(r.nota_id, []).append(r._asdict())
            arts: dict[int, list[dict]] = {}
            for r in conn.execute(select(artefatos).where(
                    artefatos.c.nota_id.in_(ids), artefatos.c.kind != artefatos_store.DANFSE)
                    .order_by(artefatos.c.id)):
                arts.setdefault(r.nota_id, []).append(r._asdict())
    finally:
        engine.dispose()
    return Modelos(rows, hist, arts, danfse, len(pdf or b""))


def _copia(valor: object) -> str:
    """A value in COPY's text format."""
    if valor is None:
        return "\\N"
    if isinstance(valor, datetime):
        return valor.isoformat()
    if isinstance(valor, bool):
        return "t" if valor else "f"
    return str(valor).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") \
        .replace("\r", "\\r")


def _empresas(conn, quantas: int) -> list[int]:  # noqa: ANN001
    """The bench's company and ``quantas - 1`` others (rows only: no certificate)."""
    ids = [conn.execute(select(func.min(empresas.c.id))).scalar_one()]
    for n in range(1, quantas):
        ids.append(conn.execute(insert(empresas).values(
            cnpj=f"{n:08d}000100"[:14], nome=f"EMPRESA CARGA {n:02d} LTDA",
            inscricao_municipal=str(10000 + n), codigo_municipio="3516200",
            habilita_nfse=True, created_at=datetime.now(UTC)).returning(empresas.c.id))
            .scalar_one())
    return ids


def _linhas(modelos: Modelos, primeiro: int, total: int, empresas_ids: list[int],
            inicio: datetime, semente: int) -> Iterator[tuple[str, str]]:
    """Each loaded note as a COPY line, and its status."""
    sorteio = random.Random(semente)
    passo = timedelta(days=DIAS) / max(total, 1)
    requisicoes = []
    for modelo in modelos.notas:
        corpo = modelo["requisicao"]
        requisicoes.append([_copia(corpo.replace(NOTA["tomador"]["razao_social"], nome))
                            for nome in TOMADORES])
    numeros: dict[tuple[int, str], int] = {}
    for n in range(total):
        nota_id = primeiro + n
        modelo = modelos.notas[n % len(modelos.notas)]
        empresa = empresas_ids[sorteio.randrange(len(empresas_ids))]
        ambiente = "homologacao" if sorteio.random() < HOMOLOGACAO else "producao"
        sorte = sorteio.random()
        status = ("erro_autorizacao" if sorte < ERROS else
                  "cancelado" if sorte < ERROS + CANCELADAS else "autorizado")
        aceita = inicio + passo * n
        chave = (empresa, ambiente)
        numero = numeros.get(chave, 0) + 1 if status != "erro_autorizacao" else None
        if numero:
            numeros[chave] = numero
        requisicao = requisicoes[n % len(requisicoes)][sorteio.randrange(len(TOMADORES))]
        emitida = status != "erro_autorizacao"
        valores = (
            nota_id, empresa, ambiente, f"carga-{nota_id}", modelo["provider"], status, None,
            modelo["cnpj_prestador"], modelo["serie_rps"], numero or n, modelo["tipo_rps"],
            numero, modelo["codigo_verificacao"] if emitida else None,
            f"3516200{nota_id:043d}" if emitida else None,
            aceita + timedelta(seconds=1) if emitida else None,
            None if emitida else ERRO_JSON,
            None if emitida else "Nota rejeitada pela prefeitura",
            secrets.token_urlsafe(32), 1, False, modelo["modelo"],
            modelo["valores_nfse"] if emitida else None, aceita,
            aceita + timedelta(seconds=1))
        campos = [_copia(v) for v in valores]
        campos[6] = requisicao
        yield "\t".join(campos) + "\n", status


def carregar(database_url: str, modelos: Modelos, total: int,
             empresas_count: int = EMPRESAS, semente: int = 25) -> dict:
    """Write ``total`` notes copied from ``modelos`` into the database; seconds taken and
    how many of each status."""
    engine = make_engine(database_url)
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            ids = _empresas(conn, empresas_count)
            primeiro = (conn.execute(select(func.max(notas.c.id))).scalar() or 0) + 1
        contagem: dict[str, int] = {}
        inicio = datetime.now(UTC) - timedelta(days=DIAS + 1)
        linhas = _linhas(modelos, primeiro, total, ids, inicio, semente)
        with engine.begin() as conn:
            cursor = conn.connection.driver_connection.cursor()
            with cursor.copy(f"COPY notas ({', '.join(COLUNAS)}) FROM STDIN") as copy:
                bloco: list[str] = []
                for linha, status in linhas:
                    contagem[status] = contagem.get(status, 0) + 1
                    bloco.append(linha)
                    if len(bloco) == LOTE:
                        copy.write("".join(bloco))
                        bloco.clear()
                if bloco:
                    copy.write("".join(bloco))
        copiadas = time.perf_counter() - started
        _dependentes(engine, modelos, primeiro, primeiro + total)
        with engine.begin() as conn:
            for tabela in ("notas", "historico", "artefatos"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{tabela}', 'id'), "
                                  f"(SELECT max(id) FROM {tabela}))"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE notas, historico, artefatos"))
            if total >= GRANDE:
                _checkpoint(conn)
    finally:
        engine.dispose()
    return {"notes": total, "seconds": time.perf_counter() - started, "copy_s": copiadas,
            "status": contagem, "primeiro": primeiro, "empresas": ids}


def _checkpoint(conn: Connection) -> None:
    """Write the load's pages out now, not while measuring (a million notes are ~13 GB,
    which the server would flush under the measurements); skipped without the right to."""
    try:
        conn.execute(text("CHECKPOINT"))
    except DBAPIError:
        pass


def _dependentes(engine: Engine, modelos: Modelos, primeiro: int, fim: int) -> None:
    """Each loaded note's history (received, then its status) and, for notes issued, the
    documents of its model note: the exchange with the authority and the NFS-e's XML, and
    the DANFSe of those of the last ``NFSE_DANFSE_DIAS`` days (kept as when e-mailed)."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TEMP TABLE modelo_artefatos (k int, kind text, "
                          "content bytea, media_type text) ON COMMIT DROP"))
        for k, modelo in enumerate(modelos.notas):
            for art in modelos.artefatos.get(modelo["id"], []):
                conn.execute(text("INSERT INTO modelo_artefatos VALUES (:k, :kind, :c, :m)"),
                             {"k": k, "kind": art["kind"], "c": art["content"],
                              "m": art["media_type"]})
        k = len(modelos.notas)
        conn.execute(text(
            "INSERT INTO historico (nota_id, status, detalhe, at) "
            "SELECT id, 'processando_autorizacao', 'nota recebida', accepted_at FROM notas "
            "WHERE id >= :a AND id < :b"), {"a": primeiro, "b": fim})
        conn.execute(text(
            "INSERT INTO historico (nota_id, status, detalhe, at) "
            "SELECT id, CASE WHEN status = 'cancelado' THEN 'autorizado' ELSE status END, "
            "CASE WHEN status = 'erro_autorizacao' THEN 'E0712 Valor do serviço inválido' "
            "ELSE 'NFS-e ' || numero || ' autorizada' END, updated_at FROM notas "
            "WHERE id >= :a AND id < :b"), {"a": primeiro, "b": fim})
        conn.execute(text(
            "INSERT INTO historico (nota_id, status, detalhe, at) "
            "SELECT id, 'cancelado', 'Cancelamento solicitado pelo tomador', updated_at "
            "FROM notas WHERE id >= :a AND id < :b AND status = 'cancelado'"),
            {"a": primeiro, "b": fim})
        conn.execute(text(
            "INSERT INTO artefatos (nota_id, kind, content, media_type, created_at) "
            "SELECT id, 'danfse', :pdf, 'application/pdf', updated_at FROM notas "
            "WHERE id >= :a AND id < :b AND status <> 'erro_autorizacao' "
            "AND accepted_at > :desde"), {
                "a": primeiro, "b": fim, "pdf": modelos.danfse,
                "desde": datetime.now(UTC) - timedelta(days=Settings().danfse_dias)})
        conn.execute(text(
            "INSERT INTO artefatos (nota_id, kind, content, media_type, created_at) "
            "SELECT n.id, m.kind, m.content, m.media_type, n.updated_at "
            "FROM notas n JOIN modelo_artefatos m ON m.k = (n.id - :a) % :k "
            "WHERE n.id >= :a AND n.id < :b "
            "AND (n.status <> 'erro_autorizacao' OR m.kind LIKE 'exchange:%') "
            "ORDER BY n.id, m.kind"), {"a": primeiro, "b": fim, "k": k})


def tamanho(engine: Engine) -> int:
    """Bytes of every table of the database's schema, with its indexes and TOAST."""
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = current_schema()")).scalar_one())


@dataclass
class Lado:
    """One database measured: its company and token, an administrator token for the panel,
    and what to ask of it."""

    stack: Stack
    engine: Engine
    admin: str
    refs: list[str]
    antes: int

    @classmethod
    def preparar(cls, workdir: Path, database_url: str) -> Lado:
        stack = Stack(workdir, database_url)
        stack.prepare()
        engine = make_engine(database_url)
        with engine.begin() as conn:
            admin = admin_tokens.criar(conn, "bench")
        return cls(stack, engine, admin, [], 0)

    def amostra(self, count: int = 2000) -> None:
        """Refs to GET (the company's homologação notes, at random) and a deep page's
        cursor (the note a tenth of the way from the oldest)."""
        with self.engine.connect() as conn:
            ids = conn.execute(select(func.min(notas.c.id), func.max(notas.c.id))).one()
            self.antes = ids[0] + (ids[1] - ids[0]) // 10
            self.refs = list(conn.execute(text(
                "SELECT ref FROM notas WHERE empresa_id = 1 AND ambiente = 'homologacao' "
                "ORDER BY random() LIMIT :n"), {"n": count}).scalars())

    @contextmanager
    def api(self) -> Iterator[tuple[str, str]]:
        """The API (no worker, on core 0), its URL and a panel session's cookie header."""
        _, url = self.stack.api(cpu=0)
        try:
            resposta = httpx.post(url + "/painel/entrar", data={"token": self.admin})
            yield url, f"Cookie: nfse_painel={resposta.cookies.get('nfse_painel')}"
        finally:
            self.stack.stop()


class Gerador:
    """One load generator (``bench.loadgen --serve``, on core 1) taking GET loads one after
    another: a measurement's short loads pay its start-up once (~0.3-0.5 s each on this
    machine, as much as a panel page's load in ``--quick``)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.loadgen", "--serve", "--cpu", "1"], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def gets(self, url: str, paths: list[str], duration: float, clients: int = 4,
             token: str | None = None, header: str | None = None) -> dict:
        """GETs of ``paths`` for ``duration`` seconds after a warm-up of half as long (at
        most 0.5 s); every latency kept, so that rounds are pooled."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps({
            "url": url, "paths": paths, "clients": clients, "duration": duration,
            "warmup": min(0.5, duration / 2), "token": token,
            "headers": [header] if header else []}) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the load generator exited with {self.proc.wait()}")
        return json.loads(answer)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def claims(engine: Engine, count: int) -> list[float]:
    """Seconds of each of ``count`` claims of 8 due notes (the notes the acceptance left)."""
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        notas_store.claim(engine, "bench-volume", 8, timedelta(minutes=10))
        seconds.append(time.perf_counter() - started)
    return seconds


PAGINAS = {"primeira": "note list p99, first page",
           "filtrada": "note list p99, a company and status (the rarest listing a full page)",
           "funda": "note list p99, a deep page (cursor a tenth from the oldest)",
           "ref": "note list p99, a ref (no company)",
           "datas": "note list p99, a month, half a year back",
           "texto": "note list p99, a text found nowhere (5,000 notes read)",
           "empresas": "companies page p99 (each one's notes counted per status)"}


def status_raro(lados: list[Lado]) -> str:
    """The bench company's status with the fewest notes on the loaded database that lists a
    full page on every database: a page of one row against one of 50 measured the
    rendering, not the database (``--quick``'s 400 notes held one or two of the company's
    erro_autorizacao, against 50 at 20,000: 1.70 ×)."""
    contagens = []
    for lado in lados:
        with lado.engine.connect() as conn:
            contagens.append(dict(conn.execute(
                select(notas.c.status, func.count()).where(notas.c.empresa_id == 1)
                .group_by(notas.c.status)).all()))
    cheios = [s for s in contagens[-1] if all(c.get(s, 0) >= PAGINA for c in contagens)]
    return min(cheios, key=contagens[-1].__getitem__)


def paginas(lado: Lado, status: str) -> dict[str, str]:
    """The panel as an operator pages it (``PAGINAS``); ``status``: the filtered page's."""
    return {"primeira": "/painel/notas",
            "filtrada": f"/painel/notas?empresa=1&status={status}",
            "funda": f"/painel/notas?antes={lado.antes}",
            "ref": f"/painel/notas?ref={lado.refs[0]}",
            "datas": f"/painel/notas?desde={date.today() - timedelta(days=200)}"
                     f"&ate={date.today() - timedelta(days=170)}",
            "texto": "/painel/notas?texto=nenhuma-nota-tem-isto",
            "empresas": "/painel/empresas"}


def medir(lados: dict[str, Lado], seconds: float, rounds: int, body: Path,
          say=print) -> dict[str, list[dict]]:  # noqa: ANN001
    """Both APIs up at once (on core 0, one loaded at a time); each measurement taken on
    one database then the other (the other first every other round), ``rounds`` times, so
    that the machine's drift falls on both sides alike: acceptance, GET by ref, the
    panel's pages, claims."""
    medidas: dict[str, list[dict]] = {nome: [{"painel": {}} for _ in range(rounds)]
                                      for nome in lados}
    with lados["vazio"].api() as vazio, lados["cheio"].api() as cheio, \
            closing(Gerador()) as gerador:
        servidores = {"vazio": vazio, "cheio": cheio}

        def cada(rotulo: str, medida) -> None:  # noqa: ANN001
            say(rotulo)
            for rodada in range(rounds):
                for nome in list(lados)[::-1 if rodada % 2 else 1]:
                    url, cookie = servidores[nome]
                    medida(medidas[nome][rodada], lados[nome], url, cookie)

        cada("acceptance", lambda m, lado, url, _: m.update(
            accept=load(url, body, lado.stack.token, 32, seconds, warmup=min(1, seconds / 2))))
        for lado in lados.values():
            lado.amostra()
        status = status_raro([lados["vazio"], lados["cheio"]])
        for medidas_lado in medidas.values():
            medidas_lado[0]["status"] = status
        cada("GET by ref", lambda m, lado, url, _: m.update(get=gerador.gets(
            url, [f"/v2/nfse/{ref}" for ref in lado.refs], seconds, clients=8,
            token=lado.stack.token)))
        for pagina in PAGINAS:
            cada(f"panel: {PAGINAS[pagina]}", lambda m, lado, url, cookie, pagina=pagina:
                 m["painel"].update({pagina: gerador.gets(
                     url, [paginas(lado, status)[pagina]], seconds / 2, header=cookie)}))

        def claim(m: dict, lado: Lado, *_: str) -> None:
            tempos = claims(lado.engine, 100)
            m.update(claim_ms=1000 * sum(tempos) / len(tempos),
                     claim_p99_ms=1000 * percentile(tempos, 0.99))
        cada("claims", claim)
    return medidas


def run(workdir: Path, total: int, seconds: float, rounds: int, say=print,  # noqa: ANN001
        exemplos: Modelos | None = None) -> dict:
    """Models (``exemplos``, or notes issued for them here), the nearly empty
    (``total / BASE`` notes) and the loaded database, then ``rounds`` of each measurement
    on each in turn; PostgreSQL (``NFSE_BENCH_DATABASE_URL``)."""
    body = workdir / "nota.json"
    body.write_text(json.dumps(NOTA, ensure_ascii=False))
    if exemplos is None:
        with database("sqlite", workdir) as url:
            say(f"{MODELOS} model notes the real way")
            exemplos = modelos(workdir, url)
    with database("postgresql", workdir) as vazio_url, \
            database("postgresql", workdir) as cheio_url:
        vazio, cheio = Lado.preparar(workdir, vazio_url), Lado.preparar(workdir, cheio_url)
        try:
            say(f"loading {total // BASE:,} notes into the nearly empty database")
            carregar(vazio_url, exemplos, total // BASE)
            antes = tamanho(cheio.engine)
            say(f"loading {total:,} notes")
            carga = carregar(cheio_url, exemplos, total)
            carga["bytes"] = tamanho(cheio.engine) - antes
            medidas = medir({"vazio": vazio, "cheio": cheio}, seconds, rounds, body,
                            say)
        finally:
            vazio.engine.dispose()
            cheio.engine.dispose()
    emitidas = carga["status"].get("autorizado", 0) + carga["status"].get("cancelado", 0)
    return {"carga": carga, "bytes_por_nota": carga["bytes"] / max(emitidas, 1),
            "danfse": len(exemplos.danfse), "danfse_pdf": exemplos.danfse_pdf,
            "vazio": _junta(medidas["vazio"]), "cheio": _junta(medidas["cheio"])}


def _junta(rodadas: list[dict]) -> dict:
    """Rounds merged: requests over seconds; the p99 of every round's latencies together
    when they were kept (the worst round's p99 counted one stall of either side's rounds:
    the same page read 0.54 to 1.93 × round by round), else the worst round's."""
    def soma(partes: list[dict]) -> dict:
        todas = [x for p in partes for x in p.get("latencies_ms", [])]
        return {"rps": sum(p["requests"] for p in partes) / sum(p["seconds"] for p in partes),
                "p99_ms": percentile(todas, 0.99) if todas else max(p["p99_ms"] for p in partes),
                "errors": sum(p["errors"] for p in partes)}
    return {"accept": soma([r["accept"] for r in rodadas]),
            "get": soma([r["get"] for r in rodadas]),
            "painel": {nome: soma([r["painel"][nome] for r in rodadas])
                       for nome in rodadas[0]["painel"]},
            "status": rodadas[0]["status"],
            "claim_ms": sum(r["claim_ms"] for r in rodadas) / len(rodadas),
            "claim_p99_ms": max(r["claim_p99_ms"] for r in rodadas)}
