"""Run by ``test_clientes_terceiros`` with an interpreter that has pynfse-nacional (a venv of
its own: it needs ``signxml>=4``, which the gateway's ``erpbrasil.assinatura`` refuses):
pynfse-nacional builds, signs (exclusive C14N "WithComments", RSA-SHA256) and sends its own
DPS to the sandbox, unchanged but for the Sefin's base URL, the CA it trusts and the
certificate, then asks the NFS-e back. Prints what it got, as JSON; imports nothing of the
gateway.

Usage: ``python pynfse.py URL CA PFX SENHA CNPJ TOMADOR MUNICIPIO``."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo


def main(url: str, ca: str, pfx: str, senha: str, cnpj: str, tomador: str,
         municipio: str) -> None:
    os.environ["SSL_CERT_FILE"] = ca  # which CA to trust
    import pynfse_nacional
    from pynfse_nacional.models import DPS, Endereco, Prestador, Servico, Tomador

    client = pynfse_nacional.NFSeClient(pfx, senha, ambiente="homologacao")
    client.base_url = url  # and where
    endereco = Endereco(logradouro="Rua A", numero="1", bairro="Centro",
                        codigo_municipio=int(municipio), uf="SP", cep="14400000")
    emissao = datetime.now(ZoneInfo("America/Sao_Paulo")) - timedelta(minutes=1)
    dps = DPS(serie="1", numero=1, competencia=emissao.strftime("%Y-%m"), data_emissao=emissao,
              prestador=Prestador(cnpj=cnpj, razao_social="EMPRESA TESTE LTDA",
                                  endereco=endereco),
              tomador=Tomador(cnpj=tomador, razao_social="Tomador Teste Ltda",
                              endereco=endereco),
              servico=Servico(codigo_lc116="01.07.01", discriminacao="Sistemas",
                              valor_servicos=Decimal("100.00")),
              regime_tributario="normal")
    resposta = client.submit_dps(dps)
    # its query_nfse reads dhEmi/nNFSe from the JSON of GET /nfse, which the Swagger's
    # answer does not carry (fact sheet §2.3): the raw answer is what the Sefin sends
    bruta = client.query_nfse_raw_response(resposta.chave_acesso)
    print(json.dumps({"chave": resposta.chave_acesso, "consultada": bruta is not None}))


if __name__ == "__main__":
    main(*sys.argv[1:])
