"""No markup in the books: ``<`` is refused in every text.

Fava 1.30 renders a transaction's payee and narration, a note's comment and a custom
directive's texts without escaping them (its journal template turns autoescape off),
so a payer named ``<img src=x onerror=…>`` in a bank file would run script in the
board's browser. The importers write ``‹`` and ``›`` for ``<`` and ``>``
(:func:`neutralise`); this plugin refuses ``<`` wherever it could reach a page:
payees, narrations, note comments, query names, custom directives' texts, document
file names and every text metadata value of entries and postings. ``>``, ``&`` and
quotes are allowed (``Ernst & Young AB``, ``6 656 => 6 849``): without ``<`` no
element can be opened, and these texts are never placed in an attribute. Each place
gets a bean-check error at its line::

    plugin "bergslaget_plugins.markup"

    2022-03-14 * "<img src=x onerror=alert(1)>" "Inbetalning"
      Assets:1930-Företagskonto  100 SEK
      Income:3994-Medlemsavgifter

    main.beancount:3: Betalningsmottagaren innehåller markering (<), som inte får finnas
    i böckerna; skriv ‹ eller ta bort tecknet: '<img src=x onerror=alert(1)>'

The entries it returns carry the neutralised text (``‹img src=x onerror=alert(1)›``),
so even where the error is ignored no markup reaches a page. List it last, after the
plugins that generate entries.

The rule first reads the books' files (``source_text.py``): no text parsed from a file
without ``<`` can hold it, so only the other entries are looked at one by one (those of
files with ``<``, even in a comment; documents; generated entries). The errors are the
same as when every entry is looked at.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive, Document, Note, Query, Transaction

from bergslaget_plugins.source_text import entries_from_elsewhere, in_entry_order, read_book_sources

__plugins__ = ("refuse_markup",)

#: What the importers write for the characters of markup.
MARKUP_REPLACEMENTS = {"<": "\u2039", ">": "\u203a"}
#: What the books refuse: the character that opens an element (or a comment, or a script).
MARKUP_CHARACTERS = frozenset("<")
#: The one character :func:`_transaction_is_clean` looks for (it must learn any other).
(_MARKUP,) = MARKUP_CHARACTERS
_TRANSLATION = str.maketrans(MARKUP_REPLACEMENTS)
#: Entries whose text does not come from the books' files even when their ``filename`` is one: a
#: document's file name comes from the file system (and the folder of the file that names it).
_TEXT_FROM_ELSEWHERE = frozenset({Document})


class MarkupError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def has_markup(text: str) -> bool:
    return any(character in text for character in MARKUP_CHARACTERS)


def neutralise(text: str) -> str:
    """``text`` with ``<`` and ``>`` written as ``‹`` and ``›`` (same length, so fixed-width records keep their columns)."""
    return text.translate(_TRANSLATION)


def _neutral_meta(meta: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if meta is None:
        return None
    return {key: neutralise(value) if isinstance(value, str) and not key.startswith("__") and key != "filename" else value
            for key, value in meta.items()}


def _texts(entry: Directive) -> Iterator[tuple[str, str]]:
    """(what, text) for each text of ``entry`` that a page may show."""
    if isinstance(entry, Transaction):
        if entry.payee:
            yield "Betalningsmottagaren", entry.payee
        if entry.narration:
            yield "Beskrivningen", entry.narration
    elif isinstance(entry, Note):
        yield "Anteckningen", entry.comment
    elif isinstance(entry, Query):
        yield "Frågans namn", entry.name
    elif isinstance(entry, Document):
        yield "Dokumentets filnamn", entry.filename
    elif isinstance(entry, Custom):
        yield "Typen", entry.type
        for value in entry.values:
            if isinstance(value.value, str):
                yield "Värdet", value.value
    for key, value in (entry.meta or {}).items():
        if isinstance(value, str) and not key.startswith("__") and key != "filename":
            yield f"Metadata {key}", value
    for posting in getattr(entry, "postings", None) or ():
        for key, value in (posting.meta or {}).items():
            if isinstance(value, str) and not key.startswith("__") and key not in ("filename", "lineno"):
                yield f"Konteringens metadata {key}", value


def _transaction_is_clean(entry: Transaction) -> bool:
    """A quick screen for the many transactions: True if no text of ``entry`` can hold ``<``.

    It looks at more than :func:`_texts` does (every text metadata value, file names too),
    so an entry it passes has nothing :func:`_texts` would find; a posting's metadata that
    is only Beancount's own file and line is skipped without looking at the values.
    """
    if (entry.payee and _MARKUP in entry.payee) or (entry.narration and _MARKUP in entry.narration):
        return False
    for value in (entry.meta or {}).values():
        if type(value) is str and _MARKUP in value:
            return False
    for posting in entry.postings:
        meta = posting.meta
        if not meta or (len(meta) == 2 and "filename" in meta and "lineno" in meta):
            continue
        for value in meta.values():
            if type(value) is str and _MARKUP in value:
                return False
    return True


def _neutral_entry(entry: Directive) -> Directive:
    changes: dict[str, Any] = {"meta": _neutral_meta(entry.meta)}
    if isinstance(entry, Transaction):
        changes["payee"] = neutralise(entry.payee) if entry.payee else entry.payee
        changes["narration"] = neutralise(entry.narration) if entry.narration else entry.narration
        changes["postings"] = [posting._replace(meta=_neutral_meta(posting.meta)) for posting in entry.postings]
    elif isinstance(entry, Note):
        changes["comment"] = neutralise(entry.comment)
    elif isinstance(entry, Query):
        changes["name"] = neutralise(entry.name)
    elif isinstance(entry, Custom):
        changes["type"] = neutralise(entry.type)
        changes["values"] = [value._replace(value=neutralise(value.value)) if isinstance(value.value, str) else value
                             for value in entry.values]
    elif isinstance(entry, Document):
        # Fava prints the file's name unescaped; the link breaks until the file is renamed, as the error says.
        changes["filename"] = neutralise(entry.filename)
    return entry._replace(**changes)


def _refused(entry: Directive, errors: list[MarkupError]) -> Directive:
    """``entry``, or its copy with markup neutralised and an error for each text that had it."""
    found = [(what, text) for what, text in _texts(entry) if has_markup(text)]
    if not found:
        return entry
    for what, text in found:
        errors.append(MarkupError(
            entry.meta, f"{what} innehåller markering (<), som inte får finnas i böckerna; "
                        f"skriv ‹ eller ta bort tecknet: {text!r}", entry))
    return _neutral_entry(entry)


def _entries_to_check(entries: list[Directive], options_map: dict[str, Any]) -> list[Directive] | None:
    """The entries that may hold markup, or None: every entry may."""
    sources = read_book_sources(options_map)
    if sources is None:
        return None
    without_markup = sources.files_where(lambda facts: not facts.has_markup)
    if not without_markup:
        return None
    return entries_from_elsewhere(entries, without_markup, _TEXT_FROM_ELSEWHERE)


def refuse_markup(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[MarkupError]]:
    """The entries with markup neutralised, and an error for each text that had it (the same list if none had)."""
    errors: list[MarkupError] = []
    to_check = _entries_to_check(entries, options_map)
    if to_check is not None:
        refused: dict[int, tuple[Directive, list[MarkupError]]] = {}
        for entry in to_check:
            entry_errors: list[MarkupError] = []
            checked_entry = _refused(entry, entry_errors)
            if entry_errors:
                refused[id(entry)] = (checked_entry, entry_errors)
        if not refused:
            return entries, errors
        checked = list(entries)
        for place in in_entry_order(entries, refused):  # the errors in the entries' order
            checked[place], entry_errors = refused[id(entries[place])]
            errors.extend(entry_errors)
        return checked, errors
    checked = []
    for entry in entries:
        if type(entry) is Transaction and _transaction_is_clean(entry):
            checked.append(entry)
        else:
            checked.append(_refused(entry, errors))
    return (entries if not errors else checked), errors


__all__ = ["MARKUP_CHARACTERS", "MARKUP_REPLACEMENTS", "MarkupError", "has_markup", "neutralise", "refuse_markup"]
