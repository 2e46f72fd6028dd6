"""Fava pages for the board and the auditor of Intresseföreningen Bergslaget.

    2020-01-01 custom "fava-extension" "bergslaget_plugins.fava_ext"

adds these pages to Fava's sidebar:

- **Årsredovisning** (``Arsredovisning``): resultaträkning with the previous year and
  the budget, balansräkning and Not 1–5, from ``statements.build_annual_report`` (the
  same function as ``bergslaget report``), each line linked to the accounts and the
  journal behind it; also as CSV (``.../Arsredovisning/csv``), and the whole annual
  report to sign (``annual_document.py``) as PDF (``.../Arsredovisning/pdf``) and as an
  HTML page to print (``.../Arsredovisning/utskrift``); both refuse while the books have errors.
- **Budget**: budget against outcome per line, for the year and the year to date, and
  the cumulative result against the cumulative budget month by month.
- **Medlemsavgifter**: each member's fee invoice: invoiced, paid, outstanding, days
  overdue, OCR number, and the invoice as PDF: its archived copy (``bergslaget invoices
  --archive``), else made from the books on request (``.../Medlemsavgifter/faktura?nummer=2022101``,
  only for invoices booked in the books).
- **Översikt** (``Oversikt``): key figures, the bank balance and income and costs per month.
- **Bokslut**: the year's checklist (``bokslut.py``, from ``year_check.py``).

The year is the one of Fava's time filter (``?time=2022``); without a filter the last
closed year. Account and advanced filters are ignored: the pages always cover the
whole books. The figures are computed in ``dashboards.py`` and ``statements.py``; this
module only turns them into HTML and inline SVG (no JavaScript). Only the parts of
Fava's extension API that have been stable for years are used: ``FavaExtensionBase``,
``report_title``, ``extension_endpoint``, ``g.filtered.date_range`` and ``url_for``.
"""

from __future__ import annotations

import datetime
import html
import math
import re
from urllib.parse import urlencode
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from flask import Response, request
from markupsafe import Markup

from fava.application import url_for
from fava.context import g
from fava.core.filters import FilterError
from beancount.core.data import Directive
from fava.ext import FavaExtensionBase

from bergslaget_plugins import dashboards, fiscal, load_memo
from bergslaget_plugins.annual_document import AnnualDocument, build_annual_document, read_parts
from bergslaget_plugins.chart import RESULT_LABEL, SECTIONS_BY_TITLE, Chart
from bergslaget_plugins.dashboards import ChartData, PageYear
from bergslaget_plugins.fava_ext.fava_api import endpoint
from bergslaget_plugins.fee_invoices import invoice_document, refused_members
from bergslaget_plugins.invoice_documents import archived_invoice_copies
from bergslaget_plugins.invoice_pdf import invoice_pdf
from bergslaget_plugins.money import format_kronor, format_swedish
from bergslaget_plugins.render import document_as_html, document_as_pdf, report_as_csv, table_as_html
from bergslaget_plugins.roles import read_roles
from bergslaget_plugins.load_memo import FIGURES
from bergslaget_plugins.statements import AnnualReport, PostingTotals, ReportError, Table
from bergslaget_plugins.typesetting import TypesettingUnavailable

_T = TypeVar("_T")


# -- formatting helpers used by the templates -------------------------------------------------

def whole_kronor(value: Decimal | None) -> str:
    """Whole kronor the Swedish way (``-1 234``); a dash for no value."""
    return "–" if value is None else format_kronor(value)


def procent(value: Decimal | None) -> str:
    """Per cent with a decimal comma (``-12,3 %``); a dash when there is no budget."""
    return "–" if value is None else f"{format_swedish(value, 1)}\u00a0%"


_REGEX_SPECIAL = re.compile(r"([.^$*+?{}\[\]\\|()])")


def regex_literal(text: str) -> str:
    """``text`` as a regular expression matching itself; unlike re.escape, leaves - : and spaces readable."""
    return _REGEX_SPECIAL.sub(r"\\\1", text)


def datum(value: datetime.date | None) -> str:
    return "–" if value is None else value.isoformat()


# -- inline SVG charts ---------------------------------------------------------------------------

CHART_WIDTH = 760
CHART_HEIGHT = 300
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 92, 40, 34, 36


def _nice_step(span: Decimal, target_ticks: int = 5) -> Decimal:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``target_ticks`` ticks."""
    if span <= 0:
        return Decimal(1)
    raw = span / target_ticks
    power = Decimal(10) ** (len(str(int(raw))) - 1) if raw >= 1 else Decimal(1)
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power  # pragma: no cover - the loop ends at 10 x power


def _ticks(values: Sequence[Decimal]) -> list[Decimal]:
    low, high = min((*values, Decimal(0))), max((*values, Decimal(0)))
    step = _nice_step(high - low)
    first = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
    last = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
    if first == last:
        last = first + step
    ticks, tick = [], first
    while tick <= last:
        ticks.append(tick)
        tick += step
    return ticks


@dataclass(frozen=True)
class _ChartPlot:
    """Where a chart's values and labels go inside the SVG: the y range (first and last tick)
    and the number of labels along the x axis."""

    kind: str
    low: Decimal
    high: Decimal
    points: int
    width: int = CHART_WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT
    height: int = CHART_HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM

    def y(self, value: Decimal) -> float:
        return _MARGIN_TOP + self.height * float((self.high - value) / (self.high - self.low))

    def x_center(self, index: int) -> float:
        if self.kind == "stapel":
            return _MARGIN_LEFT + self.width * (index + 0.5) / self.points
        return _MARGIN_LEFT + (self.width * index / (self.points - 1) if self.points > 1 else self.width / 2)


def svg_chart(chart: ChartData) -> Markup:
    """The chart as inline SVG: axes in kronor, a legend, and a ``<title>`` on every point or bar."""
    values = [v for series in chart.series for v in series.values if v is not None]
    ticks = _ticks(values or [Decimal(0)])
    plot = _ChartPlot(chart.kind, ticks[0], ticks[-1], len(chart.labels))
    esc = html.escape
    parts = [
        f'<svg class="bergslaget-diagram" viewBox="0 0 {CHART_WIDTH} {CHART_HEIGHT}" role="img" '
        f'aria-label="{esc(chart.title)}" data-diagram="{esc(chart.title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{esc(chart.title)}</title><desc>{esc(chart.description)}</desc>",
        *_svg_axes(chart, plot, ticks),
        *(_svg_bars(chart, plot) if chart.kind == "stapel" else _svg_lines(chart, plot)),
        *_svg_legend(chart),
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text in the parts is escaped


def _svg_axes(chart: ChartData, plot: _ChartPlot, ticks: Sequence[Decimal]) -> list[str]:
    """The horizontal grid lines with their amounts, and the labels along the x axis."""
    esc = html.escape
    parts = []
    for tick in ticks:
        cls = "noll" if tick == 0 else "stodlinje"
        parts.append(f'<line class="{cls}" x1="{_MARGIN_LEFT}" x2="{CHART_WIDTH - _MARGIN_RIGHT}" '
                     f'y1="{plot.y(tick):.1f}" y2="{plot.y(tick):.1f}"/>')
        parts.append(f'<text class="yetikett" x="{_MARGIN_LEFT - 6}" y="{plot.y(tick) + 4:.1f}">'
                     f"{esc(format_kronor(tick))}</text>")
    # Every label up to 13 points; beyond that every third (quarter ends for month-end series).
    label_step = 1 if plot.points <= 13 else math.ceil((plot.points - 1) / 8)
    for index, label in enumerate(chart.labels):
        if index % label_step == 0:
            parts.append(f'<text class="xetikett" x="{plot.x_center(index):.1f}" '
                         f'y="{CHART_HEIGHT - _MARGIN_BOTTOM + 18}">{esc(label)}</text>')
    return parts


def _svg_bars(chart: ChartData, plot: _ChartPlot) -> list[str]:
    """A bar chart's bars, side by side per label, each with its figure as title."""
    esc = html.escape
    parts = []
    group = plot.width / plot.points
    bar = group * 0.8 / len(chart.series)
    for s_index, series in enumerate(chart.series):
        for index, value in enumerate(series.values):
            if value is None:
                continue
            left = _MARGIN_LEFT + group * index + group * 0.1 + bar * s_index
            top, bottom = sorted((plot.y(value), plot.y(Decimal(0))))
            parts.append(
                f'<rect class="serie-{esc(series.style)}" x="{left:.1f}" y="{top:.1f}" width="{bar:.1f}" '
                f'height="{max(bottom - top, 0.5):.1f}"><title>{esc(series.name)} {esc(chart.labels[index])}: '
                f"{esc(whole_kronor(value))} kr</title></rect>")
    return parts


def _svg_lines(chart: ChartData, plot: _ChartPlot) -> list[str]:
    """A line chart's lines and points, each point with its figure as title."""
    esc = html.escape
    parts = []
    for series in chart.series:
        points = [(plot.x_center(i), plot.y(v), chart.labels[i], v) for i, v in enumerate(series.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline class="serie-{esc(series.style)}" points="{path}"/>')
        for px, py, label, value in points:
            parts.append(f'<circle class="serie-{esc(series.style)}" cx="{px:.1f}" cy="{py:.1f}" r="3.5">'
                         f"<title>{esc(series.name)} {esc(label)}: {esc(whole_kronor(value))} kr</title></circle>")
    return parts


def _svg_legend(chart: ChartData) -> list[str]:
    """The legend above the plot: each series' colour and name."""
    esc = html.escape
    parts = []
    legend_x = _MARGIN_LEFT
    for series in chart.series:
        parts.append(f'<rect class="serie-{esc(series.style)} legend" x="{legend_x}" y="8" width="14" height="14"/>'
                     f'<text class="legendtext" x="{legend_x + 20}" y="20">{esc(series.name)}</text>')
        legend_x += 28 + 8 * len(series.name) + 20
    return parts


def chart_table(chart: ChartData) -> Markup:
    """The chart's figures as a table (inside a details element below the chart)."""
    esc = html.escape
    head = "".join(f'<th class="num">{esc(series.name)}</th>' for series in chart.series)
    rows = "".join(
        f"<tr><td>{esc(label)}</td>"
        + "".join(f'<td class="num">{esc(whole_kronor(series.values[index]))}</td>' for series in chart.series)
        + "</tr>"
        for index, label in enumerate(chart.labels)
    )
    return Markup(  # noqa: S704 - escaped above
        f'<details class="siffror"><summary>Visa siffrorna i diagrammet</summary>'
        f'<table class="bergslaget diagramdata" data-titel="{esc(chart.title)}"><thead><tr><th></th>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table></details>")


# -- the pages ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class YearLink:
    year: int
    url: str
    current: bool


@dataclass(frozen=True)
class StatementView:
    """A statement or note as HTML, with the accounts behind each of its lines."""

    table: Table
    html: Markup
    accounts: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]


#: The first line of a page that refuses books with errors.
BOOKS_HAVE_ERRORS = "Bokföringen har fel; rätta dem först (bean-check visar samma fel):"


class _Page:
    """What all pages share: the period from the time filter, links into Fava, formatting,
    and the figures of the loaded books, computed once per load (``load_memo.FIGURES``)."""

    ledger: Any
    name: str

    whole_kronor = staticmethod(whole_kronor)
    procent = staticmethod(procent)
    datum = staticmethod(datum)
    svg_chart = staticmethod(svg_chart)
    chart_table = staticmethod(chart_table)

    # -- figures, once per load of the books -----------------------------------------------
    def after_load_file(self) -> None:
        """Fava loaded the books (again): forget the figures of earlier loads."""
        FIGURES.keep_only(self.ledger.all_entries)

    def figures(self, key: Hashable, compute: Callable[[], _T], remember: tuple[type[BaseException], ...] = ()) -> _T:
        """``compute()`` once per load of the books, shared by all pages (see ``load_memo``)."""
        return FIGURES.value(self.ledger.all_entries, key, compute, remember)

    def posting_totals(self) -> PostingTotals:
        return load_memo.posting_totals(self.ledger.all_entries, self.ledger.options)

    def annual_report(self, year: int) -> AnnualReport:
        """The annual report for ``year``; ReportError if the books cannot give it."""
        return load_memo.annual_report(self.ledger.all_entries, self.ledger.options, year)

    # -- the period ----------------------------------------------------------------------
    def time_problem(self) -> str | None:
        """Why the time filter gives no year of the books (unreadable, or a year the books do not cover); None if it does."""
        time = self.time_filter()
        try:
            date_range = g.filtered.date_range
        except (FilterError, ValueError, OverflowError):  # Fava's parser raises ValueError for 2022-13, 0000
            return (f"Tidsfiltret {time!r} kan inte läsas: skriv ett år (2022), en månad (2022-03) "
                    f"eller en period (2022-01 - 2022-06)")
        if date_range is None:
            return None
        covered = self.figures("years with transactions", lambda: fiscal.years_with_transactions(self.ledger.all_entries))
        year = date_range.end_inclusive.year
        if year not in covered:
            span = f"{covered[0]}–{covered[-1]}" if covered else "inga år"
            return f"Tidsfiltret {time!r} slutar {year}; bokföringen omfattar {span}"
        return None

    def period(self) -> PageYear | None:
        """The year of the time filter (else the last closed year); None if there is none or the filter gives none."""
        if self.time_problem() is not None:
            return None
        date_range = g.filtered.date_range
        filter_end = date_range.end_inclusive if date_range else None
        today = datetime.date.today()
        return self.figures(("period", filter_end, today),
                            lambda: dashboards.choose_period(self.ledger.all_entries, filter_end, today))

    def time_filter(self) -> str:
        return request.args.get("time", "")

    def ignored_filters(self) -> bool:
        """True if an account or advanced filter is set; the pages always show the whole books."""
        return bool(request.args.get("account") or request.args.get("filter"))

    def load_errors(self) -> int:
        return len(self.ledger.errors)

    def book_errors(self) -> tuple[str, ...]:
        """Beancount's errors (the loader's and the plugins', as bean-check and the CLI see them)
        as ``file:line: message``; not Fava's own (options, import configuration)."""
        return tuple(f"{(error.source or {}).get('filename')}:{(error.source or {}).get('lineno')}: {error.message}"
                     for error in self.ledger.load_errors)

    def refusal(self) -> tuple[str, ...]:
        """Why the page shows no figures: the books have errors (like the CLI, which refuses them); empty if none."""
        errors = self.book_errors()
        if errors:
            return (BOOKS_HAVE_ERRORS, *errors)
        time_problem = self.time_problem()
        return (time_problem,) if time_problem else ()

    def errors_url(self) -> str:
        return url_for("report", report_name="errors")

    def time_url(self, time: str) -> str:
        """This page with another time filter."""
        return url_for("extension_report", extension_name=self.name, time=time)

    def year_links(self, period: PageYear | None) -> list[YearLink]:
        return [YearLink(year, self.time_url(str(year)),
                         period is not None and year == period.year and self.time_filter() in ("", str(year)))
                for year in self.figures("report years", lambda: dashboards.report_years(self.ledger.all_entries))]

    # -- links into Fava --------------------------------------------------------------------
    def _time(self, period: PageYear) -> dict[str, str]:
        return {} if self.time_filter() else {"time": str(period.year)}

    def account_url(self, account: str, period: PageYear) -> str:
        return url_for("account", name=account, **self._time(period))

    def journal_url(self, accounts: Sequence[str], period: PageYear, counterparty: str | None = None) -> str:
        """Fava's journal for exactly these accounts; for a note row, only that counterparty's postings."""
        values = {"account": "^(?:" + "|".join(regex_literal(a) for a in accounts) + ")$", **self._time(period)}
        if counterparty:
            values["filter"] = f'any(motpart:"^{regex_literal(counterparty)}$")'
        return url_for("report", report_name="journal", **values)

    def lines_url(self, accounts: Sequence[str], period: PageYear, counterparty: str | None = None) -> str:
        """One account: its page in Fava; several: the journal filtered to them."""
        if len(accounts) == 1 and not counterparty:
            return self.account_url(accounts[0], period)
        return self.journal_url(accounts, period, counterparty)

    def invoice_url(self, link: str) -> str:
        return url_for("report", report_name="journal", filter=f"^{link}")

    def chart(self) -> Chart:
        return load_memo.chart(self.ledger.all_entries, self.ledger.options)

    def fee_overview(self, period: PageYear) -> dashboards.FeeOverview:
        return self.figures(("fee overview", period.year, period.as_of),
                            lambda: dashboards.fee_overview(self.ledger.all_entries, period.year, period.as_of,
                                                            _receivable_account(self.ledger.all_entries, self.ledger.options)))

    def statement_view(self, table: Table, period: PageYear, chart: Chart, note_rows: bool = False) -> StatementView:
        links: dict[str, str] = {}
        accounts: list[tuple[str, tuple[tuple[str, str, str], ...]]] = []
        for row in table.rows:
            if not row.accounts:
                continue
            # A note row without a fixed row name is the postings of one counterparty.
            by_counterparty = note_rows and all(
                chart.accounts.get(a) is not None and chart.accounts[a].note_row is None for a in row.accounts)
            links[row.label] = self.lines_url(row.accounts, period, row.label if by_counterparty else None)
            accounts.append((row.label, tuple(
                (account, chart.accounts[account].name if account in chart.accounts else "", self.account_url(account, period))
                for account in row.accounts)))
        return StatementView(table, Markup(table_as_html(table, links)), tuple(accounts))  # noqa: S704


@dataclass(frozen=True)
class AnnualReportPage:
    period: PageYear | None
    report: AnnualReport | None
    problems: tuple[str, ...]
    statements: tuple[StatementView, ...] = ()
    #: Why the document to sign (PDF, HTML) cannot be made for the year: a missing text, board, ...
    document_problems: tuple[str, ...] = ()


class Arsredovisning(_Page, FavaExtensionBase):
    """Årsredovisning: the statements and notes of the chosen year, as ``bergslaget report`` prints them."""

    report_title = "Årsredovisning"

    def page(self) -> AnnualReportPage:
        period = self.period()
        if self.refusal():
            return AnnualReportPage(period, None, self.refusal())
        if period is None:
            return AnnualReportPage(None, None, ("Bokföringen har inga transaktioner.",))
        try:
            report = self.annual_report(period.year)
        except ReportError as error:
            return AnnualReportPage(period, None, tuple(error.problems))
        chart = self.chart()
        views = (
            self.statement_view(report.income_statement, period, chart),
            self.statement_view(report.balance_sheet, period, chart),
            *(self.statement_view(note, period, chart, note_rows=True) for note in report.notes),
        )
        parts = read_parts(self.ledger.all_entries, self.ledger.options, period.year)
        return AnnualReportPage(period, report, (), views, parts.problems)

    def download_url(self, endpoint: str, period: PageYear) -> str:
        # Fava's url_for takes the endpoint name as its first argument, so this one is built by hand.
        return f"{url_for('index')}extension/{self.name}/{endpoint}?" + urlencode({"time": self.time_filter() or period.year})

    def _report_or_problems(self) -> AnnualReport | Response:
        page = self.page()
        if page.report is None:
            text = "Årsredovisningen kan inte upprättas:\n" + "\n".join(f"- {p}" for p in page.problems) + "\n"
            return Response(text, status=409, mimetype="text/plain")
        return page.report

    @endpoint("csv")
    def csv(self) -> Response:
        """The report as CSV (``bergslaget report --format csv``)."""
        report = self._report_or_problems()
        if isinstance(report, Response):
            return report
        return Response(report_as_csv(report), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="arsredovisning-{report.year}.csv"'})

    def _document_or_problems(self) -> AnnualDocument | Response:
        """The year's annual report document, or a refusal: the books have errors or a part is missing."""
        if self.book_errors():
            text = ("Årsredovisningen upprättas inte: bokföringen har fel; rätta dem först:\n"
                    + "".join(f"- {error}\n" for error in self.book_errors()))
            return Response(text, status=409, mimetype="text/plain")
        period = self.period()
        problems: Sequence[str] = self.refusal() or ("Bokföringen har inga transaktioner.",)
        if period is not None:
            try:
                return build_annual_document(self.ledger.all_entries, self.ledger.options, period.year)
            except ReportError as error:
                problems = error.problems
        text = "Årsredovisningen kan inte upprättas:\n" + "".join(f"- {problem}\n" for problem in problems)
        return Response(text, status=409, mimetype="text/plain")

    @endpoint("utskrift")
    def utskrift(self) -> Response:
        """The annual report to sign as an HTML document for the browser (``bergslaget report --format html``)."""
        document = self._document_or_problems()
        if isinstance(document, Response):
            return document
        return Response(document_as_html(document), mimetype="text/html")

    @endpoint("pdf")
    def pdf(self) -> Response:
        """The annual report to sign as PDF (``bergslaget report --format pdf``), as a download."""
        document = self._document_or_problems()
        if isinstance(document, Response):
            return document
        try:
            pdf = document_as_pdf(document)
        except TypesettingUnavailable as error:
            return Response(f"{error}\n", status=503, mimetype="text/plain")
        return Response(pdf, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="arsredovisning-{document.year}.pdf"'})


@dataclass(frozen=True)
class BudgetPage:
    period: PageYear | None
    follow_up: dashboards.BudgetFollowUp | None
    chart: ChartData | None
    problems: tuple[str, ...]


class Budget(_Page, FavaExtensionBase):
    """Budget: budget against outcome per line of the income statement."""

    report_title = "Budget"

    def page(self) -> BudgetPage:
        period = self.period()
        if self.refusal():
            return BudgetPage(period, None, None, self.refusal())
        if period is None:
            return BudgetPage(None, None, None, ("Bokföringen har inga transaktioner.",))
        try:
            follow_up = self.figures(("budget follow-up", period), lambda: dashboards.budget_follow_up(
                self.ledger.all_entries, self.ledger.options, period, self.annual_report(period.year), self.posting_totals()),
                remember=(ReportError,))
        except ReportError as error:
            return BudgetPage(period, None, None, tuple(error.problems))
        return BudgetPage(period, follow_up, dashboards.cumulative_chart(follow_up), ())


def _receivable_account(entries: Sequence[Directive], options: Mapping[str, Any]) -> str:
    """The account of the role ``kundfordringar``: the same resolved roles as the plugins read."""
    roles, _ = read_roles(entries, options)
    return roles.account("kundfordringar")


class Medlemsavgifter(_Page, FavaExtensionBase):
    """Medlemsavgifter: the fee invoices of the year and what is paid of them."""

    report_title = "Medlemsavgifter"

    def page(self) -> dashboards.FeeOverview | None:
        """The year's fee invoices; None when there is no year or the books have errors (see ``refusal``)."""
        period = self.period()
        if period is None or self.refusal():
            return None
        return self.fee_overview(period)

    def _archived_copies(self) -> dict[str, str]:
        return self.figures("archived invoice copies", lambda: archived_invoice_copies(self.ledger.all_entries))

    def pdf_refusal(self, member: str, invoice_number: str) -> str | None:
        """Why no PDF of the invoice can be made (``file:line: message``); None when there is one to link."""
        if invoice_number in self._archived_copies():
            return None
        return self.figures("refused invoice members", lambda: refused_members(self.ledger.all_entries)).get(member)

    def pdf_url(self, invoice_number: str) -> str:
        """The archived copy of the invoice if there is one, else the PDF made on request."""
        archived = self._archived_copies().get(invoice_number)
        if archived is not None:
            return url_for("document", filename=archived)
        return f"{url_for('index')}extension/{self.name}/faktura?" + urlencode({"nummer": invoice_number})

    @endpoint("faktura")
    def faktura(self) -> Response:
        """The PDF of a booked fee invoice (``?nummer=2022101``), made from the books; read-only."""
        number = request.args.get("nummer", "")
        roles, _ = read_roles(self.ledger.all_entries, self.ledger.options)
        document, problems = invoice_document(self.ledger.all_entries, number, roles.account("kundfordringar"))
        if document is None:
            status = 404 if not problems else 409
            text = "\n".join(problems) or f"Ingen bokförd medlemsfaktura med nummer {number!r}"
            return Response(text, status=status, mimetype="text/plain")
        try:
            pdf = invoice_pdf(document)
        except TypesettingUnavailable as error:
            return Response(f"{error}\n", status=503, mimetype="text/plain")
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{document.number}.pdf"'})


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: Decimal
    note: str


@dataclass(frozen=True)
class OverviewPage:
    period: PageYear | None
    key_figures: tuple[KeyFigure, ...]
    charts: tuple[ChartData, ...]
    problems: tuple[str, ...]


class Oversikt(_Page, FavaExtensionBase):
    """Översikt: key figures of the annual report and charts of the bank and of each month."""

    report_title = "Översikt"

    def page(self) -> OverviewPage:
        period = self.period()
        if self.refusal():
            return OverviewPage(period, (), (), self.refusal())
        if period is None:
            return OverviewPage(None, (), (), ("Bokföringen har inga transaktioner.",))
        entries, options = self.ledger.all_entries, self.ledger.options
        bank = self.figures(("bank balance by month", period.year), lambda: dashboards.line_balance_by_month(
            entries, options, period.year, totals=self.posting_totals()))
        months = self.figures(("income and costs by month", period.year), lambda: dashboards.income_and_costs_by_month(
            entries, options, period.year, self.posting_totals()))
        charts = (
            *((dashboards.bank_chart(bank),) if bank else ()),
            dashboards.income_costs_chart(period.year, months),
        )
        try:
            report = self.annual_report(period.year)
        except ReportError as error:
            return OverviewPage(period, (), charts, tuple(error.problems))
        fees = self.fee_overview(period)
        year_end = f"per {period.year}-12-31"
        wanted = (
            (report.income_statement, RESULT_LABEL),
            (report.income_statement, SECTIONS_BY_TITLE["Intäkter"].sum_label),
            (report.income_statement, SECTIONS_BY_TITLE["Kostnader"].sum_label),
            (report.balance_sheet, dashboards.BANK_LINE),
            (report.balance_sheet, SECTIONS_BY_TITLE["Eget kapital"].sum_label),
        )
        figures = []
        for table, label in wanted:
            try:
                row = table.row(label)
            except KeyError:  # a layout without that line
                continue
            if table is report.income_statement:
                figures.append(KeyFigure(row.label, row.values[2], f"budget {whole_kronor(row.values[1])}"))
            else:
                figures.append(KeyFigure(row.label, row.values[1], year_end))
        figures.append(KeyFigure("Obetalda medlemsavgifter", fees.outstanding + fees.older_outstanding, f"per {fees.as_of}"))
        return OverviewPage(period, tuple(figures), charts, ())


from bergslaget_plugins.fava_ext.bokslut import Bokslut  # noqa: E402,F401  (a page of its own module)
from bergslaget_plugins.fava_ext.revision import Revision  # noqa: E402,F401  (a page of its own module)
