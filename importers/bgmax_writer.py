"""Writing a BgMax file from the data classes of ``bgmax_layout`` (for tests, examples and
re-creating a file): TK15 sums and counts and TK70 counts are computed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from importers.bgmax_layout import RECORD_LENGTH, REFERENCE_OCR, BgMaxFile, Payment

class BgMaxWriteError(ValueError):
    """Data that cannot be written as BgMax."""


def _text(value: str, width: int, what: str, right: bool = False) -> str:
    if len(value) > width:
        raise BgMaxWriteError(f"{what} får ha högst {width} tecken: {value!r}")
    try:
        value.encode("iso-8859-1")
    except UnicodeEncodeError as error:
        raise BgMaxWriteError(f"{what} innehåller tecken som inte finns i ISO-8859-1: {value!r}") from error
    return value.rjust(width) if right else value.ljust(width)


def _number(value: int | str, width: int, what: str) -> str:
    text = str(value)
    if not text.isdigit() or len(text) > width:
        raise BgMaxWriteError(f"{what} ska vara högst {width} siffror: {value!r}")
    return text.zfill(width)


def _ore(amount: Decimal, what: str) -> str:
    ore = amount * 100
    if amount < 0 or ore != ore.to_integral_value():
        raise BgMaxWriteError(f"{what} ska vara ett icke-negativt belopp i hela ören: {amount}")
    return _number(int(ore), 18, what)


def _reference(reference: str, code: int) -> str:
    return _text(reference, 25, "referensen", right=code == REFERENCE_OCR)


def _payment_records(payment: Payment, serial: str) -> list[str]:
    code = "21" if payment.deduction else "20"
    sender = _number(payment.sender_bankgiro or "0", 10, "avsändarens bankgironummer")
    image = "1" if payment.image else "0"
    head = (
        f"{code}{sender}{_reference(payment.reference, payment.reference_code)}{_ore(payment.amount, 'beloppet')}"
        f"{_number(payment.reference_code, 1, 'referenskoden')}{_number(payment.channel_code, 1, 'betalningskanalkoden')}"
        f"{serial}{image}"
    )
    if payment.deduction:
        head += _number(payment.deduction_code if payment.deduction_code is not None else 0, 1, "avdragskoden")
    records = [head]
    for extra in payment.extra_references:
        records.append(
            f"{'23' if extra.negative else '22'}{sender}{_reference(extra.reference, extra.reference_code)}"
            f"{_ore(extra.amount, 'beloppet')}{_number(extra.reference_code, 1, 'referenskoden')}"
            f"{_number(payment.channel_code, 1, 'betalningskanalkoden')}{serial}{image}"
        )
    records += [f"25{_text(line, 50, 'meddelandet')}" for line in payment.information]
    if payment.name or payment.extra_name:
        records.append(f"26{_text(payment.name, 35, 'namnet')}{_text(payment.extra_name, 35, 'extra namnet')}")
    if payment.street or payment.postal_code:
        records.append(f"27{_text(payment.street, 35, 'adressen')}{_text(payment.postal_code, 9, 'postnumret')}")
    if payment.city or payment.country or payment.country_code:
        records.append(
            f"28{_text(payment.city, 35, 'orten')}{_text(payment.country, 35, 'landet')}"
            f"{_text(payment.country_code, 2, 'landskoden')}"
        )
    if payment.organisation_number:
        records.append(f"29{_number(payment.organisation_number, 12, 'organisationsnumret')}")
    return records


def render_bgmax(bgmax: BgMaxFile) -> str:
    """The BgMax text (CRLF line ends) for ``bgmax``; write it as ISO-8859-1 (see :func:`write_bgmax`).

    TK15 amounts and counts and the TK70 counts are computed from the payments. A
    payment without ``bgc_serial`` gets its place in the file as serial number (give
    12 digits to have them read back unchanged). OCR references (reference code 2) are
    right-aligned, other references left-aligned. Raises :class:`BgMaxWriteError` for a
    text longer than its field, a character outside ISO-8859-1, or an amount that is
    negative or not in whole öre.
    """
    stamp = bgmax.created.strftime("%Y%m%d%H%M%S%f")
    records = [f"01{'BGMAX':<20}01{stamp}{'T' if bgmax.test else 'P'}"]
    serial_counter = 0
    for deposit in bgmax.deposits:
        if deposit.currency not in ("SEK", "EUR"):
            raise BgMaxWriteError(f"valutan ska vara SEK eller EUR: {deposit.currency!r}")
        plusgiro = _number(deposit.plusgiro, 10, "plusgironumret") if deposit.plusgiro else " " * 10
        records.append(f"05{_number(deposit.receiving_bankgiro, 10, 'mottagarens bankgironummer')}{plusgiro}{deposit.currency}")
        for payment in deposit.payments:
            serial_counter += 1
            serial = _number(payment.bgc_serial or str(serial_counter), 12, "BGC-löpnumret")
            records += _payment_records(payment, serial)
        records.append(
            f"15{_number(deposit.bank_account or '0', 35, 'bankkontonumret')}{deposit.payment_date:%Y%m%d}"
            f"{_number(deposit.serial, 5, 'insättningens löpnummer')}{_ore(deposit.amount, 'insättningens belopp')}"
            f"{deposit.currency}{_number(deposit.payment_count + deposit.deduction_count, 8, 'antalet')}"
            f"{_text(deposit.deposit_type, 1, 'insättningstypen')}"
        )
    records.append(
        f"70{bgmax.payment_count:08d}{bgmax.deduction_count:08d}{bgmax.extra_reference_count:08d}{len(bgmax.deposits):08d}"
    )
    return "".join(record.ljust(RECORD_LENGTH) + "\r\n" for record in records)


def write_bgmax(path: str | Path, bgmax: BgMaxFile) -> None:
    """Write ``bgmax`` to ``path`` in ISO-8859-1, as Bankgirot does."""
    Path(path).write_bytes(render_bgmax(bgmax).encode("iso-8859-1"))
