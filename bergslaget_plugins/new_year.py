"""Opening a new financial year: the files the accountant needs, prepared from the year before.

``bergslaget year open 2023`` (``year_command.py``) calls :func:`plan_year` and
:func:`write_new_files`. The year's folder gets the same files as the previous year's,
each with a header comment saying what goes there, and:

* ``satser.beancount``: last year's rates carried to the new year, each marked
  ``overford_fran: 2022`` until the accountant has confirmed it (``bergslaget check``
  lists unconfirmed rates);
* ``avgiftsunderlag.beancount``: the population figures and the KPI the fee year needs,
  as commented lines to fill in (no figure is guessed);
* ``budget.beancount``: last year's budget as commented lines, "EJ BESLUTAD" until the
  annual meeting decides and the accountant removes the semicolons;
* ``arsmote.beancount``: the disposition of last year's result with its amount, flagged
  ``!`` (pending) until the meeting decides; then the flag becomes ``*``;
* ``bokslut.beancount``: the year-end directive, the holiday-pay lines and the balance
  assertions as a commented checklist.

Nothing is ever overwritten: a file that exists is left as it is (so running the command
again changes nothing), and each new file is written whole or not at all.
"""

from __future__ import annotations

import datetime
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from beancount.core.data import Custom, Directive, Open, Transaction
from beancount.parser import parser

from bergslaget_plugins.atomic_file import create_atomically
from bergslaget_plugins.board import AUDITOR_TYPE, BOARD_TYPE
from bergslaget_plugins.budget import read_budgets
from bergslaget_plugins.chart import BALANCE_SHEET, earnings_accounts, read_chart
from bergslaget_plugins.fees import invoice_date_of, read_register
from bergslaget_plugins.holiday_pay import FACT_TYPE as HOLIDAY_PAY_TYPE
from bergslaget_plugins.money import format_kronor
from bergslaget_plugins.rates import CARRIED_FROM_KEY, RATE_TYPE
from bergslaget_plugins.report_texts import MANAGEMENT_REPORT_TYPE
from bergslaget_plugins.roles import read_roles

#: The series of the annual meeting's decisions booked in the books.
MEETING_SERIES = "ÅM"

#: What goes in each file of a year's folder (Swedish, the file's header comment).
FILE_PURPOSES: dict[str, str] = {
    "bank.beancount": "Bankhändelser {year} på 1930 Företagskonto, verifikationsserie A: betalningar, "
                      "inbetalningar, skattekontot och Bankgirots dagliga insättningar (mot 1938).",
    "bankgiro.beancount": "Bankgiroinbetalningar {year} (BgMax från Bankgirot), verifikationsserie BG. "
                          "Importeras med bergslaget import extract (se README, Import).",
    "kundfakturor.beancount": "Kundfakturor {year}, verifikationsserie KF, med fakturanummer, OCR-referens "
                              "och länken faktura-<nummer>. Medlemsavgifterna bokförs av regeln, inte här.",
    "leverantorsfakturor.beancount": "Leverantörsfakturor {year}, verifikationsserie LF: kostnaden mot 2440 "
                                     "Leverantörsskulder (motpart = leverantören); period: för periodisering.",
    "loner.beancount": "Löner {year} enligt lönelistorna, verifikationsserie LÖ: bruttolön, preliminärskatt, "
                       "nettolön och arbetsgivaravgifter.",
    "arsmote.beancount": "Årsmötet {year}: dispositionen av {previous} års resultat (verifikationsserie ÅM).",
    "budget.beancount": "Budget {year} i Favas form (belopp per år och konto, intäkter negativa).",
    "bokslut.beancount": "Årsbokslut {year}: bokslutsdirektivet, semesterlöneskulden per anställd och "
                         "avstämning av varje balanskonto vid årets slut.",
    "satser.beancount": "Procentsatser för {year} (arbetsgivaravgift, särskild löneskatt).",
    "avgiftsunderlag.beancount": "Underlag för medlemsavgifterna {year}: folkmängd och KPI.",
    "arsredovisning.beancount": "Årsredovisningen {year}: förvaltningsberättelsen och de som skriver under "
                                "(som i {previous}/arsredovisning.beancount, med årets datum och namn).",
}


@dataclass(frozen=True)
class PlannedFile:
    """A file of the new year's folder and the text it starts with."""

    path: Path
    text: str


@dataclass(frozen=True)
class YearPlan:
    year: int
    folder: Path
    files: tuple[PlannedFile, ...]
    #: What the accountant must do next, in order (Swedish).
    next_steps: tuple[str, ...]
    #: True when an include pattern of main.beancount covers the folder's files.
    included: bool


def _header(name: str, year: int) -> str:
    purpose = FILE_PURPOSES.get(name, f"{name} för {year} (som föregående års fil med samma namn).")
    lines = textwrap.wrap(purpose.format(year=year, previous=year - 1), width=88)
    return "".join(f"; {line}\n" for line in lines)


def _carried_rates(entries: Sequence[Directive], year: int) -> str:
    lines = ["; Förra årets satser, överförda av bergslaget year open. Bekräfta varje sats mot",
             "; Skatteverkets uppgifter för året, rätta den vid behov, skriv källan i kalla och ta",
             f"; bort raden {CARRIED_FROM_KEY} (bergslaget check listar satser som inte bekräftats).", ""]
    for entry in entries:
        if isinstance(entry, Custom) and entry.type == RATE_TYPE and entry.date.year == year - 1 and len(entry.values) == 2:
            name, percent = (value.value for value in entry.values)
            lines += [f'{year}-01-01 custom "{RATE_TYPE}" "{name}" {percent}',
                      f'  kalla: "Överförd från {year - 1}: bekräfta"',
                      f"  {CARRIED_FROM_KEY}: {year - 1}"]
    return "\n".join(lines) + "\n"


def _fee_inputs(entries: Sequence[Directive], year: int) -> str:
    register, _ = read_register(entries)
    invoice_date = invoice_date_of(register, year)
    earlier = [rule for rule in register.rules if rule.year <= year]
    if not earlier or invoice_date is None:
        return "; Ingen avgiftsregel gäller för året.\n"
    rule = earlier[-1]
    month, day = rule.population_month_day
    basis = datetime.date(year + rule.population_year_offset, month, day)
    lines = [f"; Avgifterna {year} faktureras {invoice_date}; före det behövs (ta bort semikolon och",
             "; skriv in den officiella siffran, med källa):"]
    if rule.indexation == "KPI" and rule.year < year and (year - 1) not in register.kpi:
        lines += ["", f"; KPI-årsmedeltal {year - 1} (SCB, 1980=100) för indexeringen:",
                  f'; {year - 1}-12-31 custom "kpi" ÅRSMEDELTAL', ';   kalla: "SCB"']
    codes = sorted({(m.municipality_code, m.name) for m in register.members
                    if m.municipality_code and m.is_member_on(invoice_date)})
    present = [name for code, name in codes if (code, basis) in register.population]
    missing = [(code, name) for code, name in codes if (code, basis) not in register.population]
    if present:
        lines += ["", f"; Folkmängd per {basis} finns redan i böckerna för: {', '.join(present)}."]
    if missing:
        lines += ["", f"; Folkmängd per {basis} för varje medlemskommun som saknar den (SCB):"]
    for code, name in missing:
        lines += [f'; {basis} custom "folkmängd" "{code}" ANTAL', f';   kommun: "{name}"',
                  f';   kalla: "SCB, folkmängd {basis}"']
    return "\n".join(textwrap.fill(line, width=92, subsequent_indent="; ") if line.startswith("; Folkmängd") else line
                     for line in lines) + "\n"


def _draft_budget(entries: Sequence[Directive], year: int) -> str:
    budgets, _ = read_budgets(entries)
    lines = [f"; EJ BESLUTAD: utkast från {year - 1} års budget. När årsmötet (eller styrelsen) har",
             "; beslutat budgeten: skriv in de beslutade beloppen och ta bort semikolonen. Till dess",
             f"; har {year} ingen egen budget, och rapporterna visar ingen budget för {year}.", ""]
    for account in sorted(budgets):
        for budget in budgets[account]:
            if budget.start.year == year - 1:
                lines.append(f'; {year}-01-01 custom "budget" {account} "{budget.period}" {budget.number} SEK')
    return "\n".join(lines) + "\n"


def undisposed_result(entries: Sequence[Directive], options: Mapping[str, Any], through_year: int) -> Decimal:
    """What the previous earnings account carries at the end of ``through_year``: its booked balance
    plus every result not booked over (Beancount's sign: a loss is positive)."""
    _, previous_earnings = earnings_accounts(options)
    result_roots = (options["name_income"] + ":", options["name_expenses"] + ":")
    total = Decimal(0)
    for entry in entries:
        if isinstance(entry, Transaction) and entry.date.year <= through_year:
            for leg in entry.postings:
                if leg.units is not None and leg.units.number is not None and (leg.account == previous_earnings or leg.account.startswith(result_roots)):
                    total += leg.units.number
    return total


def _meeting_date(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> datetime.date:
    """Last year's disposition date moved one year on; else 31 May."""
    _, previous_earnings = earnings_accounts(options)
    dates = [entry.date for entry in entries if isinstance(entry, Transaction) and entry.date.year == year - 1
             and any(leg.account == previous_earnings for leg in entry.postings)]
    if dates:
        last = max(dates)
        return datetime.date(year, last.month, min(last.day, 28) if last.month == 2 else last.day)
    return datetime.date(year, 5, 31)


def _disposition(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> str:
    amount = undisposed_result(entries, options, year - 1)
    _, previous_earnings = earnings_accounts(options)
    booked = [entry for entry in entries if isinstance(entry, Transaction) and entry.date.year == year
              and any(leg.account == previous_earnings for leg in entry.postings)]
    if booked:
        where = ", ".join(f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}" for entry in booked)
        return f"; Dispositionen av {year - 1} års resultat finns redan i böckerna ({where}); inget förberett här.\n"
    if not amount:
        return f"; Inget odisponerat resultat från {year - 1} eller tidigare; ingen disposition behövs.\n"
    roles, _ = read_roles(entries, options)
    retained = roles.account("balanserat-resultat")
    date = _meeting_date(entries, options, year)
    what = "förlust" if amount > 0 else "vinst"
    today = datetime.date.today().isoformat()
    return (
        f"; Förberett av bergslaget year open {today}: {year - 1} års {what} {format_kronor(abs(amount))} kr, som det\n"
        f"; stod då (stäm av mot bokslutet {year - 1}; bergslaget check --year {year} jämför beloppet).\n"
        f"; När årsmötet har beslutat: rätta datum och text efter protokollet och ändra ! till *.\n\n"
        f'{date} ! "Disposition av {year - 1} års resultat enligt årsmötets beslut: balanseras i ny räkning"\n'
        f'  ver: "{MEETING_SERIES}1"\n'
        f"  {retained}  {amount} SEK\n"
        f"  {previous_earnings}  {-amount} SEK\n"
    )


def _year_end_checklist(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> str:
    chart, _ = read_chart(entries, options)
    employees = sorted({str(entry.values[0].value) for entry in entries
                        if isinstance(entry, Custom) and entry.type == HOLIDAY_PAY_TYPE and entry.date.year == year - 1
                        and entry.values})
    balance_accounts = _open_balance_accounts(entries, chart)
    lines = ["; Vid årsbokslutet (ta bort semikolon och fyll i):", "",
             f'; {year}-12-31 custom "bokslut" "Årsbokslut {year}"', "",
             f"; Semesterlöneskuld per anställd enligt semesterskuldlistan per {year}-12-31 (en rad per anställd;",
             '; har ingen anställd semesterlöneskuld, skriv skuld: 0):']
    for name in employees:
        lines += [f'; {year}-12-31 custom "{HOLIDAY_PAY_TYPE}" "{name}"', ";   sparade_dagar: DAGAR", ";   dagsats: KRONOR"]
    _, previous_earnings = earnings_accounts(options)
    lines += ["", f"; Avstämning av varje balanskonto vid årets slut (utgående balans {year}):"]
    for account in balance_accounts:
        if account == previous_earnings:
            lines += _earnings_balance_note(account, year)
        lines.append(f"; {year + 1}-01-01 balance {account}  SALDO SEK")
    return "\n".join(lines) + "\n"


def _earnings_balance_note(account: str, year: int) -> list[str]:
    """What the balance of the earnings account is in the books: the sum of its own verifications
    (the annual meetings' dispositions), not the result shown by Fava or the trial balance."""
    query = f"SELECT sum(position) WHERE account = '{account}' AND date < {year + 1}-01-01"
    return [f"; {account.split(':')[-1]}: skriv saldot i böckerna, summan av verifikationerna på kontot (årsmötenas",
            "; dispositioner). Årens resultat står kvar på resultatkontona och räknas inte in, så Favas",
            "; balansräkning och råbalansen visar andra belopp. Saldot ger:",
            f'; bean-query ledger/main.beancount "{query}"']


def _annual_report_texts(entries: Sequence[Directive], options: Mapping[str, Any], year: int) -> str:
    """The directive naming the year's förvaltningsberättelse, to fill in (see README, årsredovisningen)."""
    meeting = _meeting_date(entries, options, year)
    return "\n".join([
        "; Styrelsens förvaltningsberättelse: skriv den i Markdown i forvaltningsberattelse.md i",
        "; denna mapp och ta bort semikolonen:",
        f'; {year}-12-31 custom "{MANAGEMENT_REPORT_TYPE}" "forvaltningsberattelse.md"',
        "",
        f"; Styrelsen och revisorn som årsmötet {year} väljer: en rad per person, daterad på årsmötet",
        f"; (till dess gäller de som valdes tidigare, se {year - 1}/arsredovisning.beancount):",
        f'; {meeting} custom "{BOARD_TYPE}" "NAMN"',
        ';   roll: "ledamot"',
        f'; {meeting} custom "{AUDITOR_TYPE}" "NAMN"',
    ]) + "\n"


def _open_balance_accounts(entries: Sequence[Directive], chart: Any) -> list[str]:
    accounts = []
    for entry in entries:
        if isinstance(entry, Open):
            section = chart.section_of_account(entry.account)
            if section is not None and section.statement == BALANCE_SHEET:
                accounts.append(entry.account)
    return sorted(set(accounts))


def _include_covers(main: Path, files: Sequence[Path]) -> bool:
    """True if every file matches one of main.beancount's include patterns (relative to its folder)."""
    _, _, options = parser.parse_file(str(main))
    patterns = [PurePosixPath(pattern) for pattern in options["include"] if not os.path.isabs(pattern)]

    def covered(path: Path) -> bool:
        relative = PurePosixPath(path.relative_to(main.parent).as_posix())
        return any(len(relative.parts) == len(pattern.parts) and relative.match(str(pattern)) for pattern in patterns)

    return all(covered(path) for path in files)


def plan_year(entries: Sequence[Directive], options: Mapping[str, Any], main: Path, year: int) -> YearPlan:
    """The new year's folder and files, made from the books and the previous year's folder."""
    folder = main.parent / str(year)
    previous_folder = main.parent / str(year - 1)
    names = set(FILE_PURPOSES) | {path.name for path in previous_folder.glob("*.beancount")}
    special = {
        "satser.beancount": _carried_rates(entries, year),
        "avgiftsunderlag.beancount": _fee_inputs(entries, year),
        "budget.beancount": _draft_budget(entries, year),
        "arsmote.beancount": _disposition(entries, options, year),
        "bokslut.beancount": _year_end_checklist(entries, options, year),
        "arsredovisning.beancount": _annual_report_texts(entries, options, year),
    }
    files = tuple(PlannedFile(folder / name, _header(name, year) + ("\n" + special[name] if name in special else ""))
                  for name in sorted(names))
    included = _include_covers(main, [file.path for file in files])
    register, _ = read_register(entries)
    invoice_date = invoice_date_of(register, year)
    steps = [
        f"Bekräfta satserna i {year}/satser.beancount mot Skatteverket och ta bort {CARRIED_FROM_KEY}.",
        f"Fyll i folkmängd (och KPI) i {year}/avgiftsunderlag.beancount före fakturadatum {invoice_date}.",
        f"Skriv in budgeten i {year}/budget.beancount när den är beslutad.",
        f"Efter årsmötet: rätta datum och text i {year}/arsmote.beancount och ändra ! till *.",
        f"Bokför årets händelser i {year}/; kör bergslaget check --year {year} för det som återstår.",
    ]
    if not included:
        steps.insert(0, f'Lägg till raden include "{year}/*.beancount" i {main.name} (mappen tas annars inte med).')
    return YearPlan(year, folder, files, tuple(steps), included)


def write_new_files(plan: YearPlan) -> tuple[list[Path], list[Path]]:
    """Write each planned file that does not exist, whole or not at all; (made, already there)."""
    plan.folder.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    kept: list[Path] = []
    for planned in plan.files:
        (made if create_atomically(planned.path, planned.text.encode("utf-8")) else kept).append(planned.path)
    return made, kept
