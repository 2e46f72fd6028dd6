"""The association's financial years and their year-end (bokslut) directives.

The accountant declares that a year is to be closed with one directive on its last
day::

    2022-12-31 custom "bokslut" "Årsbokslut 2022"

The year-end rules (holiday pay, special payroll tax on pensions, the transfer of the
year's result) book their entries on that date, and reports default to the last
closed year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive, Transaction

from bergslaget_plugins.entry_index import directives_of

YEAR_END_TYPE = "bokslut"
#: The verification series of the entries the year-end rules book (holiday pay, special payroll tax).


class FiscalYearError(NamedTuple):
    """A year-end directive that is not on 31 December or that is repeated."""

    source: dict[str, Any]
    message: str
    entry: Directive


def year_end_directives(entries: Sequence[Directive]) -> tuple[dict[int, Custom], list[FiscalYearError]]:
    """The ``custom "bokslut"`` directives by year, with errors for misplaced ones."""
    by_year: dict[int, Custom] = {}
    errors: list[FiscalYearError] = []
    for entry in directives_of(entries):
        if not (isinstance(entry, Custom) and entry.type == YEAR_END_TYPE):
            continue
        if (entry.date.month, entry.date.day) != (12, 31):
            errors.append(FiscalYearError(entry.meta, "Bokslut ska dateras räkenskapsårets sista dag (31 december)", entry))
            continue
        if entry.date.year in by_year:
            errors.append(FiscalYearError(entry.meta, f"Bokslut för {entry.date.year} är redan angivet", entry))
            continue
        by_year[entry.date.year] = entry
    return by_year, errors


def last_closed_year(entries: Sequence[Directive]) -> int | None:
    """The latest year with a year-end directive; else the year before the latest transaction."""
    closed, _ = year_end_directives(entries)
    if closed:
        return max(closed)
    dates = [entry.date for entry in entries if isinstance(entry, Transaction)]
    return max(dates).year - 1 if dates else None



def years_with_transactions(entries: Sequence[Directive]) -> range:
    """The years from the first to the last transaction of the books (empty if there is none)."""
    years = [entry.date.year for entry in entries if isinstance(entry, Transaction)]
    return range(min(years), max(years) + 1) if years else range(0)
