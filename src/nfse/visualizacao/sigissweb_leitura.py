"""What the page of a note of SigISSWeb's own layout shows, read from the ``notafiscal`` the
gateway keeps: the note as SigISSWeb answers it (the fields sent, plus ``numero_nf``,
``serie``, ``codigo`` — the verification code —, ``cancelada``). Municipalities are names;
amounts have a decimal comma (SigISSWeb's own notes may carry a point: both are read). The
layout carries no name of the prestador and no time of issue."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.model.formato import cpf_cnpj, percentual
from nfse.visualizacao.abrasf_conteudo import (
    AUSENTE,
    Cabecalho,
    Campo,
    Conteudo,
    Grade,
    campo_data_hora,
    campo_reais,
)
from nfse.visualizacao.abrasf_xml import texto_multilinha
from nfse.xml import seguro


def _t(root: etree._Element, tag: str) -> str | None:
    valor = root.findtext(tag)
    return valor.strip() if valor and valor.strip() else None


def _decimal(root: etree._Element, tag: str) -> Decimal | None:
    valor = _t(root, tag)
    try:
        return Decimal(valor.replace(",", ".")) if valor else None
    except InvalidOperation:
        return None


def _documento(valor: str | None) -> str:
    return cpf_cnpj(valor) if valor and valor.isdigit() else (valor or AUSENTE)


def _cidade(root: etree._Element, cidade: str, uf: str) -> str:
    return "/".join(filter(None, (_t(root, cidade), _t(root, uf)))) or AUSENTE


def ler_notafiscal(xml: bytes, cancelada: bool = False) -> Conteudo:
    """The page of the SigISSWeb ``notafiscal`` in ``xml``."""
    root = seguro.ler(xml)
    numero = _t(root, "numero_nf") or AUSENTE
    try:
        emissao: datetime | None = datetime.strptime(
            _t(root, "data_emissao") or "", "%d/%m/%Y").replace(tzinfo=SAO_PAULO)
    except ValueError:
        emissao = None
    local = _cidade(root, "cidade_local_prest", "uf_local_prest")
    cabecalho = Cabecalho(municipio=local, numero=numero, campos=[
        Campo("Número", numero, destaque=True), Campo("Série", _t(root, "serie") or AUSENTE),
        Campo("Emissão", campo_data_hora(emissao)),
        Campo("Código de verificação", _t(root, "codigo") or AUSENTE, 1.6),
        Campo("RPS", f"{_t(root, 'rps') or AUSENTE} / série "
                     f"{_t(root, 'serie_rps') or AUSENTE}")])
    blocos = [
        Grade("Prestador de serviços", [[
            Campo("CPF/CNPJ", _documento(_t(root, "cnpj_cpf_prestador")), 1.3)]]),
        Grade("Tomador de serviços", [
            [Campo("CPF/CNPJ", _documento(_t(root, "cnpj_cpf_destinatario")), 1.3),
             Campo("Nome / razão social", _t(root, "razao_social_destinatario") or AUSENTE,
                   3.0)],
            [Campo("Endereço", " ".join(filter(None, (
                _t(root, "endereco_destinatario"), _t(root, "numero_ende_destinatario"),
                _t(root, "complemento_ende_destinatario"),
                _t(root, "bairro_destinatario")))) or AUSENTE, 3.0),
             Campo("Município", _cidade(root, "cidade_destinatario", "uf_destinatario"), 1.5),
             Campo("E-mail", _t(root, "email_destinatario") or AUSENTE, 2.0)]]),
        Grade("Serviço", [[
            Campo("Item da lista (LC 116)", _t(root, "id_codigo_servico") or AUSENTE),
            Campo("ISS retido", "Sim" if _t(root, "iss_retido") == "S" else "Não"),
            Campo("Local da prestação", local, 1.4)]]),
    ]
    aliquota = _decimal(root, "aliq_iss")
    valores = Grade("Valores", [[
        Campo("Valor dos serviços", campo_reais(_decimal(root, "valor_nf")), destaque=True),
        Campo("Deduções", campo_reais(_decimal(root, "deducao"))),
        Campo("Alíquota", percentual(aliquota) if aliquota is not None else AUSENTE),
        Campo("ISS", campo_reais(_decimal(root, "valor_iss"))),
        Campo("Valor líquido", campo_reais(_decimal(root, "valor_servico")))]])
    return Conteudo(
        numero=numero, prestador=None, emissao=emissao, cabecalho=cabecalho,
        cancelada=("NFS-e CANCELADA" if cancelada or _t(root, "cancelada") == "S" else None),
        substituida=None, antes=blocos,
        discriminacao=texto_multilinha((_t(root, "descricao") or "").replace("|", "\n"))
        or AUSENTE,
        depois=[valores], outras=None,
        rodape=("Representação gráfica de NFS-e emitida pelo sistema SigISSWeb da prefeitura. "
                "Confira a autenticidade no portal da prefeitura com o código de "
                "verificação."))
