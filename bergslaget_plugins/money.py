"""Money as Decimal: amounts read from bank files, rounding, and Swedish formatting.

One place for every conversion between text and amounts, used by the plugins,
the reports, the importers and the Fava extension. Floats never appear. Amounts the
accountant types are in the ledger, where Beancount reads them; no command takes an
amount, so there is no parser of Swedish notation (``1 234,50``) here, only its
formatter (:func:`format_swedish`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CURRENCY = "SEK"
ONE_KRONA = Decimal("1")
ONE_ORE = Decimal("0.01")

_MINUS_SIGNS = ("-", "\u2212", "\u2013")
_POINT_NUMBER = re.compile(r"^(?P<sign>-)?(?P<int>\d+)(?:\.(?P<frac>\d+))?$")


class AmountFormatError(ValueError):
    """Text that is not an amount in the expected notation."""


def parse_point_amount(text: str) -> Decimal:
    """Parse an amount written with a decimal point and no grouping: ``-1234.50``.

    Bank exports (Swedbank CSV) use this notation.
    """
    cleaned = text.strip()
    for minus in _MINUS_SIGNS:
        if cleaned.startswith(minus):
            cleaned = "-" + cleaned[len(minus):]
    match = _POINT_NUMBER.match(cleaned)
    if not match:
        raise AmountFormatError(f"inte ett belopp med decimalpunkt (t.ex. -1234.50): {text!r}")
    return _assemble(match)


def _assemble(match: re.Match[str]) -> Decimal:
    digits = match.group("int").replace(" ", "")
    fraction = match.group("frac")
    literal = f"{match.group('sign') or ''}{digits}" + (f".{fraction}" if fraction else "")
    try:
        return Decimal(literal)
    except InvalidOperation as error:  # pragma: no cover - the regexes admit only digits
        raise AmountFormatError(str(error)) from error


def round_krona(amount: Decimal) -> Decimal:
    """Round to whole kronor, halves away from zero (the convention of Swedish reports)."""
    return amount.quantize(ONE_KRONA, rounding=ROUND_HALF_UP)


def round_to(amount: Decimal, step: Decimal) -> Decimal:
    """Round half up to a multiple of ``step`` (for example 1, 0.01 or 100)."""
    if step <= 0:
        raise ValueError("avrundningssteget måste vara positivt")
    return (amount / step).quantize(ONE_KRONA, rounding=ROUND_HALF_UP) * step


def format_kronor(amount: Decimal) -> str:
    """Whole kronor with a space as thousands separator and a minus sign: ``-1 234``.

    Zero prints as ``0``.
    """
    whole = round_krona(amount)
    if whole == 0:
        return "0"
    sign = "-" if whole < 0 else ""
    digits = f"{abs(int(whole)):,}".replace(",", " ")
    return f"{sign}{digits}"


def format_swedish(amount: Decimal, decimals: int = 2) -> str:
    """Swedish notation with decimals: ``1 234,50``."""
    quantum = Decimal(1).scaleb(-decimals)
    value = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    integer, _, fraction = f"{abs(value):f}".partition(".")
    grouped = f"{int(integer):,}".replace(",", " ")
    return f"{sign}{grouped}" + (f",{fraction}" if decimals else "")


def format_csv_amount(amount: Decimal) -> str:
    """Öre with a decimal point, no grouping, no exponent: ``1234.50``, ``-4375.00``."""
    exponent = amount.as_tuple().exponent
    return format_plain(amount.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent >= -2 else amount)


def format_plain(amount: Decimal) -> str:
    """Machine notation for CSV: decimal point, no grouping, no exponent: ``1234.50``."""
    return f"{amount:f}"
