"""The arguments the commands share, each written once: the books' main file, the fiscal
year and the output format (``bergslaget journal [LEDGER] --year 2022 --format csv``)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path


def add_books_argument(parser: argparse.ArgumentParser) -> None:
    """The books' main file, optional (``books.default_ledger`` when left out)."""
    parser.add_argument("ledger", nargs="?", type=Path, default=None, help="huvudfilen (ledger/main.beancount)")


def add_year_argument(parser: argparse.ArgumentParser, description: str = "räkenskapsår", required: bool = True) -> None:
    """``--year``: the year the command is about."""
    parser.add_argument("--year", type=int, required=required, default=None, help=description)


def add_format_argument(parser: argparse.ArgumentParser, choices: Sequence[str] = ("text", "csv")) -> None:
    """``--format``: the first choice is the default."""
    parser.add_argument("--format", choices=tuple(choices), default=choices[0])


__all__ = ["add_books_argument", "add_format_argument", "add_year_argument"]
