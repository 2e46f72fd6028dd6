"""Bankgiro Inbetalningar (BgMax): payments to the association's bankgiro 5844-9216.

Bankgirot delivers each day's incoming payments as a BgMax file: fixed-width records
of 80 characters, each starting with a two-digit record code (transaktionskod, TK).
This importer books every payment (TK20) against the invoice it pays, and every
deduction (TK21) as a negative payment, on the clearing account
``Assets:1938-Bankgiroinbetalningar`` (verification series ``BG``).

A file with one payment (each record is 80 characters; trailing blanks left out here)::

    01BGMAX               0120220315063012000000P
    050058449216          SEK
    200050501055                202210191000000000001526800210000000000100
    26Storfors kommun
    15000000000000000000000832799234567892022031400001000000000001526800SEK00000001
    7000000001000000000000000000000001

``01`` opens the file (layout BGMAX, version 01, written 2022-03-15 06:30:12,
production ``P``); ``05`` opens a deposit to bankgiro 5844-9216 in SEK; ``20`` is a
payment from bankgiro 5050-1055 with OCR reference 202210191 of 15 268,00 kr (in öre),
reference code 2 (a checked OCR number), channel 1, Bankgirot's serial number 10; ``26``
the payer's name (``22``/``23`` extra references, ``25`` a message, ``27``/``28``
address and ``29`` organisation number may follow a payment); ``15`` closes the
deposit: bank account, payment date 2022-03-14, deposit number 1, 15 268,00 kr, SEK, 1
payment; ``70`` closes the file: 1 payment, 0 deductions, 0 extra references,
1 deposit.

becomes (the invoice ``^faktura-2022101`` with OCR 202210191 is in the books)::

    2022-03-14 * "Storfors kommun" "Inbetalning medlemsavgift 2022, faktura 2022101" ^faktura-2022101
      ver: "BG3"
      bgc_id: "58449216-20220314-000000000010"
      ocr: "202210191"
      Assets:1938-Bankgiroinbetalningar   15268.00 SEK
      Assets:1510-Kundfordringar         -15268.00 SEK
        motpart: "Storfors kommun"

A payment that pays no open invoice, or another amount than the open one, is booked
with flag ``!`` on ``Liabilities:2999-OBS-konto`` (``motpart`` = the payer's name from
TK26) and its narration says why, e.g. ``Betalt 15 000,00 men fakturan 2022101 har
15 268,00 öppet``. How payments are matched: see ``importers/matching.py``.

The date is the deposit's payment date (TK15). ``bgc_id`` (receiving bankgiro, payment
date, Bankgirot's serial number of the payment) identifies the payment: a payment whose
``bgc_id`` is already in the books is shown as a duplicate and not booked again. When a
file has no serial numbers, or repeats one within a day, the deposit's serial number and
the payment's place in the deposit are added (see :func:`payment_identities`).

Deductions (TK21) are booked as negative payments: 1938 is credited and, if the
reference names a credit invoice (negative open amount) of exactly that amount, 1510
is debited; otherwise 2999 is debited with flag ``!``. So 1938 receives exactly
payments minus deductions, which is the deposit (TK15) that reaches the bank.

What is checked (a file that breaks any rule is refused, nothing is extracted, and the
message names the line and the rule): TK01 first and TK70 last; TK05 opens a deposit
and TK15 closes it; TK20/TK21 only inside a deposit and TK22/23/25/26/27/28/29 only
after a TK20/TK21 of the same deposit, in that order (TK26-29 at most once each);
known record codes only; numeric fields are digits and dates are dates; TK15 amount =
payments - deductions and TK15 count = number of TK20 + TK21 of the deposit, in the
deposit's currency; TK70 counts of payments, deductions, extra references
(TK22 + TK23) and deposits. The importer then refuses test files (TK01 marked ``T``),
deposits to another bankgiro than the association's and deposits in another currency
than SEK.

Writing: :func:`render_bgmax` (text) and :func:`write_bgmax` (an ISO-8859-1 file) make
a valid BgMax file from the same data classes the reader returns; TK15 sums and
counts and TK70 counts are computed. For example the file above::

    write_bgmax("bgmax.txt", BgMaxFile(
        created=datetime.datetime(2022, 3, 15, 6, 30, 12),
        deposits=(Deposit("58449216", datetime.date(2022, 3, 14), serial=1,
                          bank_account="83279923456789",
                          payments=(Payment(Decimal("15268.00"), reference="202210191",
                                            sender_bankgiro="50501055",
                                            bgc_serial="000000000010",
                                            name="Storfors kommun"),)),),
    ))

Characters: BgMax is ISO-8859-1. A file that is valid UTF-8 and contains non-ASCII
characters has been re-encoded on its way; since records are fixed-width in
characters, it is read as UTF-8 (read as ISO-8859-1 its records would be longer than
80 characters). A replacement character (U+FFFD), left where a re-encoding lost a
character, and control characters are errors. A TAB is expanded to the next multiple
of 8 columns, as the editor that inserted it displayed it (Bankgirot's own sample file
has such a line); the fields after it are then checked like any other. Trailing
blanks that transfer programs remove are put back: a record may be shorter than 80
characters, but never longer, and its mandatory fields must still be there.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

import beangulp
from beancount.core import data
from beancount.core.data import Transaction

from bergslaget_plugins.chart import COUNTERPARTY_KEY
from bergslaget_plugins.money import ONE_ORE
from bergslaget_plugins.receivables import INVOICE_KEY
from bergslaget_plugins.roles import AccountRoles
from importers.bgmax_layout import (
    RECORD_LENGTH,
    RECORD_NAMES,
    REFERENCE_BLANK,
    REFERENCE_OCR,
    TAB_SIZE,
    BgMaxFile,
    Deposit,
    ExtraReference,
    Payment,
    DIGITS,
    NO_REFERENCE_CODES,
)
from importers.bgmax_reader import decode_bgmax, looks_like_bgmax, parse_bgmax_text, read_bgmax
from importers.bgmax_validation import policy_problems
from importers.bgmax_writer import BgMaxWriteError, render_bgmax, write_bgmax
from importers.common import (
    ImportFileError,
    bankgiro_digits,
    format_bankgiro,
    identity_index,
    mark_duplicates,
    sek_posting,
)
from importers.matching import (
    InvoiceLedger,
    Match,
    MatchMethod,
    PaymentFacts,
    StatedReference,
    match_payment,
    read_invoice_ledger,
)
from importers.numbering import VER_KEY, assign_numbers, sort_key

BGC_ID_KEY = "bgc_id"

def payment_identities(bgmax: BgMaxFile) -> dict[int, str]:
    """``bgc_id`` of every payment, by its record (line) number.

    Normally receiving bankgiro, payment date and Bankgirot's serial number of the
    payment: ``58449216-20220314-000000000010``. When the file gives no serial number,
    or the same one to several payments of a day (Bankgirot's own sample file does),
    the deposit's serial number and the payment's place in the deposit are used too:
    ``58449216-20220314-000000000016-00075-003`` or ``58449216-20220314-00036-001``.
    """
    plain: dict[int, str] = {}
    places: dict[int, str] = {}
    for deposit in bgmax.deposits:
        day = f"{deposit.payment_date:%Y%m%d}"
        for ordinal, payment in enumerate(deposit.payments, start=1):
            place = f"{deposit.serial:05d}-{ordinal:03d}"
            base = f"{deposit.receiving_bankgiro}-{day}"
            plain[payment.record] = f"{base}-{payment.bgc_serial}" if payment.bgc_serial else f"{base}-{place}"
            places[payment.record] = place
    counts: dict[str, int] = {}
    for identity in plain.values():
        counts[identity] = counts.get(identity, 0) + 1
    return {
        record: identity if counts[identity] == 1 else f"{identity}-{places[record]}"
        for record, identity in plain.items()
    }


def stated_references(payment: Payment) -> tuple[StatedReference, ...]:
    """The references of a payment (TK20/TK21 and TK22/TK23) for matching, with signed amounts."""
    references: list[StatedReference] = []
    if payment.reference_code not in NO_REFERENCE_CODES:
        references += [StatedReference(token) for token in DIGITS.findall(payment.reference)]
    sign = Decimal(-1) if payment.deduction else Decimal(1)
    for extra in payment.extra_references:
        tokens = DIGITS.findall(extra.reference)
        amount = sign * extra.signed_amount if extra.amount else None
        references += [StatedReference(token, amount if len(tokens) == 1 else None) for token in tokens]
    return tuple(references)


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _matched_narration(payment: Payment, match: Match) -> str:
    prefix = "Avdrag" if payment.deduction else "Inbetalning"
    invoices = [allocation.invoice for allocation in match.allocations]
    numbers = ", ".join(invoice.number for invoice in invoices)
    word = "faktura" if len(invoices) == 1 else "fakturor"
    subjects = {invoice.narration for invoice in invoices}
    if len(subjects) == 1 and invoices[0].narration:
        return f"{prefix} {_lower_first(invoices[0].narration)}, {word} {numbers}"
    return f"{prefix}, {word} {numbers}"


class BgMaxImporter(beangulp.Importer):
    """Bankgiro Inbetalningar (BgMax) for one receiving bankgiro number."""

    def __init__(
        self,
        bankgiro: str,
        clearing_account: str,
        receivables_account: str,
        suspense_account: str,
        series: str = "BG",
    ) -> None:
        self.bankgiro = bankgiro_digits(bankgiro)
        self.clearing_account = clearing_account
        self.receivables_account = receivables_account
        self.suspense_account = suspense_account
        self.series = series

    @classmethod
    def for_books(cls, bankgiro: str, roles: AccountRoles, series: str = "BG") -> BgMaxImporter:
        """The importer for the books whose roles (``bankgiroinbetalningar``, ``kundfordringar``,
        ``obs-konto``) are given."""
        return cls(
            bankgiro,
            roles.account("bankgiroinbetalningar"),
            roles.account("kundfordringar"),
            roles.account("obs-konto"),
            series,
        )

    def identify(self, filepath: str) -> bool:
        return looks_like_bgmax(filepath)

    def account(self, filepath: str) -> data.Account:
        return self.clearing_account

    def date(self, filepath: str) -> datetime.date | None:
        """The file's creation day (TK01); None for a file that cannot be read.

        Fava's import page asks every identified file for its date and name when it lists
        the folder; an unreadable file must not break that list. Extracting it reports why.
        """
        bgmax = _readable(filepath)
        return bgmax.created.date() if bgmax else None

    def filename(self, filepath: str) -> str | None:
        bgmax = _readable(filepath)
        return f"bgmax-{bgmax.created:%H%M%S}.txt" if bgmax else None

    def check_policy(self, filepath: str, bgmax: BgMaxFile) -> None:
        """Refuse what the association does not book: test files, other bankgiros, other currencies."""
        problems = policy_problems(bgmax, self.bankgiro)
        if problems:
            raise ImportFileError(filepath, problems, "BgMax-filen kan inte bokföras")

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        bgmax = read_bgmax(filepath)
        self.check_policy(filepath, bgmax)
        ledger = read_invoice_ledger(existing, self.receivables_account)
        booked = identity_index(existing, BGC_ID_KEY)
        entries: list[Transaction] = []
        new: list[Transaction] = []
        identities = payment_identities(bgmax)
        ordered = sorted(bgmax.payments, key=lambda item: (item[0].payment_date, item[1].record))
        for deposit, payment in ordered:
            identity = identities[payment.record]
            known = booked.get(identity)
            if known is not None:
                entries.append(_copy_of_booked(known, filepath, payment.record))
                continue
            entry = self.book_payment(filepath, deposit, payment, identity, ledger)
            entries.append(entry)
            new.append(entry)
        assign_numbers(new, existing, self.series)
        return list(entries)

    def book_payment(
        self, filepath: str, deposit: Deposit, payment: Payment, identity: str, ledger: InvoiceLedger
    ) -> Transaction:
        facts = PaymentFacts(
            amount=payment.signed_amount,
            references=stated_references(payment),
            sender_bankgiro=payment.sender_bankgiro,
            payer_name=payment.name,
        )
        match = match_payment(facts, ledger)
        meta = data.new_metadata(filepath, payment.record)
        meta[VER_KEY] = ""
        meta[BGC_ID_KEY] = identity
        if payment.reference:
            meta["ocr" if payment.reference_code == REFERENCE_OCR else "referens"] = payment.reference
        extra = ", ".join(extra.reference for extra in payment.extra_references)
        if extra:
            meta["extra_referenser"] = extra
        amount = payment.signed_amount
        postings = [sek_posting(self.clearing_account, amount)]
        if match.matched:
            ledger.settle(match.allocations)
            if match.method in (MatchMethod.BANKGIRO, MatchMethod.NAME):
                meta["matchning"] = match.method.value
            several = len(match.allocations) > 1
            for allocation in match.allocations:
                posting_meta = {COUNTERPARTY_KEY: allocation.invoice.member}
                if several:
                    posting_meta[INVOICE_KEY] = allocation.invoice.number
                postings.append(sek_posting(self.receivables_account, -allocation.amount.quantize(ONE_ORE), posting_meta))
            return Transaction(
                meta,
                deposit.payment_date,
                "*",
                match.allocations[0].invoice.member,
                _matched_narration(payment, match),
                data.EMPTY_SET,
                frozenset(allocation.invoice.link for allocation in match.allocations),
                postings,
            )
        if payment.sender_bankgiro:
            meta["avsandarbankgiro"] = format_bankgiro(payment.sender_bankgiro)
        if payment.information:
            meta["meddelande"] = " / ".join(line for line in payment.information if line)
        payer = payment.name or (
            f"bankgiro {format_bankgiro(payment.sender_bankgiro)}" if payment.sender_bankgiro else "okänd betalare"
        )
        postings.append(sek_posting(self.suspense_account, -amount, {COUNTERPARTY_KEY: payer}))
        narration = f"Avdrag – {match.reason}" if payment.deduction else match.reason
        return Transaction(
            meta,
            deposit.payment_date,
            "!",
            payment.name or None,
            narration,
            data.EMPTY_SET,
            data.EMPTY_SET,
            postings,
        )

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        mark_duplicates(entries, existing, BGC_ID_KEY)

    def sort(self, entries: data.Entries, reverse: bool = False) -> None:
        entries.sort(key=sort_key, reverse=reverse)


def _readable(filepath: str) -> BgMaxFile | None:
    try:
        return read_bgmax(filepath)
    except ImportFileError:
        return None


def _copy_of_booked(booked: Transaction, filepath: str, record: int) -> Transaction:
    """The booked transaction as read again from this file (it will be marked as a duplicate)."""
    meta = data.new_metadata(filepath, record)
    meta.update({key: value for key, value in booked.meta.items() if key not in ("filename", "lineno") and not key.startswith("__")})
    return booked._replace(meta=meta)


#: The public names of the BgMax import, wherever they live (layout, reader, writer, validation).
__all__: Sequence[str] = (
    "BGC_ID_KEY",
    "RECORD_LENGTH",
    "RECORD_NAMES",
    "REFERENCE_BLANK",
    "REFERENCE_OCR",
    "TAB_SIZE",
    "BgMaxFile",
    "BgMaxImporter",
    "BgMaxWriteError",
    "Deposit",
    "ExtraReference",
    "Payment",
    "decode_bgmax",
    "looks_like_bgmax",
    "parse_bgmax_text",
    "payment_identities",
    "policy_problems",
    "read_bgmax",
    "render_bgmax",
    "stated_references",
    "write_bgmax",
)
