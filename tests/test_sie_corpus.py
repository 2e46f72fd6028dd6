"""Conformance on the real SIE files in ../shared/fixtures/sie (skipped where the folder is absent).

Every file whose vouchers and balances agree imports, loads without error and holds its
closing balances; every file with a defect is reported with the exact voucher or account
(the verdicts of ../shared/fixtures/SOURCES.md); no file gives a traceback.
Where this reader finds more than SOURCES.md says, the test names the extra defects and why.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Balance
from conftest import SHARED

from bergslaget_plugins import cli
from bergslaget_plugins.sie.check import Finding, check_document, defects
from bergslaget_plugins.sie.document import read_sie_file
from bergslaget_plugins.sie.to_beancount import ImportRefused, convert

SIE_FOLDER = SHARED / "fixtures" / "sie"

#: SOURCES.md: consistent, or balanced 4I files without balances.
CONSISTENT = (
    "BL0001_typ4.SE", "BLBLOV_SIE4.SE", "BLBLOV_SIE4.SI", "Bokslut_Norstedts_SIE_4E.se", "CC2-foretaget.SE",
    "FAKT.SI", "Lön.si", "MAMUT_SIE4_EXPORT.SE", "Norstedts_Bokslut_SIE_4I.si", "Quotes_test.si",
    "SIE4_Exempelfil_med_underdim.SE", "SIE_exempelfil.se", "Test4.SE", "Testbolaget_Enskild_firma.SE",
    "Transaktioner_per_Z-rapport.se", "live2011.se", "magenta_bokföring_SIE4E.se", "magenta_bokföring_SIE4I.se",
    "sie_4.SE", "transaktioner_ovnbolag.se", "typ4.se",
)

#: SOURCES.md's inconsistent files: unbalanced vouchers, IB+T≠UB accounts, T≠RES accounts (a set, or a count).
INCONSISTENT: dict[str, tuple[set[str], set[str] | int, set[str] | int]] = {
    "Arousells_Visning_AB.SE": (set(), 20, 42),
    "BLBLOV_SIE4_UTF_8_with_imbalanced_voucher.SE": ({"A 1"}, {"2640"}, set()),
    "SIE_with_long_voucher_series_number.SE": (set(), 18, 9),
    "Sie4.se": (set(), {"2440", "2640"}, {"4010"}),
    "XE_SIE_4_20151125095119.SE": ({"1 1"}, set(), {"3740"}),
    "transaktioner_ovnbolag-bad-balance.se": ({"B 1"}, {"1910"}, set()),
}

#: Defects this reader finds beyond SOURCES.md (whose checker ignored them), with the lines where they are.
MORE_THAN_SOURCES = {
    # 11 accounts are used (3040, 3050 …) that the file's #KONTO records do not declare.
    "Exempelbolaget_SIE_110322_B_33.si": {"konto 3040 används men finns inte i kontoplanen"},
    # "#RAR 0" without its dates: the financial year is not given ("unusual layout" in SOURCES.md).
    "BL0001_typ4I.SI": {"#RAR: räkenskapsårets början saknas"},
    # "#KTYP DIFF" without a type, three #TRANS rows whose text quote is never closed, an account FEL never declared.
    "Sie4.se": {"#KTYP: kontotyp ''", "citattecknet stängs aldrig", "konto FEL används"},
    # 54 #KONTO names with an unescaped quote inside ("Fordringar hos leverant"r").
    "XE_SIE_4_20151125095119.SE": {"#KONTO: citattecknet stängs aldrig"},
}

BALANCES_ONLY = (  # SIE 1: balances, no vouchers
    "Balanserad_förlust.se", "Norstedts_Bokslut_SIE_1.se", "Norstedts_Revision_SIE_1.SE",
    "SIE-fil_från_Visma_Eget_Aktiebolag_2010.se", "SIE-fil_från_Visma_Enskild_Firma_2010.se", "Sie1.se", "Test1.SE",
)
STUBS = ("HAS4E_1412.Se", "TRANSAK.SE")


def _path(name: str) -> Path:
    path = SIE_FOLDER / name
    if not path.exists():
        pytest.skip("../shared/fixtures/sie finns inte här")
    return path


def _all_files() -> list[str]:
    return sorted(path.name for path in SIE_FOLDER.iterdir()) if SIE_FOLDER.is_dir() else []


def test_every_file_of_the_corpus_has_a_verdict_here() -> None:
    if not SIE_FOLDER.is_dir():
        pytest.skip("../shared/fixtures/sie finns inte här")
    known = {*CONSISTENT, *INCONSISTENT, *BALANCES_ONLY, *STUBS, "Exempelbolaget_SIE_110322_B_33.si", "BL0001_typ4I.SI"}
    assert set(_all_files()) == known


@pytest.mark.parametrize("name", CONSISTENT)
def test_a_consistent_file_imports_and_holds_its_closing_balances(name: str) -> None:
    document = read_sie_file(_path(name))
    findings = check_document(document)
    assert defects(findings) == []
    conversion = convert(document, findings)
    entries, errors, _ = loader.load_string(conversion.text)
    assert errors == [], [error.message for error in errors[:5]]
    assertions = {(entry.account.split(":")[-1].split("-")[0], entry.amount.number)
                  for entry in entries if isinstance(entry, Balance) and entry.date > document.years[0][1]}
    expected = {(account, amount) for kind in ("UB", "RES") for account, amount in document.balances(kind).items()}
    assert assertions == expected
    assert len(conversion.imported) == len(document.vouchers)


def _identities(findings: list[Finding]) -> tuple[set[str], set[str], set[str]]:
    vouchers = {finding.voucher for finding in findings if finding.voucher and "balanserar inte" in finding.message}
    closing = {finding.account for finding in findings if finding.account and "(#UB)" in finding.message}
    results = {finding.account for finding in findings if finding.account and "(#RES)" in finding.message}
    return vouchers, closing, results  # type: ignore[return-value]


@pytest.mark.parametrize("name", sorted(INCONSISTENT))
def test_an_inconsistent_file_is_reported_with_the_voucher_and_account(name: str) -> None:
    document = read_sie_file(_path(name))
    found = defects(check_document(document))
    vouchers, closing, results = _identities(found)
    want_vouchers, want_closing, want_results = INCONSISTENT[name]
    assert vouchers == want_vouchers
    assert (len(closing) if isinstance(want_closing, int) else closing) == want_closing
    assert (len(results) if isinstance(want_results, int) else results) == want_results
    for extra in MORE_THAN_SOURCES.get(name, ()):
        assert any(extra in finding.message for finding in found), extra
    with pytest.raises(ImportRefused):
        convert(document, found)


@pytest.mark.parametrize("name", sorted(MORE_THAN_SOURCES))
def test_defects_beyond_the_sources_verdicts(name: str) -> None:
    found = defects(check_document(read_sie_file(_path(name))))
    for extra in MORE_THAN_SOURCES[name]:
        assert any(extra in finding.message and finding.lineno > 0 for finding in found), extra


@pytest.mark.parametrize("name", BALANCES_ONLY)
def test_sie_1_files_check_clean_and_are_not_imported(name: str) -> None:
    document = read_sie_file(_path(name))
    findings = check_document(document)
    assert defects(findings) == [] and document.sie_type == "1" and document.closing
    with pytest.raises(ImportRefused) as refused:
        convert(document, findings)
    assert "SIE 4" in refused.value.reasons[0]


@pytest.mark.parametrize("name", STUBS)
def test_stubs_are_no_sie_files(name: str) -> None:
    found = defects(check_document(read_sie_file(_path(name))))
    assert [finding.message for finding in found] == [
        "filen är ingen SIE-fil (inga SIE-poster som #FLAGGA, #SIETYP, #KONTO eller #VER)"]


@pytest.mark.parametrize("name", _all_files() or ["(ingen korpus)"])
def test_no_file_gives_a_traceback(name: str, tmp_path: Path, capsys) -> None:
    path = _path(name)
    check_status = cli.main(["sie", "check", str(path)], io.StringIO())
    import_status = cli.main(["sie", "import", str(path), "-o", str(tmp_path / "ut.beancount")], io.StringIO())
    assert check_status in (0, 1) and import_status in (0, 1)
    assert (check_status == 0) == (import_status == 0 or name in BALANCES_ONLY)
    assert (tmp_path / "ut.beancount").exists() == (import_status == 0)
    assert "Traceback" not in capsys.readouterr().err
