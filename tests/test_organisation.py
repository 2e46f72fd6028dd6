"""The association's facts are data in the books, read in one place."""

from __future__ import annotations

import doctest

from beancount import loader

from bergslaget_plugins import organisation
from bergslaget_plugins.organisation import read_organisation


def test_doctests() -> None:
    assert doctest.testmod(organisation).failed == 0


def test_the_books_hold_the_associations_facts(books) -> None:
    entries, errors, _ = books
    assert errors == []
    facts, problems = read_organisation(entries)
    assert problems == []
    assert facts is not None
    assert (facts.name, facts.organisation_number, facts.bankgiro) == (
        "Intresseföreningen Bergslaget", "885501-2327", "5844-9216")
    assert (facts.street_address, facts.postal_address, facts.seat) == ("Forskargatan 3", "781 70 Borlänge", "Borlänge")


def test_missing_or_malformed_facts_are_named_at_their_line() -> None:
    entries, _, _ = loader.load_string('2020-01-01 custom "förening" "X"\n  orgnr: "8855012327"\n')
    facts, problems = read_organisation(entries)
    assert facts is None
    assert problems[0].source["lineno"] == 1
    assert "säte" in problems[0].message and "bankgironummer" in problems[0].message
    facts, problems = read_organisation([])
    assert facts is None and "saknas" in problems[0].message


def test_a_later_directive_replaces_an_earlier_from_its_date() -> None:
    text = """
2020-01-01 custom "förening" "Gamla namnet"
  orgnr: "885501-2327"
  sate: "Borlänge"
  adress: "Forskargatan 3"
  postnummer: "781 70"
  ort: "Borlänge"
  bankgiro: "5844-9216"
2024-01-01 custom "förening" "Nya namnet"
  orgnr: "885501-2327"
  sate: "Ludvika"
  adress: "Storgatan 1"
  postnummer: "771 30"
  ort: "Ludvika"
  bankgiro: "5844-9216"
"""
    import datetime

    entries, _, _ = loader.load_string(text)
    assert read_organisation(entries, on=datetime.date(2023, 6, 1))[0].name == "Gamla namnet"
    assert read_organisation(entries)[0].seat == "Ludvika"


def test_a_typo_in_the_associations_organisation_number_is_caught_by_its_check_digit() -> None:
    # The number goes into SIE #ORGNR and the invoices' seller and Peppol ids: the same rule as the members'.
    entries, _, _ = loader.load_string("""
2020-01-01 custom "förening" "Intresseföreningen Bergslaget"
  orgnr: "885501-2372"
  sate: "Borlänge"
  adress: "Forskargatan 3"
  postnummer: "781 70"
  ort: "Borlänge"
  bankgiro: "5844-9216"
""")
    facts, problems = read_organisation(entries)
    assert facts is None
    assert problems[0].source["lineno"] == 2 and "885501-2372 har fel kontrollsiffra" in problems[0].message
