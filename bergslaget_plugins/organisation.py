"""The association's own facts, read from the books: name, organisation number, seat,
address and bankgiro.

They are data in the ledger (``ledger/forening.beancount``), written once and used by
everything that prints them: the SIE export, the annual report and the fee invoices::

    2020-01-01 custom "förening" "Intresseföreningen Bergslaget"
      orgnr: "885501-2327"
      sate: "Borlänge"
      adress: "Forskargatan 3"
      postnummer: "781 70"
      ort: "Borlänge"
      bankgiro: "5844-9216"
      peppol: "0007:8855012327"

``peppol`` (optional) is the association's Peppol participant identifier, scheme and
value: ``0007`` is the Swedish organisation number, written without hyphen. The fee
invoices sent as e-invoices name the association by it.

A later directive replaces an earlier one from its date (a move, a new bankgiro).

>>> from beancount import loader
>>> entries, _, _ = loader.load_string('''
... 2020-01-01 custom "förening" "Testföreningen"
...   orgnr: "885501-2327"
...   sate: "Borlänge"
...   adress: "Forskargatan 3"
...   postnummer: "781 70"
...   ort: "Borlänge"
...   bankgiro: "5844-9216"
... ''')
>>> organisation, errors = read_organisation(entries)
>>> organisation.name, organisation.organisation_number, errors
('Testföreningen', '885501-2327', [])
>>> organisation.postal_address
'781 70 Borlänge'
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.ocr import luhn_check_digit

ORGANISATION_TYPE = "förening"

#: Metadata keys of the directive, each with the Swedish word used in messages.
ORGANISATION_REQUIRED_KEYS: Mapping[str, str] = {
    "orgnr": "organisationsnummer",
    "sate": "säte",
    "adress": "utdelningsadress",
    "postnummer": "postnummer",
    "ort": "postort",
    "bankgiro": "bankgironummer",
}
OPTIONAL_KEYS: Mapping[str, str] = {"webb": "webbplats", "epost": "e-post", "telefon": "telefon", "kalla": "källa",
                                     "peppol": "Peppol-id"}

_ORGANISATION_NUMBER = re.compile(r"^\d{6}-\d{4}$")
_BANKGIRO = re.compile(r"^\d{3,4}-\d{4}$")
#: A Peppol participant identifier: a four-digit ISO 6523 scheme (ICD) and its value.
PEPPOL_ID = re.compile(r"^(?P<scheme>\d{4}):(?P<value>[A-Za-z0-9.\-_]{1,50})$")


class OrganisationError(NamedTuple):
    """The association's facts are missing or malformed."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class Organisation(NamedTuple):
    """The association as it presents itself on documents."""

    name: str
    organisation_number: str
    seat: str
    street_address: str
    postal_code: str
    city: str
    bankgiro: str
    website: str | None
    meta: Mapping[str, Any]
    #: ``0007:8855012327``; None when the books do not give one.
    peppol_id: str | None = None

    @property
    def postal_address(self) -> str:
        return f"{self.postal_code} {self.city}"


def _missing_source() -> dict[str, Any]:
    return {"filename": "<föreningens uppgifter>", "lineno": 0}


def _from_directive(entry: Custom) -> tuple[Organisation | None, list[OrganisationError]]:
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        return None, [OrganisationError(entry.meta, 'förening ska ha föreningens namn som enda värde, t.ex. "Intresseföreningen Bergslaget"', entry)]
    meta = entry.meta
    problems = [f"saknar {word} ({key})" for key, word in ORGANISATION_REQUIRED_KEYS.items()
                if not isinstance(meta.get(key), str) or not str(meta.get(key)).strip()]
    if problems:
        return None, [OrganisationError(meta, "Föreningens uppgifter " + ", ".join(problems), entry)]
    number_problem = organisation_number_problem(meta["orgnr"])
    if number_problem is not None:
        problems.append(number_problem)
    if not _BANKGIRO.match(meta["bankgiro"]):
        problems.append(f"bankgironumret {meta['bankgiro']!r} ska skrivas NNN-NNNN eller NNNN-NNNN")
    peppol_id = meta.get("peppol")
    if peppol_id is not None and not (isinstance(peppol_id, str) and PEPPOL_ID.match(peppol_id)):
        problems.append(f"Peppol-id {peppol_id!r} ska skrivas SCHEMA:ID, t.ex. 0007:8855012327")
    if problems:
        return None, [OrganisationError(meta, "Föreningens uppgifter: " + "; ".join(problems), entry)]
    website = meta.get("webb")
    return Organisation(
        name=values[0].strip(),
        organisation_number=meta["orgnr"],
        seat=meta["sate"],
        street_address=meta["adress"],
        postal_code=meta["postnummer"],
        city=meta["ort"],
        bankgiro=meta["bankgiro"],
        website=website if isinstance(website, str) else None,
        meta=meta,
        peppol_id=peppol_id,
    ), []


def has_valid_check_digit(organisation_number: str) -> bool:
    """True if the last digit is the modulus-10 check digit of the first nine (as Bolagsverket assigns them).

    >>> has_valid_check_digit("212000-2239"), has_valid_check_digit("212000-2238")
    (True, False)
    """
    digits = organisation_number.replace("-", "")
    return len(digits) == 10 and digits.isdigit() and luhn_check_digit(digits[:9]) == int(digits[9])


def organisation_number_problem(organisation_number: str) -> str | None:
    """What is wrong with a Swedish organisation number as written in the books; None if nothing.

    The same rule for the association's own number and its members' (a typo is caught by the check digit).

    >>> organisation_number_problem("885501-2327") is None
    True
    >>> organisation_number_problem("885501-2328")
    'organisationsnumret 885501-2328 har fel kontrollsiffra (skrivfel?)'
    """
    if not _ORGANISATION_NUMBER.match(organisation_number):
        return f"organisationsnumret {organisation_number!r} ska skrivas NNNNNN-NNNN"
    if not has_valid_check_digit(organisation_number):
        return f"organisationsnumret {organisation_number} har fel kontrollsiffra (skrivfel?)"
    return None


def read_organisation(
    entries: Iterable[Directive], on: datetime.date | None = None
) -> tuple[Organisation | None, list[OrganisationError]]:
    """The association's facts in force on ``on`` (default: the latest); errors if none are usable."""
    directives = sorted(
        (entry for entry in entries if isinstance(entry, Custom) and entry.type == ORGANISATION_TYPE
         and (on is None or entry.date <= on)),
        key=lambda entry: entry.date,
    )
    if not directives:
        return None, [OrganisationError(_missing_source(),
                                        'Föreningens uppgifter saknas: lägg till custom "förening" (se ledger/forening.beancount)', None)]
    return _from_directive(directives[-1])


__all__ = ["ORGANISATION_TYPE", "PEPPOL_ID", "Organisation", "OrganisationError", "has_valid_check_digit",
           "organisation_number_problem", "read_organisation"]
