"""The postings read by counterparty once per list of transactions on the rules line
(counterparty_postings): the chart-of-accounts check and the counterparty check find there
what each would find on a plugin line of its own, also when a rule between them changed a
transaction; and the one pass finds what a plain loop over the postings finds."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core.amount import Amount
from beancount.core.data import Posting, Transaction
from beancount.core.number import MISSING
from hypothesis import given, settings
from hypothesis import strategies as st

from bergslaget_plugins.counterparty_postings import Key, Tally, WrongSign, counterparty_postings, signs_of
from bergslaget_plugins.entry_index import shared_entry_indexes
from ledgers import ledger_text

RULES_LINE = 'plugin "bergslaget_plugins.rules"\n'
OWN_LINES = """
plugin "bergslaget_plugins.chart_of_accounts"
plugin "bergslaget_plugins.markup"
plugin "bergslaget_plugins.counterparties"
"""

# Two postings spell the supplier "Firma <AB>" and one "firma ‹ab›": the markup rule (on
# the rules line between the two checks) writes "<" as "‹" in a copy of the transaction,
# so the counterparty check must see "Firma ‹AB›" twice and "firma ‹ab›" once: one
# counterparty spelled two ways. A pass kept from before the markup rule would see two
# different counterparties. A payment without its counterparty, a supplier with a claim
# at the year end, and a counterparty on an account without a note complete the picture.
BODY = """
2022-02-01 * "Firma" "Faktura 1"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  300 SEK
  Liabilities:2440-Leverantörsskulder  -300 SEK
    motpart: "Firma <AB>"
2022-02-02 * "Firma" "Faktura 2"
  ver: "A2"
  Expenses:6990-Övriga-externa-kostnader  200 SEK
  Liabilities:2440-Leverantörsskulder  -200 SEK
    motpart: "Firma <AB>"
2022-03-01 * "Firma" "Betalning"
  ver: "A3"
  Assets:1930-Företagskonto  -100 SEK
    motpart: "Banken"
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "firma ‹ab›"
2022-03-02 * "Firma" "Betalning utan motpart"
  ver: "A4"
  Assets:1930-Företagskonto  -50 SEK
    motpart: "banken"
  Liabilities:2440-Leverantörsskulder  50 SEK
"""

CHECKS = ("chart_of_accounts", "counterparties")


def checks_errors(plugins: str) -> list[tuple[str, str]]:
    _, errors, _ = loader.load_string(ledger_text(BODY, plugins=plugins))
    return [(type(error).__name__, error.message) for error in errors
            if type(error).__module__.rsplit(".", 1)[-1] in ("chart", "counterparties")]


def test_on_the_rules_line_the_checks_find_what_they_find_on_their_own_lines() -> None:
    on_their_own = checks_errors(OWN_LINES)
    assert on_their_own == checks_errors(RULES_LINE)
    messages = [message for _, message in on_their_own]
    assert any("'firma ‹ab›'" in message and "'Firma ‹AB›'" in message for message in messages), messages
    assert any("'banken'" in message and "'Banken'" in message for message in messages), messages  # an account without a note
    assert any("saknar motpart" in message for message in messages), messages
    assert any("fel tecken" in message and "'firma ‹ab›'" in message for message in messages), messages


def test_within_the_scope_the_postings_are_sorted_out_once_per_list_of_transactions() -> None:
    entries, _, _ = loader.load_string(ledger_text(BODY))
    needing = frozenset({"Liabilities:2440-Leverantörsskulder"})
    assert counterparty_postings(entries, needing) is not counterparty_postings(entries, needing)
    with shared_entry_indexes():
        found = counterparty_postings(entries, needing)
        assert counterparty_postings(entries, needing) is found
        assert counterparty_postings(list(entries), needing) is not found  # another list, another index
        other = counterparty_postings(entries, frozenset())
        assert other is not found and other.unnamed == [] and other.named == found.named
    assert [(entry.narration, name) for entry, _, name in zip(*found.named)] == [
        ("Faktura 1", "Firma <AB>"), ("Faktura 2", "Firma <AB>"), ("Betalning", "Banken"), ("Betalning", "firma ‹ab›"),
        ("Betalning utan motpart", "banken")]
    assert [(entry.narration, posting.account) for entry, posting in found.unnamed] == [
        ("Betalning utan motpart", "Liabilities:2440-Leverantörsskulder")]


YEARS = """
2020-03-01 * "Leverantör" "Betalning utan faktura"
  ver: "A1"
  Assets:1930-Företagskonto  -100 SEK
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "Ensam AB"
2023-03-01 * "Leverantör" "Faktura"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  40 SEK
  Liabilities:2440-Leverantörsskulder  -40 SEK
    motpart: "Ensam AB"
2023-04-01 * "Kund" "Förskott"
  ver: "A2"
  Assets:1930-Företagskonto  10 SEK
  Assets:1510-Kundfordringar  -10 SEK
    motpart: "Kund AB"
"""


def test_a_wrong_sign_is_reported_once_per_last_posting_across_years_without_postings() -> None:
    """2021 and 2022 have no postings: their year ends find the balance of 2020 at the same
    last posting, reported once."""
    from bergslaget_plugins.counterparties import check_counterparties

    entries, errors, options = loader.load_string(ledger_text(YEARS))
    assert errors == []
    expected = [
        "Motparten 'Ensam AB' har saldo 100,00 på Liabilities:2440-Leverantörsskulder per 2020-12-31",
        "Motparten 'Ensam AB' har saldo 60,00 på Liabilities:2440-Leverantörsskulder per 2023-12-31",
        "Motparten 'Kund AB' har saldo -10,00 på Assets:1510-Kundfordringar per 2023-12-31",
    ]
    _, found = check_counterparties(entries, options)
    assert [error.message.split(": fel tecken")[0] for error in found] == expected
    # Entries out of date order (no plugin gets them so) give the same errors.
    _, found_reversed = check_counterparties(entries[::-1], options)
    assert [(error.message, error.entry) for error in found_reversed] == [(error.message, error.entry) for error in found]


# The plain loops the one pass must agree with: first sort the postings out, then tally the
# named ones, posting by posting.

NamedPosting = tuple[Transaction, Posting, str]


def sorted_out_one_by_one(transactions: Iterable[Transaction], needing: frozenset[str]
                          ) -> tuple[list[NamedPosting], list[tuple[Transaction, Posting]]]:
    named: list[NamedPosting] = []
    unnamed: list[tuple[Transaction, Posting]] = []
    for entry in transactions:
        for posting in entry.postings:
            name = posting.meta.get("motpart") if posting.meta else None
            if isinstance(name, str) and name.strip():
                named.append((entry, posting, name))
            elif posting.account in needing:
                unnamed.append((entry, posting))
    return named, unnamed


def tally_one_by_one(postings: Sequence[NamedPosting], signs: Mapping[str, int]) -> Tally:
    uses: dict[Key, int] = {}
    balances: dict[Key, Decimal] = {}  # in the order of the first amount
    last: dict[Key, int] = {}
    wrong_signs: list[WrongSign] = []
    year_end: datetime.date | None = None
    dates: list[datetime.date] = []

    def close(year_end: datetime.date) -> None:
        wrong_signs.extend(WrongSign(year_end, key, balance, last[key]) for key, balance in balances.items()
                           if balance * signs[key[0]] < 0)

    for place, (entry, posting, name) in enumerate(postings):
        key = (posting.account, name)
        uses[key] = uses.get(key, 0) + 1
        if posting.account not in signs or posting.units is None or not isinstance(posting.units.number, Decimal):
            continue
        if year_end is None:
            year_end = datetime.date(entry.date.year, 12, 31)
        while entry.date > year_end:
            close(year_end)
            year_end = datetime.date(year_end.year + 1, 12, 31)
        dates.append(entry.date)
        balances[key] = balances.get(key, Decimal(0)) + posting.units.number
        last[key] = place
    if year_end is not None:
        close(year_end)
    return Tally(uses, wrong_signs if dates == sorted(dates) else None)


SIGNED = ("Liabilities:2440-Leverantörsskulder", "Assets:1510-Kundfordringar")
NEEDING = frozenset({*SIGNED, "Income:3010-Försäljning"})  # a note account without a sign
ACCOUNTS = (*sorted(NEEDING), "Assets:1930-Företagskonto")
# Spellings of two counterparties, and what is not a counterparty: blank, not a text, none.
NAMES: tuple[Any, ...] = ("Firma AB", "firma ab", "Firma  AB", "Kund", "  ", "", Decimal(1), True, None)


@st.composite
def postings(draw: st.DrawFn, lineno: int) -> Posting:
    units: Amount | None = draw(st.sampled_from((
        None, Amount._make((MISSING, "SEK")), Amount._make((5, "SEK")),  # no number; a number that is no Decimal
        *[Amount(Decimal(number), "SEK") for number in (-300, -40, -7, 0, 7, 40, 300)] * 3)))
    meta: dict[str, Any] | None = None
    if draw(st.integers(0, 9)):  # else generated, without metadata
        meta = {"filename": "books.beancount", "lineno": lineno}
        name = draw(st.sampled_from(NAMES))
        if name is not None:
            meta["motpart"] = name
    return Posting(draw(st.sampled_from(ACCOUNTS)), units, None, None, None, meta)


@st.composite
def transactions(draw: st.DrawFn) -> list[Transaction]:
    """Transactions over up to six years, with years without postings between them, in date
    order unless drawn otherwise."""
    found = []
    for lineno in range(draw(st.integers(0, 25))):
        date = datetime.date(2019, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 6 * 365)))
        found.append(Transaction({"filename": "books.beancount", "lineno": lineno}, date, "*", None, "t", frozenset(),
                                 frozenset(), [draw(postings(lineno)) for _ in range(draw(st.integers(1, 3)))]))
    return found if draw(st.integers(0, 4)) == 0 else sorted(found, key=lambda entry: entry.date)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(transactions())
def test_the_one_pass_finds_what_plain_loops_find(entries: list[Transaction]) -> None:
    named, unnamed = sorted_out_one_by_one(entries, NEEDING)
    found = counterparty_postings(entries, NEEDING)
    assert list(zip(*found.named)) == named
    assert found.unnamed == unnamed
    expected = tally_one_by_one(named, signs_of(NEEDING))
    assert found.tally == expected
    assert list(found.tally.uses) == list(expected.uses)  # in the order they first occur
    # Read in date order (what the counterparty check does with entries out of date order):
    # the named postings sorted by date, stable, and their tally.
    in_date_order = counterparty_postings(sorted(entries, key=lambda entry: entry.date), NEEDING)
    named_in_date_order = sorted(named, key=lambda posting: posting[0].date)
    assert list(zip(*in_date_order.named)) == named_in_date_order
    assert in_date_order.tally == tally_one_by_one(named_in_date_order, signs_of(NEEDING))
