"""``bergslaget year open YEAR [LEDGER]``: prepare a new financial year (see ``new_year.py``).

Prints each file it made and each that was already there (left untouched), then what
the accountant must do next. Running it again makes nothing new.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from beancount.core.data import Transaction

from bergslaget_plugins.command_arguments import add_books_argument
from bergslaget_plugins.books import BooksHaveErrors, load_books
from bergslaget_plugins.generated import is_generated
from bergslaget_plugins.new_year import plan_year, write_new_files


def open_year(args: argparse.Namespace, out: TextIO) -> int:
    main = Path(args.ledger)
    entries, options = load_books(main)
    years = sorted({entry.date.year for entry in entries if isinstance(entry, Transaction) and not is_generated(entry)})
    if years and args.year > max(years) + 1:
        raise BooksHaveErrors(f"Kan inte öppna {args.year}: öppna {max(years) + 1} först (böckernas sista år är {max(years)})")
    if years and args.year <= min(years):
        raise BooksHaveErrors(f"Kan inte öppna {args.year}: böckerna börjar {min(years)}")
    plan = plan_year(entries, options, main, args.year)
    made, kept = write_new_files(plan)
    base = main.parent
    out.write(f"Räkenskapsåret {args.year} i {base / str(args.year)}:\n")
    for path in made:
        out.write(f"  skapad:            {path.relative_to(base)}\n")
    for path in kept:
        out.write(f"  fanns, orörd:      {path.relative_to(base)}\n")
    if not made:
        out.write("  Inget nytt: året var redan öppnat.\n")
    out.write("\nGör nu, i den här ordningen:\n")
    for number, step in enumerate(plan.next_steps, start=1):
        out.write(f"  {number}. {step}\n")
    return 0


def add_command(commands: Any) -> None:
    year = commands.add_parser("year", help="räkenskapsår: öppna ett nytt år")
    actions = year.add_subparsers(dest="year_action", required=True)
    opening = actions.add_parser("open", help="förbered ett nytt räkenskapsår från föregående år")
    opening.add_argument("year", type=int, help="året som ska öppnas, t.ex. 2023")
    add_books_argument(opening)
    opening.set_defaults(handler=open_year)
