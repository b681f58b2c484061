"""The public HTML page of one NFS-e: what a capability URL opens, without login.

A tomador usually opens it from an e-mail, on a phone, so the page is a single self-contained
HTML5 document (inline CSS, the QR code as inline SVG, no scripts, no external assets) that
reads well 360 px wide. Every value coming from the note is escaped with ``html.escape``.
A cancelled note is unmistakable: a "NOTA CANCELADA" banner and the ``cancelado`` class on
``<body>``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

import qrcode
from qrcode.image.svg import SvgPathImage

from nfse.model.formato import cep, cpf_cnpj, data_hora, municipio_uf, percentual, reais
from nfse.model.nota import Endereco, Nota, Pessoa, Prestador, Servico
from nfse.visualizacao.links import CONSULTA_PUBLICA

SITUACOES = {"autorizado": "Autorizada", "cancelado": "CANCELADA", "substituido": "Substituída"}
ZERO = Decimal("0.00")

CSS = """
*{box-sizing:border-box}
body{margin:0 auto;max-width:42rem;padding:1rem;font:16px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,Arial,sans-serif;color:#1b1b1b;background:#fff}
h1{font-size:1.5rem;margin:0 0 .25rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid #ccc}
header p{margin:.25rem 0}
dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.3rem 1rem;margin:0}
dt,.rotulo{color:#555}
.rotulo{margin:1rem 0 0}
dd{margin:0;min-width:0;overflow-wrap:anywhere}
.valores dd{text-align:right;white-space:nowrap}
.valores .total{font-weight:700}
.chave{font-family:ui-monospace,Menlo,Consolas,monospace;word-spacing:.1em}
.discriminacao{margin:.25rem 0 0;padding:.75rem;background:#f5f5f5;border-radius:4px;
overflow-wrap:anywhere}
.faixa{margin:0 0 1rem;padding:.75rem 1rem;border-radius:4px;font-weight:700;text-align:center}
.cancelado .faixa{background:#b00020;color:#fff;font-size:1.4rem;letter-spacing:.05em}
.cancelado header{border-left:6px solid #b00020;padding-left:.75rem}
.nota .faixa.homologacao{background:#3c3c3c;color:#fff;border:0}
.substituido .faixa{background:#fff3cd;color:#5c4400;border:1px solid #e0c36a}
.qr{display:block;width:12rem;max-width:100%;padding:.5rem;background:#fff}
.qr svg{display:block;width:100%;height:auto}
a{color:#0b57d0;overflow-wrap:anywhere}
ul{padding-left:1.25rem}
li{margin:.35rem 0}
@media (max-width:30rem){dl{grid-template-columns:minmax(0,1fr);gap:0}
dd{margin-bottom:.5rem}.valores dd{text-align:left}}
"""


def pagina_nota(nota: Nota, *, status: str, numero: str | None, codigo_verificacao: str | None,
                chave_acesso: str | None, data_emissao: datetime | None,
                razao_social_prestador: str | None, links: dict[str, str],
                homologacao: bool = False) -> str:
    """The whole HTML document of the note; ``status`` is ``autorizado``, ``cancelado`` or
    ``substituido``; ``links`` (label → URL) are listed in their order; a note of
    ``homologacao`` says it has no legal value."""
    situacao = _situacao(status)
    titulo = f"NFS-e Nº {numero}" if numero else "NFS-e"
    partes = [
        SEM_VALIDADE if homologacao else "",
        _cabecalho(titulo, status, situacao, razao_social_prestador),
        _identificacao(situacao, data_emissao or nota.data_emissao, codigo_verificacao,
                       chave_acesso),
        _prestador(nota.prestador, razao_social_prestador),
        _tomador(nota.tomador) if nota.tomador else "",
        _servico(nota.servico),
        _valores(nota.servico),
        _consulta(chave_acesso) if chave_acesso else "",
        _links(links) if links else "",
    ]
    return _documento(titulo, razao_social_prestador, status, "".join(partes))


# --- the document -------------------------------------------------------------------------

SEM_VALIDADE = ('<p class="faixa homologacao" role="note">NFS-e SEM VALIDADE JURÍDICA<br>'
                "<small>Emitida em homologação (ambiente de testes).</small></p>\n")


def _situacao(status: str) -> str:
    try:
        return SITUACOES[status]
    except KeyError:
        raise ValueError(f"status sem página pública: {status!r}") from None


def _documento(titulo: str, razao_social: str | None, status: str, corpo: str) -> str:
    titulo_aba = f"{titulo} · {razao_social}" if razao_social else titulo
    return (
        "<!doctype html>\n"
        '<html lang="pt-BR">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width,initial-scale=1">\n'
        '<meta name="robots" content="noindex,nofollow">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(titulo_aba)}</title>\n<style>{CSS}</style>\n</head>\n"
        f'<body class="nota {_e(status)}">\n{corpo}</body>\n</html>\n'
    )


def _cabecalho(titulo: str, status: str, situacao: str, razao_social: str | None) -> str:
    faixa = ""
    if status == "cancelado":
        faixa = ('<p class="faixa" role="alert">NOTA CANCELADA<br>'
                 '<small>Esta NFS-e foi cancelada e não tem mais validade.</small></p>\n')
    elif status == "substituido":
        faixa = '<p class="faixa" role="status">Esta NFS-e foi substituída por outra.</p>\n'
    emitente = f"<p>{_e(razao_social)}</p>" if razao_social else ""
    return (f"{faixa}<header>\n<h1>{_e(titulo)}</h1>{emitente}\n"
            f"<p>Situação: <strong>{_e(situacao)}</strong></p>\n</header>\n")


def _secao(titulo: str, conteudo: str, classe: str = "") -> str:
    atributo = f' class="{classe}"' if classe else ""
    return f"<section{atributo}>\n<h2>{_e(titulo)}</h2>\n{conteudo}</section>\n"


def _dl(campos: Iterable[str]) -> str:
    return "<dl>\n" + "".join(campos) + "</dl>\n"


def _campo(rotulo: str, valor: str | None, classe: str = "") -> str:
    """One ``<dt>/<dd>`` pair, both escaped; nothing when the value is absent."""
    if valor is None or valor == "":
        return ""
    atributo = f' class="{classe}"' if classe else ""
    return f"<dt>{_e(rotulo)}</dt><dd{atributo}>{_e(valor)}</dd>\n"


# --- sections -----------------------------------------------------------------------------


def _identificacao(situacao: str, data_emissao: datetime, codigo_verificacao: str | None,
                   chave_acesso: str | None) -> str:
    return _secao("Identificação", _dl([
        _campo("Situação", situacao),
        _campo("Data de emissão", data_hora(data_emissao)),
        _campo("Código de verificação", codigo_verificacao),
        _campo("Chave de acesso", _chave(chave_acesso) if chave_acesso else None, "chave"),
    ]))


def _prestador(prestador: Prestador, razao_social: str | None) -> str:
    return _secao("Prestador do serviço", _dl([
        _campo("Razão social", razao_social),
        _campo(*_documento_rotulado(prestador.cnpj, prestador.cpf)),
        _campo("Inscrição municipal", prestador.inscricao_municipal),
        _campo("Município", _municipio(prestador.codigo_municipio)),
    ]))


def _tomador(tomador: Pessoa) -> str:
    rotulo, documento = _documento_rotulado(tomador.cnpj, tomador.cpf)
    if documento is None and tomador.nif:
        rotulo, documento = "NIF", tomador.nif
    return _secao("Tomador do serviço", _dl([
        _campo("Razão social", tomador.razao_social),
        _campo(rotulo, documento),
        _campo("Inscrição municipal", tomador.inscricao_municipal),
        _campo("E-mail", tomador.email),
        _campo("Telefone", tomador.telefone),
        _campo("Endereço", _endereco(tomador.endereco) if tomador.endereco else None),
    ]))


def _servico(servico: Servico) -> str:
    campos = _dl([
        _campo("Item da lista de serviços", _item_lista(servico.item_lista_servico)),
        _campo("Código de tributação nacional",
               _codigo_nacional(servico.codigo_tributacao_nacional)),
        _campo("Código de tributação municipal", servico.codigo_tributario_municipio),
        _campo("Município de prestação", _municipio(servico.codigo_municipio)),
    ])
    linhas = _e(servico.discriminacao).replace("\r\n", "\n").replace("\r", "\n")
    discriminacao = linhas.replace("\n", "<br>\n")
    return _secao("Serviço", f'{campos}<p class="rotulo">Discriminação</p>\n'
                             f'<p class="discriminacao">{discriminacao}</p>\n')


def _valores(servico: Servico) -> str:
    campos = [
        _campo("Valor dos serviços", reais(servico.valor_servicos)),
        _campo("Deduções", reais(servico.valor_deducoes)),
        _campo("Desconto incondicionado", reais(servico.desconto_incondicionado)),
        _campo("Desconto condicionado", reais(servico.desconto_condicionado)),
        _campo("Base de cálculo", reais(servico.base_calculo)),
        _campo("Alíquota", percentual(servico.aliquota) if servico.aliquota is not None
               else None),
        _campo("ISS", reais(servico.valor_iss) if servico.valor_iss is not None else None),
        _campo("ISS retido", "Sim" if servico.iss_retido else "Não"),
        _campo("Valor do ISS retido", reais(servico.valor_iss_retido)
               if servico.iss_retido and servico.valor_iss_retido is not None else None),
        *_retencoes(servico),
        _campo("Valor líquido", reais(servico.valor_liquido), "total"),
    ]
    return _secao("Valores", _dl(campos), "valores")


def _retencoes(servico: Servico) -> list[str]:
    """The federal withholdings that apply (non-zero) only."""
    retencoes = [("Retenção PIS", servico.valor_pis), ("Retenção COFINS", servico.valor_cofins),
                 ("Retenção INSS", servico.valor_inss), ("Retenção IR", servico.valor_ir),
                 ("Retenção CSLL", servico.valor_csll),
                 ("Outras retenções", servico.outras_retencoes)]
    return [_campo(rotulo, reais(valor)) for rotulo, valor in retencoes if valor != ZERO]


def _consulta(chave_acesso: str) -> str:
    url = CONSULTA_PUBLICA.format(chave=quote(chave_acesso, safe=""))
    return _secao("Consulta pública", (
        "<p>Confira a autenticidade desta nota no Portal Nacional da NFS-e:</p>\n"
        f'<div class="qr" role="img" aria-label="QR code da consulta pública">'
        f"{_qr_svg(url)}</div>\n"
        f'<p><a href="{_e(url)}" rel="noreferrer noopener">{_e(url)}</a></p>\n'
    ))


def _links(links: dict[str, str]) -> str:
    itens = "".join(f'<li><a href="{_e(url)}">{_e(rotulo)}</a></li>\n'
                    for rotulo, url in links.items())
    return _secao("Arquivos", f"<ul>\n{itens}</ul>\n")


# --- formatting ---------------------------------------------------------------------------


def _e(valor: object) -> str:
    return html.escape(str(valor))


def _qr_svg(dados: str) -> str:
    """The QR code as inline SVG markup (no XML declaration)."""
    imagem = qrcode.make(dados, image_factory=SvgPathImage)
    return imagem.to_string(encoding="unicode")


def _chave(chave: str) -> str:
    """The access key in blocks of 4 characters, for reading aloud or typing."""
    return " ".join(chave[i:i + 4] for i in range(0, len(chave), 4))


def _documento_rotulado(cnpj: str | None, cpf: str | None) -> tuple[str, str | None]:
    if cnpj:
        return "CNPJ", cpf_cnpj(cnpj)
    if cpf:
        return "CPF", cpf_cnpj(cpf)
    return "Documento", None


def _municipio(codigo: str | None) -> str | None:
    """``Franca/SP``; the bare code when the registry does not know it."""
    if not codigo:
        return None
    return municipio_uf(codigo) or codigo


def _item_lista(item: str) -> str:
    return f"{item[:2]}.{item[2:]}" if len(item) == 4 and item.isdigit() else item


def _codigo_nacional(codigo: str) -> str:
    return f"{codigo[:2]}.{codigo[2:4]}.{codigo[4:]}" if len(codigo) == 6 else codigo


def _endereco(endereco: Endereco) -> str | None:
    """The address on one line: street, number, complement, district, city/UF, CEP."""
    partes = [_logradouro(endereco), endereco.numero, endereco.complemento, endereco.bairro,
              _cidade(endereco), f"CEP {cep(endereco.cep)}" if endereco.cep else None]
    linha = ", ".join(p for p in partes if p)
    return linha or None


def _logradouro(endereco: Endereco) -> str | None:
    rua, tipo = endereco.logradouro, endereco.tipo_logradouro
    if rua and tipo and not rua.lower().startswith(tipo.lower()):
        return f"{tipo} {rua}"
    return rua


def _cidade(endereco: Endereco) -> str | None:
    codigo = endereco.codigo_municipio
    return (municipio_uf(codigo) if codigo else None) or endereco.uf
