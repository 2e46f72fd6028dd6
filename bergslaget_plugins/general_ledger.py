"""The general ledger (huvudbok) and the trial balance (råbalans) of a financial year.

Per account: its opening balance (IB), each posting of the year with date,
verification, text, amount and running balance, and its closing balance (UB)::

    bergslaget ledger --year 2022 --account 1930 --format csv

    konto,datum,ver,text,belopp,saldo
    1930,2022-01-01,IB,Ingående balans,,1216494.00
    1930,2022-01-10,A1,Borlänge kommun: Lokalhyra december 2021,-1563.00,1214931.00
    ...
    1930,2022-12-31,UB,Utgående balans,,958543.00

The opening balances are Beancount's own (``summarize.transfer_balances`` and
``balance_by_account``, the clamp that Fava and bean-query use): the result accounts
of earlier years are carried to the options' ``account_previous_earnings``, balance
accounts bring their balances. Result accounts open every year at zero.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core import account_types as account_types_lib
from beancount.core.data import Directive, Open, Transaction
from beancount.ops import summarize
from beancount.parser import options as options_lib

from bergslaget_plugins.chart import NAME_KEY
from bergslaget_plugins.csv_safety import csv_text
from bergslaget_plugins.journal import account_number_or_name, verification_of
from bergslaget_plugins.money import CURRENCY, format_csv_amount, format_swedish
from bergslaget_plugins.statements import ReportError
from bergslaget_plugins.verification_numbers import is_verification


@dataclass(frozen=True)
class LedgerRow:
    """One posting on the account: its verification, text, amount and the balance after it."""

    date: datetime.date
    ver: str
    text: str
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class AccountLedger:
    """One account of the general ledger."""

    account: str
    bas: str
    name: str
    opening: Decimal
    rows: tuple[LedgerRow, ...]

    @property
    def closing(self) -> Decimal:
        return self.rows[-1].balance if self.rows else self.opening

    @property
    def debit(self) -> Decimal:
        return sum((row.amount for row in self.rows if row.amount > 0), Decimal(0))

    @property
    def credit(self) -> Decimal:
        return -sum((row.amount for row in self.rows if row.amount < 0), Decimal(0))


@dataclass(frozen=True)
class GeneralLedger:
    """The accounts of one year that have an opening balance or postings, by BAS number."""

    year: int
    begin: datetime.date
    end: datetime.date
    accounts: tuple[AccountLedger, ...]

    def account(self, bas: str) -> AccountLedger | None:
        return next((ledger for ledger in self.accounts if ledger.bas == bas), None)


def opening_balances(entries: Sequence[Directive], options: dict[str, Any], begin: datetime.date) -> dict[str, Decimal]:
    """Each account's balance in SEK at the start of ``begin``, Beancount's clamp semantics."""
    types = options_lib.get_account_types(options)
    previous_earnings, _, _ = options_lib.get_previous_accounts(options)
    transferred = summarize.transfer_balances(
        list(entries), begin, lambda account: account_types_lib.is_income_statement_account(account, types),
        previous_earnings)
    balances, _ = summarize.balance_by_account(transferred, begin)
    return {account: inventory.get_currency_units(CURRENCY).number for account, inventory in balances.items()}


def account_names(entries: Sequence[Directive]) -> dict[str, str]:
    """The Swedish name (``namn``) on each account's ``open`` directive."""
    return {entry.account: str((entry.meta or {}).get(NAME_KEY, "")) for entry in entries if isinstance(entry, Open)}


def build_general_ledger(
    entries: Sequence[Directive], options: dict[str, Any], year: int, account: str | None = None
) -> GeneralLedger:
    """The general ledger of ``year``; only the account with BAS number ``account`` if given."""
    begin, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    opening = opening_balances(entries, options, begin)
    rows: dict[str, list[tuple[datetime.date, str, str, Decimal]]] = {}
    for entry in entries:
        if not (isinstance(entry, Transaction) and begin <= entry.date <= end and is_verification(entry)):
            continue
        verification = verification_of(entry)
        for leg in verification.postings:
            if leg.currency == CURRENCY:
                rows.setdefault(leg.account, []).append((entry.date, verification.ver, verification.text, leg.amount))
    names = account_names(entries)
    ledgers = []
    for name in sorted(set(rows) | {name for name, balance in opening.items() if balance != 0},
                       key=lambda name: (account_number_or_name(name), name)):
        if account is not None and account_number_or_name(name) != account:
            continue
        balance = opening.get(name, Decimal(0))
        ledger_rows = []
        for day, ver, text, amount in rows.get(name, []):  # entries are in date order
            balance += amount
            ledger_rows.append(LedgerRow(day, ver, text, amount, balance))
        ledgers.append(AccountLedger(name, account_number_or_name(name), names.get(name, ""), opening.get(name, Decimal(0)),
                                     tuple(ledger_rows)))
    if account is not None and not ledgers:
        raise ReportError([f"Konto {account} har varken ingående balans eller transaktioner {year}"])
    return GeneralLedger(year, begin, end, tuple(ledgers))


def ledger_as_csv(ledger: GeneralLedger) -> str:
    """``konto,datum,ver,text,belopp,saldo``: per account an IB row, the postings, a UB row."""
    rows: list[list[object]] = []
    for account in ledger.accounts:
        rows.append([account.bas, ledger.begin.isoformat(), "IB", "Ingående balans", "", format_csv_amount(account.opening)])
        rows.extend([account.bas, row.date.isoformat(), row.ver, row.text, format_csv_amount(row.amount),
                     format_csv_amount(row.balance)] for row in account.rows)
        rows.append([account.bas, ledger.end.isoformat(), "UB", "Utgående balans", "", format_csv_amount(account.closing)])
    return csv_text(["konto", "datum", "ver", "text", "belopp", "saldo"], rows)


def ledger_as_text(ledger: GeneralLedger) -> str:
    lines = [f"Huvudbok {ledger.begin}–{ledger.end}", ""]
    for account in ledger.accounts:
        lines.append(f"{account.bas} {account.name}")
        lines.append(f"  {ledger.begin}  {'IB':<6} {'Ingående balans':<50} {'':>15} {format_swedish(account.opening):>15}")
        for row in account.rows:
            lines.append(f"  {row.date}  {row.ver:<6} {row.text[:50]:<50} {format_swedish(row.amount):>15} "
                         f"{format_swedish(row.balance):>15}")
        lines.append(f"  {ledger.end}  {'UB':<6} {'Utgående balans':<50} {'':>15} {format_swedish(account.closing):>15}")
        lines.append("")
    return "\n".join(lines)


def trial_balance_as_text(ledger: GeneralLedger) -> str:
    """Råbalans: per account IB, the year's debit and credit, UB; and the sums."""
    header = f"{'Konto':<6} {'Benämning':<40} {'IB':>15} {'Debet':>15} {'Kredit':>15} {'UB':>15}"
    lines = [f"Råbalans {ledger.begin}–{ledger.end}", "", header]
    for account in ledger.accounts:
        lines.append(f"{account.bas:<6} {account.name[:40]:<40} {format_swedish(account.opening):>15} "
                     f"{format_swedish(account.debit):>15} {format_swedish(account.credit):>15} "
                     f"{format_swedish(account.closing):>15}")
    sums = [sum((getattr(account, field) for account in ledger.accounts), Decimal(0))
            for field in ("opening", "debit", "credit", "closing")]
    lines.append(f"{'Summa':<47} " + " ".join(f"{format_swedish(value):>15}" for value in sums))
    return "\n".join(lines) + "\n"


__all__ = [
    "AccountLedger",
    "GeneralLedger",
    "LedgerRow",
    "account_names",
    "build_general_ledger",
    "ledger_as_csv",
    "ledger_as_text",
    "opening_balances",
    "trial_balance_as_text",
]
