"""A SIE file read into what it says: the company, its years, accounts, balances and vouchers.

Reading follows SIE filformat utgåva 4B; the records this project uses are:

=========  ===============================================  =========================
record     fields                                           kept as
=========  ===============================================  =========================
#FORMAT    PC8                                              ``declared_format``
#SIETYP    1, 2, 3 or 4                                     ``sie_type``
#PROGRAM   program, version                                 ``program``
#FNAMN     company name                                     ``company_name``
#ORGNR     organisation number                              ``organisation_number``
#RAR       year index (0, -1 …), first day, last day        ``years``
#KONTO     account, name                                    ``accounts``
#KTYP      account, T/S/K/I                                 ``account_types``
#IB #UB    year index, account, amount [, quantity]         ``opening``, ``closing``
#RES       year index, account, amount [, quantity]         ``results``
#VER       series, number, date [, text, reg. date, sign]   ``vouchers``
#TRANS     account, {objects}, amount [, date, text, qty]   ``Voucher.rows``
=========  ===============================================  =========================

``#RTRANS`` (a row added afterwards) is always followed by the same row as ``#TRANS``,
which is the one counted; ``#BTRANS`` (a row removed afterwards) is not counted. Other
records are read (so an unreadable one is reported) and otherwise passed over, as the
format asks of a reader. What cannot be read is a :class:`ReadProblem` with its line.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from bergslaget_plugins.sie.checksum import ChecksumResult, verify_checksum
from bergslaget_plugins.sie.encoding import decode_sie
from bergslaget_plugins.sie.records import LexError, ObjectList, Record, lex

_AMOUNT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^\d{8}$")
#: Object lists as written in posting metadata: ``"1:100 6:P1"``.
OBJECT_SEPARATOR = " "


@dataclass(frozen=True)
class ReadProblem:
    """A record that cannot be read as the format says."""

    lineno: int
    message: str


@dataclass(frozen=True)
class VoucherRow:
    """A ``#TRANS`` row of a voucher."""

    lineno: int
    account: str
    objects: tuple[tuple[str, str], ...]
    amount: Decimal
    date: datetime.date | None
    text: str
    quantity: Decimal | None


@dataclass(frozen=True)
class Voucher:
    """A ``#VER`` and its rows."""

    lineno: int
    series: str
    number: str
    date: datetime.date
    text: str
    rows: tuple[VoucherRow, ...]

    @property
    def label(self) -> str:
        """How the voucher is named in messages: ``A 12``, or the series alone when it has no number."""
        return f"{self.series} {self.number}".strip() or "(utan serie och nummer)"

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal(0))


@dataclass(frozen=True)
class Balance:
    """An ``#IB``, ``#UB`` or ``#RES`` record."""

    lineno: int
    year_index: int
    account: str
    amount: Decimal


@dataclass
class SieDocument:
    """Everything read from one SIE file."""

    path: str
    encoding: str
    declared_format: str | None = None
    sie_type: str | None = None
    program: str | None = None
    company_name: str | None = None
    organisation_number: str | None = None
    currency: str = "SEK"
    years: dict[int, tuple[datetime.date, datetime.date]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    account_lines: dict[str, int] = field(default_factory=dict)
    account_types: dict[str, str] = field(default_factory=dict)
    opening: list[Balance] = field(default_factory=list)
    closing: list[Balance] = field(default_factory=list)
    results: list[Balance] = field(default_factory=list)
    vouchers: list[Voucher] = field(default_factory=list)
    problems: list[ReadProblem] = field(default_factory=list)
    checksum: ChecksumResult | None = None
    record_count: int = 0
    #: How many U+FFFD replacement characters the text holds (letters lost before the file reached us).
    replacement_characters: int = 0

    def balances(self, kind: str, year_index: int = 0) -> dict[str, Decimal]:
        """``#IB``/``#UB``/``#RES`` amounts of a year by account (summed if an account repeats)."""
        records = {"IB": self.opening, "UB": self.closing, "RES": self.results}[kind]
        amounts: dict[str, Decimal] = {}
        for record in records:
            if record.year_index == year_index:
                amounts[record.account] = amounts.get(record.account, Decimal(0)) + record.amount
        return amounts


class _FieldError(Exception):
    pass


def _amount(value: str | None, what: str) -> Decimal:
    if value is None or value == "":
        raise _FieldError(f"{what} saknas")
    if not _AMOUNT.match(value):
        raise _FieldError(f"{what} {value!r} är inget belopp (siffror med decimalpunkt)")
    return Decimal(value)


def _date(value: str | None, what: str) -> datetime.date:
    if value is None or value == "":
        raise _FieldError(f"{what} saknas")
    if not _DATE.match(value):
        raise _FieldError(f"{what} {value!r} är inget datum (ÅÅÅÅMMDD)")
    try:
        return datetime.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _FieldError(f"{what} {value!r} är inget giltigt datum") from None


def _optional_date(value: str | None, what: str) -> datetime.date | None:
    return None if value is None or value == "" else _date(value, what)


def _year_index(value: str | None) -> int:
    if value is None or not re.fullmatch(r"[+-]?\d+", value):
        raise _FieldError(f"årsnummer {value!r} ska vara 0, -1, -2 …")
    return int(value)


def _account(value: str | None) -> str:
    if value is None or not value.strip():
        raise _FieldError("kontonummer saknas")
    return value.strip()


def _row(record: Record) -> VoucherRow:
    fields = list(record.fields)
    account = _account(record.text_field(0))
    objects: tuple[tuple[str, str], ...] = ()
    rest = fields[1:]
    if rest and isinstance(rest[0], ObjectList):
        objects = rest[0].pairs()
        rest = rest[1:]
    texts = [value if isinstance(value, str) else None for value in rest]
    amount = _amount(texts[0] if texts else None, "beloppet")
    date = _optional_date(texts[1] if len(texts) > 1 else None, "transaktionsdatum")
    text = (texts[2] if len(texts) > 2 else None) or ""
    quantity_text = texts[3] if len(texts) > 3 else None
    quantity = _amount(quantity_text, "kvantiteten") if quantity_text else None
    return VoucherRow(record.lineno, account, objects, amount, date, text, quantity)


def _balance(record: Record) -> Balance:
    year_index = _year_index(record.text_field(0))
    account = _account(record.text_field(1))
    amount = _amount(record.text_field(2), "beloppet")
    return Balance(record.lineno, year_index, account, amount)


class _Reader:
    """Walks the records, keeping the open voucher between ``{`` and ``}``."""

    def __init__(self, document: SieDocument) -> None:
        self.document = document
        self.pending: tuple[Record, list[VoucherRow]] | None = None
        self.in_block = False
        self.block_owner: str | None = None

    def problem(self, lineno: int, message: str) -> None:
        self.document.problems.append(ReadProblem(lineno, message))

    def close_voucher(self) -> None:
        if self.pending is None:
            return
        record, rows = self.pending
        self.pending = None
        try:
            series = record.text_field(0) or ""
            number = record.text_field(1) or ""
            date = _date(record.text_field(2), "verifikationsdatum")
        except _FieldError as error:
            self.problem(record.lineno, f"#VER: {error}")
            return
        text = record.text_field(3) or ""
        self.document.vouchers.append(Voucher(record.lineno, series, number, date, text, tuple(rows)))

    def read(self, record: Record) -> None:
        label = record.label
        if label == "{":
            if self.in_block:
                self.problem(record.lineno, "{ inuti ett block som inte stängts med }")
            self.in_block = True
            return
        if label == "}":
            if not self.in_block:
                self.problem(record.lineno, "} utan föregående {")
            self.in_block = False
            if self.block_owner == "#VER":
                self.close_voucher()
            self.block_owner = None
            return
        if self.in_block:
            self.read_sub_record(record)
            return
        self.close_voucher()
        self.block_owner = label
        try:
            self.read_record(record)
        except _FieldError as error:
            self.problem(record.lineno, f"{label}: {error}")

    def read_sub_record(self, record: Record) -> None:
        if self.block_owner != "#VER" or self.pending is None:
            return
        if record.label in ("#BTRANS", "#RTRANS"):
            return
        if record.label != "#TRANS":
            return
        try:
            self.pending[1].append(_row(record))
        except _FieldError as error:
            self.problem(record.lineno, f"#TRANS: {error}")

    def read_record(self, record: Record) -> None:
        document = self.document
        label = record.label
        if label == "#FORMAT":
            document.declared_format = record.text_field(0)
        elif label == "#SIETYP":
            document.sie_type = record.text_field(0)
        elif label == "#PROGRAM":
            document.program = " ".join(value for value in record.fields if isinstance(value, str))
        elif label == "#FNAMN":
            # Some programs leave a name with spaces unquoted: its words are the name.
            document.company_name = " ".join(value for value in record.fields if isinstance(value, str)) or None
        elif label == "#VALUTA":
            document.currency = (record.text_field(0) or "SEK").upper()
        elif label == "#ORGNR":
            document.organisation_number = record.text_field(0)
        elif label == "#RAR":
            year_index = _year_index(record.text_field(0))
            start = _date(record.text_field(1), "räkenskapsårets början")
            end = _date(record.text_field(2), "räkenskapsårets slut")
            if end < start:
                raise _FieldError(f"räkenskapsåret slutar ({end}) före det börjar ({start})")
            document.years[year_index] = (start, end)
        elif label == "#KONTO":
            account = _account(record.text_field(0))
            document.accounts[account] = record.text_field(1) or ""
            document.account_lines.setdefault(account, record.lineno)
        elif label == "#KTYP":
            account = _account(record.text_field(0))
            kind = (record.text_field(1) or "").upper()
            if kind not in ("T", "S", "K", "I"):
                raise _FieldError(f"kontotyp {kind!r} ska vara T, S, K eller I")
            document.account_types[account] = kind
        elif label == "#IB":
            document.opening.append(_balance(record))
        elif label == "#UB":
            document.closing.append(_balance(record))
        elif label == "#RES":
            document.results.append(_balance(record))
        elif label == "#VER":
            self.pending = (record, [])
        elif label in ("#TRANS", "#RTRANS", "#BTRANS"):
            raise _FieldError("transaktionsrad utanför en verifikations block { }")

    def finish(self, last_line: int) -> None:
        if self.in_block:
            self.problem(last_line, "blocket stängs aldrig med }")
            if self.block_owner == "#VER":
                self.close_voucher()
        self.close_voucher()


def read_sie_bytes(data: bytes, path: str = "<SIE>") -> SieDocument:
    """Read a SIE file's bytes; every problem is in ``problems``, nothing is raised."""
    decoded = decode_sie(data)
    document = SieDocument(path=path, encoding=decoded.encoding)
    document.replacement_characters = decoded.text.count("\ufffd")
    records: list[Record] = []
    reader = _Reader(document)
    for item in lex(decoded.text):
        if isinstance(item, LexError):
            document.problems.append(ReadProblem(item.lineno, f"oläslig rad: {item.message}"))
            continue
        if item.damage:
            document.problems.append(ReadProblem(item.lineno, f"{item.label}: {item.damage}"))
        records.append(item)
        reader.read(item)
    reader.finish(records[-1].lineno if records else 0)
    document.record_count = sum(1 for record in records if record.label not in "{}")
    document.checksum = verify_checksum(records, decoded.encoding)
    return document


def read_sie_file(path: Path) -> SieDocument:
    """Read a SIE file from disk (OSError if it cannot be opened)."""
    return read_sie_bytes(path.read_bytes(), str(path))


__all__ = ["Balance", "ReadProblem", "SieDocument", "Voucher", "VoucherRow", "read_sie_bytes", "read_sie_file"]
