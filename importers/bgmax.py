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

import codecs
import datetime
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import beangulp
from beancount.core import data
from beancount.core.data import Transaction

from bergslaget_plugins.markup import neutralise
from bergslaget_plugins.money import ONE_ORE, format_swedish

from importers.common import (
    ImportFileError,
    Problem,
    bankgiro_digits,
    format_bankgiro,
    identity_index,
    mark_duplicates,
    sek_posting,
)
from bergslaget_plugins.chart import COUNTERPARTY_KEY
from bergslaget_plugins.receivables import INVOICE_KEY
from bergslaget_plugins.roles import AccountRoles
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

RECORD_LENGTH = 80
IDENTITY_KEY = "bgc_id"
TAB_SIZE = 8

#: Reference codes (referenskod) of TK20-TK23: 0 and 1 no reference, 2 an OCR reference
#: that passed Bankgirot's check, 3 one or more references, 4 one reference, 5 a wrong one.
REFERENCE_BLANK = 0
REFERENCE_OCR = 2
_NO_REFERENCE_CODES = (0, 1)

#: Record codes and their Swedish names, for messages.
RECORD_NAMES = {
    "01": "öppningspost för filen",
    "05": "öppningspost för insättning",
    "15": "insättningspost",
    "20": "betalningspost",
    "21": "avdragspost",
    "22": "extra referensnummerpost",
    "23": "extra referensnummerpost minus",
    "25": "informationspost",
    "26": "namnpost",
    "27": "adresspost 1",
    "28": "adresspost 2",
    "29": "organisationsnummerpost",
    "70": "slutpost",
}
#: Order of the records that may follow a TK20/TK21 (same rank may repeat only for 22/23/25).
_PAYMENT_DETAIL_RANK = {"22": 1, "23": 1, "25": 2, "26": 3, "27": 4, "28": 5, "29": 6}
_REPEATABLE_DETAILS = {"22", "23", "25"}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DIGITS = re.compile(r"\d+")


# --- Data ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtraReference:
    """TK22 (or TK23 when ``negative``): one more reference of the payment before it."""

    reference: str
    amount: Decimal = Decimal("0.00")
    negative: bool = False
    reference_code: int = REFERENCE_OCR
    record: int = field(default=0, compare=False)

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.negative else self.amount


@dataclass(frozen=True)
class Payment:
    """TK20 (a payment) or, when ``deduction``, TK21, with the records that follow it.

    ``amount`` is as in the file (never negative); ``sender_bankgiro`` has no leading
    zeros and is empty when the file gives none.
    """

    amount: Decimal
    reference: str = ""
    reference_code: int = REFERENCE_OCR
    sender_bankgiro: str = ""
    channel_code: int = 1
    bgc_serial: str = ""
    image: bool = False
    deduction: bool = False
    deduction_code: int | None = None
    extra_references: tuple[ExtraReference, ...] = ()
    information: tuple[str, ...] = ()
    name: str = ""
    extra_name: str = ""
    street: str = ""
    postal_code: str = ""
    city: str = ""
    country: str = ""
    country_code: str = ""
    organisation_number: str = ""
    record: int = field(default=0, compare=False)

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.deduction else self.amount


@dataclass(frozen=True)
class Deposit:
    """One deposit (TK05 ... TK15): the payments Bankgirot pays into the bank account at once."""

    receiving_bankgiro: str
    payment_date: datetime.date
    payments: tuple[Payment, ...] = ()
    currency: str = "SEK"
    plusgiro: str = ""
    bank_account: str = ""
    serial: int = 1
    deposit_type: str = ""
    record: int = field(default=0, compare=False)

    @property
    def amount(self) -> Decimal:
        """Payments minus deductions: what reaches the bank account."""
        return sum((payment.signed_amount for payment in self.payments), Decimal("0.00"))

    @property
    def payment_count(self) -> int:
        return sum(1 for payment in self.payments if not payment.deduction)

    @property
    def deduction_count(self) -> int:
        return sum(1 for payment in self.payments if payment.deduction)

    @property
    def extra_reference_count(self) -> int:
        return sum(len(payment.extra_references) for payment in self.payments)


@dataclass(frozen=True)
class BgMaxFile:
    """A whole BgMax file (TK01 ... TK70)."""

    created: datetime.datetime
    deposits: tuple[Deposit, ...] = ()
    test: bool = False
    encoding: str = field(default="iso-8859-1", compare=False)

    @property
    def payment_count(self) -> int:
        return sum(deposit.payment_count for deposit in self.deposits)

    @property
    def deduction_count(self) -> int:
        return sum(deposit.deduction_count for deposit in self.deposits)

    @property
    def extra_reference_count(self) -> int:
        return sum(deposit.extra_reference_count for deposit in self.deposits)

    @property
    def payments(self) -> Iterator[tuple[Deposit, Payment]]:
        for deposit in self.deposits:
            for payment in deposit.payments:
                yield deposit, payment


# --- Reading ---------------------------------------------------------------------


def decode_bgmax(raw: bytes) -> tuple[str, str]:
    """The text of a BgMax file and the encoding it was read in (see the module docstring)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("iso-8859-1"), "iso-8859-1"
    return text, "utf-8" if not text.isascii() else "ascii"


def _money(digits: str) -> Decimal:
    return Decimal(int(digits)).scaleb(-2)


def _date(text: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


class _Record:
    """One line of the file, padded to 80 characters, with field access by 1-based positions."""

    def __init__(self, number: int, text: str) -> None:
        self.number = number
        self.text = text.ljust(RECORD_LENGTH)
        self.code = text[:2]

    def field(self, first: int, last: int) -> str:
        return self.text[first - 1:last]

    def label(self) -> str:
        return f"TK{self.code}"


@dataclass
class _PaymentBuilder:
    payment: dict[str, Any]
    extra_references: list[ExtraReference] = field(default_factory=list)
    information: list[str] = field(default_factory=list)
    rank: int = 0

    def build(self) -> Payment:
        return Payment(extra_references=tuple(self.extra_references), information=tuple(self.information), **self.payment)


@dataclass
class _DepositBuilder:
    record: _Record
    receiving_bankgiro: str
    plusgiro: str
    currency: str
    field_errors_before: int = 0
    payments: list[Payment] = field(default_factory=list)
    current: _PaymentBuilder | None = None

    def close_payment(self) -> None:
        if self.current is not None:
            self.payments.append(self.current.build())
            self.current = None


class _Reader:
    """The state machine that reads records in order and collects every broken rule."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.created: datetime.datetime | None = None
        self.test = False
        self.deposits: list[Deposit] = []
        self.deposit: _DepositBuilder | None = None
        self.seen_start = False
        self.seen_end = False
        self.counts = {"20": 0, "21": 0, "22": 0, "23": 0}
        self.field_errors = 0

    def problem(self, record: _Record | int | None, message: str) -> None:
        if isinstance(record, _Record):
            self.problems.append(Problem(record.number, f"{record.label()}: {message}"))
        else:
            self.problems.append(Problem(record, message))

    # Field helpers: they report and return a fallback so that reading goes on.
    def digits(self, record: _Record, first: int, last: int, what: str, blank_ok: bool = False) -> str:
        value = record.field(first, last)
        if blank_ok and not value.strip():
            return ""
        if not value.isdigit() or not value.isascii():
            self.problem(record, f"{what} (position {first}-{last}) ska vara siffror, är {value!r}")
            self.field_errors += 1
            return "0" * (last - first + 1)
        return value

    def read(self, record: _Record) -> None:
        code = record.code
        if code not in RECORD_NAMES:
            self.problem(record.number, f"okänd posttyp {code!r} (första två tecknen ska vara en transaktionskod)")
            return
        if self.seen_end:
            self.problem(record, "post efter slutposten TK70")
            return
        if not self.seen_start and code != "01":
            self.problem(record, "första posten i filen ska vara TK01 (öppningspost)")
            self.seen_start = True
        handler = getattr(self, f"_tk{code}")
        handler(record)

    def _tk01(self, record: _Record) -> None:
        if self.seen_start:
            self.problem(record, "TK01 får bara stå först i filen")
            return
        self.seen_start = True
        if record.field(3, 22).rstrip() != "BGMAX":
            self.problem(record, f"layoutnamnet ska vara BGMAX, är {record.field(3, 22).rstrip()!r}")
        if record.field(23, 24) != "01":
            self.problem(record, f"versionen ska vara 01, är {record.field(23, 24)!r}")
        stamp = record.field(25, 44)
        try:
            self.created = datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S%f")
        except ValueError:
            self.problem(record, f"skrivdagen (position 25-44) är ingen tidpunkt: {stamp!r}")
        marker = record.field(45, 45)
        if marker not in ("T", "P"):
            self.problem(record, f"testmarkeringen ska vara T eller P, är {marker!r}")
        self.test = marker == "T"

    def _tk05(self, record: _Record) -> None:
        if self.deposit is not None:
            self.problem(record, "ny insättning (TK05) innan föregående avslutats med TK15")
            self._close_deposit(None)
        receiving = self.digits(record, 3, 12, "mottagarens bankgironummer")
        plusgiro = self.digits(record, 13, 22, "mottagarens plusgironummer", blank_ok=True)
        currency = record.field(23, 25)
        if currency not in ("SEK", "EUR"):
            self.problem(record, f"valutan ska vara SEK eller EUR, är {currency!r}")
        self.deposit = _DepositBuilder(record, receiving.lstrip("0"), plusgiro.lstrip("0"), currency, self.field_errors)

    def _payment_fields(self, record: _Record) -> dict[str, Any]:
        sender = self.digits(record, 3, 12, "avsändarens bankgironummer")
        amount = self.digits(record, 38, 55, "beloppet")
        reference_code = self.digits(record, 56, 56, "referenskoden")
        channel = self.digits(record, 57, 57, "betalningskanalkoden")
        serial = self.digits(record, 58, 69, "BGC-löpnumret", blank_ok=True)
        image = record.field(70, 70)
        if image not in ("0", "1", " "):
            self.problem(record, f"avibildmarkeringen ska vara 0 eller 1, är {image!r}")
        return {
            "sender_bankgiro": sender.lstrip("0"),
            "reference": record.field(13, 37).strip(),
            "amount": _money(amount),
            "reference_code": int(reference_code),
            "channel_code": int(channel),
            "bgc_serial": serial,
            "image": image == "1",
        }

    def _tk20(self, record: _Record, deduction: bool = False) -> None:
        if self.deposit is None:
            self.problem(record, "betalning utanför en insättning: TK20/TK21 måste stå mellan TK05 och TK15")
            return
        self.deposit.close_payment()
        values = self._payment_fields(record)
        values["deduction"] = deduction
        values["record"] = record.number
        if deduction:
            code = record.field(71, 71)
            if code.strip() and not code.isdigit():
                self.problem(record, f"avdragskoden ska vara en siffra, är {code!r}")
            values["deduction_code"] = int(code) if code.isdigit() else None
        self.counts[record.code] += 1
        self.deposit.current = _PaymentBuilder(values)

    def _tk21(self, record: _Record) -> None:
        self._tk20(record, deduction=True)

    def _detail(self, record: _Record) -> _PaymentBuilder | None:
        """The payment a TK22-29 belongs to, after checking the order of the details."""
        if self.deposit is None or self.deposit.current is None:
            self.problem(record, "posten måste följa en betalning (TK20) eller ett avdrag (TK21) i en insättning")
            return None
        current = self.deposit.current
        rank = _PAYMENT_DETAIL_RANK[record.code]
        if rank < current.rank or (rank == current.rank and record.code not in _REPEATABLE_DETAILS):
            self.problem(
                record,
                "fel ordning bland betalningens poster: efter TK20/TK21 kommer TK22/TK23, TK25, TK26, TK27, TK28, "
                "TK29 i den ordningen (TK26-TK29 högst en gång var)",
            )
            return None
        current.rank = rank
        return current

    def _tk22(self, record: _Record) -> None:
        current = self._detail(record)
        self.digits(record, 3, 12, "bankgironumret")
        amount = self.digits(record, 38, 55, "beloppet")
        reference_code = self.digits(record, 56, 56, "referenskoden")
        self.digits(record, 58, 69, "BGC-löpnumret", blank_ok=True)
        self.counts[record.code] += 1
        if current is not None:
            current.extra_references.append(
                ExtraReference(
                    reference=record.field(13, 37).strip(),
                    amount=_money(amount),
                    negative=record.code == "23",
                    reference_code=int(reference_code),
                    record=record.number,
                )
            )

    def _tk23(self, record: _Record) -> None:
        self._tk22(record)

    def _tk25(self, record: _Record) -> None:
        current = self._detail(record)
        if current is not None:
            current.information.append(record.field(3, 52).strip())

    def _tk26(self, record: _Record) -> None:
        current = self._detail(record)
        if current is not None:
            current.payment["name"] = record.field(3, 37).strip()
            current.payment["extra_name"] = record.field(38, 72).strip()

    def _tk27(self, record: _Record) -> None:
        current = self._detail(record)
        if current is not None:
            current.payment["street"] = record.field(3, 37).strip()
            current.payment["postal_code"] = record.field(38, 46).strip()

    def _tk28(self, record: _Record) -> None:
        current = self._detail(record)
        if current is not None:
            current.payment["city"] = record.field(3, 37).strip()
            current.payment["country"] = record.field(38, 72).strip()
            current.payment["country_code"] = record.field(73, 74).strip()

    def _tk29(self, record: _Record) -> None:
        current = self._detail(record)
        # Real files write shorter numbers left-aligned ("00550000432 "): blanks are allowed around the digits.
        number = record.field(3, 14).strip()
        if number and not (number.isdigit() and number.isascii()):
            self.problem(record, f"organisationsnumret (position 3-14) ska vara siffror, är {record.field(3, 14)!r}")
        if current is not None:
            current.payment["organisation_number"] = number.lstrip("0")

    def _tk15(self, record: _Record) -> None:
        if self.deposit is None:
            self.problem(record, "insättningspost (TK15) utan öppningspost (TK05) före")
            return
        self._close_deposit(record)

    def _close_deposit(self, record: _Record | None) -> None:
        builder = self.deposit
        assert builder is not None
        builder.close_payment()
        self.deposit = None
        if record is None:
            return
        account = self.digits(record, 3, 37, "bankkontonumret")
        date_text = self.digits(record, 38, 45, "betalningsdagen")
        serial = self.digits(record, 46, 50, "insättningens löpnummer")
        amount = _money(self.digits(record, 51, 68, "insättningens belopp"))
        currency = record.field(69, 71)
        count = int(self.digits(record, 72, 79, "antalet betalningar"))
        deposit_type = record.field(80, 80).strip()
        payment_date = _date(date_text)
        if payment_date is None:
            self.problem(record, f"betalningsdagen (position 38-45) är inget datum: {date_text!r}")
            payment_date = datetime.date(1900, 1, 1)
        if currency != builder.currency:
            self.problem(record, f"valutan {currency!r} är inte insättningens ({builder.currency}, TK05)")
        deposit = Deposit(
            receiving_bankgiro=builder.receiving_bankgiro,
            payment_date=payment_date,
            payments=tuple(builder.payments),
            currency=builder.currency,
            plusgiro=builder.plusgiro,
            bank_account=account.lstrip("0"),
            serial=int(serial),
            deposit_type=deposit_type,
            record=builder.record.number,
        )
        # An unreadable amount in the deposit is already reported; its sum would only repeat it.
        if deposit.amount != amount and self.field_errors == builder.field_errors_before:
            self.problem(
                record,
                f"insättningens belopp {format_swedish(amount)} stämmer inte med betalningarna minus avdragen "
                f"({format_swedish(deposit.amount)}) från rad {builder.record.number}",
            )
        listed = deposit.payment_count + deposit.deduction_count
        if count != listed:
            self.problem(
                record,
                f"antalet betalningar är {count} men insättningen från rad {builder.record.number} har {listed} "
                "betalnings- och avdragsposter (TK20/TK21)",
            )
        self.deposits.append(deposit)

    def _tk70(self, record: _Record) -> None:
        if self.deposit is not None:
            self.problem(record, f"slutposten kommer innan insättningen från rad {self.deposit.record.number} avslutats med TK15")
            self.deposit = None
        self.seen_end = True
        declared = [
            ("betalningsposter (TK20)", self.digits(record, 3, 10, "antalet betalningsposter"), self.counts["20"]),
            ("avdragsposter (TK21)", self.digits(record, 11, 18, "antalet avdragsposter"), self.counts["21"]),
            (
                "extra referensnummerposter (TK22/TK23)",
                self.digits(record, 19, 26, "antalet extra referensnummerposter"),
                self.counts["22"] + self.counts["23"],
            ),
            ("insättningar (TK15)", self.digits(record, 27, 34, "antalet insättningsposter"), len(self.deposits)),
        ]
        for what, stated, actual in declared:
            if int(stated) != actual:
                self.problem(record, f"slutposten anger {int(stated)} {what} men filen har {actual}")

    def finish(self, last_line: int) -> None:
        if not self.seen_start:
            self.problem(None, "filen är tom")
        elif not self.seen_end:
            if self.deposit is not None:
                self.problem(last_line, f"insättningen från rad {self.deposit.record.number} avslutas aldrig med TK15")
            self.problem(last_line, f"TK70 (slutpost) saknas: filen slutar efter rad {last_line} utan slutpost (avklippt fil?)")


def parse_bgmax_text(text: str, encoding: str = "iso-8859-1") -> tuple[BgMaxFile | None, list[Problem]]:
    """Read BgMax text; return the file and the problems (the file is None if any)."""
    reader = _Reader()
    # Markup from the file never reaches the books (``<`` -> ``‹``; same length, columns unchanged).
    lines = neutralise(text).split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None, [Problem(None, "filen är tom")]
    first, last = lines[0].lstrip("\ufeff")[:2], lines[-1][:2]
    if first != "01":
        # A fragment (records cut out of a file): say so instead of listing every record out of place.
        problems = [Problem(1, f"första posten är TK{first}, inte TK01 (öppningspost): filen är ett utdrag ur en BgMax-fil")]
        if last != "70":
            problems.append(Problem(len(lines), f"sista posten är TK{last}, inte TK70 (slutpost)"))
        problems.append(Problem(None, "en BgMax-fil måste börja med TK01 och sluta med TK70 (filens kuvert)"))
        return None, problems
    damaged: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if "\t" in line:
            line = line.expandtabs(TAB_SIZE)
        control = _CONTROL_CHARACTERS.search(line)
        if control:
            reader.problem(number, f"otillåtet styrtecken U+{ord(control.group()):04X} på position {control.start() + 1}")
            continue
        if "\ufffd" in line:
            damaged.append(number)
        if not line.strip():
            reader.problem(number, "tom rad inne i filen")
            continue
        if len(line) > RECORD_LENGTH:
            reader.problem(number, f"posten har {len(line)} tecken; en BgMax-post har högst {RECORD_LENGTH}")
            continue
        reader.read(_Record(number, line))
    reader.finish(len(lines))
    if damaged:
        reader.problem(
            None,
            f"ersättningstecknet U+FFFD (tecken som gått förlorade när filen kodats om) på rad "
            f"{', '.join(map(str, damaged))}",
        )
    if reader.problems or reader.created is None:
        return None, reader.problems
    return BgMaxFile(reader.created, tuple(reader.deposits), reader.test, encoding), []


def read_bgmax(path: str | Path) -> BgMaxFile:
    """Read and check a BgMax file; raise :class:`ImportFileError` listing every broken rule."""
    text, encoding = decode_bgmax(Path(path).read_bytes())
    parsed, problems = parse_bgmax_text(text, encoding)
    if parsed is None:
        raise ImportFileError(str(path), problems, "BgMax-filen kan inte läsas")
    return parsed


_FRAGMENT_START = re.compile(r"^(05|20|21)\d{10}")


def looks_like_bgmax(path: str | Path) -> bool:
    """True for a BgMax file, and for a fragment of one (so that it is refused with a reason)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8192)
    except OSError:
        return False
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8):]
    text = head.decode("utf-8", errors="replace")
    if text.startswith("01BGMAX"):
        return True
    lines = [line.rstrip("\r").expandtabs(TAB_SIZE) for line in text.split("\n")[:-1] or [text]]
    return bool(lines) and bool(_FRAGMENT_START.match(lines[0])) and all(len(line) <= RECORD_LENGTH for line in lines)


# --- Writing ---------------------------------------------------------------------


class BgMaxWriteError(ValueError):
    """Data that cannot be written as BgMax."""


def _text(value: str, width: int, what: str, right: bool = False) -> str:
    if len(value) > width:
        raise BgMaxWriteError(f"{what} får ha högst {width} tecken: {value!r}")
    try:
        value.encode("iso-8859-1")
    except UnicodeEncodeError as error:
        raise BgMaxWriteError(f"{what} innehåller tecken som inte finns i ISO-8859-1: {value!r}") from error
    return value.rjust(width) if right else value.ljust(width)


def _number(value: int | str, width: int, what: str) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise BgMaxWriteError(f"{what} ska vara högst {width} siffror: {value!r}")
    return text.zfill(width)


def _ore(amount: Decimal, what: str) -> str:
    ore = amount * 100
    if amount < 0 or ore != ore.to_integral_value():
        raise BgMaxWriteError(f"{what} ska vara ett icke-negativt belopp i hela ören: {amount}")
    return _number(int(ore), 18, what)


def _reference(reference: str, code: int) -> str:
    return _text(reference, 25, "referensen", right=code == REFERENCE_OCR)


def _payment_records(payment: Payment, serial: str) -> list[str]:
    code = "21" if payment.deduction else "20"
    sender = _number(payment.sender_bankgiro or "0", 10, "avsändarens bankgironummer")
    image = "1" if payment.image else "0"
    head = (
        f"{code}{sender}{_reference(payment.reference, payment.reference_code)}{_ore(payment.amount, 'beloppet')}"
        f"{_number(payment.reference_code, 1, 'referenskoden')}{_number(payment.channel_code, 1, 'betalningskanalkoden')}"
        f"{serial}{image}"
    )
    if payment.deduction:
        head += _number(payment.deduction_code if payment.deduction_code is not None else 0, 1, "avdragskoden")
    records = [head]
    for extra in payment.extra_references:
        records.append(
            f"{'23' if extra.negative else '22'}{sender}{_reference(extra.reference, extra.reference_code)}"
            f"{_ore(extra.amount, 'beloppet')}{_number(extra.reference_code, 1, 'referenskoden')}"
            f"{_number(payment.channel_code, 1, 'betalningskanalkoden')}{serial}{image}"
        )
    records += [f"25{_text(line, 50, 'meddelandet')}" for line in payment.information]
    if payment.name or payment.extra_name:
        records.append(f"26{_text(payment.name, 35, 'namnet')}{_text(payment.extra_name, 35, 'extra namnet')}")
    if payment.street or payment.postal_code:
        records.append(f"27{_text(payment.street, 35, 'adressen')}{_text(payment.postal_code, 9, 'postnumret')}")
    if payment.city or payment.country or payment.country_code:
        records.append(
            f"28{_text(payment.city, 35, 'orten')}{_text(payment.country, 35, 'landet')}"
            f"{_text(payment.country_code, 2, 'landskoden')}"
        )
    if payment.organisation_number:
        records.append(f"29{_number(payment.organisation_number, 12, 'organisationsnumret')}")
    return records


def render_bgmax(bgmax: BgMaxFile) -> str:
    """The BgMax text (CRLF line ends) for ``bgmax``; write it as ISO-8859-1 (see :func:`write_bgmax`).

    TK15 amounts and counts and the TK70 counts are computed from the payments. A
    payment without ``bgc_serial`` gets its place in the file as serial number (give
    12 digits to have them read back unchanged). OCR references (reference code 2) are
    right-aligned, other references left-aligned. Raises :class:`BgMaxWriteError` for a
    text longer than its field, a character outside ISO-8859-1, or an amount that is
    negative or not in whole öre.
    """
    stamp = bgmax.created.strftime("%Y%m%d%H%M%S%f")
    records = [f"01{'BGMAX':<20}01{stamp}{'T' if bgmax.test else 'P'}"]
    serial_counter = 0
    for deposit in bgmax.deposits:
        if deposit.currency not in ("SEK", "EUR"):
            raise BgMaxWriteError(f"valutan ska vara SEK eller EUR: {deposit.currency!r}")
        plusgiro = _number(deposit.plusgiro, 10, "plusgironumret") if deposit.plusgiro else " " * 10
        records.append(f"05{_number(deposit.receiving_bankgiro, 10, 'mottagarens bankgironummer')}{plusgiro}{deposit.currency}")
        for payment in deposit.payments:
            serial_counter += 1
            serial = _number(payment.bgc_serial or str(serial_counter), 12, "BGC-löpnumret")
            records += _payment_records(payment, serial)
        records.append(
            f"15{_number(deposit.bank_account or '0', 35, 'bankkontonumret')}{deposit.payment_date:%Y%m%d}"
            f"{_number(deposit.serial, 5, 'insättningens löpnummer')}{_ore(deposit.amount, 'insättningens belopp')}"
            f"{deposit.currency}{_number(deposit.payment_count + deposit.deduction_count, 8, 'antalet')}"
            f"{_text(deposit.deposit_type, 1, 'insättningstypen')}"
        )
    records.append(
        f"70{bgmax.payment_count:08d}{bgmax.deduction_count:08d}{bgmax.extra_reference_count:08d}{len(bgmax.deposits):08d}"
    )
    return "".join(record.ljust(RECORD_LENGTH) + "\r\n" for record in records)


def write_bgmax(path: str | Path, bgmax: BgMaxFile) -> None:
    """Write ``bgmax`` to ``path`` in ISO-8859-1, as Bankgirot does."""
    Path(path).write_bytes(render_bgmax(bgmax).encode("iso-8859-1"))


# --- Booking ---------------------------------------------------------------------


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
    if payment.reference_code not in _NO_REFERENCE_CODES:
        references += [StatedReference(token) for token in _DIGITS.findall(payment.reference)]
    sign = Decimal(-1) if payment.deduction else Decimal(1)
    for extra in payment.extra_references:
        tokens = _DIGITS.findall(extra.reference)
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
        problems: list[Problem] = []
        if bgmax.test:
            problems.append(Problem(1, "TK01: filen är en testfil (testmarkering T) och bokförs inte"))
        for deposit in bgmax.deposits:
            if deposit.receiving_bankgiro != self.bankgiro:
                problems.append(
                    Problem(
                        deposit.record,
                        f"TK05: insättningen gäller bankgiro {format_bankgiro(deposit.receiving_bankgiro)}, "
                        f"föreningens bankgiro är {format_bankgiro(self.bankgiro)}",
                    )
                )
            if deposit.currency != "SEK":
                problems.append(
                    Problem(deposit.record, f"TK05: insättningen är i {deposit.currency}; bokföringen förs i SEK")
                )
        if problems:
            raise ImportFileError(filepath, problems, "BgMax-filen kan inte bokföras")

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        bgmax = read_bgmax(filepath)
        self.check_policy(filepath, bgmax)
        ledger = read_invoice_ledger(existing, self.receivables_account)
        booked = identity_index(existing, IDENTITY_KEY)
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
        meta[IDENTITY_KEY] = identity
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
        mark_duplicates(entries, existing, IDENTITY_KEY)

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


__all__: Sequence[str] = (
    "BgMaxFile",
    "BgMaxImporter",
    "Deposit",
    "ExtraReference",
    "Payment",
    "decode_bgmax",
    "parse_bgmax_text",
    "read_bgmax",
    "render_bgmax",
    "write_bgmax",
)
