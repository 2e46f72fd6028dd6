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
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.vocabulary import BEANCOUNT_KEYS, CUSTOM_TYPES, METADATA_KEYS

__plugins__ = ("check_spelling",)

_UNSEEN = object()

#: How alike (difflib's ratio, 0..1) an unknown word must be to a known one to be taken for a typo of it.
SIMILARITY = 0.8


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
    close = difflib.get_close_matches(word, known, n=1, cutoff=SIMILARITY)
    return close[0] if close else None


def check_spelling(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[SpellingError]]:
    """The entries unchanged, with an error for each word close to, but not, a known one."""
    errors: list[SpellingError] = []
    # A word's suggestion is decided once per word, not once per use (the same keys recur on every entry).
    custom_types: dict[str, str | None] = {}
    metadata_keys: dict[str, str | None] = {
        key: None for key in BEANCOUNT_KEYS}  # Beancount's own keys are never typos

    def metadata_suggestion(key: str) -> str | None:
        known = metadata_keys.get(key, _UNSEEN)
        if known is _UNSEEN:
            known = metadata_keys[key] = None if key.startswith("__") else suggestion(key, METADATA_KEYS)
        return known  # type: ignore[return-value]

    for entry in entries:
        if isinstance(entry, Custom):
            if entry.type not in custom_types:
                custom_types[entry.type] = suggestion(entry.type, CUSTOM_TYPES)
            known = custom_types[entry.type]
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
    return entries, errors


__all__ = ["SIMILARITY", "SpellingError", "check_spelling", "suggestion"]
