"""The rules line places a rule's result by what the rule's helpers recorded (entry_index.replaced,
entry_index.appended) exactly as a comparison of the two lists entry by entry would."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import pytest
from beancount import loader
from beancount.core.amount import Amount
from beancount.core.data import Directive, Note, Posting, Transaction, entry_sortkey, new_metadata
from conftest import LEDGER
from hypothesis import event, given, settings
from hypothesis import strategies as st

from bergslaget_plugins import rules
from bergslaget_plugins.entry_index import appended, entry_index, places_changed, replaced, shared_entry_indexes
from bergslaget_plugins.rules import Placed, placed_in_date_order


def transaction(day: int, lineno: int, filename: str, text: str = "t") -> Transaction:
    postings = [Posting("Expenses:6110-Kontorsmateriel", Amount(Decimal(5), "SEK"), None, None, None, None),
                Posting("Assets:1930-Företagskonto", Amount(Decimal(-5), "SEK"), None, None, None, None)]
    return Transaction(new_metadata(filename, lineno), datetime.date(2022, 1, 1) + datetime.timedelta(days=day),
                       "*", None, text, frozenset(), frozenset(), postings)


def copy_of(entry: Directive, mark: str, elsewhere: bool = False) -> Directive:
    """A copy with other metadata, as a rule makes it (``ver``, a link); ``elsewhere``: on another
    date too, so that it does not stand in its original's place by the sort."""
    copy = entry._replace(meta={**entry.meta, "ver": mark})
    return copy._replace(date=copy.date + datetime.timedelta(days=40)) if elsewhere else copy


def ids(entries: list[Directive]) -> list[int]:
    return [id(entry) for entry in entries]


def as_ids(placed: Placed) -> tuple[list[int], list[int], list[int]]:
    return ids(placed.entries), ids(placed.removed), ids(placed.added)


@st.composite
def sorted_entries(draw: st.DrawFn) -> list[Directive]:
    """Sorted entries; entries of several files may share a date and a line, so a sort key."""
    entries: list[Directive] = []
    for number in range(draw(st.integers(0, 12))):
        day, lineno, filename = draw(st.integers(0, 5)), draw(st.integers(0, 3)), f"file{number}.beancount"
        if draw(st.booleans()):
            entries.append(transaction(day, lineno, filename))
        else:
            entries.append(Note(new_metadata(filename, lineno), datetime.date(2022, 1, 1 + day), "Assets:1930-Företagskonto",
                                "n", None, None))
    return sorted(entries, key=entry_sortkey)


@st.composite
def built_results(draw: st.DrawFn) -> tuple[list[Directive], list[Directive]]:
    """Sorted entries, and a rule's result built from them with the helpers, chained one to
    five times: appends (perhaps of nothing), replacements by copies (of an original, of an
    appended entry, of an earlier copy, an original put back, an entry by itself, now and then
    a copy with another date), or none."""
    before = draw(sorted_entries())
    after: list[Directive] = before
    for step in range(draw(st.integers(1, 5))):
        if draw(st.booleans()):
            added = [transaction(draw(st.integers(0, 5)), draw(st.integers(0, 3)), f"new{step}.{number}.beancount", "ny")
                     for number in range(draw(st.integers(0, 3)))]
            after = appended(after, added)
            continue
        pairs: list[tuple[Directive, Directive]] = []
        for place in sorted(set(draw(st.lists(st.integers(0, max(len(after) - 1, 0)), max_size=4)))) if after else ():
            old = after[place]
            choice = draw(st.sampled_from(("copy", "copy", "copy", "itself", "original", "elsewhere")))
            if choice == "original" and place < len(before):
                pairs.append((old, before[place]))
            elif choice == "itself":
                pairs.append((old, old))
            else:
                pairs.append((old, copy_of(old, f"X{step}.{place}", elsewhere=choice == "elsewhere")))
        after = replaced(after, pairs)
    return before, after


@settings(derandomize=True, max_examples=500, deadline=None)
@given(st.data())
def test_the_record_places_a_result_exactly_as_the_comparison(data: st.DataObject) -> None:
    with shared_entry_indexes():
        before, after = data.draw(built_results())  # the helpers record within the scope
        recorded = places_changed(before, after)
        assert recorded is not None
        as_built = list(after)  # placing by the record may sort ``after`` in place
        by_record = placed_in_date_order(before, after)
    assert places_changed(before, as_built) is None  # outside it nothing is recorded: a comparison
    by_comparison = placed_in_date_order(before, as_built)
    assert as_ids(by_record) == as_ids(by_comparison)
    event(f"copies: {bool(recorded)}, appended: {len(as_built) > len(before)}, "
          f"copies in their originals' places: {all(entry_sortkey(as_built[place]) == entry_sortkey(before[place]) for place in recorded)}")
    keys = [entry_sortkey(entry) for entry in by_record.entries]
    assert keys == sorted(keys)


def test_a_list_made_another_way_is_placed_by_the_comparison() -> None:
    before = sorted((transaction(day, 1, f"file{day}.beancount") for day in range(6)), key=entry_sortkey)
    new = transaction(2, 9, "new.beancount", "ny")
    copy = copy_of(before[3], "A1")
    with shared_entry_indexes():
        made = appended(replaced(before, [(before[3], copy)]), [new])
        assert places_changed(before, made) == [3]
        extended = appended(before, [new])
        extended.append(copy_of(before[1], "A2"))  # changed afterwards, not through the helpers
        by_hand = [*before[:3], copy, *before[4:], new]  # built another way
        from_another_list = appended(list(before), [new])  # made from a list other than the rule's entries
        for after in (extended, by_hand, from_another_list):
            assert places_changed(before, after) is None
        results = (made, extended, by_hand, from_another_list)
        as_built = [list(after) for after in results]
        placed = [as_ids(placed_in_date_order(before, after)) for after in results]
        assert [list(after) for after in results[1:]] == as_built[1:]  # lists made another way are not changed
    assert placed == [as_ids(placed_in_date_order(before, after)) for after in as_built]
    assert placed[0] == placed[2]
    assert ids(placed_in_date_order(before, extended).added) == [id(extended[-2]), id(extended[-1])]


def test_a_result_the_helpers_made_is_placed_in_itself_and_forgotten() -> None:
    """The rules line sorts a helpers' result with added entries in place, as Beancount sorts a
    plugin's result; the list's record and index are forgotten, as they were of its former order."""
    before = sorted((transaction(day, 1, f"file{day}.beancount") for day in range(6)), key=entry_sortkey)
    new = transaction(2, 9, "new.beancount", "ny")
    with shared_entry_indexes():
        entry_index(before)
        made = appended(before, [new])
        made_later = appended(made, [])
        stale_index = entry_index(made)
        placed = placed_in_date_order(before, made)
        assert placed.entries is made and ids(made) == ids(sorted([*before, new], key=entry_sortkey))
        assert places_changed(before, made) is None and places_changed(made, made_later) is None
        assert entry_index(made) is not stale_index
        assert ids(entry_index(made).transactions) == ids(made)


def test_the_rules_line_places_every_result_of_the_books_by_its_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rules that book (membership fees, accruals, holiday pay, special payroll tax,
    verification numbers) build their results with the helpers, so the rules line compares no lists."""
    found: list[tuple[int, list[int] | None]] = []

    def recording(before: list[Directive], after: list[Directive]) -> list[int] | None:
        changed = places_changed(before, after)
        found.append((len(after) - len(before), changed))
        return changed

    monkeypatch.setattr(rules, "places_changed", recording)
    _, errors, _ = loader.load_file(str(LEDGER))
    assert not errors
    assert len(found) >= 4 and all(changed is not None for _, changed in found)
    assert any(added for added, _ in found) and any(changed for _, changed in found)  # appended, and copies
