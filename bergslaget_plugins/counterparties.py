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
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.data import Directive, Posting, Transaction

from bergslaget_plugins.chart import COUNTERPARTY_KEY, read_chart
from bergslaget_plugins.money import format_swedish

__plugins__ = ("check_counterparties",)

#: The sign a counterparty's balance has on a note account of each root (+1 debit, -1 credit).
NORMAL_SIGN = {"Assets": 1, "Liabilities": -1}


class CounterpartyError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def same_counterparty(name: str) -> str:
    """The form in which two spellings of one counterparty are equal (case and spacing ignored)."""
    return " ".join(name.casefold().split())


def _counterparty_postings(entries: list[Directive]) -> list[tuple[Transaction, Posting, str]]:
    found = []
    for entry in entries:
        if isinstance(entry, Transaction):
            for posting in entry.postings:
                name = (posting.meta or {}).get(COUNTERPARTY_KEY)
                if isinstance(name, str) and name.strip():
                    found.append((entry, posting, name))
    return found


def spelled_two_ways(postings: list[tuple[Transaction, Posting, str]]) -> list[CounterpartyError]:
    """An error for each posting whose counterparty another posting on its account spells otherwise."""
    spellings: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    same: dict[str, str] = {}  # each spelling's normal form, computed once per spelling
    for _, posting, name in postings:
        if name not in same:
            same[name] = same_counterparty(name)
        spellings[(posting.account, same[name])][name] += 1
    errors = []
    for entry, posting, name in postings:
        counts = spellings[(posting.account, same[name])]
        if len(counts) < 2:
            continue
        preferred, uses = counts.most_common(1)[0]
        if name != preferred:
            errors.append(CounterpartyError(
                posting.meta or entry.meta,
                f"Motparten {name!r} på {posting.account} skrivs också {preferred!r} ({uses} konteringar); "
                f"skriv den som de andra", entry))
    return errors


def wrong_sign_balances(postings: list[tuple[Transaction, Posting, str]], note_accounts: set[str]) -> list[CounterpartyError]:
    """An error for each counterparty whose balance on a note account has the wrong sign at a year end."""
    signed = {account for account in note_accounts if account.split(":")[0] in NORMAL_SIGN}
    relevant = [(entry, posting, name) for entry, posting, name in postings
                if posting.account in signed and posting.units is not None and isinstance(posting.units.number, Decimal)]
    if not relevant:
        return []
    relevant.sort(key=lambda item: item[0].date)
    years = range(relevant[0][0].date.year, relevant[-1][0].date.year + 1)
    balance: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    last: dict[tuple[str, str], tuple[Transaction, Posting]] = {}
    errors, reported = [], set()
    index = 0
    for year in years:
        year_end = datetime.date(year, 12, 31)
        while index < len(relevant) and relevant[index][0].date <= year_end:
            entry, posting, name = relevant[index]
            key = (posting.account, name)
            if posting.units is not None and posting.units.number is not None:
                balance[key] += posting.units.number
            last[key] = (entry, posting)
            index += 1
        for (account, name), amount in balance.items():
            sign = NORMAL_SIGN[account.split(":")[0]]
            entry, posting = last[(account, name)]
            place = (account, name, (posting.meta or {}).get("lineno"))
            if amount * sign >= 0 or place in reported:
                continue
            reported.add(place)
            kind = "skuld" if sign < 0 else "fordran"
            errors.append(CounterpartyError(
                posting.meta or entry.meta,
                f"Motparten {name!r} har saldo {format_swedish(amount)} på {account} per {year_end}: fel tecken för en "
                f"{kind} (stavning av motparten? betalning på fel motpart?)", entry))
    return errors


def check_counterparties(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[CounterpartyError]]:
    """The entries unchanged, with errors for counterparties spelled two ways and wrong-sign balances."""
    postings = _counterparty_postings(entries)
    chart, _ = read_chart(entries, options_map)
    note_accounts = {account for account in chart.accounts if chart.needs_counterparty(account)}
    return entries, spelled_two_ways(postings) + wrong_sign_balances(postings, note_accounts)


__all__ = ["CounterpartyError", "check_counterparties", "same_counterparty"]
