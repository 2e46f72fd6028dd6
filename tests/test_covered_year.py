"""Every command with ``--year`` refuses a year the books do not cover, with one message (issue 12)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bergslaget_plugins.cli import main

LEDGER = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"


@pytest.mark.parametrize("command", [
    ["report"],
    ["journal"],
    ["ledger"],
    ["trial-balance"],
    ["sie", "export"],
    ["check"],
    ["invoices", "-o", "{tmp}"],
])
def test_a_year_outside_the_books_is_refused_with_the_books_years(tmp_path: Path, capsys, command) -> None:
    arguments = [part.replace("{tmp}", str(tmp_path / "ut")) for part in command]
    out = io.StringIO()
    status = main([*arguments[:2 if arguments[0] == "sie" else 1], str(LEDGER), "--year", "1999",
                   *arguments[2 if arguments[0] == "sie" else 1:]], out)
    err = capsys.readouterr().err
    assert status == 2, (status, err, out.getvalue())
    assert "året 1999 finns inte i den" in err and "Bokföringen omfattar 20" in err, err
    assert "Traceback" not in err and out.getvalue() == ""
    assert not (tmp_path / "ut").exists()
