"""Special payroll tax on pension costs (särskild löneskatt) at the year-end.

For each year with a year-end directive (``custom "bokslut"``, see
``bergslaget_plugins.fiscal``) the plugin computes the year's special payroll tax: the
year's rate (``custom "procentsats" "särskild löneskatt"``, see
``bergslaget_plugins.rates``) times the sum of the year's postings on the pension
premium accounts, rounded to whole kronor. It is booked on the year-end day::

    2022-01-01 custom "procentsats" "särskild löneskatt" 24.26
    2022-12-31 custom "bokslut" "Årsbokslut 2022"

gives, with premiums of 343 961 kr on 7411 in 2022::

    2022-12-31 * "Särskild löneskatt på pensionskostnader 2022: 24,26 % av 343 961 kr"
      regel: "särskild löneskatt"
      ver_serie: "BO"
      pensionspremier: 343961
      sarskild_loneskatt_procent: 24.26
      Expenses:7533-Särskild-löneskatt-pension     83445 SEK
      Liabilities:2943-Beräknad-särskild-löneskatt     -83445 SEK

The amounts are never typed into the ledger; they are computed from the premiums. The
premium sum includes every posting the plugin gets, also those earlier plugins made.
A year without premiums, or whose tax is zero, is not booked (and needs no rate).

The accounts are those with the roles ``pensionspremier`` (7411; several accounts may
have it), ``särskild-löneskatt`` (7533) and ``beräknad-särskild-löneskatt`` (2943) in the
chart (see ``bergslaget_plugins.roles``). Settings (the default fits the rate table)::

    plugin "bergslaget_plugins.pension_tax" "{'procentsats': 'särskild löneskatt'}"

Errors: no rate for the year (at the year-end directive; nothing is booked for that
year). Misplaced year-end directives are reported by the year-end plugin (year_end).
"""

from __future__ import annotations

import bisect
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core.data import Custom, Directive, Transaction

from bergslaget_plugins.entry_index import appended, entry_index
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.generated import RULE_KEY, YEAR_END_SERIES, generated_transaction, posting
from bergslaget_plugins.money import CURRENCY, format_kronor, round_krona
from bergslaget_plugins.plugin_settings import parse_config
from bergslaget_plugins.rates import SPECIAL_PAYROLL_TAX, Rate, build_rate_table
from bergslaget_plugins.roles import AccountRoles, roles_for_plugin

__plugins__ = ("book_special_payroll_tax",)

PAYROLL_TAX_RULE = "särskild löneskatt"
PREMIUMS_ROLE = "pensionspremier"
COST_ROLE = "särskild-löneskatt"
PAYROLL_TAX_LIABILITY_ROLE = "beräknad-särskild-löneskatt"


@dataclass(frozen=True)
class PensionTaxSettings:
    """The name of the rate; the default fits the rate table."""

    procentsats: str = SPECIAL_PAYROLL_TAX

    def __post_init__(self) -> None:
        if not self.procentsats.strip():
            raise ValueError("procentsats: får inte vara tom")


def premiums_by_year(entries: Sequence[Directive], accounts: Iterable[str]) -> dict[int, Decimal]:
    """Sum of SEK postings per calendar year to ``accounts`` (and their sub-accounts); only
    the transactions on these accounts are looked at (the entry index)."""
    roots = tuple(accounts)
    sums: dict[int, Decimal] = {}
    is_premium: dict[str, bool] = {}  # decided once per account, not once per posting
    for entry in entry_index(entries).transactions_under(*roots):
        for entry_posting in entry.postings:
            account = entry_posting.account
            matches = is_premium.get(account)
            if matches is None:
                matches = is_premium[account] = any(account == root or account.startswith(root + ":") for root in roots)
            if not matches:
                continue
            units = entry_posting.units
            if units is None or units.currency != CURRENCY or not isinstance(units.number, Decimal):
                continue
            sums[entry.date.year] = sums.get(entry.date.year, Decimal(0)) + units.number
    return sums


def _booked_dates(entries: Sequence[Directive], closing_dates: set[datetime.date]) -> set[datetime.date]:
    """Closing dates on which this rule already booked (the plugin ran before on these entries).

    The entries are sorted by date, as a plugin gets them: only each closing date's
    transactions are looked at, found by binary search.
    """
    transactions = entry_index(entries).transactions
    return {date for date in closing_dates
            if any((entry.meta or {}).get(RULE_KEY) == PAYROLL_TAX_RULE for entry in _on_date(transactions, date))}


def _on_date(transactions: Sequence[Transaction], date: datetime.date) -> Sequence[Transaction]:
    """The transactions dated ``date`` of the date-sorted ``transactions``."""
    first = bisect.bisect_left(transactions, date, key=_date)
    return transactions[first:bisect.bisect_right(transactions, date, lo=first, key=_date)]


def _date(entry: Transaction) -> datetime.date:
    return entry.date


def _tax_entry(closing: Custom, premiums: Decimal, rate: Rate, roles: AccountRoles) -> Transaction | None:
    tax = round_krona(premiums * rate.fraction)
    if not tax:
        return None
    year = closing.date.year
    return generated_transaction(
        closing,
        closing.date,
        f"Särskild löneskatt på pensionskostnader {year}: {rate.describe()} av {format_kronor(premiums)} kr",
        [posting(roles.account(COST_ROLE), tax), posting(roles.account(PAYROLL_TAX_LIABILITY_ROLE), -tax)],
        rule=PAYROLL_TAX_RULE,
        series=YEAR_END_SERIES,
        meta={"pensionspremier": premiums, "sarskild_loneskatt_procent": rate.percent},
    )


def book_special_payroll_tax(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    """Book each closed year's special payroll tax on pension premiums (see the docstring)."""
    settings, config_errors = parse_config(config, PensionTaxSettings, __name__)
    if settings is None:
        return entries, list(config_errors)
    rates = build_rate_table(entries)
    errors: list[Any] = list(rates.errors_for([settings.procentsats]))
    closings, _ = year_end_directives(entries)  # misplaced ones are reported by year_end
    if not closings:
        return entries, errors
    roles, role_errors = roles_for_plugin(entries, options_map, (PREMIUMS_ROLE, COST_ROLE, PAYROLL_TAX_LIABILITY_ROLE), __name__)
    if roles is None:
        return entries, errors + role_errors
    premiums = premiums_by_year(entries, roles.accounts(PREMIUMS_ROLE))
    already_booked = _booked_dates(entries, {closing.date for closing in closings.values()})

    generated: list[Directive] = []
    for year in sorted(closings):
        closing = closings[year]
        year_premiums = premiums.get(year, Decimal(0))
        if not year_premiums or closing.date in already_booked:
            continue
        rate = rates.require(settings.procentsats, year, closing)
        if not isinstance(rate, Rate):
            errors.append(rate)
            continue
        entry = _tax_entry(closing, year_premiums, rate, roles)
        if entry is not None:
            generated.append(entry)
    if not generated:
        return entries, errors  # nothing booked: the same list, which the rules line need not place again
    return appended(entries, generated), errors


__all__ = ["PensionTaxSettings", "book_special_payroll_tax", "premiums_by_year"]
