"""``bergslaget check --year YEAR [LEDGER] [--format text|csv]``: the year's checklist.

Prints each item of :func:`bergslaget_plugins.year_check.year_checklist` as ✓ / ✗ / –
with what the books show, what to do and where (file:line). Exits 0 when no item is ✗,
1 otherwise (so a script or CI can wait for a year to be complete).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_format_argument, add_year_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.csv_safety import csv_text
from bergslaget_plugins.year_check import TO_DO, YearChecklist, checklist_rows, year_checklist

CHECKLIST_CSV_HEADER = ("status", "punkt", "besked", "atgard", "plats")


def checklist_as_text(checklist: YearChecklist, title: str) -> str:
    lines = [f"{title}: checklista för {checklist.year}", ""]
    for item in checklist.items:
        lines.append(f"{item.status} {item.title}: {item.finding}")
        if item.todo:
            lines.append(f"    Gör: {item.todo}")
        for place in item.places[:10]:
            lines.append(f"    {place}")
        if len(item.places) > 10:
            lines.append(f"    … och {len(item.places) - 10} till")
    to_do = sum(1 for item in checklist.items if item.status == TO_DO)
    lines += ["", "Allt klart." if not to_do else f"{to_do} punkter återstår (✗)."]
    return "\n".join(lines) + "\n"


def print_checklist(args: argparse.Namespace, out: TextIO) -> int:
    main = Path(args.ledger)
    entries, options = load_books(main)
    require_covered_year(entries, args.year)
    checklist = year_checklist(entries, options, args.year, main.resolve().parent)
    if args.format == "csv":
        out.write(csv_text(CHECKLIST_CSV_HEADER, list(checklist_rows(checklist))))
    else:
        out.write(checklist_as_text(checklist, str(options.get("title") or "Bokföringen")))
    return 0 if checklist.passed else 1


def add_command(commands: Any) -> None:
    check = commands.add_parser("check", help="årets checklista: vad som är klart och vad som återstår före bokslutet")
    add_books_argument(check)
    add_year_argument(check)
    add_format_argument(check)
    check.set_defaults(handler=print_checklist)
