"""The entries sorted out once per load: the transactions, the other directives, and the
transactions on each account, so that a rule looks up what it needs instead of walking
every posting of the books.

    >>> from beancount import loader
    >>> entries, _, _ = loader.load_string('''
    ... 2022-01-01 open Assets:1930-Företagskonto SEK
    ... 2022-01-01 open Expenses:6110-Kontorsmateriel SEK
    ... 2022-03-01 * "Staples" "Papper"
    ...   Expenses:6110-Kontorsmateriel  100 SEK
    ...   Assets:1930-Företagskonto
    ... ''')
    >>> index = entry_index(entries)
    >>> [entry.narration for entry in index.transactions_on("Expenses:6110-Kontorsmateriel")]
    ['Papper']
    >>> [type(entry).__name__ for entry in index.directives]
    ['Open', 'Open']
    >>> [entry.narration for entry in index.transactions_under("Expenses")]
    ['Papper']

A few metadata keys are carried by few transactions, and rules look for them in all of
them (:data:`RARE_META_KEYS`): the index lists the transactions that carry any of them,
so that a rule looks at those instead of at every transaction's metadata::

    >>> with_period, _, _ = loader.load_string('''
    ... 2022-01-01 open Assets:1930-Företagskonto SEK
    ... 2022-01-01 open Assets:1710-Förutbetalda-hyreskostnader SEK
    ... 2022-01-01 open Expenses:5010-Lokalhyra SEK
    ... 2022-03-01 * "Hushagen" "Hyra mars"
    ...   Expenses:5010-Lokalhyra  8000 SEK
    ...   Assets:1930-Företagskonto
    ... 2022-12-20 * "Hushagen" "Hyra kv 1 2023"
    ...   period: "2023-01/2023-03"
    ...   Expenses:5010-Lokalhyra  16061 SEK
    ...   Assets:1930-Företagskonto
    ... ''')
    >>> [entry.narration for entry in entry_index(with_period).transactions_with("period")]
    ['Hyra kv 1 2023']

The rules of the rules line (``rules.py``) run inside :func:`shared_entry_indexes`: there
:func:`entry_index` computes the index of a list of entries once, and each rule's result
gets its index from the one before it and the few entries the rule added or replaced
(:func:`carry_entry_index`), instead of a new pass over a hundred thousand entries. Outside
that scope (a rule on its own plugin line, a test) every call computes the index.

Within the scope a list of entries is never changed in place (a rule returns a new list;
the rules never mutate their input), so a list's identity stands for its content.

A rule builds its result with :func:`replaced` (copies in their originals' places) and
:func:`appended` (its new entries after the others). Within the scope these record which
list they made the result from and where it holds another entry; :func:`places_changed`
reads that record (through a chain of these helpers), so that the rules line learns what a
rule replaced and added without comparing a hundred thousand entries one by one (the
entries of the first example)::

    >>> with shared_entry_indexes():
    ...     copy = entries[2]._replace(meta={**entries[2].meta, "ver": "A1"})
    ...     result = appended(replaced(entries, [(entries[2], copy)]), entries[:1])
    ...     places_changed(entries, result)
    [2]
    >>> places_changed(entries, result) is None  # outside the scope nothing is recorded
    True
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import itertools
import operator
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar, cast

from beancount.core.data import Directive, Transaction, entry_sortkey

__all__ = ["RARE_META_KEYS", "EntryIndex", "appended", "carry_entry_index", "derived_from_transactions", "directives_of",
           "entry_index", "handed_over", "inserted", "place_of", "places_changed", "replaced", "shared_entry_indexes", "transactions_of",
           "transactions_with_key"]

AnyEntry = TypeVar("AnyEntry", bound=Directive)
Derived = TypeVar("Derived")

#: The metadata keys that few transactions carry and that rules look for in every
#: transaction on every load: the accruals' ``period`` (``periods.PERIOD_KEY``) and the
#: membership fee invoices' ``medlem`` (``membership_fees.MEMBER_KEY``); a test holds that
#: these are those constants. Each key more costs every load a look into every transaction's
#: metadata (about 5 ms at 100 000 transactions, 15-20 ms where the key's place in the
#: dictionaries' tables is taken by a key of their own, such as ``ver``): the accruals' look
#: for their own entries (``regel``), made only when the books have a ``period``, walks.
RARE_META_KEYS: tuple[str, str] = ("period", "medlem")
_FIRST_KEY, _SECOND_KEY = RARE_META_KEYS


class EntryIndex(NamedTuple):
    """The entries of one list, sorted out: each sequence keeps the list's order."""

    transactions: Sequence[Transaction]
    #: Every entry that is not a transaction (open, custom, balance, document …).
    directives: Sequence[Directive]
    #: For each account, the transactions with a posting on it, each once.
    by_account: Mapping[str, Sequence[Transaction]]
    #: The transactions whose metadata holds one of :data:`RARE_META_KEYS`.
    with_rare_keys: Sequence[Transaction]

    def transactions_with(self, key: str) -> list[Transaction]:
        """The transactions whose metadata holds ``key`` (one of :data:`RARE_META_KEYS`), in the entries' order."""
        if key not in RARE_META_KEYS:
            raise ValueError(f"{key!r} is not one of the keys the index lists ({', '.join(RARE_META_KEYS)})")
        return [entry for entry in self.with_rare_keys if key in entry.meta]

    def transactions_on(self, account: str) -> Sequence[Transaction]:
        """The transactions with a posting on ``account`` itself, in the entries' order."""
        return self.by_account.get(account, ())

    def transactions_under(self, *accounts: str) -> list[Transaction]:
        """The transactions with a posting on any of ``accounts`` or their sub-accounts,
        each once, in the entries' order."""
        prefixes = tuple(f"{account}:" for account in accounts)
        lists = [found for name, found in self.by_account.items() if name in accounts or name.startswith(prefixes)]
        if len(lists) == 1:
            return list(lists[0])
        # A transaction on two of the accounts is in both lists: keep it once.
        seen: set[int] = set()
        merged: list[Transaction] = []
        for entry in heapq.merge(*lists, key=entry_sortkey):
            if id(entry) not in seen:
                seen.add(id(entry))
                merged.append(entry)
        return merged


def _has_rare_key(entry: Transaction) -> bool:
    """True if the transaction's metadata holds one of :data:`RARE_META_KEYS`."""
    meta = entry.meta
    return bool(meta) and (_FIRST_KEY in meta or _SECOND_KEY in meta)


def _build(entries: Iterable[Directive]) -> EntryIndex:
    transactions: list[Transaction] = []
    directives: list[Directive] = []
    by_account: dict[str, list[Transaction]] = {}
    with_rare_keys: list[Transaction] = []
    for entry in entries:
        if type(entry) is Transaction:
            transactions.append(entry)
            # _has_rare_key, written out: a call per transaction costs more than the look.
            meta = entry.meta
            if meta and (_FIRST_KEY in meta or _SECOND_KEY in meta):
                with_rare_keys.append(entry)
            for posting in entry.postings:
                try:
                    by_account[posting.account].append(entry)
                except KeyError:
                    by_account[posting.account] = [entry]
        else:
            directives.append(entry)
    # A transaction with two postings on one account went into its list twice, one after the
    # other (so did one that stands twice in the entries with none on the account between):
    # keep it once, as a look at each posting did. One look in C over each list costs less.
    for account, on_account in by_account.items():
        if any(map(operator.is_, on_account, itertools.islice(on_account, 1, None))):
            by_account[account] = [entry for entry, before in zip(on_account, [None, *on_account]) if entry is not before]
    return EntryIndex(transactions, directives, by_account, with_rare_keys)


# The indexes of the lists seen in the current scope, by the list's id, with the list
# itself (so that the id stays its own while the scope lasts).
_shared: list[dict[int, tuple[Sequence[Directive], EntryIndex]]] = []
# What rules derived from a list of transactions in the current scope, by the list's id and
# the derivation's key, with the list itself (see derived_from_transactions).
_derived: list[dict[tuple[int, Hashable], tuple[Sequence[Transaction], Any]]] = []


class _Made(NamedTuple):
    """How :func:`replaced` or :func:`appended` made a list of entries (see :func:`places_changed`)."""

    #: The list it was made from.
    source: Sequence[Directive]
    #: The places (of ``source``'s entries) where it put another entry: the copies' places.
    places: tuple[int, ...]
    #: Its length when made: a list whose length changed since was changed in another way.
    length: int


# The lists that replaced() and appended() made in the current scope, by the list's id, with
# the list itself (so that the id stays its own while the scope lasts) and how it was made.
_made: list[dict[int, tuple[Sequence[Directive], _Made]]] = []


@contextlib.contextmanager
def shared_entry_indexes() -> Iterator[None]:
    """Within this scope, :func:`entry_index` computes the index of a list once, and
    :func:`replaced` and :func:`appended` record how they made their lists."""
    _shared.append({})
    _derived.append({})
    _made.append({})
    try:
        yield
    finally:
        _shared.pop()
        _derived.pop()
        _made.pop()


def entry_index(entries: Sequence[Directive]) -> EntryIndex:
    """The index of ``entries`` (once per list within :func:`shared_entry_indexes`)."""
    if not _shared:
        return _build(entries)
    known = _shared[-1].get(id(entries))
    if known is not None and known[0] is entries:
        return known[1]
    index = _build(entries)
    _shared[-1][id(entries)] = (entries, index)
    return index


def directives_of(entries: Sequence[Directive]) -> Sequence[Directive]:
    """The entries that are not transactions, in order: ``entry_index(entries).directives``
    within :func:`shared_entry_indexes`; outside it one walk over the entries finds them,
    without indexing every posting (for a reader of directives called from a report or a page)."""
    if _shared:
        return entry_index(entries).directives
    return [entry for entry in entries if type(entry) is not Transaction]


def transactions_of(entries: Sequence[Directive]) -> Sequence[Transaction]:
    """The transactions, in order: ``entry_index(entries).transactions`` within
    :func:`shared_entry_indexes`; outside it one walk over the entries finds them, without
    indexing every posting (for a rule on a plugin line of its own, or a test)."""
    if _shared:
        return entry_index(entries).transactions
    return [entry for entry in entries if type(entry) is Transaction]


def transactions_with_key(entries: Sequence[Directive], key: str) -> Sequence[Transaction]:
    """The transactions whose metadata holds ``key``, in order. For one of :data:`RARE_META_KEYS`
    within :func:`shared_entry_indexes`, ``entry_index(entries).transactions_with(key)``: one walk
    over the transactions found those with any of these keys for every rule. Otherwise a walk
    over the transactions finds them."""
    if _shared and key in RARE_META_KEYS:
        return entry_index(entries).transactions_with(key)
    return [entry for entry in transactions_of(entries) if entry.meta and key in entry.meta]


def derived_from_transactions(
    entries: Sequence[Directive], key: Hashable, derive: Callable[[Sequence[Transaction]], Derived]
) -> Derived:
    """``derive(transactions_of(entries))``; within :func:`shared_entry_indexes` once per
    list of transactions and ``key``, for what several rules derive alike. The index of a
    rule's result keeps the list of transactions of the one before while the rule adds or
    replaces no transaction, so a later rule finds what an earlier one derived."""
    if not _shared:
        return derive(transactions_of(entries))
    transactions = entry_index(entries).transactions
    known = _derived[-1].get((id(transactions), key))
    if known is not None and known[0] is transactions:
        return cast(Derived, known[1])
    derived = derive(transactions)
    _derived[-1][(id(transactions), key)] = (transactions, derived)
    return derived


#: Up to this many removed entries are looked up one by one (binary search on the sort key);
#: more, and the list is filtered in one pass.
_FEW = 64


def place_of(entries: Sequence[Directive], entry: Directive) -> int | None:
    """Where ``entry`` (itself, not an equal one) stands in ``entries``: found by binary search
    on its sort key, as entries are sorted when a plugin gets them; if it is not found there
    (the entries are not sorted after all), by looking at every entry. None if it is not there."""
    key = entry_sortkey(entry)
    position = bisect.bisect_left(entries, key, key=entry_sortkey)
    while position < len(entries) and entries[position] is not entry and entry_sortkey(entries[position]) == key:
        position += 1
    if position < len(entries) and entries[position] is entry:
        return position
    return next((index for index, candidate in enumerate(entries) if candidate is entry), None)


def replaced(entries: Sequence[AnyEntry], replacements: Iterable[tuple[AnyEntry, AnyEntry]]) -> list[AnyEntry]:
    """A copy of ``entries`` with each (old, new) of ``replacements`` in old's place (old must be there)."""
    output = list(entries)
    places: list[int] = []
    for old, new in replacements:
        position = place_of(output, old)
        if position is None:
            raise ValueError(f"not among the entries: {old!r:.200}")
        output[position] = new
        places.append(position)
    _record(output, entries, places)
    return output


def appended(entries: Sequence[AnyEntry], added: Iterable[AnyEntry]) -> list[AnyEntry]:
    """A new list: ``entries``, then ``added`` (a rule's result with its new entries last)."""
    output = list(entries)
    output.extend(added)
    _record(output, entries, ())
    return output


def _record(made: list[AnyEntry], source: Sequence[AnyEntry], places: Iterable[int]) -> None:
    """Within :func:`shared_entry_indexes`: ``made`` is ``source`` with other entries at ``places``
    (and perhaps more entries after its own)."""
    if _made:
        _made[-1][id(made)] = (made, _Made(source, tuple(sorted(set(places))), len(made)))


def handed_over(made: list[AnyEntry]) -> list[AnyEntry]:
    """``made`` (a list :func:`replaced` or :func:`appended` made, which the caller is given,
    as the rules line is given a rule's result), forgotten by the scope's records and
    indexes, so that the caller may change it in place: the rules line sorts it in place,
    as Beancount sorts the list a plugin returns."""
    if _made:
        records = _made[-1]
        for key in [key for key, (result, how) in records.items() if result is made or how.source is made]:
            del records[key]
        known = _shared[-1].get(id(made))
        if known is not None and known[0] is made:
            del _shared[-1][id(made)]
    return made


def places_changed(before: Sequence[Directive], after: Sequence[Directive]) -> list[int] | None:
    """The places of ``before``'s entries where ``after`` holds another entry (a copy), in
    order, if :func:`replaced` and :func:`appended` made ``after`` from ``before`` within
    :func:`shared_entry_indexes` (one of them, or a chain of them); None if they did not (a
    list made another way, outside the scope): then only a comparison of the two tells.

    A list they made is never changed in place afterwards (see the module's documentation);
    one whose length changed since is not taken for what they made."""
    if not _made:
        return None
    made = _made[-1]
    places: set[int] = set()
    current = after
    while current is not before:
        known = made.get(id(current))
        if known is None or known[0] is not current or len(current) != known[1].length:
            return None
        places.update(known[1].places)
        current = known[1].source
    count = len(before)
    return [place for place in sorted(places) if place < count and after[place] is not before[place]]


def _without(found: Sequence[AnyEntry], removed: Sequence[Directive]) -> list[AnyEntry]:
    """``found`` (sorted) without the entries of ``removed`` (by identity)."""
    if len(removed) > _FEW:
        removed_ids = {id(entry) for entry in removed}
        return [entry for entry in found if id(entry) not in removed_ids]
    kept = list(found)
    for entry in removed:
        position = place_of(kept, entry)
        if position is not None:
            del kept[position]
    return kept


def inserted(kept: list[AnyEntry], added: Iterable[AnyEntry]) -> list[AnyEntry]:
    """``kept`` (sorted, changed in place) with each of ``added`` put in its place, after the
    entries with the same sort key, as Beancount's stable sort would put it.

    The added entries that go to one place go in together, the last place first (so that
    the places found before stay right): the entries after a place move once for all of them
    (a rule's entries of one date go to one place, and a move costs as much as a copy of the
    list when the place is early in a hundred thousand entries)."""
    ordered = sorted(added, key=entry_sortkey)
    places = [bisect.bisect_right(kept, entry_sortkey(entry), key=entry_sortkey) for entry in ordered]
    end = len(ordered)
    while end:
        place = places[end - 1]
        start = bisect.bisect_left(places, place, 0, end)  # the places are in order, as the entries are
        kept[place:place] = ordered[start:end]
        end = start
    return kept


def _inserted_as_in(entries: Sequence[Directive], kept: list[AnyEntry], added: Iterable[AnyEntry]) -> list[AnyEntry]:
    """``kept`` (entries of the sorted ``entries``, in their order; changed in place) with each
    of ``added`` put where it stands in ``entries``: by its sort key, and among entries with
    the same key (files that share a date and a line number) by its place in ``entries``. A
    copy a rule put in its original's place stays there, as Beancount's stable sort keeps it."""
    for entry in added:
        key = entry_sortkey(entry)
        position = bisect.bisect_right(kept, key, key=entry_sortkey)
        if position and entry_sortkey(kept[position - 1]) == key:
            place = place_of(entries, entry)
            first = bisect.bisect_left(kept, key, 0, position, key=entry_sortkey)
            if place is not None:
                # Before the first entry of the same key that comes after it in ``entries``.
                position = next((index for index in range(first, position)
                                 if (other := place_of(entries, kept[index])) is not None and other > place), position)
        kept.insert(position, entry)
    return kept


def _on(account: str, transactions: Iterable[Transaction]) -> list[Transaction]:
    """The ``transactions`` with a posting on ``account``."""
    return [entry for entry in transactions if any(posting.account == account for posting in entry.postings)]


def _changed(index: EntryIndex, entries: Sequence[Directive], removed: Sequence[Directive],
             added: Sequence[Directive]) -> EntryIndex:
    """``index`` without ``removed`` and with ``added``: the index of ``entries``, sharing what did not change."""
    removed_transactions = [entry for entry in removed if type(entry) is Transaction]
    added_transactions = [entry for entry in added if type(entry) is Transaction]
    touched = {posting.account for entry in (*removed_transactions, *added_transactions) for posting in entry.postings}
    by_account = dict(index.by_account)
    for account in touched:
        # Only the account's own removed transactions are looked for in its list: another is
        # not there, and looking for it would end in a walk over the whole list (place_of).
        on_account = _inserted_as_in(entries, _without(by_account.get(account, ()), _on(account, removed_transactions)),
                                     _on(account, added_transactions))
        if on_account:
            by_account[account] = on_account
        else:
            by_account.pop(account, None)
    transactions = index.transactions
    if removed_transactions or added_transactions:
        transactions = _inserted_as_in(entries, _without(transactions, removed_transactions), added_transactions)
    with_rare_keys = index.with_rare_keys
    removed_with_rare_keys = [entry for entry in removed_transactions if _has_rare_key(entry)]
    added_with_rare_keys = [entry for entry in added_transactions if _has_rare_key(entry)]
    if removed_with_rare_keys or added_with_rare_keys:
        with_rare_keys = _inserted_as_in(entries, _without(with_rare_keys, removed_with_rare_keys), added_with_rare_keys)
    directives = index.directives
    if len(removed_transactions) < len(removed) or len(added_transactions) < len(added):
        directives = _inserted_as_in(entries, _without(directives, [entry for entry in removed if type(entry) is not Transaction]),
                                     [entry for entry in added if type(entry) is not Transaction])
    return EntryIndex(transactions, directives, by_account, with_rare_keys)


def carry_entry_index(
    before: Sequence[Directive], after: Sequence[Directive], removed: Sequence[Directive], added: Sequence[Directive]
) -> None:
    """Within :func:`shared_entry_indexes`: ``after`` is ``before`` without ``removed`` and with
    ``added``; if ``before``'s index is known, ``after``'s is derived from it."""
    if not _shared or after is before:
        return
    known = _shared[-1].get(id(before))
    if known is None or known[0] is not before:
        return
    _shared[-1][id(after)] = (after, _changed(known[1], after, removed, added))
