"""The Fava pages in a real browser: headless Chromium (Debian's) driven by Playwright.

The real Fava application (read-only, as ``bergslaget serve`` makes it) is served on a
free localhost port from a background thread. Each page is opened in Chromium, its
figures are read from the rendered page, the browser console must stay free of errors,
and a screenshot goes to ``build/screenshots/<page>.png``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from conftest import LEDGER, REPOSITORY
from werkzeug.serving import make_server

from bergslaget_plugins.serve import make_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = REPOSITORY / "build" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium missing)"),
]


@pytest.fixture(scope="module")
def fava_url() -> Iterator[str]:
    """Fava for the real books on 127.0.0.1:<free port>; the URL of the books' pages."""
    app = make_app(LEDGER)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    slug = app.config["LEDGERS"].first_slug()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{quote(slug)}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab that fails the test on any console error or uncaught exception."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="sv-SE")
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda message: problems.append(f"console.{message.type}: {message.text}")
           if message.type == "error" else None)
    tab.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    yield tab
    context.close()
    assert problems == [], "\n".join(problems)


def open_page(page, url: str):
    page.goto(url)
    page.wait_for_selector(".bergslaget-sida")
    return page


def screenshot(page, name: str) -> None:
    """The whole page: Fava scrolls inside <article>, so the window is made as tall as its content."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate("document.querySelector('article').scrollHeight + document.querySelector('article').offsetTop")
    page.set_viewport_size({"width": 1400, "height": max(height + 20, 600)})
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def cells(page, table: str, label: str) -> list[str]:
    """The texts of the row ``label`` of the table titled ``table``."""
    row = page.locator(f'table[data-titel="{table}"] tr').filter(
        has=page.locator("td:first-child, th:first-child", has_text=label)).first
    return [" ".join(text.split()) for text in row.locator("td, th").all_inner_texts()]


def test_annual_report(page, fava_url):
    open_page(page, f"{fava_url}/extension/Arsredovisning/")
    assert page.locator("h2").first.inner_text() == "Årsredovisning 2022"
    assert cells(page, "Resultaträkning", "Resultat") == ["Resultat", "-424 259", "-302 000", "-273 319"]
    assert cells(page, "Resultaträkning", "Medlemsavgifter") == ["Medlemsavgifter", "1 013 310", "1 029 000", "1 029 103"]
    assert cells(page, "Balansräkning", "Summa tillgångar") == ["Summa tillgångar", "1 434 600", "974 604"]
    assert cells(page, "Balansräkning", "Summa skulder och eget kapital")[1:] == ["1 434 600", "974 604"]
    assert cells(page, "Not 4 Interimsskulder", "Summa") == ["Summa", "307 834", "219 780"]
    assert page.locator("table.bergslaget").count() == 7
    screenshot(page, "arsredovisning")


def test_annual_report_2021_with_the_year_links(page, fava_url):
    open_page(page, f"{fava_url}/extension/Arsredovisning/")
    page.get_by_role("navigation", name="Välj räkenskapsår").get_by_role("link", name="2021").click()
    page.wait_for_function("document.querySelector('.bergslaget-sida h2').textContent.includes('2021')")
    assert "time=2021" in page.url
    assert cells(page, "Resultaträkning", "Resultat") == ["Resultat", "0", "0", "-424 259"]
    assert cells(page, "Balansräkning", "Bank") == ["Bank", "1 408 630", "1 216 494"]
    screenshot(page, "arsredovisning-2021")


def test_line_opens_the_journal_behind_it(page, fava_url):
    open_page(page, f"{fava_url}/extension/Arsredovisning/")
    page.locator('table[data-titel="Balansräkning"] a', has_text="Bank").first.click()
    page.wait_for_url("**/journal/**")
    assert "time=2022" in page.url
    assert "Assets:1930-Företagskonto" in unquote(page.url) and "Assets:1938-Bankgiroinbetalningar" in unquote(page.url)
    # Fava's own journal, filtered to the two bank accounts, lists the year's entries.
    page.wait_for_selector("article .journal")
    assert page.locator("article").inner_text().count("2022-") > 10


def test_budget(page, fava_url):
    open_page(page, f"{fava_url}/extension/Budget/")
    title = "Budgetuppföljning"
    assert cells(page, title, "Medlemsavgifter") == ["Medlemsavgifter", "1 029 000", "1 029 103", "103", "0,0 %"]
    assert cells(page, title, "Försäljning")[1] == "75 000"
    assert cells(page, title, "Övriga intäkter")[1] == "5 000"
    assert cells(page, title, "Personalkostnader")[1] == "1 173 265"
    assert cells(page, title, "Hyror")[1] == "60 000"
    assert cells(page, title, "Tjänster")[1] == "167 000"
    assert cells(page, title, "Övriga omkostnader")[1] == "10 735"
    assert cells(page, title, "Resultat") == ["Resultat", "-302 000", "-273 319", "28 681", "9,5 %"]
    chart = page.locator("svg.bergslaget-diagram")
    assert chart.count() == 1 and chart.first.is_visible()
    assert chart.first.get_attribute("aria-label") == "Ackumulerat resultat 2022: utfall mot budget"
    assert chart.first.locator("circle").count() == 24
    screenshot(page, "budget")


def test_budget_year_to_date(page, fava_url):
    open_page(page, f"{fava_url}/extension/Budget/?time=2022-01%20-%202022-06")
    assert "Hittills t.o.m. 2022-06-30" in page.locator('table[data-titel="Budgetuppföljning"]').inner_text()
    assert cells(page, "Budgetuppföljning", "Medlemsavgifter")[5:7] == ["510 271", "1 029 103"]
    # The outcome line stops at June; the budget line runs all year.
    assert page.locator("svg.bergslaget-diagram circle.serie-utfall").count() == 6
    screenshot(page, "budget-hittills")


def test_member_fees(page, fava_url):
    open_page(page, f"{fava_url}/extension/Medlemsavgifter/")
    assert page.locator('table[data-titel="Medlemsavgifter 2022"] tbody tr').count() == 26
    assert cells(page, "Medlemsavgifter 2022", "Summa (26 fakturor)")[-4:] == ["1 029 060", "1 029 060", "0", ""]
    assert page.locator('[data-nyckeltal="Obetalt"]').inner_text() == "0"
    assert cells(page, "Medlemsavgifter 2022", "Region Värmland")[1:3] == ["2022123", "202212395"]
    screenshot(page, "medlemsavgifter")


def test_member_fees_2021_through_the_time_filter(page, fava_url):
    open_page(page, f"{fava_url}/extension/Medlemsavgifter/")
    time_filter = page.get_by_placeholder("Tid")
    time_filter.fill("2021")
    time_filter.press("Enter")
    page.wait_for_function("document.querySelector('.bergslaget-sida h2').textContent.includes('2021')")
    assert page.locator('table[data-titel="Medlemsavgifter 2021"] tbody tr').count() == 25
    assert cells(page, "Medlemsavgifter 2021", "Summa (25 fakturor)")[-4:-1] == ["1 013 310", "1 013 310", "0"]


def test_overview_charts(page, fava_url):
    open_page(page, f"{fava_url}/extension/Oversikt/")
    assert page.locator('[data-nyckeltal="Resultat"]').inner_text() == "-273 319"
    assert page.locator('[data-nyckeltal="Bank"]').inner_text() == "958 543"
    charts = page.locator("svg.bergslaget-diagram")
    assert charts.count() == 2
    bank, months = charts.nth(0), charts.nth(1)
    assert bank.is_visible() and months.is_visible()
    assert bank.bounding_box()["width"] > 600
    assert bank.locator("circle").count() == 25
    assert bank.locator("circle").last.locator("title").text_content() == "Saldo bank dec 2022: 958 543 kr"
    bars = months.locator("rect.serie-intakter:not(.legend)")
    assert bars.nth(1).locator("title").text_content() == "Intäkter feb: 1 029 060 kr"
    assert months.locator("rect.serie-kostnader:not(.legend)").count() == 12
    page.get_by_text("Visa siffrorna i diagrammet").first.click()
    assert cells(page, "Bank: saldo vid månadens slut", "dec 2021") == ["dec 2021", "1 216 494"]
    screenshot(page, "oversikt")


def test_sidebar_navigation_between_the_pages(page, fava_url):
    """Fava's single-page navigation loads each extension page into the layout without errors."""
    open_page(page, f"{fava_url}/extension/Arsredovisning/")
    for name, heading in (("Budget", "Budget och utfall 2022"), ("Medlemsavgifter", "Medlemsavgifter 2022"),
                          ("Översikt", "Översikt 2022"), ("Årsredovisning", "Årsredovisning 2022")):
        page.locator("aside").get_by_role("link", name=name, exact=True).click()
        page.wait_for_function("h => document.querySelector('.bergslaget-sida h2')?.textContent === h", arg=heading)


@pytest.mark.parametrize(("year", "shown"), [(2022, "-273 319"), (2021, "-424 259")])
def test_favas_own_income_statement_shows_the_year_result(page, fava_url, year, shown):
    """Found defect: the result was booked through 8999, so Fava's Resultaträkning showed no Nettoresultat."""
    page.goto(f"{fava_url}/income_statement/?time={year}")
    row = page.locator("tree-table li, .tree-table li, li").filter(has_text="Nettoresultat").first
    row.wait_for()
    assert " ".join(row.inner_text().replace("\u2212", "-").split()) == f"Nettoresultat {shown}"
    screenshot(page, f"fava-resultatrakning-{year}")


# -- the annual report to sign, printed by the browser -------------------------------------------

#: The content width of an A4 page with the document's margins (210 mm - 22 mm - 20 mm) in CSS pixels.
A4_CONTENT_WIDTH = round((210 - 42) / 25.4 * 96)


def test_annual_report_document_prints_without_layout_breaks(page, fava_url):
    """The HTML document (Årsredovisning → HTML) printed by Chromium: nothing wider than the page,
    every published row on the page of its table's heading, numbered pages."""
    from io import BytesIO

    from pypdf import PdfReader
    from test_annual_document import BOARD_2022, table_lines, row_line
    from test_report import PUBLISHED

    page.set_viewport_size({"width": A4_CONTENT_WIDTH, "height": 1000})
    page.goto(f"{fava_url}/extension/Arsredovisning/utskrift?time=2022")
    page.emulate_media(media="print")
    too_wide = page.evaluate("""(width) => [...document.querySelectorAll('body *')]
        .filter(element => element.getBoundingClientRect().right > width + 0.5 || element.scrollWidth > element.clientWidth + 1)
        .map(element => element.tagName + ': ' + element.textContent.trim().slice(0, 40))""", A4_CONTENT_WIDTH)
    assert too_wide == []
    pdf = page.pdf(prefer_css_page_size=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "arsredovisning-utskrift.pdf").write_bytes(pdf)
    pages = [pdf_page.extract_text().splitlines() for pdf_page in PdfReader(BytesIO(pdf)).pages]
    assert len(pages) >= 6
    missing = [f"{title}: {label}" for (title, label), values in PUBLISHED.items()
               if not any(row_line(label, values).match(line) for line in table_lines(pages, title))]
    assert missing == []
    signatures = table_lines(pages, "Underskrifter")
    assert all(name in signatures for name, _ in BOARD_2022)
    text = "\n".join("\n".join(lines) for lines in pages)
    for number in range(2, len(pages) + 1):
        assert f"Sida {number} av {len(pages)}" in text


def test_bokslut_checklist(page, fava_url):
    open_page(page, f"{fava_url}/extension/Bokslut/?time=2022")
    assert page.locator("h2").first.inner_text() == "Bokslut 2022"
    assert page.locator(".sammanfattning").inner_text() == "Allt klart för 2022."
    row = page.locator('table[data-titel="Checklista 2022"] tbody tr').filter(has_text="Bokslutsdirektiv")
    assert [" ".join(text.split()) for text in row.locator("td").all_inner_texts()][:3] == [
        "✓", "Bokslutsdirektiv", "Årsbokslut 2022"]
    assert page.locator('table[data-titel="Checklista 2022"] tr[data-status="✗"]').count() == 0
    assert page.locator('table[data-titel="Checklista 2022"] tbody tr').count() == 13
    screenshot(page, "bokslut")
