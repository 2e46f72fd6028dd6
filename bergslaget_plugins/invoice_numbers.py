"""An invoice number booked twice is an error at the second invoice.

Each customer invoice carries its number (``faktura:``) and the link
``^faktura-<nummer>`` that its payment carries too. Two invoices with one number make
the receivables ledger ambiguous (which one did a payment clear?), so the fee pages
and the Bankgiro import refuse them; bean-check says where::

    plugin "bergslaget_plugins.invoice_numbers"

    2021-02-15 * "Smedjebackens kommun" "Medlemsavgift 2021" ^faktura-2021101
      faktura: "2021101"
      Assets:1510-Kundfordringar    22680 SEK
      Income:3994-Medlemsavgifter  -22680 SEK
    2021-02-15 * "Ludvika kommun" "Medlemsavgift 2021" ^faktura-2021101
      faktura: "2021101"
      Assets:1510-Kundfordringar    43710 SEK
      Income:3994-Medlemsavgifter  -43710 SEK
    main.beancount:7: Fakturanummer 2021101 är redan bokfört (main.beancount:3); ge fakturan ett eget nummer

A payment that clears several invoices (several ``^faktura-…`` links) must say on each
posting on the receivables account (role ``kundfordringar``) which invoice it clears
(``faktura:`` on the posting); otherwise the same pages cannot tell, and bean-check says so::

    plugin "bergslaget_plugins.invoice_numbers"

    2021-03-10 * "Smedjebackens kommun" "Inbetalning" ^faktura-2021101 ^faktura-2021102
      Assets:1930-Företagskonto     45360 SEK
      Assets:1510-Kundfordringar   -22680 SEK
        faktura: "2021101"
      Assets:1510-Kundfordringar   -22680 SEK
    main.beancount:7: Verifikationen har flera fakturalänkar: konteringen på
      Assets:1510-Kundfordringar ska ange sin faktura med metadata faktura:
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from beancount.core.data import Directive, Transaction

from bergslaget_plugins.entry_index import transactions_of
from bergslaget_plugins.receivables import INVOICE_KEY, LINK_PREFIX, place
from bergslaget_plugins.roles import RoleMissingError, read_roles

__plugins__ = ("check_invoice_numbers",)


class InvoiceNumberError(NamedTuple):
    source: Mapping[str, Any]
    message: str
    entry: Directive | None


def check_invoice_numbers(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[InvoiceNumberError]]:
    """The entries unchanged, with an error for each invoice whose number an earlier invoice has."""
    first: dict[str, Transaction] = {}
    errors: list[InvoiceNumberError] = []
    try:
        receivables: str | None = read_roles(entries, options_map)[0].account("kundfordringar")
    except RoleMissingError:
        receivables = None
    # An invoice carries its ^faktura- link and a payment of several invoices their links:
    # a transaction without links is neither.
    for entry in [entry for entry in transactions_of(entries) if entry.links]:
        if receivables is not None and sum(link.startswith(LINK_PREFIX) for link in entry.links) > 1:
            for posting in entry.postings:
                if posting.account == receivables and (posting.meta or {}).get(INVOICE_KEY) is None:
                    errors.append(InvoiceNumberError(
                        posting.meta or entry.meta,
                        f"Verifikationen har flera fakturalänkar: konteringen på {receivables} ska ange sin faktura "
                        f"med metadata faktura:", entry))
        if entry.meta.get(INVOICE_KEY) is None:
            continue
        number = str(entry.meta[INVOICE_KEY])
        if f"{LINK_PREFIX}{number}" not in entry.links:
            continue  # a payment or a note that names the invoice, not the invoice itself
        if number in first:
            errors.append(InvoiceNumberError(
                entry.meta, f"Fakturanummer {number} är redan bokfört ({place(first[number])}); ge fakturan ett eget nummer",
                entry))
        else:
            first[number] = entry
    return entries, errors


__all__ = ["InvoiceNumberError", "check_invoice_numbers"]
