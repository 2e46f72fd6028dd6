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

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

from beancount.core.data import Directive

from bergslaget_plugins.chart import read_chart
from bergslaget_plugins.counterparty_postings import NORMAL_SIGN, Key, NamedPostings, WrongSign, counterparty_postings
from bergslaget_plugins.money import format_swedish

__plugins__ = ("check_counterparties",)


class CounterpartyError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def same_counterparty(name: str) -> str:
    """The form in which two spellings of one counterparty are equal (case and spacing ignored)."""
    return " ".join(name.casefold().split())


def spelled_two_ways(postings: NamedPostings, uses: Mapping[Key, int]) -> list[CounterpartyError]:
    """An error for each posting whose counterparty another posting on its account spells otherwise."""
    ambiguous = {group: counts for group, counts in _spellings(uses).items() if len(counts) > 1}
    if not ambiguous:
        return []
    errors = []
    same: dict[str, str] = {}  # each spelling's normal form, computed once per spelling
    for entry, posting, name in zip(*postings):
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


def wrong_sign_balances(postings: NamedPostings, wrong_signs: Sequence[WrongSign]) -> list[CounterpartyError]:
    """An error for each balance of the wrong sign, at the counterparty's last posting before
    the year end (once for each such posting)."""
    errors: list[CounterpartyError] = []
    reported: set[tuple[str, str, Any]] = set()
    for year_end, (account, name), amount, last in wrong_signs:
        entry, posting = postings.transactions[last], postings.postings[last]
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
    found = counterparty_postings(entries, note_accounts)
    errors = spelled_two_ways(found.named, found.tally.uses)
    postings, wrong_signs = found.named, found.tally.wrong_signs
    if wrong_signs is None:  # not the entries of a plugin, which are in date order: read them so (stable)
        in_date_order = counterparty_postings(sorted(entries, key=attrgetter("date")), note_accounts)
        postings, wrong_signs = in_date_order.named, in_date_order.tally.wrong_signs or []
    return entries, errors + wrong_sign_balances(postings, wrong_signs)


__all__ = ["CounterpartyError", "check_counterparties", "same_counterparty"]
