"""The year-end rules and the directive readers look up what they need in the entry index
(bergslaget_plugins.entry_index) instead of walking every entry: what they find is what a
walk over all the entries finds, inside the rules line's shared index and outside it."""

from __future__ import annotations

import contextlib
import datetime
import os
from decimal import Decimal

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

from beancount import loader
from beancount.core.amount import Amount
from beancount.core.data import Custom, Directive, Posting, Transaction, new_metadata
from hypothesis import given, settings
from hypothesis import strategies as st

from bergslaget_plugins import accruals, holiday_pay, membership_fees, pension_tax
from bergslaget_plugins.entry_index import directives_of, entry_index, shared_entry_indexes
from conftest import LEDGER

ROOT = "Liabilities:2920-Upplupna-semesterlöner"
ACCOUNTS = (ROOT, f"{ROOT}:Anställd", "Liabilities:2920-Upplupna-semesterlöner-extra", "Assets:1930-Företagskonto",
            "Expenses:7411-Pensionsförsäkringspremier")


def walked_postings(entries: list[Directive], root: str) -> list[tuple[datetime.date, Decimal]]:
    """(date, SEK amount) of each posting on ``root`` or under it, found by walking every entry."""
    return [(entry.date, posting.units.number) for entry in entries if isinstance(entry, Transaction)
            for posting in entry.postings
            if (posting.account == root or posting.account.startswith(root + ":"))
            and posting.units is not None and posting.units.currency == "SEK"]


@st.composite
def books(draw: st.DrawFn) -> list[Directive]:
    """Sorted entries: transactions of two to four postings on accounts with and without
    sub-accounts (a name that only starts like another is not under it), in SEK or EUR,
    and custom directives between them."""
    entries: list[Directive] = []
    for lineno in range(draw(st.integers(0, 15))):
        date = datetime.date(2021, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 730)))
        meta = new_metadata("books.beancount", lineno)
        if draw(st.booleans()):
            entries.append(Custom(meta, date, "bokslut", []))
            continue
        postings = [Posting(draw(st.sampled_from(ACCOUNTS)),
                            Amount(Decimal(draw(st.integers(-500, 500))), draw(st.sampled_from(("SEK", "SEK", "EUR")))),
                            None, None, None, None) for _ in range(draw(st.integers(2, 4)))]
        entries.append(Transaction(meta, date, "*", None, "t", frozenset(), frozenset(), postings))
    return sorted(entries, key=lambda entry: (entry.date, entry.meta["lineno"]))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(books())
def test_postings_and_premiums_by_account_are_what_a_walk_finds(entries: list[Directive]) -> None:
    expected = walked_postings(entries, ROOT)
    by_year: dict[int, Decimal] = {}
    for date, number in expected:
        by_year[date.year] = by_year.get(date.year, Decimal(0)) + number
    for shared in (False, True):
        with shared_entry_indexes() if shared else contextlib.nullcontext():
            assert holiday_pay._postings_to(entries, ROOT, ACCOUNTS[3]) == [expected, walked_postings(entries, ACCOUNTS[3])]
            assert pension_tax.premiums_by_year(entries, [ROOT, ACCOUNTS[1]]) == by_year
            assert list(directives_of(entries)) == [entry for entry in entries if not isinstance(entry, Transaction)]


def test_directives_of_the_real_books_inside_and_outside_the_shared_scope() -> None:
    entries, errors, _ = loader.load_file(str(LEDGER))
    assert errors == []
    walked = [entry for entry in entries if not isinstance(entry, Transaction)]
    assert list(directives_of(entries)) == walked
    with shared_entry_indexes():
        assert directives_of(entries) is entry_index(entries).directives
        assert list(directives_of(entries)) == walked


ACCRUAL_BOOKS = """
option "operating_currency" "SEK"
2020-01-01 open Assets:1790-Övriga-förutbetalda-kostnader SEK
  roll: "förutbetalda-kostnader, upplupna-intäkter"
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Liabilities:2970-Förutbetalda-intäkter SEK
  roll: "förutbetalda-intäkter"
2020-01-01 open Liabilities:2990-Övriga-upplupna-kostnader SEK
  roll: "upplupna-kostnader"
2020-01-01 open Expenses:6540-IT-tjänster SEK
2022-12-20 * "Telia" "Bredband 2023"
  ver: "LF11"
  period: "2023-01/2023-12"
  Expenses:6540-IT-tjänster      12000 SEK
  Assets:1930-Företagskonto     -12000 SEK
2022-12-20 * "Telia" "Samma dag, utan period"
  Expenses:6540-IT-tjänster        100 SEK
  Assets:1930-Företagskonto       -100 SEK
2022-12-20 * "Microsoft" "Licenser 2023"
  ver: "LF12"
  period: "2023-01/2023-06"
  Expenses:6540-IT-tjänster       6000 SEK
  Assets:1930-Företagskonto      -6000 SEK
2022-12-21 * "Telia" "Dagen efter"
  Expenses:6540-IT-tjänster        100 SEK
  Assets:1930-Företagskonto       -100 SEK
"""


def test_periodised_sources_get_their_link_in_their_own_place_sorted_or_not() -> None:
    """The accrual rule replaces each source by its linked copy where the source stood: found
    by binary search in sorted entries (two sources and another entry on one day), and by a
    search through all of them when a caller hands over unsorted entries."""
    entries, errors, options_map = loader.load_string(ACCRUAL_BOOKS)
    assert errors == []
    for handed in (entries, list(reversed(entries))):
        output, errors = accruals.periodise(handed, options_map)
        assert errors == []
        kept = output[: len(handed)]
        changed = [(before, after) for before, after in zip(handed, kept) if before is not after]
        assert sorted(before.narration for before, _ in changed) == ["Bredband 2023", "Licenser 2023"]
        for before, after in changed:
            assert after.links == before.links | {f"periodisering-{before.meta['ver']}-2022"}
            assert after._replace(links=before.links) == before


def test_a_rule_with_nothing_to_book_hands_back_the_list_it_got() -> None:
    """Run again on the real books' finished entries, the booking rules find everything
    booked and return the same list (so that the rules line has nothing to place)."""
    entries, errors, options_map = loader.load_file(str(LEDGER))
    assert errors == []
    for rule in (membership_fees.book_membership_fees, accruals.periodise, holiday_pay.book_holiday_pay_liability,
                 pension_tax.book_special_payroll_tax):
        result, rule_errors = rule(entries, options_map)
        assert rule_errors == []
        assert result is entries, rule.__module__
