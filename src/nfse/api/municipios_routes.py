"""``/v2/municipios`` (SPEC §6): every IBGE municipality with the provider that serves it and
the rules of its NFS-e, its LC 116 service list and its municipal service codes. Any valid
token may read them.

A municipality our providers do not serve (its own system, not supported; or, in the
token's environment, no address known for it) has ``nfse_habilitada: false`` and
``provedor_nfse: null``; **(ext)** ``sistema_nfse`` names the municipal system it issues
through (null: the national emitter) and ``motivo_nfse`` says why it is not served.
**(ext)** ``sem_tls_nfse`` is true for a municipality served in plain http, without TLS: its
system publishes only such an address and the operator allowed it
(``NFSE_PERMITIR_HTTP_MUNICIPAL``, docs/http-municipal.md).

Listings answer 100 entries per page from ``offset``, in IBGE code order, with the number of
matching entries in ``X-Total-Count``.

- ``GET /v2/municipios``: filters ``sigla_uf``, ``nome_municipio`` (the whole name),
  ``nome`` (part of the name) and ``status_nfse``; names match ignoring case and accents.
- ``GET /v2/municipios/CODIGO``.
- ``GET /v2/municipios/CODIGO/itens_lista_servico[/ITEM]``: the LC 116/2003 subitems, spelled
  as the municipality's provider wants them (``"01.07"`` or ``"0107"``); **(ext)** filter
  ``descricao`` (part of the text). ``ITEM`` may be written ``0107``, ``01.07``, ``107`` or as a
  6-digit national code (``010701``, which names its item and subitem).
- **(ext)** ``GET /v2/municipios/CODIGO/codigos_tributacao_nacional[/CTRIBNAC]``: the national
  service list of the NFS-e Nacional (``codigo``, ``descricao``, ``grupo_obrigatorio``: the
  DPS group the service requires, ``obra`` or ``atvEvento``); filter ``descricao``.
- ``GET /v2/municipios/CODIGO/codigos_tributarios_municipio[/CODIGO_TRIBUTARIO]``: the codes
  configured for the municipality in the provider files (``codigos_tributarios``), else ``[]``;
  **(ext)** filter ``descricao``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from nfse.api.auth import credencial
from nfse.api.errors import ApiError, nao_encontrado
from nfse.municipios import provedores, registry, servicos
from nfse.municipios.registry import NOME_UF, Municipio
from nfse.providers.base import Capability
from nfse.providers.registry import capabilities
from nfse.store import autoridades
from nfse.store.empresas import Credencial

router = APIRouter(dependencies=[Depends(credencial)])

POR_PAGINA = 100
STATUS_NFSE = ("ativo", "inativo", "fora_do_ar")
CAMPOS = ("nfse_habilitada", "requer_certificado_nfse", "possui_ambiente_homologacao_nfse",
          "possui_cancelamento_nfse", "provedor_nfse", "endereco_obrigatorio_nfse",
          "cpf_cnpj_obrigatorio_nfse", "codigo_cnae_obrigatorio_nfse",
          "item_lista_servico_obrigatorio_nfse", "codigo_tributario_municipio_obrigatorio_nfse")
"""The flags of a municipality in the order SPEC §6 lists them (``status_nfse`` comes last)."""

MUNICIPIO_NAO_ENCONTRADO = nao_encontrado("Município não encontrado")
T = TypeVar("T")


def status_nfse(codigo: str, situacao: Situacao) -> str:
    """The ``status_nfse`` of a municipality: ``"fora_do_ar"`` while a worker's circuit to its
    authority is open, else the configured one (``"ativo"`` unless a provider file says
    ``"inativo"``)."""
    configurado = provedores.flags(codigo)["status_nfse"]
    if configurado == "ativo" and situacao.fora_do_ar:
        if situacao.autoridade(codigo) in situacao.fora_do_ar:
            return "fora_do_ar"
    return configurado


@dataclass(frozen=True)
class Situacao:
    """The authorities out of the air now, read once per request, and how to name the
    authority of a municipality in the token's environment."""

    fora_do_ar: set[str]
    autoridade: Callable[[str], str]
    ambiente: str
    """The token's environment: what is served may differ between the two."""
    permitir_http: bool = False
    """The operator's ``NFSE_PERMITIR_HTTP_MUNICIPAL``: plain http addresses of the shipped
    registry are served."""


async def situacao(request: Request, cred: Credencial = Depends(credencial)) -> Situacao:
    runtime = request.app.state.runtime

    def ler() -> set[str]:
        with runtime.engine.connect() as conn:
            return autoridades.fora_do_ar(conn)

    fora = await run_in_threadpool(ler)
    return Situacao(fora, lambda codigo: runtime.emissores.autoridade(cred.ambiente, codigo),
                    cred.ambiente, runtime.settings.permitir_http_municipal)


def _dobrar(texto: str) -> str:
    """``texto`` without accents, case or repeated blanks, for name matching."""
    decomposto = unicodedata.normalize("NFKD", texto)
    return " ".join("".join(c for c in decomposto if not unicodedata.combining(c))
                    .casefold().split())


@cache
def _ordenados() -> list[tuple[Municipio, str]]:
    """Every municipality in IBGE code order, with its folded name."""
    return [(m, _dobrar(m.nome)) for m in sorted(registry.all_municipios(),
                                                  key=lambda m: m.codigo)]


def _municipio(codigo: str) -> Municipio:
    found = registry.get(codigo)
    if found is None:
        raise MUNICIPIO_NAO_ENCONTRADO
    return found


def _json(municipio: Municipio, situacao: Situacao) -> dict[str, Any]:
    flags = provedores.flags(municipio.codigo)
    rota = provedores.rota(municipio.codigo)
    motivo = rota.problema(situacao.ambiente, situacao.permitir_http)
    if motivo:
        flags.update(nfse_habilitada=False, provedor_nfse=None)
    elif Capability.CANCEL not in capabilities(rota.provedor):
        flags["possui_cancelamento_nfse"] = False  # DELETE would be refused
    return {"codigo_municipio": municipio.codigo, "nome_municipio": municipio.nome,
            "sigla_uf": municipio.uf, "nome_uf": NOME_UF[municipio.uf],
            **{campo: flags[campo] for campo in CAMPOS},
            "status_nfse": status_nfse(municipio.codigo, situacao),
            "sistema_nfse": rota.sistema, "motivo_nfse": motivo,
            "sem_tls_nfse": motivo is None and rota.sem_tls(situacao.ambiente,
                                                            situacao.permitir_http)}


def _invalido(parametro: str, detalhe: str) -> ApiError:
    return ApiError(400, "requisicao_invalida", f'Parâmetro "{parametro}" inválido: {detalhe}')


def _texto(request: Request, nome: str) -> str | None:
    valor = request.query_params.get(nome)
    return valor.strip() if valor and valor.strip() else None


def _offset(request: Request) -> int:
    valor = request.query_params.get("offset", "").strip() or "0"
    if not re.fullmatch(r"[0-9]{1,9}", valor):
        raise _invalido("offset", "informe um número inteiro maior ou igual a zero")
    return int(valor)


def _pagina(request: Request, entradas: Iterable[T],
            representar: Callable[[T], dict[str, Any]]) -> JSONResponse:
    """One page of ``entradas`` (100 from ``offset``) with the total in ``X-Total-Count``."""
    offset = _offset(request)
    todas = list(entradas)
    pagina = [representar(e) for e in todas[offset:offset + POR_PAGINA]]
    return JSONResponse(pagina, headers={"X-Total-Count": str(len(todas))})


@router.get("/v2/municipios")
def listar_municipios(request: Request, situacao: Situacao = Depends(situacao)) -> JSONResponse:
    _offset(request)  # a bad offset is refused before any work
    sigla_uf = _texto(request, "sigla_uf")
    if sigla_uf is not None:
        sigla_uf = sigla_uf.upper()
        if sigla_uf not in NOME_UF:
            raise _invalido("sigla_uf", "informe a sigla de uma UF, como SP")
    status = _texto(request, "status_nfse")
    if status is not None and status not in STATUS_NFSE:
        raise _invalido("status_nfse", "use " + ", ".join(STATUS_NFSE))
    nome_exato = _texto(request, "nome_municipio")
    parte = _texto(request, "nome")
    nome_exato = _dobrar(nome_exato) if nome_exato else None
    parte = _dobrar(parte) if parte else None

    def aceito(municipio: Municipio, dobrado: str) -> bool:
        return ((sigla_uf is None or municipio.uf == sigla_uf)
                and (nome_exato is None or dobrado == nome_exato)
                and (parte is None or parte in dobrado)
                and (status is None or status_nfse(municipio.codigo, situacao) == status))

    return _pagina(request, (m for m, dobrado in _ordenados() if aceito(m, dobrado)),
                   lambda municipio: _json(municipio, situacao))


@router.get("/v2/municipios/{codigo}")
def obter_municipio(codigo: str, situacao: Situacao = Depends(situacao)) -> JSONResponse:
    return JSONResponse(_json(_municipio(codigo), situacao))


def _item_json(formato: str) -> Callable[[servicos.ItemServico], dict[str, Any]]:
    def representar(item: servicos.ItemServico) -> dict[str, Any]:
        return {"codigo": servicos.formatar(item.codigo, formato), "descricao": item.descricao}
    return representar


def _formato(codigo: str) -> str:
    return provedores.rota(codigo).opcoes.get("formato_item_lista", "01.07")


def _com_descricao(request: Request) -> Callable[[str], bool]:
    procurado = _texto(request, "descricao")
    dobrado = _dobrar(procurado) if procurado else None
    return lambda descricao: dobrado is None or dobrado in _dobrar(descricao)


@router.get("/v2/municipios/{codigo}/itens_lista_servico")
def listar_itens(request: Request, codigo: str) -> JSONResponse:
    _municipio(codigo)
    aceito = _com_descricao(request)
    return _pagina(request, (i for i in servicos.itens() if aceito(i.descricao)),
                   _item_json(_formato(codigo)))


@router.get("/v2/municipios/{codigo}/itens_lista_servico/{codigo_item}")
def obter_item(codigo: str, codigo_item: str) -> JSONResponse:
    _municipio(codigo)
    item = servicos.item(codigo_item)
    if item is None:
        raise nao_encontrado("Item da lista de serviço não encontrado")
    return JSONResponse(_item_json(_formato(codigo))(item))


def _codigo_json(par: tuple[str, str]) -> dict[str, Any]:
    return {"codigo": par[0], "descricao": par[1]}


@router.get("/v2/municipios/{codigo}/codigos_tributarios_municipio")
def listar_codigos_tributarios(request: Request, codigo: str) -> JSONResponse:
    _municipio(codigo)
    aceito = _com_descricao(request)
    codigos = sorted(provedores.codigos_tributarios(codigo).items())
    return _pagina(request, (par for par in codigos if aceito(par[1])), _codigo_json)


@router.get("/v2/municipios/{codigo}/codigos_tributarios_municipio/{codigo_tributario}")
def obter_codigo_tributario(codigo: str, codigo_tributario: str) -> JSONResponse:
    _municipio(codigo)
    codigo_tributario = codigo_tributario.strip()
    descricao = provedores.codigos_tributarios(codigo).get(codigo_tributario)
    if descricao is None:
        raise nao_encontrado("Código tributário do município não encontrado")
    return JSONResponse(_codigo_json((codigo_tributario, descricao)))


def _nacional_json(servico: servicos.TributacaoNacional) -> dict[str, Any]:
    return {"codigo": servico.codigo, "descricao": servico.descricao,
            "grupo_obrigatorio": servico.grupo_obrigatorio}


@router.get("/v2/municipios/{codigo}/codigos_tributacao_nacional")
def listar_tributacao_nacional(request: Request, codigo: str) -> JSONResponse:
    _municipio(codigo)
    aceito = _com_descricao(request)
    return _pagina(request, (s for s in servicos.tributacao_nacional() if aceito(s.descricao)),
                   _nacional_json)


@router.get("/v2/municipios/{codigo}/codigos_tributacao_nacional/{ctribnac}")
def obter_tributacao_nacional(codigo: str, ctribnac: str) -> JSONResponse:
    _municipio(codigo)
    servico = servicos.nacional(ctribnac)
    if servico is None:
        raise nao_encontrado("Código de tributação nacional não encontrado")
    return JSONResponse(_nacional_json(servico))
