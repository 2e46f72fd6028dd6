"""The markup and spelling rules read the books' files to skip the entries that cannot be wrong
(bergslaget_plugins/source_text.py); they report exactly what the walk over every entry reports.

Each ledger here is written to files and loaded twice with the real loader and plugins: with
the files' text trusted (as for books not changed since the process started) and without (the
walk over every entry, as before); the errors and the entries must be the same, and the
tests check that the text was used where it should be.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from conftest import REPOSITORY
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bergslaget_plugins import markup, source_text, spelling
from bergslaget_plugins.generated import generated_transaction, posting
from ledgers import ledger_text, line_of

PLUGINS = 'plugin "bergslaget_plugins.markup"\nplugin "bergslaget_plugins.spelling"\n'
TRANSACTION = '2021-03-01 * "Kommun" "Avgift"\n  ver: "A1"\n  Assets:1930-Företagskonto  1 SEK\n  Income:3994-Medlemsavgifter\n'


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder / "main.beancount"


def _errors(errors: list[object]) -> list[tuple[str, str, object, object]]:
    return [(type(error).__name__, error.message, error.source.get("filename"), error.source.get("lineno"))  # type: ignore[attr-defined]
            for error in errors]


def _load(main: Path, monkeypatch: pytest.MonkeyPatch, trusted: bool):
    """Load ``main``; with ``trusted``, every file written so far counts as unchanged since the process started."""
    monkeypatch.setattr(source_text, "UNCHANGED_BEFORE_NS", time.time_ns() + 1 if trusted else None)
    return loader.load_file(str(main))


def load_both(main: Path, monkeypatch: pytest.MonkeyPatch):
    """The load with the files' text used, after checking it gives what the walk over every entry gives."""
    walked_entries, walked_errors, _ = _load(main, monkeypatch, trusted=False)
    entries, errors, options = _load(main, monkeypatch, trusted=True)
    assert _errors(errors) == _errors(walked_errors)
    assert entries == walked_entries
    assert source_text.read_book_sources(options) is not None  # the text was used
    return entries, errors, options


def markup_errors(errors) -> list[object]:
    return [error for error in errors if isinstance(error, markup.MarkupError)]


def spelling_errors(errors) -> list[object]:
    return [error for error in errors if isinstance(error, spelling.SpellingError)]


def _main(body: str, includes: tuple[str, ...] = (), options: str = "") -> str:
    return ledger_text(body, plugins=PLUGINS + options + "".join(f'include "{name}"\n' for name in includes))


def test_clean_books_use_the_text_and_give_no_errors(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION, ("2021/bank.beancount",)),
                             "2021/bank.beancount": TRANSACTION.replace("2021-03-01", "2021-03-02").replace("A1", "A2")})
    entries, errors, options = load_both(main, monkeypatch)
    assert errors == []
    sources = source_text.read_book_sources(options)
    assert sources is not None and set(sources.files) == {str(main), str(tmp_path / "2021" / "bank.beancount")}
    assert all(facts is not None and not facts.has_markup for facts in sources.files.values())
    # Only the entries that did not come from a file are looked at: none here.
    assert markup._entries_to_check(entries, options) == []


def test_markup_only_in_a_comment_is_no_error(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main("; <b>inte en markering</b>\n" + TRANSACTION)})
    entries, errors, options = load_both(main, monkeypatch)
    assert errors == []
    assert markup._entries_to_check(entries, options) is None  # the only file has "<": every entry is looked at


def test_markup_in_an_included_file_of_a_subfolder(tmp_path, monkeypatch):
    bank = TRANSACTION.replace('"Kommun"', '"<img src=x onerror=alert(1)>"')
    main = _write(tmp_path, {"main.beancount": _main("", ("2022/bank.beancount",)), "2022/bank.beancount": bank})
    entries, errors, options = load_both(main, monkeypatch)
    found = markup_errors(errors)
    assert len(found) == 1 and found[0].message.startswith("Betalningsmottagaren")
    assert found[0].source["filename"] == str(tmp_path / "2022" / "bank.beancount") and found[0].source["lineno"] == 1
    # The main file has no "<": its entries are not looked at one by one.
    to_check = markup._entries_to_check(entries, options)
    assert to_check is not None and {entry.meta["filename"] for entry in to_check} == {found[0].source["filename"]}


def test_markup_in_a_document_file_name(tmp_path, monkeypatch):
    folder = tmp_path / "dokument" / "Assets" / "1930-Företagskonto"
    folder.mkdir(parents=True)
    (folder / "2021-03-01.<img src=x onerror=alert(1)>.pdf").write_bytes(b"%PDF")
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION, options='option "documents" "dokument"\n')})
    entries, errors, _ = load_both(main, monkeypatch)
    found = markup_errors(errors)
    assert [error.message.split(" innehåller")[0] for error in found] == ["Dokumentets filnamn"]
    assert not any("<" in entry.filename for entry in entries if isinstance(entry, data.Document))


def test_markup_in_the_folder_of_a_document_directive(tmp_path, monkeypatch):
    """A document directive's file name is joined to its file's folder: text the file does not hold."""
    books = tmp_path / "<b>"
    main = _write(books, {"main.beancount": _main(TRANSACTION + '2021-03-02 document Assets:1930-Företagskonto "kvitto.pdf"\n')})
    (books / "kvitto.pdf").write_bytes(b"%PDF")
    _, errors, _ = load_both(main, monkeypatch)
    assert [error.message.split(" innehåller")[0] for error in markup_errors(errors)] == ["Dokumentets filnamn"]


def test_a_misspelled_key_in_a_file_of_a_subfolder(tmp_path, monkeypatch):
    bank = TRANSACTION.replace('  ver: "A1"\n', '  ver: "A1"\n  perod: "2021-04/2021-06"\n')
    main = _write(tmp_path, {"main.beancount": _main("", ("2021/bank.beancount",)), "2021/bank.beancount": bank})
    _, errors, _ = load_both(main, monkeypatch)
    found = spelling_errors(errors)
    assert [(error.message, error.source["lineno"]) for error in found] == [
        ("Okänd metadata perod (ingen regel läser den); menas period?", 1)]
    assert found[0].source["filename"] == str(tmp_path / "2021" / "bank.beancount")


def test_a_misspelled_key_only_in_a_postings_metadata(tmp_path, monkeypatch):
    body = TRANSACTION.replace("  Income:3994-Medlemsavgifter\n", "  Income:3994-Medlemsavgifter\n    motpar: \"Kommun\"\n")
    main = _write(tmp_path, {"main.beancount": _main(body)})
    text = main.read_text()
    _, errors, _ = load_both(main, monkeypatch)
    found = spelling_errors(errors)
    assert [error.message for error in found] == [
        "Okänd metadata motpar på konteringen Income:3994-Medlemsavgifter (ingen regel läser den); menas motpart?"]
    assert found[0].source["lineno"] == line_of(text, "  Income:3994-Medlemsavgifter")  # the posting's line


def test_a_misspelled_key_pushed_on_every_transaction(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main('pushmeta perod: "x"\n' + TRANSACTION + "popmeta perod:\n")})
    _, errors, _ = load_both(main, monkeypatch)
    assert [error.message for error in errors] == ["Okänd metadata perod (ingen regel läser den); menas period?"]


def test_an_indented_pushmeta_gives_the_errors_of_the_walk(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION + '\tpushmeta\tperod: "x"\n' + TRANSACTION)})
    load_both(main, monkeypatch)


def test_a_misspelled_custom_type(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main('2021-01-01 custom "medlemm" "Storfors kommun"\n')})
    _, errors, _ = load_both(main, monkeypatch)
    assert [error.message for error in spelling_errors(errors)] == [
        'Okänd custom-typ "medlemm" (ingen regel läser den); menas "medlem"?']


def _options_of_clean_books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION)})
    _, errors, options = _load(main, monkeypatch, trusted=True)
    assert errors == [] and source_text.read_book_sources(options) is not None
    return options


def test_a_generated_entry_is_looked_at_although_its_file_is_clean(tmp_path, monkeypatch):
    options = _options_of_clean_books(tmp_path, monkeypatch)
    source = {"filename": str(tmp_path / "main.beancount"), "lineno": 7}
    made = generated_transaction(source, datetime.date(2022, 12, 31), "Avgift <b>", [
        posting("Assets:1510-Kundfordringar", Decimal(5), {"motpar": "Kommun"}),
        posting("Income:3994-Medlemsavgifter", Decimal(-5))], rule="prov", series="BO", meta={"perod": "2022"})
    parsed = data.Transaction({"filename": source["filename"], "lineno": 3}, datetime.date(2022, 1, 1), "*", None,
                              "Ren", frozenset(), frozenset(), [])
    checked, errors = markup.refuse_markup([parsed, made], options)  # type: ignore[arg-type]
    assert [error.message.split(" innehåller")[0] for error in errors] == ["Beskrivningen"]
    assert checked[0] is parsed and "<" not in checked[1].narration
    _, errors = spelling.check_spelling([parsed, made], options)  # type: ignore[arg-type]
    assert [error.message.split(" (")[0] for error in errors] == [
        "Okänd metadata perod", "Okänd metadata motpar på konteringen Assets:1510-Kundfordringar"]


def test_an_entry_from_elsewhere_than_the_files_is_looked_at(tmp_path, monkeypatch):
    options = _options_of_clean_books(tmp_path, monkeypatch)
    elsewhere = data.Note({"filename": "<plugin>", "lineno": 0, "perod": "x"}, datetime.date(2022, 1, 1),
                          "Assets:1930-Företagskonto", "<b>", None, None)
    _, errors = markup.refuse_markup([elsewhere], options)  # type: ignore[arg-type]
    assert [error.message.split(" innehåller")[0] for error in errors] == ["Anteckningen"]
    _, errors = spelling.check_spelling([elsewhere], options)  # type: ignore[arg-type]
    assert [error.message.split(" (")[0] for error in errors] == ["Okänd metadata perod"]


def test_load_string_books_are_walked_entry_by_entry():
    text = ledger_text(TRANSACTION.replace('"Kommun"', '"<b>"').replace('  ver: "A1"\n', '  ver: "A1"\n  perod: "x"\n'),
                       plugins=PLUGINS)
    _, errors, options = loader.load_string(text)
    assert source_text.read_book_sources(options) is None
    assert len(markup_errors(errors)) == 1 and len(spelling_errors(errors)) == 1


def test_a_plugin_not_ours_means_every_entry_is_looked_at(tmp_path, monkeypatch):
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION, options='plugin "beancount.plugins.auto_accounts"\n')})
    _, errors, options = _load(main, monkeypatch, trusted=True)
    assert source_text.read_book_sources(options) is None


def test_markup_removed_after_the_parse_is_still_reported(tmp_path, monkeypatch):
    """The race the file times guard against: a file changed between Beancount's parse and the rule's read."""
    main = _write(tmp_path, {"main.beancount": _main(TRANSACTION.replace('"Kommun"', '"<b>"'))})
    monkeypatch.setattr(source_text, "UNCHANGED_BEFORE_NS", time.time_ns() + 1)
    entries, errors, options = loader.load_file(str(main), extra_validations=[])  # parsed with "<"
    assert len(markup_errors(errors)) == 1
    parsed = [entry._replace(payee="<b>") if isinstance(entry, data.Transaction) else entry for entry in entries]
    time.sleep(0.01)
    main.write_text(main.read_text().replace('"<b>"', '"b"'))  # edited after the parse, before the read
    sources = source_text.read_book_sources(options)
    assert sources is not None and sources.files[str(main)] is None
    _, errors = markup.refuse_markup(parsed, options)
    assert len(errors) == 1


def test_a_file_changed_since_the_process_started_is_not_read(tmp_path):
    path = tmp_path / "a.beancount"
    path.write_text("2021-01-01 open Assets:A\n")
    assert source_text.file_facts(str(path), time.time_ns() + 1) is not None
    assert source_text.file_facts(str(path), os.stat(path).st_ctime_ns) is None
    assert source_text.file_facts(str(tmp_path / "finns-inte.beancount"), time.time_ns()) is None


@pytest.mark.parametrize("text, keys", [
    ("  ver: 1\n", {"ver"}),  # the first line has no newline before it
    ("2021-01-01 open A\n\tnamn: 1\r\n  rad:\"x\"\n", {"namn", "rad"}),
    ("pushmeta perod: 1\n  pushmeta\tx-y_Z9: 2\n", {"perod", "x-y_Z9"}),
    ('2021-01-01 * "a\n  motpar: b"\n', {"motpar"}),  # a word in a string over lines: more than the keys
    ("  Assets:A 1 SEK\n  ;kommentar: 1\n  Ver: 1\n", set()),
])
def test_metadata_keys_of_a_text(text, keys):
    assert source_text.metadata_keys(text.encode()) >= keys
    assert {key for key in source_text.metadata_keys(text.encode()) if key not in ("a",)} == keys


def test_metadata_keys_of_a_large_file_are_all_found():
    lines = ['2021-01-01 * "x"\n  ver: "A1"\n  Assets:A  1 SEK\n    motpart: "B"\n  Assets:B\n'] * 40000
    text = "".join(lines) + "2021-01-02 * \"y\"\n  perod: 1\n" + "".join(lines[:10]) + "\tmotpar: 2\n"
    assert len(text) > 2 * (1 << 20)
    assert source_text.metadata_keys(text.encode()) == {"ver", "motpart", "perod", "motpar"}


def test_the_repository_books_use_the_text_in_a_new_process(tmp_path):
    """A process started after the books were written trusts them; a "<" and a typo are still found."""
    import shutil

    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    bank = folder / "2022" / "bank.beancount"
    text = bank.read_text(encoding="utf-8")
    text = text.replace('motpart: "SPP Pension och Försäkring"', 'motpar: "SPP <b>Pension</b> och Försäkring"', 1)
    bank.write_text(text, encoding="utf-8")
    time.sleep(1.1)  # a file changed less than a second before the process started is not trusted
    script = textwrap.dedent("""
        import json, sys
        from beancount import loader
        from bergslaget_plugins import source_text
        def load():
            entries, errors, options = loader.load_file(sys.argv[1])
            return [(type(e).__name__, e.message, e.source.get("filename"), e.source.get("lineno")) for e in errors], options
        used, options = load()
        sources = source_text.read_book_sources(options)
        trusted = sorted(path for path, facts in sources.files.items() if facts is not None)
        source_text.UNCHANGED_BEFORE_NS = None
        walked, _ = load()
        print(json.dumps({"used": used, "walked": walked, "trusted": len(trusted), "files": len(sources.files)}))
    """)
    completed = subprocess.run([sys.executable, "-c", script, str(folder / "main.beancount")], capture_output=True,
                               text=True, env={**os.environ, "BEANCOUNT_DISABLE_LOAD_CACHE": "1"}, check=True)
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["trusted"] == result["files"] > 5
    assert result["used"] == result["walked"]
    in_bank = [(kind, message.split(" (")[0], lineno) for kind, message, filename, lineno in result["used"]
               if filename == str(bank)]
    posting_line = text[: text.index("motpar:")].count("\n")  # the line (1-based) before the metadata
    assert ("SpellingError", "Okänd metadata motpar på konteringen Liabilities:2440-Leverantörsskulder",
            posting_line) in in_bank
    assert any(kind == "MarkupError" and message.startswith("Konteringens metadata motpar") for kind, message, _ in in_bank)


# -- the same errors with and without the text, for ledgers made of parts --------------------------

PARTS = st.sampled_from([
    TRANSACTION,
    TRANSACTION.replace('"Kommun"', '"<i>"'),
    TRANSACTION.replace('  ver: "A1"\n', '  ver: "A1"\n  perod: "x"\n'),
    TRANSACTION.replace("  Income:3994-Medlemsavgifter\n", "  Income:3994-Medlemsavgifter\n    motpar: \"<b>\"\n"),
    "; <kommentar> perod:\n",
    '2021-01-01 custom "medlemm" "a"\n',
    '2021-01-01 custom "anteckning" "<b>"\n  helt_egen_nyckel: "x"\n',
    '2021-03-05 note Assets:1930-Företagskonto "a<b"\n',
    'pushmeta motpar: "x"\n' + TRANSACTION + "popmeta motpar:\n",
    '2021-03-06 query "<fråga>" "SELECT 1"\n',
    '2021-03-06 query "fråga" "SELECT 1 WHERE 1 < 2"\n',
])


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(main_parts=st.lists(PARTS, max_size=3), included_parts=st.lists(PARTS, max_size=3))
def test_the_text_gives_the_errors_of_the_walk(tmp_path_factory, monkeypatch, main_parts, included_parts):
    folder = tmp_path_factory.mktemp("bocker")
    main = _write(folder, {"main.beancount": _main("".join(main_parts), ("del/a.beancount",)),
                           "del/a.beancount": "".join(included_parts)})
    load_both(main, monkeypatch)


ENTRY_KINDS = st.sampled_from(["parsed", "generated", "elsewhere", "generated elsewhere", "note", "document", "custom"])


def _entry(kind: str, lineno: int, main: str) -> data.Directive:
    meta = {"filename": "<plugin>" if "elsewhere" in kind else main, "lineno": lineno}
    if "generated" in kind:
        meta["regel"] = "prov"
    day = datetime.date(2021, 1, 1)
    if kind == "note":
        return data.Note(meta, day, "Assets:A", "x", None, None)
    if kind == "document":
        return data.Document(meta, day, "Assets:A", "/x.pdf", None, None)
    if kind == "custom":
        return data.Custom(meta, day, "x", [])
    return data.Transaction(meta, day, "*", None, "x", frozenset(), frozenset(), [])


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(kinds=st.lists(ENTRY_KINDS, max_size=40), shared=st.booleans())
def test_the_entries_from_elsewhere_are_those_a_walk_finds(kinds, shared):
    """The transactions' files are looked at in C loops and our rules' entries found in the entry
    index (inside the rules line's shared scope and outside it): the same entries as a walk over
    every entry by the definition (elsewhere's file, our rules' mark, a kind to look at)."""
    from bergslaget_plugins.entry_index import shared_entry_indexes
    from bergslaget_plugins.generated import RULE_KEY

    main = "/böcker/main.beancount"
    entries = [_entry(kind, lineno, main) for lineno, kind in enumerate(kinds)]
    looked_at = frozenset({data.Document})
    expected = {id(entry) for entry in entries
                if type(entry) in looked_at or entry.meta["filename"] != main or RULE_KEY in entry.meta}
    with shared_entry_indexes() if shared else contextlib.nullcontext():
        found = source_text.entries_from_elsewhere(entries, frozenset({main}), looked_at)
    assert found is not None and sorted(map(id, found)) == sorted(expected)


def test_the_repository_books_on_the_rules_line_give_the_errors_of_the_walk(tmp_path, monkeypatch):
    """The rules line (the shared entry index, generated entries): the same errors both ways, for clean
    books and for books with markup and a misspelled key in one file."""
    import shutil

    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    _, errors, _ = load_both(folder / "main.beancount", monkeypatch)
    assert errors == []
    bank = folder / "2022" / "bank.beancount"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace('motpart: "SPP Pension och Försäkring"', 'motpar: "SPP <b>Pension</b> och Försäkring"', 1)
                    .replace('"Betalning: Pensionspremier', '"<i>Betalning</i>: Pensionspremier', 1), encoding="utf-8")
    _, errors, _ = load_both(folder / "main.beancount", monkeypatch)
    assert sorted(type(error).__name__ for error in errors if error.source.get("filename") == str(bank)) == [
        "ChartError", "MarkupError", "MarkupError", "SpellingError"]


LINES = st.sampled_from(["2021-01-01 * \"x\"", "  ver: \"A1\"", "    motpart: \"B\"", "  Assets:A  1 SEK", "\tverb: 1",
                         "  motpart :x", "pushmeta perod: 1", "  pushmeta  motpar:2", "  ve:1", "  v: 1", "", "  ;kommentar: 1",
                         "  and a line of a string", "  mot-part_2: 1", "option \"title\" \"x\"", "  Ver: 1", "\r", "ver:1",
                         "  ver:x:", "  ver-x:", "pushmeta\r\tx:", " \t zz9: 1\r", "  verb:", "  åäö: 1", "  a<b: 1",
                         "  " + "x" * 40 + ": 1", "\t\tperiod: 2"])


def _keys_of_the_whole_text(text: bytes) -> frozenset[str]:
    """What :func:`source_text.metadata_keys` finds piece by piece, found in the whole text at once."""
    return frozenset(key.decode("ascii") for key in source_text._KEY.findall(b"\n" + text))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(lines=st.lists(LINES, max_size=60), line_break=st.sampled_from(["\n", "\r\n"]), piece=st.integers(1, 80))
def test_the_keys_found_piece_by_piece_are_those_of_the_whole_text(lines, line_break, piece):
    """A file is read and searched in pieces: after the first piece only the lines that may hold a
    key not seen yet, with a faster search where a piece has no tab: the same keys and ``<`` as
    the whole text searched at once, wherever the pieces end (in a line, a key, a line break)."""
    text = line_break.join(lines).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(source_text, "_PIECE", piece)
        facts = source_text.read_facts(io.BytesIO(text), len(text))
    assert facts is not None
    assert facts.metadata_keys == _keys_of_the_whole_text(text)
    assert facts.has_markup == (b"<" in text)


def test_a_text_of_another_length_than_the_files_gives_no_facts():
    """A file that grew or shrank since its size was read (changed while it is read) is not trusted."""
    text = b"2021-01-01 open Assets:A\n  namn: 1\n"
    assert source_text.read_facts(io.BytesIO(text), len(text)) is not None
    assert source_text.read_facts(io.BytesIO(text), len(text) - 1) is None
    assert source_text.read_facts(io.BytesIO(text), len(text) + 1) is None


def test_markup_is_found_wherever_the_pieces_end(monkeypatch):
    monkeypatch.setattr(source_text, "_PIECE", 1)
    for piece in range(1, 12):
        monkeypatch.setattr(source_text, "_PIECE", piece)
        for place in range(24):
            text = bytearray(b"  a: 1\n" * 4)
            text[place] = ord("<")
            facts = source_text.read_facts(io.BytesIO(bytes(text)), len(text))
            assert facts is not None and facts.has_markup, (piece, place)


class _EndlessFile:
    """A file that never ends (a device, or one written to faster than it is read)."""

    def __init__(self, refused_after: int) -> None:
        self.given = 0
        self.refused_after = refused_after

    def readinto(self, buffer: memoryview) -> int:
        assert self.given <= self.refused_after, "read on past the size the file had"
        buffer[:] = b"\n" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


def test_a_file_that_does_not_end_is_read_no_further_than_its_size():
    endless = _EndlessFile(refused_after=1000 + 2 * source_text._PIECE)
    assert source_text.read_facts(endless, 1000) is None


def test_keys_far_into_a_large_file_after_a_tab_and_a_long_line():
    """Past the first piece: a key after a line longer than a piece, a key indented with a tab in a
    piece of spaces only elsewhere, a pushed key, and ``<`` in the last piece."""
    block = '2021-01-01 * "x"\n  ver: "A1"\n  Assets:A  1 SEK\n    motpart: "B"\n  Assets:B\n'
    long_line = '2021-01-02 * "' + "y" * (3 * source_text._PIECE) + '"\n  langt: 1\n'
    text = (block * 20000 + long_line + block * 100 + "\tmed-tab: 1\n" + block * 100 + "pushmeta puttad: 1\n"
            + block * 10 + '2021-01-03 * "<b>"\n  sist: 1')
    assert len(text) > 2 * (1 << 20)
    facts = source_text.read_facts(io.BytesIO(text.encode()), len(text.encode()))
    assert facts is not None and facts.has_markup
    assert facts.metadata_keys == {"ver", "motpart", "langt", "med-tab", "puttad", "sist"}
