"""The accountant's rules for bank-statement rows: ``ledger/importregler.csv``.

Each rule says: when a row's text (or reference) looks like *this*, book the
counter-posting on *that* account. The first rule that fits a row wins; a row that no
rule fits is booked on the OBS account with flag ``!`` for the accountant.

The file is UTF-8 text with semicolons between the columns (Excel: "CSV UTF-8").
Lines starting with ``#`` are comments. The first other line is the header::

    falt;monster;riktning;konto;motpart;kommentar
    text;*5844-9216*;in;Assets:1938-Bankgiroinbetalningar;;Bankgirots insättning (BgMax)
    text;*avgift*;ut;Expenses:6570-Bankkostnader;;Bankens avgifter

``falt``
    ``text`` (the statement's Text/Beskrivning column) or ``referens`` (Referens).
``monster``
    The whole field, compared without regard to case and repeated spaces; ``*`` stands
    for any characters, ``?`` for one character.
``riktning``
    ``in`` (money in, positive amount), ``ut`` (money out) or empty (both).
``konto``
    The account of the counter-posting, for example ``Expenses:6570-Bankkostnader``.
``motpart``
    Optional: the counterparty, written as the transaction's payee and as the
    counter-posting's ``motpart`` metadata. Required where the chart says postings on
    the account name their counterparty (``chart.Chart.needs_counterparty``: accounts on
    a balance-sheet line whose note lists counterparties, such as 1510 Kundfordringar
    and 2440 Leverantörsskulder); a rule without it is refused when the file is read.
``kommentar``
    Free text for people; the importer ignores it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from beancount.core import account as account_lib

from importers.common import ImportFileError, ImportProblem

HEADER = ("falt", "monster", "riktning", "konto", "motpart", "kommentar")
FIELDS = ("text", "referens")
DIRECTIONS = ("", "in", "ut")
#: True for an account whose postings must name their counterparty (``Chart.needs_counterparty``).
NeedsCounterparty = Callable[[str], bool]


def normalised_text(text: str) -> str:
    """Case-folded, with runs of whitespace as one space."""
    return " ".join(text.split()).casefold()


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression for a rule pattern: ``*`` any characters, ``?`` one, nothing else special."""
    parts = []
    for char in normalised_text(pattern):
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


@dataclass(frozen=True)
class BankRule:
    """One line of the rules file."""

    line: int
    field: str
    pattern: str
    direction: str
    account: str
    counterparty: str
    comment: str = ""

    def applies(self, text: str, reference: str, amount: Decimal) -> bool:
        if self.direction == "in" and amount <= 0:
            return False
        if self.direction == "ut" and amount >= 0:
            return False
        value = text if self.field == "text" else reference
        return pattern_regex(self.pattern).fullmatch(normalised_text(value)) is not None


def parse_rules(text: str, source: str, needs_counterparty: NeedsCounterparty) -> list[BankRule]:
    """Read the rules from ``text``; raise :class:`ImportFileError` naming ``source`` and every bad line.

    A rule posting to an account for which ``needs_counterparty`` is true must give a ``motpart``.
    """
    problems: list[ImportProblem] = []
    rules: list[BankRule] = []
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1)]
    content = [(number, line) for number, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        raise ImportFileError(source, [ImportProblem(None, f"rubrikraden saknas: {';'.join(HEADER)}")], "Importreglerna kan inte läsas")
    header_number, header_line = content[0]
    header = tuple(cell.strip().casefold() for cell in next(csv.reader([header_line], delimiter=";")))
    if header != HEADER:
        problems.append(ImportProblem(header_number, f"rubrikraden ska vara {';'.join(HEADER)}, är {header_line!r}"))
    for number, line in content[1:]:
        cells = [cell.strip() for cell in next(csv.reader(io.StringIO(line), delimiter=";"))]
        if len(cells) != len(HEADER):
            problems.append(ImportProblem(number, f"raden har {len(cells)} kolumner, ska ha {len(HEADER)} (semikolon mellan)"))
            continue
        field, pattern, direction, account, counterparty, comment = cells
        field, direction = field.casefold(), direction.casefold()
        if field not in FIELDS:
            problems.append(ImportProblem(number, f"falt ska vara text eller referens, är {field!r}"))
        if not pattern:
            problems.append(ImportProblem(number, "monster saknas"))
        if direction not in DIRECTIONS:
            problems.append(ImportProblem(number, f"riktning ska vara in, ut eller tom, är {direction!r}"))
        if not account_lib.is_valid(account):
            problems.append(ImportProblem(number, f"konto är inget giltigt kontonamn: {account!r}"))
        if not counterparty and account_lib.is_valid(account) and needs_counterparty(account):
            problems.append(ImportProblem(
                number, f"konteringar på {account} måste ha en motpart (noten specificeras per motpart)"
            ))
        rules.append(BankRule(number, field, pattern, direction, account, counterparty, comment))
    if problems:
        raise ImportFileError(source, problems, "Importreglerna kan inte läsas")
    return rules


def read_rules(path: str | Path, needs_counterparty: NeedsCounterparty) -> list[BankRule]:
    """Read the rules file (UTF-8, an Excel byte order mark is allowed); see :func:`parse_rules`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise ImportFileError(str(path), [ImportProblem(None, f"filen kan inte läsas: {error.strerror}")], "Importreglerna kan inte läsas") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ImportFileError(
            str(path),
            [ImportProblem(line, "filen är inte UTF-8; spara den som \"CSV UTF-8\"")],
            "Importreglerna kan inte läsas",
        ) from error
    return parse_rules(text, str(path), needs_counterparty)


def first_rule(rules: list[BankRule], text: str, reference: str, amount: Decimal) -> BankRule | None:
    """The first rule that applies to a row, if any."""
    for rule in rules:
        if rule.applies(text, reference, amount):
            return rule
    return None
