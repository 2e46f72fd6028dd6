"""The chart of accounts and its mapping to the lines of the annual report.

One place for the report line mapping, read from the ledger and reused by the
chart-of-accounts plugin, the CLI report, the saved queries and Fava.

The layout of the statements is data in the ledger: one ``rapportrad`` directive per
line, in the order the annual report prints them, naming the section and the line::

    2020-01-01 custom "rapportrad" "Intäkter" "Medlemsavgifter"
    2020-01-01 custom "rapportrad" "Tillgångar" "Kundfordringar"
      not: 1

Each account names its line on its ``open`` directive, with its Swedish BAS name::

    2020-01-01 open Assets:1510-Kundfordringar SEK
      namn: "Kundfordringar"
      rad: "Kundfordringar"

A line with a note is specified per row: an account's fixed row (``notrad``), or, when
the account has none, the posting metadata ``motpart`` of each posting on it.

The sections and the sum lines (Summa intäkter, Resultat, Summa tillgångar, ...) are
the fixed skeleton of a Swedish annual report and live in :data:`SECTIONS`.

The year's result is never booked over to equity: it stays on the income and expense
accounts, so that Income + Expenses of a year is the year's result in every view (a plain
query, Fava's own statements, SIE). Beancount's own options name the equity account that
carries it (leaf names under the equity root)::

    option "account_previous_earnings" "2069-Årets-resultat"
    option "account_current_earnings" "2069-Årets-resultat"

The balance sheet line of the ``account_current_earnings`` account shows the year's
result, and the line of the ``account_previous_earnings`` account the results of earlier
years not yet disposed by a booked verification (the annual meeting's decision, e.g.
2069 → 2067 "balanseras i ny räkning"), exactly as Fava's balance sheet does when it is
filtered to a year.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from beancount.core.data import Custom, Directive, Open

from bergslaget_plugins.entry_index import directives_of

LAYOUT_TYPE = "rapportrad"
NAME_KEY = "namn"
LINE_KEY = "rad"
NOTE_ROW_KEY = "notrad"
NOTE_KEY = "not"
COUNTERPARTY_KEY = "motpart"
#: Layout metadata of the former design (result lines named in the layout); now refused.
OBSOLETE_UNBOOKED_RESULT_KEY = "obokfort_resultat"

INCOME_STATEMENT = "Resultaträkning"
BALANCE_SHEET = "Balansräkning"
#: The income statement's last line (a sum line; no account maps to it).
RESULT_LABEL = "Resultat"
BALANCE_TOTAL_LABEL = "Summa skulder och eget kapital"

_BAS_LEAF = re.compile(r"^(\d{4})-")


class Section(NamedTuple):
    """A section of a statement: the accounts of one root, with its sign and sum line."""

    title: str
    statement: str
    root_option: str
    #: +1 where a debit balance is printed positive (assets, costs); -1 otherwise.
    sign: int
    sum_label: str


SECTIONS: tuple[Section, ...] = (
    Section("Intäkter", INCOME_STATEMENT, "name_income", -1, "Summa intäkter"),
    Section("Kostnader", INCOME_STATEMENT, "name_expenses", 1, "Summa kostnader"),
    Section("Tillgångar", BALANCE_SHEET, "name_assets", 1, "Summa tillgångar"),
    Section("Skulder", BALANCE_SHEET, "name_liabilities", -1, "Summa skulder"),
    Section("Eget kapital", BALANCE_SHEET, "name_equity", -1, "Summa eget kapital"),
)
SECTIONS_BY_TITLE: dict[str, Section] = {section.title: section for section in SECTIONS}


class ReportLine(NamedTuple):
    """A line of the income statement or the balance sheet, as the layout declares it."""

    section: Section
    label: str
    note: int | None
    meta: Mapping[str, Any]


class AccountMapping(NamedTuple):
    """What an account's ``open`` directive says about its place in the report."""

    account: str
    bas_number: str
    name: str
    line: str
    note_row: str | None
    meta: Mapping[str, Any]


class Chart(NamedTuple):
    """The layout and the account mapping, checked against each other."""

    lines: tuple[ReportLine, ...]
    accounts: Mapping[str, AccountMapping]
    #: Root account name (from the options) of each section title.
    roots: Mapping[str, str]
    #: The equity accounts that carry the unbooked result (Beancount's options
    #: ``account_current_earnings`` and ``account_previous_earnings``, full names).
    current_earnings: str = ""
    previous_earnings: str = ""

    def line(self, label: str) -> ReportLine | None:
        return next((line for line in self.lines if line.label == label), None)

    def lines_of(self, section: Section) -> tuple[ReportLine, ...]:
        return tuple(line for line in self.lines if line.section is section)

    def section_of_account(self, account: str) -> Section | None:
        root = account.split(":", 1)[0]
        return next((SECTIONS_BY_TITLE[title] for title, name in self.roots.items() if name == root), None)

    def accounts_on(self, label: str) -> tuple[str, ...]:
        return tuple(sorted(name for name, mapping in self.accounts.items() if mapping.line == label))

    def line_value(self, line: ReportLine, amount_of: Callable[[str], Decimal], unbooked: Decimal = Decimal(0)) -> Decimal:
        """The figure a line prints: its section's sign × (the amounts of its accounts + ``unbooked``).

        ``amount_of`` gives an account's movement or balance for whatever period is wanted.
        """
        total = sum((amount_of(account) for account in self.accounts_on(line.label)), Decimal(0)) + unbooked
        return line.section.sign * total + 0  # + 0: never "-0"

    def earnings_line(self, which: Literal["current", "previous"]) -> ReportLine | None:
        """The balance sheet line that shows the year's (``current``) or earlier years'
        (``previous``) result not booked over to equity."""
        mapping = self.accounts.get(self.current_earnings if which == "current" else self.previous_earnings)
        return self.line(mapping.line) if mapping is not None else None

    def needs_counterparty(self, account: str) -> bool:
        """True if postings on ``account`` must name their note row with ``motpart``."""
        mapping = self.accounts.get(account)
        if mapping is None or mapping.note_row is not None:
            return False
        line = self.line(mapping.line)
        return line is not None and line.note is not None

    def accounts_needing_counterparty(self) -> frozenset[str]:
        """The accounts whose postings must name their note row with ``motpart``."""
        return frozenset(account for account in self.accounts if self.needs_counterparty(account))


class ChartError(NamedTuple):
    """A layout line or an account whose mapping is missing or contradictory."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def bas_number(account: str) -> str | None:
    """The BAS number that leads the account's last component: ``1930``."""
    match = _BAS_LEAF.match(account.rsplit(":", 1)[-1])
    return match.group(1) if match else None


def _read_layout(entries: Iterable[Directive]) -> tuple[list[ReportLine], list[ChartError]]:
    lines: list[ReportLine] = []
    errors: list[ChartError] = []
    seen_labels: set[str] = set()
    seen_notes: set[int] = set()
    for entry in entries:
        if not (isinstance(entry, Custom) and entry.type == LAYOUT_TYPE):
            continue
        values = [value.value for value in entry.values]
        if len(values) != 2 or not all(isinstance(value, str) for value in values):
            errors.append(ChartError(entry.meta, 'rapportrad ska ha två strängar: avsnitt och rad, t.ex. "Intäkter" "Bidrag"', entry))
            continue
        section_title, label = values
        section = SECTIONS_BY_TITLE.get(section_title)
        if section is None:
            known = ", ".join(SECTIONS_BY_TITLE)
            errors.append(ChartError(entry.meta, f"Okänt avsnitt {section_title!r} (kända: {known})", entry))
            continue
        if label in seen_labels or label in _fixed_labels():
            errors.append(ChartError(entry.meta, f"Raden {label!r} finns redan i rapportstrukturen", entry))
            continue
        note = entry.meta.get(NOTE_KEY)
        if note is not None:
            note_number = int(note) if not isinstance(note, bool) and str(note).isdigit() else None
            if note_number is None or section.statement != BALANCE_SHEET:
                errors.append(ChartError(entry.meta, f"not ska vara ett heltal på en balansräkningsrad: {note!r}", entry))
                continue
            if note_number in seen_notes:
                errors.append(ChartError(entry.meta, f"Not {note_number} används redan av en annan rad", entry))
                continue
            seen_notes.add(note_number)
            note = note_number
        if OBSOLETE_UNBOOKED_RESULT_KEY in entry.meta:
            errors.append(ChartError(
                entry.meta,
                "obokfort_resultat används inte längre: årets och tidigare års resultat visas på raden för kontot "
                'i option "account_current_earnings" respektive "account_previous_earnings" (main.beancount)',
                entry,
            ))
            continue
        seen_labels.add(label)
        lines.append(ReportLine(section, label, note, entry.meta))
    return lines, errors


def _fixed_labels() -> set[str]:
    return {section.sum_label for section in SECTIONS} | {RESULT_LABEL, BALANCE_TOTAL_LABEL}


def read_chart(entries: Sequence[Directive], options: Mapping[str, Any]) -> tuple[Chart, list[ChartError]]:
    """Read the layout and the account mapping from ``entries``; report contradictions.

    Only the directives are read (:func:`~bergslaget_plugins.entry_index.directives_of`), not
    the transactions."""
    directives = directives_of(entries)
    lines, errors = _read_layout(directives)
    roots = {section.title: options[section.root_option] for section in SECTIONS}
    lines_by_label = {line.label: line for line in lines}
    accounts: dict[str, AccountMapping] = {}
    for entry in directives:
        if not isinstance(entry, Open):
            continue
        meta = entry.meta or {}
        number = bas_number(entry.account)
        root = entry.account.split(":", 1)[0]
        section = next((SECTIONS_BY_TITLE[title] for title, name in roots.items() if name == root), None)
        if number is None:
            errors.append(ChartError(meta, f"{entry.account}: kontonamnet ska börja med BAS-numret, t.ex. 1930-Företagskonto", entry))
        name = meta.get(NAME_KEY)
        label = meta.get(LINE_KEY)
        if not isinstance(name, str) or not name.strip():
            errors.append(ChartError(meta, f"{entry.account}: saknar kontots svenska namn (namn)", entry))
        if not isinstance(label, str):
            errors.append(ChartError(meta, f"{entry.account}: saknar rad i resultat- eller balansräkningen (rad)", entry))
            continue
        note_row = meta.get(NOTE_ROW_KEY)
        if label == RESULT_LABEL:
            errors.append(ChartError(
                meta,
                f"{entry.account}: \"Resultat\" är resultaträkningens summarad; årets resultat förs inte över "
                "med ett konto utan står kvar på resultatkontona (se option \"account_current_earnings\")",
                entry,
            ))
            continue
        line = lines_by_label.get(label)
        if line is None:
            errors.append(ChartError(meta, f"{entry.account}: raden {label!r} finns inte i rapportstrukturen", entry))
            continue
        if section is not line.section:
            errors.append(ChartError(meta, f"{entry.account}: kontot hör till {root} men raden {label!r} står under {line.section.title}", entry))
            continue
        if note_row is not None and line.note is None:
            errors.append(ChartError(meta, f"{entry.account}: notrad angiven men raden {label!r} har ingen not", entry))
            continue
        if note_row is not None and (not isinstance(note_row, str) or not note_row.strip()):
            errors.append(ChartError(meta, f"{entry.account}: notrad ska vara en text", entry))
            continue
        accounts[entry.account] = AccountMapping(entry.account, number or "", str(name or ""), label, note_row, meta)
    current_earnings, previous_earnings = earnings_accounts(options)
    if lines:
        errors += _earnings_option_errors(options, accounts)
    return Chart(tuple(lines), accounts, roots, current_earnings, previous_earnings), errors


def _earnings_option_errors(options: Mapping[str, Any], accounts: Mapping[str, AccountMapping]) -> list[ChartError]:
    """An error for each earnings option that names no account of the chart."""
    current_earnings, previous_earnings = earnings_accounts(options)
    return [
        ChartError(
            {"filename": "<options>", "lineno": 0},
            f'option "{option_name}" pekar på {account_name}, som inte är ett konto i kontoplanen med en rad '
            f'under Eget kapital (ange kontots namn utan "{options["name_equity"]}:", '
            f't.ex. "2069-Årets-resultat")',
            None,
        )
        for option_name, account_name in (("account_current_earnings", current_earnings),
                                          ("account_previous_earnings", previous_earnings))
        if account_name not in accounts
    ]


def earnings_accounts(options: Mapping[str, Any]) -> tuple[str, str]:
    """The full names of Beancount's current and previous earnings accounts (options are leaf names)."""
    equity = options["name_equity"]
    return (f"{equity}:{options['account_current_earnings']}", f"{equity}:{options['account_previous_earnings']}")
