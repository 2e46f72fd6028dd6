"""The members as invoice recipients: organisation number, invoice address, Peppol id, reference.

What an invoice needs to reach a member is data on the member's own line in the register
(``ledger/medlemsregister.beancount``), with the public source it was taken from::

    2020-01-01 custom "medlem" "Borlänge kommun"
      typ: "kommun"
      lan: "Dalarna"
      kommunkod: "2081"
      kundnr: 105
      orgnr: "212000-2239"                  ; organisationsnummer
      fakturaadress: "Borlänge kommun"      ; the address lines before the postcode,
      postnummer: "781 81"                  ; separated by " | " when there are several
      ort: "Borlänge"
      peppol: "0007:2120002239"             ; optional: Peppol id (default 0007 + orgnr)
      referens: "Kommunledningskontoret"    ; optional: the member's reference
      kalla: "https://www.borlange.se/ (sidfot: postadress och org.nr)"

``orgnr`` and ``kalla`` are required for an invoice document; a member without them gets
an error at its line and no document, and the documents of the other members are still
made. The postal address (``fakturaadress``, ``postnummer``, ``ort``) is given whole or
not at all: the e-invoice reaches the member through its Peppol id, and a member whose
postal address has no public source is invoiced without one (the PDF says so).

>>> from beancount import loader
>>> from bergslaget_plugins.fees import read_register
>>> entries, _, _ = loader.load_string('''
... 2020-01-01 custom "medlem" "Storfors kommun"
...   typ: "kommun"
...   lan: "Värmland"
...   kommunkod: "1760"
...   kundnr: 126
...   orgnr: "212000-1850"
...   fakturaadress: "Storfors kommun | Box 1"
...   postnummer: "688 21"
...   ort: "Storfors"
...   kalla: "exempel"
... ''')
>>> register, _ = read_register(entries)
>>> recipient, error = read_recipient(register.members[0])
>>> recipient.address_lines, recipient.peppol_scheme, recipient.peppol_value, error
(('Storfors kommun', 'Box 1'), '0007', '2120001850', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from beancount.core.data import Directive

from bergslaget_plugins.fees import Member
from bergslaget_plugins.organisation import PEPPOL_ID, has_valid_check_digit, organisation_number_problem

#: Metadata keys an invoice needs, each with the Swedish word used in messages.
RECIPIENT_REQUIRED_KEYS: Mapping[str, str] = {
    "orgnr": "organisationsnummer",
    "kalla": "källa för uppgifterna",
}
#: The postal invoice address: all three or none (an e-invoice is routed by the Peppol id).
ADDRESS_KEYS: Mapping[str, str] = {
    "fakturaadress": "fakturaadress",
    "postnummer": "postnummer",
    "ort": "postort",
}
#: ISO 6523 scheme of a Swedish organisation number (Peppol EAS 0007).
SWEDISH_ORGANISATION_NUMBER_SCHEME = "0007"
ADDRESS_LINE_SEPARATOR = "|"

_POSTCODE = re.compile(r"^\d{3} \d{2}$")


class RecipientError(NamedTuple):
    """A member's line lacks what an invoice document needs; no document is made for it."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class InvoiceRecipient(NamedTuple):
    """A member as the buyer on its invoices."""

    name: str
    customer_number: int
    organisation_number: str
    #: Empty when the register gives no postal address.
    address_lines: tuple[str, ...]
    postal_code: str | None
    city: str | None
    peppol_scheme: str
    peppol_value: str
    reference: str | None
    source: str

    @property
    def postal_address(self) -> str | None:
        return f"{self.postal_code} {self.city}" if self.postal_code and self.city else None

    @property
    def organisation_number_digits(self) -> str:
        return self.organisation_number.replace("-", "")


def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def read_recipient(member: Member) -> tuple[InvoiceRecipient | None, RecipientError | None]:
    """The member as invoice recipient, or an error at its register line naming what is missing."""
    meta = member.meta
    missing = [f"{word} ({key})" for key, word in RECIPIENT_REQUIRED_KEYS.items() if _text(meta, key) is None]
    if missing:
        return None, RecipientError(meta, f"{member.name}: fakturan kan inte skapas, registret saknar "
                                    + ", ".join(missing), None)
    organisation_number, postal_code = str(_text(meta, "orgnr")), _text(meta, "postnummer")
    problems = []
    given = [key for key in ADDRESS_KEYS if _text(meta, key) is not None]
    if given and len(given) != len(ADDRESS_KEYS):
        problems.append("fakturaadressen är ofullständig: ange " + ", ".join(
            f"{word} ({key})" for key, word in ADDRESS_KEYS.items() if key not in given) + " eller ingen adress alls")
    number_problem = organisation_number_problem(organisation_number)
    if number_problem is not None:
        problems.append(number_problem)
    if postal_code is not None and not _POSTCODE.match(postal_code):
        problems.append(f"postnumret {postal_code!r} ska skrivas NNN NN")
    peppol = _text(meta, "peppol") or f"{SWEDISH_ORGANISATION_NUMBER_SCHEME}:{organisation_number.replace('-', '')}"
    peppol_match = PEPPOL_ID.match(peppol)
    if peppol_match is None:
        problems.append(f"Peppol-id {peppol!r} ska skrivas SCHEMA:ID, t.ex. 0007:2120002239")
    address_lines = tuple(line.strip() for line in (_text(meta, "fakturaadress") or "").split(ADDRESS_LINE_SEPARATOR)
                          if line.strip())
    if problems or peppol_match is None:
        return None, RecipientError(meta, f"{member.name}: " + "; ".join(problems), None)
    return InvoiceRecipient(
        name=member.name,
        customer_number=member.customer_number,
        organisation_number=organisation_number,
        address_lines=address_lines,
        postal_code=postal_code,
        city=_text(meta, "ort"),
        peppol_scheme=peppol_match["scheme"],
        peppol_value=peppol_match["value"],
        reference=_text(meta, "referens"),
        source=str(_text(meta, "kalla")),
    ), None


__all__ = ["InvoiceRecipient", "RecipientError", "has_valid_check_digit", "read_recipient"]
