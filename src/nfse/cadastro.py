"""The companies service behind ``/v2/empresas`` (SPEC §5) and ``nfse empresa``: one
implementation of the rules, whoever calls it.

A payload is the Focus company object. Malformed fields raise ``RequisicaoInvalida`` (400);
a certificate that cannot be used raises ``ErroValidacao`` (422 ``erro_validacao``)."""

from __future__ import annotations

import base64
import binascii
import io
import secrets
import zipfile
from typing import Any

from sqlalchemy import Connection, Row

from nfse.certs import teste
from nfse.certs.a1 import A1, CertificadoInvalido, NaoEPkcs12, SenhaIncorreta, load_pfx
from nfse.model import coerce
from nfse.model.coerce import Problemas
from nfse.model.digitos import cnpj_valido, cpf_valido, limpar_cnpj, limpar_digitos, so_digitos
from nfse.model.errors import Problema, RequisicaoInvalida
from nfse.municipios.registry import get as municipio
from nfse.representacao import iso
from nfse.runtime import Runtime
from nfse.store import artefatos, empresas, numbering

TEXTOS = {"nome": 115, "nome_fantasia": 60, "inscricao_municipal": 20, "email": 80,
          "logradouro": 125, "numero": 10, "complemento": 60, "bairro": 60, "municipio": 60,
          "uf": 2, "login_responsavel": 100, "smtp_host": 255, "smtp_user": 255,
          "smtp_from": 255}
BOOLEANOS = ("habilita_nfse", "habilita_nfsen_producao", "habilita_nfsen_homologacao",
             "enviar_email_destinatario", "smtp_starttls", "smtp_ssl")
SERIES = ("serie_nfse_producao", "serie_nfse_homologacao", "serie_nfsen_producao",
          "serie_nfsen_homologacao")
PROXIMOS = {f"proximo_numero_{modelo}_{ambiente}": (ambiente, f"serie_{modelo}_{ambiente}")
            for modelo in ("nfse", "nfsen") for ambiente in ("producao", "homologacao")}
POR_PAGINA = 50


class ErroValidacao(ValueError):
    """The certificate cannot be used; the message says why (SPEC §5)."""


def _problema(campo: str, mensagem: str) -> RequisicaoInvalida:
    return RequisicaoInvalida([Problema(campo, mensagem, None)])


def _booleano(campo: str, value: Any) -> bool | None:
    problemas = Problemas()
    result = coerce.booleano(value, campo, problemas)
    if problemas.items:
        raise RequisicaoInvalida(problemas.items)
    return result


def _valores(payload: dict[str, Any], criando: bool) -> dict[str, Any]:
    """Columns from the plain fields of the payload, checked."""
    values: dict[str, Any] = {}
    for campo, size in TEXTOS.items():
        if campo in payload:
            if isinstance(payload[campo], (dict, list)):
                raise _problema(campo, f'Parâmetro "{campo}" deve ser um texto')
            text = None if payload[campo] is None else str(payload[campo]).strip() or None
            if text and len(text) > size:
                raise _problema(campo, f'Parâmetro "{campo}" tem mais de {size} caracteres')
            values[campo] = text
    for campo in BOOLEANOS:
        if campo in payload and payload[campo] is not None:
            values[campo] = _booleano(campo, payload[campo])
    for campo in SERIES:
        if campo in payload:
            serie = str(payload[campo] or "").strip()
            if serie and (not serie.isdigit() or len(serie) > 5):
                raise _problema(campo, f'Parâmetro "{campo}" deve ter de 1 a 5 dígitos')
            values[campo] = serie or None
    if "cep" in payload:
        values["cep"] = limpar_digitos(str(payload["cep"] or "")) or None
    if "regime_tributario" in payload:
        regime = str(payload["regime_tributario"] or "").strip()
        if regime not in ("", "1", "2", "3", "4"):
            raise _problema("regime_tributario", 'Parâmetro "regime_tributario" deve ser '
                                                 "1, 2, 3 ou 4")
        values["regime_tributario"] = int(regime) if regime else None
    if "smtp_port" in payload:
        values["smtp_port"] = _porta(payload["smtp_port"])
    for campo in PROXIMOS:
        if payload.get(campo) not in (None, ""):
            _proximo(campo, payload[campo])
    if "codigo_municipio" in payload or criando:
        codigo = str(payload.get("codigo_municipio") or "").strip()
        if municipio(codigo) is None:
            raise _problema("codigo_municipio", 'Parâmetro "codigo_municipio" não é um '
                                                "município do IBGE")
        values["codigo_municipio"] = codigo
    if (criando or "nome" in values) and not values.get("nome"):  # required, and stays so
        raise _problema("nome", 'Parâmetro "nome" não informado')
    if "inscricao_municipal" in values and not values["inscricao_municipal"]:
        raise _problema("inscricao_municipal", 'Parâmetro "inscricao_municipal" não pode '
                                               "ficar vazio")
    return values


def _proximo(campo: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    text = str(value).strip()
    if not so_digitos(text) or len(text) > 9 or int(text) < 1:
        raise _problema(campo, f'Parâmetro "{campo}" deve ser um número de 1 a 999999999')
    return int(text)


def _porta(value: Any) -> int | None:
    if value in (None, "", 0):
        return None
    text = str(value).strip()
    if not so_digitos(text) or not 1 <= int(text[:6]) <= 65535 or len(text) > 5:
        raise _problema("smtp_port", 'Parâmetro "smtp_port" deve ser uma porta de 1 a 65535')
    return int(text)


def _documento(payload: dict[str, Any]) -> dict[str, str | None]:
    cnpj = limpar_cnpj(str(payload.get("cnpj") or "")) or None
    cpf = limpar_digitos(str(payload.get("cpf") or "")) or None
    if not cnpj and not cpf:
        raise _problema("cnpj", 'Parâmetro "cnpj" ou "cpf" não informado')
    if cnpj and not cnpj_valido(cnpj):
        raise _problema("cnpj", f"CNPJ inválido: {cnpj}")
    if cpf and not cpf_valido(cpf):
        raise _problema("cpf", f"CPF inválido: {cpf}")
    return {"cnpj": cnpj, "cpf": None if cnpj else cpf}


def certificado(payload: dict[str, Any], documento: str) -> tuple[bytes, A1] | None:
    """The PKCS#12 of the payload, checked: readable with the password, of the company's
    CNPJ root (or CPF), not expired. None when the payload carries none."""
    encoded = payload.get("arquivo_certificado_base64")
    if not encoded:
        return None
    try:
        pfx = base64.b64decode(str(encoded), validate=False)
        a1 = load_pfx(pfx, str(payload.get("senha_certificado") or ""))
    except SenhaIncorreta as exc:
        raise ErroValidacao(str(exc)) from exc
    except (binascii.Error, ValueError, CertificadoInvalido) as exc:
        motivo = exc if isinstance(exc, CertificadoInvalido) else NaoEPkcs12(
            "o arquivo não é um certificado PKCS#12 (.pfx/.p12)")
        raise ErroValidacao(f"Certificado digital inválido: {motivo}") from exc
    dono = a1.cnpj
    if dono and dono[:8] != documento[:8] and dono != documento:
        raise ErroValidacao(f"O certificado digital pertence a outro CNPJ ({dono}), não a "
                            f"{documento}")
    if a1.expired():
        raise ErroValidacao(f"O certificado digital está vencido desde "
                            f"{a1.not_after:%d/%m/%Y}")
    return pfx, a1


def com_certificado_teste(runtime: Runtime, payload: dict[str, Any], documento: str,
                          nome: str) -> dict[str, Any]:
    """``"certificado_teste": true`` (homologação against the demo's sandboxes): the payload
    with a new test A1 for ``documento`` from the data directory's test CA in place of an
    uploaded certificate. Refused when the gateway has no test CA (no demo sandboxes)."""
    if "certificado_teste" not in payload or not _booleano(
            "certificado_teste", payload["certificado_teste"]):
        return payload
    if payload.get("arquivo_certificado_base64"):
        raise _problema("certificado_teste", 'Informe "arquivo_certificado_base64" ou '
                                             '"certificado_teste", não os dois')
    if not teste.disponivel(runtime.settings.data_dir):
        raise ErroValidacao("Certificado de teste indisponível: só os sandboxes da "
                            "demonstração (nfse serve --demo) o aceitam; envie o certificado "
                            "A1 da empresa em arquivo_certificado_base64")
    senha = secrets.token_urlsafe(12)
    a1 = teste.a1_teste(runtime.settings.data_dir, documento, nome)
    return payload | {"arquivo_certificado_base64": base64.b64encode(a1.to_pfx(senha)).decode(),
                      "senha_certificado": senha}


def _segredos(runtime: Runtime, payload: dict[str, Any],
              cert: tuple[bytes, A1] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if cert is not None:
        pfx, a1 = cert
        values.update(certificado=runtime.box.seal(pfx), certificado_cnpj=a1.cnpj,
                      senha_certificado=runtime.box.seal(
                          str(payload.get("senha_certificado") or "").encode()),
                      certificado_valido_ate=a1.not_after, certificado_avisado=None)
    for campo in ("senha_responsavel", "smtp_password"):
        if campo in payload:
            secret = payload[campo]
            values[campo] = runtime.box.seal(str(secret).encode()) if secret else None
    return values


def _numeracao(conn: Connection, empresa_id: int, payload: dict[str, Any],
               row: Row | dict[str, Any]) -> None:
    for campo, (ambiente, serie_campo) in PROXIMOS.items():
        if payload.get(campo) in (None, ""):
            continue
        numero = _proximo(campo, payload[campo])
        serie = (row.get(serie_campo) if isinstance(row, dict)
                 else getattr(row, serie_campo)) or "1"
        try:
            numbering.definir_proximo(conn, empresa_id, ambiente, serie, numero)
        except numbering.NumeroUsado as exc:
            raise _problema(campo, f"O número {numero} não pode ser o próximo: a série "
                                   f"{serie} já usou até {exc.maior}") from exc


def empresa_json(conn: Connection, runtime: Runtime, row: Row,
                 tokens: dict[str, str | None] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"id": row.id, "cnpj": row.cnpj, "cpf": row.cpf,
                            "regime_tributario": row.regime_tributario,
                            "codigo_municipio": row.codigo_municipio, "cep": row.cep}
    body |= {campo: getattr(row, campo) for campo in TEXTOS if campo not in
             ("smtp_host", "smtp_user", "smtp_from")}
    body |= {campo: getattr(row, campo) for campo in BOOLEANOS}
    body |= {campo: getattr(row, campo) or "1" for campo in SERIES}
    for campo, (ambiente, serie_campo) in PROXIMOS.items():
        body[campo] = numbering.proximo(conn, row.id, ambiente, getattr(row, serie_campo) or "1")
    body.update(senha_responsavel_preenchida=row.senha_responsavel is not None,
                certificado_valido_ate=iso(row.certificado_valido_ate),
                certificado_cnpj=row.certificado_cnpj,
                smtp_host=row.smtp_host, smtp_port=row.smtp_port, smtp_user=row.smtp_user,
                smtp_from=row.smtp_from, smtp_password_preenchida=row.smtp_password is not None)
    tokens = tokens if tokens is not None else empresas.tokens_em_claro(conn, runtime.box,
                                                                        row.id)
    body.update(token_producao=tokens.get("producao"),
                token_homologacao=tokens.get("homologacao"))
    return body


def criar(runtime: Runtime, payload: dict[str, Any], dry_run: bool = False,
          token_homologacao: str | None = None) -> dict[str, Any]:
    """A new company and one token per environment (``token_homologacao``: the demo's)."""
    documento = _documento(payload)
    values = _valores(payload, criando=True) | documento
    payload = com_certificado_teste(runtime, payload, documento["cnpj"] or documento["cpf"]
                                    or "", values["nome"])
    cert = certificado(payload, documento["cnpj"] or documento["cpf"] or "")
    with runtime.engine.begin() as conn:
        existing = empresas.ativa_com_documento(conn, documento["cnpj"], documento["cpf"])
        if existing is not None:
            raise _problema("cnpj", f"Já existe a empresa {existing} com este documento")
        if dry_run:
            return {**values, "cnpj": documento["cnpj"], "cpf": documento["cpf"],
                    "certificado_valido_ate": iso(cert[1].not_after) if cert else None,
                    "dry_run": True}
        values["inscricao_municipal"] = values.get("inscricao_municipal") or ""
        if values.get("habilita_nfse") is None:
            values["habilita_nfse"] = True
        empresa_id = empresas.inserir(conn, values | _segredos(runtime, payload, cert))
        _numeracao(conn, empresa_id, payload, values)
        tokens = {ambiente: empresas.criar_token(
            conn, empresa_id, ambiente, box=runtime.box,
            token=token_homologacao if ambiente == "homologacao" else None)
            for ambiente in empresas.AMBIENTES}
        return empresa_json(conn, runtime, empresas.registro(conn, empresa_id), tokens)


def atualizar(runtime: Runtime, empresa_id: int, payload: dict[str, Any],
              dry_run: bool = False) -> dict[str, Any] | None:
    with runtime.engine.begin() as conn:
        row = empresas.registro(conn, empresa_id)
        if row is None:
            return None
        if "cnpj" in payload or "cpf" in payload:
            documento = _documento(payload)
            if (documento["cnpj"] or documento["cpf"]) != (row.cnpj or row.cpf):
                raise _problema("cnpj", "O CNPJ/CPF de uma empresa não pode ser alterado")
        values = _valores(payload, criando=False)
        payload = com_certificado_teste(runtime, payload, row.cnpj or row.cpf or "",
                                        values.get("nome") or row.nome or "")
        cert = certificado(payload, row.cnpj or row.cpf or "")
        if dry_run:
            return empresa_json(conn, runtime, row) | {"dry_run": True}
        empresas.atualizar(conn, empresa_id, values | _segredos(runtime, payload, cert))
        row = empresas.registro(conn, empresa_id)
        _numeracao(conn, empresa_id, payload, row)
        return empresa_json(conn, runtime, row)


def obter(runtime: Runtime, empresa_id: int) -> dict[str, Any] | None:
    with runtime.engine.connect() as conn:
        row = empresas.registro(conn, empresa_id)
        return empresa_json(conn, runtime, row) if row else None


def listar(runtime: Runtime, *, cnpj: str | None, cpf: str | None,
           offset: int) -> tuple[list[dict[str, Any]], int]:
    with runtime.engine.connect() as conn:
        rows, total = empresas.listar(conn, cnpj=limpar_cnpj(cnpj or "") or None,
                                      cpf=limpar_digitos(cpf or "") or None, offset=offset,
                                      limit=POR_PAGINA)
        return [empresa_json(conn, runtime, row) for row in rows], total


def excluir(runtime: Runtime, empresa_id: int) -> dict[str, Any] | None:
    with runtime.engine.begin() as conn:
        row = empresas.registro(conn, empresa_id)
        if row is None:
            return None
        body = empresa_json(conn, runtime, row, tokens={})
        empresas.excluir(conn, empresa_id)
    return body | {"excluida": True}


def novos_tokens(runtime: Runtime, empresa_id: int) -> dict[str, str] | None:
    """(ext) Revoke the company's tokens and issue one per environment."""
    with runtime.engine.begin() as conn:
        if empresas.registro(conn, empresa_id) is None:
            return None
        empresas.revogar_tokens(conn, empresa_id)
        return {f"token_{ambiente}": empresas.criar_token(conn, empresa_id, ambiente,
                                                          box=runtime.box)
                for ambiente in empresas.AMBIENTES}


def exportar(runtime: Runtime, empresa_id: int) -> bytes | None:
    """(ext) A zip of every XML the company's notes produced (NFS-e, cancellation events),
    kept after its deletion for the legal retention period."""
    buffer = io.BytesIO()
    with runtime.engine.connect() as conn:
        if not empresas.existe(conn, empresa_id):
            return None
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for ambiente, ref, numero, kind, xml in artefatos.xmls_da_empresa(
                    conn, empresa_id, (artefatos.XML_NFSE, artefatos.XML_CANCELAMENTO)):
                name = "nfse" if kind == artefatos.XML_NFSE else "cancelamento"
                archive.writestr(f"{ambiente}/{ref}-{numero or 'sem-numero'}-{name}.xml", xml)
    return buffer.getvalue()
