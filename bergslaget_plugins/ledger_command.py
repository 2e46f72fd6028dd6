"""``bergslaget ledger [LEDGER] --year YEAR [--account NNNN] [--format text|csv]``.

The general ledger (huvudbok) of a year from :mod:`bergslaget_plugins.general_ledger`:
per account its opening balance, each posting with date, verification, text, amount
and running balance, and its closing balance; as CSV ``konto,datum,ver,text,belopp,saldo``
with an ``IB`` row first and a ``UB`` row last per account.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_format_argument, add_year_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.general_ledger import build_general_ledger, ledger_as_csv, ledger_as_text


def print_general_ledger(args: argparse.Namespace, out: TextIO) -> int:
    entries, options = load_books(args.ledger)
    require_covered_year(entries, args.year)
    ledger = build_general_ledger(entries, options, args.year, args.account)
    out.write(ledger_as_csv(ledger) if args.format == "csv" else ledger_as_text(ledger))
    return 0


def add_command(commands: Any) -> None:
    ledger = commands.add_parser("ledger", help="huvudbok: varje konto med IB, transaktioner, löpande saldo och UB")
    add_books_argument(ledger)
    add_year_argument(ledger)
    ledger.add_argument("--account", default=None, help="bara ett konto, med BAS-nummer, t.ex. 1930")
    add_format_argument(ledger)
    ledger.set_defaults(handler=print_general_ledger)
