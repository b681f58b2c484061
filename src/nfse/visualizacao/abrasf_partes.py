"""The parties of an ABRASF note as blocks of its page: prestador, tomador and
intermediário, each with its document, registration, name, address and contact.

2.04 identifies the prestador in the declaration and names the tomador ``TomadorServico``;
2.01/2.02 (and 1.0's bare ``Cnpj``/``Cpf``) are read too, as municipal systems still send
them.
"""

from __future__ import annotations

from lxml import etree

from nfse.model.formato import cep, cpf_cnpj
from nfse.visualizacao.abrasf_conteudo import AUSENTE, Campo, Grade, municipio, sim_nao
from nfse.visualizacao.abrasf_xml import achar, texto

REGIME_ESPECIAL = {
    "1": "Microempresa municipal", "2": "Estimativa", "3": "Sociedade de profissionais",
    "4": "Cooperativa", "5": "MEI", "6": "ME/EPP",
}


def prestador(inf: etree._Element, decl: etree._Element | None) -> Grade:
    dados = achar(inf, "PrestadorServico")
    # 2.04 identifies the prestador in the declaration; 2.01/2.02 in PrestadorServico
    ident = achar(decl, "Prestador")
    if achar(ident, "CpfCnpj") is None:
        ident = achar(dados, "IdentificacaoPrestador")
    rotulo, documento = _documento(ident)
    regime = REGIME_ESPECIAL.get(texto(decl, "RegimeEspecialTributacao") or "")
    primeira = [
        Campo(rotulo, documento, 1.3),
        Campo("Inscrição municipal", texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        Campo("Optante pelo Simples Nacional", sim_nao(texto(decl, "OptanteSimplesNacional"))),
        Campo("Incentivo fiscal", sim_nao(texto(decl, "IncentivoFiscal")), 0.8),
    ]
    if regime:
        primeira.append(Campo("Regime especial de tributação", regime, 1.3))
    nomes = [Campo("Razão social", texto(dados, "RazaoSocial") or AUSENTE, 3.0)]
    fantasia = texto(dados, "NomeFantasia")
    if fantasia:
        nomes.append(Campo("Nome fantasia", fantasia, 2.0))
    linha, cidade, cep_texto = _endereco(achar(dados, "Endereco"))
    linhas = [primeira, nomes,
              [Campo("Endereço", linha, 3.0), Campo("Município", cidade, 1.3),
               Campo("CEP", cep_texto, 0.7)]]
    contato = _contato(achar(dados, "Contato"))
    if contato:
        linhas.append(contato)
    return Grade("Prestador de serviços", linhas)


def tomador(decl: etree._Element | None) -> Grade:
    dados = achar(decl, "TomadorServico")
    if dados is None:
        dados = achar(decl, "Tomador")  # 2.01/2.02
    ident = achar(dados, "IdentificacaoTomador")
    nome = texto(dados, "RazaoSocial")
    nif = texto(dados, "NifTomador")
    if dados is None or (ident is None and not nome and not nif):
        return Grade("Tomador de serviços", [[Campo("Tomador", "Tomador não identificado")]])
    rotulo, documento = _documento(ident)
    if ident is None and nif:
        rotulo, documento = "NIF", nif
    linhas: list[list[Campo]] = [[
        Campo(rotulo, documento, 1.3),
        Campo("Inscrição municipal", texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        Campo("Razão social", nome or AUSENTE, 3.5),
    ]]
    exterior = achar(dados, "EnderecoExterior")
    if exterior is not None:
        linhas.append([
            Campo("Endereço no exterior", texto(exterior, "EnderecoCompletoExterior")
                  or AUSENTE, 4.0),
            Campo("País (código)", texto(exterior, "CodigoPais") or AUSENTE, 1.0),
        ])
    else:
        linha, cidade, cep_texto = _endereco(achar(dados, "Endereco"))
        linhas.append([Campo("Endereço", linha, 3.0), Campo("Município", cidade, 1.3),
                       Campo("CEP", cep_texto, 0.7)])
    contato = _contato(achar(dados, "Contato"))
    if contato:
        linhas.append(contato)
    return Grade("Tomador de serviços", linhas)


def intermediario(decl: etree._Element | None) -> list[Grade]:
    """The intermediário's block; none when the note has no intermediário."""
    inter = achar(decl, "Intermediario")
    if inter is None:
        inter = achar(decl, "IntermediarioServico")  # 2.01/2.02
    if inter is None:
        return []
    ident = achar(inter, "IdentificacaoIntermediario")
    if ident is None:
        ident = inter
    rotulo, documento = _documento(ident)
    return [Grade("Intermediário de serviços", [[
        Campo(rotulo, documento, 1.3),
        Campo("Inscrição municipal", texto(ident, "InscricaoMunicipal") or AUSENTE, 1.2),
        Campo("Razão social", texto(inter, "RazaoSocial") or AUSENTE, 2.5),
        Campo("Município", municipio(texto(inter, "CodigoMunicipio")), 1.0),
    ]])]


def _documento(ident: etree._Element | None) -> tuple[str, str]:
    """``(label, formatted number)`` of a ``CpfCnpj`` holder (also the 1.0 shape, with
    ``Cnpj``/``Cpf`` directly inside)."""
    for path, rotulo in (("CpfCnpj/Cnpj", "CNPJ"), ("CpfCnpj/Cpf", "CPF"), ("Cnpj", "CNPJ"),
                         ("Cpf", "CPF")):
        numero = texto(ident, path)
        if numero:
            return rotulo, cpf_cnpj(numero)
    return "CPF/CNPJ", "Não informado"


def _endereco(endereco: etree._Element | None) -> tuple[str, str, str]:
    """``(street line, city/UF, CEP)`` of a ``tcEndereco``."""
    if endereco is None:
        return AUSENTE, AUSENTE, AUSENTE
    partes = [texto(endereco, tag) for tag in ("Endereco", "Numero", "Complemento", "Bairro")]
    linha = ", ".join(p for p in partes if p) or AUSENTE
    cidade = municipio(texto(endereco, "CodigoMunicipio"), texto(endereco, "Uf"))
    numero_cep = texto(endereco, "Cep")
    return linha, cidade, cep(numero_cep) if numero_cep else AUSENTE


def _contato(contato: etree._Element | None) -> list[Campo]:
    telefone, email = texto(contato, "Telefone"), texto(contato, "Email")
    if not telefone and not email:
        return []
    return [Campo("Telefone", telefone or AUSENTE, 1.0), Campo("E-mail", email or AUSENTE, 3.0)]
