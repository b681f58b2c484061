"""The Sefin Nacional's behaviour, as the sandbox plays it: receive a DPS and answer an NFS-e
or the list of rejections, answer queries, register cancellation events. Every answer is
``(HTTP status, JSON body or None)``."""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import secrets
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from cryptography import x509
from lxml import etree

from nfse.certs.a1 import A1, document_of
from nfse.fuso import SAO_PAULO
from nfse.municipios.registry import get as municipio
from nfse.regras import tabelas
from nfse.regras.catalogo import mensagem
from nfse.sandbox.nacional.assinatura import AssinaturaInvalida, verificar
from nfse.sandbox.nacional.digitos import chave_dv
from nfse.sandbox.nacional.leitura import Campos as _Campos
from nfse.sandbox.nacional.leitura import campos as _campos
from nfse.sandbox.nacional.parametrizacao import Parametrizacao
from nfse.sandbox.nacional.regras import Contexto, avaliar
from nfse.sandbox.nacional.regras.motor import AGUAS_MARITIMAS
from nfse.sandbox.nacional.state import Estado
from nfse.xml.sign import c14n, sign, signature
from nfse.xml.validate import nacional_schema_dir, validate

NS = "http://www.sped.fazenda.gov.br/nfse"
N = {"n": NS}
PREFIXO = f"{{{NS}}}"
VERSAO_APLICATIVO = "SefinNacional_1.6.0"
GZIP_NIVEL = 1
"""Any level is valid gzip for the client; 1 costs a third of the default's time."""
Answer = tuple[int, dict[str, Any] | None]


def agora() -> datetime:
    return datetime.now(SAO_PAULO)


def envelope(**fields: Any) -> dict[str, Any]:
    iso = agora().isoformat(timespec="microseconds")  # 2026-11-20T10:00:00.123456-03:00
    stamp = f"{iso[:26]}0{iso[26:]}"  # the Sefin's seven decimal places
    return {"tipoAmbiente": 2, "versaoAplicativo": VERSAO_APLICATIVO,
            "dataHoraProcessamento": stamp, **fields}


def erro(status: int, codigo: str, descricao: str) -> Answer:
    """Query and event errors: one lower-case ``erro`` object."""
    return status, envelope(erro={"codigo": codigo, "descricao": descricao})


REGRAS_EVENTO = frozenset({"E1980", "E1989", "E1845", "E1843", "E1827", "E1831", "E0812",
                           "E0815", "E1991", "E0840", "E0822", "E0823", "E0824"})
"""The rules of Anexo II the sandbox applies to a cancellation request."""


def _recusa(status: int, codigo: str, complemento: str = "") -> Answer:
    """An event refused by a rule of Anexo II, with its official message."""
    return status, envelope(erro={"codigo": codigo, "descricao": mensagem(codigo),
                                  "complemento": complemento})


def _rejeicao(id_dps: str | None, erros: list[tuple[str, str, str]]) -> Answer:
    """Emission errors: PascalCase items in ``erros``, as they arrive on the wire."""
    return 400, envelope(idDPS=id_dps, erros=[
        {"Codigo": c, "Descricao": d, "Complemento": x, "Parametros": None}
        for c, d, x in erros])


def _encode(xml: bytes) -> str:
    """A document as the Sefin sends it: gzip, then Base64."""
    return base64.b64encode(gzip.compress(xml, compresslevel=GZIP_NIVEL)).decode()


def _decode(value: Any) -> bytes:
    if not isinstance(value, str):
        raise ValueError("campo ausente")
    return gzip.decompress(base64.b64decode(value, validate=True))


def _text(node: etree._Element, path: str) -> str:
    return node.findtext(path, namespaces=N) or ""


def _dec(campos: _Campos, caminho: str) -> Decimal:
    return Decimal(campos[caminho] or "0")


_EMITENTES = {"1": "prest", "2": "toma", "3": "interm"}
"""tpEmit → the party that emits the DPS and signs it with its certificate (E0718)."""


def _raiz_documento(cert_doc: str | None) -> str:
    return (cert_doc or "")[:8]


@lru_cache(maxsize=1024)
def _atores(xml: bytes) -> frozenset[str]:
    """The roots (8 digits) of the CNPJ/CPF of the prestador, tomador and intermediário of an
    NFS-e: the certificates that may read it (manual do emissor público §1.4.2)."""
    inf = etree.fromstring(xml).find("n:infNFSe/n:DPS/n:infDPS", N)
    return frozenset(_raiz_documento(doc.text) for grupo in ("prest", "toma", "interm")
                     for tag in ("CNPJ", "CPF")
                     for doc in inf.iterfind(f"n:{grupo}/n:{tag}", N) if doc.text)


def _nao_ator() -> Answer:
    return erro(403, "E2403", "O certificado não é do prestador, do tomador nem do "
                              "intermediário desta NFS-e")


def sem_certificado() -> Answer:
    """A request without a client certificate: TLS completed, the Sefin answers 403."""
    return 403, envelope(erro={"codigo": "E1200", "descricao": mensagem("E1200"),
                               "complemento": "Certificado de transmissão ausente"})


def _local_prestacao(campos: _Campos) -> str:
    """xLocPrestacao: the municipality, "Águas Marítimas" (0000000) or the country abroad
    (cPaisPrestacao), never empty (the schema's minimum is one character)."""
    local = campos["serv/locPrest/cLocPrestacao"]
    if local == AGUAS_MARITIMAS:
        return "Águas Marítimas"
    if local:
        encontrado = municipio(local)
        return encontrado.nome if encontrado else local
    pais = campos["serv/locPrest/cPaisPrestacao"]
    return tabelas.nome_pais(pais) or pais


def certificado_vencido() -> Answer:
    """A DPS sent over a connection whose certificate is expired or not yet valid."""
    return 403, envelope(erros=[{"Codigo": "E1203", "Descricao": mensagem("E1203"),
                                 "Complemento": ""}])


@lru_cache(maxsize=1024)
def _nome(cert: x509.Certificate) -> str:
    """The emitter's name: its certificate's common name, before the colon of the CNPJ."""
    common_name = cert.subject.rfc4514_string().split("CN=")[-1].split(",")[0]
    return common_name.split(":")[0][:300] or "EMITENTE"


class Sefin:
    def __init__(self, estado: Estado, signer: A1, nome_autoridade: str = "SANDBOX",
                 parametrizacao: Parametrizacao | None = None):
        self.estado = estado
        self.parametrizacao = parametrizacao or Parametrizacao()
        """The ADN's municipal parameters the rules read (the server shares its own)."""
        self.signer = signer
        self.nome = nome_autoridade

    # -- emission ------------------------------------------------------------------------
    def _parse(self, payload: Any, schema: str) -> tuple[etree._Element | None, Answer | None]:
        """The reception rules (sheet RN_RECEPCAO_DPS), in the Sefin's order: decoding, XML,
        namespace prefixes, encoding, document type, schema."""
        def falha(codigo: str, complemento: str = "", id_dps: str | None = None) -> Answer:
            return _rejeicao(id_dps, [(codigo, mensagem(codigo), complemento)])

        try:
            raw = _decode(payload)
        except (ValueError, binascii.Error, OSError, EOFError):
            return None, falha("E1225", "Envie o XML compactado em GZip e em Base64")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, falha("E1229")
        try:
            root = etree.fromstring(raw)
        except etree.XMLSyntaxError as exc:
            return None, falha("E1226", str(exc))
        if re.search(rb"<\w+:", raw):
            return None, falha("E1228")
        esperado = schema.split("_")[0]
        if root.tag != f"{{{NS}}}{esperado}":
            return None, falha("E1242", f"Esperado {esperado}")
        problems = validate(root, nacional_schema_dir() / schema)
        if problems:
            inf = root.find("n:infDPS", N)
            return None, falha("E1235", "; ".join(problems[:3]),
                               inf.get("Id") if inf is not None else None)
        return root, None

    def receber_dps(self, body: dict[str, Any], chamador: str | None) -> Answer:
        """``chamador``: the CNPJ/CPF of the connection's certificate; ``None`` when that
        certificate carries neither (E1209; a connection without a certificate never gets
        here: see ``sem_certificado``)."""
        if chamador is None:
            return 403, envelope(erros=[{"Codigo": "E1209", "Descricao": mensagem("E1209"),
                                         "Complemento": ""}])
        root, failure = self._parse(body.get("dpsXmlGZipB64"), "DPS_v1.01.xsd")
        if failure:
            return failure
        assert root is not None
        inf = root.find("n:infDPS", N)
        id_dps = inf.get("Id")
        campos = _campos(inf)
        cnpj, cpf = campos["prest/CNPJ"], campos["prest/CPF"]
        inscricao = cnpj or cpf
        emitente = _EMITENTES.get(campos["tpEmit"], "prest")
        assinante = campos[f"{emitente}/CNPJ"] or campos[f"{emitente}/CPF"]
        try:
            cert = verificar(root)
        except AssinaturaInvalida as exc:
            return _rejeicao(id_dps, [(exc.codigo, mensagem(exc.codigo), str(exc))])
        if _raiz_documento(document_of(cert)) != assinante[:8]:
            return _rejeicao(id_dps, [("E0718", mensagem("E0718"), "")])
        if _raiz_documento(chamador) != assinante[:8]:
            return 403, envelope(idDPS=id_dps, erros=[{
                "Codigo": "E1200", "Descricao": mensagem("E1200"),
                "Complemento": "O certificado da conexão não pertence ao emitente da DPS"}])

        subst = inf.find("n:subst", N) if "subst" in campos else None
        with self.estado.transacao():
            contexto = Contexto(raiz=root, inf=inf, c=campos, parametros=self.parametrizacao,
                                estado=self.estado, agora=agora())
            erros = avaliar(contexto)
            if erros:
                return _rejeicao(id_dps, erros)
            chave, numero, xml = self._gerar_nfse(root, contexto, inscricao, cnpj, cert)
            self.estado.registrar(chave=chave, id_dps=id_dps, inscricao=inscricao,
                                  serie=campos["serie"], ndps=campos["nDPS"], numero=numero,
                                  xml=xml)
            if subst is not None:  # the same transaction cancels the original (e105102)
                substituida = _text(subst, "n:chSubstda")
                self.estado.cancelar(substituida, self._gerar_evento(
                    _pedido_105102(substituida, chave, subst), substituida, "105102"))
        return 201, envelope(idDps=id_dps, chaveAcesso=chave, alertas=[],
                             nfseXmlGZipB64=_encode(xml))

    def _gerar_nfse(self, dps: etree._Element, contexto: Contexto, inscricao: str, cnpj: str,
                    cert: x509.Certificate) -> tuple[str, int, bytes]:
        campos = contexto.c
        c_loc = campos["cLocEmi"]
        numero = self.estado.proximo(f"nfse:{inscricao}")
        moment = agora().replace(microsecond=0)
        base = (f"{c_loc}2{'2' if cnpj else '1'}{inscricao.zfill(14)}{numero:013d}"
                f"{moment:%y%m}{secrets.randbelow(10**9):09d}")
        chave = base + chave_dv(base)

        info = etree.Element(f"{{{NS}}}infNFSe", nsmap={None: NS}, Id="NFS" + chave)

        def add(parent: etree._Element, tag: str, text: str) -> etree._Element:
            child = etree.SubElement(parent, f"{{{NS}}}{tag}")
            child.text = text
            return child

        emissor = municipio(c_loc)
        incidencia = contexto.incidencia
        incidencia_m = municipio(incidencia) if incidencia else None
        add(info, "xLocEmi", emissor.nome if emissor else c_loc)
        add(info, "xLocPrestacao", _local_prestacao(campos))
        add(info, "nNFSe", str(numero))
        if incidencia_m is not None:
            add(info, "cLocIncid", incidencia)
            add(info, "xLocIncid", incidencia_m.nome)
        add(info, "xTribNac", f"Serviço do código de tributação nacional "
                              f"{campos['serv/cServ/cTribNac']}")
        add(info, "verAplic", VERSAO_APLICATIVO)
        add(info, "ambGer", "2")
        add(info, "tpEmis", "1")
        add(info, "procEmi", "1")
        add(info, "cStat", "100")
        add(info, "dhProc", moment.isoformat())
        add(info, "nDFSe", str(self.estado.proximo("ndfse")))
        emit = etree.SubElement(info, f"{{{NS}}}emit")
        add(emit, "CNPJ" if cnpj else "CPF", inscricao)
        im = campos["prest/IM"]
        if im:
            add(emit, "IM", im)
        add(emit, "xNome", _nome(cert))
        end = etree.SubElement(emit, f"{{{NS}}}enderNac")
        add(end, "xLgr", "Endereço do cadastro nacional")
        add(end, "nro", "S/N")
        add(end, "xBairro", "Centro")
        add(end, "cMun", c_loc)
        add(end, "UF", emissor.uf if emissor else "SP")
        add(end, "CEP", "01001000")
        self._valores(info, dps, contexto, add)
        info.append(dps)
        canonical = c14n(info)  # while it is a root of its own: no copy needed
        root = etree.Element(f"{{{NS}}}NFSe", nsmap={None: NS}, versao="1.01")
        root.append(info)
        root.append(etree.fromstring(signature(canonical, "NFS" + chave, self.signer)))
        return chave, numero, etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    @staticmethod
    def _valores(info: etree._Element, dps: etree._Element, contexto: Contexto,
                 add: Any) -> None:
        """The values the Sefin computes; the rate is the DPS's pAliq or, without one, the
        incidence municipality's (its parameters)."""
        campos = contexto.c
        tributavel = contexto.incidencia is not None
        serv = _dec(campos, "valores/vServPrest/vServ")
        incond = _dec(campos, "valores/vDescCondIncond/vDescIncond")
        cond = _dec(campos, "valores/vDescCondIncond/vDescCond")
        documentos = sum((Decimal(d.text) for d in dps.iterfind(
            "n:infDPS/n:valores/n:vDedRed/n:documentos/n:docDedRed/n:vDeducaoReducao", N)),
            Decimal("0"))
        deducao = _dec(campos, "valores/vDedRed/vDR") or documentos or (
            serv * _dec(campos, "valores/vDedRed/pDR") / 100).quantize(Decimal("0.01"))
        aliquota = campos["valores/trib/tribMun/pAliq"] or (
            str(contexto.aliquota_municipal) if contexto.aliquota_municipal else "")
        retido = campos["valores/trib/tribMun/tpRetISSQN"] != "1"
        federais = sum((_dec(campos, f"valores/trib/tribFed/{t}") for t in
                        ("vRetCP", "vRetIRRF", "vRetCSLL")), Decimal("0"))
        node = etree.SubElement(info, f"{{{NS}}}valores")
        iss = Decimal("0")
        if tributavel and aliquota:
            base = serv - incond - deducao
            iss = (base * Decimal(aliquota) / 100).quantize(Decimal("0.01"))
            add(node, "vBC", f"{base:.2f}")
            add(node, "pAliqAplic", f"{Decimal(aliquota):.2f}")
            add(node, "vISSQN", f"{iss:.2f}")
        retencoes = federais + (iss if retido else Decimal("0"))
        if retencoes:
            add(node, "vTotalRet", f"{retencoes:.2f}")
        add(node, "vLiq", f"{serv - cond - incond - retencoes:.2f}")
        if "IBSCBS" in campos:
            Sefin._ibscbs(info, campos, serv - incond - deducao,
                          serv - cond - incond - retencoes, add)

    @staticmethod
    def _ibscbs(info: etree._Element, campos: _Campos, base: Decimal, liquido: Decimal,
                add: Any) -> None:
        """The IBS/CBS the reform charges, at the 2026 test rates (CBS 0.9 %, IBS 0.1 % to
        the state, none to the municipality), which the note shows but does not collect:
        the total stays the net value."""
        local = campos["serv/locPrest/cLocPrestacao"] or campos["cLocEmi"]
        lugar = municipio(local)
        grupo = etree.SubElement(info, f"{{{NS}}}IBSCBS")
        add(grupo, "cLocalidadeIncid", local)
        add(grupo, "xLocalidadeIncid", lugar.nome if lugar else local)
        valores = etree.SubElement(grupo, f"{{{NS}}}valores")
        add(valores, "vBC", f"{base:.2f}")
        taxas = {"uf": ("pIBSUF", "pAliqEfetUF", Decimal("0.10")),
                 "mun": ("pIBSMun", "pAliqEfetMun", Decimal("0.00")),
                 "fed": ("pCBS", "pAliqEfetCBS", Decimal("0.90"))}
        for esfera, (nominal, efetiva, taxa) in taxas.items():
            node = etree.SubElement(valores, f"{{{NS}}}{esfera}")
            add(node, nominal, f"{taxa:.2f}")
            add(node, efetiva, f"{taxa:.2f}")
        valor = {esfera: (base * taxa / 100).quantize(Decimal("0.01"))
                 for esfera, (_, _, taxa) in taxas.items()}
        total = etree.SubElement(grupo, f"{{{NS}}}totCIBS")
        add(total, "vTotNF", f"{liquido:.2f}")
        ibs = etree.SubElement(total, f"{{{NS}}}gIBS")
        add(ibs, "vIBSTot", f"{valor['uf'] + valor['mun']:.2f}")
        add(etree.SubElement(ibs, f"{{{NS}}}gIBSUFTot"), "vIBSUF", f"{valor['uf']:.2f}")
        add(etree.SubElement(ibs, f"{{{NS}}}gIBSMunTot"), "vIBSMun", f"{valor['mun']:.2f}")
        add(etree.SubElement(total, f"{{{NS}}}gCBS"), "vCBS", f"{valor['fed']:.2f}")

    # -- queries -------------------------------------------------------------------------
    def consultar_nfse(self, chave: str, chamador: str | None) -> Answer:
        if not re.fullmatch(r"\d{50}", chave):
            return erro(400, "E2400", "Chave de acesso deve ter 50 dígitos")
        nota = self.estado.por_chave(chave)
        if nota is None:
            return erro(404, "E2401", "Chave de acesso não encontrada")
        if _raiz_documento(chamador) not in _atores(nota["xml"]):
            return _nao_ator()
        return 200, envelope(chaveAcesso=chave,
                             nfseXmlGZipB64=_encode(nota["xml"]))

    def consultar_dps(self, id_dps: str, chamador: str | None) -> Answer:
        if not re.fullmatch(r"DPS\d{42}", id_dps):
            return erro(400, "E2400", "Identificador da DPS inválido")
        nota = self.estado.por_dps(id_dps)
        if nota is None:
            return erro(404, "E2404", "Nenhuma NFS-e gerada a partir desta DPS")
        if _raiz_documento(chamador) not in _atores(nota["xml"]):
            return _nao_ator()
        return 200, envelope(idDps=id_dps, chaveAcesso=nota["chave"])

    # -- events --------------------------------------------------------------------------
    def registrar_evento(self, chave: str, body: dict[str, Any], chamador: str | None) -> Answer:
        root, failure = self._parse(body.get("pedidoRegistroEventoXmlGZipB64"),
                                    "pedRegEvento_v1.01.xsd")
        if failure:
            status, answer = failure
            first = answer["erros"][0]
            return erro(status, first["Codigo"], f"{first['Descricao']} {first['Complemento']}")
        assert root is not None
        inf = root.find("n:infPedReg", N)
        try:
            cert = verificar(root)
        except AssinaturaInvalida as exc:
            return _recusa(400, "E1989" if exc.codigo == "E0717" else "E1980", str(exc))
        ch = _text(inf, "n:chNFSe")
        autor = _text(inf, "n:CNPJAutor") or _text(inf, "n:CPFAutor")
        if _text(inf, "n:tpAmb") != "2":
            return _recusa(400, "E1845", "Este é o ambiente de produção restrita (2)")
        if datetime.fromisoformat(_text(inf, "n:dhEvento")) > agora():
            return _recusa(400, "E1843", f"Recebido em {agora().isoformat(timespec='seconds')}")
        if inf.find("n:e101101", N) is None:
            return erro(400, "E1818", "Evento não suportado por este ambiente: só o "
                                      "cancelamento (e101101)")
        if inf.get("Id") != f"PRE{ch}101101":
            return _recusa(400, "E1827")
        if ch != chave:
            return _recusa(400, "E1831", "A chave da URL difere de chNFSe")
        cpf_autor = _text(inf, "n:CPFAutor")
        if cpf_autor and (cpf_autor != document_of(cert) or cpf_autor != chamador):
            return _recusa(400, "E0815")  # a CPF is compared whole, a CNPJ by its root
        if not cpf_autor and (autor[:8] != _raiz_documento(document_of(cert)) or
                              autor[:8] != _raiz_documento(chamador)):
            return _recusa(400, "E0812")
        with self.estado.lock:
            nota = self.estado.por_chave(chave)
            if nota is None:
                return _recusa(404, "E1831")
            if nota["inscricao"][:8] != autor[:8]:
                return _recusa(400, "E1991", "O autor não é o emitente da NFS-e")
            if nota["cancelada"]:
                return _recusa(400, "E0840")
            recusa = self._cancelamento_municipal(nota["xml"], chave[:7])
            if recusa is not None:
                return recusa
            xml = self._gerar_evento(root, chave)
            self.estado.cancelar(chave, xml)
        return 201, envelope(eventoXmlGZipB64=_encode(xml))

    def _cancelamento_municipal(self, nfse: bytes, municipio_emissor: str) -> Answer | None:
        """The conditions the municipality that issued the note sets on its cancellation:
        deadline (E0822), highest value (E0823), an identified tomador (E0824)."""
        parametros = self.parametrizacao.municipal(municipio_emissor)
        inf = etree.fromstring(nfse).find("n:infNFSe", N)
        dps = inf.find("n:DPS/n:infDPS", N)
        prazo = parametros.prazo_cancelamento
        emissao = datetime.fromisoformat(_text(inf, "n:dhProc"))
        if prazo is not None and (agora() - emissao).days > prazo:
            return _recusa(400, "E0822", f"Prazo de {prazo} dias")
        maximo = parametros.valor_maximo_cancelamento
        if maximo is not None and Decimal(_text(dps, "n:valores/n:vServPrest/n:vServ")) > maximo:
            return _recusa(400, "E0823", f"Valor máximo: {maximo}")
        if parametros.cancelamento_exige_tomador and dps.find("n:toma", N) is None:
            return _recusa(400, "E0824")
        return None

    def _gerar_evento(self, pedido: etree._Element, chave: str, tipo: str = "101101") -> bytes:
        root = etree.Element(f"{{{NS}}}evento", nsmap={None: NS}, versao="1.01")
        ident = f"EVT{chave}{tipo}001"
        info = etree.SubElement(root, f"{{{NS}}}infEvento", Id=ident)
        for tag, text in (("verAplic", VERSAO_APLICATIVO), ("ambGer", "2"),
                          ("nSeqEvento", "1"), ("dhProc", agora().replace(microsecond=0)
                                                .isoformat()),
                          ("nDFSe", str(self.estado.proximo("ndfse")))):
            etree.SubElement(info, f"{{{NS}}}{tag}").text = text
        info.append(pedido)
        sign(root, ident, self.signer)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def consultar_evento(self, chave: str, tipo: str, seq: str) -> Answer:
        nota = self.estado.por_chave(chave)
        if seq != "1" or nota is None or not nota["evento"] or \
                f"EVT{chave}{tipo}001".encode() not in nota["evento"]:
            return erro(404, "E2401", "Evento não encontrado")
        return 200, envelope(
            eventoXmlGZipB64=_encode(nota["evento"]))


def _pedido_105102(substituida: str, substituta: str, subst: etree._Element) -> etree._Element:
    """The cancellation by substitution the Sefin registers itself (no emitter signature)."""
    pedido = etree.Element(f"{{{NS}}}pedRegEvento", nsmap={None: NS}, versao="1.01")
    inf = etree.SubElement(pedido, f"{{{NS}}}infPedReg", Id=f"PRE{substituida}105102")
    for tag, text in (("tpAmb", "2"), ("verAplic", VERSAO_APLICATIVO),
                      ("dhEvento", agora().replace(microsecond=0).isoformat()),
                      ("chNFSe", substituida), ("nPedRegEvento", "1")):
        etree.SubElement(inf, f"{{{NS}}}{tag}").text = text
    evento = etree.SubElement(inf, f"{{{NS}}}e105102")
    etree.SubElement(evento, f"{{{NS}}}xDesc").text = "Cancelamento de NFS-e por Substituição"
    etree.SubElement(evento, f"{{{NS}}}cMotivo").text = _text(subst, "n:cMotivo")
    motivo = subst.findtext("n:xMotivo", namespaces=N)
    if motivo:
        etree.SubElement(evento, f"{{{NS}}}xMotivo").text = motivo
    etree.SubElement(evento, f"{{{NS}}}chSubstituta").text = substituta
    return pedido
