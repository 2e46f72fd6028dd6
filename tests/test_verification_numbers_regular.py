"""The numbering's quick reading of regular books (``_unnumbered_if_regular``) gives what the
reading of every transaction one by one gives: the same errors, the same entries to number."""

from __future__ import annotations

import datetime
import random
from typing import Any
from unittest import mock

from beancount.core.data import Amount, Posting, Transaction
from beancount.core.number import D
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bergslaget_plugins import verification_numbers
from bergslaget_plugins.verification_numbers import (
    _gaps,
    _read_one_by_one,
    _read_verifications,
    _series_counts,
    _unnumbered_if_regular,
    _up_to_counts,
)

GENERATED = frozenset(("MA", "BO"))
YEARS = (2021, 2022)


def _transaction(date: datetime.date, meta: dict[str, Any], flag: str = "*") -> Transaction:
    postings = [Posting("Assets:1930-Företagskonto", Amount(D("1"), "SEK"), None, None, None, None),
                Posting("Expenses:6110-Kontorsmateriel", Amount(D("-1"), "SEK"), None, None, None, None)]
    return Transaction({"filename": "böcker.beancount", "lineno": 1, **meta}, date, flag, None, "text",
                       frozenset(), frozenset(), postings)


def _as_read(transactions: list[Transaction], read: Any) -> tuple[list[tuple[str, int]], dict[Any, list[int]]]:
    """What a reading gives, by message and place: its errors with the gaps, and the entries to number."""
    place = {id(entry): index for index, entry in enumerate(transactions)}
    errors = [(error.message, place[id(error.entry)]) for error in read.errors + _gaps(read.numbers)]
    return errors, {key: [place[id(entry)] for entry in pending] for key, pending in read.to_number.items()}


#: Series of the books: more than the quick reading counts one at a time (``_FEW_SERIES``), some
#: the beginning of another (A, AB), one generated (MA).
SERIES = ("A", "LÖ", "B", "MA", "AB", "ÅÄÖ", "KF", "LF", "BG", "C", "D", "E", "F", "G", "H")
#: Regular books: each year and series numbered 1 up to a count, in some order over the year's dates.
COUNTS = st.dictionaries(st.tuples(st.sampled_from(YEARS), st.sampled_from(SERIES)),
                         st.integers(0, 12) | st.integers(98, 101), max_size=16)
#: What is done to a few transactions afterwards: an id of another, a missing or bad id, a request for a number …
CHANGES = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from((
    ("ver", "A1"), ("ver", "A13"), ("ver", "A01"), ("ver", "A1\nA2"), ("ver", "LÖ2"), ("ver", "MA1"), ("ver", "Å"),
    ("ver", 7), ("ver", None), ("ver", "A10"), ("ver", "B99"), ("ver", "AB1"), ("ver", "B100"), ("ver", "B111"),
    ("ver", "A1\n"), ("ver", "\nA1"), ("ver", ""), ("ver", "1"), ("ver", "1A"), ("ver", "A1B"), ("ver", "A 1"),
    ("ver", "a1"), ("ver", "ABCDE1"), ("ver", "A\u0661"), ("ver", "A1\ud800"), ("ver", "A\r1"), ("ver", "A0"),
    ("ver", "AB"), ("ver", "A1\n\nA2"),
    ("drop", "ver"), ("ask", "MA"), ("ask", "BO"), ("ask", "XX"), ("ask", 3), ("flag", "P"), ("flag", "!"),
    ("swap", None), ("meta", None), ("ver_serie", "MA"), ("year", 2023), ("year", 2020), ("add", "BO"), ("add", None),
    ("datetime", None),
))), max_size=4)


@st.composite
def books(draw: st.DrawFn, changes: st.SearchStrategy[list[tuple[int, tuple[str, Any]]]] = CHANGES) -> list[Transaction]:
    ids: list[tuple[int, str]] = [(year, f"{series}{number}")
                                  for (year, series), count in draw(COUNTS).items() for number in range(1, count + 1)]
    order = random.Random(draw(st.integers(0, 2**32)))  # one draw for the order and dates of many ids
    order.shuffle(ids)
    transactions = sorted((_transaction(datetime.date(year, order.randint(1, 12), 1), {"ver": id_})
                           for year, id_ in ids), key=lambda entry: entry.date)
    transactions += [_transaction(datetime.date(draw(st.sampled_from(YEARS)), 12, 31), {"ver_serie": "BO"})
                     for _ in range(draw(st.integers(0, 2)))]
    transactions.sort(key=lambda entry: entry.date)
    for where, (change, value) in draw(changes):
        if not transactions:
            break
        index = where % len(transactions)
        entry = transactions[index]
        meta = dict(entry.meta)
        if change == "ver":
            meta["ver"] = value
        elif change == "drop":
            meta.pop("ver", None)
        elif change == "ask":
            meta.pop("ver", None)
            meta["ver_serie"] = value
        elif change == "ver_serie":
            meta["ver_serie"] = value
        elif change == "flag":
            transactions[index] = entry._replace(flag=value)
            continue
        elif change == "swap":  # out of date order
            transactions[index], transactions[0] = transactions[0], transactions[index]
            continue
        elif change == "add":  # a transaction without an id beside this one, asking for a number or not
            added = {"ver_serie": value} if value else {}
            transactions.insert(index, _transaction(entry.date, added))
            continue
        elif change == "datetime":  # a date that is a datetime: not comparable with a date
            transactions[index] = entry._replace(date=datetime.datetime(entry.date.year, entry.date.month, entry.date.day, 12))
            continue
        elif change == "year":  # a transaction moved to a year of its own (before or after the others: in order)
            transactions[index] = entry._replace(date=datetime.date(value, 6, 1))
            transactions.sort(key=lambda moved: moved.date)
            continue
        elif change == "meta":  # metadata of a dict type of its own, with its own get
            transactions[index] = entry._replace(meta=_OwnGet({**meta, "eget_ver": "A999"}))
            continue
        transactions[index] = entry._replace(meta=meta)
    return transactions


class _OwnGet(dict[str, Any]):
    """Metadata whose ``get`` reads ``ver`` from another key: the numbering asks ``meta.get``."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get("eget_ver" if key == "ver" else key, default)


@pytest.mark.parametrize(("few_series", "few_unnumbered"),
                         [(1, 0), (verification_numbers._FEW_SERIES, verification_numbers._FEW_UNNUMBERED)])
@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(transactions=books())
def test_the_quick_reading_gives_what_the_reading_one_by_one_gives(transactions: list[Transaction], few_series: int,
                                                                  few_unnumbered: int) -> None:
    """Also where the series of a year but one are counted all at once, and the transactions
    without an id are taken out of a year's ids in one pass, as if there were many."""
    with mock.patch.object(verification_numbers, "_FEW_SERIES", few_series), \
            mock.patch.object(verification_numbers, "_FEW_UNNUMBERED", few_unnumbered):
        assert _as_read(transactions, _read_verifications(transactions, GENERATED)) == \
            _as_read(transactions, _read_one_by_one(transactions, GENERATED))


#: Nothing changed but transactions without an id added: the books stay regular.
UNNUMBERED = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from((("add", "BO"), ("add", None)))), max_size=6)


@pytest.mark.parametrize("few_unnumbered", [0, verification_numbers._FEW_UNNUMBERED])
@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(transactions=books(UNNUMBERED))
def test_regular_books_are_read_quickly_with_their_unnumbered_transactions(transactions: list[Transaction],
                                                                          few_unnumbered: int) -> None:
    """Regular books without a generated series' id take the quick reading (so the test above
    compares it, not the reading one by one with itself), which finds the transactions without an id."""
    if not transactions or any(str(entry.meta.get("ver")).startswith("MA") for entry in transactions):
        return
    with mock.patch.object(verification_numbers, "_FEW_UNNUMBERED", few_unnumbered):
        unnumbered = _unnumbered_if_regular(transactions, GENERATED)
    assert unnumbered == [entry for entry in transactions if "ver" not in entry.meta]


@pytest.mark.parametrize("count", [*range(1, 130), 999, 1000, 1001, 2999, 20002, 40003, 99999, 100000, 909090])
def test_the_numbers_up_to_a_count_are_those_up_to_it(count: int) -> None:
    """The quick reading's pattern of the numbers up to a series' count, against int comparison."""
    pattern = _up_to_counts({"A": count, "AB": 3})
    for number in {*range(0, 130), *range(max(0, count - 150), count + 150), 10 * count, 10 * count + 9}:
        assert (pattern.fullmatch(f"A{number}\n") is not None) == (1 <= number <= count), number
        assert pattern.fullmatch(f"A0{number}\n") is None
    assert pattern.fullmatch(f"A{count}\nAB3\nA1\n") and not pattern.fullmatch(f"A{count}\nAB4\n")
    assert not pattern.fullmatch(f"A{count}") and not pattern.fullmatch(f"B{count}\n")


def test_many_series_are_counted_line_by_line() -> None:
    """Fifteen series of a year: twelve counted one by one, the rest line by line."""
    series = [f"{letter}{other}" for letter in "ABC" for other in "DEFGH"]
    lines = "\n".join(f"{name}{number}" for number in range(1, 4) for name in series[:14]) + "\nCH1"
    assert _series_counts(lines) == {**{name: 3 for name in series[:14]}, "CH": 1}
    assert _series_counts(lines.replace("CH1", "1")) is None and _series_counts(lines.replace("AD1", "1")) is None


def test_regular_books_are_read_quickly() -> None:
    """The quick reading is taken where the ids run regularly, also with entries asking for a number."""
    transactions = [_transaction(datetime.date(2022, 1, day), {"ver": f"A{number}"})
                    for day, number in zip(range(1, 13), (2, 1, 3, 5, 4, 6, 7, 8, 9, 10, 12, 11), strict=True)]
    transactions.append(_transaction(datetime.date(2022, 12, 31), {"ver_serie": "BO"}))
    transactions.append(_transaction(datetime.date(2023, 1, 2), {"ver": "A1"}))
    assert _unnumbered_if_regular(transactions, GENERATED) == [transactions[12]]
    for irregular in ("A13", "A12", "A0", "MA1", "A1\nA13"):
        changed = [*transactions[:11], transactions[11]._replace(meta={**transactions[11].meta, "ver": irregular}),
                   *transactions[12:]]
        assert _unnumbered_if_regular(changed, GENERATED) is None, irregular
    # Out of date order the years are not runs of the list: A3 of 2022 first, then 2021's A1, then A1.
    unsorted = [_transaction(datetime.date(2022, 5, 1), {"ver": "A3"}), _transaction(datetime.date(2021, 5, 1), {"ver": "A1"}),
                _transaction(datetime.date(2022, 6, 1), {"ver": "A1"})]
    assert _unnumbered_if_regular(unsorted, GENERATED) is None


def test_the_books_numbered_as_before() -> None:
    """Through the plugin: a generated verification gets its number, a gap is reported."""
    transactions = [_transaction(datetime.date(2022, 3, 1), {"ver": "A1"}),
                    _transaction(datetime.date(2022, 3, 2), {"ver": "A3"}),
                    _transaction(datetime.date(2022, 12, 31), {"ver_serie": "BO", "regel": "test"})]
    entries, errors = verification_numbers.number_verifications(list(transactions), {})
    assert [error.message for error in errors] == ["Lucka i verifikationsserie A 2022: A2 saknas"]
    assert entries[2].meta["ver"] == "BO1"
