"""The hostile corpus: request bodies and URLs an attacker or a careless client sends. Each
case is refused with a Focus-format 4xx and leaves nothing stored."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tests.support import nota_exemplo, nota_plana


@dataclass(frozen=True)
class Caso:
    nome: str
    method: str
    path: str
    body: bytes | None = None
    admin: bool = False


def _nota(**servico: Any) -> bytes:
    base = nota_exemplo()
    return json.dumps(nota_exemplo(servico={**base["servico"], **servico})).encode()


def _texto(value: str) -> bytes:
    """A note whose discriminação is ``value``, escaped as JavaScript would send it."""
    return _nota(discriminacao=value)


VALIDA = json.dumps(nota_exemplo()).encode()
DISC = json.dumps(nota_exemplo()["servico"]["discriminacao"])

CORPOS: dict[str, bytes] = {
    # type confusion
    "lista": b"[]", "texto": b'"nota"', "numero": b"1", "nulo": b"null", "verdadeiro": b"true",
    "prestador texto": json.dumps(nota_exemplo(prestador="x")).encode(),
    "servico lista": json.dumps(nota_exemplo(servico=[])).encode(),
    "discriminacao objeto": _nota(discriminacao={"a": 1}),
    "discriminacao lista": _nota(discriminacao=["a", "b"]),
    "valor texto": _nota(valor_servicos="abc"), "valor lista": _nota(valor_servicos=[1]),
    "valor booleano": _nota(valor_servicos=True), "aliquota objeto": _nota(aliquota={}),
    "tomador numero": json.dumps(nota_exemplo(tomador=12)).encode(),
    # NaN and Infinity, numbers out of range
    "nan": VALIDA.replace(b'"valor_servicos": 1.0', b'"valor_servicos": NaN'),
    "infinity": VALIDA.replace(b'"valor_servicos": 1.0', b'"valor_servicos": Infinity'),
    "-infinity": VALIDA.replace(b'"valor_servicos": 1.0', b'"valor_servicos": -Infinity'),
    "1e999": VALIDA.replace(b'"valor_servicos": 1.0', b'"valor_servicos": 1e999'),
    "inteiro 5000 digitos": VALIDA.replace(b'"valor_servicos": 1.0',
                                           b'"valor_servicos": ' + b"9" * 5000),
    "inteiro negativo enorme": b'{"x": -' + b"1" * 4400 + b"}",
    "valor 1e300": VALIDA.replace(b'"valor_servicos": 1.0', b'"valor_servicos": 1e300'),
    "valor negativo": _nota(valor_servicos=-5),
    # deep nesting
    "listas aninhadas": b"[" * 100_000 + b"]" * 100_000,
    "objetos aninhados": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "aninhado raso demais": b'{"a":' * 40 + b"1" + b"}" * 40,
    # invalid UTF-8 and lone surrogates
    "utf8 invalido": VALIDA.replace(DISC.encode(), b'"servi\xe7o"'),
    "utf8 overlong": VALIDA.replace(DISC.encode(), b'"\xc0\xaf"'),
    "surrogate cru": VALIDA.replace(DISC.encode(), b'"a\xed\xa0\x80b"'),
    "surrogate escapado": VALIDA.replace(DISC.encode(), b'"corte \\ud83d"'),
    "surrogate baixo escapado": VALIDA.replace(DISC.encode(), b'"\\ude00 x"'),
    "surrogates invertidos": VALIDA.replace(DISC.encode(), b'"\\ude00\\ud83d"'),
    "surrogate em chave": b'{"\\ud800": 1}',
    "utf16 com surrogate": '{"a": "X"}'.encode("utf-16-le").replace("X".encode("utf-16-le"),
                                                                   b"\x00\xd8"),
    # control characters
    "nul escapado": _texto("a\u0000b"), "escape ansi": _texto("\u001b[31mvermelho"),
    "controle cru": VALIDA.replace(DISC.encode(), b'"a\x01b"'),
    "del": _texto("a\u007fb"), "c1": _texto("a\u0085b"),
    # duplicate keys
    "chave repetida": b'{"servico": {}, "servico": {"discriminacao": "x"}}',
    "chave repetida aninhada": VALIDA.replace(b'"aliquota": 3', b'"aliquota": 3, "aliquota": 5'),
    # impossible dates
    "30 de fevereiro": json.dumps(nota_exemplo(data_emissao="2026-02-30T10:00:00")).encode(),
    "ano 9999": json.dumps(nota_exemplo(data_emissao="9999-12-31T23:59:59")).encode(),
    "ano 1": json.dumps(nota_exemplo(data_emissao="0001-01-01T00:00:00")).encode(),
    "mes 13": json.dumps(nota_exemplo(data_emissao="2026-13-01")).encode(),
    "data numero": json.dumps(nota_exemplo(data_emissao=-1)).encode(),
    "data objeto": json.dumps(nota_exemplo(data_emissao={"ano": 2026})).encode(),
    # text the documents cannot carry
    "emoji": _texto("Consultoria 😀"), "bom": _texto("\ufeffConsultoria"),
    "rlo": _texto("Consultoria \u202efdp.exe"), "combinante": _texto("Servic\u0327o"),
    "cjk": _texto("咨询服务"), "zwj": _texto("a\u200db"),
    # not JSON at all
    "vazio": b"", "espacos": b"   ", "lixo": b"\x00\x01\x02", "xml": b"<nota/>",
    "json truncado": VALIDA[:-10],
}

REFS = ["../x", "a b", "r" * 101, "ção", "%00", "a;DROP", "a%0d%0aX:1", "\u202eref", ""]


def casos() -> list[Caso]:
    found = [Caso(f"POST /v2/nfse {nome}", "POST", "/v2/nfse?ref=hostil", corpo)
             for nome, corpo in CORPOS.items()]
    found += [Caso(f"POST /v2/nfsen {nome}", "POST", "/v2/nfsen?ref=hostil", corpo)
              for nome, corpo in CORPOS.items() if nome in (
                  "nan", "inteiro 5000 digitos", "listas aninhadas", "surrogate escapado",
                  "emoji", "chave repetida", "utf8 invalido")]
    plana = nota_plana(descricao_servico="Consultoria \ud83d\ude00")
    found.append(Caso("POST /v2/nfsen emoji plano", "POST", "/v2/nfsen?ref=hostil",
                      json.dumps(plana).encode()))
    plana = nota_plana(data_emissao="9999-01-01T00:00:00-03:00")
    found.append(Caso("POST /v2/nfsen ano 9999", "POST", "/v2/nfsen?ref=hostil",
                      json.dumps(plana).encode()))
    found += [Caso(f"POST ref {ref!r}", "POST", f"/v2/nfse?ref={ref}", VALIDA) for ref in REFS]
    for nome in ("nan", "inteiro 5000 digitos", "listas aninhadas", "surrogate escapado",
                 "utf8 invalido", "chave repetida", "lista", "emoji"):
        corpo = CORPOS[nome]
        found += [
            Caso(f"DELETE nota {nome}", "DELETE", "/v2/nfse/nao-existe", corpo),
            Caso(f"POST email {nome}", "POST", "/v2/nfse/nao-existe/email", corpo),
            Caso(f"POST hook {nome}", "POST", "/v2/hooks", corpo),
            Caso(f"POST empresa {nome}", "POST", "/v2/empresas", corpo, admin=True),
            Caso(f"PUT empresa {nome}", "PUT", "/v2/empresas/1", corpo, admin=True),
        ]
    enorme = "9" * 40
    found += [
        Caso("GET empresa id enorme", "GET", f"/v2/empresas/{enorme}", admin=True),
        Caso("PUT empresa id enorme", "PUT", f"/v2/empresas/{enorme}", b"{}", admin=True),
        Caso("DELETE empresa id enorme", "DELETE", f"/v2/empresas/{enorme}", admin=True),
        Caso("tokens id enorme", "POST", f"/v2/empresas/{enorme}/tokens", admin=True),
        Caso("export id enorme", "GET", f"/v2/empresas/{enorme}/export", admin=True),
        Caso("empresa id negativo", "GET", "/v2/empresas/-1", admin=True),
        Caso("ref com NUL no caminho", "DELETE", "/v2/nfse/a%00b", b"{}"),
        Caso("ref com controle no caminho", "GET", "/v2/nfse/a%0Ab"),
        Caso("cnpj com NUL", "GET", "/v2/empresas?cnpj=1%002", admin=True),
        Caso("hook com NUL no caminho", "GET", "/v2/hooks/a%00"),
        Caso("empresa id além do INTEGER", "PUT", f"/v2/empresas/{2**31}", b"{}", admin=True),
        Caso("empresa id texto", "GET", "/v2/empresas/abc", admin=True),
        Caso("nota admin id além do INTEGER", "GET", f"/v2/admin/notas/{2**31}", admin=True),
        Caso("nota admin id de 10 dígitos", "GET", "/v2/admin/notas/7667481639", admin=True),
        Caso("offset enorme", "GET", f"/v2/empresas?offset={enorme}", admin=True),
        Caso("offset 5000 digitos", "GET", "/v2/empresas?offset=" + "9" * 5000, admin=True),
    ]
    empresa = {"cnpj": "07504505000132", "nome": "OUTRA LTDA", "inscricao_municipal": "1",
               "codigo_municipio": "4106902"}
    for campo, valor in (("smtp_port", "abc"), ("smtp_port", 1e30), ("smtp_port", 70000),
                         ("proximo_numero_nfse_homologacao", "9" * 30),
                         ("proximo_numero_nfse_producao", -3),
                         ("nome", {"a": 1}), ("regime_tributario", [1])):
        found.append(Caso(f"POST empresa {campo}={str(valor)[:20]}", "POST", "/v2/empresas",
                          json.dumps(empresa | {campo: valor}).encode(), admin=True))
    hook = {"event": "nfse", "url": "https://example.com/nfse"}
    for campo, valor in (("url", "http://[::1/"), ("url", "http://example.com:99999/"),
                         ("url", "http://exa\u0000mple.com/"), ("url", "http://x/" + "a" * 100_000),
                         ("url", "ftp://example.com/"), ("url", "http://169.254.169.254/"),
                         ("url", "http://10.0.0.1./"), ("url", "http://0x7f000001/"),
                         ("url", "http://[fd00::1]/"), ("url", "http://localhost/"),
                         ("authorization", "a\r\nX-Injetado: 1"),
                         ("authorization_header", "Host"),
                         ("authorization_header", "Content-Length"),
                         ("authorization_header", "X Bad"), ("event", ["nfse"]),
                         ("secret", "s" * 1000)):
        found.append(Caso(f"POST hook {campo}={valor[:30]!r}", "POST", "/v2/hooks",
                          json.dumps(hook | {campo: valor}).encode()))
    return found
