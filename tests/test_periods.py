"""Parsing of the ``period`` metadata and the split of an amount into months."""

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import datetime
from decimal import Decimal

import pytest

from bergslaget_plugins.periods import Month, Period, PeriodError, allocate, parse_period


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("2023-01/2023-03", Month(2023, 1), Month(2023, 3)),
        ("2023-01", Month(2023, 1), Month(2023, 1)),
        ("2023-01-01/2023-03-31", Month(2023, 1), Month(2023, 3)),
        ("2023-02-01/2023-02-28", Month(2023, 2), Month(2023, 2)),
        ("2024-02-01/2024-02-29", Month(2024, 2), Month(2024, 2)),
        ("2021-10/2022-03", Month(2021, 10), Month(2022, 3)),
        (" 2023-01/2023-03 ", Month(2023, 1), Month(2023, 3)),
    ],
)
def test_period_forms(text, first, last):
    assert parse_period(text) == Period(first, last)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2023",
        "2023-1",
        "2023-13",
        "2023-00/2023-03",
        "januari 2023",
        "2023-01 - 2023-03",
        "2023-01/2023-03/2023-04",
        "2023-01/",
        "2023-01-01",
        "2023-01/2023-03-31",
        "2023-02-30/2023-03-31",
        "2023/01",
    ],
)
def test_malformed_periods(text):
    with pytest.raises(PeriodError, match="ingen period"):
        parse_period(text)


@pytest.mark.parametrize("text", ["2023-01-15/2023-03-31", "2023-01-01/2023-03-30", "2023-02-01/2023-02-27"])
def test_dates_must_be_whole_months(text):
    with pytest.raises(PeriodError, match="inte hela månader"):
        parse_period(text)


@pytest.mark.parametrize("text", ["2023-03/2023-01", "2023-03-01/2022-12-31"])
def test_period_that_ends_before_it_starts(text):
    with pytest.raises(PeriodError, match="slutar .* före den börjar"):
        parse_period(text)


@pytest.mark.parametrize("value", [Decimal("2023"), datetime.date(2023, 1, 1), None, True])
def test_period_must_be_text(value):
    with pytest.raises(PeriodError, match="ska vara en text"):
        parse_period(value)


def test_months_of_a_period_across_the_year_end():
    period = parse_period("2022-11/2023-02")
    assert period.months == [Month(2022, 11), Month(2022, 12), Month(2023, 1), Month(2023, 2)]
    assert str(period) == "2022-11–2023-02"
    assert str(parse_period("2023-01")) == "2023-01"


def test_month_arithmetic_and_days():
    assert Month(2022, 12).plus(1) == Month(2023, 1)
    assert Month(2023, 1).plus(-1) == Month(2022, 12)
    assert Month(2023, 2).last_day == datetime.date(2023, 2, 28)
    assert Month(2024, 2).last_day == datetime.date(2024, 2, 29)
    assert Month(2023, 3).first_day == datetime.date(2023, 3, 1)
    assert Month.of(datetime.date(2022, 12, 20)) == Month(2022, 12)
    assert Month(2023, 1).ordinal - Month(2022, 1).ordinal == 12
    assert Month(2022, 12) < Month(2023, 1)


def test_allocation_equal_parts_last_month_takes_the_rest():
    assert allocate(Decimal("16061"), 3) == [Decimal("5354"), Decimal("5354"), Decimal("5353")]
    assert allocate(Decimal("25067"), 3) == [Decimal("8356"), Decimal("8356"), Decimal("8355")]
    assert allocate(Decimal("12000"), 12) == [Decimal("1000")] * 12


@pytest.mark.parametrize(
    "amount, months",
    [
        (Decimal("16061"), 3),
        (Decimal("-16061"), 3),
        (Decimal("1000.50"), 4),
        (Decimal("7"), 12),
        (Decimal("99999"), 7),
        (Decimal("3"), 1),
    ],
)
def test_allocation_parts_sum_to_the_amount(amount, months):
    parts = allocate(amount, months)
    assert len(parts) == months
    assert sum(parts) == amount
    assert all(part == part.to_integral_value() for part in parts[:-1])


def test_allocation_of_a_credit_mirrors_the_debit():
    assert allocate(Decimal("-16061"), 3) == [Decimal("-5354"), Decimal("-5354"), Decimal("-5353")]


def test_allocation_needs_a_month():
    with pytest.raises(ValueError):
        allocate(Decimal("100"), 0)
