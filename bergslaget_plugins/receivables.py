"""Customer invoices in the books and what has cleared them (kundreskontran).

One reading of the receivables, used by the Bankgiro import (which invoice a payment
pays) and by Fava's member-fee page (invoiced, paid, outstanding, days overdue).

An invoice is a transaction with the metadata ``faktura: "<nummer>"`` and the link
``^faktura-<nummer>``, booked on the receivable account (role ``kundfordringar``); the member-fee
invoices also carry ``medlem``, ``avgiftsar``, ``ocr`` and ``forfallodatum``. Every
posting on the receivable account that carries an invoice's link belongs to that
invoice: the invoice itself, payments and credit notes. A transaction with several
invoice links (one payment for several invoices) says on each receivable posting
which invoice it belongs to, with posting metadata ``faktura``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core.data import Directive, Transaction

from bergslaget_plugins.generated import link_name

INVOICE_KEY = "faktura"
LINK_PREFIX = "faktura-"


class InvoiceBookError(ValueError):
    """The books contradict themselves about an invoice (booked twice, ambiguous payment)."""


def invoice_link(number: str) -> str:
    """The link an invoice shares with its payments: ``faktura-2022101``."""
    return link_name("faktura", number)


def place(entry: Directive) -> str:
    """``file:line`` of an entry, for messages."""
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


class InvoiceRecord(NamedTuple):
    """One customer invoice and what has cleared it, in the books up to a given day."""

    number: str
    entry: Transaction
    invoiced: Decimal
    #: Everything else on the receivable account with the invoice's link (payments, credit notes).
    cleared: Decimal
    last_clearing: datetime.date | None

    @property
    def link(self) -> str:
        return invoice_link(self.number)

    @property
    def open_amount(self) -> Decimal:
        return self.invoiced - self.cleared

    @property
    def date(self) -> datetime.date:
        return self.entry.date

    @property
    def customer(self) -> str:
        """The member, else the receivable posting's motpart, else the payee."""
        member = self.entry.meta.get("medlem")
        if member:
            return str(member)
        for posting in self.entry.postings:
            if posting.meta and posting.meta.get("motpart"):
                return str(posting.meta["motpart"])
        return self.entry.payee or ""

    @property
    def ocr(self) -> str | None:
        value = self.entry.meta.get("ocr")
        return str(value) if value is not None else None

    @property
    def fee_year(self) -> int | None:
        """The fee year of a member-fee invoice (``avgiftsar``), else None."""
        year = self.entry.meta.get("avgiftsar")
        return int(year) if isinstance(year, (int, Decimal)) and not isinstance(year, bool) else None

    @property
    def due_date(self) -> datetime.date | None:
        due = self.entry.meta.get("forfallodatum")
        return due if isinstance(due, datetime.date) else None


def _invoice_numbers_of(entry: Transaction) -> list[str]:
    return sorted(link[len(LINK_PREFIX):] for link in entry.links if link.startswith(LINK_PREFIX))


def read_invoices(
    entries: Sequence[Directive], receivables: str, as_of: datetime.date | None = None
) -> dict[str, InvoiceRecord]:
    """The invoices on the account ``receivables`` booked on or before ``as_of`` (default: all),
    with what cleared them by then.

    Raises InvoiceBookError for an invoice booked twice, or a transaction with several
    invoice links whose receivable postings do not say which invoice they belong to.
    """
    amounts: dict[str, Decimal] = {}
    last_clearing: dict[str, datetime.date] = {}
    invoice_entries: dict[str, Transaction] = {}
    for entry in entries:
        if not isinstance(entry, Transaction) or (as_of is not None and entry.date > as_of):
            continue
        numbers = _invoice_numbers_of(entry)
        if not numbers:
            continue
        own_number = entry.meta.get(INVOICE_KEY)
        own_number = str(own_number) if own_number is not None and str(own_number) in numbers else None
        if own_number is not None:
            if own_number in invoice_entries:
                first = invoice_entries[own_number]
                raise InvoiceBookError(f"Fakturan {own_number} är bokförd två gånger: {place(first)} och {place(entry)}")
            invoice_entries[own_number] = entry
        for posting in entry.postings:
            if posting.account != receivables or posting.units is None or posting.units.number is None:
                continue
            stated = (posting.meta or {}).get(INVOICE_KEY)
            if stated is not None:
                number = str(stated)
            elif len(numbers) == 1:
                number = numbers[0]
            else:
                raise InvoiceBookError(
                    f"Verifikationen {entry.meta.get('ver', '')} ({place(entry)}) har flera fakturalänkar; "
                    f"varje kontering på {receivables} måste ange sin faktura med metadata faktura:"
                )
            amounts[number] = amounts.get(number, Decimal(0)) + posting.units.number
            if number != own_number:
                last_clearing[number] = max(entry.date, last_clearing.get(number, entry.date))
    records = {}
    for number, entry in invoice_entries.items():
        invoiced = sum((p.units.number for p in entry.postings
                        if p.account == receivables and p.units is not None and p.units.number is not None
                        and str((p.meta or {}).get(INVOICE_KEY, number)) == number), Decimal(0))
        records[number] = InvoiceRecord(number, entry, invoiced, invoiced - amounts.get(number, Decimal(0)),
                                        last_clearing.get(number))
    return records
