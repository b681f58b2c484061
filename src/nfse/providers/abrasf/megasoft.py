"""MegaSoft's own layout (option ``leiaute_proprio = "megasoft"``): ABRASF 2.00's web
service (``<Op>Request`` with ``nfseCabecMsg``/``nfseDadosMsg`` in
``http://ws.megasoftarrecadanet.com.br``, SOAPAction ``http://ws.megasoftarrecadanet.com.br/
<Op>``) carrying documents of a layout of its own, in
``http://megasoftarrecadanet.com.br/xsd/nfse_v01.xsd`` (schema ``MEGASOFT/nfse_v01.xsd`` of
nfselib-legacy; the file ``megasoft_nfse_v01.xsd`` of the schema folder).

What differs, from the schema and ACBr ``Provedores/MegaSoft/MegaSoft.Provider.pas``
(``Configuracao``, ``ValidarSchema``): the header says ``1.00``; only GerarNfse and
ConsultarNfsePorRps exist (no lot, no range query, **no cancellation** nor substitution:
the profile says ``possui_cancelamento_nfse = false`` and the API refuses DELETE); the RPS is
named by its number alone (no Serie nor Tipo, in the declaration as in the query); the
declaration has no ``Competencia``, ``OptanteSimplesNacional`` nor ``IncentivoFiscal``; the
service has no ``ItemListaServico``, ``ExigibilidadeISS`` nor ``MunicipioIncidencia``, and its
amounts no ``ValorIss`` nor deductions; the RPS is signed (``ConfigAssinar.RpsGerarNFSe``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.nota import Nota, Pessoa
from nfse.providers.abrasf import pedidos
from nfse.providers.abrasf.esquema import esquema_proprio
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.abrasf.variante import Variante
from nfse.providers.base import Emissor, Erro, Rps
from nfse.xml.canonical import Node
from nfse.xml.sign import signature
from nfse.xml.validate import validate

NS = "http://megasoftarrecadanet.com.br/xsd/nfse_v01.xsd"
ESQUEMA = "megasoft_nfse_v01.xsd"
VERSAO = "1.00"
CABECALHO = (f'<cabecalho versao="{VERSAO}" xmlns="{NS}">'
             f"<versaoDados>{VERSAO}</versaoDados></cabecalho>")


def esquema(variante: Variante) -> Path | None:
    return esquema_proprio(variante, ESQUEMA, "MegaSoft")


def _checked(root: etree._Element, variante: Variante) -> bytes:
    path = esquema(variante)
    problems = validate(root, path) if path is not None else []
    if problems:
        raise DocumentoInvalido.fora_do_leiaute(problems, "MegaSoft 1.00")
    return etree.tostring(root, encoding="UTF-8")


def _prestador(parent: Node, nota: Nota) -> None:
    node = parent.add("Prestador")
    pedidos._cpf_cnpj(node, nota.prestador.cnpj, nota.prestador.cpf)
    node.add("InscricaoMunicipal", nota.prestador.inscricao_municipal)


def _tomador(parent: Node, tomador: Pessoa) -> None:
    node = parent.add("Tomador")
    if tomador.cnpj or tomador.cpf:
        ident = node.add("IdentificacaoTomador")
        pedidos._cpf_cnpj(ident, tomador.cnpj, tomador.cpf)
        if tomador.inscricao_municipal:
            ident.add("InscricaoMunicipal", tomador.inscricao_municipal)
    node.add("RazaoSocial", tomador.razao_social)
    end = tomador.endereco
    if end and end.logradouro:
        e = node.add("Endereco")
        e.add("Endereco", end.logradouro)
        e.add("Numero", end.numero or "S/N")
        for tag, value in (("Complemento", end.complemento), ("Bairro", end.bairro),
                           ("Cep", end.cep), ("CodigoMunicipio", end.codigo_municipio)):
            if value:
                e.add(tag, value)


def declaracao(nota: Nota, rps: Rps) -> Node:
    """``InfDeclaracaoPrestacaoServico`` in MegaSoft's layout (not yet signed)."""
    s = nota.servico
    inf = Node("InfDeclaracaoPrestacaoServico")
    inf.set("Id", pedidos.rps_id(rps))
    info = inf.add("Rps")
    info.add("IdentificacaoRps").add("Numero", str(rps.numero))
    momento = min(nota.data_emissao.astimezone(SAO_PAULO).replace(tzinfo=None),
                  datetime.now(SAO_PAULO).replace(tzinfo=None, microsecond=0))
    info.add("DataEmissao", momento.replace(microsecond=0).isoformat())
    servico = inf.add("Servico")
    valores = servico.add("Valores")
    valores.add("ValorServicos", pedidos._money(s.valor_servicos))
    for tag, value in (("ValorPis", s.valor_pis), ("ValorCofins", s.valor_cofins),
                       ("ValorInss", s.valor_inss), ("ValorIr", s.valor_ir),
                       ("ValorCsll", s.valor_csll)):
        if value:
            valores.add(tag, pedidos._money(value))
    if s.aliquota:
        valores.add("Aliquota", f"{s.aliquota:.2f}")
    if s.desconto_incondicionado:
        valores.add("DescontoIncondicionado", pedidos._money(s.desconto_incondicionado))
    servico.add("IssRetido", pedidos._sim_nao(s.iss_retido))
    servico.add("CodigoMunicipio", s.codigo_municipio)
    if s.codigo_tributario_municipio:
        servico.add("CodigoTributacaoMunicipio", s.codigo_tributario_municipio)
    servico.add("Discriminacao", s.discriminacao)
    _prestador(inf, nota)
    if nota.tomador is not None:
        _tomador(inf, nota.tomador)
    return inf


def gerar_nfse(nota: Nota, rps: Rps, emissor: Emissor, variante: Variante) -> bytes:
    """``GerarNfseEnvio``: one signed RPS."""
    pedidos._exigir(nota)
    inf = declaracao(nota, rps)
    canonical = inf.canonical(NS)
    assinatura = signature(canonical.encode(), inf.attrs["Id"], emissor.a1,
                           variante.assinatura)
    corpo = f"<{inf.tag}" + canonical[len(f'<{inf.tag} xmlns="{NS}"'):] + assinatura
    root = pedidos._parse(f'<GerarNfseEnvio xmlns="{NS}"><Rps>{corpo}</Rps></GerarNfseEnvio>')
    return _checked(root, variante)


def consultar_nfse_rps(nota: Nota, rps: Rps, variante: Variante) -> bytes:
    """``ConsultarNfseRpsEnvio``: the RPS by its number alone, and the prestador."""
    root = Node("ConsultarNfseRpsEnvio")
    root.add("IdentificacaoRps").add("Numero", str(rps.numero))
    _prestador(root, nota)
    return _checked(pedidos._parse(root.canonical(NS)), variante)


def sem_cancelamento() -> DocumentoInvalido:
    return DocumentoInvalido([Erro(
        "operacao_indisponivel", "A prefeitura (MegaSoft) não oferece o cancelamento de NFS-e "
        "pelo web service", "Cancele a nota no portal da prefeitura")])
