"""Run by ``test_clientes_terceiros`` with the interpreter of a venv of its own (brans-nfe
0.2.0 needs nfelib 2.x, the gateway nfelib 3.2): brans-nfe's ``NfseClient`` emits, queries
and cancels one note against the sandbox, unchanged but for the Sefin's base URL, the CA it
trusts and the certificate. Prints what it got, as JSON; imports nothing of the gateway.

Usage: ``python brans.py URL CA PFX SENHA CNPJ TOMADOR MUNICIPIO``."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from brans_nfe import (
    Ambiente,
    Certificado,
    EnderecoNacional,
    MotivoCancelamento,
    NfseClient,
    NotaServico,
    Prestador,
    Servico,
    Tomador,
    Valores,
)
from brans_nfe.enums import CodigoEventoNfse


def main(url: str, ca: str, pfx: str, senha: str, cnpj: str, tomador: str,
         municipio: str) -> None:
    with open(pfx, "rb") as fh:
        certificado = Certificado.from_pfx_bytes(fh.read(), senha)
    cliente = NfseClient(certificado, Ambiente.HOMOLOGACAO, ca_bundle=ca)
    cliente.sefin_url = url
    endereco = EnderecoNacional(codigo_municipio_ibge=municipio, cep="14400000",
                                logradouro="Rua A", numero="1", bairro="Centro")
    hoje = (datetime.now(ZoneInfo("America/Sao_Paulo")) - timedelta(minutes=2)).date()
    nota = NotaServico(
        numero_rps="1", data_competencia=hoje,
        prestador=Prestador(cnpj=cnpj, razao_social="EMPRESA TESTE LTDA", endereco=endereco),
        tomador=Tomador(cpf_cnpj=tomador, razao_social="Tomador Teste Ltda",
                        endereco_nacional=endereco),
        servico=Servico(codigo_tributacao_nacional="010701", discriminacao="Sistemas",
                        codigo_municipio_prestacao=municipio),
        valores=Valores(valor_bruto=Decimal("100.00"), valor_liquido=Decimal("100.00")))
    emitida = cliente.transmitir(nota)
    chave = emitida.chave_acesso or ""
    resultado = {"chave": chave, "id_dps": emitida.id_dps,
                 "dps": cliente.consultar_dps(emitida.id_dps or "").chave_acesso,
                 "existe": cliente.existe_dps(emitida.id_dps or "")}
    cancelada = cliente.cancelar(chave, "Nota emitida por engano no teste",
                                 MotivoCancelamento.ERRO_EMISSAO)
    resultado["evento"] = bool(cancelada.evento_xml)
    resultado["consulta_evento"] = bool(cliente.consultar_evento(
        chave, CodigoEventoNfse.CANCELAMENTO).evento_xml)
    print(json.dumps(resultado))


if __name__ == "__main__":
    main(*sys.argv[1:])
