"""Schemas of the smaller bodies: cancellation, e-mail, hooks, companies, and the answers
(the error in the Focus format, the accepted note, the note's state)."""

from __future__ import annotations

from nfse.api.esquemas.tipos import Esquema, booleano, codigo, digitos, ibge, objeto, texto

CANCELAMENTO = objeto("Pedido de cancelamento.", {
    "justificativa": {"type": "string", "minLength": 15, "maxLength": 255,
                      "description": "Justificativa do cancelamento, de 15 a 255 caracteres. "
                                     "Também aceita como parâmetro ?justificativa=."},
}, ["justificativa"])

EMAIL = objeto("Endereços que recebem a nota (PDF e XML anexos).", {
    "emails": {"type": "array", "minItems": 1, "maxItems": 10,
               "items": {"type": "string", "format": "email"},
               "description": "De 1 a 10 endereços de e-mail."},
}, ["emails"])

HOOK_CAMPOS: dict[str, Esquema] = {
    "event": texto("Evento: \"nfse\" (notas de /v2/nfse) ou \"nfsen\" (notas de /v2/nfsen).",
                   valores=["nfse", "nfsen"]),
    "url": texto("URL que recebe um POST com o JSON da nota a cada estado final. Em produção "
                 "não pode apontar para endereços internos, salvo os de NFSE_WEBHOOK_ALLOW."),
    "cnpj": texto("CNPJ da empresa; ausente: a empresa do token."),
    "cpf": digitos("CPF da empresa; ausente: a empresa do token.", 11, exato=True),
    "authorization": texto("Valor enviado no cabeçalho de autorização de cada entrega."),
    "authorization_header": texto("Nome desse cabeçalho. Padrão: \"Authorization\"."),
    "secret": texto("(ext) Segredo para assinar as entregas: X-Nfse-Signature = sha256=HMAC-"
                    "SHA256(secret, X-Nfse-Timestamp + \".\" + corpo). Nunca é mostrado de "
                    "volta."),
}
HOOK = objeto("Um gatilho (webhook). O corpo pode vir também dentro de {\"hook\": {...}}.",
              HOOK_CAMPOS, ["event", "url"])

EMPRESA_CAMPOS: dict[str, Esquema] = {
    "nome": texto("Razão social (obrigatória ao criar).", max_len=115),
    "nome_fantasia": texto("Nome fantasia.", max_len=60),
    "cnpj": texto("CNPJ da empresa (ou cpf)."),
    "cpf": digitos("CPF, para pessoa física.", 11, exato=True),
    "inscricao_municipal": texto("Inscrição municipal.", max_len=20),
    "regime_tributario": codigo("Regime tributário: 1 Simples Nacional, 2 Simples Nacional "
                                "com excesso de sublimite, 3 regime normal, 4 MEI.",
                                [1, 2, 3, 4]),
    "email": texto("E-mail da empresa (Reply-To dos e-mails ao tomador).", max_len=80),
    "logradouro": texto("Logradouro.", max_len=125),
    "numero": texto("Número.", max_len=10),
    "complemento": texto("Complemento.", max_len=60),
    "bairro": texto("Bairro.", max_len=60),
    "cep": digitos("CEP.", 8, exato=True),
    "municipio": texto("Nome do município.", max_len=60),
    "uf": texto("Sigla da UF.", max_len=2),
    "codigo_municipio": ibge("Município da empresa (obrigatório ao criar)."),
    "habilita_nfse": booleano("Se a empresa emite NFS-e. Padrão: true."),
    "habilita_nfsen_producao": booleano("Se emite pela NFS-e Nacional (/v2/nfsen) em produção."),
    "habilita_nfsen_homologacao": booleano("Se emite pela NFS-e Nacional (/v2/nfsen) em "
                                           "homologação."),
    "enviar_email_destinatario": booleano("Se cada nota autorizada ou cancelada vai por e-mail "
                                          "ao tomador. Ausente: sim em produção, não em "
                                          "homologação."),
    "arquivo_certificado_base64": texto("O certificado A1 (arquivo .pfx/.p12) em base64. É "
                                        "conferido: senha, raiz do CNPJ e validade."),
    "senha_certificado": texto("Senha do certificado. Nunca é mostrada de volta."),
    "login_responsavel": texto("Login do responsável na prefeitura, onde é exigido.",
                               max_len=100),
    "senha_responsavel": texto("Senha do responsável na prefeitura. Nunca é mostrada de volta "
                               "(senha_responsavel_preenchida diz se existe)."),
    **{f"serie_{modelo}_{ambiente}": texto(f"Série do RPS/DPS de /v2/{modelo} em {ambiente}.")
       for modelo in ("nfse", "nfsen") for ambiente in ("producao", "homologacao")},
    **{f"proximo_numero_{modelo}_{ambiente}": {
        "type": ["integer", "string", "null"],
        "description": f"Próximo número de RPS/DPS de /v2/{modelo} em {ambiente}; não pode "
                       "baixar para um número já usado."}
       for modelo in ("nfse", "nfsen") for ambiente in ("producao", "homologacao")},
    "smtp_host": texto("Servidor SMTP próprio da empresa.", max_len=255),
    "smtp_port": {"type": ["integer", "string", "null"], "description": "Porta SMTP."},
    "smtp_user": texto("Usuário SMTP.", max_len=255),
    "smtp_password": texto("Senha SMTP. Nunca é mostrada de volta."),
    "smtp_from": texto("Remetente dos e-mails da empresa.", max_len=255),
    "smtp_starttls": booleano("Usar STARTTLS."),
    "smtp_ssl": booleano("Conectar por TLS."),
}
EMPRESA = objeto("Uma empresa (SPEC §5). O corpo pode vir também dentro de "
                 "{\"empresa\": {...}}. No PUT, só os campos enviados mudam.", EMPRESA_CAMPOS)

ERRO_ITEM = objeto("Um problema.", {
    "codigo": {"type": "string", "description": "Código do problema."},
    "mensagem": {"type": "string", "description": "O problema, em português."},
    "correcao": {"type": ["string", "null"], "description": "Como corrigir."},
    "campo": {"type": ["string", "null"],
              "description": "(ext) Caminho JSON do campo; null quando o problema é do corpo "
                             "inteiro."},
})
ERRO = objeto("Erro no formato da Focus NFe.", {
    "codigo": {"type": "string", "description": "Código do erro, como requisicao_invalida."},
    "mensagem": {"type": "string", "description": "O erro, em português."},
    "erros": {"type": "array", "items": ERRO_ITEM,
              "description": "(ext) Todos os problemas encontrados, cada um com o campo."},
}, ["codigo", "mensagem"])

NOTA_ACEITA = objeto("A nota foi guardada e entrou na fila de emissão.", {
    "cnpj_prestador": {"type": "string"},
    "ref": {"type": "string"},
    "status": {"type": "string", "enum": ["processando_autorizacao"]},
}, ["cnpj_prestador", "ref", "status"])

STATUS = ["processando_autorizacao", "autorizado", "erro_autorizacao", "cancelado",
          "substituido"]
NOTA = objeto("O estado de uma nota (SPEC §2.2).", {
    "cnpj_prestador": {"type": "string"},
    "ref": {"type": "string"},
    "status": {"type": "string", "enum": STATUS,
               "description": "processando_autorizacao até o estado final."},
    "numero_rps": {"type": "string"}, "serie_rps": {"type": "string"},
    "tipo_rps": {"type": "string"},
    "numero": {"type": "string", "description": "Número da NFS-e, quando autorizada."},
    "codigo_verificacao": {"type": ["string", "null"],
                           "description": "Código de verificação (na NFS-e Nacional, a chave "
                                          "de acesso); null se a autoridade não o deu."},
    "chave_acesso": {"type": "string", "description": "(ext) Chave de acesso de 50 dígitos."},
    "data_emissao": {"type": ["string", "null"]},
    "url": {"type": "string", "description": "Visualização pública da nota (sem token)."},
    "url_danfse": {"type": "string", "description": "PDF do DANFSe (sem token)."},
    "caminho_xml_nota_fiscal": {"type": "string",
                                "description": "Caminho do XML autorizado (sem token)."},
    "caminho_xml_cancelamento": {"type": "string"},
    "erros": {"type": "array", "items": ERRO_ITEM,
              "description": "Em erro_autorizacao: os erros da autoridade, como vieram."},
    "mensagem_prefeitura": {"type": ["string", "null"],
                            "description": "Com completa=1; null sem mensagem."},
    "requisicao_nfse": {"type": "object", "description": "Com completa=1: o JSON enviado."},
}, ["ref", "status"])

CANCELAMENTO_RESPOSTA = objeto("O resultado do cancelamento.", {
    "status": {"type": "string", "enum": ["cancelado", "erro_cancelamento"]},
    "erros": {"type": "array", "items": ERRO_ITEM},
}, ["status"])

SIMULACAO = objeto("(ext) O resultado de dry_run=1: nada é guardado, numerado ou enviado.", {
    "valido": {"type": "boolean"},
    "erros": {"type": "array", "items": ERRO_ITEM},
    "provedor": {"type": "string"},
    "dps_xml": {"type": "string", "description": "A DPS assinada (NFS-e Nacional)."},
    "rps_xml": {"type": "string", "description": "O pedido ABRASF assinado."},
    "parametros_municipais": {"type": "object"},
})

HOOK_RESPOSTA = objeto("Um gatilho cadastrado.", {
    **{nome: esquema for nome, esquema in HOOK_CAMPOS.items() if nome != "secret"},
    "id": {"type": "string"},
    "request_count": {"type": "integer"}, "success_count": {"type": "integer"},
    "error_count": {"type": "integer"}, "count_since": {"type": ["string", "null"]},
    "assinado": {"type": "boolean", "description": "(ext) Se as entregas são assinadas."},
    "deleted": {"type": "boolean", "description": "Presente no DELETE."},
})

EMPRESA_RESPOSTA = objeto("Uma empresa. Senhas e certificado nunca voltam.", {
    **{nome: esquema for nome, esquema in EMPRESA_CAMPOS.items()
       if nome not in ("arquivo_certificado_base64", "senha_certificado", "senha_responsavel",
                       "smtp_password")},
    "id": {"type": ["integer", "string"]},
    "certificado_valido_ate": {"type": ["string", "null"]},
    "certificado_cnpj": {"type": ["string", "null"]},
    "senha_responsavel_preenchida": {"type": "boolean"},
    "token_producao": {"type": ["string", "null"]},
    "token_homologacao": {"type": ["string", "null"]},
})

EXEMPLO_HOOK: Esquema = {"event": "nfse", "url": "https://erp.example/nfse",
                         "authorization": "minha-chave", "authorization_header": "X-ApiKey",
                         "secret": "segredo-compartilhado"}
EXEMPLO_EMPRESA: Esquema = {
    "nome": "Exemplo Serviços de Informática LTDA", "cnpj": "11.222.333/0001-81",
    "inscricao_municipal": "12345", "regime_tributario": 3, "email": "fiscal@example.com",
    "logradouro": "Rua das Flores", "numero": "100", "bairro": "Centro", "cep": "14160-000",
    "municipio": "Sertãozinho", "uf": "SP", "codigo_municipio": "3551702",
    "habilita_nfse": True, "enviar_email_destinatario": True,
    "arquivo_certificado_base64": "MIIKZAIBAzCCCh4GCSqGSIb3DQEHAaCCCg8Egg...",
    "senha_certificado": "senha-do-certificado",
}
EXEMPLO_EMAIL: Esquema = {"emails": ["financeiro@example.com", "contato@example.com"]}
EXEMPLO_CANCELAMENTO: Esquema = {"justificativa": "Erro na emissão da nota fiscal"}
