"""The board and the auditor, read from the books: who signs the annual report.

Each member of the board elected at an annual meeting is a ``styrelse`` directive dated
on the meeting's day, with the role (``roll``) and whom the member represents; the
auditor is a ``revisor`` directive::

    2022-05-12 custom "styrelse" "Jan Bohman"
      roll: "ordförande"
      representerar: "Borlänge kommun"
    2022-05-12 custom "styrelse" "Hans Jildesten"
      roll: "ersättare"
      representerar: "Region Värmland"
    2022-05-12 custom "revisor" "Laila Borger"
      representerar: "Avesta kommun"

The annual report of a year is signed by the board elected last before the year's end:
the ``styrelse`` directives of the latest date up to 31 December (and likewise the
auditors). The ordinary members sign (ordförande, vice ordförande, ledamot); deputies
(ersättare) do not.

>>> from beancount import loader
>>> entries, _, _ = loader.load_string('''
... 2022-05-12 custom "styrelse" "Anna Ordförande"
...   roll: "ordförande"
... 2022-05-12 custom "styrelse" "Bo Ersättare"
...   roll: "ersättare"
... 2022-05-12 custom "revisor" "Cecilia Revisor"
... ''')
>>> board, errors = read_board(entries, 2022)
>>> [member.name for member in board.signatories], [auditor.name for auditor in board.auditors], errors
(['Anna Ordförande'], ['Cecilia Revisor'], [])
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from beancount.core.data import Custom, Directive

BOARD_TYPE = "styrelse"
AUDITOR_TYPE = "revisor"
BOARD_ROLE_KEY = "roll"
REPRESENTS_KEY = "representerar"

CHAIR = "ordförande"
DEPUTY = "ersättare"
#: The roles in the order the signatures are printed; all but deputies sign.
BOARD_ROLES: tuple[str, ...] = (CHAIR, "vice ordförande", "ledamot", DEPUTY)


class BoardError(NamedTuple):
    """A board or auditor directive that cannot be used, or none at all."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class Person(NamedTuple):
    """A member of the board or an auditor, as the books name them."""

    name: str
    role: str
    represents: str | None
    meta: Mapping[str, Any]


class Board(NamedTuple):
    """The board elected on ``elected`` and the auditors."""

    elected: datetime.date
    members: tuple[Person, ...]
    auditors: tuple[Person, ...]

    @property
    def signatories(self) -> tuple[Person, ...]:
        """The ordinary members, the chair first, in the order of :data:`BOARD_ROLES` and then of the books."""
        signing = [member for member in self.members if member.role != DEPUTY]
        return tuple(sorted(signing, key=lambda member: BOARD_ROLES.index(member.role)))


def _single_name(entry: Custom) -> str | None:
    values = [value.value for value in entry.values]
    if len(values) == 1 and isinstance(values[0], str) and values[0].strip():
        return values[0].strip()
    return None


def _latest(entries: Iterable[Directive], kind: str, year_end: datetime.date) -> list[Custom]:
    directives = [entry for entry in entries
                  if isinstance(entry, Custom) and entry.type == kind and entry.date <= year_end]
    latest = max((entry.date for entry in directives), default=None)
    return [entry for entry in directives if entry.date == latest]


def _person(entry: Custom, role: str | None, errors: list[BoardError]) -> Person | None:
    name = _single_name(entry)
    if name is None:
        errors.append(BoardError(entry.meta, f'{entry.type} ska ha personens namn som enda värde, t.ex. "Anna Andersson"', entry))
        return None
    represents = entry.meta.get(REPRESENTS_KEY)
    return Person(name, role or entry.type, represents if isinstance(represents, str) else None, entry.meta)


def _members(board_entries: Iterable[Custom], errors: list[BoardError]) -> list[Person]:
    members = []
    for entry in board_entries:
        role = entry.meta.get(BOARD_ROLE_KEY)
        if role not in BOARD_ROLES:
            errors.append(BoardError(entry.meta, f"{BOARD_ROLE_KEY} ska vara ett av {', '.join(repr(r) for r in BOARD_ROLES)}, inte {role!r}", entry))
            continue
        if (person := _person(entry, str(role), errors)) is not None:
            members.append(person)
    return members


def _check_one_chair(board_entries: Sequence[Custom], members: Sequence[Person], errors: list[BoardError]) -> None:
    if len(members) == len(board_entries) and [member.role for member in members].count(CHAIR) != 1:
        errors.append(BoardError(board_entries[0].meta, f"Styrelsen vald {board_entries[0].date} ska ha precis en ordförande", board_entries[0]))


def read_board(entries: Iterable[Directive], year: int) -> tuple[Board | None, list[BoardError]]:
    """The board and auditors who sign the annual report of ``year``; errors if there are none or one is malformed."""
    year_end = datetime.date(year, 12, 31)
    entries = list(entries)
    errors: list[BoardError] = []
    board_entries = _latest(entries, BOARD_TYPE, year_end)
    members = _members(board_entries, errors)
    auditor_entries = _latest(entries, AUDITOR_TYPE, year_end)
    auditors = [person for entry in auditor_entries if (person := _person(entry, None, errors)) is not None]
    missing = {"filename": "<styrelsen>", "lineno": 0}
    if not board_entries:
        errors.append(BoardError(missing, f'Styrelsen för {year} saknas i böckerna: lägg till custom "{BOARD_TYPE}" för varje ledamot', None))
    else:
        _check_one_chair(board_entries, members, errors)
    if not auditor_entries:
        errors.append(BoardError(missing, f'Revisorn för {year} saknas i böckerna: lägg till custom "{AUDITOR_TYPE}"', None))
    if errors:
        return None, errors
    return Board(board_entries[0].date, tuple(members), tuple(auditors)), []


def check_board_directives(entries: Iterable[Directive]) -> list[BoardError]:
    """Every board and auditor directive in the books, checked as :func:`read_board` would use it
    (for ``bean-check``; whether a year has a board at all is checked when its report is made)."""
    errors: list[BoardError] = []
    boards: dict[datetime.date, list[Custom]] = defaultdict(list)
    for entry in entries:
        if isinstance(entry, Custom) and entry.type == BOARD_TYPE:
            boards[entry.date].append(entry)
        elif isinstance(entry, Custom) and entry.type == AUDITOR_TYPE:
            _person(entry, None, errors)
    for board_entries in boards.values():
        _check_one_chair(board_entries, _members(board_entries, errors), errors)
    return errors


__all__ = ["AUDITOR_TYPE", "BOARD_TYPE", "BOARD_ROLES", "Board", "BoardError", "Person", "check_board_directives", "read_board"]
