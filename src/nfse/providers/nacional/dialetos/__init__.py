"""The dialects of the national DPS at a municipal system's own address (issue 22, point 2).

Some municipal systems take the DPS the Sefin takes — built and signed the same way
(``nfse.providers.nacional.dps``), the same cancellation request
(``nfse.providers.nacional.evento``) — but at their own routes, in their own envelope, with
their own answers. The profile's ``dialeto`` option (``sistemas/dps_municipal.toml``) names
the one a system speaks; ``sefin`` (the default) is the Sefin's API unchanged, which
``NacionalProvider`` speaks itself. A dialect applies only at the system's own address: a
municipality without a test address is served in homologação by the national test
environment, which speaks the Sefin's API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from nfse.municipios.routing import rota
from nfse.providers.base import Emissor, Outcome, Rps

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

SEFIN = "sefin"


class Dialeto(Protocol):
    """What differs from the Sefin's API: the requests and answers of emission,
    reconciliation and cancellation."""

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome: ...

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome: ...

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome: ...


def _dialetos(nacional: dict[str, tuple[str, str | None]]) -> dict[str, Dialeto]:
    from nfse.providers.nacional.dialetos.abase import ABase
    from nfse.providers.nacional.dialetos.betha import Betha
    from nfse.providers.nacional.dialetos.citta import Citta
    from nfse.providers.nacional.dialetos.coplan import Coplan
    from nfse.providers.nacional.dialetos.envelopados import FIORILLI, ISSDIGITAL, Envelopado
    from nfse.providers.nacional.dialetos.modernizacao import Modernizacao
    from nfse.providers.nacional.dialetos.pronim import Pronim
    from nfse.providers.nacional.dialetos.siltecnologia import SilTecnologia
    from nfse.providers.nacional.dialetos.tiplan import Tiplan

    return {"pronim": Pronim(), "betha": Betha(nacional), "abase": ABase(nacional),
            "modernizacao": Modernizacao(nacional), "tiplan": Tiplan(nacional),
            "coplan": Coplan(nacional), "siltecnologia": SilTecnologia(nacional),
            "citta": Citta(nacional),
            # the DPS in a SOAP envelope of their own (docs/abrasf-familias-pequenas.md)
            "issdigital": Envelopado(nacional, ISSDIGITAL),
            "fiorilli": Envelopado(nacional, FIORILLI)}


NOMES = (SEFIN, "pronim", "betha", "abase", "modernizacao", "tiplan", "coplan",
         "siltecnologia", "citta")
NOMES += ("issdigital", "fiorilli")  # envelopados.py
"""The values of the profile option ``dialeto`` (``provedores._ESCOLHAS`` lists the same)."""
COM_CREDENCIAIS = frozenset({"abase", "modernizacao"})
"""The dialects whose system authenticates the company by its own credentials
(``login_responsavel``/``senha_responsavel``, ``Emissor.login``/``senha``)."""
COM_ENDERECO = frozenset({"siltecnologia", "citta"})
"""The dialects whose system takes an NFS-e the emitter builds, whose ``emit`` group carries
the company's registered address (``Emissor.endereco``)."""


def dialeto_de(nota: Nota, emissor: Emissor, nacional: dict[str, tuple[str, str | None]]
               ) -> Dialeto | None:
    """The dialect of the authority ``emissor`` reaches for this note; None for the Sefin's
    API (the profile names none, or the address is not the municipal system's own).
    ``nacional``: the Sefin Nacional's address and trust store by environment, for a
    dialect whose notes the national environment answers for."""
    nome = emissor.opcoes.get("dialeto", SEFIN)
    if nome == SEFIN:
        return None
    # a plain http address is the emitter's only when the operator allowed it
    proprio = rota(nota.prestador.codigo_municipio).url(emissor.ambiente, permitir_http=True)
    if not proprio or proprio.rstrip("/") != emissor.base_url.rstrip("/"):
        return None
    return _dialetos(nacional)[nome]
