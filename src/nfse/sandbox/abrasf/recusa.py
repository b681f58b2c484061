"""The refusal the sandboxes of the ABRASF systems with layouts of their own (EloTech,
MegaSoft, Centi) raise while reading a request: the system's code, its message and, where
the system gives one, the correction; each answers it in its own ``MensagemRetorno``."""

from __future__ import annotations


class Recusa(Exception):
    def __init__(self, codigo: str, mensagem: str, correcao: str | None = None):
        super().__init__(mensagem)
        self.codigo, self.mensagem, self.correcao = codigo, mensagem, correcao
