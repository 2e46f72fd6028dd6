"""A ``custom`` directive without values is an error at its line, not a crash.

Beancount parses ``2022-12-31 custom "bokslut"`` (no values) with ``values`` set to
None, and every rule that reads custom directives (Beancount's own ``pad`` too) would
stop with a Python traceback. This rule runs first: it reports the directive and hands
on a copy with an empty list of values, which the other rules report in their own words
(``bokslut`` needs its text, ``medlem`` its name, ``kpi`` its figure)::

    plugin "bergslaget_plugins.custom_values"

    2022-12-31 custom "bokslut"
    main.beancount:3: custom "bokslut" saknar värden
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from beancount.core.data import Custom, Directive

from bergslaget_plugins.entry_index import directives_of

__plugins__ = ("check_custom_values",)


class CustomValuesError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def check_custom_values(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[CustomValuesError]]:
    """The entries, each custom directive without values given an empty list; an error for each.

    The entries are handed on as they came (the same list) when every custom directive has values.
    """
    # Beancount types values as a list, but its parser leaves None for a directive without values.
    without_values = [entry for entry in directives_of(entries)
                      if isinstance(entry, Custom) and cast("list[Any] | None", entry.values) is None]
    if not without_values:
        return entries, []
    errors = [CustomValuesError(entry.meta, f'custom "{entry.type}" saknar värden', entry) for entry in without_values]
    with_values = {id(entry): entry._replace(values=[]) for entry in without_values}
    return [with_values.get(id(entry), entry) for entry in entries], errors


__all__ = ["check_custom_values"]
