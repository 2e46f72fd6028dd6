"""The association's vocabulary in the books: the ``custom`` types and metadata keys
that the plugins, the importers and Fava read or write, gathered in one place from the
modules' own constants (and, where a module names a key only inline, listed here with
the module that reads it). The spelling rule (``spelling.py``) compares the books'
words with these.

A new ``custom`` type or metadata key belongs here: as its module's constant if it has
one, else in the lists below.
"""

from __future__ import annotations

from bergslaget_plugins import (
    accruals,
    board,
    budget,
    chart,
    fees,
    fiscal,
    generated,
    holiday_pay,
    invoice_recipients,
    locking,
    membership_fees,
    organisation,
    periods,
    rates,
    receivables,
    report_texts,
    roles,
)

#: Custom types Fava itself reads.
FAVA_CUSTOM_TYPES = frozenset({"fava-option", "fava-extension", "fava-sidebar-link", "budget"})

CUSTOM_TYPES: frozenset[str] = frozenset({
    board.BOARD_TYPE, board.AUDITOR_TYPE,
    budget.BUDGET_TYPE,
    chart.LAYOUT_TYPE,
    fees.MEMBER_TYPE, fees.POPULATION_TYPE, fees.KPI_TYPE, fees.RULE_TYPE,
    fiscal.YEAR_END_TYPE,
    holiday_pay.FACT_TYPE,
    locking.YEAR_RECORD_TYPE, locking.VERIFICATION_RECORD_TYPE, locking.CHAIN_END_TYPE, locking.UNLOCK_TYPE,
    organisation.ORGANISATION_TYPE,
    rates.RATE_TYPE,
    report_texts.MANAGEMENT_REPORT_TYPE, report_texts.PRINCIPLES_TYPE,
}) | FAVA_CUSTOM_TYPES

#: Keys modules read or write without a constant of their own, by module.
_INLINE_KEYS = {
    # fees.py: the register and the fee rule
    "typ", "lan", "kommun", "kommunkod", "kundnr", "kalla", "fast_del", "fast_del_region_tak",
    "rorlig_del_per_invanare", "rorlig_del_tak", "avgift_tak", "avrundning_fast_del", "avrundning_per_invanare",
    "avrundning_avgift", "folkmangd_datum", "fakturadatum", "folkmangd_ar", "betalningsvillkor_dagar", "indexering",
    "indexera_tak", "till",
    # membership_fees.py: what a fee invoice carries
    "ocr", "forfallodatum", "underlag", "rorlig_del", "folkmangd", "folkmangd_kalla", "kommuner", "avser",
    # holiday_pay.py, pension_tax.py, accruals.py: what the generated entries carry
    "semesterloneskuld", "sociala_avgifter", "arbetsgivaravgift_procent", "pensionspremier",
    "sarskild_loneskatt_procent", "bruttolon",
    # importers (bgmax.py, swedbank.py): what an imported entry carries
    "bgc_id", "bank_id", "referens", "meddelande", "avsandarbankgiro", "extra_referenser", "matchning",
    # sie/to_beancount.py: what a SIE import carries
    "sie_serie", "sie_nummer", "objekt", "text", "transdatum", "kvantitet",
}

METADATA_KEYS: frozenset[str] = frozenset({
    accruals.NOTE_ITEM_KEY,
    board.BOARD_ROLE_KEY, board.REPRESENTS_KEY,
    chart.NAME_KEY, chart.LINE_KEY, chart.NOTE_ROW_KEY, chart.NOTE_KEY, chart.COUNTERPARTY_KEY,
    chart.OBSOLETE_UNBOOKED_RESULT_KEY,
    generated.RULE_KEY, generated.SERIES_KEY, generated.VERIFICATION_KEY,
    holiday_pay.DAYS_KEY, holiday_pay.DAY_RATE_KEY, holiday_pay.LIABILITY_KEY,
    *invoice_recipients.RECIPIENT_REQUIRED_KEYS, *invoice_recipients.ADDRESS_KEYS,
    locking.PREVIOUS_YEAR_KEY, locking.PREVIOUS_DIGEST_KEY, locking.COUNT_KEY, locking.UNLOCKS_KEY, locking.REASON_KEY,
    membership_fees.MEMBER_KEY, membership_fees.FEE_YEAR_KEY,
    rates.CARRIED_FROM_KEY,
    *organisation.ORGANISATION_REQUIRED_KEYS, *organisation.OPTIONAL_KEYS,
    periods.PERIOD_KEY,
    receivables.INVOICE_KEY,
    roles.ROLE_KEY,
}) | _INLINE_KEYS

#: Keys Beancount itself puts in every entry's metadata.
BEANCOUNT_KEYS = frozenset({"filename", "lineno"})


__all__ = ["BEANCOUNT_KEYS", "CUSTOM_TYPES", "FAVA_CUSTOM_TYPES", "METADATA_KEYS"]
