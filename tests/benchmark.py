"""Benchmark: the project's load, its plugins, the report and the Fava pages on synthetic books.

    .venv/bin/python tests/benchmark.py 10000 100000          # sizes in transactions
    .venv/bin/python tests/benchmark.py --repeat 5 --fava-upto 0 1000000

For each size it writes books with the real chart of accounts, rates, member register,
budget, saved queries, plugins, Fava extension and year-end directives of ``ledger/``, and
that many synthetic transactions over 2021–2022 (supplier invoices and payments, customer
invoices with VAT and payments, salaries, all with verification numbers and
counterparties), and the same books without the ``plugin`` lines. Then it measures, each
load in a fresh Python process, compared runs interleaved (the order alternating) and
repeated:

- plain load: ``loader.load_file`` of the books without our plugins, as the project loads
  (``books.collector_paused``), against the load of the same books with all plugins;
- report: ``build_annual_report`` for 2022 after the load (query and statements), and the
  peak resident memory of that process;
- whole process: ``bergslaget report BOOKS --year 2022`` against ``bean-check BOOKS``
  (both with Beancount's load cache off), wall-clock time;
- with ``--rules``: instead, where the plugins' time goes, in one process on the loaded
  books without plugins: importing the rules, the entry index, each plugin and each rule
  of the rules line (each once, as a load runs it, without the settings of the plugin lines, the index
  shared and carried as ``rules.apply_rules`` does), the sort or placing after each, and
  Beancount's sort after the rules line;
- Fava (sizes up to ``--fava-upto``): ``serve``'s app with Fava's test client; after a
  first request of every page (which computes the figures), each extension page and
  Fava's own ``api/income_statement`` data request, requested in turns, ``--requests``
  times each.

Our modules are compiled to bytecode first, as Beancount's installed ones are
(:func:`compile_package`). It prints the machine (cores, load average, Python and package versions) and a Markdown
table: the median of the runs with min–max. The goals (issue 14) are in README "Prestanda"
with the recorded results; this is not a test and asserts nothing but that the books load
without errors.
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import importlib.metadata
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
REPOSITORY = Path(__file__).resolve().parent.parent
LEDGER = REPOSITORY / "ledger"
STATIC_FILES = ("forening.beancount", "kontoplan.beancount", "satser.beancount", "medlemsregister.beancount", "fragor.beancount")
#: Files the static ones name (the association's accounting principles).
NAMED_FILES = ("redovisningsprinciper.md",)

SUPPLIERS = [("Borlänge kommun", "Expenses:6530-Redovisningstjänster"), ("Falun Borlänge regionen", "Expenses:6590-Övriga-externa-tjänster"),
             ("Triatech IT AB", "Expenses:6540-IT-tjänster"), ("Bliwa", "Expenses:6310-Företagsförsäkringar"),
             ("Hotell Ryttaren", "Expenses:5831-Kost-och-logi"), ("SJ AB", "Expenses:5810-Biljetter"),
             ("Staples Sverige AB", "Expenses:6110-Kontorsmateriel"), ("Destination Bergslagen", "Expenses:6550-Konsultarvoden")]
CUSTOMERS = ["Region Dalarna", "Tåg i Bergslagen", "Dalarna Science Park", "Hitachi Energy Sweden AB", "Sandvik AB"]


#: Lines of ledger/main.beancount that refer to folders the synthetic books do not have.
_LEFT_OUT = ("import-config", "import-dirs", "documents", "include ")


def _main_file(books: Path) -> str:
    main = (LEDGER / "main.beancount").read_text()
    head = "\n".join(line for line in main.splitlines() if not any(word in line for word in _LEFT_OUT))
    includes = "".join(f'include "{name}"\n' for name in (*STATIC_FILES, "budget.beancount", "synthetic.beancount"))
    return head + "\n" + includes


def plain_main_file(main: Path) -> Path:
    """The same books without the ``plugin`` lines, next to ``main``."""
    plain = main.with_name("utan-plugins.beancount")
    plain.write_text("".join(line for line in main.read_text().splitlines(keepends=True) if not line.startswith("plugin ")))
    return plain


@dataclass
class _Synthetic:
    """What the synthetic transactions carry from one to the next: the last supplier invoice
    and customer invoice (paid by the next payments), the numbers used per series and year,
    and 2021's result as the year-end rules will book it."""

    generator: random.Random
    pending: tuple[str, int] = ("", 0)
    receivable: tuple[str, int] = ("", 0)
    counters: dict[tuple[str, int], int] = field(default_factory=dict)
    # Holiday pay 67 200 with social fees 21 114, special payroll tax 24.26 % of 150 000; the rest is summed.
    loss_2021: int = 67200 + 21114 + 36390

    def transaction(self, kind: int, index: int, year: int) -> tuple[str, str, list[str], int]:
        """Series, payee and text, postings, and the change to the year's loss of transaction ``index``."""
        generator = self.generator
        if kind < 4:
            supplier, account = SUPPLIERS[generator.randrange(len(SUPPLIERS))]
            amount = generator.randrange(200, 20000)
            self.pending = (supplier, amount)
            return "LF", f'"{supplier}" "Faktura {index}"', [
                f"  {account}  {amount} SEK", f'  Liabilities:2440-Leverantörsskulder  -{amount} SEK\n    motpart: "{supplier}"'], amount
        if kind < 7:
            supplier, amount = self.pending
            return "A", f'"{supplier}" "Betalning {index}"', [
                f'  Liabilities:2440-Leverantörsskulder  {amount} SEK\n    motpart: "{supplier}"',
                f"  Assets:1930-Företagskonto  -{amount} SEK"], 0
        if kind < 8:
            customer = CUSTOMERS[generator.randrange(len(CUSTOMERS))]
            net = generator.randrange(1000, 10000)
            self.receivable = (customer, net * 5 // 4)
            return "KF", f'"{customer}" "Faktura {index}"', [
                f'  Assets:1510-Kundfordringar  {net * 5 // 4} SEK\n    motpart: "{customer}"',
                f"  Income:3001-Försäljning-25  -{net} SEK", f"  Liabilities:2611-Utgående-moms-25  -{net * 5 // 4 - net} SEK"], -net
        if kind < 9:
            customer, amount = self.receivable
            return "A", f'"{customer}" "Inbetalning {index}"', [
                f"  Assets:1930-Företagskonto  {amount} SEK",
                f'  Assets:1510-Kundfordringar  -{amount} SEK\n    motpart: "{customer}"'], 0
        gross = generator.randrange(20000, 60000)
        tax, fees = gross * 3 // 10, gross * 3142 // 10000
        return "LÖ", f'"Lön {index}"', [
            f"  Expenses:7210-Löner-tjänstemän  {gross} SEK", f"  Liabilities:2710-Personalskatt  -{tax} SEK",
            f"  Assets:1930-Företagskonto  -{gross - tax} SEK", f"  Expenses:7510-Arbetsgivaravgifter  {fees} SEK",
            f"  Liabilities:2940-Upplupna-sociala-avgifter  -{fees} SEK"], gross + fees

    def numbered(self, series: str, year: int) -> str:
        """The next verification id of ``series`` in ``year``."""
        self.counters[(series, year)] = self.counters.get((series, year), 0) + 1
        return f"{series}{self.counters[(series, year)]}"


def _copy_static_files(folder: Path) -> None:
    for name in (*STATIC_FILES, *NAMED_FILES):
        (folder / name).write_text((LEDGER / name).read_text())
    (folder / "budget.beancount").write_text((LEDGER / "2022" / "budget.beancount").read_text())
    (folder / "main.beancount").write_text(_main_file(folder))


def _year_transactions(books: _Synthetic, year: int, count: int) -> list[str]:
    """``count`` transactions spread over ``year``, then the year's pension premium (and, after
    2021, the annual meeting's disposition of its result on 2022-01-01)."""
    lines = []
    start = datetime.date(year, 1, 1)
    for index in range(count):
        day = start + datetime.timedelta(days=index * 365 // count)
        series, text, postings, loss = books.transaction(index % 10, index, year)
        books.loss_2021 += loss if year == 2021 else 0
        lines.append(f'{day} * {text}\n  ver: "{books.numbered(series, year)}"\n' + "\n".join(postings))
    lines.append(f'{year}-12-20 * "SPP Pension och Försäkring" "Pensionspremier {year}"\n  ver: "{books.numbered("A", year)}"\n'
                 f"  Expenses:7411-Pensionsförsäkringspremier  150000 SEK\n  Assets:1930-Företagskonto  -150000 SEK")
    if year == 2021:
        books.loss_2021 += 150000
        lines.append(f'2022-01-01 * "Disposition av 2021 års resultat enligt årsmötet"\n  ver: "{books.numbered("A", 2022)}"\n'
                     f"  Equity:2067-Balanserat-resultat  {books.loss_2021} SEK\n  Equity:2069-Årets-resultat  -{books.loss_2021} SEK")
    return lines


def write_books(folder: Path, transactions: int, seed: int = 2022) -> Path:
    """Synthetic books with ``transactions`` transactions; returns the main file."""
    _copy_static_files(folder)
    lines: list[str] = ['2021-12-31 custom "bokslut" "Årsbokslut 2021"', '2022-12-31 custom "bokslut" "Årsbokslut 2022"',
                        '2021-12-31 custom "semesterlöneskuld" "Anders Edström"\n  skuld: 67200',
                        '2022-12-31 custom "semesterlöneskuld" "Anders Edström"\n  skuld: 80000']
    books = _Synthetic(random.Random(seed))
    for year in (2021, 2022):
        lines += _year_transactions(books, year, transactions // 2)
    (folder / "synthetic.beancount").write_text("\n\n".join(lines) + "\n")
    return folder / "main.beancount"


LOAD = r"""
import json, os, resource, sys, time
os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
from beancount import loader
from beancount.core.data import Transaction
from bergslaget_plugins.books import collector_paused
from bergslaget_plugins.statements import build_annual_report
loader.initialize(use_cache=False)
started = time.perf_counter()
with collector_paused():
    entries, errors, options = loader.load_file(sys.argv[1])
loaded = time.perf_counter()
result = {"load": loaded - started, "errors": [e.message for e in errors[:3]],
          "transactions": sum(1 for e in entries if isinstance(e, Transaction))}
if sys.argv[2] == "report":
    build_annual_report(entries, options, 2022)
    result["report"] = time.perf_counter() - loaded
result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""

FAVA = r"""
import json, sys, time
from pathlib import Path
from typing import Any, TypeVar
from bergslaget_plugins.serve import make_app
app = make_app(Path(sys.argv[1]))
client = app.test_client()
slug = app.config["LEDGERS"].first_slug()
pages = {"api/income_statement": "api/income_statement", "Årsredovisning": "extension/Arsredovisning/",
         "Budget": "extension/Budget/", "Medlemsavgifter": "extension/Medlemsavgifter/", "Översikt": "extension/Oversikt/"}
times = {name: [] for name in pages}
first = {}
for name, page in pages.items():
    started = time.perf_counter()
    response = client.get(f"/{slug}/{page}?time=2022")
    first[name] = time.perf_counter() - started
    assert response.status_code == 200, (name, response.status_code)
for _ in range(int(sys.argv[2])):
    for name, page in pages.items():
        started = time.perf_counter()
        response = client.get(f"/{slug}/{page}?time=2022")
        times[name].append(time.perf_counter() - started)
        assert response.status_code == 200, (name, response.status_code)
print(json.dumps({"first": first, "warm": times}))
"""

RULE_TIMES = r"""
import gc, importlib, json, re, sys, time
from pathlib import Path
from beancount import loader
from beancount.core.data import entry_sortkey
from bergslaget_plugins.books import collector_paused
from bergslaget_plugins.statements import build_annual_report
loader.initialize(use_cache=False)
with collector_paused():
    entries, errors, options = loader.load_file(sys.argv[1])
lines = [name for name in re.findall(r'^plugin "([^"]+)"', Path(sys.argv[2]).read_text(), re.M)]
started = time.perf_counter()
from bergslaget_plugins.rules import RULES, handed_to_next_rule
from bergslaget_plugins.entry_index import entry_index, shared_entry_indexes
plugins = [rule for line in lines for rule in (RULES if line == "bergslaget_plugins.rules" else (line,))]
modules = {name: importlib.import_module(name) for name in plugins}
times = [("import", time.perf_counter() - started, 0.0, True)]
gc.disable()
with shared_entry_indexes():
    started = time.perf_counter()
    entry_index(entries)
    times.append(("entry_index", time.perf_counter() - started, 0.0, True))
    # The markup and spelling rules read the books' files once per process; best of three would hide it.
    from bergslaget_plugins.source_text import read_book_sources
    started = time.perf_counter()
    read_book_sources(options)
    times.append(("source_text (filerna läses)", time.perf_counter() - started, 0.0, True))
    for name in plugins:
        module = modules[name]
        function = getattr(module, module.__plugins__[0])
        # Once, as a load runs it: a second run would find what the first computed for the
        # rules after it (the counterparty postings, the look at the transactions) and show less.
        started = time.perf_counter()
        result, _ = function(entries, options)
        own = time.perf_counter() - started
        started = time.perf_counter()
        if name in RULES:
            entries = handed_to_next_rule(entries, result)
        else:
            entries = result
            entries.sort(key=entry_sortkey)
        times.append((name, own, time.perf_counter() - started, name in RULES))
started = time.perf_counter()
entries.sort(key=entry_sortkey)
times.append(("Beancounts sortering efter regelraden", time.perf_counter() - started, 0.0, False))
print(json.dumps(times))
"""

_ENVIRONMENT = {**os.environ, "BEANCOUNT_DISABLE_LOAD_CACHE": "1"}


def _settle() -> None:
    """Wait until the books just written are older than the processes that load them: the
    rules trust a file's text only if it did not change after a process started
    (``source_text.py``), as books saved before a load are."""
    time.sleep(1.5)


def _run_json(arguments: Sequence[str]) -> dict[str, Any]:
    completed = subprocess.run(arguments, capture_output=True, text=True, env=_ENVIRONMENT)
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(arguments[:3])} ...: {completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _wall_clock(arguments: Sequence[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(arguments, capture_output=True, text=True, env=_ENVIRONMENT)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)}: {completed.stdout[-1000:]}{completed.stderr[-2000:]}")
    return elapsed


def interleaved(runs: dict[str, Callable[[], T]], repeat: int) -> dict[str, list[T]]:
    """Each run ``repeat`` times, in turns, the order reversed every other round."""
    results: dict[str, list[T]] = {name: [] for name in runs}
    for round_number in range(repeat):
        order = list(runs) if round_number % 2 == 0 else list(reversed(runs))
        for name in order:
            results[name].append(runs[name]())
    return results


def spread(values: Sequence[float], scale: float = 1.0, digits: int = 2) -> str:
    """Median with min–max: ``7.41 (7.20–7.90)``."""
    median = statistics.median(values) * scale
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} ({min(values) * scale:.{digits}f}–{max(values) * scale:.{digits}f})"


def measure(transactions: int, repeat: int, fava: bool, requests: int) -> dict[str, str]:
    """The table's cells for one size."""
    bin_folder = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as folder:
        main = write_books(Path(folder), transactions)
        plain = plain_main_file(main)
        _settle()
        loads = interleaved({
            "plain": lambda: _run_json([sys.executable, "-c", LOAD, str(plain), "load"]),
            "plugins": lambda: _run_json([sys.executable, "-c", LOAD, str(main), "report"]),
        }, repeat)
        processes = interleaved({
            "bean-check": lambda: _wall_clock([str(bin_folder / "bean-check"), str(main)]),
            "report": lambda: _wall_clock([str(bin_folder / "bergslaget"), "report", str(main), "--year", "2022"]),
        }, repeat)
        pages = _run_json([sys.executable, "-c", FAVA, str(main), str(requests)]) if fava else None
    for run in loads["plugins"]:
        if run["errors"]:
            raise SystemExit(f"The synthetic books have errors: {run['errors']}")
    plain_seconds = [run["load"] for run in loads["plain"]]
    plugin_seconds = [run["load"] for run in loads["plugins"]]
    report_seconds = [run["report"] for run in loads["plugins"]]
    bean_check, report_process = processes["bean-check"], processes["report"]
    cells = {
        "transaktioner": f"{loads['plugins'][0]['transactions']:,}".replace(",", " "),
        "laddning utan plugins (s)": spread(plain_seconds),
        "laddning med alla plugins (s)": spread(plugin_seconds),
        "med plugins ÷ utan (per omgång)": spread([p / q for p, q in zip(plugin_seconds, plain_seconds)], digits=3),
        "rapporten (`build_annual_report`, s)": spread(report_seconds),
        "rapporten ÷ laddning med plugins": spread([r / p for r, p in zip(report_seconds, plugin_seconds)], digits=3),
        "`bean-check`, hela processen (s)": spread(bean_check),
        "`bergslaget report`, hela processen (s)": spread(report_process),
        "`bergslaget report` ÷ `bean-check` (per omgång)": spread([r / b for r, b in zip(report_process, bean_check)], digits=3),
        "högsta minne, laddning + rapport (MiB)": spread([run["peak_rss_mib"] for run in loads["plugins"]], digits=0),
    }
    if pages is not None:
        warm: dict[str, list[float]] = pages["warm"]
        for name, values in warm.items():
            label = "Favas egen `api/income_statement`" if name.startswith("api/") else f"Fava-sidan {name}"
            cells[f"{label}, varm (ms)"] = spread(values, scale=1000, digits=0)
        own = statistics.median(warm["api/income_statement"])
        worst = max(statistics.median(values) for name, values in warm.items() if not name.startswith("api/"))
        cells["långsammaste sidan ÷ `api/income_statement` (medianer)"] = f"{worst / own:.2f}"
        first: dict[str, float] = pages["first"]
        cells["första anropet efter laddning, Årsredovisning / Översikt (ms)"] = (
            f"{first['Årsredovisning'] * 1000:.0f} / {first['Översikt'] * 1000:.0f}")
    return cells


def rule_times(transactions: int) -> None:
    """Each plugin of the books (each rule of the rules line) as a load runs it, in one process."""
    with tempfile.TemporaryDirectory() as folder:
        main = write_books(Path(folder), transactions)
        plain = plain_main_file(main)
        _settle()
        times = _run_json([sys.executable, "-c", RULE_TIMES, str(plain), str(main)])
    print(f"\nEn plugin i taget, {transactions} transaktioner (import, index och filerna en gång, varje regel en gång som vid en laddning, ms; "
          "sedan: Beancounts sortering efter en egen plugin-rad, eller reglernas insortering av sina nya poster):\n")
    print("| plugin | egen tid (ms) | sortering / insortering (ms) |")
    print("|---|---:|---:|")
    for name, own, placing, in_rules in times:  # type: ignore[attr-defined]
        where = "rules: " if in_rules else ""
        print(f"| {where}{name.rsplit('.', 1)[-1]} | {own * 1000:.0f} | {placing * 1000:.0f} |")
    total = sum(own + placing for _, own, placing, _ in times)  # type: ignore[attr-defined]
    print(f"| summa | {total * 1000:.0f} | |")


def compile_package() -> None:
    """Our modules compiled to bytecode before anything is measured, as Beancount's installed
    modules are: where ``PYTHONDONTWRITEBYTECODE`` is set (this machine), every process would
    otherwise compile ours again (about 60 ms of every load with plugins) but not Beancount's."""
    for package in ("bergslaget_plugins", "importers"):
        compileall.compile_dir(REPOSITORY / package, quiet=1)


def machine() -> str:
    """What the figures were measured on."""
    versions = ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("beancount", "beanquery", "fava"))
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} kärnor, "
            f"belastning (1/5/15 min) {load}, Python {platform.python_version()}, {versions}")


def main(arguments: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Mät laddning, plugins, rapport och Fava-sidor på syntetiska böcker.")
    parser.add_argument("sizes", nargs="*", type=int, default=[10000, 100000], help="antal transaktioner")
    parser.add_argument("--repeat", type=int, default=3, help="körningar av varje jämförd laddning och process")
    parser.add_argument("--requests", type=int, default=10, help="anrop av varje Fava-sida")
    parser.add_argument("--fava-upto", type=int, default=100000, help="Fava mäts bara upp till så många transaktioner")
    parser.add_argument("--rules", action="store_true", help="mät i stället varje plugin och regel för sig")
    args = parser.parse_args(arguments)
    compile_package()
    if args.rules:
        print(f"Före: {machine()}")
        for size in args.sizes:
            rule_times(size)
        print(f"\nEfter: {machine()}")
        return
    print(f"Före: {machine()}", flush=True)
    columns = []
    for size in args.sizes:
        columns.append(measure(size, args.repeat, size <= args.fava_upto, args.requests))
        print(f"  {size} klar: {machine()}", file=sys.stderr, flush=True)
    print(f"Efter: {machine()}")
    print(f"Medianer (min–max) av {args.repeat} körningar; Fava: {args.requests} anrop per sida.\n")
    labels = list(dict.fromkeys(label for cells in columns for label in cells))
    print("| | " + " | ".join(cells["transaktioner"] for cells in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for label in labels[1:]:
        print(f"| {label} | " + " | ".join(cells.get(label, "–") for cells in columns) + " |")


if __name__ == "__main__":
    main()
