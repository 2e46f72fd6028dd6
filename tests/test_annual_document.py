"""The annual report as the document the board signs: the PDF's text holds every published
figure, the association's facts, the computed parts of the förvaltningsberättelse, the
signature block and numbered pages; the document refuses where the text report refuses,
and when one of its parts is missing from the books."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPOSITORY
from ledgers import ledger_text, load
from pypdf import PdfReader
from test_report import PUBLISHED

from bergslaget_plugins.annual_document import build_annual_document
from bergslaget_plugins.board import read_board
from bergslaget_plugins.money import format_kronor
from bergslaget_plugins.render import document_as_html
from bergslaget_plugins.report_texts import markdown_as_html, read_report_texts
from bergslaget_plugins.statements import ReportError

BERGSLAGET = Path(sys.executable).parent / "bergslaget"

#: The ordinary members of the board 2022 (verksamhetsberättelsen 2022, avsnitt 1.2): they sign.
BOARD_2022 = (
    ("Jan Bohman", "Ordförande"), ("Ewa-Leena Johansson", "Vice ordförande"), ("Marianne Cordes", "Ledamot"),
    ("Fredrik Rönning", "Ledamot"), ("Abbe Ronsten", "Ledamot"), ("Marino Wallsten", "Ledamot"),
    ("HåGe Persson", "Ledamot"), ("Carl-Ewert Ohlsson", "Ledamot"), ("Bengt Storbacka", "Ledamot"),
)
#: The deputies: in the books, but they do not sign.
DEPUTIES_2022 = ("Hans Jildesten", "Blerta Krenzi", "Jonas Kleber", "Jan Lahenkorva", "Åsa Hååkman Eriksson",
                 "Johanna Odö", "Pia Maria Johansson", "Anders Lindh", "Anders Ceder")


def pdf_pages(pdf: bytes) -> list[list[str]]:
    """The text of each page as lines (pypdf's extraction)."""
    return [page.extract_text().splitlines() for page in PdfReader(io.BytesIO(pdf)).pages]


#: Headings that end the table before them.
TITLES = {title for title, _ in PUBLISHED} | {
    "Flerårsöversikt", "Förändring av eget kapital", "Förslag till disposition av resultatet", "Noter", "Underskrifter",
    "Belopp i hela kronor.", "Revisorns påteckning"}


def table_lines(pages: list[list[str]], title: str) -> list[str]:
    """The lines of the part headed ``title`` (after the title page), up to the next heading
    or the end of its page: a table that went on to the next page would lose rows here."""
    for lines in pages[1:]:
        if title in lines:
            following = lines[lines.index(title) + 1:]
            end = next((index for index, line in enumerate(following) if line in TITLES), len(following))
            return following[:end]
    raise AssertionError(f"{title!r} finns inte i dokumentet")


def row_line(label: str, values: tuple[int, ...]) -> re.Pattern[str]:
    """A printed row: the label, perhaps its note, and the figures the Swedish way."""
    figures = " ".join(re.escape(format_kronor(Decimal(value))) for value in values)
    return re.compile(rf"^{re.escape(label)}(?: Not \d+)? {figures}$")


def first_row(lines: list[str], label: str) -> str:
    return next(line for line in lines if line.startswith(label + " "))


@pytest.fixture(scope="module")
def pdf_2022(tmp_path_factory) -> bytes:
    """``bergslaget report --year 2022 --format pdf -o arsredovisning-2022.pdf``, run as the board's secretary runs it."""
    folder = tmp_path_factory.mktemp("pdf")
    completed = subprocess.run(
        [str(BERGSLAGET), "report", "--year", "2022", "--format", "pdf", "-o", "arsredovisning-2022.pdf"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""
    assert "arsredovisning-2022.pdf" in completed.stdout
    return (folder / "arsredovisning-2022.pdf").read_bytes()


@pytest.fixture(scope="module")
def pages(pdf_2022) -> list[list[str]]:
    return pdf_pages(pdf_2022)


def test_every_published_figure_is_in_the_pdf(pages):
    missing = []
    for (title, label), values in PUBLISHED.items():
        pattern = row_line(label, values)
        if not any(pattern.match(line) for line in table_lines(pages, title)):
            missing.append(f"{title}: {label} {values}")
    assert missing == []
    assert len(PUBLISHED) == 48


def test_title_page_names_the_association_the_year_and_the_seat(pages):
    title_page = pages[0]
    assert not any("tkast" in line for line in title_page)  # 2022 has its year-end: no draft
    assert "Intresseföreningen Bergslaget" in title_page
    assert "Årsredovisning för räkenskapsåret 2022" in title_page
    assert "Organisationsnummer 885501-2327" in title_page
    assert "Säte: Borlänge" in title_page


def test_pages_are_numbered_with_a_running_footer(pages):
    count = len(pages)
    assert count >= 6
    for number, lines in enumerate(pages[1:], start=2):
        assert lines[-1] == f"Intresseföreningen Bergslaget, 885501-2327 · Årsredovisning 2022 Sida {number} av {count}"


def test_contents_point_to_the_pages_of_the_parts(pages):
    contents = {match[1]: int(match[2]) for line in pages[0] if (match := re.match(r"^(\S.*?) \.+ (\d+)$", line))}
    assert list(contents) == ["Förvaltningsberättelse", "Resultaträkning", "Balansräkning", "Noter", "Underskrifter"]
    for part, page_number in contents.items():
        assert pages[page_number - 1][0] == part


def test_management_report_holds_the_boards_text_and_the_computed_parts(pages):
    text = "\n".join("\n".join(lines) for lines in pages)
    assert "Förvaltningsberättelse" in pages[1]
    assert "Styrelsen föreslår att årets underskott på 273 319 kronor balanseras i ny räkning." in text
    overview = table_lines(pages, "Flerårsöversikt")
    assert overview[0] == "2021 2022"
    assert row_line("Verksamhetens intäkter", (3430696, 1036227)).match(first_row(overview, "Verksamhetens intäkter"))
    assert row_line("Årets resultat", (-424259, -273319)).match(first_row(overview, "Årets resultat"))
    assert row_line("Eget kapital vid årets slut", (989280, 715961)).match(first_row(overview, "Eget kapital vid årets slut"))
    equity = " ".join(table_lines(pages, "Förändring av eget kapital"))
    # Balanserat resultat, Årets resultat, Summa eget kapital; each row as published or as booked (A53).
    assert "(2021-12-31) 1 413 539 -424 259 989 280" in equity
    assert "årsmötets beslut -424 259 424 259 0" in equity
    assert "Årets resultat 0 -273 319 -273 319" in equity
    assert "(2022-12-31) 989 280 -273 319 715 961" in equity
    disposition = table_lines(pages, "Förslag till disposition av resultatet")
    assert disposition == [
        "Kronor", "Till årsmötets förfogande står", "Balanserat resultat 989 280", "Årets resultat -273 319",
        "Summa 715 961", "Styrelsen föreslår att medlen disponeras så att", "i ny räkning balanseras 715 961",
        "Summa 715 961",
    ]


def test_notes_begin_with_the_accounting_principles_from_the_books(pages):
    notes = table_lines(pages, "Noter")
    assert notes[0] == "Redovisnings- och värderingsprinciper"
    principles = " ".join(notes[1:6])
    assert "BFNAR 2016:10" in principles and "(K2)" in principles


def test_signature_block_names_the_board_and_the_auditor(pages):
    signatures = table_lines(pages, "Underskrifter")
    assert signatures[0].startswith("Borlänge den ____")
    joined = " ".join(signatures)
    for name, role in BOARD_2022:
        assert signatures[signatures.index(name) + 1] == role
    for name in DEPUTIES_2022:
        assert name not in joined
    # Chair first, then as the books list them.
    assert [signatures.index(name) for name, _ in BOARD_2022] == sorted(signatures.index(name) for name, _ in BOARD_2022)
    auditor = table_lines(pages, "Revisorns påteckning")
    assert auditor[0] == "Min revisionsberättelse har lämnats den ____________________________"
    assert auditor[1:3] == ["Laila Borger", "Revisor"]
    # The whole block, board and auditor, on the last page.
    assert "Underskrifter" in pages[-1] and "Laila Borger" in pages[-1]


def test_html_format_is_the_same_document(books, tmp_path):
    entries, _, options = books
    expected = document_as_html(build_annual_document(entries, options, 2022))
    completed = subprocess.run([str(BERGSLAGET), "report", "--year", "2022", "--format", "html"],
                               cwd=REPOSITORY, capture_output=True, text=True, check=True)
    assert completed.stdout == expected
    assert completed.stdout.startswith("<!DOCTYPE html>")
    assert '<td class="num">-273 319</td>' in completed.stdout


# -- refusals ------------------------------------------------------------------------------------

def run_report(*arguments: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BERGSLAGET), "report", *arguments], cwd=cwd, capture_output=True, text=True, check=False)


def test_books_with_errors_give_no_document_and_keep_the_old_file(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text("""
    2021-03-01 * "Obalanserad"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -90 SEK
    """))
    (tmp_path / "arsredovisning.pdf").write_bytes(b"den gamla")
    completed = run_report(str(ledger), "--year", "2021", "--format", "pdf", "-o", "arsredovisning.pdf", cwd=tmp_path)
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert "main.beancount:" in completed.stderr
    assert (tmp_path / "arsredovisning.pdf").read_bytes() == b"den gamla"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["arsredovisning.pdf", "main.beancount"]


def test_a_failing_report_check_gives_no_document(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text("""
    2020-01-01 open Expenses:6991-Okänt SEK
      namn: "Okänd kostnad"
    2021-03-01 * "Okänd" "Något"
      ver: "A1"
      Expenses:6991-Okänt  100 SEK
      Assets:1930-Företagskonto
    """))
    for format_name in ("pdf", "html"):
        completed = run_report(str(ledger), "--year", "2021", "--format", format_name, "-o", f"ar.{format_name}", cwd=tmp_path)
        assert completed.returncode == 2
        assert "Expenses:6991-Okänt" in completed.stderr
        assert not (tmp_path / f"ar.{format_name}").exists()


def test_missing_parts_are_all_named(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text("""
    2020-01-01 custom "förening" "Testföreningen"
      orgnr: "885501-2327"
      sate: "Borlänge"
      adress: "Forskargatan 3"
      postnummer: "781 70"
      ort: "Borlänge"
      bankgiro: "5844-9216"
    2021-03-01 * "Medlem" "Avgift"
      ver: "A1"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter  -100 SEK
    """))
    completed = run_report(str(ledger), "--year", "2021", "--format", "pdf", "-o", "ar.pdf", cwd=tmp_path)
    assert completed.returncode == 2
    assert "Förvaltningsberättelsen för 2021 saknas" in completed.stderr
    assert "Redovisningsprinciperna saknas" in completed.stderr
    assert "Styrelsen för 2021 saknas" in completed.stderr
    assert "Revisorn för 2021 saknas" in completed.stderr
    assert not (tmp_path / "ar.pdf").exists()


def test_pdf_needs_an_output_file(tmp_path):
    completed = run_report("--format", "pdf", cwd=REPOSITORY)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "-o" in completed.stderr


def test_an_unwritable_output_is_a_message_not_a_traceback(tmp_path):
    completed = run_report("--year", "2022", "--format", "pdf", "-o", str(tmp_path / "saknas" / "ar.pdf"), cwd=REPOSITORY)
    assert completed.returncode == 2
    assert "Kan inte skriva" in completed.stderr and "Traceback" not in completed.stderr


# -- the parts read from the books ---------------------------------------------------------------

MINIMAL_DOCUMENT = """
2020-01-01 custom "förening" "Testföreningen"
  orgnr: "885501-2327"
  sate: "Borlänge"
  adress: "Forskargatan 3"
  postnummer: "781 70"
  ort: "Borlänge"
  bankgiro: "5844-9216"
2020-01-01 custom "redovisningsprinciper" "principer.md"
2021-03-01 * "Medlem" "Avgift"
  ver: "A1"
  Assets:1930-Företagskonto  100 SEK
  Income:3994-Medlemsavgifter  -100 SEK
2021-05-10 custom "styrelse" "Anna Andersson"
  roll: "ordförande"
2021-05-10 custom "styrelse" "Bo Berg"
  roll: "ersättare"
2021-05-10 custom "revisor" "Cecilia Carlsson"
2021-12-31 custom "förvaltningsberättelse" "fb.md"
"""


def write_books(folder: Path, body: str, management_report: str = "Året i korthet.\n") -> Path:
    (folder / "principer.md").write_text("Enligt K2.\n", encoding="utf-8")
    (folder / "fb.md").write_text(management_report, encoding="utf-8")
    ledger = folder / "main.beancount"
    ledger.write_text(ledger_text(body), encoding="utf-8")
    return ledger


def test_a_minimal_set_of_books_makes_a_document(tmp_path):
    ledger = write_books(tmp_path, MINIMAL_DOCUMENT)
    completed = run_report(str(ledger), "--year", "2021", "--format", "pdf", "-o", "ar.pdf", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    text = "\n".join("\n".join(lines) for lines in pdf_pages((tmp_path / "ar.pdf").read_bytes()))
    assert "Året i korthet." in text and "Enligt K2." in text
    assert "Anna Andersson" in text and "Bo Berg" not in text and "Cecilia Carlsson" in text
    assert re.search(r"^Resultat 0 0 100$", text, flags=re.MULTILINE)
    # No year-end directive for 2021 in these books: a draft, said on the title page and on every page.
    pages = pdf_pages((tmp_path / "ar.pdf").read_bytes())
    assert "Utkast – bokslutet för 2021 är inte gjort; skrivs inte under" in pages[0]
    assert all(lines[-1].startswith("UTKAST · Testföreningen, 885501-2327 · Årsredovisning 2021 Sida") for lines in pages[1:])
    ledger.write_text(ledger.read_text(encoding="utf-8") + '\n2021-12-31 custom "bokslut" "Årsbokslut 2021"\n', encoding="utf-8")
    completed = run_report(str(ledger), "--year", "2021", "--format", "pdf", "-o", "ar.pdf", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "UTKAST" not in "\n".join("\n".join(lines) for lines in pdf_pages((tmp_path / "ar.pdf").read_bytes()))


def test_the_boards_text_is_shown_as_text_never_as_markup(tmp_path):
    hostile = "# Året\n\n<script>alert(1)</script> <b>fet</b> [länk](javascript:alert(1)) ![bild](file:///etc/passwd)\n"
    ledger = write_books(tmp_path, MINIMAL_DOCUMENT, hostile)
    completed = run_report(str(ledger), "--year", "2021", "--format", "html", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    assert "<script>" not in completed.stdout and "<b>fet</b>" not in completed.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in completed.stdout
    assert 'href="javascript' not in completed.stdout and 'src="file' not in completed.stdout
    assert "<h3>Året</h3>" in completed.stdout


def test_markdown_subset():
    assert markdown_as_html("## Rubrik\n\nEtt stycke.\n\n- ett\n- två\n") == (
        "<h3>Rubrik</h3>\n<p>Ett stycke.</p>\n<ul>\n<li>ett</li>\n<li>två</li>\n</ul>\n")


def test_a_text_file_outside_the_books_folder_is_refused(tmp_path):
    books = tmp_path / "bocker"
    books.mkdir()
    (tmp_path / "hemlig.md").write_text("hemligt", encoding="utf-8")
    ledger = write_books(books, MINIMAL_DOCUMENT.replace('"fb.md"', '"../hemlig.md"'))
    from beancount import loader

    entries, _, options = loader.load_file(str(ledger))
    texts, problems = read_report_texts(entries, options, 2021)
    assert texts is None
    assert [problem.source["lineno"] for problem in problems] == [ledger.read_text().splitlines().index(
        '2021-12-31 custom "förvaltningsberättelse" "../hemlig.md"') + 1]
    assert "ska vara en .md- eller .txt-fil i bokföringens mapp" in problems[0].message


def test_board_errors_name_file_and_line():
    entries, _, _ = load("""
    2021-05-10 custom "styrelse" "Anna Andersson"
      roll: "ordförandé"
    2021-05-10 custom "styrelse" "Bo Berg"
      roll: "ledamot"
    2021-05-10 custom "revisor" "Cecilia Carlsson"
    """)
    board, errors = read_board(entries, 2021)
    assert board is None
    assert len(errors) == 1 and "ordförandé" in errors[0].message and errors[0].source["lineno"] > 0


def test_the_board_elected_last_before_the_years_end_signs():
    entries, _, _ = load("""
    2021-05-10 custom "styrelse" "Anna Andersson"
      roll: "ordförande"
    2022-05-12 custom "styrelse" "Dan Dahl"
      roll: "ordförande"
    2022-05-12 custom "styrelse" "Eva Ek"
      roll: "ledamot"
    2021-05-10 custom "revisor" "Cecilia Carlsson"
    """)
    board_2021, _ = read_board(entries, 2021)
    board_2022, _ = read_board(entries, 2022)
    assert board_2021 is not None and board_2022 is not None
    assert [member.name for member in board_2021.signatories] == ["Anna Andersson"]
    assert [member.name for member in board_2022.signatories] == ["Dan Dahl", "Eva Ek"]
    assert [auditor.name for auditor in board_2022.auditors] == ["Cecilia Carlsson"]


def test_a_board_without_a_chair_is_refused():
    entries, _, _ = load("""
    2021-05-10 custom "styrelse" "Bo Berg"
      roll: "ledamot"
    2021-05-10 custom "revisor" "Cecilia Carlsson"
    """)
    board, errors = read_board(entries, 2021)
    assert board is None and "precis en ordförande" in errors[0].message


def test_build_refuses_with_every_reason(books):
    entries, _, options = books
    with pytest.raises(ReportError) as refusal:
        build_annual_document(entries, options, 2021)
    assert any("Förvaltningsberättelsen för 2021 saknas" in problem for problem in refusal.value.problems)
    assert any("Styrelsen för 2021 saknas" in problem for problem in refusal.value.problems)


def test_bean_check_names_a_broken_board_or_text_directive(tmp_path):
    ledger = tmp_path / "main.beancount"
    ledger.write_text(ledger_text("""
    2021-05-10 custom "styrelse" "Anna Andersson"
      roll: "ordförande"
    2021-05-10 custom "styrelse" "Bo Berg"
      roll: "ordförande"
    2021-05-10 custom "revisor" 12
    2021-12-31 custom "förvaltningsberättelse" "saknas.md"
    2021-01-01 custom "redovisningsprinciper" "principer.pdf"
    """, plugins='plugin "bergslaget_plugins.report_parts_check"'), encoding="utf-8")
    completed = subprocess.run([str(Path(sys.executable).parent / "bean-check"), str(ledger)], capture_output=True, text=True, check=False)
    assert completed.returncode != 0
    output = completed.stdout + completed.stderr
    lines = ledger.read_text(encoding="utf-8").splitlines()
    # The board of a day with two chairs is named at its first member.
    for needle, message in (('"Anna Andersson"', "ska ha precis en ordförande"), ('"revisor" 12', "personens namn"),
                            ('"saknas.md"', "finns inte"), ('"principer.pdf"', ".md- eller .txt-fil")):
        number = next(index for index, line in enumerate(lines, start=1) if needle in line)
        assert re.search(rf"main\.beancount:{number}:.*{re.escape(message)}", output), (needle, output)


def test_the_books_board_and_texts_pass_bean_check(books):
    from bergslaget_plugins.board import check_board_directives
    from bergslaget_plugins.report_texts import check_text_directives

    entries, errors, _ = books
    assert errors == []
    customs = [entry.type for entry in entries if getattr(entry, "type", None) in ("styrelse", "revisor")]
    assert customs.count("styrelse") == 18 and customs.count("revisor") == 1
    assert check_board_directives(entries) == [] and check_text_directives(entries) == []


def test_output_file_holds_what_stdout_would(tmp_path):
    printed = run_report("--year", "2022", "--format", "csv", cwd=REPOSITORY)
    written = run_report("--year", "2022", "--format", "csv", "-o", str(tmp_path / "ar.csv"), cwd=REPOSITORY)
    assert printed.returncode == written.returncode == 0
    assert (tmp_path / "ar.csv").read_text(encoding="utf-8") == printed.stdout
    assert written.stdout == f"Årsredovisningen 2022 är skriven till {tmp_path / 'ar.csv'}\n"


def test_a_draft_names_an_undisposed_result_and_shows_no_disposition(tmp_path):
    body = MINIMAL_DOCUMENT + """
2021-12-31 custom "bokslut" "Årsbokslut 2021"
2022-03-01 * "Medlem" "Avgift"
  ver: "A1"
  Assets:1930-Företagskonto  50 SEK
  Income:3994-Medlemsavgifter  -50 SEK
2022-12-31 custom "förvaltningsberättelse" "fb.md"
"""
    ledger = write_books(tmp_path, body)
    completed = run_report(str(ledger), "--year", "2022", "--format", "pdf", "-o", "ar.pdf", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    pages = pdf_pages((tmp_path / "ar.pdf").read_bytes())
    title = " ".join(pages[0])
    assert "Utkast – bokslutet för 2022 är inte gjort" in title
    assert "Årets resultat 2022-12-31 innehåller 100 kr vinst från tidigare år som inte disponerats" in title
    equity = table_lines(pages, "Förändring av eget kapital")
    assert not any(line.startswith("Disposition") for line in equity)
    # Årets resultat carries 2021's undisposed 100 and 2022's 50; all of it is at the meeting's disposal.
    assert "Summa 150" in table_lines(pages, "Förslag till disposition av resultatet")
