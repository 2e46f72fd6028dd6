"""SIE 4 files (from another bookkeeping program) through beangulp: ``bergslaget import``.

The same reader, check and conversion as ``bergslaget sie import`` (see
``bergslaget_plugins/sie/``), for the import page in Fava and ``bergslaget import
extract``. A file is recognised by its name (``.se``, ``.si``, ``.sie``) and its first
record (``#FLAGGA`` or ``#SIETYP``)::

    #FLAGGA 0
    #SIETYP 4
    #RAR 0 20220101 20221231
    #VER A 1 20220110 "Hyra januari"
    {
       #TRANS 5010 {} 24000.00
       #TRANS 1930 {} -24000.00
    }

becomes ::

    2022-01-10 * "Hyra januari"
      ver: "A1"
      sie_serie: "A"
      sie_nummer: "1"
      Expenses:5010-Lokalhyra       24000.00 SEK
      Assets:1930-Företagskonto    -24000.00 SEK

Accounts that the books have (by BAS number) are used; others are opened. A
verification already in the books (same series, number and year) is not extracted
again, and the verifications keep the numbers they have in the file. A file with a
defect (what ``bergslaget sie check`` reports) is refused with the defects at their
lines, and nothing is extracted.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import beangulp
from beancount.core import data

from bergslaget_plugins.sie.check import check_document, defects
from bergslaget_plugins.sie.document import read_sie_file
from bergslaget_plugins.sie.to_beancount import ImportRefused, convert, existing_books
from importers.common import ImportFileError, ImportProblem

SIE_SUFFIXES = (".se", ".si", ".sie")
_FIRST_BYTES = 4096


def looks_like_sie(filepath: str) -> bool:
    """A ``.se``/``.si``/``.sie`` file whose first record is ``#FLAGGA`` or ``#SIETYP``."""
    path = Path(filepath)
    if path.suffix.lower() not in SIE_SUFFIXES:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(_FIRST_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith((b"#FLAGGA", b"#SIETYP"))


class SieImporter(beangulp.Importer):
    """SIE 4 (4E or 4I) files from another bookkeeping program."""

    def __init__(self, archive_account: str = "Equity") -> None:
        #: Where ``archive`` files the SIE file (under the documents folder).
        self.archive_account = archive_account

    def identify(self, filepath: str) -> bool:
        return looks_like_sie(filepath)

    def account(self, filepath: str) -> data.Account:
        return self.archive_account

    def date(self, filepath: str) -> datetime.date | None:
        """The last day of the file's financial year; None for a file that cannot be read."""
        try:
            document = read_sie_file(Path(filepath))
        except OSError:
            return None
        year = document.years.get(0)
        return year[1] if year else None

    def filename(self, filepath: str) -> str | None:
        return f"sie-{Path(filepath).name}"

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        document = read_sie_file(Path(filepath))
        findings = check_document(document)
        found = defects(findings)
        if found:
            raise ImportFileError(filepath, [ImportProblem(finding.lineno, finding.message) for finding in found],
                                  "SIE-filen har fel och importeras inte")
        try:
            conversion = convert(document, findings, existing_books(existing, {}))
        except ImportRefused as refusal:
            raise ImportFileError(filepath, [ImportProblem(None, reason) for reason in refusal.reasons],
                                  "SIE-filen kan inte importeras") from None
        return list(conversion.entries)


__all__ = ["SIE_SUFFIXES", "SieImporter", "looks_like_sie"]
