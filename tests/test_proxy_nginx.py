"""deploy/nginx/nfse.conf exercised on loopback with a local CA (issue 23.4): HTTP is
redirected to HTTPS, the API answers through the proxy, and with NFSE_PUBLIC_URL set to the
proxy's address a note's public URLs point at it and open there."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization

from nfse.certs.generate import generate_ca, generate_server_cert
from tests.support import Gateway, free_port, nota_exemplo

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SITE = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "nfse.conf"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(NGINX is None, reason="nginx ausente (apt-get install nginx)")]


def _site(http: int, https: int, api: int, cert: Path, key: Path) -> str:
    """The shipped site with loopback ports and the test's certificate."""
    site = SITE.read_text()
    site = re.sub(r"\n\s*listen \[::\][^\n]*", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    assert "proxy_pass http://127.0.0.1:8000;" in site
    return site.replace("proxy_pass http://127.0.0.1:8000;", f"proxy_pass http://127.0.0.1:{api};")


@pytest.fixture
def proxy(gateway: Gateway, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca = generate_ca("CA local de teste")
    servidor = generate_server_cert(ca, ("127.0.0.1", "nfse.example.com.br"))
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.write_bytes(servidor.cert_pem() + ca.cert_pem())
    key.write_bytes(servidor.key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    ca_file.write_bytes(ca.cert_pem())
    http, https = free_port(), free_port()
    api = int(gateway.base_url.rsplit(":", 1)[1])
    (tmp_path / "site.conf").write_text(_site(http, https, api, cert, key))
    temporarios = "".join(f" {nome}_temp_path {tmp_path / nome};"
                          for nome in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"daemon off; pid {tmp_path / 'nginx.pid'}; error_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{ access_log off;{temporarios}\n"
        f"include {tmp_path / 'site.conf'}; }}\n")
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                             "-e", str(tmp_path / "error.log")])
    base = f"https://127.0.0.1:{https}"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.get(base + "/readyz", verify=str(ca_file))
            break
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, \
                (tmp_path / "error.log").read_text()
            time.sleep(0.05)
    gateway.runtime.settings.public_url = base
    try:
        yield base, ca_file
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_https_through_nginx(gateway: Gateway, proxy: tuple[str, Path]) -> None:
    base, ca_file = proxy
    porta_http = int(re.search(r"listen 127\.0\.0\.1:(\d+);", (ca_file.parent / "site.conf")
                               .read_text()).group(1))
    redirecionado = httpx.get(f"http://127.0.0.1:{porta_http}/v2/nfse/x")
    assert redirecionado.status_code == 301
    assert redirecionado.headers["location"].startswith("https://127.0.0.1")
    with httpx.Client(base_url=base, verify=str(ca_file), auth=(gateway.token, ""),
                      timeout=30) as cliente:
        assert cliente.post("/v2/nfse?ref=pelo-proxy", json=nota_exemplo()).status_code == 202
        deadline = time.monotonic() + 20
        while (nota := cliente.get("/v2/nfse/pelo-proxy").json())["status"] == \
                "processando_autorizacao":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert nota["status"] == "autorizado", nota
        assert nota["url"].startswith(base + "/") and nota["url_danfse"].startswith(base + "/")
        pdf = httpx.get(nota["url_danfse"], verify=str(ca_file))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert cliente.get("/v2/nfse/pelo-proxy", auth=("errado", "")).status_code == 401
