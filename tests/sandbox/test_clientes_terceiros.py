"""Third-party Sefin clients against the standalone NFS-e Nacional sandbox, unchanged but for
base URL, CA and certificate: what they send must be what the sandbox accepts (issue 18,
point 8). Each client's test is skipped, saying why and how to run it, where the client is
not installed:

- nfelib's ``NfseClient`` needs ``requests`` and signs with ``erpbrasil.assinatura`` (xmlsec);
- pynfse-nacional needs ``signxml>=4``, which ``erpbrasil.assinatura`` refuses: it runs in
  a venv of its own (``NFSE_TEST_PYNFSE_PYTHON``), through ``clientes/pynfse.py``;
- pynfsenacionalgt (``pip install pynfsenacionalgt``) signs with ``erpbrasil.assinatura``;
- brans-nfe 0.2.0 imports nfelib's v1.00 bindings, gone from the nfelib 3.2 the gateway
  needs: it runs in a venv of its own (``NFSE_TEST_BRANS_PYTHON``), through
  ``clientes/brans.py``.

``.ci/run`` makes the two venvs, so CI runs every client."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from types import SimpleNamespace

import pytest

from nfse.sandbox.nacional import NacionalSandbox
from tests.sandbox import dps_nacional


def test_nfelib_client_emits_queries_and_cancels(sandbox: NacionalSandbox,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("requests", reason="o NfseClient do nfelib usa requests")
    pytest.importorskip("erpbrasil.assinatura",
                        reason="o NfseClient do nfelib assina com erpbrasil.assinatura (xmlsec)")
    from nfelib.nfse.bindings.v1_0.dps_v1_01 import Dps
    from nfelib.nfse.bindings.v1_0.ped_reg_evento_v1_01 import PedRegEvento
    from nfelib.nfse.client.v1_0.nfse import NfseClient

    a1 = dps_nacional.EMITENTE
    sandbox.trust(a1.cert)
    for nome in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):  # requests prefers these
        monkeypatch.setenv(nome, str(sandbox.ca_file))
    client = NfseClient(ambiente="2", pkcs12_data=a1.to_pfx("senha"), pkcs12_password="senha")
    client.base_url = sandbox.url  # the only change: where (and, above, which CA to trust)

    dps = Dps.from_xml(dps_nacional.xml(nDPS="1").decode())  # the client signs it
    emitida = client.envia_dps(dps)
    assert emitida.status_code == 201, emitida.body
    chave = emitida.body["chaveAcesso"]
    assert client.consulta_nfse(chave).status_code == 200
    assert client.consulta_dps(dps.infDPS.Id).body["chaveAcesso"] == chave

    # nfelib 3.2.0's PedRegEvento binding has no to_xml(): the client takes any object with
    # to_xml() and infPedReg.Id, as its docstring says, so the request goes in as text
    xml = dps_nacional.pedido_cancelamento(chave, assinar=False).decode()
    pedido = SimpleNamespace(to_xml=lambda: xml,
                             infPedReg=SimpleNamespace(Id=f"PRE{chave}101101"))
    assert not hasattr(PedRegEvento, "to_xml")
    cancelada = client.cancela_documento(chave, pedido)
    assert cancelada.status_code == 201, cancelada.body
    assert client.consulta_evento(chave, 101101).status_code == 200


def _python_com(modulo: str, variavel: str) -> str | None:
    """The interpreter to run a client's script with: the one ``variavel`` names (the
    client's own venv, made by ``.ci/run``), or this one if it has the client."""
    return os.environ.get(variavel) or (sys.executable if find_spec(modulo) else None)


def _rodar(script: str, python: str, sandbox: NacionalSandbox, tmp_path: Path) -> dict:
    """Run ``clientes/SCRIPT`` against the sandbox with the emitting company's A1; its JSON."""
    a1 = dps_nacional.EMITENTE
    sandbox.trust(a1.cert)
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(a1.to_pfx("senha"))
    feito = subprocess.run(
        [python, str(Path(__file__).parent / "clientes" / script), sandbox.url,
         str(sandbox.ca_file), str(pfx), "senha", dps_nacional.CNPJ, dps_nacional.TOMADOR,
         dps_nacional.MUNICIPIO],
        capture_output=True, text=True, timeout=120, check=False)
    assert feito.returncode == 0, feito.stderr[-3000:]
    return json.loads(feito.stdout)


def test_pynfse_nacional_emits_and_queries(sandbox: NacionalSandbox, tmp_path: Path) -> None:
    """pynfse-nacional (signs with exclusive C14N "WithComments" and RSA-SHA256) builds,
    signs and sends its own DPS; the sandbox authorizes it (a não optante without pAliq, as
    its builder sends it). It needs signxml>=4, which erpbrasil.assinatura (nfelib's
    signer) refuses: it runs in a venv of its own (``NFSE_TEST_PYNFSE_PYTHON``), through
    ``clientes/pynfse.py``."""
    python = _python_com("pynfse_nacional", "NFSE_TEST_PYNFSE_PYTHON")
    if not python:
        pytest.skip("pynfse-nacional precisa de signxml>=4, que o erpbrasil.assinatura do "
                    "gateway recusa: crie um venv próprio (pip install pynfse-nacional) e "
                    "aponte NFSE_TEST_PYNFSE_PYTHON para o seu python (o .ci/run faz isso)")
    resultado = _rodar("pynfse.py", python, sandbox, tmp_path)
    assert resultado["chave"] and resultado["consultada"], resultado
    assert [n["chaveAcesso"] for n in sandbox.emitidas()] == [resultado["chave"]]


def test_pynfsenacionalgt_emits_and_recovers_a_dps_already_emitted(
        sandbox: NacionalSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pynfsenacionalgt builds and signs its own DPS (RSA-SHA1, as its PHP reference) and
    checks HEAD /dps before sending: a second emission of the same number recovers the key
    instead of sending again. It has no cancellation. It talks to the Sefin without checking
    the server's certificate (verify=False, on purpose), so only the URL changes."""
    pytest.importorskip("erpbrasil.assinatura",
                        reason="pynfsenacionalgt assina com erpbrasil.assinatura (xmlsec)")
    gt = pytest.importorskip("pynfsenacional",
                             reason="pynfsenacionalgt não instalado (pip install "
                                    "pynfsenacionalgt)")
    from pynfsenacional import sefin

    a1 = dps_nacional.EMITENTE
    sandbox.trust(a1.cert)
    pfx = tmp_path / "a1.pfx"
    pfx.write_bytes(a1.to_pfx("senha"))
    monkeypatch.setitem(sefin.ENDPOINTS, "homologacao", sandbox.url)  # the only change
    config = gt.ClienteConfig.from_dict({
        "id": "teste", "nome_cliente": "EMPRESA TESTE LTDA",
        "certificado": {"path": str(pfx), "senha": "senha"},
        "prestador": {"cnpj": dps_nacional.CNPJ, "codigo_municipio": dps_nacional.MUNICIPIO,
                      "regime": {"opSimpNac": 3, "regApTribSN": 1}},
        "servico": {"codigo_municipio_prestacao": dps_nacional.MUNICIPIO, "cTribNac": "010701",
                    "tributos": {"pTotTribSN": "6.00"}}})
    emissor = gt.Emissor(config, out_dir=tmp_path)
    tomador = {"cpf_cnpj": dps_nacional.TOMADOR, "nome": "Tomador Teste Ltda"}
    nota = emissor.emitir(valor=100.0, descricao="Sistemas", tomador=tomador, numero="1")
    assert nota.emitida and nota.status == "ok", nota.erro_msg
    assert [n["chaveAcesso"] for n in sandbox.emitidas()] == [nota.chave_acesso]
    de_novo = emissor.emitir(valor=100.0, descricao="Sistemas", tomador=tomador, numero="1")
    assert de_novo.status == "ja_emitida" and de_novo.chave_acesso == nota.chave_acesso
    assert len(sandbox.emitidas()) == 1


def test_brans_nfe_emits_queries_and_cancels(sandbox: NacionalSandbox, tmp_path: Path) -> None:
    """brans-nfe builds with nfelib's v1.00 bindings (a DPS of layout 1.00, vTotTrib for a
    não optante), signs with RSA-SHA1 and cancels with its own pedRegEvento."""
    python = os.environ.get("NFSE_TEST_BRANS_PYTHON")
    if not python:
        pytest.skip("brans-nfe 0.2.0 importa os bindings v1.00 do nfelib, ausentes do nfelib "
                    "3.2 que o gateway exige: crie um venv próprio (pip install brans-nfe "
                    "'nfelib==2.5.3'; o 2.6 não tem o TctribNacional que ele usa) e aponte "
                    "NFSE_TEST_BRANS_PYTHON para o seu python (o .ci/run faz isso)")
    resultado = _rodar("brans.py", python, sandbox, tmp_path)
    [emitida] = sandbox.emitidas()
    assert resultado["chave"] == emitida["chaveAcesso"] == resultado["dps"]
    assert resultado["existe"] and resultado["evento"] and resultado["consulta_evento"]
