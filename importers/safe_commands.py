"""``bergslaget import identify``, ``extract`` and ``archive``: beangulp's commands, made safe for the books.

The steps are beangulp's (identify each file, extract, sort, de-duplicate, the hooks,
print), with these differences:

* Every file that is not imported says why, and the run exits non-zero: larger than
  beangulp's 8 MiB limit, empty, binary or UTF-16 (NUL bytes), line ends that are
  only CR, semicolons as separators, or simply no importer recognises it.
* ``extract -e LEDGER`` refuses books that lose entries when loaded (a syntax error,
  a missing include) instead of treating what they lost as new; an error that loses
  nothing (a balance assertion the import will satisfy) does not stop it.
* ``extract -o FILE`` writes the whole output through a temporary file and a rename, so
  a killed run leaves the earlier file as it was; a run with errors writes nothing (and
  says so), so an older output never looks like this run's; and it refuses to write
  over a file of the books (any file the loader includes).
* ``archive`` files only documents that extract cleanly, never overwrites (``-f`` is
  refused), and moves each file without a moment where the target may be replaced:
  a hard link that fails if the target exists, then removing the source. Of two runs
  filing one statement at the same time, one files it and the other reports that the
  target exists or the file is gone.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import click
from beangulp import archive, exceptions, extract, identify, utils

from bergslaget_plugins.atomic_file import write_atomically
from bergslaget_plugins.books import BooksHaveErrors, default_ledger, load_books_for_deduplication

#: beangulp's own limit: larger files are not opened.
MAX_FILE_SIZE = identify.FILE_TOO_LARGE_THRESHOLD
_SNIFF_BYTES = 64 * 1024


def why_not_recognised(path: Path) -> str:
    """A Swedish reason why no importer recognised the file at ``path``."""
    head = path.read_bytes()[:_SNIFF_BYTES]
    if b"\x00" in head:
        return "binär fil eller UTF-16 (NUL-tecken); bankfilerna är text i Latin-1/Windows-1252"
    if b"\r" in head and b"\n" not in head:
        return "raderna slutar bara med CR (gammalt Mac-format); spara om filen med radslut LF eller CRLF"
    first_line = head.split(b"\n", 1)[0]
    if first_line.count(b";") >= 3 and first_line.count(b",") < 3:
        return ("semikolon som avgränsare: Swedbanks export har kommatecken och raden "
                "'Radnr,Clnr,Kontonr,...' (exportera på nytt från banken)")
    return "ingen import känner igen filen (varken Swedbank-kontoutdrag, BgMax eller SIE)"


def _files(sources: Sequence[str], problems: list[tuple[str, str]]) -> Iterator[str]:
    """The files under ``sources`` that may be read; the others go to ``problems`` with their reason."""
    for filename in utils.walk(sources):
        size = os.path.getsize(filename)
        if size > MAX_FILE_SIZE:
            problems.append((filename, f"filen är för stor ({size} byte; högst {MAX_FILE_SIZE // (1024 * 1024)} MiB)"))
        elif size == 0:
            problems.append((filename, "filen är tom"))
        else:
            yield filename


def _report(problems: list[tuple[str, str]], log: Callable[..., None]) -> None:
    for filename, reason in problems:
        log(f"* {filename}\n  INTE IMPORTERAD: {reason}", err=True)


def _importer_or_skip(ctx: Any, filename: str, log: Callable[..., None],
                      problems: list[tuple[str, str]], skipped: str) -> Any | None:
    """The importer that recognises ``filename``, its line begun in the log; else None,
    the log saying ``skipped`` and why, and the file noted among ``problems``."""
    log(f"* {filename}", nl=False)
    importer = identify.identify(ctx.importers, filename)
    if not importer:
        log(f" ... {skipped}")
        log(f"  {why_not_recognised(Path(filename))}")
        problems.append((filename, ""))
        return None
    log(" ...", nl=False)
    return importer


def _book_files(ledger: Path) -> set[Path]:
    """Every file the loader includes for the books at ``ledger`` (resolved)."""
    _, options = load_books_for_deduplication(ledger)
    return {Path(name).resolve() for name in options.get("include", [])} | {ledger.resolve()}


def _echo(message: str, err: bool = True) -> None:
    click.echo(message, err=err)


@click.command("extract")
@click.argument("src", nargs=-1, type=click.Path(exists=True, resolve_path=True))
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Utfil (annars standard ut).")
@click.option("--existing", "-e", type=click.Path(exists=True), help="Böckerna, för att känna igen det redan bokförda.")
@click.option("--reverse", "-r", is_flag=True, help="Sortera i omvänd ordning.")
@click.option("--failfast", "-x", is_flag=True, help="Sluta vid första felet.")
@click.option("--quiet", "-q", count=True, help="Skriv inga meddelanden.")
@click.pass_obj
def extract_command(ctx: Any, src: Sequence[str], output: str | None, existing: str | None, reverse: bool,
                    failfast: bool, quiet: int) -> None:
    """Extract transactions from bank files (see the module docstring)."""
    log = utils.logger(-quiet, err=True)
    problems: list[tuple[str, str]] = []
    try:
        existing_entries = load_books_for_deduplication(Path(existing))[0] if existing else []
        if output is not None:
            target = Path(output).resolve()
            if target in _book_files(Path(existing) if existing else default_ledger()):
                raise click.ClickException(f"{output} är en fil i bokföringen; skriv importen till en ny fil "
                                           f"(t.ex. -o nya.beancount) och flytta in transaktionerna för hand")
    except BooksHaveErrors as error:
        raise click.ClickException(f"De-dupliceringen kräver böcker utan fel: {error}") from error
    errors = exceptions.ExceptionsTrap(log)
    extracted = []
    for filename in _files(src, problems):
        with errors:
            importer = _importer_or_skip(ctx, filename, log, problems, "INTE IMPORTERAD")
            if importer is None:
                continue
            entries = extract.extract_from_file(importer, filename, existing_entries)
            extracted.append((filename, entries, importer.account(filename), importer))
            log(" OK", fg="green")
        if failfast and (errors or problems):
            break
    _report([(name, reason) for name, reason in problems if reason], log)
    extract.sort_extracted_entries(extracted)
    for _filename, entries, _account, importer in extracted:
        importer.deduplicate(entries, existing_entries)
        existing_entries.extend(entries)
    for hook in ctx.hooks:
        extracted = hook(extracted, existing_entries)
    if errors or problems:
        if output is not None:
            log(f"Inget skrevs till {output}: filerna ovan kunde inte importeras"
                + (" (filen där är från en tidigare körning)" if Path(output).exists() else ""))
        sys.exit(1)
    buffer = io.StringIO()
    extract.print_extracted_entries(extracted, buffer)
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        write_atomically(Path(output), buffer.getvalue().encode("utf-8"))


@click.command("identify")
@click.argument("src", nargs=-1, type=click.Path(exists=True, resolve_path=True))
@click.option("--failfast", "-x", is_flag=True, help="Sluta vid första felet.")
@click.option("--verbose", "-v", is_flag=True, help="Visa kontot för varje fil.")
@click.pass_obj
def identify_command(ctx: Any, src: Sequence[str], failfast: bool, verbose: bool) -> None:
    """Name the importer of each file; say why each other file is not imported (see the module docstring)."""
    log = utils.logger(1 if verbose else 0)
    errors = exceptions.ExceptionsTrap(log)
    problems: list[tuple[str, str]] = []
    for filename in _files(src, problems):
        with errors:
            log(f"* {filename}", nl=False)
            importer = identify.identify(ctx.importers, filename)
            if not importer:
                log(" ... INTE IMPORTERAD")
                problems.append((filename, why_not_recognised(Path(filename))))
                continue
            log(" ... OK", fg="green")
            log(f"  {importer.name}")
            if verbose:
                log(f"  {importer.account(filename)}")
        if failfast and (errors or problems):
            break
    _report(problems, log)
    if errors or problems:
        sys.exit(1)


def move_without_overwriting(source: str, target: str) -> None:
    """Move ``source`` to ``target``; FileExistsError if ``target`` exists, at no moment replacing it."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    try:
        os.link(source, target)
    except OSError as error:
        if isinstance(error, (FileExistsError, FileNotFoundError)):
            raise
        # Another file system: copy beside the target, then link that copy into place.
        descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".arkiveras.")
        os.close(descriptor)
        try:
            shutil.copyfile(source, temporary)
            os.link(temporary, target)
        finally:
            os.unlink(temporary)
    os.unlink(source)


@click.command("archive")
@click.argument("src", nargs=-1, type=click.Path(exists=True, resolve_path=True))
@click.option("--destination", "-o", metavar="MAPP", type=click.Path(exists=True, file_okay=False, resolve_path=True),
              help="Dokumentträdets rot (standard ledger/dokument).")
@click.option("--overwrite", "-f", is_flag=True, help="Vägras: arkivet skrivs aldrig över.")
@click.option("--dry-run", "-n", is_flag=True, help="Visa bara vart filerna skulle flyttas.")
@click.option("--failfast", "-x", is_flag=True, help="Sluta vid första felet.")
@click.option("--quiet", "-q", count=True, help="Skriv inga meddelanden.")
@click.pass_obj
def archive_command(ctx: Any, src: Sequence[str], destination: str | None, overwrite: bool, dry_run: bool,
                    failfast: bool, quiet: int) -> None:
    """File bank files that extract cleanly in the documents tree (see the module docstring)."""
    if overwrite:
        raise click.ClickException("Arkivet skrivs aldrig över (-f/--overwrite finns inte här)")
    if destination is None:
        raise click.ClickException("Ange dokumentmappen med -o MAPP")
    log = utils.logger(-quiet, err=True)
    errors = exceptions.ExceptionsTrap(log)
    problems: list[tuple[str, str]] = []
    renames: list[tuple[str, str]] = []
    for filename in _files(src, problems):
        with errors:
            importer = _importer_or_skip(ctx, filename, log, problems, "INTE ARKIVERAD")
            if importer is None:
                continue
            # Only what extracts cleanly is filed: the importer's own checks, as extract runs them.
            extract.extract_from_file(importer, filename, [])
            target = os.path.join(destination, archive.filepath(importer, filename))
            if any(existing == target for _, existing in renames):
                raise exceptions.Error("Två filer skulle arkiveras under samma namn.", target)
            if os.path.exists(target):
                raise exceptions.Error("Det finns redan en fil med det namnet i arkivet.", target)
            renames.append((filename, target))
            log(" OK", fg="green")
            log(f"  {target}")
        if failfast and (errors or problems):
            break
    _report([(name, reason) for name, reason in problems if reason], log)
    if errors or problems:
        log("# Fel: inga filer arkiverades.")
        sys.exit(1)
    if dry_run:
        return
    failed = False
    for filename, target in renames:
        try:
            move_without_overwriting(filename, target)
        except FileExistsError:
            log(f"* {filename}\n  INTE ARKIVERAD: {target} finns redan (en annan körning hann före)")
            failed = True
        except FileNotFoundError:
            log(f"* {filename}\n  INTE ARKIVERAD: filen finns inte längre (en annan körning har flyttat den)")
            failed = True
    if failed:
        sys.exit(1)


__all__ = ["archive_command", "extract_command", "identify_command", "move_without_overwriting", "why_not_recognised"]
