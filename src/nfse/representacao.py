"""The JSON of a note as GET answers it (SPEC §2.2) and webhooks send it: shared by the API
and the worker, which fires the hooks."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row

from nfse.domain.status import ISSUED, Status
from nfse.fuso import SAO_PAULO
from nfse.model import coerce
from nfse.providers import registry
from nfse.providers.base import Capability
from nfse.store import artefatos, empresas, notas
from nfse.store.clock import aware
from nfse.visualizacao.links import CONSULTA_PUBLICA, public_path


def iso(value: datetime | None) -> str | None:
    value = aware(value)
    return value.astimezone(SAO_PAULO).isoformat(timespec="seconds") if value else None


AVISO_DIAS = 30


def aviso_certificado(valido_ate: datetime | None, moment: datetime | None = None) -> str | None:
    """(ext) A warning when the company's certificate expires within ``AVISO_DIAS``."""
    if valido_ate is None:
        return None
    restante = valido_ate - (moment or datetime.now(UTC))
    if restante.total_seconds() < 0:
        return f"O certificado digital do emitente venceu em {valido_ate:%d/%m/%Y}"
    if restante.days < AVISO_DIAS:
        return (f"O certificado digital do emitente vence em {restante.days} dia(s), em "
                f"{valido_ate:%d/%m/%Y}: envie o novo em /v2/empresas")
    return None


def emissao_enviada(requisicao: str) -> str | None:
    """``data_emissao`` as the request sent it (normalised to ISO with offset: ``-3:00``
    becomes ``-03:00``, a date alone its midnight in São Paulo); None when it cannot be read
    (a request accepted is always readable)."""
    try:
        body = json.loads(requisicao)
    except json.JSONDecodeError:
        return None
    valor = body.get("data_emissao") if isinstance(body, dict) else None
    momento = coerce.data_hora(valor, "data_emissao", coerce.Problemas(), obrigatorio=False)
    return iso(momento)


def nota_json(conn: Connection, row: Row, base_url: str, completa: bool = False) -> dict[str, Any]:
    status = Status(row.status)
    body: dict[str, Any] = {
        "cnpj_prestador": row.cnpj_prestador,
        "ref": row.ref,
        "status": status.value,
    }
    if row.numero_rps is not None:
        body.update(numero_rps=str(row.numero_rps), serie_rps=row.serie_rps,
                    tipo_rps=row.tipo_rps)
    if status in ISSUED:
        body.update(
            numero=row.numero,
            codigo_verificacao=row.codigo_verificacao,
            # what the client sent; the authority's time (dhProc) is its own field
            data_emissao=emissao_enviada(row.requisicao) or iso(row.data_emissao),
            data_autorizacao=iso(row.data_emissao),
            url=base_url + public_path(row.capability),
            url_danfse=base_url + public_path(row.capability, "danfse.pdf"),
            caminho_xml_nota_fiscal=public_path(row.capability, "nfse.xml"),
        )
        if row.chave_acesso:
            body["chave_acesso"] = row.chave_acesso
        if row.valores_nfse:
            body["valores_nfse"] = json.loads(row.valores_nfse)  # (ext) as the authority computed
        if row.modelo == "nfsen" and row.chave_acesso:  # SPEC §3: the key and its consultation
            body["codigo_verificacao"] = row.chave_acesso
            body["url"] = CONSULTA_PUBLICA.format(chave=row.chave_acesso)
        if status == Status.CANCELADO:
            body["caminho_xml_cancelamento"] = public_path(row.capability, "cancelamento.xml")
        if row.numero_nfse_substituida:
            body["numero_nfse_substituida"] = row.numero_nfse_substituida
        if row.numero_nfse_substituta:
            body["numero_nfse_substituta"] = row.numero_nfse_substituta
    if status in (Status.PROCESSANDO, Status.AUTORIZADO) and row.mensagem:
        # (ext) why it is still waiting; what its authorization left to say
        body["mensagem"] = row.mensagem
    if status == Status.ERRO and row.erros:
        body["erros"] = json.loads(row.erros)
    if completa:
        aviso = aviso_certificado(empresas.get_empresa(conn, row.empresa_id).certificado_valido_ate)
        if aviso:
            body["avisos"] = [aviso]
        body["requisicao_nfse"] = json.loads(row.requisicao)
        body["mensagem_prefeitura"] = row.mensagem
        historico = notas.history(conn, row.id)
        body["historico"] = [
            {"status": h.status, "data": iso(h.at), "detalhe": h.detalhe} for h in historico]
        body["eventos"] = eventos(row, historico)
        body["tentativas"] = tentativas(conn, row.id)
    return body


RESPOSTA_MAXIMA = 2000
"""Characters of each answer ``tentativas`` shows (the whole exchange is in the panel)."""


def tentativas(conn: Connection, nota_id: int) -> list[dict[str, Any]]:
    """(ext) Each exchange with the authority, oldest first: when, which operation
    (``emissao``, ``consulta``, ``cancelamento``…) and what it answered (cut to
    ``RESPOSTA_MAXIMA`` characters), or why nothing came back."""
    return [{"data": iso(quando), "operacao": operacao,
             "resposta": resposta.decode("utf-8", "replace")[:RESPOSTA_MAXIMA]}
            for operacao, quando, resposta in artefatos.respostas(conn, nota_id)]


EVENTOS = {
    # status the note reached → (the NFS-e Nacional event code, its name)
    Status.CANCELADO.value: ("101101", "Cancelamento de NFS-e"),
    Status.SUBSTITUIDO.value: ("105102", "Cancelamento de NFS-e por substituição"),
}


def eventos(row: Row, historico: list[Row]) -> list[dict[str, Any]]:
    """(ext) The events registered on the note at the authority, oldest first: its
    cancellation (with the event's XML) or its cancellation by substitution (with the number
    of the note that replaced it). ``tipo`` is the official event code where the
    authority registers events (``Capability.EVENTS``), else the name of the state."""
    found = []
    codificados = Capability.EVENTS in registry.capabilities(row.provider)
    for h in historico:
        if h.status not in EVENTOS:
            continue
        codigo, nome = EVENTOS[h.status]
        evento: dict[str, Any] = {"tipo": codigo if codificados else h.status,
                                  "descricao": nome, "data": iso(h.at)}
        if h.status == Status.CANCELADO.value:
            evento["caminho_xml"] = public_path(row.capability, "cancelamento.xml")
        else:
            evento["numero_nfse_substituta"] = row.numero_nfse_substituta
        found.append(evento)
    return found



def recebida_json(chave: str, versao: int, status: str, dados: dict[str, Any], base_url: str,
                  xml: bytes | None = None, xml_evento: bytes | None = None) -> dict[str, Any]:
    """A received note as ``/v2/nfses_recebidas`` and the ``nfse_recebida`` webhook show it:
    the Focus fields, from ``dados`` (what was read of its XML). A national note's
    verification code is its access key, and ``url`` its public consultation; an ABRASF note
    has its municipality's code, and no national page. With
    ``xml`` (gzip of the NFS-e; ``completa=1``) also the documents themselves."""
    corpo: dict[str, Any] = {
        "chave": chave, "versao": versao, "status": status,
        **{campo: dados.get(campo) for campo in (
            "numero", "numero_rps", "serie_rps", "data_emissao", "data_emissao_rps",
            "valor_servicos", "documento_prestador", "nome_prestador",
            "inscricao_municipal_prestador", "nome_municipio", "sigla_uf", "codigo_municipio",
            "documento_tomador")},
        "codigo_verificacao": dados.get("codigo_verificacao") or chave,
        "url": CONSULTA_PUBLICA.format(chave=chave) if chave.isdigit() else None,
        "url_xml": f"{base_url}/v2/nfses_recebidas/{chave}.xml",
    }
    if xml is not None:
        corpo["documento_intermediario"] = dados.get("documento_intermediario")
        corpo["xml_nfse"] = gzip.decompress(xml).decode()
        if xml_evento:
            corpo["xml_cancelamento"] = gzip.decompress(xml_evento).decode()
    return corpo
