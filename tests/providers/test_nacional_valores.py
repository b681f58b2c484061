"""The values an issued NFS-e carries (ISS and the IBS/CBS of the 2026 reform) become the
``valores_nfse`` of GET: read from nfelib's official sample NFS-e with IBS/CBS."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from nfse.providers.nacional.respostas import VALORES, nfse_fields

SAMPLE = Path(str(resources.files("nfelib") / "nfse" / "samples" / "v1_0" / "nfse-ibscbs.xml"))


def test_sample_nfse_with_ibs_cbs_gives_every_value() -> None:
    numero, processada, valores = nfse_fields(SAMPLE.read_bytes())
    assert (numero, processada.isoformat()) == ("1", "2026-03-10T10:00:05-03:00")
    assert valores == {
        "base_calculo": "1000.00", "aliquota": "2.00", "valor_iss": "20.00",
        "valor_liquido": "1000.00", "ibs_cbs_base_calculo": "1000.00",
        "ibs_uf_aliquota": "0.10", "ibs_mun_aliquota": "0.00", "cbs_aliquota": "0.90",
        "ibs_uf_valor": "1.00", "ibs_mun_valor": "0.00", "ibs_valor": "1.00",
        "cbs_valor": "9.00", "valor_total_nfse": "1000.00"}
    assert set(valores) == set(VALORES) - {"valor_total_retencoes"}  # nothing retained


def test_a_document_that_is_not_an_nfse_has_no_values() -> None:
    assert nfse_fields(b"<outro/>") == ("", None, {})
