"""Rates per calendar year, read from ``custom "procentsats"`` directives."""

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

from decimal import Decimal

from beancount import loader

from bergslaget_plugins.rates import (
    EMPLOYER_CONTRIBUTION,
    SPECIAL_PAYROLL_TAX,
    RateError,
    build_rate_table,
    rate_for_year,
)

HEADER = """\
"""

RATES = HEADER + """\
2021-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
  kalla: "Skatteverket, arbetsgivaravgifter 2022"
2022-01-01 custom "procentsats" "särskild löneskatt" 24.26
"""


def lineno_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the ``occurrence``-th line containing ``needle``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if needle in line]
    return found[occurrence - 1]


def load(text: str):
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    return entries


def test_rate_for_its_year_as_fraction_with_directive():
    table = build_rate_table(load(RATES))
    rate = table.get(EMPLOYER_CONTRIBUTION, 2022)
    assert rate is not None
    assert rate.percent == Decimal("31.42")
    assert rate.fraction == Decimal("0.3142")
    assert rate.directive.meta["kalla"] == "Skatteverket, arbetsgivaravgifter 2022"
    assert rate.directive.meta["lineno"] == lineno_of(RATES, '"arbetsgivaravgift" 31.42', 2)
    assert rate.describe() == "31,42 %"
    assert table.get(SPECIAL_PAYROLL_TAX, 2022).fraction == Decimal("0.2426")
    assert table.errors_for([EMPLOYER_CONTRIBUTION, SPECIAL_PAYROLL_TAX]) == []


def test_no_carry_forward_to_later_or_earlier_years():
    entries = load(RATES)
    assert rate_for_year(entries, SPECIAL_PAYROLL_TAX, 2022) is not None
    assert rate_for_year(entries, SPECIAL_PAYROLL_TAX, 2023) is None
    assert rate_for_year(entries, SPECIAL_PAYROLL_TAX, 2021) is None
    assert rate_for_year(entries, EMPLOYER_CONTRIBUTION, 2023) is None


def test_rate_dated_later_in_the_year_applies_to_the_whole_year():
    text = HEADER + '2022-07-01 custom "procentsats" "arbetsgivaravgift" 31.42\n'
    assert rate_for_year(load(text), EMPLOYER_CONTRIBUTION, 2022).percent == Decimal("31.42")


def test_missing_rate_is_an_error_at_the_directive_that_needs_it():
    text = RATES + '2023-12-31 custom "bokslut" "Årsbokslut 2023"\n'
    entries = load(text)
    closing = entries[-1]
    table = build_rate_table(entries)
    assert table.require(SPECIAL_PAYROLL_TAX, 2022, closing).percent == Decimal("24.26")
    missing = table.require(SPECIAL_PAYROLL_TAX, 2023, closing)
    assert isinstance(missing, RateError)
    assert missing.source["lineno"] == lineno_of(text, "bokslut")
    assert "särskild löneskatt" in missing.message and "2023" in missing.message


def test_duplicate_rate_for_a_year_is_an_error_at_the_second_and_the_first_is_used():
    text = RATES + '2022-06-01 custom "procentsats" "arbetsgivaravgift" 10.21\n'
    table = build_rate_table(load(text))
    assert table.get(EMPLOYER_CONTRIBUTION, 2022).percent == Decimal("31.42")
    (error,) = table.errors_for([EMPLOYER_CONTRIBUTION])
    assert error.source["lineno"] == lineno_of(text, "10.21")
    assert "redan angiven" in error.message
    # Each rule reports only the rates it uses.
    assert table.errors_for([SPECIAL_PAYROLL_TAX]) == []


def test_malformed_rate_directives_are_errors_and_not_used():
    text = HEADER + """\
2022-01-01 custom "procentsats" "arbetsgivaravgift" "31,42"
2023-01-01 custom "procentsats" "arbetsgivaravgift" 131.42
2024-01-01 custom "procentsats" "arbetsgivaravgift"
2025-01-01 custom "procentsats" "arbetsgivaravgift" -1
"""
    table = build_rate_table(load(text))
    errors = table.errors_for([EMPLOYER_CONTRIBUTION])
    assert [error.source["lineno"] for error in errors] == [
        lineno_of(text, "2022-01-01"),
        lineno_of(text, "2023-01-01"),
        lineno_of(text, "2024-01-01"),
        lineno_of(text, "2025-01-01"),
    ]
    assert all(table.get(EMPLOYER_CONTRIBUTION, year) is None for year in (2022, 2023, 2024, 2025))
