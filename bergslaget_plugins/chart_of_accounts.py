"""Check the chart of accounts and its mapping to the annual report.

Every account carries its BAS number (first in its name) and its Swedish name, and
names its line in the resultaträkning or balansräkning; the lines are declared once,
in order, as ``rapportrad`` directives. Postings on accounts whose note is specified
per counterparty must say which (``motpart``). This plugin reports, at the
directive's file and line, everything the report would later refuse::

    plugin "bergslaget_plugins.chart_of_accounts"

    2020-01-01 custom "rapportrad" "Intäkter" "Nettoomsättning"
    2020-01-01 custom "rapportrad" "Tillgångar" "Kundfordringar"
      not: 1
    2020-01-01 open Income:3010-Försäljning SEK
      namn: "Försäljning"
      rad: "Nettoomsättning"
    2020-01-01 open Assets:1510-Kundfordringar SEK
      namn: "Kundfordringar"
      rad: "Kundfordringar"

    2022-03-01 * "Tåg i Bergslagen" "Faktura 1043"
      Assets:1510-Kundfordringar  13010 SEK
        motpart: "Tåg i Bergslagen"
      Income:3010-Försäljning  -13010 SEK

List it after the plugins that generate entries, so that their postings are checked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from beancount.core.data import Directive

from bergslaget_plugins.chart import Chart, ChartError, read_chart
from bergslaget_plugins.counterparty_postings import counterparty_postings

__plugins__ = ("check_chart_of_accounts",)


def check_chart_of_accounts(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[ChartError]]:
    """Return the entries unchanged, with an error for each mapping problem."""
    chart, errors = read_chart(entries, options_map)
    errors.extend(postings_missing_counterparty(entries, chart))
    return entries, errors


def postings_missing_counterparty(entries: Sequence[Directive], chart: Chart) -> list[ChartError]:
    """Postings on note accounts without a fixed row that do not name their ``motpart``."""
    return [
        ChartError(entry.meta, f"Konteringen på {posting.account} saknar motpart "
                               f"(noten till {chart.accounts[posting.account].line} specificeras per motpart)", entry)
        for entry, posting in counterparty_postings(entries, chart.accounts_needing_counterparty()).unnamed
    ]
