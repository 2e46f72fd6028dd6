"""Not 2 and Not 4 of the real books come from the year-end rules, not from typed amounts."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from decimal import Decimal

from beancount.core.data import Transaction
from beanquery.query import run_query

from conftest import LEDGER

YEAR_ENDS = (datetime.date(2021, 12, 31), datetime.date(2022, 12, 31))


def rows_by_rule(entries, account: str, day: datetime.date) -> dict[tuple[str, str | None], Decimal]:
    """Balance of ``account`` at the end of ``day`` by (rule or 'manuell', motpart)."""
    totals: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, Transaction) and entry.date <= day:
            for posting in entry.postings:
                if posting.account == account:
                    key = (entry.meta.get("regel", "manuell"), (posting.meta or {}).get("motpart"))
                    totals[key] += posting.units.number
    return {key: value for key, value in totals.items() if value}


def test_prepaid_rent_in_not_2_comes_from_the_accrual_rule(books):
    entries, _, _ = books
    assert rows_by_rule(entries, "Assets:1710-Förutbetalda-hyreskostnader", YEAR_ENDS[1]) == {
        ("periodisering", "Fastighets AB Hushagen"): Decimal(16061)}
    assert rows_by_rule(entries, "Assets:1710-Förutbetalda-hyreskostnader", YEAR_ENDS[0]) == {}


def test_accrued_costs_in_not_4_come_from_the_accrual_rule_and_are_reversed(books):
    entries, _, _ = books
    account = "Liabilities:2990-Övriga-upplupna-kostnader"
    assert rows_by_rule(entries, account, YEAR_ENDS[0]) == {
        ("periodisering", "Skuld till Visit Dalarna kv 4"): Decimal(-25067),
        ("periodisering", "Upplupna kostnader"): Decimal(-30000)}
    assert rows_by_rule(entries, account, datetime.date(2022, 1, 1)) == {}
    reversals = [e for e in entries if isinstance(e, Transaction) and e.date == datetime.date(2022, 1, 1)
                 and e.meta.get("regel") == "periodisering"]
    assert len(reversals) == 2 and all(e.meta["ver"].startswith("PE") for e in reversals)


def test_holiday_pay_and_its_social_fees_come_from_the_recorded_facts(books):
    entries, _, _ = books
    generated = [e for e in entries if isinstance(e, Transaction) and e.meta.get("regel") == "semesterlöneskuld"]
    assert [(e.date, e.meta["semesterloneskuld"], e.meta["sociala_avgifter"]) for e in generated] == [
        (YEAR_ENDS[0], 101920, 32023), (YEAR_ENDS[1], 103740, 32595)]
    for entry in generated:
        assert entry.meta["filename"].endswith("bokslut.beancount")
        assert 'custom "semesterlöneskuld"' in open(entry.meta["filename"]).read().splitlines()[entry.meta["lineno"] - 1]


def test_special_payroll_tax_is_computed_from_the_pension_postings(books):
    entries, _, _ = books
    generated = {e.date.year: e for e in entries if isinstance(e, Transaction) and e.meta.get("regel") == "särskild löneskatt"}
    premiums = defaultdict(Decimal)
    for entry in entries:
        if isinstance(entry, Transaction):
            for posting in entry.postings:
                if posting.account == "Expenses:7411-Pensionsförsäkringspremier":
                    premiums[entry.date.year] += posting.units.number
    for year, tax in ((2021, 86315), (2022, 83445)):
        entry = generated[year]
        assert (premiums[year] * Decimal("0.2426")).quantize(Decimal(1)) == tax
        assert {p.account: p.units.number for p in entry.postings} == {
            "Expenses:7533-Särskild-löneskatt-pension": tax, "Liabilities:2943-Beräknad-särskild-löneskatt": -tax}


def test_no_special_payroll_tax_amount_is_typed_in_the_ledger():
    typed = "\n".join(path.read_text() for path in LEDGER.parent.rglob("*.beancount"))
    for amount in ("86315", "83445"):
        assert not re.search(amount[:2] + r"[ \u00a0]?" + amount[2:], typed), amount


def test_no_transaction_in_the_ledger_books_an_accrual_by_hand(books):
    """Postings to the accrual accounts are generated, except opening balances and settlements."""
    entries, _, _ = books
    accruals = ("Assets:1710", "Liabilities:2990", "Liabilities:2941", "Liabilities:2943")
    for entry in entries:
        if not isinstance(entry, Transaction) or "regel" in entry.meta:
            continue
        for posting in entry.postings:
            if posting.account.startswith(accruals):
                # Only the opening balance and payments that settle a liability (debits) are manual.
                assert entry.meta["ver"] == "IB1" or posting.units is None or posting.units.number > 0, entry


def test_generated_entries_are_in_queries_with_their_series(books):
    entries, _, options = books
    _, rows = run_query(entries, options, """
        SELECT entry_meta('ver') AS ver, entry_meta('regel') AS regel, sum(number) AS belopp
        WHERE account = 'Liabilities:2943-Beräknad-särskild-löneskatt' AND year = 2022
        GROUP BY ver, regel ORDER BY ver""")
    assert ("BO2", "särskild löneskatt", Decimal(-83445)) in rows  # BO1 is the holiday pay ("semesterlöneskuld" sorts first)
