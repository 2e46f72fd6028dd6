"""Printing tables of figures as text, CSV and HTML.

The statements (``statements.Table``) and the fee specification are rendered here; the
figures are computed elsewhere. Text and HTML print whole kronor the Swedish way
(``1 234``, ``-273 319``, zero as ``0``); CSV prints plain numbers for machines, and
its text cells never start a spreadsheet formula (``csv_safety``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from bergslaget_plugins.csv_safety import csv_text
from bergslaget_plugins.money import format_kronor, format_plain
from bergslaget_plugins.statements import AnnualReport, Table

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
    parts = [heading, ""]
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


def table_as_html(table: Table, row_links: dict[str, str] | None = None) -> str:
    """An HTML table; ``row_links`` maps a row label to a URL for its journal."""
    links = row_links or {}
    head = "".join(f'<th class="num">{html.escape(column)}</th>' for column in table.columns)
    body = []
    for row in table.rows:
        if row.kind == "rubrik":
            body.append(f'<tr class="rubrik"><th colspan="{len(table.columns) + 1}">{html.escape(row.label)}</th></tr>')
            continue
        label = html.escape(row.label)
        if row.label in links:
            label = f'<a href="{html.escape(links[row.label])}">{label}</a>'
        if row.note:
            label += f' <span class="not">Not {row.note}</span>'
        cells = "".join(f'<td class="num">{format_kronor(value)}</td>' for value in row.values)
        body.append(f'<tr class="{row.kind}"><td>{label}</td>{cells}</tr>')
    return (
        f'<table class="bergslaget" data-titel="{html.escape(table.title)}">'
        f"<caption>{html.escape(table.title)}</caption>"
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def report_as_html(report: AnnualReport) -> str:
    """A standalone HTML document with all tables."""
    title = html.escape(f"{report.organisation} – årsredovisning {report.year}")
    tables = "\n".join(table_as_html(table) for table in report.tables)
    return (
        '<!DOCTYPE html>\n<html lang="sv"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0}"
        "td,th{padding:2px 8px}.num{text-align:right}tr.summa td{border-top:1px solid #000;font-weight:bold}"
        "caption{text-align:left;font-weight:bold}</style></head>"
        f"<body><h1>{title}</h1>\n{tables}\n<p>Belopp i hela kronor.</p></body></html>\n"
    )


def rows_as_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A CSV document safe for spreadsheets (see csv_safety)."""
    return csv_text(header, rows)
