"""(ext) ``POST /v2/nfse?ref=R&dry_run=1``: everything the worker would do before sending —
validate, have the municipality's provider build its document (the DPS, the ABRASF request)
with the next RPS number, sign it, check it against the official schema, and ask the
municipal parameters where the provider consults them — and answer 200 with the signed XML
under the provider's ``document_field`` and every problem found. Nothing is stored, numbered
or sent."""

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
from nfse.providers.base import Capability, Rps
from nfse.providers.registry import capabilities, get_provider
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
    recusa = None if modelo == modelos.NFSEN else nao_atendido(codigo, cred.ambiente,
                                                                      runtime.settings)
    if recusa:
        return {"ref": ref, "valido": False, "erros": [{
            "codigo": "municipio_nao_atendido", "campo": "prestador.codigo_municipio",
            "mensagem": recusa, "correcao": None}]}
    provider = NACIONAL if modelo == modelos.NFSEN else provider_for(codigo)
    nota, erros = _alvo(runtime, cred, nota)
    with runtime.engine.connect() as conn:
        serie = empresas.serie(conn, cred.empresa.id, cred.ambiente, modelo)
        numero = numbering.proximo(conn, cred.empresa.id, cred.ambiente, serie)
    answer: dict[str, Any] = {"ref": ref, "provedor": provider, "serie_rps": serie,
                              "numero_rps": str(numero), "parametros_municipais": None}
    if Capability.DRY_RUN not in capabilities(provider):
        return answer | {"valido": False, "erros": erros + [{
            "codigo": "operacao_indisponivel", "correcao": None,
            "mensagem": f"O sistema do município {nome_municipio(codigo)} não permite "
                        "ensaiar a emissão neste gateway"}]}
    emissor = runtime.emissores.for_empresa(cred.empresa, cred.ambiente, provider, codigo)
    provedor = get_provider(provider)
    ensaio = provedor.dry_run(nota, Rps(serie=serie, numero=numero), emissor)
    if ensaio.problemas:  # as POST answers them (code, field named after the door's body)
        problemas = list(ensaio.problemas)
        erros += invalid(RequisicaoInvalida(
            plano(problemas) if modelo == modelos.NFSEN else problemas)).erros
    answer["parametros_municipais"] = ensaio.parametros
    vistos = {(e["codigo"], e["mensagem"]) for e in erros}
    erros += [e.as_json() for e in ensaio.erros if (e.codigo, e.mensagem) not in vistos]
    if ensaio.document is not None:
        answer[provedor.document_field] = ensaio.document.decode("utf-8")
    if ensaio.avisos:
        answer["avisos"] = list(ensaio.avisos)
    return answer | {"valido": not erros, "erros": erros}
