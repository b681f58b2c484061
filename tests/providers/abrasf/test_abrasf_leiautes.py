"""The ABRASF 2.03, 2.02 and 2.00 layouts (option ``versao_layout``): every request document
the provider builds is valid under that version's official schema (and, where the layouts
differ, invalid under 2.04's), and carries the version's number."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from nfse.model.nfse import parse_nfse
from nfse.providers.abrasf import pedidos, tomadas
from nfse.providers.abrasf.leiaute import LEIAUTES
from nfse.providers.abrasf.variante import VarianteInvalida, variante_de
from nfse.providers.base import Rps
from nfse.xml.validate import validate
from tests.abrasf_xsd import SCHEMA, abrasf_xsd_dir
from tests.providers.abrasf.amostras import NS, verify
from tests.providers.abrasf.test_abrasf_pedidos import A1, RPS, emissor, rica
from tests.support import CNPJ, IM

X = {"a": NS}
ANTIGOS = ("2.03", "2.02", "2.00")


@pytest.fixture(autouse=True)
def xsd(monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = abrasf_xsd_dir()
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(folder))
    return folder


def _valido(xml: bytes, versao: str) -> etree._Element:
    root = etree.fromstring(xml)
    assert validate(root, abrasf_xsd_dir() / LEIAUTES[versao].esquema) == []
    return root


def _documentos(versao: str, **opcoes: str) -> dict[str, bytes]:
    em = emissor(versao_layout=versao, **opcoes)
    variante = variante_de(em.opcoes)
    nota = parse_nfse(rica())
    return {
        "gerar": pedidos.gerar_nfse(nota, RPS, em, variante),
        "lote": pedidos.lote_rps(nota, RPS, em, variante),
        "lote_assincrono": pedidos.lote_rps(nota, RPS, em, variante, "EnviarLoteRpsEnvio"),
        "consultar_lote": pedidos.consultar_lote(nota, "123", variante),
        "cancelar": pedidos.cancelar_nfse(nota, "15", em, variante),
        "substituir": pedidos.substituir_nfse(nota, Rps("1", 8), "15", em, variante),
        "consultar_rps": pedidos.consultar_nfse_rps(nota, RPS, variante),
        "consultar_faixa": pedidos.consultar_nfse_faixa(nota, "15", variante),
        "consultar_tomadas": pedidos.consultar_servico_tomado(
            CNPJ, None, date(2026, 1, 1), date(2026, 1, 31), 1, variante),
    }


@pytest.mark.parametrize("versao", ANTIGOS)
def test_every_document_is_valid_in_its_layout(versao: str) -> None:
    for nome, xml in _documentos(versao).items():
        root = _valido(xml, versao)
        assert root.tag.startswith(f"{{{NS}}}"), nome


@pytest.mark.parametrize("versao", ANTIGOS)
def test_the_declaration_names_the_tomador_as_the_layout_does(versao: str) -> None:
    root = _valido(_documentos(versao)["gerar"], versao)
    inf = root.find("a:Rps/a:InfDeclaracaoPrestacaoServico", X)
    assert verify(inf)[0] == A1.cert
    assert inf.find("a:TomadorServico", X) is None
    assert inf.findtext("a:Tomador/a:RazaoSocial", namespaces=X)
    servico = inf.find("a:Servico", X)
    reforma = versao == "2.03"
    assert (servico.find("a:CodigoNbs", X) is not None) is reforma
    assert (servico.find("a:Valores/a:ValTotTributos", X) is not None) is reforma
    assert (inf.find("a:Intermediario/a:CodigoMunicipio", X) is not None) is reforma
    # the 2.04 schema refuses the older declaration
    assert validate(root, abrasf_xsd_dir() / SCHEMA) != []


@pytest.mark.parametrize("versao", ANTIGOS)
def test_the_lot_names_its_prestador_directly_and_carries_the_version(versao: str) -> None:
    root = _valido(_documentos(versao)["lote"], versao)
    lote = root.find("a:LoteRps", X)
    assert lote.get("versao") == versao
    assert lote.find("a:Prestador", X) is None
    assert lote.findtext("a:CpfCnpj/a:Cnpj", namespaces=X) == CNPJ
    assert lote.findtext("a:InscricaoMunicipal", namespaces=X) == IM
    verify(lote)


@pytest.mark.parametrize("versao", (*ANTIGOS, "2.04"))
def test_the_header_carries_the_layout_number(versao: str) -> None:
    cabecalho = variante_de({"versao_layout": versao}).leiaute.cabecalho()
    root = _valido(cabecalho.encode(), versao)
    assert root.get("versao") == root.findtext("a:versaoDados", namespaces=X) == versao


def test_an_unknown_layout_is_a_configuration_error() -> None:
    with pytest.raises(VarianteInvalida, match="versao_layout"):
        variante_de({"versao_layout": "2.05"})


COMP_202 = f"""<CompNfse xmlns="{NS}"><Nfse versao="2.02"><InfNfse Id="n15">
<Numero>15</Numero><CodigoVerificacao>ABC123</CodigoVerificacao>
<DataEmissao>2026-01-10T10:00:00</DataEmissao>
<ValoresNfse><BaseCalculo>100.00</BaseCalculo><ValorLiquidoNfse>100.00</ValorLiquidoNfse>
</ValoresNfse>
<PrestadorServico><IdentificacaoPrestador><CpfCnpj><Cnpj>{CNPJ}</Cnpj></CpfCnpj>
<InscricaoMunicipal>{IM}</InscricaoMunicipal></IdentificacaoPrestador>
<RazaoSocial>EMPRESA TESTE LTDA</RazaoSocial><Endereco/></PrestadorServico>
<OrgaoGerador><CodigoMunicipio>1100049</CodigoMunicipio><Uf>RO</Uf></OrgaoGerador>
<DeclaracaoPrestacaoServico><InfDeclaracaoPrestacaoServico>
<Competencia>2026-01-10</Competencia>
<Servico><Valores><ValorServicos>100.00</ValorServicos></Valores><IssRetido>2</IssRetido>
<ItemListaServico>0107</ItemListaServico><Discriminacao>Suporte</Discriminacao>
<CodigoMunicipio>1100049</CodigoMunicipio><ExigibilidadeISS>1</ExigibilidadeISS></Servico>
<Prestador><CpfCnpj><Cnpj>{CNPJ}</Cnpj></CpfCnpj></Prestador>
<Tomador><IdentificacaoTomador><CpfCnpj><Cnpj>07504505000132</Cnpj></CpfCnpj>
</IdentificacaoTomador><RazaoSocial>Tomadora</RazaoSocial></Tomador>
<OptanteSimplesNacional>2</OptanteSimplesNacional><IncentivoFiscal>2</IncentivoFiscal>
</InfDeclaracaoPrestacaoServico></DeclaracaoPrestacaoServico>
</InfNfse></Nfse></CompNfse>"""


def test_a_received_note_of_an_older_layout_names_its_tomador() -> None:
    """A 2.02 note (``Tomador``, not ``TomadorServico``) read for /v2/nfses_recebidas."""
    comp = _valido(re.sub(r">\s+<", "><", COMP_202).encode(), "2.02")
    lida = tomadas.ler(comp)
    assert lida is not None
    assert lida.dados["documento_tomador"] == "07504505000132"
    assert lida.dados["chave"] == f"A1100049{CNPJ}{15:015d}"
