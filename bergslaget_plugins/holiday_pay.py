"""Holiday-pay liability (semesterlöneskuld) with its social fees at the year-end.

At the year-end the accountant writes, for each employee, either the saved holiday
days and the day rate, or the liability itself::

    2022-12-31 custom "semesterlöneskuld" "Anders Edström"
      sparade_dagar: 42
      dagsats: 2470
    2021-12-31 custom "semesterlöneskuld" "Mikaela Ankarvall"
      skuld: 34720

For each date the plugin books one verification (series BO, ``regel:
"semesterlöneskuld"``) with the file name and line of the date's first line:

* The change in the liability: the total liability (the sum of the employees'
  liabilities, each rounded to whole kronor) minus the balance of
  ``Liabilities:2920-Upplupna-semesterlöner`` at the end of the day before this
  verification: Dr ``Expenses:7290-Förändring-semesterlöneskuld`` / Cr 2920. A smaller
  liability is booked with the signs reversed.
* Social fees on the liability: the target is the liability times the year's employer
  contribution (``custom "procentsats" "arbetsgivaravgift"``, see
  ``bergslaget_plugins.rates``), rounded to whole kronor; the change against the balance
  of ``Liabilities:2941-Beräknade-sociala-avgifter`` is booked Dr
  ``Expenses:7519-Sociala-avgifter-semesterlöneskuld`` / Cr 2941.
  At 31.42 % in 2022 a liability of 103 740 kr gives social fees of 32 595 kr.

The basis (each employee's days, day rate and liability) is in the verification's
metadata ``underlag``; the liability, the fees and the rate in ``semesterloneskuld``,
``sociala_avgifter`` and ``arbetsgivaravgift_procent``. A change of zero books nothing.

The example above, with 31.42 % both years, gives for 2022 (after 34 720 kr and
10 909 kr booked at 2021-12-31)::

    2022-12-31 * "Semesterlöneskuld 2022-12-31: 103 740 kr för 1 anställd, sociala avgifter 31,42 % 32 595 kr"
      regel: "semesterlöneskuld"
      ver_serie: "BO"
      underlag: "Anders Edström: 42 dagar × 2 470,00 kr = 103 740 kr"
      semesterloneskuld: 103740
      sociala_avgifter: 32595
      arbetsgivaravgift_procent: 31.42
      Expenses:7290-Förändring-semesterlöneskuld         69020 SEK
      Liabilities:2920-Upplupna-semesterlöner           -69020 SEK
      Expenses:7519-Sociala-avgifter-semesterlöneskuld   21686 SEK
      Liabilities:2941-Beräknade-sociala-avgifter       -21686 SEK

The accounts are those with the roles ``semesterlöneskuld`` (2920),
``förändring-semesterlöneskuld`` (7290), ``beräknade-sociala-avgifter`` (2941) and
``sociala-avgifter-semesterlöneskuld`` (7519) in the chart (see
``bergslaget_plugins.roles``). Settings (the default fits the rate table)::

    plugin "bergslaget_plugins.holiday_pay" "{'avgiftssats': 'arbetsgivaravgift'}"

At every year-end (``custom "bokslut"``, see ``bergslaget_plugins.fiscal``) the
liability must be given if the association has had employees: if the balance of 2920 is
not zero or an earlier year-end had lines. Missing lines are an error at the year-end
directive (otherwise last year's liability would silently stay); when nobody has a
liability any more the accountant says so, ``skuld: 0``.

Errors (at the line's file and line): both days/day rate and liability, neither, only
one of days and day rate, negative numbers or text instead of numbers, the same
employee twice on a date, no employer contribution for the year (the error stands at
the date's first line). A date with an error is not booked at all, since its sum would
be wrong; other dates are booked as usual.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.amount import Amount
from beancount.core.data import Custom, Directive, Transaction

from bergslaget_plugins.entry_index import appended, directives_of, entry_index
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.generated import YEAR_END_SERIES, generated_transaction, posting
from bergslaget_plugins.money import CURRENCY, format_kronor, format_swedish, round_krona
from bergslaget_plugins.plugin_settings import parse_config
from bergslaget_plugins.rates import EMPLOYER_CONTRIBUTION, Rate, build_rate_table
from bergslaget_plugins.roles import AccountRoles, roles_for_plugin

__plugins__ = ("book_holiday_pay_liability",)

FACT_TYPE = "semesterlöneskuld"
HOLIDAY_PAY_RULE = "semesterlöneskuld"
DAYS_KEY = "sparade_dagar"
DAY_RATE_KEY = "dagsats"
LIABILITY_KEY = "skuld"
HOLIDAY_PAY_LIABILITY_ROLE = "semesterlöneskuld"
LIABILITY_CHANGE_ROLE = "förändring-semesterlöneskuld"
FEE_LIABILITY_ROLE = "beräknade-sociala-avgifter"
FEE_COST_ROLE = "sociala-avgifter-semesterlöneskuld"
HOLIDAY_PAY_ROLES = (HOLIDAY_PAY_LIABILITY_ROLE, LIABILITY_CHANGE_ROLE, FEE_LIABILITY_ROLE, FEE_COST_ROLE)


@dataclass(frozen=True)
class HolidayPaySettings:
    """The name of the rate; the default fits the rate table."""

    avgiftssats: str = EMPLOYER_CONTRIBUTION

    def __post_init__(self) -> None:
        if not self.avgiftssats.strip():
            raise ValueError("avgiftssats: får inte vara tom")


class HolidayPayError(NamedTuple):
    """A holiday-pay fact that cannot be used, or a date that cannot be booked."""

    source: dict[str, Any]
    message: str
    entry: Directive


class EmployeeLiability(NamedTuple):
    """One employee's holiday-pay liability on one date, in whole kronor."""

    employee: str
    liability: Decimal
    basis: str
    fact: Custom


def _number(fact: Custom, key: str) -> Decimal | str | None:
    """The non-negative number under ``key``; a Swedish problem text; None if absent."""
    if key not in fact.meta:
        return None
    value = fact.meta[key]
    if isinstance(value, Amount):
        if value.currency != CURRENCY:
            return f"{key} ska vara i {CURRENCY}, inte {value.currency}"
        value = value.number
    if not isinstance(value, Decimal):
        return f"{key} ska vara ett tal, inte {value!r}"
    if value < 0:
        return f"{key} får inte vara negativ ({value})"
    return value


def read_fact(fact: Custom) -> EmployeeLiability | str:
    """The employee's liability from one ``custom "semesterlöneskuld"``, or a problem text."""
    values = [value.value for value in fact.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        return f'skriv: custom "{FACT_TYPE}" "<den anställdas namn>"'
    employee = values[0].strip()
    days, day_rate, liability = (_number(fact, key) for key in (DAYS_KEY, DAY_RATE_KEY, LIABILITY_KEY))
    for value in (days, day_rate, liability):
        if isinstance(value, str):
            return f"{employee}: {value}"
    has_days = days is not None or day_rate is not None
    if has_days and liability is not None:
        return f"{employee}: ange antingen {DAYS_KEY} och {DAY_RATE_KEY} eller {LIABILITY_KEY}, inte båda"
    if liability is not None:
        assert isinstance(liability, Decimal)
        whole = round_krona(liability)
        return EmployeeLiability(employee, whole, f"{employee}: skuld {format_kronor(whole)} kr", fact)
    if days is None or day_rate is None:
        return f"{employee}: ange {DAYS_KEY} och {DAY_RATE_KEY}, eller {LIABILITY_KEY}"
    assert isinstance(days, Decimal) and isinstance(day_rate, Decimal)
    whole = round_krona(days * day_rate)
    days_text = f"{days.normalize():f}".replace(".", ",")
    basis = f"{employee}: {days_text} dagar × {format_swedish(day_rate)} kr = {format_kronor(whole)} kr"
    return EmployeeLiability(employee, whole, basis, fact)


def _balance(postings: list[tuple[datetime.date, Decimal]], date: datetime.date) -> Decimal:
    return sum((number for posted, number in postings if posted <= date), Decimal(0))


def _postings_to(entries: Sequence[Directive], *accounts: str) -> list[list[tuple[datetime.date, Decimal]]]:
    """For each of ``accounts``: (date, SEK amount) of every posting to it or its sub-accounts,
    in the entries' order; only the transactions on these accounts are looked at (the entry index)."""
    index = entry_index(entries)
    return [_sek_postings(index.transactions_under(account), account) for account in accounts]


def _sek_postings(transactions: Iterable[Transaction], account: str) -> list[tuple[datetime.date, Decimal]]:
    """(date, SEK amount) of each posting of ``transactions`` to ``account`` or its sub-accounts."""
    sub_account = account + ":"
    found: list[tuple[datetime.date, Decimal]] = []
    for entry in transactions:
        for entry_posting in entry.postings:
            if entry_posting.account != account and not entry_posting.account.startswith(sub_account):
                continue
            units = entry_posting.units
            if units is not None and units.currency == CURRENCY and isinstance(units.number, Decimal):
                found.append((entry.date, units.number))
    return found


def _book_date(
    facts: list[EmployeeLiability],
    rate: Rate,
    roles: AccountRoles,
    liability_postings: list[tuple[datetime.date, Decimal]],
    fee_postings: list[tuple[datetime.date, Decimal]],
) -> Transaction | None:
    """The entry for one date, or None when nothing changes."""
    date = facts[0].fact.date
    total = sum((fact.liability for fact in facts), Decimal(0))
    fees = round_krona(total * rate.fraction)
    # Liabilities have credit (negative) balances: the booked liability is -balance.
    liability_change = total + _balance(liability_postings, date)
    fee_change = fees + _balance(fee_postings, date)
    postings = []
    if liability_change:
        postings += [
            posting(roles.account(LIABILITY_CHANGE_ROLE), liability_change),
            posting(roles.account(HOLIDAY_PAY_LIABILITY_ROLE), -liability_change),
        ]
    if fee_change:
        postings += [
            posting(roles.account(FEE_COST_ROLE), fee_change),
            posting(roles.account(FEE_LIABILITY_ROLE), -fee_change),
        ]
    if not postings:
        return None
    employees = "anställd" if len(facts) == 1 else "anställda"
    narration = (
        f"Semesterlöneskuld {date}: {format_kronor(total)} kr för {len(facts)} {employees}, "
        f"sociala avgifter {rate.describe()} {format_kronor(fees)} kr"
    )
    meta = {
        "underlag": "; ".join(fact.basis for fact in facts),
        "semesterloneskuld": total,
        "sociala_avgifter": fees,
        "arbetsgivaravgift_procent": rate.percent,
    }
    entry = generated_transaction(facts[0].fact, date, narration, postings, rule=HOLIDAY_PAY_RULE, series=YEAR_END_SERIES, meta=meta)
    liability_postings.append((date, -liability_change))
    fee_postings.append((date, -fee_change))
    return entry


def book_holiday_pay_liability(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    """Book the change in holiday-pay liability and its social fees per date (see the docstring)."""
    settings, config_errors = parse_config(config, HolidayPaySettings, __name__)
    if settings is None:
        return entries, list(config_errors)
    rates = build_rate_table(entries)
    errors: list[Any] = list(rates.errors_for([settings.avgiftssats]))

    by_date: dict[datetime.date, list[Custom]] = {}
    for entry in directives_of(entries):
        if isinstance(entry, Custom) and entry.type == FACT_TYPE:
            by_date.setdefault(entry.date, []).append(entry)
    if not by_date and not year_end_directives(entries)[0]:
        return entries, errors
    roles, role_errors = roles_for_plugin(entries, options_map, HOLIDAY_PAY_ROLES, __name__)
    if roles is None:
        return entries, errors + role_errors

    liability_postings, fee_postings = _postings_to(entries, roles.account(HOLIDAY_PAY_LIABILITY_ROLE), roles.account(FEE_LIABILITY_ROLE))
    generated: list[Directive] = []
    for date in sorted(by_date):
        facts: list[EmployeeLiability] = []
        seen: dict[str, Custom] = {}
        usable = True
        for directive in by_date[date]:
            fact = read_fact(directive)
            if isinstance(fact, str):
                errors.append(HolidayPayError(directive.meta, f"Semesterlöneskuld: {fact}", directive))
                usable = False
                continue
            key = fact.employee.casefold()
            if key in seen:
                first = seen[key].meta
                errors.append(
                    HolidayPayError(
                        directive.meta,
                        f"Semesterlöneskuld: {fact.employee} finns redan för {date} "
                        f"({first.get('filename')}:{first.get('lineno')})",
                        directive,
                    )
                )
                usable = False
                continue
            seen[key] = directive
            facts.append(fact)
        if not usable or not facts:
            continue
        rate = rates.require(settings.avgiftssats, date.year, by_date[date][0])
        if not isinstance(rate, Rate):
            errors.append(rate)
            continue
        booked = _book_date(facts, rate, roles, liability_postings, fee_postings)
        if booked is not None:
            generated.append(booked)
    errors.extend(_year_ends_without_facts(entries, by_date, liability_postings))
    if not generated:
        return entries, errors  # nothing booked: the same list, which the rules line need not place again
    return appended(entries, generated), errors


def _year_ends_without_facts(
    entries: list[Directive], by_date: dict[datetime.date, list[Custom]], liability_postings: list[tuple[datetime.date, Decimal]]
) -> list[HolidayPayError]:
    """Year-ends with employees (a liability on the books, or lines at an earlier date) but no lines."""
    year_ends, _ = year_end_directives(entries)
    errors = []
    for year, directive in sorted(year_ends.items()):
        date = directive.date
        if date in by_date:
            continue
        if _balance(liability_postings, date) or any(earlier < date for earlier in by_date):
            errors.append(HolidayPayError(
                directive.meta,
                f"Bokslut {year}: semesterlöneskuld saknas. Skriv en rad per anställd, "
                f'{date} custom "{FACT_TYPE}" "<namn>" med {DAYS_KEY} och {DAY_RATE_KEY} eller {LIABILITY_KEY} '
                f"({LIABILITY_KEY}: 0 om ingen semesterlöneskuld finns)",
                directive,
            ))
    return errors


__all__ = ["EmployeeLiability", "HolidayPayError", "HolidayPaySettings", "book_holiday_pay_liability", "read_fact"]
