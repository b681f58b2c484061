"""The HTTPS server of the NFS-e Nacional sandbox: mutual TLS (a client certificate is
required and must be trusted), HTTP/1.1, JSON, the Sefin's routes under ``/SefinNacional``
(or another base path: a municipal system that takes the national DPS serves the same routes
under its own, ``/sefinnacional`` or the root; or, with ``dialeto``, the municipal system's own
routes and envelope: ``pronim``, ``betha``, ``tiplan``, ``coplan``, ``abase``,
``modernizacao``, the last two behind the company's credentials, ``aceitar``;
``siltecnologia``, ``citta``), plus ``/_sandbox/emitidas`` and ``/_sandbox/faults`` for
tests."""

from __future__ import annotations

import base64
import binascii
import json
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nfse.certs.a1 import A1
from nfse.sandbox.faults import FAULTS, Latencia, parse_faults
from nfse.sandbox.https import HttpsSandbox, SandboxHandler
from nfse.sandbox.nacional import (
    abase,
    betha,
    citta,
    coplan,
    envelopados,
    modernizacao,
    pronim,
    siltecnologia,
    tiplan,
)
from nfse.sandbox.nacional.distribuicao import Distribuicao
from nfse.sandbox.nacional.parametrizacao import Parametrizacao
from nfse.sandbox.nacional.sefin import Sefin, certificado_vencido, sem_certificado
from nfse.sandbox.nacional.state import Estado

__all__ = ["FAULTS", "NacionalSandbox", "parse_faults", "run_forever"]

BASE = "/SefinNacional"
PARAMETROS = "/parametrizacao"
CONTRIBUINTES = "/contribuintes"
_SEM_CONFERIR_VALIDADE = ssl.VerifyFlags(0x200000)
"""OpenSSL's X509_V_FLAG_NO_CHECK_TIME: an expired (or not yet valid) client certificate
completes the handshake, so the Sefin can answer E1203 for it."""
DIALETOS: dict[str, Any] = {"pronim": pronim, "betha": betha, "abase": abase,
                            "modernizacao": modernizacao, "tiplan": tiplan,
                            "coplan": coplan, "siltecnologia": siltecnologia,
                            "citta": citta,
                            # envelopados.py: ISSDigital 1.01, Fiorilli 1.00
                            "issdigital": envelopados.ISSDIGITAL,
                            "fiorilli": envelopados.FIORILLI}
"""The municipal dialects the sandbox plays (``NacionalSandbox(..., dialeto="pronim")``)."""
HTML_404 = b"<html><head><title>404</title></head><body>Recurso nao encontrado</body></html>"


class _Handler(SandboxHandler):
    # -- plumbing ------------------------------------------------------------------------
    @staticmethod
    def _body(raw: bytes) -> dict[str, Any]:
        try:
            parsed = json.loads(raw or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return parsed if isinstance(parsed, dict) else {}

    def _json(self, answer: tuple[int, Any]) -> None:
        status, body = answer
        self._send(status, json.dumps({} if body is None else body, ensure_ascii=False).encode(),
                   "application/json; charset=utf-8")

    def _not_found(self) -> None:
        self._send(404, HTML_404, "text/html")

    def _vencido(self) -> bool:
        cert = self.caller_cert()
        agora = datetime.now(UTC)
        return cert is not None and not (
            cert.not_valid_before_utc <= agora <= cert.not_valid_after_utc)

    def _certificado_vencido(self) -> bool:
        """E1203: the handshake does not check the client certificate's validity period (the
        Sefin completes TLS and answers the code, on every route)."""
        if not self._vencido():
            return False
        self.read_body()
        self._json(certificado_vencido())
        return True

    def _sem_certificado(self) -> bool:
        """The Sefin completes TLS without a client certificate, then answers 403."""
        if self.caller_cert() is not None:
            return False
        self.read_body()
        self._json(sem_certificado())
        return True

    # -- routes --------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if self._sem_certificado() or self._certificado_vencido():
            return
        sandbox = self.server.sandbox
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["_sandbox", "emitidas"]:
            self._send(200, json.dumps(sandbox.emitidas()).encode(), "application/json")
        elif parts[0] == PARAMETROS.strip("/"):
            self._json(sandbox.parametrizacao.responder(parts[1:]))
        elif parts[:2] == [CONTRIBUINTES.strip("/"), "DFe"] and len(parts) == 3:
            query = parse_qs(urlsplit(self.path).query)
            self._json(sandbox.distribuicao.consultar(
                parts[2], (query.get("cnpjConsulta") or [None])[0], self._caller()))
        elif self._dialeto("GET", parts):
            return
        elif (rota := sandbox.rota(parts)) is None:
            self._not_found()
        elif len(rota) == 2 and rota[0] == "nfse":
            self._json(sandbox.sefin.consultar_nfse(rota[1], self._caller()))
        elif len(rota) == 2 and rota[0] == "dps":
            self._json(sandbox.sefin.consultar_dps(rota[1], self._caller()))
        elif len(rota) == 5 and rota[0] == "nfse" and rota[2] == "eventos":
            self._json(sandbox.sefin.consultar_evento(rota[1], rota[3], rota[4]))
        elif len(rota) in (3, 4) and rota[0] == "nfse" and rota[2] == "eventos":
            self._send(405, b"", "text/plain")
        else:
            self._not_found()

    def do_HEAD(self) -> None:  # noqa: N802
        if self.caller_cert() is None or self._vencido():
            self._send(403, b"", "application/json")
            return
        rota = self.server.sandbox.rota(self.path.split("?")[0].strip("/").split("/"))
        if rota is not None and len(rota) == 2 and rota[0] == "dps":
            status, _ = self.server.sandbox.sefin.consultar_dps(rota[1], None)
            exists = self.server.sandbox.estado.por_dps(rota[1]) is not None
            self._send(200 if exists else status, b"", "application/json")
        else:
            self._not_found()

    def do_POST(self) -> None:  # noqa: N802
        if self._sem_certificado() or self._certificado_vencido():
            return
        sandbox = self.server.sandbox
        parts = self.path.split("?")[0].strip("/").split("/")
        raw = self.read_body()
        body = self._body(raw)
        if parts == ["_sandbox", "faults"]:
            fault, count = body.get("fault"), int(body.get("count", 1))
            if fault not in FAULTS:
                self._send(400, b'{"erro": "falha desconhecida"}', "application/json")
                return
            sandbox.inject(fault, count)
            self._send(200, b"{}", "application/json")
        elif self._dialeto("POST", parts, raw):
            return
        elif (rota := sandbox.rota(parts)) == ["nfse"]:
            self._faulty(lambda: sandbox.sefin.receber_dps(body, self._caller()))
        elif rota is not None and len(rota) == 3 and rota[0] == "nfse" and rota[2] == "eventos":
            self._faulty(lambda: sandbox.sefin.registrar_evento(rota[1], body, self._caller()))
        else:
            self._not_found()

    def _faulty(self, handle: Callable[[], tuple[int, Any]]) -> None:
        """Answer a document the sandbox receives (DPS or event), unless a fault is due."""
        self.with_faults(handle, self._json, (b"\x00\x01 isto nao e JSON", "application/json"))

    def _dialeto(self, metodo: str, parts: list[str], corpo: bytes = b"") -> bool:
        """Answer a request under the municipal system's own base path, in its dialect
        (a POST unless a fault is due); False when the path is not under it."""
        sandbox = self.server.sandbox
        rota = sandbox.rota_dialeto(parts)
        if rota is None:
            return False
        esquema = getattr(sandbox.dialeto, "AUTENTICACAO", None)
        chamador = sandbox.autenticado(esquema, self.headers.get("Authorization", "")) \
            if esquema else self._caller()
        if esquema and chamador is None:
            self._send(401, "Credenciais ausentes ou inválidas".encode(),
                       "text/plain; charset=utf-8")
            return True

        def responder() -> tuple[int, bytes, str]:
            answer = sandbox.dialeto.responder(sandbox, metodo, rota, corpo, chamador)
            return answer or (404, HTML_404, "text/html")

        if metodo == "POST":
            self.with_faults(responder, lambda answer: self._send(*answer),
                             (b"\x00\x01 isto nao e XML nem JSON", "text/plain"))
        else:
            self._send(*responder())
        return True


class NacionalSandbox(HttpsSandbox):
    """A local Sefin Nacional (produção restrita). State, CA and trust live in ``data_dir``."""

    handler = _Handler
    thread_name = "sandbox-nacional"
    exige_certificado = False

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 fault_rates: dict[str, float] | None = None, seed: int | None = None,
                 slow_seconds: float = 1.0, latency: Latencia | None = None,
                 base: str = BASE, dialeto: str = "sefin"):
        super().__init__(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                         slow_seconds=slow_seconds, latency=latency)
        self.parametrizacao = Parametrizacao()
        """The ADN's municipal parameters it serves (tests change them)."""
        self.base = "/" + base.strip("/") if base.strip("/") else ""
        """The path the Sefin's routes are under: ``/SefinNacional``, or a municipal
        system's (``/sefinnacional``; ``""`` for the root)."""
        self.dialeto = DIALETOS[dialeto] if dialeto != "sefin" else None
        """A municipal system's own routes and envelope (``nfse.sandbox.nacional.pronim``...)
        under ``base`` instead of the Sefin's; None: the Sefin's API. A system whose notes
        the national environment answers for (``SEFIN_NACIONAL``) has the Sefin's routes
        under ``/SefinNacional`` on the same port (``sefin_url``)."""
        self.credenciais: dict[str, str] = {}
        """Accepted credentials and the company each belongs to (``aceitar``)."""
        partes = self.base.strip("/").split("/") if self.base else []
        self._dialeto_partes = partes if self.dialeto is not None else None
        self._base_partes: list[str] | None = partes
        if self.dialeto is not None:
            self._base_partes = BASE.strip("/").split("/") if self.dialeto.SEFIN_NACIONAL \
                else None

    def aceitar(self, credencial: str, inscricao: str) -> None:
        """Let the company ``inscricao`` in by ``credencial`` (a dialect whose system
        authenticates by credentials: ``usuario:senha`` for Basic, the key for Bearer)."""
        self.credenciais[credencial] = inscricao

    def autenticado(self, esquema: str, autorizacao: str) -> str | None:
        """The company of the request's ``Authorization`` header in ``esquema``; None when
        it is absent, of another scheme or not accepted."""
        nome, _, valor = autorizacao.partition(" ")
        if nome.lower() != esquema.lower():
            return None
        if esquema == "Basic":
            try:
                valor = base64.b64decode(valor, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return None
        return self.credenciais.get(valor.strip())

    def rota(self, partes: list[str]) -> list[str] | None:
        """The Sefin route of a request path's segments (``["nfse", chave]``...), or None
        when the path is not under the base."""
        return _sob(partes, self._base_partes)

    def rota_dialeto(self, partes: list[str]) -> list[str] | None:
        """The route of the municipal dialect (segments under ``base``), or None."""
        return _sob(partes, self._dialeto_partes)

    @property
    def sefin_url(self) -> str:
        """The Sefin's routes of this sandbox (the national environment's address)."""
        return f"https://{self.host}:{self.port}{BASE if self.dialeto is not None else self.base}"

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}{self.base}"

    @property
    def adn_url(self) -> str:
        """The ADN's distribution to taxpayers (contribuintes), served on the same port."""
        return f"https://{self.host}:{self.port}{CONTRIBUINTES}"

    @property
    def parametros_url(self) -> str:
        """The ADN's municipal parameters (parametrização), served on the same port."""
        return f"https://{self.host}:{self.port}{PARAMETROS}"

    def start(self) -> None:
        super().start()
        assert self._context is not None
        self._context.verify_flags |= _SEM_CONFERIR_VALIDADE

    def _open(self, identity: A1) -> None:
        self.estado = Estado(self.data_dir / "sefin.db")
        self.sefin = Sefin(self.estado, identity, parametrizacao=self.parametrizacao)
        self.distribuicao = Distribuicao(self.estado)

    def _close(self) -> None:
        if getattr(self, "estado", None) is not None:
            self.estado.close()

    def emitidas(self) -> list[dict[str, Any]]:
        return self.estado.emitidas()


def _sob(partes: list[str], base: list[str] | None) -> list[str] | None:
    """The segments of ``partes`` under the path ``base``; None when not under it."""
    if base is None or partes[:len(base)] != base:
        return None
    return partes[len(base):]


def run_forever(data_dir: Path, host: str, port: int, trust_files: list[Path],
                fault_rates: dict[str, float] | None = None, seed: int | None = None,
                latency: Latencia | None = None) -> None:
    sandbox = NacionalSandbox(data_dir, host, port, fault_rates=fault_rates, seed=seed,
                              latency=latency)
    sandbox.start()
    sandbox.serve_until_stopped(
        trust_files,
        f"Sandbox NFS-e Nacional em {sandbox.url}",
        f"CA do servidor: {sandbox.ca_file}",
        f"  curl --cacert {sandbox.ca_file} --cert cliente.pem --key chave.pem "
        f"{sandbox.url}/dps/DPS...",
        f"  ou NFSE_NACIONAL_URL_HOMOLOGACAO={sandbox.url} "
        f"NFSE_NACIONAL_PARAMETROS_URL_HOMOLOGACAO={sandbox.parametros_url} "
        f"NFSE_NACIONAL_CA_FILE={sandbox.ca_file}")
