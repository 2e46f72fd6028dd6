"""``bergslaget serve``: the books in Fava, read-only, on this computer only.

    bergslaget serve [LEDGER] [--port 5000]

starts Fava with ``--read-only`` on http://127.0.0.1:PORT/. What the server exposes is
the books' views and nothing else:

- Read-only: Fava refuses every request that is not a GET (no editing of entries or
  source files, no uploads, no moving or deleting documents).
- No import: Fava's import page and its import API (``import/``, ``api/imports``,
  ``api/extract``, which would read any file named in the URL) answer 404. Importing
  is the accountant's ``bergslaget import`` on the command line.
- No file outside the books: ``document/`` and ``statement/`` serve only the files of
  the books' ``document`` entries that lie in the books' documents folder
  (``option "documents"``); anything else answers 404. ``api/source`` serves only the
  ledger's own files (Fava's own rule).
- Only this computer: it listens on the loopback interface and answers only requests
  whose ``Host`` header is ``127.0.0.1:PORT`` or ``localhost:PORT``; any other Host
  (a web page that rebinds its own name to 127.0.0.1, a mistyped proxy) gets 400.

Fava has no login, so anyone who can reach the port can read the books. To reach it
from another computer, use an SSH tunnel, or a reverse proxy with TLS and a password
that passes ``Host: 127.0.0.1:PORT`` on (see README).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from flask import Flask, abort, g, request

from bergslaget_plugins.books import collector_paused

HOST = "127.0.0.1"
DEFAULT_PORT = 5000
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
LOWEST_PORT, HIGHEST_PORT = 1, 65535

#: Fava endpoints that import: they read arbitrary files named in the request.
BLOCKED_ENDPOINTS = frozenset({
    "json_api.get_extract",
    "json_api.get_imports",
    "json_api.put_upload_import_file",
})
#: Fava's client-side pages that are not views of the books.
BLOCKED_REPORTS = frozenset({"import"})

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def allowed_host(host: str, port: int | None) -> bool:
    """True if ``host`` (a Host header) names this computer's loopback at ``port``.

    With ``port`` None (a server on a port chosen by the OS, as in tests) any port of
    the loopback names is allowed.
    """
    name, colon, given_port = host.strip().lower().rpartition(":")
    if not colon:
        name, given_port = given_port, ""
    if name not in LOOPBACK_NAMES:
        return False
    if port is None:
        return given_port == "" or given_port.isdigit()
    return given_port == str(port) or (given_port == "" and port == 80)


class LoopbackHostOnly:
    """WSGI middleware: 400 for a request whose Host header is not this server's."""

    def __init__(self, app: WsgiApp, port: int | None) -> None:
        self.app = app
        self.port = port

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not allowed_host(environ.get("HTTP_HOST", ""), self.port):
            body = "Okänd värd: servern svarar bara på 127.0.0.1 och localhost.\n".encode()
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def _documents_folders(ledger: Any) -> list[Path]:
    root = Path(ledger.beancount_file_path).resolve().parent
    return [(root / folder).resolve() for folder in ledger.options["documents"]]


def is_document_of_the_books(filename: str, ledger: Any) -> bool:
    """A ``document`` entry's file that lies inside the books' documents folder."""
    if not any(filename == document.filename for document in ledger.all_entries_by_type.Document):
        return False
    path = Path(filename).resolve()
    return path.is_file() and any(path.is_relative_to(folder) for folder in _documents_folders(ledger))


def _refuse_what_is_not_the_books() -> None:
    """Flask before_request: 404 for import views and for files that are not the books' documents."""
    endpoint = request.endpoint or ""
    if endpoint in BLOCKED_ENDPOINTS:
        abort(404)
    if endpoint == "report" and (request.view_args or {}).get("report_name") in BLOCKED_REPORTS:
        abort(404)
    ledger = getattr(g, "ledger", None)
    if endpoint == "document":
        if ledger is None or not is_document_of_the_books(request.args.get("filename", ""), ledger):
            abort(404)
    if endpoint == "statement":
        if ledger is None:
            abort(404)
        try:
            path = ledger.statement_path(request.args.get("entry_hash", ""), request.args.get("key", ""))
        except Exception:  # noqa: BLE001 - Fava's own errors for an unknown entry or key
            abort(404)
        if not is_document_of_the_books(path, ledger):
            abort(404)


def make_app(ledger: Path, port: int | None = None) -> Flask:
    """Fava's application for ``ledger``, read-only, without import, for the loopback host only.

    ``port`` is the port the server listens on (the Host header must name it); None
    accepts any port of 127.0.0.1/localhost. Fava loads the books as the project's
    commands do (``books.collector_paused``): the first load here, and every reload after
    a change on disk through :func:`_load_paused`.
    """
    from fava.application import create_app

    with collector_paused():
        app = create_app([str(ledger.resolve())], read_only=True, load=True)
    for fava_ledger in app.config["LEDGERS"].ledgers:
        _load_paused(fava_ledger)
    # First of all before_request functions, so no Fava code runs for a refused request.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_what_is_not_the_books)
    app.wsgi_app = LoopbackHostOnly(app.wsgi_app, port)  # type: ignore[method-assign]
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
    if not LOWEST_PORT <= port <= HIGHEST_PORT:
        print(f"Porten {port} finns inte: välj en port mellan {LOWEST_PORT} och {HIGHEST_PORT} med --port",
              file=sys.stderr)
        return 1
    if not ledger.is_file():
        print(f"Bokföringen {ledger} finns inte", file=sys.stderr)
        return 1
    app = make_app(ledger, port)
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
