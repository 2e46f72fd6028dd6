"""``bergslaget trial-balance [LEDGER] --year YEAR``: the råbalans of a year.

Per account: opening balance, the year's debit and credit, closing balance, from
:mod:`bergslaget_plugins.general_ledger` (the same figures as ``bergslaget ledger``).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_year_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.general_ledger import build_general_ledger, trial_balance_as_text


def print_trial_balance(args: argparse.Namespace, out: TextIO) -> int:
    entries, options = load_books(args.ledger)
    require_covered_year(entries, args.year)
    out.write(trial_balance_as_text(build_general_ledger(entries, options, args.year)))
    return 0


def add_command(commands: Any) -> None:
    trial = commands.add_parser("trial-balance", help="råbalans: IB, debet, kredit och UB per konto")
    add_books_argument(trial)
    add_year_argument(trial)
    trial.set_defaults(handler=print_trial_balance)
