"""SIE 4 export: the real books' 2022 file, the year's result per Beancount's clamp, the command."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from conftest import LEDGER

from bergslaget_plugins import cli
from bergslaget_plugins.sie.check import check_document
from bergslaget_plugins.sie.document import SieDocument, read_sie_bytes
from bergslaget_plugins.sie.encoding import PC8
from bergslaget_plugins.sie.writer import (
    ExportError,
    collect_export,
    encode_pc8,
    render_sie,
)


@pytest.fixture(scope="module")
def export_2022(books) -> tuple[bytes, SieDocument]:
    entries, errors, options = books
    assert errors == []
    export = collect_export(entries, options, 2022, generated=datetime.date(2023, 2, 15), program_version="test")
    data = encode_pc8(render_sie(export))
    return data, read_sie_bytes(data, "bergslaget-2022.se")


def test_the_2022_file_is_consistent_and_carries_its_checksum(export_2022) -> None:
    data, document = export_2022
    assert check_document(document) == []  # vouchers balance, IB + T = UB, T = RES, KSUMMA right
    assert document.checksum is not None and document.checksum.matches
    assert document.encoding == PC8 and "Intresseföreningen".encode("cp437") in data
    assert data.startswith(b"#FLAGGA 0\r\n#KSUMMA\r\n")


def test_the_2022_figures(export_2022) -> None:
    _, document = export_2022
    assert document.balances("RES")["3994"] == Decimal("-1029103.00")
    closing_class_1 = sum(amount for account, amount in document.balances("UB").items() if account.startswith("1"))
    assert closing_class_1 == Decimal("974604.00")
    assert document.balances("UB")["1930"] == Decimal("958543.00")
    # The year before, as #RAR -1, with its own balances.
    assert document.years[-1] == (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    assert document.balances("UB", -1) == {account: amount for account, amount in document.balances("IB").items()
                                           if account in document.balances("UB", -1)}


def test_the_header_comes_from_the_books(export_2022) -> None:
    data, document = export_2022
    text = data.decode("cp437")
    assert document.company_name == "Intresseföreningen Bergslaget"
    assert document.organisation_number == "885501-2327"
    assert '#ADRESS "" "Forskargatan 3" "781 70 Borlänge" ""' in text
    for record in ("#SIETYP 4", "#FORMAT PC8", "#RAR 0 20220101 20221231", "#RAR -1 20210101 20211231", "#KPTYP "):
        assert record in text
    assert '#KONTO 1930 "Företagskonto/checkkonto/affärskonto"' in text and "#KTYP 1930 T" in text
    assert "#KTYP 3994 I" in text and "#KTYP 5010 K" in text and "#KTYP 2440 S" in text


def test_vouchers_keep_series_number_date_and_text(export_2022, books) -> None:
    _, document = export_2022
    by_id = {(voucher.series, voucher.number): voucher for voucher in document.vouchers}
    first = by_id[("A", "1")]
    assert first.date == datetime.date(2022, 1, 10)
    assert first.text == "Walborg: Betalning av leverantörsskuld från 2021"
    assert [(row.account, row.amount, row.text) for row in first.rows] == [
        ("2440", Decimal("4375.00"), "Walborg"), ("1930", Decimal("-4375.00"), "")]
    entries = books[0]
    verifications_2022 = {entry.meta["ver"] for entry in entries
                          if type(entry).__name__ == "Transaction" and entry.date.year == 2022}
    assert {f"{series}{number}" for series, number in by_id} == verifications_2022


def test_amounts_have_a_decimal_point_and_two_decimals(export_2022) -> None:
    data, _ = export_2022
    for line in data.decode("cp437").splitlines():
        if line.strip().startswith(("#TRANS", "#IB", "#UB", "#RES")):
            amount = line.split()[3]
            whole, _, cents = amount.lstrip("-").partition(".")
            assert whole.isdigit() and len(cents) == 2, line


LEDGER_WITH_RESULT_IN_INCOME = '''
option "operating_currency" "SEK"
option "account_previous_earnings" "Equity:2069-Årets-resultat"
option "account_current_earnings" "Equity:2069-Årets-resultat"
2020-01-01 custom "förening" "Föreningen \\"Test\\""
  orgnr: "885501-2327"
  sate: "Borlänge"
  adress: "Gatan 1"
  postnummer: "781 70"
  ort: "Borlänge"
  bankgiro: "5844-9216"
2020-01-01 open Assets:1930-Företagskonto SEK
  namn: "Företagskonto"
2020-01-01 open Equity:2067-Balanserat-resultat SEK
  namn: "Balanserat resultat"
2020-01-01 open Equity:2069-Årets-resultat SEK
  namn: "Årets resultat"
2020-01-01 open Income:3994-Medlemsavgifter SEK
  namn: "Medlemsavgifter"
2020-01-01 open Expenses:5010-Lokalhyra SEK
  namn: "Lokalhyra"
2020-12-31 * "Ingående balans"
  ver: "IB1"
  Assets:1930-Företagskonto  1000 SEK
  Equity:2067-Balanserat-resultat  -1000 SEK
2021-03-01 * "Avgifter – 2021"
  ver: "A1"
  Assets:1930-Företagskonto  500 SEK
  Income:3994-Medlemsavgifter  -500 SEK
2022-05-12 * "Disposition av 2021 års resultat"
  ver: "A1"
  Equity:2069-Årets-resultat  500 SEK
  Equity:2067-Balanserat-resultat  -500 SEK
2022-06-01 * "Hyresvärden" "Hyra \\"juni\\""
  ver: "A2"
  Expenses:5010-Lokalhyra  200 SEK
  Assets:1930-Företagskonto  -200 SEK
'''


def test_the_year_result_stays_on_result_accounts_and_2069_carries_earlier_years() -> None:
    """Decision 5: UB of 2069 excludes the year's result, #RES carries it, IB of 2069 includes earlier years'."""
    entries, errors, options = loader.load_string(LEDGER_WITH_RESULT_IN_INCOME)
    assert errors == []
    export = collect_export(entries, options, 2022, generated=datetime.date(2023, 1, 15))
    document = read_sie_bytes(encode_pc8(render_sie(export)))
    assert check_document(document) == []
    assert document.balances("IB")["2069"] == Decimal("-500.00")  # 2021's result, not yet disposed
    assert document.balances("UB")["2069"] == Decimal("0.00")     # disposed at the annual meeting
    assert document.balances("UB")["2067"] == Decimal("-1500.00")
    assert document.balances("RES") == {"5010": Decimal("200.00")}
    assert document.balances("RES", -1) == {"3994": Decimal("-500.00")}
    assert "2069" not in document.balances("UB", -1)  # nothing on 2069 at the end of 2021: the result is on 3994
    assert document.company_name == 'Föreningen "Test"'
    texts = {voucher.text for voucher in document.vouchers}
    assert 'Hyresvärden: Hyra "juni"' in texts


def test_books_that_cannot_be_written_are_refused_by_name() -> None:
    entries, errors, options = loader.load_string(LEDGER_WITH_RESULT_IN_INCOME.replace(
        "Expenses:5010-Lokalhyra  200 SEK", "Expenses:5010-Lokalhyra  200.005 SEK").replace(
        "Assets:1930-Företagskonto  -200 SEK", "Assets:1930-Företagskonto  -200.005 SEK"))
    assert errors == []
    with pytest.raises(ExportError) as refused:
        collect_export(entries, options, 2022)
    assert any("200.005" in problem and "två decimaler" in problem for problem in refused.value.problems)
    without_organisation = [entry for entry in entries if getattr(entry, "type", None) != "förening"]
    with pytest.raises(ExportError) as refused:
        collect_export(without_organisation, options, 2022)
    assert any("förening" in problem for problem in refused.value.problems)


def test_export_command_writes_the_file(tmp_path: Path) -> None:
    target = tmp_path / "bergslaget-2022.se"
    out = io.StringIO()
    assert cli.main(["sie", "export", str(LEDGER), "--year", "2022", "-o", str(target)], out) == 0
    assert "2022" in out.getvalue() and str(target) in out.getvalue()
    document = read_sie_bytes(target.read_bytes())
    assert check_document(document) == []
    assert [path.name for path in tmp_path.iterdir()] == [target.name]  # no temporary file left
    assert cli.main(["sie", "check", str(target)], io.StringIO()) == 0


def test_export_4i_has_vouchers_and_no_balances(tmp_path: Path) -> None:
    target = tmp_path / "bergslaget-2022.si"
    assert cli.main(["sie", "export", str(LEDGER), "--year", "2022", "--type", "4I", "-o", str(target)], io.StringIO()) == 0
    document = read_sie_bytes(target.read_bytes())
    assert document.vouchers and not document.opening and not document.closing and not document.results
    assert check_document(document) == []


def test_export_of_a_year_without_books_is_refused(tmp_path: Path, capsys) -> None:
    target = tmp_path / "x.se"
    assert cli.main(["sie", "export", str(LEDGER), "--year", "1999", "-o", str(target)], io.StringIO()) == 2
    assert "1999" in capsys.readouterr().err
    assert not target.exists()
