"""A fee invoice as a Peppol e-invoice: UBL 2.1 Invoice following PEPPOL BIS Billing 3.0.

The Swedish public sector receives supplier invoices this way (SFTI recommends PEPPOL
BIS Billing 3.0). :func:`peppol_invoice_xml` writes one booked fee invoice
(``fee_invoices.FeeInvoiceDocument``) as UTF-8 XML:

- ``CustomizationID`` and ``ProfileID`` of BIS Billing 3.0, invoice type 380, SEK;
- seller and buyer with their Peppol ids as ``EndpointID`` (scheme 0007: the Swedish
  organisation number, ten digits) and their organisation numbers as legal entity ids;
- one line, the year's membership fee, in VAT category ``O`` (not subject to VAT) with
  exemption reason ``VATEX-EU-O``: a member's fee to a non-profit association is no
  supply for consideration, so there is no VAT rate, no seller VAT number and the tax is
  zero (EN 16931 rules BR-O-*);
- payment by credit transfer (code 30) to the association's bankgiro account, written
  as Swedish practice writes it (digits only, branch ``SE:BANKGIRO``), with the OCR
  reference as ``PaymentID``;
- line, tax-exclusive, tax-inclusive and payable amounts all equal to the booked amount.

The XML is built with lxml, so every text is escaped (and a character XML cannot hold is
refused rather than written).
"""

from __future__ import annotations

from lxml import etree as ET
from decimal import Decimal

from bergslaget_plugins.fee_invoices import FeeInvoiceDocument
from bergslaget_plugins.invoice_recipients import SWEDISH_ORGANISATION_NUMBER_SCHEME
from bergslaget_plugins.money import CURRENCY
from bergslaget_plugins.organisation import PEPPOL_ID, Organisation

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE_ID = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
COMMERCIAL_INVOICE = "380"
CREDIT_TRANSFER = "30"
BANKGIRO_BRANCH = "SE:BANKGIRO"
COUNTRY = "SE"
#: VAT category "Not subject to VAT" and its exemption reason code (CEF VATEX code list).
OUTSIDE_SCOPE_OF_VAT = "O"
OUTSIDE_SCOPE_REASON_CODE = "VATEX-EU-O"
OUTSIDE_SCOPE_REASON = ("Medlemsavgift till ideell förening: utanför mervärdesskattens tillämpningsområde "
                        "(ingen omsättning mot ersättning)")
#: UN/ECE Recommendation 20: "one" (a unit without dimension).
UNIT_ONE = "C62"

NAMESPACES = {None: INVOICE_NS, "cac": CAC, "cbc": CBC}


def _cbc(parent: ET._Element, element_name: str, text: str, **attributes: str) -> ET._Element:
    element = ET.SubElement(parent, f"{{{CBC}}}{element_name}", attributes)
    element.text = text
    return element


def _cac(parent: ET._Element, name: str) -> ET._Element:
    return ET.SubElement(parent, f"{{{CAC}}}{name}")


def _amount(parent: ET._Element, name: str, value: Decimal) -> None:
    _cbc(parent, name, f"{value.quantize(Decimal('0.01')):f}", currencyID=CURRENCY)


def _address(parent: ET._Element, street_lines: tuple[str, ...], city: str | None, postal_code: str | None) -> None:
    """The postal address (the country at least); the street (or box) is the last line, lines before it additional."""
    address = _cac(parent, "PostalAddress")
    if street_lines:
        *additional, street = street_lines
        _cbc(address, "StreetName", street)
        if additional:
            _cbc(address, "AdditionalStreetName", ", ".join(additional))
    if city:
        _cbc(address, "CityName", city)
    if postal_code:
        _cbc(address, "PostalZone", postal_code)
    _cbc(_cac(address, "Country"), "IdentificationCode", COUNTRY)


def _legal_entity(parent: ET._Element, name: str, organisation_number: str, legal_form: str | None = None) -> None:
    entity = _cac(parent, "PartyLegalEntity")
    _cbc(entity, "RegistrationName", name)
    _cbc(entity, "CompanyID", organisation_number.replace("-", ""), schemeID=SWEDISH_ORGANISATION_NUMBER_SCHEME)
    if legal_form:
        _cbc(entity, "CompanyLegalForm", legal_form)


def _seller_endpoint(seller: Organisation) -> tuple[str, str]:
    match = PEPPOL_ID.match(seller.peppol_id or "")
    if match:
        return match["scheme"], match["value"]
    return SWEDISH_ORGANISATION_NUMBER_SCHEME, seller.organisation_number.replace("-", "")


def _seller(invoice: ET._Element, seller: Organisation) -> None:
    party = _cac(_cac(invoice, "AccountingSupplierParty"), "Party")
    scheme, value = _seller_endpoint(seller)
    _cbc(party, "EndpointID", value, schemeID=scheme)
    _cbc(_cac(party, "PartyName"), "Name", seller.name)
    _address(party, (seller.street_address,), seller.city, seller.postal_code)
    _legal_entity(party, seller.name, seller.organisation_number, f"Ideell förening, säte {seller.seat}")


def _buyer(invoice: ET._Element, document: FeeInvoiceDocument) -> None:
    buyer = document.buyer
    party = _cac(_cac(invoice, "AccountingCustomerParty"), "Party")
    _cbc(party, "EndpointID", buyer.peppol_value, schemeID=buyer.peppol_scheme)
    identification = _cac(party, "PartyIdentification")
    _cbc(identification, "ID", buyer.organisation_number_digits, schemeID=SWEDISH_ORGANISATION_NUMBER_SCHEME)
    _cbc(_cac(party, "PartyName"), "Name", buyer.name)
    # A line that repeats the name (a large recipient's address is name, postcode, city) is no street.
    _address(party, tuple(line for line in buyer.address_lines if line != buyer.name), buyer.city, buyer.postal_code)
    _legal_entity(party, buyer.name, buyer.organisation_number)


def _payment(invoice: ET._Element, document: FeeInvoiceDocument) -> None:
    means = _cac(invoice, "PaymentMeans")
    _cbc(means, "PaymentMeansCode", CREDIT_TRANSFER, name="Bankgiro")
    _cbc(means, "PaymentID", document.ocr)
    account = _cac(means, "PayeeFinancialAccount")
    _cbc(account, "ID", document.seller.bankgiro.replace("-", ""))
    _cbc(account, "Name", document.seller.name)
    _cbc(_cac(account, "FinancialInstitutionBranch"), "ID", BANKGIRO_BRANCH)
    days = (document.due_date - document.invoice_date).days
    _cbc(_cac(invoice, "PaymentTerms"), "Note", f"{days} dagar netto. Ange OCR-nummer {document.ocr} vid betalning.")


def _tax_category(parent: ET._Element, name: str, with_reason: bool) -> None:
    category = _cac(parent, name)
    _cbc(category, "ID", OUTSIDE_SCOPE_OF_VAT)
    if with_reason:
        _cbc(category, "TaxExemptionReasonCode", OUTSIDE_SCOPE_REASON_CODE)
        _cbc(category, "TaxExemptionReason", OUTSIDE_SCOPE_REASON)
    _cbc(_cac(category, "TaxScheme"), "ID", "VAT")


def _totals(invoice: ET._Element, amount: Decimal) -> None:
    tax_total = _cac(invoice, "TaxTotal")
    _amount(tax_total, "TaxAmount", Decimal(0))
    subtotal = _cac(tax_total, "TaxSubtotal")
    _amount(subtotal, "TaxableAmount", amount)
    _amount(subtotal, "TaxAmount", Decimal(0))
    _tax_category(subtotal, "TaxCategory", with_reason=True)
    totals = _cac(invoice, "LegalMonetaryTotal")
    for name in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount"):
        _amount(totals, name, amount)


def _line(invoice: ET._Element, document: FeeInvoiceDocument) -> None:
    line = _cac(invoice, "InvoiceLine")
    _cbc(line, "ID", "1")
    _cbc(line, "InvoicedQuantity", "1", unitCode=UNIT_ONE)
    _amount(line, "LineExtensionAmount", document.amount)
    item = _cac(line, "Item")
    _cbc(item, "Description", f"Årsavgift {document.fee_year} enligt föreningens avgiftsregel")
    _cbc(item, "Name", document.description)
    _tax_category(item, "ClassifiedTaxCategory", with_reason=False)
    _amount(_cac(line, "Price"), "PriceAmount", document.amount)


def peppol_invoice_element(document: FeeInvoiceDocument) -> ET._Element:
    """The UBL Invoice element of ``document``."""
    # The None key (the default namespace) is lxml's own convention.
    invoice = ET.Element(f"{{{INVOICE_NS}}}Invoice", nsmap=NAMESPACES)
    _cbc(invoice, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(invoice, "ProfileID", PROFILE_ID)
    _cbc(invoice, "ID", document.number)
    _cbc(invoice, "IssueDate", document.invoice_date.isoformat())
    _cbc(invoice, "DueDate", document.due_date.isoformat())
    _cbc(invoice, "InvoiceTypeCode", COMMERCIAL_INVOICE)
    _cbc(invoice, "Note", f"{document.description}. {OUTSIDE_SCOPE_REASON}.")
    _cbc(invoice, "DocumentCurrencyCode", CURRENCY)
    _cbc(invoice, "BuyerReference", document.buyer.reference or f"Kundnr {document.buyer.customer_number}")
    period = _cac(invoice, "InvoicePeriod")
    _cbc(period, "StartDate", f"{document.fee_year}-01-01")
    _cbc(period, "EndDate", f"{document.fee_year}-12-31")
    _seller(invoice, document.seller)
    _buyer(invoice, document)
    _payment(invoice, document)
    _totals(invoice, document.amount)
    _line(invoice, document)
    return invoice


def peppol_invoice_xml(document: FeeInvoiceDocument) -> bytes:
    """``document`` as a UTF-8 encoded UBL 2.1 Invoice (PEPPOL BIS Billing 3.0)."""
    return bytes(ET.tostring(peppol_invoice_element(document), encoding="UTF-8", xml_declaration=True,
                             pretty_print=True))


__all__ = ["CUSTOMIZATION_ID", "PROFILE_ID", "peppol_invoice_element", "peppol_invoice_xml"]
