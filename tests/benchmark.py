"""Benchmark: load time, report time and peak memory on synthetic books of our shape.

    .venv/bin/python tests/benchmark.py 10000 100000

For each size it writes books with the real chart of accounts, rates, member register,
budget, saved queries, plugins and year-end directives of ``ledger/``, and that many
synthetic transactions over 2021–2022 (supplier invoices and payments, customer invoices
with VAT and payments, salaries, bank fees, all with verification numbers and
counterparties), then, in a fresh Python process per size, measures:

- load: ``beancount.loader.load_file`` with all plugins (the books as bean-check sees them);
- report: ``build_annual_report`` for 2022 (query and statements);
- peak memory: the process's maximum resident set size.

The goal (issue 2): the report takes well under 30 % of the load time at 100 000
transactions. Results are recorded in the README; this is not a test and asserts nothing.
"""

from __future__ import annotations

import datetime
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
LEDGER = REPOSITORY / "ledger"
STATIC_FILES = ("kontoplan.beancount", "satser.beancount", "medlemsregister.beancount", "fragor.beancount")

SUPPLIERS = [("Borlänge kommun", "Expenses:6530-Redovisningstjänster"), ("Falun Borlänge regionen", "Expenses:6590-Övriga-externa-tjänster"),
             ("Triatech IT AB", "Expenses:6540-IT-tjänster"), ("Bliwa", "Expenses:6310-Företagsförsäkringar"),
             ("Hotell Ryttaren", "Expenses:5831-Kost-och-logi"), ("SJ AB", "Expenses:5810-Biljetter"),
             ("Staples Sverige AB", "Expenses:6110-Kontorsmateriel"), ("Destination Bergslagen", "Expenses:6550-Konsultarvoden")]
CUSTOMERS = ["Region Dalarna", "Tåg i Bergslagen", "Dalarna Science Park", "Hitachi Energy Sweden AB", "Sandvik AB"]


def _main_file(books: Path) -> str:
    main = (LEDGER / "main.beancount").read_text()
    head = main.split('include "kontoplan.beancount"')[0]
    head = "\n".join(line for line in head.splitlines() if "fava-" not in line and "documents" not in line)
    includes = "".join(f'include "{name}"\n' for name in (*STATIC_FILES, "budget.beancount", "synthetic.beancount"))
    return head + "\n" + includes


def write_books(folder: Path, transactions: int, seed: int = 2022) -> Path:
    """Synthetic books with ``transactions`` transactions; returns the main file."""
    generator = random.Random(seed)
    for name in STATIC_FILES:
        (folder / name).write_text((LEDGER / name).read_text())
    (folder / "budget.beancount").write_text((LEDGER / "2022" / "budget.beancount").read_text())
    (folder / "main.beancount").write_text(_main_file(folder))
    lines: list[str] = ['2021-12-31 custom "bokslut" "Årsbokslut 2021"', '2022-12-31 custom "bokslut" "Årsbokslut 2022"',
                        '2021-12-31 custom "semesterlöneskuld" "Anders Edström"\n  skuld: 67200',
                        '2022-12-31 custom "semesterlöneskuld" "Anders Edström"\n  skuld: 80000']
    counters: dict[tuple[str, int], int] = {}
    # 2021's result as the year-end rules will book it: holiday pay 67 200 with social fees
    # 21 114, special payroll tax 24.26 % of 150 000; the rest is summed below.
    loss_2021 = 67200 + 21114 + 36390
    per_year = transactions // 2
    for year in (2021, 2022):
        start = datetime.date(year, 1, 1)
        for index in range(per_year):
            day = start + datetime.timedelta(days=index * 365 // per_year)
            kind = index % 10
            if kind < 4:
                supplier, account = SUPPLIERS[generator.randrange(len(SUPPLIERS))]
                amount = generator.randrange(200, 20000)
                series, postings = "LF", [f"  {account}  {amount} SEK",
                                          f'  Liabilities:2440-Leverantörsskulder  -{amount} SEK\n    motpart: "{supplier}"']
                text = f'"{supplier}" "Faktura {index}"'
                pending = (supplier, amount)
                loss_2021 += amount if year == 2021 else 0
            elif kind < 7:
                supplier, amount = pending
                series, postings = "A", [f'  Liabilities:2440-Leverantörsskulder  {amount} SEK\n    motpart: "{supplier}"',
                                         f"  Assets:1930-Företagskonto  -{amount} SEK"]
                text = f'"{supplier}" "Betalning {index}"'
            elif kind < 8:
                customer = CUSTOMERS[generator.randrange(len(CUSTOMERS))]
                net = generator.randrange(1000, 10000)
                series, postings = "KF", [f'  Assets:1510-Kundfordringar  {net * 5 // 4} SEK\n    motpart: "{customer}"',
                                          f"  Income:3001-Försäljning-25  -{net} SEK",
                                          f"  Liabilities:2611-Utgående-moms-25  -{net * 5 // 4 - net} SEK"]
                text = f'"{customer}" "Faktura {index}"'
                receivable = (customer, net * 5 // 4)
                loss_2021 -= net if year == 2021 else 0
            elif kind < 9:
                customer, amount = receivable
                series, postings = "A", [f"  Assets:1930-Företagskonto  {amount} SEK",
                                         f'  Assets:1510-Kundfordringar  -{amount} SEK\n    motpart: "{customer}"']
                text = f'"{customer}" "Inbetalning {index}"'
            else:
                gross = generator.randrange(20000, 60000)
                tax, fees = gross * 3 // 10, gross * 3142 // 10000
                series, postings = "LÖ", [f"  Expenses:7210-Löner-tjänstemän  {gross} SEK", f"  Liabilities:2710-Personalskatt  -{tax} SEK",
                                          f"  Assets:1930-Företagskonto  -{gross - tax} SEK", f"  Expenses:7510-Arbetsgivaravgifter  {fees} SEK",
                                          f"  Liabilities:2940-Upplupna-sociala-avgifter  -{fees} SEK"]
                text = f'"Lön {index}"'
                loss_2021 += gross + fees if year == 2021 else 0
            counters[(series, year)] = counters.get((series, year), 0) + 1
            lines.append(f'{day} * {text}\n  ver: "{series}{counters[(series, year)]}"\n' + "\n".join(postings))
        lines.append(f'{year}-12-20 * "SPP Pension och Försäkring" "Pensionspremier {year}"\n  ver: "A{counters[("A", year)] + 1}"\n'
                     f"  Expenses:7411-Pensionsförsäkringspremier  150000 SEK\n  Assets:1930-Företagskonto  -150000 SEK")
        counters[("A", year)] += 1
        if year == 2021:
            loss_2021 += 150000
            counters[("A", 2022)] = 1
            lines.append(f'2022-01-01 * "Disposition av 2021 års resultat enligt årsmötet"\n  ver: "A1"\n'
                         f"  Equity:2067-Balanserat-resultat  {loss_2021} SEK\n  Equity:2069-Årets-resultat  -{loss_2021} SEK")
    (folder / "synthetic.beancount").write_text("\n\n".join(lines) + "\n")
    return folder / "main.beancount"


MEASURE = r"""
import json, os, resource, sys, time
os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"
from beancount import loader
loader.initialize(use_cache=False)
from bergslaget_plugins.statements import build_annual_report
started = time.perf_counter()
entries, errors, options = loader.load_file(sys.argv[1])
loaded = time.perf_counter()
report = build_annual_report(entries, options, 2022)
reported = time.perf_counter()
print(json.dumps({
    "errors": len(errors),
    "transactions": sum(1 for e in entries if type(e).__name__ == "Transaction"),
    "load_seconds": round(loaded - started, 2),
    "report_seconds": round(reported - loaded, 2),
    "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
}))
"""


def measure(transactions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        main = write_books(Path(folder), transactions)
        completed = subprocess.run([sys.executable, "-c", MEASURE, str(main)], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout)


def main(sizes: list[int]) -> None:
    print("| transaktioner | laddning (s) | rapport (s) | rapport/laddning | högsta minne (MiB) | fel |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        result = measure(size)
        share = result["report_seconds"] / result["load_seconds"]
        print(f"| {result['transactions']:,} | {result['load_seconds']} | {result['report_seconds']} | {share:.0%} "
              f"| {result['peak_rss_mib']} | {result['errors']} |".replace(",", " "))


if __name__ == "__main__":
    main([int(argument) for argument in sys.argv[1:]] or [10000, 100000])
