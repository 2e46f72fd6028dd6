"""The year's checklist (bergslaget check): the closed years pass; each item fails on the real
books altered to fail it; the command's text and CSV; the opened year 2023 names what it lacks."""

from __future__ import annotations

import csv
import datetime
import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from beancount.core import flags
from beancount.core.data import Balance, Custom, Transaction

from bergslaget_plugins.year_check import DONE, NOT_APPLICABLE, TO_DO, year_checklist
from conftest import LEDGER

BERGSLAGET = Path(sys.executable).parent / "bergslaget"


def item(entries, options, year: int, title: str):
    checklist = year_checklist(entries, options, year, LEDGER.parent)
    return next(found for found in checklist.items if found.title == title)


def without(entries, predicate):
    return [entry for entry in entries if not predicate(entry)]


def replaced(entries, predicate, change):
    return [change(entry) if predicate(entry) else entry for entry in entries]


def is_ver(entry, ver: str, year: int) -> bool:
    return isinstance(entry, Transaction) and entry.meta.get("ver") == ver and entry.date.year == year


@pytest.mark.parametrize("year", [2021, 2022])
def test_the_closed_years_pass(books, year):
    entries, errors, options = books
    assert errors == []
    checklist = year_checklist(entries, options, year, LEDGER.parent)
    assert checklist.passed, [i for i in checklist.items if i.status == TO_DO]
    assert {i.title for i in checklist.items if i.status == DONE} >= {
        "Procentsatser", "Föregående års resultat disponerat", "Balanskonton avstämda vid årets slut",
        "1938 och 2999 är noll", "Inga !-markerade verifikationer", "Semesterlöneskuld vid bokslutet",
        "Bokslutsdirektiv", "Verifikationsserier", "Obetalda medlemsavgifter"}


def test_2022_fee_items_pass_with_their_figures(books):
    entries, _, options = books
    assert item(entries, options, 2022, "Folkmängd").finding == "Folkmängd per 2021-12-31 finns för alla 26 medlemmar"
    assert item(entries, options, 2022, "Medlemsavgifter fakturerade").finding == "26 fakturor 2022-02-15"
    assert item(entries, options, 2022, "Budget för året").places == ("2022/budget.beancount:6",)


# -- each item failing on a book built to fail it -------------------------------------------------

def _rate_missing(entries):
    return without(entries, lambda e: isinstance(e, Custom) and e.type == "procentsats" and e.date.year == 2022
                   and e.values[0].value == "arbetsgivaravgift")


def _rate_unconfirmed(entries):
    return replaced(entries, lambda e: isinstance(e, Custom) and e.type == "procentsats" and e.date.year == 2022,
                    lambda e: e._replace(meta={**e.meta, "overford_fran": 2021}))


def _kpi_missing(entries):
    return without(entries, lambda e: isinstance(e, Custom) and e.type == "kpi" and e.date.year == 2022)


def _invoice_missing(entries):
    return without(entries, lambda e: isinstance(e, Transaction) and e.meta.get("faktura") == "2022101")


def _payment_missing(entries):
    paid = [e for e in entries if isinstance(e, Transaction) and "faktura-2022101" in e.links
            and e.meta.get("faktura") != "2022101"]
    return without(entries, lambda e: any(e is p for p in paid))


def _not_disposed(entries):
    return without(entries, lambda e: is_ver(e, "A53", 2022))


def _disposition_pending(entries):
    return replaced(entries, lambda e: is_ver(e, "A53", 2022), lambda e: e._replace(flag=flags.FLAG_WARNING))


def _assertion_missing(entries):
    return without(entries, lambda e: isinstance(e, Balance) and e.date == datetime.date(2023, 1, 1)
                   and e.account == "Assets:1930-Företagskonto")


def _clearing_left(entries):
    source = next(e for e in entries if is_ver(e, "A1", 2022))
    postings = [source.postings[0]._replace(account="Assets:1938-Bankgiroinbetalningar"),
                source.postings[1]]
    return entries + [source._replace(date=datetime.date(2022, 12, 30), postings=postings,
                                      meta={**source.meta, "ver": "A9999"})]


def _pending_entry(entries):
    return replaced(entries, lambda e: is_ver(e, "A1", 2022), lambda e: e._replace(flag=flags.FLAG_WARNING))


def _holiday_pay_missing(entries):
    return without(entries, lambda e: isinstance(e, Custom) and e.type == "semesterlöneskuld" and e.date.year == 2022)


def _year_end_missing(entries):
    return without(entries, lambda e: isinstance(e, Custom) and e.type == "bokslut" and e.date.year == 2022)


def _duplicate_verification(entries):
    source = next(e for e in entries if is_ver(e, "A2", 2022))
    return entries + [source._replace(meta={**source.meta, "lineno": 99999})]


def _gap_in_series(entries):
    return without(entries, lambda e: is_ver(e, "A2", 2022))


@pytest.mark.parametrize(("title", "year", "break_books", "expected"), [
    ("Procentsatser", 2022, _rate_missing, "Saknas för 2022: arbetsgivaravgift"),
    ("Procentsatser", 2022, _rate_unconfirmed, "inte bekräftade"),
    ("KPI", 2023, _kpi_missing, "KPI-årsmedeltal saknas för 2022"),
    ("Folkmängd", 2023, lambda entries: entries, "saknas för 14 medlemmar"),
    ("Medlemsavgifter fakturerade", 2022, _invoice_missing, "ingen faktura 2022 för Region Gävleborg"),
    ("Obetalda medlemsavgifter", 2022, _payment_missing, "1 förfallna obetalda fakturor"),
    ("Föregående års resultat disponerat", 2022, _not_disposed, "424 259 kr av tidigare års förlust är inte disponerat"),
    ("Föregående års resultat disponerat", 2022, _disposition_pending, "förberedd men inte beslutad"),
    ("Budget för året", 2023, lambda entries: entries, "Ingen egen budget för 2023"),
    ("Balanskonton avstämda vid årets slut", 2022, _assertion_missing, "Assets:1930-Företagskonto"),
    ("1938 och 2999 är noll", 2022, _clearing_left, "Assets:1938-Bankgiroinbetalningar"),
    ("Inga !-markerade verifikationer", 2022, _pending_entry, "1 verifikationer är markerade !"),
    ("Semesterlöneskuld vid bokslutet", 2022, _holiday_pay_missing, "Inga rader per 2022-12-31"),
    ("Bokslutsdirektiv", 2022, _year_end_missing, "Inget bokslut för 2022"),
    ("Verifikationsserier", 2022, _duplicate_verification, "A2 finns 2 gånger"),
    ("Verifikationsserier", 2022, _gap_in_series, "lucka i A: A2"),
])
def test_each_item_fails_on_books_built_to_fail_it(books, title, year, break_books, expected):
    entries, _, options = books
    found = item(break_books(list(entries)), options, year, title)
    assert found.status == TO_DO
    assert expected in found.finding
    assert found.todo


def test_items_point_at_the_directive_concerned(books):
    entries, _, options = books
    found = item(_disposition_pending(list(entries)), options, 2022, "Föregående års resultat disponerat")
    assert found.places == ("2022/arsmote.beancount:3",)
    found = item(_rate_unconfirmed(list(entries)), options, 2022, "Procentsatser")
    assert found.places == ("satser.beancount:8", "satser.beancount:10")


def test_items_that_do_not_apply(books):
    entries, _, options = books
    assert item(entries, options, 2021, "Budget för året").status == NOT_APPLICABLE  # no budget in the books yet
    assert item(entries, options, 2022, "KPI").status == NOT_APPLICABLE  # the 2022 rule is not indexed


# -- the command ------------------------------------------------------------------------------------

def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BERGSLAGET), "check", *args], capture_output=True, text=True, timeout=300)


def test_check_2022_passes_with_exit_0():
    done = run_check("--year", "2022")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✓ Bokslutsdirektiv: Årsbokslut 2022\n    2022/bokslut.beancount:3" in done.stdout
    assert done.stdout.rstrip().endswith("Allt klart.")


def test_check_as_csv():
    done = run_check("--year", "2022", "--format", "csv")
    rows = list(csv.reader(io.StringIO(done.stdout)))
    assert rows[0] == ["status", "punkt", "besked", "atgard", "plats"]
    assert len(rows) == 14 and {row[0] for row in rows[1:]} <= {"✓", "–"}


def test_check_2023_in_an_opened_copy_names_what_is_missing(tmp_path):
    shutil.copytree(LEDGER.parent, tmp_path / "ledger")
    main = tmp_path / "ledger" / "main.beancount"
    assert subprocess.run([str(BERGSLAGET), "year", "open", "2023", str(main)], capture_output=True, timeout=300).returncode == 0
    with (tmp_path / "ledger" / "2023" / "bank.beancount").open("a", encoding="utf-8") as bank:
        bank.write('\n2023-01-10 * "Swedbank" "Bankavgift"\n  ver: "A1"\n'
                   "  Expenses:6570-Bankkostnader  125 SEK\n  Assets:1930-Företagskonto  -125 SEK\n")
    done = run_check("--year", "2023", str(main))
    assert done.returncode == 1, done.stderr
    assert "✗ Folkmängd: Folkmängd per 2022-12-31 saknas för 14 medlemmar" in done.stdout
    assert "✗ Bokslutsdirektiv: Inget bokslut för 2023" in done.stdout
    assert "✗ Föregående års resultat disponerat: Dispositionen (273 319 kr) är förberedd men inte beslutad (!)" in done.stdout
    assert "– Medlemsavgifter fakturerade: Avgifterna 2023 faktureras 2023-02-15; böckerna har inte nått dit" in done.stdout
    assert run_check("--year", "2022", str(main)).returncode == 0
