"""Check the year-end (bokslut) directives; the year's result is not booked over.

The accountant closes a year with one directive on its last day::

    plugin "bergslaget_plugins.year_end"

    2022-12-31 custom "bokslut" "Årsbokslut 2022"

This plugin reports a year-end directive that is not dated 31 December or that repeats a
year, at its file and line. It books nothing: the year's result stays on the income and
expense accounts, so that Income + Expenses of a year is the year's result in every view
(a plain query, Fava's own Resultaträkning, SIE #RES). Beancount's options in
``main.beancount`` name the equity account that carries it (leaf names under ``Equity``)::

    option "account_previous_earnings" "2069-Årets-resultat"
    option "account_current_earnings" "2069-Årets-resultat"

The annual meeting's decision on the result is booked by hand, e.g.::

    2022-05-12 * "Disposition av 2021 års resultat enligt årsmötets beslut 2022-05-12"
      Equity:2067-Balanserat-resultat  424259 SEK
      Equity:2069-Årets-resultat  -424259 SEK
"""

from __future__ import annotations

from typing import Any

from beancount.core.data import Directive

from bergslaget_plugins.fiscal import FiscalYearError, year_end_directives

__plugins__ = ("check_year_ends",)


def check_year_ends(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[FiscalYearError]]:
    """Return the entries unchanged, with an error for each misplaced year-end directive."""
    _, errors = year_end_directives(entries)
    return entries, errors
