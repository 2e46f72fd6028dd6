"""Loading the books for the project's own commands: one place, so every command
(CLI, ``serve``, reports, exports) loads the same way and refuses books with errors
the same way.

Loading is faster with Python's cyclic garbage collector paused: Beancount builds
millions of objects (entries, postings, amounts, metadata) that all stay alive, and
the collector would otherwise walk them again and again while they are being built.
After a successful load they are frozen (``gc.freeze``): later collections skip them.
See :func:`collector_paused`; ``serve`` uses it for Fava's loads too.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core.data import Directive
from beancount.parser import printer

DEFAULT_LEDGER = Path("ledger") / "main.beancount"
REPOSITORY_LEDGER = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


class BooksHaveErrors(Exception):
    """The loader reported errors; the message lists them as bean-check does."""


class _CollectorPause:
    """The process-wide pause of the garbage collector, shared by nested and concurrent loads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.was_enabled = False


_PAUSE = _CollectorPause()


@contextmanager
def collector_paused(freeze: bool = True) -> Iterator[None]:
    """Run the block with Python's cyclic garbage collector off.

    When the block ends normally and no other pause is still open, every object alive
    is frozen (``gc.freeze``, unless ``freeze`` is false) so that later collections
    skip what was loaded. Whatever happens, the collector is enabled again afterwards
    exactly if it was enabled before the first pause began; pauses may be nested or
    overlap in threads (Fava serves requests in threads).
    """
    with _PAUSE.lock:
        if _PAUSE.depth == 0:
            _PAUSE.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSE.depth += 1
    completed = False
    try:
        yield
        completed = True
    finally:
        with _PAUSE.lock:
            _PAUSE.depth -= 1
            if _PAUSE.depth == 0:
                if completed and freeze:
                    gc.freeze()
                if _PAUSE.was_enabled:
                    gc.enable()


def default_ledger() -> Path:
    """``ledger/main.beancount`` here, else the one in this repository."""
    return DEFAULT_LEDGER if DEFAULT_LEDGER.exists() else REPOSITORY_LEDGER


def load_books(path: Path) -> tuple[list[Directive], dict[str, Any]]:
    """Load the ledger with its plugins; BooksHaveErrors if Beancount reports any error.

    The collector is paused during the load, and what was loaded is frozen only when the
    books load without errors (:func:`collector_paused`).
    """
    if path.is_dir():
        raise BooksHaveErrors(f"{path} är en mapp: ange bokföringens huvudfil, t.ex. {path / 'main.beancount'}")
    if not path.is_file():
        raise BooksHaveErrors(f"Bokföringen {path} finns inte")
    with collector_paused():
        entries, errors, options = loader.load_file(str(path))
        if errors:
            text = "".join(printer.format_error(error) for error in errors)
            raise BooksHaveErrors(f"Bokföringen {path} har fel; rätta dem först:\n{text}")
    return entries, options


def _loses_entries(error: Any) -> bool:
    """True for an error after which the books lack entries: syntax (lexer, parser) or a missing include."""
    kind = type(error)
    return kind.__module__.startswith("beancount.parser") or kind.__name__ == "LoadError"


def load_books_for_deduplication(path: Path) -> tuple[list[Directive], dict[str, Any]]:
    """Every entry of the books, for recognising what an import has already booked.

    Errors that lose entries (a syntax error, a missing include) raise BooksHaveErrors: with
    entries missing, booked transactions would come out again as new. Other errors (a balance
    assertion the import itself will satisfy) do not stop it.
    """
    if path.is_dir() or not path.is_file():
        load_books(path)  # the message for a folder or a missing file
    with collector_paused(freeze=False):
        entries, errors, options = loader.load_file(str(path))
    lost = [error for error in errors if _loses_entries(error)]
    if lost:
        text = "".join(printer.format_error(error) for error in lost)
        raise BooksHaveErrors(f"Bokföringen {path} kan inte läsas helt (poster saknas); rätta först:\n{text}")
    return list(entries), options


__all__ = ["BooksHaveErrors", "DEFAULT_LEDGER", "collector_paused", "default_ledger", "load_books",
           "load_books_for_deduplication"]
