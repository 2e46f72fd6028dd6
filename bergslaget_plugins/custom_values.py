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

__plugins__ = ("check_custom_values",)


class CustomValuesError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def check_custom_values(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[CustomValuesError]]:
    """The entries, each custom directive without values given an empty list; an error for each."""
    errors: list[CustomValuesError] = []
    checked: list[Directive] = []
    for entry in entries:
        # Beancount types values as a list, but its parser leaves None for a directive without values.
        if isinstance(entry, Custom) and cast("list[Any] | None", entry.values) is None:
            errors.append(CustomValuesError(entry.meta, f'custom "{entry.type}" saknar värden', entry))
            entry = entry._replace(values=[])
        checked.append(entry)
    return checked, errors


__all__ = ["check_custom_values"]
