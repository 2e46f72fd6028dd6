"""A fee invoice as the PDF a member receives: one A4 page, Swedish, from the booked invoice.

:func:`invoice_html` lays out one booked fee invoice (``fee_invoices.FeeInvoiceDocument``)
as HTML for print; :func:`invoice_pdf` typesets it (``typesetting.html_to_pdf``). The page
shows the association as seller (name, organisation number, address, bankgiro), the member
as buyer (name, organisation number, invoice address, their reference), the invoice
number and dates, the OCR reference beside the bankgiro number and the amount, the
specification of the fee basis (:func:`basis_rows`, the same figures as ``bergslaget
fees``) and the note that the fee is outside the scope of VAT. Every text is escaped
(Jinja's autoescape).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from jinja2 import Environment

from bergslaget_plugins.fee_invoices import FeeBasis, FeeInvoiceDocument
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.typesetting import html_to_pdf

VAT_NOTE = ("Medlemsavgiften ligger utanför mervärdesskattens tillämpningsområde "
            "(ingen omsättning mot ersättning); ingen moms debiteras.")


@dataclass(frozen=True)
class BasisRow:
    """One line of the fee specification: what, how, and the amount in kronor (if any)."""

    label: str
    detail: str
    amount: str


def kronor_and_ore(value: Decimal) -> str:
    """``15 268,00``: Swedish notation with öre."""
    return format_swedish(value)


def _whole(value: Decimal) -> str:
    return format_swedish(value, 0)


def _date(value: datetime.date) -> str:
    return value.isoformat()


def basis_rows(document: FeeInvoiceDocument) -> list[BasisRow]:
    """The fee specification: fixed part, variable part, caps, rounding, as booked and as the rule states them."""
    basis: FeeBasis = document.basis
    parameters = basis.parameters
    if basis.fixed_part is None or basis.variable_part is None or basis.population is None:
        return []
    rows: list[BasisRow] = []
    count = len(basis.municipalities)
    if parameters is not None:
        fixed_detail = f"{_whole(parameters.fixed_part)} kr per medlemskommun"
        if count:
            fixed_detail = (f"{count} medlemskommuner i länet × {_whole(parameters.fixed_part)} kr, "
                            f"högst {_whole(parameters.region_fixed_cap)} kr för en region")
    else:
        fixed_detail = ""
    rows.append(BasisRow("Fast del", fixed_detail, kronor_and_ore(basis.fixed_part)))
    population_text = f"folkmängd {_whole(Decimal(basis.population))}"
    if basis.population_date is not None:
        population_text += f" den {_date(basis.population_date)}"
    if count:
        population_text += f" i {', '.join(basis.municipalities)}"
    variable_detail = population_text
    if parameters is not None:
        variable_detail = (f"{kronor_and_ore(parameters.rate_per_inhabitant)} kr per invånare × {population_text}, "
                           f"högst {_whole(parameters.variable_cap)} kr")
    rows.append(BasisRow("Rörlig del", variable_detail, kronor_and_ore(basis.variable_part)))
    uncapped = basis.fixed_part + basis.variable_part
    if "avgift" in basis.caps_applied and parameters is not None:
        rows.append(BasisRow("Avgiftstak", f"summan {kronor_and_ore(uncapped)} kr begränsas till {_whole(parameters.total_cap)} kr",
                             kronor_and_ore(parameters.total_cap)))
        uncapped = parameters.total_cap
    rounding = document.amount - uncapped
    if rounding:
        rows.append(BasisRow("Avrundning", "till hela kronor", kronor_and_ore(rounding)))
    if basis.caps_applied:
        rows.append(BasisRow("Tak tillämpade", ", ".join(basis.caps_applied), ""))
    if parameters is not None:
        rows.append(BasisRow("Avgiftsregel", parameters.derivation, ""))
    return rows


TEMPLATE = """<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>Faktura {{ d.number }} – {{ d.seller.name }}</title>
<style>
@page { size: A4; margin: 16mm 18mm 22mm 18mm; }
.sidfot { position: fixed; bottom: -12mm; left: 0; right: 0; text-align: center; font-size: 7.5pt; color: #444;
  border-top: 0.4pt solid #999; padding-top: 2mm; }
body { font: 9.5pt/1.35 "DejaVu Sans", sans-serif; color: #111; margin: 0; }
h1 { font-size: 20pt; letter-spacing: 0.08em; margin: 0; text-align: right; }
.huvud { display: flex; justify-content: space-between; align-items: flex-start; }
.saljare-namn { font-size: 13pt; font-weight: bold; }
.liten { font-size: 8pt; color: #333; }
.adresser { display: flex; justify-content: space-between; margin-top: 12mm; }
.mottagare { width: 85mm; min-height: 30mm; font-size: 10.5pt; }
.fakta { border-collapse: collapse; font-size: 9pt; }
.fakta th { text-align: left; font-weight: normal; color: #444; padding: 1pt 8pt 1pt 0; }
.fakta td { font-weight: bold; padding: 1pt 0; }
table.rader { width: 100%; border-collapse: collapse; margin-top: 9mm; }
table.rader th { border-bottom: 1.2pt solid #111; text-align: left; padding: 3pt 4pt; font-size: 8.5pt; }
table.rader td { padding: 3pt 4pt; vertical-align: top; border-bottom: 0.4pt solid #bbb; }
table.rader td:first-child { width: 40mm; }
.belopp { text-align: right; white-space: nowrap; }
.underlag td { font-size: 8.5pt; color: #222; }
.summa td { font-weight: bold; font-size: 11pt; border-bottom: 1.2pt solid #111; border-top: 1.2pt solid #111; }
.betalning { margin-top: 9mm; border: 1.5pt solid #111; padding: 4mm 5mm; display: flex; justify-content: space-between; }
.betalning div { text-align: left; }
.betalning .etikett { font-size: 8pt; color: #444; display: block; }
.betalning .varde { font-size: 14pt; font-weight: bold; letter-spacing: 0.03em; }
.moms { margin-top: 6mm; font-size: 9pt; }
</style>
</head>
<body>
<div class="sidfot">{{ footer }}</div>
<div class="huvud">
  <div>
    <div class="saljare-namn">{{ d.seller.name }}</div>
    <div>{{ d.seller.street_address }}<br>{{ d.seller.postal_address }}</div>
    <div class="liten">Org.nr {{ d.seller.organisation_number }}{% if d.seller.website %} · {{ d.seller.website }}{% endif %}</div>
  </div>
  <div>
    <h1>FAKTURA</h1>
    <table class="fakta">
      <tr><th>Fakturanummer</th><td>{{ d.number }}</td></tr>
      <tr><th>Fakturadatum</th><td>{{ d.invoice_date.isoformat() }}</td></tr>
      <tr><th>Förfallodatum</th><td>{{ d.due_date.isoformat() }}</td></tr>
      <tr><th>Kundnummer</th><td>{{ d.buyer.customer_number }}</td></tr>
      {% if d.buyer.reference %}<tr><th>Er referens</th><td>{{ d.buyer.reference }}</td></tr>{% endif %}
    </table>
  </div>
</div>

<div class="adresser">
  <div class="mottagare">
    <div class="liten">Faktureras</div>
    <strong>{{ d.buyer.name }}</strong><br>
    {% for line in d.buyer.address_lines %}{% if line != d.buyer.name %}{{ line }}<br>{% endif %}{% endfor %}
    {% if d.buyer.postal_address %}{{ d.buyer.postal_address }}<br>
    {% else %}<span class="liten">Skickas som e-faktura till Peppol-id {{ d.buyer.peppol_scheme }}:{{ d.buyer.peppol_value }}</span><br>{% endif %}
    <span class="liten">Org.nr {{ d.buyer.organisation_number }}</span>
  </div>
</div>

<table class="rader">
  <tr><th>Avser</th><th>Underlag</th><th class="belopp">Belopp, kr</th></tr>
  <tr><td><strong>{{ d.description }}</strong></td><td>Årsavgift för medlemskap {{ d.fee_year }}</td>
      <td class="belopp">{{ kronor_and_ore(d.amount) }}</td></tr>
  {% for row in rows %}
  <tr class="underlag"><td>{{ row.label }}</td><td>{{ row.detail }}</td><td class="belopp">{{ row.amount }}</td></tr>
  {% endfor %}
  <tr class="summa"><td>Att betala</td><td>Moms 0,00 kr</td><td class="belopp">{{ kronor_and_ore(d.amount) }} kr</td></tr>
</table>

<div class="betalning">
  <div><span class="etikett">Bankgiro</span><span class="varde">{{ d.seller.bankgiro }}</span></div>
  <div><span class="etikett">OCR-nummer</span><span class="varde">{{ d.ocr }}</span></div>
  <div><span class="etikett">Att betala, kr</span><span class="varde">{{ kronor_and_ore(d.amount) }}</span></div>
  <div><span class="etikett">Senast</span><span class="varde">{{ d.due_date.isoformat() }}</span></div>
</div>
<p class="liten">Ange OCR-numret vid betalning, så blir betalningen rätt registrerad.</p>

<p class="moms">{{ vat_note }}</p>
</body>
</html>
"""

_ENVIRONMENT = Environment(autoescape=True)
_TEMPLATE = _ENVIRONMENT.from_string(TEMPLATE)


def _footer(document: FeeInvoiceDocument) -> str:
    seller = document.seller
    return (f"{seller.name} · {seller.street_address}, {seller.postal_address} · Org.nr {seller.organisation_number}"
            f" · Bankgiro {seller.bankgiro} · Ideell förening, säte {seller.seat}")


def invoice_html(document: FeeInvoiceDocument) -> str:
    """The invoice as a standalone HTML page for print."""
    return _TEMPLATE.render(d=document, rows=basis_rows(document), kronor_and_ore=kronor_and_ore, vat_note=VAT_NOTE,
                            footer=_footer(document))


def invoice_pdf(document: FeeInvoiceDocument) -> bytes:
    """The invoice as a one-page PDF."""
    return html_to_pdf(invoice_html(document))


__all__ = ["BasisRow", "VAT_NOTE", "basis_rows", "invoice_html", "invoice_pdf"]
