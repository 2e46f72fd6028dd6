"""Writing a file whole or not at all: a temporary file beside it, then a rename or a link.

A reader never sees half a file, and a failure leaves the old file (or none) as it was.
:func:`write_atomically` replaces what is there (a report, an export); :func:`create_atomically`
never does (a new year's files, an archived invoice copy: what exists is the accountant's).
The file gets mode 0644, as an ordinary new file would, not the temporary file's 0600.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def _through_temporary_file(path: Path, data: bytes, put_in_place: Callable[[str], None]) -> None:
    """Write ``data`` to a temporary file beside ``path`` and hand it to ``put_in_place``; the
    temporary file never stays behind."""
    descriptor, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        put_in_place(temporary)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it into place."""
    _through_temporary_file(path, data, lambda temporary: os.replace(temporary, path))


def create_atomically(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` whole unless ``path`` exists; never overwrite. True if written."""
    if path.exists():
        return False
    created = False

    def link(temporary: str) -> None:
        nonlocal created
        try:
            os.link(temporary, path)  # fails if the file appeared meanwhile: it is not replaced
            created = True
        except FileExistsError:
            pass

    _through_temporary_file(path, data, link)
    return created


__all__ = ["create_atomically", "write_atomically"]
