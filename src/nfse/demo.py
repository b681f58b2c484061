"""The demo of ``nfse serve --demo``: sandboxes that trust the data directory's test CA
(``certs.teste``, standing in for ICP-Brasil), a company with an A1 from that CA, a
homologação token, and ``DIR/demo.json`` describing them. Any company with a test A1 from the
same CA (``nfse empresa criar --certificado-teste``) works against the sandboxes too.

The demo company sits in Franca/SP, whose own system (SilTecnologia) takes the NFS-e the
emitter builds around the DPS: the demo's Nacional sandbox plays both that system's endpoint
(``/services/NotaFiscalNacional``, dialect ``siltecnologia``) and, on the same port, the
national environment where its notes are queried and every other municipality's DPS goes.
Franca's homologação is pointed at it by a municipalities file the demo writes in the data
directory (``municipios-demo.toml``), used as ``NFSE_MUNICIPIOS_FILE`` unless the operator
named one; the shipped registry sends SilTecnologia's homologação to the national one."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from nfse import cadastro
from nfse.admin import criar_empresa
from nfse.certs import teste
from nfse.config import Settings
from nfse.municipios import routing
from nfse.providers.paulistana.pedidos import xsd_dir as xsd_dir_paulistana
from nfse.runtime import Runtime
from nfse.sandbox.abrasf import AbrasfSandbox
from nfse.sandbox.abrasf1 import Abrasf1Sandbox
from nfse.sandbox.ipm import IpmSandbox
from nfse.sandbox.nacional import NacionalSandbox
from nfse.sandbox.paulistana import PaulistanaSandbox
from nfse.store import admin_tokens, empresas

CNPJ = "11222333000181"
NOME = "EMPRESA DEMONSTRACAO LTDA"
INSCRICAO_MUNICIPAL = "12345"
CODIGO_MUNICIPIO = "3516200"
"""Franca/SP: its own system (SilTecnologia) takes the NFS-e built around the DPS at its own
address; in the demo, at the Nacional sandbox playing it (``BASE_SILTECNOLOGIA``)."""
BASE_SILTECNOLOGIA = "/services/NotaFiscalNacional"
"""The path of SilTecnologia's web service in a city's address (``sistemas/siltecnologia.toml``)."""
ENDERECO = {"logradouro": "Avenida Champagnat", "numero": "1808", "bairro": "Centro",
            "cep": "14400000", "uf": "SP"}
"""The demo company's registered address, which SilTecnologia's NFS-e carries."""
MUNICIPIO_IPM = "4104808"
"""Cascavel/PR, IPM's own layout 1.01: its homologação goes to the demo's IPM sandbox, where
the demo company logs in with its portal user (``senha_ipm``)."""
MUNICIPIO_ABRASF = "5102504"
"""Cáceres/MT, RLZ on the ABRASF reference WSDL (profile ``abrasf_204``): its homologação goes
to the demo's ABRASF sandbox."""


@dataclass(frozen=True)
class Demo:
    base_url: str
    token: str
    empresa: empresas.Empresa
    admin_token: str = ""

    def curl(self) -> str:
        lines = []
        for ref, municipio in (("exemplo-1", CODIGO_MUNICIPIO), ("exemplo-abrasf-1",
                                                                  MUNICIPIO_ABRASF)):
            nota = {
                "data_emissao": date.today().isoformat(),
                "prestador": {"cnpj": CNPJ, "inscricao_municipal": INSCRICAO_MUNICIPAL,
                              "codigo_municipio": municipio},
                "servico": {"valor_servicos": "100.00",
                            "discriminacao": "Serviço de demonstração", "iss_retido": False,
                            "item_lista_servico": "0107", "aliquota": "2"},
            }
            lines += [f"  curl -u '{self.token}:' -X POST '{self.base_url}/v2/nfse?ref={ref}' "
                      f"-d '{json.dumps(nota, ensure_ascii=False)}'",
                      f"  curl -u '{self.token}:' {self.base_url}/v2/nfse/{ref}"]
        return "\n".join(lines)

    def as_json(self) -> dict[str, str]:
        return {"base_url": self.base_url, "token": self.token,
                "admin_token": self.admin_token, "cnpj": CNPJ,
                "inscricao_municipal": INSCRICAO_MUNICIPAL,
                "codigo_municipio": CODIGO_MUNICIPIO}


def senha_ipm(settings: Settings) -> str:
    """The demo company's password at the IPM sandbox's portal, made on the first start and
    kept in the data directory, so the sandbox and the company agree on every start."""
    path = Path(settings.data_dir) / "sandbox-ipm" / "senha-portal-demo"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(15))
        path.chmod(0o600)
    return path.read_text().strip()


def municipios_demo(settings: Settings, url_siltecnologia: str) -> Path:
    """The demo's municipalities file: Franca's shipped entry with its homologação at the
    sandbox playing SilTecnologia (``url_siltecnologia``), rewritten on every start (the
    sandbox's port may change)."""
    franca = routing.rota(CODIGO_MUNICIPIO)
    path = Path(settings.data_dir) / "municipios-demo.toml"
    path.write_text(f'[municipios."{CODIGO_MUNICIPIO}"]  # Franca/SP\n'
                    f'sistema = "{franca.sistema}"\nperfil = "{franca.perfil}"\n'
                    f'url_producao = "{franca.url("producao")}"\n'
                    f'url_homologacao = "{url_siltecnologia}"\n', encoding="utf-8")
    return path


def start_sandboxes(settings: Settings, nacional_port: int = 0, abrasf_port: int = 0
                    ) -> list[NacionalSandbox | AbrasfSandbox | PaulistanaSandbox | IpmSandbox
                              | Abrasf1Sandbox]:
    """Start the Nacional (with SilTecnologia's endpoint), ABRASF, Paulistana, IPM and
    ABRASF 1.0 (Ginfes) sandboxes (the first two on these ports; 0: any free one), trusting
    the test CA as the authorities trust ICP-Brasil, and point homologação at them (the
    ABRASF 1.0 provider's through ``NFSE_ABRASF_V1_URL_HOMOLOGACAO``/``_CA_FILE``, as it has
    no field of its own; Franca's through ``municipios_demo``)."""
    nacional = NacionalSandbox(settings.data_dir / "sandbox-nacional", port=nacional_port,
                               base=BASE_SILTECNOLOGIA, dialeto="siltecnologia")
    nacional.start()
    if settings.municipios_file is None:
        settings.municipios_file = municipios_demo(settings, nacional.url)
    settings.nacional_url_homologacao = nacional.sefin_url
    settings.nacional_parametros_url_homologacao = nacional.parametros_url
    settings.nacional_adn_url_homologacao = nacional.adn_url
    settings.nacional_ca_file = str(nacional.ca_file)
    xsd = os.environ.get("NFSE_ABRASF_XSD_DIR")
    abrasf = AbrasfSandbox(settings.data_dir / "sandbox-abrasf", port=abrasf_port,
                           xsd_dir=Path(xsd) if xsd else None)
    abrasf.start()
    settings.abrasf_url_homologacao = abrasf.url
    settings.abrasf_ca_file = str(abrasf.ca_file)
    paulistana = PaulistanaSandbox(settings.data_dir / "sandbox-paulistana",
                                   xsd_dir=xsd_dir_paulistana())
    paulistana.start()
    settings.paulistana_url_homologacao = paulistana.url
    settings.paulistana_ca_file = str(paulistana.ca_file)
    ipm = IpmSandbox(settings.data_dir / "sandbox-ipm")
    ipm.start()
    ipm.aceitar(CNPJ, senha_ipm(settings))
    settings.ipm_url_homologacao = ipm.url
    settings.ipm_ca_file = str(ipm.ca_file)
    ginfes = Abrasf1Sandbox(settings.data_dir / "sandbox-ginfes")
    ginfes.start()
    os.environ["NFSE_ABRASF_V1_URL_HOMOLOGACAO"] = ginfes.url
    os.environ["NFSE_ABRASF_V1_CA_FILE"] = str(ginfes.ca_file)
    ac = teste.ac_teste(settings.data_dir)
    for sandbox in (nacional, abrasf, paulistana, ipm, ginfes):
        sandbox.trust(ac.cert)
    return [nacional, abrasf, paulistana, ipm, ginfes]


def ensure_demo(runtime: Runtime, base_url: str) -> Demo:
    """Create the demo company on first start; on every start make sure the token to print
    is valid (``NFSE_DEMO_TOKEN`` if set, else a new one: only hashes are stored)."""
    path = Path(runtime.settings.data_dir) / "demo.json"
    anterior = _anterior(path)
    with runtime.engine.connect() as conn:
        # a token of the previous start is reused while it was not revoked
        if anterior.get("token") and not empresas.token_exists(conn, anterior["token"]):
            anterior.pop("token")
        if anterior.get("admin_token") and not admin_tokens.valido(conn,
                                                                  anterior["admin_token"]):
            anterior.pop("admin_token")
    token = (os.environ.get("NFSE_DEMO_TOKEN") or anterior.get("token")
             or secrets.token_urlsafe(24))
    with runtime.engine.connect() as conn:
        empresa = empresas.find_by_cnpj(conn, CNPJ)
    if empresa is None:
        password = secrets.token_urlsafe(12)
        a1 = teste.a1_teste(runtime.settings.data_dir, CNPJ, NOME)
        empresa = criar_empresa(
            runtime, cnpj=CNPJ, nome=NOME, inscricao_municipal=INSCRICAO_MUNICIPAL,
            codigo_municipio=CODIGO_MUNICIPIO, pfx=a1.to_pfx(password), senha=password,
            regime_tributario=3, token_homologacao=token,
            # the demo is homologação, where e-mail to the tomador is off unless enabled
            enviar_email_destinatario=True,
        ).empresa
    else:
        with runtime.engine.begin() as conn:
            if not empresas.token_exists(conn, token):
                empresas.criar_token(conn, empresa.id, "homologacao", token)
            a1 = empresas.load_a1(conn, runtime.box, empresa.id)
        if not teste.emitido_pela_ac(a1, runtime.settings.data_dir):
            # a data directory from before the test CA: its sandboxes no longer trust the
            # company's self-signed certificate
            cadastro.atualizar(runtime, empresa.id, {"certificado_teste": True})
    with runtime.engine.begin() as conn:
        if empresas.credenciais_prefeitura(conn, runtime.box, empresa.id)[0] is None:
            empresas.atualizar(conn, empresa.id, {  # its user at the IPM sandbox's portal
                "login_responsavel": CNPJ,
                "senha_responsavel": runtime.box.seal(senha_ipm(runtime.settings).encode())})
    with runtime.engine.connect() as conn:
        endereco = empresas.get_empresa(conn, empresa.id).endereco
    if endereco is None or not (endereco.logradouro and endereco.numero and endereco.bairro
                                and endereco.cep):
        cadastro.atualizar(runtime, empresa.id, ENDERECO)  # SilTecnologia's NFS-e carries it
    admin = os.environ.get("NFSE_DEMO_ADMIN_TOKEN") or anterior.get("admin_token")
    with runtime.engine.begin() as conn:
        if not (admin and admin_tokens.valido(conn, admin)):
            admin = admin_tokens.criar(conn, "demo", admin)
    demo = Demo(base_url=base_url, token=token, empresa=empresa, admin_token=admin)
    path.write_text(json.dumps(demo.as_json(), indent=2) + "\n")
    path.chmod(0o600)
    return demo


def _anterior(path: Path) -> dict[str, str]:
    """The tokens of the previous start (``demo.json``): reused, so a restart neither
    invalidates what the user copied nor leaves a trail of valid tokens behind."""
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) \
        else {}
