"""The change history of one verification from version control (behandlingshistorik).

The books are text files in a git repository; every commit that touched the lines of a
verification is part of its history. :func:`verification_history` finds the
verification's lines (for a generated verification: the lines of the directive it
comes from) and asks ``git log -L`` for each commit that changed them: date, author,
message and the diff of those lines::

    bergslaget history A12 --year 2022

Where the books are not in a git repository, or the file is not committed, it says so
(:class:`HistoryUnavailable`).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from beancount.core.data import Directive, Transaction

from bergslaget_plugins.books import BooksHaveErrors
from bergslaget_plugins.generated import RULE_KEY, VERIFICATION_KEY
from bergslaget_plugins.verification_numbers import is_verification

_COMMIT_MARK = "\x1e"  # record separator: starts each commit in git's output
_FIELD_MARK = "\x1f"


class HistoryUnavailable(BooksHaveErrors):
    """No history can be given (unknown verification, no repository, file not committed)."""


@dataclass(frozen=True)
class Commit:
    """One commit that changed the verification's lines."""

    commit: str
    date: str
    author: str
    message: str
    diff: str


@dataclass(frozen=True)
class VerificationHistory:
    ver: str
    year: int
    #: The file and lines followed (for a generated verification, its source directive).
    path: Path
    first_line: int
    last_line: int
    rule: str | None
    #: The file has changes not yet committed: the history is that of the committed file.
    uncommitted_changes: bool
    commits: tuple[Commit, ...]


def find_verification(entries: Sequence[Directive], ver: str, year: int | None) -> Transaction:
    """The verification ``ver`` (of ``year``, needed when the id is used in several years)."""
    found = [entry for entry in entries if isinstance(entry, Transaction) and is_verification(entry)
             and entry.meta.get(VERIFICATION_KEY) == ver and (year is None or entry.date.year == year)]
    if not found:
        raise HistoryUnavailable(f"Verifikation {ver}{f' ({year})' if year else ''} finns inte i böckerna")
    years = sorted({entry.date.year for entry in found})
    if len(years) > 1:
        raise HistoryUnavailable(f"Verifikation {ver} finns i flera år ({', '.join(map(str, years))}); ange --year")
    return found[0]


def directive_lines(path: Path, lineno: int) -> tuple[int, int]:
    """The directive starting at ``lineno``: that line and the indented lines below it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    last = lineno
    while last < len(lines) and re.match(r"^[ \t]+\S", lines[last]):
        last += 1
    return lineno, last


def _git(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(folder), *arguments], capture_output=True, text=True, check=False)


def _parse_log(output: str) -> tuple[Commit, ...]:
    commits = []
    for chunk in output.split(_COMMIT_MARK)[1:]:
        header, _, diff = chunk.partition("\n\n")
        commit, date, author, message = (header.split(_FIELD_MARK) + ["", "", "", ""])[:4]
        commits.append(Commit(commit.strip(), date.strip(), author.strip(), message.strip(), diff.strip("\n")))
    return tuple(commits)


def verification_history(entries: Sequence[Directive], ver: str, year: int | None = None) -> VerificationHistory:
    entry = find_verification(entries, ver, year)
    path = Path(str(entry.meta.get("filename")))
    if not path.is_file():
        raise HistoryUnavailable(f"Verifikation {ver} har ingen fil att följa ({path})")
    first, last = directive_lines(path, int(entry.meta.get("lineno") or 1))
    folder = path.parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise HistoryUnavailable(f"Bokföringen ({folder}) ligger inte i ett git-arkiv: det finns ingen ändringshistorik. "
                                 "Lägg böckerna under versionshantering (git init, git add, git commit).")
    relative = path.resolve().relative_to(Path(top.stdout.strip()).resolve())
    if _git(folder, "ls-files", "--error-unmatch", str(path.resolve())).returncode != 0:
        raise HistoryUnavailable(f"{relative} är inte incheckad i git: ingen historik ännu")
    uncommitted = _git(folder, "diff", "--quiet", "HEAD", "--", str(path.resolve())).returncode != 0
    log = _git(Path(top.stdout.strip()), "log", f"-L{first},{last}:{relative.as_posix()}", "--date=iso-strict",
               f"--format={_COMMIT_MARK}%H{_FIELD_MARK}%ad{_FIELD_MARK}%an <%ae>{_FIELD_MARK}%s%n")
    if log.returncode != 0:
        raise HistoryUnavailable(f"git kunde inte ge historiken för {relative}:{first}-{last}: {log.stderr.strip()}")
    rule = entry.meta.get(RULE_KEY)
    return VerificationHistory(ver, entry.date.year, relative, first, last, rule if isinstance(rule, str) else None,
                               uncommitted, _parse_log(log.stdout))


def history_as_text(history: VerificationHistory) -> str:
    lines = [f"Ändringshistorik för verifikation {history.ver} ({history.year}): "
             f"{history.path}, rad {history.first_line}–{history.last_line}"]
    if history.rule:
        lines.append(f"Verifikationen genereras av regeln {history.rule}; historiken gäller direktivet den kommer från.")
    if history.uncommitted_changes:
        lines.append("Obs: filen har ändringar som inte är incheckade; historiken gäller den incheckade versionen.")
    lines.append(f"{len(history.commits)} incheckningar har ändrat raderna.")
    for commit in history.commits:
        lines += ["", f"incheckning {commit.commit}", f"Datum:      {commit.date}", f"Författare: {commit.author}",
                  f"Meddelande: {commit.message}", "", commit.diff]
    return "\n".join(lines) + "\n"


__all__ = ["Commit", "HistoryUnavailable", "VerificationHistory", "directive_lines", "find_verification",
           "history_as_text", "verification_history"]
