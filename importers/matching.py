"""Open customer invoices in the books, and which invoices a payment clears.

Invoices
--------
A customer invoice is a transaction with the link ``^faktura-<nummer>`` and the
metadata ``faktura: "<nummer>"`` (plus ``ocr`` and ``medlem``), booked on
``Assets:1510-Kundfordringar``. Its *open amount* is the sum of all postings to
1510 that carry its link: the invoice minus the payments already booked against it.
A transaction with several invoice links (one payment for several invoices) tells on
each 1510 posting which invoice it belongs to, with posting metadata ``faktura``.

Members are the ``custom "medlem" "<namn>"`` directives; the optional ``bankgiro``
metadata is the member's own bankgiro number.

Matching a payment
------------------
1. **OCR**: every reference of the payment (BgMax TK20/TK21 and the extra references
   TK22/TK23) must be the ``ocr`` of an invoice, and together the invoices' open
   amounts must equal the amount paid (a reference with its own amount must equal
   that invoice's open amount). Then the payment clears them all. When the references
   name invoices but the amounts differ, or an invoice is already paid, the payment is
   *not* placed: it goes to the OBS account with the reason.
2. **Sender bankgiro**, when no reference names an invoice: the member whose
   ``bankgiro`` is the sender's, if exactly one of that member's open invoices has
   exactly the amount paid.
3. **Payer name** (BgMax TK26) against the member names, ignoring case and spaces,
   with the same condition.

Everything else is booked on ``Liabilities:2999-OBS-konto`` with flag ``!`` and a
narration that says why, for example ``Ingen öppen faktura med OCR 12345`` or
``Betalt 15 000,00 men fakturan 2022101 har 15 268,00 öppet``.

Deductions (BgMax TK21) are matched the same way with a negative amount: they clear a
credit invoice (negative open amount) named by their reference.

The ledger keeps track of what a run has matched: a second payment of the same
invoice in the same file finds it already paid.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from beancount.core.data import Custom, Directive

from bergslaget_plugins.fees import MEMBER_TYPE
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.receivables import InvoiceBookError, invoice_link, place, read_invoices

from importers.common import LedgerError, bankgiro_digits, format_bankgiro

ZERO = Decimal(0)


def normalised_name(name: str) -> str:
    """Names compare without regard to case and spaces."""
    return "".join(name.split()).casefold()


@dataclass
class Invoice:
    """A customer invoice in the books; ``open_amount`` falls as payments are matched."""

    number: str
    date: datetime.date
    member: str
    ocr: str | None
    narration: str
    invoiced: Decimal
    open_amount: Decimal
    source: str = ""

    @property
    def link(self) -> str:
        return invoice_link(self.number)


@dataclass(frozen=True)
class PayingMember:
    """A member as a payer: the register's name and the bankgiro it pays from, if known."""

    name: str
    bankgiro: str | None  # digits only, without leading zeros


@dataclass
class InvoiceLedger:
    """The invoices and members of the books, with lookups for matching."""

    invoices: dict[str, Invoice] = field(default_factory=dict)
    members: list[PayingMember] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_ocr: dict[str, Invoice] = {}
        for invoice in self.invoices.values():
            if not invoice.ocr:
                continue
            other = self._by_ocr.get(invoice.ocr)
            if other is not None:
                raise LedgerError(
                    f"OCR {invoice.ocr} används av två fakturor: {other.number} ({other.source}) "
                    f"och {invoice.number} ({invoice.source})"
                )
            self._by_ocr[invoice.ocr] = invoice

    def by_ocr(self, reference: str) -> Invoice | None:
        return self._by_ocr.get(reference)

    def members_with_bankgiro(self, bankgiro: str) -> list[PayingMember]:
        digits = bankgiro_digits(bankgiro)
        return [member for member in self.members if digits and member.bankgiro == digits]

    def members_named(self, name: str) -> list[PayingMember]:
        wanted = normalised_name(name)
        return [member for member in self.members if wanted and normalised_name(member.name) == wanted]

    def open_invoices_of(self, member: PayingMember) -> list[Invoice]:
        wanted = normalised_name(member.name)
        return [
            invoice
            for invoice in self.invoices.values()
            if invoice.open_amount != ZERO and normalised_name(invoice.member) == wanted
        ]

    def settle(self, allocations: Iterable[Allocation]) -> None:
        """Record that ``allocations`` have been booked: the invoices' open amounts fall."""
        for allocation in allocations:
            allocation.invoice.open_amount -= allocation.amount


def read_invoice_ledger(entries: Sequence[Directive], receivables: str) -> InvoiceLedger:
    """Invoices on the account ``receivables`` (with open amounts) and members from the books' entries."""
    try:
        records = read_invoices(entries, receivables)
    except InvoiceBookError as error:
        raise LedgerError(str(error)) from error
    invoices = {
        number: Invoice(
            number=number,
            date=record.date,
            member=record.customer,
            ocr=record.ocr,
            narration=record.entry.narration or "",
            invoiced=record.invoiced,
            open_amount=record.open_amount,
            source=place(record.entry),
        )
        for number, record in records.items()
    }
    members = [
        PayingMember(str(entry.values[0].value), bankgiro_digits(str(entry.meta["bankgiro"])) if entry.meta.get("bankgiro") else None)
        for entry in entries
        if isinstance(entry, Custom) and entry.type == MEMBER_TYPE and entry.values
    ]
    return InvoiceLedger(invoices, members)


# --- Matching --------------------------------------------------------------------


class MatchMethod(enum.Enum):
    OCR = "ocr"
    BANKGIRO = "bankgiro"
    NAME = "namn"


@dataclass(frozen=True)
class StatedReference:
    """A reference given with a payment; ``amount`` is the part the payer assigned to it, if any."""

    reference: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class PaymentFacts:
    """What matching needs to know about a payment. ``amount`` is negative for a deduction."""

    amount: Decimal
    references: tuple[StatedReference, ...] = ()
    sender_bankgiro: str = ""
    payer_name: str = ""


@dataclass(frozen=True)
class Allocation:
    invoice: Invoice
    amount: Decimal


@dataclass(frozen=True)
class Match:
    """The invoices a payment clears, or (no allocations) the reason it cannot be placed."""

    allocations: tuple[Allocation, ...] = ()
    method: MatchMethod | None = None
    reason: str = ""

    @property
    def matched(self) -> bool:
        return bool(self.allocations)


def _money(amount: Decimal) -> str:
    return format_swedish(amount)


def _paid(amount: Decimal) -> str:
    return f"Betalt {_money(amount)}" if amount >= ZERO else f"Avdrag {_money(-amount)}"


def _match_named_invoices(payment: PaymentFacts, named: list[tuple[StatedReference, Invoice]]) -> Match:
    invoices = list({invoice.number: invoice for _reference, invoice in named}.values())
    paid = [invoice for invoice in invoices if invoice.open_amount == ZERO]
    if paid:
        listed = ", ".join(f"{invoice.number} (OCR {invoice.ocr})" for invoice in paid)
        return Match(reason=f"Fakturan {listed} är redan betald" if len(paid) == 1 else f"Fakturorna {listed} är redan betalda")
    for reference, invoice in named:
        if reference.amount is not None and reference.amount != invoice.open_amount:
            return Match(
                reason=f"{_paid(reference.amount)} på OCR {reference.reference} men fakturan {invoice.number} "
                f"har {_money(invoice.open_amount)} öppet"
            )
    total_open = sum((invoice.open_amount for invoice in invoices), ZERO)
    if total_open != payment.amount:
        if len(invoices) == 1:
            invoice = invoices[0]
            return Match(
                reason=f"{_paid(payment.amount)} men fakturan {invoice.number} har {_money(invoice.open_amount)} öppet"
            )
        numbers = ", ".join(invoice.number for invoice in invoices)
        return Match(
            reason=f"{_paid(payment.amount)} men fakturorna {numbers} har {_money(total_open)} öppet tillsammans"
        )
    return Match(tuple(Allocation(invoice, invoice.open_amount) for invoice in invoices), MatchMethod.OCR)


def _unique_invoice(payment: PaymentFacts, members: list[PayingMember], ledger: InvoiceLedger, method: MatchMethod) -> Match:
    candidates = [
        invoice
        for member in members
        for invoice in ledger.open_invoices_of(member)
        if invoice.open_amount == payment.amount
    ]
    who = ", ".join(member.name for member in members)
    if len(candidates) == 1:
        return Match((Allocation(candidates[0], payment.amount),), method)
    if not candidates:
        return Match(reason=f"{who} har ingen öppen faktura på {_money(payment.amount)}")
    return Match(reason=f"{who} har {len(candidates)} öppna fakturor på {_money(payment.amount)}")


def _match_by_payer(payment: PaymentFacts, ledger: InvoiceLedger) -> Match:
    reasons: list[str] = []
    if payment.sender_bankgiro:
        members = ledger.members_with_bankgiro(payment.sender_bankgiro)
        if members:
            found = _unique_invoice(payment, members, ledger, MatchMethod.BANKGIRO)
            if found.matched:
                return found
            reasons.append(found.reason)
    if payment.payer_name:
        members = ledger.members_named(payment.payer_name)
        if members:
            found = _unique_invoice(payment, members, ledger, MatchMethod.NAME)
            if found.matched:
                return found
            if found.reason not in reasons:
                reasons.append(found.reason)
    return Match(reason="; ".join(reasons))


def _unique_references(references: Iterable[StatedReference]) -> list[StatedReference]:
    seen: dict[str, StatedReference] = {}
    for reference in references:
        known = seen.get(reference.reference)
        if known is None or (known.amount is None and reference.amount is not None):
            seen[reference.reference] = reference
    return list(seen.values())


def match_payment(payment: PaymentFacts, ledger: InvoiceLedger) -> Match:
    """Which open invoices ``payment`` clears (see the module documentation for the order)."""
    references = _unique_references(payment.references)
    if references:
        named = [(reference, ledger.by_ocr(reference.reference)) for reference in references]
        unknown = [reference.reference for reference, invoice in named if invoice is None]
        if not unknown:
            return _match_named_invoices(payment, [(reference, invoice) for reference, invoice in named if invoice])
        no_invoice = f"Ingen öppen faktura med OCR {', '.join(unknown)}"
        if len(unknown) < len(references):
            return Match(reason=no_invoice)
        by_payer = _match_by_payer(payment, ledger)
        if by_payer.matched:
            return by_payer
        return Match(reason="; ".join(filter(None, [no_invoice, by_payer.reason])))
    by_payer = _match_by_payer(payment, ledger)
    if by_payer.matched:
        return by_payer
    if by_payer.reason:
        return Match(reason=f"Ingen referens; {by_payer.reason}")
    if payment.payer_name:
        return Match(reason=f"Ingen referens och {payment.payer_name} är ingen känd medlem")
    if payment.sender_bankgiro:
        return Match(reason=f"Ingen referens och bankgiro {format_bankgiro(payment.sender_bankgiro)} är ingen känd medlems")
    return Match(reason="Ingen referens och ingen uppgift om betalaren")
