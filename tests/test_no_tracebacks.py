"""Inputs that ended in a Python traceback now give a message that says what is wrong and where.

Each case is a small edit of a copy of the real books (or a command line, or a URL), as
the hostile tester found them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from beancount import loader
from conftest import LEDGER, REPOSITORY

from bergslaget_plugins.cli import main

KPI_LINE = re.search(r'^\d{4}-\d\d-\d\d custom "kpi" [\d.]+$', (REPOSITORY / "ledger" / "medlemsregister.beancount")
                     .read_text(encoding="utf-8"), re.M).group(0)  # type: ignore[union-attr]


def copy_of_books(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """The books in ``tmp_path`` with ``old`` replaced by ``new`` in ``file``; (main file, line of the edit)."""
    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert old in text, old
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / "main.beancount", text[: text.index(old)].count("\n") + 1


def assert_clear_errors(errors, filename: str, line: int, words: str) -> None:
    assert errors, "the mistake must be an error"
    for error in errors:
        assert "Traceback" not in error.message, error.message
        assert "Error applying plugin" not in error.message, error.message
    found = [e for e in errors if words in e.message]
    assert found, [e.message for e in errors]
    assert found[0].source["filename"].endswith(filename) and found[0].source["lineno"] == line, found[0].source


RULE_LINE = 'custom "avgiftsregel"'


@pytest.mark.parametrize("old, new, words", [
    ('  fakturadatum: "02-15"', '  fakturadatum: "02-29"', "fakturadatum"),
    ("  betalningsvillkor_dagar: 30\n", "  betalningsvillkor_dagar: 3000000\n", "betalningsvillkor_dagar"),
    ("  folkmangd_ar: -1\n", "  folkmangd_ar: -2023\n", "folkmangd_ar"),
])
def test_fee_rule_values_out_of_range(tmp_path, old, new, words):
    main_file, _ = copy_of_books(tmp_path, "medlemsregister.beancount", old, new)
    text = (main_file.parent / "medlemsregister.beancount").read_text(encoding="utf-8")
    rule_line = text[: text.index(RULE_LINE)].count("\n") + 1
    _, errors, _ = loader.load_file(str(main_file))
    assert_clear_errors(errors, "medlemsregister.beancount", rule_line, words)


@pytest.mark.parametrize("file, old, new", [
    ("medlemsregister.beancount", '2020-01-01 custom "medlem" "Region Gävleborg"', '2020-01-01 custom "medlem"'),
    ("medlemsregister.beancount", KPI_LINE, KPI_LINE.split(' custom')[0] + ' custom "kpi"'),
    ("satser.beancount", '2021-01-01 custom "procentsats" "arbetsgivaravgift" 31.42', '2021-01-01 custom "procentsats"'),
    ("2022/bokslut.beancount", '2022-12-31 custom "bokslut" "Årsbokslut 2022"', '2022-12-31 custom "bokslut"'),
])
def test_custom_directive_without_values(tmp_path, file, old, new):
    main_file, line = copy_of_books(tmp_path, file, old, new)
    _, errors, _ = loader.load_file(str(main_file))
    assert_clear_errors(errors, Path(file).name, line, "saknar värden")


def test_a_huge_verification_number_reports_a_gap_without_materialising_it(tmp_path):
    main_file, _ = copy_of_books(tmp_path, "2022/bank.beancount", '  ver: "A', '  ver: "A112000000"\n  gammalt_ver: "A')
    _, errors, _ = loader.load_file(str(main_file))
    assert any("–A111999999" in error.message for error in errors), [e.message for e in errors]
    assert all("Traceback" not in error.message for error in errors)


def test_a_duplicated_invoice_number_is_an_error_and_the_pages_answer(tmp_path):
    main_file, _ = copy_of_books(tmp_path, "2021/kundfakturor.beancount", "^faktura-2021110\n  ver: \"KF10\"\n  faktura: \"2021110\"",
                                 "^faktura-2021101\n  ver: \"KF10\"\n  faktura: \"2021101\"")
    text = (main_file.parent / "2021" / "kundfakturor.beancount").read_text(encoding="utf-8")
    line = text[: text.index('"Smedjebackens kommun" "Medlemsavgift 2021"')].count("\n") + 1
    _, errors, _ = loader.load_file(str(main_file))
    assert_clear_errors(errors, "kundfakturor.beancount", line, "Fakturanummer 2021101 är redan bokfört")
    from bergslaget_plugins.serve import make_app

    app = make_app(main_file)
    client, slug = app.test_client(), app.config["LEDGERS"].first_slug()
    for page in ("Medlemsavgifter", "Oversikt"):
        for year in ("2021", "2022"):
            response = client.get(f"/{slug}/extension/{page}/?time={year}")
            assert response.status_code == 200, (page, year)
            assert "Fakturanummer 2021101 är redan bokfört" in response.get_data(as_text=True)


@pytest.mark.parametrize("arguments, words", [
    (["report", "ledger"], "är en mapp"),
    (["report", "--year", "-1"], "inget räkenskapsår"),
    (["report", "--year", "9999"], "inget räkenskapsår"),
    (["report", "--year", "99999"], "inget räkenskapsår"),
    (["report", "--year", "0"], "inget räkenskapsår"),
    (["report", "--year", "1999"], "omfattar"),
    (["journal", "--year", "99999"], "inget räkenskapsår"),
])
def test_command_lines_that_ended_in_a_traceback(arguments, words, capsys, monkeypatch):
    monkeypatch.chdir(REPOSITORY)
    if arguments[1:2] != ["ledger"]:
        arguments = [arguments[0], str(LEDGER), *arguments[1:]]
    assert main(arguments) != 0
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.fixture(scope="module")
def served():
    from bergslaget_plugins.serve import make_app

    app = make_app(LEDGER)
    return app.test_client(), app.config["LEDGERS"].first_slug()


@pytest.mark.parametrize("time", ["garbage", "2022-13", "2022-02-30", "0001", "9999", "0000", "1999"])
@pytest.mark.parametrize("page", ["Arsredovisning", "Budget", "Medlemsavgifter", "Oversikt", "Bokslut"])
def test_extension_pages_with_a_time_filter_they_cannot_use(served, page, time):
    client, slug = served
    response = client.get(f"/{slug}/extension/{page}/?time={time}")
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if page != "Bokslut":
        assert "Tidsfiltret" in text


@pytest.mark.parametrize("time", ["garbage", "2022-13", "2022-02-30", "0001", "9999"])
@pytest.mark.parametrize("endpoint", ["csv", "utskrift"])
def test_report_downloads_with_a_time_filter_they_cannot_use(served, endpoint, time):
    client, slug = served
    response = client.get(f"/{slug}/extension/Arsredovisning/{endpoint}?time={time}")
    assert response.status_code == 409
    assert "Tidsfiltret" in response.get_data(as_text=True)


def test_a_payment_of_two_invoices_without_saying_which_is_an_error_and_the_pages_answer(tmp_path):
    payment = '''
2022-03-20 * "Region Gävleborg" "Betalning av två fakturor" ^faktura-2022101 ^faktura-2022102
  ver: "A900"
  Assets:1930-Företagskonto  10 SEK
  Assets:1510-Kundfordringar  -10 SEK
    motpart: "Region Gävleborg"
'''
    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    bank = folder / "2022" / "bank.beancount"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text + payment, encoding="utf-8")
    line = len(text.splitlines()) + 5  # the posting on 1510
    _, errors, _ = loader.load_file(str(folder / "main.beancount"))
    found = [e for e in errors if "flera fakturalänkar" in e.message]
    assert found and found[0].source["lineno"] == line, [(e.source, e.message) for e in errors]
    from bergslaget_plugins.serve import make_app

    app = make_app(folder / "main.beancount")
    client, slug = app.test_client(), app.config["LEDGERS"].first_slug()
    for page in ("Medlemsavgifter", "Oversikt"):
        response = client.get(f"/{slug}/extension/{page}/?time=2022")
        assert response.status_code == 200 and "flera fakturalänkar" in response.get_data(as_text=True)
