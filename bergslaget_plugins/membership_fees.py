"""Book the membership fee invoices computed by the association's fee rule.

For every fee year from the first ``avgiftsregel`` up to the last year of the books,
this plugin books one invoice per member on the rule's invoice date: the member's
receivable (Kundfordringar) against Medlemsavgifter, with an invoice number, an OCR
reference (Bankgirot's modulus 10 with length digit) and the basis of the fee as
metadata. The register, the rule and the arithmetic are described in ``fees.py``. With
the register example there in the books, and the books past the invoice date (see
below)::

    plugin "bergslaget_plugins.membership_fees"

    2022-03-01 * "Fastighets AB Hushagen" "Hyra mars"
      ver: "A1"
      Expenses:5010-Lokalhyra      8000 SEK
      Assets:1930-Företagskonto   -8000 SEK

gives::

    2022-02-15 * "Storfors kommun" "Medlemsavgift 2022" ^faktura-2022101
      regel: "medlemsavgift"
      ver_serie: "MA"
      faktura: "2022101"
      ocr: "202210191"
      medlem: "Storfors kommun"
      avgiftsar: 2022
      forfallodatum: 2022-03-17
      folkmangd: 3948
      folkmangd_datum: 2021-12-31
      fast_del: 10215
      rorlig_del: 5053.44
      underlag: "fast del 10 215,00 + rörlig del 5 053,44 (folkmängd 3 948) = 15 268,00 kr"
      Assets:1510-Kundfordringar   15268 SEK
        motpart: "Storfors kommun"
      Income:3994-Medlemsavgifter   -15268 SEK

A fee year is invoiced once the books reach its invoice date: when a confirmed
transaction (flag ``*``, not made by a rule) is dated on or after it. Until then nothing
is booked for that year and nothing it needs (population figures, KPI) is required, so
the first entries of January never fail the books; ``bergslaget check --year`` lists
what the year still lacks. A pending entry (flag ``!``, for example the prepared
disposition of last year's result) does not count.

The invoice points to the member's line in the register (filename, lineno) and to the
population figures it used (``folkmangd_kalla``). An invoice already in the books for
the same member and year (metadata ``medlem`` and ``avgiftsar``, for example booked by
hand) is not booked again; if its amount differs from the rule's, that is an error.
Problems in the register are errors at their directive; the member concerned gets no
invoice and all others are booked.

The accounts are those of the roles ``kundfordringar`` and ``medlemsavgifter`` in the
chart (``bergslaget_plugins.roles``). Settings (optional)::

    plugin "bergslaget_plugins.membership_fees" "{'serie': 'MA'}"
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import flags
from beancount.core.data import Directive, Transaction

from bergslaget_plugins.entry_index import appended, transactions_with_key
from bergslaget_plugins.fees import FeeError, MemberFee, Register, compute_fees, invoice_date_of, read_register
from bergslaget_plugins.generated import MEMBERSHIP_FEE_SERIES, generated_transaction, is_generated, posting
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.plugin_settings import ConfigError, parse_config
from bergslaget_plugins.receivables import invoice_link
from bergslaget_plugins.roles import AccountRoles, RoleError, roles_for_plugin

__plugins__ = ("book_membership_fees",)

MEMBERSHIP_FEE_RULE = "medlemsavgift"
MEMBER_KEY = "medlem"
FEE_YEAR_KEY = "avgiftsar"
RECEIVABLE_ROLE = "kundfordringar"
INCOME_ROLE = "medlemsavgifter"


@dataclass(frozen=True)
class FeeSettings:
    serie: str = MEMBERSHIP_FEE_SERIES


class FeeConflictError(NamedTuple):
    """An invoice in the books whose amount differs from what the fee rule gives."""

    source: dict[str, Any]
    message: str
    entry: Directive


def booked_fee_invoices(entries: Sequence[Directive]) -> dict[tuple[str, int], Transaction]:
    """Fee invoices in the books, by (member, fee year): the first transaction with ``medlem``
    and ``avgiftsar`` for each (found among the few with ``medlem``, ``entry_index.transactions_with_key``)."""
    booked: dict[tuple[str, int], Transaction] = {}
    for entry in transactions_with_key(entries, MEMBER_KEY):
        member, year = entry.meta.get(MEMBER_KEY), entry.meta.get(FEE_YEAR_KEY)
        if isinstance(member, str) and isinstance(year, (int, Decimal)) and not isinstance(year, bool):
            booked.setdefault((member, int(year)), entry)
    return booked


def _invoice_amount(entry: Transaction, income_account: str) -> Decimal:
    return -sum((p.units.number for p in entry.postings
                 if p.account == income_account and p.units is not None and p.units.number is not None), Decimal(0))


def _place(meta: dict[str, Any]) -> str:
    return f"{meta.get('filename')}:{meta.get('lineno')}"


def books_reach(entries: list[Directive]) -> datetime.date | None:
    """The date of the latest confirmed transaction written by the accountant (or imported).

    ``entries`` are in date order, as Beancount gives them to plugins: the search starts
    from the end.
    """
    for entry in reversed(entries):
        if isinstance(entry, Transaction) and entry.flag != flags.FLAG_WARNING and not is_generated(entry):
            return entry.date
    return None


def due_fee_years(register: Register, reach: datetime.date) -> list[int]:
    """The fee years whose invoice date the books have reached, from the first rule's year."""
    if not register.rules:
        return []
    years = []
    for year in range(register.rules[0].year, reach.year + 1):
        invoice_date = invoice_date_of(register, year)
        if invoice_date is not None and invoice_date <= reach:
            years.append(year)
    return years


def fee_invoice(fee: MemberFee, settings: FeeSettings, roles: AccountRoles) -> Transaction:
    """The invoice transaction for one member's fee."""
    member = fee.member
    meta: dict[str, Any] = {
        "faktura": fee.invoice_number,
        "ocr": fee.ocr,
        MEMBER_KEY: member.name,
        FEE_YEAR_KEY: Decimal(fee.year),
        "forfallodatum": fee.due_date,
        "folkmangd": Decimal(fee.population),
        "folkmangd_datum": fee.population_date,
        "fast_del": fee.fixed_part,
        "rorlig_del": fee.variable_part,
        "underlag": fee.basis_text(),
        "folkmangd_kalla": ", ".join(_place(dict(source)) for source in fee.population_sources),
    }
    if fee.caps_applied:
        meta["tak"] = ", ".join(fee.caps_applied)
    if fee.municipalities:
        meta["kommuner"] = ", ".join(fee.municipalities)
    return generated_transaction(
        member.meta,
        fee.invoice_date,
        f"Medlemsavgift {fee.year}",
        [
            posting(roles.account(RECEIVABLE_ROLE), fee.fee, {"motpart": member.name}),
            posting(roles.account(INCOME_ROLE), -fee.fee),
        ],
        rule=MEMBERSHIP_FEE_RULE,
        series=settings.serie,
        payee=member.name,
        links=[invoice_link(fee.invoice_number)],
        meta=meta,
    )


def book_membership_fees(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    """Add one invoice per member and fee year; see the module documentation."""
    settings, config_errors = parse_config(config, FeeSettings, __name__)
    if settings is None:
        return entries, list(config_errors)
    register, errors = read_register(entries)
    errors_out: list[FeeError | FeeConflictError | ConfigError | RoleError] = list(errors)
    if not register.rules:
        return entries, errors_out
    roles, role_errors = roles_for_plugin(entries, options_map, (RECEIVABLE_ROLE, INCOME_ROLE), __name__)
    if roles is None:
        return entries, errors_out + role_errors
    reach = books_reach(entries)
    if reach is None:
        return entries, errors_out
    booked = booked_fee_invoices(entries)
    new_entries: list[Directive] = []
    for year in due_fee_years(register, reach):
        _, fees, fee_errors = compute_fees(register, year)
        errors_out.extend(fee_errors)
        for fee in fees:
            existing = booked.get((fee.member.name, year))
            if existing is None:
                new_entries.append(fee_invoice(fee, settings, roles))
                continue
            amount = _invoice_amount(existing, roles.account(INCOME_ROLE))
            if amount != fee.fee:
                errors_out.append(FeeConflictError(
                    existing.meta,
                    f"Medlemsavgiften {year} för {fee.member.name} är bokförd med {format_swedish(amount)} kr "
                    f"men avgiftsregeln ger {format_swedish(fee.fee)} kr ({fee.basis_text()})",
                    existing,
                ))
    if not new_entries:
        return entries, errors_out  # nothing booked: the same list, which the rules line need not place again
    return appended(entries, new_entries), errors_out
