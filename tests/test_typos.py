"""Typos that change figures are bean-check errors at their line, with a suggestion where one is obvious:
a counterparty spelled with another case or spacing, a counterparty whose balance on a note account
has the wrong sign, an unknown custom type or metadata key close to the association's vocabulary,
a budget on an account that is not open, a budget that cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest
from beancount import loader
from conftest import LEDGER, REPOSITORY

from ledgers import ledger_text, line_of

PLUGINS = """
plugin "bergslaget_plugins.counterparties"
plugin "bergslaget_plugins.spelling"
plugin "bergslaget_plugins.budget_check"
"""


def load(body: str):
    text = ledger_text(body, plugins=PLUGINS)
    entries, errors, options = loader.load_string(text)
    return text, errors


def messages(errors) -> list[str]:
    return [error.message for error in errors]


def test_the_books_list_the_typo_plugins_and_stay_clean(books):
    from bergslaget_plugins.rules import RULES

    assert 'plugin "bergslaget_plugins.rules"' in LEDGER.read_text()
    for plugin in ("counterparties", "spelling", "budget_check"):
        assert f"bergslaget_plugins.{plugin}" in RULES
    _, errors, _ = books
    assert errors == []


SUPPLIER = """
2021-03-01 * "SPP" "Faktura"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  100 SEK
  Liabilities:2440-Leverantörsskulder  -100 SEK
    motpart: "SPP Pension och Försäkring"
2021-03-02 * "SPP" "Faktura"
  ver: "A2"
  Expenses:6990-Övriga-externa-kostnader  100 SEK
  Liabilities:2440-Leverantörsskulder  -100 SEK
    motpart: "SPP Pension och Försäkring"
2021-03-20 * "SPP" "Betalning"
  ver: "A3"
  Assets:1930-Företagskonto  -100 SEK
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "SPP Pension och försäkring"
"""


def test_counterparty_differing_only_in_case_is_an_error_with_the_existing_spelling():
    text, errors = load(SUPPLIER)
    found = [e for e in errors if "skrivs också" in e.message]
    assert len(found) == 1, messages(errors)
    assert found[0].source["lineno"] == line_of(text, 'motpart: "SPP Pension och försäkring"') - 1  # the posting
    assert "'SPP Pension och Försäkring'" in found[0].message


def test_counterparty_differing_only_in_spacing_is_an_error():
    text, errors = load(SUPPLIER.replace('motpart: "SPP Pension och försäkring"', 'motpart: "SPP  Pension och Försäkring "'))
    assert any("skrivs också" in m and "'SPP Pension och Försäkring'" in m for m in messages(errors)), messages(errors)


def test_counterparty_with_a_wrong_sign_balance_on_a_note_account():
    body = """
2021-03-01 * "Leverantör" "Betalning utan faktura"
  ver: "A1"
  Assets:1930-Företagskonto  -100 SEK
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "Ensam AB"
"""
    text, errors = load(body)
    found = [e for e in errors if "fel tecken" in e.message]
    assert len(found) == 1, messages(errors)
    assert "Ensam AB" in found[0].message and "2021-12-31" in found[0].message
    assert found[0].source["lineno"] == line_of(text, 'motpart: "Ensam AB"') - 1  # the posting


def test_correct_counterparties_pass():
    _, errors = load(SUPPLIER.replace('"SPP Pension och försäkring"', '"SPP Pension och Försäkring"'))
    assert errors == []


@pytest.mark.parametrize("typo, known", [("medlemm", "medlem"), ("Budget", "budget"), ("rapport-rad", "rapportrad"),
                                         ("procentsatts", "procentsats")])
def test_unknown_custom_type_close_to_a_known_one(typo, known):
    text, errors = load(f'2021-01-01 custom "{typo}" "Storfors kommun"\n')
    found = [e for e in errors if "okänd" in e.message.lower()]
    assert len(found) == 1, messages(errors)
    assert f'"{known}"' in found[0].message
    assert found[0].source["lineno"] == line_of(text, typo)


@pytest.mark.parametrize("typo, known", [("perod", "period"), ("motpar", "motpart"), ("peroid", "period")])
def test_unknown_metadata_key_close_to_a_known_one(typo, known):
    text, errors = load(f"""
2021-03-01 * "Hyra" "Hyra kvartal 2"
  ver: "A1"
  {typo}: "2021-04/2021-06"
  Expenses:6990-Övriga-externa-kostnader  100 SEK
  Assets:1930-Företagskonto  -100 SEK
""")
    found = [e for e in errors if "okänd" in e.message.lower()]
    assert len(found) == 1, messages(errors)
    assert f"{known}" in found[0].message
    assert found[0].source["lineno"] == line_of(text, "2021-03-01")


def test_unrelated_words_pass():
    _, errors = load('2021-01-01 custom "anteckning" "fri text"\n  helt_egen_nyckel: "x"\n')
    assert errors == []


def test_budget_on_an_account_that_is_not_open():
    text, errors = load('2021-01-01 custom "budget" Income:3994-Medlemsavgift "yearly" -1000 SEK\n')
    found = [e for e in errors if "inte är öppet" in e.message]
    assert len(found) == 1, messages(errors)
    assert "Income:3994-Medlemsavgifter" in found[0].message
    assert found[0].source["lineno"] == line_of(text, "custom \"budget\"")


@pytest.mark.parametrize("budget, words", [
    ('Income:3994-Medlemsavgifter "yerly" -1000 SEK', "budgetperiod"),
    ('Income:3994-Medlemsavgifter "yearly" -1000', "konto, period och belopp"),
    ('Income:3994-Medlemsavgifter "yearly" -1000 EUR', "SEK"),
])
def test_unreadable_budgets_fail_bean_check(budget, words):
    text, errors = load(f'2021-01-01 custom "budget" {budget}\n')
    assert any(words in m for m in messages(errors)), messages(errors)
    assert all(e.source["lineno"] == line_of(text, 'custom "budget"') for e in errors)


def _copy_of_books(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    import shutil

    folder = tmp_path / "ledger"
    shutil.copytree(REPOSITORY / "ledger", folder)
    target = folder / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder / "main.beancount", line


def test_real_books_with_a_counterparty_case_typo_fail_bean_check(tmp_path):
    main, line = _copy_of_books(tmp_path, "2022/bank.beancount", 'motpart: "SPP Pension och Försäkring"',
                                'motpart: "SPP Pension och försäkring"')
    _, errors, _ = loader.load_file(str(main))
    found = [e for e in errors if "skrivs också" in e.message]
    assert found and found[0].source["filename"].endswith("bank.beancount")
    assert found[0].source["lineno"] == line - 1


def test_real_books_with_a_budget_account_typo_fail_bean_check(tmp_path):
    main, line = _copy_of_books(tmp_path, "2022/budget.beancount", 'custom "budget" Income:3994-Medlemsavgifter',
                                'custom "budget" Income:3994-Medlemsavgift')
    _, errors, _ = loader.load_file(str(main))
    found = [e for e in errors if "inte är öppet" in e.message]
    assert len(found) == 1 and found[0].source["lineno"] == line
    assert "menas Income:3994-Medlemsavgifter?" in found[0].message
