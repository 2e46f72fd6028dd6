"""Printing tables of figures as text, CSV and HTML, and the annual report as a document.

The statements (``statements.Table``), the fee specification and the annual report's
document (``annual_document.AnnualDocument``, as HTML and PDF) are rendered here; the
figures are computed elsewhere. HTML comes from the Jinja2 templates in
``bergslaget_plugins/templates``: one table markup (``_tabell.html``) for the document,
its PDF and the Fava pages. Text and HTML print whole kronor the Swedish way
(``1 234``, ``-273 319``, zero as ``0``); CSV prints plain numbers for machines, and
its text cells never start a spreadsheet formula (``csv_safety``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import jinja2
from markupsafe import Markup

from bergslaget_plugins.annual_document import AnnualDocument
from bergslaget_plugins.csv_safety import csv_text
from bergslaget_plugins.money import format_kronor, format_plain
from bergslaget_plugins.report_texts import markdown_as_html
from bergslaget_plugins.statements import AnnualReport, Table
from bergslaget_plugins.typesetting import html_to_pdf

LABEL_WIDTH = 36
COLUMN_WIDTH = 14


def table_as_text(table: Table) -> str:
    """A table with a heading line, right-aligned figures and a rule above sums."""
    width = LABEL_WIDTH + COLUMN_WIDTH * len(table.columns)
    lines = [table.title, "=" * len(table.title)]
    lines.append(" " * LABEL_WIDTH + "".join(column.rjust(COLUMN_WIDTH) for column in table.columns))
    for row in table.rows:
        if row.kind == "rubrik":
            lines.append("")
            lines.append(row.label)
            continue
        label = row.label + (f" (not {row.note})" if row.note else "")
        figures = "".join(format_kronor(value).rjust(COLUMN_WIDTH) for value in row.values)
        if row.kind == "summa":
            lines.append(" " * LABEL_WIDTH + "-" * (width - LABEL_WIDTH))
        lines.append(label.ljust(LABEL_WIDTH) + figures)
    return "\n".join(lines) + "\n"


def report_as_text(report: AnnualReport) -> str:
    heading = f"{report.organisation} – årsredovisning {report.year}".strip(" –")
    if report.preliminary:
        heading = f"PRELIMINÄR: {heading} (inget bokslut för {report.year} ännu)"
    parts = [heading, *(f"Obs: {remark}" for remark in report.remarks), ""]
    for table in report.tables:
        parts.append(table_as_text(table))
    parts.append("Belopp i hela kronor.\n")
    return "\n".join(parts)


def report_as_csv(report: AnnualReport) -> str:
    """One row per printed figure: rapport,avsnitt,rad,not,kolumn,belopp (safe for spreadsheets)."""
    rows: list[list[object]] = []
    for table in report.tables:
        section = ""
        for row in table.rows:
            if row.kind == "rubrik":
                section = row.label
                continue
            for column, value in zip(table.columns, row.values):
                rows.append([table.title, section, row.label, row.note or "", column, format_plain(value)])
    return csv_text(["rapport", "avsnitt", "rad", "not", "kolumn", "belopp"], rows)


@functools.cache
def _templates() -> jinja2.Environment:
    """The templates in ``bergslaget_plugins/templates``: HTML-escaped, undefined names an error."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bergslaget_plugins", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["kronor"] = format_kronor
    environment.filters["markdown"] = markdown_as_html
    environment.filters["css_string"] = css_string
    return environment


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string, safe inside ``<style>``: all but letters, digits and
    plain punctuation as CSS escapes (so no quote, backslash or ``</style>`` gets through)."""
    kept = " .,-–·:"
    escaped = "".join(char if char.isalnum() or char in kept else f"\\{ord(char):x} " for char in text)
    return Markup(f'"{escaped}"')  # noqa: S704 - every other character is escaped


def table_as_html(table: Table, row_links: Mapping[str, str] | None = None, caption: bool = True) -> Markup:
    """An HTML table (template ``_tabell.html``); ``row_links`` maps a row label to a URL for its journal.

    The one markup of a statement: the annual report document, its PDF and the Fava pages.
    """
    macro = _templates().get_template("_tabell.html").module.tabell  # type: ignore[attr-defined]
    return Markup(macro(table, dict(row_links or {}), caption))  # noqa: S704 - the template escapes


def document_as_html(document: AnnualDocument) -> str:
    """The annual report as one standalone HTML document (template ``arsredovisning.html``), for screen and print."""
    return _templates().get_template("arsredovisning.html").render(document=document)


def document_as_pdf(document: AnnualDocument) -> bytes:
    """The annual report as PDF: the HTML document typeset by WeasyPrint (``typesetting.py``)."""
    return html_to_pdf(document_as_html(document))


def rows_as_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A CSV document safe for spreadsheets (see csv_safety)."""
    return csv_text(header, rows)
