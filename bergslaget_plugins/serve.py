"""``bergslaget serve``: the books in Fava, read-only, on this computer only.

    bergslaget serve [LEDGER] [--port 5000]

starts Fava with ``--read-only`` on http://127.0.0.1:PORT/. Read-only means Fava refuses
every request that is not a GET (no editing of entries or source files, no uploads, no
imports). It listens on the loopback interface only: Fava has no login, so anyone who
can reach the port can read the books. To reach it from another computer, put a
reverse proxy with TLS and a password in front of it, or use an SSH tunnel (see README).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from flask import Flask

HOST = "127.0.0.1"
DEFAULT_PORT = 5000


def make_app(ledger: Path) -> Flask:
    """Fava's application for ``ledger``, read-only, with the books loaded at once."""
    from fava.application import create_app

    return create_app([str(ledger.resolve())], read_only=True, load=True)


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
