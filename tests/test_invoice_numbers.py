"""Invoice numbers booked twice, and payments of several invoices, among transactions with
and without links (only a transaction with links is looked at)."""

from __future__ import annotations

from beancount import loader

from ledgers import ledger_text

PLUGIN = 'plugin "bergslaget_plugins.invoice_numbers"\n'


def invoice(day: str, number: str, links: str) -> str:
    return f"""
{day} * "Smedjebackens kommun" "Medlemsavgift" {links}
  ver: "KF{day[-2:]}"
  faktura: "{number}"
  Assets:1510-Kundfordringar  100 SEK
    motpart: "Smedjebackens kommun"
  Income:3994-Medlemsavgifter  -100 SEK
"""


def messages(body: str) -> list[str]:
    _, errors, _ = loader.load_string(ledger_text(body, plugins=PLUGIN))
    return [error.message for error in errors]


def test_a_number_booked_twice_among_transactions_without_links() -> None:
    body = invoice("2022-01-10", "2022101", "^faktura-2022101") + invoice("2022-01-11", "2022102", "") \
        + invoice("2022-01-12", "2022101", "^faktura-2022101 ^avtal-7")
    found = messages(body)
    assert len(found) == 1 and found[0].startswith("Fakturanummer 2022101 är redan bokfört"), found


def test_a_transaction_that_names_an_invoice_without_its_link_is_not_an_invoice() -> None:
    body = invoice("2022-01-10", "2022101", "^faktura-2022101") + invoice("2022-01-11", "2022101", "") \
        + invoice("2022-01-12", "2022101", "^avtal-7")
    assert messages(body) == []


def test_a_payment_of_two_invoices_must_name_each_on_the_receivables_posting() -> None:
    body = """
2022-02-01 * "Smedjebackens kommun" "Betalning" ^faktura-2022101 ^faktura-2022102
  ver: "A1"
  Assets:1930-Företagskonto  200 SEK
  Assets:1510-Kundfordringar  -200 SEK
    motpart: "Smedjebackens kommun"
"""
    assert [message.split(":")[0] for message in messages(body)] == [
        "Verifikationen har flera fakturalänkar"]
    named = body.replace('    motpart: "Smedjebackens kommun"', '    motpart: "Smedjebackens kommun"\n    faktura: "2022101"')
    assert messages(named) == []
