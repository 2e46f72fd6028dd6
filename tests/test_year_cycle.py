"""The year goes round, in a copy of the real books (tmp_path): a new year is opened, its
first entries are booked, and the closed year's report stays exactly as published."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from beancount import loader
from beanquery.query import run_query

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
    # Found defect: a new year's folder was silently ignored without its own include line.
    assert [e.narration for e in entries if e.date == datetime.date(2023, 1, 10)] == ["Bankavgift januari 2023"]
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


# -- bergslaget year open -----------------------------------------------------------------------

def test_year_open_prepares_the_year_and_the_books_stay_clean(books, books_copy):
    opened = run_bergslaget("year", "open", "2023", str(books_copy))
    assert opened.returncode == 0, opened.stderr
    folder = books_copy.parent / "2023"
    made = sorted(path.name for path in folder.glob("*.beancount"))
    assert set(made) >= {path.name for path in (books_copy.parent / "2022").glob("*.beancount")}
    assert "satser.beancount" in made and "avgiftsunderlag.beancount" in made
    assert "skapad:            2023/bank.beancount" in opened.stdout and "Gör nu" in opened.stdout
    for path in folder.glob("*.beancount"):
        assert path.read_text(encoding="utf-8").startswith("; "), path.name  # a header saying what goes there
    # The rates are carried and marked for confirmation; the budget is a draft; the disposition is pending.
    rates = (folder / "satser.beancount").read_text(encoding="utf-8")
    assert '2023-01-01 custom "procentsats" "arbetsgivaravgift" 31.42' in rates and "overford_fran: 2022" in rates
    budget = (folder / "budget.beancount").read_text(encoding="utf-8")
    assert "EJ BESLUTAD" in budget and '; 2023-01-01 custom "budget" Income:3994-Medlemsavgifter "yearly" -1029000 SEK' in budget
    meeting = (folder / "arsmote.beancount").read_text(encoding="utf-8")
    assert '2023-05-12 ! "Disposition av 2022 års resultat' in meeting
    assert "Equity:2067-Balanserat-resultat  273319 SEK" in meeting and "Equity:2069-Årets-resultat  -273319 SEK" in meeting
    # With a January bank fee the books are clean and 2022 is exactly as before.
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023)
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    original_entries, _, original_options = books
    assert build_annual_report(entries, options, 2022) == build_annual_report(original_entries, original_options, 2022)


def test_the_fee_basis_template_asks_only_for_missing_figures_and_filled_in_the_fees_follow(books_copy):
    """Found in the acceptance audit: avgiftsunderlag.beancount asked for every municipality's
    population, also the ten the register already holds per 2022-12-31, so filling in every
    line as the README says made bean-check fail ("redan angiven"); and it had no source line."""
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    path = books_copy.parent / "2023" / "avgiftsunderlag.beancount"
    template = path.read_text(encoding="utf-8")
    asked = [line for line in template.splitlines() if line.startswith('; 2022-12-31 custom "folkmängd"')]
    assert len(asked) == 14 and not any('"1760"' in line for line in asked)  # Storfors is in the register
    assert "Storfors kommun" in template  # named as already there
    # The accountant fills in every line the template asks for, as the README says.
    filled, in_entry = [], False
    for line in template.splitlines():
        if line.startswith('; 2022-12-31 custom "folkmängd"'):
            filled.append(line[2:].replace("ANTAL", "10000"))
            in_entry = True
        elif in_entry and line.startswith(";   "):
            filled.append(line[2:])  # the entry's metadata lines
        else:
            filled.append(line)
            in_entry = False
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    assert 'kalla: "SCB' in path.read_text(encoding="utf-8")
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023 + BANK_FEE_2023.replace("01-10", "02-15").replace("A1", "A2"))
    entries, errors, _ = loader.load_file(str(books_copy))
    assert errors == []
    assert len({e.meta.get("ver") for e in entries if getattr(e, "meta", {}).get("avgiftsar") == 2023}) == 26


def test_the_year_end_template_says_which_balance_the_earnings_account_has(books_copy):
    """Found in the acceptance audit: the year-end template asked for a balance of 2069 like any
    account, but the trial balance shows UB 0 and Fava the year's result, while the books hold
    the sum of the dispositions (-697 578 at the end of 2023); an accountant reconciling 2069
    with the trial balance made bean-check fail. The template now says what to write and how."""
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    template = (books_copy.parent / "2023" / "bokslut.beancount").read_text(encoding="utf-8")
    lines = template.splitlines()
    at = lines.index("; 2024-01-01 balance Equity:2069-Årets-resultat  SALDO SEK")
    command = lines[at - 1]
    assert command.startswith("; bean-query ledger/main.beancount ")
    the_query = command.split('"', 1)[1].rsplit('"', 1)[0]
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    _, rows = run_query(entries, options, the_query)
    balance = rows[0][0].get_currency_units("SEK").number
    assert balance == -697578  # A53 (-424 259) and the prepared disposition of 2022 (-273 319)
    add_file(books_copy, "2023/bokslut.beancount", f"\n2024-01-01 balance Equity:2069-Årets-resultat  {balance} SEK\n")
    _, errors, _ = loader.load_file(str(books_copy))
    assert errors == []


def test_year_open_twice_changes_nothing_and_never_overwrites(books_copy):
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    folder = books_copy.parent / "2023"
    (folder / "bank.beancount").write_text("; mina egna rader\n", encoding="utf-8")
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    again = run_bergslaget("year", "open", "2023", str(books_copy))
    assert again.returncode == 0, again.stderr
    assert "Inget nytt" in again.stdout and "fanns, orörd:      2023/bank.beancount" in again.stdout
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


def test_year_open_says_when_main_does_not_include_the_year(books_copy):
    text = books_copy.read_text(encoding="utf-8").replace(
        'include "[0-9][0-9][0-9][0-9]/*.beancount"', 'include "2021/*.beancount"\ninclude "2022/*.beancount"')
    books_copy.write_text(text, encoding="utf-8")
    opened = run_bergslaget("year", "open", "2023", str(books_copy))
    assert opened.returncode == 0, opened.stderr
    assert '1. Lägg till raden include "2023/*.beancount"' in opened.stdout


def test_year_open_refuses_a_year_that_is_not_next(books_copy):
    refused = run_bergslaget("year", "open", "2025", str(books_copy))
    assert refused.returncode == 1 and "öppna 2023 först" in refused.stderr
    assert not (books_copy.parent / "2025").exists()


# -- no silent carry-over -----------------------------------------------------------------------

def test_report_of_an_open_year_is_preliminary_and_has_no_carried_budget(books_copy):
    """Found defects: without a 2023 budget the column "Budget 2023" showed 2022's budget, and
    report --year 2023 before any year-end was headed like a closed year ("Bokslut 2023")."""
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023)
    printed = run_bergslaget("report", str(books_copy), "--year", "2023")
    assert printed.returncode == 0, printed.stderr
    first_line = printed.stdout.splitlines()[0]
    assert first_line == "PRELIMINÄR: Intresseföreningen Bergslaget – årsredovisning 2023 (inget bokslut för 2023 ännu)"
    assert printed.stdout.splitlines()[4].split() == ["Bokslut", "2022", "Budget", "saknas", "Prel.", "2023"]
    assert "Medlemsavgifter                          1 029 103             0             0" in printed.stdout
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    report = build_annual_report(entries, options, 2023)
    assert report.preliminary and report.income_statement.columns == ("Bokslut 2022", "Budget saknas", "Prel. 2023")
    assert build_annual_report(entries, options, 2022).preliminary is False


def test_a_decided_budget_for_the_year_is_its_own_and_nothing_is_carried(books_copy):
    add_file(books_copy, "2023/budget.beancount",
             '2023-01-01 custom "budget" Income:3994-Medlemsavgifter "yearly" -1100000 SEK\n')
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023)
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    statement = build_annual_report(entries, options, 2023).income_statement
    assert statement.columns[1] == "Budget 2023"
    assert statement.row("Medlemsavgifter").values[1] == 1100000
    assert statement.row("Hyror").values[1] == 0  # 2022's 60 000 is not carried into 2023


def test_a_preliminary_report_before_the_annual_meeting_says_the_result_is_not_disposed(books_copy):
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023)
    entries, errors, options = loader.load_file(str(books_copy))
    assert errors == []
    report = build_annual_report(entries, options, 2023)
    assert report.preliminary
    [remark] = report.remarks
    assert "273 319 kr förlust från tidigare år som inte disponerats" in remark
    assert report.balance_sheet.row("Summa tillgångar").values == report.balance_sheet.row("Summa skulder och eget kapital").values


def test_year_open_prepares_no_second_disposition(books_copy):
    add_file(books_copy, "2023/bank.beancount", BANK_FEE_2023 + """
2023-01-12 * "Disposition av 2022 års resultat enligt årsmötets beslut"
  ver: "A2"
  Equity:2067-Balanserat-resultat  273319 SEK
  Equity:2069-Årets-resultat  -273319 SEK
""")
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    meeting = (books_copy.parent / "2023" / "arsmote.beancount").read_text(encoding="utf-8")
    assert "finns redan i böckerna" in meeting and " ! " not in meeting
    _, errors, _ = loader.load_file(str(books_copy))
    assert errors == []


def test_the_years_annual_report_texts_are_asked_for_where_they_go(books_copy):
    """Found in the acceptance audit: the new year's arsredovisning.beancount was a header only,
    and the document for 2023 refused naming '<årsredovisningens texter>:0', no file of the books.
    Now the refusal names the year's file and the file holds the directive to fill in."""
    assert run_bergslaget("year", "open", "2023", str(books_copy)).returncode == 0
    folder = books_copy.parent / "2023"
    refused = run_bergslaget("report", str(books_copy), "--year", "2023", "--format", "html", "-o", str(folder / "a.html"))
    assert refused.returncode != 0 and not (folder / "a.html").exists()
    assert f"{folder / 'arsredovisning.beancount'}:1: Förvaltningsberättelsen för 2023 saknas" in refused.stderr
    texts = folder / "arsredovisning.beancount"
    template = texts.read_text(encoding="utf-8")
    directive = '2023-12-31 custom "förvaltningsberättelse" "forvaltningsberattelse.md"'
    assert f"; {directive}" in template and '; 2023-05-12 custom "styrelse" "NAMN"' in template
    texts.write_text(template.replace(f"; {directive}", directive), encoding="utf-8")
    (folder / "forvaltningsberattelse.md").write_text("Styrelsen avger årsredovisning för 2023.\n", encoding="utf-8")
    made = run_bergslaget("report", str(books_copy), "--year", "2023", "--format", "html", "-o", str(folder / "a.html"))
    assert made.returncode == 0, made.stderr
    assert "Styrelsen avger årsredovisning för 2023." in (folder / "a.html").read_text(encoding="utf-8")
