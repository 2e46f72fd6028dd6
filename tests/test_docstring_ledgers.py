"""The ledger examples in the plugin modules' docstrings (their ``::`` literal blocks) run.

Each plugin module's docstring is the user's documentation and shows ledgers: an input
ledger and what it "gives". Here every such example is written as ``main.beancount`` in a
folder of its own and loaded with Beancount's loader (the plugin line the docstring
shows, plus the context named in ``EXAMPLES``: the accounts with their roles, which the
docstring refers to rather than repeats, and any file it names beside the ledger). The
shown result must be among the loaded entries (date, narration, postings, metadata), and
each shown error (``main.beancount:3: message``) must be reported at that file and line
with that message, so an example cannot drift from what the plugin does.
"""

from __future__ import annotations

import ast
import datetime
import importlib
import inspect
import os
import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import pytest
from beancount import loader
from beancount.core.data import Directive, Document, Transaction
from beancount.parser import parser

from bergslaget_plugins.locked_figures import report_figures
from bergslaget_plugins.locking import chain_end_text, covered_verifications, record_text, verification_digest
from bergslaget_plugins.roles import ROLES
from bergslaget_plugins.statements import build_annual_report

OPTIONS = """\
option "operating_currency" "SEK"
option "account_previous_earnings" "2069-Årets-resultat"
option "account_current_earnings" "2069-Årets-resultat"
"""


def literal_blocks(docstring: str) -> list[str]:
    """The docstring's literal blocks (the indented text after a line ending in ``::``),
    dedented, in order."""
    lines = docstring.splitlines()
    blocks: list[str] = []
    index = 0
    while index < len(lines):
        if not lines[index].rstrip().endswith("::"):
            index += 1
            continue
        marker_indent = len(lines[index]) - len(lines[index].lstrip())
        index += 1
        block: list[str] = []
        while index < len(lines):
            line = lines[index]
            if line.strip() and len(line) - len(line.lstrip()) <= marker_indent:
                break
            block.append(line)
            index += 1
        blocks.append(textwrap.dedent("\n".join(block)).strip("\n") + "\n")
    return blocks


def module_docstring(module_name: str) -> str:
    source = inspect.getsource(importlib.import_module(module_name))
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, module_name
    return docstring


@dataclass(frozen=True)
class Example:
    """How a module's docstring example runs: the literal blocks that together are the
    input ledger (by position), the block shown as its result (if any), and the context
    the docstring refers to but does not repeat (accounts with their roles, rates)."""

    module: str
    inputs: tuple[int, ...]
    result: int | None = None
    context: str = ""
    #: Files the docstring names beside the ledger: path relative to its folder → content.
    files: Mapping[str, bytes] = field(default_factory=dict)
    #: What the books held before the example, made by the project's own code once
    #: ``main.beancount`` is written (a lock record of the year as it was).
    prepare: Callable[[Path], None] | None = None


PENSION_TAX_CONTEXT = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Liabilities:2943-Beräknad-särskild-löneskatt SEK
  roll: "beräknad-särskild-löneskatt"
2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK
  roll: "pensionspremier"
2020-01-01 open Expenses:7533-Särskild-löneskatt-pension SEK
  roll: "särskild-löneskatt"
2022-06-30 * "Folksam" "Pensionspremier"
  Expenses:7411-Pensionsförsäkringspremier   343961 SEK
  Assets:1930-Företagskonto                 -343961 SEK
"""

YEAR_END_CONTEXT = """\
2020-01-01 open Equity:2067-Balanserat-resultat SEK
2020-01-01 open Equity:2069-Årets-resultat SEK
"""

MEMBERSHIP_FEES_ACCOUNT = """\
2020-01-01 open Income:3994-Medlemsavgifter SEK
"""

BANK_AND_FEES_ACCOUNTS = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Income:3994-Medlemsavgifter SEK
"""

ACCRUALS_CONTEXT = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Assets:1710-Förutbetalda-hyreskostnader SEK
  roll: "förutbetalda-hyreskostnader"
2020-01-01 open Assets:1790-Övriga-förutbetalda-kostnader SEK
  roll: "förutbetalda-kostnader, upplupna-intäkter"
2020-01-01 open Liabilities:2970-Förutbetalda-intäkter SEK
  roll: "förutbetalda-intäkter"
2020-01-01 open Liabilities:2990-Övriga-upplupna-kostnader SEK
  roll: "upplupna-kostnader"
2020-01-01 open Liabilities:2440-Leverantörsskulder SEK
2020-01-01 open Expenses:5010-Lokalhyra SEK
  roll: "lokalhyra"
2020-01-01 open Expenses:6590-Övriga-externa-tjänster SEK
"""

# The other spelling, "(3 konteringar)" as the message says: three invoices from SPP.
COUNTERPARTIES_CONTEXT = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Liabilities:2440-Leverantörsskulder SEK
2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK
""" + "".join(
    f"""\
2022-0{month}-01 * "SPP" "Faktura"
  Expenses:7411-Pensionsförsäkringspremier  100 SEK
  Liabilities:2440-Leverantörsskulder  -100 SEK
    motpart: "SPP Pension och Försäkring"
"""
    for month in (1, 2, 3)
)

HOLIDAY_PAY_CONTEXT = """\
2020-01-01 open Liabilities:2920-Upplupna-semesterlöner SEK
  roll: "semesterlöneskuld"
2020-01-01 open Liabilities:2941-Beräknade-sociala-avgifter SEK
  roll: "beräknade-sociala-avgifter"
2020-01-01 open Expenses:7290-Förändring-semesterlöneskuld SEK
  roll: "förändring-semesterlöneskuld"
2020-01-01 open Expenses:7519-Sociala-avgifter-semesterlöneskuld SEK
  roll: "sociala-avgifter-semesterlöneskuld"
2021-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
"""

# The equity account the options name (OPTIONS) must be in the chart with its line.
EQUITY_LINE = """\
2020-01-01 custom "rapportrad" "Eget kapital" "Årets resultat"
2020-01-01 open Equity:2069-Årets-resultat SEK
  namn: "Årets resultat"
  rad: "Årets resultat"
"""

BANK_AND_RENT_ACCOUNTS = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Expenses:5010-Lokalhyra SEK
"""

RECEIVABLES_CONTEXT = """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Assets:1510-Kundfordringar SEK
  roll: "kundfordringar"
2020-01-01 open Income:3994-Medlemsavgifter SEK
"""

# The archived copy the invoice_documents example names (any bytes: Beancount finds the file by its name).
INVOICE_COPY = {"dokument/Assets/1510-Kundfordringar/2022-02-15.faktura-2022101.pdf": b"%PDF-1.4\n%%EOF\n"}

# The text the report_parts_check example names beside the ledger.
ADMINISTRATION_REPORT = {"forvaltningsberattelse.md": "Föreningen har under året …\n".encode()}

def accounts_playing_roles_except(*shown: str) -> str:
    """An account of its own for each role in the chart other than ``shown`` (the roles an
    example is about), so that no other role is reported missing."""
    return "".join(
        f'2020-01-01 open Assets:9{index:03d}-Konto SEK\n  roll: "{role.name}"\n'
        for index, role in enumerate(ROLES) if role.name not in shown
    )


LEDGER_FOLDER = Path(__file__).resolve().parent.parent / "ledger"

# The rules example's context: the association's own chart (every role, every report line) and rates.
CHART_AND_RATES = f"""\
include "{LEDGER_FOLDER / 'kontoplan.beancount'}"
include "{LEDGER_FOLDER / 'satser.beancount'}"
"""


# The membership_fees example's context: the register example of fees.py (a member, its
# population, KPI and the fee rule) and the accounts of the roles it books on.
FEE_REGISTER_AND_ACCOUNTS = literal_blocks(module_docstring("bergslaget_plugins.fees"))[0] + """\
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Assets:1510-Kundfordringar SEK
  roll: "kundfordringar"
2020-01-01 open Income:3994-Medlemsavgifter SEK
  roll: "medlemsavgifter"
2020-01-01 open Expenses:5010-Lokalhyra SEK
"""


# The lock_check example's books: a chart the annual report can be made from (the year's
# record holds its figures), and the record of 2022 that the example names.
LOCKED_BOOKS_CONTEXT = """\
2020-01-01 custom "rapportrad" "Kostnader" "Övriga externa kostnader"
2020-01-01 custom "rapportrad" "Tillgångar" "Kassa och bank"
2020-01-01 custom "rapportrad" "Eget kapital" "Årets resultat"
2020-01-01 open Expenses:5010-Lokalhyra SEK
  namn: "Lokalhyra"
  rad: "Övriga externa kostnader"
2020-01-01 open Assets:1930-Företagskonto SEK
  namn: "Företagskonto"
  rad: "Kassa och bank"
2020-01-01 open Equity:2069-Årets-resultat SEK
  namn: "Årets resultat"
  rad: "Årets resultat"
include "2022/las.beancount"
"""


def locked_as_it_was(year: int, changed: str, original: str) -> Callable[[Path], None]:
    """Lock ``year`` of the books as they were before ``original`` became ``changed``: the
    record as ``bergslaget lock`` writes it (the verifications' digests and the annual
    report's figures, by the project's lock code) in ``YEAR/las.beancount``, with the chain's end."""

    def lock(main: Path) -> None:
        changed_text = main.read_text(encoding="utf-8")
        assert changed in changed_text, changed
        record = main.parent / str(year) / "las.beancount"
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("", encoding="utf-8")
        main.write_text(changed_text.replace(changed, original), encoding="utf-8")
        entries, errors, options = loader.load_file(str(main))
        assert errors == [], errors
        figures = report_figures(build_annual_report(entries, options, year))
        digests = {key: verification_digest(entry) for key, entry in covered_verifications(entries, None, year).items()}
        locked_on = datetime.date(year + 1, 4, 10)
        text, digest = record_text(year, locked_on, None, 0, digests, figures)
        record.write_text(text + chain_end_text(year, digest, locked_on), encoding="utf-8")
        main.write_text(changed_text, encoding="utf-8")

    return lock


EXAMPLES = [
    # Block 0 the rate and year-end, block 2 the plugin line; block 1 what they give,
    # with the premiums the docstring names ("premiums of 343 961 kr on 7411").
    Example("bergslaget_plugins.pension_tax", inputs=(2, 0), result=1, context=PENSION_TAX_CONTEXT),
    # The plugin line with the year-end, the options and the disposition: no errors.
    Example("bergslaget_plugins.year_end", inputs=(0, 2), context=YEAR_END_CONTEXT),
    # Accruals: the prepaid rent (block 0) gives block 1, the accrued cost (block 2)
    # gives block 3; block 4 is the plugin line with its setting.
    Example("bergslaget_plugins.accruals", inputs=(4, 0), result=1, context=ACCRUALS_CONTEXT),
    Example("bergslaget_plugins.accruals", inputs=(4, 2), result=3, context=ACCRUALS_CONTEXT),
    # Holiday pay: the year-end lines (block 0) give block 1; block 2 the plugin line.
    Example("bergslaget_plugins.holiday_pay", inputs=(2, 0), result=1, context=HOLIDAY_PAY_CONTEXT),
    Example("bergslaget_plugins.chart_of_accounts", inputs=(0,), context=EQUITY_LINE),
    Example("bergslaget_plugins.verification_numbers", inputs=(0,), context=BANK_AND_RENT_ACCOUNTS),
    # Examples that show a ledger and the error bean-check gives for it, at its line.
    Example("bergslaget_plugins.custom_values", inputs=(0,)),
    Example("bergslaget_plugins.spelling", inputs=(0,)),
    Example("bergslaget_plugins.budget_check", inputs=(0,), context=MEMBERSHIP_FEES_ACCOUNT),
    Example("bergslaget_plugins.markup", inputs=(0,), context=BANK_AND_FEES_ACCOUNTS),
    Example("bergslaget_plugins.counterparties", inputs=(0,), context=COUNTERPARTIES_CONTEXT),
    # An invoice number booked twice (block 0); a payment of two invoices (block 1).
    Example("bergslaget_plugins.invoice_numbers", inputs=(0,), context=RECEIVABLES_CONTEXT),
    Example("bergslaget_plugins.invoice_numbers", inputs=(1,), context=RECEIVABLES_CONTEXT),
    # The invoice (block 0) and its archived copy on disk give the linked document (block 1).
    Example("bergslaget_plugins.invoice_documents", inputs=(0,), result=1, context=RECEIVABLES_CONTEXT,
            files=INVOICE_COPY),
    # The board, the auditor and a text beside the ledger pass (block 0); mistakes (block 1).
    Example("bergslaget_plugins.report_parts_check", inputs=(0,), files=ADMINISTRATION_REPORT),
    Example("bergslaget_plugins.report_parts_check", inputs=(1,)),
    # A role twice, an unknown role and so a role missing (block 0); a role given by the settings (block 1).
    Example("bergslaget_plugins.account_roles", inputs=(0,),
            context=accounts_playing_roles_except("kundfordringar", "obs-konto")),
    Example("bergslaget_plugins.account_roles", inputs=(1,), context=accounts_playing_roles_except("obs-konto")),
    # The plugin line and a rent payment past the invoice date (block 0), with the register of
    # fees.py, give Storfors kommun's invoice (block 1).
    Example("bergslaget_plugins.membership_fees", inputs=(0,), result=1, context=FEE_REGISTER_AND_ACCOUNTS),
    # A verification of a locked year changed after the lock (made by the test from the text before).
    Example("bergslaget_plugins.lock_check", inputs=(0,), context=LOCKED_BOOKS_CONTEXT,
            prepare=locked_as_it_was(2022, "Hyra februari", "Hyra januari")),
    # All the rules on one line: the pension premium and the year-end (block 1) give block 2.
    Example("bergslaget_plugins.rules", inputs=(1,), result=2, context=CHART_AND_RATES),
]


# Plugin modules whose docstring blocks are not (yet) a complete example, and why (none
# today). Each would be a known gap, named here so that a new plugin module cannot go
# unchecked silently.
NOT_RUN: dict[str, str] = {}

PLUGIN_PACKAGE = Path(__file__).resolve().parent.parent / "bergslaget_plugins"


def test_every_plugin_module_example_runs_or_is_named_as_not_run() -> None:
    plugin_modules = {
        path.stem for path in PLUGIN_PACKAGE.glob("*.py") if "__plugins__" in path.read_text(encoding="utf-8")
    }
    run = {example.module.rsplit(".", 1)[-1] for example in EXAMPLES}
    assert plugin_modules == run | set(NOT_RUN), (plugin_modules - run - set(NOT_RUN), (run | set(NOT_RUN)) - plugin_modules)
    assert not run & set(NOT_RUN)


def example_id(example: Example) -> str:
    return example.module.rsplit(".", 1)[-1]


SHOWN_ERROR = re.compile(r"^(?P<file>[\w./-]+\.beancount):(?P<lineno>\d+): (?P<message>.*)$")


@dataclass(frozen=True)
class ShownError:
    """An error line the docstring shows (``main.beancount:3: message``, the message
    possibly continued on the following lines)."""

    filename: str
    lineno: int
    message: str


def split_shown_errors(block: str) -> tuple[str, list[ShownError]]:
    """The block's ledger text (without the error lines, as the docstring counts lines)
    and its shown errors."""
    ledger_lines: list[str] = []
    shown: list[ShownError] = []
    continuing = False
    for line in block.splitlines():
        found = SHOWN_ERROR.match(line)
        if found:
            shown.append(ShownError(found["file"], int(found["lineno"]), found["message"]))
            continuing = True
        elif continuing and line.strip() and not line[:1].isdigit():
            last = shown[-1]
            shown[-1] = ShownError(last.filename, last.lineno, f"{last.message} {line.strip()}")
        else:
            continuing = False
            ledger_lines.append(line)
    return "\n".join(ledger_lines) + "\n", shown


def example_ledger(example: Example) -> tuple[str, list[ShownError], list[str]]:
    """The example's ledger: its input blocks first as shown (so that the line numbers the
    docstring shows are the ledger's), then the options and the named context."""
    blocks = literal_blocks(module_docstring(example.module))
    texts: list[str] = []
    shown: list[ShownError] = []
    for index in example.inputs:
        text, errors = split_shown_errors(blocks[index])
        texts.append(text)
        shown += errors
    return "\n".join([*texts, OPTIONS, example.context]), shown, blocks


def posting_key(entry: Transaction) -> list[tuple[str, object, object]]:
    return sorted((posting.account, posting.units.number, posting.units.currency) for posting in entry.postings)


def posting_meta(entry: Transaction) -> dict[str, dict[str, object]]:
    """Each posting's metadata as written (by account)."""
    return {
        posting.account: {key: value for key, value in (posting.meta or {}).items() if key not in ("filename", "lineno")}
        for posting in entry.postings
    }


def shown_meta(entry: Directive) -> dict[str, object]:
    return {key: value for key, value in entry.meta.items() if key not in ("filename", "lineno")}


def is_shown_entry(expected: Directive, found: Directive) -> bool:
    """``found`` is the entry the docstring shows as ``expected`` (a transaction or a document)."""
    if type(found) is not type(expected) or found.date != expected.date:
        return False
    if isinstance(expected, Document):
        assert isinstance(found, Document)
        return found.account == expected.account and found.filename == expected.filename
    assert isinstance(expected, Transaction) and isinstance(found, Transaction)
    return (found.narration == expected.narration and found.payee == expected.payee
            and posting_key(found) == posting_key(expected))


def load_example(example: Example, folder: Path) -> tuple[list[Directive], list[tuple[str, int, str]], list[ShownError], list[str]]:
    """Write the example's ledger as ``folder/main.beancount`` (with the files it names) and
    load it: the entries, the errors as (file relative to the folder, line, message, with
    the folder left out of any place it names), the shown errors and the docstring's blocks."""
    text, shown_errors, blocks = example_ledger(example)
    for name, content in example.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    main = folder / "main.beancount"
    main.write_text(text, encoding="utf-8")
    if example.prepare is not None:
        example.prepare(main)
    entries, errors, _ = loader.load_file(str(main))
    located = [
        (os.path.relpath(str(error.source["filename"]), folder), int(error.source["lineno"]),
         " ".join(error.message.replace(f"{folder}{os.sep}", "").split()))
        for error in errors
    ]
    return entries, located, shown_errors, blocks


@pytest.mark.parametrize("example", EXAMPLES, ids=example_id)
def test_docstring_example_runs_and_gives_what_it_shows(example: Example, tmp_path: Path) -> None:
    entries, errors, shown_errors, blocks = load_example(example, tmp_path)
    for shown_error in shown_errors:
        assert (shown_error.filename, shown_error.lineno, " ".join(shown_error.message.split())) in errors, (
            shown_error, errors)
    assert len(errors) == len(shown_errors), errors
    if example.result is None:
        return
    shown, parse_errors, _ = parser.parse_string(blocks[example.result], report_filename=str(tmp_path / "main.beancount"))
    assert parse_errors == [] and shown, blocks[example.result]
    for expected in shown:
        matches = [entry for entry in entries if is_shown_entry(expected, entry)]
        assert matches, (expected, [entry for entry in entries if entry.date == expected.date])
        found = matches[0]
        assert (getattr(expected, "links", None) or set()) <= (getattr(found, "links", None) or set()), (expected, found)
        for key, value in shown_meta(expected).items():
            assert found.meta.get(key) == value, (key, value, found.meta.get(key))
        if isinstance(expected, Transaction):
            assert isinstance(found, Transaction)
            for account, meta in posting_meta(expected).items():
                for key, value in meta.items():
                    assert posting_meta(found)[account].get(key) == value, (account, key, value)


def test_literal_blocks_are_found_with_their_indentation_removed() -> None:
    docstring = "Intro::\n\n    a\n      b\n\nText.\n\n    not a block\n\nMore::\n\n    c\n"
    assert literal_blocks(docstring) == ["a\n  b\n", "c\n"]
