"""What text a note can carry: the characters every document made from it can hold.

A note's text goes into the authority's XML (XML 1.0 characters) and into the DANFSe, whose
PDF fonts are the core fonts in Windows-1252. A character outside both is refused when the
note is POSTed, naming the field, rather than accepted and found unprintable after the
authority has issued the NFS-e (an authorized note must always have its PDF). The same rule
holds for every JSON body of the API, so what is stored can always be sent, printed, logged
and kept in PostgreSQL (which holds no NUL).

Refused, with the reason a user can act on:

- control characters other than tab, line feed and carriage return (XML cannot carry them);
- lone surrogates (half of a character, e.g. a string cut inside an emoji);
- invisible formatting that changes what a reader sees: the byte order mark U+FEFF and the
  bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C);
- anything the DANFSe fonts cannot draw: emoji, CJK, combining marks (send the composed
  letter, ``é``, not ``e`` + U+0301), and other characters outside Windows-1252.
"""

from __future__ import annotations

import re
import unicodedata

CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
"""The printable characters of Windows-1252 beyond Latin-1 (its 0x80–0x9F row)."""

_FORA = re.compile("[^\t\n\r\x20-\x7e\xa0-\xff" + re.escape(CP1252_EXTRA) + "]")
_CONTROLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def problema(valor: str) -> str | None:
    """Why ``valor`` cannot be carried by the note's documents, or None. Fast when the text
    is plain: one encoding to Windows-1252 and one scan for control characters, both in C."""
    try:
        valor.encode("cp1252")
    except UnicodeEncodeError:
        pass
    else:
        if _CONTROLE.search(valor) is None:
            return None
    found = _FORA.search(valor)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        return (f"contém meio caractere ({code}, surrogate isolado): o texto foi cortado "
                "no meio de um caractere; envie-o inteiro em UTF-8")
    if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
        return (f"contém o caractere de controle {code}; só tabulação e quebra de linha são "
                "aceitas")
    if char == "\ufeff" or char in _BIDI:
        return (f"contém o caractere invisível {code} ({_nome(char)}), que altera o texto "
                "exibido sem aparecer nele; remova-o")
    if unicodedata.combining(char):
        return (f"contém a marca combinante {code} ({_nome(char)}); envie a letra acentuada "
                "composta (por exemplo é em vez de e + acento)")
    return (f"contém o caractere {code} ({_nome(char)}), que a DANFSe não consegue imprimir; "
            "use apenas letras latinas, números e pontuação comum")


def _nome(char: str) -> str:
    return unicodedata.name(char, "sem nome").lower()
