"""The fee invoices as documents to send, made from the invoices booked in the books.

Everything an invoice document says comes from the books, so a document can never
disagree with them:

- the amount, invoice number, invoice date, due date and OCR reference from the booked
  invoice (``receivables.read_invoices``: the transaction with ``faktura``, ``ocr``,
  ``forfallodatum``, ``medlem`` and ``avgiftsar``, and its receivable posting);
- the fee basis (fixed part, population and its date, variable part, caps applied,
  member municipalities of a region) from the booked invoice's metadata, and the rates
  of the fee year (per-inhabitant rate, caps, KPI indexation) from the fee rule
  (``fees.fee_parameters``), as ``bergslaget fees`` shows them;
- the seller from the association's facts (``organisation.read_organisation``);
- the buyer from the member's line in the register (``invoice_recipients``).

:func:`fee_invoice_documents` returns the documents of one fee year and, for each
member whose document cannot be made, an error at the line to correct.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.data import Directive

from bergslaget_plugins.fees import FeeParameters, fee_parameters, read_register
from bergslaget_plugins.invoice_recipients import InvoiceRecipient, RecipientError, read_recipient
from bergslaget_plugins.organisation import Organisation, OrganisationError, read_organisation
from bergslaget_plugins.receivables import InvoiceBookError, InvoiceRecord, read_invoices


class InvoiceDocumentError(NamedTuple):
    """A booked fee invoice for which no document can be made."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


@dataclass(frozen=True)
class FeeBasis:
    """How the fee was computed, as booked on the invoice and as the fee rule states it."""

    population: int | None
    population_date: datetime.date | None
    fixed_part: Decimal | None
    variable_part: Decimal | None
    caps_applied: tuple[str, ...]
    municipalities: tuple[str, ...]
    parameters: FeeParameters | None


@dataclass(frozen=True)
class FeeInvoiceDocument:
    """One booked fee invoice with everything its PDF and e-invoice print."""

    number: str
    ocr: str
    invoice_date: datetime.date
    due_date: datetime.date
    amount: Decimal
    fee_year: int
    seller: Organisation
    buyer: InvoiceRecipient
    basis: FeeBasis
    #: The verification id (``MA1``) and the link shared with payments (``faktura-2022101``).
    verification: str | None
    link: str
    #: Where the invoice is booked (its generating directive): ``file``, ``line``.
    source: Mapping[str, Any]

    @property
    def description(self) -> str:
        return f"Medlemsavgift {self.fee_year}"


def _decimal(meta: Mapping[str, Any], key: str) -> Decimal | None:
    value = meta.get(key)
    return value if isinstance(value, Decimal) else None


def _names(meta: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key)
    return tuple(part.strip() for part in value.split(",") if part.strip()) if isinstance(value, str) else ()


def _basis(meta: Mapping[str, Any], parameters: FeeParameters | None) -> FeeBasis:
    population = _decimal(meta, "folkmangd")
    population_date = meta.get("folkmangd_datum")
    return FeeBasis(
        population=int(population) if population is not None else None,
        population_date=population_date if isinstance(population_date, datetime.date) else None,
        fixed_part=_decimal(meta, "fast_del"),
        variable_part=_decimal(meta, "rorlig_del"),
        caps_applied=_names(meta, "tak"),
        municipalities=_names(meta, "kommuner"),
        parameters=parameters,
    )


def _document(record: InvoiceRecord, seller: Organisation, buyer: InvoiceRecipient,
              parameters: FeeParameters | None) -> FeeInvoiceDocument | InvoiceDocumentError:
    meta = record.entry.meta
    if record.ocr is None or record.due_date is None:
        return InvoiceDocumentError(meta, f"Fakturan {record.number} saknar ocr eller forfallodatum", record.entry)
    verification = meta.get("ver")
    return FeeInvoiceDocument(
        number=record.number,
        ocr=record.ocr,
        invoice_date=record.date,
        due_date=record.due_date,
        amount=record.invoiced,
        fee_year=int(record.fee_year or record.date.year),
        seller=seller,
        buyer=buyer,
        basis=_basis(meta, parameters),
        verification=str(verification) if verification else None,
        link=record.link,
        source={"filename": meta.get("filename"), "lineno": meta.get("lineno")},
    )


FeeInvoiceProblem = InvoiceDocumentError | RecipientError | OrganisationError


def fee_invoice_documents(
    entries: Sequence[Directive], year: int, member: str | None, receivables: str
) -> tuple[list[FeeInvoiceDocument], list[FeeInvoiceProblem]]:
    """The documents of the fee invoices booked for ``year`` (one member's, if named), in invoice-number order.

    ``receivables`` is the account playing the role ``kundfordringar`` (``roles.read_roles``).
    """
    try:
        records = read_invoices(entries, receivables)
    except InvoiceBookError as error:
        return [], [InvoiceDocumentError({"filename": "<kundreskontra>", "lineno": 0}, str(error), None)]
    chosen = sorted((r for r in records.values() if r.fee_year == year and (member is None or r.customer == member)),
                    key=lambda r: r.number)
    seller, organisation_errors = read_organisation(entries, on=datetime.date(year, 12, 31))
    problems: list[FeeInvoiceProblem] = list(organisation_errors)
    if seller is None:
        return [], problems
    register, _ = read_register(entries)  # the fee plugin reports register errors when the books load
    members = {m.name: m for m in register.members}
    parameters, _ = fee_parameters(register, year)
    documents: list[FeeInvoiceDocument] = []
    for record in chosen:
        registered = members.get(record.customer)
        if registered is None:
            problems.append(InvoiceDocumentError(record.entry.meta, f"Fakturan {record.number}: {record.customer} "
                                                 "finns inte i medlemsregistret", record.entry))
            continue
        buyer, recipient_error = read_recipient(registered)
        if buyer is None:
            assert recipient_error is not None
            problems.append(recipient_error)
            continue
        made = _document(record, seller, buyer, parameters)
        if isinstance(made, InvoiceDocumentError):
            problems.append(made)
        else:
            documents.append(made)
    return documents, problems


def invoice_document(entries: Sequence[Directive], number: str, receivables: str
                     ) -> tuple[FeeInvoiceDocument | None, list[str]]:
    """The document of the booked fee invoice ``number``; None and the problems (as ``file:line: message``) if none."""
    try:
        record = read_invoices(entries, receivables).get(number)
    except InvoiceBookError as error:
        return None, [str(error)]
    if record is None or record.fee_year is None:
        return None, []
    documents, problems = fee_invoice_documents(entries, record.fee_year, record.customer, receivables)
    chosen = next((document for document in documents if document.number == number), None)
    if chosen is not None:
        return chosen, []
    return None, [located(problem) for problem in problems]


def located(problem: FeeInvoiceProblem) -> str:
    """``file:line: message``, as the command and the Fava page say a problem."""
    return f"{problem.source.get('filename')}:{problem.source.get('lineno')}: {problem.message}"


def refused_members(entries: Sequence[Directive]) -> dict[str, str]:
    """The members whose invoices no document can be made for (the register lacks what an invoice
    needs), each with why as ``file:line: message``."""
    register, _ = read_register(entries)
    refused: dict[str, str] = {}
    for member in register.members:
        buyer, recipient_error = read_recipient(member)
        if buyer is None and recipient_error is not None:
            refused[member.name] = located(recipient_error)
    return refused


__all__ = ["FeeBasis", "invoice_document", "FeeInvoiceDocument", "InvoiceDocumentError", "fee_invoice_documents", "located",
           "refused_members"]
