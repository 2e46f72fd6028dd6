"""Verification numbers, the year's result in every view, the chart check, the budget and the saved queries."""

from __future__ import annotations

import datetime
import random
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from beancount.core.data import Custom, Query, Transaction
from beancount.ops import summarize
from beanquery.query import run_query
from fava.core.budgets import calculate_budget, parse_budgets

from bergslaget_plugins.budget import budget_for, read_budgets
from bergslaget_plugins.chart import read_chart
from bergslaget_plugins.verification_numbers import number_verifications
from ledgers import line_of, load, ledger_text

NUMBERING = 'plugin "bergslaget_plugins.verification_numbers"\n'


def fee(date: str, ver: str | None, amount: int = 100) -> str:
    ver_line = f'\n  ver: "{ver}"' if ver else ""
    return f'\n{date} * "Medlem" "Avgift"{ver_line}\n  Assets:1930-Företagskonto  {amount} SEK\n  Income:3994-Medlemsavgifter\n'


# -- verification numbers ----------------------------------------------------------------

def test_every_transaction_of_the_books_has_a_consecutive_number(books):
    entries, errors, _ = books
    assert errors == []
    numbers: dict[tuple[int, str], list[int]] = defaultdict(list)
    for entry in entries:
        if isinstance(entry, Transaction):
            series = entry.meta["ver"].rstrip("0123456789")
            numbers[(entry.date.year, series)].append(int(entry.meta["ver"][len(series):]))
    for key, seen in numbers.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), key
    assert {series for _, series in numbers} == {"IB", "A", "BG", "KF", "LF", "LÖ", "MA", "PE", "BO"}


def test_generated_entries_are_numbered_in_their_own_series_in_date_order(books):
    entries, _, _ = books
    fee_invoices = [e for e in entries if isinstance(e, Transaction) and e.meta.get("regel") == "medlemsavgift"]
    assert [e.meta["ver"] for e in fee_invoices] == [f"MA{n}" for n in range(1, 27)]
    year_end = [e for e in entries if isinstance(e, Transaction) and e.meta.get("ver_serie") == "BO" and e.date.year == 2022]
    assert sorted(int(e.meta["ver"][2:]) for e in year_end) == list(range(1, len(year_end) + 1))


@pytest.mark.parametrize(("body", "needle", "message"), [
    (fee("2021-01-05", "A1") + fee("2021-01-06", None), "2021-01-06", "saknar verifikationsnummer"),
    (fee("2021-01-05", "A1") + fee("2021-01-06", "A1"), "2021-01-06", "A1 2021 finns redan"),
    (fee("2021-01-05", "A1") + fee("2021-01-06", "A3"), "2021-01-06", "Lucka i verifikationsserie A 2021: A2 saknas"),
    (fee("2021-01-05", "12"), "2021-01-05", "Ogiltigt verifikationsnummer"),
    # Found in review: "A1" and a line break passed as A1, "A1" and an Arabic-Indic 1 as A11.
    (fee("2021-01-05", "A1\n"), "2021-01-05", "Ogiltigt verifikationsnummer"),
    (fee("2021-01-05", "A1\u0661"), "2021-01-05", "Ogiltigt verifikationsnummer"),
    (fee("2021-01-05", "MA1"), "2021-01-05", "reserverad för genererade"),
])
def test_numbering_errors_are_reported_at_the_entry(body, needle, message):
    text = ledger_text(body, plugins=NUMBERING)
    _, errors, _ = load(body, plugins=NUMBERING)
    assert len(errors) == 1
    assert message in errors[0].message
    assert errors[0].source["lineno"] == line_of(text, needle)


def test_numbers_restart_each_year():
    _, errors, _ = load(fee("2021-12-30", "A1") + fee("2022-01-03", "A1") + fee("2022-01-04", "A2"), plugins=NUMBERING)
    assert errors == []


def test_generated_entries_get_numbers_and_hand_written_ones_keep_theirs():
    body = """
2020-01-01 open Liabilities:2970-Förutbetalda-intäkter SEK
  roll: "förutbetalda-intäkter"
2020-01-01 open Assets:1790-Övriga-förutbetalda-kostnader SEK
  roll: "förutbetalda-kostnader, upplupna-intäkter"
2020-01-01 open Liabilities:2990-Övriga-upplupna-kostnader SEK
  roll: "upplupna-kostnader"
2021-12-05 * "Medlem" "Avgift 2022"
  ver: "A1"
  period: "2022-01/2022-03"
  Assets:1930-Företagskonto  6000 SEK
  Income:3994-Medlemsavgifter
"""
    entries, errors, options = load(body, plugins='plugin "bergslaget_plugins.accruals"\n' + NUMBERING)
    assert errors == []
    numbered = [(e.date.year, e.meta["ver"]) for e in entries if isinstance(e, Transaction)]
    assert sorted(numbered) == [(2021, "A1"), (2021, "PE1"), (2022, "PE1"), (2022, "PE2"), (2022, "PE3")]
    again, again_errors = number_verifications(entries, options)
    assert again_errors == [] and [e.meta.get("ver") for e in again] == [e.meta.get("ver") for e in entries]


# -- the year's result ---------------------------------------------------------------------

YEAR_END = 'plugin "bergslaget_plugins.year_end"\n'


def test_year_result_stays_on_the_result_accounts():
    """Found defect: the year-end rule booked the result through 8999, so Income + Expenses summed to 0."""
    body = fee("2021-03-01", "A1", 1000) + """
2021-04-01 * "Leverantör" "Kostnad"
  ver: "A2"
  Expenses:6990-Övriga-externa-kostnader  1300 SEK
  Assets:1930-Företagskonto
2021-12-31 custom "bokslut" "Årsbokslut 2021"
"""
    entries, errors, options = load(body, plugins=YEAR_END)
    assert errors == []
    assert [e for e in entries if isinstance(e, Transaction)] == [e for e in entries if isinstance(e, Transaction) and "regel" not in e.meta]
    _, rows = run_query(entries, options, "SELECT sum(number) AS result WHERE account ~ '^(Income|Expenses):' AND year = 2021")
    assert rows[0][0] == Decimal(300)


def test_year_end_directive_must_be_31_december():
    body = '2021-06-30 custom "bokslut" "Brutet räkenskapsår"\n'
    text = ledger_text(body, plugins=YEAR_END)
    _, errors, _ = load(body, plugins=YEAR_END)
    assert len(errors) == 1 and errors[0].source["lineno"] == line_of(text, "Brutet")


def test_year_end_directive_only_once_a_year():
    body = '2021-12-31 custom "bokslut" "Årsbokslut 2021"\n2021-12-31 custom "bokslut" "Igen"\n'
    text = ledger_text(body, plugins=YEAR_END)
    _, errors, _ = load(body, plugins=YEAR_END)
    assert len(errors) == 1 and "redan" in errors[0].message and errors[0].source["lineno"] == line_of(text, "Igen")


@pytest.mark.parametrize(("year", "loss"), [(2021, 424259), (2022, 273319)])
def test_plain_query_over_income_and_expenses_gives_the_year_result(books, year, loss):
    entries, _, options = books
    _, rows = run_query(entries, options,
                        f"SELECT sum(number) AS result WHERE account ~ '^(Income|Expenses):' AND year = {year}")
    assert rows[0][0] == Decimal(loss)  # Beancount's sign: a loss is positive


def test_books_book_no_result_transfer(books):
    entries, _, options = books
    chart, _ = read_chart(entries, options)
    assert chart.current_earnings == chart.previous_earnings == "Equity:2069-Årets-resultat"
    assert not [e for e in entries if isinstance(e, Transaction) and e.meta.get("regel") == "arets-resultat"]


# -- chart of accounts ------------------------------------------------------------------------

CHART = 'plugin "bergslaget_plugins.chart_of_accounts"\n'


@pytest.mark.parametrize(("body", "needle", "message"), [
    ('2020-01-01 open Expenses:6991-Okänt SEK\n  namn: "Okänt"\n', "6991", "saknar rad"),
    ('2020-01-01 open Expenses:6991-Okänt SEK\n  rad: "Övriga omkostnader"\n', "6991", "saknar kontots svenska namn"),
    ('2020-01-01 open Expenses:6991-Okänt SEK\n  namn: "Okänt"\n  rad: "Lokaler"\n', "6991", "finns inte i rapportstrukturen"),
    ('2020-01-01 open Expenses:6991-Okänt SEK\n  namn: "Okänt"\n  rad: "Bank"\n', "6991", "står under Tillgångar"),
    ('2020-01-01 open Expenses:Okänt SEK\n  namn: "Okänt"\n  rad: "Övriga omkostnader"\n', "Expenses:Okänt", "börja med BAS-numret"),
    ('2020-01-01 custom "rapportrad" "Intäkter" "Bidrag"\n  not: 7\n', '"Bidrag"', "balansräkningsrad"),
    ('2021-03-01 * "Leverantör" "Faktura"\n  Expenses:6990-Övriga-externa-kostnader  10 SEK\n  Liabilities:2440-Leverantörsskulder  -10 SEK\n',
     '"Leverantör" "Faktura"', "saknar motpart"),
])
def test_chart_errors_are_reported_at_the_directive(body, needle, message):
    text = ledger_text(body, plugins=CHART)
    _, errors, _ = load(body, plugins=CHART)
    assert len(errors) == 1, errors
    assert message in errors[0].message
    assert errors[0].source["lineno"] == line_of(text, needle)


def test_chart_of_the_books_maps_every_account(books):
    entries, _, options = books
    chart, errors = read_chart(entries, options)
    assert errors == []
    opened = {e.account for e in entries if e.__class__.__name__ == "Open"}
    assert opened == set(chart.accounts)
    assert [line.label for line in chart.lines][:4] == ["Medlemsavgifter", "Bidrag", "Försäljning", "Övriga intäkter"]


# -- budget ----------------------------------------------------------------------------------------

def test_budget_of_the_books_per_account_agrees_with_fava(books):
    entries, _, _ = books
    customs = [e for e in entries if isinstance(e, Custom)]
    ours, errors = read_budgets(customs)
    assert errors == []
    favas, fava_errors = parse_budgets(customs)
    assert not fava_errors
    year = (datetime.date(2022, 1, 1), datetime.date(2023, 1, 1))
    for account in ours:
        assert budget_for(ours, account, *year).quantize(Decimal("0.01")) == \
            calculate_budget(favas, account, *year)["SEK"].quantize(Decimal("0.01"))
    assert sum(budget_for(ours, a, *year) for a in ours if a.startswith("Income:")) == -1109000


def test_budget_spreads_like_fava_for_every_period():
    body = """
2021-01-01 custom "budget" Expenses:6990-Övriga-externa-kostnader "monthly" 1000 SEK
2021-03-15 custom "budget" Expenses:6990-Övriga-externa-kostnader "quarterly" 9100 SEK
2021-06-01 custom "budget" Expenses:6990-Övriga-externa-kostnader "weekly" 700 SEK
2021-09-10 custom "budget" Expenses:6990-Övriga-externa-kostnader "daily" 13 SEK
2021-11-20 custom "budget" Expenses:6990-Övriga-externa-kostnader "yearly" 36500 SEK
"""
    entries, _, _ = load(body)
    customs = [e for e in entries if isinstance(e, Custom)]
    ours, _ = read_budgets(customs)
    favas, _ = parse_budgets(customs)
    account = "Expenses:6990-Övriga-externa-kostnader"
    generator = random.Random(2022)
    for _ in range(60):
        begin = datetime.date(2020, 12, 1) + datetime.timedelta(days=generator.randrange(500))
        end = begin + datetime.timedelta(days=generator.randrange(1, 200))
        expected = calculate_budget(favas, account, begin, end).get("SEK", Decimal(0))
        assert abs(budget_for(ours, account, begin, end) - expected) < Decimal("0.000001"), (begin, end)


# -- saved queries ------------------------------------------------------------------------------------

def saved_queries(entries) -> dict[str, str]:
    return {e.name: e.query_string for e in entries if isinstance(e, Query)}


def year_2022(books):
    """The books as Fava's time filter 2022 gives them to a saved query (Beancount's clamp)."""
    entries, _, options = books
    clamped, _ = summarize.clamp_opt(entries, datetime.date(2022, 1, 1), datetime.date(2023, 1, 1), options)
    return clamped, options


def test_saved_queries_run_in_beanquery(books):
    entries, _, options = books
    queries = saved_queries(entries)
    assert {"Råbalans", "Verifikationslista", "Huvudbok 1930", "RR per konto"} <= set(queries)
    for name, query in queries.items():
        _, rows = run_query(entries, options, query)
        assert rows, name


def test_no_saved_query_is_named_after_a_year(books):
    entries, _, _ = books
    years = {str(entry.date.year) for entry in entries if isinstance(entry, Transaction)}
    assert {"2021", "2022"} <= years
    assert not [name for name in saved_queries(entries) if set(re.findall(r"\d+", name)) & years]


def test_trial_balance_shows_the_year_end_balances(books):
    entries, _, _ = books
    _, rows = run_query(*year_2022(books), saved_queries(entries)["Råbalans"])
    balances = {row[0]: row[2].get_currency_units("SEK").number for row in rows}
    assert balances["Assets:1930-Företagskonto"] == 958543
    assert balances["Equity:2069-Årets-resultat"] == 0  # 2021's result, disposed by A53
    assert balances["Income:3994-Medlemsavgifter"] == -1029103
    assert sum(amount for account, amount in balances.items() if account.startswith(("Income:", "Expenses:"))) == 273319
    assert sum(balances.values()) == 0


def test_verification_list_sorts_numbers_as_numbers(books):
    entries, _, _ = books
    _, rows = run_query(*year_2022(books), saved_queries(entries)["Verifikationslista"])
    order = list(dict.fromkeys(row[0] for row in rows))
    assert order.index("A2") < order.index("A10") < order.index("A100")
    assert order.index("LF9") < order.index("LF10")


def test_income_statement_per_account_adds_up_to_the_report_lines(books):
    entries, _, _ = books
    _, rows = run_query(*year_2022(books), saved_queries(entries)["RR per konto"])
    per_line: dict[str, Decimal] = defaultdict(Decimal)
    for _, _, line, amount in rows:
        per_line[line] += amount.get_currency_units("SEK").number
    assert per_line["Personalkostnader"] == 1088442
    assert per_line["Medlemsavgifter"] == -1029103
    assert sum(per_line.values()) == 273319  # the year's loss


def test_ledger_of_an_account_has_verification_numbers(books):
    entries, _, _ = books
    _, rows = run_query(*year_2022(books), saved_queries(entries)["Huvudbok 1930"])
    assert rows[0][4].units.number == 1216494  # opening balance
    assert all(row[1] for row in rows[1:])
    assert rows[-1][5].get_currency_units("SEK").number == 958543


@pytest.mark.parametrize(("numbers", "missing"), [
    (("A2", "A3"), "A1 saknas"),          # as many numbers as the series' last but one: the first missing
    (("A1", "A1", "A3"), "A2 saknas"),    # a number twice is no number twice: A3 is still after a gap
    (("A1", "A2", "A7"), "A3–A6 saknas"),
])
def test_a_gap_is_found_wherever_it_is(numbers, missing):
    body = "".join(fee(f"2021-01-{day:02d}", number) for day, number in enumerate(numbers, start=5))
    _, errors, _ = load(body, plugins=NUMBERING)
    assert [error.message for error in errors if "Lucka" in error.message] == [f"Lucka i verifikationsserie A 2021: {missing}"]
