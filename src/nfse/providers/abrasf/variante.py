"""What differs between ABRASF 2.0x systems, as data: the municipality registry hands the
worker a dict of options per municipality (``Emissor.opcoes``), parsed here once into a
frozen ``Variante``. Every option is optional; the defaults are the plain ABRASF 2.04 WSDL
(SOAP 1.1, ``http://nfse.abrasf.org.br``, unqualified parameters, RSA-SHA1, GerarNfse).

Keys (default first):

- ``versao_soap``: ``"1.1"`` or ``"1.2"``.
- ``emissao``: ``"GerarNfse"``, ``"RecepcionarLoteRpsSincrono"`` or ``"RecepcionarLoteRps"``
  (the asynchronous lot: its protocol is asked with ConsultarLoteRps a few times; a lot still
  in processing leaves the note to the reconciliation query).
- ``namespace_servico``: ``"http://nfse.abrasf.org.br"`` or the provider's WSDL namespace.
- ``parametros_qualificados``: ``false``, or ``true`` for nfseCabecMsg/nfseDadosMsg in the
  service namespace (.NET asmx WSDLs).
- ``assinatura``: ``"sha1"`` or ``"sha256"``.
- ``formato_item_lista``: ``"01.07"``, ``"0107"`` or ``"1.07"`` (no leading zero: Prodata).
- ``valores_zerados``: ``false``, or ``true`` where ValorPis, ValorCofins, ValorInss, ValorIr,
  ValorCsll and Aliquota go even when zero (Prodata: ACBr ``Prodata.GravarXml.pas``,
  ``NrOcorrValorPis := 1``...).
- ``sem_valor_iss``: ``false``, or ``true`` where ValorIss is never sent (Prodata,
  ``NrOcorrValorIss := -1``): the municipality computes it.
- ``aliquota_fracao``: ``false``, or ``true`` where Aliquota goes as a fraction, the
  percentage divided by 100 with four decimals (Actcon 2.02: 5 % is ``0.0500``; ACBr
  ``Actcon.GravarXml.pas``, ``DivAliq100``).
- ``autenticacao``: ``"certificado"`` (the A1 as TLS client certificate; the only one yet).
- ``sufixo_requisicao``: ``"Request"`` (body element ``GerarNfseRequest``); ``""`` where
  the body element is the operation itself.
- ``prefixo_acao``: the service namespace; SOAPAction = prefix + "/" + operation (some
  WSDLs use ``http://nfse.abrasf.org.br/Infse``).
- ``envolver_operacao``: ``false``, or ``true`` where the ``<Op>Request`` element comes
  inside an ``<Op>`` element of the same namespace (EL).
- ``nomes_operacao``: ``{}``, or the name a system gives an operation in the SOAPAction
  and the body element, where it differs (Sintese: ``{ConsultarNfsePorRps =
  "ConsultarNfseRps"}``, the ABRASF 1.0 name).
- ``codigo_cancelamento``: ``"1"`` (erro na emissão), ``"2"`` or ``"4"``; 3 and 5 are the
  municipality's own.
- ``codigos_rps_duplicado``: ``["E10"]`` "RPS já informado": the note may exist, reconcile.
- ``codigos_rps_nao_encontrado``: ``["E4", "E89", "E91"]``: the RPS never became a note.
- ``codigos_nfse_cancelada``: ``["E79"]``: the NFS-e is already cancelled.
- ``codigo_municipio_homologacao``: ``""`` (the prestador's municipality), or the IBGE
  code a shared homologação environment wants in ``IdentificacaoNfse/CodigoMunicipio`` of a
  cancellation or substitution (ISSNet's one test environment for every city: ``"5002704"``,
  Campo Grande/MS); produção always sends the prestador's.
- ``versao_layout``: ``"2.04"``, ``"2.03"``, ``"2.02"``, ``"2.01"`` or ``"2.00"``: the ABRASF
  layout of the documents (``nfse.providers.abrasf.leiaute`` says what differs), its number in the
  ``cabecalho`` and in every ``versao`` attribute.
- ``forma_documento``, ``forma_acao``, ``operacao_minuscula``, ``documento_sem_namespace``,
  ``credenciais_no_corpo``, ``conciliacao_cancelamento``: where the document travels in the
  SOAP body and the SOAPAction's shape (``nfse.providers.abrasf.corpo``).
- ``xsd_dir``: the folder holding this system's schema of its layout (``nfse_v2-04.xsd``,
  ``nfse_v2-03.xsd``, ``nfse_v2-02.xsd``; ``nfse_v2-01.xsd`` for 2.00); default the
  environment variable ``NFSE_ABRASF_XSD_DIR``; neither = no schema check.
- ``namespace_documentos``: ``""`` (ABRASF's ``http://www.abrasf.org.br/nfse.xsd``), or the
  system's own namespace of each request document (``{mensagem}`` = the document's name in
  kebab case: GISS ``http://www.giss.com.br/{mensagem}-v2_04.xsd``); the root and its
  children go in it (``nfse.providers.abrasf.namespaces``).
- ``namespace_tipos``: ``""`` (= ``namespace_documentos``), or the namespace of everything
  below the root's children (GISS ``http://www.giss.com.br/tipos-v2_04.xsd``).
- ``namespace_cabecalho``: ``""`` (ABRASF's), or the ``cabecalho``'s own namespace.
- ``credencial``: ``""`` (the certificate only), ``"token_url"`` (the company's
  ``senha_responsavel`` as ``?tokenAuth=`` of every call: Tributus) or ``"ws_security"``
  (``login_responsavel``/``senha_responsavel`` as a WS-Security UsernameToken: Saatri) or
  ``"basic"`` (the same as HTTP Basic authentication: IPM 2.04) or ``"token_gerado"``
  (``codigoCidade`` and a token generated per call, as HTTP headers: PublicSoft,
  ``nfse.providers.abrasf.rest``) or ``"chave_autorizacao"`` (``senha_responsavel`` as the
  ``Authorization`` HTTP header: ISSLegal);
  ``nfse.providers.abrasf.credenciais``.
- ``leiaute_proprio``: ``""`` (ABRASF's documents), ``"elotech"`` (EloTech 2.03: its own
  layout and namespace, the company's password in every request, the document as the SOAP
  body; ``nfse.providers.abrasf.elotech``) or ``"megasoft"`` (MegaSoft 2.00:
  ``nfse.providers.abrasf.megasoft``).
  ``"centi"``: Centi 2.02, its own schema and namespace, the document in a JSON body with
  the company's portal user and password, one address per operation
  (``nfse.providers.abrasf.centi``).
  ``"iibrasil"``: iiBrasil 2.04, its own schema in ABRASF's namespace, unsigned documents
  each ending in an ``Integridade`` digest with the company's token
  (``nfse.providers.abrasf.iibrasil``).
- ``versao_sem_ponto``: ``true``: the header says ``versao="204"`` (``versaoDados`` keeps
  ``2.04``): VersaTecnologia (ACBr ``VersaoAtrib := '204'``).

Codes are compared without leading zeros after the letters (ISSNet answers ``E010``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nfse.providers.abrasf import corpo as _corpo
from nfse.providers.abrasf.leiaute import LEIAUTES, VERSOES, Leiaute

SOAP_VERSIONS = ("1.1", "1.2")
EMISSOES = ("GerarNfse", "RecepcionarLoteRpsSincrono", "RecepcionarLoteRps")
ASSINATURAS = ("sha1", "sha256")
FORMATOS_ITEM = ("01.07", "0107", "1.07")
AUTENTICACOES = ("certificado",)
CREDENCIAIS = ("", "token_url", "ws_security", "basic", "token_gerado",
               "chave_autorizacao")  # ISSLegal 2.03: nfse.providers.abrasf.credenciais
LEIAUTES_PROPRIOS = ("", "elotech", "megasoft",
                     "centi",  # Centi 2.02 over JSON: nfse.providers.abrasf.centi
                     "iibrasil")  # iiBrasil 2.04: nfse.providers.abrasf.iibrasil
CODIGOS_CANCELAMENTO = ("1", "2", "4")


class VarianteInvalida(ValueError):
    """The municipality registry gave an option this provider does not know (our
    configuration bug, never the client's); the message names the option and what is
    accepted."""


def normalizar_codigo(codigo: str) -> str:
    """``E010`` and ``e10`` → ``E10``: providers pad the ABRASF codes differently."""
    text = codigo.strip().upper()
    match = re.fullmatch(r"([A-Z]*)0*(\d+)", text)
    return f"{match.group(1)}{int(match.group(2))}" if match else text


@dataclass(frozen=True)
class Variante:
    versao_soap: str = "1.1"
    emissao: str = "GerarNfse"
    namespace_servico: str = "http://nfse.abrasf.org.br"
    parametros_qualificados: bool = False
    assinatura: str = "sha1"
    formato_item_lista: str = "01.07"
    autenticacao: str = "certificado"
    sufixo_requisicao: str = "Request"
    prefixo_acao: str = ""
    """Empty = ``namespace_servico``."""
    codigo_cancelamento: str = "1"
    codigos_rps_duplicado: frozenset[str] = frozenset({"E10"})
    codigos_rps_nao_encontrado: frozenset[str] = frozenset({"E4", "E89", "E91"})
    codigos_nfse_cancelada: frozenset[str] = frozenset({"E79"})
    codigo_municipio_homologacao: str = ""
    versao_layout: str = "2.04"
    xsd_dir: str | None = None
    envolver_operacao: bool = False
    nomes_operacao: tuple[tuple[str, str], ...] = ()
    """(ABRASF name, the system's name) pairs."""
    namespace_documentos: str = ""
    namespace_tipos: str = ""
    namespace_cabecalho: str = ""
    credencial: str = ""
    valores_zerados: bool = False
    sem_valor_iss: bool = False
    aliquota_fracao: bool = False
    corpo: _corpo.Corpo = _corpo.Corpo()
    """Where the document travels in the SOAP body, and the SOAPAction's shape."""
    leiaute_proprio: str = ""
    versao_sem_ponto: bool = False
    """The header's ``versao`` attribute without the dot (``204``; VersaTecnologia)."""

    def nome(self, operacao: str) -> str:
        """The system's name of an ABRASF operation."""
        return dict(self.nomes_operacao).get(operacao, operacao)

    @property
    def leiaute(self) -> Leiaute:
        return LEIAUTES[self.versao_layout]

    def acao(self, operacao: str) -> str:
        """The SOAPAction of an operation in the reference WSDL's parameters, in the shape
        of ``forma_acao`` (Actcon: ``{prefixo}#{operacao}``; no ``{documento}`` here)."""
        return self.corpo.forma_acao.format(
            prefixo=(self.prefixo_acao or self.namespace_servico).rstrip("/"),
            operacao=self.nome(operacao), documento="")


PADRAO = Variante()


def _escolha(opcoes: Mapping[str, Any], chave: str, valores: tuple[str, ...]) -> str:
    value = opcoes.get(chave, valores[0])
    if value is None:
        return valores[0]
    text = str(value).strip()
    if text not in valores:
        raise VarianteInvalida(f"opção ABRASF {chave}={value!r} desconhecida; aceitos: "
                               + ", ".join(repr(v) for v in valores))
    return text


def _booleano(opcoes: Mapping[str, Any], chave: str, padrao: bool) -> bool:
    value = opcoes.get(chave, padrao)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "sim", "s", "yes"):
        return True
    if text in ("0", "false", "nao", "não", "n", "no", ""):
        return False
    raise VarianteInvalida(f"opção ABRASF {chave}={value!r}: informe true ou false")


def _texto(opcoes: Mapping[str, Any], chave: str, padrao: str) -> str:
    value = opcoes.get(chave, padrao)
    if value is None:
        return padrao
    if not isinstance(value, str):
        raise VarianteInvalida(f"opção ABRASF {chave}={value!r}: informe um texto")
    return value.strip()


def _codigos(opcoes: Mapping[str, Any], chave: str, padrao: frozenset[str]) -> frozenset[str]:
    value = opcoes.get(chave)
    if value is None:
        return padrao
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple | set | frozenset):
        raise VarianteInvalida(f"opção ABRASF {chave}={value!r}: informe uma lista de códigos")
    return frozenset(normalizar_codigo(str(item)) for item in items if str(item).strip())


KNOWN = frozenset({"versao_soap", "emissao", "namespace_servico", "parametros_qualificados",
                   "assinatura", "formato_item_lista", "autenticacao", "sufixo_requisicao",
                   "prefixo_acao", "codigo_cancelamento", "codigos_rps_duplicado",
                   "codigos_rps_nao_encontrado", "codigos_nfse_cancelada",
                   "codigo_municipio_homologacao", "versao_layout", "xsd_dir",
                   "envolver_operacao", "nomes_operacao", "namespace_documentos",
                   "namespace_tipos", "namespace_cabecalho", "credencial",
                   "leiaute_proprio", "valores_zerados", "sem_valor_iss",
                   "versao_sem_ponto", "aliquota_fracao"}) | _corpo.CHAVES


def _parse(opcoes: Mapping[str, Any]) -> Variante:
    unknown = sorted(set(opcoes) - KNOWN)
    if unknown:
        raise VarianteInvalida("opções ABRASF desconhecidas: " + ", ".join(unknown)
                               + "; aceitas: " + ", ".join(sorted(KNOWN)))
    namespace = _texto(opcoes, "namespace_servico", PADRAO.namespace_servico)
    if not namespace:
        raise VarianteInvalida("opção ABRASF namespace_servico vazia")
    xsd_dir = opcoes.get("xsd_dir")
    municipio_homologacao = _texto(opcoes, "codigo_municipio_homologacao", "")
    if municipio_homologacao and not re.fullmatch(r"\d{7}", municipio_homologacao):
        raise VarianteInvalida(f"opção ABRASF codigo_municipio_homologacao="
                               f"{municipio_homologacao!r}: informe um código IBGE de 7 dígitos")
    return Variante(
        versao_soap=_escolha(opcoes, "versao_soap", SOAP_VERSIONS),
        emissao=_escolha(opcoes, "emissao", EMISSOES),
        namespace_servico=namespace,
        parametros_qualificados=_booleano(opcoes, "parametros_qualificados", False),
        assinatura=_escolha(opcoes, "assinatura", ASSINATURAS),
        formato_item_lista=_escolha(opcoes, "formato_item_lista", FORMATOS_ITEM),
        autenticacao=_escolha(opcoes, "autenticacao", AUTENTICACOES),
        sufixo_requisicao=_texto(opcoes, "sufixo_requisicao", PADRAO.sufixo_requisicao),
        prefixo_acao=_texto(opcoes, "prefixo_acao", ""),
        codigo_cancelamento=_escolha(opcoes, "codigo_cancelamento", CODIGOS_CANCELAMENTO),
        codigos_rps_duplicado=_codigos(opcoes, "codigos_rps_duplicado",
                                       PADRAO.codigos_rps_duplicado),
        codigos_rps_nao_encontrado=_codigos(opcoes, "codigos_rps_nao_encontrado",
                                            PADRAO.codigos_rps_nao_encontrado),
        codigos_nfse_cancelada=_codigos(opcoes, "codigos_nfse_cancelada",
                                        PADRAO.codigos_nfse_cancelada),
        codigo_municipio_homologacao=municipio_homologacao,
        versao_layout=_escolha(opcoes, "versao_layout", VERSOES),
        xsd_dir=str(xsd_dir) if xsd_dir else None,
        envolver_operacao=_booleano(opcoes, "envolver_operacao", False),
        nomes_operacao=_nomes(opcoes),
        namespace_documentos=_texto(opcoes, "namespace_documentos", ""),
        namespace_tipos=_texto(opcoes, "namespace_tipos", ""),
        namespace_cabecalho=_texto(opcoes, "namespace_cabecalho", ""),
        credencial=_escolha(opcoes, "credencial", CREDENCIAIS),
        valores_zerados=_booleano(opcoes, "valores_zerados", False),
        sem_valor_iss=_booleano(opcoes, "sem_valor_iss", False),
        aliquota_fracao=_booleano(opcoes, "aliquota_fracao", False),
        corpo=_corpo_de(opcoes),
        leiaute_proprio=_escolha(opcoes, "leiaute_proprio", LEIAUTES_PROPRIOS),
        versao_sem_ponto=_booleano(opcoes, "versao_sem_ponto", False),
    )


def _corpo_de(opcoes: Mapping[str, Any]) -> _corpo.Corpo:
    try:
        return _corpo.ler(opcoes)
    except ValueError as exc:
        raise VarianteInvalida(str(exc)) from exc


def _nomes(opcoes: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    value = opcoes.get("nomes_operacao") or {}
    if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items()):
        raise VarianteInvalida(f"opção ABRASF nomes_operacao={value!r}: informe uma tabela "
                               '{Operação = "nome no sistema"}')
    return tuple(sorted((k.strip(), v.strip()) for k, v in value.items()))


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_freeze(v) for v in value)
    return value


_cache: dict[Any, Variante] = {}
_lock = threading.Lock()


def variante_de(opcoes: Mapping[str, Any] | None) -> Variante:
    """The variant of a municipality's options, parsed once per distinct option set.
    Raises ``VarianteInvalida`` for an unknown key or value."""
    if not opcoes:
        return PADRAO
    key = _freeze(opcoes)
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = _parse(opcoes)
        with _lock:
            if len(_cache) < 4096:  # municipalities are finite; a bound all the same
                _cache[key] = found
    return found
