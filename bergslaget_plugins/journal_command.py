"""``bergslaget journal [LEDGER] --year YEAR [--from DATE] [--to DATE] [--series S] [--format text|csv]``.

The verification list (grundbok) of a year or a part of it, from
:mod:`bergslaget_plugins.journal`: every verification, generated ones included, in
series and number order, with its postings and totals; as CSV one row per posting
(``ver,datum,text,konto,belopp``).
"""

from __future__ import annotations

import argparse
import datetime
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_format_argument, add_year_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.journal import build_journal, journal_as_csv, journal_as_text


def iso_date(text: str) -> datetime.date:
    """An argparse type: ``2022-03-01``."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r} (ÅÅÅÅ-MM-DD)") from error


def print_journal(args: argparse.Namespace, out: TextIO) -> int:
    entries, _ = load_books(args.ledger)
    require_covered_year(entries, args.year)
    journal = build_journal(entries, args.year, args.begin, args.end, args.series)
    out.write(journal_as_csv(journal) if args.format == "csv" else journal_as_text(journal))
    return 0


def add_command(commands: Any) -> None:
    journal = commands.add_parser("journal", help="verifikationslista (grundbok) i serie- och nummerordning")
    add_books_argument(journal)
    add_year_argument(journal)
    journal.add_argument("--from", dest="begin", type=iso_date, default=None, help="första dag (standard: årets första)")
    journal.add_argument("--to", dest="end", type=iso_date, default=None, help="sista dag (standard: årets sista)")
    journal.add_argument("--series", default=None, help="bara en verifikationsserie, t.ex. LF")
    add_format_argument(journal)
    journal.set_defaults(handler=print_journal)
