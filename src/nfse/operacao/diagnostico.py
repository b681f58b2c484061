"""``nfse diagnostico``: can this company reach its authority? Each step says what it found,
so the first failing one names the problem: the certificate (opens with the stored key, its
CNPJ, its expiry), the authority's address for the municipality, DNS, TLS (the server's
certificate against the trust store, with the company's A1 as client certificate), and an
answer of the authority to a query for an RPS/DPS number no note uses. Nothing is issued."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from nfse.certs.a1 import A1
from nfse.certs.tls import client_context
from nfse.model.nfse import parse_nfse
from nfse.municipios.routing import provider_for
from nfse.providers.base import Emissor, Result, Rps
from nfse.providers.registry import get_provider
from nfse.runtime import Runtime
from nfse.store import empresas

RPS_SONDA = Rps(serie="99999", numero=999_999_999)
"""A number of a series no company uses: the query can only find nothing."""


@dataclass(frozen=True)
class Passo:
    nome: str
    ok: bool
    detalhe: str


def _certificado(a1: A1, documento: str) -> Passo:
    dias = (a1.not_after - datetime.now(UTC)).days
    dono = a1.cnpj or "?"
    if a1.expired():
        return Passo("certificado", False, f"vencido em {a1.not_after:%d/%m/%Y}")
    if dono[:8] != documento[:8] and dono != documento:
        return Passo("certificado", False, f"pertence a {dono}, não a {documento}")
    return Passo("certificado", True, f"A1 de {dono}, válido até {a1.not_after:%d/%m/%Y} "
                                      f"({dias} dias)")


def _dns(host: str, porta: int) -> Passo:
    try:
        enderecos = sorted({info[4][0] for info in socket.getaddrinfo(host, porta,
                                                                      type=socket.SOCK_STREAM)})
    except OSError as exc:
        return Passo("DNS", False, f"{host} não resolve: {exc}")
    return Passo("DNS", True, f"{host} → {', '.join(enderecos)}")


def _tls(host: str, porta: int, emissor: Emissor) -> Passo:
    contexto = client_context(emissor.a1, emissor.ca_file)
    try:
        with socket.create_connection((host, porta), timeout=emissor.timeout) as bruto, \
                contexto.wrap_socket(bruto, server_hostname=host) as tls:
            servidor = tls.getpeercert() or {}
            versao = tls.version()
    except ssl.SSLCertVerificationError as exc:
        return Passo("TLS", False, f"o certificado do servidor não é confiável: "
                                   f"{exc.verify_message} (confira o repositório de ACs"
                                   f"{' ' + emissor.ca_file if emissor.ca_file else ''})")
    except (OSError, ssl.SSLError) as exc:
        return Passo("TLS", False, f"sem conexão TLS com {host}:{porta}: {exc}")
    validade = servidor.get("notAfter", "?")
    return Passo("TLS", True, f"{versao}, certificado do servidor válido até {validade}, "
                              "certificado de cliente (A1) apresentado")


def _resposta(runtime: Runtime, empresa: empresas.Empresa, emissor: Emissor,
              provedor: str) -> Passo:
    nota = parse_nfse({
        "data_emissao": datetime.now(UTC).isoformat(),
        "prestador": {"cnpj": empresa.cnpj, "cpf": empresa.cpf,
                      "inscricao_municipal": empresa.inscricao_municipal or "0",
                      "codigo_municipio": empresa.codigo_municipio},
        "servico": {"valor_servicos": "1.00", "iss_retido": False, "item_lista_servico": "0107",
                    "discriminacao": "Diagnóstico de conectividade"},
    })
    resultado = get_provider(provedor).query(nota, RPS_SONDA, emissor)
    if resultado.result == Result.NOT_FOUND:
        return Passo("autoridade", True, "respondeu à consulta de um RPS/DPS inexistente "
                                         "(nada foi emitido)")
    if resultado.result == Result.AUTHORIZED:
        return Passo("autoridade", True, "respondeu à consulta (o número de teste existe)")
    return Passo("autoridade", False, resultado.mensagem or "sem resposta útil")


def diagnosticar(runtime: Runtime, empresa: empresas.Empresa,
                 ambiente: str) -> Iterator[Passo]:
    """The steps, in order; stops at the first that fails (the next ones need it)."""
    try:
        with runtime.engine.connect() as conn:
            a1 = empresas.load_a1(conn, runtime.box, empresa.id)
    except Exception as exc:  # noqa: BLE001 - any failure to open it is the answer here
        yield Passo("certificado", False, f"não abre com a chave deste servidor "
                                          f"(secret.key/NFSE_SECRET_KEY): {exc}")
        return
    passo = _certificado(a1, empresa.documento)
    yield passo
    if not passo.ok:
        return
    provedor = provider_for(empresa.codigo_municipio)
    emissor = runtime.emissores.for_empresa(empresa, ambiente, provedor,
                                            empresa.codigo_municipio)
    endereco = urlsplit(emissor.base_url)
    if endereco.scheme != "https" or not endereco.hostname:
        yield Passo("endereço", False, f"sem endereço HTTPS de {provedor} em {ambiente} para o "
                                       f"município {empresa.codigo_municipio}")
        return
    yield Passo("endereço", True, f"{provedor} em {ambiente}: {emissor.base_url}")
    host, porta = endereco.hostname, endereco.port or 443
    etapas: list[Callable[[], Passo]] = [
        lambda: _dns(host, porta), lambda: _tls(host, porta, emissor),
        lambda: _resposta(runtime, empresa, emissor, provedor)]
    for etapa in etapas:
        passo = etapa()
        yield passo
        if not passo.ok:
            return
