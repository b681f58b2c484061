"""The ``nfse`` command: serve, worker, db, empresa, sandbox."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from rich.console import Console

from nfse.config import Settings

if TYPE_CHECKING:
    from nfse.sandbox.faults import Latencia

app = typer.Typer(help="nfse-gateway: API de NFS-e compatível com a Focus NFe v2",
                  no_args_is_help=True)
db_app = typer.Typer(help="Banco de dados", no_args_is_help=True)
empresa_app = typer.Typer(help="Empresas (emitentes)", no_args_is_help=True)
admin_app = typer.Typer(help="Administração", no_args_is_help=True)
admin_token_app = typer.Typer(help="Tokens de administrador (/v2/empresas)",
                              no_args_is_help=True)
sandbox_app = typer.Typer(help="Servidores locais que imitam as autoridades", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(empresa_app, name="empresa")
app.add_typer(admin_app, name="admin")
admin_app.add_typer(admin_token_app, name="token")
app.add_typer(sandbox_app, name="sandbox")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Diretório de dados "
                                              "(padrão: $NFSE_DATA_DIR ou ./nfse-data)")]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def _logging() -> None:
    from nfse.logs import setup_logging

    setup_logging()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Endereço de escuta")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Porta")] = 8000,
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(
        "--demo", help="Também inicia os sandboxes (NFS-e Nacional e ABRASF 2.04) e cria uma "
                       "empresa de demonstração com token de homologação")] = False,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Só a API; as notas são enviadas por processos `nfse worker`")] = False,
) -> None:
    """API + worker num só processo (SQLite por padrão), migrações aplicadas na partida."""
    from nfse.api.app import create_app, server_config
    from nfse.runtime import build_runtime, settle
    from nfse.work.worker import Worker

    _logging()
    settings = _settings(data_dir)
    base_url = settings.public_url or f"http://{host}:{port}"
    sandboxes = []
    if demo:
        from nfse.demo import start_sandboxes

        sandboxes = start_sandboxes(settings)
    runtime = build_runtime(settings)
    if sandboxes:
        from nfse.demo import MUNICIPIO_ABRASF, ensure_demo
        from nfse.store import empresas

        demo_info = ensure_demo(runtime, base_url)
        with runtime.engine.connect() as conn:
            cert = empresas.load_a1(conn, runtime.box, demo_info.empresa.id).cert
        for sandbox in sandboxes:
            sandbox.trust(cert)
        console.print(f"[bold]Sandbox NFS-e Nacional:[/bold] {sandboxes[0].url}")
        console.print(f"[bold]Sandbox ABRASF 2.04 ({MUNICIPIO_ABRASF}):[/bold] "
                      f"{sandboxes[1].url}")
        console.print(f"[bold]Empresa de demonstração:[/bold] {demo_info.empresa.nome} "
                      f"CNPJ {demo_info.empresa.cnpj}")
        console.print(f"[bold]Token de homologação:[/bold] {demo_info.token}")
        console.print(f"[bold]Token de administrador (/v2/empresas):[/bold] "
                      f"{demo_info.admin_token}")
        console.print(f"[bold]Dados em:[/bold] {settings.data_dir / 'demo.json'}")
        print(f"Experimente (emite e consulta uma nota):\n{demo_info.curl()}", flush=True)

    stop = threading.Event()
    thread = None
    if not no_worker:
        worker = Worker(runtime.engine, settings, runtime.emissores, wake=runtime.wake,
                        public_url=base_url)
        worker.heartbeat(force=True)
        thread = threading.Thread(target=worker.run, args=(stop,), name="worker", daemon=True)
        thread.start()
    server = uvicorn.Server(server_config(create_app(runtime), host, port))
    settle()
    # uvicorn handles SIGINT/SIGTERM itself, then re-raises the signal to the handler that
    # was installed before it: make that a no-op so a requested stop exits with status 0.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    try:
        server.run()
    finally:
        stop.set()
        runtime.wake.set()
        if thread is not None:
            thread.join(timeout=30)
        for sandbox in sandboxes:
            sandbox.stop()


@app.command()
def worker(
    data_dir: DataDir = None,
    metrics_port: Annotated[int | None, typer.Option(
        help="Publica /metrics deste worker nesta porta (127.0.0.1)")] = None,
) -> None:
    """Só o worker, contra o mesmo banco da API (para rodar vários processos)."""
    from nfse.runtime import build_runtime, settle
    from nfse.work.metrics_server import serve_metrics
    from nfse.work.worker import Worker

    _logging()
    runtime = build_runtime(_settings(data_dir), pre_ping=False)
    if metrics_port is not None:
        serve_metrics("127.0.0.1", metrics_port)
    stop = threading.Event()
    worker = Worker(runtime.engine, runtime.settings, runtime.emissores, wake=runtime.wake)

    def _stop(*_: object) -> None:
        stop.set()
        runtime.wake.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    settle()
    worker.run(stop)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None) -> None:
    """Aplica as migrações pendentes."""
    from nfse.runtime import build_runtime

    build_runtime(_settings(data_dir))
    console.print("Banco de dados atualizado.")


@empresa_app.command("criar")
def empresa_criar(
    cnpj: Annotated[str, typer.Option(help="CNPJ da empresa")],
    inscricao_municipal: Annotated[str, typer.Option(help="Inscrição municipal")],
    codigo_municipio: Annotated[str, typer.Option(help="Código IBGE do município")],
    certificado: Annotated[Path, typer.Option(help="Arquivo PKCS#12 (.pfx/.p12) do A1",
                                              exists=True, dir_okay=False)],
    senha: Annotated[str, typer.Option(help="Senha do certificado")],
    nome: Annotated[str | None, typer.Option(help="Razão social")] = None,
    regime_tributario: Annotated[int | None, typer.Option(
        help="1 Simples Nacional, 2 SN excesso, 3 normal, 4 MEI")] = None,
    data_dir: DataDir = None,
) -> None:
    """Cria uma empresa e imprime seus tokens (homologação e produção)."""
    from nfse.admin import EmpresaInvalida, criar_empresa
    from nfse.certs.a1 import CertificadoInvalido
    from nfse.model.documentos import cnpj_valido, limpar_cnpj
    from nfse.municipios.registry import get as municipio
    from nfse.runtime import build_runtime

    cnpj = limpar_cnpj(cnpj)
    if not cnpj_valido(cnpj):
        raise typer.BadParameter(f"CNPJ inválido: {cnpj}", param_hint="--cnpj")
    if municipio(codigo_municipio) is None:
        raise typer.BadParameter(f"município IBGE inexistente: {codigo_municipio}",
                                 param_hint="--codigo-municipio")
    runtime = build_runtime(_settings(data_dir))
    try:
        nova = criar_empresa(
            runtime, cnpj=cnpj, nome=nome or cnpj, inscricao_municipal=inscricao_municipal,
            codigo_municipio=codigo_municipio, pfx=certificado.read_bytes(), senha=senha,
            regime_tributario=regime_tributario,
        )
    except (EmpresaInvalida, CertificadoInvalido) as exc:
        console.print(f"[red]Erro:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Empresa {nova.empresa.id} criada: {nova.empresa.nome} ({cnpj})")
    console.print(f"token_homologacao: {nova.token_homologacao}")
    console.print(f"token_producao: {nova.token_producao}")


@empresa_app.command("listar")
def empresa_listar(
    cnpj: Annotated[str | None, typer.Option(help="Só a empresa deste CNPJ")] = None,
    offset: Annotated[int, typer.Option(help="Pular as primeiras N empresas")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Lista as empresas (50 por vez), como GET /v2/empresas."""
    from rich.table import Table

    from nfse.cadastro import listar
    from nfse.runtime import build_runtime

    page, total = listar(build_runtime(_settings(data_dir)), cnpj=cnpj, cpf=None,
                         offset=offset)
    table = Table(title=f"{total} empresa(s)")
    for column in ("id", "CNPJ/CPF", "nome", "município", "certificado até"):
        table.add_column(column)
    for e in page:
        table.add_row(str(e["id"]), e["cnpj"] or e["cpf"] or "", e["nome"] or "",
                      e["codigo_municipio"] or "", e["certificado_valido_ate"] or "-")
    console.print(table)


@admin_token_app.command("criar")
def admin_token_criar(
    nome: Annotated[str | None, typer.Option(help="Para quem é o token")] = None,
    data_dir: DataDir = None,
) -> None:
    """Cria um token de administrador (revendedor) para /v2/empresas e o imprime."""
    from nfse.runtime import build_runtime
    from nfse.store import admin_tokens

    runtime = build_runtime(_settings(data_dir))
    with runtime.engine.begin() as conn:
        token = admin_tokens.criar(conn, nome)
    console.print("Token de administrador (guarde-o: só é mostrado agora):")
    print(token)


Host = Annotated[str, typer.Option(help="Endereço de escuta")]
Trust = Annotated[list[Path] | None, typer.Option(
    help="Certificado (PEM) de cliente ou de AC a aceitar; repetível")]
Faults = Annotated[str, typer.Option(
    help='Falhas aleatórias nas operações que mudam estado, ex.: '
         '"timeout_after_commit=0.1,http500=0.05,reset=0.05,garbage=0.02,slow=0.05"')]
Seed = Annotated[int | None, typer.Option(help="Semente das falhas aleatórias")]
Latency = Annotated[str, typer.Option(
    "--latency", help='Demora de cada resposta, log-normal pelos percentis, ex.: '
                      '"p50=300ms,p99=1500ms" (ou fixa: "300ms")')]


def _latencia(latency: str, seed: int | None) -> Latencia | None:
    from nfse.sandbox.faults import parse_latency

    try:
        return parse_latency(latency, seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--latency") from exc


def _taxas(faults: str) -> dict[str, float]:
    from nfse.sandbox.faults import parse_faults

    try:
        return parse_faults(faults)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--faults") from exc


@sandbox_app.command("nacional")
def sandbox_nacional(
    port: Annotated[int, typer.Option(help="Porta")] = 8443,
    host: Host = "127.0.0.1",
    data_dir: Annotated[Path, typer.Option(help="Diretório de estado do sandbox")] =
        Path("nfse-data/sandbox-nacional"),
    trust: Trust = None,
    faults: Faults = "",
    seed: Seed = None,
    latency: Latency = "",
) -> None:
    """Sandbox da Sefin Nacional (produção restrita): HTTPS com certificado de cliente."""
    from nfse.sandbox.nacional import run_forever

    run_forever(data_dir, host, port, list(trust or []), _taxas(faults), seed,
                latency=_latencia(latency, seed))


@sandbox_app.command("abrasf")
def sandbox_abrasf(
    port: Annotated[int, typer.Option(help="Porta")] = 8444,
    host: Host = "127.0.0.1",
    data_dir: Annotated[Path, typer.Option(help="Diretório de estado do sandbox")] =
        Path("nfse-data/sandbox-abrasf"),
    trust: Trust = None,
    faults: Faults = "",
    seed: Seed = None,
    xsd_dir: Annotated[Path | None, typer.Option(
        help="Pasta com o esquema oficial nfse_v2-04.xsd (padrão: NFSE_ABRASF_XSD_DIR); "
             "sem ela, só as regras do sandbox")] = None,
    latency: Latency = "",
) -> None:
    """Sandbox de uma prefeitura ABRASF 2.04: SOAP sobre HTTPS com certificado de cliente."""
    from nfse.sandbox.abrasf import run_forever

    configured = os.environ.get("NFSE_ABRASF_XSD_DIR")
    run_forever(data_dir, host, port, list(trust or []), _taxas(faults), seed,
                xsd_dir=xsd_dir or (Path(configured) if configured else None),
                latency=_latencia(latency, seed))

if __name__ == "__main__":
    app()
