"""Loading the books for the project's own commands: one place, so every command
(CLI, ``serve``, reports, exports) loads the same way and refuses books with errors
the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core.data import Directive
from beancount.parser import printer

DEFAULT_LEDGER = Path("ledger") / "main.beancount"
REPOSITORY_LEDGER = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


class BooksHaveErrors(Exception):
    """The loader reported errors; the message lists them as bean-check does."""


def default_ledger() -> Path:
    """``ledger/main.beancount`` here, else the one in this repository."""
    return DEFAULT_LEDGER if DEFAULT_LEDGER.exists() else REPOSITORY_LEDGER


def load_books(path: Path) -> tuple[list[Directive], dict[str, Any]]:
    """Load the ledger with its plugins; BooksHaveErrors if Beancount reports any error."""
    if not path.exists():
        raise BooksHaveErrors(f"Bokföringen {path} finns inte")
    entries, errors, options = loader.load_file(str(path))
    if errors:
        text = "".join(printer.format_error(error) for error in errors)
        raise BooksHaveErrors(f"Bokföringen {path} har fel; rätta dem först:\n{text}")
    return entries, options


__all__ = ["BooksHaveErrors", "DEFAULT_LEDGER", "default_ledger", "load_books"]
