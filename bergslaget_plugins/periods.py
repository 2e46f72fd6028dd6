"""The period a transaction covers (metadata ``period``) and its split into months.

A cost or income that belongs to other months than the one it is booked in names
the months it covers, inclusive::

    period: "2023-01/2023-03"          ; January to March 2023
    period: "2023-01"                  ; one month
    period: "2023-01-01/2023-03-31"    ; the same as whole-month dates

Dates must be whole months: the first day of the first month and the last day of
the last month. Anything else is not a period.

The amount is split into equal parts per month, rounded to whole kronor; the last
month takes what is left, so the parts always add up to the amount:
16 061 over three months is 5 354, 5 354 and 5 353.

This is not a plugin; the accruals plugin uses it.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

from bergslaget_plugins.money import round_krona

PERIOD_KEY = "period"

_MONTH = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})$")
_DATE = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})$")


class PeriodError(ValueError):
    """Text that is not a period of whole months, or a period that ends before it starts."""


class Month(NamedTuple):
    """A calendar month; months order as (year, month)."""

    year: int
    month: int

    @classmethod
    def of(cls, date: datetime.date) -> Month:
        """The month ``date`` falls in."""
        return cls(date.year, date.month)

    @property
    def ordinal(self) -> int:
        """Months since year 0: differences between indexes count months."""
        return self.year * 12 + self.month - 1

    def plus(self, months: int) -> Month:
        """The month ``months`` later (earlier if negative)."""
        year, month_zero = divmod(self.ordinal + months, 12)
        return Month(year, month_zero + 1)

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        # Imported here: only books with periods (accruals) ask for a month's last day.
        import calendar

        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class Period(NamedTuple):
    """Whole months from ``first`` to ``last``, inclusive."""

    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        """Every month of the period, in order."""
        return [self.first.plus(offset) for offset in range(self.last.ordinal - self.first.ordinal + 1)]

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


def _parse_month(text: str) -> Month | None:
    match = _MONTH.match(text)
    if not match:
        return None
    month = Month(int(match["year"]), int(match["month"]))
    return month if 1 <= month.month <= 12 else None


def _parse_date(text: str) -> datetime.date | None:
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return datetime.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None


def parse_period(text: object) -> Period:
    """The period in ``text``; raise PeriodError (with a Swedish message) if it is none.

    >>> str(parse_period("2023-01/2023-03"))
    '2023-01–2023-03'
    """
    if not isinstance(text, str):
        raise PeriodError(f'period ska vara en text som "2023-01/2023-03", inte {text!r}')
    cleaned = text.strip()
    parts = cleaned.split("/")
    if len(parts) == 1:
        month = _parse_month(parts[0])
        if month is None:
            raise PeriodError(_malformed(text))
        return Period(month, month)
    if len(parts) != 2:
        raise PeriodError(_malformed(text))
    start_text, end_text = parts
    first, last = _parse_month(start_text), _parse_month(end_text)
    if first is None or last is None:
        start, end = _parse_date(start_text), _parse_date(end_text)
        if start is None or end is None:
            raise PeriodError(_malformed(text))
        first, last = Month.of(start), Month.of(end)
        if start != first.first_day or end != last.last_day:
            raise PeriodError(
                f"period {text!r} är inte hela månader: den ska börja den första i en månad "
                "och sluta den sista i en månad"
            )
    if last < first:
        raise PeriodError(f"period {text!r} slutar ({last}) före den börjar ({first})")
    return Period(first, last)


def _malformed(text: str) -> str:
    return (
        f'period {text!r} är ingen period: skriv månader "2023-01/2023-03", '
        'en månad "2023-01" eller hela månader som datum "2023-01-01/2023-03-31"'
    )


def allocate(amount: Decimal, months: int) -> list[Decimal]:
    """``amount`` in ``months`` equal parts rounded to whole kronor; the last takes the rest.

    >>> allocate(Decimal("16061"), 3)
    [Decimal('5354'), Decimal('5354'), Decimal('5353')]
    """
    if months < 1:
        raise ValueError("en period har minst en månad")
    part = round_krona(amount / months)
    parts = [part] * (months - 1)
    parts.append(amount - part * (months - 1))
    return parts


__all__ = ["PERIOD_KEY", "Month", "Period", "PeriodError", "allocate", "parse_period"]
