"""A Python client of the gateway's API, usable against Focus NFe itself too.

    from nfse.cliente import Cliente
    with Cliente("http://127.0.0.1:8000", token) as api:
        api.emitir("pedido-1", nota)
        nota = api.esperar("pedido-1")
"""

from nfse.cliente.assinatura import verificar_assinatura
from nfse.cliente.cliente import Cliente, ClienteAsync
from nfse.cliente.planos import Politica
from nfse.cliente.respostas import (
    Cancelamento,
    Erro,
    ErroApi,
    ErroServidor,
    LimiteDeRequisicoes,
    NaoAutenticado,
    NaoEncontrado,
    Nota,
    PermissaoNegada,
    RequisicaoInvalida,
)

__all__ = [
    "Cancelamento", "Cliente", "ClienteAsync", "Erro", "ErroApi", "ErroServidor",
    "LimiteDeRequisicoes", "NaoAutenticado", "NaoEncontrado", "Nota", "PermissaoNegada",
    "Politica", "RequisicaoInvalida", "verificar_assinatura",
]
