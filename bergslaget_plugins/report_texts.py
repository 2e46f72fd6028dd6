"""The annual report's texts, kept in the books' folder as Markdown files: the board's
förvaltningsberättelse for the year and the accounting principles.

A directive names each file, relative to the file the directive is in::

    2022-12-31 custom "förvaltningsberättelse" "forvaltningsberattelse.md"
    2021-01-01 custom "redovisningsprinciper" "redovisningsprinciper.md"

The förvaltningsberättelse of a year is the one dated in that year; the accounting
principles in force are the latest directive up to the year's end. A file must be a
``.md`` or ``.txt`` file inside the folder of the main ledger file (nothing else can be
read through it, also not from the read-only Fava), UTF-8, and not empty.

The texts are shown through :func:`markdown_as_html`: paragraphs, headings, lists,
emphasis; any HTML written in the text is shown as text, never run, and links to
``javascript:`` or files are dropped (markdown-it-py, CommonMark, HTML off).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount.core.data import Custom, Directive

if TYPE_CHECKING:
    from markupsafe import Markup

MANAGEMENT_REPORT_TYPE = "förvaltningsberättelse"
PRINCIPLES_TYPE = "redovisningsprinciper"
TEXT_SUFFIXES = (".md", ".txt")
#: The document's own headings are h1 (title) and h2 (parts); the text's top headings become h3.
TOP_TEXT_HEADING = 3


class ReportTextError(NamedTuple):
    """A text of the annual report that is missing or cannot be read."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class ReportTexts(NamedTuple):
    """The year's förvaltningsberättelse and the accounting principles, as Markdown."""

    management_report: str
    principles: str


def markdown_as_html(text: str) -> Markup:
    """``text`` (Markdown) as HTML; raw HTML in it is escaped; its top headings become h3."""
    # Imported here: the rules that check the texts (report_parts_check) and the spelling
    # rule's vocabulary import this module on every load of the books, but only a report renders.
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    parser = MarkdownIt("commonmark", {"html": False})
    tokens = parser.parse(text)
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    shift = TOP_TEXT_HEADING - min((int(token.tag[1]) for token in headings), default=TOP_TEXT_HEADING)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
    return Markup(parser.renderer.render(tokens, parser.options, {}))  # noqa: S704 - markdown-it escapes the text


def _read(entry: Custom, root: Path | None, errors: list[ReportTextError]) -> str | None:
    """The text of the file ``entry`` names; ``root``: the folder it must lie in (None: anywhere)."""
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        errors.append(ReportTextError(entry.meta, f'{entry.type} ska ha filens namn som enda värde, t.ex. "text.md"', entry))
        return None
    directive_file = Path(str(entry.meta.get("filename", "")))
    path = (directive_file.parent / values[0]).resolve()
    if (root is not None and not path.is_relative_to(root)) or path.suffix not in TEXT_SUFFIXES:
        where = f" i bokföringens mapp {root}" if root is not None else ""
        errors.append(ReportTextError(entry.meta, f"{entry.type}: {values[0]!r} ska vara en .md- eller .txt-fil{where}", entry))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        errors.append(ReportTextError(entry.meta, f"{entry.type}: filen {path} finns inte", entry))
        return None
    except (OSError, UnicodeDecodeError) as error:
        errors.append(ReportTextError(entry.meta, f"{entry.type}: filen {path} kan inte läsas som UTF-8-text ({error})", entry))
        return None
    if not text.strip():
        errors.append(ReportTextError(entry.meta, f"{entry.type}: filen {path} är tom", entry))
        return None
    return text


def read_report_texts(
    entries: Iterable[Directive], options: Mapping[str, Any], year: int
) -> tuple[ReportTexts | None, list[ReportTextError]]:
    """The texts of the annual report for ``year``; errors if one is missing or unreadable."""
    root = Path(str(options.get("filename") or ".")).resolve().parent
    year_end = datetime.date(year, 12, 31)
    customs = [entry for entry in entries if isinstance(entry, Custom)]
    errors: list[ReportTextError] = []
    # Where a missing text is to be named: the year's arsredovisning.beancount (made by year open).
    year_file = root / str(year) / "arsredovisning.beancount"
    missing = {"filename": str(year_file) if year_file.is_file() else "<årsredovisningens texter>",
               "lineno": 1 if year_file.is_file() else 0}

    reports = [entry for entry in customs if entry.type == MANAGEMENT_REPORT_TYPE and entry.date.year == year]
    management_report = None
    if not reports:
        errors.append(ReportTextError(missing, f"Förvaltningsberättelsen för {year} saknas: skriv den i en Markdown-fil "
                                               f'och ange den med {year}-12-31 custom "{MANAGEMENT_REPORT_TYPE}" "fil.md"', None))
    elif len(reports) > 1:
        errors.extend(ReportTextError(entry.meta, f"Mer än en förvaltningsberättelse för {year}", entry) for entry in reports)
    else:
        management_report = _read(reports[0], root, errors)

    principles_entries = sorted((entry for entry in customs if entry.type == PRINCIPLES_TYPE and entry.date <= year_end),
                                key=lambda entry: entry.date)
    principles = None
    if not principles_entries:
        errors.append(ReportTextError(missing, f"Redovisningsprinciperna saknas: skriv dem i en Markdown-fil och ange den "
                                               f'med custom "{PRINCIPLES_TYPE}" "fil.md"', None))
    else:
        principles = _read(principles_entries[-1], root, errors)

    if errors or management_report is None or principles is None:
        return None, errors
    return ReportTexts(management_report, principles), []


def check_text_directives(entries: Iterable[Directive]) -> list[ReportTextError]:
    """Every text directive in the books names a readable, non-empty .md or .txt file (for
    ``bean-check``; which folder it must lie in and whether a year has its texts is checked
    when the report is made)."""
    errors: list[ReportTextError] = []
    for entry in entries:
        if isinstance(entry, Custom) and entry.type in (MANAGEMENT_REPORT_TYPE, PRINCIPLES_TYPE):
            _read(entry, None, errors)
    return errors


__all__ = [
    "MANAGEMENT_REPORT_TYPE",
    "PRINCIPLES_TYPE",
    "ReportTextError",
    "ReportTexts",
    "check_text_directives",
    "markdown_as_html",
    "read_report_texts",
]
