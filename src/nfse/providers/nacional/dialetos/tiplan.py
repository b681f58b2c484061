"""Tiplan's dialect (``<cidade>/api/adn/dps/...``: Macaé, Americana): the Sefin's requests and
answers at Tiplan's own routes. The signed DPS in ``{"dpsXmlGZipB64"}`` by
``POST .../recepcao`` (the municipality's address), the signed cancellation request in
``{"pedidoRegistroEventoXmlGZipB64"}`` by ``POST .../evento`` (the key is not in the path),
the DPS's key by ``GET .../chave-acesso/{id da DPS}``; the NFS-e by its key and the events are
the Sefin Nacional's (``ServicosPadraoNacional`` of Tiplan's section of the table), so a lost
answer is looked for there.

Facts from ACBr's ``Provedores/Tiplan.Provider.pas``, classes ``TACBrNFSeProviderTiplanAPIPropria``
and ``TACBrNFSeXWebserviceTiplanAPIPropria`` (edsontmarques/ACBr 7be4dac, 2026-06), which read
the answers with the Sefin's reader (``PadraoNacional``), and ``ACBrNFSeXServicos.ini``,
sections ``[Tiplan]``, ``[3302403]``, ``[3501608]``. ACBr passes the query the value the
Sefin's ``GET /dps/{id}`` takes (``NumeroRps``, the DPS's id there). ACBr also turns an
ASP.NET ``{"Message": "..."}`` answer into an error E9999; here such an answer is a refusal
without the Sefin's error list (its text stays in the kept exchange).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from nfse.providers.base import Emissor, Outcome, Rps
from nfse.providers.nacional.dps import dps_id

if TYPE_CHECKING:
    from nfse.model.nota import Nota
    from nfse.providers.nacional.provider import NacionalProvider

RECEPCAO = "/recepcao"


def raiz(base_url: str) -> str:
    """Tiplan's API root: the municipality's address is its reception route."""
    base = base_url.rstrip("/")
    return base[: -len(RECEPCAO)] if base.endswith(RECEPCAO) else base


class Tiplan:
    def __init__(self, nacional: dict[str, tuple[str, str | None]]):
        self.nacional = nacional
        """The Sefin Nacional's address and trust store by environment, which serve the
        notes and events of Tiplan's cities."""

    def _na_sefin(self, emissor: Emissor) -> Emissor:
        url, ca_file = self.nacional[emissor.ambiente]
        return replace(emissor, base_url=url, ca_file=ca_file, opcoes={})

    def emit(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
             ) -> Outcome:
        return provider.emitir_em(f"{raiz(emissor.base_url)}{RECEPCAO}", nota, rps, emissor)

    def query(self, provider: NacionalProvider, nota: Nota, rps: Rps, emissor: Emissor
              ) -> Outcome:
        ident = dps_id(nota, rps)
        return provider.consultar_dps_em(f"{raiz(emissor.base_url)}/chave-acesso/{ident}",
                                         ident, emissor, self._na_sefin(emissor))

    def cancel(self, provider: NacionalProvider, nota: Nota, chave: str, numero: str,
               justificativa: str, emissor: Emissor) -> Outcome:
        return provider.cancelar_em(f"{raiz(emissor.base_url)}/evento", nota, chave, numero,
                                    justificativa, emissor, self._na_sefin(emissor))
