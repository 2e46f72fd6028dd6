"""Membership fees: the register, the fee rule, KPI indexation and the fee of each member.

Plain functions over the ledger's directives; the plugin (``membership_fees``), the CLI
(``bergslaget fees``) and Fava all call :func:`compute_fees`, so every figure is
computed in one place.

The register is data in the ledger (``ledger/medlemsregister.beancount``)::

    1994-01-01 custom "medlem" "Storfors kommun"        ; member from this date
      typ: "kommun"                                     ; or "region"
      lan: "Värmland"
      kommunkod: "1760"                                 ; kommuner only
      kundnr: 101                                       ; invoice and OCR numbers
      till: 2030-12-31                                  ; optional: member until

    2021-12-31 custom "folkmängd" "1760" 3948           ; official population, by municipality code
      kommun: "Storfors"
      kalla: "SCB via regionfakta.com"

    2022-12-31 custom "kpi" 371.91                      ; KPI annual average (1980=100) of that year
      kalla: "SCB"

    2022-01-01 custom "avgiftsregel" "Årsmötet 2020-05-25"   ; takes effect for the fee year of its date
      fast_del: 10215                  ; per municipality (a region: per member municipality in its county)
      fast_del_region_tak: 50000
      rorlig_del_per_invanare: 1.28
      rorlig_del_tak: 100000
      avgift_tak: 140000
      folkmangd_datum: "12-31"         ; population basis: this day ...
      folkmangd_ar: -1                 ; ... of the year before the fee year
      fakturadatum: "02-15"            ; invoice date in the fee year
      betalningsvillkor_dagar: 30
      indexering: "KPI"                ; later years: amounts × KPI(N-1)/KPI(N-2) for fee year N
      indexera_tak: FALSE              ; caps stay as decided
      avrundning_fast_del: 1           ; indexed fixed part rounded to whole kronor
      avrundning_per_invanare: 0.01    ; indexed rate rounded to öre
      avrundning_avgift: 1             ; each invoice rounded to whole kronor

A fee year N without its own rule takes the latest earlier rule, indexed year by year.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from beancount.core.data import Custom, Directive

from bergslaget_plugins.counties import COUNTIES_BY_NAME
from bergslaget_plugins.entry_index import directives_of
from bergslaget_plugins.money import format_swedish, round_to
from bergslaget_plugins.ocr import make_ocr

MEMBER_TYPE = "medlem"
POPULATION_TYPE = "folkmängd"
#: Where a population or KPI figure comes from (required: the fee's basis must be traceable).
SOURCE_KEY = "kalla"
KPI_TYPE = "kpi"
RULE_TYPE = "avgiftsregel"

MemberKind = Literal["kommun", "region"]


class FeeError(NamedTuple):
    """A register directive, or a member's fee, that cannot be used; no invoice is made for it."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class Member(NamedTuple):
    name: str
    kind: MemberKind
    county: str
    municipality_code: str | None
    customer_number: int
    member_from: datetime.date
    member_until: datetime.date | None
    meta: Mapping[str, Any]

    def is_member_on(self, day: datetime.date) -> bool:
        return self.member_from <= day and (self.member_until is None or day <= self.member_until)


class PopulationFigure(NamedTuple):
    municipality_code: str
    date: datetime.date
    population: int
    meta: Mapping[str, Any]


class FeeRule(NamedTuple):
    """A decided fee rule, as written in the ledger."""

    year: int
    title: str
    fixed_part: Decimal
    region_fixed_cap: Decimal
    rate_per_inhabitant: Decimal
    variable_cap: Decimal
    total_cap: Decimal
    population_month_day: tuple[int, int]
    population_year_offset: int
    invoice_month_day: tuple[int, int]
    payment_days: int
    indexation: str | None
    index_caps: bool
    fixed_rounding: Decimal
    rate_rounding: Decimal
    fee_rounding: Decimal
    meta: Mapping[str, Any]


class FeeParameters(NamedTuple):
    """The amounts of one fee year: the rule's own, or indexed from it."""

    year: int
    rule: FeeRule
    fixed_part: Decimal
    region_fixed_cap: Decimal
    rate_per_inhabitant: Decimal
    variable_cap: Decimal
    total_cap: Decimal
    #: How the amounts were obtained, in Swedish, for the fee specification.
    derivation: str

    @property
    def population_date(self) -> datetime.date:
        month, day = self.rule.population_month_day
        return datetime.date(self.year + self.rule.population_year_offset, month, day)

    @property
    def invoice_date(self) -> datetime.date:
        month, day = self.rule.invoice_month_day
        return datetime.date(self.year, month, day)

    @property
    def due_date(self) -> datetime.date:
        return self.invoice_date + datetime.timedelta(days=self.rule.payment_days)


class MemberFee(NamedTuple):
    """The fee of one member for one year, with its basis."""

    member: Member
    year: int
    population: int
    population_date: datetime.date
    #: For a region: the member municipalities of its county whose inhabitants count.
    municipalities: tuple[str, ...]
    fixed_part: Decimal
    variable_part: Decimal
    caps_applied: tuple[str, ...]
    fee: Decimal
    invoice_number: str
    ocr: str
    invoice_date: datetime.date
    due_date: datetime.date
    population_sources: tuple[Mapping[str, Any], ...]

    def basis_text(self) -> str:
        """The computation in words, as printed on the invoice's metadata."""
        caps = f"; tak: {', '.join(self.caps_applied)}" if self.caps_applied else ""
        population = format_swedish(Decimal(self.population), decimals=0)
        return (
            f"fast del {format_swedish(self.fixed_part)} + rörlig del {format_swedish(self.variable_part)} "
            f"(folkmängd {population}){caps} = {format_swedish(self.fee)} kr"
        )


class Register(NamedTuple):
    members: tuple[Member, ...]
    population: Mapping[tuple[str, datetime.date], PopulationFigure]
    kpi: Mapping[int, tuple[Decimal, Mapping[str, Any]]]
    rules: tuple[FeeRule, ...]


# -- reading the register -----------------------------------------------------------

def _text(meta: Mapping[str, Any], key: str) -> str | None:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


#: A payment term longer than this many days is a typo.
MAX_PAYMENT_DAYS = 365
#: The population may be taken at most this many years before the fee year.
MAX_POPULATION_YEARS_BACK = 10


def _month_day(value: Any) -> tuple[int, int] | None:
    """"MM-DD" as (month, day) if that day exists in every year (not 02-29), else None."""
    if not isinstance(value, str):
        return None
    try:
        month, day = (int(part) for part in value.split("-"))
        datetime.date(2001, month, day)
    except ValueError:
        return None
    return month, day


def _read_member(entry: Custom) -> tuple[Member | None, FeeError | None]:
    meta = entry.meta
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str):
        return None, FeeError(meta, 'medlem ska ha ett namn: custom "medlem" "Storfors kommun"', entry)
    name = values[0]
    kind_text = _text(meta, "typ")
    if kind_text == "kommun":
        kind: MemberKind = "kommun"
    elif kind_text == "region":
        kind = "region"
    else:
        return None, FeeError(meta, f'{name}: typ ska vara "kommun" eller "region"', entry)
    county = _text(meta, "lan")
    if county not in COUNTIES_BY_NAME:
        return None, FeeError(meta, f"{name}: okänt län {county!r}", entry)
    code = _text(meta, "kommunkod")
    if kind == "kommun":
        if code is None or len(code) != 4 or not code.isdigit():
            return None, FeeError(meta, f"{name}: kommunkod ska vara fyra siffror", entry)
        if code[:2] != COUNTIES_BY_NAME[county].code:
            return None, FeeError(meta, f"{name}: kommunkod {code} hör inte till {COUNTIES_BY_NAME[county].full_name}", entry)
    customer_number = meta.get("kundnr")
    if isinstance(customer_number, Decimal) and customer_number == customer_number.to_integral_value() and 0 < customer_number < 1000:
        customer_number = int(customer_number)
    else:
        return None, FeeError(meta, f"{name}: kundnr ska vara ett heltal 1–999", entry)
    until = meta.get("till")
    if until is not None and not isinstance(until, datetime.date):
        return None, FeeError(meta, f"{name}: till ska vara ett datum", entry)
    if until is not None and until < entry.date:
        return None, FeeError(meta, f"{name}: medlemskapet slutar ({until}) före det börjar ({entry.date})", entry)
    return Member(name, kind, county, code if kind == "kommun" else None, customer_number, entry.date, until, meta), None


def _read_rule(entry: Custom) -> tuple[FeeRule | None, FeeError | None]:
    meta = entry.meta
    title = str(entry.values[0].value) if entry.values else ""

    def amount(key: str) -> Decimal | None:
        value = meta.get(key)
        return value if isinstance(value, Decimal) and value >= 0 else None

    amounts = {key: amount(key) for key in (
        "fast_del", "fast_del_region_tak", "rorlig_del_per_invanare", "rorlig_del_tak", "avgift_tak",
        "avrundning_fast_del", "avrundning_per_invanare", "avrundning_avgift")}
    missing = [key for key, value in amounts.items() if value is None]
    population_day = _month_day(meta.get("folkmangd_datum"))
    invoice_day = _month_day(meta.get("fakturadatum"))
    offset = meta.get("folkmangd_ar")
    days = meta.get("betalningsvillkor_dagar")
    indexation = _text(meta, "indexering")
    index_caps = meta.get("indexera_tak", False)
    problems = [f"{key} saknas eller är negativt" for key in missing]
    if population_day is None:
        problems.append('folkmangd_datum ska vara "MM-DD", en dag som finns varje år')
    if invoice_day is None:
        problems.append('fakturadatum ska vara "MM-DD", en dag som finns varje år (inte 02-29)')
    if not (isinstance(offset, Decimal) and offset == offset.to_integral_value()
            and -MAX_POPULATION_YEARS_BACK <= offset <= 0):
        problems.append(f"folkmangd_ar ska vara 0 eller ett negativt heltal (år före avgiftsåret), "
                        f"högst {MAX_POPULATION_YEARS_BACK} år bakåt")
    if not (isinstance(days, Decimal) and days == days.to_integral_value() and 0 <= days <= MAX_PAYMENT_DAYS):
        problems.append(f"betalningsvillkor_dagar ska vara ett heltal 0–{MAX_PAYMENT_DAYS}")
    if indexation not in (None, "KPI"):
        problems.append('indexering ska vara "KPI" eller utelämnas')
    if not isinstance(index_caps, bool):
        problems.append("indexera_tak ska vara TRUE eller FALSE")
    for key in ("avrundning_fast_del", "avrundning_per_invanare", "avrundning_avgift"):
        if amounts[key] == 0:
            problems.append(f"{key} måste vara större än noll")
    given = {key: value for key, value in amounts.items() if value is not None}
    if problems or population_day is None or invoice_day is None or len(given) != len(amounts):
        return None, FeeError(meta, f"Avgiftsregeln {entry.date.year}: " + "; ".join(problems), entry)
    assert isinstance(offset, Decimal) and isinstance(days, Decimal)  # checked above: problems otherwise
    return FeeRule(
        year=entry.date.year,
        title=title,
        fixed_part=given["fast_del"],
        region_fixed_cap=given["fast_del_region_tak"],
        rate_per_inhabitant=given["rorlig_del_per_invanare"],
        variable_cap=given["rorlig_del_tak"],
        total_cap=given["avgift_tak"],
        population_month_day=population_day,
        population_year_offset=int(offset),
        invoice_month_day=invoice_day,
        payment_days=int(days),
        indexation=indexation,
        index_caps=index_caps,
        fixed_rounding=given["avrundning_fast_del"],
        rate_rounding=given["avrundning_per_invanare"],
        fee_rounding=given["avrundning_avgift"],
        meta=meta,
    ), None


def read_register(entries: Sequence[Directive]) -> tuple[Register, list[FeeError]]:
    """The members, population figures, KPI and rules; errors for unusable directives."""
    members: list[Member] = []
    population: dict[tuple[str, datetime.date], PopulationFigure] = {}
    kpi: dict[int, tuple[Decimal, Mapping[str, Any]]] = {}
    rules: dict[int, FeeRule] = {}
    errors: list[FeeError] = []
    for entry in directives_of(entries):
        if not isinstance(entry, Custom):
            continue
        error: FeeError | None = None
        if entry.type == MEMBER_TYPE:
            error = _add_member(entry, members)
        elif entry.type == POPULATION_TYPE:
            error = _add_population_figure(entry, population)
        elif entry.type == KPI_TYPE:
            error = _add_kpi(entry, kpi)
        elif entry.type == RULE_TYPE:
            error = _add_rule(entry, rules)
        if error is not None:
            errors.append(error)
    return Register(tuple(members), population, kpi, tuple(sorted(rules.values(), key=lambda r: r.year))), errors


def _add_member(entry: Custom, members: list[Member]) -> FeeError | None:
    """Add the member of ``entry`` to ``members``, or say why it cannot be added."""
    member, error = _read_member(entry)
    if error:
        return error
    assert member is not None
    twin = next((m for m in members if (m.name == member.name or (
        member.municipality_code and m.municipality_code == member.municipality_code) or (
        member.kind == "region" and m.kind == "region" and m.county == member.county))
        and _overlaps(m, member)), None)
    if twin is not None:
        return FeeError(entry.meta, f"{member.name} finns redan i medlemsregistret "
                        f"({twin.meta.get('filename')}:{twin.meta.get('lineno')})", entry)
    if any(m.customer_number == member.customer_number for m in members):
        return FeeError(entry.meta, f"{member.name}: kundnr {member.customer_number} används redan", entry)
    members.append(member)
    return None


def _add_population_figure(entry: Custom,
                           population: dict[tuple[str, datetime.date], PopulationFigure]) -> FeeError | None:
    """Add the population figure of ``entry``, or say why it cannot be added."""
    values = [value.value for value in entry.values]
    if len(values) != 2 or not isinstance(values[0], str):
        return FeeError(entry.meta, 'folkmängd ska ha kommunkod och antal: custom "folkmängd" "1760" 3948', entry)
    code, count = values
    if not isinstance(count, Decimal) or count < 0 or count != count.to_integral_value():
        return FeeError(entry.meta, f"Folkmängden för {code} den {entry.date} ska vara ett icke-negativt heltal, inte {count}", entry)
    key = (code, entry.date)
    if key in population:
        return FeeError(entry.meta, f"Folkmängden för {code} den {entry.date} är redan angiven", entry)
    population[key] = PopulationFigure(code, entry.date, int(count), entry.meta)
    return _missing_source(entry, f"Folkmängden för {code} den {entry.date}")


def _add_kpi(entry: Custom, kpi: dict[int, tuple[Decimal, Mapping[str, Any]]]) -> FeeError | None:
    """Add the year's KPI of ``entry``, or say why it cannot be added."""
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], Decimal) or values[0] <= 0:
        return FeeError(entry.meta, 'kpi ska ha ett positivt årsmedeltal: custom "kpi" 371.91', entry)
    if entry.date.year in kpi:
        return FeeError(entry.meta, f"KPI för {entry.date.year} är redan angivet", entry)
    kpi[entry.date.year] = (values[0], entry.meta)
    return _missing_source(entry, f"KPI för {entry.date.year}")


def _missing_source(entry: Custom, figure: str) -> FeeError | None:
    """An error if the fee basis figure of ``entry`` does not say where it comes from (the
    figure is still used: the error, not a changed fee, is what the accountant sees)."""
    source = (entry.meta or {}).get(SOURCE_KEY)
    if isinstance(source, str) and source.strip():
        return None
    return FeeError(entry.meta, f'{figure} saknar källa: ange {SOURCE_KEY}: "SCB …" (avgiftens underlag ska gå att följa '
                    "till sin källa)", entry)


def _add_rule(entry: Custom, rules: dict[int, FeeRule]) -> FeeError | None:
    """Add the year's fee rule of ``entry``, or say why it cannot be added."""
    rule, error = _read_rule(entry)
    if error:
        return error
    assert rule is not None
    if rule.year in rules:
        return FeeError(entry.meta, f"Avgiftsregel för {rule.year} finns redan", entry)
    rules[rule.year] = rule
    return None


def _overlaps(first: Member, second: Member) -> bool:
    first_end = first.member_until or datetime.date.max
    second_end = second.member_until or datetime.date.max
    return first.member_from <= second_end and second.member_from <= first_end


# -- parameters and indexation ------------------------------------------------------

def fee_parameters(register: Register, year: int) -> tuple[FeeParameters | None, FeeError | None]:
    """The amounts of ``year``: its own rule, or the latest earlier rule indexed by KPI."""
    earlier = [rule for rule in register.rules if rule.year <= year]
    if not earlier:
        return None, FeeError({"filename": "<medlemsregister>", "lineno": 0}, f"Ingen avgiftsregel gäller för {year}", None)
    rule = earlier[-1]
    parameters = FeeParameters(year=rule.year, rule=rule, fixed_part=rule.fixed_part,
                               region_fixed_cap=rule.region_fixed_cap, rate_per_inhabitant=rule.rate_per_inhabitant,
                               variable_cap=rule.variable_cap, total_cap=rule.total_cap,
                               derivation=f"enligt avgiftsregeln för {rule.year} ({rule.title})")
    for next_year in range(rule.year + 1, year + 1):
        if rule.indexation != "KPI":
            return None, FeeError(rule.meta, f"Ingen avgiftsregel för {next_year} och regeln från {rule.year} indexeras inte", None)
        parameters, error = _index_one_year(register, parameters, next_year)
        if error:
            return None, error
    return parameters, None


def invoice_date_of(register: Register, year: int) -> datetime.date | None:
    """The invoice date of fee year ``year`` under the rule that applies to it (None: no rule yet)."""
    earlier = [rule for rule in register.rules if rule.year <= year]
    if not earlier:
        return None
    month, day = earlier[-1].invoice_month_day
    return datetime.date(year, month, day)


def _index_one_year(register: Register, previous: FeeParameters, year: int) -> tuple[FeeParameters, FeeError | None]:
    rule = previous.rule
    newer, older = year - 1, year - 2
    missing = [str(y) for y in (older, newer) if y not in register.kpi]
    if missing:
        return previous, FeeError(rule.meta, f"KPI-årsmedeltal saknas för {' och '.join(missing)}; avgiften för {year} kan inte indexeras", None)
    ratio = register.kpi[newer][0] / register.kpi[older][0]

    def caps(value: Decimal) -> Decimal:
        return round_to(value * ratio, rule.fixed_rounding) if rule.index_caps else value

    indexed = previous._replace(
        year=year,
        fixed_part=round_to(previous.fixed_part * ratio, rule.fixed_rounding),
        rate_per_inhabitant=round_to(previous.rate_per_inhabitant * ratio, rule.rate_rounding),
        region_fixed_cap=caps(previous.region_fixed_cap),
        variable_cap=caps(previous.variable_cap),
        total_cap=caps(previous.total_cap),
        derivation=(f"{previous.year} års belopp × KPI {format_swedish(register.kpi[newer][0])}/"
                    f"{format_swedish(register.kpi[older][0])} ({newer}/{older})"),
    )
    return indexed, None


# -- fees ---------------------------------------------------------------------------

def invoice_number(year: int, member: Member) -> str:
    """``2022101``: the fee year and the member's customer number."""
    return f"{year}{member.customer_number:03d}"


def compute_fees(register: Register, year: int) -> tuple[FeeParameters | None, list[MemberFee], list[FeeError]]:
    """The fee of every member for ``year``; a member that cannot be computed gets an error."""
    parameters, error = fee_parameters(register, year)
    if parameters is None:
        return None, [], [error] if error else []
    invoice_date, basis_date = parameters.invoice_date, parameters.population_date
    members = [m for m in register.members if m.is_member_on(invoice_date)]
    municipalities_by_county: dict[str, list[Member]] = defaultdict(list)
    for member in members:
        if member.kind == "kommun":
            municipalities_by_county[member.county].append(member)
    fees: list[MemberFee] = []
    errors: list[FeeError] = []
    for member in sorted(members, key=lambda m: m.customer_number):
        counted = [member] if member.kind == "kommun" else municipalities_by_county.get(member.county, [])
        if not counted:
            errors.append(FeeError(member.meta, f"{member.name}: ingen medlemskommun i {COUNTIES_BY_NAME[member.county].full_name} {year}", None))
            continue
        figures = [register.population.get((m.municipality_code or "", basis_date)) for m in counted]
        lacking = [m.name for m, figure in zip(counted, figures) if figure is None]
        if lacking:
            errors.append(FeeError(member.meta, f"{member.name}: folkmängd per {basis_date} saknas för {', '.join(lacking)}; ingen faktura {year}", None))
            continue
        population = sum(figure.population for figure in figures if figure)
        fees.append(_member_fee(parameters, member, counted, population, tuple(f.meta for f in figures if f)))
    return parameters, fees, errors


def _member_fee(parameters: FeeParameters, member: Member, counted: Sequence[Member], population: int,
                sources: tuple[Mapping[str, Any], ...]) -> MemberFee:
    caps: list[str] = []
    fixed = parameters.fixed_part * len(counted)
    if member.kind == "region" and fixed > parameters.region_fixed_cap:
        fixed = parameters.region_fixed_cap
        caps.append("fast del")
    variable = parameters.rate_per_inhabitant * population
    if variable > parameters.variable_cap:
        variable = parameters.variable_cap
        caps.append("rörlig del")
    total = fixed + variable
    if total > parameters.total_cap:
        total = parameters.total_cap
        caps.append("avgift")
    number = invoice_number(parameters.year, member)
    return MemberFee(
        member=member,
        year=parameters.year,
        population=population,
        population_date=parameters.population_date,
        municipalities=tuple(m.name for m in counted) if member.kind == "region" else (),
        fixed_part=fixed,
        variable_part=variable,
        caps_applied=tuple(caps),
        fee=round_to(total, parameters.rule.fee_rounding),
        invoice_number=number,
        ocr=make_ocr(number),
        invoice_date=parameters.invoice_date,
        due_date=parameters.due_date,
        population_sources=sources,
    )
