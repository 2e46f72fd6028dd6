"""Figures computed once per load of the books: the memo, and the Fava pages through a real Fava app."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import REPOSITORY

from bergslaget_plugins import load_memo
from bergslaget_plugins.load_memo import FIGURES, LoadMemo
from bergslaget_plugins.serve import make_app
from bergslaget_plugins.statements import ReportError

PAGES = ("Arsredovisning", "Budget", "Medlemsavgifter", "Oversikt")


# -- the memo -----------------------------------------------------------------------------------

def test_a_value_is_computed_once_per_load():
    memo = LoadMemo()
    first_load, second_load = [object()], [object()]
    calls: list[str] = []

    def compute(name: str) -> list[str]:
        calls.append(name)
        return [name]

    value = memo.value(first_load, "figures", lambda: compute("första"))  # type: ignore[arg-type]
    assert memo.value(first_load, "figures", lambda: compute("igen")) is value  # type: ignore[arg-type]
    assert memo.value(second_load, "figures", lambda: compute("andra")) == ["andra"]  # type: ignore[arg-type]
    # A list with the same contents is another load: identity, not equality, is the key.
    assert memo.value(list(first_load), "figures", lambda: compute("kopia")) == ["kopia"]  # type: ignore[arg-type]
    assert calls == ["första", "andra", "kopia"]


def test_remembered_errors_are_raised_again_without_computing_others_are_not():
    memo = LoadMemo()
    entries: list = []
    calls: list[int] = []

    def refuse() -> None:
        calls.append(1)
        raise ReportError(["Balansräkningen balanserar inte"])

    for _ in range(3):
        with pytest.raises(ReportError, match="balanserar inte"):
            memo.value(entries, "report", refuse, remember=(ReportError,))
    assert calls == [1]
    for _ in range(2):
        with pytest.raises(ReportError):
            memo.value(entries, "other", refuse)
    assert calls == [1, 1, 1]


def test_old_loads_are_dropped():
    memo = LoadMemo(loads=2)
    loads = [[object()] for _ in range(3)]
    for entries in loads:
        memo.value(entries, "x", lambda: 1)  # type: ignore[arg-type]
    assert len(memo) == 2
    memo.keep_only(loads[2])  # type: ignore[arg-type]
    assert len(memo) == 1
    assert memo.value(loads[2], "x", lambda: 2) == 1  # type: ignore[arg-type]


def test_the_query_runs_once_per_load_and_the_report_uses_it(books):
    entries, errors, options = books
    assert errors == []
    totals = load_memo.posting_totals(entries, options)
    assert load_memo.posting_totals(entries, options) is totals
    report = load_memo.annual_report(entries, options, 2022)
    assert load_memo.annual_report(entries, options, 2022) is report
    assert report.income_statement.rows  # the published figures themselves are checked in test_report.py


# -- the Fava pages -----------------------------------------------------------------------------

MOVE_RENT = """
2022-06-30 * "Omföring" "Prov: hyra bokförd som kontorsmateriel"
  ver: "X1"
  Expenses:6110-Kontorsmateriel  1000 SEK
  Expenses:5010-Lokalhyra  -1000 SEK
"""


def _line(page: str, label: str) -> list[str]:
    """The figures of the first table row labelled ``label`` (kronor as printed)."""
    match = re.search(rf"<t[dh][^>]*>\s*(?:<a [^>]*>)?\s*{re.escape(label)}\s*(?:</a>)?\s*</t[dh]>(.*?)</tr>", page, re.S)
    assert match, label
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_pages_share_one_computation_per_load_and_recompute_after_the_books_change(tmp_path: Path):
    books = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", books)
    app = make_app(books / "main.beancount")
    client = app.test_client()
    ledger = app.config["LEDGERS"].ledgers[0]
    slug = app.config["LEDGERS"].first_slug()

    before = client.get(f"/{slug}/extension/Arsredovisning/?time=2022").get_data(as_text=True)
    for page in PAGES:
        assert client.get(f"/{slug}/extension/{page}/?time=2022").status_code == 200
    pages = [ledger.extensions.get_extension(name) for name in PAGES]
    report = pages[0].annual_report(2022)
    assert all(page.annual_report(2022) is report for page in pages)
    assert pages[1].posting_totals() is load_memo.posting_totals(ledger.all_entries, ledger.options)
    old_entries = ledger.all_entries

    time.sleep(0.01)
    with (books / "2022" / "bokslut.beancount").open("a") as extra:
        extra.write(MOVE_RENT)
    for _ in range(100):  # Fava's watcher notices the change in its own thread; the next page request reloads
        after = client.get(f"/{slug}/extension/Arsredovisning/?time=2022").get_data(as_text=True)
        if ledger.all_entries is not old_entries:
            break
        time.sleep(0.05)
    assert ledger.all_entries is not old_entries
    assert [error.message for error in ledger.load_errors] == []

    def kronor(text: str) -> int:
        return int(text.replace("\u2212", "-").replace(" ", "").replace("\xa0", ""))

    rent_before, rent_after = _line(before, "Hyror"), _line(after, "Hyror")
    other_before, other_after = _line(before, "Övriga omkostnader"), _line(after, "Övriga omkostnader")
    assert kronor(rent_after[-1]) == kronor(rent_before[-1]) - 1000
    assert kronor(other_after[-1]) == kronor(other_before[-1]) + 1000
    assert pages[0].annual_report(2022) is not report
    assert len(FIGURES) == 1  # the figures of the old load are not kept
