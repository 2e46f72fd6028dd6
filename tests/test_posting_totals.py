"""The report's table of posting sums is exactly what its BQL query gives, run by beanquery."""

from __future__ import annotations

from pathlib import Path

from beancount import loader
from beanquery.query import run_query

from bergslaget_plugins.statements import BALANCES_QUERY, posting_sums
from benchmark import write_books


def _bql_rows(entries, options) -> list[tuple]:
    _, rows = run_query(entries, options, BALANCES_QUERY)
    return [tuple(row) for row in rows]


def test_the_books_give_the_rows_of_the_query(books):
    entries, errors, options = books
    assert errors == []
    rows = posting_sums(entries)
    assert rows == _bql_rows(entries, options)
    assert any(row[2] is not None for row in rows) and any(row[2] is None for row in rows)


def test_synthetic_books_and_odd_postings_give_the_rows_of_the_query(tmp_path: Path):
    main = write_books(tmp_path, 1500)
    odd = tmp_path / "odd.beancount"
    odd.write_text(
        '2020-01-01 open Assets:1931-Valutakonto\n'
        '2022-05-02 * "Valuta" "En kontering i euro, motpart som tal och som tom text"\n'
        '  ver: "A9000"\n'
        '  Assets:1931-Valutakonto  10 EUR @ 11 SEK\n'
        '    motpart: 42\n'
        '  Assets:1930-Företagskonto  -110 SEK\n'
        '    motpart: ""\n')
    main.write_text(main.read_text() + 'include "odd.beancount"\n')
    entries, _, options = loader.load_file(str(main))
    rows = posting_sums(entries)
    assert rows == _bql_rows(entries, options)
    assert "EUR" in {row[3] for row in rows} and 42 in {row[2] for row in rows} and "" in {row[2] for row in rows}
