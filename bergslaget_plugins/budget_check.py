"""Budgets that bean-check refuses: a budget that cannot be read (period, amount,
currency) or that is set on an account that is not open. Otherwise the budget is zero
and the report's "Summa intäkter" budget is silently wrong::

    plugin "bergslaget_plugins.budget_check"

    2022-01-01 custom "budget" Income:3994-Medlemsavgift "yearly" -1029000 SEK
    main.beancount:3: Budget på Income:3994-Medlemsavgift, som inte är öppet 2022-01-01;
    menas Income:3994-Medlemsavgifter?

The reading itself is ``budget.read_budgets`` (the same as the report's).
"""

from __future__ import annotations

from typing import Any

from beancount.core.data import Close, Directive, Open

from bergslaget_plugins.budget import BudgetError, read_budgets
from bergslaget_plugins.entry_index import directives_of

__plugins__ = ("check_budgets",)


def check_budgets(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[BudgetError]]:
    """The entries unchanged, with an error for each unreadable budget and each budget on an account not open."""
    directives = directives_of(entries)  # budgets, opens and closes: no transaction
    budgets, errors = read_budgets(directives)
    opened = {entry.account: entry.date for entry in directives if isinstance(entry, Open)}
    closed = {entry.account: entry.date for entry in directives if isinstance(entry, Close)}
    for account, items in budgets.items():
        for item in items:
            open_from, closed_from = opened.get(account), closed.get(account)
            if open_from is not None and open_from <= item.start and (closed_from is None or item.start < closed_from):
                continue
            # Imported here: only a budget on an account not open (an error) asks for a close match.
            import difflib

            close = difflib.get_close_matches(account, list(opened), n=1, cutoff=0.8)
            hint = f"; menas {close[0]}?" if close and close[0] != account else ""
            errors.append(BudgetError(
                item.meta, f"Budget på {account}, som inte är öppet {item.start}{hint}", None))  # type: ignore[arg-type]
    return entries, errors


__all__ = ["check_budgets"]
