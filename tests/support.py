"""Helpers shared by the tests: the test company, the seed's example note, the gateway handle."""

from __future__ import annotations

import io
import os
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import httpx
from pypdf import PdfReader

from nfse.admin import criar_empresa
from nfse.certs.a1 import A1
from nfse.certs.generate import generate_a1, generate_ca, generate_server_cert
from nfse.runtime import Runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.https import IDENTITY_PASSWORD
from nfse.sandbox.nacional import NacionalSandbox
from nfse.store import empresas

CNPJ = "11222333000181"
IM = "12345"
MUNICIPIO = "3516200"
MUNICIPIO_ABRASF = "5102504"
"""Cáceres/MT: RLZ, on the ABRASF reference WSDL (profile abrasf_204) in the shipped registry."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@lru_cache(maxsize=1)
def a1_teste() -> tuple[A1, bytes]:
    """The test company's A1 and its PKCS#12 (password ``senha``), made once per run: an
    RSA key and a PKCS#12 cost tens of milliseconds each, and hundreds of tests use them."""
    a1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
    return a1, a1.to_pfx("senha")


@lru_cache(maxsize=1)
def contexto_tls() -> ssl.SSLContext:
    """The default client TLS context, made once per run: each httpx client would load the
    CA bundle again (a tenth of a second on a busy machine), for a test client that talks
    plain HTTP to the gateway on loopback."""
    return ssl.create_default_context()


def empresa_teste(runtime: Runtime) -> tuple[str, A1]:
    """The test company with its A1; returns (homologação token, A1)."""
    a1, pfx = a1_teste()
    nova = criar_empresa(runtime, cnpj=CNPJ, nome="EMPRESA TESTE LTDA", inscricao_municipal=IM,
                         codigo_municipio=MUNICIPIO, pfx=pfx, senha="senha",
                         regime_tributario=3)
    return nova.token_homologacao, a1


@lru_cache(maxsize=1)
def _identidades_sandbox() -> tuple[bytes, bytes]:
    ca = generate_ca("Sandbox NFS-e CA")
    server = generate_server_cert(ca, ("127.0.0.1", "localhost"))
    return ca.to_pfx(IDENTITY_PASSWORD), server.to_pfx(IDENTITY_PASSWORD)


def pasta_sandbox(data_dir: Path) -> Path:
    """``data_dir`` holding the run's sandbox CA and server identity, which the sandbox opens
    instead of making its own: the sandboxes of a run share them (their state and trust
    list stay each their own). A test about a sandbox with another CA uses a bare folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for name, pfx in zip(("ca.p12", "server.p12"), _identidades_sandbox(), strict=True):
        (data_dir / name).write_bytes(pfx)
        (data_dir / name).chmod(0o600)
    return data_dir


@dataclass
class Gateway:
    base_url: str
    token: str
    runtime: Runtime
    sandbox: NacionalSandbox
    client: httpx.Client
    a1: A1

    def credenciais_prefeitura(self, login: str | None, senha: str | None) -> None:
        """The test company's municipal credentials (``login_responsavel``, and
        ``senha_responsavel`` sealed as the API keeps it), written straight to the store."""
        with self.runtime.engine.begin() as conn:
            empresa = empresas.find_by_cnpj(conn, CNPJ)
            assert empresa is not None
            empresas.atualizar(conn, empresa.id, {
                "login_responsavel": login,
                "senha_responsavel": self.runtime.box.seal(senha.encode()) if senha else None})

    def ate(self, ref: str, condicao: Callable[[dict], bool]) -> dict:
        """The note's GET once ``condicao`` holds (the last one read if it never does)."""
        nota: dict = {}
        for _ in range(200):
            nota = self.client.get(f"/v2/nfse/{ref}").json()
            if condicao(nota):
                break
            time.sleep(0.05)
        return nota

    def wait_final(self, ref: str, timeout: float = 20.0) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.client.get(f"/v2/nfse/{ref}")
            assert answer.status_code == 200, answer.text
            body = answer.json()
            if body.get("status") != "processando_autorizacao":
                return body
            time.sleep(0.05)
        raise AssertionError(f"nota {ref} still processing after {timeout} s")

    def autorizar(self, ref: str, body: dict) -> dict:
        """POST a note to /v2/nfse and wait until it is authorized; its GET."""
        answer = self.client.post(f"/v2/nfse?ref={ref}", json=body)
        assert answer.status_code == 202, answer.text
        nota = self.wait_final(ref)
        assert nota["status"] == "autorizado", nota
        return nota


def texto_danfse(url: str) -> str:
    """The text of the first page of the DANFSe at ``url`` (a PDF, or the test fails)."""
    answer = httpx.get(url)
    assert answer.headers["content-type"] == "application/pdf", answer.text
    return PdfReader(io.BytesIO(answer.content)).pages[0].extract_text()


def nota_exemplo(**overrides: object) -> dict:
    """The seed's example JSON, with the test company as prestador."""
    body = {
        "data_emissao": "2017-09-21T22:15:00",
        "prestador": {"cnpj": CNPJ, "inscricao_municipal": IM, "codigo_municipio": MUNICIPIO},
        "tomador": {
            "cnpj": "07504505000132",
            "razao_social": "Acras Tecnologia da Informação LTDA",
            "email": "contato@focusnfe.com.br",
            "endereco": {
                "logradouro": "Rua Dias da Rocha Filho", "numero": "999",
                "complemento": "Prédio 04 - Sala 34C", "bairro": "Alto da XV",
                "codigo_municipio": "4106902", "uf": "PR", "cep": "80045165",
            },
        },
        "servico": {
            "aliquota": 3,
            "discriminacao": "Nota fiscal referente a serviços prestados",
            "iss_retido": "false",
            "item_lista_servico": "0107",
            "codigo_tributario_municipio": "620910000",
            "valor_servicos": 1.0,
        },
    }
    body.update(overrides)
    return body


def nota_plana(**overrides: object) -> dict:
    """The flat body of /v2/nfsen (SPEC §3) for the test company."""
    body = {
        "data_emissao": "2026-11-20T10:00:00-03:00",
        "codigo_municipio_emissora": MUNICIPIO,
        "cnpj_prestador": CNPJ,
        "inscricao_municipal_prestador": IM,
        "codigo_opcao_simples_nacional": 1,
        "cnpj_tomador": "07504505000132",
        "razao_social_tomador": "Acras Tecnologia da Informação LTDA",
        "codigo_municipio_tomador": "4106902",
        "cep_tomador": "80045165",
        "logradouro_tomador": "Rua Dias da Rocha Filho",
        "numero_tomador": "999",
        "bairro_tomador": "Alto da XV",
        "email_tomador": "contato@example.com",
        "codigo_municipio_prestacao": MUNICIPIO,
        "codigo_tributacao_nacional_iss": "010701",
        "descricao_servico": "Desenvolvimento de sistemas sob encomenda",
        "valor_servico": "100.00",
        "tributacao_iss": 1,
        "tipo_retencao_iss": 1,
    }
    body.update(overrides)
    return body


def worker_env(database_url: str, sandbox: NacionalSandbox | AbrasfSandbox, data_dir: Path,
               **settings: str) -> dict[str, str]:
    """The environment of an ``nfse worker`` process sharing the test's database and
    sandbox; ``settings`` are further NFSE_* variables."""
    kind = "ABRASF" if isinstance(sandbox, AbrasfSandbox) else "NACIONAL"
    return {**os.environ, "NFSE_DATABASE_URL": database_url, "NFSE_SECRET_KEY": "test-key",
            "NFSE_DATA_DIR": str(data_dir), f"NFSE_{kind}_URL_HOMOLOGACAO": sandbox.url,
            f"NFSE_{kind}_CA_FILE": str(sandbox.ca_file), **settings}
