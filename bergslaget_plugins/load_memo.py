"""Figures computed once per load of the books and shared until the books are loaded again.

Fava keeps the books loaded and reloads them when a file changes; every reload gives a
new list of entries. The pages of the Fava extension (and anything else that is asked
for the same figures again and again) ask :data:`FIGURES` instead of computing::

    totals = FIGURES.value(entries, "posting totals", lambda: query_posting_totals(entries, options))

The first call computes; later calls with the same list of entries get the same object.
A new load (another list) starts afresh. The memo keys on the identity of the entries
list and keeps a reference to it, so a list that has been freed can never be mistaken
for a new one; it holds the figures of at most ``loads`` lists, the least recently used
dropped first, and :meth:`LoadMemo.keep_only` drops the others at once (after a reload,
so that the old books are not kept in memory).

The shared figures of the annual report live here too (:func:`posting_totals`,
:func:`annual_report`, :func:`chart`, :func:`budgets`): one table of posting sums per load, one
annual report per year and load, whichever page asks first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from beancount.core.data import Directive

from bergslaget_plugins.budget import BudgetEntry, read_budgets
from bergslaget_plugins.chart import Chart, read_chart
from bergslaget_plugins.statements import (
    AnnualReport,
    PostingTotals,
    ReportError,
    build_annual_report,
    query_posting_totals,
)

_T = TypeVar("_T")


class _Load:
    """The figures of one list of entries; the list itself keeps its identity alive."""

    def __init__(self, entries: Sequence[Directive]) -> None:
        self.entries = entries
        self.values: dict[Hashable, Any] = {}
        self.failures: dict[Hashable, BaseException] = {}


class LoadMemo:
    """Values keyed by (the loaded entries, a key), computed once per load."""

    def __init__(self, loads: int = 2) -> None:
        self._loads: OrderedDict[int, _Load] = OrderedDict()
        self._capacity = loads
        self._lock = threading.Lock()

    def _load(self, entries: Sequence[Directive]) -> _Load:
        with self._lock:
            load = self._loads.get(id(entries))
            if load is None or load.entries is not entries:
                load = self._loads[id(entries)] = _Load(entries)
                while len(self._loads) > self._capacity:
                    self._loads.popitem(last=False)
            self._loads.move_to_end(id(entries))
            return load

    def value(
        self,
        entries: Sequence[Directive],
        key: Hashable,
        compute: Callable[[], _T],
        remember: tuple[type[BaseException], ...] = (),
    ) -> _T:
        """``compute()``'s value for this load of ``entries``, computed at most once.

        An exception of a type in ``remember`` is remembered too and raised again on later
        calls (a report that the books cannot give stays refused until they change).
        """
        load = self._load(entries)
        if key in load.values:
            return load.values[key]  # type: ignore[no-any-return]
        if key in load.failures:
            raise load.failures[key].with_traceback(None)
        # Computed outside the lock: compute() may ask the memo for other figures.
        try:
            value = compute()
        except remember as failure:
            load.failures[key] = failure
            raise
        return load.values.setdefault(key, value)  # type: ignore[no-any-return]

    def keep_only(self, entries: Sequence[Directive]) -> None:
        """Drop the figures of every other load (call after the books were reloaded)."""
        with self._lock:
            for key, load in list(self._loads.items()):
                if load.entries is not entries:
                    del self._loads[key]

    def __len__(self) -> int:
        return len(self._loads)


#: The memo shared by the Fava pages (and whoever wants the same figures).
FIGURES = LoadMemo()


def posting_totals(entries: Sequence[Directive], options: Mapping[str, Any]) -> PostingTotals:
    """The report's table of posting sums (``statements.query_posting_totals``), once per load."""
    return FIGURES.value(entries, "posting totals", lambda: query_posting_totals(entries, options))


def chart(entries: Sequence[Directive], options: Mapping[str, Any]) -> Chart:
    """The chart of accounts and the report layout, once per load (errors are the plugin's to report)."""
    return FIGURES.value(entries, "chart", lambda: read_chart(entries, options)[0])


def budgets(entries: Sequence[Directive]) -> Mapping[str, list[BudgetEntry]]:
    """The budget per account, once per load (errors are reported by the report)."""
    return FIGURES.value(entries, "budgets", lambda: read_budgets(entries)[0])


def annual_report(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> AnnualReport:
    """``build_annual_report`` for ``year``, once per load; its ReportError is remembered too."""
    return FIGURES.value(
        entries,
        ("annual report", year),
        lambda: build_annual_report(entries, options, year, posting_totals(entries, options)),
        remember=(ReportError,),
    )


__all__ = ["FIGURES", "LoadMemo", "annual_report", "budgets", "chart", "posting_totals"]
