"""Notes a company received in an ABRASF municipality (``ConsultarNfseServicoTomado``): what
``/v2/nfses_recebidas`` shows of each ``CompNfse``.

ABRASF notes have no access key; the gateway names one ``A`` + the municipality (7) + the
prestador's CPF/CNPJ (14) + the note's number (15), all digits but the first letter, so the
same note read twice is the same key."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from nfse.providers.abrasf.respostas import documento


@dataclass(frozen=True)
class Tomada:
    dados: dict[str, Any]
    xml: bytes
    """The ``CompNfse``."""
    cancelamento: bytes | None
    """Its ``NfseCancelamento`` (or ``NfseSubstituicao``: a substituted note is cancelled by
    the one that replaced it), None while it stands."""


@dataclass(frozen=True)
class PaginaTomadas:
    notas: list[Tomada] = field(default_factory=list)
    mais: bool = False
    """A full page: the next one may have more."""
    erro: str = ""


def _texto(no: etree._Element | None, caminho: str) -> str:
    if no is None:
        return ""
    return (no.findtext(caminho) or "").strip()


def _doc(no: etree._Element | None) -> str:
    return _texto(no, "{*}CpfCnpj/{*}Cnpj") or _texto(no, "{*}CpfCnpj/{*}Cpf")


def _valor(texto: str) -> str | None:
    try:
        return str(Decimal(texto).quantize(Decimal("0.01"))) if texto else None
    except InvalidOperation:
        return None


def _tomador(declaracao: etree._Element | None) -> etree._Element | None:
    """The tomador's identification: ``TomadorServico`` in 2.04, ``Tomador`` before."""
    if declaracao is None:
        return None
    for nome in ("TomadorServico", "Tomador"):
        found = declaracao.find(f"{{*}}{nome}/{{*}}IdentificacaoTomador")
        if found is not None:
            return found
    return None


def ler(comp: etree._Element) -> Tomada | None:
    inf = comp.find("{*}Nfse/{*}InfNfse")
    if inf is None:
        return None
    declaracao = inf.find(".//{*}InfDeclaracaoPrestacaoServico")
    prestador = inf.find("{*}PrestadorServico")
    identificacao = declaracao.find("{*}Prestador") if declaracao is not None else None
    municipio = (_texto(inf, "{*}OrgaoGerador/{*}CodigoMunicipio")
                 or _texto(prestador, "{*}Endereco/{*}CodigoMunicipio"))
    numero = _texto(inf, "{*}Numero")
    documento_prestador = _doc(identificacao)
    if not (numero.isdigit() and documento_prestador and municipio.isdigit()):
        return None
    rps = declaracao.find("{*}Rps") if declaracao is not None else None
    fim = comp.find("{*}NfseCancelamento")
    if fim is None:
        fim = comp.find("{*}NfseSubstituicao")
    dados = {
        "chave": f"A{municipio:0>7}{documento_prestador:0>14}{int(numero):015d}",
        "numero": numero,
        "codigo_verificacao": _texto(inf, "{*}CodigoVerificacao"),
        "data_emissao": _texto(inf, "{*}DataEmissao"),
        "numero_rps": _texto(rps, "{*}IdentificacaoRps/{*}Numero"),
        "serie_rps": _texto(rps, "{*}IdentificacaoRps/{*}Serie"),
        "data_emissao_rps": _texto(rps, "{*}DataEmissao"),
        "valor_servicos": _valor(_texto(declaracao, "{*}Servico/{*}Valores/{*}ValorServicos")),
        "documento_prestador": documento_prestador,
        "nome_prestador": _texto(prestador, "{*}RazaoSocial"),
        "inscricao_municipal_prestador": _texto(identificacao, "{*}InscricaoMunicipal"),
        "codigo_municipio": municipio,
        "sigla_uf": _texto(inf, "{*}OrgaoGerador/{*}Uf"),
        "nome_municipio": "",
        "documento_tomador": _doc(_tomador(declaracao)),
        "documento_intermediario": _doc(
            declaracao.find("{*}Intermediario/{*}IdentificacaoIntermediario")
            if declaracao is not None else None),
    }
    return Tomada(dados, documento(comp), documento(fim) if fim is not None else None)
