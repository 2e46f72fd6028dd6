"""Loading the books: the collector is paused during a load and its state restored, whatever happens.

The loads here are real: a small ledger whose own plugin (written next to it) records
whether Python's garbage collector was running while Beancount ran the plugins.
"""

from __future__ import annotations

import gc
import importlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bergslaget_plugins.books import BooksHaveErrors, collector_paused, load_books
from bergslaget_plugins.serve import make_app

PROBE = '''
import gc
SEEN = []
__plugins__ = ("probe",)

def probe(entries, options_map):
    SEEN.append(gc.isenabled())
    return entries, []
'''

LEDGER = '''
option "title" "Prov"
option "operating_currency" "SEK"
option "insert_pythonpath" "TRUE"
plugin "{probe}"

2022-01-01 open Assets:1930-Företagskonto SEK
2022-01-01 open Income:3001-Försäljning SEK
2022-03-01 * "Kund" "Faktura"
  Assets:1930-Företagskonto  100 SEK
  Income:3001-Försäljning  -100 SEK
'''


@pytest.fixture
def probed_books(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, list[bool]]]:
    """A ledger with a plugin that records gc.isenabled() each time the books are loaded."""
    name = f"gc_probe_{request.node.name.replace('[', '_').replace(']', '_')}"
    (tmp_path / f"{name}.py").write_text(PROBE)
    main = tmp_path / "main.beancount"
    main.write_text(LEDGER.format(probe=name))
    sys.path.insert(0, str(tmp_path))
    try:
        module = importlib.import_module(name)
        yield main, module.SEEN
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


def test_load_pauses_the_collector_and_freezes_the_books(probed_books, collector_enabled) -> None:
    main, seen = probed_books
    frozen_before = gc.get_freeze_count()
    entries, options = load_books(main)
    assert seen == [False]
    assert gc.isenabled()
    assert gc.get_freeze_count() > frozen_before
    assert options["title"] == "Prov" and len(entries) == 3


def test_books_with_errors_leave_the_collector_as_it_was_and_freeze_nothing(probed_books, collector_enabled) -> None:
    main, seen = probed_books
    main.write_text(main.read_text() + "2022-04-01 * \"Obalanserad\"\n  Assets:1930-Företagskonto  5 SEK\n"
                    "  Income:3001-Försäljning  -4 SEK\n")
    frozen_before = gc.get_freeze_count()
    with pytest.raises(BooksHaveErrors, match="main.beancount"):
        load_books(main)
    assert seen == [False]
    assert gc.isenabled()
    # Nothing newly frozen (the count may fall: frozen objects of earlier loads can be freed meanwhile).
    assert gc.get_freeze_count() <= frozen_before


def test_a_disabled_collector_stays_disabled(probed_books) -> None:
    main, seen = probed_books
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        load_books(main)
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


def test_a_folder_is_refused_with_a_message_not_a_traceback(tmp_path: Path, collector_enabled) -> None:
    with pytest.raises(BooksHaveErrors, match="är en mapp"):
        load_books(tmp_path)
    assert gc.isenabled()


def test_nested_pauses_enable_the_collector_only_at_the_outermost_end(collector_enabled) -> None:
    frozen_before = gc.get_freeze_count()
    with pytest.raises(RuntimeError):
        with collector_paused():
            with collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the outer pause is still open
            raise RuntimeError("load failed")
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen_before  # an interrupted load freezes nothing


def test_serve_loads_and_reloads_with_the_collector_paused(probed_books, collector_enabled) -> None:
    main, seen = probed_books
    app = make_app(main)
    assert seen == [False]
    assert gc.isenabled()
    client = app.test_client()
    assert client.get("/prov/income_statement/").status_code == 200
    time.sleep(0.01)
    main.write_text(main.read_text() + "2022-05-01 * \"Kund\" \"Faktura 2\"\n  Assets:1930-Företagskonto  7 SEK\n"
                    "  Income:3001-Försäljning  -7 SEK\n")
    for _ in range(100):  # Fava's file watcher notices the change in its own thread
        assert client.get("/prov/income_statement/").status_code == 200
        if len(seen) > 1:
            break
        time.sleep(0.05)
    assert seen == [False, False]
    ledger = app.config["LEDGERS"].ledgers[0]
    assert gc.isenabled()
    assert len(ledger.all_entries) == 4


def test_the_report_command_does_not_import_the_other_commands():
    """Startup time of ``bergslaget report`` (README Prestanda): the other commands' modules stay unloaded."""
    script = """
import sys
from bergslaget_plugins import cli
try:
    cli.main(ARGUMENTS)
except SystemExit:
    pass
print(sorted(name for name in cli.COMMAND_MODULES if name in sys.modules))
"""
    for arguments, imported in ((["report", "--help"], False), (["--help"], True)):
        completed = subprocess.run([sys.executable, "-c", script.replace("ARGUMENTS", repr(arguments))],
                                   capture_output=True, text=True, check=True)
        assert (completed.stdout.strip().splitlines()[-1] != "[]") is imported
    assert "roles" in completed.stdout  # the full command line still lists every command
