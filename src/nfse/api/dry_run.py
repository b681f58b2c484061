"""(ext) ``POST /v2/nfse?ref=R&dry_run=1``: everything the worker would do before sending —
validate, build the municipality's document (the DPS, or the ABRASF request) with the next
RPS number, sign it, check it against the official schema, and for the national standard
ask the municipal parameters — and answer 200 with the signed XML and every problem found.
Nothing is stored, numbered or sent."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nfse.api.body import invalid
from nfse.model import modelos
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import validar_ref
from nfse.model.nfsen import plano
from nfse.model.nota import Nota, Substituicao
from nfse.municipios.registry import get as municipio
from nfse.municipios.routing import NACIONAL, nao_atendido, provider_for
from nfse.providers.base import Rps
from nfse.providers.registry import get_provider
from nfse.runtime import Runtime
from nfse.store import empresas, notas, numbering
from nfse.store.empresas import Credencial

DOCUMENTO = {NACIONAL: "dps_xml", "abrasf": "rps_xml", "paulistana": "rps_xml"}
"""The answer's key of the document each provider would send: the DPS, or the ABRASF
request (GerarNfseEnvio, a lot or SubstituirNfseEnvio)."""


def nome_municipio(codigo: str) -> str:
    lugar = municipio(codigo)
    return f"{lugar.nome}/{lugar.uf}" if lugar else codigo


def _alvo(runtime: Runtime, cred: Credencial, nota: Nota) -> tuple[Nota, list[dict]]:
    substitui: tuple[str, int] | str | None = nota.chave_nfse_substituida
    campo = "chave_nfse_substituida"
    if nota.numero_rps_substituido:
        substitui = (nota.serie_rps_substituido or "", int(nota.numero_rps_substituido))
        campo = "numero_rps_substituido"
    if substitui is None:
        return nota, []
    with runtime.engine.connect() as conn:
        try:
            alvo = notas.resolver_substituida(conn, cred.empresa.id, cred.ambiente, substitui)
        except notas.SubstituicaoInvalida as exc:
            return nota, [{"codigo": "requisicao_invalida", "campo": campo,
                           "mensagem": str(exc), "correcao": None}]
    return replace(nota, substituicao=Substituicao(  # ABRASF: no key, the number
        alvo.chave_acesso or alvo.numero or "", nota.codigo_motivo_substituicao,
        nota.motivo_substituicao)), []


def simular(runtime: Runtime, cred: Credencial, ref: str | None, body: Any,
            modelo: str = modelos.NFSE) -> dict[str, Any]:
    try:
        ref = validar_ref(ref)
        nota = modelos.parse(modelo, body)
    except RequisicaoInvalida as exc:
        return {"ref": ref, "valido": False, "erros": invalid(exc).erros}
    codigo = nota.prestador.codigo_municipio
    recusa = None if modelo == modelos.NFSEN else nao_atendido(codigo, cred.ambiente)
    if recusa:
        return {"ref": ref, "valido": False, "erros": [{
            "codigo": "municipio_nao_atendido", "campo": "prestador.codigo_municipio",
            "mensagem": recusa, "correcao": None}]}
    provider = NACIONAL if modelo == modelos.NFSEN else provider_for(codigo)
    nota, erros = _alvo(runtime, cred, nota)
    # the national rules as POST answers them (code, field named after the door's body)
    layout = get_provider(provider).problemas(nota) if provider == NACIONAL else []
    if layout:
        erros += invalid(RequisicaoInvalida(
            plano(layout) if modelo == modelos.NFSEN else layout)).erros
    emissor = runtime.emissores.for_empresa(cred.empresa, cred.ambiente, provider, codigo)
    parametros_municipais = None
    if provider == NACIONAL and runtime.settings.nacional_parametros_url(cred.ambiente):
        parametros = get_provider(NACIONAL).parametros
        problemas = parametros.problemas(nota, emissor, nome_municipio(codigo))
        if problemas:
            erros += invalid(RequisicaoInvalida(
                plano(problemas) if modelo == modelos.NFSEN else problemas)).erros
        parametros_municipais = parametros.resumo(nota, emissor)
    with runtime.engine.connect() as conn:
        serie = empresas.serie(conn, cred.empresa.id, cred.ambiente, modelo)
        numero = numbering.proximo(conn, cred.empresa.id, cred.ambiente, serie)
    answer: dict[str, Any] = {"ref": ref, "provedor": provider, "serie_rps": serie,
                              "numero_rps": str(numero),
                              "parametros_municipais": parametros_municipais}
    xml, problemas_documento = get_provider(provider).simular(
        nota, Rps(serie=serie, numero=numero), emissor)
    vistos = {(e["codigo"], e["mensagem"]) for e in erros}
    erros += [e.as_json() for e in problemas_documento if (e.codigo, e.mensagem) not in vistos]
    if xml is not None:
        answer[DOCUMENTO[provider]] = xml.decode("utf-8")
    if provider == NACIONAL:  # what the DPS assumed where the ADN said nothing usable
        aviso = get_provider(NACIONAL).municipio(nota, emissor).aviso
        if aviso:
            answer["avisos"] = [aviso]
    return answer | {"valido": not erros, "erros": erros}
