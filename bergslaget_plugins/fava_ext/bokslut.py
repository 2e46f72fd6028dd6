"""Fava page Bokslut: the year's checklist (``year_check.year_checklist``), as ``bergslaget
check --year`` prints it, for the accountant and the auditor.

The year is the one of Fava's time filter; without a filter the last closed year. Each
item is ✓ / ✗ / – with what the books show, what to do and where (file:line). The
figures come from ``year_check.py``; this module and its template only render them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fava.ext import FavaExtensionBase

from bergslaget_plugins.dashboards import PageYear
from bergslaget_plugins.fava_ext import _Page
from bergslaget_plugins.year_check import YearChecklist, year_checklist


@dataclass(frozen=True)
class ChecklistPage:
    period: PageYear | None
    checklist: YearChecklist | None
    #: Why there is no checklist: the books' errors (file:line) or an unreadable time filter.
    problems: tuple[str, ...] = ()


class Bokslut(_Page, FavaExtensionBase):
    """Bokslut: what the chosen year has and still lacks before its year-end."""

    report_title = "Bokslut"

    def page(self) -> ChecklistPage:
        period = self.period()
        if self.refusal():
            return ChecklistPage(period, None, self.refusal())
        if period is None:
            return ChecklistPage(None, None, ("Bokföringen har inga transaktioner.",))
        root = Path(self.ledger.beancount_file_path).resolve().parent
        checklist = self.figures(("year checklist", period.year), lambda: year_checklist(
            self.ledger.all_entries, self.ledger.options, period.year, root))
        return ChecklistPage(period, checklist)
