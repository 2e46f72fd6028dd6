"""Small inline ledgers shared by the tests: the options and the chart in brief."""

from __future__ import annotations

import textwrap

from beancount import loader

HEADER = """
option "title" "Testföreningen"
option "operating_currency" "SEK"
option "account_previous_earnings" "2069-Årets-resultat"
option "account_current_earnings" "2069-Årets-resultat"
"""

LAYOUT = """
2020-01-01 custom "rapportrad" "Intäkter" "Medlemsavgifter"
2020-01-01 custom "rapportrad" "Kostnader" "Övriga omkostnader"
2020-01-01 custom "rapportrad" "Tillgångar" "Bank"
2020-01-01 custom "rapportrad" "Tillgångar" "Kundfordringar"
  not: 1
2020-01-01 custom "rapportrad" "Skulder" "Leverantörsskulder"
  not: 2
2020-01-01 custom "rapportrad" "Eget kapital" "Balanserat resultat"
2020-01-01 custom "rapportrad" "Eget kapital" "Årets resultat"
"""

ACCOUNTS = """
2020-01-01 open Assets:1930-Företagskonto SEK
  namn: "Företagskonto"
  rad: "Bank"
  roll: "bank"
2020-01-01 open Assets:1510-Kundfordringar SEK
  namn: "Kundfordringar"
  rad: "Kundfordringar"
  roll: "kundfordringar"
2020-01-01 open Liabilities:2440-Leverantörsskulder SEK
  namn: "Leverantörsskulder"
  rad: "Leverantörsskulder"
  roll: "leverantörsskulder"
2020-01-01 open Equity:2067-Balanserat-resultat SEK
  namn: "Balanserat resultat"
  rad: "Balanserat resultat"
  roll: "balanserat-resultat"
2020-01-01 open Equity:2069-Årets-resultat SEK
  namn: "Årets resultat"
  rad: "Årets resultat"
  roll: "årets-resultat"
2020-01-01 open Income:3994-Medlemsavgifter SEK
  namn: "Medlemsavgifter"
  rad: "Medlemsavgifter"
  roll: "medlemsavgifter"
2020-01-01 open Expenses:6990-Övriga-externa-kostnader SEK
  namn: "Övriga externa kostnader"
  rad: "Övriga omkostnader"
"""


def ledger_text(body: str, *, plugins: str = "", chart: bool = True) -> str:
    """A complete ledger: header, plugin lines, (optionally) the small chart, then ``body``."""
    parts = [HEADER, textwrap.dedent(plugins)]
    if chart:
        parts += [LAYOUT, ACCOUNTS]
    parts.append(textwrap.dedent(body))
    return "\n".join(parts)


def load(body: str, *, plugins: str = "", chart: bool = True):
    """Load an inline ledger with beancount's loader: (entries, errors, options)."""
    return loader.load_string(ledger_text(body, plugins=plugins, chart=chart))


def with_role(text: str, role: str, account: str) -> str:
    """``text`` with ``role`` moved (in the chart's ``roll`` metadata) to ``account``'s open
    directive (``account`` empty: removed); the open directive must be on one line."""
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("roll: "):
            names = [name.strip() for name in line.split('"')[1].split(",") if name.strip() != role]
            if not names:
                continue
            line = f'  roll: "{", ".join(names)}"'
        if lines and line.strip().startswith("roll: ") and lines[-1].strip().startswith("roll: "):
            names = lines.pop().split('"')[1] + ", " + line.split('"')[1]
            line = f'  roll: "{names}"'
        lines.append(line)
        if account and line.split(";")[0].split()[1:3] == ["open", account]:
            lines.append(f'  roll: "{role}"')
    return "\n".join(lines) + "\n"


def line_of(text: str, needle: str) -> int:
    """1-based line number of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise ValueError(needle)
