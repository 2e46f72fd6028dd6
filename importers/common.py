"""Pieces shared by the importers: refusals, de-duplication by identity, bankgiro numbers.

An importer that cannot read a file raises :class:`ImportFileError` and extracts
nothing. The error is a ``beangulp.exceptions.Error``, so ``bergslaget import
extract`` prints the Swedish message (file, line or record, the rule broken)
without a Python traceback and exits with status 1.
"""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core.amount import Amount
from beancount.core.data import Balance, Directive, Posting, Transaction
from beangulp.exceptions import Error
from beangulp.extract import DUPLICATE

from bergslaget_plugins.money import CURRENCY

#: How many problems an error message lists before it summarises the rest.
MAX_LISTED_PROBLEMS = 25

_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class ImportProblem:
    """One broken rule at one place in a file (``line`` is 1-based, None = the whole file)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}" if self.line is not None else self.message


class ImportFileError(Error):
    """A file that the importer refuses; nothing is extracted from it."""

    def __init__(self, path: str, problems: Sequence[ImportProblem], what: str = "Filen kan inte importeras") -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = [f"{what}: {path}"]
        lines += [f"  {problem}" for problem in self.problems[:MAX_LISTED_PROBLEMS]]
        if len(self.problems) > MAX_LISTED_PROBLEMS:
            lines.append(f"  ... och {len(self.problems) - MAX_LISTED_PROBLEMS} fel till")
        lines.append("Inget har importerats från filen.")
        super().__init__("\n".join(lines))


class LedgerError(Error):
    """The existing books contradict what an importer relies on (for example two invoices with one OCR)."""




def file_head(path: str | Path, size: int) -> bytes | None:
    """The first ``size`` bytes of the file at ``path`` without a UTF-8 byte order mark, for an
    importer judging whether a file is its kind; None if the file cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(size)
    except OSError:
        return None
    return head.removeprefix(codecs.BOM_UTF8)


def sek_posting(account: str, number: Decimal, meta: dict[str, Any] | None = None) -> Posting:
    """A posting of ``number`` SEK."""
    return Posting(account, Amount(number, CURRENCY), None, None, None, meta)


def bankgiro_digits(text: str) -> str:
    """The digits of a bankgiro number without leading zeros: ``"5844-9216"`` -> ``"58449216"``."""
    return _NOT_DIGITS.sub("", text).lstrip("0")


def format_bankgiro(digits: str) -> str:
    """Bankgiro numbers are written with a hyphen before the last four digits: ``5844-9216``."""
    digits = bankgiro_digits(digits)
    if len(digits) <= 4:
        return digits
    return f"{digits[:-4]}-{digits[-4:]}"


def identity_index(existing: Iterable[Directive], key: str) -> dict[str, Transaction]:
    """Existing transactions by the value of their identity metadata ``key``."""
    index: dict[str, Transaction] = {}
    for entry in existing:
        if isinstance(entry, Transaction) and entry.meta:
            value = entry.meta.get(key)
            if isinstance(value, str):
                index.setdefault(value, entry)
    return index


def mark_duplicates(entries: list[Directive], existing: Sequence[Directive], key: str, ver_key: str = "ver") -> None:
    """Mark extracted entries that are already in ``existing`` (beangulp's duplicate mechanism).

    A transaction is a duplicate when an existing transaction carries the same identity
    metadata ``key``; a balance assertion when one exists for the same account, day and
    amount. The mark is beangulp's ``__duplicate__`` metadata pointing at the existing
    entry, so ``extract`` prints the entry commented out ("; duplicate of file:line").
    The duplicate also takes the existing entry's verification id, so that it does not
    look like a new verification.
    """
    by_identity = identity_index(existing, key)
    balances = {
        (entry.date, entry.account, entry.amount): entry for entry in existing if isinstance(entry, Balance)
    }
    for entry in entries:
        target: Directive | None = None
        if isinstance(entry, Transaction):
            identity = entry.meta.get(key)
            target = by_identity.get(identity) if isinstance(identity, str) else None
        elif isinstance(entry, Balance):
            target = balances.get((entry.date, entry.account, entry.amount))
        if target is None or target is entry:
            continue
        entry.meta[DUPLICATE] = target
        if isinstance(target, Transaction) and ver_key in entry.meta and ver_key in target.meta:
            entry.meta[ver_key] = target.meta[ver_key]


def mark_booked_by_hand(entries: list[Directive], existing: Sequence[Directive], account: str, key: str) -> None:
    """Mark extracted transactions that the books already hold without identity metadata.

    Rows booked by hand (before the importer was used) carry no ``key``. An extracted
    transaction is taken for one of them when that entry has a posting on ``account`` of
    the same amount on the same day; each booked entry answers for one extracted entry
    only. The mark is beangulp's ``__duplicate__``: the entry is written commented out,
    with the place of the booked one, for the accountant to check.
    """
    pool: dict[tuple[datetime.date, Decimal], list[Transaction]] = {}
    for entry in existing:
        if isinstance(entry, Transaction) and key not in (entry.meta or {}):
            for posting in entry.postings:
                if posting.account == account and posting.units is not None and posting.units.number is not None:
                    pool.setdefault((entry.date, posting.units.number), []).append(entry)
    for entry in entries:
        if not isinstance(entry, Transaction) or DUPLICATE in entry.meta:
            continue
        amounts = [posting.units.number for posting in entry.postings
                   if posting.account == account and posting.units is not None and posting.units.number is not None]
        candidates = pool.get((entry.date, amounts[0])) if len(amounts) == 1 else None
        if candidates:
            target = candidates.pop(0)
            entry.meta[DUPLICATE] = target
            if "ver" in entry.meta and "ver" in target.meta:
                entry.meta["ver"] = target.meta["ver"]


def next_day(date: datetime.date) -> datetime.date:
    return date + datetime.timedelta(days=1)
