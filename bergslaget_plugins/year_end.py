"""Book the year's result over to equity at year-end (årets resultat, BAS 8999 och 2069).

On the date of each year-end directive this plugin books the year's result from the
result accounts to equity, as a Swedish årsbokslut does: the income statement then sums
to zero and the balance sheet carries the result on "Årets resultat"::

    plugin "bergslaget_plugins.year_end"

    2022-12-31 custom "bokslut" "Årsbokslut 2022"

gives, for a loss of 273 319 kr::

    2022-12-31 * "Årets resultat 2022 förs över till eget kapital"
      regel: "arets-resultat"
      ver_serie: "BO"
      Expenses:8999-Årets-resultat     -273319 SEK
      Equity:2069-Årets-resultat   273319 SEK

The annual meeting's decision on the result (balanseras i ny räkning) is booked by hand.
List this plugin after every plugin that books result entries of the year (membership
fees, accruals, holiday pay, special payroll tax), so that the result includes them.
If the year's result transfer is already in the books (a posting on the result account in
that year), nothing is generated. Settings (optional)::

    plugin "bergslaget_plugins.year_end" "{'resultatkonto': 'Expenses:8999-Årets-resultat',
        'eget_kapital': 'Equity:2069-Årets-resultat', 'serie': 'BO'}"
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from beancount.core.data import Directive, Transaction

from bergslaget_plugins.config import check_account_name, parse_config
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.generated import generated_transaction, link_name, posting
from bergslaget_plugins.money import format_kronor

__plugins__ = ("book_year_result",)

RULE_NAME = "arets-resultat"


@dataclass(frozen=True)
class YearEndSettings:
    resultatkonto: str = "Expenses:8999-Årets-resultat"
    eget_kapital: str = "Equity:2069-Årets-resultat"
    serie: str = "BO"

    def __post_init__(self) -> None:
        check_account_name("resultatkonto", self.resultatkonto)
        check_account_name("eget_kapital", self.eget_kapital)


def book_year_result(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    settings, errors = parse_config(config, YearEndSettings, __name__)
    if settings is None:
        return entries, list(errors)
    year_ends, fiscal_errors = year_end_directives(entries)
    result_roots = (options_map["name_income"] + ":", options_map["name_expenses"] + ":")
    result_by_year: dict[int, Decimal] = {}
    transferred: set[int] = set()
    for entry in entries:
        if not isinstance(entry, Transaction) or entry.date.year not in year_ends:
            continue
        for leg in entry.postings:
            if leg.account == settings.resultatkonto:
                transferred.add(entry.date.year)
            elif leg.account.startswith(result_roots) and leg.units is not None:
                result_by_year[entry.date.year] = result_by_year.get(entry.date.year, Decimal(0)) + leg.units.number
    new_entries: list[Directive] = []
    for year, directive in sorted(year_ends.items()):
        balance = result_by_year.get(year, Decimal(0))
        if year in transferred or balance == 0:
            continue
        new_entries.append(generated_transaction(
            directive,
            directive.date,
            f"Årets resultat {year} förs över till eget kapital ({format_kronor(-balance)} kr)",
            [posting(settings.resultatkonto, -balance), posting(settings.eget_kapital, balance)],
            rule=RULE_NAME,
            series=settings.serie,
            links=[link_name("bokslut", year)],
            meta={"arets_resultat": -balance},
        ))
    return entries + new_entries, list(fiscal_errors)
