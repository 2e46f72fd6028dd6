"""The numbering's quick reading of regular books (``_unnumbered_if_regular``) gives what the
reading of every transaction one by one gives: the same errors, the same entries to number."""

from __future__ import annotations

import datetime
from typing import Any

from beancount.core.data import Amount, Posting, Transaction
from beancount.core.number import D
from hypothesis import given, settings
from hypothesis import strategies as st

from bergslaget_plugins import verification_numbers
from bergslaget_plugins.verification_numbers import _gaps, _read_one_by_one, _read_verifications, _unnumbered_if_regular

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


#: Regular books: each year and series numbered 1 up to a count, in some order over the year's dates.
COUNTS = st.dictionaries(st.tuples(st.sampled_from(YEARS), st.sampled_from(("A", "LÖ", "B", "MA"))),
                         st.integers(0, 12), max_size=6)
#: What is done to a few transactions afterwards: an id of another, a missing or bad id, a request for a number …
CHANGES = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from((
    ("ver", "A1"), ("ver", "A13"), ("ver", "A01"), ("ver", "A1\nA2"), ("ver", "LÖ2"), ("ver", "MA1"), ("ver", "Å"),
    ("ver", 7), ("ver", None), ("ver", "A10"), ("ver", "B99"), ("ver", "AB1"),
    ("drop", "ver"), ("ask", "MA"), ("ask", "BO"), ("ask", "XX"), ("ask", 3), ("flag", "P"), ("flag", "!"),
    ("swap", None), ("meta", None), ("ver_serie", "MA"),
))), max_size=4)


@st.composite
def books(draw: st.DrawFn) -> list[Transaction]:
    ids: list[tuple[int, str]] = [(year, f"{series}{number}")
                                  for (year, series), count in draw(COUNTS).items() for number in range(1, count + 1)]
    ids = draw(st.permutations(ids))
    transactions = sorted((_transaction(datetime.date(year, draw(st.integers(1, 12)), 1), {"ver": id_})
                           for year, id_ in ids), key=lambda entry: entry.date)
    transactions += [_transaction(datetime.date(draw(st.sampled_from(YEARS)), 12, 31), {"ver_serie": "BO"})
                     for _ in range(draw(st.integers(0, 2)))]
    transactions.sort(key=lambda entry: entry.date)
    for where, (change, value) in draw(CHANGES):
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
        elif change == "meta":  # metadata of a dict type of its own, with its own get
            transactions[index] = entry._replace(meta=_OwnGet({**meta, "eget_ver": "A999"}))
            continue
        transactions[index] = entry._replace(meta=meta)
    return transactions


class _OwnGet(dict[str, Any]):
    """Metadata whose ``get`` reads ``ver`` from another key: the numbering asks ``meta.get``."""

    def get(self, key: str, default: Any = None) -> Any:
        return super().get("eget_ver" if key == "ver" else key, default)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(transactions=books())
def test_the_quick_reading_gives_what_the_reading_one_by_one_gives(transactions: list[Transaction]) -> None:
    assert _as_read(transactions, _read_verifications(transactions, GENERATED)) == \
        _as_read(transactions, _read_one_by_one(transactions, GENERATED))


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
