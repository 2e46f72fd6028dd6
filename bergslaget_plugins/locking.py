"""Locked financial years: the record of a year, its digests and their verification.

``bergslaget lock --year 2022`` writes a record of the year into the books, in
``ledger/2022/las.beancount``: one sha256 digest per verification and one of the year,
chained to the record of the previous locked year; and it names the end of the chain
(the last locked year and its digest) in ``ledger/main.beancount``::

    2026-04-10 custom "låst år" 2022 "5d41…"
      foregaende_ar: 2021
      foregaende: "9b2c…"
      verifikationer: 250
      upplasningar: 0
    2026-04-10 custom "låst siffra" 2022 "Balansräkning" "Kundfordringar" 0
    …
    2026-04-10 custom "låst verifikation" 2022 "A1" 2022 "1f0e…"
    …
    2026-04-10 custom "låskedja" 2022 "5d41…"

A verification's digest covers what the books say about it and nothing about where it
is written: date, flag, verification id, payee, narration, tags, links, its metadata
and each posting (account, amount, cost, price, flag, metadata such as ``motpart``),
postings in a canonical order; never ``filename`` or ``lineno``, Beancount's internal
``__…__`` keys, or a place in the books quoted in a text (``…/medlemsregister.beancount:276``
in a rule's metadata becomes ``<plats>``). So moving a verification to another file, reordering its postings or
reformatting it does not touch the lock; changing an amount, an account, a text, a
link, a ``motpart``, the number, or a rule's data that changes a generated verification
does. The record of a year covers the verifications dated after the previous locked
year (from the beginning of the books for the first one, so the opening balance is
locked with the first year) up to the year's last day.

The record also holds the year's annual report as published: every row of the
resultaträkning, the balansräkning and each note, its label and its whole-krona figure
for the year (``låst siffra``, from :func:`bergslaget_plugins.statements.build_annual_report`,
the same as ``bergslaget report``). The verifications do not decide the report alone:
the chart's mapping (``rad``/``notrad`` on ``open``, ``custom "rapportrad"``) and the
earnings options do too, and :mod:`bergslaget_plugins.locked_figures` compares the
report of each locked year, computed again at every load, with these figures.

The year's digest covers the year, the previous record's digest, the number of
unlocks, every verification digest and every recorded figure: editing the record itself shows. Deleting a
record shows too: the next year's record names it as its predecessor, and the chain's
end in ``main.beancount`` names the last one; removing the chain's end while records
exist is an error. (Deleting every trace, the records and the chain's end, is a visible
edit of ``main.beancount`` in version control, and the year's digest printed by the
lock no longer matches the one the auditor noted.)

A year is unlocked only by a visible directive with a reason::

    2026-05-02 custom "upplåst år" 2022
      skal: "Felaktig motpart på A17, se styrelseprotokoll 2026-04-30"

The record remembers how many unlocks of its year it has seen; one more unlocks the
year, one fewer (an unlock deleted) is an error. Locking again writes a new record.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount.core.amount import Amount
from beancount.core.data import Custom, Directive, Posting, Transaction

from bergslaget_plugins.entry_index import directives_of
from bergslaget_plugins.generated import VERIFICATION_KEY
from bergslaget_plugins.verification_numbers import is_verification, parse_verification

if TYPE_CHECKING:
    import json

YEAR_RECORD_TYPE = "låst år"
VERIFICATION_RECORD_TYPE = "låst verifikation"
FIGURE_RECORD_TYPE = "låst siffra"
CHAIN_END_TYPE = "låskedja"
UNLOCK_TYPE = "upplåst år"
PREVIOUS_YEAR_KEY = "foregaende_ar"
PREVIOUS_DIGEST_KEY = "foregaende"
COUNT_KEY = "verifikationer"
UNLOCKS_KEY = "upplasningar"
REASON_KEY = "skal"
#: Metadata about where a directive is written, not what it says.
_LOCATION_KEYS = frozenset({"filename", "lineno"})
#: A place in the books inside a text (a rule's ``folkmangd_kalla``: ``/…/medlemsregister.beancount:276``).
_PLACE_IN_TEXT = re.compile(r"[^\s,;]*\.beancount:\d+")


class LockError(NamedTuple):
    """A change to a locked year, or a lock record that does not hold."""

    source: dict[str, Any]
    message: str
    entry: Directive | None


# -- digests ------------------------------------------------------------------------------------------

def _canonical_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return _canonical_number(value)
    if isinstance(value, str):
        return _PLACE_IN_TEXT.sub("<plats>", value) if ".beancount:" in value else value
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Amount):
        return [_canonical_value(value.number), value.currency]
    return str(value)


def _canonical_number(number: Decimal) -> str:
    """``1563``, ``1563.00`` and ``1.563E+3`` are one number: one text."""
    return "0" if number == 0 else f"{number.normalize():f}"


def _canonical_meta(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: _canonical_value(value) for key, value in sorted((meta or {}).items())
            if key not in _LOCATION_KEYS and not key.startswith("__")}


def _canonical_posting(leg: Posting) -> dict[str, Any]:
    return {
        "konto": leg.account,
        "belopp": _canonical_value(leg.units) if leg.units is not None else None,
        "anskaffning": str(leg.cost) if leg.cost is not None else None,
        "pris": _canonical_value(leg.price) if leg.price is not None else None,
        "flagga": leg.flag,
        "meta": _canonical_meta(leg.meta),
    }


@functools.cache
def _encoder() -> json.JSONEncoder:
    # json is imported when a lock is read or written, not on every load (most have no lock).
    import json

    return json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _dumps(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no spaces, text as written (not escaped)."""
    return _encoder().encode(value)


def canonical_verification(entry: Transaction) -> str:
    """The verification as canonical JSON: what it says, not where or how it is written.

    The entry's own fields as one JSON object, then its postings, each a JSON object, in
    sorted order (so the order they are written in does not matter)."""
    head = _dumps({
        "datum": entry.date.isoformat(),
        "flagga": entry.flag,
        "motpart": entry.payee,
        "text": entry.narration,
        "taggar": sorted(entry.tags or ()),
        "lankar": sorted(entry.links or ()),
        "meta": _canonical_meta(entry.meta),
    })
    postings = sorted(_dumps(_canonical_posting(leg)) for leg in entry.postings)
    return head + "[" + ",".join(postings) + "]"


def verification_digest(entry: Transaction) -> str:
    """sha256 (hex) of :func:`canonical_verification`."""
    return hashlib.sha256(canonical_verification(entry).encode("utf-8")).hexdigest()


VerificationKey = tuple[int, str]  # (the verification's year, its id): (2022, "A12")


FigureKey = tuple[str, str]  # (the table's title, the row's label): ("Balansräkning", "Kundfordringar")


def year_digest(year: int, previous: str, unlocks: int, digests: Mapping[VerificationKey, str],
                figures: Mapping[FigureKey, Decimal]) -> str:
    """sha256 of the year, the previous record's digest, the unlock count, every verification
    digest and every figure of the year's annual report."""
    content = {"ar": year, "foregaende": previous, "upplasningar": unlocks,
               "verifikationer": [[key[0], key[1], digests[key]] for key in sorted(digests)],
               "siffror": [[key[0], key[1], _canonical_number(figures[key])] for key in sorted(figures)]}
    return hashlib.sha256(_dumps(content).encode("utf-8")).hexdigest()


def verification_key(entry: Transaction) -> VerificationKey:
    return (entry.date.year, str(entry.meta.get(VERIFICATION_KEY)))


def covered_verifications(entries: Iterable[Directive], after_year: int | None, year: int) -> dict[VerificationKey, Transaction]:
    """The verifications a record of ``year`` covers: dated after ``after_year`` (or from the start) through ``year``."""
    covered: dict[VerificationKey, Transaction] = {}
    for entry in entries:
        if (isinstance(entry, Transaction) and is_verification(entry) and entry.date.year <= year
                and (after_year is None or entry.date.year > after_year)):
            covered.setdefault(verification_key(entry), entry)
    return covered


# -- the records in the books --------------------------------------------------------------------------

@dataclass
class YearRecord:
    """A ``låst år`` directive and the ``låst verifikation`` directives of its year."""

    year: int
    digest: str
    previous_year: int | None
    previous: str
    count: int
    unlocks: int
    entry: Custom
    verifications: dict[VerificationKey, tuple[str, Custom]] = field(default_factory=dict)
    #: The year's annual report as locked: (table, row) → (whole kronor, the ``låst siffra`` directive).
    figures: dict[FigureKey, tuple[Decimal, Custom]] = field(default_factory=dict)

    def recomputed_digest(self) -> str:
        return year_digest(self.year, self.previous, self.unlocks,
                           {key: digest for key, (digest, _) in self.verifications.items()},
                           {key: figure for key, (figure, _) in self.figures.items()})


@dataclass
class LockState:
    """What the books say about locking: records by year, unlocks by year, the chain's end."""

    records: dict[int, YearRecord]
    unlocks: dict[int, list[Custom]]
    chain_end: Custom | None

    def is_locked(self, year: int) -> bool:
        """True while the year's record is in force: no unlock after it."""
        record = self.records.get(year)
        return record is not None and len(self.unlocks.get(year, ())) <= record.unlocks

    def locked_years(self) -> list[int]:
        return sorted(year for year in self.records if self.is_locked(year))


def _int(value: Any) -> int | None:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _values(entry: Custom) -> list[Any]:
    return [value.value for value in entry.values]


def read_lock_state(entries: Sequence[Directive]) -> tuple[LockState, list[LockError]]:
    """Read the lock directives; report malformed or repeated ones at their place."""
    errors: list[LockError] = []
    records: dict[int, YearRecord] = {}
    verification_directives: list[Custom] = []
    figure_directives: list[Custom] = []
    unlocks: dict[int, list[Custom]] = defaultdict(list)
    chain_end: Custom | None = None
    for entry in directives_of(entries):
        if not isinstance(entry, Custom):
            continue
        error: LockError | None = None
        if entry.type == YEAR_RECORD_TYPE:
            error = _read_year_record(entry, records)
        elif entry.type == VERIFICATION_RECORD_TYPE:
            verification_directives.append(entry)
        elif entry.type == FIGURE_RECORD_TYPE:
            figure_directives.append(entry)
        elif entry.type == UNLOCK_TYPE:
            error = _read_unlock(entry, unlocks)
        elif entry.type == CHAIN_END_TYPE:
            error = _chain_end_problem(entry, chain_end)
            chain_end = entry if error is None else chain_end
        if error is not None:
            errors.append(error)
    errors += _read_verification_records(verification_directives, records)
    errors += _read_figures(figure_directives, records)
    return LockState(records, dict(unlocks), chain_end), errors


def _read_year_record(entry: Custom, records: dict[int, YearRecord]) -> LockError | None:
    """Add the year's record of ``entry`` to ``records``, or say why it cannot be added."""
    values = _values(entry)
    year = _int(values[0]) if len(values) == 2 else None
    previous_year = entry.meta.get(PREVIOUS_YEAR_KEY)
    count, unlock_count = _int(entry.meta.get(COUNT_KEY)), _int(entry.meta.get(UNLOCKS_KEY))
    if (year is None or not isinstance(values[1], str) or count is None or unlock_count is None
            or not isinstance(entry.meta.get(PREVIOUS_DIGEST_KEY, ""), str)
            or (previous_year is not None and _int(previous_year) is None)):
        return LockError(entry.meta, f'Ogiltig låspost: custom "{YEAR_RECORD_TYPE}" ÅR "kontrollsumma" '
                         f"med {COUNT_KEY}, {UNLOCKS_KEY} och ev. {PREVIOUS_YEAR_KEY}/{PREVIOUS_DIGEST_KEY}", entry)
    if year in records:
        first = records[year].entry.meta
        return LockError(entry.meta, f"Räkenskapsåret {year} har redan en låspost "
                         f"({first.get('filename')}:{first.get('lineno')})", entry)
    records[year] = YearRecord(year, values[1], _int(previous_year) if previous_year is not None else None,
                               str(entry.meta.get(PREVIOUS_DIGEST_KEY, "")), count, unlock_count, entry)
    return None


def _read_unlock(entry: Custom, unlocks: dict[int, list[Custom]]) -> LockError | None:
    """Add the unlock of ``entry`` to its year's unlocks, or say why it cannot be added."""
    values = _values(entry)
    year = _int(values[0]) if len(values) == 1 else None
    reason = entry.meta.get(REASON_KEY)
    if year is None or not isinstance(reason, str) or not reason.strip():
        return LockError(entry.meta, f'En upplåsning anger året och skälet: custom "{UNLOCK_TYPE}" 2022 '
                         f'med {REASON_KEY}: "…"', entry)
    unlocks[year].append(entry)
    return None


def _chain_end_problem(entry: Custom, chain_end: Custom | None) -> LockError | None:
    """What is wrong with ``entry`` as the lock chain's end (``chain_end``: one already read)."""
    values = _values(entry)
    if len(values) != 2 or _int(values[0]) is None or not isinstance(values[1], str):
        return LockError(entry.meta, f'Ogiltig låskedja: custom "{CHAIN_END_TYPE}" ÅR "kontrollsumma"', entry)
    if chain_end is not None:
        return LockError(entry.meta, "Låskedjans slut är angivet två gånger", entry)
    return None


def _read_verification_records(directives: Iterable[Custom], records: Mapping[int, YearRecord]) -> list[LockError]:
    """Add each verification's digest to its year's record; errors for unusable directives."""
    errors: list[LockError] = []
    for entry in directives:
        values = _values(entry)
        year, verification_year = (_int(values[0]), _int(values[2])) if len(values) == 4 else (None, None)
        if year is None or verification_year is None or not isinstance(values[1], str) or not isinstance(values[3], str):
            errors.append(LockError(entry.meta, f'Ogiltig låspost: custom "{VERIFICATION_RECORD_TYPE}" ÅR "VER" '
                                    f'VERIFIKATIONENS-ÅR "kontrollsumma"', entry))
            continue
        record = records.get(year)
        if record is None:
            errors.append(LockError(entry.meta, f"Låspost för en verifikation men ingen för räkenskapsåret {year}", entry))
            continue
        record.verifications[(verification_year, values[1])] = (values[3], entry)
    return errors


def _read_figures(directives: Iterable[Custom], records: Mapping[int, YearRecord]) -> list[LockError]:
    errors: list[LockError] = []
    for entry in directives:
        values = _values(entry)
        year = _int(values[0]) if len(values) == 4 else None
        if (year is None or not isinstance(values[1], str) or not isinstance(values[2], str)
                or not isinstance(values[3], Decimal)):
            errors.append(LockError(entry.meta, f'Ogiltig låspost: custom "{FIGURE_RECORD_TYPE}" ÅR "TABELL" "RAD" BELOPP',
                                    entry))
            continue
        record = records.get(year)
        if record is None:
            errors.append(LockError(entry.meta, f"Låspost för en siffra men ingen för räkenskapsåret {year}", entry))
            continue
        key = (values[1], values[2])
        if key in record.figures:
            errors.append(LockError(entry.meta, f"Raden {values[2]} i {values[1]} {year} har redan en låspost", entry))
            continue
        record.figures[key] = (values[3], entry)
    return errors


# -- the check ----------------------------------------------------------------------------------------------

def _place(entry: Directive) -> str:
    return f"{entry.meta.get('filename')}:{entry.meta.get('lineno')}"


def _check_record(record: YearRecord, state: LockState, entries: Sequence[Directive]) -> list[LockError]:
    errors: list[LockError] = []
    year, here = record.year, _place(record.entry)
    if record.recomputed_digest() != record.digest or record.count != len(record.verifications):
        errors.append(LockError(record.entry.meta, f"Låsposten för {year} har ändrats: kontrollsumman stämmer inte "
                                "med verifikationernas", record.entry))
    if record.previous_year is not None:
        previous = state.records.get(record.previous_year)
        if previous is None:
            errors.append(LockError(record.entry.meta, f"Låsposten för {year} bygger på låsningen av {record.previous_year}, "
                                    "som saknas i böckerna", record.entry))
        elif previous.digest != record.previous:
            errors.append(LockError(record.entry.meta, f"Låskedjan är bruten: {record.previous_year} har låsts om eller "
                                    f"ändrats efter att {year} låstes; lås upp och lås {year} igen", record.entry))
    elif any(other < year for other in state.records):
        errors.append(LockError(record.entry.meta, f"Låsposten för {year} bygger inte på det tidigare låsta året", record.entry))
    current = covered_verifications(entries, record.previous_year, year)
    for key, entry in sorted(current.items()):
        recorded = record.verifications.get(key)
        name = f"{key[1]} ({key[0]})"
        if recorded is None:
            errors.append(LockError(entry.meta, f"Verifikation {name} har tillkommit i det låsta räkenskapsåret {year} "
                                    f"(låspost {here})", entry))
        elif recorded[0] != verification_digest(entry):
            errors.append(LockError(entry.meta, f"Verifikation {name} har ändrats efter att räkenskapsåret {year} låstes "
                                    f"(låspost {_place(recorded[1])}); rätta med en ny verifikation i ett öppet år", entry))
    for key, (_, directive) in sorted(record.verifications.items()):
        if key not in current:
            errors.append(LockError(directive.meta, f"Verifikation {key[1]} ({key[0]}) i det låsta räkenskapsåret {year} "
                                    "finns inte längre (borttagen eller omnumrerad)", directive))
    return errors


def check_locks(entries: Sequence[Directive]) -> list[LockError]:
    """Every error the lock directives and the locked years' verifications give."""
    state, errors = read_lock_state(entries)
    return errors + check_lock_state(state, entries)


def check_lock_state(state: LockState, entries: Sequence[Directive]) -> list[LockError]:
    """The errors of the records read (:func:`read_lock_state`): unlocks, verifications, the chain."""
    errors: list[LockError] = []
    for year, record in sorted(state.records.items()):
        unlock_count = len(state.unlocks.get(year, ()))
        if unlock_count < record.unlocks:
            errors.append(LockError(record.entry.meta, f"Låsposten för {year} har sett {record.unlocks} upplåsningar "
                                    f"men böckerna har {unlock_count}: en upplåsning har tagits bort", record.entry))
        if state.is_locked(year):
            errors.extend(_check_record(record, state, entries))
    if state.records:
        last = state.records[max(state.records)]
        end = state.chain_end
        if end is None:
            errors.append(LockError(last.entry.meta, f'Låskedjans slut (custom "{CHAIN_END_TYPE}") saknas i main.beancount '
                                    "men böckerna har låsta år", last.entry))
        elif (_int(end.values[0].value), end.values[1].value) != (last.year, last.digest):
            errors.append(LockError(end.meta, f"Låskedjans slut namnger inte den senaste låsposten ({last.year}): "
                                    "en låspost har tagits bort eller ändrats", end))
    elif state.chain_end is not None:
        errors.append(LockError(state.chain_end.meta, f"Låskedjans slut namnger {int(state.chain_end.values[0].value)}, "
                                "men böckerna har ingen låspost: en låspost har tagits bort", state.chain_end))
    return errors


# -- writing a record ---------------------------------------------------------------------------------------

def record_text(year: int, today: datetime.date, previous: YearRecord | None, unlocks: int,
                digests: Mapping[VerificationKey, str], figures: Mapping[FigureKey, Decimal]) -> tuple[str, str]:
    """The text of ``las.beancount`` for ``year`` and the year's digest (``figures`` in the report's order)."""
    previous_digest = previous.digest if previous else ""
    digest = year_digest(year, previous_digest, unlocks, digests, figures)
    lines = [
        f"; Låsning av räkenskapsåret {year}, skriven av bergslaget lock {today}. Ändra inte för hand:",
        "; varje ändring av årets verifikationer, av årsredovisningens siffror (t.ex. genom att ett konto",
        "; flyttas till en annan rad) och av denna fil gör att bean-check vägrar.",
        "; Lås upp bara med en synlig post med skäl (se SYSTEMDOKUMENTATION.md).",
        "",
        f'{today} custom "{YEAR_RECORD_TYPE}" {year} "{digest}"',
    ]
    if previous:
        lines += [f"  {PREVIOUS_YEAR_KEY}: {previous.year}", f'  {PREVIOUS_DIGEST_KEY}: "{previous.digest}"']
    lines += [f"  {COUNT_KEY}: {len(digests)}", f"  {UNLOCKS_KEY}: {unlocks}", ""]
    lines.append(f"; Årsredovisningen {year} som den låstes: varje rad och dess belopp för året, i hela kronor.")
    for (table, label), figure in figures.items():
        lines.append(f'{today} custom "{FIGURE_RECORD_TYPE}" {year} {_quoted(table)} {_quoted(label)} {_canonical_number(figure)}')
    lines.append("")
    for (verification_year, ver), verification_digest_ in sorted(digests.items(), key=lambda item: _order(item[0])):
        lines.append(f'{today} custom "{VERIFICATION_RECORD_TYPE}" {year} "{ver}" {verification_year} "{verification_digest_}"')
    return "\n".join(lines) + "\n", digest


def _quoted(text: str) -> str:
    """A Beancount string; a label with a quote or a line break cannot be one and is refused."""
    if '"' in text or "\n" in text or "\\" in text:
        raise ValueError(f"Raden {text!r} kan inte skrivas i en låspost (citattecken, radbrytning eller \\)")
    return f'"{text}"'


def _order(key: VerificationKey) -> tuple[int, str, int]:
    parsed = parse_verification(key[1])
    return (key[0], parsed[0], parsed[1]) if parsed else (key[0], key[1], 0)


def chain_end_text(year: int, digest: str, today: datetime.date) -> str:
    return f'{today} custom "{CHAIN_END_TYPE}" {year} "{digest}"\n'


__all__ = [
    "CHAIN_END_TYPE",
    "FIGURE_RECORD_TYPE",
    "FigureKey",
    "LockError",
    "LockState",
    "UNLOCK_TYPE",
    "VERIFICATION_RECORD_TYPE",
    "YEAR_RECORD_TYPE",
    "YearRecord",
    "canonical_verification",
    "chain_end_text",
    "check_lock_state",
    "check_locks",
    "covered_verifications",
    "read_lock_state",
    "record_text",
    "verification_digest",
    "year_digest",
]
