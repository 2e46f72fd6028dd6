"""The year goes round, in a copy of the real books (tmp_path): a new year is opened, its
first entries are booked, and the closed year's report stays exactly as published."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from beancount import loader

from bergslaget_plugins.statements import build_annual_report
from conftest import REPOSITORY

BERGSLAGET = Path(sys.executable).parent / "bergslaget"

BANK_FEE_2023 = """
2023-01-10 * "Swedbank" "Bankavgift januari 2023"
  ver: "A1"
  Expenses:6570-Bankkostnader  125 SEK
  Assets:1930-Företagskonto  -125 SEK
"""


@pytest.fixture
def books_copy(tmp_path: Path) -> Path:
    """A copy of ledger/ (the books only, no repository files): its main.beancount."""
    shutil.copytree(REPOSITORY / "ledger", tmp_path / "ledger")
    return tmp_path / "ledger" / "main.beancount"


def add_file(main: Path, relative: str, text: str) -> Path:
    path = main.parent / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)
    return path


def run_bergslaget(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BERGSLAGET), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_a_january_bank_fee_leaves_the_books_clean_and_last_year_exact(books, books_copy):
    """Found defect: one bank fee dated 2023-01-10 made the fee plugin invoice 2023, whose
    population figures are not in yet, so bean-check failed and the 2022 report refused."""
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023)
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    assert not [e for e in entries if getattr(e, "meta", {}).get("avgiftsar") == 2023]
    original_entries, _, original_options = books
    assert build_annual_report(entries, options, 2022) == build_annual_report(original_entries, original_options, 2022)
    printed = run_bergslaget("report", str(books_copy), "--year", "2022")
    original = run_bergslaget("report", "--year", "2022")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == original.stdout
    check = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(books_copy)],
                           capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stderr


def test_the_fee_year_is_invoiced_once_the_books_reach_its_invoice_date(books_copy):
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023 + BANK_FEE_2023.replace("01-10", "02-15").replace("A1", "A2"))
    _, errors, _ = loader.load_file(str(books_copy))
    assert errors and all("folkmängd per 2022-12-31 saknas" in error.message or "KPI" in error.message for error in errors)


def test_a_pending_entry_does_not_make_the_fee_year_due(books_copy):
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023 + BANK_FEE_2023.replace(
        "2023-01-10 *", "2023-05-12 !").replace("A1", "A2"))
    _, errors, _ = loader.load_file(str(books_copy))
    assert errors == []
