"""The books' Bankgiro payments are what importing the archived BgMax files gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Transaction

from conftest import LEDGER
from importers.config import run

ARCHIVE = LEDGER.parent / "dokument" / "Assets" / "1938-Bankgiroinbetalningar"


def bgmax_files(year: int) -> list[Path]:
    return sorted(ARCHIVE.glob(f"{year}-*.txt"))


def identity(entry: Transaction) -> tuple:
    cleared = {p.account: p.units.number for p in entry.postings}
    receivable = next(p for p in entry.postings if p.account == "Assets:1510-Kundfordringar")
    return (entry.date, entry.flag, entry.payee, entry.meta["ver"], entry.meta["bgc_id"], entry.meta["ocr"],
            frozenset(entry.links), tuple(sorted(cleared.items())), receivable.meta["motpart"])


def bankgiro_entries(entries) -> list[tuple]:
    return sorted(identity(e) for e in entries if isinstance(e, Transaction) and "bgc_id" in e.meta)


@pytest.fixture()
def books_without_bankgiro(tmp_path: Path) -> Path:
    """A copy of the books with both years' Bankgiro payments taken out."""
    copy = tmp_path / "ledger"
    shutil.copytree(LEDGER.parent, copy)
    for year in (2021, 2022):
        (copy / str(year) / "bankgiro.beancount").write_text("")
    return copy / "main.beancount"


def test_every_payment_day_has_its_archived_file(books):
    entries, _, _ = books
    days = {e.date for e in entries if isinstance(e, Transaction) and "bgc_id" in e.meta}
    assert {path.name[:10] for path in bgmax_files(2021) + bgmax_files(2022)} == {day.isoformat() for day in days}


def test_importing_the_archived_files_reproduces_the_books(books, books_without_bankgiro, tmp_path):
    output = tmp_path / "import.beancount"
    files = [str(path) for path in bgmax_files(2021) + bgmax_files(2022)]
    assert run(["extract", "-e", str(books_without_bankgiro), "-o", str(output), *files]) == 0
    imported, errors, _ = loader.load_string(output.read_text())
    assert not [e for e in imported if isinstance(e, Transaction) and e.flag == "!"]
    assert bankgiro_entries(imported) == bankgiro_entries(books[0])

    (books_without_bankgiro.parent / "2022" / "bankgiro.beancount").write_text(output.read_text())
    entries, errors, _ = loader.load_file(str(books_without_bankgiro))
    assert errors == []  # receivables cleared and 1938 zero: the year-end balance assertions hold


def test_a_second_import_of_a_days_file_adds_nothing(tmp_path):
    output = tmp_path / "import.beancount"
    day = bgmax_files(2022)[0]
    assert run(["extract", "-e", str(LEDGER), "-o", str(output), str(day)]) == 0
    uncommented = [line for line in output.read_text().splitlines() if line[:1].isdigit()]
    assert uncommented == []
    assert output.read_text().count("; duplicate of ") == 6


def test_a_damaged_file_is_refused_and_nothing_is_written(tmp_path, capsys):
    damaged = tmp_path / "2022-03-09.bgmax.txt"
    records = bgmax_files(2022)[1].read_bytes().decode("iso-8859-1").split("\r\n")
    # TK15: the deposit's amount (positions 51-68) no longer equals its payments.
    records = [r[:50] + "000000000000000001" + r[68:] if r.startswith("15") else r for r in records]
    damaged.write_bytes("\r\n".join(records).encode("iso-8859-1"))
    output = tmp_path / "import.beancount"
    assert run(["extract", "-e", str(LEDGER), "-o", str(output), str(damaged)]) != 0
    assert not output.exists() or "Assets:1510" not in output.read_text()
    message = capsys.readouterr()
    assert "TK15" in message.out + message.err
