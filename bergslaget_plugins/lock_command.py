"""``bergslaget lock [LEDGER] --year YEAR``: lock a closed financial year.

Writes the year's record (:mod:`bergslaget_plugins.locking`: the verifications' digests and
the annual report's figures, :mod:`bergslaget_plugins.locked_figures`) to ``YEAR/las.beancount``
beside the main file and names it as the end of the lock chain in the main file; from
then on the ``lock_check`` plugin makes bean-check fail on any change to the year.

Refused, with nothing written, unless: the books load without errors; the year has its
year-end directive (``custom "bokslut"``); the year's checklist (``bergslaget check --year
YEAR``, :mod:`bergslaget_plugins.year_check`) has nothing ✗; every earlier year with a year-end directive
is locked; no later year is locked; the year is not locked already (after an unlock,
``custom "upplåst år"``, it may be locked again). After writing, the books are loaded
again; if they do not load cleanly with the new record (for instance because the main
file does not include ``YEAR/*.beancount``), both files are put back as they were.
"""

from __future__ import annotations

import argparse
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from beancount.core.data import Directive
from beancount.parser import printer

from bergslaget_plugins.command_arguments import add_books_argument, add_year_argument
from bergslaget_plugins.books import BooksHaveErrors, load_books
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.locked_figures import report_figures
from bergslaget_plugins.locking import (
    CHAIN_END_TYPE,
    LockState,
    chain_end_text,
    covered_verifications,
    read_lock_state,
    record_text,
    verification_digest,
)
from bergslaget_plugins.statements import ReportError, build_annual_report
from bergslaget_plugins.atomic_file import write_atomically
from bergslaget_plugins.year_check import TO_DO, year_checklist

RECORD_FILE_NAME = "las.beancount"


class LockRefused(BooksHaveErrors):
    """The year cannot be locked (yet); the message says why. Nothing was written."""


@dataclass(frozen=True)
class LockWritten:
    year: int
    digest: str
    verifications: int
    record: Path


def _refusals(entries: list[Directive], options: dict[str, Any], year: int, folder: Path) -> list[str]:
    state, _ = read_lock_state(entries)
    year_ends, _ = year_end_directives(entries)
    problems = []
    if year not in year_ends:
        problems.append(f'Räkenskapsåret {year} har inget bokslut (custom "bokslut" {year}-12-31); lås efter bokslutet')
    else:
        checklist = year_checklist(entries, options, year, folder)
        problems += [f"bergslaget check --year {year}: {TO_DO} {item.title}: {item.finding}"
                     for item in checklist.items if item.status == TO_DO]
    if state.is_locked(year):
        problems.append(f"Räkenskapsåret {year} är redan låst")
    later = [other for other in state.locked_years() if other > year]
    if later:
        problems.append(f"Ett senare år är låst ({', '.join(map(str, later))}); lås upp det först, annars bryts låskedjan")
    earlier_open = [other for other in sorted(year_ends) if other < year and not state.is_locked(other)]
    if earlier_open:
        problems.append(f"Tidigare räkenskapsår är inte låsta ({', '.join(map(str, earlier_open))}); lås dem först")
    return problems


def _replace_line(text: str, lineno: int, expected: str, new_line: str) -> str | None:
    lines = text.splitlines(keepends=True)
    if not (1 <= lineno <= len(lines)) or expected not in lines[lineno - 1]:
        return None
    lines[lineno - 1] = new_line
    return "".join(lines)


def lock_year(ledger: Path, year: int, today: datetime.date) -> LockWritten:
    """Write the record of ``year`` and the chain's end; LockRefused (or BooksHaveErrors) when refused."""
    entries, options = load_books(ledger)
    problems = _refusals(entries, options, year, ledger.resolve().parent)
    if problems:
        raise LockRefused(f"Räkenskapsåret {year} kan inte låsas:\n" + "".join(f"  - {problem}\n" for problem in problems))
    state, _ = read_lock_state(entries)
    text, digest, count = _year_record(entries, options, state, year, today)
    record_path = ledger.parent / str(year) / RECORD_FILE_NAME
    chain_path, chain_text = _chain_end(ledger, state, year, chain_end_text(year, digest, today))
    old_record = state.records.get(year)
    if old_record is not None and Path(str(old_record.entry.meta["filename"])).resolve() != record_path.resolve():
        raise LockRefused(f"Låsposten för {year} står i {old_record.entry.meta['filename']}; "
                          f"flytta den till {record_path} och lås igen")
    text += _kept_unlocks(state, record_path)
    _write_or_put_back(ledger, year, record_path, text, chain_path, chain_text)
    return LockWritten(year, digest, count, record_path)


def _year_record(entries: list[Directive], options: dict[str, Any], state: LockState, year: int,
                 today: datetime.date) -> tuple[str, str, int]:
    """The year's record text, its digest and the number of verifications it covers."""
    earlier = [other for other in state.locked_years() if other < year]
    previous = state.records[max(earlier)] if earlier else None
    covered = covered_verifications(entries, previous.year if previous else None, year)
    digests = {key: verification_digest(entry) for key, entry in covered.items()}
    try:
        figures = report_figures(build_annual_report(entries, options, year))
        text, digest = record_text(year, today, previous, len(state.unlocks.get(year, ())), digests, figures)
    except (ReportError, ValueError) as error:
        raise LockRefused(f"Räkenskapsåret {year} kan inte låsas: årsredovisningen kan inte låsas:\n  {error}") from error
    return text, digest, len(digests)


def _chain_end(ledger: Path, state: LockState, year: int, chain_line: str) -> tuple[Path, str | None]:
    """The file holding the lock chain's end and its new text (None: the chain's end stays as it is)."""
    if any(other > year for other in state.records):
        # A later (unlocked) year's record stays the chain's end; locking it again chains it to this one.
        return ledger, None
    if state.chain_end is not None:
        chain_path = Path(str(state.chain_end.meta["filename"]))
        chain_text = _replace_line(chain_path.read_text(encoding="utf-8"), int(state.chain_end.meta["lineno"]),
                                   f'custom "{CHAIN_END_TYPE}"', chain_line)
        if chain_text is None:
            raise LockRefused(f"Låskedjans slut i {chain_path} kunde inte skrivas om (raden är inte en låskedja)")
        return chain_path, chain_text
    before = ledger.read_text(encoding="utf-8")
    return ledger, (before if before.endswith("\n") else before + "\n") + (
        "\n; Låskedjans slut: det senast låsta räkenskapsåret och dess kontrollsumma (bergslaget lock).\n" + chain_line)


def _kept_unlocks(state: LockState, record_path: Path) -> str:
    """Unlocks written in the record's file stay in the books (their count is part of the record)."""
    kept_unlocks = [printer.format_entry(unlock) for unlocks in state.unlocks.values() for unlock in unlocks
                    if Path(str(unlock.meta.get("filename"))).resolve() == record_path.resolve()]
    return "\n; Upplåsningar (står kvar som historik).\n" + "\n".join(kept_unlocks) if kept_unlocks else ""


def _write_or_put_back(ledger: Path, year: int, record_path: Path, text: str,
                       chain_path: Path, chain_text: str | None) -> None:
    """Write the record (and the chain's end) and load the books again; if they do not load
    cleanly with the year locked, put every touched file back as it was."""
    touched = (record_path, chain_path) if chain_text is not None else (record_path,)
    originals = {path: (path.read_bytes() if path.exists() else None) for path in touched}
    record_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomically(record_path, text.encode("utf-8"))
        if chain_text is not None:
            write_atomically(chain_path, chain_text.encode("utf-8"))
        reloaded, _ = load_books(ledger)
        if not read_lock_state(reloaded)[0].is_locked(year):
            raise BooksHaveErrors(f"låsposten {record_path} läses inte in")
    except BaseException as error:
        for path, content in originals.items():
            if content is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, content)
        if isinstance(error, BooksHaveErrors):
            raise LockRefused(f"Räkenskapsåret {year} kan inte låsas: med låsposten läses böckerna inte felfritt, "
                              f"så inget har ändrats. Läses {record_path} in av {ledger} (include \"{year}/*.beancount\")?\n"
                              f"{error}") from error
        raise


def print_lock(args: argparse.Namespace, out: TextIO) -> int:
    written = lock_year(args.ledger, args.year, datetime.date.today())
    out.write(f"Räkenskapsåret {written.year} är låst: {written.verifications} verifikationer i {written.record}.\n"
              f"Årets kontrollsumma (skriv in den i protokollet eller revisionsberättelsen):\n  {written.digest}\n"
              "Från och med nu vägrar bean-check varje ändring av årets verifikationer och av "
              "årsredovisningens siffror.\n")
    return 0


def add_command(commands: Any) -> None:
    lock = commands.add_parser("lock", help="lås ett avslutat räkenskapsår: varje senare ändring stoppas av bean-check")
    add_books_argument(lock)
    add_year_argument(lock, "räkenskapsåret som ska låsas")
    lock.set_defaults(handler=print_lock)
