"""The ``nfse`` command: serve, worker, emitir, notas, db, empresa, admin, sandbox,
municipios, backup, restore, diagnostico."""

from __future__ import annotations

import os
import secrets
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import uvicorn
from rich.console import Console

from nfse import textos_cli
from nfse.config import Settings

textos_cli.instalar()
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
notas_app = typer.Typer(help="Notas de todas as empresas (operador)", no_args_is_help=True)
app.add_typer(notas_app, name="notas")
municipios_app = typer.Typer(help="Municípios: por onde cada um emite", no_args_is_help=True)
app.add_typer(municipios_app, name="municipios")
console = Console()

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Diretório de dados "
                                              "(padrão: $NFSE_DATA_DIR ou ./nfse-data)")]


def _settings(data_dir: Path | None) -> Settings:
    return Settings(data_dir=data_dir) if data_dir else Settings()


def _logging() -> None:
    from nfse.logs import setup_logging

    setup_logging()


def _logging_uvicorn() -> None:
    from nfse.logs import adotar_uvicorn

    adotar_uvicorn()


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Endereço de escuta")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Porta")] = 8000,
    data_dir: DataDir = None,
    demo: Annotated[bool, typer.Option(
        "--demo", help="Também inicia os sandboxes (NFS-e Nacional, ABRASF, Paulistana, IPM e "
                       "Ginfes) e cria uma "
                       "empresa de demonstração com token de homologação")] = False,
    no_worker: Annotated[bool, typer.Option(
        "--no-worker", help="Só a API; as notas são enviadas por processos `nfse worker`")] = False,
    sandbox_nacional_port: Annotated[int, typer.Option(
        help="Com --demo: porta do sandbox NFS-e Nacional (0: uma livre)")] = 0,
    sandbox_abrasf_port: Annotated[int, typer.Option(
        help="Com --demo: porta do sandbox ABRASF 2.04 (0: uma livre)")] = 0,
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

        sandboxes = start_sandboxes(settings, sandbox_nacional_port, sandbox_abrasf_port)
    runtime = build_runtime(settings)
    if sandboxes:
        from nfse.demo import CODIGO_MUNICIPIO, MUNICIPIO_ABRASF, MUNICIPIO_IPM, ensure_demo

        demo_info = ensure_demo(runtime, base_url)
        console.print(f"[bold]Sandbox NFS-e Nacional:[/bold] {sandboxes[0].sefin_url}")
        console.print(f"[bold]Sandbox SilTecnologia ({CODIGO_MUNICIPIO}, mesma porta):[/bold] "
                      f"{sandboxes[0].url}")
        console.print(f"[bold]Sandbox ABRASF 2.04 ({MUNICIPIO_ABRASF}):[/bold] "
                      f"{sandboxes[1].url}")
        console.print(f"[bold]Sandbox NFS-e Paulistana (3550308):[/bold] {sandboxes[2].url}")
        console.print(f"[bold]Sandbox IPM ({MUNICIPIO_IPM}):[/bold] {sandboxes[3].url}")
        console.print(f"[bold]Sandbox ABRASF 1.0 Ginfes (3518800):[/bold] {sandboxes[4].url}")
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
    _logging_uvicorn()
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


@app.command()
def backup(
    arquivo: Annotated[Path, typer.Argument(help="Arquivo .tar.gz a escrever")],
    data_dir: DataDir = None,
) -> None:
    """Copia o banco (consistente, com o servidor no ar), o secret.key e o maildir."""
    from nfse.operacao.backup import ErroBackup, fazer_backup

    try:
        resumo = fazer_backup(_settings(data_dir), arquivo)
    except ErroBackup as exc:
        console.print(f"[red]Erro:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Backup ({resumo.banco}) escrito em {resumo.arquivo}")
    if not resumo.com_chave:
        console.print("[yellow]Atenção:[/yellow] a chave vem de NFSE_SECRET_KEY e não está no "
                      "backup; guarde-a à parte, sem ela os certificados não podem ser lidos")


@app.command()
def restore(
    arquivo: Annotated[Path, typer.Argument(help="Backup escrito por `nfse backup`",
                                            exists=True, dir_okay=False)],
    substituir: Annotated[bool, typer.Option(
        "--substituir", help="Sobrescreve o banco e a chave existentes")] = False,
    data_dir: DataDir = None,
) -> None:
    """Restaura um backup no diretório de dados e no banco configurado, e aplica as
    migrações pendentes (um backup de versão anterior sobe para a atual)."""
    from nfse.operacao.backup import ErroBackup, restaurar
    from nfse.runtime import build_runtime

    settings = _settings(data_dir)
    try:
        resumo = restaurar(settings, arquivo, substituir=substituir)
    except ErroBackup as exc:
        console.print(f"[red]Erro:[/red] {exc}")
        raise typer.Exit(1) from exc
    build_runtime(settings).engine.dispose()
    console.print(f"Backup ({resumo.banco}) restaurado de {resumo.arquivo}")


@app.command()
def diagnostico(
    cnpj: Annotated[str, typer.Option(help="CNPJ da empresa")],
    ambiente: Annotated[str, typer.Option(help="producao ou homologacao")] = "producao",
    data_dir: DataDir = None,
) -> None:
    """Confere se a empresa alcança a sua autoridade: certificado, endereço, DNS, TLS com o
    A1 e a resposta a uma consulta. Nada é emitido."""
    from nfse.model.digitos import limpar_cnpj
    from nfse.operacao.diagnostico import diagnosticar
    from nfse.runtime import build_runtime
    from nfse.store import empresas

    if ambiente not in ("producao", "homologacao"):
        raise typer.BadParameter("use producao ou homologacao", param_hint="--ambiente")
    runtime = build_runtime(_settings(data_dir))
    with runtime.engine.connect() as conn:
        empresa = empresas.find_by_cnpj(conn, limpar_cnpj(cnpj))
    if empresa is None:
        console.print(f"[red]Erro:[/red] nenhuma empresa com o documento {cnpj}")
        raise typer.Exit(1)
    falhou = False
    for passo in diagnosticar(runtime, empresa, ambiente):
        marca = "[green]ok[/green]" if passo.ok else "[red]FALHA[/red]"
        console.print(f"{marca} {passo.nome}: {passo.detalhe}")
        falhou = falhou or not passo.ok
    if falhou:
        raise typer.Exit(1)


@app.command()
def emitir(
    arquivo: Annotated[Path | None, typer.Argument(
        help="CSV (campos planos de /v2/nfsen) ou JSON Lines (notas de /v2/nfse)")] = None,
    modelo: Annotated[bool, typer.Option(
        "--modelo", help="Imprime o modelo CSV (cabeçalho e uma linha de exemplo) e sai")] = False,
    url: Annotated[str | None, typer.Option(envvar="NFSE_URL", help=(
        "Endereço da API (padrão: o base_url de DIR/demo.json)"))] = None,
    token: Annotated[str | None, typer.Option(envvar="NFSE_TOKEN", help=(
        "Token da empresa (padrão: o token de DIR/demo.json)"))] = None,
    saida: Annotated[Path | None, typer.Option(
        help="Arquivo CSV de resultados (padrão: ARQUIVO.resultados.csv)")] = None,
    concorrencia: Annotated[int, typer.Option(help="Requisições simultâneas")] = 8,
    prefixo: Annotated[str | None, typer.Option(
        help="Prefixo das refs (padrão: o nome do arquivo); a ref é PREFIXO-LINHA")] = None,
    sem_esperar: Annotated[bool, typer.Option(
        "--sem-esperar", help="Não espera o estado final das notas")] = False,
    prazo: Annotated[float, typer.Option(help="Segundos de espera por nota")] = 600.0,
    data_dir: DataDir = None,
) -> None:
    """Emite um arquivo de notas (uma por linha) e grava o resultado de cada linha. Rodar de
    novo o mesmo arquivo não emite nada duas vezes: as refs vêm do arquivo e da linha."""
    import csv
    import json
    import sys

    from nfse.cliente import Cliente
    from nfse.cliente.lote import MODELO_CSV
    from nfse.cliente.progresso import emitir_arquivo

    demo_json = _settings(data_dir).data_dir / "demo.json"
    demo = json.loads(demo_json.read_text()) if demo_json.is_file() else None
    if modelo:
        exemplo = dict(MODELO_CSV)
        if demo:  # the example row issues as the demo company
            exemplo.update(cnpj_prestador=demo["cnpj"],
                           inscricao_municipal_prestador=demo["inscricao_municipal"],
                           codigo_municipio_emissora=demo["codigo_municipio"],
                           codigo_municipio_prestacao=demo["codigo_municipio"])
        escritor = csv.DictWriter(sys.stdout, fieldnames=list(exemplo))
        escritor.writeheader()
        escritor.writerow(exemplo)
        return
    if arquivo is None or not arquivo.is_file():
        console.print("Informe o ARQUIVO a emitir (ou --modelo para ver o modelo CSV).")
        raise typer.Exit(2)
    if url is None or token is None:
        if demo is None:
            console.print("Informe --url e --token (ou NFSE_URL e NFSE_TOKEN).")
            raise typer.Exit(2)
        url, token = url or demo["base_url"], token or demo["token"]
    destino = saida or arquivo.with_name(arquivo.name + ".resultados.csv")
    with Cliente(url, token) as cliente:
        contas = emitir_arquivo(arquivo, cliente, destino, concorrencia, not sem_esperar,
                                prazo, prefixo, console)
    if contas.get("rejeitada") or contas.get("falha") or contas.get("erro_autorizacao"):
        raise typer.Exit(1)


@notas_app.command("listar")
def notas_listar(
    empresa: Annotated[int | None, typer.Option(help="Id da empresa")] = None,
    status: Annotated[str | None, typer.Option(help="processando_autorizacao, autorizado, "
                                               "erro_autorizacao, cancelado, substituido")] = None,
    ambiente: Annotated[str | None, typer.Option(help="homologacao ou producao")] = None,
    ref: Annotated[str | None, typer.Option(help="A ref exata")] = None,
    desde: Annotated[str | None, typer.Option(help="Aceitas a partir do dia AAAA-MM-DD")] = None,
    ate: Annotated[str | None, typer.Option(help="Aceitas até o dia AAAA-MM-DD")] = None,
    texto: Annotated[str | None, typer.Option(
        help="Na ref, no número, na chave ou nos dados da nota")] = None,
    antes: Annotated[int | None, typer.Option(help="Só notas de id menor (próxima página)")]
    = None,
    data_dir: DataDir = None,
) -> None:
    """Lista as notas (50 por vez, mais novas primeiro), como GET /v2/admin/notas."""
    from rich.table import Table

    from nfse.api.admin_routes import _listar
    from nfse.api.painel.rotas import contagem
    from nfse.runtime import build_runtime

    params = {chave: str(valor) for chave, valor in (
        ("empresa", empresa), ("status", status), ("ambiente", ambiente), ("ref", ref),
        ("desde", desde), ("ate", ate), ("texto", texto), ("antes", antes))
        if valor is not None}
    pagina, total, ultima = _listar(build_runtime(_settings(data_dir)), params)
    tabela = Table(title=f"Notas ({contagem(total)})")
    for coluna in ("id", "empresa", "ambiente", "ref", "status", "número", "tentativas",
                   "aceita em", "mensagem"):
        tabela.add_column(coluna)
    for n in pagina:
        tabela.add_row(str(n["id"]), f"{n['empresa']} ({n['empresa_id']})", n["ambiente"],
                       n["ref"], n["status"], n["numero"] or "", str(n["tentativas"]),
                       n["aceita_em"] or "", n["mensagem"] or "")
    console.print(tabela)
    if ultima is not None:
        console.print(f"Próxima página: --antes {ultima}")


@notas_app.command("mostrar")
def notas_mostrar(
    nota_id: Annotated[int, typer.Argument(help="Id da nota (veja nfse notas listar)")],
    data_dir: DataDir = None,
) -> None:
    """Mostra uma nota com seu histórico, documentos, e-mails e webhooks, em JSON."""
    import json

    from nfse.api.admin_routes import detalhe_json
    from nfse.api.errors import ApiError
    from nfse.runtime import build_runtime

    settings = _settings(data_dir)
    try:
        corpo = detalhe_json(build_runtime(settings), nota_id, settings.public_url or "")
    except ApiError as exc:
        console.print(exc.mensagem)
        raise typer.Exit(1) from exc
    print(json.dumps(corpo, ensure_ascii=False, indent=2))


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
    certificado: Annotated[Path | None, typer.Option(
        help="Arquivo PKCS#12 (.pfx/.p12) do A1", exists=True, dir_okay=False)] = None,
    senha: Annotated[str | None, typer.Option(
        help="Senha do certificado; sem ela, vem de $NFSE_SENHA_CERTIFICADO ou é perguntada",
        envvar="NFSE_SENHA_CERTIFICADO", show_envvar=False)] = None,
    certificado_teste: Annotated[bool, typer.Option(
        "--certificado-teste", help="Em vez do A1, um certificado de teste da AC da "
        "demonstração para este CNPJ: só os sandboxes de `nfse serve --demo` o aceitam")
    ] = False,
    nome: Annotated[str | None, typer.Option(help="Razão social")] = None,
    regime_tributario: Annotated[int | None, typer.Option(
        help="1 Simples Nacional, 2 SN excesso, 3 normal, 4 MEI")] = None,
    data_dir: DataDir = None,
) -> None:
    """Cria uma empresa e imprime seus tokens (homologação e produção)."""
    from nfse.admin import EmpresaInvalida, criar_empresa
    from nfse.certs.a1 import CertificadoInvalido
    from nfse.model.digitos import cnpj_valido, limpar_cnpj
    from nfse.municipios.registry import get as municipio
    from nfse.runtime import build_runtime

    cnpj = limpar_cnpj(cnpj)
    if not cnpj_valido(cnpj):
        raise typer.BadParameter(f"CNPJ inválido: {cnpj}", param_hint="--cnpj")
    if municipio(codigo_municipio) is None:
        raise typer.BadParameter(f"município IBGE inexistente: {codigo_municipio}",
                                 param_hint="--codigo-municipio")
    if certificado_teste == (certificado is not None):
        raise typer.BadParameter("informe --certificado (e a senha), ou --certificado-teste",
                                 param_hint="--certificado")
    if certificado is not None and senha is None:
        senha = typer.prompt("Senha do certificado", hide_input=True)
    settings = _settings(data_dir)
    if certificado_teste:
        from nfse.certs.teste import a1_teste

        senha = secrets.token_urlsafe(12)
        pfx = a1_teste(settings.data_dir, cnpj, nome or cnpj).to_pfx(senha)
    else:
        assert certificado is not None and senha is not None
        pfx = certificado.read_bytes()
    runtime = build_runtime(settings)
    try:
        nova = criar_empresa(
            runtime, cnpj=cnpj, nome=nome or cnpj, inscricao_municipal=inscricao_municipal,
            codigo_municipio=codigo_municipio, pfx=pfx, senha=senha,
            regime_tributario=regime_tributario,
        )
    except (EmpresaInvalida, CertificadoInvalido) as exc:
        console.print(f"[red]Erro:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"Empresa {nova.empresa.id} criada: {nova.empresa.nome} ({cnpj})")
    console.print(f"token_homologacao: {nova.token_homologacao}")
    console.print(f"token_producao: {nova.token_producao}")
    if certificado_teste:
        console.print("Certificado de teste emitido pela AC da demonstração: aceito só pelos "
                      "sandboxes de `nfse serve --demo` com este --data-dir")


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


@admin_token_app.command("listar")
def admin_token_listar(data_dir: DataDir = None) -> None:
    """Lista os tokens de administrador (id, nome, criação; o valor nunca é guardado)."""
    from rich.table import Table

    from nfse.runtime import build_runtime
    from nfse.store import admin_tokens

    runtime = build_runtime(_settings(data_dir))
    with runtime.engine.connect() as conn:
        found = admin_tokens.listar(conn)
    table = Table("id", "nome", "criado em")
    for token in found:
        table.add_row(str(token.id), token.nome or "", token.created_at.isoformat())
    console.print(table)


@admin_token_app.command("revogar")
def admin_token_revogar(
    token_id: Annotated[int, typer.Argument(help="Id do token (veja 'nfse admin token listar')")],
    data_dir: DataDir = None,
) -> None:
    """Revoga um token de administrador: vale já na próxima requisição, em todo processo."""
    from nfse.runtime import build_runtime
    from nfse.store import admin_tokens

    runtime = build_runtime(_settings(data_dir))
    with runtime.engine.begin() as conn:
        if not admin_tokens.revogar(conn, token_id):
            console.print(f"Nenhum token de administrador com id {token_id}")
            raise typer.Exit(1)
    console.print(f"Token de administrador {token_id} revogado")


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
        help="Pasta com os esquemas oficiais de cada leiaute (nfse_v2-04.xsd, nfse_v2-03.xsd, "
             "nfse_v2-02.xsd, nfse_v2-01.xsd; padrão: NFSE_ABRASF_XSD_DIR); sem ela, só as "
             "regras do sandbox")] = None,
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


@sandbox_app.command("paulistana")
def sandbox_paulistana(
    port: Annotated[int, typer.Option(help="Porta")] = 8445,
    host: Host = "127.0.0.1",
    data_dir: Annotated[Path, typer.Option(help="Diretório de estado do sandbox")] =
        Path("nfse-data/sandbox-paulistana"),
    trust: Trust = None,
    faults: Faults = "",
    seed: Seed = None,
) -> None:
    """Sandbox da NFS-e Paulistana (São Paulo, leiautes 1 e 2): SOAP 1.2 com certificado de
    cliente; valida o leiaute 2 pelos esquemas oficiais v2 que o pacote traz
    (NFSE_PAULISTANA_XSD_DIR_V2 indica outros) e o leiaute 1 pelos v1 quando o nfselib-legacy
    está instalado ou NFSE_PAULISTANA_XSD_DIR os indica."""
    from nfse.sandbox.paulistana.server import run_forever

    run_forever(data_dir, host, port, list(trust or []), _taxas(faults), seed)


@municipios_app.command("cobertura")
def municipios_cobertura(
    ambiente: Annotated[str, typer.Option(help="producao ou homologacao")] = "producao",
) -> None:
    """Parcela dos municípios e da população atendida por um provedor que funciona, por
    sistema (a tabela embarcada corrigida por NFSE_MUNICIPIOS_FILE)."""
    from nfse.municipios.cobertura import cobertura, percentual
    from nfse.municipios.routing import ConfiguracaoInvalida, carregar

    if ambiente not in ("producao", "homologacao"):
        raise typer.BadParameter("use producao ou homologacao", param_hint="--ambiente")
    try:
        carregar(Settings().municipios_file)
    except ConfiguracaoInvalida as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    total, linhas = cobertura(ambiente)
    typer.echo(f"Cobertura em {ambiente}: municípios e população que um provedor atende "
               "com TLS; \"Com http\": a população atendida com NFSE_PERMITIR_HTTP_MUNICIPAL=1")
    typer.echo(f"{'Sistema':<28}{'Municípios':>11}{'Atendidos':>11}{'População':>13}"
               f"{'Atendida':>13}{'%':>10}{'Com http':>13}")
    for linha in [*linhas, total]:
        typer.echo(f"{linha.sistema[:27]:<28}{linha.municipios:>11,}"
                   f"{linha.municipios_atendidos:>11,}{linha.populacao:>13,}"
                   f"{linha.populacao_atendida:>13,}"
                   f"{percentual(linha.populacao_atendida, linha.populacao):>10}"
                   f"{linha.populacao_com_http:>13,}")
    typer.echo(
        f"Municípios atendidos: {total.municipios_atendidos:,} de {total.municipios:,} "
        f"({percentual(total.municipios_atendidos, total.municipios)}); população atendida: "
        f"{total.populacao_atendida:,} de {total.populacao:,} "
        f"({percentual(total.populacao_atendida, total.populacao)})")
    typer.echo(
        f"Com NFSE_PERMITIR_HTTP_MUNICIPAL=1 (http sem TLS, docs/http-municipal.md): "
        f"municípios atendidos: {total.municipios_com_http:,} de {total.municipios:,} "
        f"({percentual(total.municipios_com_http, total.municipios)}); população atendida: "
        f"{total.populacao_com_http:,} de {total.populacao:,} "
        f"({percentual(total.populacao_com_http, total.populacao)})")

if __name__ == "__main__":
    app()
