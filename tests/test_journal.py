"""The journal (verifikationslista), the general ledger (huvudbok) and the trial balance (råbalans)
against the books of 2021 and 2022, and the commands that print them."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from beancount.core.data import Transaction
from beancount.parser import options as options_lib

from bergslaget_plugins import cli
from bergslaget_plugins.general_ledger import build_general_ledger, ledger_as_csv
from bergslaget_plugins.journal import build_journal, journal_as_csv
from bergslaget_plugins.statements import ReportError
from conftest import LEDGER
from ledgers import load

BANK = "1930"
BANK_BALANCES = {2021: (Decimal(1408630), Decimal(1216494)), 2022: (Decimal(1216494), Decimal(958543))}


def run(*argv: str) -> str:
    out = io.StringIO()
    assert cli.main([*argv, str(LEDGER)], out=out) == 0
    return out.getvalue()


def verification_ids(entries, year: int) -> Counter[str]:
    return Counter(entry.meta["ver"] for entry in entries
                   if isinstance(entry, Transaction) and entry.date.year == year and entry.flag == "*")


def number_key(ver: str) -> tuple[str, int]:
    series, number = re.fullmatch(r"([A-ZÅÄÖ]+)(\d+)", ver).groups()
    return series, int(number)


# -- journal ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("year", [2021, 2022])
def test_the_journal_lists_every_verification_once_balanced_in_series_order(books, year):
    entries, errors, _ = books
    assert not errors
    journal = build_journal(entries, year)
    listed = [verification.ver for verification in journal.verifications]
    assert Counter(listed) == verification_ids(entries, year)
    assert max(Counter(listed).values()) == 1
    assert listed == sorted(listed, key=number_key)
    for verification in journal.verifications:
        assert verification.debit == verification.credit > 0, verification.ver
    assert {"MA", "PE", "BO"} & {verification.series for verification in journal.verifications}


def test_journal_csv_of_2022_from_the_command(books):
    entries, _, _ = books
    rows = list(csv.reader(io.StringIO(run("journal", "--year", "2022", "--format", "csv"))))
    assert rows[0] == ["ver", "datum", "text", "konto", "belopp"]
    order = list(dict.fromkeys(row[0] for row in rows[1:]))
    assert Counter(order) == verification_ids(entries, 2022)
    assert order == sorted(order, key=number_key)
    assert order.index("A2") < order.index("A10")
    assert {"MA1", "PE1", "BO1"} <= set(order)
    assert all(re.fullmatch(r"\d{4}", row[3]) for row in rows[1:])
    assert all(re.fullmatch(r"-?\d+\.\d\d", row[4]) for row in rows[1:])
    by_ver: dict[str, Decimal] = Counter()
    for row in rows[1:]:
        by_ver[row[0]] += Decimal(row[4])
    assert set(by_ver.values()) == {0}
    first = next(row for row in rows if row[0] == "LF1")
    assert first == ["LF1", "2022-01-01", "Borlänge kommun: Lokalhyra januari 2022, Borlänge", "5010", "1563.00"]


def test_journal_of_one_series_and_a_part_of_the_year(books):
    entries, _, _ = books
    text = run("journal", "--year", "2022", "--series", "LF", "--from", "2022-01-01", "--to", "2022-01-31")
    assert text.startswith("Verifikationslista 2022-01-01–2022-01-31, serie LF")
    assert "LF1 " in text and "LF5 " in text and "LF6 " not in text and "A1 " not in text
    assert "Summa" in text


def test_a_period_outside_the_year_is_refused(books, capsys):
    assert cli.main(["journal", "--year", "2022", "--from", "2021-12-01", str(LEDGER)], out=io.StringIO()) == 2
    assert "ligger inte inom räkenskapsåret 2022" in capsys.readouterr().err
    with pytest.raises(ReportError):
        build_journal(books[0], 2022, datetime.date(2022, 3, 1), datetime.date(2022, 2, 1))
    # a bad date is argparse's clear message, not a traceback
    with pytest.raises(SystemExit):
        cli.main(["journal", "--year", "2022", "--from", "2022-13-01", str(LEDGER)], out=io.StringIO())


# -- general ledger and trial balance -------------------------------------------------------------

@pytest.mark.parametrize("year", [2021, 2022])
def test_the_general_ledger_takes_1930_from_its_opening_to_its_closing_balance(books, year):
    entries, _, options = books
    ledger = build_general_ledger(entries, options, year)
    bank = ledger.account(BANK)
    assert (bank.opening, bank.closing) == BANK_BALANCES[year]
    assert bank.opening + sum(row.amount for row in bank.rows) == bank.closing
    journal = build_journal(entries, year)
    assert sum(len(account.rows) for account in ledger.accounts) == sum(len(v.postings) for v in journal.verifications)
    assert sum(account.opening for account in ledger.accounts) == 0
    assert sum(account.closing for account in ledger.accounts) == 0
    for account in ledger.accounts:
        assert account.closing == account.opening + account.debit - account.credit


def test_opening_balances_are_the_previous_closing_balances(books):
    entries, _, options = books
    closing_2021 = {account.account: account.closing for account in build_general_ledger(entries, options, 2021).accounts}
    opening_2022 = {account.account: account.opening for account in build_general_ledger(entries, options, 2022).accounts}
    previous_earnings, _, _ = options_lib.get_previous_accounts(options)
    balance_roots = tuple(options[name] + ":" for name in ("name_assets", "name_liabilities", "name_equity"))
    for account, balance in closing_2021.items():
        if account.startswith(balance_roots) and account != previous_earnings:
            assert opening_2022.get(account, Decimal(0)) == balance, account
        elif not account.startswith(balance_roots):
            assert opening_2022.get(account, Decimal(0)) == 0, account


def test_ledger_csv_of_1930_from_the_command():
    rows = list(csv.reader(io.StringIO(run("ledger", "--year", "2022", "--account", BANK, "--format", "csv"))))
    assert rows[0] == ["konto", "datum", "ver", "text", "belopp", "saldo"]
    assert rows[1] == [BANK, "2022-01-01", "IB", "Ingående balans", "", "1216494.00"]
    assert rows[-1] == [BANK, "2022-12-31", "UB", "Utgående balans", "", "958543.00"]
    balance = Decimal("1216494")
    for row in rows[2:-1]:
        balance += Decimal(row[4])
        assert Decimal(row[5]) == balance
    assert {row[0] for row in rows[1:]} == {BANK}


def test_ledger_csv_has_an_ib_and_a_ub_row_per_account(books):
    entries, _, options = books
    rows = list(csv.reader(io.StringIO(ledger_as_csv(build_general_ledger(entries, options, 2022)))))[1:]
    accounts = list(dict.fromkeys(row[0] for row in rows))
    for account in accounts:
        own = [row for row in rows if row[0] == account]
        assert own[0][2] == "IB" and own[-1][2] == "UB"
        assert "IB" not in [row[2] for row in own[1:]]


def test_trial_balance_from_the_command():
    text = run("trial-balance", "--year", "2022")
    assert text.startswith("Råbalans 2022-01-01–2022-12-31")
    bank = next(line for line in text.splitlines() if line.startswith(BANK))
    assert bank.endswith("958 543,00") and "1 216 494,00" in bank
    total = text.splitlines()[-1]
    assert total.startswith("Summa") and total.endswith(" 0,00")


def test_an_unknown_account_is_refused(capsys):
    assert cli.main(["ledger", "--year", "2022", "--account", "9999", str(LEDGER)], out=io.StringIO()) == 2
    assert "Konto 9999" in capsys.readouterr().err


def test_previous_years_result_opens_on_the_previous_earnings_account():
    entries, errors, options = load("""
        option "account_previous_earnings" "Equity:2069-Årets-resultat"
        2021-01-01 open Assets:1930-Företagskonto SEK
        2021-01-01 open Income:3994-Medlemsavgifter SEK
        2021-01-01 open Equity:2069-Årets-resultat SEK
        2021-03-01 * "Medlem" "Avgift"
          ver: "A1"
          Assets:1930-Företagskonto  1000 SEK
          Income:3994-Medlemsavgifter
        2022-03-01 * "Medlem" "Avgift"
          ver: "A1"
          Assets:1930-Företagskonto  500 SEK
          Income:3994-Medlemsavgifter
    """, chart=False)
    assert not errors
    ledger = build_general_ledger(entries, options, 2022)
    assert ledger.account("2069").opening == -1000
    assert ledger.account("3994").opening == 0 and ledger.account("3994").closing == -500
    assert ledger.account(BANK).closing == 1500
    csv_text = journal_as_csv(build_journal(entries, 2022))
    assert csv_text.splitlines()[1:] == ["A1,2022-03-01,Medlem: Avgift,1930,500.00", "A1,2022-03-01,Medlem: Avgift,3994,-500.00"]


def test_a_text_that_looks_like_a_formula_is_neutralised_in_the_csv():
    entries, errors, options = load("""
        2022-03-01 * "=HYPERLINK(1)" "Avgift"
          ver: "A1"
          Assets:1930-Företagskonto  500 SEK
          Income:3994-Medlemsavgifter
    """)
    rows = list(csv.reader(io.StringIO(journal_as_csv(build_journal(entries, 2022)))))
    assert rows[1][2] == "'=HYPERLINK(1): Avgift" and rows[2][4] == "-500.00"
    rows = list(csv.reader(io.StringIO(ledger_as_csv(build_general_ledger(entries, options, 2022)))))
    assert rows[2][3] == "'=HYPERLINK(1): Avgift"


@pytest.mark.parametrize("year", [2021, 2022])
def test_opening_and_closing_balances_agree_with_the_sie_export(books, tmp_path, year):
    """The general ledger's IB/UB of every balance account are the SIE file's #IB/#UB (year 0)."""
    entries, _, options = books
    target = tmp_path / f"bergslaget-{year}.se"
    assert cli.main(["sie", "export", "--year", str(year), "-o", str(target), str(LEDGER)], out=io.StringIO()) == 0
    text = target.read_bytes().decode("cp437")
    sie = {(kind, account): Decimal(amount)
           for kind, account, amount in re.findall(r"^#(IB|UB) 0 (\d{4}) (-?[\d.]+)", text, re.M)}
    ledger = build_general_ledger(entries, options, year)
    balance_roots = tuple(options[name] + ":" for name in ("name_assets", "name_liabilities", "name_equity"))
    for account in ledger.accounts:
        if account.account.startswith(balance_roots):
            assert sie.get(("IB", account.bas), Decimal(0)) == account.opening, account.bas
            assert sie.get(("UB", account.bas), Decimal(0)) == account.closing, account.bas
    assert sie[("UB", BANK)] == BANK_BALANCES[year][1]
