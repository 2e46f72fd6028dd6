"""Swedbank CSV statements: samples against their expected output, refused files, de-duplication, rules."""

from __future__ import annotations

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402
from beancount.parser import printer  # noqa: E402
from beangulp import extract as beangulp_extract  # noqa: E402
from beangulp.testing import compare_expected, run_importer  # noqa: E402

from importers.common import ImportFileError  # noqa: E402
from importers.bank_rules import first_rule, parse_rules, read_rules  # noqa: E402
from importers.swedbank import PRIVATE_HEADER, SwedbankImporter, read_statement  # noqa: E402

from importers.config import read_books_setup  # noqa: E402

#: The repository books' account roles and chart (what the importers' configuration uses).
BOOK_ROLES, BOOK_CHART, _BANKGIRO = read_books_setup()


REPOSITORY = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "swedbank"
RULES = DATA / "importregler.csv"
SAMPLES = sorted(path for path in DATA.glob("*.csv") if path.name != RULES.name)
REFUSED = sorted((DATA / "trasiga").glob("*.csv"))

OPENINGS = """
option "operating_currency" "SEK"
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Assets:1938-Bankgiroinbetalningar SEK
2020-01-01 open Liabilities:2999-OBS-konto SEK
2020-01-01 open Expenses:6570-Bankkostnader SEK
2020-01-01 open Equity:2067-Balanserat-resultat SEK

2022-02-28 * "Ingående saldo"
  ver: "IB1"
  Assets:1930-Företagskonto  100000.00 SEK
  Equity:2067-Balanserat-resultat
"""


@pytest.fixture
def importer() -> SwedbankImporter:
    return SwedbankImporter.for_books(RULES, BOOK_ROLES, BOOK_CHART)


def extract(importer: SwedbankImporter, path: Path, existing: list[data.Directive]) -> list[data.Directive]:
    """What ``bergslaget import extract`` does for one file: extract, sort, mark duplicates."""
    entries = beangulp_extract.extract_from_file(importer, str(path), existing)
    importer.deduplicate(entries, existing)
    return entries


def load(text: str) -> list[data.Directive]:
    entries, errors, _options = loader.load_string(text)
    assert errors == [], [error.message for error in errors]
    return entries


def as_text(entries: list[data.Directive]) -> str:
    return "\n".join(printer.format_entry(entry) for entry in entries)


def write_cp1252(path: Path, lines: list[str]) -> Path:
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


# --- Samples and refusals ------------------------------------------------------------


def test_there_are_samples_of_both_variants() -> None:
    assert {path.name for path in SAMPLES} == {"foretag.csv", "privat.csv"}
    assert read_statement(DATA / "foretag.csv").variant == "företag"
    assert read_statement(DATA / "privat.csv").variant == "privat"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.name)
def test_sample_gives_the_expected_output(importer: SwedbankImporter, sample: Path) -> None:
    assert importer.identify(str(sample))
    diff = compare_expected(f"{sample}.beancount", *run_importer(importer, str(sample)))
    assert diff == [], "".join(diff)


@pytest.mark.parametrize("sample", REFUSED, ids=lambda path: path.name)
def test_broken_file_is_refused_with_the_expected_message(importer: SwedbankImporter, sample: Path) -> None:
    # Recognised as a Swedbank export, so beangulp reports it instead of skipping it.
    assert importer.identify(str(sample))
    with pytest.raises(ImportFileError) as refused:
        importer.extract(str(sample), [])
    expected = Path(f"{sample}.fel").read_text(encoding="utf-8").splitlines()
    assert [str(problem) for problem in refused.value.problems] == expected
    message = str(refused.value)
    assert message.startswith(f"Kontoutdraget kan inte läsas: {sample}")
    assert message.endswith("Inget har importerats från filen.")


def test_the_refused_samples_cover_each_rule() -> None:
    assert {path.name for path in REFUSED} == {
        "aldst_forst.csv",  # not newest first
        "avklippt.csv",  # truncated: a row with missing fields
        "fel_belopp.csv",  # an amount in Swedish notation
        "fel_rubrik.csv",  # wrong header
        "fel_saldo.csv",  # running balance does not follow
        "ogiltig_byte.csv",  # a byte Windows-1252 does not define
        "utf8.csv",  # UTF-8 instead of Windows-1252
    }


def test_amounts_are_decimals_and_the_balance_is_the_newest_saldo(importer: SwedbankImporter) -> None:
    entries = importer.extract(str(DATA / "foretag.csv"), [])
    transactions = [entry for entry in entries if isinstance(entry, data.Transaction)]
    assert len(transactions) == 7
    assert all(type(posting.units.number) is Decimal for entry in transactions for posting in entry.postings)
    (balance,) = [entry for entry in entries if isinstance(entry, data.Balance)]
    assert str(balance.date) == "2022-04-01"  # the day after the newest row
    assert balance.amount.number == Decimal("343197.10")
    assert balance.account == "Assets:1930-Företagskonto"


def test_the_extracted_statement_loads_and_its_balance_assertion_holds(importer: SwedbankImporter) -> None:
    existing = load(OPENINGS)
    entries = extract(importer, DATA / "foretag.csv", existing)
    load(OPENINGS + as_text(entries))  # no errors: every transaction balances and 1930 = Saldo


def test_rows_without_a_rule_go_to_the_obs_account_for_the_accountant(importer: SwedbankImporter) -> None:
    entries = importer.extract(str(DATA / "foretag.csv"), [])
    unplaced = [entry for entry in entries if isinstance(entry, data.Transaction) and entry.flag == "!"]
    assert [entry.narration for entry in unplaced] == [
        "TELIA SVERIGE AB – ingen importregel matchade",
        "KORTKÖP 220314 CLAS OHLSON – ingen importregel matchade",
    ]
    assert all(entry.postings[1].account == "Liabilities:2999-OBS-konto" for entry in unplaced)


def test_the_first_line_is_optional(tmp_path: Path, importer: SwedbankImporter) -> None:
    lines = (DATA / "foretag.csv").read_bytes().decode("cp1252").splitlines()
    without_title = write_cp1252(tmp_path / "utan_rubrik.csv", lines[1:])
    assert importer.identify(str(without_title))
    original = importer.extract(str(DATA / "foretag.csv"), [])
    assert [entry.meta.get("bank_id") for entry in importer.extract(str(without_title), [])] == [
        entry.meta.get("bank_id") for entry in original
    ]


def test_identity_does_not_depend_on_row_numbers_or_the_export_variant(tmp_path: Path, importer: SwedbankImporter) -> None:
    lines = (DATA / "foretag.csv").read_bytes().decode("cp1252").splitlines()
    renumbered = ["* Transaktionsrapport Period 2022-03-01 – 2022-03-31", ",".join(PRIVATE_HEADER)]
    for number, line in enumerate(lines[2:], start=101):
        cells = line.split(",")
        renumbered.append(",".join(f'"{cell}"' for cell in [str(number), *cells[1:]]))
    private = write_cp1252(tmp_path / "privat.csv", renumbered)
    assert read_statement(private).variant == "privat"
    ids = [entry.meta.get("bank_id") for entry in importer.extract(str(private), [])]
    assert ids == [entry.meta.get("bank_id") for entry in importer.extract(str(DATA / "foretag.csv"), [])]
    assert len(set(ids)) == len(ids)  # the two identical PRIS BANKGIRO rows differ by their Saldo


# --- No duplicates ---------------------------------------------------------------------


def test_importing_the_same_file_twice_adds_nothing(importer: SwedbankImporter) -> None:
    existing = load(OPENINGS)
    first = extract(importer, DATA / "foretag.csv", existing)
    books = load(OPENINGS + as_text(first))
    again = extract(importer, DATA / "foretag.csv", books)
    assert all(beangulp_extract.DUPLICATE in entry.meta for entry in again)
    # The duplicates show the verification ids they already have.
    assert [entry.meta.get("ver") for entry in again] == [entry.meta.get("ver") for entry in first]


def test_overlapping_statements_add_only_the_new_rows(tmp_path: Path, importer: SwedbankImporter) -> None:
    lines = (DATA / "foretag.csv").read_bytes().decode("cp1252").splitlines()
    # The first statement: the five oldest rows (2022-03-01 .. 2022-03-07).
    early = write_cp1252(tmp_path / "tidig.csv", [lines[0], lines[1], *lines[4:]])
    first = extract(importer, early, load(OPENINGS))
    assert [entry.meta["ver"] for entry in first if isinstance(entry, data.Transaction)] == ["A1", "A2", "A3", "A4", "A5"]
    books = load(OPENINGS + as_text(first))
    second = extract(importer, DATA / "foretag.csv", books)
    new = [entry for entry in second if beangulp_extract.DUPLICATE not in entry.meta]
    assert [(entry.narration, entry.meta["ver"]) for entry in new if isinstance(entry, data.Transaction)] == [
        ("KORTKÖP 220314 CLAS OHLSON – ingen importregel matchade", "A6"),
        ("KONTOAVGIFT", "A7"),
    ]
    assert [type(entry).__name__ for entry in new] == ["Transaction", "Transaction", "Balance"]
    load(OPENINGS + as_text(first) + as_text(new))


def test_numbers_continue_the_series_of_the_year_and_restart_in_a_new_year(tmp_path: Path, importer: SwedbankImporter) -> None:
    header = "Radnr,Clnr,Kontonr,Produkt,Valuta,Bokfdag,Transdag,Valutadag,Referens,Text,Belopp,Saldo"
    statement = write_cp1252(
        tmp_path / "arsskifte.csv",
        [
            header,
            "1,8327-9,923456789,Företagskonto,SEK,2023-01-02,2023-01-02,2023-01-02,,KONTOAVGIFT,-195.00,9610.00",
            "2,8327-9,923456789,Företagskonto,SEK,2022-12-30,2022-12-30,2022-12-30,,KONTOAVGIFT,-195.00,9805.00",
        ],
    )
    books = load(
        OPENINGS
        + """
2022-12-01 * "Tidigare bankrad"
  ver: "A41"
  Assets:1930-Företagskonto  -90000.00 SEK
  Expenses:6570-Bankkostnader
"""
    )
    entries = importer.extract(str(statement), books)
    assert [(str(entry.date), entry.meta["ver"]) for entry in entries if isinstance(entry, data.Transaction)] == [
        ("2022-12-30", "A42"),
        ("2023-01-02", "A1"),
    ]


# --- Encoding ----------------------------------------------------------------------------


def test_a_byte_order_mark_is_refused(tmp_path: Path, importer: SwedbankImporter) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (DATA / "foretag.csv").read_bytes())
    assert importer.identify(str(path))
    with pytest.raises(ImportFileError, match="UTF-8-markering"):
        importer.extract(str(path), [])


def test_windows_1252_punctuation_is_accepted(importer: SwedbankImporter) -> None:
    # The title line has an en dash, byte 0x96 in Windows-1252 (a control character in ISO-8859-1).
    assert b"\x96" in (DATA / "foretag.csv").read_bytes()
    assert read_statement(DATA / "foretag.csv").title.startswith("* Transaktioner Period 2022-03-01 – 2022-03-31")


def test_a_file_that_is_not_a_swedbank_export_is_not_identified(tmp_path: Path, importer: SwedbankImporter) -> None:
    other = tmp_path / "annat.csv"
    other.write_text("Datum;Text;Belopp\n2022-03-01;Något;12,50\n", encoding="utf-8")
    assert not importer.identify(str(other))


# --- Rules --------------------------------------------------------------------------------


def test_the_accountants_rules_file_is_valid_and_uses_open_accounts() -> None:
    rules = read_rules(REPOSITORY / "ledger" / "importregler.csv", BOOK_CHART.needs_counterparty)
    chart, errors, _options = loader.load_file(str(REPOSITORY / "ledger" / "kontoplan.beancount"))
    opened = {entry.account for entry in chart if isinstance(entry, data.Open)}
    assert {rule.account for rule in rules} <= opened
    lump_sum = first_rule(rules, "BG INSÄTTNING 5844-9216", "", Decimal("244401.00"))
    assert lump_sum is not None and lump_sum.account == "Assets:1938-Bankgiroinbetalningar"
    fee = first_rule(rules, "Avgift företagspaket", "", Decimal("-195.00"))
    assert fee is not None and fee.account == "Expenses:6570-Bankkostnader"
    price = first_rule(rules, "PRIS BANKGIRO", "", Decimal("-2.50"))
    assert price is not None and price.account == "Expenses:6570-Bankkostnader"


def test_rule_patterns_direction_and_order() -> None:
    rules = parse_rules(
        "falt;monster;riktning;konto;motpart;kommentar\n"
        "text;*återbetalning*;in;Expenses:6570-Bankkostnader;;\n"
        "referens;12?45;;Assets:1510-Kundfordringar;Storfors kommun;\n"
        "text;*avgift*;ut;Expenses:6570-Bankkostnader;;\n"
        "text;*;;Expenses:6990-Övriga-externa-kostnader;;allt annat\n",
        "regler.csv",
        BOOK_CHART.needs_counterparty,
    )
    assert first_rule(rules, "ÅTERBETALNING  AVGIFT", "", Decimal("10")).line == 2  # case and spaces ignored
    assert first_rule(rules, "Återbetalning avgift", "", Decimal("-10")).line == 4  # 'in' only for money in
    assert first_rule(rules, "Inbetalning", "12345", Decimal("10")).line == 3
    assert first_rule(rules, "Inbetalning", "123456", Decimal("10")).line == 5  # the whole field must fit
    assert first_rule(rules, "KORTKÖP", "", Decimal("-10")).line == 5


def test_a_broken_rules_file_is_refused_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "importregler.csv"
    path.write_text(
        "# kommentar\n"
        "falt;monster;riktning;konto;motpart;kommentar\n"
        "rubrik;*x*;;Expenses:6570-Bankkostnader;;\n"
        "text;;upp;Kostnader 6570;;\n"
        "text;*inbetalning*;in;Assets:1510-Kundfordringar;;\n"
        "text;*x*;in\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError) as refused:
        read_rules(path, BOOK_CHART.needs_counterparty)
    assert [str(problem) for problem in refused.value.problems] == [
        "rad 3: falt ska vara text eller referens, är 'rubrik'",
        "rad 4: monster saknas",
        "rad 4: riktning ska vara in, ut eller tom, är 'upp'",
        "rad 4: konto är inget giltigt kontonamn: 'Kostnader 6570'",
        "rad 5: konteringar på Assets:1510-Kundfordringar måste ha en motpart (noten specificeras per motpart)",
        "rad 6: raden har 3 kolumner, ska ha 6 (semikolon mellan)",
    ]
    assert str(path) in str(refused.value)


def test_a_rule_without_counterparty_on_any_account_the_chart_says_needs_one_is_refused_at_its_line(tmp_path: Path) -> None:
    """The chart decides (an account on a note line specified per counterparty): 1510, 1710,
    1790, 2440, 2970, 2990 in the books — not a list kept by the importer."""
    needing = sorted(account for account in BOOK_CHART.accounts if BOOK_CHART.needs_counterparty(account))
    assert "Liabilities:2990-Övriga-upplupna-kostnader" in needing and len(needing) == 6
    rows = "".join(f"text;*rad{index}*;;{account};;\n" for index, account in enumerate(needing))
    path = tmp_path / "importregler.csv"
    path.write_text("falt;monster;riktning;konto;motpart;kommentar\n" + rows + "text;*x*;;Liabilities:2990-Övriga-upplupna-kostnader;Visit Dalarna;\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as refused:
        read_rules(path, BOOK_CHART.needs_counterparty)
    assert [str(problem) for problem in refused.value.problems] == [
        f"rad {line}: konteringar på {account} måste ha en motpart (noten specificeras per motpart)"
        for line, account in enumerate(needing, start=2)
    ]
    # Through the importer too: the rules are refused before any row is booked.
    with pytest.raises(ImportFileError, match="rad 7: konteringar på Liabilities:2990"):
        SwedbankImporter.for_books(path, BOOK_ROLES, BOOK_CHART).extract(str(DATA / "foretag.csv"), [])


def test_a_rules_file_saved_in_windows_1252_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "importregler.csv"
    path.write_bytes("falt;monster;riktning;konto;motpart;kommentar\ntext;*x*;;Expenses:6570-Bankkostnader;;Bankens år\n".encode("cp1252"))
    with pytest.raises(ImportFileError, match="CSV UTF-8"):
        read_rules(path, BOOK_CHART.needs_counterparty)


def test_a_rule_account_that_is_not_open_in_the_books_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "importregler.csv"
    path.write_text(
        "falt;monster;riktning;konto;motpart;kommentar\ntext;*avgift*;ut;Expenses:6571-Bankkostnader;;stavfel\n",
        encoding="utf-8",
    )
    importer = SwedbankImporter.for_books(path, BOOK_ROLES, BOOK_CHART)
    with pytest.raises(ImportFileError, match="rad 2: kontot Expenses:6571-Bankkostnader är inte öppnat i bokföringen"):
        importer.extract(str(DATA / "foretag.csv"), load(OPENINGS))


def test_a_rule_with_a_counterparty_names_it_on_the_counter_posting(tmp_path: Path) -> None:
    path = tmp_path / "importregler.csv"
    path.write_text(
        "falt;monster;riktning;konto;motpart;kommentar\n"
        "text;telia*;ut;Liabilities:2440-Leverantörsskulder;Telia Sverige AB;autogiro\n",
        encoding="utf-8",
    )
    entries = SwedbankImporter.for_books(path, BOOK_ROLES, BOOK_CHART).extract(str(DATA / "foretag.csv"), [])
    (telia,) = [entry for entry in entries if isinstance(entry, data.Transaction) and entry.payee == "Telia Sverige AB"]
    assert telia.flag == "*"
    assert telia.postings[1].account == "Liabilities:2440-Leverantörsskulder"
    assert telia.postings[1].meta == {"motpart": "Telia Sverige AB"}
    assert telia.postings[1].units.number == Decimal("349.00")


def test_rows_booked_by_hand_are_shown_as_duplicates_once(importer: SwedbankImporter) -> None:
    books = load(
        OPENINGS
        + """
2022-03-07 * "Bankgirot" "BG 5844-9216 insättning 2022-03-07, 6 betalningar"
  ver: "A23"
  Assets:1930-Företagskonto  244401 SEK
  Assets:1938-Bankgiroinbetalningar  -244401 SEK

2022-03-07 * "Föreningssparbanken" "Pris bankgiro"
  ver: "A24"
  Expenses:6570-Bankkostnader  2.50 SEK
  Assets:1930-Företagskonto  -2.50 SEK
"""
    )
    entries = extract(importer, DATA / "foretag.csv", books)
    marked = {entry.narration: entry.meta.get(beangulp_extract.DUPLICATE) for entry in entries if isinstance(entry, data.Transaction)}
    assert marked["BG INSÄTTNING 5844-9216"].meta["ver"] == "A23"
    # Two PRIS BANKGIRO rows that day, one booked by hand: only one of them is a duplicate.
    pris = [entry for entry in entries if isinstance(entry, data.Transaction) and entry.narration == "PRIS BANKGIRO"]
    assert [beangulp_extract.DUPLICATE in entry.meta for entry in pris] == [True, False]
    assert pris[0].meta["ver"] == "A24"
