"""The beangulp importer for SIE 4 files: the same reader and conversion as ``bergslaget sie import``."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Open, Transaction

from bergslaget_plugins import cli
from importers.common import ImportFileError
from importers.config import build_config
from importers.numbering import number_imported_verifications
from importers.sie_importer import SieImporter, looks_like_sie

SIE_FILE = """#FLAGGA 0
#SIETYP 4
#RAR 0 20220101 20221231
#KONTO 1930 "Företagskonto"
#KONTO 5010 "Lokalhyra"
#VER A 7 20220310 "Hyra mars"
{
   #TRANS 5010 {} 24000.00
   #TRANS 1930 {} -24000.00
}
#VER A 3 20220110 "Hyra januari"
{
   #TRANS 5010 {} 24000.00
   #TRANS 1930 {} -24000.00
}
"""


@pytest.fixture()
def sie_file(tmp_path: Path) -> Path:
    path = tmp_path / "annan.se"
    path.write_bytes(SIE_FILE.replace("\n", "\r\n").encode("cp437"))
    return path


def test_identify(sie_file: Path, tmp_path: Path) -> None:
    assert looks_like_sie(str(sie_file))
    other = tmp_path / "kontoutdrag.csv"
    other.write_text("#FLAGGA 0\n", encoding="utf-8")
    assert not looks_like_sie(str(other))
    html = tmp_path / "TRANSAK.SE"
    html.write_text("<html></html>", encoding="utf-8")
    assert not looks_like_sie(str(html))
    assert any(isinstance(importer, SieImporter) and importer.identify(str(sie_file)) for importer in build_config())


def test_extract_uses_the_books_accounts_and_keeps_the_file_numbers(sie_file: Path) -> None:
    existing, errors, _ = loader.load_string(
        "2021-01-01 open Assets:1930-Företagskonto SEK\n"
        '2022-01-10 * "Hyra januari"\n  ver: "A3"\n'
        "  Assets:1930-Företagskonto  -24000 SEK\n  Assets:1930-Företagskonto  24000 SEK\n")
    assert errors == []
    importer = SieImporter()
    assert importer.date(str(sie_file)) == datetime.date(2022, 12, 31)
    entries = importer.extract(str(sie_file), existing)
    opened = [entry.account for entry in entries if isinstance(entry, Open)]
    assert opened == ["Expenses:5010-Lokalhyra"]
    transactions = [entry for entry in entries if isinstance(entry, Transaction)]
    assert [entry.meta["ver"] for entry in transactions] == ["A7"]  # A3 is booked already
    assert transactions[0].meta["filename"] == str(sie_file) and transactions[0].meta["lineno"] == 6
    assert transactions[0].postings[1].account == "Assets:1930-Företagskonto"
    extracted = number_imported_verifications([(str(sie_file), entries)], existing)
    assert extracted[0][1][-1].meta["ver"] == "A7"


def test_a_file_with_a_defect_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trasig.se"
    path.write_bytes(SIE_FILE.replace("   #TRANS 1930 {} -24000.00\n}\n#VER A 3", "   #TRANS 1930 {} -2400.00\n}\n#VER A 3")
                     .encode("cp437"))
    with pytest.raises(ImportFileError) as refused:
        SieImporter().extract(str(path), [])
    assert "rad 6" in str(refused.value) and "A 7" in str(refused.value)


def test_bergslaget_import_extract(sie_file: Path, capsys) -> None:
    assert cli.main(["import", "extract", str(sie_file)], io.StringIO()) == 0
    printed = capsys.readouterr().out
    assert 'ver: "A7"' in printed and 'ver: "A3"' in printed
