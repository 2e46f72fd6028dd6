"""The rules a BgMax file must keep beyond its records' fields: the envelope (TK01 first,
TK70 last), each line (no control characters, no blank line, at most 80 characters), and
the association's policy (no test files, only its own bankgiro, only SEK).

The rules of the record order and the fields are checked while reading
(``bgmax_reader``); every problem names its line.
"""

from __future__ import annotations

import re

from importers.bgmax_layout import RECORD_LENGTH, BgMaxFile
from importers.common import ImportProblem, format_bankgiro

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: How a fragment of a BgMax file (records cut out of one) starts.
FRAGMENT_START = re.compile(r"^(05|20|21)\d{10}")


def envelope_problems(lines: list[str]) -> list[ImportProblem]:
    """Problems of a text that does not start with TK01: a fragment is named as one,
    instead of listing every record out of place. Empty for a text that starts with TK01."""
    first, last = lines[0].lstrip("\ufeff")[:2], lines[-1][:2]
    if first == "01":
        return []
    problems = [ImportProblem(1, f"första posten är TK{first}, inte TK01 (öppningspost): filen är ett utdrag ur en BgMax-fil")]
    if last != "70":
        problems.append(ImportProblem(len(lines), f"sista posten är TK{last}, inte TK70 (slutpost)"))
    problems.append(ImportProblem(None, "en BgMax-fil måste börja med TK01 och sluta med TK70 (filens kuvert)"))
    return problems


def line_problem(line: str) -> str | None:
    """What is wrong with one line (TABs already expanded), or None."""
    control = CONTROL_CHARACTERS.search(line)
    if control:
        return f"otillåtet styrtecken U+{ord(control.group()):04X} på position {control.start() + 1}"
    if not line.strip():
        return "tom rad inne i filen"
    if len(line) > RECORD_LENGTH:
        return f"posten har {len(line)} tecken; en BgMax-post har högst {RECORD_LENGTH}"
    return None


def policy_problems(bgmax: BgMaxFile, bankgiro: str) -> list[ImportProblem]:
    """What the association does not book: test files, deposits to another bankgiro than
    ``bankgiro`` (digits), deposits in another currency than SEK."""
    problems: list[ImportProblem] = []
    if bgmax.test:
        problems.append(ImportProblem(1, "TK01: filen är en testfil (testmarkering T) och bokförs inte"))
    for deposit in bgmax.deposits:
        if deposit.receiving_bankgiro != bankgiro:
            problems.append(ImportProblem(
                deposit.record,
                f"TK05: insättningen gäller bankgiro {format_bankgiro(deposit.receiving_bankgiro)}, "
                f"föreningens bankgiro är {format_bankgiro(bankgiro)}",
            ))
        if deposit.currency != "SEK":
            problems.append(ImportProblem(deposit.record, f"TK05: insättningen är i {deposit.currency}; bokföringen förs i SEK"))
    return problems
