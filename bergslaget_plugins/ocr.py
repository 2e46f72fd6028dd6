"""OCR references with Bankgirot's modulus-10 check digit and length digit.

Bankgirot's "OCR-referenskontroll" (hård kontroll med längdsiffra): the reference is
the invoice digits, then a length digit (the total number of digits including the
length digit and the check digit, modulo 10), then a check digit computed with the
modulus-10 method (Luhn) over everything before it.
"""

from __future__ import annotations


class OcrError(ValueError):
    """A reference that is not a valid OCR number."""


def luhn_check_digit(digits: str) -> int:
    """The modulus-10 check digit for ``digits`` (weights 2,1,2,… from the right)."""
    if not digits.isdigit():
        raise OcrError(f"OCR-underlaget får bara innehålla siffror: {digits!r}")
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def make_ocr(base: str) -> str:
    """OCR reference for ``base``: base + length digit + check digit."""
    if not base.isdigit():
        raise OcrError(f"OCR-underlaget får bara innehålla siffror: {base!r}")
    length_digit = (len(base) + 2) % 10
    with_length = f"{base}{length_digit}"
    reference = f"{with_length}{luhn_check_digit(with_length)}"
    if not 2 <= len(reference) <= 25:
        raise OcrError(f"OCR-referensen måste ha 2–25 siffror: {reference}")
    return reference


def is_valid_ocr(reference: str, with_length_digit: bool = True) -> bool:
    """True if the check digit (and, by default, the length digit) are right."""
    if not reference.isdigit() or not 2 <= len(reference) <= 25:
        return False
    body, check = reference[:-1], int(reference[-1])
    if luhn_check_digit(body) != check:
        return False
    if with_length_digit:
        return int(body[-1]) == len(reference) % 10
    return True
