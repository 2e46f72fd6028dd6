"""The ``bergslaget`` command: the annual report, the fee specification and imports.

    bergslaget report [LEDGER] [--year YEAR] [--format text|csv|html|pdf] [-o FILE]
    bergslaget fees [LEDGER] --year YEAR [--format text|csv]
    bergslaget serve [LEDGER] [--port 5000]          (Fava, read-only, on 127.0.0.1)
    bergslaget import identify|extract|archive ...   (beangulp's commands)

and the commands of the modules in :data:`COMMAND_MODULES` (see there).

LEDGER defaults to ``ledger/main.beancount``. The books are loaded with Beancount's
loader and its plugins (``books.load_books``); if they have errors, nothing is printed
but the errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from beancount import loader

from bergslaget_plugins.command_arguments import add_books_argument, add_format_argument, add_year_argument
from bergslaget_plugins import fiscal
from bergslaget_plugins.books import BooksHaveErrors, default_ledger, load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.annual_document import AnnualDocument, build_annual_document
from bergslaget_plugins.render import document_as_html, document_as_pdf, report_as_csv, report_as_text
from bergslaget_plugins.statements import ReportError, build_annual_report
from bergslaget_plugins.atomic_file import write_atomically
from bergslaget_plugins.typesetting import TypesettingUnavailable

#: Modules that each add one command: ``add_command(commands)`` adds a subparser to
#: ``commands`` (argparse's subparsers) and sets its ``handler(args, out) -> int``, which
#: may raise BooksHaveErrors or ReportError. A new command is a new module listed here.
#: The years any command accepts (``--year``); a command refuses years its books do not cover.
FIRST_YEAR, LAST_YEAR = 1900, 2199

COMMAND_MODULES: tuple[str, ...] = (
    "bergslaget_plugins.roles_command",
    "bergslaget_plugins.year_command",
    "bergslaget_plugins.check_command",
    "bergslaget_plugins.journal_command",
    "bergslaget_plugins.ledger_command",
    "bergslaget_plugins.trial_balance_command",
    "bergslaget_plugins.sie.command",
    "bergslaget_plugins.lock_command",
    "bergslaget_plugins.invoices_command",
    "bergslaget_plugins.history_command",
)


def _report(args: argparse.Namespace, out: TextIO) -> int:
    if args.format == "pdf" and args.output is None:
        raise ReportError(["En PDF skrivs till en fil: ange -o FIL, t.ex. -o arsredovisning.pdf"])
    entries, options = load_books(args.ledger)
    year = fiscal.last_closed_year(entries) if args.year is None else args.year
    if year is None:
        raise ReportError(["Bokföringen har inga transaktioner"])
    require_covered_year(entries, year)
    content: str | bytes
    if args.format in ("html", "pdf"):
        document = build_annual_document(entries, options, year)
        content = document_as_html(document) if args.format == "html" else _pdf(document)
    else:
        render = {"text": report_as_text, "csv": report_as_csv}[args.format]
        content = render(build_annual_report(entries, options, year))
    if args.output is None:
        assert isinstance(content, str)
        out.write(content)
        return 0
    try:
        write_atomically(args.output, content.encode("utf-8") if isinstance(content, str) else content)
    except OSError as error:
        raise ReportError([f"Kan inte skriva {args.output}: {error.strerror or error}"]) from error
    out.write(f"Årsredovisningen {year} är skriven till {args.output}\n")
    return 0


def _pdf(document: AnnualDocument) -> bytes:
    try:
        return document_as_pdf(document)
    except TypesettingUnavailable as error:
        raise ReportError([str(error)]) from error


def _fees(args: argparse.Namespace, out: TextIO) -> int:
    from bergslaget_plugins.fee_report import print_fee_specification

    entries, _ = load_books(args.ledger)
    return print_fee_specification(entries, args.year, args.format, out)


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from bergslaget_plugins.serve import serve

    return serve(args.ledger, args.port, out)


def _import(argv: Sequence[str]) -> int:
    from importers.config import run

    return run(list(argv))


#: The commands defined here; running one of them needs none of :data:`COMMAND_MODULES`.
BUILT_IN_COMMANDS = ("report", "fees", "serve")


def _parser(command_modules: bool = True) -> argparse.ArgumentParser:
    """The command line; without ``command_modules`` only the commands defined here."""
    parser = argparse.ArgumentParser(prog="bergslaget", description="Intresseföreningen Bergslagets bokföring")
    commands = parser.add_subparsers(dest="command", required=True)

    report = commands.add_parser("report", help="resultaträkning, balansräkning och noter")
    add_books_argument(report)
    add_year_argument(report, "räkenskapsår (standard: senaste avslutade)", required=False)
    report.add_argument("--format", choices=("text", "csv", "html", "pdf"), default="text",
                        help="text, csv: räkningarna och noterna; html, pdf: hela årsredovisningen att skriva under")
    report.add_argument("-o", "--output", type=Path, default=None,
                        help="skriv till filen (krävs för pdf; skrivs hel eller inte alls)")
    report.set_defaults(handler=_report)

    fees = commands.add_parser("fees", help="medlemsavgifter: avgiftsunderlag per medlem")
    add_books_argument(fees)
    add_year_argument(fees, "avgiftsår")
    add_format_argument(fees)
    fees.set_defaults(handler=_fees)

    serve = commands.add_parser("serve", help="visa bokföringen i Fava, skrivskyddat, på 127.0.0.1")
    add_books_argument(serve)
    serve.add_argument("--port", type=int, default=5000, help="port (standard: 5000)")
    serve.set_defaults(handler=_serve)

    commands.add_parser("import", help="importera bankfiler (beangulp: identify, extract, archive)", add_help=False)
    for module_name in COMMAND_MODULES if command_modules else ():
        importlib.import_module(module_name).add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    output = out or sys.stdout
    # The pickle cache would keep serving entries made by older plugin code.
    loader.initialize(use_cache=False)
    if arguments[:1] == ["import"]:
        return _import(arguments[1:])
    # Importing every command's module costs a noticeable part of a second; report, fees
    # and serve do without them.
    args = _parser(command_modules=arguments[:1] not in ([name] for name in BUILT_IN_COMMANDS)).parse_args(arguments)
    year = getattr(args, "year", None)
    if isinstance(year, int) and not FIRST_YEAR <= year <= LAST_YEAR:
        print(f"Året {year} är inget räkenskapsår för bokföringen (ange ett år {FIRST_YEAR}–{LAST_YEAR}, "
              f"t.ex. --year 2022)", file=sys.stderr)
        return 2
    if getattr(args, "ledger", None) is None:
        args.ledger = default_ledger()
    try:
        return int(args.handler(args, output))
    except BooksHaveErrors as error:
        print(str(error), file=sys.stderr)
        return 1
    except ReportError as error:
        print("Rapporten kan inte upprättas:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
