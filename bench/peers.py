"""Peer libraries doing our job: build one NFS-e Nacional DPS (leiaute 1.01), sign it with an
A1 certificate given as PKCS#12 bytes + password, and encode it for the wire (gzip + base64, the
``dpsXmlGZipB64`` field), as each library's own client does before it sends. Each factory does
its setup once and returns a zero-argument callable that builds, signs and encodes one document
per call (nDPS counts up). Neither peer checks the DPS against the XSD (ours does, before
signing): that work is ours alone.

* ``nfelib_erpbrasil``: nfelib's xsdata bindings (``nfelib.nfse.bindings.v1_0``) serialised
  with ``to_xml()``, signed with ``erpbrasil.assinatura.Assinatura.assina_xml2`` (signxml,
  RSA-SHA1, C14N 1.0), encoded by ``NfseClient._compress_b64`` (gzip at its default level 9).
  erpbrasil's ``Certificado`` parses the PKCS#12 once in its constructor
  and ``Assinatura`` keeps the loaded key, so by default both are made once, outside the
  callable. nfelib's own shortcuts, ``Dps.to_xml(pkcs12_data=...)``/``CommonMixin.sign_xml``,
  and its ``NfseClient.envia_dps`` build a new ``Certificado`` per signature, i.e. re-open
  the PKCS#12 for every note: ``reopen_pfx=True`` measures that path instead. Most of the
  remaining time is ``to_xml()`` itself: it makes a new xsdata serializer, hence a new
  ``XmlContext`` whose class metadata is rebuilt on every call.
* ``pynfse_nacional``: its pydantic ``DPS`` model, ``XMLBuilder.build_dps`` (stdlib
  ElementTree, a str) and ``XMLSignerService.sign`` (re-parsed with lxml, signxml RSA-SHA256,
  exclusive C14N with comments), the two objects its ``NFSeClient`` holds, then
  ``utils.compress_encode`` (gzip at level 9), as ``NFSeClient._build_submit_request`` does.
  The signer only
  reads a PKCS#12 *file*, so the bytes go to a private temporary file; it loads the key on the
  first signature and keeps it (no re-open per note). Its builder cannot emit ``indTotTrib``:
  a non-Simples note gets ``pTotTrib`` 0/0/0; it pads ``IM`` to 15 characters (spaces in
  0.4.x, zeros in 0.9.x). Its signer needs signxml>=4, which erpbrasil.assinatura (signxml<4)
  excludes: in an environment holding both, pip settles on pynfse-nacional 0.4.7 + signxml 3
  and the factory raises ``PeerUnavailable``; measure it in an environment of its own.

A peer that cannot run raises ``PeerUnavailable`` from its factory; nothing is emulated.

Run as a script (``python peers.py PEER PFX SENHA SECONDS``) by the interpreter of the
peer's own environment (``bench.peer_envs``): it imports nothing from this project and
prints one JSON object, visualizacao/s or the reason the peer is unavailable.
"""

from __future__ import annotations

import base64
import functools
import itertools
import os
import tempfile
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import metadata
from typing import Any
from zoneinfo import ZoneInfo

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
"""Its own, not ``nfse.fuso``'s: this module runs in each peer's environment, which does not
have the gateway."""

C_MUN = "3550308"  # São Paulo: cLocEmi and cLocPrestacao
IM_PRESTADOR = "12345"
CPF_TOMADOR = "52998224725"
X_NOME_TOMADOR = "TOMADOR DE TESTE"
SERIE = "1"
C_TRIB_NAC = "010101"
X_DESC_SERV = "Analise e desenvolvimento de sistemas"
V_SERV = Decimal("100.00")
CNPJ = "11222333000181"  # the benchmark certificate's


class PeerUnavailable(RuntimeError):
    """The peer library cannot run here; the message says precisely why."""


def _now() -> datetime:
    """dhEmi a few seconds in the past, as the Sefin refuses a dhEmi in its future."""
    return (datetime.now(SAO_PAULO) - timedelta(seconds=5)).replace(microsecond=0)


def _warm_up(peer: str, build: Callable[[], str]) -> Callable[[], str]:
    """One call at setup so a broken peer fails here, with the reason, not mid-benchmark."""
    try:
        build()
    except Exception as exc:  # any failure means the peer is unusable
        raise PeerUnavailable(f"{peer}: first DPS failed: {type(exc).__name__}: {exc}") from exc
    return build


def nfelib_erpbrasil(pfx: bytes, senha: str, *, reopen_pfx: bool = False) -> Callable[[], str]:
    """nfelib bindings + erpbrasil.assinatura. ``reopen_pfx`` signs through nfelib's own
    ``to_xml(pkcs12_data=...)``, which builds a new ``Certificado`` for every document."""
    try:
        from erpbrasil.assinatura.assinatura import Assinatura
        from erpbrasil.assinatura.certificado import Certificado
        from lxml import etree
        from nfelib.nfse.bindings import v1_0 as nb
        from nfelib.nfse.client.v1_0.nfse import NfseClient
    except ImportError as exc:
        raise PeerUnavailable(f"nfelib/erpbrasil.assinatura not importable: {exc}") from exc

    # erpbrasil's Certificado takes a path or *base64* bytes; nfelib normalises raw DER the same
    pfx_b64 = base64.b64encode(pfx)
    try:
        certificado = Certificado(pfx_b64, senha)
    except Exception as exc:  # wrong password, not a PKCS#12, expired
        raise PeerUnavailable(f"erpbrasil.assinatura refused the certificate: {exc}") from exc
    assinatura = Assinatura(certificado)
    cnpj = certificado.cnpj_cpf or CNPJ
    counter = itertools.count(1)

    def dps() -> Any:
        n_dps = next(counter)
        moment = _now()
        ident = f"DPS{C_MUN}2{cnpj.zfill(14)}{int(SERIE):05d}{n_dps:015d}"
        return nb.Dps(
            versao="1.01",
            infDPS=nb.TcinfDps(
                Id=ident,
                tpAmb=nb.TstipoAmbiente.VALUE_2,
                dhEmi=moment.isoformat(),
                verAplic="bench-nfelib",
                serie=SERIE,
                nDPS=str(n_dps),
                dCompet=moment.date().isoformat(),
                tpEmit=nb.TsemitenteDps.VALUE_1,
                cLocEmi=C_MUN,
                prest=nb.TcinfoPrestador(
                    CNPJ=cnpj,
                    IM=IM_PRESTADOR,
                    regTrib=nb.TcregTrib(
                        opSimpNac=nb.TsopSimpNac.VALUE_1,
                        regEspTrib=nb.TsregEspTrib.VALUE_0,
                    ),
                ),
                toma=nb.TcinfoPessoa(CPF=CPF_TOMADOR, xNome=X_NOME_TOMADOR),
                serv=nb.Tcserv(
                    locPrest=nb.TclocPrest(cLocPrestacao=C_MUN),
                    cServ=nb.Tccserv(cTribNac=C_TRIB_NAC, xDescServ=X_DESC_SERV),
                ),
                valores=nb.TcinfoValores(
                    vServPrest=nb.TcvservPrest(vServ=f"{V_SERV:.2f}"),
                    trib=nb.TcinfoTributacao(
                        tribMun=nb.TctribMunicipal(
                            tribISSQN=nb.TstribIssqn.VALUE_1,
                            tpRetISSQN=nb.TstipoRetIssqn.VALUE_1,
                        ),
                        totTrib=nb.TctribTotal(indTotTrib=nb.TstipoIndTotTrib.VALUE_0),
                    ),
                ),
            ),
        )

    def build() -> str:
        doc = dps()
        # what nfelib's NfseClient.envia_dps does, with the Certificado made once
        xml: str = doc.to_xml()
        signed = assinatura.assina_xml2(etree.fromstring(xml.encode()), doc.infDPS.Id)
        return NfseClient._compress_b64(signed)

    def build_reopening() -> str:
        doc = dps()
        signed: str = doc.to_xml(pkcs12_data=pfx, pkcs12_password=senha, doc_id=doc.infDPS.Id)
        return NfseClient._compress_b64(signed)

    return _warm_up("nfelib+erpbrasil", build_reopening if reopen_pfx else build)


def pynfse_nacional(pfx: bytes, senha: str) -> Callable[[], str]:
    """pynfse-nacional's DPS model, XMLBuilder and XMLSignerService, made as NFSeClient does."""
    try:
        from pynfse_nacional import DPS, Endereco, Prestador, Servico, Tomador
        from pynfse_nacional.constants import Ambiente
        from pynfse_nacional.utils import compress_encode
        from pynfse_nacional.xml_builder import XMLBuilder
        from pynfse_nacional.xml_signer import XMLSignerService
    except ImportError as exc:
        raise PeerUnavailable(f"pynfse-nacional not importable: {exc}") from exc
    signxml_version = metadata.version("signxml")
    if int(signxml_version.split(".")[0]) < 4:
        raise PeerUnavailable(
            f"pynfse-nacional {metadata.version('pynfse-nacional')} passes a cryptography "
            f"Certificate to signxml's XMLSigner.sign(cert=[...]); signxml {signxml_version} "
            "accepts only PEM text or pyOpenSSL X509 there (AttributeError '_x509'), signxml>=4 "
            "is needed (pynfse declares >=3.2.0), and erpbrasil.assinatura pins signxml<4")

    cnpj = CNPJ
    fd, path = tempfile.mkstemp(suffix=".pfx")  # mode 0600; XMLSignerService wants a path
    with os.fdopen(fd, "wb") as handle:
        handle.write(pfx)
    builder = XMLBuilder(ambiente=Ambiente.HOMOLOGACAO)
    signer = XMLSignerService(path, senha)
    prestador = Prestador(
        cnpj=cnpj,
        inscricao_municipal=IM_PRESTADOR,
        razao_social="PRESTADOR DE TESTE",
        endereco=Endereco(logradouro="Rua Teste", numero="1", bairro="Centro",
                          codigo_municipio=int(C_MUN), uf="SP", cep="01001000"),
    )
    tomador = Tomador(cpf=CPF_TOMADOR, razao_social=X_NOME_TOMADOR)
    counter = itertools.count(1)

    def build() -> str:
        moment = _now()
        dps = DPS(
            serie=SERIE,
            numero=next(counter),
            competencia=moment.strftime("%Y-%m"),
            data_emissao=moment,
            prestador=prestador,
            tomador=tomador,
            servico=Servico(codigo_lc116="01.01.01", discriminacao=X_DESC_SERV,
                            valor_servicos=V_SERV),
            regime_tributario="normal",
        )
        return compress_encode(signer.sign(builder.build_dps(dps)))

    weakref.finalize(build, os.unlink, path)  # the PFX copy lives as long as the callable
    return _warm_up("pynfse-nacional", build)


PEERS: dict[str, Callable[[bytes, str], Callable[[], str]]] = {
    "nfelib+erpbrasil.assinatura": nfelib_erpbrasil,
    "nfelib signing itself (PKCS#12 re-opened per note)":
        functools.partial(nfelib_erpbrasil, reopen_pfx=True),
    "pynfse-nacional": pynfse_nacional,
}


def _measure(peer: str, pfx: bytes, senha: str, seconds: float) -> dict[str, Any]:
    import time

    try:
        build = PEERS[peer](pfx, senha)
    except PeerUnavailable as exc:
        return {"peer": peer, "unavailable": str(exc)}
    done, start, wall = 0, time.process_time(), time.perf_counter() + 2 * seconds
    while (elapsed := time.process_time() - start) < seconds and time.perf_counter() < wall:
        build()
        done += 1
    return {"peer": peer, "docs_per_s": done / max(elapsed, 1e-6), "documents": done}


if __name__ == "__main__":
    import json
    import sys

    name, pfx_path, password, duration = sys.argv[1:5]
    with open(pfx_path, "rb") as fh:
        print(json.dumps(_measure(name, fh.read(), password, float(duration))))
