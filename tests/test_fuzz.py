"""Fuzzing with Hypothesis: mutated books and mutated bank files never end in a traceback.

Each example mutates one thing (a date, an amount, a name, a key, a directive; a BgMax
record, a Swedbank row, a SIE record) and runs the real loader with the association's
plugins, the real importers and the real SIE check. The result must be a clean load, or
errors that each name a file and a line; an importer may refuse a file only with its own
error (beangulp's ``Error``, which ``bergslaget import`` prints without a traceback).
Everything happens in a temporary folder; the repository's books are checked unchanged
at the end.

The examples are derandomised (the same every run), bounded (``max_examples``) and not
shrunk, so the whole file runs in well under a minute, also when one fails.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beangulp.exceptions import Error as ImporterError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import REPOSITORY

from importers.config import read_books_setup  # noqa: E402

LEDGER_FOLDER = REPOSITORY / "ledger"
BOOK_ROLES, BOOK_CHART, _BANKGIRO = read_books_setup()
TESTS = Path(__file__).resolve().parent
# No shrinking: a failure is reported as generated (shrinking a loader run can take minutes).
FUZZ = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# -- what a mutation may write -------------------------------------------------------------------

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
DATES = st.one_of(st.dates().map(lambda day: day.isoformat()),
                  st.sampled_from(["2022-02-30", "2022-13-01", "0000-01-01", "9999-12-31", "2022-1-1", "20220101"]))
AMOUNTS = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
                    st.sampled_from(["-0", "1e9", "1 000", "1,5", "99999999999999999999", "0.001", ""]))
WORDS = st.one_of(TEXT, st.sampled_from(["medlemm", "perod", "motpar", "kpi", "bokslut", "procentsats", "budget",
                                         "<script>", "=HYPERLINK(1)", "SPP pension och försäkring"]))
KEYS = st.one_of(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True),
                 st.sampled_from(["ver", "motpart", "period", "faktura", "ocr", "fakturadatum", "folkmangd_ar"]))
DIRECTIVES = st.one_of(
    st.builds(lambda day, kind: f'{day} custom "{kind}"', DATES, st.sampled_from(["medlem", "kpi", "bokslut",
                                                                                   "procentsats", "budget", "folkmängd"])),
    st.builds(lambda day, word: f'{day} custom "budget" Income:3994-Medlemsavgifter "{word}" 1 SEK', DATES, WORDS),
    st.builds(lambda day, ver: f'{day} * "x" "y"\n  ver: "{ver}"\n  Assets:1930-Företagskonto  1 SEK\n'
                               f'  Expenses:6570-Bankkostnader', DATES, st.from_regex(r"[A-Z]{1,3}[0-9]{1,12}", fullmatch=True)),
    st.builds(lambda day: f"{day} close Assets:1930-Företagskonto", DATES),
    TEXT,
)


def _replace_first(pattern: str, line: str, value: str) -> str:
    import re

    return re.sub(pattern, lambda _: value, line, count=1)


MUTATIONS = {
    "datum": (r"^\d{4}-\d{2}-\d{2}", DATES),
    "belopp": (r"-?\d+(\.\d+)? SEK", AMOUNTS.map(lambda amount: f"{amount} SEK")),
    "namn": (r'"[^"]*"', WORDS.map(lambda word: '"' + word.replace("\\", "").replace('"', "") + '"')),
    "nyckel": (r"^(\s+)[a-z_]+:", KEYS.map(lambda key: f"  {key}:")),
}


def _snapshot(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def repository_books_digest():
    before = _snapshot(LEDGER_FOLDER)
    yield before
    assert _snapshot(LEDGER_FOLDER) == before, "the fuzz suite changed the repository's books"


@pytest.fixture(scope="module")
def books_copy(tmp_path_factory, repository_books_digest):
    folder = tmp_path_factory.mktemp("fuzz") / "ledger"
    shutil.copytree(LEDGER_FOLDER, folder)
    files = sorted(path for path in folder.rglob("*.beancount") if "dokument" not in path.parts)
    return folder, files


def assert_clean(errors) -> None:
    for error in errors:
        message = str(error.message)
        assert "Traceback" not in message and "Error applying plugin" not in message, message
        source = error.source or {}
        assert isinstance(source.get("filename"), str) and isinstance(source.get("lineno"), int), (source, message)


@FUZZ
@given(data=st.data())
def test_mutated_books_load_cleanly_or_with_file_line_errors(books_copy, data):
    folder, files = books_copy
    target = data.draw(st.sampled_from(files), label="fil")
    original = target.read_text(encoding="utf-8")
    lines = original.split("\n")
    index = data.draw(st.integers(0, max(len(lines) - 1, 0)), label="rad")
    kind = data.draw(st.sampled_from([*MUTATIONS, "direktiv", "direktiv", "direktiv", "ta bort", "dubblera"]),
                     label="ändring")
    if kind in MUTATIONS:
        pattern, values = MUTATIONS[kind]
        lines[index] = _replace_first(pattern, lines[index], data.draw(values, label="värde"))
    elif kind == "direktiv":
        # Before a directive, so that the new one is a directive of its own, not part of another.
        starts = [number for number, line in enumerate(lines) if line[:1].isdigit()] or [len(lines)]
        lines.insert(data.draw(st.sampled_from(starts), label="före"), data.draw(DIRECTIVES, label="direktiv"))
    elif kind == "ta bort":
        del lines[index]
    else:
        lines.insert(index, lines[index])
    target.write_text("\n".join(lines), encoding="utf-8")
    try:
        entries, errors, options = loader.load_file(str(folder / "main.beancount"))
        assert_clean(errors)
        if not errors:
            from bergslaget_plugins.statements import ReportError, build_annual_report

            try:
                build_annual_report(entries, options, 2022)
            except ReportError:
                pass
    finally:
        target.write_text(original, encoding="utf-8")


# -- importer inputs ---------------------------------------------------------------------------------

BGMAX_SAMPLE = (TESTS / "data" / "bgmax" / "medlemsavgifter.txt").read_bytes()
SWEDBANK_SAMPLE = (TESTS / "data" / "swedbank" / "foretag.csv").read_bytes()
RECORD_TEXT = st.text(alphabet=st.characters(codec="latin-1"), max_size=90)


def _mutated_lines(data, raw: bytes, codec: str) -> bytes:
    lines = raw.decode(codec).split("\r\n")
    index = data.draw(st.integers(0, len(lines) - 1), label="post")
    how = data.draw(st.sampled_from(["ersätt", "skriv in", "kapa", "dubblera", "ta bort"]), label="ändring")
    line = lines[index]
    if how == "ersätt":
        lines[index] = data.draw(RECORD_TEXT, label="post")
    elif how == "skriv in":
        at = data.draw(st.integers(0, len(line)), label="position")
        lines[index] = line[:at] + data.draw(RECORD_TEXT, label="text") + line[at + len(line) // 4:]
    elif how == "kapa":
        lines[index] = line[: data.draw(st.integers(0, len(line)), label="längd")]
    elif how == "dubblera":
        lines.insert(index, line)
    else:
        del lines[index]
    return "\r\n".join(lines).encode(codec, errors="replace")


@FUZZ
@given(data=st.data())
def test_mutated_bgmax_files_extract_or_are_refused(tmp_path, data):
    from importers.bgmax import BgMaxImporter

    path = tmp_path / "BGMAX.txt"
    path.write_bytes(_mutated_lines(data, BGMAX_SAMPLE, "latin-1"))
    importer = BgMaxImporter.for_books("5844-9216", BOOK_ROLES)
    if importer.identify(str(path)):
        try:
            importer.extract(str(path), [])
        except ImporterError:
            pass


@FUZZ
@given(data=st.data())
def test_mutated_swedbank_statements_extract_or_are_refused(tmp_path, data):
    from importers.swedbank import SwedbankImporter

    path = tmp_path / "Transaktioner.csv"
    path.write_bytes(_mutated_lines(data, SWEDBANK_SAMPLE, "cp1252"))
    importer = SwedbankImporter.for_books(TESTS / "data" / "swedbank" / "importregler.csv", BOOK_ROLES, BOOK_CHART)
    if importer.identify(str(path)):
        try:
            importer.extract(str(path), [])
        except ImporterError:
            pass


@FUZZ
@given(data=st.data(), amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2),
       name=TEXT, reference=st.text(alphabet="0123456789 ", max_size=25))
def test_generated_bgmax_payments_extract_or_are_refused(tmp_path, data, amount, name, reference):
    import datetime

    from importers.bgmax import BgMaxFile, BgMaxImporter, BgMaxWriteError, Deposit, Payment, write_bgmax

    bgmax = BgMaxFile(datetime.datetime(2022, 3, 15, 6, 0), (Deposit(
        "58449216", datetime.date(2022, 3, 14),
        (Payment(amount, reference=reference.strip(), bgc_serial="000000000001", name=name),),
        bank_account="83279923456789", serial=1),))
    path = tmp_path / "BGMAX.txt"
    try:
        write_bgmax(path, bgmax)
    except (BgMaxWriteError, UnicodeEncodeError):
        return  # the writer refuses what BgMax cannot hold
    try:
        BgMaxImporter.for_books("5844-9216", BOOK_ROLES).extract(str(path), [])
    except ImporterError:
        pass


@FUZZ
@given(data=st.data())
def test_mutated_sie_files_are_checked_without_a_traceback(tmp_path, data, capsys):
    from bergslaget_plugins import cli
    from test_sie_import import SIE_FILE, _bytes

    path = tmp_path / "fil.se"
    path.write_bytes(_mutated_lines(data, _bytes(SIE_FILE), "cp437"))
    assert cli.main(["sie", "check", str(path)], io.StringIO()) in (0, 1, 2)
    assert cli.main(["sie", "import", str(path), "-o", str(tmp_path / "ut.beancount")], io.StringIO()) in (0, 1, 2)
    assert "Traceback" not in capsys.readouterr().err
