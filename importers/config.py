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

from importers.bgmax import BgMaxImporter  # noqa: E402
from importers.numbering import number_verifications  # noqa: E402
from importers.sie import SieImporter  # noqa: E402
from importers.swedbank import SwedbankImporter  # noqa: E402

RULES_ENVIRONMENT_VARIABLE = "BERGSLAGET_IMPORTREGLER"
BANKGIRO = "5844-9216"
BANK_ACCOUNT = "Assets:1930-Företagskonto"
BANKGIRO_CLEARING_ACCOUNT = "Assets:1938-Bankgiroinbetalningar"
RECEIVABLES_ACCOUNT = "Assets:1510-Kundfordringar"
SUSPENSE_ACCOUNT = "Liabilities:2999-OBS-konto"
#: Where ``archive`` files documents unless told otherwise: the ledger's ``documents`` folder.
DOCUMENTS = REPOSITORY / "ledger" / "dokument"


def rules_path() -> Path:
    """The rules file: ``$BERGSLAGET_IMPORTREGLER`` or ``ledger/importregler.csv`` in the repository."""
    configured = os.environ.get(RULES_ENVIRONMENT_VARIABLE)
    return Path(configured) if configured else REPOSITORY / "ledger" / "importregler.csv"


def build_config() -> list[beangulp.Importer]:
    """The association's importers (the rules file is looked up when this is called)."""
    return [
        SwedbankImporter(
            rules_path=rules_path(),
            bank_account=BANK_ACCOUNT,
            suspense_account=SUSPENSE_ACCOUNT,
            series="A",
        ),
        BgMaxImporter(
            bankgiro=BANKGIRO,
            clearing_account=BANKGIRO_CLEARING_ACCOUNT,
            receivables_account=RECEIVABLES_ACCOUNT,
            suspense_account=SUSPENSE_ACCOUNT,
            series="BG",
        ),
        SieImporter(),
    ]


CONFIG: list[beangulp.Importer] = build_config()

HOOKS: list[Callable[[list[Any], Sequence[Any]], list[Any]]] = [number_verifications]

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
    cli = beangulp.Ingest(build_config(), HOOKS).cli
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
