"""The budget, as Fava's ``budget`` directives, summed over any date range.

The board decides a yearly budget; the accountant writes it per account in Fava's own
form, so that Fava shows it beside the balances too::

    2022-01-01 custom "budget" Income:3994-Medlemsavgifter "yearly" -1029000 SEK

Amounts carry the account's sign (income negative, like its balance). The semantics are
Fava's: a budget applies from its date until the next budget of the same account,
spread evenly over the days of each period (day, week, month, quarter, year). This
module computes the same figures exactly, without iterating day by day, so the report
and Fava's own budget view agree.

The association decides a budget for each year. Fava carries a budget forward into the
following years; the report and the Budget page do not: they use only the budget
entries dated in the year (:func:`budgets_of_year`), and a year without its own budget
has no budget column (the report says "Budget saknas", the Budget page refuses).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.money import CURRENCY

BUDGET_TYPE = "budget"
PERIODS = ("daily", "weekly", "monthly", "quarterly", "yearly")


class BudgetEntry(NamedTuple):
    """One budget directive: ``number`` per ``period`` from ``start`` on."""

    account: str
    start: datetime.date
    period: str
    number: Decimal
    meta: Mapping[str, Any]


class BudgetError(NamedTuple):
    """A budget directive that cannot be read."""

    source: Mapping[str, Any]
    message: str
    entry: Directive


def read_budgets(entries: Iterable[Directive]) -> tuple[dict[str, list[BudgetEntry]], list[BudgetError]]:
    """Budget directives by account, in date order."""
    budgets: dict[str, list[BudgetEntry]] = defaultdict(list)
    errors: list[BudgetError] = []
    for entry in entries:
        if not (isinstance(entry, Custom) and entry.type == BUDGET_TYPE):
            continue
        try:
            account, period, amount = (value.value for value in entry.values)
            period = str(period).lower()
            number, currency = amount.number, amount.currency
        except (ValueError, AttributeError):
            errors.append(BudgetError(entry.meta, 'budget ska ha konto, period och belopp: Konto "yearly" 1000 SEK', entry))
            continue
        if period not in PERIODS:
            errors.append(BudgetError(entry.meta, f"Okänd budgetperiod {period!r} (tillåtna: {', '.join(PERIODS)})", entry))
            continue
        if currency != CURRENCY:
            errors.append(BudgetError(entry.meta, f"Budgeten ska vara i {CURRENCY}, inte {currency}", entry))
            continue
        budgets[account].append(BudgetEntry(account, entry.date, period, number, entry.meta))
    for items in budgets.values():
        items.sort(key=lambda item: item.start)
    return dict(budgets), errors


def budgets_of_year(budgets: Mapping[str, list[BudgetEntry]], year: int) -> dict[str, list[BudgetEntry]]:
    """Only the budget decided for ``year``: the entries dated in it (none carried from earlier years)."""
    own = {account: [item for item in items if item.start.year == year] for account, items in budgets.items()}
    return {account: items for account, items in own.items() if items}


def _period_containing(day: datetime.date, period: str) -> tuple[datetime.date, datetime.date]:
    """Half-open bounds of the ``period`` that contains ``day``."""
    if period == "daily":
        return day, day + datetime.timedelta(days=1)
    if period == "weekly":
        start = day - datetime.timedelta(days=day.weekday())
        return start, start + datetime.timedelta(days=7)
    if period == "monthly":
        start = day.replace(day=1)
        return start, (start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1))
    if period == "quarterly":
        start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        end_month = start.month + 3
        return start, (datetime.date(start.year + 1, 1, 1) if end_month > 12 else datetime.date(start.year, end_month, 1))
    return datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1)


def _segments(items: list[BudgetEntry], begin: datetime.date, end: datetime.date) -> Iterator[tuple[BudgetEntry, datetime.date, datetime.date]]:
    """The stretches of [begin, end) during which each budget entry is the active one."""
    for index, item in enumerate(items):
        until = items[index + 1].start if index + 1 < len(items) else end
        start, stop = max(item.start, begin), min(until, end)
        if start < stop:
            yield item, start, stop


def budget_for(budgets: Mapping[str, list[BudgetEntry]], account: str, begin: datetime.date, end: datetime.date) -> Decimal:
    """The budget of ``account`` for the days in [begin, end), exactly as Fava spreads it."""
    total = Decimal(0)
    for item, start, stop in _segments(budgets.get(account, []), begin, end):
        day = start
        while day < stop:
            period_start, period_end = _period_containing(day, item.period)
            chunk_end = min(period_end, stop)
            days = (chunk_end - day).days
            period_days = (period_end - period_start).days
            total += item.number * days / period_days
            day = chunk_end
    return total
