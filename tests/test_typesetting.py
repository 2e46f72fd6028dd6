"""HTML to PDF through WeasyPrint, and writing documents in one step."""

from __future__ import annotations

import io
import sys

import pytest
from pypdf import PdfReader

from bergslaget_plugins.atomic_file import write_atomically
from bergslaget_plugins.typesetting import html_to_pdf

PAGES = """<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><style>
@page { size: A4; @bottom-right { content: "Sida " counter(page) " av " counter(pages) } }
section { break-after: page }
</style></head><body><section>Första sidan: Årsredovisning</section><section>Andra sidan: 1 234 567</section></body></html>"""


def test_html_becomes_a_pdf_with_numbered_pages():
    pdf = html_to_pdf(PAGES)
    reader = PdfReader(io.BytesIO(pdf))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) == 2
    assert "Första sidan: Årsredovisning" in texts[0] and "Sida 1 av 2" in texts[0]
    assert "Andra sidan: 1 234 567" in texts[1] and "Sida 2 av 2" in texts[1]


def test_nothing_outside_the_document_is_fetched(tmp_path):
    style = tmp_path / "hemlig.css"
    style.write_text('body::after { content: "HEMLIGT" }')
    pdf = html_to_pdf(f'<link rel="stylesheet" href="{style.as_uri()}"><style>@import url("{style.as_uri()}");</style>'
                      f'<p>Synligt</p>')
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Synligt" in text and "HEMLIGT" not in text


def test_write_atomically_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "arsredovisning.pdf"
    target.write_bytes(b"gammal")
    write_atomically(target, b"ny")
    assert target.read_bytes() == b"ny"
    assert [path.name for path in tmp_path.iterdir()] == ["arsredovisning.pdf"]


def test_write_atomically_keeps_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "arsredovisning.pdf"
    target.write_bytes(b"gammal")

    with pytest.raises(TypeError):
        write_atomically(target, "text, not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"gammal"
    assert [path.name for path in tmp_path.iterdir()] == ["arsredovisning.pdf"]


def test_without_pango_the_pdf_command_says_what_to_install(monkeypatch, tmp_path, capsys):
    """WeasyPrint's import fails where Pango is missing (here: made to fail); nothing is written."""
    from bergslaget_plugins import cli
    from bergslaget_plugins.typesetting import TypesettingUnavailable

    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(TypesettingUnavailable, match="apt-get install libpango-1.0-0 libpangoft2-1.0-0"):
        html_to_pdf("<p>x</p>")
    target = tmp_path / "ar.pdf"
    assert cli.main(["report", "--year", "2022", "--format", "pdf", "-o", str(target)]) == 2
    assert "apt-get install libpango-1.0-0" in capsys.readouterr().err
    assert not target.exists()
    assert cli.main(["report", "--year", "2022"]) == 0  # the text report needs no Pango
