"""``bergslaget import``: beangulp's identify, extract and archive with CONFIG and HOOKS, and Fava's import page."""

from __future__ import annotations

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import datetime  # noqa: E402
import shutil  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402
from fava.core import FavaLedger  # noqa: E402
from fava.core.ingest import load_import_config  # noqa: E402

from importers import config  # noqa: E402
from importers.bgmax import BgMaxFile, BgMaxImporter, Deposit, Payment, write_bgmax  # noqa: E402
from importers.config import run  # noqa: E402
from importers.numbering import number_imported_verifications  # noqa: E402
from importers.sie_importer import SieImporter  # noqa: E402
from importers.swedbank import SwedbankImporter  # noqa: E402

REPOSITORY = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
SWEDBANK = TESTS / "data" / "swedbank"
BGMAX = TESTS / "data" / "bgmax"
CONFIG_FILE = REPOSITORY / "importers" / "config.py"

BOOKS = """
option "operating_currency" "SEK"

2020-01-01 open Assets:1510-Kundfordringar SEK
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Assets:1938-Bankgiroinbetalningar SEK
2020-01-01 open Liabilities:2999-OBS-konto SEK
2020-01-01 open Equity:2067-Balanserat-resultat SEK
2020-01-01 open Income:3994-Medlemsavgifter SEK
2020-01-01 open Expenses:6570-Bankkostnader SEK

2020-01-01 custom "medlem" "Storfors kommun"
  kundnr: 126
2020-01-01 custom "medlem" "Hofors kommun"
  kundnr: 102
  bankgiro: "5050-1055"

2022-01-01 * "Ingående balans"
  ver: "IB1"
  Assets:1930-Företagskonto  50000.00 SEK
  Equity:2067-Balanserat-resultat

2022-02-15 * "Storfors kommun" "Medlemsavgift 2022" ^faktura-2022126
  ver: "MA1"
  faktura: "2022126"
  ocr: "202212692"
  medlem: "Storfors kommun"
  Assets:1510-Kundfordringar  15268 SEK
    motpart: "Storfors kommun"
  Income:3994-Medlemsavgifter  -15268 SEK

2022-02-15 * "Hofors kommun" "Medlemsavgift 2022" ^faktura-2022102
  ver: "MA2"
  faktura: "2022102"
  ocr: "202210290"
  medlem: "Hofors kommun"
  Assets:1510-Kundfordringar  20000 SEK
    motpart: "Hofors kommun"
  Income:3994-Medlemsavgifter  -20000 SEK
"""

STATEMENT_HEADER = "Radnr,Clnr,Kontonr,Produkt,Valuta,Bokfdag,Transdag,Valutadag,Referens,Text,Belopp,Saldo"


def books_file(folder: Path, extra: str = "") -> Path:
    path = folder / "bokforing.beancount"
    path.write_text(BOOKS + extra, encoding="utf-8")
    return path


def day_files(folder: Path) -> tuple[Path, Path]:
    """A day's BgMax file (three payments) and the bank statement with Bankgirot's lump sum."""
    bgmax = BgMaxFile(
        datetime.datetime(2022, 3, 15, 6, 0),
        (
            Deposit(
                "58449216",
                datetime.date(2022, 3, 14),
                (
                    Payment(Decimal("15268.00"), reference="202212692", bgc_serial="000000000001", name="Storfors kommun"),
                    Payment(Decimal("20000.00"), reference="", reference_code=0, sender_bankgiro="50501055",
                            bgc_serial="000000000002", name="Hofors kommun"),
                    Payment(Decimal("500.00"), reference="12345", bgc_serial="000000000003", name="Okänd förening"),
                ),
                bank_account="83279923456789",
                serial=1,
            ),
        ),
    )  # fmt: skip
    bgmax_path = folder / "BGMAX_58449216_20220315.txt"
    write_bgmax(bgmax_path, bgmax)
    statement = folder / "Transaktioner_2022-03-15.csv"
    statement.write_bytes(
        "\r\n".join(
            [
                "* Transaktioner Period 2022-03-14 – 2022-03-15 Skapad 2022-03-16 08:00",
                STATEMENT_HEADER,
                "1,8327-9,923456789,Företagskonto,SEK,2022-03-15,2022-03-15,2022-03-15,,PRIS BANKGIRO,-3.00,85765.00",
                "2,8327-9,923456789,Företagskonto,SEK,2022-03-14,2022-03-14,2022-03-14,5844-9216,"
                "BG INSÄTTNING 5844-9216,35768.00,85768.00",
                "",
            ]
        ).encode("cp1252")
    )
    return bgmax_path, statement


def balances(entries: list[data.Directive]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                totals[posting.account] = totals.get(posting.account, Decimal(0)) + posting.units.number
    return totals


def load_all(*paths: Path) -> list[data.Directive]:
    main = paths[0].parent / "alla.beancount"
    main.write_text("".join(f'include "{path.name}"\n' for path in paths), encoding="utf-8")
    entries, errors, _options = loader.load_file(str(main))
    assert errors == [], [error.message for error in errors]
    return entries


# --- The two imports together ----------------------------------------------------------------


def test_both_files_of_a_day_leave_1938_at_zero_and_1930_at_the_statement_balance(tmp_path: Path) -> None:
    bgmax_path, statement = day_files(tmp_path)
    books = books_file(tmp_path)
    output = tmp_path / "nya.beancount"
    # The association's own configuration and rules file (ledger/importregler.csv).
    assert run(["extract", "-e", str(books), "-o", str(output), str(statement), str(bgmax_path)]) == 0
    entries = load_all(books, output)  # includes the statement's balance assertion on 1930
    totals = balances(entries)
    assert totals["Assets:1938-Bankgiroinbetalningar"] == 0
    assert totals["Assets:1930-Företagskonto"] == Decimal("85765.00")  # the statement's newest Saldo
    assert totals["Assets:1510-Kundfordringar"] == 0
    assert totals["Liabilities:2999-OBS-konto"] == Decimal("-500.00")  # the unknown payment, for the accountant
    (assertion,) = [entry for entry in entries if isinstance(entry, data.Balance)]
    assert (str(assertion.date), assertion.amount.number) == ("2022-03-16", Decimal("85765.00"))
    text = output.read_text(encoding="utf-8")
    assert 'ver: "A1"' in text and 'ver: "A2"' in text and 'ver: "BG3"' in text


def test_only_the_bank_statement_leaves_the_deposit_on_1938(tmp_path: Path) -> None:
    _bgmax_path, statement = day_files(tmp_path)
    books = books_file(tmp_path)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-e", str(books), "-o", str(output), str(statement)]) == 0
    totals = balances(load_all(books, output))
    assert totals["Assets:1938-Bankgiroinbetalningar"] == Decimal("-35768.00")  # the BgMax file is missing


# --- extract ----------------------------------------------------------------------------------


def test_extract_then_extract_again_adds_nothing(tmp_path: Path) -> None:
    bgmax_path, statement = day_files(tmp_path)
    books = books_file(tmp_path)
    first = tmp_path / "forsta.beancount"
    assert run(["extract", "-e", str(books), "-o", str(first), str(statement), str(bgmax_path)]) == 0
    both = tmp_path / "bada.beancount"
    both.write_text(f'include "{books.name}"\ninclude "{first.name}"\n', encoding="utf-8")
    second = tmp_path / "andra.beancount"
    assert run(["extract", "-e", str(both), "-o", str(second), str(statement), str(bgmax_path)]) == 0
    lines = [line for line in second.read_text(encoding="utf-8").splitlines() if line.strip()]
    uncommented = [line for line in lines if not line.startswith((";", "****"))]
    assert uncommented == []  # every entry is written as a commented-out duplicate
    assert sum(line.startswith("; duplicate of ") for line in lines) == 6  # 2 rows, 1 balance, 3 payments
    entries, errors, _options = loader.load_file(str(second))
    assert errors == [] and entries == []


def test_a_broken_file_exits_non_zero_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "tk70_antal.txt"
    shutil.copy(BGMAX / "trasiga" / "tk70_antal.txt", broken)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-o", str(output), str(broken)]) == 1
    assert not output.exists()
    errors = capsys.readouterr().err
    assert f"BgMax-filen kan inte läsas: {broken}" in errors
    assert "rad 30: TK70: slutposten anger 9 betalningsposter (TK20) men filen har 8" in errors
    assert "Traceback" not in errors


def test_a_broken_statement_exits_non_zero_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "utf8.csv"
    shutil.copy(SWEDBANK / "trasiga" / "utf8.csv", broken)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-o", str(output), str(broken)]) == 1
    assert not output.exists()
    assert "filen är kodad i UTF-8" in capsys.readouterr().err


def test_two_bgmax_files_in_one_run_get_consecutive_numbers(tmp_path: Path) -> None:
    books = books_file(tmp_path)
    for day, serial in ((14, 1), (15, 2)):
        bgmax = BgMaxFile(
            datetime.datetime(2022, 3, day + 1, 6, 0),
            (
                Deposit(
                    "58449216",
                    datetime.date(2022, 3, day),
                    (Payment(Decimal("100.00"), reference="12345", bgc_serial=f"{serial:012d}"),
                     Payment(Decimal("200.00"), reference="12345", bgc_serial=f"{serial + 10:012d}")),
                    serial=serial,
                ),
            ),
        )  # fmt: skip
        write_bgmax(tmp_path / f"bgmax{day}.txt", bgmax)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-e", str(books), "-o", str(output), str(tmp_path / "bgmax15.txt"), str(tmp_path / "bgmax14.txt")]) == 0
    entries = [entry for entry in load_all(books, output) if str(entry.meta.get("ver", "")).startswith("BG")]
    assert [(str(entry.date), entry.meta["ver"]) for entry in entries] == [
        ("2022-03-14", "BG1"), ("2022-03-14", "BG2"), ("2022-03-15", "BG3"), ("2022-03-15", "BG4"),
    ]  # fmt: skip


def test_the_numbering_hook_skips_duplicates_and_counts_only_the_books() -> None:
    books, errors, _options = loader.load_string(BOOKS + '\n2022-03-01 * "x"\n  ver: "BG7"\n  Assets:1938-Bankgiroinbetalningar  1 SEK\n  Liabilities:2999-OBS-konto\n')
    assert errors == []
    known = next(entry for entry in books if isinstance(entry, data.Transaction) and entry.meta.get("ver") == "BG7")
    new = [
        data.Transaction({"ver": "BG1"}, datetime.date(2022, 3, 20), "*", None, "ny", frozenset(), frozenset(), []),
        data.Transaction({"ver": "BG2", "__duplicate__": known}, datetime.date(2022, 3, 21), "*", None, "dubblett", frozenset(), frozenset(), []),
        data.Transaction({"ver": "BG3"}, datetime.date(2022, 3, 22), "*", None, "ny", frozenset(), frozenset(), []),
    ]
    # beangulp passes the books with the extracted entries appended; Fava passes the books only.
    for existing in (books + new, books):
        result = number_imported_verifications([("fil.txt", new, "Assets:1938-Bankgiroinbetalningar", None)], existing)
        assert [entry.meta["ver"] for entry in result[0][1]] == ["BG8", "BG7", "BG9"]


# --- identify and archive ---------------------------------------------------------------------


def test_identify_names_the_importer_of_each_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bgmax_path, statement = day_files(tmp_path)
    (tmp_path / "anteckning.txt").write_text("inget för importen\n", encoding="utf-8")
    assert run(["identify", str(tmp_path)]) == 1  # a file that is not imported fails the run, as in extract
    captured = capsys.readouterr()
    assert f"* {statement} ... OK\n  importers.swedbank.SwedbankImporter" in captured.out
    assert f"* {bgmax_path} ... OK\n  importers.bgmax.BgMaxImporter" in captured.out
    assert f"* {tmp_path / 'anteckning.txt'} ... INTE IMPORTERAD\n" in captured.out
    assert "ingen import känner igen filen" in captured.err


def test_archive_files_documents_by_account_and_date(tmp_path: Path) -> None:
    inbox = tmp_path / "inkorg"
    inbox.mkdir()
    bgmax_path, statement = day_files(inbox)
    documents = tmp_path / "dokument"
    documents.mkdir()
    assert run(["archive", "-o", str(documents), str(statement), str(bgmax_path)]) == 0
    assert not statement.exists() and not bgmax_path.exists()
    assert sorted(str(path.relative_to(documents)) for path in documents.rglob("*") if path.is_file()) == [
        "Assets/1930-Företagskonto/2022-03-15.kontoutdrag-83279-923456789.csv",
        "Assets/1938-Bankgiroinbetalningar/2022-03-15.bgmax-060000.txt",
    ]


def test_archive_defaults_to_the_ledgers_documents_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _bgmax_path, statement = day_files(tmp_path)
    assert run(["archive", "--dry-run", str(statement)]) == 0  # dry run: nothing moves
    assert statement.exists()
    expected = REPOSITORY / "ledger" / "dokument" / "Assets" / "1930-Företagskonto" / "2022-03-15.kontoutdrag-83279-923456789.csv"
    assert str(expected) in capsys.readouterr().err


def test_archive_refuses_to_overwrite(tmp_path: Path) -> None:
    _bgmax_path, statement = day_files(tmp_path)
    documents = tmp_path / "dokument"
    target = documents / "Assets" / "1930-Företagskonto" / "2022-03-15.kontoutdrag-83279-923456789.csv"
    target.parent.mkdir(parents=True)
    target.write_text("tidigare\n", encoding="utf-8")
    assert run(["archive", "-o", str(documents), str(statement)]) == 1
    assert statement.exists() and target.read_text(encoding="utf-8") == "tidigare\n"


# --- Configuration: rules file, Fava ---------------------------------------------------------


def test_the_rules_file_can_be_named_by_an_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.rules_path() == REPOSITORY / "ledger" / "importregler.csv"
    rules = tmp_path / "regler.csv"
    rules.write_text("falt;monster;riktning;konto;motpart;kommentar\ntext;*;;Expenses:6570-Bankkostnader;;allt\n", encoding="utf-8")
    monkeypatch.setenv(config.RULES_ENVIRONMENT_VARIABLE, str(rules))
    swedbank = config.build_config()[0]
    assert isinstance(swedbank, SwedbankImporter) and swedbank.rules_path == rules
    _bgmax_path, statement = day_files(tmp_path)
    output = tmp_path / "nya.beancount"
    assert run(["extract", "-o", str(output), str(statement)]) == 0
    assert "Liabilities:2999-OBS-konto" not in output.read_text(encoding="utf-8")
    assert output.read_text(encoding="utf-8").count("Expenses:6570-Bankkostnader") == 2


def test_the_configuration_is_the_associations() -> None:
    swedbank, bgmax, sie = config.CONFIG
    assert isinstance(swedbank, SwedbankImporter) and isinstance(bgmax, BgMaxImporter)
    assert isinstance(sie, SieImporter)
    assert (swedbank.bank_account, swedbank.suspense_account, swedbank.series) == (
        "Assets:1930-Företagskonto", "Liabilities:2999-OBS-konto", "A",
    )  # fmt: skip
    assert (bgmax.bankgiro, bgmax.clearing_account, bgmax.receivables_account, bgmax.suspense_account, bgmax.series) == (
        "58449216", "Assets:1938-Bankgiroinbetalningar", "Assets:1510-Kundfordringar", "Liabilities:2999-OBS-konto", "BG",
    )  # fmt: skip
    chart, _errors, _options = loader.load_file(str(REPOSITORY / "ledger" / "kontoplan.beancount"))
    opened = {entry.account for entry in chart if isinstance(entry, data.Open)}
    assert {swedbank.bank_account, swedbank.suspense_account, bgmax.clearing_account, bgmax.receivables_account} <= opened


def test_fava_loads_the_import_configuration() -> None:
    loaded = load_import_config(CONFIG_FILE)
    assert sorted(loaded.importers) == ["importers.bgmax.BgMaxImporter", "importers.sie_importer.SieImporter",
                                        "importers.swedbank.SwedbankImporter"]
    assert [hook.__name__ for hook in loaded.hooks] == ["number_imported_verifications"]


def test_fava_import_page_lists_and_extracts(tmp_path: Path) -> None:
    inbox = tmp_path / "inkorg"
    inbox.mkdir()
    bgmax_path, statement = day_files(inbox)
    shutil.copy(BGMAX / "trasiga" / "tk70_antal.txt", inbox / "trasig.txt")
    ledger = books_file(
        tmp_path,
        f'\n2020-01-01 custom "fava-option" "import-config" "{CONFIG_FILE}"\n'
        '2020-01-01 custom "fava-option" "import-dirs" "inkorg"\n',
    )
    fava = FavaLedger(str(ledger))
    assert fava.ingest.errors == ()
    listed = {item.basename: [(info.importer_name, info.account, info.name) for info in item.importers] for item in fava.ingest.import_data()}
    assert listed == {
        bgmax_path.name: [("importers.bgmax.BgMaxImporter", "Assets:1938-Bankgiroinbetalningar", "bgmax-060000.txt")],
        statement.name: [("importers.swedbank.SwedbankImporter", "Assets:1930-Företagskonto", "kontoutdrag-83279-923456789.csv")],
        # Listed (it cannot be read, so it keeps its own name); extracting it reports why.
        "trasig.txt": [("importers.bgmax.BgMaxImporter", "Assets:1938-Bankgiroinbetalningar", "trasig.txt")],
    }
    payments = fava.ingest.extract(str(bgmax_path), "importers.bgmax.BgMaxImporter")
    assert [(entry.flag, entry.meta["ver"], entry.narration) for entry in payments] == [
        ("*", "BG1", "Inbetalning medlemsavgift 2022, faktura 2022126"),
        ("*", "BG2", "Inbetalning medlemsavgift 2022, faktura 2022102"),
        ("!", "BG3", "Ingen öppen faktura med OCR 12345"),
    ]
    with pytest.raises(Exception) as refused:
        fava.ingest.extract(str(inbox / "trasig.txt"), "importers.bgmax.BgMaxImporter")
    assert "TK70: slutposten anger 9 betalningsposter" in str(refused.value.__cause__)


def test_the_bergslaget_command_runs_the_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bergslaget_plugins.cli import main

    _bgmax_path, statement = day_files(tmp_path)
    assert main(["import", "identify", str(statement)]) == 0
    assert "importers.swedbank.SwedbankImporter" in capsys.readouterr().out
