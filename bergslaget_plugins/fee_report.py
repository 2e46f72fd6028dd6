"""The fee specification (avgiftsunderlag): each member's fee for a year and its basis.

``bergslaget fees --year 2022`` prints what the plugin books; ``--year 2023`` shows the
KPI-indexed fees of a year not yet booked, so the board sees them before anyone
invoices. In CSV the columns are exactly
``medlem,typ,lan,folkmangd,fast_del,rorlig_del,avgift,ocr`` with amounts in kronor
and a decimal point; the last row is the sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from beancount.core.data import Directive

from bergslaget_plugins.fees import FeeError, FeeParameters, MemberFee, compute_fees, read_register
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.render import rows_as_csv

FEE_SPECIFICATION_CSV_HEADER = ("medlem", "typ", "lan", "folkmangd", "fast_del", "rorlig_del", "avgift", "ocr")


@dataclass(frozen=True)
class FeeSpecification:
    """Everything the fee specification prints for one year."""

    year: int
    parameters: FeeParameters | None
    fees: tuple[MemberFee, ...]
    errors: tuple[FeeError, ...]

    @property
    def total(self) -> Decimal:
        return sum((fee.fee for fee in self.fees), Decimal(0))


def fee_specification(entries: Sequence[Directive], year: int) -> FeeSpecification:
    """The fees of ``year`` from the register in ``entries`` (booked or not)."""
    register, register_errors = read_register(entries)
    parameters, fees, fee_errors = compute_fees(register, year)
    return FeeSpecification(year, parameters, tuple(fees), tuple(register_errors) + tuple(fee_errors))


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def specification_as_csv(specification: FeeSpecification) -> str:
    rows: list[list[object]] = [
        [fee.member.name, fee.member.kind, fee.member.county, fee.population, _amount(fee.fixed_part),
         _amount(fee.variable_part), _amount(fee.fee), fee.ocr]
        for fee in specification.fees
    ]
    rows.append(["Summa", "", "", "", _amount(sum((f.fixed_part for f in specification.fees), Decimal(0))),
                 _amount(sum((f.variable_part for f in specification.fees), Decimal(0))), _amount(specification.total), ""])
    return rows_as_csv(FEE_SPECIFICATION_CSV_HEADER, rows)


def specification_as_text(specification: FeeSpecification) -> str:
    parameters = specification.parameters
    lines = [f"Medlemsavgifter {specification.year} – avgiftsunderlag", ""]
    if parameters is not None:
        lines += [
            f"Regel: {parameters.derivation}",
            f"Fast del {format_swedish(parameters.fixed_part, 0)} kr per kommun (region: per medlemskommun i länet, "
            f"högst {format_swedish(parameters.region_fixed_cap, 0)} kr); rörlig del "
            f"{format_swedish(parameters.rate_per_inhabitant)} kr per invånare, högst "
            f"{format_swedish(parameters.variable_cap, 0)} kr; avgift högst {format_swedish(parameters.total_cap, 0)} kr.",
            f"Folkmängd per {parameters.population_date}; fakturadatum {parameters.invoice_date}, förfaller {parameters.due_date}.",
            "",
        ]
    header = f"{'Medlem':<26}{'Typ':<8}{'Län':<13}{'Folkmängd':>10}{'Fast del':>12}{'Rörlig del':>13}{'Avgift':>14}  {'OCR':<12}Tak"
    lines += [header, "-" * len(header)]
    for fee in specification.fees:
        lines.append(
            f"{fee.member.name:<26}{fee.member.kind:<8}{fee.member.county:<13}"
            f"{format_swedish(Decimal(fee.population), 0):>10}{format_swedish(fee.fixed_part):>12}"
            f"{format_swedish(fee.variable_part):>13}{format_swedish(fee.fee):>14}  {fee.ocr:<12}"
            f"{', '.join(fee.caps_applied)}"
        )
    lines += ["-" * len(header), f"{'Summa (' + str(len(specification.fees)) + ' fakturor)':<57}"
              f"{format_swedish(sum((f.fixed_part for f in specification.fees), Decimal(0))):>12}"
              f"{format_swedish(sum((f.variable_part for f in specification.fees), Decimal(0))):>13}"
              f"{format_swedish(specification.total):>14}"]
    for fee in specification.fees:
        if fee.municipalities:
            lines.append(f"{fee.member.name}: folkmängd i {', '.join(fee.municipalities)}")
    return "\n".join(lines) + "\n"


def print_fee_specification(entries: Sequence[Directive], year: int, output_format: str, out: TextIO) -> int:
    """Print the specification; problems go to stderr and make the exit status 2."""
    import sys

    specification = fee_specification(entries, year)
    out.write(specification_as_csv(specification) if output_format == "csv" else specification_as_text(specification))
    for error in specification.errors:
        print(f"{error.source.get('filename')}:{error.source.get('lineno')}: {error.message}", file=sys.stderr)
    return 2 if specification.errors else 0
