"""The NFS-e Nacional provider: emission (POST /nfse), reconciliation (GET /dps/{id}, then
GET /nfse/{chave}) and cancellation (POST /nfse/{chave}/eventos) at the Sefin Nacional."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree

from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.municipios import registry as municipios
from nfse.providers.base import (
    Address,
    Capability,
    DryRun,
    Emissor,
    Erro,
    Exchange,
    Outcome,
    Result,
    Rps,
    falha_de_envio,
)
from nfse.providers.nacional import dps, respostas
from nfse.providers.nacional.dialetos import COM_CREDENCIAIS, COM_ENDERECO, dialeto_de
from nfse.providers.nacional.dps import DpsInvalida, build_dps, dps_id
from nfse.providers.nacional.evento import pedido_cancelamento
from nfse.providers.nacional.parametros import Parametros, servico_municipal
from nfse.providers.nacional.parametros import Servico as ServicoMunicipal
from nfse.providers.transport import Answer, NotSent, Transport, Unknown
from nfse.xml.validate import nacional_schema_dir, validate

if TYPE_CHECKING:
    from nfse.config import Settings
    from nfse.municipios.provedores import Rota

DUPLICADA = "E0014"
NFSE_FORA_DO_LEIAUTE = "nfse_fora_do_leiaute"
"""The authority's NFS-e fails the official XSD (never stored as a valid note)."""
EVENTO_BLOQUEADO = "E0840"
"""A cancellation event is already linked to the note."""


@dataclass(frozen=True)
class Municipio:
    """What decides pAliq (``Provider.municipio``)."""

    ativo: bool
    aliquota: Decimal | None = None
    aviso: str | None = None


def _erros(exc: DpsInvalida) -> tuple[Erro, ...]:
    """Each reason the DPS cannot be built, with the Sefin's code where a rule is broken."""
    if not exc.problemas:
        return (Erro("requisicao_invalida", str(exc)),)
    return tuple(Erro(p.codigo, p.mensagem, p.correcao) for p in exc.problemas)


def nfse_invalida(xml: bytes) -> list[str]:
    """What makes an NFS-e the authority returned fail the official XSD (empty: valid)."""
    try:
        root = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [f"XML ilegível: {exc}"]
    return validate(root, nacional_schema_dir() / "NFSe_v1.01.xsd")


def _exchange(name: str, request: bytes, answer: Answer | None, failure: str = "") -> Exchange:
    response = answer.body if answer else failure.encode()
    return Exchange(name=name, request=request, response=response)


def _nome_municipio(codigo: str) -> str:
    lugar = municipios.get(codigo)
    return f"{lugar.nome}/{lugar.uf}" if lugar else codigo


class NacionalProvider:
    name = "nacional"
    capabilities = frozenset({Capability.EMIT, Capability.QUERY, Capability.CANCEL,
                              Capability.SUBSTITUTE, Capability.EVENTS, Capability.DRY_RUN,
                              Capability.PARAMETERS})
    document_field = "dps_xml"

    def __init__(self, transport: Transport | None = None):
        self.transport = transport or Transport()
        self.parametros = Parametros(self.transport)
        """The municipal parameters of the ADN, kept for hours by this process."""
        self.nacional: dict[str, tuple[str, str | None]] = {}
        """The Sefin Nacional's address and trust store by environment, as ``address`` last
        resolved them: where a municipal dialect's notes are queried when the national
        environment answers for them (``dialetos.betha``)."""

    def usa_credenciais(self, opcoes: Mapping[str, Any]) -> bool:
        """Whether the profile's dialect authenticates the company by its credentials at the
        municipal system (``Emissor.login``/``senha``) besides the certificate."""
        return opcoes.get("dialeto") in COM_CREDENCIAIS

    def usa_endereco(self, opcoes: Mapping[str, Any]) -> bool:
        """Whether the profile's dialect needs the company's registered address
        (``Emissor.endereco``): its system takes an NFS-e the emitter builds."""
        return opcoes.get("dialeto") in COM_ENDERECO

    def address(self, rota: Rota, ambiente: str, settings: Settings) -> Address:
        """The Sefin Nacional (``NFSE_NACIONAL_URL_*``); the national DPS at a municipal
        system's own address when its profile gives one (in homologação too, unless the
        system has no test address of its own)."""
        proprio = (rota.url(ambiente, settings.permitir_http_municipal) if rota.dps_municipal
                   else None)
        self.nacional[ambiente] = (settings.nacional_url(ambiente), settings.nacional_ca(ambiente))
        return Address(proprio or settings.nacional_url(ambiente), settings.nacional_ca(ambiente))

    def validate(self, nota: Nota) -> list[Problema]:
        return dps.problemas(nota)

    def parameters_cached(self, nota: Nota, emissor: Emissor) -> bool:
        return not emissor.parametros_url or self.parametros.cached(nota, emissor.ambiente)

    def check_parameters(self, nota: Nota, emissor: Emissor) -> list[Problema]:
        if not emissor.parametros_url:
            return []
        return self.parametros.problemas(nota, emissor,
                                         _nome_municipio(nota.prestador.codigo_municipio))

    def municipio(self, nota: Nota, emissor: Emissor) -> Municipio:
        """What the ADN parameters say of the incidence municipality (taken as the
        prestador's: the DPS does not name it, the Sefin derives it) that decides pAliq:
        whether it is active in the national system (its convênio) and, where it is not, the
        service's rate; with the notice that says which form was assumed when they answered
        nothing usable and the answer mattered."""
        codigo = nota.prestador.codigo_municipio
        convenio = self.parametros.convenio(codigo, emissor) if emissor.parametros_url \
            else None
        simples = dps.op_simples(nota, emissor)
        especial = dps.reg_esp_trib(nota, simples)
        if convenio is False and dps.aliquota_exigida(nota, simples, especial, False) in \
                dps.ALIQUOTA_MUNICIPAL and not nota.servico.aliquota:
            found = self.parametros.servico(codigo, servico_municipal(nota),
                                            nota.data_competencia.isoformat(), emissor)
            return Municipio(False, found.aliquota if isinstance(found, ServicoMunicipal)
                             else None)
        if convenio is not None:
            return Municipio(convenio)
        if (dps.aliquota_exigida(nota, simples, especial, True) is None) == (
                dps.aliquota_exigida(nota, simples, especial, False) is None):
            return Municipio(True)
        return Municipio(True, aviso=(
            f"Os parâmetros municipais do ADN não informaram o convênio do município {codigo}: "
            "a DPS segue sem a alíquota (pAliq), presumindo o município ativo no Sistema "
            "Nacional NFS-e, e o ISS é calculado pela alíquota municipal"))

    def dry_run(self, nota: Nota, rps: Rps, emissor: Emissor) -> DryRun:
        """The DPS ``emit`` would send (signed, schema-checked), or why there is none; the
        national rules as POST answers them, the municipal parameters when they are
        consulted, and what the DPS assumed where the ADN said nothing usable."""
        problemas = self.validate(nota)
        parametros = None
        if emissor.parametros_url:
            problemas += self.check_parameters(nota, emissor)
            parametros = self.parametros.resumo(nota, emissor)
        lugar = self.municipio(nota, emissor)
        avisos = (lugar.aviso,) if lugar.aviso else ()
        try:
            documento = build_dps(nota, rps, emissor, municipio_ativo=lugar.ativo,
                                  aliquota_municipal=lugar.aliquota)
        except DpsInvalida as exc:
            return DryRun(None, _erros(exc), tuple(problemas), avisos, parametros)
        return DryRun(documento, (), tuple(problemas), avisos, parametros)

    def _call(self, method: str, url: str, emissor: Emissor, body: dict | None,
              name: str, request_doc: bytes) -> tuple[Answer | None, Outcome | None]:
        """The answer, or the Outcome of a transport failure (RETRY or UNKNOWN; RETRY of the
        company when the authority refused its certificate)."""
        try:
            answer = self.transport.request(method, url, emissor.a1, emissor.ca_file,
                                            emissor.timeout, body, proxy=emissor.proxy)
        except (NotSent, Unknown) as exc:
            return None, falha_de_envio(exc, name, request_doc, "Autoridade inacessível",
                                        "Sem resposta da autoridade")
        return answer, None

    def _post(self, url: str, emissor: Emissor, field: str, xml: bytes, name: str
              ) -> tuple[Answer, dict | None, tuple[Exchange, ...]] | Outcome:
        """POST a document (gzip + base64 in ``field``): the answer, its JSON and the
        exchange; or the Outcome of a transport failure."""
        answer, failure = self._call("POST", url, emissor, {field: respostas.pack(xml)}, name, xml)
        if failure:
            return failure
        assert answer is not None
        return answer, respostas.json_of(answer.body), (_exchange(name, xml, answer),)

    def emit(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if dialeto := dialeto_de(nota, emissor, self.nacional):
            return dialeto.emit(self, nota, rps, emissor)
        return self.emitir_em(f"{emissor.base_url}/nfse", nota, rps, emissor)

    def emitir_em(self, url: str, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        """The Sefin's emission at ``url``: its own route, or a municipal system's that takes
        the same request and gives the same answer (``dialetos.tiplan``)."""
        lugar = self.municipio(nota, emissor)
        aviso = lugar.aviso
        try:
            xml = build_dps(nota, rps, emissor, municipio_ativo=lugar.ativo,
                            aliquota_municipal=lugar.aliquota)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=_erros(exc), mensagem=aviso)
        sent = self._post(url, emissor, "dpsXmlGZipB64", xml, "emissao")
        if isinstance(sent, Outcome):
            return sent
        answer, parsed, exchange = sent
        if parsed and parsed.get("chaveacesso") and parsed.get("nfsexmlgzipb64"):
            return self._authorized(parsed["chaveacesso"], parsed["nfsexmlgzipb64"], exchange,
                                    aviso)
        if parsed is None or answer.status >= 500 or answer.status in (408, 429):
            return Outcome(Result.UNKNOWN, exchanges=exchange,
                           mensagem=f"Resposta inesperada da autoridade (HTTP {answer.status})")
        erros = respostas.erros_of(parsed)
        if any(e.codigo == DUPLICADA for e in erros):
            return Outcome(Result.UNKNOWN, exchanges=exchange, erros=tuple(erros),
                           mensagem="A DPS já gerou uma NFS-e numa tentativa anterior; "
                                    "consultando a nota")
        return Outcome(Result.REJECTED, exchanges=exchange,
                       erros=respostas.explicar_emissor_proprio(erros) or (
            Erro(f"HTTP{answer.status}", "A autoridade recusou a DPS sem informar o motivo"),),
            mensagem=respostas.mensagem_emissor_proprio(erros) or aviso)

    def _authorized(self, chave: str, packed: str, exchanges: tuple[Exchange, ...],
                    aviso: str | None = None) -> Outcome:
        """The NFS-e the authority issued, checked against the official XSD first: one that
        fails it is the authority's error, never stored or served as a valid note. The
        outcome is then UNKNOWN (the note exists at the authority under ``chave``, so a
        resend could issue it twice): the worker asks again (GET /dps, GET /nfse) until the
        authority serves a valid document or the processing deadline ends the note in
        erro_autorizacao; the invalid answer is kept with the exchanges. The outcome carries
        the error, so the circuit breaker counts the authority as up: it answered, and one
        kind of note it mangles must not hold back every other."""
        return self._authorized_xml(chave, respostas.unpack(packed), exchanges, aviso)

    def _authorized_xml(self, chave: str, xml: bytes, exchanges: tuple[Exchange, ...],
                        aviso: str | None = None) -> Outcome:
        """``_authorized`` for an NFS-e the authority returned as plain XML."""
        invalido = nfse_invalida(xml)
        if invalido:
            mensagem = (f"A autoridade autorizou a NFS-e {chave}, mas o documento que devolveu "
                        f"não segue o leiaute oficial (NFSe_v1.01.xsd): "
                        f"{'; '.join(invalido[:3])}. A nota será consultada de novo; não "
                        "reenvie com outra referência")
            return Outcome(Result.UNKNOWN, exchanges=exchanges, mensagem=mensagem,
                           erros=(Erro(NFSE_FORA_DO_LEIAUTE, mensagem),))
        numero, dh_proc, valores = respostas.nfse_fields(xml)
        return Outcome(Result.AUTHORIZED, numero=numero, chave_acesso=chave,
                       codigo_verificacao=chave, data_emissao=dh_proc, xml=xml,
                       exchanges=exchanges, valores=valores, mensagem=aviso)

    def query(self, nota: Nota, rps: Rps, emissor: Emissor) -> Outcome:
        if dialeto := dialeto_de(nota, emissor, self.nacional):
            return dialeto.query(self, nota, rps, emissor)
        ident = dps_id(nota, rps)
        return self.consultar_dps_em(f"{emissor.base_url}/dps/{ident}", ident, emissor, emissor)

    def consultar_dps_em(self, url: str, ident: str, emissor: Emissor, nacional: Emissor
                         ) -> Outcome:
        """The Sefin's query of a DPS at ``url`` (its key), then of the NFS-e by its key at
        ``nacional``: the Sefin's own routes, or a municipal system's query of the DPS whose
        notes the national environment serves (``dialetos.tiplan``)."""
        answer, failure = self._call("GET", url, emissor, None, "consulta_dps", ident.encode())
        if failure:
            return replace(failure, result=Result.UNKNOWN)
        assert answer is not None
        exchanges = (_exchange("consulta_dps", ident.encode(), answer),)
        if answer.status == 404:
            return Outcome(Result.NOT_FOUND, exchanges=exchanges)
        parsed = respostas.json_of(answer.body)
        chave = parsed.get("chaveacesso") if parsed and answer.status == 200 else None
        if not chave:
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Consulta da DPS sem resposta útil (HTTP {answer.status})")
        nfse, failure = self._call("GET", f"{nacional.base_url}/nfse/{chave}", nacional, None,
                                   "consulta_nfse", chave.encode())
        if failure or nfse is None:
            return Outcome(Result.UNKNOWN, mensagem=failure.mensagem if failure else None,
                           failure_of=failure.failure_of if failure else None,
                           exchanges=exchanges)
        exchanges += (_exchange("consulta_nfse", chave.encode(), nfse),)
        parsed = respostas.json_of(nfse.body)
        if nfse.status != 200 or not parsed or not parsed.get("nfsexmlgzipb64"):
            return Outcome(Result.UNKNOWN, exchanges=exchanges,
                           mensagem=f"Consulta da NFS-e sem resposta útil (HTTP {nfse.status})")
        return self._authorized(chave, parsed["nfsexmlgzipb64"], exchanges)

    def cancel(self, nota: Nota, chave_acesso: str, numero: str, justificativa: str,
               emissor: Emissor) -> Outcome:
        if dialeto := dialeto_de(nota, emissor, self.nacional):
            return dialeto.cancel(self, nota, chave_acesso, numero, justificativa, emissor)
        return self.cancelar_em(f"{emissor.base_url}/nfse/{chave_acesso}/eventos", nota,
                                chave_acesso, numero, justificativa, emissor, emissor)

    def cancelar_em(self, url: str, nota: Nota, chave_acesso: str, numero: str,
                    justificativa: str, emissor: Emissor, nacional: Emissor) -> Outcome:
        """The Sefin's cancellation event at ``url``, a lost answer looked for at
        ``nacional``: the Sefin's own routes, or a municipal system's reception of the event
        whose events the national environment serves (``dialetos.tiplan``)."""
        try:
            xml = pedido_cancelamento(nota, chave_acesso, justificativa, emissor)
        except DpsInvalida as exc:
            return Outcome(Result.REJECTED, erros=(Erro("requisicao_invalida", str(exc)),))
        sent = self._post(url, emissor, "pedidoRegistroEventoXmlGZipB64", xml, "cancelamento")
        if isinstance(sent, Outcome):
            if sent.result == Result.UNKNOWN:  # the request may have arrived: ask
                return self._cancelamento_registrado(chave_acesso, numero, nacional, sent)
            return sent
        answer, parsed, exchange = sent
        if answer.status in (200, 201) and parsed and parsed.get("eventoxmlgzipb64"):
            return Outcome(Result.AUTHORIZED, xml=respostas.unpack(parsed["eventoxmlgzipb64"]),
                           chave_acesso=chave_acesso, numero=numero, exchanges=exchange)
        if parsed is None or answer.status >= 500:
            return self._cancelamento_registrado(chave_acesso, numero, nacional, Outcome(
                Result.UNKNOWN, exchanges=exchange,
                mensagem=f"Resposta inesperada da autoridade (HTTP {answer.status})"))
        erros = tuple(respostas.erros_of(parsed))
        if any(e.codigo == EVENTO_BLOQUEADO for e in erros):  # an earlier attempt went through
            return self._cancelamento_registrado(chave_acesso, numero, nacional, Outcome(
                Result.REJECTED, exchanges=exchange, erros=erros))
        return Outcome(Result.REJECTED, exchanges=exchange, erros=erros)

    def _cancelamento_registrado(self, chave: str, numero: str, emissor: Emissor,
                                 otherwise: Outcome) -> Outcome:
        """Reconcile a cancellation whose outcome is not known: the event 101101 of the note,
        if the authority has it; else ``otherwise``."""
        ident = f"{chave}/eventos/101101/1"
        answer, failure = self._call("GET", f"{emissor.base_url}/nfse/{ident}", emissor, None,
                                     "consulta_evento", ident.encode())
        if failure or answer is None or answer.status != 200:
            return otherwise
        parsed = respostas.json_of(answer.body)
        if not parsed or not parsed.get("eventoxmlgzipb64"):
            return otherwise
        return Outcome(Result.AUTHORIZED, xml=respostas.unpack(parsed["eventoxmlgzipb64"]),
                       chave_acesso=chave, numero=numero,
                       exchanges=otherwise.exchanges + (
                           _exchange("consulta_evento", ident.encode(), answer),))
