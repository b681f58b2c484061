"""Every byte of the signed DPS, pinned for fixed notes: the pipeline is tuned for speed
(``bench/pipeline.py``), and a faster build must write the very same document. The expected
documents live in ``dados/dps_bytes/``, written by the code before any such change; the two
values that depend on the key (SignatureValue, X509Certificate) are elided there, and the
signature is verified instead: RSA PKCS#1 v1.5 is deterministic, so with the SignedInfo
pinned (its digest covers every byte of infDPS) the whole document is."""

from __future__ import annotations

import base64
import gzip
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.a1 import document_of
from nfse.certs.generate import generate_a1
from nfse.fuso import SAO_PAULO
from nfse.model.nfse import parse_nfse
from nfse.providers.base import Emissor, Rps
from nfse.providers.nacional import respostas
from nfse.providers.nacional.dps import DpsInvalida, build_dps
from nfse.sandbox.nacional.assinatura import verificar
from nfse.xml.validate import nacional_schema_dir, validate
from tests.support import CNPJ, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
NOW = datetime(2026, 11, 24, 10, 0, 0, tzinfo=SAO_PAULO)
DADOS = Path(__file__).parent / "dados" / "dps_bytes"
_KEYED = re.compile(rb"<(SignatureValue|X509Certificate)>[^<]*</\1>")

REFORMA = {"codigo_indicador_operacao": "100301", "ibs_cbs_situacao_tributaria": "000",
           "ibs_cbs_classificacao_tributaria": "000001", "codigo_nbs": "1.1502.10.00"}


def _servico(**campos: object) -> dict:
    return nota_exemplo()["servico"] | campos


NOTAS: dict[str, tuple[dict, int | None]] = {
    "exemplo": (nota_exemplo(), 3),
    "simples_retencoes": (nota_exemplo(
        optante_simples_nacional="1", servico=_servico(
            valor_servicos="1000", iss_retido=True, desconto_incondicionado=10,
            desconto_condicionado=5, valor_deducoes=20, valor_ir="15", valor_inss=11,
            valor_csll="10", percentual_total_tributos="6.5")), 3),
    "mei": (nota_exemplo(optante_simples_nacional=True, regime_especial_tributacao=5), 3),
    "imune": (nota_exemplo(natureza_operacao=4, tipo_imunidade=3), 3),
    "suspensa": (nota_exemplo(natureza_operacao=5, numero_processo_suspensao="1" * 30), 3),
    "beneficio": (nota_exemplo(natureza_operacao=3,
                               numero_beneficio_municipal="35162000100001"), 3),
    "intermediario_cpf": (nota_exemplo(
        intermediario={"cnpj": "11444777000161", "razao_social": "Intermediadora & Cia",
                       "endereco": {"logradouro": "Avenida Paulista", "numero": "1000",
                                    "bairro": "Bela Vista", "codigo_municipio": "3550308",
                                    "uf": "SP", "cep": "01310100"}},
        tomador={"cpf": "529.982.247-25", "razao_social": "Fulano <de> Tal"}), None),
    "telefone": (nota_exemplo(tomador=nota_exemplo()["tomador"] | {"telefone": "4133334444"}),
                 1),
    "escapes": (nota_exemplo(servico=_servico(
        discriminacao='Serviço "A" & <B>\r\nlinha 2 – 50% > 10%\ttab')), 3),
    "obra": (nota_exemplo(obra={"endereco": {
        "cep": "14400000", "logradouro": "Rua da Obra", "numero": "12", "bairro": "Centro"}},
        servico=_servico(item_lista_servico="070201")), 3),
    "ibs_cbs": (nota_exemplo(servico=_servico(**REFORMA),
                             data_emissao="2026-03-10T10:00:00-03:00"), 3),
    "informacoes": (nota_exemplo(informacoes_complementares="Pedido 77; entrega em 2 dias"),
                    2),
}


def _build(nome: str) -> bytes:
    body, regime = NOTAS[nome]
    emissor = Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                      razao_social="EMPRESA TESTE LTDA", regime_tributario=regime)
    return build_dps(parse_nfse(body), Rps("1", 41), emissor, now=NOW)


@pytest.mark.parametrize("nome", sorted(NOTAS))
def test_signed_dps_bytes_are_pinned(nome: str) -> None:
    xml = _build(nome)
    root = etree.fromstring(xml)
    assert validate(root, nacional_schema_dir() / "DPS_v1.01.xsd") == []
    assert document_of(verificar(root)) == CNPJ
    assert root.findtext("{*}Signature/{*}KeyInfo/{*}X509Data/{*}X509Certificate") \
        == A1.cert_base64
    assert _KEYED.sub(rb"<\1></\1>", xml) == (DADOS / f"{nome}.xml").read_bytes()


def test_a_lone_surrogate_is_refused_not_sent() -> None:
    """JSON can carry one (``"\\ud800"``); UTF-8 cannot, so no document holds it."""
    nota = parse_nfse(nota_exemplo())
    nota = replace(nota, servico=replace(nota.servico, discriminacao="meio \ud800 fim"))
    emissor = Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                      razao_social="EMPRESA TESTE LTDA", regime_tributario=3)
    with pytest.raises(DpsInvalida, match="caracteres não permitidos"):
        build_dps(nota, Rps("1", 1), emissor, now=NOW)


@pytest.mark.parametrize("size", [0, 1, 100, 3_679, 20_000, 64_999, 65_000, 65_001, 70_000,
                                  200_000])
def test_pack_writes_what_gzip_writes(size: int) -> None:
    """The transport encoding frames a document in one stored block itself: the bytes are
    gzip's own at level 0, and they inflate back to the document."""
    xml = (_build("escapes") * (size // 3_000 + 1))[:size]
    packed = respostas.pack(xml)
    assert base64.b64decode(packed) == gzip.compress(xml, compresslevel=0, mtime=0)
    assert respostas.unpack(packed) == xml
