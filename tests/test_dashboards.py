"""The figures behind the Fava pages (dashboards.py), on the real books and on a small ledger."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from beancount import loader
from beanquery.query import run_query

from bergslaget_plugins import dashboards
from bergslaget_plugins.chart import SECTIONS_BY_TITLE, read_chart
from bergslaget_plugins.dashboards import Comparison, PageYear
from bergslaget_plugins.ocr import is_valid_ocr
from bergslaget_plugins.statements import build_annual_report

D = datetime.date

#: The budget 2022 as the annual meeting decided it (annual report 2022, section 10.1).
PUBLISHED_BUDGET_2022 = {
    "Medlemsavgifter": 1_029_000,
    "Bidrag": 0,
    "Försäljning": 75_000,
    "Övriga intäkter": 5_000,
    "Summa intäkter": 1_109_000,
    "Personalkostnader": 1_173_265,
    "Hyror": 60_000,
    "Tjänster": 167_000,
    "Övriga omkostnader": 10_735,
    "Summa kostnader": 1_411_000,
    "Resultat": -302_000,
}


@pytest.fixture(scope="module")
def entries_options(books):
    entries, errors, options = books
    assert errors == []
    return entries, options


@pytest.fixture(scope="module")
def report_2022(entries_options):
    return build_annual_report(*entries_options, 2022)


LATER_TODAY = D(2030, 1, 1)


def period(year: int, filter_end: datetime.date | None = None, today: datetime.date = LATER_TODAY) -> PageYear:
    return PageYear(year=year, to_date=filter_end or D(year, 12, 31), as_of=min(filter_end or D(year, 12, 31), today),
                  last_day=filter_end or D(year, 12, 31))


# -- periods -------------------------------------------------------------------------------------

def test_without_time_filter_the_period_is_the_last_closed_year(entries_options):
    entries, _ = entries_options
    chosen = dashboards.choose_period(entries, None, today=D(2030, 1, 1))
    assert chosen == PageYear(2022, D(2022, 12, 31), D(2022, 12, 31), D(2022, 12, 31))
    assert chosen.to_date_is_whole_year


def test_time_filter_ends_the_year_to_date(entries_options):
    entries, _ = entries_options
    chosen = dashboards.choose_period(entries, D(2022, 6, 30), today=D(2030, 1, 1))
    assert (chosen.year, chosen.to_date, chosen.as_of) == (2022, D(2022, 6, 30), D(2022, 6, 30))
    assert chosen.to_date_reason == "tidsfiltrets sista dag"


def test_open_year_ends_on_last_booked_day_and_fee_status_not_after_today(entries_options):
    entries, _ = entries_options
    # 2023 holds only entries the rules generate (releases of prepaid rent): nothing booked yet.
    chosen = dashboards.choose_period(entries, D(2023, 12, 31), today=D(2023, 3, 1))
    assert (chosen.year, chosen.to_date, chosen.as_of) == (2023, None, D(2023, 3, 1))


def test_report_years_are_the_closed_years(entries_options):
    assert dashboards.report_years(entries_options[0]) == (2021, 2022)


# -- budget ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "budget"), PUBLISHED_BUDGET_2022.items())
def test_budget_2022_per_line_is_the_published_budget(entries_options, label, budget):
    follow_up = dashboards.budget_follow_up(*entries_options, period(2022))
    row = follow_up.row(label)
    assert row.year.budget == budget
    # Over the whole year the year-to-date arithmetic gives the same budget.
    assert row.to_date.budget == budget


def test_outcome_is_the_annual_reports_and_year_to_date_agrees_over_the_whole_year(entries_options, report_2022):
    follow_up = dashboards.budget_follow_up(*entries_options, period(2022))
    printed = [row for row in report_2022.income_statement.rows if row.kind != "rubrik"]
    assert [row.label for row in follow_up.rows if row.kind != "rubrik"] == [row.label for row in printed]
    for row in printed:
        line = follow_up.row(row.label)
        assert line.year == Comparison(row.values[1], row.values[2]), row.label
        assert line.to_date == line.year, row.label
    assert follow_up.row("Resultat").year.outcome == -273_319


def test_year_to_date_half_year(entries_options):
    entries, options = entries_options
    follow_up = dashboards.budget_follow_up(entries, options, period(2022, D(2022, 6, 30)))
    # Fava spreads a yearly budget evenly over the days: 181 of 365 days to 30 June.
    assert follow_up.row("Medlemsavgifter").to_date.budget == round(Decimal(1_029_000) * 181 / 365)
    assert follow_up.row("Hyror").to_date.budget == round(Decimal(60_000) * 181 / 365)
    # The outcome to date of each line is the sum of its accounts' postings, as BQL sums them.
    chart, _ = read_chart(entries, options)
    for title in ("Intäkter", "Kostnader"):
        section = SECTIONS_BY_TITLE[title]
        for line in chart.lines_of(section):
            accounts = "', '".join(chart.accounts_on(line.label))
            _, rows = run_query(entries, options, f"SELECT sum(number) WHERE account IN ('{accounts}') "
                                                  f"AND date >= 2022-01-01 AND date <= 2022-06-30")
            expected = section.sign * (rows[0][0] if rows and rows[0][0] is not None else Decimal(0))
            assert follow_up.row(line.label).to_date.outcome == round(expected), line.label
    # The full-year columns stay the annual report's.
    assert follow_up.row("Resultat").year == Comparison(Decimal(-302_000), Decimal(-273_319))
    ytd = follow_up.row("Resultat").to_date
    assert ytd.outcome == follow_up.row("Summa intäkter").to_date.outcome - follow_up.row("Summa kostnader").to_date.outcome


def test_deviation_and_per_cent():
    assert Comparison(Decimal(60_000), Decimal(52_872)).deviation == Decimal(-7_128)
    assert Comparison(Decimal(60_000), Decimal(52_872)).deviation_percent == Decimal("-11.9")
    assert Comparison(Decimal(-302_000), Decimal(-273_319)).deviation_percent == Decimal("9.5")
    assert Comparison(Decimal(0), Decimal(10)).deviation_percent is None


def test_cumulative_result_ends_at_the_budget_and_the_result(entries_options):
    follow_up = dashboards.budget_follow_up(*entries_options, period(2022))
    points = follow_up.cumulative
    assert [p.month for p in points] == list(range(1, 13))
    assert (points[-1].budget, points[-1].outcome) == (-302_000, -273_319)
    assert all(later.budget < earlier.budget for earlier, later in zip(points, points[1:]))
    # February: the membership fees are invoiced.
    assert points[1].outcome > points[0].outcome + 900_000
    half = dashboards.budget_follow_up(*entries_options, period(2022, D(2022, 6, 30))).cumulative
    assert [p.outcome is None for p in half] == [False] * 6 + [True] * 6
    assert half[5].outcome == dashboards.budget_follow_up(*entries_options, period(2022, D(2022, 6, 30))).row("Resultat").to_date.outcome


# -- month by month -----------------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2021, 2022])
def test_months_add_up_to_the_income_statement(entries_options, year):
    report = build_annual_report(*entries_options, year)
    months = dashboards.income_and_costs_by_month(*entries_options, year)
    assert len(months) == 12
    assert sum(m.income for m in months) == report.income_statement.row("Summa intäkter").values[2]
    assert sum(m.costs for m in months) == report.income_statement.row("Summa kostnader").values[2]
    assert sum(m.result for m in months) == report.income_statement.row("Resultat").values[2]


def test_bank_balance_by_month_meets_the_balance_sheet(entries_options, report_2022):
    points = dashboards.line_balance_by_month(*entries_options, 2022)
    assert [p.day for p in points][:2] == [D(2020, 12, 31), D(2021, 1, 31)]
    assert len(points) == 25
    by_day = {p.day: p.balance for p in points}
    bank = report_2022.balance_sheet.row("Bank")
    assert (by_day[D(2021, 12, 31)], by_day[D(2022, 12, 31)]) == bank.values == (1_216_494, 958_543)
    assert by_day[D(2020, 12, 31)] == 1_408_630
    chart = dashboards.bank_chart(points)
    assert chart.labels[0] == "dec 2020" and chart.labels[-1] == "dec 2022"
    assert chart.series[0].values[-1] == 958_543


# -- membership fees -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("year", "count", "total"), [(2022, 26, 1_029_060), (2021, 25, 1_013_310)])
def test_fee_invoices_of_the_year_all_paid(entries_options, year, count, total):
    entries, _ = entries_options
    overview = dashboards.fee_overview(entries, year, D(year, 12, 31), RECEIVABLES)
    assert len(overview.invoices) == count
    assert len({s.member for s in overview.invoices}) == count
    assert overview.invoiced == overview.paid == total
    assert overview.outstanding == 0 and overview.older_unpaid == () and overview.overdue_count == 0
    for status in overview.invoices:
        assert status.fee_year == year
        assert is_valid_ocr(status.ocr), status
        assert status.link == f"faktura-{status.invoice_number}"
        assert status.days_overdue == 0
        assert status.last_payment is not None and status.last_payment <= D(year, 12, 31)


def test_fees_before_invoicing_and_before_payment(entries_options):
    entries, _ = entries_options
    assert dashboards.fee_overview(entries, 2022, D(2022, 1, 31), RECEIVABLES).invoices == ()
    # On the invoice date nothing is paid and nothing is overdue yet.
    on_invoice_day = dashboards.fee_overview(entries, 2022, D(2022, 2, 15), RECEIVABLES)
    assert (len(on_invoice_day.invoices), on_invoice_day.outstanding, on_invoice_day.overdue_count) == (26, 1_029_060, 0)


RECEIVABLES = "Assets:1510-Kundfordringar"

SMALL_LEDGER = """\
option "operating_currency" "SEK"
2021-01-01 open Assets:1510-Kundfordringar SEK
  roll: "kundfordringar"
2021-01-01 open Assets:1930-Företagskonto SEK
2021-01-01 open Income:3994-Medlemsavgifter SEK

2021-02-15 * "Storfors kommun" "Medlemsavgift 2021" ^faktura-2021126
  faktura: "2021126"
  ocr: "202112694"
  medlem: "Storfors kommun"
  avgiftsar: 2021
  forfallodatum: 2021-03-17
  Assets:1510-Kundfordringar  15000 SEK
  Income:3994-Medlemsavgifter  -15000 SEK

2022-02-15 * "Storfors kommun" "Medlemsavgift 2022" ^faktura-2022126
  faktura: "2022126"
  ocr: "202212692"
  medlem: "Storfors kommun"
  avgiftsar: 2022
  forfallodatum: 2022-03-17
  Assets:1510-Kundfordringar  15268 SEK
  Income:3994-Medlemsavgifter  -15268 SEK

2022-02-15 * "Nora kommun" "Medlemsavgift 2022" ^faktura-2022115
  faktura: "2022115"
  ocr: "202211595"
  medlem: "Nora kommun"
  avgiftsar: 2022
  forfallodatum: 2022-03-17
  Assets:1510-Kundfordringar  23938 SEK
  Income:3994-Medlemsavgifter  -23938 SEK

2022-02-15 * "Sala kommun" "Medlemsavgift 2022" ^faktura-2022120
  faktura: "2022120"
  ocr: "202212098"
  medlem: "Sala kommun"
  avgiftsar: 2022
  forfallodatum: 2022-03-17
  Assets:1510-Kundfordringar  39652 SEK
  Income:3994-Medlemsavgifter  -39652 SEK

2022-03-10 * "Nora kommun" "Delbetalning" ^faktura-2022115
  Assets:1930-Företagskonto  10000 SEK
  Assets:1510-Kundfordringar  -10000 SEK

2022-03-15 * "Sala kommun" "Inbetalning" ^faktura-2022120
  Assets:1930-Företagskonto  39652 SEK
  Assets:1510-Kundfordringar  -39652 SEK

2022-05-02 * "Nora kommun" "Resten" ^faktura-2022115
  Assets:1930-Företagskonto  13938 SEK
  Assets:1510-Kundfordringar  -13938 SEK

2022-05-03 * "Storfors kommun" "Fel länk: betalar en annan faktura" ^faktura-2099999
  Assets:1930-Företagskonto  100 SEK
  Assets:1510-Kundfordringar  -100 SEK
"""


@pytest.fixture(scope="module")
def small_books():
    entries, errors, _ = loader.load_string(SMALL_LEDGER)
    assert errors == []
    return entries


def test_unpaid_and_partly_paid_invoices(small_books):
    overview = dashboards.fee_overview(small_books, 2022, D(2022, 4, 30), RECEIVABLES)
    by_member = {s.member: s for s in overview.invoices}
    assert set(by_member) == {"Storfors kommun", "Nora kommun", "Sala kommun"}

    unpaid = by_member["Storfors kommun"]
    assert (unpaid.invoiced, unpaid.paid, unpaid.outstanding) == (15_268, 0, 15_268)
    assert unpaid.days_overdue == (D(2022, 4, 30) - D(2022, 3, 17)).days == 44
    assert unpaid.last_payment is None and unpaid.ocr == "202212692"

    partly = by_member["Nora kommun"]
    assert (partly.invoiced, partly.paid, partly.outstanding) == (23_938, 10_000, 13_938)
    assert partly.days_overdue == 44 and partly.last_payment == D(2022, 3, 10)

    paid = by_member["Sala kommun"]
    assert (paid.outstanding, paid.days_overdue) == (0, 0)

    assert (overview.invoiced, overview.paid, overview.outstanding) == (78_858, 49_652, 29_206)
    assert overview.overdue_count == 3  # two of 2022 and the unpaid one of 2021
    assert [(s.fee_year, s.member, s.outstanding) for s in overview.older_unpaid] == [(2021, "Storfors kommun", 15_000)]
    assert overview.older_outstanding == 15_000
    assert overview.older_unpaid[0].days_overdue == (D(2022, 4, 30) - D(2021, 3, 17)).days


def test_payments_after_the_day_do_not_count_and_the_rest_clears(small_books):
    later = {s.member: s for s in dashboards.fee_overview(small_books, 2022, D(2022, 12, 31), RECEIVABLES).invoices}
    assert later["Nora kommun"].outstanding == 0 and later["Nora kommun"].days_overdue == 0
    assert later["Nora kommun"].last_payment == D(2022, 5, 2)
    # A payment with another invoice's link does not clear this one.
    assert later["Storfors kommun"].outstanding == 15_268
    assert later["Storfors kommun"].days_overdue == (D(2022, 12, 31) - D(2022, 3, 17)).days
    before_due = {s.member: s for s in dashboards.fee_overview(small_books, 2022, D(2022, 3, 17), RECEIVABLES).invoices}
    assert before_due["Storfors kommun"].days_overdue == 0
    assert before_due["Nora kommun"].outstanding == 13_938
