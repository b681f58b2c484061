"""The flat ``/v2/nfsen`` body (SPEC §3, the Focus "NFS-e Nacional" model) as a JSON Schema.

Its fields are ``nfse.model.nfsen.ORDEM``; a field that goes as given to a path of the nested
body (``PASSA``) takes that path's schema and description, so the two references agree."""

from __future__ import annotations

from typing import Any

from nfse.api.esquemas.nota_nfse import NOTA_NFSE
from nfse.api.esquemas.tipos import Esquema, codigo, decimal, objeto, texto
from nfse.model.nfsen import ORDEM, PASSA

PROPRIOS: dict[str, Esquema] = {
    "emitente_dps": codigo("Emitente da DPS (tpEmit): só 1, o prestador, é aceito.", [1]),
    "codigo_opcao_simples_nacional": codigo(
        "Situação no Simples Nacional (opSimpNac): 1 não optante, 2 MEI, 3 ME/EPP. Ausente: "
        "vale o regime cadastrado da empresa.", [1, 2, 3]),
    "regime_especial_tributacao": codigo(
        "Regime especial (regEspTrib): 0 nenhum, 1 ato cooperado, 2 estimativa, 3 microempresa "
        "municipal, 6 sociedade de profissionais (4, 5 e 9 são recusados).",
        [0, 1, 2, 3, 4, 5, 6, 9]),
    "codigo_tributacao_nacional_iss": texto(
        "Código de tributação nacional (cTribNac), 6 dígitos, pontos permitidos "
        "(obrigatório).", exemplo="010701"),
    "tributacao_iss": codigo(
        "Tributação do ISSQN (tribISSQN): 1 operação tributável (padrão), 2 imunidade (com "
        "tipo_imunidade); 3 exportação e 4 não incidência são recusados.", [1, 2, 3, 4]),
    "tipo_exigibilidade_suspensao": codigo(
        "Exigibilidade suspensa: 1 por decisão judicial, 2 por processo administrativo (com "
        "numero_processo_suspensao).", [1, 2]),
    "tipo_retencao_iss": codigo(
        "Retenção do ISSQN (tpRetISSQN, obrigatório): 1 não retido, 2 retido pelo tomador, 3 "
        "retido pelo intermediário. São códigos, não booleanos.", [1, 2, 3]),
    "percentual_total_tributos_federais": decimal("Percentual aproximado dos tributos "
                                                  "federais."),
    "percentual_total_tributos_estaduais": decimal("Percentual aproximado dos tributos "
                                                   "estaduais."),
    "percentual_total_tributos_municipais": decimal("Percentual aproximado dos tributos "
                                                    "municipais."),
    "percentual_total_tributos_simples_nacional": decimal(
        "Percentual aproximado dos tributos no Simples Nacional (ME/EPP)."),
}
OBRIGATORIOS = ["data_emissao", "codigo_municipio_emissora", "codigo_tributacao_nacional_iss",
                "descricao_servico", "valor_servico", "tipo_retencao_iss"]


def _no_aninhado(caminho: str) -> Esquema:
    """The schema of a path (``tomador.endereco.cep``) of the nested body."""
    esquema: Any = NOTA_NFSE
    for parte in caminho.split("."):
        esquema = esquema["properties"][parte]
    return esquema


def _campo(nome: str) -> Esquema:
    if nome in PROPRIOS:
        return PROPRIOS[nome]
    caminho = PASSA[nome]
    aninhado = dict(_no_aninhado(caminho))
    aninhado["description"] = (f"{aninhado.get('description', '')} Corresponde a "
                               f"`{caminho}` em /v2/nfse.").strip()
    return aninhado


NOTA_NFSEN = objeto(
    "Uma NFS-e Nacional no modelo plano da Focus (SPEC §3), sempre enviada ao padrão "
    "nacional (Sefin). Campos desconhecidos são ignorados.",
    {nome: _campo(nome) for nome in ORDEM}, OBRIGATORIOS)

EXEMPLO: Esquema = {
    "data_emissao": "2026-11-20T10:00:00-03:00",
    "codigo_municipio_emissora": "3516200",
    "cnpj_prestador": "11222333000181",
    "inscricao_municipal_prestador": "12345",
    "codigo_opcao_simples_nacional": 1,
    "cnpj_tomador": "07504505000132",
    "razao_social_tomador": "Acras Tecnologia da Informação LTDA",
    "codigo_municipio_tomador": "4106902",
    "cep_tomador": "80045165",
    "logradouro_tomador": "Rua Dias da Rocha Filho",
    "numero_tomador": "999",
    "bairro_tomador": "Alto da XV",
    "email_tomador": "contato@example.com",
    "codigo_municipio_prestacao": "3516200",
    "codigo_tributacao_nacional_iss": "010701",
    "descricao_servico": "Desenvolvimento de sistemas sob encomenda",
    "valor_servico": "100.00",
    "tributacao_iss": 1,
    "tipo_retencao_iss": 1,
}

EXEMPLO_RETIDO: Esquema = {
    "data_emissao": "2026-11-24T14:00:00-03:00",
    "codigo_municipio_emissora": "3516200",
    "cnpj_prestador": "11222333000181",
    "codigo_opcao_simples_nacional": 3,
    "cpf_tomador": "12345678909",
    "razao_social_tomador": "Maria da Silva",
    "email_tomador": "maria@example.com",
    "codigo_tributacao_nacional_iss": "01.07.01",
    "descricao_servico": "Suporte técnico em informática - novembro de 2026",
    "valor_servico": 850,
    "tributacao_iss": 1,
    "tipo_retencao_iss": 2,
    "percentual_aliquota_relativa_municipio": "2.5",
    "percentual_total_tributos_simples_nacional": "6.0",
}
"""An ME/EPP of the Simples Nacional, tomador a person who withholds the ISS."""

EXEMPLOS: dict[str, Esquema] = {
    "empresa_demo": {"summary": "Nota da empresa de demonstração (nfse serve --demo)",
                     "value": EXEMPLO},
    "iss_retido": {"summary": "Simples Nacional ME/EPP, ISS retido pelo tomador",
                   "value": EXEMPLO_RETIDO},
}
