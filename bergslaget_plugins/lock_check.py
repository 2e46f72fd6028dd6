"""Refuse any change to a locked financial year (bean-check fails, naming the verification).

``bergslaget lock --year 2022`` writes the year's record into the books (see
:mod:`bergslaget_plugins.locking`); this plugin compares every verification of each
locked year, hand-booked and generated, with its recorded digest and reports at the
verification's file and line (for a generated one: the directive it comes from) each
one that was edited, added, removed or renumbered, and any record, unlock or chain
end that does not hold; and it computes each locked year's annual report again and
reports each figure that is not what was recorded, for instance because an account was
moved to another line (:mod:`bergslaget_plugins.locked_figures`). Open years are not checked::

    plugin "bergslaget_plugins.lock_check"

    2026-04-10 custom "låst år" 2022 "5d41…"
      …
    2026-04-10 custom "låst siffra" 2022 "Balansräkning" "Kundfordringar" 0
      …
    2026-04-10 custom "låst verifikation" 2022 "A1" 2022 "1f0e…"

List it LAST, after every plugin that generates entries and after the numbering, so
that it sees the verifications as the books finally have them.
"""

from __future__ import annotations

from typing import Any

from beancount.core.data import Directive

from bergslaget_plugins.locked_figures import check_locked_figures
from bergslaget_plugins.locking import LockError, check_lock_state, read_lock_state

__plugins__ = ("check_locked_years",)


def check_locked_years(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[LockError]]:
    """Return the entries unchanged, with an error for each change to a locked year."""
    state, errors = read_lock_state(entries)
    errors += check_lock_state(state, entries)
    if state.locked_years():
        errors += check_locked_figures(state, entries, options_map)
    return entries, errors
