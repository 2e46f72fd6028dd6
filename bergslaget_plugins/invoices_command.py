"""``bergslaget invoices``: the fee invoices of a year as documents to send.

    bergslaget invoices [LEDGER] --year 2022 -o ut/                 # PDF and Peppol XML, all members
    bergslaget invoices --year 2022 --member "Hofors kommun" -o ut/ --format pdf
    bergslaget invoices --year 2022 -o ut/ --archive                # also a copy in the books

One document per fee invoice booked for the year, named by invoice number
(``2022101.pdf``, ``2022101.xml``), made from the booked invoice (``fee_invoices``): the
PDF the member reads (``invoice_pdf``) and the Peppol e-invoice (``peppol_invoice``).
Each file is written whole or not at all (a temporary file renamed into place).

With ``--archive`` each document is also stored in the books' documents folder (option
``documents``) under the receivable account, named the Beancount way
(``dokument/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf``); the plugin
``invoice_documents`` links it to its invoice verification, so Fava shows the copy with
the verification. An archived copy is never overwritten: running again stores nothing new.

A member whose register line lacks what an invoice needs (organisation number, invoice
address, source) gets an error at that line and no document; the others are written and
the exit status is 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument, add_year_argument
from bergslaget_plugins.atomic_file import create_atomically
from bergslaget_plugins.books import load_books
from bergslaget_plugins.covered_year import require_covered_year
from bergslaget_plugins.fee_invoices import FeeInvoiceDocument, fee_invoice_documents
from bergslaget_plugins.invoice_documents import invoice_document_name
from bergslaget_plugins.invoice_pdf import invoice_pdf
from bergslaget_plugins.peppol_invoice import peppol_invoice_xml
from bergslaget_plugins.roles import read_roles
from bergslaget_plugins.statements import ReportError
from bergslaget_plugins.atomic_file import write_atomically
from bergslaget_plugins.typesetting import TypesettingUnavailable

#: Each format: the file type and the function that makes the document.
FORMATS: dict[str, tuple[str, Callable[[FeeInvoiceDocument], bytes]]] = {
    "pdf": ("pdf", invoice_pdf),
    "peppol": ("xml", peppol_invoice_xml),
}


@dataclass(frozen=True)
class ArchivedCopy:
    path: Path
    #: False when a copy was already archived (it is left as it is).
    stored: bool


def documents_folder(options: dict[str, Any]) -> Path | None:
    """The books' documents folder (the first ``option "documents"``), relative to the main file."""
    folders = options.get("documents") or []
    if not folders:
        return None
    folder = Path(folders[0])
    return folder if folder.is_absolute() else Path(options["filename"]).resolve().parent / folder


def archive_path(folder: Path, receivables: str, document: FeeInvoiceDocument, kind: str) -> Path:
    """``<folder>/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf`` (the receivable account's folder)."""
    return folder.joinpath(*receivables.split(":")) / invoice_document_name(
        document.invoice_date.isoformat(), document.number, kind)


def archive_copy(path: Path, content: bytes) -> ArchivedCopy:
    """Store ``content`` at ``path`` unless a copy is there already; never overwrite, never half-write."""
    if path.exists():
        return ArchivedCopy(path, stored=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    return ArchivedCopy(path, stored=create_atomically(path, content))


def _invoices(args: argparse.Namespace, out: TextIO) -> int:
    entries, options = load_books(args.ledger)
    require_covered_year(entries, args.year)
    roles, _ = read_roles(entries, options)  # a missing role is an error of the books (account_roles plugin)
    receivables = roles.account("kundfordringar")
    documents, problems = fee_invoice_documents(entries, args.year, args.member, receivables)
    if not documents and not problems:
        who = f" för {args.member}" if args.member else ""
        raise ReportError([f"Inga bokförda fakturor på medlemsavgift {args.year}{who}"])
    folder = documents_folder(options) if args.archive else None
    if args.archive and folder is None:
        raise ReportError(['Bokföringen har inget dokumentarkiv: lägg till option "documents" i huvudfilen'])
    kinds = list(FORMATS) if args.format == "all" else [args.format]
    args.output.mkdir(parents=True, exist_ok=True)
    for document in documents:
        for kind in kinds:
            extension, make = FORMATS[kind]
            try:
                content = make(document)
            except TypesettingUnavailable as error:
                raise ReportError([str(error)]) from error
            target = args.output / f"{document.number}.{extension}"
            write_atomically(target, content)
            out.write(f"{target}\n")
            if folder is not None:
                copy = archive_copy(archive_path(folder, receivables, document, extension), content)
                state = "arkiverad" if copy.stored else "redan arkiverad, orörd"
                out.write(f"  {state}: {copy.path}\n")
    for problem in problems:
        print(f"{problem.source.get('filename')}:{problem.source.get('lineno')}: {problem.message}", file=sys.stderr)
    return 2 if problems else 0


def add_command(commands: Any) -> None:
    """Add ``invoices`` to the ``bergslaget`` command."""
    parser = commands.add_parser("invoices", help="medlemsavgifternas fakturor som PDF och Peppol-e-faktura")
    add_books_argument(parser)
    add_year_argument(parser, "avgiftsår")
    parser.add_argument("--member", help="bara denna medlems faktura (namnet som i medlemsregistret)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="mapp att skriva fakturorna i")
    parser.add_argument("--format", choices=("pdf", "peppol", "all"), default="all",
                        help="pdf, peppol (UBL-XML enligt PEPPOL BIS Billing 3.0) eller all (standard)")
    parser.add_argument("--archive", action="store_true",
                        help="spara också en kopia i bokföringens dokumentarkiv, kopplad till verifikationen")
    parser.set_defaults(handler=_invoices)


__all__ = ["ArchivedCopy", "add_command", "archive_copy", "archive_path", "documents_folder"]
