"""The postings that name their counterparty (``motpart``), the postings on accounts that
need one but name none, and each counterparty's uses and balances: read in one pass over
the postings, for the two checks that read them, the chart of accounts
(``chart_of_accounts``: a posting without its counterparty) and the counterparties
(``counterparties``: two spellings, a balance of the wrong sign).

    >>> from beancount import loader
    >>> entries, _, _ = loader.load_string('''
    ... 2022-01-01 open Assets:1930-Företagskonto SEK
    ... 2022-01-01 open Liabilities:2440-Leverantörsskulder SEK
    ... 2022-03-01 * "Staples" "Faktura"
    ...   Liabilities:2440-Leverantörsskulder  -100 SEK
    ...     motpart: "Staples Sverige AB"
    ...   Assets:1930-Företagskonto  100 SEK
    ... 2022-03-02 * "Staples" "Betalning"
    ...   Liabilities:2440-Leverantörsskulder  100 SEK
    ...   Assets:1930-Företagskonto  -100 SEK
    ... ''')
    >>> found = counterparty_postings(entries, frozenset({"Liabilities:2440-Leverantörsskulder"}))
    >>> [(entry.narration, name) for entry, name in zip(found.named.transactions, found.named.names)]
    [('Faktura', 'Staples Sverige AB')]
    >>> [(entry.narration, posting.account) for entry, posting in found.unnamed]
    [('Betalning', 'Liabilities:2440-Leverantörsskulder')]
    >>> found.tally.uses
    {('Liabilities:2440-Leverantörsskulder', 'Staples Sverige AB'): 1}

Within the rules line (:func:`~bergslaget_plugins.entry_index.shared_entry_indexes`) the
pass is made once per list of transactions: the second check finds what the first read,
unless a rule between them added or replaced a transaction. So the pass reads all that
either check needs of a posting while it has the posting at hand: in books of a hundred
thousand transactions, reading the postings a second time costs about as much as the
first (the time goes to fetching each posting's objects from memory, not to the checks).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import NamedTuple

from beancount.core.data import Directive, Posting, Transaction

from bergslaget_plugins.chart import COUNTERPARTY_KEY
from bergslaget_plugins.entry_index import derived_from_transactions

__all__ = ["NORMAL_SIGN", "CounterpartyPostings", "NamedPostings", "Tally", "WrongSign", "counterparty_postings",
           "signs_of"]

_ZERO = Decimal(0)

#: The sign a counterparty's balance has on a note account of each root (+1 debit, -1 credit).
NORMAL_SIGN = {"Assets": 1, "Liabilities": -1}

#: A counterparty on an account: the account and the name as written.
Key = tuple[str, str]


class NamedPostings(NamedTuple):
    """Each posting, on any account, whose ``motpart`` is a text that is not blank: three
    lists in step, one place per posting."""

    #: The posting's transaction.
    transactions: list[Transaction]
    postings: list[Posting]
    #: The posting's ``motpart``.
    names: list[str]


class WrongSign(NamedTuple):
    """A counterparty's balance of the wrong sign on a note account at a year end."""

    year_end: datetime.date
    counterparty: Key
    balance: Decimal
    #: Where the counterparty's last posting before the year end stands in the named postings.
    last: int


class Tally(NamedTuple):
    """How the named postings use each counterparty, and the balances of the wrong sign."""

    #: How many postings use each spelling on each account, in the order they first occur.
    uses: dict[Key, int]
    #: At each year end from the first to the last year with a posting on a note account
    #: with a sign (:func:`signs_of`) that has a number, the balances of the wrong sign there,
    #: by year and then in the order the counterparties first got an amount; None if those
    #: postings are not in date order.
    wrong_signs: list[WrongSign] | None


class CounterpartyPostings(NamedTuple):
    """The postings of some transactions, read by their counterparty; each list in the
    transactions' order, and within a transaction in the postings' order."""

    named: NamedPostings
    #: Each other posting on one of the accounts that need a counterparty, with its transaction.
    unnamed: list[tuple[Transaction, Posting]]
    tally: Tally


def signs_of(needing: Iterable[str]) -> dict[str, int]:
    """The accounts of ``needing`` whose counterparties' balances have a sign (Assets and
    Liabilities), with that sign."""
    roots = {account: account.split(":")[0] for account in needing}
    return {account: NORMAL_SIGN[root] for account, root in roots.items() if root in NORMAL_SIGN}


def counterparty_postings(entries: Sequence[Directive], needing: frozenset[str]) -> CounterpartyPostings:
    """The postings of ``entries`` that name a counterparty, those on the ``needing``
    accounts that do not, and the tally of the named ones (balances summed on the
    ``needing`` accounts with a sign)."""
    return derived_from_transactions(entries, (__name__, needing), lambda transactions: _read(transactions, needing))


class _Counterparty:
    """What the pass knows of one counterparty on one account."""

    __slots__ = ("balance", "last", "signed", "uses")

    def __init__(self, signed: bool) -> None:
        self.uses = 0
        #: Whether its account is a note account with a sign (its balance is summed).
        self.signed = signed
        #: On a note account with a sign: the balance so far, and the place of the last posting.
        self.balance = _ZERO
        self.last = -1


def _read(transactions: Sequence[Transaction], needing: frozenset[str]) -> CounterpartyPostings:
    """One pass over the postings: sort each out, and count and sum each named one."""
    signs = signs_of(needing)
    named = NamedPostings([], [], [])
    unnamed: list[tuple[Transaction, Posting]] = []
    counterparties: dict[str, dict[str, _Counterparty]] = {}  # by account, then by name: quicker than by (account, name)
    in_order_of_use: list[tuple[Key, _Counterparty]] = []  # in the order they first occur
    with_balance: list[tuple[Key, _Counterparty]] = []  # in the order of their first amount
    wrong_signs: list[WrongSign] = []
    in_date_order, place, year_end, previous = True, -1, datetime.date.min, datetime.date.min
    # Bound once: the loop visits every posting of the books.
    add_transaction, add_posting, add_name = named.transactions.append, named.postings.append, named.names.append
    leave_unnamed, key, on_account = unnamed.append, COUNTERPARTY_KEY, counterparties.get
    for entry in transactions:
        for posting in entry.postings:
            # 1. The posting's counterparty, if it names one.
            try:
                name = posting.meta.get(key)  # type: ignore[union-attr]  # None: the except below
            except AttributeError:  # a generated posting without metadata (quicker than asking each posting)
                if posting.meta is not None:
                    raise
                name = None
            if name is None or not (isinstance(name, str) and name.strip()):  # most postings: no name to check
                if posting.account in needing:
                    leave_unnamed((entry, posting))
                continue
            add_transaction(entry)
            add_posting(posting)
            add_name(name)
            place += 1
            # 2. Count its use of the spelling.
            account = posting.account
            by_name = on_account(account)
            if by_name is None:
                by_name = counterparties[account] = {}
            counterparty = by_name.get(name)
            if counterparty is None:  # whether its account has a sign is looked up once per counterparty
                counterparty = by_name[name] = _Counterparty(account in signs)
                in_order_of_use.append(((account, name), counterparty))
            counterparty.uses += 1
            # 3. On a note account with a sign, add its amount, closing the years before it.
            if not counterparty.signed:
                continue
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            date = entry.date
            if date > year_end:
                year_end = _close_years_before(date, year_end, with_balance, signs, wrong_signs)
            elif date < previous:  # (a date after the year end is after every earlier date)
                in_date_order = False
            previous = date
            if counterparty.last < 0:
                with_balance.append(((account, name), counterparty))
            counterparty.balance += units.number
            counterparty.last = place
    if with_balance:
        wrong_signs.extend(_wrong_signs(year_end, with_balance, signs))
    uses = {account_and_name: counterparty.uses for account_and_name, counterparty in in_order_of_use}
    return CounterpartyPostings(named, unnamed, Tally(uses, wrong_signs if in_date_order else None))


def _close_years_before(date: datetime.date, year_end: datetime.date, with_balance: Sequence[tuple[Key, _Counterparty]],
                        signs: Mapping[str, int], wrong_signs: list[WrongSign]) -> datetime.date:
    """The end of ``date``'s year, after adding to ``wrong_signs`` those at ``year_end`` and
    at each year end after it before ``date`` (years without postings too)."""
    if not with_balance:  # the first posting with an amount: its year is the first
        return datetime.date(date.year, 12, 31)
    while date > year_end:
        wrong_signs.extend(_wrong_signs(year_end, with_balance, signs))
        year_end = datetime.date(year_end.year + 1, 12, 31)
    return year_end


def _wrong_signs(year_end: datetime.date, with_balance: Sequence[tuple[Key, _Counterparty]],
                 signs: Mapping[str, int]) -> list[WrongSign]:
    return [WrongSign(year_end, key, counterparty.balance, counterparty.last) for key, counterparty in with_balance
            if counterparty.balance * signs[key[0]] < 0]
