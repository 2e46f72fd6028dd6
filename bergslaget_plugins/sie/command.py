"""The ``bergslaget sie`` command: export, check and import SIE 4 files.

    bergslaget sie export [LEDGER] --year 2022 [-o FIL.se] [--type 4E|4I]
    bergslaget sie check FIL.se
    bergslaget sie import FIL.se [-o NY.beancount] [--into ledger/main.beancount] [--trots-fel]

``export`` writes the year's SIE 4 file (to FIL, written whole or not at all, or to
standard output). ``check`` lists what is wrong with any SIE file, at its lines, and
exits with 1 if anything is. ``import`` turns a SIE 4 file into Beancount text; a file
with a defect is refused and nothing is written unless ``--trots-fel`` is given, and an
existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_year_argument
from bergslaget_plugins import fiscal
from bergslaget_plugins.atomic_file import create_atomically, write_atomically
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.sie.check import Finding, check_document, defects
from bergslaget_plugins.sie.document import SieDocument, read_sie_file
from bergslaget_plugins.sie.to_beancount import ImportRefused, convert, existing_books
from bergslaget_plugins.sie.writer import (
    ExportError,
    collect_export,
    encode_pc8,
    render_sie,
)
from bergslaget_plugins.statements import ReportError


def _program_version() -> str:
    try:
        return metadata.version("bergslaget")
    except metadata.PackageNotFoundError:
        return ""


def _write_to_out(data: bytes, text: str, out: TextIO) -> None:
    """Bytes to a real standard output (the file's own encoding); text to anything else."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()
        buffer.write(data)
        buffer.flush()
    else:
        out.write(text)


def export_command(args: argparse.Namespace, out: TextIO) -> int:
    entries, options = load_books(args.ledger)
    year = args.year or fiscal.last_closed_year(entries)
    if year is None:
        raise ReportError(["Bokföringen har inga transaktioner"])
    require_covered_year(entries, year)
    try:
        export = collect_export(entries, options, year, args.type, program_version=_program_version())
        text = render_sie(export)
        data = encode_pc8(text)
    except ExportError as error:
        raise ReportError(error.problems) from None
    if args.output is None:
        _write_to_out(data, text, out)
        return 0
    try:
        write_atomically(args.output, data)
    except OSError as error:
        print(f"{args.output}: kan inte skrivas: {error.strerror or error}", file=sys.stderr)
        return 2
    out.write(f"SIE {args.type} för {year} skriven till {args.output}: {len(export.accounts)} konton, "
              f"{len(export.vouchers)} verifikationer\n")
    return 0


def _summary(document: SieDocument, findings: list[Finding]) -> str:
    found = defects(findings)
    what = (f"SIE typ {document.sie_type or '?'}, {document.encoding}, {len(document.accounts)} konton, "
            f"{len(document.vouchers)} verifikationer")
    return f"{document.path}: {what}: " + (f"{len(found)} fel" if found else "inga fel")


def _read(path: Path, err: TextIO) -> SieDocument | None:
    try:
        return read_sie_file(path)
    except OSError as error:
        print(f"{path}: kan inte läsas: {error.strerror or error}", file=err)
        return None


def check_command(args: argparse.Namespace, out: TextIO) -> int:
    document = _read(args.file, sys.stderr)
    if document is None:
        return 2
    findings = check_document(document)
    out.writelines(finding.format(document.path) + "\n" for finding in findings)
    out.write(_summary(document, findings) + "\n")
    return 1 if defects(findings) else 0


def import_command(args: argparse.Namespace, out: TextIO) -> int:
    if args.output is not None and args.output.exists():
        print(f"{args.output} finns redan; importen skriver aldrig över en fil. Välj ett nytt filnamn.", file=sys.stderr)
        return 2
    document = _read(args.file, sys.stderr)
    if document is None:
        return 2
    findings = check_document(document)
    existing: Any = None
    if args.into is not None:
        entries, options = load_books(args.into)
        existing = existing_books(entries, options)
    try:
        conversion = convert(document, findings, existing, accept_defects=args.trots_fel)
    except ImportRefused as refusal:
        print(f"{document.path}: importeras inte, inget har skrivits:", file=sys.stderr)
        for reason in refusal.reasons:
            print(f"  - {reason}", file=sys.stderr)
        if defects(findings):
            print("  (bergslaget sie import --trots-fel importerar ändå, med felen markerade)", file=sys.stderr)
        return 1
    if args.output is None:
        out.write(conversion.text)
        return 0
    try:
        created = create_atomically(args.output, conversion.text.encode("utf-8"))
    except OSError as error:
        print(f"{args.output}: kan inte skrivas: {error.strerror or error}", file=sys.stderr)
        return 2
    if not created:  # the file appeared while the import ran
        print(f"{args.output} finns redan; importen skriver aldrig över en fil. Välj ett nytt filnamn.", file=sys.stderr)
        return 2
    out.write(f"{args.output}: {len(conversion.imported)} verifikationer, {len(conversion.opened)} nya konton")
    out.write(f", {len(conversion.skipped)} redan bokförda hoppades över\n" if conversion.skipped else "\n")
    if args.into is not None:
        out.write(f'Lägg till raden include "{args.output}" i {args.into} (sökvägen räknas från den filen).\n')
    return 0


def add_command(commands: Any) -> None:
    sie = commands.add_parser("sie", help="SIE 4: exportera till revisorn, kontrollera en fil, importera bokföring")
    actions = sie.add_subparsers(dest="sie_command", required=True)

    export = actions.add_parser("export", help="skriv årets SIE 4-fil (PC8) med saldon och verifikationer")
    add_books_argument(export)
    add_year_argument(export, "räkenskapsår (standard: senaste avslutade)", required=False)
    export.add_argument("-o", "--output", type=Path, help="filen att skriva (standard: standard ut)")
    export.add_argument("--type", choices=("4E", "4I"), default="4E",
                        help="4E: saldon och verifikationer (standard); 4I: bara verifikationer")
    export.set_defaults(handler=export_command)

    check = actions.add_parser("check", help="kontrollera en SIE-fil (typ 1–4) och visa felen med radnummer")
    check.add_argument("file", type=Path, help="SIE-filen")
    check.set_defaults(handler=check_command, ledger=None)

    import_ = actions.add_parser("import", help="gör Beancount-bokföring av en SIE 4-fil")
    import_.add_argument("file", type=Path, help="SIE-filen")
    import_.add_argument("-o", "--output", type=Path, help="ny fil att skriva (standard: standard ut); skrivs aldrig över")
    import_.add_argument("--into", type=Path, help="befintlig bokföring att lägga till: konton återanvänds, "
                                                   "redan bokförda verifikationer hoppas över")
    import_.add_argument("--trots-fel", action="store_true", dest="trots_fel",
                         help="importera en fil med fel ändå; felen markeras med ! och en kommentar")
    import_.set_defaults(handler=import_command, ledger=None)


__all__ = ["add_command", "check_command", "export_command", "import_command"]
