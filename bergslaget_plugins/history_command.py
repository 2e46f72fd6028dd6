"""``bergslaget history VER [LEDGER] [--year YEAR]``: the change history of one verification.

Each commit that touched the verification's lines (for a generated one, its source
directive): date, author, message and diff, from :mod:`bergslaget_plugins.history`.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_year_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.history import history_as_text, verification_history


def print_history(args: argparse.Namespace, out: TextIO) -> int:
    entries, _ = load_books(args.ledger)
    out.write(history_as_text(verification_history(entries, args.ver, args.year)))
    return 0


def add_command(commands: Any) -> None:
    history = commands.add_parser("history", help="en verifikations ändringshistorik ur git (behandlingshistorik)")
    history.add_argument("ver", help="verifikationen, t.ex. A12")
    add_books_argument(history)
    add_year_argument(history, "året, om numret finns i flera år", required=False)
    history.set_defaults(handler=print_history)
