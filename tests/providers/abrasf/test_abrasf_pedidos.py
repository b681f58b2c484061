"""The ABRASF 2.04 request documents: valid under the official schema, mapped from the
normalised note as the fact sheet says, and correctly signed (checked by an independent
verification, not by the signing code)."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from nfse.certs.generate import generate_a1
from nfse.model.nfse import parse_nfse
from nfse.model.nota import Nota, Pessoa
from nfse.providers.abrasf import pedidos
from nfse.providers.abrasf.esquema import SCHEMA, EsquemaAusente
from nfse.providers.abrasf.pedidos import CABECALHO, DocumentoInvalido, problemas
from nfse.providers.abrasf.variante import Variante, variante_de
from nfse.providers.base import Emissor, Rps
from nfse.xml.validate import validate
from tests.abrasf_xsd import abrasf_xsd_dir
from tests.providers.abrasf.amostras import DS, NS, verify
from tests.support import CNPJ, IM, MUNICIPIO, nota_exemplo

A1 = generate_a1(CNPJ, "EMPRESA TESTE LTDA")
X = {"a": NS, "ds": DS}
RPS = Rps("1", 7)
PROCESSO = "1" * 30


@pytest.fixture(autouse=True)
def xsd(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every document built in these tests is checked against the official schema."""
    folder = abrasf_xsd_dir()
    monkeypatch.setenv("NFSE_ABRASF_XSD_DIR", str(folder))
    return folder


def emissor(regime: int | None = 3, **opcoes: object) -> Emissor:
    return Emissor(a1=A1, ambiente="homologacao", base_url="https://x", ca_file=None,
                   razao_social="EMPRESA TESTE LTDA", regime_tributario=regime, opcoes=opcoes)


def rica(**overrides: object) -> dict:
    """A note using every field the ABRASF layout carries."""
    body = nota_exemplo(
        natureza_operacao=1, regime_especial_tributacao=6, optante_simples_nacional=True,
        incentivador_cultural=True, codigo_obra="OBRA-15", art="ART 99",
        numero_rps_substituido="5", serie_rps_substituido="1",
        data_competencia="2017-09-01")
    body["tomador"].update(telefone="(41) 3333-4444", inscricao_municipal="99.887-7")
    body["servico"].update(
        valor_servicos="1000", valor_deducoes="10", valor_pis="6.5", valor_cofins="30",
        valor_inss="11", valor_ir="15", valor_csll="10", outras_retencoes="1",
        desconto_incondicionado="5", desconto_condicionado="2", iss_retido=True,
        aliquota="2.5", codigo_cnae="6201-5/01", percentual_total_tributos="13.45",
        discriminacao="Linha 1 & <2>\nLinha 2", codigo_nbs="1.1502.10.00")
    body["intermediario"] = {"cnpj": "11444777000161", "razao_social": "Inter Ltda",
                             "inscricao_municipal": "555",
                             "endereco": {"codigo_municipio": "4106902"}}
    body.update(overrides)
    return body


def nota(body: dict | None = None) -> Nota:
    return parse_nfse(body or nota_exemplo())


def parsed(xml: bytes, schema: Path | None = None) -> etree._Element:
    assert not xml.startswith(b"<?xml")  # carried as a string inside nfseDadosMsg
    root = etree.fromstring(xml)
    assert validate(root, (schema or abrasf_xsd_dir()) / SCHEMA) == []
    return root


def gerar(body: dict | None = None, em: Emissor | None = None, rps: Rps = RPS) -> etree._Element:
    em = em or emissor()
    return parsed(pedidos.gerar_nfse(nota(body), rps, em, variante_de(em.opcoes)))


def t(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=X)


INF = "a:Rps/a:InfDeclaracaoPrestacaoServico"


def test_cabecalho_is_valid() -> None:
    root = etree.fromstring(CABECALHO)
    assert validate(root, abrasf_xsd_dir() / SCHEMA) == []
    assert root.get("versao") == "2.04" and t(root, "a:versaoDados") == "2.04"


def test_rich_note_maps_every_field_and_is_signed() -> None:
    root = gerar(rica())
    inf = root.find(INF, X)
    assert inf.get("Id") == "rps1_7"
    cert, method = verify(inf)
    assert cert == A1.cert and method.endswith("rsa-sha1")
    assert t(inf, "a:Rps/a:IdentificacaoRps/a:Numero") == "7"
    assert t(inf, "a:Rps/a:IdentificacaoRps/a:Serie") == "1"
    assert t(inf, "a:Rps/a:IdentificacaoRps/a:Tipo") == "1"
    assert t(inf, "a:Rps/a:DataEmissao") == "2017-09-21"
    assert t(inf, "a:Rps/a:Status") == "1"
    assert [t(inf, f"a:Rps/a:RpsSubstituido/a:{k}") for k in ("Numero", "Serie", "Tipo")] \
        == ["5", "1", "1"]
    assert t(inf, "a:Competencia") == "2017-09-01"
    v = "a:Servico/a:Valores/a:"
    assert {k: t(inf, v + k) for k in (
        "ValorServicos", "ValorDeducoes", "ValorPis", "ValorCofins", "ValorInss", "ValorIr",
        "ValorCsll", "OutrasRetencoes", "ValTotTributos", "ValorIss", "Aliquota",
        "DescontoIncondicionado", "DescontoCondicionado")} == {
        "ValorServicos": "1000.00", "ValorDeducoes": "10.00", "ValorPis": "6.50",
        "ValorCofins": "30.00", "ValorInss": "11.00", "ValorIr": "15.00", "ValorCsll": "10.00",
        "OutrasRetencoes": "1.00", "ValTotTributos": "134.50", "ValorIss": "24.63",
        "Aliquota": "2.50", "DescontoIncondicionado": "5.00", "DescontoCondicionado": "2.00"}
    s = "a:Servico/a:"
    assert t(inf, s + "IssRetido") == "1"
    assert t(inf, s + "ResponsavelRetencao") == "1"
    assert t(inf, s + "ItemListaServico") == "01.07"
    assert t(inf, s + "CodigoCnae") == "6201501"
    assert t(inf, s + "CodigoTributacaoMunicipio") == "620910000"
    assert t(inf, s + "CodigoNbs") == "115021000"
    assert t(inf, s + "Discriminacao") == "Linha 1 & <2>\nLinha 2"
    assert t(inf, s + "CodigoMunicipio") == MUNICIPIO
    assert t(inf, s + "ExigibilidadeISS") == "1"
    assert t(inf, s + "MunicipioIncidencia") == MUNICIPIO
    assert t(inf, "a:Prestador/a:CpfCnpj/a:Cnpj") == CNPJ
    assert t(inf, "a:Prestador/a:InscricaoMunicipal") == IM
    tom = "a:TomadorServico/"
    assert t(inf, tom + "a:IdentificacaoTomador/a:CpfCnpj/a:Cnpj") == "07504505000132"
    assert t(inf, tom + "a:IdentificacaoTomador/a:InscricaoMunicipal") == "998877"
    assert t(inf, tom + "a:RazaoSocial") == "Acras Tecnologia da Informação LTDA"
    assert [t(inf, tom + f"a:Endereco/a:{k}") for k in (
        "Endereco", "Numero", "Complemento", "Bairro", "CodigoMunicipio", "Uf", "Cep")] == [
        "Rua Dias da Rocha Filho", "999", "Prédio 04 - Sala 34C", "Alto da XV", "4106902",
        "PR", "80045165"]
    assert t(inf, tom + "a:Contato/a:Telefone") == "4133334444"
    assert t(inf, tom + "a:Contato/a:Email") == "contato@focusnfe.com.br"
    assert t(inf, "a:Intermediario/a:IdentificacaoIntermediario/a:CpfCnpj/a:Cnpj") \
        == "11444777000161"
    assert t(inf, "a:Intermediario/a:IdentificacaoIntermediario/a:InscricaoMunicipal") == "555"
    assert t(inf, "a:Intermediario/a:RazaoSocial") == "Inter Ltda"
    assert t(inf, "a:Intermediario/a:CodigoMunicipio") == "4106902"
    assert t(inf, "a:ConstrucaoCivil/a:CodigoObra") == "OBRA-15"
    assert t(inf, "a:ConstrucaoCivil/a:Art") == "ART 99"
    assert t(inf, "a:RegimeEspecialTributacao") == "6"
    assert t(inf, "a:OptanteSimplesNacional") == "1"
    assert t(inf, "a:IncentivoFiscal") == "1"
    # the signature is the last child of Rps, after the declaration
    assert root.find("a:Rps", X)[-1].tag == f"{{{DS}}}Signature"


def test_minimal_note_leaves_out_empty_and_zero_elements() -> None:
    body = nota_exemplo()
    del body["tomador"]
    body["servico"].pop("aliquota")
    root = gerar(body)
    inf = root.find(INF, X)
    verify(inf)
    assert [etree.QName(e).localname for e in inf.find("a:Servico/a:Valores", X)] == [
        "ValorServicos"]
    assert inf.find("a:TomadorServico", X) is None
    assert inf.find("a:Servico/a:ResponsavelRetencao", X) is None
    assert inf.find("a:Rps/a:RpsSubstituido", X) is None
    assert inf.find("a:RegimeEspecialTributacao", X) is None
    assert not any(e.text is None and len(e) == 0 for e in root.iter()
                   if not str(e.tag).startswith(f"{{{DS}}}"))


@pytest.mark.parametrize(("natureza", "exigibilidade", "incidencia", "processo"), [
    (1, "1", MUNICIPIO, None),
    (2, "1", "3550308", None),
    (3, "3", MUNICIPIO, None),
    (4, "5", MUNICIPIO, None),
    (5, "6", MUNICIPIO, PROCESSO),
    (6, "7", MUNICIPIO, PROCESSO),
])
def test_natureza_operacao_becomes_exigibilidade(natureza: int, exigibilidade: str,
                                                  incidencia: str, processo: str | None) -> None:
    body = nota_exemplo(natureza_operacao=natureza)
    if natureza == 2:
        body["servico"]["codigo_municipio"] = "3550308"
    if processo:
        body["numero_processo_suspensao"] = processo
    inf = gerar(body).find(INF, X)
    assert t(inf, "a:Servico/a:ExigibilidadeISS") == exigibilidade
    assert t(inf, "a:Servico/a:MunicipioIncidencia") == incidencia
    assert t(inf, "a:Servico/a:NumeroProcesso") == processo


@pytest.mark.parametrize(("optante", "regime", "expected"), [
    (True, 3, "1"), (False, 1, "2"), (None, 1, "1"), (None, 4, "1"), (None, 3, "2"),
    (None, None, "2")])
def test_optante_simples_from_note_or_company(optante: bool | None, regime: int | None,
                                              expected: str) -> None:
    body = nota_exemplo()
    if optante is not None:
        body["optante_simples_nacional"] = optante
    inf = gerar(body, emissor(regime)).find(INF, X)
    assert t(inf, "a:OptanteSimplesNacional") == expected
    assert t(inf, "a:IncentivoFiscal") == "2"


def test_tomador_with_cpf_phone_only_and_partial_address() -> None:
    body = nota_exemplo(tomador={"cpf": "123.456.789-09", "razao_social": "Fulano",
                                 "telefone": "11 99999-8888",
                                 "endereco": {"logradouro": "Rua X", "bairro": "Centro",
                                              "codigo_municipio": "3550308", "uf": "SP",
                                              "cep": "01001-000"}})
    tom = gerar(body).find(INF + "/a:TomadorServico", X)
    assert t(tom, "a:IdentificacaoTomador/a:CpfCnpj/a:Cpf") == "12345678909"
    assert t(tom, "a:Endereco/a:Numero") == "S/N"
    assert t(tom, "a:Contato/a:Telefone") == "11999998888"
    assert tom.find("a:Contato/a:Email", X) is None


def test_foreign_tomador_goes_by_nif_without_address() -> None:
    body = nota_exemplo(tomador={"nif": "DE123456789", "razao_social": "GmbH",
                                 "email": "a@b.de",
                                 "endereco": {"logradouro": "Hauptstrasse 1"}})
    tom = gerar(body).find(INF + "/a:TomadorServico", X)
    assert tom.find("a:IdentificacaoTomador", X) is None
    assert t(tom, "a:NifTomador") == "DE123456789"
    assert tom.find("a:Endereco", X) is None
    assert t(tom, "a:Contato/a:Email") == "a@b.de"


def test_retained_iss_without_tomador_is_withheld_by_the_intermediario() -> None:
    body = nota_exemplo(intermediario={"cpf": "12345678909", "razao_social": "Fulano",
                                       "endereco": {"codigo_municipio": "3550308"}})
    del body["tomador"]
    body["servico"].update(iss_retido="1", aliquota=None, valor_iss_retido="0.02")
    inf = gerar(body).find(INF, X)
    assert t(inf, "a:Servico/a:IssRetido") == "1"
    assert t(inf, "a:Servico/a:ResponsavelRetencao") == "2"
    assert t(inf, "a:Servico/a:Valores/a:ValorIss") == "0.02"
    assert t(inf, "a:Intermediario/a:IdentificacaoIntermediario/a:CpfCnpj/a:Cpf") \
        == "12345678909"
    assert t(inf, "a:Intermediario/a:CodigoMunicipio") == "3550308"


def test_construcao_civil_with_art_only() -> None:
    inf = gerar(nota_exemplo(art="ART-1")).find(INF, X)
    assert [etree.QName(e).localname for e in inf.find("a:ConstrucaoCivil", X)] == ["Art"]


def test_future_dates_are_brought_back_to_today() -> None:
    tomorrow = (datetime.now() + timedelta(days=2)).isoformat(timespec="seconds")
    inf = gerar(nota_exemplo(data_emissao=tomorrow)).find(INF, X)
    today = datetime.now(pedidos.SAO_PAULO).date().isoformat()
    assert t(inf, "a:Rps/a:DataEmissao") == today
    assert t(inf, "a:Competencia") == today


def _relaxed_schema(folder: Path) -> Path:
    """The schema with the item list as ``NNNN``, as some systems publish it."""
    target = folder / "relaxed"
    shutil.copytree(abrasf_xsd_dir(), target)
    path = target / SCHEMA
    text = path.read_text(encoding="utf-8-sig")
    text = re.sub(r'(<xsd:simpleType name="tsItemListaServico">).*?(</xsd:simpleType>)',
                  r'\1<xsd:restriction base="xsd:string"><xsd:pattern value="[0-9]{4}"/>'
                  r"</xsd:restriction>\2", text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    return target


def test_item_format_0107_fails_the_standard_schema_and_passes_its_own(tmp_path: Path) -> None:
    em = emissor(formato_item_lista="0107")
    with pytest.raises(DocumentoInvalido) as caught:
        pedidos.gerar_nfse(nota(), RPS, em, variante_de(em.opcoes))
    assert {e.codigo for e in caught.value.erros} == {"erro_schema"}
    assert "ItemListaServico" in caught.value.erros[0].mensagem
    relaxed = _relaxed_schema(tmp_path)
    em = emissor(formato_item_lista="0107", xsd_dir=str(relaxed))
    root = parsed(pedidos.gerar_nfse(nota(), RPS, em, variante_de(em.opcoes)), relaxed)
    assert t(root, INF + "/a:Servico/a:ItemListaServico") == "0107"


def test_without_a_schema_nothing_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NFSE_ABRASF_XSD_DIR")
    xml = pedidos.gerar_nfse(nota(), RPS, emissor(), Variante(formato_item_lista="0107"))
    assert b"<ItemListaServico>0107</ItemListaServico>" in xml


def test_a_configured_folder_without_schema_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(EsquemaAusente):
        pedidos.gerar_nfse(nota(), RPS, emissor(), Variante(xsd_dir=str(tmp_path)))


def test_sha256_variant() -> None:
    root = gerar(em=emissor(assinatura="sha256"))
    _, method = verify(root.find(INF, X))
    assert method == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"


def test_lote_sincrono_signs_each_rps_and_the_lot() -> None:
    em = emissor(emissao="RecepcionarLoteRpsSincrono")
    root = parsed(pedidos.lote_rps(nota(rica()), RPS, em, variante_de(em.opcoes)))
    assert etree.QName(root).localname == "EnviarLoteRpsSincronoEnvio"
    lote = root.find("a:LoteRps", X)
    assert lote.get("versao") == "2.04" and lote.get("Id")
    assert t(lote, "a:NumeroLote") == "7"
    assert t(lote, "a:QuantidadeRps") == "1"
    assert t(lote, "a:Prestador/a:CpfCnpj/a:Cnpj") == CNPJ
    verify(lote.find("a:ListaRps/a:Rps/a:InfDeclaracaoPrestacaoServico", X))
    assert verify(lote)[0] == A1.cert
    assert root[-1].tag == f"{{{DS}}}Signature"


@pytest.mark.parametrize("codigo", ["1", "2"])
def test_cancelar_nfse(codigo: str) -> None:
    em = emissor(codigo_cancelamento=codigo)
    root = parsed(pedidos.cancelar_nfse(nota(), "000123", em, variante_de(em.opcoes)))
    inf = root.find("a:Pedido/a:InfPedidoCancelamento", X)
    assert verify(inf)[0] == A1.cert
    assert [t(inf, f"a:IdentificacaoNfse/{k}") for k in (
        "a:Numero", "a:CpfCnpj/a:Cnpj", "a:InscricaoMunicipal", "a:CodigoMunicipio")] == [
        "123", CNPJ, IM, MUNICIPIO]
    assert t(inf, "a:CodigoCancelamento") == codigo


def test_a_shared_homologacao_gets_its_own_municipality_in_the_cancellation() -> None:
    """ISSNet's one test environment for every city wants Campo Grande/MS (5002704) in the
    cancellation; produção always names the prestador's municipality."""
    em = emissor(codigo_municipio_homologacao="5002704")
    for ambiente, esperado in (("homologacao", "5002704"), ("producao", MUNICIPIO)):
        atual = replace(em, ambiente=ambiente)
        for documento in (pedidos.cancelar_nfse(nota(), "7", atual, variante_de(em.opcoes)),
                          pedidos.substituir_nfse(nota(rica()), Rps("1", 8), "7", atual,
                                                     variante_de(em.opcoes))):
            inf = parsed(documento).find(".//a:InfPedidoCancelamento", X)
            assert t(inf, "a:IdentificacaoNfse/a:CodigoMunicipio") == esperado
            verify(inf)


def test_cancelar_refuses_a_number_that_is_not_one() -> None:
    with pytest.raises(DocumentoInvalido):
        pedidos.cancelar_nfse(nota(), "2024/ABC", emissor(), Variante())


def test_substituir_nfse_signs_the_cancellation_the_rps_and_the_whole() -> None:
    em = emissor(assinatura="sha256")
    root = parsed(pedidos.substituir_nfse(nota(rica()), Rps("1", 8), "123", em,
                                             variante_de(em.opcoes)))
    subst = root.find("a:SubstituicaoNfse", X)
    pedido = subst.find("a:Pedido/a:InfPedidoCancelamento", X)
    assert t(pedido, "a:IdentificacaoNfse/a:Numero") == "123"
    verify(pedido)
    inf = subst.find("a:Rps/a:InfDeclaracaoPrestacaoServico", X)
    assert t(inf, "a:Rps/a:IdentificacaoRps/a:Numero") == "8"
    verify(inf)
    assert verify(subst)[1].endswith("rsa-sha256")
    assert root[-1].tag == f"{{{DS}}}Signature"


def test_consultas() -> None:
    root = parsed(pedidos.consultar_nfse_rps(nota(), RPS, Variante()))
    assert [t(root, f"a:IdentificacaoRps/a:{k}") for k in ("Numero", "Serie", "Tipo")] == [
        "7", "1", "1"]
    assert t(root, "a:Prestador/a:InscricaoMunicipal") == IM
    root = parsed(pedidos.consultar_nfse_faixa(nota(), "123", Variante()))
    assert t(root, "a:Faixa/a:NumeroNfseInicial") == t(root, "a:Faixa/a:NumeroNfseFinal") \
        == "123"
    assert t(root, "a:Pagina") == "1"


def test_problemas() -> None:
    base = nota()
    assert problemas(base) == []
    bad = replace(
        base, natureza_operacao=2, prestador=replace(base.prestador, inscricao_municipal=""),
        servico=replace(base.servico, aliquota=Decimal("2.125"), discriminacao="x" * 2001),
        tomador=replace(base.tomador, razao_social=None),
        intermediario=Pessoa(nif="X1"))
    campos = [p.campo for p in problemas(bad)]
    assert campos == ["prestador.inscricao_municipal", "servico.discriminacao",
                      "servico.aliquota", "servico.codigo_municipio", "tomador.razao_social",
                      "intermediario.cnpj", "intermediario.razao_social",
                      "intermediario.endereco.codigo_municipio"]
    suspensa = replace(base, natureza_operacao=5, servico=replace(base.servico, aliquota=None))
    assert [p.campo for p in problemas(suspensa)] == ["numero_processo_suspensao"]
    fora = replace(base, natureza_operacao=2, servico=replace(
        base.servico, codigo_municipio="3550308", aliquota=None))
    assert [p.campo for p in problemas(fora)] == ["servico.aliquota"]
    longos = replace(base, numero_rps_substituido="1" * 16, serie_rps_substituido="1",
                     tipo_rps_substituido="1",
                     tomador=replace(base.tomador, inscricao_municipal="9" * 16))
    assert [p.campo for p in problemas(longos)] == ["numero_rps_substituido",
                                                    "tomador.inscricao_municipal"]
    with pytest.raises(DocumentoInvalido) as caught:
        pedidos.gerar_nfse(suspensa, RPS, emissor(), Variante())
    assert caught.value.erros[0].codigo == "requisicao_invalida"


def test_documents_built_in_parallel_threads_all_verify() -> None:
    """The worker builds notes on several threads at once (parsers are per thread)."""
    em = emissor(emissao="RecepcionarLoteRpsSincrono")
    source = nota(rica())

    def build(numero: int) -> bytes:
        return pedidos.lote_rps(source, Rps("1", numero), em,
                                            variante_de(em.opcoes))

    with ThreadPoolExecutor(8) as pool:
        built = list(pool.map(build, range(1, 41)))
    for numero, xml in enumerate(built, start=1):
        lote = parsed(xml).find("a:LoteRps", X)
        assert t(lote, "a:NumeroLote") == str(numero)
        verify(lote)
