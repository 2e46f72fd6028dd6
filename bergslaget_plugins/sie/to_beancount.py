"""SIE 4 to Beancount: ``bergslaget sie import FILE``.

A SIE 4 file becomes books in this project's conventions::

    2022-01-01 open Assets:1930-Företagskonto SEK
      namn: "Företagskonto"

    2022-01-01 * "Ingående balans enligt SIE-filen"
      ver: "IB1"
      Assets:1930-Företagskonto            1216494.00 SEK
      Equity:2067-Balanserat-resultat     -1216494.00 SEK

    2022-01-10 * "Betalning av leverantörsskuld"
      ver: "A1"
      sie_serie: "A"
      sie_nummer: "1"
      Liabilities:2440-Leverantörsskulder      4375.00 SEK
        objekt: "1:100"
      Assets:1930-Företagskonto               -4375.00 SEK

    2023-01-01 balance Assets:1930-Företagskonto  958543.00 SEK

- accounts by BAS number and the file's name; the root from the account class
  (1 Assets, 20 Equity, other 2 Liabilities, 3 Income, 4–8 Expenses; an account of no
  class by its ``#KTYP``);
- the opening balances (``#IB 0``) as one transaction on the year's first day; if they
  do not sum to zero (a file that leaves accounts out), the difference is put on the
  opening-balances account (option ``account_previous_balances``) with a comment;
- one transaction per ``#VER``, with ``ver`` (series and number), ``sie_serie`` and
  ``sie_nummer`` as the file writes them; a row's own text, date, quantity and object
  list (``{1 "100"}`` → ``objekt: "1:100"``) as posting metadata;
- balance assertions the day after the year's last day: ``#UB 0`` for each balance
  account and ``#RES 0`` for each result account.

Into existing books (``--into``), an account with the same BAS number is reused, a new
one is opened, and a verification already in the books (same series, number and year)
is left out; so is a voucher without a number (a 4I file) that an earlier import booked
(same date, text and rows, as many times as the books hold it). If the books already hold earlier years, the opening balances become
assertions on the first day instead of a transaction (the books carry them already).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from beancount.core import account as account_lib
from beancount.core import flags
from beancount.core.amount import Amount
from beancount.core.data import Balance, Directive, Open, Posting, Transaction
from beancount.parser import options as options_lib
from beancount.parser import printer

from bergslaget_plugins.chart import NAME_KEY
from bergslaget_plugins.generated import VERIFICATION_KEY
from bergslaget_plugins.markup import neutralise
from bergslaget_plugins.organisation import read_organisation
from bergslaget_plugins.sie.check import (
    Finding,
    defects,
    is_balance_account,
    year_vouchers,
)
from bergslaget_plugins.sie.document import SieDocument, Voucher, VoucherRow
from bergslaget_plugins.verification_numbers import parse_verification

SERIES_META = "sie_serie"
NUMBER_META = "sie_nummer"
OBJECTS_META = "objekt"
OPENING_VERIFICATION = "IB1"
_NOT_IN_ACCOUNT = re.compile(r"[^\w]+")
_MAX_NAME = 48


class ImportRefused(Exception):
    """The file cannot be imported as it stands; ``reasons`` says why, in Swedish."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = list(reasons)


@dataclass(frozen=True)
class ExistingBooks:
    """What the import needs to know of the books it adds to."""

    accounts_by_number: Mapping[str, str]
    #: (year, series, number) of every verification in the books.
    verifications: frozenset[tuple[int, str, str]]
    first_transaction: datetime.date | None
    options: Mapping[str, Any]
    open_accounts: frozenset[str] = frozenset()
    #: The books' own organisation number (``custom "förening"``), None when the books have none.
    organisation_number: str | None = None
    #: How many times the books hold each voucher an import booked without a number, by
    #: :func:`unnumbered_key` (such a voucher has no id to be recognised by).
    unnumbered: Mapping[UnnumberedKey, int] = field(default_factory=dict)


_BEANCOUNT_DEFAULTS = options_lib.OPTIONS_DEFAULTS


@dataclass(frozen=True)
class RootNames:
    """The root account names and the opening-balances account (Beancount's defaults unless the books set them)."""

    assets: str = _BEANCOUNT_DEFAULTS["name_assets"]
    liabilities: str = _BEANCOUNT_DEFAULTS["name_liabilities"]
    equity: str = _BEANCOUNT_DEFAULTS["name_equity"]
    income: str = _BEANCOUNT_DEFAULTS["name_income"]
    expenses: str = _BEANCOUNT_DEFAULTS["name_expenses"]
    opening_balances: str = account_lib.join(_BEANCOUNT_DEFAULTS["name_equity"], _BEANCOUNT_DEFAULTS["account_previous_balances"])


@dataclass
class Conversion:
    """The Beancount text of an import and what it holds."""

    text: str
    #: The directives written, with ``filename`` the SIE file and ``lineno`` its record's line.
    entries: list[Directive] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _number_key(number: str) -> str:
    stripped = number.strip()
    return stripped.lstrip("0") or "0" if stripped.isdigit() else stripped


_NUMBER_LEAF = re.compile(r"^(\d+)(?:-|$)")


def leading_account_number(account: str) -> str | None:
    """The account number leading the last component, as an import writes it: ``1930`` of
    ``Assets:1930-Företagskonto``, also ``2621`` (a file without the account's name) and ``143010`` of
    ``Assets:143010-Kundfordran`` (a program numbering with more than four digits)."""
    match = _NUMBER_LEAF.match(account.rsplit(":", 1)[-1])
    return match.group(1) if match else None


UnnumberedKey = tuple[datetime.date, str, tuple[tuple[str, Decimal], ...]]


def unnumbered_key(date: datetime.date, text: str, rows: Iterable[tuple[str, Decimal]]) -> UnnumberedKey:
    """What recognises a voucher without a number: its date, text and rows (account, amount)."""
    return (date, text, tuple(sorted(rows)))


def existing_books(entries: Iterable[Directive], options: Mapping[str, Any]) -> ExistingBooks:
    """Accounts by BAS number and verification ids of loaded books."""
    accounts: dict[str, str] = {}
    opened: set[str] = set()
    verifications: set[tuple[int, str, str]] = set()
    unnumbered: Counter[UnnumberedKey] = Counter()
    first: datetime.date | None = None
    for entry in entries:
        if isinstance(entry, Open):
            opened.add(entry.account)
            number = leading_account_number(entry.account)
            if number is not None:
                accounts.setdefault(number, entry.account)
        elif isinstance(entry, Transaction):
            first = entry.date if first is None or entry.date < first else first
            series, number = entry.meta.get(SERIES_META), entry.meta.get(NUMBER_META)
            if isinstance(series, str) and isinstance(number, str):
                verifications.add((entry.date.year, series, _number_key(number)))
                if not number.strip():
                    rows = ((posting.account, posting.units.number) for posting in entry.postings
                            if posting.units is not None and isinstance(posting.units.number, Decimal))
                    unnumbered[unnumbered_key(entry.date, entry.narration or "", rows)] += 1
            parsed = parse_verification(entry.meta.get(VERIFICATION_KEY))
            if parsed is not None:
                verifications.add((entry.date.year, parsed[0], str(parsed[1])))
    organisation, _ = read_organisation(entries)
    return ExistingBooks(accounts, frozenset(verifications), first, options, frozenset(opened),
                         organisation.organisation_number if organisation is not None else None, unnumbered)


def _digits(organisation_number: str) -> str:
    return "".join(character for character in organisation_number if character.isdigit())


def _other_organisation(document: SieDocument, existing: ExistingBooks | None) -> str | None:
    """Why the file is not these books' (another #ORGNR than the books' own); None when it is or either is unknown."""
    if existing is None or not existing.organisation_number or not document.organisation_number:
        return None
    if _digits(document.organisation_number) == _digits(existing.organisation_number):
        return None
    return (f"filen är bokföringen för {document.company_name or 'ett annat företag'} (#ORGNR "
            f"{document.organisation_number}), böckerna är organisationsnummer {existing.organisation_number}; "
            "en annan organisations verifikationer läggs inte till")


def _root_names(options: Mapping[str, Any] | None) -> RootNames:
    if not options:
        return RootNames()
    return RootNames(options["name_assets"], options["name_liabilities"], options["name_equity"],
                     options["name_income"], options["name_expenses"], options["account_previous_balances"])


def account_root(number: str, document: SieDocument, roots: RootNames) -> str:
    """The root of a SIE account: by BAS class, else by ``#KTYP``, else by having balances."""
    first = number[:1]
    kind = document.account_types.get(number)
    if first == "1":
        return roots.assets
    if first == "2":
        return roots.equity if number.startswith("20") else roots.liabilities
    if first == "3":
        return roots.income
    if first in ("4", "5", "6", "7", "8"):
        return roots.expenses
    if kind == "T":
        return roots.assets
    if kind == "S":
        return roots.liabilities
    if kind == "I":
        return roots.income
    if kind == "K":
        return roots.expenses
    is_balance = is_balance_account(number, document.account_types)
    has_balance = any(record.account == number for record in (*document.opening, *document.closing))
    return roots.assets if is_balance or has_balance else roots.expenses


def account_leaf(number: str, name: str) -> str:
    """``1930`` and ``Företagskonto/checkkonto`` → ``1930-Företagskonto-checkkonto``: a valid component."""
    number_part = _NOT_IN_ACCOUNT.sub("-", number).replace("_", "-").strip("-")
    if not number_part or not (number_part[0].isdigit() or number_part[0].isupper()):
        number_part = "K" + number_part
    words = _NOT_IN_ACCOUNT.sub("-", name).replace("_", "-").strip("-")
    words = re.sub("-+", "-", words)
    if len(words) > _MAX_NAME:
        words = words[:_MAX_NAME].rsplit("-", 1)[0]
    return f"{number_part}-{words}" if words else number_part


def _used_accounts(document: SieDocument, vouchers: Sequence[Voucher]) -> list[str]:
    used: dict[str, None] = {}
    for record in (*document.opening, *document.closing, *document.results):
        if record.year_index == 0:
            used.setdefault(record.account)
    for voucher in vouchers:
        for row in voucher.rows:
            used.setdefault(row.account)
    return sorted(used)


def _row_meta(row: VoucherRow, voucher: Voucher) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    objects = [(dimension, value) for dimension, value in row.objects if dimension or value]
    if objects:
        meta[OBJECTS_META] = clean_text(" ".join(f"{dimension}:{value}" for dimension, value in objects))
    if row.text and row.text != voucher.text:
        meta["text"] = clean_text(row.text)
    if row.date is not None and row.date != voucher.date:
        meta["transdatum"] = row.date
    if row.quantity is not None:
        meta["kvantitet"] = row.quantity
    return meta


_CONTROL_CHARACTERS = dict.fromkeys([*range(32), 127], " ")


def clean_text(text: str) -> str:
    """A text from the file without control characters (which the format forbids) or markup (``<`` -> ``‹``), for the books."""
    return neutralise(text.translate(_CONTROL_CHARACTERS))


def _comment(lines: Iterable[str]) -> str:
    return "".join(f"; {line}\n" for line in lines)


def _format(entry: Directive, conversion: Conversion) -> str:
    """The entry as Beancount text; it is also kept in ``conversion.entries``."""
    conversion.entries.append(entry)
    return printer.format_entry(entry)


def _verification_id(voucher: Voucher) -> str:
    return clean_text(f"{voucher.series}{voucher.number}") or "SIE"


@dataclass
class _Converter:
    document: SieDocument
    findings: Sequence[Finding]
    existing: ExistingBooks | None
    roots: RootNames
    accounts: dict[str, str] = field(default_factory=dict)

    def meta(self, lineno: int) -> dict[str, Any]:
        return {"filename": self.document.path, "lineno": lineno}

    def account(self, number: str) -> str:
        return self.accounts[number]

    def amount(self, number: Decimal) -> Amount:
        return Amount(number, self.document.currency)

    def problems_of_voucher(self, voucher: Voucher) -> list[str]:
        return [finding.message for finding in defects(self.findings)
                if finding.voucher == voucher.label and finding.lineno == voucher.lineno]

    def problems_of_account(self, number: str) -> list[str]:
        return [finding.message for finding in defects(self.findings) if finding.account == number]


def _open_accounts(converter: _Converter, vouchers: Sequence[Voucher], first_day: datetime.date,
                   conversion: Conversion) -> list[str]:
    document, existing = converter.document, converter.existing
    chunks: list[str] = []
    for number in _used_accounts(document, vouchers):
        if existing is not None and number in existing.accounts_by_number:
            converter.accounts[number] = existing.accounts_by_number[number]
            continue
        name = document.accounts.get(number, "")
        account = f"{account_root(number, document, converter.roots)}:{account_leaf(number, name)}"
        converter.accounts[number] = account
        meta = converter.meta(document.account_lines.get(number, 0))
        if name:
            meta[NAME_KEY] = clean_text(name)
        chunks.append(_format(Open(meta, first_day, account, [document.currency], None), conversion))
        conversion.opened.append(account)
    return chunks


def _opening_balances(converter: _Converter, first_day: datetime.date, as_assertions: bool,
                      conversion: Conversion) -> list[str]:
    document = converter.document
    opening = {account: amount for account, amount in document.balances("IB").items() if amount != 0}
    if not opening:
        return []
    lineno = min(record.lineno for record in document.opening if record.year_index == 0)
    if as_assertions:
        return [_format(Balance(converter.meta(lineno), first_day, converter.account(number),
                                converter.amount(amount), None, None), conversion)
                for number, amount in sorted(opening.items())
                if converter.account(number).split(":", 1)[0] in (converter.roots.assets, converter.roots.liabilities)]
    postings = [Posting(converter.account(number), converter.amount(amount), None, None, None, None)
                for number, amount in sorted(opening.items())]
    difference = sum(opening.values(), Decimal(0))
    comment = ""
    if difference != 0:
        postings.append(Posting(converter.roots.opening_balances, converter.amount(-difference), None, None, None, None))
        comment = _comment([f"De ingående balanserna (#IB 0) i filen summerar till {difference:.2f}, inte till noll;",
                            f"skillnaden står på {converter.roots.opening_balances}."])
        if converter.existing is None or converter.roots.opening_balances not in converter.existing.open_accounts:
            comment = _format(Open(converter.meta(lineno), first_day, converter.roots.opening_balances,
                                   [document.currency], None), conversion) + "\n" + comment
    meta = {**converter.meta(lineno), VERIFICATION_KEY: OPENING_VERIFICATION}
    entry = Transaction(meta, first_day, flags.FLAG_OKAY, None, "Ingående balans enligt SIE-filen",
                        frozenset(), frozenset(), postings)
    return [comment + _format(entry, conversion)]


def _unnumbered_key_of(converter: _Converter, voucher: Voucher) -> UnnumberedKey:
    rows = ((converter.account(row.account), converter.amount(row.amount).number) for row in voucher.rows)
    return unnumbered_key(voucher.date, clean_text(voucher.text), ((account, number) for account, number in rows
                                                                   if isinstance(number, Decimal)))


def _voucher_entry(converter: _Converter, voucher: Voucher, conversion: Conversion) -> str:
    problems = converter.problems_of_voucher(voucher)
    meta = {**converter.meta(voucher.lineno), VERIFICATION_KEY: _verification_id(voucher),
            SERIES_META: clean_text(voucher.series), NUMBER_META: clean_text(voucher.number)}
    postings = [Posting(converter.account(row.account), converter.amount(row.amount), None, None, None,
                        {**converter.meta(row.lineno), **_row_meta(row, voucher)})
                for row in voucher.rows]
    flag = flags.FLAG_WARNING if problems else flags.FLAG_OKAY
    entry = Transaction(meta, voucher.date, flag, None, clean_text(voucher.text), frozenset(), frozenset(), postings)
    return _comment(f"FEL I SIE-FILEN: {problem}" for problem in problems) + _format(entry, conversion)


def _closing_assertions(converter: _Converter, last_day: datetime.date, books_have_history: bool,
                        conversion: Conversion) -> list[str]:
    document = converter.document
    next_day = last_day + datetime.timedelta(days=1)
    chunks: list[str] = []
    wanted: dict[str, tuple[Decimal, int]] = {}
    for record in document.closing:
        if record.year_index == 0:
            wanted[record.account] = (document.balances("UB")[record.account], record.lineno)
    if not books_have_history:
        for record in document.results:
            if record.year_index == 0:
                wanted[record.account] = (document.balances("RES")[record.account], record.lineno)
    for number, (amount, lineno) in sorted(wanted.items()):
        account = converter.account(number)
        if books_have_history and account.split(":", 1)[0] not in (converter.roots.assets, converter.roots.liabilities):
            continue
        problems = converter.problems_of_account(number)
        entry = Balance(converter.meta(lineno), next_day, account, converter.amount(amount), None, None)
        chunks.append(_comment(f"FEL I SIE-FILEN: {problem}" for problem in problems) + _format(entry, conversion))
    return chunks


def _year_bounds(document: SieDocument, vouchers: Sequence[Voucher]) -> tuple[datetime.date, datetime.date]:
    if 0 in document.years:
        return document.years[0]
    dates = [voucher.date for voucher in vouchers]
    if not dates:
        raise ImportRefused(["filen anger inget räkenskapsår (#RAR 0) och har inga verifikationer"])
    return min(dates), max(dates)


def convert(document: SieDocument, findings: Sequence[Finding], existing: ExistingBooks | None = None,
            accept_defects: bool = False) -> Conversion:
    """The Beancount text for a SIE 4 file; ImportRefused for a defect (unless accepted) or a file with nothing to import."""
    found_defects = defects(findings)
    if document.sie_type not in ("4",) and not document.vouchers:
        reason = f"filen är SIE typ {document.sie_type or 'okänd'} och har inga verifikationer; import kräver SIE 4 (4E eller 4I)"
        raise ImportRefused([reason, *[finding.message for finding in found_defects]])
    if found_defects and not accept_defects:
        raise ImportRefused([finding.format(document.path) for finding in found_defects])
    other_organisation = _other_organisation(document, existing)
    if other_organisation is not None:
        raise ImportRefused([other_organisation])
    vouchers = year_vouchers(document) if not found_defects else list(document.vouchers)
    first_day, last_day = _year_bounds(document, vouchers)
    first_day = min([first_day, *(voucher.date for voucher in vouchers)])
    converter = _Converter(document, findings, existing, _root_names(existing.options if existing else None))
    conversion = Conversion("")
    books_have_history = existing is not None and existing.first_transaction is not None and existing.first_transaction < first_day
    chunks = _open_accounts(converter, vouchers, first_day, conversion)
    chunks += _opening_balances(converter, first_day, books_have_history, conversion)
    unnumbered_left = Counter(existing.unnumbered) if existing is not None else Counter()
    for voucher in vouchers:
        key = (voucher.date.year, voucher.series, _number_key(voucher.number))
        if existing is not None and voucher.number.strip() and key in existing.verifications:
            conversion.skipped.append(voucher.label)
            continue
        if not voucher.number.strip() and unnumbered_left:
            content = _unnumbered_key_of(converter, voucher)
            if unnumbered_left[content] > 0:  # booked by an earlier import of this file: as many as it holds
                unnumbered_left[content] -= 1
                conversion.skipped.append(voucher.label)
                continue
        chunks.append(_voucher_entry(converter, voucher, conversion))
        conversion.imported.append(voucher.label)
    chunks += _closing_assertions(converter, last_day, books_have_history, conversion)
    header = [f"Importerad från SIE-filen {document.path}",
              f"{document.company_name or 'okänt företag'} {document.organisation_number or ''}".rstrip()
              + f", räkenskapsår {first_day}–{last_day}, program: {document.program or 'okänt'}"]
    if found_defects:
        header.append("Filen har fel och importerades ändå (--trots-fel); felen är markerade med ! och FEL I SIE-FILEN:")
        header += [f"  {finding.format(document.path)}" for finding in found_defects]
    top = _comment(clean_text(line) for line in header)
    if existing is None:
        title = clean_text(document.company_name or "SIE-import").replace('"', "'").replace("\\", "/")
        top += f'\noption "title" "{title}"\noption "operating_currency" "{document.currency}"\n'
    conversion.text = top + "\n" + "\n".join(chunks)
    return conversion


__all__ = ["Conversion", "ExistingBooks", "ImportRefused", "account_leaf", "account_root", "convert", "existing_books"]
