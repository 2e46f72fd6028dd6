"""The format's checksum, ``#KSUMMA`` (SIE filformat 4B, "Kontrollsummering").

A file that carries a checksum opens with ``#KSUMMA`` (no value) right after
``#FLAGGA`` and ends with ``#KSUMMA <value>``. The value is the CRC-32 (the common
polynomial 0xEDB88320, start value and final XOR 0xFFFFFFFF, as zlib computes it),
in decimal, of every record between the two: for each record its label with the ``#``
and then the contents of its fields, one after the other, with no separators, no
quotes around fields (an escaped quote counts as the quote) and no braces around
object lists (the dimension and object numbers count); the block lines ``{`` and ``}``
and the line endings do not count. The characters are taken in PC8 (IBM 437).

>>> from bergslaget_plugins.sie.records import lex
>>> records = list(lex('#KSUMMA\\n#FNAMN "Ett AB"\\n#KSUMMA 0'))
>>> checksum_of(records[1:2]) == zlib.crc32('#FNAMNEtt AB'.encode('cp437'))
True
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from bergslaget_plugins.sie.records import ObjectList, Record


@dataclass(frozen=True)
class ChecksumResult:
    """What a file's ``#KSUMMA`` pair says and what its records give."""

    opening_line: int
    closing_line: int | None
    declared: int | None
    computed: int | None

    @property
    def matches(self) -> bool:
        return self.declared is not None and self.declared == self.computed


def checksum_bytes(record: Record, encoding: str = "cp437") -> bytes:
    """The bytes one record adds to the checksum."""
    parts = [record.label]
    for value in record.fields:
        parts.extend(value.items if isinstance(value, ObjectList) else (value,))
    return "".join(parts).encode(encoding, errors="replace")


def checksum_of(records: Sequence[Record], encoding: str = "cp437") -> int:
    """The CRC-32 of the records (those between the two ``#KSUMMA`` lines)."""
    value = 0
    for record in records:
        if record.label in ("{", "}"):
            continue
        value = zlib.crc32(checksum_bytes(record, encoding), value)
    return value


def verify_checksum(records: Sequence[Record], encoding_name: str) -> ChecksumResult | None:
    """None for a file without ``#KSUMMA``; else what it declares and what its records give."""
    positions = [index for index, record in enumerate(records) if record.label == "#KSUMMA"]
    if not positions:
        return None
    opening = records[positions[0]]
    if len(positions) < 2:
        return ChecksumResult(opening.lineno, None, None, None)
    closing = records[positions[1]]
    declared_text = closing.text_field(0)
    declared = int(declared_text) if declared_text is not None and declared_text.isdigit() else None
    # The checksum is defined on PC8 bytes; a file in another character set is summed as if it were PC8.
    computed = checksum_of(records[positions[0] + 1:positions[1]])
    return ChecksumResult(opening.lineno, closing.lineno, declared, computed)


__all__ = ["ChecksumResult", "checksum_bytes", "checksum_of", "verify_checksum"]
