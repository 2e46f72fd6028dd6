"""Refuse any change to a locked financial year (bean-check fails, naming the verification).

``bergslaget lock --year 2022`` writes the year's record into the books (see
:mod:`bergslaget_plugins.locking`); this plugin compares every verification of each
locked year, hand-booked and generated, with its recorded digest and reports at the
verification's file and line (for a generated one: the directive it comes from) each
one that was edited, added, removed or renumbered, and any record, unlock or chain
end that does not hold; and it computes each locked year's annual report again and
reports each figure that is not what was recorded, for instance because an account was
moved to another line (:mod:`bergslaget_plugins.locked_figures`). Open years are not checked.

Say 2022 was locked when its first verification read "Hyra januari" (``bergslaget lock
--year 2022`` wrote the record ``2022/las.beancount``, which the books include), and the
text was changed afterwards::

    plugin "bergslaget_plugins.lock_check"

    2022-01-10 * "Fastighets AB Hushagen" "Hyra februari"
      ver: "A1"
      Expenses:5010-Lokalhyra      24000 SEK
      Assets:1930-Företagskonto   -24000 SEK
    main.beancount:3: Verifikation A1 (2022) har ändrats efter att räkenskapsåret 2022 låstes
      (låspost 2022/las.beancount:22); rätta med en ny verifikation i ett öppet år

A changed amount is refused the same way, and also at each figure of the annual report
it changes (at the ``låst siffra`` line in the record).

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
