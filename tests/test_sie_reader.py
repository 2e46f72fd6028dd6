"""SIE reading: the lexer (quotes, escapes, object lists), character sets, #KSUMMA and the check."""

from __future__ import annotations

import datetime
import zlib
from decimal import Decimal

import pytest
from conftest import SHARED

from bergslaget_plugins.sie.check import DEFECT, REMARK, check_document, defects
from bergslaget_plugins.sie.checksum import checksum_of
from bergslaget_plugins.sie.document import read_sie_bytes
from bergslaget_plugins.sie.encoding import PC8, UTF8, WINDOWS_1252, decode_sie
from bergslaget_plugins.sie.records import LexError, ObjectList, Record, lex, lex_line

SIE_FOLDER = SHARED / "fixtures" / "sie"


def _sie(text: str, encoding: str = "cp437") -> bytes:
    return text.strip("\n").replace("\n", "\r\n").encode(encoding)


GOOD = """
#FLAGGA 0
#FORMAT PC8
#SIETYP 4
#FNAMN "Testföreningen"
#RAR 0 20220101 20221231
#KONTO 1930 "Företagskonto"
#KONTO 2440 "Leverantörsskulder"
#KONTO 3010 "Försäljning"
#KONTO 5010 "Lokalhyra"
#IB 0 1930 1000.00
#IB 0 2440 -1000.00
#UB 0 1930 800.00
#UB 0 2440 -1000.00
#RES 0 3010 -100.00
#RES 0 5010 300.00
#VER A 1 20220110 "Hyra \\"januari\\""
{
   #TRANS 5010 {1 "100" 6 "P 1"} 300.00
   #TRANS 1930 {} -300.00 20220111 "Betalt"
}
#VER A 2 20220120 "Kontant"
{
   #TRANS 1930 { } 100
   #TRANS 3010 {} -100.00
}
"""


def test_fields_quotes_escapes_and_object_lists() -> None:
    record = lex_line(3, '#TRANS 3010 {1 "100" "6" "P 1"} -80.5 20220101 "Text med \\"citat\\"" 2')
    assert isinstance(record, Record)
    assert record.label == "#TRANS"
    assert record.fields == ("3010", ObjectList(("1", "100", "6", "P 1")), "-80.5", "20220101", 'Text med "citat"', "2")
    assert record.fields[1].pairs() == (("1", "100"), ("6", "P 1"))
    # A backslash before anything but a quote is an ordinary character (file paths in #FNR).
    assert lex_line(1, '#FNR "C:\\Program\\Företag"').fields == ("C:\\Program\\Företag",)
    assert lex_line(1, "#TRANS 1930 {} -1").fields[1] == ObjectList(())
    assert lex_line(1, "   ") is None
    assert lex_line(1, "{").label == "{"


def test_unreadable_lines_are_named_not_raised() -> None:
    assert isinstance(lex_line(7, "ingen post"), LexError)
    damaged = lex_line(8, '#KONTO 1684 "Fordringar hos leverant"r"')
    assert isinstance(damaged, Record) and damaged.damage and "citattecknet" in damaged.damage
    items = list(lex("#FLAGGA 0\n\n<html>\n#SIETYP 4\n"))
    assert [item.lineno for item in items] == [1, 3, 4]
    assert isinstance(items[1], LexError)


def test_a_file_is_read_into_accounts_balances_and_vouchers() -> None:
    document = read_sie_bytes(_sie(GOOD), "good.se")
    assert document.encoding == PC8
    assert document.company_name == "Testföreningen"
    assert document.years[0] == (datetime.date(2022, 1, 1), datetime.date(2022, 12, 31))
    assert document.accounts["3010"] == "Försäljning"
    first, second = document.vouchers
    assert (first.series, first.number, first.text, first.lineno) == ("A", "1", 'Hyra "januari"', 16)
    assert first.rows[0].objects == (("1", "100"), ("6", "P 1"))
    assert first.rows[1].text == "Betalt" and first.rows[1].date == datetime.date(2022, 1, 11)
    assert second.rows[0].amount == Decimal(100)
    assert document.balances("UB") == {"1930": Decimal("800.00"), "2440": Decimal("-1000.00")}
    assert check_document(document) == []


def test_added_and_removed_rows() -> None:
    """#RTRANS is followed by the same row as #TRANS (counted once); #BTRANS is not counted."""
    text = GOOD.replace('   #TRANS 1930 { } 100\n', '   #BTRANS 1930 {} 90\n   #RTRANS 1930 {} 100\n   #TRANS 1930 { } 100\n')
    document = read_sie_bytes(_sie(text))
    assert [row.amount for row in document.vouchers[1].rows] == [Decimal(100), Decimal("-100.00")]
    assert check_document(document) == []


def test_character_sets_are_recognised_and_said() -> None:
    assert decode_sie("Övningsbolaget".encode("cp437")) .encoding == PC8
    assert decode_sie("Övningsbolaget".encode()).text == "Övningsbolaget"
    assert decode_sie("Övningsbolaget".encode()).encoding == UTF8
    assert decode_sie("Räntor på lån, Övrigt".encode("cp1252")).encoding == WINDOWS_1252
    document = read_sie_bytes(_sie(GOOD, "utf-8"))
    assert document.company_name == "Testföreningen"
    findings = check_document(document)
    assert [(finding.severity, finding.lineno) for finding in findings] == [(REMARK, 1)]
    assert "UTF-8" in findings[0].message and "PC8" in findings[0].message


@pytest.mark.parametrize(("change", "line", "words"), [
    (lambda text: text.replace("   #TRANS 3010 {} -100.00", "   #TRANS 3010 {} -99.00"), 21,
     ["verifikation A 2", "balanserar inte", "1.00"]),
    (lambda text: text.replace("#UB 0 1930 800.00", "#UB 0 1930 700.00"), 12,
     ["konto 1930", "800.00", "700.00"]),
    (lambda text: text.replace("#RES 0 5010 300.00", "#RES 0 5010 310.00"), 15,
     ["konto 5010", "300.00", "310.00"]),
    (lambda text: text.replace("#VER A 2 20220120", "#VER A 2 20230120"), 21,
     ["verifikation A 2", "2023-01-20", "utanför räkenskapsåret"]),
    (lambda text: text.replace("#KONTO 5010 \"Lokalhyra\"\n", ""), 14,
     ["konto 5010", "finns inte i kontoplanen"]),
    (lambda text: text.replace("   #TRANS 3010 {} -100.00", "   #TRANS 3010 {} -100,00"), 24,
     ["oläslig post", "#TRANS", "-100,00"]),
    # A field left out is said to be missing, not shown as Python's None (BL0001_typ4I.SI has "#RAR 0  ").
    (lambda text: text.replace("#RAR 0 20220101 20221231", "#RAR 0  "), 5,
     ["oläslig post", "#RAR", "räkenskapsårets början saknas"]),
    (lambda text: text.replace("   #TRANS 3010 {} -100.00", "   #TRANS 3010 {}"), 24,
     ["oläslig post", "#TRANS", "beloppet saknas"]),
])
def test_each_defect_is_reported_at_its_line(change, line, words) -> None:
    findings = defects(check_document(read_sie_bytes(_sie(change(GOOD)), "f.se")))
    assert findings, "the defect was not found"
    matching = [finding for finding in findings if all(word in finding.message for word in words)]
    assert matching, [finding.message for finding in findings]
    assert matching[0].lineno == line


def test_checksum_is_crc32_of_labels_and_field_contents() -> None:
    body = '#FNAMN "Ett AB"\n#TRANS 1930 {1 "100"} -1.50 "" "Text \\"x\\""'
    records = [item for item in lex(body) if isinstance(item, Record)]
    expected = zlib.crc32('#FNAMNEtt AB#TRANS19301100-1.50Text "x"'.encode("cp437"))
    assert checksum_of(records) == expected


def test_a_wrong_checksum_is_reported() -> None:
    records = [item for item in lex(GOOD) if isinstance(item, Record)]
    right = checksum_of(records[1:])
    text = GOOD.replace("#FLAGGA 0\n", "#FLAGGA 0\n#KSUMMA\n", 1) + f"#KSUMMA {right}\n"
    assert check_document(read_sie_bytes(_sie(text))) == []
    wrong = text.replace("#IB 0 1930 1000.00", "#IB 0 1930 1000.01").replace("#UB 0 1930 800.00", "#UB 0 1930 800.01")
    findings = defects(check_document(read_sie_bytes(_sie(wrong))))
    assert [finding.lineno for finding in findings] == [27]
    assert "kontrollsumma" in findings[0].message and str(right) in findings[0].message
    unfinished = defects(check_document(read_sie_bytes(_sie(text.rsplit("#KSUMMA", 1)[0]))))
    assert [finding.lineno for finding in unfinished] == [2]


KSUMMA_VECTORS = {
    "Bokslut_Norstedts_SIE_4E.se": 854227682,
    "Norstedts_Bokslut_SIE_1.se": 3033066896,
    "Norstedts_Bokslut_SIE_4I.si": 1573150874,
    "Norstedts_Revision_SIE_1.SE": 3130188017,
    "Sie1.se": 909685525,
}


@pytest.mark.parametrize("name", sorted(KSUMMA_VECTORS))
def test_checksum_reproduces_the_real_files(name: str) -> None:
    path = SIE_FOLDER / name
    if not path.exists():
        pytest.skip("../shared/fixtures/sie finns inte här")
    document = read_sie_bytes(path.read_bytes(), name)
    assert document.checksum is not None
    assert document.checksum.declared == KSUMMA_VECTORS[name]
    assert document.checksum.computed == KSUMMA_VECTORS[name]
    assert not [finding for finding in check_document(document) if "kontrollsumma" in finding.message]


@pytest.mark.parametrize("name", ["Quotes_test.si", "BLBLOV_SIE4_UTF_8_with_imbalanced_voucher.SE"])
def test_real_utf8_files_are_recognised(name: str) -> None:
    path = SIE_FOLDER / name
    if not path.exists():
        pytest.skip("../shared/fixtures/sie finns inte här")
    document = read_sie_bytes(path.read_bytes(), name)
    assert document.encoding == UTF8
    remarks = [finding for finding in check_document(document) if finding.severity == REMARK]
    assert any("UTF-8" in finding.message for finding in remarks)
    text = " ".join([document.company_name or "", *document.accounts.values(), *(v.text for v in document.vouchers)])
    assert any(letter in text for letter in "åäöÅÄÖ")
    assert "Ã" not in text and "├" not in text


def test_pc8_file_letters() -> None:
    path = SIE_FOLDER / "Sie1.se"
    if not path.exists():
        pytest.skip("../shared/fixtures/sie finns inte här")
    document = read_sie_bytes(path.read_bytes())
    assert document.encoding == PC8
    assert document.company_name == "Övningsbolaget AB"
    assert DEFECT not in {finding.severity for finding in check_document(document)}
