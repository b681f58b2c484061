"""ISSSalvador (Salvador/BA): the ABRASF 1.0 documents in the association's single namespace
(``http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd``, the city's ``nfse_salvador.xsd``,
copied into ``esquemas/`` from nfselib-legacy's ``SALVADOR_BA`` folder), one .NET
service per operation, and no cancellation by web service.

The documents have Ginfes' structure (the 1.0 layout both derive from) with three
differences, so they are built as Ginfes' and converted (``conversao.converter``): every
element in the one namespace, the identifying attribute written ``id`` (ACBr
``ISSSalvador.Provider.pas``: ``ConfigGeral.Identificador := 'id'``), and the civil
construction group spelled ``ContrucaoCivil`` (as the schema has it). The RPS and the lot
are signed (``ConfigAssinar``: ``Rps``, ``LoteRps``); the queries are not (the schema has no
room for a signature in them).

Each operation is ``tem:<Operação>`` in ``http://tempuri.org/`` with one string argument,
``loteXML`` or ``consultaxml``, in CDATA; the SOAPAction is
``http://tempuri.org/<Interface>/<Operação>``; the answer the ``<Operação>Result`` string
(ACBr ``TACBrNFSeXWebserviceISSSalvador``). The addresses differ by operation
(``.../rps/ENVIOLOTERPS/EnvioLoteRPS.svc``, ``.../rps/CONSULTALOTERPS/ConsultaLoteRPS.svc``...,
ACBr's old ``TProvedorSalvador.GetConfigURL``): the registry holds the lot's, and the others
are found beside it (``endereco``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

from lxml import etree

from nfse.providers.abrasf1 import esquema
from nfse.xml.validate import validate

NS = "http://www.abrasf.org.br/ABRASF/arquivos/nfse.xsd"
XSD = esquema.PASTA / "nfse_salvador.xsd"
TEMPURI = "http://tempuri.org/"
ID = "id"

OPERACOES: dict[str, tuple[str, str, str, str]] = {
    "RecepcionarLoteRps": ("EnviarLoteRPS", "loteXML", "IEnvioLoteRPS",
                           "ENVIOLOTERPS/EnvioLoteRPS.svc"),
    "ConsultarSituacaoLoteRps": ("ConsultarSituacaoLoteRPS", "loteXML",
                                 "IConsultaSituacaoLoteRPS",
                                 "CONSULTASITUACAOLOTERPS/ConsultaSituacaoLoteRPS.svc"),
    "ConsultarLoteRps": ("ConsultarLoteRPS", "loteXML", "IConsultaLoteRPS",
                         "CONSULTALOTERPS/ConsultaLoteRPS.svc"),
    "ConsultarNfsePorRps": ("ConsultarNfseRPS", "consultaxml", "IConsultaNfseRPS",
                            "CONSULTANFSERPS/ConsultaNfseRPS.svc"),
    "ConsultarNfse": ("ConsultarNfse", "consultaxml", "IConsultaNfse",
                      "CONSULTANFSE/ConsultaNfse.svc"),
}
"""ABRASF 1.0 operation → (.NET operation, argument, service interface, path under /rps/)."""
RENOMEADOS = {"ConstrucaoCivil": "ContrucaoCivil"}

def endereco(base_url: str, operacao: str) -> str:
    """The address of ``operacao`` beside ``base_url`` (the lot's service, or any address
    of the same folder layout: a sandbox's)."""
    return urljoin(base_url, "../" + OPERACOES[operacao][3])


def acao(operacao: str) -> str:
    nome, _, interface, _ = OPERACOES[operacao]
    return f"{TEMPURI}{interface}/{nome}"


def problemas(doc: etree._Element) -> list[str]:
    """Every schema error of a Salvador document."""
    if etree.QName(doc).namespace != NS:
        return [f"elemento raiz {etree.QName(doc).text} fora do esquema de Salvador"]
    return validate(doc, Path(XSD))
