"""``bergslaget serve``: the books in Fava, read-only, on this computer only.

    bergslaget serve [LEDGER] [--port 5000]

starts Fava with ``--read-only`` on http://127.0.0.1:PORT/. Read-only means Fava refuses
every request that is not a GET (no editing of entries or source files, no uploads, no
imports). It listens on the loopback interface only: Fava has no login, so anyone who
can reach the port can read the books. To reach it from another computer, put a
reverse proxy with TLS and a password in front of it, or use an SSH tunnel (see README).
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any, TextIO

from flask import Flask

from bergslaget_plugins.books import collector_paused

HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def make_app(ledger: Path) -> Flask:
    """Fava's application for ``ledger``, read-only, with the books loaded at once.

    Fava loads the books as the project's commands do (``books.collector_paused``): the
    first load here, and every reload after a change on disk through :func:`_load_paused`.
    """
    from fava.application import create_app

    with collector_paused():
        app = create_app([str(ledger.resolve())], read_only=True, load=True)
    for fava_ledger in app.config["LEDGERS"].ledgers:
        _load_paused(fava_ledger)
    return app


def _load_paused(fava_ledger: Any) -> None:
    """Make ``fava_ledger`` reload (after a change on disk) with the collector paused."""
    paused_class = _paused_ledger_class()
    if type(fava_ledger) is paused_class.__base__:
        fava_ledger.__class__ = paused_class


@functools.cache
def _paused_ledger_class() -> type:
    """FavaLedger whose ``load_file`` runs with the collector paused.

    Fava offers no hook before a load and FavaLedger has ``__slots__`` (no instance
    attributes), so a loaded ledger is switched to this subclass; it adds no slots,
    which is what lets Python switch the class of an existing instance.
    """
    from fava.core import FavaLedger

    class PausedCollectorLedger(FavaLedger):
        __slots__ = ()

        def load_file(self) -> None:
            with collector_paused():
                super().load_file()

    return PausedCollectorLedger


def serve(ledger: Path, port: int = DEFAULT_PORT, out: TextIO | None = None) -> int:
    """Serve ``ledger`` read-only on 127.0.0.1:``port`` until interrupted; 1 if it cannot start."""
    from cheroot.wsgi import Server

    output = out or sys.stdout
    if not ledger.is_file():
        print(f"Bokföringen {ledger} finns inte", file=sys.stderr)
        return 1
    app = make_app(ledger)
    server = Server((HOST, port), app)
    try:
        server.prepare()
    except OSError as error:
        print(f"Kan inte starta på {HOST}:{port}: {error} (välj en annan port med --port)", file=sys.stderr)
        return 1
    print(f"Fava (skrivskyddat) för {ledger}: http://{HOST}:{port}/ – avsluta med Ctrl-C", file=output, flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
