"""Reading a BgMax file: decoding, the records in order (a state machine that collects
every broken rule with its line), and recognising a BgMax file (``importers.bgmax``
documents the format; the rules of the file as a whole are in ``bgmax_validation``).
"""

from __future__ import annotations

import codecs
import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bergslaget_plugins.markup import neutralise
from bergslaget_plugins.money import format_swedish
from importers.bgmax_layout import (
    RECORD_LENGTH,
    RECORD_NAMES,
    TAB_SIZE,
    BgMaxFile,
    Deposit,
    ExtraReference,
    Payment,
    PAYMENT_DETAIL_RANK,
    REPEATABLE_DETAILS,
)
from importers.bgmax_validation import FRAGMENT_START, envelope_problems, line_problem
from importers.common import ImportFileError, ImportProblem, file_head

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
        self.problems: list[ImportProblem] = []
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
            self.problems.append(ImportProblem(record.number, f"{record.label()}: {message}"))
        else:
            self.problems.append(ImportProblem(record, message))

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
        rank = PAYMENT_DETAIL_RANK[record.code]
        if rank < current.rank or (rank == current.rank and record.code not in REPEATABLE_DETAILS):
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


def parse_bgmax_text(text: str, encoding: str = "iso-8859-1") -> tuple[BgMaxFile | None, list[ImportProblem]]:
    """Read BgMax text; return the file and the problems (the file is None if any)."""
    reader = _Reader()
    # Markup from the file never reaches the books (``<`` -> ``‹``; same length, columns unchanged).
    if "\r" in text and "\n" not in text:
        return None, [ImportProblem(None, "raderna slutar bara med CR (gammalt Mac-format); BgMax-poster slutar med CRLF "
                                    "eller LF: spara om filen eller hämta den på nytt från banken")]
    lines = neutralise(text).split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        return None, [ImportProblem(None, "filen är tom")]
    envelope = envelope_problems(lines)
    if envelope:
        return None, envelope
    damaged: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if "\t" in line:
            line = line.expandtabs(TAB_SIZE)
        problem = line_problem(line)
        if problem is None and "\ufffd" in line:
            damaged.append(number)
        if problem is not None:
            reader.problem(number, problem)
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


def looks_like_bgmax(path: str | Path) -> bool:
    """True for a BgMax file, and for a fragment of one (so that it is refused with a reason)."""
    head = file_head(path, 8192)
    if head is None:
        return False
    text = head.decode("utf-8", errors="replace")
    if text.startswith("01BGMAX"):
        return True
    lines = [line.rstrip("\r").expandtabs(TAB_SIZE) for line in text.split("\n")[:-1] or [text]]
    return bool(lines) and bool(FRAGMENT_START.match(lines[0])) and all(len(line) <= RECORD_LENGTH for line in lines)
