"""What an ABRASF 1.0 system changes in the wrapping of Ginfes' documents, read from the
registry options only this provider knows (the other options are the ``abrasf`` provider's,
read by ``variante_de``):

``leiaute_v1``
    ``"ginfes_v03"`` (Ginfes' v03 schemas), ``"salvador"`` (the ABRASF namespace of
    ``nfse_salvador.xsd``: ``nfse.providers.abrasf1.salvador``) or ``"abrasf_nfse"``
    (``http://www.abrasf.org.br/nfse``, WebISS 1.00: ``nfse.providers.abrasf1.webiss``) or
    ``"publica"`` (``http://www.publica.inf.br``: ``nfse.providers.abrasf1.publica``) or
    ``"tiplan"`` (``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd`` with ``Id``, the lot
    signed as a whole: ``nfse.providers.abrasf1.tiplan``) or ``"issintel"``
    (``http://www.abrasf.org.br/nfse.xsd`` with ISSIntel's additions, the lot and the
    cancellation signed: ``nfse.providers.abrasf1.issintel``) or ``"issnet"`` (ISSNet's
    ABRASF 1.0 namespaces and shapes: ``nfse.providers.abrasf1.issnet``) or
    ``"speedgov"`` (the root in its schema's namespace, the rest unqualified:
    ``nfse.providers.abrasf1.speedgov``).
``argumentos_v1``
    ``"arg"`` (Ginfes: the strings ``arg0`` cabecalho and ``arg1`` document, the answer in
    ``return``), ``"documento"`` (ISSFortaleza: ``Cabecalho`` and an argument named after
    the document, ``EnviarLoteRpsEnvio``...; the answer in an element named after the answer,
    ``EnviarLoteRpsResposta``...: ACBr ``ISSFortaleza.Provider.pas``, ``Recepcionar``...) or
    ``"tempuri"`` (ISSSalvador: one .NET service per operation, ``tem:EnviarLoteRPS/loteXML``)
    or ``"wcf"`` (WebISS 1.00: ``<Operação xmlns="http://tempuri.org/">`` with ``cabec`` and
    ``msg``) or ``"publica"`` (Publica: ``<Operação>`` in
    ``http://service.nfse.integracao.ws.publica/`` with the document in ``<XML>``) or
    ``"inputxml"`` (Tiplan 1.0: ``<Operação>Request xmlns="http://www.nfe.com.br/"`` with the
    document in ``<inputXML>``) or ``"urn"`` (ISSIntel: the document as elements inside
    ``<urn:<Operação>>`` in the city's namespace, the address with ``http://``) or ``"xml"``
    (ISSNet: ``<Operação xmlns="http://www.issnetonline.com.br/webservice/nfd">`` with the
    document in ``<xml>``) or
    ``"speedgov"`` (``<nfse:Operação>`` with ``header`` and ``parameters`` in CDATA).
``cancelamento_v1``
    ``"v03"`` (``CancelarNfseV3`` with the v03 ``CancelarNfseEnvio``), ``"v02"``
    (ISSFortaleza: ``CancelarNfse`` with one argument, Ginfes' v02 ``CancelarNfseEnvio``:
    ``Prestador`` + ``NumeroNfse``; ACBr ``ConfigSchemas.CancelarNFSe :=
    'servico_cancelar_nfse_envio_v02.xsd'``) or ``"nenhum"`` (ISSSalvador: the city cancels
    only by administrative process; a cancellation is refused without sending anything).

``aliquota_v1``
    ``"fracao"`` (``Aliquota`` 5 % as ``0.0500``, ACBr's ``DivAliq100``) or ``"percentual"``
    (``5.0000``: a city whose ACBr row has ``Params=NaoDividir100``, ISSNet's Barcarena).

``namespace_servico`` (an ``abrasf`` option) may hold ``{ambiente}``, replaced by
``producao`` or ``homologacao``: ISSFortaleza's operations are in
``http://producao.issfortaleza.com.br`` or ``http://homologacao.issfortaleza.com.br`` (ACBr
``TACBrNFSeXWebserviceISSFortaleza.GetNameSpace``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nfse.providers.abrasf.variante import Variante, VarianteInvalida, variante_de

LEIAUTES = ("ginfes_v03", "salvador", "abrasf_nfse", "publica", "tiplan", "speedgov",
            "issintel", "issnet")
ARGUMENTOS = ("arg", "documento", "tempuri", "wcf", "publica", "inputxml", "speedgov",
              "urn", "xml")
CANCELAMENTOS = ("v03", "v02", "nenhum")
ALIQUOTAS = ("fracao", "percentual")
CHAVES = frozenset({"leiaute_v1", "argumentos_v1", "cancelamento_v1", "aliquota_v1"})


@dataclass(frozen=True)
class Dialeto:
    argumentos: str = "arg"
    cancelamento: str = "v03"
    leiaute: str = "ginfes_v03"
    aliquota: str = "fracao"


GINFES = Dialeto()


def _escolha(opcoes: Mapping[str, Any], chave: str, escolhas: tuple[str, ...]) -> str:
    valor = str(opcoes.get(chave, escolhas[0]))
    if valor not in escolhas:
        raise VarianteInvalida(f"opção ABRASF 1.0 {chave}={valor!r}: use um de "
                               + ", ".join(escolhas))
    return valor


def dialeto_de(opcoes: Mapping[str, Any] | None) -> Dialeto:
    """The wrapping options; ``VarianteInvalida`` for an unknown value."""
    opcoes = opcoes or {}
    return Dialeto(_escolha(opcoes, "argumentos_v1", ARGUMENTOS),
                   _escolha(opcoes, "cancelamento_v1", CANCELAMENTOS),
                   _escolha(opcoes, "leiaute_v1", LEIAUTES),
                   _escolha(opcoes, "aliquota_v1", ALIQUOTAS))


def variante(opcoes: Mapping[str, Any] | None) -> Variante:
    """The ``abrasf`` options of the profile (this provider's own keys set aside, checked
    here: a bad value is found where a bad ``abrasf`` option is)."""
    dialeto_de(opcoes)
    return variante_de({k: v for k, v in (opcoes or {}).items() if k not in CHAVES})
