"""The Fava extension, through Fava's own application and its test client, on the real books."""

from __future__ import annotations

import datetime
import hashlib
import io
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from conftest import LEDGER, REPOSITORY
from pypdf import PdfReader
from fava.application import create_app
from fava.core.filters import AdvancedFilter

from bergslaget_plugins.money import format_kronor
from bergslaget_plugins.annual_document import build_annual_document
from bergslaget_plugins.render import document_as_html, report_as_csv
from bergslaget_plugins.serve import make_app
from bergslaget_plugins.statements import AnnualReport, build_annual_report

PAGES = ("Arsredovisning", "Budget", "Medlemsavgifter", "Oversikt", "Bokslut")


# -- a small HTML reader for the pages' tables and links --------------------------------------------

class Cell:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.text = ""
        self.links: list[str] = []

    @property
    def clean(self) -> str:
        return " ".join(self.text.split())


class Page(HTMLParser):
    """Tables (by data-titel) as rows of cells, every link, and the visible text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[Cell]]] = {}
        self.row_attrs: dict[str, list[dict[str, str]]] = {}
        self.links: list[str] = []
        self.svg_titles: list[str] = []
        self.text_parts: list[str] = []
        self._table: str | None = None
        self._cell: Cell | None = None
        self._in_title = False
        self._in_style = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "table" and "data-titel" in values:
            self._table = values["data-titel"]
            self.tables[self._table] = []
            self.row_attrs[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
            self.row_attrs[self._table].append(values)
        elif tag in ("td", "th") and self._table is not None:
            self._cell = Cell(tag)
            self.tables[self._table][-1].append(self._cell)
        elif tag == "a":
            self.links.append(values.get("href", ""))
            if self._cell is not None:
                self._cell.links.append(values.get("href", ""))
        elif tag == "title":
            self._in_title = True
            self.svg_titles.append("")
        elif tag == "style":
            self._in_style = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None
        elif tag == "title":
            self._in_title = False
        elif tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.text += data
        if self._in_title:
            self.svg_titles[-1] += data
        if not self._in_style:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def rows(self, title: str) -> list[list[str]]:
        return [[cell.clean for cell in row] for row in self.tables[title]]

    def row(self, title: str, label: str) -> list[str]:
        return next(row for row in self.rows(title) if row and row[0] == label)


# -- fixtures (app, client and slug: conftest.py) ------------------------------------------------------

@pytest.fixture(scope="module")
def fava_ledger(app, slug):
    return app.config["LEDGERS"][slug]


@pytest.fixture(scope="module")
def reports(books) -> dict[int, AnnualReport]:
    entries, errors, options = books
    assert errors == []
    return {year: build_annual_report(entries, options, year) for year in (2021, 2022)}


def get(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    return Page(text)


def expected_rows(table) -> list[list[str]]:
    """What the page must print for a statement: the report's figures, formatted as the CLI formats them."""
    rows = [["", *table.columns]]
    for row in table.rows:
        if row.kind == "rubrik":
            rows.append([row.label])
        else:
            label = row.label + (f" Not {row.note}" if row.note else "")
            rows.append([label, *(format_kronor(value) for value in row.values)])
    return rows


# -- pages and endpoints ---------------------------------------------------------------------------------

def test_root_opens_the_annual_report(client, slug):
    for start in ("/", f"/{slug}/"):
        response = client.get(start)
        assert response.status_code == 302
        assert unquote(response.headers["Location"]).endswith(f"/{slug}/extension/Arsredovisning/")


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("query", ["", "?time=2021", "?time=2022", "?time=2022-06", "?partial=true&time=2022"])
def test_every_page_renders(client, slug, page, query):
    shown = get(client, f"/{slug}/extension/{page}/{query}")
    year = "2021" if "2021" in query else "2022"
    assert f"{year}" in shown.text


@pytest.mark.parametrize("year", [2022, 2021])
def test_annual_report_page_prints_every_figure_of_the_report(client, slug, reports, year):
    query = "" if year == 2022 else f"?time={year}"  # 2022 is the default: the last closed year
    shown = get(client, f"/{slug}/extension/Arsredovisning/{query}")
    report = reports[year]
    assert f"Årsredovisning {year}" in shown.text
    assert list(shown.tables) == [table.title for table in report.tables]
    for table in report.tables:
        assert shown.rows(table.title) == expected_rows(table), table.title


def test_annual_report_2022_key_figures(client, slug):
    shown = get(client, f"/{slug}/extension/Arsredovisning/?time=2022")
    assert shown.row("Resultaträkning", "Resultat") == ["Resultat", "-424 259", "-302 000", "-273 319"]
    assert shown.row("Balansräkning", "Summa tillgångar") == ["Summa tillgångar", "1 434 600", "974 604"]
    assert shown.row("Not 3 Leverantörsskulder", "Borlänge kommun") == ["Borlänge kommun", "52 500", "10 938"]


def test_lines_link_to_their_accounts_and_journal(client, slug, reports, fava_ledger):
    shown = get(client, f"/{slug}/extension/Arsredovisning/")
    report = reports[2022]
    all_accounts = list(fava_ledger.accounts)
    for table in report.tables:
        for row, cells in zip(table.rows, shown.tables[table.title][1:]):
            if not row.accounts:
                assert cells[0].links == [], (table.title, row.label)
                continue
            (href,) = cells[0].links
            url = urlsplit(href)
            query = parse_qs(url.query)
            assert query["time"] == ["2022"]
            path = unquote(url.path)
            if len(row.accounts) == 1 and path == f"/{slug}/account/{row.accounts[0]}/":
                continue
            assert path == f"/{slug}/journal/", href
            pattern = re.compile(query["account"][0])
            matched = [a for a in all_accounts if pattern.search(a)]
            assert sorted(matched) == sorted(row.accounts), (table.title, row.label)
            if "filter" in query:
                # A note row per counterparty: the journal shows the postings of that counterparty only.
                entries = AdvancedFilter(query["filter"][0]).apply(fava_ledger.all_entries)
                assert entries
                assert all(any((p.meta or {}).get("motpart") == row.label for p in e.postings) for e in entries)
    # The accounts behind each line are listed with links to their account pages.
    assert f"/{slug}/account/Assets:1930-Företagskonto/?time=2022" in [unquote(link) for link in shown.links]
    assert f"/{slug}/account/Assets:1938-Bankgiroinbetalningar/?time=2022" in [unquote(link) for link in shown.links]
    note_3 = shown.tables["Not 3 Leverantörsskulder"]
    borlange = next(cells for cells in note_3 if cells and cells[0].clean == "Borlänge kommun")
    assert 'any(motpart:"^Borlänge kommun$")' in parse_qs(urlsplit(borlange[0].links[0]).query)["filter"]


def test_linked_fava_pages_exist(client, slug):
    shown = get(client, f"/{slug}/extension/Arsredovisning/")
    internal = sorted({link for link in shown.links if unquote(link).startswith(f"/{slug}/")})
    assert len(internal) > 20
    for link in internal:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("year", [2022, 2021])
def test_csv_endpoint_is_the_cli_output(client, slug, reports, year):
    csv = client.get(f"/{slug}/extension/Arsredovisning/csv?time={year}")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True) == report_as_csv(reports[year])


def test_print_endpoint_is_the_document_of_the_cli(client, slug, books):
    entries, _, options = books
    printable = client.get(f"/{slug}/extension/Arsredovisning/utskrift?time=2022")
    assert printable.status_code == 200 and printable.mimetype == "text/html"
    assert printable.get_data(as_text=True) == document_as_html(build_annual_document(entries, options, 2022))


def test_pdf_endpoint_downloads_the_document(client, slug):
    response = client.get(f"/{slug}/extension/Arsredovisning/pdf?time=2022")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="arsredovisning-2022.pdf"'
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Organisationsnummer 885501-2327" in text and "Resultat -424 259 -302 000 -273 319" in text
    assert f"Sida {len(reader.pages)} av {len(reader.pages)}" in text
    assert client.post(f"/{slug}/extension/Arsredovisning/pdf?time=2022").status_code in (401, 405)  # GET only


def test_page_links_the_document_only_for_a_year_that_has_its_parts(client, slug):
    links_2022 = [unquote(link) for link in get(client, f"/{slug}/extension/Arsredovisning/?time=2022").links]
    assert f"/{slug}/extension/Arsredovisning/pdf?time=2022" in links_2022
    shown = get(client, f"/{slug}/extension/Arsredovisning/?time=2021")
    assert not any("/Arsredovisning/pdf" in link for link in shown.links)
    assert "kan inte upprättas för 2021 förrän böckerna har" in shown.text
    assert "Förvaltningsberättelsen för 2021 saknas" in shown.text and "Styrelsen för 2021 saknas" in shown.text
    assert shown.tables["Resultaträkning"]  # the statements are shown all the same


@pytest.mark.parametrize("endpoint", ["pdf", "utskrift"])
def test_document_endpoints_refuse_a_year_without_its_texts(client, slug, endpoint):
    response = client.get(f"/{slug}/extension/Arsredovisning/{endpoint}?time=2021")
    assert response.status_code == 409 and response.mimetype == "text/plain"
    assert "Förvaltningsberättelsen för 2021 saknas" in response.get_data(as_text=True)


def test_page_links_to_its_endpoints(client, slug):
    shown = get(client, f"/{slug}/extension/Arsredovisning/")
    assert f"/{slug}/extension/Arsredovisning/csv?time=2022" in [unquote(link) for link in shown.links]
    assert f"/{slug}/extension/Arsredovisning/utskrift?time=2022" in [unquote(link) for link in shown.links]


def test_unknown_endpoint_is_404(client, slug):
    assert client.get(f"/{slug}/extension/Arsredovisning/nej").status_code == 404


def test_budget_page_2022(client, slug):
    shown = get(client, f"/{slug}/extension/Budget/")
    title = "Budgetuppföljning"
    # Budget, Utfall, Avvikelse, Avvikelse % for the whole year (a closed year: no separate year to date).
    assert shown.row(title, "Medlemsavgifter") == ["Medlemsavgifter", "1 029 000", "1 029 103", "103", "0,0 %"]
    assert shown.row(title, "Försäljning") == ["Försäljning", "75 000", "7 124", "-67 876", "-90,5 %"]
    assert shown.row(title, "Övriga intäkter")[1] == "5 000"
    assert shown.row(title, "Personalkostnader")[1:3] == ["1 173 265", "1 088 442"]
    assert shown.row(title, "Hyror")[1] == "60 000"
    assert shown.row(title, "Tjänster")[1] == "167 000"
    assert shown.row(title, "Övriga omkostnader")[1] == "10 735"
    assert shown.row(title, "Bidrag") == ["Bidrag", "0", "0", "0", "–"]
    assert shown.row(title, "Resultat") == ["Resultat", "-302 000", "-273 319", "28 681", "9,5 %"]
    assert "Ackumulerat resultat 2022: utfall mot budget" in shown.svg_titles
    assert "Utfall dec: -273 319 kr" in shown.svg_titles
    assert "Budget dec: -302 000 kr" in shown.svg_titles
    assert shown.row("Ackumulerat resultat 2022: utfall mot budget", "feb") == ["feb", "-48 816", "813 367"]


def test_budget_page_year_to_date(client, slug):
    shown = get(client, f"/{slug}/extension/Budget/?time=2022-06")
    assert "Hittills t.o.m. 2022-06-30" in shown.text
    row = shown.row("Budgetuppföljning", "Medlemsavgifter")
    assert row[:5] == ["Medlemsavgifter", "1 029 000", "1 029 103", "103", "0,0 %"]
    assert row[5:7] == ["510 271", "1 029 103"]
    assert shown.row("Budgetuppföljning", "Hyror")[5:7] == ["29 753", "20 750"]
    assert "Utfall jul: –" not in shown.svg_titles and not any(t.startswith("Utfall jul") for t in shown.svg_titles)


def test_member_fees_page(client, slug):
    shown = get(client, f"/{slug}/extension/Medlemsavgifter/")
    rows = shown.rows("Medlemsavgifter 2022")
    members = [row for row in rows[1:] if not row[0].startswith("Summa")]
    assert len(members) == 26
    assert rows[-1] == ["Summa (26 fakturor)", "", "", "", "", "1 029 060", "1 029 060", "0", ""]
    storfors = shown.row("Medlemsavgifter 2022", "Storfors kommun")
    assert storfors[:9] == [
        "Storfors kommun", "2022126", "202212692", "2022-02-15", "2022-03-17", "15 268", "15 268", "0", "0"]
    # The register has no sourced organisation number for Storfors: the page says so instead of a PDF link.
    assert storfors[9].startswith("Ingen PDF: ") and "medlemsregister.beancount:" in storfors[9]
    assert "organisationsnummer" in storfors[9]
    assert shown.row("Medlemsavgifter 2022", "Avesta kommun")[9] == "2022104.pdf"
    assert rows[0] == ["Medlem", "Faktura", "OCR-nummer", "Fakturadatum", "Förfallodatum", "Fakturerat", "Inbetalt",
                       "Obetalt", "Dagar förfallet", "Faktura som PDF"]
    invoice_link = next(cell.links[0] for cell in shown.tables["Medlemsavgifter 2022"][1] if cell.links)
    assert parse_qs(urlsplit(invoice_link).query)["filter"] == ["^faktura-2022101"]
    assert client.get(invoice_link).status_code == 200

    earlier = get(client, f"/{slug}/extension/Medlemsavgifter/?time=2021")
    rows = earlier.rows("Medlemsavgifter 2021")
    assert rows[-1][0] == "Summa (25 fakturor)" and rows[-1][5:8] == ["1 013 310", "1 013 310", "0"]


def test_member_fees_on_invoice_day(client, slug):
    shown = get(client, f"/{slug}/extension/Medlemsavgifter/?time=2022-02-15")
    rows = shown.rows("Medlemsavgifter 2022")
    assert rows[-1][5:8] == ["1 029 060", "0", "1 029 060"]


def test_overview_page(client, slug):
    shown = get(client, f"/{slug}/extension/Oversikt/")
    assert "Saldo bank dec 2022: 958 543 kr" in shown.svg_titles
    assert "Saldo bank dec 2021: 1 216 494 kr" in shown.svg_titles
    assert "Intäkter feb: 1 029 060 kr" in shown.svg_titles
    assert "Kostnader dec: 460 980 kr" in shown.svg_titles
    assert shown.row("Bank: saldo vid månadens slut", "dec 2022") == ["dec 2022", "958 543"]
    assert shown.row("Intäkter och kostnader per månad 2022", "feb") == ["feb", "1 029 060", "113 601"]
    for text in ("Resultat -273 319", "Bank 958 543", "Summa eget kapital 715 961", "Obetalda medlemsavgifter 0"):
        assert text in shown.text


def test_account_filter_is_ignored_and_said_so(client, slug, reports):
    shown = get(client, f"/{slug}/extension/Arsredovisning/?account=Assets")
    assert "Urval på konto eller filter används inte" in shown.text
    assert shown.rows("Resultaträkning") == expected_rows(reports[2022].income_statement)


# -- read-only --------------------------------------------------------------------------------------------

def test_writes_are_refused_read_only(client, slug):
    before = hashlib.sha256(LEDGER.read_bytes()).hexdigest()
    attempts = [
        ("put", "api/source", {"file_path": str(LEDGER), "source": "; overwritten\n", "sha256sum": before}),
        ("put", "api/add_entries", {"entries": []}),
        ("put", "api/source_slice", {"entry_hash": "x", "source": "", "sha256sum": before}),
        ("delete", "api/source_slice", None),
        ("delete", "api/document", None),
        ("post", "extension/Arsredovisning/csv", None),
    ]
    for method, path, body in attempts:
        response = getattr(client, method)(f"/{slug}/{path}", json=body)
        assert response.status_code == 401, (method, path, response.status_code)
    assert hashlib.sha256(LEDGER.read_bytes()).hexdigest() == before


def test_serve_command_serves_read_only_on_localhost():
    """``bergslaget serve`` as a user starts it: a process listening on 127.0.0.1 only."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bergslaget_plugins.cli", "serve", str(LEDGER), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPOSITORY,
    )
    try:
        # The line is printed once the socket is bound.
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in banner, (banner, process.stderr.read() if process.poll() is not None else "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as response:
            assert response.status == 200
            assert "/extension/Arsredovisning/" in unquote(response.url)
            assert "Resultaträkning" in response.read().decode()
        quoted_slug = urlsplit(response.url).path.split("/")[1]
        request = urllib.request.Request(f"http://127.0.0.1:{port}/{quoted_slug}/api/source",
                                         data=b"{}", method="PUT", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 401
    finally:
        process.terminate()
        process.wait()
        process.stdout.close()
        process.stderr.close()


def test_serve_makes_a_read_only_app():
    app = make_app(LEDGER)
    served = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    assert served.put(f"/{slug}/api/source", json={}).status_code == 401
    assert served.get(f"/{slug}/extension/Arsredovisning/").status_code == 200


# -- books the report refuses ----------------------------------------------------------------------------

BROKEN = """
2022-01-01 open Expenses:6991-Okant SEK
  namn: "Okänt konto utan rad i årsredovisningen"

2022-06-01 * "Test" "Kostnad på ett konto utan rad"
  Expenses:6991-Okant  100 SEK
  Assets:1930-Företagskonto  -100 SEK
"""


@pytest.fixture(scope="module")
def broken_client(tmp_path_factory):
    """The real books plus one account that has no line in the annual report."""
    folder: Path = tmp_path_factory.mktemp("trasig")
    ledger_dir = REPOSITORY / "ledger"
    text = (ledger_dir / "main.beancount").read_text(encoding="utf-8")
    text = re.sub(r'^include "(.+)"$', lambda m: f'include "{ledger_dir / m.group(1)}"', text, flags=re.M)
    text = text.replace('option "documents" "dokument"', f'option "documents" "{ledger_dir / "dokument"}"')
    (folder / "main.beancount").write_text(text + BROKEN, encoding="utf-8")
    return create_app([str(folder / "main.beancount")], read_only=True, load=True).test_client()


@pytest.mark.parametrize("page", ["Arsredovisning", "Budget", "Oversikt"])
def test_refused_report_shows_the_problems_in_swedish(broken_client, page):
    slug = broken_client.application.config["LEDGERS"].first_slug()
    shown = get(broken_client, f"/{slug}/extension/{page}/")
    assert "kan inte upprättas" in shown.text
    assert "Expenses:6991-Okant: saknar rad i resultat- eller balansräkningen (rad)" in shown.text
    assert "Bokföringen har" in shown.text and "fel" in shown.text  # the loader's errors are pointed out too


@pytest.mark.parametrize("endpoint", ["pdf", "utskrift"])
def test_document_endpoints_refuse_books_with_errors(broken_client, endpoint):
    slug = broken_client.application.config["LEDGERS"].first_slug()
    response = broken_client.get(f"/{slug}/extension/Arsredovisning/{endpoint}?time=2022")
    assert response.status_code == 409 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert text.startswith("Årsredovisningen upprättas inte: bokföringen har fel")
    assert "main.beancount:" in text


def test_refused_report_csv_says_why(broken_client):
    slug = broken_client.application.config["LEDGERS"].first_slug()
    response = broken_client.get(f"/{slug}/extension/Arsredovisning/csv")
    assert response.status_code == 409
    assert "Årsredovisningen kan inte upprättas" in response.get_data(as_text=True)


# -- unpaid fees on the page --------------------------------------------------------------------------------

def test_member_fees_page_shows_unpaid_and_overdue(tmp_path):
    from test_dashboards import SMALL_LEDGER

    ledger = tmp_path / "avgifter.beancount"
    ledger.write_text('option "title" "Avgiftsprov"\n2021-01-01 custom "fava-extension" "bergslaget_plugins.fava_ext"\n'
                      + SMALL_LEDGER, encoding="utf-8")
    app = create_app([str(ledger)], read_only=True, load=True)
    slug = app.config["LEDGERS"].first_slug()
    shown = get(app.test_client(), f"/{slug}/extension/Medlemsavgifter/?time=2022-04")
    assert "per 2022-04-30" in shown.text
    assert shown.row("Medlemsavgifter 2022", "Storfors kommun")[5:9] == ["15 268", "0", "15 268", "44"]
    assert shown.row("Medlemsavgifter 2022", "Nora kommun")[5:9] == ["23 938", "10 000", "13 938", "44"]
    assert shown.row("Medlemsavgifter 2022", "Sala kommun")[5:9] == ["39 652", "39 652", "0", "0"]
    assert shown.rows("Medlemsavgifter 2022")[-1] == ["Summa (3 fakturor)", "", "", "", "", "78 858", "49 652", "29 206", ""]
    older = shown.rows("Obetalda medlemsavgifter från tidigare år")
    assert older[1] == ["Storfors kommun", "2021", "2021126", "202112694", "2021-02-15", "2021-03-17",
                        "15 000", "0", "15 000", str((datetime.date(2022, 4, 30) - datetime.date(2021, 3, 17)).days),
                        "2021126.pdf"]
    assert "3 förfallna" in shown.text


def test_svg_chart_with_gaps_and_negative_values():
    from xml.etree import ElementTree

    from bergslaget_plugins.dashboards import ChartData, Series
    from bergslaget_plugins.fava_ext import svg_chart

    for kind in ("linje", "stapel"):
        chart = ChartData("Prov", kind, ("jan", "feb", "mar"),
                          (Series("Utfall", (Decimal(-1500), None, Decimal(2400)), "utfall"),), "Ett prov")
        svg = ElementTree.fromstring(str(svg_chart(chart)))
        titles = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}title")]
        assert titles == ["Prov", "Utfall jan: -1 500 kr", "Utfall mar: 2 400 kr"]
        labels = [element.text for element in svg.iter("{http://www.w3.org/2000/svg}text")]
        assert "0" in labels and "-2 000" in labels and "3 000" in labels


# -- the auditor's saved queries on Fava's query page ---------------------------------------------

def test_saved_queries_run_on_favas_query_page(client, slug, fava_ledger):
    queries = {query.name: query.query_string for query in fava_ledger.all_entries_by_type.Query}
    assert {"Råbalans", "Verifikationslista", "Huvudbok 1930", "RR per konto"} <= set(queries)
    for name, query_string in queries.items():
        for time in ("2021", "2022"):
            response = client.get(f"/{slug}/api/query", query_string={"query_string": query_string, "time": time})
            assert response.status_code == 200, (name, response.get_data(as_text=True))
            result = response.get_json()["data"]
            assert result["rows"], name
    # The year is Fava's time filter: the same query gives the closing balances of 2022.
    trial_balance = client.get(f"/{slug}/api/query",
                               query_string={"query_string": queries["Råbalans"], "time": "2022"}).get_json()["data"]
    assert [column["name"] for column in trial_balance["types"]] == ["konto", "namn", "saldo"]
    bank = next(row for row in trial_balance["rows"] if row[0] == "Assets:1930-Företagskonto")
    assert bank[2] == {"SEK": 958543}


def test_generated_entries_are_in_favas_journal_linked_to_their_source(client, slug):
    response = client.get(f"/{slug}/api/journal_page",
                          query_string={"page": 1, "order": "asc", "filter": "^periodisering-A112-2022"})
    assert response.status_code == 200
    journal = response.get_json()["data"]["journal"]
    # The rent paid in advance (A112) and the entries the accrual rule made from it (series PE).
    assert "Hyra kv 1 2023" in journal and "title='ver: A112'" in journal
    assert journal.count("title='ver: PE") == 4  # moved to 1710 on payment, released January–March
    assert "Assets:1710-Förutbetalda-hyreskostnader" in journal


# -- Bokslut: the year's checklist ------------------------------------------------------------------

@pytest.mark.parametrize("year", [2021, 2022])
def test_bokslut_page_shows_the_checklist_of_the_year(client, slug, books, year):
    from bergslaget_plugins.year_check import year_checklist

    entries, _, options = books
    checklist = year_checklist(entries, options, year, LEDGER.parent)
    shown = get(client, f"/{slug}/extension/Bokslut/?time={year}")
    assert f"Allt klart för {year}." in shown.text
    rows = shown.rows(f"Checklista {year}")
    assert rows[0] == ["Status", "Punkt", "Besked", "Gör", "Var"]
    assert [row[:3] for row in rows[1:]] == [[item.status, item.title, item.finding] for item in checklist.items]
    assert ["✓", "Bokslutsdirektiv", f"Årsbokslut {year}", "", f"{year}/bokslut.beancount:" + ("6" if year == 2021 else "3")] in rows


def test_bokslut_page_escapes_what_the_books_say(tmp_path):
    import shutil

    shutil.copytree(LEDGER.parent, tmp_path / "ledger")
    year_end = tmp_path / "ledger" / "2022" / "bokslut.beancount"
    year_end.write_text(year_end.read_text(encoding="utf-8").replace(
        '"Årsbokslut 2022"', '"<script>alert(1)</script> Årsbokslut & co"'), encoding="utf-8")
    app = create_app([str(tmp_path / "ledger" / "main.beancount")], read_only=True, load=True)
    client = app.test_client()
    shown = get(client, f"/{app.config['LEDGERS'].first_slug()}/extension/Bokslut/?time=2022")
    # The markup rule makes it an error of the books: the page refuses and names it, as text.
    assert "Bokföringen har fel; rätta dem först" in shown.text and "bokslut.beancount:" in shown.text, shown.text
    raw = client.get(f"/{app.config['LEDGERS'].first_slug()}/extension/Bokslut/?time=2022").get_data(as_text=True)
    assert "<script>alert(1)" not in raw


# -- Bokslut and Revision refuse books with errors and an unreadable time filter (issue 12) ----------------

@pytest.mark.parametrize("page", ["Bokslut", "Revision"])
def test_bokslut_and_revision_refuse_books_with_errors_naming_file_and_line(broken_client, page):
    slug = broken_client.application.config["LEDGERS"].first_slug()
    shown = get(broken_client, f"/{slug}/extension/{page}/?time=2022")
    assert "Bokföringen har fel; rätta dem först" in shown.text
    assert re.search(r"main\.beancount:\d+: ", shown.text), shown.text
    assert not [title for title in shown.tables if title.startswith(("Checklista", "Råbalans"))]


@pytest.mark.parametrize("page", ["Bokslut", "Revision"])
def test_bokslut_and_revision_answer_an_unreadable_time_filter(client, page):
    slug = client.application.config["LEDGERS"].first_slug()
    response = client.get(f"/{slug}/extension/{page}/?time=2022-13")
    assert response.status_code == 200
    assert "Tidsfiltret '2022-13' kan inte läsas" in Page(response.get_data(as_text=True)).text
