"""Which character set a SIE file is really in.

The format says PC8 (IBM code page 437, ``#FORMAT PC8``), and most programs write it.
Some write UTF-8 or Windows-1252 all the same, whatever ``#FORMAT`` says. Read as
PC8, UTF-8's two bytes for "å" become "Ã¥", and Windows-1252's "å" becomes "σ"; so the
reader looks at the bytes, decodes them as what they are, and says so.

>>> decode_sie("#FNAMN \\"Övningsbolaget\\"".encode("utf-8")).encoding
'UTF-8'
>>> decode_sie("#FNAMN \\"Övningsbolaget\\"".encode("cp437")).text
'#FNAMN "Övningsbolaget"'
"""

from __future__ import annotations

from dataclasses import dataclass

PC8 = "PC8 (IBM 437)"
UTF8 = "UTF-8"
WINDOWS_1252 = "Windows-1252 (ISO 8859-1)"

#: The Swedish letters åäöÅÄÖé as bytes in each candidate character set.
_SWEDISH_CP437 = frozenset(b"\x86\x84\x94\x8f\x8e\x99\x82")
_SWEDISH_1252 = frozenset(b"\xe5\xe4\xf6\xc5\xc4\xd6\xe9")


@dataclass(frozen=True)
class DecodedText:
    text: str
    #: The character set the bytes are in (PC8, UTF8 or WINDOWS_1252).
    encoding: str


def decode_sie(data: bytes) -> DecodedText:
    """Decode a SIE file's bytes: UTF-8 if they are valid UTF-8 beyond ASCII, else PC8 or Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedText(data[3:].decode("utf-8", errors="replace"), UTF8)
    if any(byte >= 0x80 for byte in data):
        try:
            return DecodedText(data.decode("utf-8"), UTF8)
        except UnicodeDecodeError:
            pass
        high = [byte for byte in data if byte >= 0x80]
        cp437_letters = sum(1 for byte in high if byte in _SWEDISH_CP437)
        latin_letters = sum(1 for byte in high if byte in _SWEDISH_1252)
        if latin_letters > cp437_letters:
            return DecodedText(data.decode("cp1252", errors="replace"), WINDOWS_1252)
    return DecodedText(data.decode("cp437"), PC8)


__all__ = ["PC8", "UTF8", "WINDOWS_1252", "DecodedText", "decode_sie"]
