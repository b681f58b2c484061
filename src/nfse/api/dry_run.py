"""(ext) ``POST /v2/nfse?ref=R&dry_run=1``: everything the worker would do before sending —
validate, build the DPS with the next RPS number, sign it, check it against the official
schema — and answer 200 with the signed XML and every problem found. Nothing is stored,
numbered or sent."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from nfse.api.body import invalid
from nfse.api.errors import ApiError
from nfse.model import modelos
from nfse.model.errors import RequisicaoInvalida
from nfse.model.nfse import validar_ref
from nfse.model.nfsen import plano
from nfse.model.nota import Nota, Substituicao
from nfse.municipios.registry import get as municipio
from nfse.municipios.routing import provider_for
from nfse.providers.base import Rps
from nfse.providers.nacional.dps import DpsInvalida, build_dps
from nfse.providers.registry import get_provider
from nfse.runtime import Runtime
from nfse.store import empresas, notas, numbering
from nfse.store.empresas import Credencial


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
    return replace(nota, substituicao=Substituicao(
        alvo.chave_acesso or "", nota.codigo_motivo_substituicao,
        nota.motivo_substituicao)), []


def simular(runtime: Runtime, cred: Credencial, ref: str | None, body: Any,
            modelo: str = modelos.NFSE) -> dict[str, Any]:
    try:
        ref = validar_ref(ref)
        nota = modelos.parse(modelo, body)
    except RequisicaoInvalida as exc:
        return {"ref": ref, "valido": False, "erros": invalid(exc).erros}
    if provider_for(nota.prestador.codigo_municipio) != "nacional":
        raise ApiError(400, "requisicao_invalida", "dry_run só está disponível para a NFS-e "
                                                   "Nacional")
    nota, erros = _alvo(runtime, cred, nota)
    emissor = runtime.emissores.for_empresa(cred.empresa, cred.ambiente)
    parametros_municipais = None
    if runtime.settings.nacional_parametros_url(cred.ambiente):
        parametros = get_provider("nacional").parametros
        problemas = parametros.problemas(nota, emissor,
                                         nome_municipio(nota.prestador.codigo_municipio))
        if problemas:
            erros += invalid(RequisicaoInvalida(
                plano(problemas) if modelo == modelos.NFSEN else problemas)).erros
        parametros_municipais = parametros.resumo(nota, emissor)
    with runtime.engine.connect() as conn:
        serie = empresas.serie(conn, cred.empresa.id, cred.ambiente, modelo)
        numero = numbering.proximo(conn, cred.empresa.id, cred.ambiente, serie)
    answer: dict[str, Any] = {"ref": ref, "serie_rps": serie, "numero_rps": str(numero),
                              "parametros_municipais": parametros_municipais}
    try:
        xml = build_dps(nota, Rps(serie=serie, numero=numero), emissor)
    except DpsInvalida as exc:
        erros.append({"codigo": "dps_invalida", "mensagem": str(exc), "correcao": None})
    else:
        answer["dps_xml"] = xml.decode("utf-8")
    return answer | {"valido": not erros, "erros": erros}
