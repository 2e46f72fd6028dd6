"""BgMax record layout: the record codes, the fixed-width fields' meaning, and the data
classes a file is read into and written from (``importers.bgmax`` documents the format).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

RECORD_LENGTH = 80
TAB_SIZE = 8

#: Reference codes (referenskod) of TK20-TK23: 0 and 1 no reference, 2 an OCR reference
#: that passed Bankgirot's check, 3 one or more references, 4 one reference, 5 a wrong one.
REFERENCE_BLANK = 0
REFERENCE_OCR = 2
NO_REFERENCE_CODES = (0, 1)

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
PAYMENT_DETAIL_RANK = {"22": 1, "23": 1, "25": 2, "26": 3, "27": 4, "28": 5, "29": 6}
REPEATABLE_DETAILS = {"22", "23", "25"}
DIGITS = re.compile(r"\d+")


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
