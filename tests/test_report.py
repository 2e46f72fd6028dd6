"""The annual report from the books: every published figure, the refusals and the checks."""

from __future__ import annotations

import csv
import datetime
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Custom, new_metadata

from bergslaget_plugins.statements import ReportError, build_annual_report
from conftest import LEDGER, REPOSITORY, SHARED
from ledgers import ledger_text, line_of, load

BERGSLAGET = Path(sys.executable).parent / "bergslaget"

# The published figures, as in ../shared/reference/arsredovisning-2022.json, so that the
# test runs where ../shared is absent; a separate test checks this copy against the file.
PUBLISHED = {
    ("Resultaträkning", "Medlemsavgifter"): (1013310, 1029000, 1029103),
    ("Resultaträkning", "Bidrag"): (2366087, 0, 0),
    ("Resultaträkning", "Försäljning"): (51299, 75000, 7124),
    ("Resultaträkning", "Övriga intäkter"): (0, 5000, 0),
    ("Resultaträkning", "Summa intäkter"): (3430696, 1109000, 1036227),
    ("Resultaträkning", "Personalkostnader"): (1774302, 1173265, 1088442),
    ("Resultaträkning", "Hyror"): (48504, 60000, 52872),
    ("Resultaträkning", "Tjänster"): (1939967, 167000, 139219),
    ("Resultaträkning", "Övriga omkostnader"): (92182, 10735, 29013),
    ("Resultaträkning", "Summa kostnader"): (3854955, 1411000, 1309546),
    ("Resultaträkning", "Resultat"): (-424259, -302000, -273319),
    ("Balansräkning", "Bank"): (1216494, 958543),
    ("Balansräkning", "Kundfordringar"): (13010, 0),
    ("Balansräkning", "Övriga kortfristiga fordringar"): (205096, 16061),
    ("Balansräkning", "Summa tillgångar"): (1434600, 974604),
    ("Balansräkning", "Leverantörsskulder"): (98706, 37083),
    ("Balansräkning", "Interimsskulder"): (307834, 219780),
    ("Balansräkning", "Övriga kortfristiga skulder"): (38780, 1780),
    ("Balansräkning", "Summa skulder"): (445320, 258643),
    ("Balansräkning", "Balanserat resultat"): (1413539, 989280),
    ("Balansräkning", "Årets resultat"): (-424259, -273319),
    ("Balansräkning", "Summa eget kapital"): (989280, 715961),
    ("Balansräkning", "Summa skulder och eget kapital"): (1434600, 974604),
    ("Not 1 Kundfordringar", "Tåg i Bergslagen"): (13010, 0),
    ("Not 1 Kundfordringar", "Summa"): (13010, 0),
    ("Not 2 Övriga kortfristiga fordringar", "Fastighets AB Hushagen"): (0, 16061),
    ("Not 2 Övriga kortfristiga fordringar", "Fordringar avseende projekt Bruk 2.0"): (205096, 0),
    ("Not 2 Övriga kortfristiga fordringar", "Summa"): (205096, 16061),
    ("Not 3 Leverantörsskulder", "Föreningssparbanken"): (574, 481),
    ("Not 3 Leverantörsskulder", "Borlänge kommun"): (52500, 10938),
    ("Not 3 Leverantörsskulder", "Falun Borlänge regionen"): (0, 25664),
    ("Not 3 Leverantörsskulder", "Walborg"): (4375, 0),
    ("Not 3 Leverantörsskulder", "SPP Pension och Försäkring"): (14624, 0),
    ("Not 3 Leverantörsskulder", "Triatech IT AB"): (895, 0),
    ("Not 3 Leverantörsskulder", "Bliwa"): (1800, 0),
    ("Not 3 Leverantörsskulder", "Volt Biologi"): (20625, 0),
    ("Not 3 Leverantörsskulder", "Bilbolaget Personbilar"): (1323, 0),
    ("Not 3 Leverantörsskulder", "Hotell Ryttaren"): (1990, 0),
    ("Not 3 Leverantörsskulder", "Summa"): (98706, 37083),
    ("Not 4 Interimsskulder", "Upplupna semesterlöner"): (101920, 103740),
    ("Not 4 Interimsskulder", "Upplupna sociala avgifter"): (64532, 32595),
    ("Not 4 Interimsskulder", "Löneskatt pension"): (86315, 83445),
    ("Not 4 Interimsskulder", "Skuld till Visit Dalarna kv 4"): (25067, 0),
    ("Not 4 Interimsskulder", "Upplupna kostnader"): (30000, 0),
    ("Not 4 Interimsskulder", "Summa"): (307834, 219780),
    ("Not 5 Övriga kortfristiga skulder", "Utgående moms"): (8726, 1780),
    ("Not 5 Övriga kortfristiga skulder", "Personalens källskatt"): (30054, 0),
    ("Not 5 Övriga kortfristiga skulder", "Summa"): (38780, 1780),
}


@pytest.fixture(scope="module")
def report_csv() -> dict[tuple[str, str], tuple[int, ...]]:
    """``bergslaget report --year 2022 --format csv``, run as the user runs it."""
    completed = subprocess.run(
        [str(BERGSLAGET), "report", "--year", "2022", "--format", "csv"],
        cwd=REPOSITORY, capture_output=True, text=True, check=True,
    )
    cells: dict[tuple[str, str], list[int]] = {}
    for row in csv.DictReader(io.StringIO(completed.stdout)):
        assert Decimal(row["belopp"]) == Decimal(row["belopp"]).to_integral_value()
        cells.setdefault((row["rapport"], row["rad"]), []).append(int(row["belopp"]))
    return {key: tuple(values) for key, values in cells.items()}


def test_books_pass_bean_check(books):
    _, errors, _ = books
    assert errors == []


def test_bean_check_command_reports_no_errors():
    completed = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(LEDGER)], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == completed.stderr == ""


def test_every_published_figure_of_2022(report_csv):
    assert report_csv == PUBLISHED


def test_published_copy_matches_the_reference_file():
    reference = SHARED / "reference" / "arsredovisning-2022.json"
    if not reference.exists():
        pytest.skip("../shared/reference finns inte här")
    data = json.loads(reference.read_text())
    figures: dict[tuple[str, str], tuple[int, ...]] = {}
    statement = data["resultatrakning"]
    for group in ("intakter", "kostnader"):
        for label, values in statement[group].items():
            figures[("Resultaträkning", label)] = tuple(values)
    figures[("Resultaträkning", "Resultat")] = tuple(statement["Resultat"])
    for group in ("tillgangar", "skulder", "eget_kapital"):
        for label, values in data["balansrakning"][group].items():
            figures[("Balansräkning", label.split(" (Not")[0])] = tuple(values)
    figures[("Balansräkning", "Summa skulder och eget kapital")] = tuple(data["balansrakning"]["Summa skulder och eget kapital"])
    for note, rows in data["noter"].items():
        if note == "columns":
            continue
        for label, values in rows.items():
            # The JSON spells out the row's second line, which the report prints as the row label.
            figures[(note, label.split(" (hyra")[0])] = tuple(values)
    assert figures == PUBLISHED


def test_text_report_prints_swedish_figures():
    completed = subprocess.run([str(BERGSLAGET), "report"], cwd=REPOSITORY, capture_output=True, text=True, check=True)
    text = completed.stdout
    assert "Resultaträkning" in text and "Bokslut 2021" in text and "Budget 2022" in text and "Bokslut 2022" in text
    assert "Resultat                                  -424 259      -302 000      -273 319" in text
    assert "Summa skulder och eget kapital           1 434 600       974 604" in text
    assert "Bidrag                                   2 366 087             0             0" in text


def test_html_report_is_a_document():
    completed = subprocess.run([str(BERGSLAGET), "report", "--format", "html"], cwd=REPOSITORY, capture_output=True, text=True, check=True)
    assert completed.stdout.startswith("<!DOCTYPE html>")
    assert "<td class=\"num\">-273 319</td>" in completed.stdout


def test_report_for_2021_has_opening_balances_beside_it(books):
    entries, _, options = books
    report = build_annual_report(entries, options, 2021)
    assert report.balance_sheet.columns == ("2020-12-31", "2021-12-31")
    assert report.balance_sheet.row("Balanserat resultat").values == (1413539, 1413539)
    assert report.balance_sheet.row("Summa tillgångar").values[1] == 1434600
    assert report.income_statement.row("Resultat").values == (0, 0, -424259)


# -- refusals -------------------------------------------------------------------------

UNMAPPED = """
2020-01-01 open Expenses:6991-Okänt SEK
  namn: "Okänd kostnad"
2021-03-01 * "Okänd" "Något"
  ver: "A1"
  Expenses:6991-Okänt  100 SEK
  Assets:1930-Företagskonto
"""


def test_report_refuses_an_account_without_mapping():
    entries, _, options = load(UNMAPPED)
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any("Expenses:6991-Okänt" in problem and "ingen rad" in problem for problem in refusal.value.problems)


def test_cli_refuses_an_unmapped_account_and_names_it(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text(UNMAPPED))
    completed = subprocess.run([str(BERGSLAGET), "report", str(ledger), "--year", "2021"], capture_output=True, text=True)
    assert completed.returncode != 0
    assert completed.stdout == ""
    assert "Expenses:6991-Okänt" in completed.stderr


def test_cli_refuses_books_with_errors(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text("""
    2021-03-01 * "Obalanserad"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -90 SEK
    """))
    completed = subprocess.run([str(BERGSLAGET), "report", str(ledger), "--year", "2021"], capture_output=True, text=True)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "main.beancount:" in completed.stderr


# -- the report's own checks on deliberately broken books --------------------------------

def test_check_assets_equal_liabilities_and_equity_on_unbalanced_books():
    entries, errors, options = load("""
    2021-03-01 * "Medlem" "Avgift, felaktigt bokförd"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -90 SEK
    """)
    assert errors, "the loader itself flags the unbalanced transaction"
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any("balanserar inte" in problem for problem in refusal.value.problems)


def test_check_rounded_statement_still_adds_up():
    entries, errors, options = load("""
    2021-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  0.50 SEK
      Assets:1510-Kundfordringar  0.50 SEK
        motpart: "Medlem"
      Income:3994-Medlemsavgifter  -1.00 SEK
    """)
    assert errors == []
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any("efter avrundning" in problem for problem in refusal.value.problems)


def test_check_each_note_sums_to_its_line():
    entries, errors, options = load("""
    2021-03-01 * "Leverantörer" "Tre små fakturor"
      ver: "A1"
      Expenses:6990-Övriga-externa-kostnader  1.20 SEK
      Liabilities:2440-Leverantörsskulder  -0.40 SEK
        motpart: "A"
      Liabilities:2440-Leverantörsskulder  -0.40 SEK
        motpart: "B"
      Liabilities:2440-Leverantörsskulder  -0.40 SEK
        motpart: "C"
    2021-03-02 * "Kassa" "Insättning"
      ver: "A2"
      Assets:1930-Företagskonto  1.20 SEK
      Expenses:6990-Övriga-externa-kostnader  -1.20 SEK
    2021-03-03 * "Avgift"
      ver: "A3"
      Assets:1930-Företagskonto  -1.20 SEK
      Income:3994-Medlemsavgifter  1.20 SEK
    """)
    assert errors == []
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any(problem.startswith("Not 2 (Leverantörsskulder) summerar till 0") for problem in refusal.value.problems)


def test_check_note_rows_need_a_counterparty():
    entries, _, options = load("""
    2021-03-01 * "Leverantör" "Faktura utan motpart"
      ver: "A1"
      Expenses:6990-Övriga-externa-kostnader  100 SEK
      Liabilities:2440-Leverantörsskulder  -100 SEK
    """)
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any("utan motpart" in problem for problem in refusal.value.problems)


def test_an_account_on_the_result_line_is_refused():
    """The former design booked the result over through an account on "Resultat" (8999)."""
    text = ledger_text("""
    2020-01-01 open Expenses:8999-Årets-resultat SEK
      namn: "Årets resultat"
      rad: "Resultat"
    """)
    _, errors, _ = loader.load_string(text.replace('option "title"', 'plugin "bergslaget_plugins.chart_of_accounts"\noption "title"'))
    [error] = errors
    assert "summarad" in error.message and error.source["lineno"] == line_of(text, "8999") + 1


def test_check_previous_result_must_be_disposed():
    entries, errors, options = load("""
    2021-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -100 SEK
    2022-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  50 SEK
      Income:3994-Medlemsavgifter  -50 SEK
    """)
    assert errors == []
    assert build_annual_report(entries, options, 2021).balance_sheet.row("Årets resultat").values == (0, 100)
    # An open year is reported (preliminary) with a remark; a closed year is refused.
    [remark] = build_annual_report(entries, options, 2022).remarks
    assert "100 kr vinst från tidigare år som inte disponerats" in remark
    closed = entries + [Custom(new_metadata("<test>", 1), datetime.date(2022, 12, 31), "bokslut", [])]
    with pytest.raises(ReportError) as refusal:
        build_annual_report(closed, options, 2022)
    assert any("100 kr vinst från tidigare år som inte disponerats" in problem for problem in refusal.value.problems)


def test_unbooked_results_land_on_equity_lines():
    """The disposition of 2021's result is booked; 2022's result stays on the result accounts."""
    entries, errors, options = load("""
    2021-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -100 SEK
    2022-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  50 SEK
      Income:3994-Medlemsavgifter  -50 SEK
    2022-05-12 * "Årsmötet: 2021 års resultat balanseras i ny räkning"
      ver: "A2"
      Equity:2069-Årets-resultat  100 SEK
      Equity:2067-Balanserat-resultat  -100 SEK
    """)
    assert errors == []
    report = build_annual_report(entries, options, 2022)
    sheet = report.balance_sheet
    assert sheet.row("Balanserat resultat").values == (0, 100)
    assert sheet.row("Årets resultat").values == (100, 50)
    assert sheet.row("Summa tillgångar").values == sheet.row("Summa skulder och eget kapital").values == (100, 150)


def test_earlier_results_follow_the_previous_earnings_option():
    """With account_previous_earnings on 2067, undisposed earlier results show as Balanserat resultat (as in Fava)."""
    text = ledger_text("""
    2021-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -100 SEK
    2022-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  50 SEK
      Income:3994-Medlemsavgifter  -50 SEK
    """).replace('"account_previous_earnings" "2069-Årets-resultat"', '"account_previous_earnings" "2067-Balanserat-resultat"')
    entries, errors, options = loader.load_string(text)
    sheet = build_annual_report(entries, options, 2022).balance_sheet
    assert sheet.row("Balanserat resultat").values == (0, 100)
    assert sheet.row("Årets resultat").values == (100, 50)


def test_earnings_option_naming_an_account_outside_the_chart_is_refused():
    text = ledger_text("").replace('"account_current_earnings" "2069-Årets-resultat"',
                                   '"account_current_earnings" "Equity:2069-Årets-resultat"')
    entries, _, options = loader.load_string(text)
    with pytest.raises(ReportError) as refusal:
        build_annual_report(entries, options, 2021)
    assert any('option "account_current_earnings" pekar på Equity:Equity:2069-Årets-resultat' in problem
               for problem in refusal.value.problems)


def test_report_lines_come_from_the_mapping_not_from_code():
    text = ledger_text(UNMAPPED.replace('namn: "Okänd kostnad"', 'namn: "Okänd kostnad"\n  rad: "Övriga omkostnader"'))
    entries, errors, options = loader.load_string(text)
    report = build_annual_report(entries, options, 2021)
    assert report.income_statement.row("Övriga omkostnader").values == (0, 0, 100)
    assert "Expenses:6991-Okänt" in report.income_statement.row("Övriga omkostnader").accounts
