"""The figures of the board's and the auditor's pages in Fava, as plain typed data.

Fava's extension (``bergslaget_plugins.fava_ext``) only renders what these functions
return; the annual report itself is ``statements.build_annual_report`` and is never
recomputed here. What these functions add is what the annual report does not print:

- the budget against the outcome per income-statement line for the year *and for the
  year to date*; the full-year columns are the annual report's own (Budget and Bokslut
  columns), the year-to-date columns sum the same accounts (``chart``) with the same
  signs over [1 January, cut-off] and spread the budget exactly as Fava does
  (``budget.budget_for``);
- month by month series for charts: income and costs, the cumulative result against
  the cumulative budget, and the balance of the lines of the balance sheet such as Bank;
- the status of each membership fee invoice: invoiced, paid, outstanding and days
  overdue on a given day.

Periods. The year shown is the year of the last day of Fava's time filter, or with no
filter the last closed year (``fiscal.last_closed_year``). The *year to date* ends on
the last day with a transaction in that year, or on the last day of the time filter if
that is earlier (so ``time=2022-06`` gives budget and outcome up to 30 June). A closed
year's bokslut entries are dated 31 December, so for a closed year the year to date is
the whole year. The fee status is taken on the last day of the period, but never
later than today (an open year's invoices are not overdue in the future).

Amounts are Decimal kronor; lines are rounded to whole kronor one by one and sums are
sums of the rounded lines, as in the annual report.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from beancount.core.data import Directive, Transaction

from bergslaget_plugins import fiscal
from bergslaget_plugins.budget import BudgetEntry, budget_for, read_budgets
from bergslaget_plugins.chart import RESULT_LABEL, SECTIONS_BY_TITLE, Chart, ReportLine, read_chart
from bergslaget_plugins.generated import is_generated
from bergslaget_plugins.membership_fees import FeeSettings, booked_fee_invoices, invoice_link
from bergslaget_plugins.money import round_krona
from bergslaget_plugins.statements import AnnualReport, PostingTotals, RowKind, build_annual_report, query_posting_totals

#: Swedish month abbreviations, for chart axes and tables.
MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
INCOME = SECTIONS_BY_TITLE["Intäkter"]
COSTS = SECTIONS_BY_TITLE["Kostnader"]
BANK_LINE = "Bank"
HUNDRED = Decimal(100)
ONE_DAY = datetime.timedelta(days=1)
#: Resultat = Summa intäkter - Summa kostnader (both printed positive).
_RESULT_FACTOR = {INCOME.title: 1, COSTS.title: -1}


# -- periods --------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """The year a page shows and the days that bound its figures."""

    year: int
    #: Last day of the year to date (inclusive); None if the year has no transactions.
    to_date: datetime.date | None
    #: The day on which the fee status is taken (inclusive).
    as_of: datetime.date
    #: The last day of the time filter, or 31 December without a filter.
    last_day: datetime.date

    @property
    def begin(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)

    @property
    def to_date_is_whole_year(self) -> bool:
        return self.to_date == self.year_end

    @property
    def to_date_reason(self) -> str:
        """Why the year to date ends where it does, in Swedish."""
        if self.to_date is None:
            return f"inga bokförda verifikationer {self.year}"
        if self.to_date_is_whole_year:
            return "hela året"
        if self.to_date == self.last_day:
            return "tidsfiltrets sista dag"
        return "sista dagen med bokförda verifikationer"


def _transaction_dates(entries: Iterable[Directive], booked_only: bool = False) -> list[datetime.date]:
    """Dates of the transactions; with ``booked_only``, not those the rules (plugins) generate."""
    return [entry.date for entry in entries
            if isinstance(entry, Transaction) and not (booked_only and is_generated(entry))]


def choose_period(
    entries: Sequence[Directive], filter_end: datetime.date | None, today: datetime.date | None = None
) -> Period | None:
    """The period of a page: ``filter_end`` is the last day of Fava's time filter (or None).

    The year to date of a closed year (one with a ``bokslut`` directive) is the whole
    year; of an open year it ends on the last day with a booked transaction (entries
    generated by the rules, such as monthly releases of prepaid costs, do not move it).
    None if no filter names a year and the books have no transactions.
    """
    today = today or datetime.date.today()
    year = filter_end.year if filter_end is not None else fiscal.last_closed_year(entries)
    if year is None:
        return None
    last_day = filter_end if filter_end is not None else datetime.date(year, 12, 31)
    closed, _ = fiscal.year_end_directives(entries)
    if year in closed:
        to_date: datetime.date | None = last_day
    else:
        to_date = max((day for day in _transaction_dates(entries, booked_only=True)
                       if day.year == year and day <= last_day), default=None)
    return Period(year=year, to_date=to_date, as_of=min(last_day, today), last_day=last_day)


def report_years(entries: Sequence[Directive]) -> tuple[int, ...]:
    """The years worth a link: closed years, and later years with booked transactions."""
    closed, _ = fiscal.year_end_directives(entries)
    last_closed = max(closed, default=None)
    booked = _transaction_dates(entries, booked_only=True)
    later = {day.year for day in booked if last_closed is None or day.year > last_closed}
    if last_closed is None:
        # Without any bokslut, skip a year that holds nothing but an opening balance on 31 December.
        later = {year for year in later if any(day.year == year and (day.month, day.day) != (12, 31) for day in booked)}
    return tuple(sorted(set(closed) | later))


# -- line figures over any stretch of days ---------------------------------------------

def _line_outcome(chart: Chart, totals: PostingTotals, line: ReportLine, begin: datetime.date, end: datetime.date) -> Decimal:
    """A line's outcome in [begin, end], with the sign the statement prints."""
    return chart.line_value(line, lambda account: totals.between(account, begin, end))


def _line_budget(chart: Chart, budgets: Mapping[str, list[BudgetEntry]], line: ReportLine,
                 begin: datetime.date, end: datetime.date) -> Decimal:
    """A line's budget for [begin, end] (both included), spread as Fava spreads it."""
    return chart.line_value(line, lambda account: budget_for(budgets, account, begin, end + ONE_DAY))


def _month_end(year: int, month: int) -> datetime.date:
    return (datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)) - ONE_DAY


# -- budget -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    """Budget and outcome of one row over one stretch of days, in whole kronor."""

    budget: Decimal
    outcome: Decimal

    @property
    def deviation(self) -> Decimal:
        """Utfall minus budget (printed signs: more income or more costs is positive)."""
        return self.outcome - self.budget

    @property
    def deviation_percent(self) -> Decimal | None:
        """The deviation in per cent of the budget, one decimal; None without a budget."""
        if not self.budget:
            return None
        return (self.deviation * HUNDRED / abs(self.budget)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class BudgetRow:
    """A row of the budget follow-up, in the order and with the labels of the income statement."""

    label: str
    kind: RowKind
    #: True for cost rows: there an outcome above budget is unfavourable.
    is_cost: bool
    accounts: tuple[str, ...] = ()
    year: Comparison | None = None
    to_date: Comparison | None = None

    def favourable(self, comparison: Comparison) -> bool:
        return comparison.deviation <= 0 if self.is_cost else comparison.deviation >= 0


@dataclass(frozen=True)
class CumulativePoint:
    """The result from 1 January to the end of a month: budget, and outcome if the month has begun."""

    month: int
    day: datetime.date
    budget: Decimal
    outcome: Decimal | None


@dataclass(frozen=True)
class BudgetFollowUp:
    year: int
    to_date: datetime.date | None
    rows: tuple[BudgetRow, ...]
    cumulative: tuple[CumulativePoint, ...]

    def row(self, label: str) -> BudgetRow:
        for row in self.rows:
            if row.label == label and row.kind != "rubrik":
                return row
        raise KeyError(label)


def budget_follow_up(
    entries: Sequence[Directive], options: Mapping[str, Any], period: Period, report: AnnualReport | None = None
) -> BudgetFollowUp:
    """Budget against outcome per income-statement line; ReportError if the report refuses.

    The full-year figures are the annual report's Budget and Bokslut columns.
    """
    report = report or build_annual_report(entries, options, period.year)
    chart, _ = read_chart(entries, options)
    budgets, _ = read_budgets(entries)
    totals = query_posting_totals(entries, options)
    begin = period.begin

    to_date: dict[str, Comparison] = {}
    if period.to_date is not None:
        section_sums: dict[str, Comparison] = {}
        for section in (INCOME, COSTS):
            budget_total = outcome_total = Decimal(0)
            for line in chart.lines_of(section):
                comparison = Comparison(
                    round_krona(_line_budget(chart, budgets, line, begin, period.to_date)),
                    round_krona(_line_outcome(chart, totals, line, begin, period.to_date)),
                )
                to_date[line.label] = comparison
                budget_total += comparison.budget
                outcome_total += comparison.outcome
            section_sums[section.title] = to_date[section.sum_label] = Comparison(budget_total, outcome_total)
        income, costs = section_sums[INCOME.title], section_sums[COSTS.title]
        to_date[RESULT_LABEL] = Comparison(income.budget - costs.budget, income.outcome - costs.outcome)

    rows: list[BudgetRow] = []
    is_cost = False
    for row in report.income_statement.rows:
        if row.kind == "rubrik":
            is_cost = row.label == COSTS.title
            rows.append(BudgetRow(row.label, "rubrik", is_cost))
            continue
        if row.label == RESULT_LABEL:
            is_cost = False
        _, budget, outcome = row.values
        rows.append(BudgetRow(row.label, row.kind, is_cost, row.accounts, Comparison(budget, outcome),
                              to_date.get(row.label)))
    return BudgetFollowUp(period.year, period.to_date, tuple(rows),
                          cumulative_result(chart, budgets, totals, period))


def cumulative_result(chart: Chart, budgets: Mapping[str, list[BudgetEntry]], totals: PostingTotals, period: Period) -> tuple[CumulativePoint, ...]:
    """Result from 1 January to each month's end: budget all year, outcome up to the year to date."""
    points = []
    for month in range(1, 13):
        end = _month_end(period.year, month)
        budget = sum((_RESULT_FACTOR[section.title] * _line_budget(chart, budgets, line, period.begin, end)
                      for section in (INCOME, COSTS) for line in chart.lines_of(section)), Decimal(0))
        outcome: Decimal | None = None
        if period.to_date is not None and datetime.date(period.year, month, 1) <= period.to_date:
            last = min(end, period.to_date)
            outcome = sum((_RESULT_FACTOR[section.title] * _line_outcome(chart, totals, line, period.begin, last)
                           for section in (INCOME, COSTS) for line in chart.lines_of(section)), Decimal(0))
        points.append(CumulativePoint(month, end, round_krona(budget), None if outcome is None else round_krona(outcome)))
    return tuple(points)


# -- month by month ----------------------------------------------------------------------

@dataclass(frozen=True)
class MonthFigures:
    """Income and costs of one month (printed signs), in kronor."""

    month: int
    income: Decimal
    costs: Decimal

    @property
    def result(self) -> Decimal:
        return self.income - self.costs


def income_and_costs_by_month(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> tuple[MonthFigures, ...]:
    """Summa intäkter and Summa kostnader of each month of ``year`` (the statement's lines only)."""
    chart, _ = read_chart(entries, options)
    totals = query_posting_totals(entries, options)
    months = []
    for month in range(1, 13):
        begin, end = datetime.date(year, month, 1), _month_end(year, month)
        income = sum((_line_outcome(chart, totals, line, begin, end) for line in chart.lines_of(INCOME)), Decimal(0))
        costs = sum((_line_outcome(chart, totals, line, begin, end) for line in chart.lines_of(COSTS)), Decimal(0))
        months.append(MonthFigures(month, income, costs))
    return tuple(months)


@dataclass(frozen=True)
class BalancePoint:
    day: datetime.date
    balance: Decimal


def line_balance_by_month(
    entries: Sequence[Directive], options: Mapping[str, Any], year: int, label: str = BANK_LINE
) -> tuple[BalancePoint, ...]:
    """A balance-sheet line's balance at each month's end of ``year - 1`` and ``year``.

    The first point is the opening balance (31 December two years back), unless the
    books begin later; then the series starts at the first transaction. Empty if the
    layout has no such line.
    """
    chart, _ = read_chart(entries, options)
    line = chart.line(label)
    if line is None:
        return ()
    totals = query_posting_totals(entries, options)
    dates = _transaction_dates(entries)
    start = max(datetime.date(year - 2, 12, 31), min(dates, default=datetime.date(year - 2, 12, 31)))
    days = [start] + [_month_end(y, m) for y in (year - 1, year) for m in range(1, 13) if _month_end(y, m) > start]
    return tuple(BalancePoint(day, chart.line_value(line, lambda account, day=day: totals.balance(account, day))) for day in days)


# -- membership fees ------------------------------------------------------------------------

@dataclass(frozen=True)
class FeeStatus:
    """One membership fee invoice and what has cleared it on ``as_of``."""

    member: str
    fee_year: int
    invoice_number: str
    ocr: str
    link: str
    invoice_date: datetime.date
    due_date: datetime.date | None
    invoiced: Decimal
    paid: Decimal
    last_payment: datetime.date | None
    as_of: datetime.date

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid

    @property
    def days_overdue(self) -> int:
        """Days past the due date with money outstanding; 0 when paid or not yet due."""
        if self.outstanding <= 0 or self.due_date is None or self.as_of <= self.due_date:
            return 0
        return (self.as_of - self.due_date).days


@dataclass(frozen=True)
class FeeOverview:
    """The invoices of one fee year, and older invoices still unpaid, on ``as_of``."""

    year: int
    as_of: datetime.date
    invoices: tuple[FeeStatus, ...]
    older_unpaid: tuple[FeeStatus, ...]

    @property
    def invoiced(self) -> Decimal:
        return sum((status.invoiced for status in self.invoices), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return sum((status.paid for status in self.invoices), Decimal(0))

    @property
    def outstanding(self) -> Decimal:
        return sum((status.outstanding for status in self.invoices), Decimal(0))

    @property
    def older_outstanding(self) -> Decimal:
        return sum((status.outstanding for status in self.older_unpaid), Decimal(0))

    @property
    def overdue_count(self) -> int:
        return sum(1 for status in (*self.invoices, *self.older_unpaid) if status.days_overdue)


def fee_statuses(
    entries: Sequence[Directive], as_of: datetime.date, receivable: str = FeeSettings.kundfordringar
) -> tuple[FeeStatus, ...]:
    """Every fee invoice dated on or before ``as_of``, with its payments up to ``as_of``.

    An invoice is a transaction with ``medlem`` and ``avgiftsar`` (as the fee plugin and
    the hand-booked invoices write them); what it invoiced is its posting on the
    receivable account. Whatever else clears that account with the invoice's link
    ``faktura-<nr>`` on or before ``as_of`` counts as paid.
    """
    invoices = {key: entry for key, entry in booked_fee_invoices(list(entries)).items() if entry.date <= as_of}
    links = {}
    for entry in invoices.values():
        number = str(entry.meta.get("faktura", ""))
        links[id(entry)] = invoice_link(number) if number else next(iter(sorted(entry.links or ())), "")
    cleared: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    invoice_ids = {id(entry) for entry in invoices.values()}
    wanted = set(links.values()) - {""}
    for entry in entries:
        if not isinstance(entry, Transaction) or id(entry) in invoice_ids or entry.date > as_of:
            continue
        for link in (entry.links or set()) & wanted:
            for posting in entry.postings:
                if posting.account == receivable and posting.units is not None and posting.units.number is not None:
                    cleared[link].append((entry.date, -posting.units.number))
    statuses = []
    for (member, year), entry in invoices.items():
        link = links[id(entry)]
        payments = cleared.get(link, [])
        due = entry.meta.get("forfallodatum")
        statuses.append(FeeStatus(
            member=member,
            fee_year=year,
            invoice_number=str(entry.meta.get("faktura", "")),
            ocr=str(entry.meta.get("ocr", "")),
            link=link,
            invoice_date=entry.date,
            due_date=due if isinstance(due, datetime.date) else None,
            invoiced=sum((p.units.number for p in entry.postings
                          if p.account == receivable and p.units is not None and p.units.number is not None), Decimal(0)),
            paid=sum((amount for _, amount in payments), Decimal(0)),
            last_payment=max((day for day, _ in payments), default=None),
            as_of=as_of,
        ))
    statuses.sort(key=lambda s: (s.fee_year, s.invoice_number, s.member))
    return tuple(statuses)


def fee_overview(entries: Sequence[Directive], year: int, as_of: datetime.date,
                 receivable: str = FeeSettings.kundfordringar) -> FeeOverview:
    """The fee year's invoices on ``as_of`` and any earlier year's invoices still unpaid then."""
    statuses = fee_statuses(entries, as_of, receivable)
    return FeeOverview(
        year=year,
        as_of=as_of,
        invoices=tuple(s for s in statuses if s.fee_year == year),
        older_unpaid=tuple(s for s in statuses if s.fee_year < year and s.outstanding),
    )


# -- chart series ------------------------------------------------------------------------------

ChartKind = Literal["linje", "stapel"]


@dataclass(frozen=True)
class Series:
    """One line or one set of bars; None where there is no value (not yet happened)."""

    name: str
    values: tuple[Decimal | None, ...]
    #: A style name for the renderer: "utfall", "budget", "intakter", "kostnader", "bank".
    style: str


@dataclass(frozen=True)
class ChartData:
    """What a chart shows: a title, the x-axis labels and the series, all in Swedish."""

    title: str
    kind: ChartKind
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    #: A sentence for screen readers and as the chart's description.
    description: str = ""


def month_label(day: datetime.date, with_year: bool = False) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}" if with_year else MONTHS[day.month - 1]


def bank_chart(points: Sequence[BalancePoint], label: str = BANK_LINE) -> ChartData:
    labels = tuple(month_label(p.day, with_year=True) for p in points)
    return ChartData(
        title=f"{label}: saldo vid månadens slut",
        kind="linje",
        labels=labels,
        series=(Series(f"Saldo {label.lower()}", tuple(p.balance for p in points), "bank"),),
        description=(f"Saldot på raden {label} från {points[0].day} till {points[-1].day}" if points else ""),
    )


def income_costs_chart(year: int, months: Sequence[MonthFigures]) -> ChartData:
    return ChartData(
        title=f"Intäkter och kostnader per månad {year}",
        kind="stapel",
        labels=tuple(MONTHS[m.month - 1] for m in months),
        series=(
            Series("Intäkter", tuple(m.income for m in months), "intakter"),
            Series("Kostnader", tuple(m.costs for m in months), "kostnader"),
        ),
        description=f"Summa intäkter och summa kostnader för varje månad {year}",
    )


def cumulative_chart(follow_up: BudgetFollowUp) -> ChartData:
    points = follow_up.cumulative
    return ChartData(
        title=f"Ackumulerat resultat {follow_up.year}: utfall mot budget",
        kind="linje",
        labels=tuple(MONTHS[p.month - 1] for p in points),
        series=(
            Series("Budget", tuple(p.budget for p in points), "budget"),
            Series("Utfall", tuple(p.outcome for p in points), "utfall"),
        ),
        description=f"Resultatet från 1 januari till varje månads slut {follow_up.year}, budget och utfall",
    )
