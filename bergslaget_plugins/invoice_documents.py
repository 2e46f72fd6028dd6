"""Archived copies of issued invoices belong to their invoice's verification.

``bergslaget invoices --archive`` stores each invoice document in the books' documents
folder (``option "documents" "dokument"``), under the receivable account and with
Beancount's document naming: ``dokument/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf``.
Beancount finds the file and makes a ``document`` entry for it; this plugin gives that
entry the invoice's link, ``^faktura-2022101``, so the copy stands beside the invoice
verification and its payments wherever Fava shows the link (bokföringslagen 5 kap. 6–7 §§:
a copy of an issued invoice is part of the verification)::

    option "documents" "dokument"
    plugin "bergslaget_plugins.invoice_documents"

    2022-02-15 * "Storfors kommun" "Medlemsavgift 2022" ^faktura-2022101
      faktura: "2022101"
      Assets:1510-Kundfordringar    15268 SEK
      Income:3994-Medlemsavgifter  -15268 SEK

with the file ``dokument/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf``
beside the ledger, gives::

    2022-02-15 document Assets:1510-Kundfordringar "dokument/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf" ^faktura-2022101

A document named for an invoice the books do not hold, or dated otherwise than that
invoice, is an error at the document (a copy must match its verification).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core.data import Directive, Document, Transaction

from bergslaget_plugins.entry_index import directives_of, entry_index
from bergslaget_plugins.receivables import INVOICE_KEY, invoice_link

__plugins__ = ("link_invoice_documents",)

#: ``2022-02-15.faktura-2022101.pdf``: Beancount's date prefix, the invoice link, a file type.
INVOICE_DOCUMENT_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}\.(?P<link>faktura-(?P<number>[0-9A-Za-z]+))\.(?P<kind>pdf|xml)$")


class InvoiceDocumentLinkError(NamedTuple):
    """An archived invoice copy that matches no invoice in the books."""

    source: dict[str, Any]
    message: str
    entry: Directive


def invoice_document_name(invoice_date: str, number: str, kind: str) -> str:
    """``2022-02-15.faktura-2022101.pdf``.

    >>> invoice_document_name("2022-02-15", "2022101", "pdf")
    '2022-02-15.faktura-2022101.pdf'
    """
    return f"{invoice_date}.{invoice_link(number)}.{kind}"


def archived_invoice_copies(entries: Sequence[Directive], kind: str = "pdf") -> dict[str, str]:
    """The archived copy of each invoice, by invoice number: the file of its linked ``document`` entry."""
    copies: dict[str, str] = {}
    for entry in directives_of(entries):
        if isinstance(entry, Document):
            match = INVOICE_DOCUMENT_NAME.match(Path(entry.filename).name)
            if match and match["kind"] == kind and match["link"] in (entry.links or ()):
                copies.setdefault(match["number"], entry.filename)
    return copies


def link_invoice_documents(
    entries: list[Directive], options_map: dict[str, Any]
) -> tuple[list[Directive], list[InvoiceDocumentLinkError]]:
    """Give each archived invoice copy its invoice's link; see the module documentation."""
    copies = _invoice_copies(entries)
    if not copies:
        return entries, []
    invoice_dates = _invoice_dates(entry_index(entries).transactions)
    errors: list[InvoiceDocumentLinkError] = []
    linked: dict[int, Document] = {}
    for entry, match in copies:
        invoice_date = invoice_dates.get(match["number"])
        if invoice_date is None or invoice_date != entry.date:
            where = "finns inte i bokföringen" if invoice_date is None else f"är daterad {invoice_date}"
            errors.append(InvoiceDocumentLinkError(
                dict(entry.meta), f"Fakturakopian {entry.filename} hör till faktura {match['number']}, som {where}", entry))
            continue
        linked[id(entry)] = entry._replace(links=frozenset(entry.links or ()) | {match["link"]})
    if not linked:
        return entries, errors
    return [linked.get(id(entry), entry) for entry in entries], errors


def _invoice_copies(entries: Sequence[Directive]) -> list[tuple[Document, re.Match[str]]]:
    """The ``document`` entries named for an invoice, with what their names say."""
    copies = []
    for entry in directives_of(entries):
        if isinstance(entry, Document):
            match = INVOICE_DOCUMENT_NAME.match(Path(entry.filename).name)
            if match is not None:
                copies.append((entry, match))
    return copies


def _invoice_dates(transactions: Iterable[Transaction]) -> dict[str, datetime.date]:
    """The date of each invoice in the books, by invoice number (the last one booked, if twice)."""
    return {
        str(entry.meta[INVOICE_KEY]): entry.date
        for entry in transactions
        if entry.meta and INVOICE_KEY in entry.meta and invoice_link(str(entry.meta[INVOICE_KEY])) in entry.links
    }


__all__ = ["INVOICE_DOCUMENT_NAME", "archived_invoice_copies", "InvoiceDocumentLinkError", "invoice_document_name", "link_invoice_documents"]
