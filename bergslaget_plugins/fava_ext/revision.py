"""Fava page Revision: the auditor's lists of a year, chosen on the page.

- **Råbalans**: per account opening balance, the year's debit and credit, closing balance;
  each account links to its general ledger.
- **Huvudbok** of one account: opening balance, each posting with date, verification,
  text, amount and running balance, closing balance; each verification links to the list.
- **Verifikationslista**: every verification of the year in series and number order
  (A2 before A10), generated ones included, with postings and totals; one series if chosen.

The year (``ar``), the list (``vy``), the account (``konto``, a BAS number) and the series
(``serie``) are chosen with a form on the page; both lists download as CSV, the same
as ``bergslaget journal --format csv`` and ``bergslaget ledger --format csv``. The
figures come from :mod:`bergslaget_plugins.journal` and
:mod:`bergslaget_plugins.general_ledger`; this module only chooses and renders. The
page covers the whole books of the chosen year: Fava's filters do not apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from beancount.core.data import Transaction

from flask import Response, request

from fava.application import url_for
from fava.ext import FavaExtensionBase

from bergslaget_plugins import fiscal
from bergslaget_plugins.general_ledger import GeneralLedger, build_general_ledger, ledger_as_csv
from bergslaget_plugins.journal import Journal, build_journal, journal_as_csv
from bergslaget_plugins.load_memo import FIGURES
from bergslaget_plugins.locking import YearRecord, read_lock_state
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.statements import ReportError
from bergslaget_plugins.fava_ext import _Page
from bergslaget_plugins.fava_ext.fava_api import endpoint, loaded_books

VIEWS = {"rabalans": "Råbalans", "huvudbok": "Huvudbok", "verifikationer": "Verifikationslista"}


@dataclass(frozen=True)
class RevisionPage:
    year: int | None
    years: tuple[int, ...]
    view: str
    account: str | None
    series: str | None
    ledger: GeneralLedger | None
    journal: Journal | None
    problems: tuple[str, ...]
    #: The year's lock record if the year is locked (``bergslaget lock``), else None.
    lock: YearRecord | None = None

    @property
    def all_series(self) -> tuple[str, ...]:
        return tuple(sorted({v.series for v in self.journal.verifications})) if self.journal else ()


class Revision(_Page, FavaExtensionBase):
    """Revision: råbalans, huvudbok and verifikationslista of the chosen year."""

    report_title = "Revision"
    ledger: Any
    views = VIEWS

    belopp = staticmethod(format_swedish)

    def _years(self) -> tuple[int, ...]:
        entries, _ = loaded_books(self.ledger)
        return FIGURES.value(entries, "revision years", lambda: tuple(sorted(
            {entry.date.year for entry in entries if isinstance(entry, Transaction)}, reverse=True)))

    def _general_ledger(self, year: int) -> GeneralLedger:
        entries, options = loaded_books(self.ledger)
        return FIGURES.value(entries, ("revision general ledger", year), lambda: build_general_ledger(entries, options, year))

    def _journal(self, year: int, series: str | None) -> Journal:
        entries, _ = loaded_books(self.ledger)
        return FIGURES.value(entries, ("revision journal", year, series), lambda: build_journal(entries, year, series=series))

    def _chosen(self) -> tuple[int | None, tuple[int, ...], str, str | None, str | None]:
        years = self._years()
        default = fiscal.last_closed_year(loaded_books(self.ledger)[0])
        text = request.args.get("ar", "")
        year = int(text) if text.isdigit() and int(text) in years else (default if default in years else (years[0] if years else None))
        view = request.args.get("vy", "rabalans")
        view = view if view in VIEWS else "rabalans"
        account = request.args.get("konto", "").strip() or None
        series = request.args.get("serie", "").strip() or None
        return year, years, view, account, series

    def page(self) -> RevisionPage:
        year, years, view, account, series = self._chosen()
        refusal = self.refusal()  # the books' errors (file:line) or an unreadable time filter, as on the other pages
        if refusal:
            return RevisionPage(None, years, view, account, series, None, None, refusal)
        if year is None:
            return RevisionPage(None, years, view, account, series, None, None, ("Bokföringen har inga transaktioner.",))
        ledger = self._general_ledger(year)
        journal = self._journal(year, None)
        problems: tuple[str, ...] = ()
        if view == "huvudbok" and account is not None:
            chosen = ledger.account(account)
            if chosen is None:
                problems = (f"Konto {account} har varken ingående balans eller transaktioner {year}.",)
            ledger = GeneralLedger(ledger.year, ledger.begin, ledger.end, (chosen,) if chosen else ())
        if view == "verifikationer" and series is not None:
            journal = self._journal(year, series)
        state = FIGURES.value(self.ledger.all_entries, "revision lock state",
                              lambda: read_lock_state(self.ledger.all_entries)[0])
        lock = state.records.get(year) if state.is_locked(year) else None
        return RevisionPage(year, years, view, account, series, ledger, journal, problems, lock)

    def url(self, **values: Any) -> str:
        """This page with other choices (``ar``, ``vy``, ``konto``, ``serie``)."""
        return url_for("extension_report", extension_name=self.name, **{k: v for k, v in values.items() if v is not None})

    def csv_url(self, page: RevisionPage) -> str:
        values = {"ar": page.year, "vy": page.view, "konto": page.account, "serie": page.series}
        return f"{url_for('index')}extension/{self.name}/csv?" + urlencode({k: v for k, v in values.items() if v is not None})

    @endpoint("csv")
    def csv(self) -> Response:
        """The chosen list as CSV: verifikationslista or huvudbok (råbalans: the whole huvudbok)."""
        page = self.page()
        if page.year is None or page.problems:
            return Response("\n".join(page.problems) + "\n", status=404, mimetype="text/plain")
        if page.view == "verifikationer" and page.journal is not None:
            name, text = f"verifikationslista-{page.year}.csv", journal_as_csv(page.journal)
        elif page.ledger is not None:
            suffix = f"-{page.account}" if page.view == "huvudbok" and page.account else ""
            name, text = f"huvudbok-{page.year}{suffix}.csv", ledger_as_csv(page.ledger)
        else:  # pragma: no cover - page() always gives one of them
            raise ReportError(["Ingen lista"])
        return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})
