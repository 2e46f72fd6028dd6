"""Percentage rates per calendar year, written in the ledger as data.

Rates that change by law every year (arbetsgivaravgifter, särskild löneskatt på
pensionskostnader) are not hard-coded. The accountant writes one directive per rate
and year, the percentage as Skatteverket publishes it::

    2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
      kalla: "Skatteverket, arbetsgivaravgifter 2022"
    2022-01-01 custom "procentsats" "särskild löneskatt" 24.26

A rate applies to the calendar year of its date and to that year only: nothing is
carried forward, so a year without its rate is an error at the directive that needs
it (for example the year-end directive). Two rates with the same name for the same
year are an error at the second one; the first is used.

This is not a plugin; the year-end plugins (holiday_pay, pension_tax) read the table
and report problems with the rates they use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.entry_index import directives_of
from bergslaget_plugins.money import format_swedish

RATE_TYPE = "procentsats"
#: Metadata on a rate that ``bergslaget year open`` carried over from the year before (new_year.py):
#: ``bergslaget check`` lists such rates until the accountant has confirmed them and removed the key.
CARRIED_FROM_KEY = "overford_fran"
#: Employer's social security contributions, percent of the salary.
EMPLOYER_CONTRIBUTION = "arbetsgivaravgift"
#: Special payroll tax on pension costs, percent of the premiums.
SPECIAL_PAYROLL_TAX = "särskild löneskatt"

_HUNDRED = Decimal(100)


class Rate(NamedTuple):
    """One rate for one calendar year, and the directive that states it."""

    name: str
    year: int
    percent: Decimal
    directive: Custom

    @property
    def fraction(self) -> Decimal:
        """The rate as a fraction: 31.42 % → 0.3142."""
        return self.percent / _HUNDRED

    def describe(self) -> str:
        """Swedish text for narrations: ``31,42 %``."""
        return f"{format_swedish(self.percent)} %"


class RateError(NamedTuple):
    """A rate directive that cannot be used, or a rate that is missing for a year."""

    source: dict[str, Any]
    message: str
    entry: Directive | None


class RateTable:
    """Rates by (name, year), built once from the entries."""

    def __init__(self, rates: dict[tuple[str, int], Rate], problems: list[tuple[str | None, RateError]]) -> None:
        self._rates = rates
        self._problems = problems

    def get(self, name: str, year: int) -> Rate | None:
        """The rate ``name`` for ``year``, or None."""
        return self._rates.get((name, year))

    def require(self, name: str, year: int, needed_by: Directive) -> Rate | RateError:
        """The rate, or an error at ``needed_by`` saying that it is missing."""
        rate = self.get(name, year)
        if rate is not None:
            return rate
        return missing_rate_error(name, year, needed_by)

    def errors_for(self, names: Iterable[str]) -> list[RateError]:
        """Problems with the rate directives for ``names`` (each reported by the rule using it).

        Directives whose name cannot be read belong to no rate and are not returned.
        """
        wanted = set(names)
        return [error for name, error in self._problems if name in wanted]


def missing_rate_error(name: str, year: int, needed_by: Directive) -> RateError:
    """The error for a year without its rate, at the directive that needed it."""
    return RateError(
        needed_by.meta,
        f'Procentsats saknas för "{name}" år {year}: ange till exempel '
        f'{year}-01-01 custom "{RATE_TYPE}" "{name}" <procent>',
        needed_by,
    )


def _read_rate(entry: Custom) -> tuple[str | None, Decimal | None, str | None]:
    """(name, percent, problem) from one ``custom "procentsats"`` directive."""
    values = [value.value for value in entry.values]
    name = values[0] if values and isinstance(values[0], str) else None
    if len(values) != 2 or name is None:
        return name, None, f'Procentsatsen ska skrivas: custom "{RATE_TYPE}" "<namn>" <procent>'
    percent = values[1]
    if not isinstance(percent, Decimal):
        return name, None, f'Procentsatsen för "{name}" ska vara ett tal (procent), inte {percent!r}'
    if not Decimal(0) <= percent <= _HUNDRED:
        return name, None, f'Procentsatsen för "{name}" ska ligga mellan 0 och 100 procent, inte {percent}'
    return name, percent, None


def build_rate_table(entries: Sequence[Directive]) -> RateTable:
    """Read every ``custom "procentsats"`` directive into a table."""
    rates: dict[tuple[str, int], Rate] = {}
    problems: list[tuple[str | None, RateError]] = []
    for entry in directives_of(entries):
        if not (isinstance(entry, Custom) and entry.type == RATE_TYPE):
            continue
        name, percent, problem = _read_rate(entry)
        if problem is not None or name is None or percent is None:
            problems.append((name, RateError(entry.meta, problem or "Ogiltig procentsats", entry)))
            continue
        key = (name, entry.date.year)
        if key in rates:
            first = rates[key].directive.meta
            problems.append(
                (
                    name,
                    RateError(
                        entry.meta,
                        f'Procentsatsen "{name}" för {entry.date.year} är redan angiven '
                        f"({first.get('filename')}:{first.get('lineno')})",
                        entry,
                    ),
                )
            )
            continue
        rates[key] = Rate(name, entry.date.year, percent, entry)
    return RateTable(rates, problems)


def rate_for_year(entries: Sequence[Directive], name: str, year: int) -> Rate | None:
    """The rate ``name`` for calendar ``year``, or None (build the table once when asking often)."""
    return build_rate_table(entries).get(name, year)


__all__ = [
    "CARRIED_FROM_KEY",
    "EMPLOYER_CONTRIBUTION",
    "RATE_TYPE",
    "SPECIAL_PAYROLL_TAX",
    "Rate",
    "RateError",
    "RateTable",
    "build_rate_table",
    "missing_rate_error",
    "rate_for_year",
]
