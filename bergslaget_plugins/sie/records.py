"""The record lexer: SIE text to labelled records with fields and object lists.

A SIE file (SIE filformat, utgåva 4B) is a sequence of lines, one record (post) a line::

    #VER "A" 12 20220314 "Hyra kv 2 2022"
    {
       #TRANS 5010 {1 "100"} 24000.00
       #TRANS 1930 {} -24000.00
    }

A record starts with its label (``#VER``); its fields are separated by spaces or tabs.
A field with spaces is quoted (``"Hyra kv 2"``), a quote inside it is written ``\\"``;
any other backslash is an ordinary character (``"C:\\Program"``). An object list is
written in braces: pairs of dimension and object (``{1 "100" 6 "P1"}``, or ``{}``).
The lines ``{`` and ``}`` open and close the rows that belong to the record before them.

The lexer knows nothing of what the labels mean (see ``document.py``); it keeps each
field's text as written, for the checksum (``checksum.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectList:
    """An object list ``{dim obj dim obj ...}``: its fields, unquoted."""

    items: tuple[str, ...]

    def pairs(self) -> tuple[tuple[str, str], ...]:
        return tuple(zip(self.items[0::2], self.items[1::2]))


Field = str | ObjectList


@dataclass(frozen=True)
class Record:
    """One line of the file: a labelled record, or a block delimiter ``{`` / ``}``."""

    lineno: int
    label: str  # "#VER", or "{" / "}" for a block delimiter
    fields: tuple[Field, ...]
    text: str  # the line as it stands in the file
    #: What the lexer had to guess to read the line (an unclosed quote); None if nothing.
    damage: str | None = None

    def text_field(self, index: int) -> str | None:
        """Field ``index`` when it is text (not an object list); None when absent."""
        if index < len(self.fields):
            value = self.fields[index]
            return value if isinstance(value, str) else None
        return None


@dataclass(frozen=True)
class LexError:
    """A line that is not a SIE record."""

    lineno: int
    message: str
    text: str


class _Unreadable(Exception):
    pass


def _read_quoted(line: str, start: int, damage: list[str]) -> tuple[str, int]:
    """The contents of the quoted field opening at ``line[start]``, and the index after it.

    A quote that is never closed takes the rest of the line, and ``damage`` says so.
    """
    chars: list[str] = []
    position = start + 1
    while position < len(line):
        char = line[position]
        if char == "\\" and position + 1 < len(line) and line[position + 1] == '"':
            chars.append('"')
            position += 2
            continue
        if char == '"':
            return "".join(chars), position + 1
        chars.append(char)
        position += 1
    damage.append("citattecknet stängs aldrig (fältet läses till radens slut)")
    return "".join(chars), position


def _read_bare(line: str, start: int, stops: str) -> tuple[str, int]:
    position = start
    while position < len(line) and line[position] not in stops:
        position += 1
    return line[start:position], position


def _split_fields(line: str, start: int, closing: str | None, damage: list[str]) -> tuple[list[Field], int]:
    """Fields from ``line[start:]`` up to the end, or up to ``closing`` (inside braces)."""
    fields: list[Field] = []
    position = start
    while position < len(line):
        char = line[position]
        if char in " \t":
            position += 1
        elif closing is not None and char == closing:
            return fields, position + 1
        elif char == '"':
            text, position = _read_quoted(line, position, damage)
            fields.append(text)
        elif char == "{":
            if closing is not None:
                raise _Unreadable("objektlistor kan inte nästlas")
            items, position = _split_fields(line, position + 1, "}", damage)
            fields.append(ObjectList(tuple(item for item in items if isinstance(item, str))))
        elif char == "}" and closing is None:
            raise _Unreadable("klammerparentes } utan {")
        else:
            text, position = _read_bare(line, position, ' \t"{}')
            fields.append(text)
    if closing is not None:
        raise _Unreadable("objektlistan stängs aldrig med }")
    return fields, position


def lex_line(lineno: int, line: str) -> Record | LexError | None:
    """The record on one line (without its line ending); None for a blank line."""
    stripped = line.strip(" \t\x1a")
    if not stripped:
        return None
    if stripped in ("{", "}"):
        return Record(lineno, stripped, (), line)
    if not stripped.startswith("#"):
        return LexError(lineno, "raden är ingen SIE-post (en post börjar med #ETIKETT)", line)
    label, position = _read_bare(stripped, 0, " \t")
    if len(label) < 2 or not label[1:].replace("_", "").isalnum():
        return LexError(lineno, f"ogiltig etikett {label!r}", line)
    damage: list[str] = []
    try:
        fields, _ = _split_fields(stripped, position, None, damage)
    except _Unreadable as problem:
        return LexError(lineno, str(problem), line)
    return Record(lineno, label.upper(), tuple(fields), line, "; ".join(damage) or None)


def lex(text: str) -> Iterator[Record | LexError]:
    """The records and unreadable lines of a decoded SIE text, in file order."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        item = lex_line(lineno, line.rstrip("\r"))
        if item is not None:
            yield item


__all__ = ["Field", "LexError", "ObjectList", "Record", "lex", "lex_line"]
