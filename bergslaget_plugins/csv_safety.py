"""CSV for spreadsheets: no cell is read as a formula.

A spreadsheet program (Excel, LibreOffice Calc, Google Sheets) takes a CSV cell that
starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a tab or a carriage
return) as a formula, so a counterparty named ``=HYPERLINK("http://…";"Klicka")`` in
the books would become a live link or a calculation in the board's spreadsheet. Every
CSV the project writes goes through :func:`csv_text` (or :func:`spreadsheet_cell` for
a writer of its own), which puts an apostrophe in front of such a text cell, as OWASP
recommends; the spreadsheet then shows the text as it is written in the books::

    >>> csv_text(["motpart", "belopp"], [["=HYPERLINK(1)", "-273319"], ["@SUM(A1)", "1234.50"]])
    "motpart,belopp\\n'=HYPERLINK(1),-273319\\n'@SUM(A1),1234.50\\n"

Numbers stay numbers: a cell that is a plain number in machine notation (``-273319``,
``+12``, ``-0.50``; also ``Decimal`` and ``int`` values) is written unchanged, so a
negative amount is still a negative amount in the spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def spreadsheet_cell(value: object) -> object:
    """``value`` as a CSV cell that a spreadsheet shows as written (numbers unchanged)."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_row(row: Iterable[object]) -> list[object]:
    return [spreadsheet_cell(value) for value in row]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (comma, ``\\n`` line ends) with every cell made safe for a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spreadsheet_row(header))
    for row in rows:
        writer.writerow(spreadsheet_row(row))
    return buffer.getvalue()


__all__ = ["FORMULA_STARTS", "csv_text", "spreadsheet_cell", "spreadsheet_row"]
