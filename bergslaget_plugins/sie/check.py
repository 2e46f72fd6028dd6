"""What is wrong with a SIE file: ``bergslaget sie check FILE``.

The check reads any SIE file (type 1–4) and reports, each at its line:

- a record that cannot be read (an unclosed quote, an amount or a date that is none),
  and a file that is no SIE file at all;
- a ``#KSUMMA`` whose value is not the checksum of the records (see ``checksum.py``);
- a voucher (``#VER``) whose rows do not sum to zero;
- a voucher dated outside the financial year (``#RAR 0``);
- an account used but not declared with ``#KONTO`` (when the file declares accounts);
- a balance account whose opening balance plus the year's rows is not its closing
  balance (``#IB 0`` + rows ≠ ``#UB 0``), and a result account whose rows are not its
  result (rows ≠ ``#RES 0``) — when the file has both vouchers and those balances.

A file in another character set than PC8 is read as what it is, and the check says so
as a remark (anmärkning), not as a defect (fel). An account is a balance account by
its BAS class (1 and 2) and a result account by class 3–8; other accounts by ``#KTYP``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bergslaget_plugins.sie.document import SieDocument, Voucher
from bergslaget_plugins.sie.encoding import PC8

DEFECT = "fel"
REMARK = "anmärkning"


@dataclass(frozen=True)
class Finding:
    """One thing the check found, at a line of the file."""

    lineno: int
    severity: str  # DEFECT or REMARK
    message: str
    voucher: str | None = None
    account: str | None = None

    def format(self, path: str) -> str:
        return f"{path}:{self.lineno}: {self.severity}: {self.message}"


def is_balance_account(account: str, account_types: dict[str, str]) -> bool | None:
    """True for a balance account, False for a result account, None if neither class nor type says."""
    first = account[:1]
    if first in ("1", "2"):
        return True
    if first in ("3", "4", "5", "6", "7", "8"):
        return False
    kind = account_types.get(account)
    if kind in ("T", "S"):
        return True
    if kind in ("I", "K"):
        return False
    return None


def _amount(value: Decimal) -> str:
    return f"{value:.2f}"


def _is_sie(document: SieDocument) -> bool:
    return document.record_count > 0 and (document.sie_type is not None or document.declared_format is not None
                                          or bool(document.accounts) or bool(document.vouchers))


def _encoding_findings(document: SieDocument) -> list[Finding]:
    findings: list[Finding] = []
    if document.encoding != PC8:
        declared = f"#FORMAT {document.declared_format}" if document.declared_format else "inget #FORMAT"
        findings.append(Finding(1, REMARK, f"filen är skriven i {document.encoding}, inte i PC8 som formatet föreskriver "
                                           f"({declared}); den läses som {document.encoding}"))
    if document.replacement_characters:
        findings.append(Finding(1, REMARK, f"filen innehåller {document.replacement_characters} ersättningstecken (\ufffd): "
                                           "bokstäver som gick förlorade innan filen skrevs"))
    return findings


def _checksum_findings(document: SieDocument) -> list[Finding]:
    result = document.checksum
    if result is None:
        return []
    if result.closing_line is None:
        return [Finding(result.opening_line, DEFECT, "#KSUMMA inleder kontrollsummering men filen slutar utan #KSUMMA med summan")]
    if result.declared is None:
        return [Finding(result.closing_line, DEFECT, "avslutande #KSUMMA saknar en kontrollsumma (ett heltal)")]
    if not result.matches:
        return [Finding(result.closing_line, DEFECT, f"fel kontrollsumma: #KSUMMA anger {result.declared}, "
                                                     f"posterna ger {result.computed}")]
    return []


def _voucher_findings(document: SieDocument) -> list[Finding]:
    findings: list[Finding] = []
    year = document.years.get(0)
    for voucher in document.vouchers:
        if voucher.total != 0:
            findings.append(Finding(voucher.lineno, DEFECT, f"verifikation {voucher.label} ({voucher.date}) balanserar inte: "
                                                            f"raderna summerar till {_amount(voucher.total)}", voucher=voucher.label))
        if year is not None and not year[0] <= voucher.date <= year[1]:
            findings.append(Finding(voucher.lineno, DEFECT, f"verifikation {voucher.label} är daterad {voucher.date}, "
                                                            f"utanför räkenskapsåret {year[0]}–{year[1]}", voucher=voucher.label))
    return findings


def _used_accounts(document: SieDocument) -> Iterable[tuple[str, int]]:
    for voucher in document.vouchers:
        for row in voucher.rows:
            yield row.account, row.lineno
    for record in (*document.opening, *document.closing, *document.results):
        yield record.account, record.lineno


def _unknown_account_findings(document: SieDocument) -> list[Finding]:
    if not document.accounts:
        return []
    first_use: dict[str, int] = {}
    for account, lineno in _used_accounts(document):
        if account not in document.accounts:
            first_use[account] = min(lineno, first_use.get(account, lineno))
    return [Finding(lineno, DEFECT, f"konto {account} används men finns inte i kontoplanen (#KONTO)", account=account)
            for account, lineno in sorted(first_use.items(), key=lambda item: item[1])]


def year_vouchers(document: SieDocument) -> list[Voucher]:
    """The vouchers of the financial year (all of them when the file gives no ``#RAR 0``)."""
    year = document.years.get(0)
    return [voucher for voucher in document.vouchers if year is None or year[0] <= voucher.date <= year[1]]


def transaction_totals(document: SieDocument) -> tuple[dict[str, Decimal], dict[str, int]]:
    """The year's rows summed per account, and each account's first row line."""
    totals: dict[str, Decimal] = {}
    first_line: dict[str, int] = {}
    for voucher in year_vouchers(document):
        for row in voucher.rows:
            totals[row.account] = totals.get(row.account, Decimal(0)) + row.amount
            first_line.setdefault(row.account, row.lineno)
    return totals, first_line


def _record_line(document: SieDocument, kind: str, account: str) -> int | None:
    records = {"IB": document.opening, "UB": document.closing, "RES": document.results}[kind]
    return next((record.lineno for record in records if record.year_index == 0 and record.account == account), None)


def _balance_findings(document: SieDocument) -> list[Finding]:
    if not document.vouchers:
        return []
    totals, first_line = transaction_totals(document)
    opening, closing, results = document.balances("IB"), document.balances("UB"), document.balances("RES")
    findings: list[Finding] = []
    if closing:
        # An account of no BAS class is a balance account by having an #IB or #UB.
        accounts = {account for account in (*opening, *closing) if is_balance_account(account, document.account_types) is not False}
        accounts |= {account for account in totals if is_balance_account(account, document.account_types)}
        for account in sorted(accounts):
            movement = totals.get(account, Decimal(0))
            expected = opening.get(account, Decimal(0)) + movement
            actual = closing.get(account, Decimal(0))
            if expected != actual:
                line = _record_line(document, "UB", account) or _record_line(document, "IB", account) or first_line.get(account, 0)
                findings.append(Finding(line, DEFECT, f"konto {account}: ingående balans {_amount(opening.get(account, Decimal(0)))} "
                                                      f"+ årets transaktioner {_amount(movement)} = {_amount(expected)}, "
                                                      f"men utgående balans (#UB) är {_amount(actual)}", account=account))
    if results:
        accounts = {account for account in results if is_balance_account(account, document.account_types) is not True}
        accounts |= {account for account in totals if is_balance_account(account, document.account_types) is False}
        for account in sorted(accounts):
            movement = totals.get(account, Decimal(0))
            result = results.get(account, Decimal(0))
            if movement != result:
                line = _record_line(document, "RES", account) or first_line.get(account, 0)
                findings.append(Finding(line, DEFECT, f"konto {account}: årets transaktioner {_amount(movement)}, "
                                                      f"men årets resultat (#RES) är {_amount(result)}", account=account))
    return findings


def check_document(document: SieDocument) -> list[Finding]:
    """Every defect and remark of a read SIE file, in line order."""
    if not _is_sie(document):
        return [Finding(1, DEFECT, "filen är ingen SIE-fil (inga SIE-poster som #FLAGGA, #SIETYP, #KONTO eller #VER)")]
    findings = _encoding_findings(document)
    findings += [Finding(problem.lineno, DEFECT, f"oläslig post: {problem.message}") for problem in document.problems]
    findings += _checksum_findings(document)
    findings += _voucher_findings(document)
    findings += _unknown_account_findings(document)
    findings += _balance_findings(document)
    return sorted(findings, key=lambda finding: (finding.lineno, finding.severity != REMARK))


def defects(findings: Iterable[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.severity == DEFECT]


__all__ = ["DEFECT", "REMARK", "Finding", "check_document", "defects", "is_balance_account",
           "transaction_totals", "year_vouchers"]
