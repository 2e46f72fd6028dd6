"""Markup never reaches the books: the importers neutralise it, the markup plugin refuses it
(with an error at the line) and hands on neutralised text, and Fava's journal, which
prints payees and narrations unescaped, shows no element made from bank data."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.parser import printer
from conftest import LEDGER
from fava.application import create_app

from bergslaget_plugins.markup import has_markup
from importers.bgmax import BgMaxFile, BgMaxImporter, Deposit, Payment, write_bgmax
from importers.config import read_books_setup
from importers.swedbank import SwedbankImporter
from ledgers import ledger_text, line_of

#: The repository books' account roles and chart (what the importers' configuration uses).
BOOK_ROLES, BOOK_CHART, _BANKGIRO = read_books_setup()

ATTACK = "<img src=x onerror=alert(1)>"
PLUGIN = 'plugin "bergslaget_plugins.markup"\n'
SWEDBANK = Path(__file__).resolve().parent / "data" / "swedbank"


def _all_texts(entry: data.Directive) -> list[str]:
    return [line for line in printer.format_entry(entry).splitlines()]


def test_the_books_run_the_markup_plugin():
    from bergslaget_plugins.rules import RULES

    assert 'plugin "bergslaget_plugins.rules"' in LEDGER.read_text()
    assert "bergslaget_plugins.markup" in RULES


@pytest.mark.parametrize("body, needle, what", [
    (f'2021-03-01 * "{ATTACK}" "Inbetalning"\n  Assets:1930-Företagskonto  1 SEK\n  Income:3994-Medlemsavgifter\n',
     ATTACK, "Betalningsmottagaren"),
    (f'2021-03-01 * "Kommun" "{ATTACK}"\n  Assets:1930-Företagskonto  1 SEK\n  Income:3994-Medlemsavgifter\n',
     ATTACK, "Beskrivningen"),
    (f'2021-03-01 * "Kommun" "Avgift"\n  meddelande: "{ATTACK}"\n  Assets:1930-Företagskonto  1 SEK\n'
     f'  Income:3994-Medlemsavgifter\n', "meddelande", "Metadata meddelande"),
    ('2021-03-01 * "Kommun" "Avgift"\n  Assets:1930-Företagskonto  1 SEK\n    motpart: "a<b"\n'
     '  Income:3994-Medlemsavgifter\n', "motpart", "Konteringens metadata motpart"),
    (f'2021-03-01 note Assets:1930-Företagskonto "{ATTACK}"\n', "note", "Anteckningen"),
    (f'2021-03-01 custom "fråga" "{ATTACK}"\n', "custom", "Värdet"),
])
def test_markup_is_a_bean_check_error_at_its_line(body, needle, what):
    text = ledger_text(body, plugins=PLUGIN)
    entries, errors, _ = loader.load_string(text)
    markup = [error for error in errors if "markering" in error.message]
    assert len(markup) == 1, [error.message for error in errors]
    assert markup[0].message.startswith(what)
    assert markup[0].source["lineno"] == line_of(text, "2021-03-01")
    # The entries handed on carry no markup.
    dated = [entry for entry in entries if entry.date == datetime.date(2021, 3, 1)]
    assert dated and not any(has_markup(line) for entry in dated for line in _all_texts(entry))


def test_ampersand_quotes_and_greater_than_are_allowed():
    text = ledger_text('2021-03-01 * "Ernst & Young AB" "Revision \\"2021\\" => klar"\n'
                       '  Assets:1930-Företagskonto  -1 SEK\n  Expenses:6990-Övriga-externa-kostnader\n', plugins=PLUGIN)
    _, errors, _ = loader.load_string(text)
    assert [error.message for error in errors if "markering" in error.message] == []


def test_a_document_named_with_markup_is_refused(tmp_path: Path):
    folder = tmp_path / "dokument" / "Assets" / "1930-Företagskonto"
    folder.mkdir(parents=True)
    (folder / f"2021-03-01.{ATTACK.replace('/', '')}.pdf").write_bytes(b"%PDF")
    main = tmp_path / "main.beancount"
    main.write_text(ledger_text("", plugins=PLUGIN + 'option "documents" "dokument"\n'))
    entries, errors, _ = loader.load_file(str(main))
    assert any(error.message.startswith("Dokumentets filnamn") for error in errors)
    assert not any(has_markup(Path(entry.filename).name) for entry in entries if isinstance(entry, data.Document))


def test_fava_journal_shows_no_markup_from_the_books(tmp_path: Path):
    main = tmp_path / "main.beancount"
    main.write_text(ledger_text(
        f'2021-03-01 * "{ATTACK}" "{ATTACK}"\n  Assets:1930-Företagskonto  1 SEK\n  Income:3994-Medlemsavgifter\n'
        f'2021-03-02 note Assets:1930-Företagskonto "{ATTACK}"\n',
        plugins=PLUGIN))
    app = create_app([str(main)], read_only=True, load=True)
    slug = app.config["LEDGERS"].first_slug()
    response = app.test_client().get(f"/{slug}/api/journal_page?page=1&order=desc")
    journal = json.loads(response.get_data(as_text=True))["data"]["journal"]
    assert "onerror" in journal  # the entry is there ...
    assert "<img" not in journal  # ... as text, not as an element


def _bgmax_with_payer(name: str, message: str) -> BgMaxFile:
    return BgMaxFile(
        created=datetime.datetime(2022, 3, 15, 6, 30, 12),
        deposits=(Deposit(
            receiving_bankgiro="58449216", payment_date=datetime.date(2022, 3, 14), bank_account="83279923456789",
            serial=7,
            payments=(Payment(Decimal("100.00"), reference="", reference_code=0, bgc_serial="000000000010",
                              name=name, information=(message,)),),
        ),),
    )


def test_bgmax_import_neutralises_markup(tmp_path: Path):
    path = tmp_path / "bgmax.txt"
    write_bgmax(path, _bgmax_with_payer("<img src=x onerror=alert(1)>", "<script>alert(2)</script>"))
    entries = BgMaxImporter.for_books("5844-9216", BOOK_ROLES).extract(str(path), [])
    assert entries
    texts = [line for entry in entries for line in _all_texts(entry)]
    assert any("onerror" in line for line in texts)
    assert not any(has_markup(line) for line in texts), texts


def test_swedbank_import_neutralises_markup(tmp_path: Path):
    lines = (SWEDBANK / "foretag.csv").read_bytes().decode("cp1252").splitlines()
    lines[2] = lines[2].replace("KONTOAVGIFT", "<svg onload=alert(1)>").replace(",Mars,", ",<b>,")
    path = tmp_path / "foretag.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    entries = SwedbankImporter.for_books(SWEDBANK / "importregler.csv", BOOK_ROLES, BOOK_CHART).extract(str(path), [])
    texts = [line for entry in entries for line in _all_texts(entry)]
    assert any("onload" in line for line in texts)
    assert not any(has_markup(line) for line in texts), texts


def test_sie_import_neutralises_markup():
    from bergslaget_plugins.sie.check import check_document
    from bergslaget_plugins.sie.document import read_sie_bytes
    from bergslaget_plugins.sie.to_beancount import convert
    from test_sie_import import SIE_FILE, _bytes

    hostile = SIE_FILE.replace('"Kontantförsäljning"', '"<script>x</script>"').replace('"Bankbetalning"', '"<b>"')
    document = read_sie_bytes(_bytes(hostile), "ett.se")
    text = convert(document, check_document(document)).text
    assert "script" in text
    assert not has_markup(text)


def test_markup_in_a_generated_postings_metadata_is_found():
    """The quick screen of transactions skips only postings whose metadata is Beancount's file and line."""
    from bergslaget_plugins.generated import generated_transaction, posting
    from bergslaget_plugins.markup import refuse_markup

    source = {"filename": "main.beancount", "lineno": 7}
    clean = generated_transaction(source, datetime.date(2022, 12, 31), "Rent", [
        posting("Assets:1510-Kundfordringar", Decimal(5), {"filename": "<x>", "lineno": 1}),
        posting("Income:3994-Medlemsavgifter", Decimal(-5))], rule="prov", series="BO")
    marked = generated_transaction(source, datetime.date(2022, 12, 31), "Märkt", [
        posting("Assets:1510-Kundfordringar", Decimal(5), {"motpart": ATTACK, "faktura": "1"}),
        posting("Income:3994-Medlemsavgifter", Decimal(-5))], rule="prov", series="BO")
    checked, errors = refuse_markup([clean, marked], {})
    assert checked[0] is clean
    assert [error.message.split(" innehåller")[0] for error in errors] == ["Konteringens metadata motpart"]
    assert not has_markup(checked[1].postings[0].meta["motpart"])
