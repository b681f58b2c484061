"""The documents of Equiplano's own layout (e-NFS, ``esnfs``), built from the normalised note,
signed with the company's A1 and checked against Equiplano's schemas before they leave.

Facts (element names, order, codes, what is signed) from the schemas Equiplano publishes
(``*_v01.xsd``, shipped by the ACBr project, ``Schemas/NFSe/Equiplano/1.00``) and ACBr's
``Equiplano.GravarXml.pas`` and ``Equiplano.Provider.pas`` (commit 7be4dac, 2026-06):

- The root is in ``http://www.equiplano.com.br/esnfs`` (prefix ``es``), its descendants in
  no namespace; every request carries an enveloped XMLDSig of the whole document
  (``Reference URI=""``) as the root's last child.
- The prestador is named by CNPJ, inscrição municipal and ``idEntidade``: Equiplano's own
  number for the city (``CodigoCidade`` of each city in ACBr's table; the registry's
  ``id_entidade``).
- Emission: ``enviarLoteRpsEnvio`` with one ``rps`` (asynchronous: a protocol comes back);
  the lot: ``esConsultarSituacaoLoteRpsEnvio`` and ``esConsultarLoteRpsEnvio`` by protocol;
  the RPS: ``esConsultarNfsePorRpsEnvio``; cancellation: ``esCancelarNfseEnvio``.

Codes: ``tpTributacao`` 1 taxed here, 2 elsewhere, 3 isento, 4 imune; yes/no fields ``1``/``2``;
``stRps`` 1 (normal); ``tpDocumento`` 1 CPF, 2 CNPJ.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import padding
from lxml import etree

from nfse.certs.a1 import A1
from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Nota
from nfse.municipios import registry
from nfse.municipios.servicos import normalizar_item
from nfse.providers.base import Erro, Rps
from nfse.xml.sign import ALGORITHMS, DSIG, sign
from nfse.xml.validate import validate

NS = "http://www.equiplano.com.br/esnfs"
ESQUEMAS = Path(__file__).parent / "esquemas"
VERSAO_XML = "1"
SIM, NAO = "1", "2"
TRIBUTACAO = {1: "1", 2: "2", 3: "3", 4: "4"}
"""natureza_operacao (Focus) → tpTributacao; Equiplano has no suspended exigibility."""
ESQUEMA = {
    "enviarLoteRpsEnvio": "esRecepcionarLoteRpsEnvio_v01.xsd",
    "esConsultarSituacaoLoteRpsEnvio": "esConsultarSituacaoLoteRpsEnvio_v01.xsd",
    "esConsultarLoteRpsEnvio": "esConsultarLoteRpsEnvio_v01.xsd",
    "esConsultarNfsePorRpsEnvio": "esConsultarNfsePorRpsEnvio_v01.xsd",
    "esCancelarNfseEnvio": "esCancelarNfseEnvio_v01.xsd",
    "enviarLoteRpsResposta": "esRecepcionarLoteRpsResposta_v01.xsd",
    "esConsultarSituacaoLoteRpsResposta": "esConsultarSituacaoLoteRpsResposta_v01.xsd",
    "esConsultarLoteRpsResposta": "esConsultarLoteRpsResposta_v01.xsd",
    "esConsultarNfsePorRpsResposta": "esConsultarNfsePorRpsResposta_v01.xsd",
    "esCancelarNfseResposta": "esCancelarNfseResposta_v01.xsd",
}
"""Each document's schema, by its root's name (requests and answers)."""


class DocumentoInvalido(ValueError):
    """The note cannot become an Equiplano document; ``erros`` say why, in Portuguese."""

    def __init__(self, erros: Sequence[Erro]):
        super().__init__("; ".join(e.mensagem for e in erros))
        self.erros = tuple(erros)


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def valor(value: Decimal | None) -> str:
    """``1234.50``."""
    return f"{(value or Decimal(0)).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


def problemas(nota: Nota) -> list[Problema]:
    """What Equiplano's layout needs beyond the contract."""
    found: list[Problema] = []
    if not nota.prestador.cnpj:
        found.append(Problema("prestador.cnpj", 'Parâmetro "prestador.cnpj" não informado',
                              "A Equiplano identifica o prestador pelo CNPJ"))
    if not _digitos(nota.prestador.inscricao_municipal):
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" não informado',
                              "A Equiplano identifica o prestador pela inscrição municipal"))
    if nota.natureza_operacao not in TRIBUTACAO:
        found.append(Problema("natureza_operacao", "Natureza da operação sem correspondente na "
                              "Equiplano", "Use natureza_operacao 1 (no município), 2 (fora), 3 "
                              "(isenção) ou 4 (imune): a Equiplano não tem exigibilidade "
                              "suspensa"))
    if normalizar_item(nota.servico.item_lista_servico or "") is None:
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    return found


def id_entidade(opcoes: Mapping[str, Any]) -> str:
    """Equiplano's number for the city (``id_entidade`` of the registry)."""
    codigo = _digitos(str(opcoes.get("id_entidade") or ""))
    if not codigo:
        raise DocumentoInvalido([Erro(
            "id_entidade_ausente",
            "O município não tem o código da entidade na Equiplano (idEntidade) no cadastro de "
            "municípios do gateway",
            'Defina id_entidade = "<código>" em [municipios."<IBGE>"] de um arquivo '
            "NFSE_MUNICIPIOS_FILE (docs/equiplano.md)")])
    return codigo


def emissor_rps(rps: Rps) -> str:
    """``nrEmissorRps``: the RPS's series when it is a number (ACBr), else ``1``."""
    return rps.serie if rps.serie.isdigit() else "1"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element


def _talvez(parent: etree._Element, tag: str, text: str | None) -> None:
    if text:
        _sub(parent, tag, text)


def _raiz(tag: str) -> etree._Element:
    return etree.Element(f"{{{NS}}}{tag}", nsmap={"es": NS})


def _identificacao_prestador(parent: etree._Element, nota: Nota, entidade: str) -> None:
    prestador = _sub(parent, "prestador")
    _sub(prestador, "nrInscricaoMunicipal", _digitos(nota.prestador.inscricao_municipal))
    _sub(prestador, "cnpj", _digitos(nota.prestador.cnpj))
    _sub(prestador, "idEntidade", entidade)


def rps_element(nota: Nota, rps: Rps) -> etree._Element:
    """The ``rps`` of the note (the lot's, and the one the kept note carries)."""
    s = nota.servico
    node = etree.Element("rps")
    _sub(node, "nrRps", str(rps.numero))
    _sub(node, "nrEmissorRps", emissor_rps(rps))
    _sub(node, "dtEmissaoRps", f"{nota.data_emissao.astimezone(SAO_PAULO):%Y-%m-%dT%H:%M:%S}")
    _sub(node, "stRps", "1")
    _sub(node, "tpTributacao", TRIBUTACAO.get(nota.natureza_operacao, "1"))
    _sub(node, "nrCidadeIbgeServico", s.codigo_municipio)
    _sub(node, "isIssRetido", SIM if s.iss_retido else NAO)
    tomador = nota.tomador
    if tomador is not None and (tomador.cnpj or tomador.cpf) and tomador.razao_social:
        endereco = tomador.endereco
        node_tomador = _sub(node, "tomador")
        documento = _sub(node_tomador, "documento")
        _sub(documento, "nrDocumento", _digitos(tomador.cnpj or tomador.cpf))
        _sub(documento, "tpDocumento", "2" if tomador.cnpj else "1")
        _sub(node_tomador, "nmTomador", tomador.razao_social[:80])
        _talvez(node_tomador, "dsEmail", (tomador.email or "")[:80])
        _talvez(node_tomador, "nrInscricaoMunicipal",
                _digitos(tomador.inscricao_municipal)[:20])
        if endereco is not None:
            _talvez(node_tomador, "dsEndereco", (endereco.logradouro or "")[:125])
            _talvez(node_tomador, "nrEndereco", (endereco.numero or "")[:10])
            _talvez(node_tomador, "dsComplemento", (endereco.complemento or "")[:40])
            _talvez(node_tomador, "nmBairro", (endereco.bairro or "")[:50])
        codigo = _digitos(endereco.codigo_municipio if endereco else None)
        municipio = registry.get(codigo) if codigo else None
        _sub(node_tomador, "nrCidadeIbge", codigo or s.codigo_municipio)
        _sub(node_tomador, "nmUf", municipio.uf if municipio else
             ((endereco.uf if endereco else None) or ""))
        _sub(node_tomador, "nmPais", "Brasil")
        cep = _digitos(endereco.cep if endereco else None)
        _talvez(node_tomador, "nrCep", cep if len(cep) == 8 else None)
        _talvez(node_tomador, "nrTelefone", _digitos(tomador.telefone)[:20])
    servico = _sub(_sub(node, "listaServicos"), "servico")
    item, subitem = (normalizar_item(s.item_lista_servico) or "0.0").split(".")
    _sub(servico, "nrServicoItem", str(int(item)))
    _sub(servico, "nrServicoSubItem", str(int(subitem)))
    _sub(servico, "vlServico", valor(s.valor_servicos))
    _sub(servico, "vlAliquota", valor(s.aliquota))
    _sub(servico, "vlBaseCalculo", valor(s.base_calculo))
    _sub(servico, "vlIssServico", valor(s.valor_iss))
    _sub(servico, "dsDiscriminacaoServico", s.discriminacao[:1024])
    _sub(node, "vlTotalRps", valor(s.valor_servicos))
    _sub(node, "vlLiquidoRps", valor(s.valor_liquido))
    retencoes = _sub(node, "retencoes")
    for tag, quantia in (("vlCofins", s.valor_cofins), ("vlCsll", s.valor_csll),
                         ("vlInss", s.valor_inss), ("vlIrrf", s.valor_ir),
                         ("vlPis", s.valor_pis),
                         ("vlIss", s.valor_iss_retido if s.iss_retido else None)):
        _sub(retencoes, tag, valor(quantia))
    if s.desconto_incondicionado:
        _sub(node, "vlDesconto", valor(s.desconto_incondicionado))
    return node


def _assinar(root: etree._Element, a1: A1) -> None:
    """The enveloped signature of the whole document. Its ``SignedInfo`` sits under a root
    that declares the ``es`` prefix, which inclusive C14N carries into the ``SignedInfo``'s
    canonical form: the value is computed over that form (the shared signer assumes a
    ``SignedInfo`` with no inherited prefix)."""
    sign(root, root, a1)
    assinatura = root[-1]
    info = assinatura.find(f"{{{DSIG}}}SignedInfo")
    em_contexto = etree.Element(info.tag, nsmap=dict(info.nsmap))  # every in-scope prefix
    em_contexto.extend(copy.deepcopy(filho) for filho in info)
    canonico = etree.tostring(em_contexto, method="c14n", exclusive=False, with_comments=False)
    valor_assinatura = a1.key.sign(canonico, padding.PKCS1v15(), ALGORITHMS["sha1"][3]())
    assinatura.find(f"{{{DSIG}}}SignatureValue").text = base64.b64encode(
        valor_assinatura).decode()


def _assinado(root: etree._Element, a1: A1) -> bytes:
    """``root`` signed as a whole and checked against its schema (a refusal here is the
    gateway's bug or a field outside Equiplano's limits: nothing is sent)."""
    _assinar(root, a1)
    falhas = conferir(root)
    if falhas:
        raise DocumentoInvalido([Erro("fora_do_leiaute", "O documento não segue o esquema da "
                                      "Equiplano: " + "; ".join(falhas[:3]))])
    return etree.tostring(root, encoding="UTF-8")


def conferir(root: etree._Element) -> list[str]:
    """The schema errors of an Equiplano document (request or answer)."""
    return validate(root, ESQUEMAS / ESQUEMA[etree.QName(root).localname])


def lote(nota: Nota, rps: Rps, a1: A1, opcoes: Mapping[str, Any]) -> bytes:
    """``enviarLoteRpsEnvio`` with the note of ``rps`` (the lot is numbered as its RPS)."""
    missing = problemas(nota)
    if missing:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in missing])
    root = _raiz("enviarLoteRpsEnvio")
    node = _sub(root, "lote")
    _sub(node, "nrLote", str(rps.numero))
    _sub(node, "qtRps", "1")
    _sub(node, "nrVersaoXml", VERSAO_XML)
    prestador = _sub(node, "prestador")
    _sub(prestador, "nrCnpj", _digitos(nota.prestador.cnpj))
    _sub(prestador, "nrInscricaoMunicipal", _digitos(nota.prestador.inscricao_municipal))
    _sub(prestador, "isOptanteSimplesNacional", SIM if nota.optante_simples_nacional else NAO)
    _sub(prestador, "idEntidade", id_entidade(opcoes))
    _sub(node, "listaRps").append(rps_element(nota, rps))
    return _assinado(root, a1)


def consulta_lote(nota: Nota, protocolo: str, a1: A1, opcoes: Mapping[str, Any],
                  situacao: bool) -> bytes:
    """``esConsultarSituacaoLoteRpsEnvio`` (``situacao``) or ``esConsultarLoteRpsEnvio`` of
    the lot of ``protocolo``."""
    if not protocolo.isdigit():
        raise DocumentoInvalido([Erro("protocolo_invalido", f"Protocolo inválido: {protocolo}")])
    root = _raiz("esConsultarSituacaoLoteRpsEnvio" if situacao else "esConsultarLoteRpsEnvio")
    _identificacao_prestador(root, nota, id_entidade(opcoes))
    _sub(root, "nrProtocolo", protocolo)
    return _assinado(root, a1)


def consulta_rps(nota: Nota, rps: Rps, a1: A1, opcoes: Mapping[str, Any]) -> bytes:
    """``esConsultarNfsePorRpsEnvio``: the note of ``rps``, if Equiplano issued one."""
    root = _raiz("esConsultarNfsePorRpsEnvio")
    identificacao = _sub(root, "rps")
    _sub(identificacao, "nrRps", str(rps.numero))
    _sub(identificacao, "nrEmissorRps", emissor_rps(rps))
    _identificacao_prestador(root, nota, id_entidade(opcoes))
    return _assinado(root, a1)


def cancelamento(nota: Nota, numero: str, justificativa: str, a1: A1,
                 opcoes: Mapping[str, Any]) -> bytes:
    """``esCancelarNfseEnvio`` of NFS-e ``numero``."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}")])
    root = _raiz("esCancelarNfseEnvio")
    _identificacao_prestador(root, nota, id_entidade(opcoes))
    _sub(root, "nrNfse", numero)
    _sub(root, "dsMotivoCancelamento", justificativa.strip()[:1024])
    return _assinado(root, a1)
