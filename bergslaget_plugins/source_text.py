"""The books' own files, read again: what their text can put in the entries.

Two rules look at every entry for something that can only come from the text of the
books: the markup rule for ``<`` (``markup.py``), the spelling rule for misspelled
metadata keys (``spelling.py``). With a hundred thousand transactions that walk costs a
tenth of a second each; reading the files Beancount parsed and asking their text costs
a few hundredths. A rule then walks, entry by entry, only the entries whose text does
not come from a file that cannot hold what it looks for (:func:`entries_from_elsewhere`),
and reports exactly the errors the walk over all entries reports.

Why a file's text stands for the text of the entries parsed from it (Beancount 3's
lexer, ``lexer.l``):

- Every text of a parsed entry (payee, narration, comment, every string value) is a
  string literal of its file; the escapes (``\\"``, ``\\n``, ``\\t``, ``\\r``, ``\\f``,
  ``\\b``; a backslash before any other character is that character) make no ``<`` the
  file does not hold. UTF-8 never uses the byte ``<`` inside another character.
- Every metadata key is a KEY token (``[a-z][a-zA-Z0-9_-]+`` before a colon) right after
  the indentation that begins a line, or after ``pushmeta``. :data:`_KEY` finds every
  such word (and some that are not keys: in a string over several lines), so a file's
  words are all the keys it gives, and perhaps more. The file is searched piece by piece
  (:func:`read_facts`), each line whole in one piece: the words are those :data:`_KEY`
  finds in the whole text.
- ``options_map["include"]`` lists every file Beancount parsed (absolute paths, as in the
  entries' ``filename``). Text from elsewhere: ``load_string``'s text (``<string>``),
  encrypted files (parsed as text, not listed), the ``documents`` option (Document entries
  named by the file system, carrying the main file's name), and entries plugins make.
- Our rules change a parsed entry only with text of that entry (the verification
  number of an entry that asks for one), with no text (links, an empty list of values)
  or with less (the markup rule's neutralised copies); the entries they make carry
  :data:`~bergslaget_plugins.generated.RULE_KEY`.

So a rule still walks: the entries whose ``filename`` is not a file it trusts, the
entries our rules made, entries of the kinds it names (Document for markup; Custom for
spelling, as a custom type is not a key), and entries of a class that is not one of
Beancount's. Inside the rules line the markup and the spelling rule share the look at the
transactions that finds these (``entry_index.derived_from_transactions``). A file's text
is not trusted if it holds what the rule looks for, or if the file was changed (its ctime
or mtime) later than a second before this process started, or while it was read, or it
cannot be read: Beancount may have parsed other text than is read now, and a ``<``
removed between the parse and this read would pass silently. Nothing can change a file without setting its ctime to the time of the change
(no program can set it back), so a file changed before the process started is the file
Beancount parsed. In a long-running process (Fava) the entries of the files edited since
it started are walked, as before. The text is not used at all (:func:`read_book_sources`
gives None) without files or when the main file is not one (``load_string``), when a
plugin line names a module that is not ours (``bergslaget_plugins``) or Beancount runs
another plugin before the plugin lines (their entries could carry anything), and on a
system without ``/proc/self/stat`` (the process's start).

What a file's text holds is read once per file and process (the key is the file's path,
device, inode, size, mtime and ctime) and kept as two small facts, not as text; a file
whose length is not the size it had before the read was changed while it was read.
"""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import compress, repeat
from operator import itemgetter
from typing import Any, NamedTuple, Protocol

from beancount.core import data
from beancount.core.data import Directive, Transaction

from bergslaget_plugins.entry_index import derived_from_transactions, directives_of, transactions_of
from bergslaget_plugins.generated import RULE_KEY

#: The one plugin Beancount itself runs before the plugin lines (``loader.PLUGINS_PRE``).
_BEANCOUNT_BEFORE_PLUGINS = (("beancount.ops.documents", None),)
#: Our plugin modules.
_OURS = "bergslaget_plugins"
#: A file changed less than this before the process started is not trusted (clock steps, rounding).
_MARGIN_NS = 1_000_000_000
#: The classes of Beancount's directives: an entry of another class is walked.
DIRECTIVE_TYPES: frozenset[type] = frozenset(data.ALL_DIRECTIVES)
#: A file is read in pieces of this many bytes into one buffer (longer if a line is longer), and
#: each piece's whole lines are searched while they are in the processor's cache: reading a large
#: file whole costs a fresh allocation its size, and the searches a second trip through memory.
_PIECE = 1 << 18
_WORD = rb"([a-z][a-zA-Z0-9_-]*+):"
#: An entry's metadata (the first field of every directive), and its file.
_META = itemgetter(0)
_FILENAME = itemgetter("filename")
#: The transactions are looked at in blocks of this many (:func:`_transaction_origins`).
_BLOCK = 1024
#: The indentation that begins a line, and the same where the text has no tab.
_BLANKS = rb"[ \t]*+"
_SPACES = rb" *+"
#: A line's indentation and the key after it, or ``pushmeta`` and its key (see the module's documentation).
_KEY = re.compile(rb"\n" + _BLANKS + rb"(?=[a-z])(?:pushmeta[ \t\r]++)?" + _WORD)
_LINE_BREAK = ord("\n")


class FileFacts(NamedTuple):
    """What one file's text can put in the entries parsed from it."""

    #: The text holds ``<``.
    has_markup: bool
    #: Every metadata key the file gives (and perhaps other words).
    metadata_keys: frozenset[str]


class BookSources(NamedTuple):
    """The files Beancount parsed for the books, each with what its text holds.

    A file's facts are None where its text cannot stand for its entries: it was changed
    since this process started, or cannot be read.
    """

    files: Mapping[str, FileFacts | None]

    def files_where(self, holds: Callable[[FileFacts], bool]) -> frozenset[str]:
        """The files whose text stands for their entries and ``holds``."""
        return frozenset(path for path, facts in self.files.items() if facts is not None and holds(facts))


def _process_start_ns() -> int | None:
    """When this process started (wall clock, nanoseconds, rounded down), or None if unknown."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        started_ticks = int(fields[19])  # field 22, starttime: clock ticks after boot
        ticks_per_second = os.sysconf("SC_CLK_TCK")
        since_boot_ns = time.clock_gettime_ns(time.CLOCK_BOOTTIME)
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return time.time_ns() - (since_boot_ns - started_ticks * 1_000_000_000 // ticks_per_second)


def _trusted_before_ns() -> int | None:
    started = _process_start_ns()
    return None if started is None else started - _MARGIN_NS


#: Files changed before this moment are the files the loads of this process parsed (None: unknown).
UNCHANGED_BEFORE_NS: int | None = _trusted_before_ns()

_FACTS: dict[tuple[str, int, int, int, int, int], FileFacts] = {}


class _KeyFinder:
    """The metadata keys of a text given in pieces of whole lines, each after a line break."""

    def __init__(self) -> None:
        self.keys: set[bytes] = set()
        self._first_piece = True
        #: :func:`_other_lines` for the keys found so far, by the indentation it allows.
        self._other_lines: dict[bytes, re.Pattern[bytes]] = {}

    def add_lines(self, text: bytearray, end: int) -> None:
        """Find the keys of the lines that begin at the line breaks of ``text[:end]``; ``end`` is
        a line break or the end of the text, so no line is cut off."""
        if self._first_piece:
            # Every key of the first piece (all of a small file) in one go. Most lines of a large
            # file repeat a few keys: in the other pieces only the lines that begin with another
            # lowercase word are looked at (a new key, pushmeta, option, a line of a long string).
            self.keys.update(_KEY.findall(text, 0, end))
            self._first_piece = False
            return
        # Without a tab the indentation is spaces, which the search steps over faster.
        indentation = _SPACES if text.find(b"\t", 0, end) < 0 else _BLANKS
        position = 0
        while found := self._lines_with_other_words(indentation).search(text, position, end):
            key = _KEY.match(text, found.start(), end)
            if key is not None and key[1] not in self.keys:
                self.keys.add(key[1])
                self._other_lines.clear()
            position = found.end()

    def _lines_with_other_words(self, indentation: bytes) -> re.Pattern[bytes]:
        pattern = self._other_lines.get(indentation)
        if pattern is None:
            pattern = self._other_lines[indentation] = _other_lines(frozenset(self.keys), indentation)
        return pattern


class _Readable(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


def read_facts(file: _Readable, size: int) -> FileFacts | None:
    """What the text read from ``file`` holds, or None if it is not ``size`` bytes long.

    The text is read piece by piece into one buffer that begins with a line break (before
    the first line, as before every other): each piece's whole lines are searched, the
    beginning of a line that goes on in the next piece is kept for it.
    """
    buffer = bytearray(_PIECE)
    buffer[0] = _LINE_BREAK
    held = 1  # the bytes of the buffer in use: whole lines, then the beginning of one
    read_so_far = 0
    has_markup = False
    finder = _KeyFinder()
    while True:
        if held == len(buffer):  # a line longer than the buffer
            buffer.extend(bytes(len(buffer)))
        with memoryview(buffer) as whole, whole[held:] as free:
            count = file.readinto(free)
        if not count:
            break
        read_so_far += count
        if read_so_far > size:
            return None
        end = held + count
        has_markup = has_markup or buffer.find(b"<", held, end) >= 0
        last_break = buffer.rfind(b"\n", 0, end)
        if last_break > 0:
            finder.add_lines(buffer, last_break)
            buffer[: end - last_break] = buffer[last_break:end]
            held = end - last_break
        else:
            held = end
    if read_so_far != size:
        return None
    finder.add_lines(buffer, held)
    return FileFacts(has_markup, frozenset(key.decode("ascii") for key in finder.keys))


def metadata_keys(text: bytes) -> frozenset[str]:
    """Every word of ``text`` that Beancount can read as a metadata key (see the module's documentation)."""
    facts = read_facts(io.BytesIO(text), len(text))
    return frozenset() if facts is None else facts.metadata_keys  # never None: the text is all there


def _other_lines(seen: frozenset[bytes], indentation: bytes) -> re.Pattern[bytes]:
    """The beginnings of the lines whose first word (after ``indentation``) is lowercase and
    not one of the keys ``seen`` followed by its colon."""
    known = b"|".join(re.escape(key) for key in sorted(seen))
    return re.compile(rb"\n" + indentation + rb"(?=[a-z])" + (rb"(?!(?:" + known + rb"):)" if seen else b""))


def _version(path: str) -> tuple[str, int, int, int, int, int] | None:
    """The file's path, device, inode, size, mtime and ctime: it is the same file while these are."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return (path, status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)


def file_facts(path: str, unchanged_before_ns: int) -> FileFacts | None:
    """What the file at ``path`` holds, or None if it changed at or after ``unchanged_before_ns`` or cannot be read."""
    version = _version(path)
    if version is None or max(version[4], version[5]) >= unchanged_before_ns:
        return None
    facts = _FACTS.get(version)
    if facts is None:
        try:
            with open(path, "rb", buffering=0) as file:
                facts = read_facts(file, version[3])
        except OSError:
            return None
        if facts is None or _version(path) != version:
            return None  # changed while being read
        _FACTS[version] = facts
    return facts


def _only_our_plugins(options_map: Mapping[str, Any]) -> bool:
    from beancount import loader

    if list(loader.PLUGINS_PRE) != list(_BEANCOUNT_BEFORE_PLUGINS):
        return False
    return all(name == _OURS or name.startswith(_OURS + ".") for name, _ in options_map.get("plugin") or ())


def read_book_sources(
    options_map: Mapping[str, Any], unchanged_before_ns: int | None = None
) -> BookSources | None:
    """What the books' files hold, or None where their text cannot stand for the entries.

    ``unchanged_before_ns`` (default: a second before this process started) is the moment
    before which a file must have been changed last for its text to count; see the
    module's documentation.
    """
    if unchanged_before_ns is None:
        unchanged_before_ns = UNCHANGED_BEFORE_NS
    files = options_map.get("include") or ()
    if unchanged_before_ns is None or not files or options_map.get("filename") not in files:
        return None
    if not _only_our_plugins(options_map):
        return None
    return BookSources({path: file_facts(path, unchanged_before_ns) for path in files})


class _TransactionOrigins(NamedTuple):
    """Where the transactions of a list come from: their files, and those our rules made."""

    filenames: frozenset[Any]
    generated: list[Transaction]


def _transaction_origins(transactions: Sequence[Transaction]) -> _TransactionOrigins:
    """One look at each transaction, in C loops (``map``, ``compress``), not a Python loop; block
    by block, so that the second look in a transaction's metadata finds it in the processor's cache.
    (The rules' mark is looked for here, not in the entry index's walk: few transactions carry it,
    and the index asks only for keys that rules look for on every load.)"""
    filenames: set[Any] = set()
    generated: list[Transaction] = []
    for start in range(0, len(transactions), _BLOCK):
        block = transactions[start:start + _BLOCK]
        metas = list(map(_META, block))
        filenames.update(map(_FILENAME, metas))
        generated.extend(compress(block, map(dict.__contains__, metas, repeat(RULE_KEY))))
    return _TransactionOrigins(frozenset(filenames), generated)


def _is_from_elsewhere(entry: Directive, files: frozenset[str], kinds: frozenset[type]) -> bool:
    """For a directive (not a transaction): see :func:`entries_from_elsewhere`."""
    meta = entry.meta
    return (type(entry) in kinds or type(entry) not in DIRECTIVE_TYPES or not isinstance(meta, dict)
            or meta.get("filename") not in files or RULE_KEY in meta)


def entries_from_elsewhere(
    entries: Sequence[Directive], files: frozenset[str], kinds: frozenset[type] = frozenset()
) -> list[Directive] | None:
    """The entries whose text may come from elsewhere than ``files``, each once, in no particular order.

    Those are: entries whose ``filename`` is not one of ``files``, the entries our rules
    made (:data:`~bergslaget_plugins.generated.RULE_KEY`), entries of one of ``kinds``,
    and entries of a class that is not one of Beancount's directives. None if a
    transaction's metadata is not a dictionary with a ``filename`` (the caller walks all
    entries). The transactions' files and the rules' mark are looked at in C loops, once per
    list of transactions inside the rules line (``entry_index.derived_from_transactions``:
    the markup and the spelling rule share the look), and the transactions of a file not
    among ``files`` only if there is one; the few other directives one by one.
    """
    try:
        origins = derived_from_transactions(entries, _transaction_origins, _transaction_origins)
        found: dict[int, Directive] = {id(entry): entry for entry in origins.generated}
        elsewhere = origins.filenames - files
        if elsewhere:
            transactions = transactions_of(entries)
            found.update((id(entry), entry) for entry in compress(
                transactions, map(elsewhere.__contains__, map(_FILENAME, map(_META, transactions)))))
        found.update((id(entry), entry) for entry in directives_of(entries) if _is_from_elsewhere(entry, files, kinds))
    except (TypeError, KeyError):
        return None
    return list(found.values())


def in_entry_order(entries: Sequence[Directive], chosen: Mapping[int, Any]) -> list[int]:
    """The places in ``entries``, in order, of the entries whose ``id`` is a key of ``chosen``."""
    return list(compress(range(len(entries)), map(chosen.__contains__, map(id, entries))))


__all__ = [
    "DIRECTIVE_TYPES",
    "UNCHANGED_BEFORE_NS",
    "BookSources",
    "FileFacts",
    "entries_from_elsewhere",
    "file_facts",
    "in_entry_order",
    "metadata_keys",
    "read_book_sources",
]
