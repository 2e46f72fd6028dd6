"""Semesterlöneskuld: the holiday-pay liability and its social fees at year end."""

import os

os.environ.setdefault("BEANCOUNT_DISABLE_LOAD_CACHE", "1")

import datetime
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core.data import Transaction

from bergslaget_plugins import holiday_pay
from bergslaget_plugins.generated import RULE_KEY, SERIES_KEY, VERIFICATION_KEY
from ledgers import with_role

D = datetime.date

LIABILITY = "Liabilities:2920-Upplupna-semesterlöner"
CHANGE = "Expenses:7290-Förändring-semesterlöneskuld"
FEES_LIABILITY = "Liabilities:2941-Beräknade-sociala-avgifter"
FEES_COST = "Expenses:7519-Sociala-avgifter-semesterlöneskuld"

HEADER = """\
option "operating_currency" "SEK"
{plugins}
2020-01-01 open Assets:1930-Företagskonto SEK
2020-01-01 open Liabilities:2920-Upplupna-semesterlöner SEK
  roll: "semesterlöneskuld"
2020-01-01 open Liabilities:2941-Beräknade-sociala-avgifter SEK
  roll: "beräknade-sociala-avgifter"
2020-01-01 open Liabilities:2943-Beräknad-särskild-löneskatt SEK
  roll: "beräknad-särskild-löneskatt"
2020-01-01 open Expenses:7290-Förändring-semesterlöneskuld SEK
  roll: "förändring-semesterlöneskuld"
2020-01-01 open Expenses:7519-Sociala-avgifter-semesterlöneskuld SEK
  roll: "sociala-avgifter-semesterlöneskuld"
2020-01-01 open Expenses:7533-Särskild-löneskatt-pension SEK
  roll: "särskild-löneskatt"
2020-01-01 open Expenses:7411-Pensionsförsäkringspremier SEK
  roll: "pensionspremier"
2021-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42
  kalla: "Skatteverket, arbetsgivaravgifter 2022"
"""

ANDERS_2022 = """
2022-12-31 custom "semesterlöneskuld" "Anders Edström"
  sparade_dagar: 42
  dagsats: 2470
"""

MIKAELA_2021 = """
2021-12-31 custom "semesterlöneskuld" "Mikaela Ankarvall"
  skuld: 34720
"""


def ledger(body: str, config: str | None = None, plugins: list[str] | None = None) -> str:
    plugin = 'plugin "bergslaget_plugins.holiday_pay"'
    if config is not None:
        plugin += f' "{config}"'
    lines = [plugin] if plugins is None else plugins
    return HEADER.format(plugins="\n".join(lines)) + body


def load(text: str):
    entries, errors, options_map = loader.load_string(text)
    return entries, errors, options_map


def load_clean(text: str):
    entries, errors, options_map = load(text)
    assert errors == []
    return entries, options_map


def lineno_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def generated(entries) -> list[Transaction]:
    return [
        entry for entry in entries if isinstance(entry, Transaction) and entry.meta.get(RULE_KEY) == "semesterlöneskuld"
    ]


def amounts(entry: Transaction) -> dict[str, Decimal]:
    return {posting.account: posting.units.number for posting in entry.postings}


def balance(entries, account: str, until: datetime.date) -> Decimal:
    return sum(
        (
            posting.units.number
            for entry in entries
            if isinstance(entry, Transaction) and entry.date <= until
            for posting in entry.postings
            if posting.account == account
        ),
        Decimal(0),
    )


def test_days_and_day_rate_give_liability_and_social_fees():
    text = ledger(ANDERS_2022)
    entries, _ = load_clean(text)
    (entry,) = generated(entries)
    assert entry.date == D(2022, 12, 31)
    assert amounts(entry) == {
        CHANGE: Decimal(103740),
        LIABILITY: Decimal(-103740),
        FEES_COST: Decimal(32595),
        FEES_LIABILITY: Decimal(-32595),
    }
    assert entry.meta[SERIES_KEY] == "BO"
    assert VERIFICATION_KEY not in entry.meta
    assert entry.meta["lineno"] == lineno_of(text, "Anders Edström")
    assert entry.meta["underlag"] == "Anders Edström: 42 dagar × 2 470,00 kr = 103 740 kr"
    assert entry.meta["semesterloneskuld"] == Decimal(103740)
    assert entry.meta["sociala_avgifter"] == Decimal(32595)
    assert entry.meta["arbetsgivaravgift_procent"] == Decimal("31.42")
    assert "103 740 kr" in entry.narration and "31,42 %" in entry.narration and "32 595 kr" in entry.narration


def test_liability_given_directly():
    entries, _ = load_clean(ledger(MIKAELA_2021))
    (entry,) = generated(entries)
    assert entry.date == D(2021, 12, 31)
    # 34 720 × 31,42 % = 10 909,02
    assert amounts(entry) == {
        CHANGE: Decimal(34720),
        LIABILITY: Decimal(-34720),
        FEES_COST: Decimal(10909),
        FEES_LIABILITY: Decimal(-10909),
    }
    assert entry.meta["underlag"] == "Mikaela Ankarvall: skuld 34 720 kr"


def test_liability_as_an_amount_in_sek():
    entries, _ = load_clean(ledger(MIKAELA_2021.replace("34720", "34720 SEK")))
    (entry,) = generated(entries)
    assert amounts(entry)[LIABILITY] == Decimal(-34720)


def test_second_year_books_the_change_against_the_balance():
    entries, _ = load_clean(ledger(MIKAELA_2021 + ANDERS_2022))
    first, second = generated(entries)
    assert amounts(second) == {
        CHANGE: Decimal(103740 - 34720),
        LIABILITY: Decimal(-(103740 - 34720)),
        FEES_COST: Decimal(32595 - 10909),
        FEES_LIABILITY: Decimal(-(32595 - 10909)),
    }
    assert balance(entries, LIABILITY, D(2022, 12, 31)) == Decimal(-103740)
    assert balance(entries, FEES_LIABILITY, D(2022, 12, 31)) == Decimal(-32595)


def test_a_smaller_liability_reverses_part_of_it():
    text = ledger(
        ANDERS_2022.replace("2022-12-31", "2021-12-31")
        + """
2022-12-31 custom "semesterlöneskuld" "Anders Edström"
  skuld: 20000
"""
    )
    entries, _ = load_clean(text)
    _first, second = generated(entries)
    assert amounts(second) == {
        CHANGE: Decimal(20000 - 103740),
        LIABILITY: Decimal(103740 - 20000),
        FEES_COST: Decimal(6284 - 32595),
        FEES_LIABILITY: Decimal(32595 - 6284),
    }


def test_several_employees_on_a_date_one_entry_each_liability_rounded():
    text = ledger(
        ANDERS_2022
        + """
2022-12-31 custom "semesterlöneskuld" "Mikaela Ankarvall"
  sparade_dagar: 10.5
  dagsats: 1234.57
"""
    )
    entries, _ = load_clean(text)
    (entry,) = generated(entries)
    # 10,5 × 1 234,57 = 12 962,985 → 12 963
    total = Decimal(103740 + 12963)
    assert amounts(entry)[LIABILITY] == -total
    assert amounts(entry)[FEES_LIABILITY] == -Decimal("36668")  # 116 703 × 31,42 % = 36 668,08
    assert entry.meta["lineno"] == lineno_of(text, "Anders Edström")
    assert entry.meta["underlag"] == (
        "Anders Edström: 42 dagar × 2 470,00 kr = 103 740 kr; "
        "Mikaela Ankarvall: 10,5 dagar × 1 234,57 kr = 12 963 kr"
    )
    assert "2 anställda" in entry.narration


def test_balance_includes_manual_entries_up_to_the_date():
    text = ledger(
        """
2022-06-30 * "Semesterlön utbetald ur skulden"
  Liabilities:2920-Upplupna-semesterlöner        -5000 SEK
  Assets:1930-Företagskonto               5000 SEK
2022-12-31 * "Samma dag, före beräkningen"
  Liabilities:2920-Upplupna-semesterlöner        -1000 SEK
  Assets:1930-Företagskonto               1000 SEK
2023-01-15 * "Efter bokslutet: räknas inte"
  Liabilities:2920-Upplupna-semesterlöner        -7000 SEK
  Assets:1930-Företagskonto               7000 SEK
"""
        + ANDERS_2022
    )
    entries, _ = load_clean(text)
    (entry,) = generated(entries)
    assert amounts(entry)[LIABILITY] == Decimal(-(103740 - 6000))
    assert balance(entries, LIABILITY, D(2022, 12, 31)) == Decimal(-103740)


def test_no_change_books_nothing_and_running_again_adds_nothing():
    entries, options_map = load_clean(ledger(MIKAELA_2021 + ANDERS_2022))
    again, errors = holiday_pay.book_holiday_pay_liability(entries, options_map)
    assert errors == []
    assert len(generated(again)) == 2


def test_accounts_follow_the_roles():
    text = ledger("2020-01-01 open Liabilities:2940-Upplupna-sociala-avgifter SEK\n" + ANDERS_2022)
    text = with_role(text, "semesterlöneskuld", "Liabilities:2940-Upplupna-sociala-avgifter")
    text = with_role(text, "sociala-avgifter-semesterlöneskuld", "Expenses:7533-Särskild-löneskatt-pension")
    entries, _ = load_clean(text)
    (entry,) = generated(entries)
    assert set(amounts(entry)) == {
        CHANGE,
        "Liabilities:2940-Upplupna-sociala-avgifter",
        "Expenses:7533-Särskild-löneskatt-pension",
        FEES_LIABILITY,
    }


BAD_FACTS = [
    ('  sparade_dagar: 10\n  dagsats: 2000\n  skuld: 20000', "inte båda"),
    ("  kommentar: \"ingenting\"", "ange sparade_dagar och dagsats"),
    ("  dagsats: 2000", "ange sparade_dagar och dagsats"),
    ("  sparade_dagar: 10", "ange sparade_dagar och dagsats"),
    ("  skuld: -20000", "negativ"),
    ("  sparade_dagar: -3\n  dagsats: 2000", "negativ"),
    ('  skuld: "20 000"', "ska vara ett tal"),
    ('  sparade_dagar: "tio"\n  dagsats: 2000', "ska vara ett tal"),
    ("  skuld: 20000 EUR", "SEK"),
]


@pytest.mark.parametrize("meta, message", BAD_FACTS)
def test_bad_fact_is_an_error_and_its_date_is_not_booked(meta, message):
    text = ledger(
        MIKAELA_2021
        + f"""
2022-12-31 custom "semesterlöneskuld" "Felaktig Uppgift"
{meta}
"""
        + ANDERS_2022
    )
    entries, errors, _ = load(text)
    (error,) = errors
    assert isinstance(error, holiday_pay.HolidayPayError)
    assert message in error.message
    assert error.source["lineno"] == lineno_of(text, "Felaktig Uppgift")
    # Nothing for 2022-12-31 (its total would be wrong); 2021 is still booked.
    assert [entry.date for entry in generated(entries)] == [D(2021, 12, 31)]


def test_fact_without_employee_name_is_an_error():
    text = ledger('2022-12-31 custom "semesterlöneskuld" 42\n  skuld: 1000\n')
    entries, errors, _ = load(text)
    (error,) = errors
    assert error.source["lineno"] == lineno_of(text, "\"semesterlöneskuld\" 42")
    assert generated(entries) == []


def test_same_employee_twice_on_a_date_is_an_error_at_the_second():
    text = ledger(
        MIKAELA_2021
        + ANDERS_2022
        + """
2022-12-31 custom "semesterlöneskuld" "Anders Edström"
  skuld: 50000
"""
    )
    entries, errors, _ = load(text)
    (error,) = errors
    assert "finns redan" in error.message
    assert error.source["lineno"] == lineno_of(text, "skuld: 50000") - 1
    assert [entry.date for entry in generated(entries)] == [D(2021, 12, 31)]


def test_missing_rate_for_the_year_is_an_error_at_the_first_fact_of_the_date():
    text = ledger(
        MIKAELA_2021
        + """
2023-12-31 custom "semesterlöneskuld" "Anders Edström"
  skuld: 50000
2023-12-31 custom "semesterlöneskuld" "Mikaela Ankarvall"
  skuld: 10000
"""
    )
    entries, errors, _ = load(text)
    (error,) = errors
    assert "arbetsgivaravgift" in error.message and "2023" in error.message
    assert error.source["lineno"] == lineno_of(text, "2023-12-31 custom")
    assert [entry.date for entry in generated(entries)] == [D(2021, 12, 31)]


def test_rate_errors_are_reported_once_by_the_rule_using_the_rate():
    text = ledger(
        '2022-06-01 custom "procentsats" "arbetsgivaravgift" 10.21\n'
        '2022-01-01 custom "procentsats" "särskild löneskatt" 24.26\n'
        '2022-06-01 custom "procentsats" "särskild löneskatt" 24.26\n' + ANDERS_2022,
        plugins=['plugin "bergslaget_plugins.holiday_pay"', 'plugin "bergslaget_plugins.pension_tax"'],
    )
    entries, errors, _ = load(text)
    assert sorted(error.source["lineno"] for error in errors) == [
        lineno_of(text, "10.21"),
        lineno_of(text, '2022-06-01 custom "procentsats" "särskild löneskatt"'),
    ]
    # The first arbetsgivaravgift for 2022 is used.
    (entry,) = generated(entries)
    assert amounts(entry)[FEES_LIABILITY] == Decimal(-32595)


def test_bad_config_is_an_error_and_nothing_is_generated():
    entries, errors, _ = load(ledger(ANDERS_2022, "{'semesterloneskuld': 'Liabilities:2920-Upplupna-semesterlöner'}"))
    (error,) = errors
    assert "okända inställningar: semesterloneskuld" in error.message
    assert generated(entries) == []


def test_a_missing_role_is_an_error_and_nothing_is_generated():
    entries, errors, _ = load(with_role(ledger(ANDERS_2022), "semesterlöneskuld", ""))
    (error,) = errors
    assert 'Inget konto har rollen "semesterlöneskuld"' in error.message
    assert generated(entries) == []


# -- a year-end without holiday-pay lines ---------------------------------------------------------

def test_year_end_without_holiday_pay_lines_after_employees_is_an_error():
    """Found defect: a year-end without a semesterlöneskuld line silently kept last year's liability."""
    text = ledger(MIKAELA_2021 + '\n2022-12-31 custom "bokslut" "Årsbokslut 2022"\n')
    _, errors, _ = load(text)
    [error] = errors
    assert "semesterlöneskuld saknas" in error.message
    assert error.source["lineno"] == lineno_of(text, "Årsbokslut 2022")


def test_an_explicit_zero_line_says_there_is_no_liability():
    text = ledger(MIKAELA_2021 + '\n2022-12-31 custom "bokslut" "Årsbokslut 2022"\n'
                  '2022-12-31 custom "semesterlöneskuld" "Mikaela Ankarvall"\n  skuld: 0\n')
    entries, _ = load_clean(text)
    [reversal] = [e for e in generated(entries) if e.date.year == 2022]
    assert {p.account: p.units.number for p in reversal.postings}[LIABILITY] == Decimal(34720)


def test_a_year_end_without_employees_needs_no_holiday_pay_line():
    load_clean(ledger('\n2022-12-31 custom "bokslut" "Årsbokslut 2022"\n'))
