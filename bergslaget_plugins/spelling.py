"""Misspelled words of the association's vocabulary: a ``custom`` type or a metadata key
that is not one the plugins know but is close to one is an error at its line, with the
known word as the suggestion. A misspelled word is otherwise silently ignored, and a
figure changes far from the typo (``custom "medlemm"`` drops a member and its fee;
``perod:`` drops an accrual)::

    plugin "bergslaget_plugins.spelling"

    2021-01-01 custom "medlemm" "Storfors kommun"
    main.beancount:3: Okänd custom-typ "medlemm" (ingen regel läser den); menas "medlem"?

    2022-04-01 * "Hyresvärden" "Hyra kvartal 2"
      perod: "2022-04/2022-06"
    main.beancount:5: Okänd metadata perod (ingen regel läser den); menas period?

Words far from every known one (your own notes, ``anteckning:``) pass. The known words
are in ``vocabulary.py``, taken from the modules' own constants.

The rule first reads the books' files (``source_text.py``): the entries of a file whose
text has no metadata key close to a known word cannot be wrong, so only the other
entries are looked at one by one (those of files with such a word; custom directives;
generated entries). The errors are the same as when every entry is looked at.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.source_text import entries_from_elsewhere, in_entry_order, read_book_sources
from bergslaget_plugins.vocabulary import BEANCOUNT_KEYS, CUSTOM_TYPES, METADATA_KEYS

__plugins__ = ("check_spelling",)

_UNSEEN = object()

#: How alike (difflib's ratio, 0..1) an unknown word must be to a known one to be taken for a typo of it.
SIMILARITY = 0.8
#: Entries looked at even where the files' keys are all right: a custom type is not a key.
_NOT_KEYS = frozenset({Custom})


class SpellingError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def _normal(word: str) -> str:
    return "".join(word.casefold().replace("-", "").replace("_", "").split())


def suggestion(word: str, known: Iterable[str]) -> str | None:
    """The known word ``word`` is probably a typo of, or None (also None if ``word`` is known)."""
    known = tuple(known)
    if word in known:
        return None
    by_normal = {_normal(candidate): candidate for candidate in known}
    if _normal(word) in by_normal:
        return by_normal[_normal(word)]
    # Imported here: only a word that is not a known one (a typo; most loads have none) asks for a close match.
    import difflib

    close = difflib.get_close_matches(word, known, n=1, cutoff=SIMILARITY)
    return close[0] if close else None


class _Suggestions:
    """The suggestion for each word, decided once per word, not once per use (the same keys recur on every entry)."""

    def __init__(self) -> None:
        self.custom_types: dict[str, str | None] = {}
        self.metadata_keys: dict[str, str | None] = {key: None for key in BEANCOUNT_KEYS}  # never typos

    def custom_type(self, word: str) -> str | None:
        if word not in self.custom_types:
            self.custom_types[word] = suggestion(word, CUSTOM_TYPES)
        return self.custom_types[word]

    def metadata_key(self, key: str) -> str | None:
        known = self.metadata_keys.get(key, _UNSEEN)
        if known is _UNSEEN:
            known = self.metadata_keys[key] = None if key.startswith("__") else suggestion(key, METADATA_KEYS)
        return known  # type: ignore[return-value]


def _check(entries: Iterable[Directive], suggestions: _Suggestions, errors: list[SpellingError]) -> None:
    """An error in ``errors`` for each custom type and metadata key of ``entries`` close to, but not, a known one."""
    metadata_suggestion = suggestions.metadata_key
    for entry in entries:
        if isinstance(entry, Custom):
            known = suggestions.custom_type(entry.type)
            if known is not None:
                errors.append(SpellingError(
                    entry.meta, f'Okänd custom-typ "{entry.type}" (ingen regel läser den); menas "{known}"?', entry))
        for key in entry.meta or ():
            known = metadata_suggestion(key)
            if known is not None:
                errors.append(SpellingError(entry.meta, f"Okänd metadata {key} (ingen regel läser den); menas {known}?", entry))
        for posting in getattr(entry, "postings", None) or ():
            for key in posting.meta or ():
                known = metadata_suggestion(key)
                if known is not None:
                    errors.append(SpellingError(
                        posting.meta or entry.meta,
                        f"Okänd metadata {key} på konteringen {posting.account} (ingen regel läser den); menas {known}?",
                        entry))


def _entries_to_check(
    entries: list[Directive], options_map: dict[str, Any], suggestions: _Suggestions
) -> list[Directive] | None:
    """The entries that may have a misspelled word, or None: every entry may."""
    sources = read_book_sources(options_map)
    if sources is None:
        return None
    right = sources.files_where(
        lambda facts: all(suggestions.metadata_key(key) is None for key in facts.metadata_keys))
    if not right:
        return None
    return entries_from_elsewhere(entries, right, _NOT_KEYS)


def check_spelling(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[SpellingError]]:
    """The entries unchanged, with an error for each word close to, but not, a known one."""
    errors: list[SpellingError] = []
    suggestions = _Suggestions()
    to_check = _entries_to_check(entries, options_map, suggestions)
    if to_check is None:
        _check(entries, suggestions, errors)
        return entries, errors
    misspelled: dict[int, list[SpellingError]] = {}
    for entry in to_check:
        entry_errors: list[SpellingError] = []
        _check((entry,), suggestions, entry_errors)
        if entry_errors:
            misspelled[id(entry)] = entry_errors
    for place in in_entry_order(entries, misspelled) if misspelled else ():  # the errors in the entries' order
        errors.extend(misspelled[id(entries[place])])
    return entries, errors


__all__ = ["SIMILARITY", "SpellingError", "check_spelling", "suggestion"]
