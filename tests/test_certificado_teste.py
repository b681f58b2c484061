"""``certificado_teste`` in the companies service: a test A1 from the data directory's test
CA for the company's own CNPJ, only where the demo's sandboxes (which trust that CA) run."""

from __future__ import annotations

import pytest

from nfse import cadastro, demo
from nfse.admin import criar_empresa
from nfse.certs import teste
from nfse.certs.generate import generate_a1
from nfse.runtime import Runtime
from nfse.store import empresas

EMPRESA = {"cnpj": "11444777000161", "nome": "EMPRESA NOVA LTDA", "inscricao_municipal": "9",
           "codigo_municipio": "3516200", "certificado_teste": True}


def test_without_the_demos_ca_a_test_certificate_is_refused(runtime: Runtime) -> None:
    with pytest.raises(cadastro.ErroValidacao, match="nfse serve --demo"):
        cadastro.criar(runtime, EMPRESA)


def test_a_test_certificate_is_issued_by_the_ca_for_the_companys_cnpj(
        runtime: Runtime) -> None:
    ca = teste.ac_teste(runtime.settings.data_dir)
    criada = cadastro.criar(runtime, EMPRESA)
    with runtime.engine.connect() as conn:
        a1 = empresas.load_a1(conn, runtime.box, criada["id"])
    assert a1.cnpj == EMPRESA["cnpj"] and criada["certificado_cnpj"] == EMPRESA["cnpj"]
    assert a1.cert.issuer == ca.cert.subject
    assert teste.emitido_pela_ac(a1, runtime.settings.data_dir)
    with pytest.raises(cadastro.RequisicaoInvalida):
        cadastro.atualizar(runtime, criada["id"], {"certificado_teste": True,
                                                   "arquivo_certificado_base64": "eA=="})


def test_the_demo_company_gets_a_certificate_from_the_ca(runtime: Runtime) -> None:
    """A new demo company's A1 comes from the test CA; an older data directory's
    self-signed one is replaced, since the sandboxes now trust the CA, not one certificate."""
    antigo = generate_a1(demo.CNPJ, demo.NOME)
    criar_empresa(runtime, cnpj=demo.CNPJ, nome=demo.NOME,
                  inscricao_municipal=demo.INSCRICAO_MUNICIPAL,
                  codigo_municipio=demo.CODIGO_MUNICIPIO, pfx=antigo.to_pfx("s"), senha="s")
    empresa = demo.ensure_demo(runtime, "http://127.0.0.1:8000").empresa
    with runtime.engine.connect() as conn:
        a1 = empresas.load_a1(conn, runtime.box, empresa.id)
    assert a1.cert != antigo.cert and a1.cnpj == demo.CNPJ
    assert teste.emitido_pela_ac(a1, runtime.settings.data_dir)
