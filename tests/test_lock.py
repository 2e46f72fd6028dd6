"""Locked years: `bergslaget lock` on a copy of the books, then every kind of change refused by
bean-check (Beancount's loader with the books' plugins) naming the verification; open years,
moves and reformatting unaffected; the chain of records, unlocking and relocking."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Transaction

from bergslaget_plugins import cli
from bergslaget_plugins.locking import canonical_verification, verification_digest
from conftest import LEDGER
from ledgers import load

BOOKS = LEDGER.parent
YEAR_RECORD = 'custom "låst år"'


def lock(main: Path, year: int) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.main(["lock", "--year", str(year), str(main)], out=out)
    return code, out.getvalue()


def messages(main: Path) -> list[str]:
    """bean-check's view: every error as ``file:line: message``."""
    _, errors, _ = loader.load_file(str(main))
    return [f"{Path(str(error.source.get('filename'))).name}:{error.source.get('lineno')}: {error.message}" for error in errors]


def lock_errors(main: Path) -> list[str]:
    """The lock's errors about verifications and records (a locked figure's are :func:`figure_errors`)."""
    return [message for message in messages(main)
            if ("låst" in message or "Lås" in message) and ": Låst år " not in message]


def figure_errors(main: Path) -> list[str]:
    """The lock's errors about the locked years' annual report figures."""
    return [message for message in messages(main) if ": Låst år " in message]


@pytest.fixture(scope="module")
def locked_books(tmp_path_factory) -> Path:
    """A copy of the books with 2021 and 2022 locked by the real command."""
    folder = tmp_path_factory.mktemp("locked") / "ledger"
    shutil.copytree(BOOKS, folder)
    main = folder / "main.beancount"
    for year in (2021, 2022):
        code, text = lock(main, year)
        assert code == 0, text
        assert f"Räkenskapsåret {year} är låst" in text
        assert re.search(r"^  [0-9a-f]{64}$", text, re.M)
    return main


@pytest.fixture
def books_copy(locked_books: Path, tmp_path: Path) -> Path:
    """A fresh copy of the locked books for one change."""
    folder = tmp_path / "ledger"
    shutil.copytree(locked_books.parent, folder)
    return folder / "main.beancount"


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


# -- locking the books ----------------------------------------------------------------------------------

def test_the_locked_books_are_clean_and_hold_a_record_of_each_year(locked_books):
    assert messages(locked_books) == []
    record_2022 = (locked_books.parent / "2022" / "las.beancount").read_text(encoding="utf-8")
    entries, _, _ = loader.load_file(str(locked_books))
    verifications_2022 = {e.meta["ver"] for e in entries if isinstance(e, Transaction) and e.date.year == 2022}
    recorded = set(re.findall(r'custom "låst verifikation" 2022 "([A-ZÅÄÖ]+\d+)" 2022 "[0-9a-f]{64}"', record_2022))
    assert recorded == verifications_2022
    assert {"MA1", "PE1", "BO1", "A53"} <= recorded
    # The first locked year also covers the opening balance (IB1, dated 2020-12-31).
    assert 'custom "låst verifikation" 2021 "IB1" 2020' in (locked_books.parent / "2021" / "las.beancount").read_text()
    assert "foregaende_ar: 2021" in record_2022
    assert 'custom "låskedja" 2022' in locked_books.read_text(encoding="utf-8")


def test_a_cost_account_changed_in_a_locked_year_is_refused_naming_the_verification(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, "Expenses:5010-Lokalhyra  1563 SEK", "Expenses:6110-Kontorsmateriel  1563 SEK")
    errors = lock_errors(books_copy)
    assert len(errors) == 1
    assert errors[0].startswith(f"leverantorsfakturor.beancount:{line_of(invoices, 'Lokalhyra januari 2022')}: Verifikation LF1 (2022) har ändrats")
    # The cost moved from Hyror to Övriga omkostnader: both locked figures name the change.
    changed = {re.search(r"raden (.+?) var", error).group(1) for error in figure_errors(books_copy)}
    assert changed == {"Hyror", "Övriga omkostnader"}


def test_a_text_changed_in_a_locked_year_is_refused(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, '"Lokalhyra januari 2022, Borlänge"', '"Lokalhyra jan 2022, Borlänge"')
    assert [error.split(": ", 1)[1][:40] for error in lock_errors(books_copy)] == ["Verifikation LF1 (2022) har ändrats efte"]


def test_a_counterparty_changed_in_a_locked_year_is_refused(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, '    motpart: "Borlänge kommun"', '    motpart: "Falu kommun"')
    assert any("Verifikation LF1 (2022) har ändrats" in error for error in lock_errors(books_copy))


def test_a_population_figure_behind_generated_invoices_is_refused(books_copy):
    register = books_copy.parent / "medlemsregister.beancount"
    edit(register, '2021-12-31 custom "folkmängd" "1760" 3948', '2021-12-31 custom "folkmängd" "1760" 4100')
    errors = lock_errors(books_copy)
    named = {re.search(r"Verifikation (\w+) \(2022\) har ändrats", error).group(1) for error in errors}
    # Storfors kommun's own invoice and Region Värmland's, whose fee counts its municipalities.
    assert named == {"MA23", "MA26"}
    assert all(error.startswith("medlemsregister.beancount:") for error in errors)


def test_a_verification_added_to_a_locked_year_is_refused(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    with invoices.open("a", encoding="utf-8") as file:
        file.write('\n2022-06-01 * "Kontorsbolaget" "Pennor"\n  ver: "LF48"\n  Expenses:6110-Kontorsmateriel  10 SEK\n'
                   '  Liabilities:2440-Leverantörsskulder  -10 SEK\n    motpart: "Kontorsbolaget"\n')
    errors = lock_errors(books_copy)
    record = books_copy.parent / "2022" / "las.beancount"
    assert errors == [f"leverantorsfakturor.beancount:{line_of(invoices, 'Pennor')}: Verifikation LF48 (2022) har tillkommit "
                      f"i det låsta räkenskapsåret 2022 (låspost {record}:{line_of(record, YEAR_RECORD)})"]


def test_a_removed_verification_is_refused_at_its_record(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    text = invoices.read_text(encoding="utf-8")
    start = text.index('2022-01-20 * "SPP Pension och Försäkring" "Pensionspremier januari 2022"')
    end = text.index("\n\n", start)
    invoices.write_text(text[:start] + text[end + 2:], encoding="utf-8")
    errors = lock_errors(books_copy)
    assert any(error.startswith("las.beancount:") and "Verifikation LF2 (2022)" in error and "finns inte längre" in error
               for error in errors), errors


def test_a_renumbered_verification_is_refused(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, 'ver: "LF1"\n', 'ver: "LFX"\n')
    edit(invoices, 'ver: "LF2"\n', 'ver: "LF1"\n')
    edit(invoices, 'ver: "LFX"\n', 'ver: "LF2"\n')
    errors = lock_errors(books_copy)
    assert {re.search(r"Verifikation (\w+) \(2022\)", error).group(1) for error in errors} == {"LF1", "LF2"}


def test_a_generated_verification_changed_by_its_rule_data_is_refused(books_copy):
    closing = books_copy.parent / "2022" / "bokslut.beancount"
    edit(closing, "  skuld: 103740", "  skuld: 103000")
    errors = lock_errors(books_copy)
    assert len(errors) == 1 and "Verifikation BO" in errors[0] and errors[0].startswith("bokslut.beancount:")


def test_moving_and_reformatting_a_verification_keeps_the_lock(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    text = invoices.read_text(encoding="utf-8")
    start = text.index('2022-01-01 * "Borlänge kommun" "Lokalhyra januari 2022, Borlänge"')
    end = text.index("\n\n", start)
    moved = text[start:end]
    invoices.write_text(";\n;\n" + text[:start] + text[end + 2:], encoding="utf-8")
    # Reformatted: amounts with öre, postings in the other order, other spacing, in another file.
    reformatted = ('2022-01-01   *   "Borlänge kommun"   "Lokalhyra januari 2022, Borlänge"\n'
                   '  ver: "LF1"\n'
                   '  Liabilities:2440-Leverantörsskulder      -1563.00 SEK\n'
                   '    motpart: "Borlänge kommun"\n'
                   '  Expenses:5010-Lokalhyra                   1563.00 SEK\n')
    assert "Lokalhyra januari 2022" in moved
    (books_copy.parent / "2022" / "flyttad.beancount").write_text(reformatted, encoding="utf-8")
    register = books_copy.parent / "medlemsregister.beancount"
    register.write_text("; en ny första rad flyttar alla medlemmar\n\n" + register.read_text(encoding="utf-8"), encoding="utf-8")
    assert messages(books_copy) == []


def test_an_open_year_is_not_affected(books_copy):
    bank = books_copy.parent / "2022" / "bank.beancount"
    with bank.open("a", encoding="utf-8") as file:
        file.write('\n2023-01-15 * "Föreningssparbanken" "Kontoavgift januari 2023"\n  ver: "A1"\n'
                   '  Expenses:6570-Bankkostnader  195 SEK\n  Assets:1930-Företagskonto\n')
    # (The fee rule now asks for 2023's population figures; that is not the lock's business.)
    assert lock_errors(books_copy) == []
    assert [error for error in messages(books_copy) if "Kontoavgift januari 2023" in error] == []


# -- the record and its chain ------------------------------------------------------------------------

def test_an_edited_record_is_refused(books_copy):
    record = books_copy.parent / "2022" / "las.beancount"
    text = record.read_text(encoding="utf-8")
    digest = re.search(r'custom "låst verifikation" 2022 "LF1" 2022 "([0-9a-f]{64})"', text).group(1)
    record.write_text(text.replace(digest, "0" * 64), encoding="utf-8")
    errors = lock_errors(books_copy)
    assert any("Låsposten för 2022 har ändrats" in error for error in errors)
    assert any("Verifikation LF1 (2022) har ändrats" in error for error in errors)


def test_a_deleted_record_of_an_earlier_year_breaks_the_chain(books_copy):
    (books_copy.parent / "2021" / "las.beancount").unlink()
    errors = lock_errors(books_copy)
    assert any("bygger på låsningen av 2021, som saknas" in error for error in errors), errors


def test_a_deleted_record_of_the_last_year_is_named_by_the_chain_end(books_copy):
    (books_copy.parent / "2022" / "las.beancount").unlink()
    errors = lock_errors(books_copy)
    assert any(error.startswith("main.beancount:") and "namnger inte den senaste låsposten" in error for error in errors), errors


def test_a_deleted_chain_end_is_refused(books_copy):
    text = books_copy.read_text(encoding="utf-8")
    books_copy.write_text(re.sub(r'^\d{4}-\d\d-\d\d custom "låskedja".*\n', "", text, flags=re.M), encoding="utf-8")
    assert any("Låskedjans slut" in error and "saknas" in error for error in lock_errors(books_copy))


def test_the_chain_links_each_record_to_the_previous_one(locked_books):
    entries, _, _ = loader.load_file(str(locked_books))
    from bergslaget_plugins.locking import read_lock_state

    state, errors = read_lock_state(entries)
    assert errors == [] and state.locked_years() == [2021, 2022]
    first, second = state.records[2021], state.records[2022]
    assert first.previous_year is None and first.previous == ""
    assert (second.previous_year, second.previous) == (2021, first.digest)
    assert first.recomputed_digest() == first.digest and second.recomputed_digest() == second.digest


# -- the annual report's figures --------------------------------------------------------------------------

def test_the_record_holds_every_figure_of_the_years_annual_report(locked_books):
    from bergslaget_plugins.books import load_books
    from bergslaget_plugins.statements import build_annual_report

    record = (locked_books.parent / "2022" / "las.beancount").read_text(encoding="utf-8")
    recorded = re.findall(r'custom "låst siffra" 2022 "([^"]+)" "([^"]+)" (-?\d+)', record)
    entries, options = load_books(locked_books)
    report = build_annual_report(entries, options, 2022)
    expected = [(table.title, row.label, str(int(row.values[-1]))) for table in report.tables for row in table.rows
                if row.kind != "rubrik"]
    assert recorded == expected
    # The published figures of 2022, as locked.
    assert ("Balansräkning", "Övriga kortfristiga fordringar", "16061") in recorded
    assert ("Resultaträkning", "Resultat", "-273319") in recorded


def test_an_account_moved_to_another_report_line_is_refused_naming_each_changed_row(books_copy):
    chart = books_copy.parent / "kontoplan.beancount"
    edit(chart, '  namn: "Förutbetalda hyreskostnader"\n  rad: "Övriga kortfristiga fordringar"',
         '  namn: "Förutbetalda hyreskostnader"\n  rad: "Kundfordringar"')
    assert lock_errors(books_copy) == []  # no verification changed ...
    errors = figure_errors(books_copy)  # ... but the published figures of 2022 did
    record = books_copy.parent / "2022" / "las.beancount"
    balance_row = '"Balansräkning" "Kundfordringar"'
    assert (f"las.beancount:{line_of(record, balance_row)}: Låst år 2022: Balansräkning, raden Kundfordringar var 0, "
            "är nu 16 061; bokför en rättelse i ett öppet år eller lås upp året synligt") in "\n".join(errors)
    changed = {re.search(r"Låst år 2022: (.+?), raden (.+?) (?:var|fanns)", error).groups() for error in errors}
    assert changed == {
        ("Balansräkning", "Kundfordringar"), ("Balansräkning", "Övriga kortfristiga fordringar"),
        ("Not 1 Kundfordringar", "Fastighets AB Hushagen"), ("Not 1 Kundfordringar", "Summa"),
        ("Not 2 Övriga kortfristiga fordringar", "Fastighets AB Hushagen"),
        ("Not 2 Övriga kortfristiga fordringar", "Summa"),
    }
    assert all(error.startswith("las.beancount:") and "/2022/" not in error.split(":")[0] for error in errors)
    assert any("Övriga kortfristiga fordringar var 16 061, är nu 0" in error for error in errors)
    assert any("raden Fastighets AB Hushagen fanns inte, är nu 16 061" in error for error in errors)
    assert any("Not 2 Övriga kortfristiga fordringar, raden Fastighets AB Hushagen var 16 061, finns inte längre" in error
               for error in errors)


def test_a_mapping_change_that_changes_no_locked_figure_passes(books_copy):
    chart = books_copy.parent / "kontoplan.beancount"
    edit(chart, '2020-01-01 custom "rapportrad" "Intäkter" "Övriga intäkter"\n',
         '2020-01-01 custom "rapportrad" "Intäkter" "Övriga intäkter"\n'
         '2020-01-01 custom "rapportrad" "Intäkter" "Ränteintäkter"\n')
    with chart.open("a", encoding="utf-8") as file:
        file.write('\n2023-01-01 open Income:3910-Hyresintäkter SEK\n  namn: "Hyresintäkter"\n'
                   '  rad: "Övriga intäkter"\n')
    assert messages(books_copy) == []
    from bergslaget_plugins.books import load_books
    from bergslaget_plugins.statements import build_annual_report

    entries, options = load_books(books_copy)  # the new line is in the locked year's report, with 0
    assert build_annual_report(entries, options, 2022).income_statement.row("Ränteintäkter").values[-1] == 0


def test_an_edited_figure_in_the_record_is_refused(books_copy):
    record = books_copy.parent / "2022" / "las.beancount"
    edit(record, '"Balansräkning" "Bank" 958543', '"Balansräkning" "Bank" 958544')
    errors = lock_errors(books_copy) + figure_errors(books_copy)
    assert any("Låsposten för 2022 har ändrats" in error for error in errors), errors
    assert f"las.beancount:{line_of(record, '958544')}: Låst år 2022: Balansräkning, raden Bank var 958 544, är nu 958 543" \
        in "\n".join(errors)


def test_a_deleted_figure_in_the_record_is_refused(books_copy):
    record = books_copy.parent / "2022" / "las.beancount"
    text = record.read_text(encoding="utf-8")
    record.write_text("".join(line for line in text.splitlines(keepends=True) if '"Balansräkning" "Bank"' not in line),
                      encoding="utf-8")
    errors = lock_errors(books_copy) + figure_errors(books_copy)
    assert any("Låsposten för 2022 har ändrats" in error for error in errors), errors
    assert any("Balansräkning, raden Bank fanns inte, är nu 958 543" in error for error in errors), errors


# -- unlocking ----------------------------------------------------------------------------------------------

UNLOCK_2022 = '\n2026-12-01 custom "upplåst år" 2022\n  skal: "Fel motpart på LF1, styrelsebeslut 2026-11-28"\n'


def test_an_unlocked_year_can_be_corrected_and_locked_again(books_copy):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, '    motpart: "Borlänge kommun"', '    motpart: "Borlänge kommun, Kultur"')
    assert lock_errors(books_copy)
    with (books_copy.parent / "2022" / "las.beancount").open("a", encoding="utf-8") as file:
        file.write(UNLOCK_2022)
    assert messages(books_copy) == []
    code, text = lock(books_copy, 2022)
    assert code == 0, text
    assert messages(books_copy) == []
    assert "upplasningar: 1" in (books_copy.parent / "2022" / "las.beancount").read_text(encoding="utf-8")


def test_an_earlier_year_is_locked_again_while_the_later_one_is_unlocked(books_copy):
    """Unlock 2022 and 2021, correct 2021, lock 2021 then 2022 again: the chain holds."""
    closing_2021 = books_copy.parent / "2021" / "bokslut.beancount"
    with closing_2021.open("a", encoding="utf-8") as file:
        file.write(UNLOCK_2022 + UNLOCK_2022.replace("2022\n", "2021\n", 1))
    assert messages(books_copy) == []
    first = (books_copy.parent / "2021" / "las.beancount").read_text(encoding="utf-8")
    assert lock(books_copy, 2022)[0] == 1  # 2021 is open: lock it first
    assert lock(books_copy, 2021)[0] == 0
    assert (books_copy.parent / "2021" / "las.beancount").read_text(encoding="utf-8") != first
    assert 'custom "låskedja" 2022' in books_copy.read_text(encoding="utf-8")
    assert messages(books_copy) == []
    assert lock(books_copy, 2022)[0] == 0
    assert messages(books_copy) == []
    entries, _, _ = loader.load_file(str(books_copy))
    from bergslaget_plugins.locking import read_lock_state

    state, _ = read_lock_state(entries)
    assert state.locked_years() == [2021, 2022] and state.records[2022].previous == state.records[2021].digest


def test_an_earlier_year_is_not_locked_again_under_a_locked_later_year(books_copy, capsys):
    with (books_copy.parent / "2021" / "bokslut.beancount").open("a", encoding="utf-8") as file:
        file.write(UNLOCK_2022.replace("2022\n", "2021\n", 1))
    assert messages(books_copy) == []
    assert lock(books_copy, 2021)[0] == 1
    assert "Ett senare år är låst (2022)" in capsys.readouterr().err


def test_an_unlock_needs_a_reason(books_copy):
    with (books_copy.parent / "2022" / "bokslut.beancount").open("a", encoding="utf-8") as file:
        file.write('\n2026-12-01 custom "upplåst år" 2022\n')
    assert any("En upplåsning anger året och skälet" in error for error in lock_errors(books_copy))


def test_a_deleted_unlock_is_refused(books_copy):
    closing = books_copy.parent / "2022" / "bokslut.beancount"
    with closing.open("a", encoding="utf-8") as file:
        file.write(UNLOCK_2022)
    assert lock(books_copy, 2022)[0] == 0
    closing.write_text(closing.read_text(encoding="utf-8").replace(UNLOCK_2022, ""), encoding="utf-8")
    assert any("en upplåsning har tagits bort" in error for error in lock_errors(books_copy))


# -- refusals of the lock command ------------------------------------------------------------------------

def test_lock_is_refused_before_the_year_end_and_for_a_locked_year(books_copy, capsys):
    before = books_copy.read_text(encoding="utf-8")
    assert lock(books_copy, 2023)[0] == 1
    assert "har inget bokslut" in capsys.readouterr().err
    assert lock(books_copy, 2022)[0] == 1
    assert "redan låst" in capsys.readouterr().err
    assert not (books_copy.parent / "2023" / "las.beancount").exists()
    assert books_copy.read_text(encoding="utf-8") == before


def test_lock_is_refused_while_an_earlier_year_is_open(tmp_path, capsys):
    folder = tmp_path / "ledger"
    shutil.copytree(BOOKS, folder, ignore=shutil.ignore_patterns("las.beancount"))
    main = folder / "main.beancount"
    before = main.read_text(encoding="utf-8")
    assert lock(main, 2022)[0] == 1
    assert "Tidigare räkenskapsår är inte låsta (2021)" in capsys.readouterr().err
    assert not (folder / "2022" / "las.beancount").exists() and main.read_text(encoding="utf-8") == before


def test_lock_is_refused_while_the_years_checklist_has_something_to_do(tmp_path, capsys):
    folder = tmp_path / "ledger"
    shutil.copytree(BOOKS, folder, ignore=shutil.ignore_patterns("las.beancount"))
    main = folder / "main.beancount"
    assert lock(main, 2021)[0] == 0
    invoices = folder / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, '2022-01-01 * "Borlänge kommun" "Lokalhyra januari 2022, Borlänge"',
         '2022-01-01 ! "Borlänge kommun" "Lokalhyra januari 2022, Borlänge"')
    before = main.read_text(encoding="utf-8")
    assert messages(main) == []
    assert lock(main, 2022)[0] == 1
    error = capsys.readouterr().err
    assert "bergslaget check --year 2022: ✗" in error and "!-markerade" in error
    assert not (folder / "2022" / "las.beancount").exists() and main.read_text(encoding="utf-8") == before


def test_lock_is_refused_for_books_with_errors(books_copy, capsys):
    invoices = books_copy.parent / "2022" / "leverantorsfakturor.beancount"
    edit(invoices, "Expenses:5010-Lokalhyra  1563 SEK", "Expenses:6110-Kontorsmateriel  1563 SEK")
    assert lock(books_copy, 2022)[0] == 1
    assert "har fel" in capsys.readouterr().err


def test_a_record_the_main_file_does_not_include_is_rolled_back(tmp_path, capsys):
    folder = tmp_path / "ledger"
    shutil.copytree(BOOKS, folder, ignore=shutil.ignore_patterns("las.beancount"))
    main = folder / "main.beancount"
    assert lock(main, 2021)[0] == 0
    text = main.read_text(encoding="utf-8")
    # The year's files are included one by one, without a pattern that would take las.beancount.
    pattern = next(line for line in text.splitlines(keepends=True) if line.startswith("include") and "/*.beancount" in line)
    includes = "".join(f'include "{path.parent.name}/{path.name}"\n'
                       for path in sorted(folder.glob("[0-9][0-9][0-9][0-9]/*.beancount")))
    main.write_text(text.replace(pattern, includes), encoding="utf-8")
    before = main.read_text(encoding="utf-8")
    assert lock(main, 2022)[0] == 1
    assert "kan inte låsas: med låsposten läses böckerna inte felfritt" in capsys.readouterr().err
    assert not (folder / "2022" / "las.beancount").exists()
    assert main.read_text(encoding="utf-8") == before
    assert messages(main) == []


# -- the digest ---------------------------------------------------------------------------------------------

def test_the_digest_covers_content_not_form():
    def digest(body: str) -> str:
        entries, errors, _ = load(body)
        assert errors == []
        [entry] = [entry for entry in entries if isinstance(entry, Transaction)]
        return verification_digest(entry)

    plain = digest('2022-03-01 * "Kund" "Avgift" ^faktura-1\n  ver: "A1"\n  Assets:1510-Kundfordringar  500 SEK\n'
                   '    motpart: "Kund"\n  Income:3994-Medlemsavgifter\n')
    same = digest('\n\n2022-03-01 * "Kund"  "Avgift"  ^faktura-1\n  ver: "A1"\n  Income:3994-Medlemsavgifter  -500.00 SEK\n'
                  '  Assets:1510-Kundfordringar   500.00 SEK\n    motpart: "Kund"\n')
    other_counterparty = digest('2022-03-01 * "Kund" "Avgift" ^faktura-1\n  ver: "A1"\n  Assets:1510-Kundfordringar  500 SEK\n'
                                '    motpart: "Annan"\n  Income:3994-Medlemsavgifter\n')
    other_link = digest('2022-03-01 * "Kund" "Avgift" ^faktura-2\n  ver: "A1"\n  Assets:1510-Kundfordringar  500 SEK\n'
                        '    motpart: "Kund"\n  Income:3994-Medlemsavgifter\n')
    assert plain == same
    assert len({plain, other_counterparty, other_link}) == 3


def test_the_canonical_form_has_no_place_in_the_books():
    entries, _, _ = load('2022-03-01 * "Kund" "Avgift"\n  ver: "A1"\n  kalla: "/x/medlemsregister.beancount:12, /x/y.beancount:3"\n'
                         '  Assets:1510-Kundfordringar  500 SEK\n    motpart: "Kund"\n  Income:3994-Medlemsavgifter\n')
    [entry] = [entry for entry in entries if isinstance(entry, Transaction)]
    text = canonical_verification(entry)
    assert "lineno" not in text and "filename" not in text and ".beancount" not in text
    assert '"kalla":"<plats>, <plats>"' in text


def test_reordering_the_directives_behind_generated_verifications_keeps_their_numbers(books_copy):
    """The year-end directive (source of the payroll tax, BO2) moved below the holiday pay
    directive (source of BO1): numbering goes by date, rule and content, not by line."""
    closing = books_copy.parent / "2022" / "bokslut.beancount"
    edit(closing, '2022-12-31 custom "bokslut" "Årsbokslut 2022"\n', "")
    with closing.open("a", encoding="utf-8") as file:
        file.write('\n2022-12-31 custom "bokslut" "Årsbokslut 2022"\n')
    register = books_copy.parent / "medlemsregister.beancount"
    text = register.read_text(encoding="utf-8")
    first = text.index('2020-01-01 custom "medlem" "Region Gävleborg"')
    second = text.index('2020-01-01 custom "medlem" "Hofors kommun"')
    register.write_text(text[:first] + text[second:] + "\n" + text[first:second], encoding="utf-8")
    assert messages(books_copy) == []


# -- the documentation tells the truth ---------------------------------------------------------------------

def test_the_readme_correction_is_accepted_in_a_locked_year_and_names_what_it_corrects(books_copy):
    readme = (LEDGER.parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Rättelse.**"):]
    example = section[section.index("```beancount\n") + len("```beancount\n"):section.index("```\n", section.index("```beancount"))]
    assert "^rattelse-LF1-2022" in example and 'rattar: "LF1 2022"' in example
    with (books_copy.parent / "2022" / "rattelse.beancount").open("w", encoding="utf-8") as file:
        file.write(example)
    assert lock_errors(books_copy) == []
    assert [error for error in messages(books_copy) if "rattelse.beancount" in error] == []
    entries, _, _ = loader.load_file(str(books_copy))
    [correction] = [e for e in entries if isinstance(e, Transaction) and "rattelse-LF1-2022" in e.links]
    assert correction.date.year == 2023 and correction.meta["ver"] == "A1"


def test_the_system_documentation_names_every_rule_and_the_lock_directives():
    from bergslaget_plugins.rules import RULES

    text = (LEDGER.parent.parent / "SYSTEMDOKUMENTATION.md").read_text(encoding="utf-8")
    main = LEDGER.read_text(encoding="utf-8")
    plugins = {line.split('"')[1].rsplit(".", 1)[-1] for line in main.splitlines() if line.startswith("plugin ")}
    named = {name.rsplit(".", 1)[-1] for name in RULES} | (plugins - {"rules"})
    assert named and all(f"`{name}`" in text for name in named), sorted(n for n in named if f"`{n}`" not in text)
    for directive in ('custom "låst år"', 'custom "låst verifikation"', 'custom "låst siffra"', 'custom "låskedja"', 'custom "upplåst år"'):
        assert directive in text
