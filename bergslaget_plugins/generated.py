"""Entries that plugins generate: where they come from and how they are numbered.

Every generated transaction points back to the directive that made it: its
``filename`` and ``lineno`` are the source's, ``kalla`` says which rule made it, and it
shares a link with the source. It asks for a verification series (``ver_serie``);
the verification-numbering plugin, which runs last, gives it its number (``ver``).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from beancount.core.amount import Amount
from beancount.core.data import Directive, Posting, Transaction

from bergslaget_plugins.money import CURRENCY

#: Metadata key naming the rule (plugin) that generated an entry.
RULE_KEY = "regel"
#: Metadata key with the verification series a generated entry asks for.
SERIES_KEY = "ver_serie"
#: Metadata key with the verification id, series and number: ``A12``.
VERIFICATION_KEY = "ver"
#: The verification series the rules book in (a series only rules use; numbered by
#: ``verification_numbers``): membership fee invoices, accruals, year-end entries.
MEMBERSHIP_FEE_SERIES = "MA"
ACCRUAL_SERIES = "PE"
YEAR_END_SERIES = "BO"
GENERATED_SERIES = (MEMBERSHIP_FEE_SERIES, ACCRUAL_SERIES, YEAR_END_SERIES)

_LINK_UNSAFE = re.compile(r"[^A-Za-z0-9\-_/.]+")


def link_name(*parts: object) -> str:
    """A Beancount link built from ``parts``: only characters links allow."""
    text = "-".join(str(part) for part in parts)
    translated = text.translate(str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE"))
    return _LINK_UNSAFE.sub("-", translated).strip("-")


def posting(account: str, number: Decimal, meta: Mapping[str, Any] | None = None) -> Posting:
    """A posting of ``number`` SEK, with optional posting metadata."""
    return Posting(account, Amount(number, CURRENCY), None, None, None, dict(meta) if meta else None)


def source_reference(source: Directive | Mapping[str, Any]) -> dict[str, Any]:
    """Metadata that points at ``source`` (a directive, or its metadata): its file and line."""
    meta = source if isinstance(source, Mapping) else source.meta
    return {"filename": meta["filename"], "lineno": meta["lineno"]}


def generated_transaction(
    source: Directive | Mapping[str, Any],
    date: datetime.date,
    narration: str,
    postings: Iterable[Posting],
    *,
    rule: str,
    series: str,
    payee: str | None = None,
    links: Iterable[str] = (),
    tags: Iterable[str] = (),
    meta: Mapping[str, Any] | None = None,
    flag: str = "*",
) -> Transaction:
    """A new transaction made by ``rule`` from ``source``; ``source`` is not touched."""
    entry_meta = source_reference(source)
    entry_meta[RULE_KEY] = rule
    entry_meta[SERIES_KEY] = series
    if meta:
        entry_meta.update(meta)
    return Transaction(
        entry_meta,
        date,
        flag,
        payee,
        narration,
        frozenset(tags),
        frozenset(links),
        list(postings),
    )


def with_link(entry: Transaction, link: str) -> Transaction:
    """A copy of ``entry`` that also carries ``link`` (the input entry is not mutated)."""
    if link in entry.links:
        return entry
    return entry._replace(links=frozenset(entry.links | {link}))


def is_generated(entry: Directive) -> bool:
    """True for entries made by one of this project's rules."""
    return bool(entry.meta) and RULE_KEY in entry.meta


__all__ = [
    "ACCRUAL_SERIES",
    "GENERATED_SERIES",
    "MEMBERSHIP_FEE_SERIES",
    "YEAR_END_SERIES",
    "RULE_KEY",
    "SERIES_KEY",
    "VERIFICATION_KEY",
    "generated_transaction",
    "is_generated",
    "link_name",
    "posting",
    "source_reference",
    "with_link",
]
