"""(ext) Webhook event ``certificado``: 30, 7 and 1 days before a company's A1 expires, its
hooks for that event receive one POST each (a worker checks every hour)."""

from __future__ import annotations

import json
import math
from datetime import timedelta

from sqlalchemy import Engine

from nfse.representacao import iso
from nfse.store import empresas, hooks
from nfse.store.clock import aware, now

AVISOS = (30, 7, 1)
INTERVALO = 3600.0
"""Seconds between two checks of one worker."""


def avisar(engine: Engine) -> int:
    """Queue the warnings now due; how many companies were warned."""
    moment = now()
    with engine.connect() as conn:
        vencendo = empresas.certificados_vencendo(conn, moment + timedelta(days=max(AVISOS)))
    avisadas = 0
    for row in vencendo:
        valido_ate = aware(row.certificado_valido_ate)
        dias = math.ceil((valido_ate - moment).total_seconds() / 86400)
        if dias < 0:
            continue
        aviso = min(a for a in AVISOS if dias <= a)
        body = json.dumps({"evento": "certificado", "cnpj": row.cnpj, "cpf": row.cpf,
                           "certificado_valido_ate": iso(valido_ate), "dias_restantes": dias},
                          ensure_ascii=False)
        with engine.begin() as conn:
            if empresas.marcar_aviso(conn, row.id, aviso):
                hooks.disparar_empresa(conn, row.id, body, "certificado")
                avisadas += 1
    return avisadas
