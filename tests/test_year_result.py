"""The year's result in every view: a plain BQL query, Fava's own income statement and
balance sheet (the real Fava app and its JSON API), and the annual report's equity lines.

Found defect: the year-end rule booked the result through Expenses:8999, so Income plus
Expenses of a year summed to 0 and Fava's Resultaträkning showed no net result.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from beanquery.query import run_query
from conftest import LEDGER
from fava.application import create_app

from bergslaget_plugins.statements import build_annual_report

#: The published results (a loss each year) and equity at each year end (annual report 2022).
LOSS = {2021: Decimal(424259), 2022: Decimal(273319)}
RETAINED = {2021: Decimal(1413539), 2022: Decimal(989280)}


@pytest.fixture(scope="module")
def fava():
    app = create_app([str(LEDGER)], read_only=True, load=True)
    return app.test_client(), app.config["LEDGERS"].first_slug(), app


def fava_data(fava, endpoint: str, year: int) -> dict:
    client, slug, _ = fava
    response = client.get(f"/{slug}/api/{endpoint}?time={year}")
    assert response.status_code == 200
    return response.get_json()["data"]


def equity_accounts(tree: dict, found: dict[str, Decimal]) -> dict[str, Decimal]:
    if tree["account"].startswith("Equity:") and tree["balance"]:
        found[tree["account"]] = Decimal(str(tree["balance"]["SEK"]))
    for child in tree["children"]:
        equity_accounts(child, found)
    return found


@pytest.mark.parametrize("year", [2021, 2022])
def test_plain_bql_over_income_and_expenses_is_the_year_result(books, year):
    entries, _, options = books
    _, rows = run_query(entries, options, f"SELECT sum(number) WHERE account ~ '^(Income|Expenses):' AND year = {year}")
    assert rows[0][0] == LOSS[year]


@pytest.mark.parametrize("year", [2021, 2022])
def test_fava_income_statement_shows_the_net_result(fava, year):
    trees = {tree["account"]: tree for tree in fava_data(fava, "income_statement", year)["trees"]}
    [net_profit] = [tree for name, tree in trees.items() if name not in ("Income", "Expenses")]
    assert Decimal(str(net_profit["balance"]["SEK"])) == LOSS[year]  # Beancount's sign: a loss is positive
    _, _, app = fava
    # Fava shows income, liabilities and equity (and Nettoresultat) inverted: the loss as −273 319.
    assert app.config["LEDGERS"][fava[1]].fava_options.invert_income_liabilities_equity is True


@pytest.mark.parametrize("year", [2021, 2022])
def test_fava_balance_sheet_carries_the_result_on_2069_and_the_disposed_results_on_2067(fava, year):
    equity = {}
    for tree in fava_data(fava, "balance_sheet", year)["trees"]:
        equity_accounts(tree, equity)
    assert equity == {
        "Equity:2067-Balanserat-resultat": -RETAINED[year],
        "Equity:2069-Årets-resultat": LOSS[year],
    }


@pytest.mark.parametrize("year", [2021, 2022])
def test_annual_report_equity_lines_match_fava(books, year):
    entries, _, options = books
    sheet = build_annual_report(entries, options, year).balance_sheet
    assert sheet.row("Balanserat resultat").values[1] == RETAINED[year]
    assert sheet.row("Årets resultat").values[1] == -LOSS[year]
