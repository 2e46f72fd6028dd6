"""A locked year's annual report must not change: its figures, recorded at locking, checked at every load.

The verifications of a locked year are locked one by one (:mod:`bergslaget_plugins.locking`),
but they do not decide the annual report alone: the chart's mapping (``rad``, ``notrad``
and ``namn`` on ``open`` directives, ``custom "rapportrad"``) and the earnings options do
too. Moving an account to another line would change a published figure without touching
a verification. So ``bergslaget lock`` also records every row of the year's resultaträkning,
balansräkning and notes, with its whole-krona figure for the year, as computed by
:func:`~bergslaget_plugins.statements.build_annual_report` (the same as ``bergslaget
report``); the year's digest covers them::

    2026-04-10 custom "låst siffra" 2022 "Resultaträkning" "Medlemsavgifter" 1029103
    2026-04-10 custom "låst siffra" 2022 "Balansräkning" "Kundfordringar" 0
    2026-04-10 custom "låst siffra" 2022 "Not 2 Övriga kortfristiga fordringar" "Fastighets AB Hushagen" 16061

At each load, the ``lock_check`` plugin computes the report of each locked year again and
reports, at the figure's line in the record, each row whose figure is not what it was,
and each row that appeared with a figure other than 0 or disappeared::

    ledger/2022/las.beancount:21: Låst år 2022: Balansräkning, raden Kundfordringar var 0,
      är nu 16 061; bokför en rättelse i ett öppet år eller lås upp året synligt …

A row that appears with 0 (a new ``rapportrad`` for a line without accounts yet) changes
no figure and passes; so does an account opened later. The report is computed only for
locked years, all of them from one table of posting sums (the report's own,
:func:`~bergslaget_plugins.statements.query_posting_totals`, summed once per load), so
books without locks cost nothing more. (Not through :mod:`bergslaget_plugins.load_memo`:
the plugin sees the list of entries before Beancount's own last plugins, not the list the
loader returns, so nothing there could be reused.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core.data import Directive

from bergslaget_plugins.locking import UNLOCK_TYPE, FigureKey, LockError, LockState, YearRecord
from bergslaget_plugins.money import format_kronor

if TYPE_CHECKING:
    from bergslaget_plugins.statements import AnnualReport, PostingTotals

_CORRECTION_HINT = (f'; bokför en rättelse i ett öppet år eller lås upp året synligt (custom "{UNLOCK_TYPE}" med skäl) '
                    "och lås det igen")


def report_figures(report: AnnualReport) -> dict[FigureKey, Decimal]:
    """Every row of the report's tables (headings aside) and its figure for the report's year,
    in the report's order. A label repeated in a table gets its number: ``Summa (2)``."""
    figures: dict[FigureKey, Decimal] = {}
    for table in report.tables:
        for row in table.rows:
            if row.kind == "rubrik" or not row.values:
                continue
            label, occurrence = row.label, 1
            while (table.title, label) in figures:
                occurrence += 1
                label = f"{row.label} ({occurrence})"
            figures[(table.title, label)] = row.values[-1] + 0  # -0 is 0
    return figures


def _changes(record: YearRecord, current: Mapping[FigureKey, Decimal]) -> list[LockError]:
    errors: list[LockError] = []
    year = record.year
    for (table, label), (recorded, directive) in record.figures.items():
        now = current.get((table, label))
        if now is None and recorded != 0:
            errors.append(LockError(directive.meta, f"Låst år {year}: {table}, raden {label} var {format_kronor(recorded)}, "
                                    f"finns inte längre{_CORRECTION_HINT}", directive))
        elif now is not None and now != recorded:
            errors.append(LockError(directive.meta, f"Låst år {year}: {table}, raden {label} var {format_kronor(recorded)}, "
                                    f"är nu {format_kronor(now)}{_CORRECTION_HINT}", directive))
    for (table, label), now in current.items():
        if (table, label) not in record.figures and now != 0:
            errors.append(LockError(record.entry.meta, f"Låst år {year}: {table}, raden {label} fanns inte, "
                                    f"är nu {format_kronor(now)}{_CORRECTION_HINT}", record.entry))
    return errors


def check_locked_figures(state: LockState, entries: Sequence[Directive], options: Mapping[str, Any]) -> list[LockError]:
    """The changed figures of every locked year's annual report (none computed without locked years)."""
    # Imported here: a load of books without locked years (most loads) needs no report.
    from bergslaget_plugins.statements import ReportError, build_annual_report, query_posting_totals

    errors: list[LockError] = []
    totals: PostingTotals | None = None
    for year in state.locked_years():
        record = state.records[year]
        totals = totals or query_posting_totals(entries, options)
        try:
            report = build_annual_report(entries, options, year, totals)
        except ReportError as refusal:
            errors.append(LockError(record.entry.meta, f"Låst år {year}: årsredovisningen kan inte längre upprättas "
                                    f"({'; '.join(refusal.problems)}){_CORRECTION_HINT}", record.entry))
            continue
        errors.extend(_changes(record, report_figures(report)))
    return errors


__all__ = ["check_locked_figures", "report_figures"]
