"""Files are never lost, overwritten or half-written by ``bergslaget import``, and every file
that is not imported says why (issue 12). Real importers, real files, real books."""

from __future__ import annotations

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import shutil  # noqa: E402
import threading  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from importers.config import run  # noqa: E402
from importers.safe_commands import move_without_overwriting  # noqa: E402
from test_import_cli import BGMAX, REPOSITORY, books_file, day_files  # noqa: E402

LEDGER = REPOSITORY / "ledger" / "main.beancount"


def _documents(tmp_path: Path) -> Path:
    documents = tmp_path / "dokument"
    documents.mkdir()
    return documents


def test_archive_files_only_what_extracts_cleanly(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "BGMAX_trasig.txt"
    shutil.copy(BGMAX / "trasiga" / "tk70_antal.txt", broken)
    documents = _documents(tmp_path)
    assert run(["archive", "-o", str(documents), str(broken)]) == 1
    assert broken.exists()
    assert not any(path.is_file() for path in documents.rglob("*"))
    assert "slutposten anger 9 betalningsposter" in capsys.readouterr().err


def test_archive_refuses_overwrite_flag(tmp_path: Path, capsys) -> None:
    _, statement = day_files(tmp_path)
    assert run(["archive", "-f", "-o", str(_documents(tmp_path)), str(statement)]) != 0
    assert statement.exists()


def test_move_without_overwriting_never_replaces_a_target(tmp_path: Path) -> None:
    first, second, target = tmp_path / "a", tmp_path / "b", tmp_path / "arkiv" / "x.txt"
    first.write_text("första\n")
    second.write_text("andra\n")
    move_without_overwriting(str(first), str(target))
    with pytest.raises(FileExistsError):
        move_without_overwriting(str(second), str(target))
    assert target.read_text() == "första\n" and second.exists() and not first.exists()


def test_two_concurrent_archive_runs_do_not_both_file_one_statement(tmp_path: Path) -> None:
    inbox_a, inbox_b = tmp_path / "a", tmp_path / "b"
    inbox_a.mkdir()
    inbox_b.mkdir()
    _, statement_a = day_files(inbox_a)
    _, statement_b = day_files(inbox_b)
    statement_b.write_bytes(statement_b.read_bytes().replace(b"PRIS BANKGIRO", b"PRIS BANKGIRO2"))
    documents = _documents(tmp_path)
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def archive(name: str, statement: Path) -> None:
        barrier.wait()
        results[name] = run(["archive", "-q", "-o", str(documents), str(statement)])

    threads = [threading.Thread(target=archive, args=(name, path)) for name, path in (("a", statement_a), ("b", statement_b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    filed = [path for path in documents.rglob("*") if path.is_file()]
    assert len(filed) == 1
    assert sorted(results.values()) == [0, 1], results
    loser = statement_b if results["a"] == 0 else statement_a
    assert loser.exists(), "the statement that was not filed stays where it was"


def test_extract_refuses_to_write_over_a_file_of_the_books(tmp_path: Path, capsys) -> None:
    bgmax_path, _ = day_files(tmp_path)
    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    bank = folder / "2022" / "bank.beancount"
    before = bank.read_bytes()
    assert run(["extract", "-e", str(folder / "main.beancount"), "-o", str(bank), str(bgmax_path)]) != 0
    assert bank.read_bytes() == before
    assert "är en fil i bokföringen" in capsys.readouterr().err


def test_extract_with_errors_writes_nothing_and_keeps_the_older_output(tmp_path: Path, capsys) -> None:
    books = books_file(tmp_path)
    output = tmp_path / "nya.beancount"
    output.write_text("; tidigare körning\n")
    broken = tmp_path / "tk70_antal.txt"
    shutil.copy(BGMAX / "trasiga" / "tk70_antal.txt", broken)
    bgmax_path, _ = day_files(tmp_path)
    assert run(["extract", "-e", str(books), "-o", str(output), str(bgmax_path), str(broken)]) == 1
    assert output.read_text() == "; tidigare körning\n"
    assert "Inget skrevs till" in capsys.readouterr().err


def test_extract_writes_the_output_atomically(tmp_path: Path, monkeypatch) -> None:
    books = books_file(tmp_path)
    bgmax_path, _ = day_files(tmp_path)
    output = tmp_path / "nya.beancount"
    output.write_text("; tidigare körning\n")
    import bergslaget_plugins.atomic_file as atomic_file

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the run is stopped mid-write

    monkeypatch.setattr(atomic_file.os, "replace", killed)
    assert run(["extract", "-e", str(books), "-o", str(output), str(bgmax_path)]) == 1  # click: Abort
    assert output.read_text() == "; tidigare körning\n"
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".nya")] == []
    monkeypatch.undo()
    assert run(["extract", "-e", str(books), "-o", str(output), str(bgmax_path)]) == 0
    assert "Storfors kommun" in output.read_text()


def test_extract_refuses_to_deduplicate_against_books_with_errors(tmp_path: Path, capsys) -> None:
    books = books_file(tmp_path, extra="\n2022-03-01 * \"trasig\n")
    bgmax_path, _ = day_files(tmp_path)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-e", str(books), "-o", str(output), str(bgmax_path)]) != 0
    assert not output.exists()
    assert "kan inte läsas helt" in capsys.readouterr().err


@pytest.mark.parametrize("name, content, words", [
    ("tom.txt", b"", "tom"),
    ("binar.txt", bytes(range(256)) * 4, "binär"),
    ("utf16.csv", "Radnr,Clnr,Kontonr\r\n1,2,3\r\n".encode("utf-16"), "UTF-16"),
    ("semikolon.csv", "Radnr;Clnr;Kontonr;Produkt;Valuta;Bokfdag\r\n1;8327-9;923456789;Företagskonto;SEK;2022-03-15\r\n"
     .encode("cp1252"), "semikolon"),
    ("stor.txt", b"01" + b" " * (8 * 1024 * 1024 + 10), "för stor"),
])
def test_files_not_imported_say_why_and_exit_non_zero(tmp_path: Path, capsys, name, content, words) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    books = books_file(tmp_path)
    assert run(["extract", "-e", str(books), str(path)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_cr_only_bgmax_file_is_reported_once_with_the_reason(tmp_path: Path, capsys) -> None:
    bgmax_path, _ = day_files(tmp_path)
    cr_only = tmp_path / "BGMAX_cr.txt"
    cr_only.write_bytes(bgmax_path.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    books = books_file(tmp_path)
    assert run(["extract", "-e", str(books), str(cr_only)]) == 1
    err = capsys.readouterr().err
    assert "slutar bara med CR" in err and "filen är tom" not in err and "U+000D" not in err, err


@pytest.mark.parametrize("name, content, words", [
    ("tom.txt", b"", "tom"),
    ("binar.txt", bytes(range(256)) * 4, "binär"),
    ("stor.txt", b"01" + b" " * (8 * 1024 * 1024 + 10), "för stor"),
])
def test_identify_says_why_a_file_is_not_imported_and_exits_non_zero(tmp_path: Path, capsys, name, content,
                                                                      words) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert run(["identify", str(path)]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and "SKIP" not in err, err


def test_identify_names_the_importer_of_a_recognised_file(tmp_path: Path, capsys) -> None:
    bgmax_path, _ = day_files(tmp_path)
    assert run(["identify", str(bgmax_path)]) == 0
    assert f"* {bgmax_path} ... OK\n  importers.bgmax.BgMaxImporter" in capsys.readouterr().out
