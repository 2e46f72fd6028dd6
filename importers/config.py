"""Import configuration of Intresseföreningen Bergslaget, for beangulp and for Fava.

``CONFIG`` lists the importers, ``HOOKS`` the functions run on everything a run
extracted. The same file serves

* the command line: ``bergslaget import identify|extract|archive ...`` calls
  :func:`run`, which runs beangulp's ``Ingest(CONFIG, HOOKS)``; for example ::

      bergslaget import extract -e ledger/main.beancount -o nya.beancount ~/Hämtade/
      bergslaget import archive ~/Hämtade/      (till ledger/dokument, eller -o MAPP)

* Fava's import page, with these lines in the main ledger (paths relative to it)::

      2020-01-01 custom "fava-option" "import-config" "../importers/config.py"
      2020-01-01 custom "fava-option" "import-dirs" "inkorg"

  Fava runs this file as a script (``runpy.run_path``), so it makes the repository
  importable itself.

The rules for bank-statement rows are read from ``ledger/importregler.csv`` in the
repository, or from the file named by the environment variable
``BERGSLAGET_IMPORTREGLER``.

The accounts come from the books (``books.default_ledger()``): the account of each
role (``roles.read_roles``: ``bank``, ``bankgiroinbetalningar``, ``kundfordringar``,
``obs-konto``), the chart's rule for which accounts need a ``motpart``, and the
association's bankgiro number (``organisation.read_organisation``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
if __package__ in (None, "") and str(REPOSITORY) not in sys.path:  # run as a script (Fava)
    sys.path.insert(0, str(REPOSITORY))

import beangulp  # noqa: E402
import click  # noqa: E402

from bergslaget_plugins.books import BooksHaveErrors, default_ledger, load_books  # noqa: E402
from bergslaget_plugins.chart import Chart, read_chart  # noqa: E402
from bergslaget_plugins.organisation import read_organisation  # noqa: E402
from bergslaget_plugins.roles import AccountRoles, RoleMissingError, read_roles  # noqa: E402
from importers.bgmax import BgMaxImporter  # noqa: E402
from importers.numbering import number_imported_verifications  # noqa: E402
from importers.safe_commands import archive_command, extract_command, identify_command  # noqa: E402
from importers.sie_importer import SieImporter  # noqa: E402
from importers.swedbank import SwedbankImporter  # noqa: E402

RULES_ENVIRONMENT_VARIABLE = "BERGSLAGET_IMPORTREGLER"
#: Where ``archive`` files documents unless told otherwise: the ledger's ``documents`` folder.
DOCUMENTS = REPOSITORY / "ledger" / "dokument"


def rules_path() -> Path:
    """The rules file: ``$BERGSLAGET_IMPORTREGLER`` or ``ledger/importregler.csv`` in the repository."""
    configured = os.environ.get(RULES_ENVIRONMENT_VARIABLE)
    return Path(configured) if configured else REPOSITORY / "ledger" / "importregler.csv"


class BooksNotUsable(Exception):
    """The books lack what the importers need (an account role, the bankgiro number)."""


def read_books_setup(ledger: Path | None = None) -> tuple[AccountRoles, Chart, str]:
    """The books' account roles, chart and bankgiro number; BooksHaveErrors/BooksNotUsable if unusable."""
    entries, options = load_books(ledger or default_ledger())
    roles, _ = read_roles(entries, options)
    chart, _ = read_chart(entries, options)
    organisation, _ = read_organisation(entries)
    if organisation is None:
        raise BooksNotUsable('Bokföringen saknar föreningens uppgifter (custom "förening") med bankgironumret')
    return roles, chart, organisation.bankgiro


def build_config(ledger: Path | None = None) -> list[beangulp.Importer]:
    """The association's importers (the books and the rules file are looked up when this is called)."""
    roles, chart, bankgiro = read_books_setup(ledger)
    try:
        return [
            SwedbankImporter.for_books(rules_path(), roles, chart, series="A"),
            BgMaxImporter.for_books(bankgiro, roles, series="BG"),
            SieImporter(),
        ]
    except RoleMissingError as error:
        raise BooksNotUsable(str(error)) from error


def __getattr__(name: str) -> Any:
    """``CONFIG`` when imported as a module: built when asked for, so importing never loads the books."""
    if name == "CONFIG":
        return build_config()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if __name__ != "importers.config":  # run as a script (Fava): it reads CONFIG from the script's globals
    CONFIG: list[beangulp.Importer] = build_config()

HOOKS: list[Callable[[list[Any], Sequence[Any]], list[Any]]] = [number_imported_verifications]

_ARCHIVE_DESTINATION_OPTIONS = ("-o", "--destination")


def _archive_without_destination(argv: Sequence[str]) -> bool:
    if not argv or argv[0] != "archive":
        return False
    for argument in argv[1:]:
        if argument in _ARCHIVE_DESTINATION_OPTIONS or argument.startswith(("--destination=", "-o")):
            return False
        if argument in ("--help", "-h"):
            return False
    return True


def run(argv: list[str]) -> int:
    """Run beangulp's command line (identify, extract, archive) with ``argv``; return the exit status."""
    if _archive_without_destination(argv):
        argv = [argv[0], "--destination", str(DOCUMENTS), *argv[1:]]
    try:
        importers = build_config()
    except (BooksHaveErrors, BooksNotUsable) as error:
        print(f"Importen kan inte köras: {error}", file=sys.stderr)
        return 1
    cli = beangulp.Ingest(importers, HOOKS).cli
    # identify, extract and archive are beangulp's, made safe for the books (importers/safe_commands.py).
    cli.add_command(identify_command, "identify")
    cli.add_command(extract_command, "extract")
    cli.add_command(archive_command, "archive")
    try:
        result = cli.main(args=list(argv), prog_name="bergslaget import", standalone_mode=False)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(sys.argv[1:]))
