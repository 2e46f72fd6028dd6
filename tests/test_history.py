"""`bergslaget history`: the commits that touched a verification, from a temporary git repository."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest

from bergslaget_plugins import cli
from ledgers import ledger_text

BANK = """
2022-01-10 * "Walborg" "Betalning"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  100 SEK
  Assets:1930-Företagskonto

2022-01-11 * "Triatech" "Support"
  ver: "A2"
  Expenses:6990-Övriga-externa-kostnader  200 SEK
  Assets:1930-Företagskonto
"""


def git(folder: Path, *arguments: str, author: str = "Bodil Bokförare <bodil@example.org>") -> None:
    name, _, email = author.partition(" <")
    environment = {**os.environ, "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email.rstrip(">"),
                   "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email.rstrip(">"), "GIT_CONFIG_NOSYSTEM": "1",
                   "HOME": str(folder)}
    subprocess.run(["git", "-C", str(folder), *arguments], check=True, capture_output=True, env=environment)


def books(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    main = folder / "main.beancount"
    main.write_text(ledger_text('include "bank.beancount"\n', plugins='plugin "bergslaget_plugins.verification_numbers"\n'),
                    encoding="utf-8")
    (folder / "bank.beancount").write_text(BANK, encoding="utf-8")
    return main


def history(main: Path, ver: str, *options: str) -> tuple[int, str]:
    out = io.StringIO()
    return cli.main(["history", ver, str(main), *options], out=out), out.getvalue()


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    main = books(tmp_path / "bocker")
    git(tmp_path / "bocker", "init", "-q")
    git(tmp_path / "bocker", "add", ".")
    git(tmp_path / "bocker", "commit", "-q", "-m", "Januari bokförd")
    bank = main.parent / "bank.beancount"
    bank.write_text(BANK.replace("200 SEK", "250 SEK"), encoding="utf-8")
    git(tmp_path / "bocker", "commit", "-q", "-am", "A2: rätt belopp enligt fakturan", author="Rut Revisor <rut@example.org>")
    bank.write_text(BANK.replace("200 SEK", "250 SEK").replace('"Betalning"', '"Betalning faktura 17"'), encoding="utf-8")
    git(tmp_path / "bocker", "commit", "-q", "-am", "A1: fakturanummer i texten")
    return main


def test_history_lists_each_commit_that_touched_the_verification(repository):
    code, text = history(repository, "A2")
    assert code == 0
    assert text.startswith("Ändringshistorik för verifikation A2 (2022): bank.beancount, rad 7–10")
    assert "2 incheckningar har ändrat raderna." in text
    assert "Meddelande: A2: rätt belopp enligt fakturan" in text and "Författare: Rut Revisor <rut@example.org>" in text
    assert "Meddelande: Januari bokförd" in text and "Författare: Bodil Bokförare <bodil@example.org>" in text
    assert "-  Expenses:6990-Övriga-externa-kostnader  200 SEK" in text
    assert "+  Expenses:6990-Övriga-externa-kostnader  250 SEK" in text
    assert "fakturanummer" not in text  # a commit that touched only A1
    assert text.index("rätt belopp") < text.index("Januari bokförd")  # newest first, as git log
    assert "Datum:      20" in text


def test_history_of_the_other_verification(repository):
    code, text = history(repository, "A1", "--year", "2022")
    assert code == 0
    assert "Meddelande: A1: fakturanummer i texten" in text and "rätt belopp" not in text
    assert "Obs:" not in text


def test_uncommitted_changes_are_mentioned(repository):
    bank = repository.parent / "bank.beancount"
    bank.write_text(bank.read_text(encoding="utf-8").replace("Support", "Support januari"), encoding="utf-8")
    code, text = history(repository, "A2")
    assert code == 0 and "inte är incheckade" in text


def test_books_outside_a_repository_get_a_clear_message(tmp_path, capsys):
    main = books(tmp_path / "utan-git")
    assert history(main, "A1")[0] == 1
    error = capsys.readouterr().err
    assert "ligger inte i ett git-arkiv" in error and "Traceback" not in error


def test_an_unknown_verification_and_an_ambiguous_one(repository, capsys):
    assert history(repository, "A9")[0] == 1
    assert "Verifikation A9 finns inte i böckerna" in capsys.readouterr().err
    bank = repository.parent / "bank.beancount"
    bank.write_text(bank.read_text(encoding="utf-8") + '\n2023-01-10 * "Walborg" "Betalning"\n  ver: "A1"\n'
                    '  Expenses:6990-Övriga-externa-kostnader  100 SEK\n  Assets:1930-Företagskonto\n', encoding="utf-8")
    assert history(repository, "A1")[0] == 1
    assert "finns i flera år (2022, 2023); ange --year" in capsys.readouterr().err
