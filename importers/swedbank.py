"""Swedbank account statements (CSV export): the association's bank account 1930.

Swedbank exports the transactions of an account as CSV, newest row first, in
Windows-1252 (Latin-1) text, with amounts written with a decimal point. Both
variants of the export are read: the company/association one (here
``tests/data/swedbank/foretag.csv``, rows left out) ::

    * Transaktioner Period 2022-03-01 – 2022-03-31 Skapad 2022-04-01 08:15
    Radnr,Clnr,Kontonr,Produkt,Valuta,Bokfdag,Transdag,Valutadag,Referens,Text,Belopp,Saldo
    1,8327-9,923456789,Företagskonto,SEK,2022-03-31,2022-03-31,2022-03-31,Mars,KONTOAVGIFT,-195.00,343197.10
    2,8327-9,923456789,Företagskonto,SEK,2022-03-15,2022-03-14,2022-03-15,,KORTKÖP 220314 CLAS OHLSON,-459.90,343392.10
    ...
    5,8327-9,923456789,Företagskonto,SEK,2022-03-07,2022-03-07,2022-03-07,5844-9216,BG INSÄTTNING 5844-9216,244401.00,343857.00

and the private one (header ``Radnummer,Clearingnummer,Kontonummer,Produkt,Valuta,
Bokföringsdag,Transaktionsdag,Valutadag,Referens,Beskrivning,Belopp,Bokfört saldo``,
first line ``* Transaktionsrapport ...``). The first line is optional.

Each row becomes one transaction (verification series ``A``), dated on the booking day
(Bokfdag), with the counter-posting taken from the accountant's rules in
``ledger/importregler.csv`` (see ``importers/bank_rules.py``)::

    2022-03-07 * "Bankgirot" "BG INSÄTTNING 5844-9216"
      ver: "A3"
      bank_id: "20220307-7c3517f458f9"
      referens: "5844-9216"
      Assets:1930-Företagskonto           244401.00 SEK
      Assets:1938-Bankgiroinbetalningar  -244401.00 SEK
        motpart: "Bankgirot"

A row that no rule fits is left for the accountant: flag ``!``, counter-posting on
``Liabilities:2999-OBS-konto``, narration ``<text> – ingen importregel matchade``::

    2022-03-15 ! "KORTKÖP 220314 CLAS OHLSON – ingen importregel matchade"
      ver: "A6"
      bank_id: "20220315-f2fb024fad93"
      Assets:1930-Företagskonto   -459.90 SEK
      Liabilities:2999-OBS-konto   459.90 SEK

After the rows comes one balance assertion for 1930 on the day after the newest row,
with that row's running balance (Saldo)::

    2022-04-01 balance Assets:1930-Företagskonto  343197.10 SEK

``bank_id`` is derived from the bank's data of the row (clearing and account number,
the three dates, reference, text, amount and running balance), not from the row
number, which changes between exports. A row whose ``bank_id`` is already in the books
is shown as a duplicate: importing a file twice, or a statement that overlaps an
earlier one, adds only the new rows. A row that the books hold booked by hand (a
transaction without ``bank_id`` with the same amount on 1930 the same day) is shown as
a duplicate of that transaction too, for the accountant to confirm.

Refused files (nothing is extracted; the message names the line and the rule):

* wrong encoding. The detection, in this order: a byte order mark or NUL bytes
  (UTF-16) are refused; a file with non-ASCII bytes that is valid UTF-8 is refused,
  because Swedbank writes Windows-1252, where Swedish letters (å = 0xE5) are never
  followed by the continuation bytes UTF-8 requires, so a real export practically
  never decodes as UTF-8; bytes that Windows-1252 does not define (0x81, 0x8D, 0x8F,
  0x90, 0x9D) and control characters are refused;
* a header that is not one of the two variants (or a first line that starts with
  ``*`` but is not ``* Transaktioner``/``* Transaktionsrapport``);
* a row with too few or too many fields (a truncated file), an amount or balance that
  is not a number with a decimal point and at most two decimals, a date that is not
  ``YYYY-MM-DD``;
* rows of more than one account or of another currency than SEK, rows not in
  newest-first order, and a running balance that does not follow: for consecutive rows
  (newer above older) Saldo(newer) = Saldo(older) + Belopp(newer).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import beangulp
from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.data import Balance, Directive, Open, Transaction

from bergslaget_plugins.chart import Chart
from bergslaget_plugins.markup import neutralise
from bergslaget_plugins.money import CURRENCY, AmountFormatError, format_swedish, parse_point_amount
from bergslaget_plugins.roles import AccountRoles

from importers.common import (
    ImportFileError,
    ImportProblem,
    file_head,
    identity_index,
    mark_booked_by_hand,
    mark_duplicates,
    next_day,
    sek_posting,
)
from importers.numbering import VER_KEY, assign_numbers, sort_key
from importers.bank_rules import BankRule, NeedsCounterparty, first_rule, read_rules

BANK_ID_KEY = "bank_id"
COMPANY_HEADER = (
    "Radnr", "Clnr", "Kontonr", "Produkt", "Valuta", "Bokfdag", "Transdag", "Valutadag", "Referens", "Text",
    "Belopp", "Saldo",
)  # fmt: skip
PRIVATE_HEADER = (
    "Radnummer", "Clearingnummer", "Kontonummer", "Produkt", "Valuta", "Bokföringsdag", "Transaktionsdag",
    "Valutadag", "Referens", "Beskrivning", "Belopp", "Bokfört saldo",
)  # fmt: skip
TITLE_PREFIXES = ("* Transaktioner", "* Transaktionsrapport")
NO_RULE = "ingen importregel matchade"

_UNDEFINED_IN_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class StatementRow:
    """One row of the statement, as the bank wrote it."""

    line: int
    clearing: str
    account_number: str
    product: str
    currency: str
    booking_date: datetime.date
    transaction_date: datetime.date
    value_date: datetime.date
    reference: str
    text: str
    amount: Decimal
    balance: Decimal

    @property
    def identity(self) -> str:
        """``bank_id``: the booking day and a digest of the row's bank data (not its row number)."""
        parts = [
            _NOT_DIGITS.sub("", self.clearing),
            _NOT_DIGITS.sub("", self.account_number),
            self.booking_date.isoformat(),
            self.transaction_date.isoformat(),
            self.value_date.isoformat(),
            " ".join(self.reference.split()),
            " ".join(self.text.split()),
            f"{self.amount:.2f}",
            f"{self.balance:.2f}",
        ]
        digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:12]
        return f"{self.booking_date:%Y%m%d}-{digest}"


@dataclass(frozen=True)
class Statement:
    """A whole export: the rows newest first, as in the file."""

    variant: str  # "företag" or "privat"
    title: str
    rows: tuple[StatementRow, ...]

    @property
    def newest(self) -> StatementRow | None:
        return self.rows[0] if self.rows else None


def _line_of(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def decode_statement(raw: bytes, path: str) -> str:
    """The text of a Swedbank export, or :class:`ImportFileError` if it is not Windows-1252 text."""

    def refuse(line: int | None, message: str) -> ImportFileError:
        return ImportFileError(path, [ImportProblem(line, message)], "Kontoutdraget kan inte läsas")

    if raw.startswith(codecs.BOM_UTF8):
        raise refuse(1, "filen börjar med UTF-8-markering (BOM); Swedbanks export är Windows-1252 (Latin-1)")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        raise refuse(_line_of(raw, raw.find(b"\x00")), "filen innehåller NUL-tecken (UTF-16?); Swedbanks export är Windows-1252")
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            first = next(index for index, byte in enumerate(raw) if byte >= 0x80)
            raise refuse(
                _line_of(raw, first),
                "filen är kodad i UTF-8 (t.ex. å skrivet som två byte); Swedbanks export är Windows-1252 (Latin-1). "
                "Exportera filen på nytt från banken, oförändrad",
            )
    for index, byte in enumerate(raw):
        if byte in _UNDEFINED_IN_CP1252:
            raise refuse(_line_of(raw, index), f"byte 0x{byte:02X} finns inte i Windows-1252: filen har en annan teckenkodning")
    text = raw.decode("cp1252")
    control = _CONTROL_CHARACTERS.search(text)
    if control:
        raise refuse(text[: control.start()].count("\n") + 1, f"otillåtet styrtecken U+{ord(control.group()):04X}")
    # Markup from the file never reaches the books (``<`` -> ``‹``).
    return neutralise(text)


def _parse_date(value: str, column: str, line: int, problems: list[ImportProblem]) -> datetime.date:
    if _DATE.match(value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(ImportProblem(line, f"{column} är inget datum (ÅÅÅÅ-MM-DD): {value!r}"))
    return datetime.date(1900, 1, 1)


def _parse_money(value: str, column: str, line: int, problems: list[ImportProblem]) -> Decimal:
    try:
        amount = parse_point_amount(value)
    except AmountFormatError:
        problems.append(ImportProblem(line, f"{column} är inget belopp med decimalpunkt (t.ex. -1234.50): {value!r}"))
        return Decimal(0)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(ImportProblem(line, f"{column} har fler än två decimaler: {value!r}"))
    return amount


def _statement_rows(
    records: list[tuple[int, list[str]]], header_cells: tuple[str, ...], problems: list[ImportProblem]
) -> list[StatementRow]:
    """The rows after the header; a row with the wrong number of fields, or a date or amount
    that cannot be read, adds to ``problems``."""
    rows: list[StatementRow] = []
    for line, cells in records:
        if len(cells) != len(header_cells):
            what = "saknar fält (avklippt fil?)" if len(cells) < len(header_cells) else "har för många fält"
            problems.append(ImportProblem(line, f"raden {what}: {len(cells)} fält, ska vara {len(header_cells)}"))
            continue
        values = [cell.strip() for cell in cells]
        names = header_cells
        rows.append(
            StatementRow(
                line=line,
                clearing=values[1],
                account_number=values[2],
                product=values[3],
                currency=values[4],
                booking_date=_parse_date(values[5], names[5], line, problems),
                transaction_date=_parse_date(values[6], names[6], line, problems),
                value_date=_parse_date(values[7], names[7], line, problems),
                reference=values[8],
                text=values[9],
                amount=_parse_money(values[10], names[10], line, problems),
                balance=_parse_money(values[11], names[11], line, problems),
            )
        )
    return rows


def parse_statement(text: str, path: str) -> Statement:
    """Read and check the rows; raise :class:`ImportFileError` listing every broken rule."""
    problems: list[ImportProblem] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        for record in reader:
            records.append((reader.line_num, record))
    except csv.Error as error:
        raise ImportFileError(path, [ImportProblem(reader.line_num, f"felaktig CSV: {error}")], "Kontoutdraget kan inte läsas") from error
    while records and not any(cell.strip() for cell in records[-1][1]):
        records.pop()
    title = ""
    if records and records[0][1] and records[0][1][0].startswith("*"):
        title = ",".join(records[0][1]).strip()
        if not title.startswith(TITLE_PREFIXES):
            problems.append(ImportProblem(records[0][0], f"första raden ska börja med * Transaktioner eller * Transaktionsrapport: {title!r}"))
        records = records[1:]
    if not records:
        raise ImportFileError(path, [*problems, ImportProblem(None, "rubrikraden saknas")], "Kontoutdraget kan inte läsas")
    header_line, header = records[0]
    header_cells = tuple(cell.strip() for cell in header)
    if header_cells == COMPANY_HEADER:
        variant = "företag"
    elif header_cells == PRIVATE_HEADER:
        variant = "privat"
    else:
        problems.append(
            ImportProblem(
                header_line,
                f"rubrikraden känns inte igen: {','.join(header_cells)!r}; väntade {','.join(COMPANY_HEADER)} "
                f"eller {','.join(PRIVATE_HEADER)}",
            )
        )
        raise ImportFileError(path, problems, "Kontoutdraget kan inte läsas")
    rows = _statement_rows(records[1:], header_cells, problems)
    if not problems:
        problems += _consistency_problems(rows)
    if problems:
        raise ImportFileError(path, problems, "Kontoutdraget kan inte läsas")
    return Statement(variant, title, tuple(rows))


def _consistency_problems(rows: Sequence[StatementRow]) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    if not rows:
        return problems
    first = rows[0]
    for row in rows:
        if (row.clearing, row.account_number) != (first.clearing, first.account_number):
            problems.append(
                ImportProblem(row.line, f"raden gäller konto {row.clearing} {row.account_number}, filens första rad {first.clearing} {first.account_number}")
            )
        if row.currency != CURRENCY:
            problems.append(ImportProblem(row.line, f"valutan är {row.currency!r}; bokföringen förs i {CURRENCY}"))
    for newer, older in zip(rows, rows[1:]):
        if older.booking_date > newer.booking_date:
            # Out of order, the running balances cannot be checked either: one message is enough.
            problems.append(
                ImportProblem(
                    older.line,
                    f"raderna ska komma med den senaste först, men {older.booking_date} kommer efter "
                    f"{newer.booking_date} (rad {newer.line})",
                )
            )
            return problems
    for newer, older in zip(rows, rows[1:]):
        if older.balance + newer.amount != newer.balance:
            problems.append(
                ImportProblem(
                    newer.line,
                    f"saldot {format_swedish(newer.balance)} följer inte av raden under (rad {older.line}, saldo "
                    f"{format_swedish(older.balance)}) och beloppet {format_swedish(newer.amount)}: "
                    f"väntade {format_swedish(older.balance + newer.amount)}",
                )
            )
    return problems


def read_statement(path: str | Path) -> Statement:
    """Read and check a Swedbank export."""
    return parse_statement(decode_statement(Path(path).read_bytes(), str(path)), str(path))


def looks_like_swedbank(path: str | Path) -> bool:
    """True for a Swedbank export, judged by its first lines in any encoding (so that a
    wrongly encoded or damaged export is refused with a reason rather than ignored)."""
    head = file_head(path, 4096)
    if head is None:
        return False
    first_lines = head.decode("latin-1").replace('"', "").splitlines()[:2]
    if not first_lines:
        return False
    if first_lines[0].startswith(TITLE_PREFIXES):
        return True
    return first_lines[0].startswith(("Radnr,Clnr,", "Radnummer,Clearingnummer,"))


def _newest_row(filepath: str) -> StatementRow | None:
    try:
        return read_statement(filepath).newest
    except ImportFileError:
        return None


class SwedbankImporter(beangulp.Importer):
    """Swedbank CSV statements of the association's bank account.

    ``needs_counterparty`` says which accounts' postings must name their ``motpart``
    (the chart's rule); :meth:`for_books` takes the accounts from the books' roles.
    """

    def __init__(
        self,
        rules_path: str | Path,
        bank_account: str,
        suspense_account: str,
        needs_counterparty: NeedsCounterparty,
        series: str = "A",
    ) -> None:
        self.rules_path = Path(rules_path)
        self.bank_account = bank_account
        self.suspense_account = suspense_account
        self.needs_counterparty = needs_counterparty
        self.series = series

    @classmethod
    def for_books(cls, rules_path: str | Path, roles: AccountRoles, chart: Chart, series: str = "A") -> SwedbankImporter:
        """The importer for the books whose roles (``bank``, ``obs-konto``) and chart are given."""
        return cls(rules_path, roles.account("bank"), roles.account("obs-konto"), chart.needs_counterparty, series)

    def identify(self, filepath: str) -> bool:
        return looks_like_swedbank(filepath)

    def account(self, filepath: str) -> data.Account:
        return self.bank_account

    def date(self, filepath: str) -> datetime.date | None:
        """The newest booking day; None for a file that cannot be read (Fava lists it anyway)."""
        newest = _newest_row(filepath)
        return newest.booking_date if newest else None

    def filename(self, filepath: str) -> str | None:
        newest = _newest_row(filepath)
        if newest is None:
            return None
        return f"kontoutdrag-{_NOT_DIGITS.sub('', newest.clearing)}-{_NOT_DIGITS.sub('', newest.account_number)}.csv"

    def rules(self, existing: Sequence[Directive]) -> list[BankRule]:
        """The rules file; its accounts must be open in the books (when the books are given)."""
        rules = read_rules(self.rules_path, self.needs_counterparty)
        opened = {entry.account for entry in existing if isinstance(entry, Open)}
        if opened:
            missing = [
                ImportProblem(rule.line, f"kontot {rule.account} är inte öppnat i bokföringen")
                for rule in rules
                if rule.account not in opened
            ]
            if missing:
                raise ImportFileError(str(self.rules_path), missing, "Importreglerna kan inte användas")
        return rules

    def extract(self, filepath: str, existing: data.Entries) -> data.Entries:
        statement = read_statement(filepath)
        rules = self.rules(existing)
        booked = identity_index(existing, BANK_ID_KEY)
        entries: list[Directive] = []
        new: list[Transaction] = []
        for row in reversed(statement.rows):  # oldest first
            known = booked.get(row.identity)
            if known is not None:
                meta = data.new_metadata(filepath, row.line)
                meta.update({k: v for k, v in known.meta.items() if k not in ("filename", "lineno") and not k.startswith("__")})
                entries.append(known._replace(meta=meta))
                continue
            entry = self.book_row(filepath, row, first_rule(rules, row.text, row.reference, row.amount))
            entries.append(entry)
            new.append(entry)
        assign_numbers(new, existing, self.series)
        newest = statement.newest
        if newest is not None:
            entries.append(
                Balance(
                    data.new_metadata(filepath, newest.line),
                    next_day(newest.booking_date),
                    self.bank_account,
                    Amount(newest.balance, CURRENCY),
                    None,
                    None,
                )
            )
        return entries

    def book_row(self, filepath: str, row: StatementRow, rule: BankRule | None) -> Transaction:
        meta = data.new_metadata(filepath, row.line)
        meta[VER_KEY] = ""
        meta[BANK_ID_KEY] = row.identity
        if row.reference:
            meta["referens"] = row.reference
        text = row.text or row.reference or "Bankrad utan text"
        if rule is None:
            counter = sek_posting(self.suspense_account, -row.amount)
            return Transaction(
                meta, row.booking_date, "!", None, f"{text} – {NO_RULE}", data.EMPTY_SET, data.EMPTY_SET,
                [sek_posting(self.bank_account, row.amount), counter],
            )  # fmt: skip
        counter_meta = {"motpart": rule.counterparty} if rule.counterparty else None
        return Transaction(
            meta,
            row.booking_date,
            "*",
            rule.counterparty or None,
            text,
            data.EMPTY_SET,
            data.EMPTY_SET,
            [sek_posting(self.bank_account, row.amount), sek_posting(rule.account, -row.amount, counter_meta)],
        )

    def deduplicate(self, entries: data.Entries, existing: data.Entries) -> None:
        """Rows already imported (same ``bank_id``), then rows booked by hand (same day and amount on 1930)."""
        mark_duplicates(entries, existing, BANK_ID_KEY)
        mark_booked_by_hand(entries, existing, self.bank_account, BANK_ID_KEY)

    def sort(self, entries: data.Entries, reverse: bool = False) -> None:
        entries.sort(key=sort_key, reverse=reverse)
