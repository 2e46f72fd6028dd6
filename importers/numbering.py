"""Verification ids (``ver``) for imported transactions.

Every transaction carries ``ver: "A12"``: the series (``A`` for bank-statement rows,
``BG`` for Bankgiro payments) and a number that runs from 1 within a series and a
calendar year. An importer gives its new transactions, in date order, the numbers
after the highest one already used in that series and year in the existing books.

Within one ``bergslaget import extract`` run several files of the same series may be
read (two BgMax files, say), each without knowing the others. The hook
:func:`number_imported_verifications` (in ``HOOKS``) therefore numbers all new transactions
of the run once more, in date order, after de-duplication: entries that beangulp
marked as duplicates keep the id of the entry they duplicate and use up no number.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from beancount.core import data
from beancount.core.data import Directive, Transaction
from beangulp.extract import DUPLICATE

from bergslaget_plugins.generated import VERIFICATION_KEY
from bergslaget_plugins.sie.to_beancount import NUMBER_META as SIE_NUMBER_KEY
from bergslaget_plugins.verification_numbers import parse_verification

VER_KEY = VERIFICATION_KEY


def highest_numbers(entries: Iterable[Directive]) -> dict[tuple[str, int], int]:
    """The highest number used per (series, year) among ``entries``."""
    highest: dict[tuple[str, int], int] = {}
    for entry in entries:
        if not isinstance(entry, Transaction) or not entry.meta:
            continue
        parsed = parse_verification(entry.meta.get(VER_KEY))
        if parsed is None:
            continue
        series, number = parsed
        key = (series, entry.date.year)
        highest[key] = max(highest.get(key, 0), number)
    return highest


def assign_numbers(new_entries: Sequence[Transaction], existing: Iterable[Directive], series: str) -> None:
    """Give ``new_entries`` (in the order given, which is date order) the next free numbers.

    The entries' ``ver`` metadata is set in place.
    """
    highest = highest_numbers(existing)
    for entry in new_entries:
        key = (series, entry.date.year)
        highest[key] = highest.get(key, 0) + 1
        entry.meta[VER_KEY] = f"{series}{highest[key]}"


def number_imported_verifications(extracted: list[Any], existing: Sequence[Directive]) -> list[Any]:
    """Import hook: number the run's new transactions consecutively per series and year.

    ``extracted`` is beangulp's list of ``(filename, entries, account, importer)`` or
    Fava's ``(filename, entries)``; it is returned with the entries' ``ver`` updated.
    ``existing`` may already contain the extracted entries (beangulp appends them);
    those are not counted as existing.
    """
    extracted_ids = {id(entry) for item in extracted for entry in item[1]}
    highest = highest_numbers(entry for entry in existing if id(entry) not in extracted_ids)
    new: list[tuple[Any, int, int, Transaction]] = []
    for file_index, item in enumerate(extracted):
        for position, entry in enumerate(item[1]):
            if not isinstance(entry, Transaction) or DUPLICATE in entry.meta:
                continue
            if SIE_NUMBER_KEY in entry.meta:  # a verification from a SIE file keeps the file's number
                continue
            if parse_verification(entry.meta.get(VER_KEY)) is not None:
                new.append((entry.date, file_index, position, entry))
    new.sort(key=lambda item: item[:3])
    for _date, _file, _position, entry in new:
        parsed = parse_verification(entry.meta[VER_KEY])
        assert parsed is not None
        key = (parsed[0], entry.date.year)
        highest[key] = highest.get(key, 0) + 1
        entry.meta[VER_KEY] = f"{parsed[0]}{highest[key]}"
    for item in extracted:
        for entry in item[1]:
            target = entry.meta.get(DUPLICATE) if isinstance(entry, Transaction) else None
            if isinstance(target, Transaction) and VER_KEY in entry.meta and VER_KEY in target.meta:
                entry.meta[VER_KEY] = target.meta[VER_KEY]
    return extracted


def sort_key(entry: Directive) -> tuple[Any, ...]:
    """Extracted entries print in date order, then Beancount's type order, then by verification number."""
    parsed = parse_verification(entry.meta.get(VER_KEY)) if isinstance(entry, Transaction) else None
    return (*data.entry_sortkey(entry)[:2], parsed[1] if parsed else 0, entry.meta.get("lineno", 0))
