"""The postings that name their counterparty (``motpart``), and the postings on accounts
that need one but name none: sorted out in one pass over the postings, for the two checks
that read them, the chart of accounts (``chart_of_accounts``: a posting without its
counterparty) and the counterparties (``counterparties``: two spellings, a balance of the
wrong sign).

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
    >>> [(entry.narration, name) for entry, _, name in found.named]
    [('Faktura', 'Staples Sverige AB')]
    >>> [(entry.narration, posting.account) for entry, posting in found.unnamed]
    [('Betalning', 'Liabilities:2440-Leverantörsskulder')]

Within the rules line (:func:`~bergslaget_plugins.entry_index.shared_entry_indexes`) the
pass is made once per list of transactions: the second check finds what the first sorted
out, unless a rule between them added or replaced a transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from beancount.core.data import Directive, Posting, Transaction

from bergslaget_plugins.chart import COUNTERPARTY_KEY
from bergslaget_plugins.entry_index import derived_from_transactions

__all__ = ["CounterpartyPostings", "counterparty_postings"]


class CounterpartyPostings(NamedTuple):
    """The postings of some transactions, sorted out by their counterparty; each list in
    the transactions' order, and within a transaction in the postings' order."""

    #: Each posting, on any account, whose ``motpart`` is a text that is not blank, with
    #: its transaction and that text.
    named: list[tuple[Transaction, Posting, str]]
    #: Each other posting on one of the accounts that need a counterparty, with its transaction.
    unnamed: list[tuple[Transaction, Posting]]


def counterparty_postings(entries: Sequence[Directive], needing: frozenset[str]) -> CounterpartyPostings:
    """The postings of ``entries`` that name a counterparty, and those on the ``needing``
    accounts that do not."""
    return derived_from_transactions(entries, (__name__, needing), lambda transactions: _sorted_out(transactions, needing))


def _sorted_out(transactions: Sequence[Transaction], needing: frozenset[str]) -> CounterpartyPostings:
    named: list[tuple[Transaction, Posting, str]] = []
    unnamed: list[tuple[Transaction, Posting]] = []
    # Bound once: the loop visits every posting of the books.
    name_posting, leave_unnamed, key = named.append, unnamed.append, COUNTERPARTY_KEY
    for entry in transactions:
        for posting in entry.postings:
            meta = posting.meta
            name = meta.get(key) if meta else None
            if name is None:  # most postings: no counterparty, and no name to check
                if posting.account in needing:
                    leave_unnamed((entry, posting))
            elif isinstance(name, str) and name.strip():
                name_posting((entry, posting, name))
            elif posting.account in needing:
                leave_unnamed((entry, posting))
    return CounterpartyPostings(named, unnamed)
