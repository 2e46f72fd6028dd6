"""Counterparties (``motpart``) spelled two ways, and counterparties whose balance on a
note account has the wrong sign: each a bean-check error at the posting.

The notes to the balance sheet are specified per counterparty, so one invoice written
``"SPP Pension och försäkring"`` instead of ``"SPP Pension och Försäkring"`` gives the
note a phantom supplier and a supplier with a negative debt, and the note still sums::

    plugin "bergslaget_plugins.counterparties"

    2022-03-20 * "SPP" "Betalning"
      Assets:1930-Företagskonto  -100 SEK
      Liabilities:2440-Leverantörsskulder  100 SEK
        motpart: "SPP Pension och försäkring"

    main.beancount:5: Motparten 'SPP Pension och försäkring' på Liabilities:2440-Leverantörsskulder
    skrivs också 'SPP Pension och Försäkring' (3 konteringar); skriv den som de andra

Spellings that differ only in case or spacing on the same account are one counterparty
written two ways; the suggestion is the spelling most postings use. And at each year
end, a counterparty whose balance on a note account (Assets or Liabilities specified per
counterparty) has the wrong sign (a debt that is a claim, a claim that is a debt) is an
error at its last posting before the year end.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.data import Directive, Posting, Transaction

from bergslaget_plugins.chart import read_chart
from bergslaget_plugins.counterparty_postings import counterparty_postings
from bergslaget_plugins.money import format_swedish

__plugins__ = ("check_counterparties",)

_ZERO = Decimal(0)

#: The sign a counterparty's balance has on a note account of each root (+1 debit, -1 credit).
NORMAL_SIGN = {"Assets": 1, "Liabilities": -1}


class CounterpartyError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def same_counterparty(name: str) -> str:
    """The form in which two spellings of one counterparty are equal (case and spacing ignored)."""
    return " ".join(name.casefold().split())


#: A posting that names its counterparty: its transaction, the posting and the name.
NamedPosting = tuple[Transaction, Posting, str]
#: A counterparty on an account: the account and the name as written.
Key = tuple[str, str]


class WrongSign(NamedTuple):
    """A counterparty's balance of the wrong sign on a note account at a year end."""

    year_end: datetime.date
    counterparty: Key
    balance: Decimal
    #: Where the counterparty's last posting before the year end stands in the postings.
    last: int


class Tally(NamedTuple):
    """What the checks need of the postings that name a counterparty, read in one pass."""

    #: How many postings use each spelling on each account, in the order they first occur.
    uses: dict[Key, int]
    #: The balances of the wrong sign at each year end, by year and then in the order the
    #: counterparties first occur; None if the postings are not in date order.
    wrong_signs: list[WrongSign] | None


class _Counterparty:
    """What the tally knows of one counterparty on one account."""

    __slots__ = ("balance", "last", "signed", "uses")

    def __init__(self, signed: bool) -> None:
        self.uses = 0
        #: Whether its account is a note account with a sign (its balance is summed).
        self.signed = signed
        #: On a note account with a sign: the balance so far, and the place of the last posting.
        self.balance = _ZERO
        self.last = -1


def tally(postings: Sequence[NamedPosting], signs: Mapping[str, int]) -> Tally:
    """Count the spellings, and sum each counterparty's balance on the note accounts with a
    sign (``signs``: +1 debit, -1 credit) to each year end, from the first to the last year
    with such a posting; one pass over the postings."""
    counterparties: dict[Key, _Counterparty] = {}
    with_balance: list[tuple[Key, _Counterparty]] = []  # in the order of their first amount
    wrong_signs: list[WrongSign] = []
    in_date_order = True
    year_end = previous = datetime.date.min
    for place, (entry, posting, name) in enumerate(postings):
        key = (posting.account, name)
        counterparty = counterparties.get(key)
        if counterparty is None:  # whether its account has a sign is looked up once per counterparty
            counterparty = counterparties[key] = _Counterparty(posting.account in signs)
        counterparty.uses += 1
        if not counterparty.signed:
            continue
        units = posting.units
        if units is None or not isinstance(units.number, Decimal):
            continue
        date = entry.date
        if not with_balance:  # the first such posting: its year is the first
            year_end = datetime.date(date.year, 12, 31)
        while date > year_end:  # close the year, and each year without postings after it
            wrong_signs.extend(_wrong_signs(year_end, with_balance, signs))
            year_end = datetime.date(year_end.year + 1, 12, 31)
        if date < previous:
            in_date_order = False
        previous = date
        if counterparty.last < 0:
            with_balance.append((key, counterparty))
        counterparty.balance += units.number
        counterparty.last = place
    if with_balance:
        wrong_signs.extend(_wrong_signs(year_end, with_balance, signs))
    uses = {key: counterparty.uses for key, counterparty in counterparties.items()}
    return Tally(uses, wrong_signs if in_date_order else None)


def _wrong_signs(year_end: datetime.date, with_balance: Sequence[tuple[Key, _Counterparty]],
                 signs: Mapping[str, int]) -> list[WrongSign]:
    return [WrongSign(year_end, key, counterparty.balance, counterparty.last) for key, counterparty in with_balance
            if counterparty.balance * signs[key[0]] < 0]


def spelled_two_ways(postings: Sequence[NamedPosting], uses: Mapping[Key, int]) -> list[CounterpartyError]:
    """An error for each posting whose counterparty another posting on its account spells otherwise."""
    ambiguous = {group: counts for group, counts in _spellings(uses).items() if len(counts) > 1}
    if not ambiguous:
        return []
    errors = []
    same: dict[str, str] = {}  # each spelling's normal form, computed once per spelling
    for entry, posting, name in postings:
        if name not in same:
            same[name] = same_counterparty(name)
        counts = ambiguous.get((posting.account, same[name]))
        if counts is None:
            continue
        preferred, count = counts.most_common(1)[0]
        if name != preferred:
            errors.append(CounterpartyError(
                posting.meta or entry.meta,
                f"Motparten {name!r} på {posting.account} skrivs också {preferred!r} ({count} konteringar); "
                f"skriv den som de andra", entry))
    return errors


def _spellings(uses: Mapping[Key, int]) -> dict[Key, Counter[str]]:
    """For each account and counterparty (:func:`same_counterparty`), the uses of each spelling."""
    spellings: dict[Key, Counter[str]] = defaultdict(Counter)
    for (account, name), count in uses.items():
        spellings[(account, same_counterparty(name))][name] = count
    return spellings


def wrong_sign_balances(postings: Sequence[NamedPosting], wrong_signs: Sequence[WrongSign]) -> list[CounterpartyError]:
    """An error for each balance of the wrong sign, at the counterparty's last posting before
    the year end (once for each such posting)."""
    errors: list[CounterpartyError] = []
    reported: set[tuple[str, str, Any]] = set()
    for year_end, (account, name), amount, last in wrong_signs:
        entry, posting, _ = postings[last]
        place = (account, name, (posting.meta or {}).get("lineno"))
        if place in reported:
            continue
        reported.add(place)
        kind = "skuld" if NORMAL_SIGN[account.split(":")[0]] < 0 else "fordran"
        errors.append(CounterpartyError(
            posting.meta or entry.meta,
            f"Motparten {name!r} har saldo {format_swedish(amount)} på {account} per {year_end}: fel tecken för en "
            f"{kind} (stavning av motparten? betalning på fel motpart?)", entry))
    return errors


def check_counterparties(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[CounterpartyError]]:
    """The entries unchanged, with errors for counterparties spelled two ways and wrong-sign balances."""
    chart, _ = read_chart(entries, options_map)
    note_accounts = chart.accounts_needing_counterparty()
    signs = {account: NORMAL_SIGN[account.split(":")[0]] for account in note_accounts if account.split(":")[0] in NORMAL_SIGN}
    postings = counterparty_postings(entries, note_accounts).named
    uses, wrong_signs = tally(postings, signs)
    errors = spelled_two_ways(postings, uses)
    if wrong_signs is None:  # not the entries of a plugin, which are in date order: sort them (stable)
        postings = sorted(postings, key=lambda named: named[0].date)
        wrong_signs = tally(postings, signs).wrong_signs or []
    return entries, errors + wrong_sign_balances(postings, wrong_signs)


__all__ = ["CounterpartyError", "check_counterparties", "same_counterparty"]
