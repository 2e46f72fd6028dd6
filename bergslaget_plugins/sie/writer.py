"""SIE 4 export of the books: ``bergslaget sie export --year YEAR``.

The file holds the books as they load (every rule applied), for the auditor's audit
program or another bookkeeping program::

    #FLAGGA 0
    #KSUMMA
    #PROGRAM "Bergslaget bokföring (Beancount)" "0.1.0"
    #FORMAT PC8
    #GEN 20230215
    #SIETYP 4
    #FNAMN "Intresseföreningen Bergslaget"
    #ORGNR 885501-2327
    #ADRESS "" "Forskargatan 3" "781 70 Borlänge" ""
    #RAR 0 20220101 20221231
    #RAR -1 20210101 20211231
    #KPTYP BAS2014
    #VALUTA SEK
    #KONTO 1930 "Företagskonto/checkkonto/affärskonto"
    #KTYP 1930 T
    #IB 0 1930 1138370.00
    #UB 0 1930 958543.00
    #RES 0 3994 -1029103.00
    #VER "A" "1" 20220110 "Walborg: Betalning av leverantörsskuld från 2021"
    {
       #TRANS 2440 {} 4375.00 "" "Walborg"
       #TRANS 1930 {} -4375.00
    }
    #KSUMMA 1234567890

The association's name, organisation number and address come from the books
(``custom "förening"``, read by ``organisation.py``); each account's BAS number leads
its name and its Swedish name is the ``namn`` of its ``open`` directive. Balances follow
Beancount's own view of a year (``clamp``): the opening balance of each balance account
is its balance at the start of the year, with earlier years' results on the previous
earnings account (option ``account_previous_earnings``); the year's result stays on the
result accounts (``#RES``). Every voucher is a transaction of the year, its series and
number from its ``ver``. Amounts have a decimal point and two decimals; the file is in
PC8 (IBM 437), as ``#FORMAT PC8`` says. ``--type 4I`` writes the vouchers only.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from beancount.core import flags
from beancount.core.data import Directive, Open, Transaction
from beancount.ops.summarize import clamp_opt

from bergslaget_plugins.chart import COUNTERPARTY_KEY, NAME_KEY, bas_number
from bergslaget_plugins.generated import VERIFICATION_KEY
from bergslaget_plugins.money import CURRENCY
from bergslaget_plugins.organisation import Organisation, read_organisation
from bergslaget_plugins.sie.checksum import checksum_of
from bergslaget_plugins.sie.records import Record, lex
from bergslaget_plugins.verification_numbers import parse_verification

PROGRAM_NAME = "Bergslaget bokföring (Beancount)"
#: The chart of accounts, as #KPTYP names it: BAS (the books use BAS 2022, which #KPTYP has no code for).
CHART_TYPE = "BAS2014"
SIE_TYPES = ("4E", "4I")
_CENT = Decimal("0.01")


class ExportError(Exception):
    """The books cannot be exported as they stand; ``problems`` says why, in Swedish."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class ExportAccount:
    number: str
    name: str
    #: T (tillgång), S (skuld/eget kapital), I (intäkt) or K (kostnad).
    kind: str


@dataclass(frozen=True)
class YearFigures:
    """One financial year's balances by BAS number."""

    index: int
    first_day: datetime.date
    last_day: datetime.date
    opening: Mapping[str, Decimal]
    closing: Mapping[str, Decimal]
    results: Mapping[str, Decimal]


@dataclass(frozen=True)
class ExportRow:
    account: str
    amount: Decimal
    text: str


@dataclass(frozen=True)
class ExportVoucher:
    series: str
    number: int
    date: datetime.date
    text: str
    rows: tuple[ExportRow, ...]


@dataclass(frozen=True)
class SieExport:
    """Everything one SIE 4 file says, before it is written."""

    sie_type: str
    year: int
    organisation: Organisation
    generated: datetime.date
    program_version: str
    accounts: tuple[ExportAccount, ...]
    years: tuple[YearFigures, ...]
    vouchers: tuple[ExportVoucher, ...]
    problems: list[str] = field(default_factory=list)


def _account_kind(account: str, options: Mapping[str, Any]) -> str | None:
    root = account.split(":", 1)[0]
    return {
        options["name_assets"]: "T",
        options["name_liabilities"]: "S",
        options["name_equity"]: "S",
        options["name_income"]: "I",
        options["name_expenses"]: "K",
    }.get(root)


def _check_amount(amount: Decimal, where: str, problems: list[str]) -> Decimal:
    if amount != amount.quantize(_CENT):
        problems.append(f"{where}: beloppet {amount} har fler än två decimaler")
    return amount.quantize(_CENT) + 0


def _accounts(entries: Iterable[Directive], options: Mapping[str, Any], last_day: datetime.date) -> dict[str, ExportAccount]:
    accounts: dict[str, ExportAccount] = {}
    for entry in entries:
        if not isinstance(entry, Open) or entry.date > last_day:
            continue
        number = bas_number(entry.account)
        kind = _account_kind(entry.account, options)
        if number is None or kind is None or number in accounts:
            continue
        name = (entry.meta or {}).get(NAME_KEY)
        if not isinstance(name, str) or not name.strip():
            name = entry.account.rsplit(":", 1)[-1].split("-", 1)[-1].replace("-", " ")
        accounts[number] = ExportAccount(number, name.strip(), kind)
    return accounts


def year_figures(entries: Sequence[Directive], options: Mapping[str, Any], index: int,
                 first_day: datetime.date, last_day: datetime.date, problems: list[str]) -> YearFigures:
    """A year's opening and closing balances and results, by Beancount's clamp of the year."""
    clamped, _ = clamp_opt(list(entries), first_day, last_day + datetime.timedelta(days=1), dict(options))
    opening: dict[str, Decimal] = {}
    movement: dict[str, Decimal] = {}
    kinds: dict[str, str] = {}
    for entry in clamped:
        if not isinstance(entry, Transaction):
            continue
        target = opening if entry.date < first_day else movement
        for leg in entry.postings:
            amount = leg.units.number if leg.units is not None else None
            if amount is None:
                continue
            kind = _account_kind(leg.account, options)
            number = bas_number(leg.account)
            if number is None or kind is None:
                if amount != 0:
                    target[leg.account] = target.get(leg.account, Decimal(0)) + amount
                continue
            kinds[number] = kind
            target[number] = target.get(number, Decimal(0)) + amount
    for name in sorted({*opening, *movement} - set(kinds)):
        total = opening.get(name, Decimal(0)) + movement.get(name, Decimal(0))
        if total != 0 or movement.get(name, Decimal(0)) != 0:
            problems.append(f"{name} har ett saldo men inget BAS-nummer (kontonamnet ska börja med numret, t.ex. 2069-Årets-resultat)")
    balance_accounts = sorted(number for number, kind in kinds.items() if kind in ("T", "S"))
    result_accounts = sorted(number for number, kind in kinds.items() if kind in ("I", "K"))
    opening_figures = {number: opening.get(number, Decimal(0)) for number in balance_accounts}
    closing_figures = {number: opening.get(number, Decimal(0)) + movement.get(number, Decimal(0)) for number in balance_accounts}
    result_figures = {number: movement.get(number, Decimal(0)) for number in result_accounts}
    return YearFigures(index, first_day, last_day, opening_figures, closing_figures, result_figures)


def _voucher_text(entry: Transaction) -> str:
    parts = [part for part in (entry.payee, entry.narration) if part]
    return ": ".join(parts)


def _vouchers(entries: Iterable[Directive], first_day: datetime.date, last_day: datetime.date,
              problems: list[str]) -> tuple[ExportVoucher, ...]:
    vouchers: list[ExportVoucher] = []
    for entry in entries:
        if not isinstance(entry, Transaction) or not first_day <= entry.date <= last_day:
            continue
        if entry.flag in (flags.FLAG_PADDING, flags.FLAG_SUMMARIZE, flags.FLAG_TRANSFER):
            continue
        where = f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}"
        parsed = parse_verification(entry.meta.get(VERIFICATION_KEY))
        if parsed is None:
            problems.append(f"{where}: transaktionen saknar giltigt verifikationsnummer (ver)")
            continue
        rows: list[ExportRow] = []
        for leg in entry.postings:
            number = bas_number(leg.account)
            if number is None:
                problems.append(f"{where}: {leg.account} har inget BAS-nummer")
                continue
            units = leg.units
            amount = units.number if units is not None else None
            if units is None or amount is None or units.currency != CURRENCY:
                problems.append(f"{where}: konteringen på {leg.account} är inte i {CURRENCY}")
                continue
            counterparty = (leg.meta or {}).get(COUNTERPARTY_KEY)
            rows.append(ExportRow(number, _check_amount(amount, where, problems),
                                  counterparty if isinstance(counterparty, str) else ""))
        vouchers.append(ExportVoucher(parsed[0], parsed[1], entry.date, _voucher_text(entry), tuple(rows)))
    return tuple(sorted(vouchers, key=lambda voucher: (voucher.series, voucher.number)))


def collect_export(entries: Sequence[Directive], options: Mapping[str, Any], year: int, sie_type: str = "4E",
                   generated: datetime.date | None = None, program_version: str = "") -> SieExport:
    """What the SIE file of ``year`` says; ExportError when the books cannot be written as SIE."""
    if sie_type not in SIE_TYPES:
        raise ExportError([f"okänd SIE-typ {sie_type} (4E eller 4I)"])
    problems: list[str] = []
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    organisation, organisation_errors = read_organisation(entries, on=last_day)
    problems += [error.message for error in organisation_errors]
    if not any(isinstance(entry, Transaction) and first_day <= entry.date <= last_day for entry in entries):
        problems.append(f"bokföringen har inga transaktioner {year}")
    years = tuple(
        year_figures(entries, options, index, datetime.date(year + index, 1, 1), datetime.date(year + index, 12, 31), problems)
        for index in (0, -1)
    ) if sie_type == "4E" else ()
    for figures in years:
        for mapping in (figures.opening, figures.closing, figures.results):
            for number, amount in mapping.items():
                _check_amount(amount, f"konto {number} {figures.first_day.year}", problems)
    vouchers = _vouchers(entries, first_day, last_day, problems)
    if problems or organisation is None:
        raise ExportError(problems)
    accounts = _accounts(entries, options, last_day)
    return SieExport(sie_type, year, organisation, generated or datetime.date.today(), program_version,
                     tuple(accounts[number] for number in sorted(accounts)), years, vouchers)


def quote(text: str) -> str:
    """A text field as the format writes it: in quotes, a quote inside as ``\\"``, no control characters."""
    cleaned = "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in text)
    return '"' + cleaned.replace('"', '\\"') + '"'


def _amount(amount: Decimal) -> str:
    return f"{amount + 0:.2f}"


def _date(date: datetime.date) -> str:
    return date.strftime("%Y%m%d")


def _header(export: SieExport) -> list[str]:
    organisation = export.organisation
    lines = [
        f"#PROGRAM {quote(PROGRAM_NAME)} {quote(export.program_version)}",
        "#FORMAT PC8",
        f"#GEN {_date(export.generated)}",
        "#SIETYP 4",
        f"#FNAMN {quote(organisation.name)}",
        f"#ORGNR {organisation.organisation_number}",
        f"#ADRESS {quote('')} {quote(organisation.street_address)} {quote(organisation.postal_address)} {quote('')}",
    ]
    ranges = [(figures.index, figures.first_day, figures.last_day) for figures in export.years] or [
        (0, datetime.date(export.year, 1, 1), datetime.date(export.year, 12, 31))]
    lines += [f"#RAR {index} {_date(first)} {_date(last)}" for index, first, last in ranges]
    lines += [f"#KPTYP {CHART_TYPE}", f"#VALUTA {CURRENCY}"]
    return lines


def _accounts_lines(export: SieExport) -> list[str]:
    lines: list[str] = []
    for account in export.accounts:
        lines.append(f"#KONTO {account.number} {quote(account.name)}")
        lines.append(f"#KTYP {account.number} {account.kind}")
    return lines


def _balance_lines(export: SieExport) -> list[str]:
    lines: list[str] = []
    for figures in export.years:
        for number in figures.opening:
            opening, closing = figures.opening[number], figures.closing[number]
            if opening != 0 or closing != 0:
                lines.append(f"#IB {figures.index} {number} {_amount(opening)}")
                lines.append(f"#UB {figures.index} {number} {_amount(closing)}")
    for figures in export.years:
        for number, result in figures.results.items():
            if result != 0:
                lines.append(f"#RES {figures.index} {number} {_amount(result)}")
    return lines


def _voucher_lines(export: SieExport) -> list[str]:
    lines: list[str] = []
    for voucher in export.vouchers:
        lines.append(f"#VER {quote(voucher.series)} {quote(str(voucher.number))} {_date(voucher.date)} {quote(voucher.text)}")
        lines.append("{")
        for row in voucher.rows:
            text = f' "" {quote(row.text)}' if row.text else ""
            lines.append(f"   #TRANS {row.account} {{}} {_amount(row.amount)}{text}")
        lines.append("}")
    return lines


def render_sie(export: SieExport) -> str:
    """The SIE text, ``#KSUMMA`` computed over the records between the two ``#KSUMMA`` lines."""
    body = [line.translate(PC8_SUBSTITUTES) for line in
            _header(export) + _accounts_lines(export) + _balance_lines(export) + _voucher_lines(export)]
    records = [item for item in lex("\n".join(body)) if isinstance(item, Record)]
    lines = ["#FLAGGA 0", "#KSUMMA", *body, f"#KSUMMA {checksum_of(records)}"]
    return "\r\n".join(lines) + "\r\n"


#: Typographic characters that PC8 lacks, written as their plain equivalents.
PC8_SUBSTITUTES = str.maketrans({"–": "-", "—": "-", "‐": "-", "‘": "'", "’": "'", "“": '"', "”": '"',
                                 "„": '"', "…": "...", "€": "EUR", "\u2009": " ", "\u202f": " "})


def encode_pc8(text: str) -> bytes:
    """The text in PC8 (IBM 437), dashes and curly quotes made plain; ExportError naming what PC8 cannot hold."""
    plain = text.translate(PC8_SUBSTITUTES)
    unencodable = sorted({char for char in plain if not _in_pc8(char)})
    if unencodable:
        raise ExportError([f"tecknet {char!r} finns inte i PC8 (IBM 437) och kan inte skrivas i SIE-filen" for char in unencodable])
    return plain.encode("cp437")


def _in_pc8(char: str) -> bool:
    try:
        char.encode("cp437")
    except UnicodeEncodeError:
        return False
    return True


__all__ = ["CHART_TYPE", "ExportError", "SieExport", "collect_export", "encode_pc8", "quote", "render_sie", "year_figures"]
