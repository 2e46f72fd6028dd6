"""The annual report as the document the board signs: everything in it, from the books.

- the association's name, organisation number and seat (``organisation.py``);
- the board's förvaltningsberättelse and the accounting principles, texts in the books'
  folder (``report_texts.py``);
- the parts of the förvaltningsberättelse computed from the books: a flerårsöversikt of
  the years the books hold (at most :data:`OVERVIEW_YEARS`), förändring av eget kapital
  and the funds at the annual meeting's disposal with the proposal to carry them forward;
- resultaträkning, balansräkning and the notes exactly as ``bergslaget report`` computes
  them (``statements.build_annual_report``);
- the board members who sign and the auditor (``board.py``).

A year without its year-end directive (``custom "bokslut"``; the report is preliminary,
``AnnualReport.preliminary``) gives a draft: marked "Utkast" on the title page, with the
report's remarks, and in the footer of every page.

:func:`build_annual_document` refuses (``ReportError``) with every reason at once when a
part is missing or the report's own checks fail; there is no document with a gap.
``render.document_as_html`` and ``render.document_as_pdf`` print it.

The computed parts take their figures from the printed statements, so they agree with
them to the krona: the equity lines at the two year ends and the year's result. In
förändring av eget kapital, what moved between the equity lines apart from the year's
result is the annual meeting's disposition of last year's result; a change of total
equity other than the result is shown on a line of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core.data import Directive

from bergslaget_plugins.board import Board, read_board
from bergslaget_plugins.chart import (
    INCOME_STATEMENT,
    RESULT_LABEL,
    SECTIONS_BY_TITLE,
    Chart,
    read_chart,
)
from bergslaget_plugins.organisation import Organisation, read_organisation
from bergslaget_plugins.report_texts import ReportTexts, read_report_texts
from bergslaget_plugins.statements import (
    AnnualReport,
    PostingTotals,
    ReportError,
    RowKind,
    Table,
    TableRow,
    build_annual_report,
    query_posting_totals,
)

#: The flerårsöversikt shows the report's year and up to three years before it.
OVERVIEW_YEARS = 4
EQUITY = SECTIONS_BY_TITLE["Eget kapital"]


@dataclass(frozen=True)
class AnnualDocument:
    """The annual report of ``year`` as the board signs it."""

    organisation: Organisation
    year: int
    report: AnnualReport
    overview: Table
    equity_changes: Table
    disposition: Table
    texts: ReportTexts
    board: Board
    #: No year-end (``custom "bokslut"``) for the year yet: the document is a draft, not to be signed.
    draft: bool = False


def _problem(error: Any) -> str:
    source = error.source or {}
    return f"{source.get('filename')}:{source.get('lineno')}: {error.message}"


def _years_with_results(chart: Chart, totals: PostingTotals, year: int) -> list[int]:
    """The years up to ``year`` (at most OVERVIEW_YEARS) in which the books hold income or costs."""
    booked = {
        booked_year for (account, booked_year), amount in totals.by_account.items()
        if amount and booked_year <= year
        and (section := chart.section_of_account(account)) is not None and section.statement == INCOME_STATEMENT
    }
    booked.add(year)
    return sorted(booked)[-OVERVIEW_YEARS:]


def multi_year_overview(reports: Sequence[AnnualReport]) -> Table:
    """Income, result, equity and total assets of each year, oldest first, from each year's statements."""
    income_sum, equity_sum = SECTIONS_BY_TITLE["Intäkter"].sum_label, EQUITY.sum_label
    assets_sum = SECTIONS_BY_TITLE["Tillgångar"].sum_label
    rows = (
        TableRow("Verksamhetens intäkter", "rad", tuple(r.income_statement.row(income_sum).values[-1] for r in reports)),
        TableRow("Årets resultat", "rad", tuple(r.income_statement.row(RESULT_LABEL).values[-1] for r in reports)),
        TableRow("Eget kapital vid årets slut", "rad", tuple(r.balance_sheet.row(equity_sum).values[-1] for r in reports)),
        TableRow("Balansomslutning", "rad", tuple(r.balance_sheet.row(assets_sum).values[-1] for r in reports)),
    )
    return Table("Flerårsöversikt", tuple(str(r.year) for r in reports), rows)


def _equity_lines(chart: Chart) -> tuple[tuple[str, ...], str | None]:
    """The labels of the equity lines and of the one that carries the year's result."""
    labels = tuple(line.label for line in chart.lines_of(EQUITY))
    result_line = chart.earnings_line("current")
    return labels, result_line.label if result_line is not None else None


def equity_changes(report: AnnualReport, chart: Chart) -> Table:
    """Förändring av eget kapital: each equity line from the opening to the closing balance."""
    labels, result_line = _equity_lines(chart)
    sheet = report.balance_sheet
    opening = tuple(sheet.row(label).values[0] for label in labels)
    closing = tuple(sheet.row(label).values[1] for label in labels)
    year_result = report.income_statement.row(RESULT_LABEL).values[-1]
    result = tuple(year_result if label == result_line else Decimal(0) for label in labels)
    moved = tuple(c - o - r for o, c, r in zip(opening, closing, result))

    def row(label: str, kind: RowKind, values: tuple[Decimal, ...]) -> TableRow:
        return TableRow(label, kind, (*values, sum(values, Decimal(0))))

    rows = [row(f"Belopp vid årets ingång ({report.year - 1}-12-31)", "rad", opening)]
    if any(moved):
        moved_label = "Disposition enligt årsmötets beslut" if sum(moved) == 0 else "Disposition och övriga förändringar"
        rows.append(row(moved_label, "rad", moved))
    rows.append(row("Årets resultat", "rad", result))
    rows.append(row(f"Belopp vid årets utgång ({report.year}-12-31)", "summa", closing))
    return Table("Förändring av eget kapital", (*labels, EQUITY.sum_label), tuple(rows))


def result_disposition(report: AnnualReport, chart: Chart) -> Table:
    """The funds at the annual meeting's disposal and the board's proposal: carried forward."""
    labels, _ = _equity_lines(chart)
    values = tuple(report.balance_sheet.row(label).values[1] for label in labels)
    total = sum(values, Decimal(0))
    rows = (
        TableRow("Till årsmötets förfogande står", "rubrik"),
        *(TableRow(label, "rad", (value,)) for label, value in zip(labels, values)),
        TableRow("Summa", "summa", (total,)),
        TableRow("Styrelsen föreslår att medlen disponeras så att", "rubrik"),
        TableRow("i ny räkning balanseras", "rad", (total,)),
        TableRow("Summa", "summa", (total,)),
    )
    return Table("Förslag till disposition av resultatet", ("Kronor",), rows)


@dataclass(frozen=True)
class DocumentParts:
    """What the document takes from the books besides the figures; ``problems`` if a part is missing."""

    organisation: Organisation | None
    texts: ReportTexts | None
    board: Board | None
    problems: tuple[str, ...]


def read_parts(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> DocumentParts:
    """The association's facts, the texts and the board for ``year`` (cheap: no figures are computed)."""
    organisation, organisation_errors = read_organisation(entries)
    texts, text_errors = read_report_texts(entries, options, year)
    board, board_errors = read_board(entries, year)
    problems = tuple(_problem(error) for error in (*organisation_errors, *text_errors, *board_errors))
    return DocumentParts(organisation, texts, board, problems)


def build_annual_document(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> AnnualDocument:
    """The document for ``year``; ReportError with every reason if a part cannot be made."""
    parts = read_parts(entries, options, year)
    problems = list(parts.problems)
    organisation, texts, board = parts.organisation, parts.texts, parts.board
    chart, _ = read_chart(entries, options)
    totals = query_posting_totals(entries, options)
    reports: list[AnnualReport] = []
    for report_year in _years_with_results(chart, totals, year):
        try:
            reports.append(build_annual_report(entries, options, report_year, totals))
        except ReportError as error:
            problems.extend(error.problems if report_year == year else
                            [f"Flerårsöversikten: årsredovisningen för {report_year} kan inte upprättas: {p}" for p in error.problems])
    if problems or organisation is None or texts is None or board is None:
        raise ReportError(problems)
    report = reports[-1]
    return AnnualDocument(
        organisation=organisation,
        year=year,
        report=report,
        overview=multi_year_overview(reports),
        equity_changes=equity_changes(report, chart),
        disposition=result_disposition(report, chart),
        texts=texts,
        board=board,
        draft=report.preliminary,
    )


__all__ = [
    "OVERVIEW_YEARS",
    "AnnualDocument",
    "DocumentParts",
    "build_annual_document",
    "equity_changes",
    "multi_year_overview",
    "read_parts",
    "result_disposition",
]
