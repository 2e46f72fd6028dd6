"""Fava pages refuse books with errors the way the CLI does: they list the errors and show no figures.

Before: the printable report, its CSV and the pages answered 200 with figures computed
from books the loader had found errors in (e.g. Medlemsavgifter 43 kr while the fee
plugin had failed)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPOSITORY
from fava.application import create_app

PAGES = ("Arsredovisning", "Budget", "Medlemsavgifter", "Oversikt")

# A wrong balance assertion: the loader reports it; no figure of the report changes.
WRONG_ASSERTION = """
2022-12-31 balance Assets:1930-Företagskonto  1.00 SEK
"""


@pytest.fixture(scope="module")
def client_with_errors(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("fel")
    ledger_dir = REPOSITORY / "ledger"
    text = (ledger_dir / "main.beancount").read_text(encoding="utf-8")
    text = re.sub(r'^include "(.+)"$', lambda m: f'include "{ledger_dir / m.group(1)}"', text, flags=re.M)
    text = text.replace('option "documents" "dokument"', f'option "documents" "{ledger_dir / "dokument"}"')
    (folder / "main.beancount").write_text(text + WRONG_ASSERTION, encoding="utf-8")
    app = create_app([str(folder / "main.beancount")], read_only=True, load=True)
    ledger = app.config["LEDGERS"].ledgers[0]
    assert ledger.errors, "the books must have a loader error for this test"
    return app.test_client(), app.config["LEDGERS"].first_slug(), len(text.splitlines()) + 2


@pytest.mark.parametrize("page", PAGES)
def test_pages_list_the_errors_and_show_no_figures(client_with_errors, page):
    client, slug, line = client_with_errors
    response = client.get(f"/{slug}/extension/{page}/?time=2022")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    assert "Bokföringen har fel; rätta dem först" in text
    assert f"main.beancount:{line}:" in text
    assert 'class="bergslaget' not in text.replace('class="bergslaget-sida"', "")  # no table of figures
    assert "data-nyckeltal" not in text


@pytest.mark.parametrize("endpoint", ["csv", "utskrift"])
def test_downloads_refuse_books_with_errors(client_with_errors, endpoint):
    client, slug, line = client_with_errors
    response = client.get(f"/{slug}/extension/Arsredovisning/{endpoint}?time=2022")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "bokföringen har fel" in text.lower()
    assert f"main.beancount:{line}:" in text
    assert "Medlemsavgifter" not in text
