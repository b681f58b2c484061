"""The IPM sandbox's rules: it reads the ``<nfse>`` / ``<consulta_rps>`` documents of IPM's own
layout 1.01 with its own parser, checks their structure and formats, issues, answers and
cancels notes.

Answers are ``<retorno>`` with ``<mensagem><codigo>NNNNN - texto</codigo></mensagem>``:
``00001 - Sucesso`` on success, IPM's text "NFS-e válida para emissão." for a valid
``nfse_teste`` document (NTE 122/2025) and, for a wrong situação tributária, IPM's
``00060``. IPM's full error table is not public; the other refusals use this sandbox's own
codes, in the 9xxxx range so they cannot be taken for IPM's (docs/ipm.md lists them)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from lxml import etree

from nfse.fuso import SAO_PAULO
from nfse.sandbox.digitos import cnpj_ok, cpf_ok
from nfse.sandbox.ipm.estado import Estado
from nfse.xml import seguro

VALOR = re.compile(r"\d{1,13},\d{2}")
ALIQUOTA = re.compile(r"\d{1,3},\d{1,4}")
DATA = re.compile(r"\d{2}/\d{2}/\d{4}")
SITUACOES = frozenset(str(n) for n in range(16))
"""situacao_tributaria codes of IPM's table (0 to 15; NTE 35/2021, tabela 13)."""
SERIE = "1"

SUCESSO = "00001 - Sucesso"
VALIDA = "NFS-e válida para emissão."
SITUACAO_INVALIDA = "00060 - Código da situação tributária não está preenchido corretamente."
ESTRUTURA = "90001"
"""A required element is missing or malformed (sandbox code)."""
PRESTADOR = "90002"
"""The document's prestador is not the authenticated user's (sandbox code)."""
NAO_ENCONTRADA = "90003"
"""No note for the RPS / number asked about (sandbox code)."""
JA_CANCELADA = "90004"
"""The note is cancelled already (sandbox code)."""


class Recusa(Exception):
    def __init__(self, *mensagens: str):
        super().__init__("; ".join(mensagens))
        self.mensagens = mensagens


def retorno(mensagens: list[str], campos: dict[str, str] | None = None) -> bytes:
    corpo = "".join(f"<mensagem><codigo>{escape(m)}</codigo></mensagem>" for m in mensagens)
    corpo += "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (campos or {}).items())
    return f'<?xml version="1.0" encoding="UTF-8"?><retorno>{corpo}</retorno>'.encode()


def _texto(root: etree._Element, caminho: str, obrigatorio: bool = True) -> str:
    valor = (root.findtext(caminho) or "").strip()
    if obrigatorio and not valor:
        raise Recusa(f"{ESTRUTURA} - Elemento /{root.tag}/{caminho} obrigatório não informado.")
    return valor


def _formato(root: etree._Element, caminho: str, padrao: re.Pattern[str],
             obrigatorio: bool = True) -> str:
    valor = _texto(root, caminho, obrigatorio)
    if valor and not padrao.fullmatch(valor):
        raise Recusa(f"{ESTRUTURA} - Elemento /{root.tag}/{caminho} com formato inválido: "
                     f"{valor}.")
    return valor


def _decimal(texto: str) -> Decimal:
    try:
        return Decimal(texto.replace(",", "."))
    except InvalidOperation as exc:
        raise Recusa(f"{ESTRUTURA} - Valor inválido: {texto}.") from exc


class Prefeitura:
    def __init__(self, estado: Estado):
        self.estado = estado

    def atender(self, corpo: bytes, login: str) -> bytes:
        """The answer to the document ``corpo`` sent by the user ``login``."""
        try:
            root = seguro.ler(corpo)
        except (etree.XMLSyntaxError, ValueError) as exc:
            return retorno([f"{ESTRUTURA} - XML mal formado: {exc}"])
        try:
            if root.tag == "consulta_rps":
                return self._consulta_rps(root, login)
            if root.tag == "nfse" and (root.findtext("nf/situacao") or "") == "C":
                return self._cancelar(root, login)
            if root.tag == "nfse":
                return self._emitir(root, login)
            return retorno([f"{ESTRUTURA} - Documento desconhecido: <{root.tag}>."])
        except Recusa as exc:
            return retorno(list(exc.mensagens))

    @staticmethod
    def muda_estado(corpo: bytes) -> bool:
        """Whether the document may issue or cancel (the faults apply to those)."""
        return b"<consulta_rps" not in corpo[:200]

    def _prestador(self, root: etree._Element, login: str) -> tuple[str, str]:
        cpfcnpj = _texto(root, "prestador/cpfcnpj")
        cidade = _texto(root, "prestador/cidade")
        if not (cnpj_ok(cpfcnpj) if len(cpfcnpj) == 14 else cpf_ok(cpfcnpj)):
            raise Recusa(f"{ESTRUTURA} - CPF/CNPJ do prestador inválido: {cpfcnpj}.")
        if login.isdigit() and login != cpfcnpj:
            raise Recusa(f"{PRESTADOR} - O prestador {cpfcnpj} não é o usuário autenticado.")
        if not cidade.isdigit():
            raise Recusa(f"{ESTRUTURA} - Código TOM da cidade do prestador inválido: {cidade}.")
        return cidade, cpfcnpj

    def _checar_nota(self, root: etree._Element) -> None:
        _formato(root, "nf/valor_total", VALOR)
        for campo in ("valor_desconto", "valor_ir", "valor_inss", "valor_contribuicao_social",
                      "valor_rps", "valor_pis", "valor_cofins"):
            _formato(root, f"nf/{campo}", VALOR, obrigatorio=False)
        _formato(root, "nf/data_fato_gerador", DATA, obrigatorio=False)
        tomador = root.find("tomador")
        if tomador is not None and tomador.findtext("tipo") in ("F", "J"):
            documento = _texto(tomador, "cpfcnpj")
            if not (cnpj_ok(documento) if len(documento) == 14 else cpf_ok(documento)):
                raise Recusa(f"{ESTRUTURA} - CPF/CNPJ do tomador inválido: {documento}.")
        itens = root.findall("itens/lista")
        if not itens:
            raise Recusa(f"{ESTRUTURA} - Elemento /nfse/itens/lista obrigatório não informado.")
        total = Decimal(0)
        for item in itens:
            if _texto(item, "tributa_municipio_prestador") not in ("S", "N"):
                raise Recusa(f"{ESTRUTURA} - tributa_municipio_prestador deve ser S ou N.")
            _texto(item, "codigo_local_prestacao_servico")
            _texto(item, "codigo_item_lista_servico")
            _texto(item, "descritivo")
            _formato(item, "aliquota_item_lista_servico", ALIQUOTA)
            if _texto(item, "situacao_tributaria", False) not in SITUACOES:
                raise Recusa(SITUACAO_INVALIDA)
            total += _decimal(_formato(item, "valor_tributavel", VALOR))
        if total > _decimal(_texto(root, "nf/valor_total")):
            raise Recusa(f"{ESTRUTURA} - A soma dos valores tributáveis excede o valor total.")

    def _emitir(self, root: etree._Element, login: str) -> bytes:
        cidade, cpfcnpj = self._prestador(root, login)
        self._checar_nota(root)
        if root.findtext("nfse_teste") == "1":
            return retorno([VALIDA])
        identificador = root.findtext("identificador") or None
        with self.estado.transacao():
            if identificador is not None:
                existente = self.estado.por_identificador(cidade, cpfcnpj, identificador)
                if existente is not None:
                    return self._com_nota(existente)
            numero = self.estado.proximo(f"nfse:{cidade}:{cpfcnpj}")
            agora = datetime.now(SAO_PAULO).replace(microsecond=0)
            self.estado.registrar(
                cidade=cidade, cpfcnpj=cpfcnpj, numero=numero, serie=SERIE,
                codigo=secrets.token_hex(8).upper(), identificador=identificador,
                rps_serie=root.findtext("rps/serie_recibo_provisorio"),
                rps_numero=root.findtext("rps/nro_recibo_provisorio"),
                emitida_em=agora.isoformat(), documento=etree.tostring(root))
        nota = self.estado.por_numero(cidade, cpfcnpj, SERIE, numero)
        assert nota is not None
        return self._com_nota(nota)

    def _com_nota(self, nota: dict) -> bytes:
        emitida = datetime.fromisoformat(nota["emitida_em"])
        return retorno([SUCESSO], {
            "numero_nfse": str(nota["numero"]), "serie_nfse": nota["serie"],
            "data_nfse": f"{emitida:%d/%m/%Y}", "hora_nfse": f"{emitida:%H:%M:%S}",
            "situacao_codigo_nfse": "C" if nota["cancelada_em"] else "N",
            "situacao_descricao_nfse": "Cancelada" if nota["cancelada_em"] else "Emitida",
            "link_nfse": f"https://sandbox.invalid/nfse/{nota['codigo']}",
            "cod_verificador_autenticidade": nota["codigo"]})

    def _consulta_rps(self, root: etree._Element, login: str) -> bytes:
        cidade = _texto(root, "cidade")
        nota = self.estado.por_rps(cidade, login, _texto(root, "serie_rps"),
                                   _texto(root, "numero_rps"))
        if nota is None:
            raise Recusa(f"{NAO_ENCONTRADA} - Nenhuma NFS-e encontrada para o RPS informado.")
        return self._com_nota(nota)

    def _cancelar(self, root: etree._Element, login: str) -> bytes:
        cidade, cpfcnpj = self._prestador(root, login)
        numero = _texto(root, "nf/numero")
        serie = _texto(root, "nf/serie_nfse", False) or SERIE
        motivo = _texto(root, "nf/observacao")
        nota = self.estado.por_numero(cidade, cpfcnpj, serie, int(numero)) \
            if numero.isdigit() else None
        if nota is None:
            raise Recusa(f"{NAO_ENCONTRADA} - NFS-e {numero} série {serie} não encontrada.")
        if nota["cancelada_em"]:
            raise Recusa(f"{JA_CANCELADA} - A NFS-e {numero} já está cancelada.")
        self.estado.cancelar(cidade, cpfcnpj, serie, int(numero),
                             datetime.now(SAO_PAULO).isoformat(), motivo)
        return retorno([SUCESSO])
