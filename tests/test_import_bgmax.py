"""BgMax (Bankgiro Inbetalningar): reading, checking, writing, booking; conformance with real files."""

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
from beangulp import extract as beangulp_extract  # noqa: E402
from beangulp.testing import compare_expected  # noqa: E402

from importers.bgmax import (  # noqa: E402
    REFERENCE_BLANK,
    BgMaxFile,
    BgMaxImporter,
    BgMaxWriteError,
    Deposit,
    ExtraReference,
    Payment,
    parse_bgmax_text,
    payment_identities,
    read_bgmax,
    render_bgmax,
    write_bgmax,
)
from importers.common import ImportFileError  # noqa: E402

from importers.config import read_books_setup  # noqa: E402

#: The repository books' account roles and chart (what the importers' configuration uses).
BOOK_ROLES, BOOK_CHART, _BANKGIRO = read_books_setup()


REPOSITORY = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "bgmax"
BOOKS = DATA / "bokforing.beancount"
SAMPLES = sorted(DATA.glob("*.txt"))
REFUSED = sorted((DATA / "trasiga").glob("*.txt"))
SHARED_BGMAX = REPOSITORY.parent / "shared" / "fixtures" / "bgmax"


@pytest.fixture
def importer() -> BgMaxImporter:
    return BgMaxImporter.for_books("5844-9216", BOOK_ROLES)


@pytest.fixture(scope="module")
def books() -> list[data.Directive]:
    entries, errors, _options = loader.load_file(str(BOOKS))
    assert errors == []
    return entries


@pytest.fixture
def shared() -> Path:
    if not SHARED_BGMAX.is_dir():
        pytest.skip("../shared/fixtures/bgmax finns inte här")
    return SHARED_BGMAX


def extract(importer: BgMaxImporter, path: Path, existing: list[data.Directive]) -> list[data.Directive]:
    """What ``bergslaget import extract`` does for one file: extract, sort, mark duplicates."""
    entries = beangulp_extract.extract_from_file(importer, str(path), existing)
    importer.deduplicate(entries, existing)
    return entries


def as_text(entries: list[data.Directive]) -> str:
    return "\n".join(printer.format_entry(entry) for entry in entries)


def rich_file() -> BgMaxFile:
    """Every record type: deductions, extra references (+/-), messages, address, two deposits."""
    return BgMaxFile(
        created=datetime.datetime(2022, 3, 15, 6, 30, 12, 123456),
        deposits=(
            Deposit(
                receiving_bankgiro="58449216",
                payment_date=datetime.date(2022, 3, 14),
                bank_account="83279923456789",
                serial=7,
                deposit_type="K",
                payments=(
                    Payment(
                        Decimal("15268.00"),
                        reference="202210191",
                        sender_bankgiro="50501055",
                        channel_code=2,
                        bgc_serial="000000000010",
                        image=True,
                        name="Storfors kommun",
                        extra_name="Ekonomiavdelningen",
                        street="Box 1",
                        postal_code="688 22",
                        city="Storfors",
                        country="Sverige",
                        country_code="SE",
                        organisation_number="2120001843",
                    ),
                    Payment(
                        Decimal("2000.00"),
                        reference="",
                        reference_code=REFERENCE_BLANK,
                        channel_code=3,
                        bgc_serial="000000000011",
                        extra_references=(
                            ExtraReference("202210290", Decimal("2500.00")),
                            ExtraReference("202219093", Decimal("500.00"), negative=True),
                        ),
                        information=("Medlemsavgift och kreditfaktura", "Hälsningar Åsa Öberg"),
                        name="Hofors kommun",
                    ),
                    Payment(
                        Decimal("100.00"),
                        reference="89853",
                        reference_code=3,
                        bgc_serial="000000000012",
                        deduction=True,
                        deduction_code=1,
                        name="Älvdalens kommun",
                    ),
                ),
            ),
            Deposit(
                receiving_bankgiro="58449216",
                payment_date=datetime.date(2022, 3, 15),
                bank_account="83279923456789",
                serial=8,
                payments=(Payment(Decimal("0.50"), reference="202210191", bgc_serial="000000000001"),),
            ),
        ),
    )


# --- The sample file and refused files --------------------------------------------------


def test_sample_gives_the_expected_output(importer: BgMaxImporter, books: list[data.Directive]) -> None:
    (sample,) = SAMPLES
    assert importer.identify(str(sample))
    entries = beangulp_extract.extract_from_file(importer, str(sample), books)
    diff = compare_expected(
        f"{sample}.beancount", importer.account(str(sample)), importer.date(str(sample)), importer.filename(str(sample)), entries
    )
    assert diff == [], "".join(diff)


def test_sample_output_loads_with_the_books_and_clears_the_paid_invoices(importer: BgMaxImporter, books: list[data.Directive]) -> None:
    (sample,) = SAMPLES
    entries = extract(importer, sample, books)
    loaded, errors, _options = loader.load_string(BOOKS.read_text(encoding="utf-8") + as_text(entries))
    assert errors == []
    open_amounts: dict[str, Decimal] = {}
    for entry in loaded:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                if posting.account == "Assets:1510-Kundfordringar":
                    number = (posting.meta or {}).get("faktura") or next(link for link in entry.links)[len("faktura-"):]
                    open_amounts[number] = open_amounts.get(number, Decimal(0)) + posting.units.number
    assert open_amounts == {
        "2022101": 0,
        "2022102": 0,
        "2022103": 0,
        "2022104": 0,
        "2022105": Decimal("25000"),  # paid 15 000 of 25 000: on the OBS account, not on the invoice
        "2022106": 0,
        "2022107": 0,
        "2022190": 0,
    }


def test_the_clearing_account_receives_exactly_each_deposit(importer: BgMaxImporter, books: list[data.Directive]) -> None:
    (sample,) = SAMPLES
    bgmax = read_bgmax(sample)
    entries = extract(importer, sample, books)
    per_day: dict[datetime.date, Decimal] = {}
    for entry in entries:
        for posting in entry.postings:
            if posting.account == "Assets:1938-Bankgiroinbetalningar":
                per_day[entry.date] = per_day.get(entry.date, Decimal(0)) + posting.units.number
    assert per_day == {deposit.payment_date: deposit.amount for deposit in bgmax.deposits}
    assert [deposit.amount for deposit in bgmax.deposits] == [Decimal("250574.00"), Decimal("15268.00")]


@pytest.mark.parametrize("sample", REFUSED, ids=lambda path: path.name)
def test_broken_file_is_refused_with_the_expected_message(importer: BgMaxImporter, sample: Path) -> None:
    assert importer.identify(str(sample))
    with pytest.raises(ImportFileError) as refused:
        importer.extract(str(sample), [])
    expected = Path(f"{sample}.fel").read_text(encoding="utf-8").splitlines()
    assert [str(problem) for problem in refused.value.problems] == expected
    assert str(refused.value).startswith(f"BgMax-filen kan inte läsas: {sample}")


def test_the_refused_samples_cover_the_structural_rules() -> None:
    assert {path.name for path in REFUSED} == {
        "betalning_utanfor_insattning.txt",  # TK20 between TK15 and TK05
        "fel_belopp.txt",  # a letter in an amount field
        "for_lang_post.txt",  # a record longer than 80 characters
        "insattning_utan_tk15.txt",  # TK05 before the previous deposit is closed
        "ordning.txt",  # TK26 before TK22 in a payment
        "saknar_tk70.txt",  # truncated: no TK70
        "tk15_antal.txt",  # TK15 count of payments
        "tk15_belopp.txt",  # TK15 amount = payments - deductions
        "tk70_antal.txt",  # TK70 counts
    }


def test_importing_the_same_file_twice_adds_nothing(importer: BgMaxImporter, books: list[data.Directive]) -> None:
    (sample,) = SAMPLES
    first = extract(importer, sample, books)
    loaded, errors, _options = loader.load_string(BOOKS.read_text(encoding="utf-8") + as_text(first))
    assert errors == []
    again = extract(importer, sample, loaded)
    assert len(again) == len(first)
    assert all(beangulp_extract.DUPLICATE in entry.meta for entry in again)
    assert [entry.meta["ver"] for entry in again] == [entry.meta["ver"] for entry in first]
    # Already booked payments are not matched again (no "redan betald" for what paid it).
    assert [entry.narration for entry in again] == [entry.narration for entry in first]


def test_policy_refuses_test_files_other_bankgiros_and_other_currencies(tmp_path: Path, importer: BgMaxImporter) -> None:
    bgmax = rich_file()
    test_file = BgMaxFile(bgmax.created, bgmax.deposits, test=True)
    other = BgMaxFile(bgmax.created, (Deposit("9912346", datetime.date(2022, 3, 14), (Payment(Decimal("1.00")),), currency="EUR"),))
    write_bgmax(tmp_path / "test.txt", test_file)
    write_bgmax(tmp_path / "annan.txt", other)
    with pytest.raises(ImportFileError, match="rad 1: TK01: filen är en testfil"):
        importer.extract(str(tmp_path / "test.txt"), [])
    with pytest.raises(ImportFileError) as refused:
        importer.extract(str(tmp_path / "annan.txt"), [])
    assert [str(problem) for problem in refused.value.problems] == [
        "rad 2: TK05: insättningen gäller bankgiro 991-2346, föreningens bankgiro är 5844-9216",
        "rad 2: TK05: insättningen är i EUR; bokföringen förs i SEK",
    ]


# --- Writer, round trip, encodings -----------------------------------------------------


def test_render_and_read_give_back_the_same_data(tmp_path: Path) -> None:
    bgmax = rich_file()
    path = tmp_path / "bgmax.txt"
    write_bgmax(path, bgmax)
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n")
    assert all(len(line) == 80 for line in raw.split(b"\r\n")[:-1])
    assert "Åsa Öberg".encode("iso-8859-1") in raw
    assert read_bgmax(path) == bgmax
    parsed, problems = parse_bgmax_text(render_bgmax(bgmax))
    assert problems == [] and parsed == bgmax


def test_rendered_counts_and_totals() -> None:
    bgmax = rich_file()
    lines = render_bgmax(bgmax).split("\r\n")
    assert [line[:2] for line in lines[:-1]] == [
        "01", "05", "20", "26", "27", "28", "29", "20", "22", "23", "25", "25", "26", "21", "26", "15", "05", "20", "15", "70",
    ]  # fmt: skip
    assert lines[15][50:68] == "000000000001716800"  # 15 268 + 2 000 - 100
    assert lines[15][71:79] == "00000003"
    assert lines[19][:34] == "7000000003000000010000000200000002"
    parsed = read_bgmax_text(render_bgmax(bgmax))
    assert (parsed.payment_count, parsed.deduction_count, parsed.extra_reference_count) == (3, 1, 2)


def read_bgmax_text(text: str) -> BgMaxFile:
    parsed, problems = parse_bgmax_text(text)
    assert problems == [] and parsed is not None
    return parsed


def test_the_writer_refuses_what_bgmax_cannot_hold() -> None:
    created = datetime.datetime(2022, 3, 15)

    def one(payment: Payment) -> BgMaxFile:
        return BgMaxFile(created, (Deposit("58449216", datetime.date(2022, 3, 14), (payment,)),))

    with pytest.raises(BgMaxWriteError, match="namnet får ha högst 35 tecken"):
        render_bgmax(one(Payment(Decimal(1), name="N" * 36)))
    with pytest.raises(BgMaxWriteError, match="ISO-8859-1"):
        render_bgmax(one(Payment(Decimal(1), name="Łódź")))
    with pytest.raises(BgMaxWriteError, match="hela ören"):
        render_bgmax(one(Payment(Decimal("1.005"))))
    with pytest.raises(BgMaxWriteError, match="icke-negativt"):
        render_bgmax(one(Payment(Decimal("-1"))))


def test_a_utf8_reencoded_file_is_read_by_characters(tmp_path: Path) -> None:
    bgmax = rich_file()
    path = tmp_path / "utf8.txt"
    path.write_bytes(render_bgmax(bgmax).encode("utf-8"))
    parsed = read_bgmax(path)
    assert parsed.encoding == "utf-8"
    assert parsed == bgmax
    assert parsed.deposits[0].payments[2].name == "Älvdalens kommun"


def test_a_tab_is_expanded_to_the_next_multiple_of_eight_columns(tmp_path: Path) -> None:
    bgmax = rich_file()
    lines = render_bgmax(bgmax).split("\r\n")
    extra = lines.index(next(line for line in lines if line.startswith("22")))
    assert lines[extra][12:28] == " " * 16  # blank before the right-aligned reference
    # As an editor saves it: column 13 to 16 and 17 to 24 as two tabs, the rest blank.
    lines[extra] = lines[extra][:12] + "\t\t" + lines[extra][24:]
    assert len(lines[extra]) == 80 - 12 + 2
    assert read_bgmax_text("\r\n".join(lines)) == bgmax


def test_control_characters_and_replacement_characters_are_refused() -> None:
    lines = render_bgmax(rich_file()).split("\r\n")
    name = lines.index(next(line for line in lines if line.startswith("26Hofors")))
    damaged = list(lines)
    damaged[name] = damaged[name].replace("Hofors", "Hof\x0brs")
    _parsed, problems = parse_bgmax_text("\r\n".join(damaged))
    assert [str(problem) for problem in problems] == [f"rad {name + 1}: otillåtet styrtecken U+000B på position 6"]
    damaged = list(lines)
    damaged[name] = damaged[name].replace("Hofors", "Hof\ufffdrs")
    _parsed, problems = parse_bgmax_text("\r\n".join(damaged))
    assert [str(problem) for problem in problems] == [
        f"ersättningstecknet U+FFFD (tecken som gått förlorade när filen kodats om) på rad {name + 1}"
    ]


def test_records_may_lose_their_trailing_blanks_but_not_their_fields() -> None:
    lines = render_bgmax(rich_file()).split("\r\n")
    assert read_bgmax_text("\r\n".join(line.rstrip() for line in lines)) == rich_file()
    payment = lines.index(next(line for line in lines if line.startswith("20")))
    cut = list(lines)
    cut[payment] = cut[payment][:50]  # the amount field is cut in the middle
    _parsed, problems = parse_bgmax_text("\r\n".join(cut))
    assert str(problems[0]).startswith(f"rad {payment + 1}: TK20: beloppet (position 38-55) ska vara siffror")


def test_identities_use_serial_numbers_and_fall_back_to_the_place_in_the_deposit() -> None:
    deposit = Deposit(
        "58449216",
        datetime.date(2022, 3, 14),
        (
            Payment(Decimal(1), bgc_serial="000000000010", record=3),
            Payment(Decimal(2), bgc_serial="000000000016", record=4),
            Payment(Decimal(3), bgc_serial="000000000016", record=5),
            Payment(Decimal(4), bgc_serial="", record=6),
        ),
        serial=75,
    )
    assert payment_identities(BgMaxFile(datetime.datetime(2022, 3, 15), (deposit,))) == {
        3: "58449216-20220314-000000000010",
        4: "58449216-20220314-000000000016-00075-002",
        5: "58449216-20220314-000000000016-00075-003",
        6: "58449216-20220314-00075-004",
    }


# --- Conformance with real files (../shared/fixtures/bgmax) --------------------------------


def amounts(values: list[str]) -> list[Decimal]:
    return [Decimal(value) for value in values]


def test_every_shared_file_is_identified(shared: Path, importer: BgMaxImporter) -> None:
    names = sorted(path.name for path in shared.iterdir() if path.suffix == ".txt")
    assert names == [
        "bgc_ocr_exempel.txt",
        "pybgmax_multipayment.txt",
        "zimpler_BgMaxfil4.txt",
        "zimpler_BgMaxfil4_broken.txt",
        "zimpler_isolated_deposit.txt",
        "zimpler_isolated_payment.txt",
        "zimpler_minimal.txt",
    ]
    # Fragments too: they are then refused with a reason rather than silently skipped.
    assert all(importer.identify(str(shared / name)) for name in names)


def test_bankgirots_sample_file(shared: Path) -> None:
    bgmax = read_bgmax(shared / "bgc_ocr_exempel.txt")
    assert bgmax.encoding == "iso-8859-1"
    assert bgmax.created == datetime.datetime(2004, 5, 25, 17, 30, 35, 10331)
    assert not bgmax.test
    assert (len(bgmax.deposits), bgmax.payment_count, bgmax.deduction_count, bgmax.extra_reference_count) == (2, 6, 1, 6)
    assert [deposit.amount for deposit in bgmax.deposits] == amounts(["1900.00", "8000.00"])
    assert [deposit.serial for deposit in bgmax.deposits] == [74, 75]
    assert {deposit.payment_date for deposit in bgmax.deposits} == {datetime.date(2004, 5, 25)}
    assert {deposit.receiving_bankgiro for deposit in bgmax.deposits} == {"9912346"}
    assert [payment.signed_amount for _deposit, payment in bgmax.payments] == amounts(
        ["1000.00", "-500.00", "1400.00", "1100.00", "1200.00", "700.00", "5000.00"]
    )
    first = bgmax.deposits[0].payments[0]
    assert (first.name, first.street, first.postal_code, first.city) == ("Kalles Plåt AB", "Storgatan 2", "12345", "Storåker")
    assert first.organisation_number == "5500001234"
    # The record with TABs (line 17): its reference is in place after expanding the tabs.
    with_tabs = bgmax.deposits[0].payments[2]
    assert [extra.reference for extra in with_tabs.extra_references] == ["657866", "658765", "657767", "657965"]
    assert with_tabs.information == ("Betalning med extra refnr 657965",)


def test_pybgmax_multipayment_reencoded_as_utf8(shared: Path) -> None:
    bgmax = read_bgmax(shared / "pybgmax_multipayment.txt")
    assert bgmax.encoding == "utf-8"
    assert (len(bgmax.deposits), bgmax.payment_count, bgmax.deduction_count, bgmax.extra_reference_count) == (1, 4, 0, 0)
    (deposit,) = bgmax.deposits
    assert deposit.amount == Decimal("700.00")
    assert deposit.payment_date == datetime.date(2009, 6, 3)
    assert [payment.amount for payment in deposit.payments] == amounts(["100.00", "200.00", "300.00", "100.00"])
    assert [payment.reference for payment in deposit.payments] == ["65598", "84629", "39857", "644591"]
    # Read by characters, the address keeps its columns (the postal code after it is intact).
    assert (deposit.payments[3].street, deposit.payments[3].postal_code) == ("Vingbyv\u2030gen 59", "12345")
    # No BGC serial numbers in this file: identities use the deposit and the place in it.
    assert list(payment_identities(bgmax).values()) == [f"9912346-20090603-00036-00{n}" for n in (1, 2, 3, 4)]


def test_zimpler_file_with_four_deposits(shared: Path, importer: BgMaxImporter) -> None:
    path = shared / "zimpler_BgMaxfil4.txt"
    bgmax = read_bgmax(path)
    assert (len(bgmax.deposits), bgmax.payment_count, bgmax.deduction_count, bgmax.extra_reference_count) == (4, 9, 0, 13)
    assert [(deposit.amount, deposit.currency) for deposit in bgmax.deposits] == [
        (Decimal("3700.00"), "SEK"),
        (Decimal("2000.00"), "SEK"),
        (Decimal("2900.00"), "SEK"),
        (Decimal("4000.00"), "EUR"),
    ]
    # Deposit 3: extra references 1 000 + 500 + 400 - 500 (TK23) make the payment's 1 400.
    last = bgmax.deposits[2].payments[-1]
    assert last.amount == Decimal("1400.00")
    assert [extra.signed_amount for extra in last.extra_references] == amounts(["1000.00", "500.00", "400.00", "-500.00"])
    # Read, but not booked here: a deposit in EUR.
    with pytest.raises(ImportFileError, match="rad 51: TK05: insättningen är i EUR"):
        BgMaxImporter.for_books("991-2346", BOOK_ROLES).extract(str(path), [])


def test_zimpler_minimal_file(shared: Path) -> None:
    bgmax = read_bgmax(shared / "zimpler_minimal.txt")
    assert (len(bgmax.deposits), bgmax.payment_count, bgmax.deduction_count, bgmax.extra_reference_count) == (1, 1, 0, 0)
    assert bgmax.deposits[0].amount == Decimal("1100.00")
    entries = BgMaxImporter.for_books("991-2346", BOOK_ROLES).extract(str(shared / "zimpler_minimal.txt"), [])
    (entry,) = entries
    assert entry.flag == "!" and entry.narration == "Ingen öppen faktura med OCR 650861"


def test_the_broken_zimpler_file_is_refused_by_the_tk70_rule(shared: Path, importer: BgMaxImporter) -> None:
    path = shared / "zimpler_BgMaxfil4_broken.txt"
    with pytest.raises(ImportFileError) as refused:
        importer.extract(str(path), [])
    message = str(refused.value)
    assert f"BgMax-filen kan inte läsas: {path}" in message
    assert "rad 67: TK70: slutposten anger 8 betalningsposter (TK20) men filen har 9" in message
    assert "rad 67: TK70: slutposten anger 5 insättningar (TK15) men filen har 4" in message
    # The file was re-encoded with characters lost; that is reported too.
    assert "ersättningstecknet U+FFFD" in message


@pytest.mark.parametrize("name", ["zimpler_isolated_deposit.txt", "zimpler_isolated_payment.txt"])
def test_fragments_without_the_envelope_are_refused(shared: Path, importer: BgMaxImporter, name: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        importer.extract(str(shared / name), [])
    problems = [str(problem) for problem in refused.value.problems]
    assert problems[0].startswith("rad 1: första posten är TK")
    assert problems[0].endswith("inte TK01 (öppningspost): filen är ett utdrag ur en BgMax-fil")
    assert problems[-1] == "en BgMax-fil måste börja med TK01 och sluta med TK70 (filens kuvert)"
