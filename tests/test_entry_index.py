"""The entry index: what a rule looks up is what a walk over the entries would find, also
when the index is carried from one rule's entries to the next (rules.apply_rules)."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

from beancount import loader
from beancount.core.amount import Amount
from beancount.core.data import Directive, Note, Posting, Transaction, entry_sortkey, new_metadata
from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from bergslaget_plugins import entry_index as entry_index_module
from bergslaget_plugins.entry_index import (
    RARE_META_KEYS,
    EntryIndex,
    carry_entry_index,
    derived_from_transactions,
    directives_of,
    entry_index,
    shared_entry_indexes,
    transactions_of,
    transactions_with_key,
)
from bergslaget_plugins.generated import RULE_KEY
from bergslaget_plugins.membership_fees import MEMBER_KEY
from bergslaget_plugins.periods import PERIOD_KEY
from bergslaget_plugins.rules import handed_to_next_rule
from conftest import LEDGER

ACCOUNTS = ("Assets:1930-Företagskonto", "Assets:1510-Kundfordringar", "Expenses:6110-Kontorsmateriel",
            "Expenses:6110-Kontorsmateriel:Papper", "Income:3890-Övriga-intäkter")


def walked(entries: list[Directive]) -> dict[str, list[int]]:
    """What the index should say, found by walking: per account, the ids of its transactions."""
    found: dict[str, list[int]] = {}
    for entry in entries:
        if isinstance(entry, Transaction):
            for account in dict.fromkeys(posting.account for posting in entry.postings):
                found.setdefault(account, []).append(id(entry))
    return found


def with_key(entries: list[Directive], key: str) -> list[int]:
    """What the index should say, found by walking: the ids of the transactions whose metadata holds ``key``."""
    return [id(entry) for entry in entries if isinstance(entry, Transaction) and key in (entry.meta or {})]


def assert_index_of(index: EntryIndex, entries: list[Directive]) -> None:
    assert [id(entry) for entry in index.transactions] == [id(entry) for entry in entries if isinstance(entry, Transaction)]
    assert [id(entry) for entry in index.directives] == [id(entry) for entry in entries if not isinstance(entry, Transaction)]
    assert {account: [id(entry) for entry in found] for account, found in index.by_account.items()} == walked(entries)
    for key in RARE_META_KEYS:
        assert [id(entry) for entry in index.transactions_with(key)] == with_key(entries, key)
    assert [id(entry) for entry in index.with_rare_keys] == [
        id(entry) for entry in entries if isinstance(entry, Transaction) and set(RARE_META_KEYS) & set(entry.meta)]


def transaction(day: int, accounts: tuple[str, ...], lineno: int, text: str = "t", keys: tuple[str, ...] = (),
                filename: str = "books.beancount") -> Transaction:
    """A transaction with a posting on each of ``accounts`` (the first takes the balance) and metadata ``keys``."""
    postings = [Posting(account, Amount(Decimal(5 if number else 5 - 5 * len(accounts)), "SEK"), None, None, None, None)
                for number, account in enumerate(accounts)]
    meta = new_metadata(filename, lineno, {key: "x" for key in keys})
    return Transaction(meta, datetime.date(2022, 1, 1) + datetime.timedelta(days=day),
                       "*", None, text, frozenset(), frozenset(), postings)


#: Metadata keys a transaction may carry in the examples: the rare ones, and others.
EXAMPLE_KEYS = (*RARE_META_KEYS, RULE_KEY, "ver")


def test_the_index_of_the_real_books_is_what_a_walk_finds() -> None:
    entries, errors, _ = loader.load_file(str(LEDGER))
    assert errors == []
    index = entry_index(entries)
    assert_index_of(index, entries)
    fees = index.transactions_under("Income")
    assert fees == [entry for entry in entries if isinstance(entry, Transaction)
                    and any(posting.account.startswith("Income:") for posting in entry.postings)]


def test_within_the_scope_a_list_is_indexed_once_and_outside_every_time() -> None:
    entries: list[Directive] = [transaction(1, ACCOUNTS[:2], 1)]
    assert entry_index(entries) is not entry_index(entries)
    with shared_entry_indexes():
        assert entry_index(entries) is entry_index(entries)
        assert entry_index(list(entries)) is not entry_index(entries)  # another list, another index


def test_a_transaction_on_two_sub_accounts_is_listed_once() -> None:
    entry = transaction(1, (ACCOUNTS[2], ACCOUNTS[3]), 1)
    assert entry_index([entry]).transactions_under("Expenses") == [entry]


def meta_keys() -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(EXAMPLE_KEYS), max_size=3, unique=True).map(tuple)


def postings_accounts() -> st.SearchStrategy[tuple[str, ...]]:
    """Two or three accounts, perhaps one twice (also apart: A, B, A)."""
    return st.lists(st.sampled_from(ACCOUNTS), min_size=2, max_size=3).map(tuple)


@st.composite
def rule_results(draw: st.DrawFn) -> tuple[list[Directive], list[Directive]]:
    """Sorted entries, and a rule's result on them: some kept, some replaced by copies in
    their places (with other metadata, perhaps), some added (appended or anywhere). Entries
    of several files may share a date and a line number, and so the sort key."""
    count = draw(st.integers(0, 12))
    before: list[Directive] = []
    for number in range(count):
        day, lineno, filename = draw(st.integers(0, 5)), draw(st.integers(0, 3)), f"file{number}.beancount"
        if draw(st.booleans()):
            before.append(transaction(day, draw(postings_accounts()), lineno, keys=draw(meta_keys()), filename=filename))
        else:
            before.append(Note(new_metadata(filename, lineno), datetime.date(2022, 1, 1 + day), ACCOUNTS[0], "n",
                               None, None))
    before = sorted(before, key=entry_sortkey)
    after: list[Directive] = []
    for entry in before:
        if isinstance(entry, Transaction) and draw(st.booleans()):
            keys = draw(meta_keys())
            meta = {key: value for key, value in entry.meta.items() if key not in EXAMPLE_KEYS} | {key: "y" for key in keys}
            after.append(entry._replace(narration="kopia", meta=meta))
        else:
            after.append(entry)
    added = [transaction(draw(st.integers(0, 5)), draw(postings_accounts()), draw(st.integers(0, 3)), "ny", draw(meta_keys()),
                         f"new{number}.beancount")
             for number in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()):
        after.extend(added)
    else:
        for entry in added:
            after.insert(draw(st.integers(0, len(after))), entry)
    return before, after


@settings(derandomize=True, max_examples=200, deadline=None)
@given(rule_results())
def test_a_carried_index_is_the_index_of_the_rules_result(result: tuple[list[Directive], list[Directive]]) -> None:
    before, after = result
    few = entry_index_module._FEW
    try:
        for removed_one_by_one in (few, 0):  # removed entries looked up one by one, and filtered out in one pass
            entry_index_module._FEW = removed_one_by_one
            with shared_entry_indexes():
                entry_index(before)
                handed_on = handed_to_next_rule(before, after)
                assert_index_of(entry_index(handed_on), handed_on)
    finally:
        entry_index_module._FEW = few


def test_the_rare_keys_are_the_keys_of_the_rules_that_look_for_them() -> None:
    assert set(RARE_META_KEYS) == {PERIOD_KEY, MEMBER_KEY}


@settings(derandomize=True, max_examples=100, deadline=None)
@given(rule_results())
def test_the_transactions_with_a_rare_key_are_those_a_walk_finds_in_and_outside_the_scope(
        result: tuple[list[Directive], list[Directive]]) -> None:
    before, after = result
    for key in EXAMPLE_KEYS:
        assert [id(entry) for entry in transactions_with_key(after, key)] == with_key(after, key)
    with shared_entry_indexes():
        entry_index(before)
        handed_on = handed_to_next_rule(before, after)
        for key in EXAMPLE_KEYS:
            assert [id(entry) for entry in transactions_with_key(handed_on, key)] == with_key(handed_on, key)
            assert [id(entry) for entry in transactions_with_key(before, key)] == with_key(before, key)


def test_the_index_lists_only_the_rare_keys() -> None:
    entries: list[Directive] = [transaction(1, ACCOUNTS[:2], 1, keys=("ver", RULE_KEY))]
    with pytest.raises(ValueError, match="ver"):
        entry_index(entries).transactions_with("ver")
    with shared_entry_indexes():
        assert transactions_with_key(entries, "ver") == entries  # a walk


def test_a_transaction_with_two_postings_on_one_account_is_listed_once_on_it() -> None:
    apart = transaction(1, (ACCOUNTS[0], ACCOUNTS[1], ACCOUNTS[0]), 1)
    together = transaction(2, (ACCOUNTS[0], ACCOUNTS[0]), 2)
    index = entry_index([apart, together])
    assert index.transactions_on(ACCOUNTS[0]) == [apart, together]
    assert index.transactions_on(ACCOUNTS[1]) == [apart]


def test_transactions_of_and_directives_of_are_the_index_parts_in_and_outside_the_scope() -> None:
    entries, errors, _ = loader.load_file(str(LEDGER))
    assert errors == []
    index = entry_index(entries)
    outside = (transactions_of(entries), directives_of(entries))
    with shared_entry_indexes():
        inside = (transactions_of(entries), directives_of(entries))
        assert inside[0] is entry_index(entries).transactions  # the shared index, not a walk
    for transactions, directives in (outside, inside):
        assert [id(entry) for entry in transactions] == [id(entry) for entry in index.transactions]
        assert [id(entry) for entry in directives] == [id(entry) for entry in index.directives]


def test_a_derivation_is_made_once_per_list_of_transactions_and_key_within_the_scope() -> None:
    entries: list[Directive] = [transaction(1, ACCOUNTS[:2], 1), Note(new_metadata("books.beancount", 2),
                                                                       datetime.date(2022, 1, 3), ACCOUNTS[0], "n", None, None)]
    made: list[int] = []

    def count(transactions: object) -> int:
        made.append(1)
        return len(made)

    assert derived_from_transactions(entries, "k", count) == 1
    assert derived_from_transactions(entries, "k", count) == 2  # outside the scope, every call
    with shared_entry_indexes():
        first = derived_from_transactions(entries, "k", count)
        assert derived_from_transactions(entries, "k", count) == first
        assert derived_from_transactions(entries, "other", count) == first + 1
        # A rule that replaces only the note keeps the transactions: the derivation is found.
        without_note = entries[:1]
        carry_entry_index(entries, without_note, entries[1:], [])
        assert derived_from_transactions(without_note, "k", count) == first
        # A rule that replaces the transaction: derived anew.
        copy = [entries[0]._replace(narration="ny")]
        carry_entry_index(without_note, copy, without_note, copy)
        assert derived_from_transactions(copy, "k", count) == first + 2


def test_an_entry_is_found_in_its_place_also_among_equal_keys_and_in_unsorted_entries() -> None:
    from bergslaget_plugins.entry_index import place_of, replaced

    alike = [transaction(1, ACCOUNTS[:2], 7) for _ in range(4)]  # the same sort key: only identity tells them apart
    entries: list[Directive] = [transaction(0, ACCOUNTS[:2], 1), *alike, transaction(2, ACCOUNTS[:2], 1)]
    assert [place_of(entries, entry) for entry in entries] == list(range(len(entries)))
    shuffled = [entries[3], entries[0], entries[5], entries[1]]
    assert [place_of(shuffled, entry) for entry in shuffled] == [0, 1, 2, 3]
    assert place_of(shuffled, entries[2]) is None
    copy = alike[2]._replace(narration="kopia")
    assert replaced(entries, [(alike[2], copy)]) == [*entries[:3], copy, *entries[4:]]
    assert entries[3] is alike[2]  # the input is not changed


@settings(derandomize=True, max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2)), max_size=10),
       st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2)), max_size=8))
def test_added_entries_go_in_where_one_by_one_insertion_puts_them(kept_keys: list[tuple[int, int]],
                                                                  added_keys: list[tuple[int, int]]) -> None:
    """inserted() puts the entries for one place in together: as putting each in after the
    entries with its sort key (bisect.insort_right), in sort order, would (ties among the added
    and the kept entries included)."""
    import bisect

    from bergslaget_plugins.entry_index import inserted

    kept = sorted((transaction(day, ACCOUNTS[:2], lineno, filename=f"kept{number}")
                   for number, (day, lineno) in enumerate(kept_keys)), key=entry_sortkey)
    added = [transaction(day, ACCOUNTS[:2], lineno, "ny", filename=f"added{number}") for number, (day, lineno) in enumerate(added_keys)]
    one_by_one: list[Directive] = list(kept)
    for entry in sorted(added, key=entry_sortkey):
        bisect.insort_right(one_by_one, entry, key=entry_sortkey)
    together: list[Directive] = list(kept)
    assert inserted(together, added) is together
    assert [id(entry) for entry in together] == [id(entry) for entry in one_by_one]
