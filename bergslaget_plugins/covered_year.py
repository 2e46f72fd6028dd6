"""The one check that a command's ``--year`` is a year the books cover.

Every command that reads a year out of the books (``report``, ``journal``, ``ledger``,
``trial-balance``, ``sie export``, ``check``, ``invoices``) refuses a year outside the
first to the last year with a transaction, with the same message::

    $ bergslaget journal --year 1999
    Rapporten kan inte upprättas:
      - Bokföringen omfattar 2021–2022; året 1999 finns inte i den

(``fees --year`` previews the next year's fees and ``year open`` opens a new year, so
they take years after the books by design.)
"""

from __future__ import annotations

from collections.abc import Sequence

from beancount.core.data import Directive

from bergslaget_plugins import fiscal
from bergslaget_plugins.statements import ReportError


def require_covered_year(entries: Sequence[Directive], year: int) -> None:
    """Raise ReportError unless ``year`` lies within the years the books' transactions cover."""
    covered = fiscal.years_with_transactions(entries)
    if not covered:
        raise ReportError(["Bokföringen har inga transaktioner"])
    if year not in covered:
        raise ReportError([f"Bokföringen omfattar {covered[0]}–{covered[-1]}; året {year} finns inte i den"])
