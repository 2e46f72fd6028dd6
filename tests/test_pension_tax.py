"""Särskild löneskatt på pensionskostnader, booked at each year-end."""

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import datetime
from decimal import Decimal
from pathlib import Path

from beancount import loader
from beancount.core.data import Transaction

from bergslaget_plugins import pension_tax
from bergslaget_plugins.generated import RULE_KEY, SERIES_KEY, VERIFICATION_KEY
from ledgers import with_role

D = datetime.date
CHART_OF_ACCOUNTS = Path(__file__).resolve().parent.parent / "ledger" / "kontoplan.beancount"

PREMIUMS = "Expenses:7411-Pensionsförsäkringspremier"
TAX_COST = "Expenses:7533-Särskild-löneskatt-pension"
TAX_LIABILITY = "Liabilities:2943-Beräknad-särskild-löneskatt"

OPTIONS = """\
option "operating_currency" "SEK"
"""

HEADER = OPTIONS + """\
{plugins}
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Liabilities:2943-Beräknad-särskild-löneskatt SEK
  roll: "beräknad-särskild-löneskatt"
2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK
  roll: "pensionspremier"
2020-01-01 open Expenses:7412-Pensionsförsäkringspremier-extra SEK
2020-01-01 open Expenses:7533-Särskild-löneskatt-pension SEK
  roll: "särskild-löneskatt"
2021-01-01 custom "procentsats" "särskild löneskatt" 24.26
2022-01-01 custom "procentsats" "särskild löneskatt" 24.26
"""

# 2021: 355 791 in premiums; 2022: 343 961 (the association's real books).
YEARS = """
2021-03-31 * "Folksam" "Pensionspremier kv 1"
  Expenses:7411-Pensionsförsäkringspremier    88947 SEK
  Assets:1930-Företagskonto               -88947 SEK
2021-09-30 * "Folksam" "Pensionspremier kv 2-3"
  Expenses:7411-Pensionsförsäkringspremier   177894 SEK
  Assets:1930-Företagskonto              -177894 SEK
2021-12-20 * "Folksam" "Pensionspremier kv 4"
  Expenses:7411-Pensionsförsäkringspremier    88950 SEK
  Assets:1930-Företagskonto               -88950 SEK
2021-12-31 custom "bokslut" "Årsbokslut 2021"
2022-06-30 * "Folksam" "Pensionspremier första halvåret"
  Expenses:7411-Pensionsförsäkringspremier   171980 SEK
  Assets:1930-Företagskonto              -171980 SEK
2022-12-20 * "Folksam" "Pensionspremier andra halvåret"
  Expenses:7411-Pensionsförsäkringspremier   171981 SEK
  Assets:1930-Företagskonto              -171981 SEK
2022-12-31 custom "bokslut" "Årsbokslut 2022"
"""


def ledger(body: str, config: str | None = None, plugins: list[str] | None = None) -> str:
    plugin = 'plugin "bergslaget_plugins.pension_tax"'
    if config is not None:
        plugin += f' "{config}"'
    lines = [plugin] if plugins is None else plugins
    return HEADER.format(plugins="\n".join(lines)) + body


def load(text: str):
    return loader.load_string(text)


def load_clean(text: str):
    entries, errors, options_map = load(text)
    assert errors == []
    return entries, options_map


def lineno_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def generated(entries, rule: str = "särskild löneskatt") -> list[Transaction]:
    return [entry for entry in entries if isinstance(entry, Transaction) and entry.meta.get(RULE_KEY) == rule]


def amounts(entry: Transaction) -> dict[str, Decimal]:
    return {posting.account: posting.units.number for posting in entry.postings}


def test_tax_for_each_closed_year_from_the_real_books():
    text = ledger(YEARS)
    entries, _ = load_clean(text)
    first, second = generated(entries)
    assert first.date == D(2021, 12, 31)
    assert amounts(first) == {TAX_COST: Decimal(86315), TAX_LIABILITY: Decimal(-86315)}
    assert first.meta["pensionspremier"] == Decimal(355791)
    assert first.meta["lineno"] == lineno_of(text, "Årsbokslut 2021")
    assert second.date == D(2022, 12, 31)
    assert amounts(second) == {TAX_COST: Decimal(83445), TAX_LIABILITY: Decimal(-83445)}
    assert second.meta["pensionspremier"] == Decimal(343961)
    assert second.meta["sarskild_loneskatt_procent"] == Decimal("24.26")
    assert second.meta["lineno"] == lineno_of(text, "Årsbokslut 2022")
    assert second.narration == "Särskild löneskatt på pensionskostnader 2022: 24,26 % av 343 961 kr"
    for entry in (first, second):
        assert entry.meta[SERIES_KEY] == "BO"
        assert VERIFICATION_KEY not in entry.meta


def test_missing_rate_is_an_error_at_the_closing_and_that_year_is_not_booked():
    text = ledger(YEARS).replace('2022-01-01 custom "procentsats" "särskild löneskatt" 24.26\n', "")
    entries, errors, _ = load(text)
    (error,) = errors
    assert "särskild löneskatt" in error.message and "2022" in error.message
    assert error.source["lineno"] == lineno_of(text, "Årsbokslut 2022")
    assert [entry.date for entry in generated(entries)] == [D(2021, 12, 31)]


def test_year_without_closing_is_not_booked_and_year_without_premiums_needs_no_rate():
    text = ledger(
        """
2023-05-31 * "Folksam" "Pensionspremier"
  Expenses:7411-Pensionsförsäkringspremier    1000 SEK
  Assets:1930-Företagskonto               -1000 SEK
2024-12-31 custom "bokslut" "Årsbokslut 2024"
"""
    )
    entries, _ = load_clean(text)
    assert generated(entries) == []


def test_premiums_from_earlier_plugins_and_every_account_with_the_role_count():
    text = with_role(ledger(
        """
2022-03-31 * "Folksam" "Premie, skapad av en tidigare regel"
  regel: "annan regel"
  Expenses:7411-Pensionsförsäkringspremier    10000 SEK
  Assets:1930-Företagskonto               -10000 SEK
2022-04-30 * "Folksam" "Extra premie"
  Expenses:7412-Pensionsförsäkringspremier-extra  5000 SEK
  Assets:1930-Företagskonto                   -5000 SEK
2022-12-31 custom "bokslut" "Årsbokslut 2022"
"""), "pensionspremier", "Expenses:7412-Pensionsförsäkringspremier-extra")
    text = text.replace('2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK\n',
                        '2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK\n  roll: "pensionspremier"\n')
    entries, _ = load_clean(text)
    (entry,) = generated(entries)
    assert entry.meta["pensionspremier"] == Decimal(15000)
    assert amounts(entry)[TAX_COST] == Decimal(3639)  # 15 000 × 24,26 % = 3 639


def test_running_again_adds_nothing():
    entries, options_map = load_clean(ledger(YEARS))
    again, errors = pension_tax.book_special_payroll_tax(entries, options_map)
    assert errors == []
    assert len(generated(again)) == 2


def test_bad_config_is_an_error_and_nothing_is_generated():
    entries, errors, _ = load(ledger(YEARS, "{'procentsats': ''}"))
    (error,) = errors
    assert "procentsats" in error.message
    assert generated(entries) == []


def test_all_year_end_rules_with_the_real_chart_of_accounts_and_defaults():
    """The plugin lines of the real ledger, with no settings, against kontoplan.beancount.

    The chart is pasted after the options rather than included: Beancount parses an
    included file with its own options, so the Swedish root names would not apply.
    """
    text = (
        OPTIONS
        + CHART_OF_ACCOUNTS.read_text(encoding="utf-8")
        + """
plugin "bergslaget_plugins.accruals"
plugin "bergslaget_plugins.holiday_pay"
plugin "bergslaget_plugins.pension_tax"
2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
2022-01-01 custom "procentsats" "särskild löneskatt" 24.26
2022-06-30 * "Folksam" "Pensionspremier"
  Expenses:7411-Pensionsförsäkringspremier   343961 SEK
  Assets:1930-Företagskonto              -343961 SEK
2022-12-20 * "Fastighets AB Hushagen" "Hyra kv 1 2023"
  ver: "LF12"
  period: "2023-01/2023-03"
  Expenses:5010-Lokalhyra            16061 SEK
  Assets:1930-Företagskonto      -16061 SEK
2022-01-20 * "Visit Dalarna" "Marknadsföring kv 4 2021"
  ver: "LF3"
  period: "2021-10/2021-12"
  notpost: "Skuld till Visit Dalarna kv 4"
  Expenses:6590-Övriga-externa-tjänster    25067 SEK
  Liabilities:2440-Leverantörsskulder          -25067 SEK
2022-12-31 custom "semesterlöneskuld" "Anders Edström"
  sparade_dagar: 42
  dagsats: 2470
2022-12-31 custom "bokslut" "Årsbokslut 2022"
"""
    )
    entries, _ = load_clean(text)
    assert len(generated(entries, "periodisering")) == 6
    (holiday,) = generated(entries, "semesterlöneskuld")
    assert amounts(holiday)["Liabilities:2941-Beräknade-sociala-avgifter"] == Decimal(-32595)
    (tax,) = generated(entries)
    assert amounts(tax)[TAX_COST] == Decimal(83445)
    assert tax.meta["lineno"] == lineno_of(text, "Årsbokslut 2022")
