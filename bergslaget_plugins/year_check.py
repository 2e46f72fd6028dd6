"""The year's checklist, computed from the books: what a year needs before its year-end.

Each item is ✓ (done), ✗ (to do: with what to do and where) or – (does not apply).
``bergslaget check --year 2023`` prints it (``check_command.py``) and Fava's page Bokslut
shows it (``fava_ext/bokslut.py``); both only render :func:`year_checklist`.

The items, in order: the year's rates (confirmed, not only carried), KPI for the fee
indexation, population figures for every member on the fee year's basis date, the fee
invoices booked, unpaid and overdue fee invoices, last year's result disposed, the year's
own budget (not one carried from an earlier year), every balance-sheet account asserted
at the year end, 1938 and 2999 at zero, no pending (``!``) entries, the holiday-pay lines
at the year-end, the year-end directive, and the verification series without gaps or
duplicates.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from beancount.core import flags
from beancount.core.data import Balance, Custom, Directive, Open, Transaction

from bergslaget_plugins.budget import read_budgets
from bergslaget_plugins.chart import BALANCE_SHEET, earnings_accounts, read_chart
from bergslaget_plugins.fees import compute_fees, fee_parameters, invoice_date_of, read_register
from bergslaget_plugins.fiscal import year_end_directives
from bergslaget_plugins.generated import is_generated
from bergslaget_plugins.holiday_pay import FACT_TYPE as HOLIDAY_PAY_TYPE
from bergslaget_plugins.membership_fees import books_reach
from bergslaget_plugins.money import format_kronor
from bergslaget_plugins.rates import CARRIED_FROM_KEY, EMPLOYER_CONTRIBUTION, RATE_TYPE, SPECIAL_PAYROLL_TAX
from bergslaget_plugins.receivables import InvoiceBookError, read_invoices
from bergslaget_plugins.roles import read_roles
from bergslaget_plugins.verification_numbers import is_verification, parse_verification

Status = Literal["✓", "✗", "–"]
DONE: Status = "✓"
TO_DO: Status = "✗"
NOT_APPLICABLE: Status = "–"

#: Rates every year needs (the year-end rules use them).
NEEDED_RATES = (EMPLOYER_CONTRIBUTION, SPECIAL_PAYROLL_TAX)


@dataclass(frozen=True)
class CheckItem:
    """One item of the checklist."""

    title: str
    status: Status
    #: What the books show, in Swedish.
    finding: str
    #: What to do (empty when nothing is to be done).
    todo: str = ""
    #: Where: ``file:line`` of the directives concerned (relative to the books' folder).
    places: tuple[str, ...] = ()


@dataclass(frozen=True)
class YearChecklist:
    year: int
    items: tuple[CheckItem, ...]

    @property
    def passed(self) -> bool:
        """True when no item is ✗."""
        return all(item.status != TO_DO for item in self.items)


class _Context:
    """The books read once for all items."""

    def __init__(self, entries: Sequence[Directive], options: Mapping[str, Any], year: int, root: Path | None) -> None:
        self.entries = entries
        self.options = options
        self.year = year
        self.root = root
        self.year_end = datetime.date(year, 12, 31)
        self.next_day = datetime.date(year + 1, 1, 1)
        self.transactions = [e for e in entries if isinstance(e, Transaction)]
        self.year_ends, _ = year_end_directives(entries)
        self.register, _ = read_register(entries)
        self.reach = books_reach(list(entries))

    def place(self, meta: Mapping[str, Any] | None) -> str:
        meta = meta or {}
        filename = str(meta.get("filename", "?"))
        if self.root is not None and os.path.isabs(filename):
            try:
                filename = os.path.relpath(filename, self.root)
            except ValueError:
                pass
        return f"{filename}:{meta.get('lineno', '?')}"

    def balance(self, account: str, through: datetime.date) -> Decimal:
        return sum((leg.units.number for entry in self.transactions if entry.date <= through
                    for leg in entry.postings if leg.account == account and leg.units is not None and leg.units.number is not None), Decimal(0))


# -- the items ----------------------------------------------------------------------------

def _rates(context: _Context) -> CheckItem:
    year = context.year
    found: dict[str, Custom] = {}
    for entry in context.entries:
        if isinstance(entry, Custom) and entry.type == RATE_TYPE and entry.date.year == year and entry.values:
            found.setdefault(str(entry.values[0].value), entry)
    missing = [name for name in NEEDED_RATES if name not in found]
    carried = [entry for entry in found.values() if CARRIED_FROM_KEY in entry.meta]
    places = tuple(context.place(entry.meta) for entry in found.values())
    if missing:
        return CheckItem("Procentsatser", TO_DO, f"Saknas för {year}: {', '.join(missing)}",
                         f'Skriv {year}-01-01 custom "procentsats" "<namn>" <procent> i {year}/satser.beancount '
                         f"(bergslaget year open {year} för över förra årets)", places)
    if carried:
        return CheckItem("Procentsatser", TO_DO,
                         f"Överförda från {year - 1} men inte bekräftade: "
                         + ", ".join(str(entry.values[0].value) for entry in carried),
                         f"Bekräfta mot Skatteverket, skriv källan i kalla och ta bort {CARRIED_FROM_KEY}",
                         tuple(context.place(entry.meta) for entry in carried))
    return CheckItem("Procentsatser", DONE, f"{', '.join(sorted(found))} för {year}", places=places)


def _kpi(context: _Context) -> CheckItem:
    year = context.year
    rules = [rule for rule in context.register.rules if rule.year <= year]
    if not rules:
        return CheckItem("KPI", NOT_APPLICABLE, f"Ingen avgiftsregel gäller {year}")
    rule = rules[-1]
    if rule.year == year or rule.indexation != "KPI":
        return CheckItem("KPI", NOT_APPLICABLE, f"Avgifterna {year} indexeras inte (avgiftsregeln för {rule.year})",
                         places=(context.place(rule.meta),))
    needed = [y for y in range(rule.year - 1, year) if y not in context.register.kpi]
    if needed:
        return CheckItem("KPI", TO_DO, f"KPI-årsmedeltal saknas för {', '.join(map(str, needed))} (indexeringen av {year})",
                         f'Skriv {needed[-1]}-12-31 custom "kpi" <årsmedeltal> (SCB) i {year}/avgiftsunderlag.beancount',
                         (context.place(rule.meta),))
    used = (year - 2, year - 1)
    return CheckItem("KPI", DONE, f"KPI {used[1]} och {used[0]} finns",
                     places=tuple(context.place(context.register.kpi[y][1]) for y in used))


def _population(context: _Context) -> CheckItem:
    year = context.year
    parameters, problem = fee_parameters(context.register, year)
    if parameters is None:
        if not any(rule.year <= year for rule in context.register.rules):
            return CheckItem("Folkmängd", NOT_APPLICABLE, f"Ingen avgiftsregel gäller {year}")
        return CheckItem("Folkmängd", TO_DO, f"Avgifterna {year} kan inte räknas ut: {problem.message if problem else ''}",
                         "Se punkten KPI")
    _, fees, errors = compute_fees(context.register, year)
    lacking = [error for error in errors if "folkmängd" in error.message]
    basis = parameters.population_date
    if lacking:
        return CheckItem("Folkmängd", TO_DO,
                         f"Folkmängd per {basis} saknas för {len(lacking)} medlemmar: "
                         + "; ".join(error.message.split(":")[0] for error in lacking),
                         f'Skriv {basis} custom "folkmängd" "<kommunkod>" <antal> (SCB) i {year}/avgiftsunderlag.beancount '
                         f"före fakturadatum {parameters.invoice_date}",
                         tuple(context.place(error.source) for error in lacking))
    return CheckItem("Folkmängd", DONE, f"Folkmängd per {basis} finns för alla {len(fees)} medlemmar")


def _fee_invoices(context: _Context) -> CheckItem:
    year = context.year
    invoice_date = invoice_date_of(context.register, year)
    if invoice_date is None:
        return CheckItem("Medlemsavgifter fakturerade", NOT_APPLICABLE, f"Ingen avgiftsregel gäller {year}")
    booked = [e for e in context.transactions if e.meta.get("avgiftsar") == year]
    if context.reach is None or context.reach < invoice_date:
        return CheckItem("Medlemsavgifter fakturerade", NOT_APPLICABLE,
                         f"Avgifterna {year} faktureras {invoice_date}; böckerna har inte nått dit")
    _, fees, _ = compute_fees(context.register, year)
    members = {fee.member.name for fee in fees} | {m.name for m in context.register.members if m.is_member_on(invoice_date)}
    invoiced = {str(e.meta.get("medlem")) for e in booked}
    missing = sorted(members - invoiced)
    if missing:
        return CheckItem("Medlemsavgifter fakturerade", TO_DO,
                         f"{len(invoiced)} fakturor; ingen faktura {year} för {', '.join(missing)}",
                         "Se felen vid medlemmarna i bean-check och bergslaget fees --year " + str(year))
    return CheckItem("Medlemsavgifter fakturerade", DONE, f"{len(invoiced)} fakturor {invoice_date}")


def _unpaid_fees(context: _Context) -> CheckItem:
    year = context.year
    as_of = min(context.year_end, context.reach) if context.reach else context.year_end
    receivables = read_roles(context.entries, context.options)[0].get("kundfordringar")
    if receivables is None:
        return CheckItem("Obetalda medlemsavgifter", TO_DO, "Inget konto har rollen kundfordringar",
                         'Ange roll: "kundfordringar" på kundfordringskontot i kontoplanen')
    try:
        invoices = read_invoices(context.entries, receivables, as_of=as_of)
    except InvoiceBookError as error:
        return CheckItem("Obetalda medlemsavgifter", TO_DO, str(error), "Rätta fakturan eller betalningen")
    fee_invoices = [record for record in invoices.values() if record.fee_year == year]
    if not fee_invoices:
        return CheckItem("Obetalda medlemsavgifter", NOT_APPLICABLE, f"Inga avgiftsfakturor {year} ännu")
    unpaid = [record for record in fee_invoices if record.open_amount]
    overdue = [record for record in unpaid if record.due_date is not None and record.due_date < as_of]
    if overdue:
        total = sum((record.open_amount for record in overdue), Decimal(0))
        return CheckItem("Obetalda medlemsavgifter", TO_DO,
                         f"{len(overdue)} förfallna obetalda fakturor per {as_of}, {format_kronor(total)} kr: "
                         + ", ".join(f"{record.number} {record.customer}" for record in overdue),
                         "Påminn; bedöm vid bokslutet om fordran är osäker",
                         tuple(context.place(record.entry.meta) for record in overdue))
    if unpaid:
        return CheckItem("Obetalda medlemsavgifter", DONE,
                         f"{len(unpaid)} obetalda fakturor per {as_of}, ingen förfallen")
    return CheckItem("Obetalda medlemsavgifter", DONE, f"Alla {len(fee_invoices)} avgiftsfakturor {year} är betalda")


def _disposition(context: _Context) -> CheckItem:
    year = context.year
    _, previous_earnings = earnings_accounts(context.options)
    result_roots = (context.options["name_income"] + ":", context.options["name_expenses"] + ":")
    undisposed = Decimal(0)
    for entry in context.transactions:
        if entry.date.year < year:
            undisposed += sum((leg.units.number for leg in entry.postings if leg.units is not None and leg.units.number is not None and (
                leg.account == previous_earnings or leg.account.startswith(result_roots))), Decimal(0))
    dispositions = [entry for entry in context.transactions if entry.date.year == year
                    and any(leg.account == previous_earnings for leg in entry.postings)]
    moved = sum((leg.units.number for entry in dispositions for leg in entry.postings
                 if leg.account == previous_earnings and leg.units is not None and leg.units.number is not None), Decimal(0))
    places = tuple(context.place(entry.meta) for entry in dispositions)
    left = undisposed + moved
    if not undisposed and not dispositions:
        return CheckItem("Föregående års resultat disponerat", DONE, "Inget odisponerat resultat från tidigare år")
    if left:
        return CheckItem("Föregående års resultat disponerat", TO_DO,
                         f"{format_kronor(abs(left))} kr av tidigare års {'förlust' if left > 0 else 'vinst'} "
                         f"är inte disponerat vid årets slut (disponerat: {format_kronor(abs(moved))} kr)",
                         f"Bokför årsmötets beslut i {year}/arsmote.beancount (2069 → 2067)", places)
    pending = [entry for entry in dispositions if entry.flag == flags.FLAG_WARNING]
    if pending:
        return CheckItem("Föregående års resultat disponerat", TO_DO,
                         f"Dispositionen ({format_kronor(abs(moved))} kr) är förberedd men inte beslutad (!)",
                         "Efter årsmötet: rätta datum och text efter protokollet och ändra ! till *",
                         tuple(context.place(entry.meta) for entry in pending))
    return CheckItem("Föregående års resultat disponerat", DONE,
                     f"{format_kronor(abs(moved))} kr disponerat enligt årsmötets beslut", places=places)


def _budget(context: _Context) -> CheckItem:
    year = context.year
    budgets, _ = read_budgets(context.entries)
    own = [budget for entries in budgets.values() for budget in entries if budget.start.year == year]
    earlier = [budget for entries in budgets.values() for budget in entries if budget.start.year < year]
    if own:
        first = min(own, key=lambda budget: (str(budget.meta.get("filename")), int(budget.meta.get("lineno") or 0)))
        return CheckItem("Budget för året", DONE, f"Egen budget för {year}: {len(own)} konton",
                         places=(context.place(first.meta),))
    if earlier:
        latest = max(budget.start.year for budget in earlier)
        return CheckItem("Budget för året", TO_DO,
                         f"Ingen egen budget för {year}; Favas budget visar {latest} års, som inte gäller {year}",
                         f"Skriv den beslutade budgeten i {year}/budget.beancount (utkastet från bergslaget year open)")
    return CheckItem("Budget för året", NOT_APPLICABLE, f"Ingen budget i böckerna för {year} eller tidigare")


def _assertions(context: _Context) -> CheckItem:
    year = context.year
    chart, _ = read_chart(context.entries, context.options)
    opened = {entry.account: entry for entry in context.entries if isinstance(entry, Open) and entry.date <= context.year_end
              and (section := chart.section_of_account(entry.account)) is not None and section.statement == BALANCE_SHEET}
    asserted = {entry.account: entry for entry in context.entries
                if isinstance(entry, Balance) and entry.date == context.next_day}
    missing = []
    for account in sorted(opened):
        if account in asserted:
            continue
        generated_on_year_end = sum((leg.units.number for entry in context.transactions
                                     if entry.date == context.year_end and is_generated(entry)
                                     for leg in entry.postings if leg.account == account and leg.units is not None and leg.units.number is not None), Decimal(0))
        balance = context.balance(account, context.year_end)
        if balance and balance == generated_on_year_end:
            continue  # wholly what a year-end rule computed that day (e.g. 2943): its basis is in the entry
        missing.append(account)
    if missing:
        return CheckItem("Balanskonton avstämda vid årets slut", TO_DO,
                         f"Ingen avstämning {context.next_day} för {len(missing)} konton: {', '.join(missing)}",
                         f"Skriv {context.next_day} balance <konto> <saldo> SEK i {year}/bokslut.beancount",
                         tuple(context.place(opened[account].meta) for account in missing))
    return CheckItem("Balanskonton avstämda vid årets slut", DONE,
                     f"{len(asserted)} balanskonton avstämda {context.next_day}",
                     places=tuple(sorted({context.place(entry.meta).rsplit(":", 1)[0] for entry in asserted.values()})))


def _clearing_accounts(context: _Context) -> CheckItem:
    roles, _ = read_roles(context.entries, context.options)
    accounts = [account for account in (roles.get("bankgiroinbetalningar"), roles.get("obs-konto")) if account]
    nonzero = [(account, context.balance(account, context.year_end)) for account in accounts]
    nonzero = [(account, amount) for account, amount in nonzero if amount]
    if nonzero:
        return CheckItem("1938 och 2999 är noll", TO_DO,
                         "; ".join(f"{account}: {format_kronor(amount)} kr {context.year_end}" for account, amount in nonzero),
                         "Identifiera och boka om beloppen (Bankgirots insättning, oidentifierade betalningar)")
    return CheckItem("1938 och 2999 är noll", DONE, f"{', '.join(accounts)} är noll {context.year_end}")


def _pending_entries(context: _Context) -> CheckItem:
    pending = [entry for entry in context.transactions
               if entry.date.year == context.year and entry.flag == flags.FLAG_WARNING]
    if pending:
        return CheckItem("Inga !-markerade verifikationer", TO_DO,
                         f"{len(pending)} verifikationer är markerade ! (ej klara)",
                         "Gå igenom var och en, rätta den och ändra ! till *",
                         tuple(context.place(entry.meta) for entry in pending))
    return CheckItem("Inga !-markerade verifikationer", DONE, f"Inga !-markerade verifikationer {context.year}")


def _holiday_pay(context: _Context) -> CheckItem:
    facts = [entry for entry in context.entries if isinstance(entry, Custom) and entry.type == HOLIDAY_PAY_TYPE]
    at_year_end = [entry for entry in facts if entry.date == context.year_end]
    if at_year_end:
        return CheckItem("Semesterlöneskuld vid bokslutet", DONE,
                         f"{len(at_year_end)} {'rad' if len(at_year_end) == 1 else 'rader'} per {context.year_end}",
                         places=tuple(context.place(entry.meta) for entry in at_year_end))
    roles, _ = read_roles(context.entries, context.options)
    liability = roles.get("semesterlöneskuld")
    employees = any(entry.date < context.year_end for entry in facts) or (
        liability is not None and context.balance(liability, context.year_end))
    if employees:
        return CheckItem("Semesterlöneskuld vid bokslutet", TO_DO, f"Inga rader per {context.year_end}",
                         f'Skriv {context.year_end} custom "semesterlöneskuld" "<namn>" per anställd '
                         f"(skuld: 0 om ingen skuld) i {context.year}/bokslut.beancount")
    return CheckItem("Semesterlöneskuld vid bokslutet", NOT_APPLICABLE, "Inga anställda med semesterlöneskuld")


def _year_end_directive(context: _Context) -> CheckItem:
    directive = context.year_ends.get(context.year)
    if directive is None:
        return CheckItem("Bokslutsdirektiv", TO_DO, f"Inget bokslut för {context.year}",
                         f'Skriv {context.year_end} custom "bokslut" "Årsbokslut {context.year}" i '
                         f"{context.year}/bokslut.beancount när årets verifikationer är bokförda")
    return CheckItem("Bokslutsdirektiv", DONE, str(directive.values[0].value) if directive.values else "Bokslut",
                     places=(context.place(directive.meta),))


def _series(context: _Context) -> CheckItem:
    numbers: dict[str, dict[int, list[Transaction]]] = defaultdict(lambda: defaultdict(list))
    unnumbered = []
    for entry in context.transactions:
        if entry.date.year != context.year or not is_verification(entry):
            continue
        parsed = parse_verification(entry.meta.get("ver"))
        if parsed is None:
            unnumbered.append(entry)
            continue
        numbers[parsed[0]][parsed[1]].append(entry)
    problems: list[str] = []
    places: list[str] = []
    for series, seen in sorted(numbers.items()):
        for number, entries in sorted(seen.items()):
            if len(entries) > 1:
                problems.append(f"{series}{number} finns {len(entries)} gånger")
                places += [context.place(entry.meta) for entry in entries]
        gaps = sorted(set(range(1, max(seen) + 1)) - set(seen))
        if gaps:
            problems.append(f"lucka i {series}: " + ", ".join(f"{series}{n}" for n in gaps))
    if unnumbered:
        problems.append(f"{len(unnumbered)} verifikationer utan giltigt nummer")
        places += [context.place(entry.meta) for entry in unnumbered]
    if problems:
        return CheckItem("Verifikationsserier", TO_DO, "; ".join(problems),
                         "Rätta numren så att varje serie löper 1, 2, 3 … utan dubbletter", tuple(places))
    total = sum(len(seen) for seen in numbers.values())
    return CheckItem("Verifikationsserier", DONE,
                     f"{total} verifikationer i {len(numbers)} serier ({', '.join(sorted(numbers))}), utan luckor och dubbletter")


ITEMS = (_rates, _kpi, _population, _fee_invoices, _unpaid_fees, _disposition, _budget, _assertions,
         _clearing_accounts, _pending_entries, _holiday_pay, _year_end_directive, _series)


def year_checklist(entries: Sequence[Directive], options: Mapping[str, Any], year: int,
                   root: Path | None = None) -> YearChecklist:
    """The checklist of ``year``; places are relative to ``root`` (the books' folder) when given."""
    context = _Context(entries, options, year, root)
    return YearChecklist(year, tuple(item(context) for item in ITEMS))


def checklist_rows(checklist: YearChecklist) -> Iterable[tuple[str, str, str, str, str]]:
    """(status, punkt, besked, åtgärd, plats) per item, for CSV and tables."""
    for item in checklist.items:
        yield item.status, item.title, item.finding, item.todo, " ".join(item.places)
