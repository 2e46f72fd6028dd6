"""The annual report's statements computed from the books: resultaträkning,
balansräkning and the notes.

One table sums the postings by day, account and counterparty (:data:`BALANCES_QUERY`,
summed in one pass by :func:`posting_sums`); everything else is arithmetic on that
table, so the report costs a small fraction of loading the books.
The line of every figure comes from the chart (``chart.py``): the account mapping on
the ``open`` directives and the ``motpart`` of postings. Nothing falls outside: an
account with a balance but no line makes the report refuse, and so do the report's own
checks (assets equal liabilities plus equity, each note sums to its line, the result of
earlier years has been disposed).

The year's result is not booked over to equity (see ``chart.py``): on the balance sheet,
the line of Beancount's ``account_current_earnings`` account adds the year's result, and
the line of ``account_previous_earnings`` the results of earlier years, which the annual
meeting's disposition (a booked verification from 2069 to 2067) moves on. The books:
2021 loss 424 259; A53 (2022-05-12) 2069 → 2067 424 259; 2022 loss 273 319. At
2022-12-31, 2069 holds −424 259 booked + 424 259 (2021) + 273 319 (2022) = 273 319,
printed as Årets resultat −273 319; 2067 holds 989 280 (Balanserat resultat).

Figures are whole kronor, signs as a reader of an annual report expects (income, costs,
assets, liabilities and equity positive; a loss negative). Lines are rounded one by one
and the sums are the sums of the printed lines, so every printed statement adds up.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from beancount.core.data import Directive, Transaction

from bergslaget_plugins.budget import budget_for, budgets_of_year, read_budgets
from bergslaget_plugins.chart import (
    BALANCE_SHEET,
    BALANCE_TOTAL_LABEL,
    COUNTERPARTY_KEY,
    INCOME_STATEMENT,
    RESULT_LABEL,
    SECTIONS_BY_TITLE,
    Chart,
    ReportLine,
    read_chart,
)
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.money import CURRENCY, format_kronor, round_krona

RowKind = Literal["rubrik", "rad", "summa"]

#: The budget column's heading for a year without a budget of its own (no budget is carried over).
NO_BUDGET_COLUMN = "Budget saknas"

#: The one table behind the report and the dashboards: postings summed per day, account and motpart,
#: as BQL (a query the auditor can run in Fava); :func:`posting_sums` computes the same rows.
BALANCES_QUERY = """
SELECT date, account, meta('motpart') AS motpart, currency, sum(number) AS amount
GROUP BY date, account, motpart, currency
"""


class ReportError(Exception):
    """The books cannot be reported as they stand; ``problems`` says why, in Swedish."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class TableRow:
    """A printed row: a heading (no values), a line, or a sum; values in whole kronor."""

    label: str
    kind: RowKind
    values: tuple[Decimal, ...] = ()
    note: int | None = None
    #: The accounts behind the row (for links to their journals).
    accounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """A statement or a note: a title, column headings and rows."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]

    def row(self, label: str) -> TableRow:
        """The row with ``label``; KeyError if there is none."""
        for row in self.rows:
            if row.label == label and row.kind != "rubrik":
                return row
        raise KeyError(label)


@dataclass(frozen=True)
class AnnualReport:
    """The statements of one financial year, with the previous year beside it."""

    organisation: str
    year: int
    income_statement: Table
    balance_sheet: Table
    notes: tuple[Table, ...]
    #: True for a year without a year-end directive: the figures are not a closed year's.
    preliminary: bool = False
    #: What a reader of a preliminary report must know (Swedish), e.g. an undisposed result.
    remarks: tuple[str, ...] = ()

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.income_statement, self.balance_sheet, *self.notes)


class PostingTotals:
    """The query's result, indexed: amounts per account and year, per account, year and
    motpart, and running balances per account and day for any stretch of days."""

    def __init__(self) -> None:
        self.by_account: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        self.by_counterparty: dict[tuple[str, int, str | None], Decimal] = defaultdict(Decimal)
        self.first_seen: dict[tuple[str, str | None], datetime.date] = {}
        self.other_currencies: set[tuple[str, str]] = set()
        self._days: dict[str, list[datetime.date]] = {}
        self._running: dict[str, list[Decimal]] = {}

    def add(self, day: datetime.date, account: str, counterparty: str | None, amount: Decimal) -> None:
        self.by_account[(account, day.year)] += amount
        self.by_counterparty[(account, day.year, counterparty)] += amount
        key = (account, counterparty)
        if key not in self.first_seen or day < self.first_seen[key]:
            self.first_seen[key] = day
        days, running = self._days.setdefault(account, []), self._running.setdefault(account, [])
        if days and days[-1] == day:
            running[-1] += amount
        else:
            days.append(day)
            running.append((running[-1] if running else Decimal(0)) + amount)

    def year(self, account: str, year: int) -> Decimal:
        """The movement on ``account`` during ``year``."""
        return self.by_account.get((account, year), Decimal(0))

    def through_year(self, account: str, year: int) -> Decimal:
        """Balance of ``account`` at the end of ``year``."""
        return self.balance(account, datetime.date(year, 12, 31))

    def balance(self, account: str, day: datetime.date) -> Decimal:
        """Balance of ``account`` at the end of ``day``."""
        index = bisect.bisect_right(self._days.get(account, []), day)
        return self._running[account][index - 1] if index else Decimal(0)

    def between(self, account: str, begin: datetime.date, end: datetime.date) -> Decimal:
        """The movement on ``account`` dated in [begin, end], both days included."""
        return self.balance(account, end) - self.balance(account, begin - datetime.timedelta(days=1))

    def accounts(self) -> set[str]:
        return set(self._days)


def posting_sums(entries: Sequence[Directive]) -> list[tuple[datetime.date, str, Any, str, Decimal]]:
    """The rows of :data:`BALANCES_QUERY`, in BQL's order, summed in one pass over the postings.

    The same table as running the query (tests check that they agree), several times
    faster: BQL evaluates its expressions posting by posting, and parsing the query alone
    takes a noticeable part of a second.
    """
    sums: dict[tuple[datetime.date, str, Any, str], Decimal] = {}
    for entry in entries:
        if not isinstance(entry, Transaction):
            continue
        day = entry.date
        for posting in entry.postings:
            units, meta = posting.units, posting.meta
            if units is None or units.number is None:  # only before booking; loaded books have none
                continue
            key = (day, posting.account, meta.get(COUNTERPARTY_KEY) if meta else None, units.currency)
            sums[key] = sums.get(key, _ZERO) + units.number
    return [(*key, amount) for key, amount in sums.items()]


_ZERO = Decimal(0)


def query_posting_totals(entries: Sequence[Directive], options: Mapping[str, Any]) -> PostingTotals:
    """The rows of :data:`BALANCES_QUERY` (:func:`posting_sums`), indexed."""
    rows = posting_sums(entries)
    totals = PostingTotals()
    for day, account, counterparty, currency, amount in sorted(rows, key=lambda row: row[0]):
        if currency != CURRENCY:
            if amount:
                totals.other_currencies.add((account, currency))
            continue
        label = counterparty if isinstance(counterparty, str) and counterparty.strip() else None
        totals.add(day, account, label, amount)
    return totals


class _Builder:
    """Computes the three tables of one year from the chart and the posting totals."""

    def __init__(self, chart: Chart, totals: PostingTotals, entries: Sequence[Directive], year: int) -> None:
        self.chart = chart
        self.totals = totals
        self.entries = entries
        self.year = year
        self.problems: list[str] = []
        self.closed_years = set(year_end_directives(entries)[0])
        self._result_accounts = [
            account for account in totals.accounts()
            if (section := chart.section_of_account(account)) is not None and section.statement == INCOME_STATEMENT
        ]

    # -- balances -----------------------------------------------------------
    def result_balance(self, years: range) -> Decimal:
        """Sum of all result accounts over ``years``: the result not booked over to equity
        (Beancount's sign: a loss is positive)."""
        return sum((self.totals.year(account, y) for account in self._result_accounts for y in years), Decimal(0))

    def income_line(self, line: ReportLine, year: int) -> Decimal:
        return self.chart.line_value(line, lambda account: self.totals.year(account, year))

    def unbooked_result_on(self, line: ReportLine, year: int) -> Decimal:
        """The unbooked result a balance sheet line shows at the end of ``year``: the year's own
        on the current earnings line, earlier years' on the previous earnings line."""
        first_year = min((y for _, y in self.totals.by_account), default=year)
        unbooked = Decimal(0)
        if line == self.chart.earnings_line("current"):
            unbooked += self.result_balance(range(year, year + 1))
        if line == self.chart.earnings_line("previous"):
            unbooked += self.result_balance(range(first_year, year))
        return unbooked

    def balance_line(self, line: ReportLine, year: int) -> Decimal:
        return self.chart.line_value(
            line, lambda account: self.totals.through_year(account, year), self.unbooked_result_on(line, year))

    def undisposed_earlier_results(self, year: int) -> Decimal:
        """What the current earnings line holds at the end of ``year`` beyond the year's own
        result: earlier years' results the annual meeting has not yet disposed (0 when it has)."""
        line = self.chart.earnings_line("current")
        if line is None:
            return Decimal(0)
        return self.balance_line(line, year) - line.section.sign * self.result_balance(range(year, year + 1))

    # -- checks ---------------------------------------------------------------
    def check_mapping(self) -> None:
        for account, currency in sorted(self.totals.other_currencies):
            self.problems.append(f"Kontot {account} har belopp i {currency}; årsredovisningen upprättas i {CURRENCY}")
        for account in sorted(self.totals.accounts()):
            if account in self.chart.accounts:
                continue
            if any(amount for (name, y), amount in self.totals.by_account.items() if name == account and y <= self.year):
                self.problems.append(
                    f"Kontot {account} har saldo men ingen rad i årsredovisningen "
                    f"(ange rad på kontots open-direktiv)"
                )

    def check_earlier_results_disposed(self, year: int) -> None:
        undisposed = self.undisposed_earlier_results(year)
        if undisposed:
            line = self.chart.earnings_line("current")
            label = line.label if line is not None else "Årets resultat"
            self.problems.append(
                f"{label} {year}-12-31 innehåller {format_kronor(abs(undisposed))} kr "
                f"{'vinst' if undisposed > 0 else 'förlust'} från tidigare år som inte "
                f"disponerats: bokför årsmötets beslut om föregående års resultat "
                f"(från {self.chart.current_earnings}, t.ex. till balanserat resultat)"
            )

    # -- tables ---------------------------------------------------------------
    def income_statement(self) -> Table:
        all_budgets, budget_errors = read_budgets(self.entries)
        for error in budget_errors:
            self.problems.append(f"{error.source.get('filename')}:{error.source.get('lineno')}: {error.message}")
        budgets = budgets_of_year(all_budgets, self.year)
        begin, end = datetime.date(self.year, 1, 1), datetime.date(self.year + 1, 1, 1)
        rows: list[TableRow] = []
        section_sums: dict[str, tuple[Decimal, ...]] = {}
        for title in ("Intäkter", "Kostnader"):
            section = SECTIONS_BY_TITLE[title]
            rows.append(TableRow(title, "rubrik"))
            line_rows = []
            for line in self.chart.lines_of(section):
                accounts = self.chart.accounts_on(line.label)
                budget = section.sign * sum((budget_for(budgets, a, begin, end) for a in accounts), Decimal(0))
                values = (
                    round_krona(self.income_line(line, self.year - 1)),
                    round_krona(budget),
                    round_krona(self.income_line(line, self.year)),
                )
                line_rows.append(TableRow(line.label, "rad", values, accounts=accounts))
            rows.extend(line_rows)
            sums = _column_sums(line_rows, 3)
            section_sums[title] = sums
            rows.append(TableRow(section.sum_label, "summa", sums))
        result = tuple(i - k for i, k in zip(section_sums["Intäkter"], section_sums["Kostnader"]))
        rows.append(TableRow(RESULT_LABEL, "summa", result))
        budget_column = f"Budget {self.year}" if budgets else NO_BUDGET_COLUMN
        outcome_column = f"Bokslut {self.year}" if self.year in self.closed_years else f"Prel. {self.year}"
        columns = (f"Bokslut {self.year - 1}", budget_column, outcome_column)
        return Table(INCOME_STATEMENT, columns, tuple(rows))

    def balance_sheet(self) -> tuple[Table, dict[str, tuple[Decimal, ...]], dict[str, tuple[Decimal, ...]]]:
        years = (self.year - 1, self.year)
        rows: list[TableRow] = [TableRow("Tillgångar", "rubrik")]
        rounded: dict[str, tuple[Decimal, ...]] = {}
        exact: dict[str, tuple[Decimal, ...]] = {}
        sums: dict[str, tuple[Decimal, ...]] = {}
        exact_sums: dict[str, tuple[Decimal, ...]] = {}
        for title in ("Tillgångar", "Skulder", "Eget kapital"):
            section = SECTIONS_BY_TITLE[title]
            if title == "Skulder":
                rows.append(TableRow("Skulder och eget kapital", "rubrik"))
            line_rows = []
            for line in self.chart.lines_of(section):
                exact[line.label] = tuple(self.balance_line(line, y) for y in years)
                rounded[line.label] = tuple(round_krona(v) for v in exact[line.label])
                line_rows.append(TableRow(line.label, "rad", rounded[line.label], note=line.note,
                                     accounts=self.chart.accounts_on(line.label)))
            rows.extend(line_rows)
            sums[title] = _column_sums(line_rows, 2)
            exact_sums[title] = tuple(sum((exact[line.label][i] for line in self.chart.lines_of(section)), Decimal(0)) for i in range(2))
            rows.append(TableRow(section.sum_label, "summa", sums[title]))
        total = tuple(s + e for s, e in zip(sums["Skulder"], sums["Eget kapital"]))
        rows.append(TableRow(BALANCE_TOTAL_LABEL, "summa", total))
        for index, year in enumerate(years):
            assets, claims = exact_sums["Tillgångar"][index], exact_sums["Skulder"][index] + exact_sums["Eget kapital"][index]
            if assets != claims:
                self.problems.append(
                    f"Balansräkningen {year}-12-31 balanserar inte: tillgångar {format_kronor(assets)}, "
                    f"skulder och eget kapital {format_kronor(claims)}"
                )
            elif sums["Tillgångar"][index] != total[index]:
                self.problems.append(
                    f"Balansräkningen {year}-12-31 balanserar inte efter avrundning till hela kronor: "
                    f"summa tillgångar {format_kronor(sums['Tillgångar'][index])}, summa skulder och eget kapital "
                    f"{format_kronor(total[index])} (öresavrundning behövs i bokföringen)"
                )
        columns = tuple(f"{y}-12-31" for y in years)
        return Table(BALANCE_SHEET, columns, tuple(rows)), rounded, exact

    def notes(self, rounded_lines: Mapping[str, tuple[Decimal, ...]], exact_lines: Mapping[str, tuple[Decimal, ...]]) -> tuple[Table, ...]:
        years = (self.year - 1, self.year)
        columns = tuple(f"{y}-12-31" for y in years)
        tables = []
        note_lines = sorted((line for line in self.chart.lines if line.note is not None), key=lambda line: line.note or 0)
        for line in note_lines:
            exact_rows: dict[str, list[Decimal]] = {}
            first_seen: dict[str, tuple[str, datetime.date]] = {}
            accounts_of_row: dict[str, set[str]] = defaultdict(set)
            for account in self.chart.accounts_on(line.label):
                mapping = self.chart.accounts[account]
                for (name, year, counterparty), amount in self.totals.by_counterparty.items():
                    if name != account or year > self.year or not amount:
                        continue
                    label = mapping.note_row or counterparty
                    if label is None:
                        self.problems.append(
                            f"Kontot {account} har konteringar utan motpart, så Not {line.note} ({line.label}) "
                            f"kan inte specificeras"
                        )
                        continue
                    values = exact_rows.setdefault(label, [Decimal(0), Decimal(0)])
                    for index, column_year in enumerate(years):
                        if year <= column_year:
                            values[index] += line.section.sign * amount
                    seen = self.totals.first_seen.get((account, counterparty), datetime.date.max)
                    if label not in first_seen or (mapping.bas_number, seen) < first_seen[label]:
                        first_seen[label] = (mapping.bas_number, seen)
                    accounts_of_row[label].add(account)
            labels = [label for label, values in exact_rows.items() if any(round_krona(v) for v in values) or any(values)]
            labels.sort(key=lambda label: (round_krona(exact_rows[label][1]) == 0, first_seen[label], label))
            rows = [
                TableRow(label, "rad", tuple(round_krona(v) for v in exact_rows[label]), accounts=tuple(sorted(accounts_of_row[label])))
                for label in labels
            ]
            sums = _column_sums(rows, 2)
            for index, year in enumerate(years):
                exact_sum = sum((exact_rows[label][index] for label in labels), Decimal(0))
                if exact_sum != exact_lines[line.label][index] or sums[index] != rounded_lines[line.label][index]:
                    self.problems.append(
                        f"Not {line.note} ({line.label}) summerar till {format_kronor(sums[index])} men "
                        f"balansräkningens rad är {format_kronor(rounded_lines[line.label][index])} ({year}-12-31)"
                    )
            rows.append(TableRow("Summa", "summa", sums))
            tables.append(Table(f"Not {line.note} {line.label}", columns, tuple(rows)))
        return tuple(tables)


def _column_sums(rows: Sequence[TableRow], width: int) -> tuple[Decimal, ...]:
    return tuple(sum((row.values[i] for row in rows), Decimal(0)) for i in range(width))


def build_annual_report(
    entries: Sequence[Directive], options: Mapping[str, Any], year: int, totals: PostingTotals | None = None
) -> AnnualReport:
    """The statements for ``year`` with ``year - 1`` beside it; ReportError if they cannot be made."""
    chart, chart_errors = read_chart(entries, options)
    builder = _Builder(chart, totals or query_posting_totals(entries, options), entries, year)
    builder.problems.extend(f"{e.source.get('filename')}:{e.source.get('lineno')}: {e.message}" for e in chart_errors)
    builder.check_mapping()
    if builder.problems:
        raise ReportError(builder.problems)
    income_statement = builder.income_statement()
    balance_sheet, rounded, exact = builder.balance_sheet()
    notes = builder.notes(rounded, exact)
    if builder.problems:
        raise ReportError(builder.problems)
    preliminary = year not in builder.closed_years
    builder.check_earlier_results_disposed(year)
    remarks: tuple[str, ...] = ()
    if preliminary:
        # An open year may be reported before the annual meeting has disposed of last year's result.
        remarks, builder.problems = tuple(builder.problems), []
    if builder.problems:
        raise ReportError(builder.problems)
    return AnnualReport(str(options.get("title") or ""), year, income_statement, balance_sheet, notes,
                        preliminary=preliminary, remarks=remarks)
