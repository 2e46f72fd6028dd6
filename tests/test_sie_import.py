"""SIE 4 import: a file becomes Beancount books; the round trip of the real books; --into; refusals."""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Transaction

from bergslaget_plugins import cli
from bergslaget_plugins.chart import bas_number
from bergslaget_plugins.sie.check import check_document
from bergslaget_plugins.sie.document import read_sie_bytes
from bergslaget_plugins.sie.to_beancount import ImportRefused, account_leaf, convert
from bergslaget_plugins.sie.writer import collect_export, encode_pc8, render_sie

SIE_FILE = """
#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Ett AB"
#RAR 0 20220101 20221231
#KONTO 1930 "Företagskonto/checkkonto"
#KONTO 2081 "Aktiekapital"
#KONTO 2440 "Leverantörsskulder"
#KONTO 3010 "Försäljning"
#KONTO 5010 "Lokalhyra"
#IB 0 1930 1000.00
#IB 0 2081 -1000.00
#UB 0 1930 900.00
#UB 0 2081 -1000.00
#UB 0 2440 -100.00
#RES 0 3010 -80.00
#RES 0 5010 280.00
#VER A 1 20220110 "Hyra \\"januari\\""
{
   #TRANS 5010 {1 "100"} 280.00
   #TRANS 1930 {} -180.00 20220111 "Bankbetalning"
   #TRANS 2440 {} -100.00
}
#VER B 7 20220120 "Kontantförsäljning"
{
   #TRANS 1930 {} 80.00
   #TRANS 3010 {} -80.00 "" "" 2
}
"""


def _bytes(text: str) -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode("cp437")


def _load(text: str):
    entries, errors, options = loader.load_string(text)
    assert errors == [], [error.message for error in errors]
    return entries, options


def test_a_file_becomes_books_that_hold_its_balances() -> None:
    document = read_sie_bytes(_bytes(SIE_FILE), "ett.se")
    conversion = convert(document, check_document(document))
    entries, _ = _load(conversion.text)  # every #UB and #RES assertion holds
    assert "Assets:1930-Företagskonto-checkkonto" in conversion.opened
    assert "Equity:2081-Aktiekapital" in conversion.opened
    assert "Liabilities:2440-Leverantörsskulder" in conversion.opened
    assert "Income:3010-Försäljning" in conversion.opened and "Expenses:5010-Lokalhyra" in conversion.opened
    transactions = [entry for entry in entries if isinstance(entry, Transaction)]
    opening, rent, sale = transactions
    assert opening.date == datetime.date(2022, 1, 1) and opening.meta["ver"] == "IB1"
    assert rent.meta["ver"] == "A1" and rent.meta["sie_serie"] == "A" and rent.meta["sie_nummer"] == "1"
    assert rent.narration == 'Hyra "januari"'
    assert rent.postings[0].meta["objekt"] == "1:100"
    assert rent.postings[1].meta["text"] == "Bankbetalning"
    assert rent.postings[1].meta["transdatum"] == datetime.date(2022, 1, 11)
    assert sale.meta["ver"] == "B7" and sale.postings[1].meta["kvantitet"] == Decimal(2)
    assert "2023-01-01 balance Assets:1930-Företagskonto-checkkonto" in conversion.text
    assert "2023-01-01 balance Income:3010-Försäljning" in conversion.text


def test_account_names_are_valid_beancount_components() -> None:
    assert account_leaf("1930", "Bank, PlusGiro") == "1930-Bank-PlusGiro"
    assert account_leaf("8300", "Ränteintäkter") == "8300-Ränteintäkter"
    assert account_leaf("2081", "") == "2081"
    assert account_leaf("diff", "Avrundning") == "Kdiff-Avrundning"
    for number, name in [("1510", "Kundfordringar (\"ej\" förfallna) / 30 d"), ("x1", "–"), ("1", "a" * 200)]:
        _, errors, _ = loader.load_string(f"2022-01-01 open Assets:{account_leaf(number, name)} SEK")
        assert errors == []


def test_a_file_with_a_defect_is_refused_and_nothing_written(tmp_path: Path, capsys) -> None:
    broken = SIE_FILE.replace("   #TRANS 3010 {} -80.00", "   #TRANS 3010 {} -79.00")
    source = tmp_path / "trasig.se"
    source.write_bytes(_bytes(broken))
    target = tmp_path / "ny.beancount"
    assert cli.main(["sie", "import", str(source), "-o", str(target)], io.StringIO()) == 1
    message = capsys.readouterr().err
    assert "verifikation B 7" in message and "balanserar inte" in message and "trasig.se:24" in message
    assert not target.exists()
    document = read_sie_bytes(_bytes(broken))
    with pytest.raises(ImportRefused):
        convert(document, check_document(document))


def test_a_defect_imported_anyway_is_flagged_and_named(tmp_path: Path) -> None:
    source = tmp_path / "trasig.se"
    source.write_bytes(_bytes(SIE_FILE.replace("#UB 0 1930 900.00", "#UB 0 1930 901.00")))
    target = tmp_path / "ny.beancount"
    assert cli.main(["sie", "import", str(source), "-o", str(target), "--trots-fel"], io.StringIO()) == 0
    text = target.read_text(encoding="utf-8")
    assert "--trots-fel" in text and "FEL I SIE-FILEN: konto 1930" in text
    _, errors, _ = loader.load_file(str(target))
    assert any("1930" in error.message for error in errors)  # the failing assertion shows in bean-check too
    unbalanced = tmp_path / "obalans.se"
    unbalanced.write_bytes(_bytes(SIE_FILE.replace("   #TRANS 3010 {} -80.00", "   #TRANS 3010 {} -79.00")))
    document = read_sie_bytes(unbalanced.read_bytes(), str(unbalanced))
    conversion = convert(document, check_document(document), accept_defects=True)
    assert '; FEL I SIE-FILEN: verifikation B 7 (2022-01-20) balanserar inte' in conversion.text
    assert '2022-01-20 ! "Kontantförsäljning"' in conversion.text


def test_an_existing_file_is_never_overwritten(tmp_path: Path, capsys) -> None:
    source = tmp_path / "ett.se"
    source.write_bytes(_bytes(SIE_FILE))
    target = tmp_path / "bocker.beancount"
    target.write_text("; mina böcker\n", encoding="utf-8")
    assert cli.main(["sie", "import", str(source), "-o", str(target)], io.StringIO()) == 2
    assert "finns redan" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "; mina böcker\n"


EXISTING_BOOKS = '''
option "operating_currency" "SEK"
2021-01-01 open Assets:1930-Företagskonto SEK
2021-01-01 open Equity:2081-Aktiekapital SEK
2021-01-01 open Expenses:5010-Lokalhyra SEK
2021-06-01 * "Aktiekapital"
  ver: "A1"
  Assets:1930-Företagskonto  1000 SEK
  Equity:2081-Aktiekapital  -1000 SEK
2022-01-10 * "Hyra januari (bokförd för hand)"
  ver: "A1"
  Expenses:5010-Lokalhyra  280 SEK
  Assets:1930-Företagskonto  -180 SEK
  Assets:1930-Företagskonto  -100 SEK
include "sie-2022.beancount"
'''


def test_into_existing_books_reuses_accounts_and_skips_what_is_booked(tmp_path: Path) -> None:
    main = tmp_path / "main.beancount"
    main.write_text(EXISTING_BOOKS.replace('include "sie-2022.beancount"\n', ""), encoding="utf-8")
    source = tmp_path / "ett.se"
    # A1 is booked already (by hand, with the supplier debt paid at once): only B7 and the new accounts come in.
    source.write_bytes(_bytes(SIE_FILE.replace("#UB 0 2440 -100.00\n", "").replace(
        "   #TRANS 2440 {} -100.00", "   #TRANS 1930 {} -100.00").replace("#UB 0 1930 900.00", "#UB 0 1930 800.00")))
    target = tmp_path / "sie-2022.beancount"
    out = io.StringIO()
    assert cli.main(["sie", "import", str(source), "--into", str(main), "-o", str(target)], out) == 0
    assert "1 verifikationer" in out.getvalue() and "1 redan bokförda" in out.getvalue()
    text = target.read_text(encoding="utf-8")
    assert "open Assets:1930" not in text and "open Income:3010-Försäljning" in text
    assert '"Kontantförsäljning"' in text and "Hyra" not in text
    assert "option" not in text
    # The books already hold 2021: the opening balances are checked, not booked again.
    assert "2022-01-01 balance Assets:1930-Företagskonto" in text
    main.write_text(EXISTING_BOOKS, encoding="utf-8")
    _, errors, _ = loader.load_file(str(main))
    assert errors == [], [error.message for error in errors]


def _original_figures(entries, options, year: int):
    """Balances by BAS number at the start and end of ``year`` and the year's result, straight from the postings."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    result_roots = (options["name_income"], options["name_expenses"])
    previous_earnings = bas_number(options["account_previous_earnings"])
    opening: dict[str, Decimal] = defaultdict(Decimal)
    closing: dict[str, Decimal] = defaultdict(Decimal)
    result = Decimal(0)
    for entry in entries:
        if not isinstance(entry, Transaction) or entry.date > last:
            continue
        for posting in entry.postings:
            number = bas_number(posting.account)
            is_result = posting.account.startswith(result_roots)
            if is_result and entry.date >= first:
                result += posting.units.number
            if is_result:
                number = previous_earnings if entry.date < first else None
            if number is None:
                continue
            closing[number] += posting.units.number
            if entry.date < first:
                opening[number] += posting.units.number
    return ({k: v for k, v in opening.items() if v}, {k: v for k, v in closing.items() if v}, result)


def _imported_figures(entries, options):
    opening: dict[str, Decimal] = defaultdict(Decimal)
    closing: dict[str, Decimal] = defaultdict(Decimal)
    result = Decimal(0)
    for entry in entries:
        if not isinstance(entry, Transaction):
            continue
        for posting in entry.postings:
            number = bas_number(posting.account)
            if posting.account.startswith((options["name_income"], options["name_expenses"])):
                result += posting.units.number
                continue
            closing[number] += posting.units.number
            if entry.meta.get("ver") == "IB1":
                opening[number] += posting.units.number
    return ({k: v for k, v in opening.items() if v}, {k: v for k, v in closing.items() if v}, result)


def test_round_trip_of_the_real_books(books, tmp_path: Path) -> None:
    """Export 2022, import it into empty books: every balance at both year-ends and the result are the original's."""
    entries, errors, options = books
    assert errors == []
    data = encode_pc8(render_sie(collect_export(entries, options, 2022, generated=datetime.date(2023, 2, 15))))
    source = tmp_path / "bergslaget-2022.se"
    source.write_bytes(data)
    target = tmp_path / "importerad.beancount"
    assert cli.main(["sie", "import", str(source), "-o", str(target)], io.StringIO()) == 0
    imported, import_errors, imported_options = loader.load_file(str(target))
    assert import_errors == [], [error.message for error in import_errors]
    original = _original_figures(entries, options, 2022)
    again = _imported_figures(imported, imported_options)
    assert again[0] == original[0]  # 2021-12-31
    assert again[1] == original[1]  # 2022-12-31
    assert again[2] == original[2] == Decimal(273319)  # the year's result (a loss)
    assert sum(amount for number, amount in again[1].items() if number.startswith("1")) == Decimal(974604)
    verifications = {entry.meta["ver"] for entry in imported if isinstance(entry, Transaction)} - {"IB1"}
    assert verifications == {entry.meta["ver"] for entry in entries
                             if isinstance(entry, Transaction) and entry.date.year == 2022}
    names = {entry.account for entry in imported if type(entry).__name__ == "Open"}
    assert "Assets:1930-Företagskonto-checkkonto-affärskonto" in names


def test_import_to_standard_output(tmp_path: Path) -> None:
    source = tmp_path / "ett.se"
    source.write_bytes(_bytes(SIE_FILE))
    out = io.StringIO()
    assert cli.main(["sie", "import", str(source)], out) == 0
    _load(out.getvalue())


def test_control_characters_from_a_file_do_not_reach_the_books() -> None:
    text = SIE_FILE.replace('#VER B 7 20220120 "Kontantförsäljning"', '#VER B 7 20220120 "Kontant\x0cförsäljning\x00"')
    document = read_sie_bytes(_bytes(text))
    entries, _ = _load(convert(document, check_document(document)).text)
    assert [entry.narration for entry in entries if isinstance(entry, Transaction)][-1] == "Kontant försäljning "


def test_an_unwritable_output_is_said_not_raised(tmp_path: Path, capsys) -> None:
    source = tmp_path / "ett.se"
    source.write_bytes(_bytes(SIE_FILE))
    missing = tmp_path / "finns-inte" / "ny.beancount"
    assert cli.main(["sie", "import", str(source), "-o", str(missing)], io.StringIO()) == 2
    assert "kan inte skrivas" in capsys.readouterr().err
    assert cli.main(["sie", "export", "--year", "2022", "-o", str(tmp_path / "finns-inte" / "x.se")], io.StringIO()) == 2
    assert "kan inte skrivas" in capsys.readouterr().err



_NAMED = '#KONTO 143010 "Kundfordran"\n#KONTO 2621 "Moms"\n'


@pytest.mark.parametrize(("first_chart", "second_chart"), [("", _NAMED), (_NAMED, "")])
def test_into_reuses_accounts_an_earlier_import_opened_without_a_name_or_with_a_long_number(
        tmp_path: Path, first_chart: str, second_chart: str) -> None:
    # A 4I file may name no accounts (leaf "2621"), another program numbers with six digits ("143010-Kundfordran"):
    # importing the next file into those books reuses them instead of opening them twice.
    def sie_file(chart: str, number: int) -> bytes:
        return _bytes(f'#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#FNAMN "Ett AB"\n{chart}'
                      f'#VER K {number} 2022011{number} "Försäljning"\n{{\n   #TRANS 143010 {{}} 100.00\n'
                      '   #TRANS 2621 {} -100.00\n}\n')
    first = tmp_path / "forsta.si"
    first.write_bytes(sie_file(first_chart, 1))
    books = tmp_path / "main.beancount"
    assert cli.main(["sie", "import", str(first), "-o", str(books)], io.StringIO()) == 0
    second = tmp_path / "andra.si"
    second.write_bytes(sie_file(second_chart, 2))
    target = tmp_path / "andra.beancount"
    out = io.StringIO()
    assert cli.main(["sie", "import", str(second), "--into", str(books), "-o", str(target)], out) == 0
    assert "1 verifikationer, 0 nya konton" in out.getvalue()
    with books.open("a", encoding="utf-8") as handle:
        handle.write('include "andra.beancount"\n')
    _, errors, _ = loader.load_file(str(books))
    assert errors == [], [error.message for error in errors]


def test_into_refuses_another_organisations_file_and_writes_nothing(tmp_path: Path, capsys) -> None:
    # The books are Intresseföreningen Bergslaget's (forening.beancount); a file whose #ORGNR is another's is refused.
    source = tmp_path / "annan.se"
    source.write_bytes(_bytes(SIE_FILE.replace('#FNAMN "Ett AB"', '#FNAMN "Ett AB"\n#ORGNR 556000-0167')))
    target = tmp_path / "annan.beancount"
    main = Path(__file__).resolve().parent.parent / "ledger" / "main.beancount"
    assert cli.main(["sie", "import", str(source), "--into", str(main), "-o", str(target)], io.StringIO()) == 1
    error = capsys.readouterr().err
    assert "Ett AB (#ORGNR 556000-0167)" in error and "885501-2327" in error
    assert not target.exists()
    # The association's own export goes in (everything already booked is skipped).
    own = tmp_path / "egen.se"
    assert cli.main(["sie", "export", str(main), "--year", "2022", "-o", str(own)], io.StringIO()) == 0
    out = io.StringIO()
    assert cli.main(["sie", "import", str(own), "--into", str(main), "-o", str(target)], out) == 0
    assert "0 verifikationer, 0 nya konton" in out.getvalue()


def test_into_skips_vouchers_without_numbers_that_an_earlier_import_of_the_file_booked(tmp_path: Path) -> None:
    """A 4I file's vouchers may have no number (``#VER "" ""``): importing the file again into the
    books that hold it adds nothing (found by date, text and rows), where it used to book them twice."""
    rows = '{\n   #TRANS 1930 {} 100.00\n   #TRANS 3010 {} -100.00\n}\n'
    source = tmp_path / "kassa.si"
    source.write_bytes(_bytes('#FLAGGA 0\n#FORMAT PC8\n#SIETYP 4\n#FNAMN "Ett AB"\n#KONTO 1930 "Bank"\n#KONTO 3010 "Försäljning"\n'
                              f'#VER "" "" 20220110 "Kontant"\n{rows}#VER "" "" 20220110 "Kontant"\n{rows}'
                              f'#VER "" "" 20220111 "Kontant"\n{rows}'))
    books = tmp_path / "main.beancount"
    assert cli.main(["sie", "import", str(source), "-o", str(books)], io.StringIO()) == 0
    again = tmp_path / "igen.beancount"
    out = io.StringIO()
    assert cli.main(["sie", "import", str(source), "--into", str(books), "-o", str(again)], out) == 0
    assert "0 verifikationer" in out.getvalue() and "3 redan bokförda hoppades över" in out.getvalue()
    # A voucher the books do not hold yet (another day) is imported; the two alike ones stay two.
    source.write_bytes(source.read_bytes() + b"\r\n" + _bytes(f'#VER "" "" 20220112 "Kontant"\n{rows}'))
    third = tmp_path / "tredje.beancount"
    out = io.StringIO()
    assert cli.main(["sie", "import", str(source), "--into", str(books), "-o", str(third)], out) == 0
    assert "1 verifikationer" in out.getvalue() and "3 redan bokförda" in out.getvalue()
    with books.open("a", encoding="utf-8") as handle:
        handle.write('include "igen.beancount"\ninclude "tredje.beancount"\n')
    entries, errors, _ = loader.load_file(str(books))
    assert errors == [], [error.message for error in errors]
    assert sum(1 for entry in entries if isinstance(entry, Transaction) and entry.narration == "Kontant") == 4
