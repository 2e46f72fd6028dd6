"""Matching payments to open invoices held by a small ledger loaded with Beancount's loader."""

from __future__ import annotations

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402
from beancount.parser import printer  # noqa: E402

from bergslaget_plugins.ocr import make_ocr  # noqa: E402
from importers.bgmax import REFERENCE_BLANK, BgMaxFile, BgMaxImporter, Deposit, Payment, write_bgmax  # noqa: E402
from importers.common import LedgerError  # noqa: E402
from importers.matching import (  # noqa: E402

    InvoiceLedger,
    MatchMethod,
    PaymentFacts,
    StatedReference,
    match_payment,
    read_invoice_ledger,
)

from importers.config import read_books_setup  # noqa: E402

#: The repository books' account roles and chart (what the importers' configuration uses).
BOOK_ROLES, BOOK_CHART, _BANKGIRO = read_books_setup()
RECEIVABLES = "Assets:1510-Kundfordringar"

LEDGER = """
option "operating_currency" "SEK"

2020-01-01 open Assets:1510-Kundfordringar SEK
2020-01-01 open Assets:1938-Bankgiroinbetalningar SEK
2020-01-01 open Liabilities:2999-OBS-konto SEK
2020-01-01 open Income:3994-Medlemsavgifter SEK

1994-01-01 custom "medlem" "Storfors kommun"
  typ: "kommun"
  lan: "Värmland"
  kommunkod: "1760"
  kundnr: 126
1994-01-01 custom "medlem" "Hällefors kommun"
  typ: "kommun"
  lan: "Örebro"
  kommunkod: "1863"
  kundnr: 116
1994-01-01 custom "medlem" "Region Örebro län"
  typ: "region"
  lan: "Örebro"
  kundnr: 112
1994-01-01 custom "medlem" "Falu kommun"
  typ: "kommun"
  lan: "Dalarna"
  kommunkod: "2080"
  kundnr: 106
  bankgiro: "5050-1055"

2022-02-15 * "Storfors kommun" "Medlemsavgift 2022" ^faktura-2022126
  ver: "MA1"
  faktura: "2022126"
  ocr: "202212692"
  medlem: "Storfors kommun"
  avgiftsar: 2022
  Assets:1510-Kundfordringar  15268 SEK
    motpart: "Storfors kommun"
  Income:3994-Medlemsavgifter  -15268 SEK

2022-02-15 * "Hällefors kommun" "Medlemsavgift 2022" ^faktura-2022116
  ver: "MA2"
  faktura: "2022116"
  ocr: "202211694"
  medlem: "Hällefors kommun"
  avgiftsar: 2022
  Assets:1510-Kundfordringar  18982 SEK
    motpart: "Hällefors kommun"
  Income:3994-Medlemsavgifter  -18982 SEK

2022-02-15 * "Region Örebro län" "Medlemsavgift 2022" ^faktura-2022112
  ver: "MA3"
  faktura: "2022112"
  ocr: "202211298"
  medlem: "Region Örebro län"
  avgiftsar: 2022
  Assets:1510-Kundfordringar  40000 SEK
    motpart: "Region Örebro län"
  Income:3994-Medlemsavgifter  -40000 SEK

2022-02-20 * "Region Örebro län" "Konferensavgift" ^faktura-2022912
  ver: "KF1"
  faktura: "2022912"
  ocr: "202291290"
  Assets:1510-Kundfordringar  40000 SEK
    motpart: "Region Örebro län"
  Income:3994-Medlemsavgifter  -40000 SEK

2022-02-15 * "Falu kommun" "Medlemsavgift 2022" ^faktura-2022106
  ver: "MA4"
  faktura: "2022106"
  ocr: "202210696"
  medlem: "Falu kommun"
  avgiftsar: 2022
  Assets:1510-Kundfordringar  86806 SEK
    motpart: "Falu kommun"
  Income:3994-Medlemsavgifter  -86806 SEK

2021-02-15 * "Falu kommun" "Medlemsavgift 2021" ^faktura-2021106
  ver: "KF2"
  faktura: "2021106"
  ocr: "202110698"
  medlem: "Falu kommun"
  avgiftsar: 2021
  Assets:1510-Kundfordringar  85000 SEK
    motpart: "Falu kommun"
  Income:3994-Medlemsavgifter  -85000 SEK

2021-03-10 * "Falu kommun" "Inbetalning medlemsavgift 2021, faktura 2021106" ^faktura-2021106
  ver: "BG1"
  bgc_id: "58449216-20210310-000000000001"
  ocr: "202110698"
  Assets:1938-Bankgiroinbetalningar  85000 SEK
  Assets:1510-Kundfordringar  -85000 SEK
    motpart: "Falu kommun"

2022-03-01 * "Falu kommun" "Delbetalning medlemsavgift 2022, faktura 2022106" ^faktura-2022106
  ver: "BG1"
  bgc_id: "58449216-20220301-000000000001"
  ocr: "202210696"
  Assets:1938-Bankgiroinbetalningar  6806 SEK
  Assets:1510-Kundfordringar  -6806 SEK
    motpart: "Falu kommun"
"""


@pytest.fixture
def entries() -> list[data.Directive]:
    loaded, errors, _options = loader.load_string(LEDGER)
    assert errors == []
    return loaded


@pytest.fixture
def ledger(entries: list[data.Directive]) -> InvoiceLedger:
    return read_invoice_ledger(entries, RECEIVABLES)


def ocr(*references: str) -> tuple[StatedReference, ...]:
    return tuple(StatedReference(reference) for reference in references)


def test_the_ocr_numbers_of_the_ledger_are_the_project_ones() -> None:
    assert [make_ocr(number) for number in ("2022126", "2022116", "2022112", "2022912", "2022106", "2021106")] == [
        "202212692", "202211694", "202211298", "202291290", "202210696", "202110698",
    ]  # fmt: skip


def test_open_amounts_are_invoices_minus_booked_payments(ledger: InvoiceLedger) -> None:
    assert {number: invoice.open_amount for number, invoice in ledger.invoices.items()} == {
        "2022126": Decimal(15268),
        "2022116": Decimal(18982),
        "2022112": Decimal(40000),
        "2022912": Decimal(40000),
        "2022106": Decimal(80000),
        "2021106": Decimal(0),
    }
    falun = ledger.invoices["2022106"]
    assert (falun.member, falun.ocr, falun.narration, falun.invoiced) == (
        "Falu kommun", "202210696", "Medlemsavgift 2022", Decimal(86806),
    )  # fmt: skip
    assert [(member.name, member.bankgiro) for member in ledger.members] == [
        ("Storfors kommun", None),
        ("Hällefors kommun", None),
        ("Region Örebro län", None),
        ("Falu kommun", "50501055"),
    ]


def test_payment_by_ocr(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("15268.00"), ocr("202212692"), payer_name="Någon annan"), ledger)
    assert match.method is MatchMethod.OCR
    assert [(a.invoice.number, a.amount) for a in match.allocations] == [("2022126", Decimal(15268))]


def test_payment_by_ocr_of_what_remains_after_a_part_payment(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("80000.00"), ocr("202210696")), ledger)
    assert [(a.invoice.number, a.amount) for a in match.allocations] == [("2022106", Decimal(80000))]


def test_payment_by_sender_bankgiro(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("80000.00"), sender_bankgiro="50501055", payer_name="FALU KOMMUN EKONOMI"), ledger)
    assert match.method is MatchMethod.BANKGIRO
    assert [a.invoice.number for a in match.allocations] == ["2022106"]


def test_payment_by_name_ignores_case_and_spaces(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("18982.00"), payer_name="HÄLLEFORS  Kommun "), ledger)
    assert match.method is MatchMethod.NAME
    assert [a.invoice.number for a in match.allocations] == ["2022116"]


def test_wrong_amount_is_not_placed(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("15000.00"), ocr("202212692")), ledger)
    assert not match.matched
    assert match.reason == "Betalt 15 000,00 men fakturan 2022126 har 15 268,00 öppet"


def test_unknown_ocr_is_not_placed(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("100.00"), ocr("12345"), payer_name="Okänd förening"), ledger)
    assert not match.matched
    assert match.reason == "Ingen öppen faktura med OCR 12345"


def test_already_paid_invoice_is_not_placed(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("85000.00"), ocr("202110698"), sender_bankgiro="50501055"), ledger)
    assert not match.matched
    assert match.reason == "Fakturan 2021106 (OCR 202110698) är redan betald"


def test_unknown_ocr_falls_back_on_the_payer(ledger: InvoiceLedger) -> None:
    match = match_payment(PaymentFacts(Decimal("18982.00"), ocr("99999989"), payer_name="Hällefors kommun"), ledger)
    assert match.method is MatchMethod.NAME
    assert [a.invoice.number for a in match.allocations] == ["2022116"]


def test_the_fallback_needs_exactly_one_open_invoice_of_the_amount(ledger: InvoiceLedger) -> None:
    two = match_payment(PaymentFacts(Decimal("40000.00"), payer_name="Region Örebro län"), ledger)
    assert not two.matched
    assert two.reason == "Ingen referens; Region Örebro län har 2 öppna fakturor på 40 000,00"
    none = match_payment(PaymentFacts(Decimal("1000.00"), ocr("12345"), payer_name="Storfors kommun"), ledger)
    assert none.reason == "Ingen öppen faktura med OCR 12345; Storfors kommun har ingen öppen faktura på 1 000,00"
    stranger = match_payment(PaymentFacts(Decimal("1000.00"), payer_name="Okänd förening"), ledger)
    assert stranger.reason == "Ingen referens och Okänd förening är ingen känd medlem"


def test_one_payment_for_several_invoices(ledger: InvoiceLedger) -> None:
    facts = PaymentFacts(
        Decimal("34250.00"),
        (StatedReference("202212692", Decimal("15268.00")), StatedReference("202211694", Decimal("18982.00"))),
    )
    match = match_payment(facts, ledger)
    assert [(a.invoice.number, a.amount) for a in match.allocations] == [("2022126", 15268), ("2022116", 18982)]
    wrong_split = PaymentFacts(
        Decimal("34250.00"),
        (StatedReference("202212692", Decimal("15000.00")), StatedReference("202211694", Decimal("19250.00"))),
    )
    assert match_payment(wrong_split, ledger).reason == (
        "Betalt 15 000,00 på OCR 202212692 men fakturan 2022126 har 15 268,00 öppet"
    )
    too_little = PaymentFacts(Decimal("34000.00"), ocr("202212692", "202211694"))
    assert match_payment(too_little, ledger).reason == (
        "Betalt 34 000,00 men fakturorna 2022126, 2022116 har 34 250,00 öppet tillsammans"
    )


def test_a_settled_invoice_is_paid_for_the_rest_of_the_run(ledger: InvoiceLedger) -> None:
    facts = PaymentFacts(Decimal("15268.00"), ocr("202212692"))
    ledger.settle(match_payment(facts, ledger).allocations)
    assert match_payment(facts, ledger).reason == "Fakturan 2022126 (OCR 202212692) är redan betald"


def test_contradictions_in_the_books_are_reported(entries: list[data.Directive]) -> None:
    twice, errors, _options = loader.load_string(
        LEDGER.replace('faktura: "2022912"\n  ocr: "202291290"', 'faktura: "2022912"\n  ocr: "202211298"')
    )
    assert errors == []
    with pytest.raises(LedgerError, match="OCR 202211298 används av två fakturor: 2022112"):
        read_invoice_ledger(twice, RECEIVABLES)
    several, errors, _options = loader.load_string(
        LEDGER
        + """
2022-03-20 * "Region Örebro län" "Inbetalning" ^faktura-2022112 ^faktura-2022912
  ver: "BG2"
  Assets:1938-Bankgiroinbetalningar  80000 SEK
  Assets:1510-Kundfordringar  -80000 SEK
    motpart: "Region Örebro län"
"""
    )
    assert errors == []
    with pytest.raises(LedgerError, match="flera fakturalänkar"):
        read_invoice_ledger(several, RECEIVABLES)


# --- Through the BgMax importer: payments booked against the ledger -----------------------


def payments_file(path: Path) -> Path:
    """A BgMax file with a payment of each kind the matching has to handle."""
    day = datetime.date(2022, 3, 14)

    def paid(serial: int, amount: str, reference: str = "", **fields: object) -> Payment:
        code = {} if reference else {"reference_code": REFERENCE_BLANK}
        return Payment(Decimal(amount), reference=reference, bgc_serial=f"{serial:012d}", **code, **fields)  # type: ignore[arg-type]

    bgmax = BgMaxFile(
        datetime.datetime(2022, 3, 15, 6, 0),
        (
            Deposit(
                "58449216",
                day,
                (
                    paid(1, "15268.00", "202212692", name="STORFORS KOMMUN"),  # by OCR
                    paid(2, "80000.00", sender_bankgiro="50501055", name="Falu kommun, ekonomikontoret"),  # by bankgiro
                    paid(3, "18982.00", name="hällefors kommun"),  # by name
                    paid(4, "39000.00", "202211298", name="Region Örebro län"),  # wrong amount
                    paid(5, "500.00", "12345", name="Okänd förening"),  # unknown OCR
                    paid(6, "85000.00", "202110698", name="Falu kommun"),  # already paid
                ),
                bank_account="83279923456789",
                serial=11,
            ),
        ),
    )
    write_bgmax(path, bgmax)
    return path


def test_payments_are_booked_against_the_ledger(tmp_path: Path, entries: list[data.Directive]) -> None:
    path = payments_file(tmp_path / "bgmax.txt")
    booked = BgMaxImporter.for_books("5844-9216", BOOK_ROLES).extract(str(path), entries)
    summary = [
        (entry.flag, entry.payee, entry.narration, sorted(entry.links), entry.meta["ver"], entry.postings[1].account, entry.postings[1].meta)
        for entry in booked
    ]
    assert summary == [
        ("*", "Storfors kommun", "Inbetalning medlemsavgift 2022, faktura 2022126", ["faktura-2022126"], "BG2",
         "Assets:1510-Kundfordringar", {"motpart": "Storfors kommun"}),
        ("*", "Falu kommun", "Inbetalning medlemsavgift 2022, faktura 2022106", ["faktura-2022106"], "BG3",
         "Assets:1510-Kundfordringar", {"motpart": "Falu kommun"}),
        ("*", "Hällefors kommun", "Inbetalning medlemsavgift 2022, faktura 2022116", ["faktura-2022116"], "BG4",
         "Assets:1510-Kundfordringar", {"motpart": "Hällefors kommun"}),
        ("!", "Region Örebro län", "Betalt 39 000,00 men fakturan 2022112 har 40 000,00 öppet", [], "BG5",
         "Liabilities:2999-OBS-konto", {"motpart": "Region Örebro län"}),
        ("!", "Okänd förening", "Ingen öppen faktura med OCR 12345", [], "BG6",
         "Liabilities:2999-OBS-konto", {"motpart": "Okänd förening"}),
        ("!", "Falu kommun", "Fakturan 2021106 (OCR 202110698) är redan betald", [], "BG7",
         "Liabilities:2999-OBS-konto", {"motpart": "Falu kommun"}),
    ]  # fmt: skip
    assert [entry.meta.get("matchning") for entry in booked] == [None, "bankgiro", "namn", None, None, None]
    assert booked[0].meta["bgc_id"] == "58449216-20220314-000000000001"
    assert booked[0].meta["ocr"] == "202212692"

    # The books with the payments load cleanly and the paid invoices are closed.
    text = LEDGER + "\n".join(printer.format_entry(entry) for entry in booked)
    loaded, errors, _options = loader.load_string(text)
    assert errors == []
    after = read_invoice_ledger(loaded, RECEIVABLES)
    assert {number: invoice.open_amount for number, invoice in after.invoices.items()} == {
        "2022126": 0, "2022116": 0, "2022112": 40000, "2022912": 40000, "2022106": 0, "2021106": 0,
    }  # fmt: skip

