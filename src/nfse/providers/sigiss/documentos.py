"""The SOAP requests of SigISS (``<cidade>.sigiss.com.br/<cidade>/ws/sigiss_ws.php``), built
from the normalised note.

Facts from the ACBr project's SigISS provider (``SigISS.Provider.pas``,
``SigISS.GravarXml.pas``, 2026-06; SigISS publishes no WSDL nor schema, and ACBr validates
nothing, ``ConfigSchemas.Validar := False``). docs/sigiss.md lists what only a city confirms.

- SOAP 1.1 rpc, SOAPAction ``urn:sigiss_ws#<Operação>``; the body's element is the operation
  in ``urn:sigiss_ws`` (a default namespace its members inherit, as ACBr writes it).
- Emission ``GerarNota``: one flat ``DescricaoRps`` (the company's ``ccm``, ``cnpj`` and
  ``senha`` at SigISS, the accountant's ``crc``/``crc_estado``, the service, values with a
  decimal comma and 4 places, the tomador in ``tomador_*`` fields, the RPS in ``rps_*``).
- Query ``ConsultarNotaPrestador``: ``DadosPrestador`` and the note's number (``Nota``). There
  is no query by RPS.
- Cancellation ``CancelarNota``: 1.00 a flat ``DadosCancelaNota``; 1.01 ``DadosPrestador``
  and ``DescricaoCancelaNota``; both with ``nota``, ``cMotivo``, ``xMotivo``, ``email``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.errors import Problema
from nfse.model.nota import Endereco, Nota
from nfse.municipios import registry
from nfse.providers.abrasf.pedidos import DocumentoInvalido
from nfse.providers.base import Erro, Rps

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "urn:sigiss_ws"
EMISSAO = "GerarNota"
CONSULTA = "ConsultarNotaPrestador"
CANCELAMENTO = "CancelarNota"
VERSOES = ("1.00", "1.01")
"""ACBr's SigISS versions served: they differ only in the cancellation's shape."""
LIMITE_DESCRICAO = 150
"""``descricaoNF`` (the discriminação) has at most 150 characters (ACBr's ``AddNode``)."""
QUEBRA = "|"
"""How SigISS writes a line break in a text (ACBr's ``QuebradeLinha``)."""
MOTIVO_CANCELAMENTO = "1"
"""``cMotivo``: SigISS publishes no table; 1 (erro na emissão, the national code) with the
justification in ``xMotivo``."""
SITUACAO = {1: "tp", 2: "tt", 3: "is", 4: "im"}
"""natureza_operacao → ``situacao`` (ACBr's ``SituacaoTribToStr``): tributada no prestador,
tributada no tomador (outside the municipality), isenta, imune."""
PAIS_BRASIL = ("", "1058", "01058", "BR")


def _digitos(text: str | None) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def descricao(nota: Nota) -> str:
    """``descricaoNF``: the discriminação with its line breaks as ``|``."""
    texto = nota.servico.discriminacao.replace("\r\n", "\n").strip()
    return texto.replace("\n", QUEBRA)


def problemas(nota: Nota) -> list[Problema]:
    """What SigISS's note needs beyond the contract: the ``ccm`` of the prestador, the LC 116
    item, a description SigISS keeps whole, and a situation it has a code for."""
    found: list[Problema] = []
    if not _digitos(nota.prestador.inscricao_municipal):
        found.append(Problema("prestador.inscricao_municipal",
                              'Parâmetro "prestador.inscricao_municipal" não informado',
                              "O SigISS identifica o prestador pela inscrição municipal (ccm)"))
    if not _digitos(nota.servico.item_lista_servico):
        found.append(Problema("servico.item_lista_servico",
                              'Parâmetro "servico.item_lista_servico" não informado',
                              "Informe o item da lista de serviços da LC 116 (por exemplo "
                              "01.07)"))
    tamanho = len(descricao(nota))
    if tamanho > LIMITE_DESCRICAO:
        found.append(Problema("servico.discriminacao",
                              f"A discriminação tem {tamanho} caracteres e o SigISS aceita no "
                              f"máximo {LIMITE_DESCRICAO} (cada quebra de linha conta um)",
                              "Resuma a discriminação; o gateway não a corta"))
    if nota.natureza_operacao not in SITUACAO:
        found.append(Problema("natureza_operacao",
                              f"Natureza da operação {nota.natureza_operacao} sem situação no "
                              "SigISS (exigibilidade suspensa não tem código no leiaute)",
                              "Use 1 (tributação no município), 2 (fora do município), 3 "
                              "(isenção) ou 4 (imune)"))
    return found


def _exigir(nota: Nota) -> None:
    found = problemas(nota)
    if found:
        raise DocumentoInvalido([Erro(p.codigo, p.mensagem, p.correcao) for p in found])


def valor(value: Decimal | None) -> str:
    """``1234,5000``: decimal comma and 4 places (ACBr's ``tcDe4`` with ``DecimalChar ,``)."""
    quantia = (value or Decimal(0)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return f"{quantia:.4f}".replace(".", ",")


def _sub(parent: etree._Element, tag: str, text: str = "") -> etree._Element:
    element = etree.SubElement(parent, f"{{{NS}}}{tag}")
    element.text = text
    return element


def _operacao(nome: str) -> tuple[etree._Element, etree._Element]:
    """The envelope and its operation element (``urn:sigiss_ws`` as default namespace)."""
    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={
        "soapenv": SOAP11, "xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsd": "http://www.w3.org/2001/XMLSchema", "urn": NS})
    etree.SubElement(envelope, f"{{{SOAP11}}}Header")
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    return envelope, etree.SubElement(body, f"{{{NS}}}{nome}", nsmap={None: NS})


def cabecalhos(operacao: str) -> dict[str, str]:
    """The HTTP headers of the SOAP 1.1 call of ``operacao``."""
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{NS}#{operacao}"',
            "Accept": "text/xml"}


def _bytes(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def _tomador_tipo(nota: Nota) -> str:
    """``tomador_tipo`` (ACBr's ``TipoPessoaToStr``): 1 pessoa física não identificada, 2
    pessoa física, 3 pessoa jurídica do município, 4 de fora do município, 5 de fora do
    país."""
    tomador = nota.tomador
    if tomador is None:
        return "1"
    endereco = tomador.endereco or Endereco()
    if tomador.nif or tomador.motivo_ausencia_nif or \
            (endereco.codigo_pais or "") not in PAIS_BRASIL:
        return "5"
    if tomador.cnpj:
        return "3" if endereco.codigo_municipio == nota.prestador.codigo_municipio else "4"
    return "2" if tomador.cpf else "1"


def _tomador(descricao_rps: etree._Element, nota: Nota) -> None:
    tomador = nota.tomador
    e = (tomador.endereco if tomador else None) or Endereco()
    documento = (tomador.cnpj or tomador.cpf or "") if tomador else ""
    _sub(descricao_rps, "tomador_tipo", _tomador_tipo(nota))
    _sub(descricao_rps, "tomador_cnpj", documento)
    if tomador and tomador.email:
        _sub(descricao_rps, "tomador_email", tomador.email[:100])
    if tomador and tomador.inscricao_municipal:
        _sub(descricao_rps, "tomador_im", tomador.inscricao_municipal[:15])
    razao = ((tomador.razao_social if tomador else None) or "")[:100]
    _sub(descricao_rps, "tomador_razao", razao)
    _sub(descricao_rps, "tomador_fantasia", razao)
    _sub(descricao_rps, "tomador_endereco", (e.logradouro or "")[:100])
    _sub(descricao_rps, "tomador_numero", (e.numero or "")[:100])
    if e.complemento:
        _sub(descricao_rps, "tomador_complemento", e.complemento[:50])
    _sub(descricao_rps, "tomador_bairro", (e.bairro or "")[:100])
    _sub(descricao_rps, "tomador_CEP", _digitos(e.cep)[:8])
    _sub(descricao_rps, "tomador_cod_cidade", _digitos(e.codigo_municipio)[:7])
    telefone = _digitos(tomador.telefone if tomador else None)
    if telefone:
        _sub(descricao_rps, "tomador_fone", telefone[-15:])


def descricao_rps(nota: Nota, rps: Rps, senha: str, simples: bool) -> etree._Element:
    """The ``DescricaoRps`` of ``rps``, in ACBr's order, with the company's ``senha``."""
    _exigir(nota)
    if len(rps.serie) > 3:
        raise DocumentoInvalido([Erro("serie_invalida", f"A série do RPS ({rps.serie}) tem "
                                      "mais de 3 caracteres, o limite do SigISS")])
    servico = nota.servico
    raiz = etree.Element(f"{{{NS}}}DescricaoRps", nsmap={None: NS})
    _sub(raiz, "ccm", _digitos(nota.prestador.inscricao_municipal)[:15])
    _sub(raiz, "cnpj", nota.prestador.cnpj or nota.prestador.cpf or "")
    _sub(raiz, "senha", senha)
    _sub(raiz, "crc")
    _sub(raiz, "crc_estado")
    if simples and servico.aliquota:
        _sub(raiz, "aliquota_simples", valor(servico.aliquota))
    _sub(raiz, "servico", _digitos(servico.item_lista_servico)[:15])
    if nota.codigo_obra:
        _sub(raiz, "codigo_obra", nota.codigo_obra[:15])
    if nota.art:
        _sub(raiz, "obra_art", nota.art[:15])
    _sub(raiz, "situacao", SITUACAO[nota.natureza_operacao])
    _sub(raiz, "valor", valor(servico.valor_servicos))
    _sub(raiz, "base", valor(servico.base_calculo))
    _sub(raiz, "descricaoNF", descricao(nota))
    _tomador(raiz, nota)
    emissao = nota.data_emissao.astimezone(SAO_PAULO)
    for tag, texto in (("rps_num", str(rps.numero)), ("rps_serie", rps.serie),
                       ("rps_tipo", "1"), ("rps_dia", f"{emissao:%d}"),
                       ("rps_mes", f"{emissao:%m}"), ("rps_ano", f"{emissao:%Y}")):
        _sub(raiz, tag, texto)
    _sub(raiz, "rps_substituido", _digitos(nota.numero_rps_substituido))
    if servico.codigo_municipio and servico.codigo_municipio != nota.prestador.codigo_municipio:
        municipio = registry.get(servico.codigo_municipio)
        _sub(raiz, "outro_municipio", municipio.nome[:60] if municipio else "")
        _sub(raiz, "cod_outro_municipio", servico.codigo_municipio)
    retido = servico.valor_iss_retido or (servico.valor_iss if servico.iss_retido else None)
    _sub(raiz, "retencao_iss", valor(retido))
    for tag, quantia in (("retencao_pis", servico.valor_pis),
                         ("retencao_cofins", servico.valor_cofins),
                         ("retencao_csll", servico.valor_csll)):
        _sub(raiz, tag, "1" if quantia else "2")
    for tag, quantia in (("pis", servico.valor_pis), ("cofins", servico.valor_cofins),
                         ("inss", servico.valor_inss), ("irrf", servico.valor_ir),
                         ("csll", servico.valor_csll)):
        _sub(raiz, tag, valor(quantia))
    nbs = _digitos(servico.reforma.get("codigo_nbs"))
    if len(nbs) == 9:
        _sub(raiz, "dps_serv_cnbs", nbs)
    return raiz


def emissao(descricao_rps_: etree._Element) -> bytes:
    """The ``GerarNota`` request of a ``DescricaoRps``."""
    envelope, operacao = _operacao(EMISSAO)
    operacao.append(etree.fromstring(etree.tostring(descricao_rps_)))
    return _bytes(envelope)


def _prestador(parent: etree._Element, tag: str, nota: Nota, senha: str) -> etree._Element:
    grupo = _sub(parent, tag)
    _sub(grupo, "ccm", _digitos(nota.prestador.inscricao_municipal)[:15])
    _sub(grupo, "cnpj", nota.prestador.cnpj or nota.prestador.cpf or "")
    _sub(grupo, "senha", senha)
    return grupo


def consulta(nota: Nota, numero: int, senha: str) -> bytes:
    """The ``ConsultarNotaPrestador`` request of NFS-e ``numero``."""
    envelope, operacao = _operacao(CONSULTA)
    _prestador(operacao, "DadosPrestador", nota, senha)
    _sub(operacao, "Nota", str(numero))
    return _bytes(envelope)


def cancelamento(nota: Nota, numero: str, motivo: str, senha: str, versao: str) -> bytes:
    """The ``CancelarNota`` request of NFS-e ``numero`` in ``versao``'s shape."""
    if not numero.isdigit():
        raise DocumentoInvalido([Erro("numero_invalido", f"Número de NFS-e inválido: {numero}")])
    envelope, operacao = _operacao(CANCELAMENTO)
    if versao == "1.01":
        _prestador(operacao, "DadosPrestador", nota, senha)
        grupo = _sub(operacao, "DescricaoCancelaNota")
    else:
        grupo = _prestador(operacao, "DadosCancelaNota", nota, senha)
    _sub(grupo, "nota", numero)
    _sub(grupo, "cMotivo", MOTIVO_CANCELAMENTO)
    _sub(grupo, "xMotivo", motivo.replace("\n", QUEBRA)[:255])
    _sub(grupo, "email", (nota.tomador.email or "") if nota.tomador else "")
    return _bytes(envelope)
