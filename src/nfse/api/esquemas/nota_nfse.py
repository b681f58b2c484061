"""The ``/v2/nfse`` body (SPEC §2.1, the Focus NFe "NFSe" model) as a JSON Schema, and its
examples: the seed's own, and one with the national standard's optional groups."""

from __future__ import annotations

from nfse.api.esquemas.tipos import (
    Esquema,
    booleano,
    codigo,
    data_hora,
    decimal,
    digitos,
    ibge,
    objeto,
    texto,
)

CNPJ = texto("CNPJ (14 caracteres; pontuação é ignorada; a partir de julho de 2026 pode ter "
             "letras nas 12 primeiras posições).", exemplo="11222333000181")
CPF = digitos("CPF.", 11, exato=True)


def endereco(de_quem: str) -> Esquema:
    return objeto(f"Endereço {de_quem}.", {
        "logradouro": texto("Nome do logradouro.", max_len=125),
        "tipo_logradouro": texto("Tipo do logradouro (usado por alguns municípios); padrão: os "
                                 "3 primeiros caracteres do logradouro.", max_len=3),
        "numero": texto("Número do endereço.", max_len=10),
        "complemento": texto("Complemento do endereço.", max_len=60),
        "bairro": texto("Bairro.", max_len=60),
        "codigo_municipio": ibge("Município do endereço."),
        "uf": texto("Sigla da UF, coerente com o código IBGE do município.", max_len=2),
        "cep": digitos("CEP.", 8, exato=True),
        "codigo_pais": texto("(ext) Endereço no exterior: código ISO do país com 2 letras "
                             "(\"US\").", padrao="^[A-Za-z]{2}$"),
        "codigo_postal": texto("(ext) Código postal no exterior."),
        "cidade": texto("(ext) Cidade no exterior."),
        "regiao": texto("(ext) Estado, província ou região no exterior."),
    })


def pessoa(papel: str) -> Esquema:
    return objeto(f"Dados do {papel}. Informe cnpj, cpf ou, para estrangeiros, nif ou "
                  "motivo_ausencia_nif.", {
                      "cnpj": CNPJ,
                      "cpf": CPF,
                      "nif": texto("(ext) Número de identificação fiscal no exterior.",
                                   max_len=40),
                      "motivo_ausencia_nif": texto("(ext) Motivo da falta do NIF: 0 não "
                                                   "informado na origem, 1 dispensado, 2 não "
                                                   "exigido.", valores=["0", "1", "2"]),
                      "inscricao_municipal": texto("Inscrição municipal; pontuação é ignorada.",
                                                   max_len=20),
                      "razao_social": texto("Razão social ou nome.", max_len=115),
                      "telefone": digitos("Telefone com DDD.", 11),
                      "email": texto("E-mail; recebe a nota quando a empresa envia e-mails ao "
                                     "tomador.", max_len=80),
                      "endereco": endereco(f"do {papel}"),
                  })


PRESTADOR = objeto("O prestador: a empresa do token.", {
    "cnpj": CNPJ,
    "cpf": CPF,
    "inscricao_municipal": texto("Inscrição municipal do prestador; pontuação é ignorada.",
                                 max_len=20, exemplo="12345"),
    "codigo_municipio": ibge("Município do prestador; decide a prefeitura que emite."),
    "telefone": digitos("(ext) Telefone do prestador com DDD (fone da DPS nacional).", 20),
    "email": texto("(ext) E-mail do prestador (email da DPS nacional).", max_len=80),
}, ["inscricao_municipal", "codigo_municipio"])

LOCAL = objeto("Endereço no Brasil (CEP obrigatório).", {
    "cep": digitos("CEP.", 8, exato=True),
    "logradouro": texto("Logradouro.", max_len=255),
    "numero": texto("Número.", max_len=60),
    "complemento": texto("Complemento.", max_len=156),
    "bairro": texto("Bairro.", max_len=60),
})

DOCUMENTO_DEDUCAO = objeto("Documento que comprova uma dedução.", {
    "tipo_deducao": texto("Tipo: 1 a 9 ou 99 (outros, com descricao).",
                          valores=[*(str(i) for i in range(1, 10)), "99"]),
    "descricao": texto("Descrição da dedução (obrigatória no tipo 99).", max_len=150),
    "chave_nfse": texto("Chave de acesso da NFS-e (50 dígitos).", padrao="^[0-9]{50}$"),
    "chave_nfe": texto("Chave de acesso da NF-e (44 dígitos).", padrao="^[0-9]{44}$"),
    "numero_documento_fiscal": texto("Número de outro documento fiscal.", max_len=255),
    "numero_documento": texto("Número de documento não fiscal.", max_len=255),
    "data_emissao": data_hora("Data de emissão do documento."),
    "valor_dedutivel": decimal("Valor dedutível do documento."),
    "valor_deducao": decimal("Valor deduzido nesta nota."),
}, ["tipo_deducao", "data_emissao", "valor_dedutivel", "valor_deducao"])

SERVICO = objeto("O serviço prestado e seus valores.", {
    "valor_servicos": decimal("Valor dos serviços (obrigatório, maior que zero)."),
    "valor_deducoes": decimal("Valor das deduções."),
    "valor_pis": decimal("Valor do PIS."),
    "valor_cofins": decimal("Valor da COFINS."),
    "valor_inss": decimal("Valor do INSS retido."),
    "valor_ir": decimal("Valor do IRRF."),
    "valor_csll": decimal("Valor da CSLL."),
    "iss_retido": booleano("Se o ISS foi retido pelo tomador (obrigatório)."),
    "valor_iss": decimal("Valor do ISS; padrão: base de cálculo × alíquota. Alguns "
                         "municípios calculam o seu."),
    "valor_iss_retido": decimal("Valor do ISS retido."),
    "outras_retencoes": decimal("Outras retenções."),
    "base_calculo": decimal("Base de cálculo do ISS; padrão: valor dos serviços menos "
                            "deduções e desconto incondicionado."),
    "aliquota": decimal("Alíquota do ISS em percentual (3 = 3%).", casas=4),
    "desconto_incondicionado": decimal("Desconto incondicionado."),
    "desconto_condicionado": decimal("Desconto condicionado."),
    "item_lista_servico": texto("Item da lista da LC 116/2003 (\"0107\" ou \"01.07\") ou o "
                                "código de tributação nacional de 6 dígitos (obrigatório).",
                                exemplo="0107"),
    "codigo_cnae": digitos("Código CNAE.", 7, exato=True),
    "codigo_tributario_municipio": texto("Código tributário do município (tabela de cada "
                                         "prefeitura).", max_len=20),
    "discriminacao": texto("Discriminação dos serviços (obrigatória; quebras de linha são "
                           "mantidas, caracteres de controle recusados).", max_len=2000),
    "codigo_municipio": ibge("Município onde o serviço foi prestado; padrão: o do prestador."),
    "percentual_total_tributos": decimal("Percentual aproximado dos tributos (Lei da "
                                         "Transparência)."),
    "fonte_total_tributos": texto("Fonte do percentual de tributos, como \"IBPT\".",
                                  max_len=60),
    **{f"percentual_total_tributos_{esfera}": decimal(
        f"(ext) Percentual aproximado dos tributos {nome} (pTotTrib da DPS nacional).")
       for esfera, nome in (("federais", "federais"), ("estaduais", "estaduais"),
                            ("municipais", "municipais"))},
    **{f"valor_total_tributos_{esfera}": decimal(
        f"(ext) Valor aproximado dos tributos {nome} (vTotTrib da DPS nacional).")
       for esfera, nome in (("federais", "federais"), ("estaduais", "estaduais"),
                            ("municipais", "municipais"))},
    "codigo_interno_contribuinte": texto("(ext) Código interno do serviço no contribuinte "
                                         "(cIntContrib): letras e dígitos.", max_len=20),
    "codigo_nbs": texto("(reforma) Código NBS do serviço."),
    "codigo_indicador_operacao": texto("(reforma) Indicador da operação (cIndOp), 6 dígitos.",
                                       padrao="^[0-9]{6}$"),
    "ibs_cbs_situacao_tributaria": texto("(reforma) CST do IBS/CBS, 3 dígitos.",
                                         padrao="^[0-9]{3}$"),
    "ibs_cbs_classificacao_tributaria": texto("(reforma) cClassTrib do IBS/CBS, 6 dígitos "
                                              "começando pelo CST.", padrao="^[0-9]{6}$"),
    "ibs_cbs_base_calculo": decimal("(reforma) Base de cálculo do IBS/CBS."),
    "ibs_uf_aliquota": decimal("(reforma) Alíquota do IBS estadual.", casas=4),
    "ibs_mun_aliquota": decimal("(reforma) Alíquota do IBS municipal.", casas=4),
    "cbs_aliquota": decimal("(reforma) Alíquota da CBS.", casas=4),
    "ibs_uf_valor": decimal("(reforma) Valor do IBS estadual."),
    "ibs_mun_valor": decimal("(reforma) Valor do IBS municipal."),
    "cbs_valor": decimal("(reforma) Valor da CBS."),
    "situacao_tributaria_pis_cofins": texto("(ext) CST do PIS/COFINS (2 dígitos)."),
    "base_calculo_pis_cofins": decimal("(ext) Base de cálculo do PIS/COFINS."),
    "aliquota_pis": decimal("(ext) Alíquota do PIS.", casas=4),
    "aliquota_cofins": decimal("(ext) Alíquota da COFINS.", casas=4),
    "tipo_retencao_pis_cofins": texto("(ext) Retenção de PIS/COFINS/CSLL (tpRetPisCofins, 0 "
                                      "a 9); padrão: deduzido de valor_pis/valor_cofins/"
                                      "valor_csll."),
    "percentual_deducoes": decimal("(ext) Deduções em percentual do valor dos serviços."),
    "documentos_deducao": {"type": ["array", "null"], "items": DOCUMENTO_DEDUCAO,
                           "maxItems": 1000,
                           "description": "(ext) Documentos das deduções; a soma é o valor "
                                          "deduzido."},
    "codigo_pais": texto("(ext) Serviço prestado no exterior: código ISO do país.",
                         padrao="^[A-Za-z]{2}$"),
}, ["valor_servicos", "iss_retido", "item_lista_servico", "discriminacao"])

NOTA_NFSE = objeto(
    "Uma NFS-e no modelo municipal unificado (SPEC §2.1). Campos desconhecidos são "
    "ignorados; campos opcionais podem vir como null, false ou \"\".", {
        "data_emissao": data_hora("Data e hora de emissão (obrigatória)."),
        "data_competencia": data_hora("(ext) Data de competência; padrão: a data de emissão."),
        "natureza_operacao": codigo("Natureza da operação: 1 tributação no município, 2 fora "
                                    "do município, 3 isenção, 4 imune, 5 exigibilidade "
                                    "suspensa por decisão judicial, 6 por procedimento "
                                    "administrativo. Padrão: 1.", [1, 2, 3, 4, 5, 6]),
        "regime_especial_tributacao": codigo("Regime especial: 1 microempresa municipal, 2 "
                                             "estimativa, 3 sociedade de profissionais, 4 "
                                             "cooperativa, 5 MEI, 6 ME/EPP do Simples "
                                             "Nacional.", [1, 2, 3, 4, 5, 6]),
        "regime_apuracao_tributos_sn": codigo(
            "(ext) ME/EPP do Simples: 1 tributos federais e municipal pelo SN, 2 federais pelo "
            "SN e ISSQN fora, 3 ambos fora (regApTribSN).", [1, 2, 3]),
        "data_opcao_simples_nacional": data_hora(
            "(ext) Data de adesão do prestador ao Simples Nacional (DtAdeSN da Conam, que a "
            "pede na nota de um optante)."),
        "informacoes_complementares": texto("(ext) Informações complementares (xInfComp).",
                                            max_len=2000),
        "optante_simples_nacional": booleano("Se o prestador é optante pelo Simples Nacional; "
                                             "ausente: vale o regime cadastrado da empresa."),
        "incentivador_cultural": booleano("Se o prestador é incentivador cultural. Padrão: "
                                          "false."),
        "numero_processo_suspensao": digitos("(ext) Processo da exigibilidade suspensa "
                                             "(naturezas 5 e 6).", 30, exato=True),
        "numero_beneficio_municipal": digitos("(ext) Benefício municipal (natureza 3).", 14,
                                              exato=True),
        "tipo_imunidade": codigo("(ext) Tipo de imunidade (natureza 4), 1 a 5.",
                                 [1, 2, 3, 4, 5]),
        "codigo_obra": texto("Código da obra (construção civil).", max_len=15),
        "art": texto("Código ART (construção civil).", max_len=15),
        "obra": objeto("(ext) Obra de construção civil.", {
            "inscricao_imobiliaria_fiscal": texto("Inscrição imobiliária fiscal da obra."),
            "endereco": LOCAL,
        }),
        "evento": objeto("(ext) Evento (serviços de eventos).", {
            "nome": texto("Nome do evento.", max_len=255),
            "data_inicio": data_hora("Início do evento."),
            "data_fim": data_hora("Fim do evento."),
            "identificacao": texto("Identificação do evento (ou informe o endereço)."),
            "endereco": LOCAL,
        }, ["nome", "data_inicio", "data_fim"]),
        "numero_rps_substituido": texto("Número do RPS da nota autorizada que esta substitui "
                                        "(só dígitos).", padrao="^[0-9]+$"),
        "serie_rps_substituido": texto("Série do RPS substituído (obrigatória com o número)."),
        "tipo_rps_substituido": texto("Tipo do RPS substituído; padrão: \"1\"."),
        "chave_nfse_substituida": texto("(ext) Chave de acesso (50 dígitos) da NFS-e Nacional "
                                        "substituída, em vez do RPS.", padrao="^[0-9]{50}$"),
        "codigo_motivo_substituicao": codigo("(ext) Motivo da substituição: 1 a 5 ou 99 "
                                             "(outros). Padrão: 99.", [1, 2, 3, 4, 5, 99]),
        "motivo_substituicao": {**texto("(ext) Texto do motivo da substituição.", max_len=255),
                                "minLength": 15},
        "prestador": PRESTADOR,
        "tomador": pessoa("tomador"),
        "servico": SERVICO,
        "intermediario": pessoa("intermediário (ignorado onde o município não o admite)"),
    }, ["data_emissao", "prestador", "servico"])

EXEMPLO_SEED: Esquema = {
    "data_emissao": "2017-09-21T22:15:00",
    "prestador": {"cnpj": "11222333000181", "inscricao_municipal": "12345",
                  "codigo_municipio": "3516200"},
    "tomador": {
        "cnpj": "07504505000132",
        "razao_social": "Acras Tecnologia da Informação LTDA",
        "email": "contato@focusnfe.com.br",
        "endereco": {"logradouro": "Rua Dias da Rocha Filho", "numero": "999",
                     "complemento": "Prédio 04 - Sala 34C", "bairro": "Alto da XV",
                     "codigo_municipio": "4106902", "uf": "PR", "cep": "80045165"},
    },
    "servico": {"aliquota": 3, "discriminacao": "Nota fiscal referente a serviços prestados",
                "iss_retido": "false", "item_lista_servico": "0107",
                "codigo_tributario_municipio": "620910000", "valor_servicos": 1.0},
}
"""The example of the source document (the seed) with the demo company as prestador (the
seed's CNPJ fails its check digits): "Try it out" works against ``nfse serve --demo``."""

EXEMPLO_RETENCOES: Esquema = {
    "data_emissao": "2026-11-24T10:30:00-03:00",
    "natureza_operacao": "1",
    "optante_simples_nacional": "2",
    "prestador": {"cnpj": "11222333000181", "inscricao_municipal": "12345",
                  "codigo_municipio": "3516200"},
    "tomador": {"cpf": "123.456.789-09", "razao_social": "Maria da Silva",
                "email": "maria@example.com",
                "endereco": {"logradouro": "Avenida Paulista", "numero": "1000",
                             "bairro": "Bela Vista", "codigo_municipio": "3550308",
                             "uf": "SP", "cep": "01310-100"}},
    "servico": {"valor_servicos": "2500.00", "valor_ir": "37.50", "iss_retido": "2",
                "aliquota": "2.00", "item_lista_servico": "01.07",
                "discriminacao": "Suporte técnico em informática\nNovembro de 2026",
                "codigo_cnae": "6209100"},
}
"""A note to a person, with IRRF withheld and the ABRASF booleans ("2" = não)."""

EXEMPLOS: dict[str, Esquema] = {
    "seed": {"summary": "O exemplo da Focus NFe, com a empresa de demonstração",
             "value": EXEMPLO_SEED},
    "pessoa_fisica": {"summary": "Tomador pessoa física, IRRF retido", "value":
                      EXEMPLO_RETENCOES},
}
