"""The rules plugin does exactly what the rules' own plugin lines do, one sort instead of one per rule."""

from __future__ import annotations

import ast
import random
import re
import shutil
from pathlib import Path

from beancount import loader
from beancount.core.data import entry_sortkey
from conftest import LEDGER

from bergslaget_plugins.rules import RULES, in_date_order
from benchmark import write_books

RULES_LINE = re.compile(r'^plugin "bergslaget_plugins\.rules"(?: "(?P<settings>[^"]*)")?\n', re.M)


def _rules_line(text: str) -> re.Match[str]:
    [match] = list(RULES_LINE.finditer(text))
    return match


def _variants(main: Path) -> tuple[Path, Path]:
    """The books with the rules plugin and with one plugin line per rule (its settings on it),
    on the same line numbers."""
    text = main.read_text()
    line = _rules_line(text)
    settings = ast.literal_eval(line["settings"]) if line["settings"] else {}
    own_lines = "".join(
        f'plugin "{rule}"' + (f' "{settings[rule.rsplit(".", 1)[-1]]!r}"' if rule.rsplit(".", 1)[-1] in settings else "") + "\n"
        for rule in RULES)
    combined, separate = main.with_name("en-rad.beancount"), main.with_name("en-rad-per-regel.beancount")
    combined.write_text(text.replace(line[0], line[0] + "\n" * (len(RULES) - 1)))
    separate.write_text(text.replace(line[0], own_lines))
    return combined, separate


def _load(main: Path) -> tuple[list, list]:
    """Entries and errors, the main file's name replaced (the two variants differ only in it)."""
    entries, errors, _ = loader.load_file(str(main))

    def renamed(meta: dict) -> dict:
        return {**meta, "filename": "main"} if meta and meta.get("filename") == str(main) else meta

    return ([entry._replace(meta=renamed(entry.meta)) for entry in entries],
            [(renamed(error.source), error.message) for error in errors])


def _same_load(main: Path) -> None:
    combined, separate = _variants(main)
    assert _load(combined) == _load(separate)


def test_the_books_load_the_same_as_with_a_line_per_rule(tmp_path: Path):
    books = tmp_path / "ledger"
    shutil.copytree(LEDGER.parent, books)
    _same_load(books / "main.beancount")


def test_synthetic_books_load_the_same(tmp_path: Path):
    _same_load(write_books(tmp_path, 3000))


def test_books_with_errors_give_the_same_errors(tmp_path: Path):
    main = write_books(tmp_path, 500)
    synthetic = tmp_path / "synthetic.beancount"
    text = synthetic.read_text()
    text = text.replace('ver: "LF7"', 'ver: "LF6"', 1)  # a number used twice, and a gap
    text = re.sub(r'\n    motpart: "Region Dalarna"', "", text, count=1)  # a receivable without counterparty
    synthetic.write_text(text + '\n2022-06-01 * "Utan nummer"\n  Expenses:6110-Kontorsmateriel  10 SEK\n'
                         "  Assets:1930-Företagskonto  -10 SEK\n")
    combined, errors, _ = loader.load_file(str(main))
    messages = " ".join(error.message for error in errors)
    assert "finns redan" in messages and "saknar motpart" in messages and "saknar verifikationsnummer" in messages
    _same_load(main)


def test_entries_of_two_files_on_one_date_and_line_keep_their_order_when_a_rule_replaces_one(tmp_path: Path):
    """Beancount's sort key is (date, kind, line): entries of two files can share it. A copy a
    rule puts in its original's place (the accruals' link) stays before the other file's entry
    for the later rules too, so their errors come in the same order as with a line per rule."""
    main = write_books(tmp_path, 200)
    verification = '''; {name}

2022-03-10 * "Fastighets AB Hushagen" "Hyra {name}"
  ver: "{number}"
{period}  Expenses:5010-Lokalhyra         3000 SEK
  Assets:1510-Kundfordringar  -3000 SEK
'''
    (tmp_path / "x.beancount").write_text(verification.format(name="x", number="LF9001", period='  period: "2022-04/2022-06"\n'))
    (tmp_path / "y.beancount").write_text(verification.format(name="y", number="LF9002", period=""))
    main.write_text(main.read_text() + '\ninclude "x.beancount"\ninclude "y.beancount"\n')
    _, errors, _ = loader.load_file(str(main))
    assert [Path(error.source["filename"]).name for error in errors if "saknar motpart" in error.message] == ["x.beancount", "y.beancount"]
    _same_load(main)


def test_settings_reach_their_rule_and_unknown_rules_are_refused(tmp_path: Path):
    main = write_books(tmp_path, 200)
    text = main.read_text()
    line = _rules_line(text)[0]
    main.write_text(text.replace(line, 'plugin "bergslaget_plugins.rules" "{\'verification_numbers\': '
                                      '{\'genererade_serier\': (\'MA\', \'PE\')}}"\n'))
    _, errors, _ = loader.load_file(str(main))
    assert any("Serien BO är inte en serie för genererade verifikationer" in error.message for error in errors)
    main.write_text(text.replace(line, 'plugin "bergslaget_plugins.rules" "{\'momsregler\': {}}"\n'))
    _, errors, _ = loader.load_file(str(main))
    known = ", ".join(sorted(rule.rsplit(".", 1)[1] for rule in RULES))
    assert "chart_of_accounts, " in known and "year_end" in known
    assert [error.message for error in errors] == [f"bergslaget_plugins.rules: okända regler: momsregler (kända: {known})"]


def test_added_entries_are_put_where_a_sort_puts_them(books):
    entries, _, _ = books
    generator = random.Random(14)
    before = sorted(entries[:-40], key=entry_sortkey)
    added = entries[-40:]
    generator.shuffle(added)
    appended = before + added
    assert in_date_order(before, appended) == sorted(appended, key=entry_sortkey)
    # A rule that replaces an entry by a copy (new metadata, same place) and adds others.
    replaced = list(before)
    replaced[5] = replaced[5]._replace(meta={**replaced[5].meta, "ver": "X1"})
    mixed = added[:20] + replaced + added[20:]
    assert in_date_order(before, mixed) == sorted(mixed, key=entry_sortkey)
    assert in_date_order(before, replaced) == replaced
