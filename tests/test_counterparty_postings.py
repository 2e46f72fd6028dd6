"""The postings sorted out by counterparty once per list of transactions on the rules line
(counterparty_postings): the chart-of-accounts check and the counterparty check find there
what each would find on a plugin line of its own, also when a rule between them changed a
transaction."""

from __future__ import annotations

from beancount import loader

from bergslaget_plugins.counterparty_postings import counterparty_postings
from bergslaget_plugins.entry_index import shared_entry_indexes
from ledgers import ledger_text

RULES_LINE = 'plugin "bergslaget_plugins.rules"\n'
OWN_LINES = """
plugin "bergslaget_plugins.chart_of_accounts"
plugin "bergslaget_plugins.markup"
plugin "bergslaget_plugins.counterparties"
"""

# Two postings spell the supplier "Firma <AB>" and one "firma ‹ab›": the markup rule (on
# the rules line between the two checks) writes "<" as "‹" in a copy of the transaction,
# so the counterparty check must see "Firma ‹AB›" twice and "firma ‹ab›" once: one
# counterparty spelled two ways. A pass kept from before the markup rule would see two
# different counterparties. A payment without its counterparty, a supplier with a claim
# at the year end, and a counterparty on an account without a note complete the picture.
BODY = """
2022-02-01 * "Firma" "Faktura 1"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  300 SEK
  Liabilities:2440-Leverantörsskulder  -300 SEK
    motpart: "Firma <AB>"
2022-02-02 * "Firma" "Faktura 2"
  ver: "A2"
  Expenses:6990-Övriga-externa-kostnader  200 SEK
  Liabilities:2440-Leverantörsskulder  -200 SEK
    motpart: "Firma <AB>"
2022-03-01 * "Firma" "Betalning"
  ver: "A3"
  Assets:1930-Företagskonto  -100 SEK
    motpart: "Banken"
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "firma ‹ab›"
2022-03-02 * "Firma" "Betalning utan motpart"
  ver: "A4"
  Assets:1930-Företagskonto  -50 SEK
    motpart: "banken"
  Liabilities:2440-Leverantörsskulder  50 SEK
"""

CHECKS = ("chart_of_accounts", "counterparties")


def checks_errors(plugins: str) -> list[tuple[str, str]]:
    _, errors, _ = loader.load_string(ledger_text(BODY, plugins=plugins))
    return [(type(error).__name__, error.message) for error in errors
            if type(error).__module__.rsplit(".", 1)[-1] in ("chart", "counterparties")]


def test_on_the_rules_line_the_checks_find_what_they_find_on_their_own_lines() -> None:
    on_their_own = checks_errors(OWN_LINES)
    assert on_their_own == checks_errors(RULES_LINE)
    messages = [message for _, message in on_their_own]
    assert any("'firma ‹ab›'" in message and "'Firma ‹AB›'" in message for message in messages), messages
    assert any("'banken'" in message and "'Banken'" in message for message in messages), messages  # an account without a note
    assert any("saknar motpart" in message for message in messages), messages
    assert any("fel tecken" in message and "'firma ‹ab›'" in message for message in messages), messages


def test_within_the_scope_the_postings_are_sorted_out_once_per_list_of_transactions() -> None:
    entries, _, _ = loader.load_string(ledger_text(BODY))
    needing = frozenset({"Liabilities:2440-Leverantörsskulder"})
    assert counterparty_postings(entries, needing) is not counterparty_postings(entries, needing)
    with shared_entry_indexes():
        found = counterparty_postings(entries, needing)
        assert counterparty_postings(entries, needing) is found
        assert counterparty_postings(list(entries), needing) is not found  # another list, another index
        other = counterparty_postings(entries, frozenset())
        assert other is not found and other.unnamed == [] and other.named == found.named
    assert [(entry.narration, name) for entry, _, name in found.named] == [
        ("Faktura 1", "Firma <AB>"), ("Faktura 2", "Firma <AB>"), ("Betalning", "Banken"), ("Betalning", "firma ‹ab›"),
        ("Betalning utan motpart", "banken")]
    assert [(entry.narration, posting.account) for entry, posting in found.unnamed] == [
        ("Betalning utan motpart", "Liabilities:2440-Leverantörsskulder")]


YEARS = """
2020-03-01 * "Leverantör" "Betalning utan faktura"
  ver: "A1"
  Assets:1930-Företagskonto  -100 SEK
  Liabilities:2440-Leverantörsskulder  100 SEK
    motpart: "Ensam AB"
2023-03-01 * "Leverantör" "Faktura"
  ver: "A1"
  Expenses:6990-Övriga-externa-kostnader  40 SEK
  Liabilities:2440-Leverantörsskulder  -40 SEK
    motpart: "Ensam AB"
2023-04-01 * "Kund" "Förskott"
  ver: "A2"
  Assets:1930-Företagskonto  10 SEK
  Assets:1510-Kundfordringar  -10 SEK
    motpart: "Kund AB"
"""


def test_a_wrong_sign_is_reported_once_per_last_posting_across_years_without_postings() -> None:
    """2021 and 2022 have no postings: their year ends find the balance of 2020 at the same
    last posting, reported once."""
    from bergslaget_plugins.counterparties import check_counterparties

    entries, errors, options = loader.load_string(ledger_text(YEARS))
    assert errors == []
    expected = [
        "Motparten 'Ensam AB' har saldo 100,00 på Liabilities:2440-Leverantörsskulder per 2020-12-31",
        "Motparten 'Ensam AB' har saldo 60,00 på Liabilities:2440-Leverantörsskulder per 2023-12-31",
        "Motparten 'Kund AB' har saldo -10,00 på Assets:1510-Kundfordringar per 2023-12-31",
    ]
    _, found = check_counterparties(entries, options)
    assert [error.message.split(": fel tecken")[0] for error in found] == expected
    # Entries out of date order (no plugin gets them so) give the same errors.
    _, found_reversed = check_counterparties(entries[::-1], options)
    assert [(error.message, error.entry) for error in found_reversed] == [(error.message, error.entry) for error in found]
