"""CSV outputs for spreadsheets: a text cell is never read as a formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from bergslaget_plugins.csv_safety import csv_text, spreadsheet_cell
from bergslaget_plugins.render import report_as_csv, rows_as_csv
from bergslaget_plugins.statements import build_annual_report
from ledgers import load


def test_formula_starts_are_neutralised_numbers_are_not():
    assert spreadsheet_cell('=HYPERLINK("http://x";"y")') == '\'=HYPERLINK("http://x";"y")'
    assert spreadsheet_cell("+46 8 123") == "'+46 8 123"
    assert spreadsheet_cell("-1+2") == "'-1+2"
    assert spreadsheet_cell("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_cell("\t=1") == "'\t=1"
    assert spreadsheet_cell("-273319") == "-273319"
    assert spreadsheet_cell("-1234.50") == "-1234.50"
    assert spreadsheet_cell("+12") == "+12"
    assert spreadsheet_cell("Bergslaget") == "Bergslaget"
    assert spreadsheet_cell(Decimal("-5")) == Decimal("-5")
    assert csv_text(["a", "b"], [["=1", -3]]) == "a,b\n'=1,-3\n"


def test_report_csv_neutralises_a_counterparty_formula():
    entries, errors, options = load("""
    2021-03-01 * "Leverantör" "Faktura"
      ver: "A1"
      Expenses:6990-Övriga-externa-kostnader  100 SEK
      Liabilities:2440-Leverantörsskulder  -100 SEK
        motpart: "=HYPERLINK(1)"
    """)
    assert errors == []
    text = report_as_csv(build_annual_report(entries, options, 2021))
    rows = list(csv.reader(io.StringIO(text)))
    labels = [row[2] for row in rows]
    assert "'=HYPERLINK(1)" in labels
    assert "=HYPERLINK(1)" not in labels
    # A negative figure is still a plain number.
    assert ["Resultaträkning", "Kostnader", "Resultat", "", "Prel. 2021", "-100"] in rows  # no year-end: preliminary


def test_rows_as_csv_of_the_fee_specification_neutralises():
    # fee_report.specification_as_csv writes through render.rows_as_csv.
    assert rows_as_csv(["medlem", "avgift"], [["@Kommun", "-12.00"]]) == "medlem,avgift\n'@Kommun,-12.00\n"
