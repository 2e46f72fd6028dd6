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

import bisect
import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
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


class Tally(NamedTuple):
    """What the checks need of the postings that name a counterparty, read in one pass."""

    #: How many postings use each spelling on each account, in the order they first occur.
    uses: dict[Key, int]
    #: The amounts on note accounts with a sign (Assets, Liabilities), in the postings' order:
    #: the date, the counterparty, the amount, and the posting's place in the postings.
    movements: list[tuple[datetime.date, Key, Decimal, int]]


def tally(postings: Sequence[NamedPosting], note_accounts: AbstractSet[str]) -> Tally:
    """The uses of each spelling and the movements on the note accounts with a sign."""
    signed = {account for account in note_accounts if account.split(":")[0] in NORMAL_SIGN}
    uses: dict[Key, int] = {}
    movements: list[tuple[datetime.date, Key, Decimal, int]] = []
    for place, (entry, posting, name) in enumerate(postings):
        key = (posting.account, name)
        uses[key] = uses.get(key, 0) + 1
        if key[0] in signed and posting.units is not None and isinstance(posting.units.number, Decimal):
            movements.append((entry.date, key, posting.units.number, place))
    return Tally(uses, movements)


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


def wrong_sign_balances(
    postings: Sequence[NamedPosting], movements: list[tuple[datetime.date, Key, Decimal, int]]
) -> list[CounterpartyError]:
    """An error for each counterparty whose balance on a note account has the wrong sign at a
    year end, at its last posting before that year end."""
    if not movements:
        return []
    dates = [date for date, _, _, _ in movements]
    if dates != sorted(dates):  # the entries a plugin gets are in date order already
        movements = sorted(movements, key=lambda movement: movement[0])
        dates.sort()
    balance: dict[Key, Decimal] = {}
    errors: list[CounterpartyError] = []
    reported: set[tuple[str, str, Any]] = set()
    start = 0
    for year in range(dates[0].year, dates[-1].year + 1):
        year_end = datetime.date(year, 12, 31)
        end = bisect.bisect_right(dates, year_end, lo=start)
        for _, key, amount, _ in movements[start:end]:
            balance[key] = balance.get(key, _ZERO) + amount
        start = end
        wrong = [(key, amount) for key, amount in balance.items() if amount * NORMAL_SIGN[key[0].split(":")[0]] < 0]
        last = _last_places(movements[:end], {key for key, _ in wrong})
        for (account, name), amount in wrong:
            entry, posting, _ = postings[last[(account, name)]]
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


def _last_places(movements: list[tuple[datetime.date, Key, Decimal, int]], keys: set[Key]) -> dict[Key, int]:
    """The place of the last movement of each of ``keys`` (each has one in ``movements``)."""
    last: dict[Key, int] = {}
    for _, key, _, place in reversed(movements):
        if len(last) == len(keys):
            break
        if key in keys and key not in last:
            last[key] = place
    return last


def check_counterparties(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[CounterpartyError]]:
    """The entries unchanged, with errors for counterparties spelled two ways and wrong-sign balances."""
    chart, _ = read_chart(entries, options_map)
    note_accounts = chart.accounts_needing_counterparty()
    postings = counterparty_postings(entries, note_accounts).named
    uses, movements = tally(postings, note_accounts)
    return entries, spelled_two_ways(postings, uses) + wrong_sign_balances(postings, movements)


__all__ = ["CounterpartyError", "check_counterparties", "same_counterparty"]
