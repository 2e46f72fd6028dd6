"""Accruals (periodisering): prepaid and accrued costs and income.

A cost or income that belongs to other months than the one it is booked in gets the
metadata ``period`` with the months it covers (see ``bergslaget_plugins.periods``)::

    2022-12-20 * "Fastighets AB Hushagen" "Hyra kv 1 2023"
      ver: "LF12"
      period: "2023-01/2023-03"
      Expenses:5010-Lokalhyra            16061 SEK
      Assets:1930-Företagskonto      -16061 SEK

The amount accrued is, per result account (Expenses or Income), the sum of the
verification's postings on that account: VAT and liability postings never count (the
amount is net of VAT). It is split in equal parts per month, rounded to whole kronor;
the last month takes the rest (16 061 → 5 354, 5 354, 5 353).

Prepaid (months after the booking month)
    On the booking day those months' amount moves from the result account to an account
    for prepaid costs (1710 for rent, else 1790) or prepaid income (2970); on each
    month's last day the month's part goes back to the result account. The example
    above gives 2022-12-20 Dr 1710 16 061 / Cr 5010 and 2023-01-31, 2023-02-28,
    2023-03-31 Dr 5010 / Cr 1710 with 5 354, 5 354, 5 353; the first and the last::

        2022-12-20 * "Fastighets AB Hushagen" "Periodisering, förutbetald kostnad för 2023-01–2023-03: Hyra kv 1 2023" ^periodisering-LF12-2022
          regel: "periodisering"
          ver_serie: "PE"
          Assets:1710-Förutbetalda-hyreskostnader   16061 SEK
            motpart: "Fastighets AB Hushagen"
          Expenses:5010-Lokalhyra                  -16061 SEK

        2023-03-31 * "Fastighets AB Hushagen" "Upplösning av förutbetald kostnad för 2023-03: Hyra kv 1 2023" ^periodisering-LF12-2022
          regel: "periodisering"
          ver_serie: "PE"
          Expenses:5010-Lokalhyra                   5353 SEK
          Assets:1710-Förutbetalda-hyreskostnader  -5353 SEK
            motpart: "Fastighets AB Hushagen"

Accrued (months in years before the booking year)
    At the end of each such year (31 December) what belongs to that year and earlier is
    booked as an accrued cost (Dr cost / Cr 2990) or accrued income (Dr 1790 / Cr
    income), and reversed on 1 January of the next year, when the invoice is booked::

        2022-01-20 * "Visit Dalarna" "Marknadsföring kv 4 2021"
          ver: "LF3"
          period: "2021-10/2021-12"
          notpost: "Skuld till Visit Dalarna kv 4"
          Expenses:6590-Övriga-externa-tjänster    25067 SEK
          Liabilities:2440-Leverantörsskulder          -25067 SEK

    gives 2021-12-31 Dr 6590 25 067 / Cr 2990 25 067 and its reversal on 2022-01-01::

        2021-12-31 * "Visit Dalarna" "Periodisering, upplupen kostnad 2021: Marknadsföring kv 4 2021" ^periodisering-LF3-2022
          regel: "periodisering"
          ver_serie: "PE"
          Expenses:6590-Övriga-externa-tjänster      25067 SEK
          Liabilities:2990-Övriga-upplupna-kostnader  -25067 SEK
            motpart: "Skuld till Visit Dalarna kv 4"

        2022-01-01 * "Visit Dalarna" "Återföring av upplupen kostnad 2021: Marknadsföring kv 4 2021" ^periodisering-LF3-2022
          regel: "periodisering"
          ver_serie: "PE"
          Expenses:6590-Övriga-externa-tjänster     -25067 SEK
          Liabilities:2990-Övriga-upplupna-kostnader   25067 SEK
            motpart: "Skuld till Visit Dalarna kv 4"

Months of the booking year up to the booking month stay where they are booked. A period
that lies entirely there (for example one within the booking month) has nothing to
accrue and is left without an error.

The postings on balance-sheet accounts carry the metadata ``motpart``, which becomes
the row of the annual report's note: the verification's ``notpost`` if given, else for
prepaid items the payee and for accrued items the setting ``upplupna_kostnader_notrad``
or ``upplupna_intakter_notrad``.

The generated verifications ask for series PE (``ver_serie``), carry ``regel:
"periodisering"`` and share a link ``^periodisering-<ver>-<year>`` with the
verification they come from.

K2: amounts under the K2 limit (``k2_grans``, 5 000 kr) need not be accrued. The limit
is compared with the item's whole amount (the sum of its result postings), not with one
month's part. The association chooses once, in ``main.beancount``, with ``sma_poster``:
``'periodisera'`` (small items are accrued too; the default) or ``'avstå'`` (items under
the limit are not accrued, as K2 allows). Both are correct bookkeeping and give no
messages; only a setting that cannot be read is an error::

    plugin "bergslaget_plugins.accruals" "{'sma_poster': 'periodisera'}"

The accounts are those with these roles in the chart (see ``bergslaget_plugins.roles``):
``förutbetalda-kostnader`` (1790), ``förutbetalda-hyreskostnader`` (1710, for the
account with the role ``lokalhyra``, 5010), ``förutbetalda-intäkter`` (2970),
``upplupna-kostnader`` (2990) and ``upplupna-intäkter`` (1790); they must be
balance-sheet accounts.

Settings (all have defaults)::

    plugin "bergslaget_plugins.accruals" "{
      'upplupna_kostnader_notrad': 'Upplupna kostnader',
      'upplupna_intakter_notrad': 'Upplupna intäkter',
      'max_avstand_manader': 12,
      'k2_grans': 5000,
      'sma_poster': 'periodisera',
    }"

Errors (at the verification's file and line; nothing is generated for it, everything
else is): a period that cannot be read, that ends before it begins, or that begins or
ends more than ``max_avstand_manader`` months from the booking day; a verification
without a posting on a result account or with result postings in another currency than
SEK; a prepaid item without a counterparty (neither ``notpost`` nor payee).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import account_types as account_types_lib
from beancount.core.data import Directive, Posting, Transaction
from beancount.parser import options

from bergslaget_plugins.chart import COUNTERPARTY_KEY
from bergslaget_plugins.entry_index import appended, replaced, transactions_with_key
from bergslaget_plugins.generated import (
    ACCRUAL_SERIES,
    RULE_KEY,
    VERIFICATION_KEY,
    generated_transaction,
    is_generated,
    link_name,
    posting,
    with_link,
)
from bergslaget_plugins.money import CURRENCY
from bergslaget_plugins.periods import PERIOD_KEY, Month, Period, PeriodError, allocate, parse_period
from bergslaget_plugins.plugin_settings import parse_config
from bergslaget_plugins.roles import AccountRoles, RoleError, plugin_source, roles_for_plugin

__plugins__ = ("periodise",)

ACCRUAL_RULE = "periodisering"
#: Source metadata: the item (post) of the annual report's note for the balance-sheet posting;
#: it becomes the posting's ``motpart`` (chart.COUNTERPARTY_KEY). Not the chart's ``notrad``.
NOTE_ITEM_KEY = "notpost"

SMALL_ITEM_CHOICES = ("periodisera", "avstå")
#: Cost accounts whose prepaid part has its own account, by role: rent goes to 1710.
PREPAID_ROLE_BY_COST_ROLE = {"lokalhyra": "förutbetalda-hyreskostnader"}
PREPAID_COST_ROLE = "förutbetalda-kostnader"
PREPAID_INCOME_ROLE = "förutbetalda-intäkter"
ACCRUED_COST_ROLE = "upplupna-kostnader"
ACCRUED_INCOME_ROLE = "upplupna-intäkter"

#: Builds one generated transaction: (date, narration, postings) → entry.
_MakeEntry = Callable[[datetime.date, str, list[Posting]], Transaction]


@dataclass(frozen=True)
class AccrualSettings:
    """The plugin's settings (the accounts are roles: :class:`AccrualAccounts`)."""

    upplupna_kostnader_notrad: str = "Upplupna kostnader"
    upplupna_intakter_notrad: str = "Upplupna intäkter"
    max_avstand_manader: int = 12
    k2_grans: int = 5000
    sma_poster: str = "periodisera"

    def __post_init__(self) -> None:
        if self.max_avstand_manader < 0:
            raise ValueError("max_avstand_manader: får inte vara negativt")
        if self.k2_grans < 0:
            raise ValueError("k2_grans: får inte vara negativ")
        if self.sma_poster not in SMALL_ITEM_CHOICES:
            raise ValueError(f"sma_poster: ska vara en av {', '.join(SMALL_ITEM_CHOICES)}, inte {self.sma_poster!r}")
        for name in ("upplupna_kostnader_notrad", "upplupna_intakter_notrad"):
            if not getattr(self, name).strip():
                raise ValueError(f"{name}: får inte vara tom")


class AccrualAccounts(NamedTuple):
    """The balance-sheet accounts of the rule, from the chart's roles."""

    #: Cost account → its own prepaid account (rent → 1710).
    prepaid_by_cost_account: dict[str, str]
    prepaid_cost: str
    prepaid_income: str
    accrued_cost: str
    accrued_income: str

    @classmethod
    def of(cls, roles: AccountRoles) -> AccrualAccounts:
        return cls(
            {
                cost: prepaid
                for cost_role, prepaid_role in PREPAID_ROLE_BY_COST_ROLE.items()
                if (cost := roles.get(cost_role)) is not None and (prepaid := roles.get(prepaid_role)) is not None
            },
            roles.account(PREPAID_COST_ROLE),
            roles.account(PREPAID_INCOME_ROLE),
            roles.account(ACCRUED_COST_ROLE),
            roles.account(ACCRUED_INCOME_ROLE),
        )


class AccrualError(NamedTuple):
    """A transaction with a ``period`` that cannot be periodised."""

    source: dict[str, Any]
    message: str
    entry: Directive


class _Line(NamedTuple):
    """One result account of the source: its amount split over the period's months."""

    account: str
    is_income: bool
    parts: dict[Month, Decimal]


def _kind(lines: Iterable[_Line], cost: str, income: str, both: str) -> str:
    kinds = {line.is_income for line in lines}
    if kinds == {False}:
        return cost
    if kinds == {True}:
        return income
    return both


def _link_for(source: Transaction) -> str:
    reference = source.meta.get(VERIFICATION_KEY)
    if not reference:
        stem = os.path.splitext(os.path.basename(str(source.meta.get("filename", ""))))[0]
        reference = link_name(link_name(stem) or "fil", "rad", source.meta.get("lineno"))
    return link_name(ACCRUAL_RULE, reference, source.date.year)


def _sources(entries: Sequence[Directive]) -> list[Transaction]:
    """The transactions to periodise: those with ``period``, except generated ones (found
    among the few with ``period``, ``entry_index.transactions_with_key``)."""
    return [entry for entry in transactions_with_key(entries, PERIOD_KEY) if not is_generated(entry)]


def _periodised_links(entries: Sequence[Directive]) -> set[str]:
    """The links of this rule's entries: their sources are periodised already (the plugin
    ran before on these entries)."""
    return {link for entry in transactions_with_key(entries, RULE_KEY) if entry.meta[RULE_KEY] == ACCRUAL_RULE
            for link in entry.links}


class _Plan(NamedTuple):
    """What one source gives: new entries and errors."""

    generated: list[Transaction]
    messages: list[AccrualError]


def _result_lines(
    source: Transaction, period: Period, types: account_types_lib.AccountTypes
) -> tuple[list[_Line], str | None]:
    """The source's result accounts with their amounts split by month, or a problem."""
    totals: dict[str, Decimal] = {}
    for source_posting in source.postings:
        if not account_types_lib.is_income_statement_account(source_posting.account, types):
            continue
        units = source_posting.units
        if units is None or not isinstance(units.number, Decimal):
            return [], f"konteringen på {source_posting.account} saknar belopp"
        if units.currency != CURRENCY:
            return [], f"konteringen på {source_posting.account} är i {units.currency}; bara {CURRENCY} periodiseras"
        totals[source_posting.account] = totals.get(source_posting.account, Decimal(0)) + units.number
    if not totals:
        return [], (
            f"verifikationen har period men ingen kontering på resultatkonto "
            f"({types.expenses} eller {types.income}) att periodisera"
        )
    months = period.months
    lines = [
        _Line(account, account_types_lib.get_account_type(account) == types.income, dict(zip(months, allocate(amount, len(months)))))
        for account, amount in totals.items()
        if amount != 0
    ]
    return lines, None


def _read_period(source: Transaction, settings: AccrualSettings) -> Period | str:
    """The source's ``period``, or why it cannot be used (unreadable, too far from the booking day)."""
    try:
        period = parse_period(source.meta[PERIOD_KEY])
    except PeriodError as error:
        return str(error)
    booking = Month.of(source.date)
    distance = max(abs(period.first.ordinal - booking.ordinal), abs(period.last.ordinal - booking.ordinal))
    if distance > settings.max_avstand_manader:
        return (
            f"period {period} ligger långt från bokföringsdagen {source.date} "
            f"({distance} månader, högst {settings.max_avstand_manader} enligt max_avstand_manader)"
        )
    return period


def _note_item(source: Transaction, prepaid: bool) -> tuple[str | None, str | None, str | None]:
    """(the ``notpost``, the prepaid items' counterparty, a problem): a prepaid item needs
    a counterparty for the note, its ``notpost`` or else its payee."""
    note_item = source.meta.get(NOTE_ITEM_KEY)
    if note_item is not None and (not isinstance(note_item, str) or not note_item.strip()):
        return None, None, f"{NOTE_ITEM_KEY} ska vara en text (raden i notens specifikation), inte {note_item!r}"
    counterparty = note_item or (source.payee or "").strip() or None
    if prepaid and counterparty is None:
        return None, None, (
            f"förutbetald post saknar motpart till noten: ange betalningsmottagare (payee) "
            f"eller {NOTE_ITEM_KEY} på verifikationen"
        )
    return note_item, counterparty, None


def _left_out_under_k2(lines: list[_Line], settings: AccrualSettings) -> bool:
    """True for an item under the K2 limit when the association chose not to accrue those."""
    total = abs(sum((sum(line.parts.values(), Decimal(0)) for line in lines), Decimal(0)))
    return total < Decimal(settings.k2_grans) and settings.sma_poster == "avstå"


def _entry_maker(source: Transaction, link: str) -> _MakeEntry:
    """Builds the generated entries of ``source``: its payee, the rule, series PE, the shared link."""
    def make(date: datetime.date, narration: str, postings: list[Posting]) -> Transaction:
        return generated_transaction(
            source,
            date,
            f"{narration}: {source.narration}" if source.narration else narration,
            postings,
            rule=ACCRUAL_RULE,
            series=ACCRUAL_SERIES,
            payee=source.payee,
            links=[link],
        )
    return make


def _plan(
    source: Transaction,
    settings: AccrualSettings,
    accounts: AccrualAccounts,
    types: account_types_lib.AccountTypes,
    link: str,
) -> _Plan:
    def fail(message: str) -> _Plan:
        return _Plan([], [AccrualError(source.meta, f"Periodisering: {message}", source)])

    period = _read_period(source, settings)
    if isinstance(period, str):
        return fail(period)
    lines, problem = _result_lines(source, period, types)
    if problem is not None:
        return fail(problem)

    booking = Month.of(source.date)
    prepaid_months = [month for month in period.months if month > booking]
    accrued_years = sorted({month.year for month in period.months if month.year < booking.year})
    if not lines or not (prepaid_months or accrued_years):
        # The whole period lies in the booking year up to the booking month: it stays
        # where it is booked. Not an error: ``period`` then only documents the months.
        return _Plan([], [])

    note_item, prepaid_counterparty, problem = _note_item(source, bool(prepaid_months))
    if problem is not None:
        return fail(problem)
    if _left_out_under_k2(lines, settings):
        return _Plan([], [])

    make = _entry_maker(source, link)
    generated: list[Transaction] = []
    if prepaid_months:
        generated.extend(_prepaid(lines, prepaid_months, prepaid_counterparty or "", accounts, source, make))
    for year in accrued_years:
        generated.extend(_accrued(lines, year, note_item, settings, accounts, make))
    return _Plan(generated, [])


def _prepaid_account(line: _Line, accounts: AccrualAccounts) -> str:
    if line.is_income:
        return accounts.prepaid_income
    return accounts.prepaid_by_cost_account.get(line.account, accounts.prepaid_cost)


def _prepaid(
    lines: list[_Line],
    months: list[Month],
    counterparty: str,
    accounts: AccrualAccounts,
    source: Transaction,
    make: _MakeEntry,
) -> list[Transaction]:
    """Move the later months to the balance sheet on the booking day; release them month by month."""
    motpart = {COUNTERPARTY_KEY: counterparty}
    kind = _kind(lines, "förutbetald kostnad", "förutbetald intäkt", "förutbetalda kostnader och intäkter")
    deferral: list[Posting] = []
    for line in lines:
        moved = sum((line.parts[month] for month in months), Decimal(0))
        if moved:
            deferral.append(posting(_prepaid_account(line, accounts), moved, motpart))
            deferral.append(posting(line.account, -moved))
    entries = []
    if deferral:
        span = Period(months[0], months[-1])
        entries.append(make(source.date, f"Periodisering, {kind} för {span}", deferral))
    for month in months:
        release: list[Posting] = []
        for line in lines:
            part = line.parts[month]
            if part:
                release.append(posting(line.account, part))
                release.append(posting(_prepaid_account(line, accounts), -part, motpart))
        if release:
            entries.append(make(month.last_day, f"Upplösning av {kind} för {month}", release))
    return entries


def _accrued(
    lines: list[_Line],
    year: int,
    note_row: str | None,
    settings: AccrualSettings,
    accounts: AccrualAccounts,
    make: _MakeEntry,
) -> list[Transaction]:
    """Book what belongs to ``year`` and earlier at the year's end; reverse it the next day.

    The amount is cumulative (every month up to the year's end) so that a liability
    that spans two year-ends stays on the balance sheet at both.
    """
    accrual: list[Posting] = []
    reversal: list[Posting] = []
    for line in lines:
        amount = sum((part for month, part in line.parts.items() if month.year <= year), Decimal(0))
        if not amount:
            continue
        if line.is_income:
            account, label = accounts.accrued_income, settings.upplupna_intakter_notrad
        else:
            account, label = accounts.accrued_cost, settings.upplupna_kostnader_notrad
        motpart = {COUNTERPARTY_KEY: note_row or label}
        accrual += [posting(line.account, amount), posting(account, -amount, motpart)]
        reversal += [posting(line.account, -amount), posting(account, amount, motpart)]
    if not accrual:
        return []
    kind = _kind(lines, "upplupen kostnad", "upplupen intäkt", "upplupna kostnader och intäkter")
    return [
        make(datetime.date(year, 12, 31), f"Periodisering, {kind} {year}", accrual),
        make(datetime.date(year + 1, 1, 1), f"Återföring av {kind} {year}", reversal),
    ]


def _account_errors(
    accounts: AccrualAccounts, types: account_types_lib.AccountTypes, source: dict[str, Any]
) -> list[RoleError]:
    """Roles given to an account on the wrong side (result account vs balance account)."""
    problems = []
    balance = [accounts.prepaid_cost, accounts.prepaid_income, accounts.accrued_cost, accounts.accrued_income]
    for cost_account, prepaid_account in accounts.prepaid_by_cost_account.items():
        if account_types_lib.get_account_type(cost_account) != types.expenses:
            problems.append(f"{cost_account} (roll lokalhyra) är inget kostnadskonto")
        balance.append(prepaid_account)
    for account in balance:
        if not account_types_lib.is_balance_sheet_account(account, types):
            problems.append(f"{account} är inget balanskonto men har en roll för periodiseringens balansposter")
    return [RoleError(source, f"{__name__}: {problem}", None) for problem in problems]


def periodise(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    """Periodise every transaction with ``period`` metadata (see the module docstring)."""
    settings, errors = parse_config(config, AccrualSettings, __name__)
    if settings is None:
        return entries, list(errors)
    types = options.get_account_types(options_map)
    sources = _sources(entries)
    if not sources:
        return entries, []
    needed = (PREPAID_COST_ROLE, PREPAID_INCOME_ROLE, ACCRUED_COST_ROLE, ACCRUED_INCOME_ROLE)
    roles, role_errors = roles_for_plugin(entries, options_map, needed, __name__)
    if roles is None:
        return entries, list(role_errors)
    accounts = AccrualAccounts.of(roles)
    account_errors = _account_errors(accounts, types, plugin_source(options_map, __name__))
    if account_errors:
        return entries, list(account_errors)

    done = _periodised_links(entries)
    all_errors: list[Any] = []
    # Sources get their link in their place; the generated entries come last (Beancount sorts them in).
    linked: list[tuple[Directive, Directive]] = []
    generated: list[Directive] = []
    for source in sources:
        link = _link_for(source)
        if link in done:
            continue
        plan = _plan(source, settings, accounts, types, link)
        all_errors.extend(plan.messages)
        if plan.generated:
            linked.append((source, with_link(source, link)))
            generated.extend(plan.generated)
    if not generated:
        return entries, all_errors  # nothing booked: the same list, which the rules line need not place again
    return appended(replaced(entries, linked), generated), all_errors


__all__ = ["AccrualAccounts", "AccrualError", "AccrualSettings", "periodise"]
