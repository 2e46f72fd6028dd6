"""bean-check for the annual report's parts kept in the books: the board, the auditor and
the texts (see ``board.py`` and ``report_texts.py``)::

    plugin "bergslaget_plugins.report_parts_check"

    2022-05-12 custom "styrelse" "Jan Bohman"
      roll: "ordförande"
    2022-05-12 custom "revisor" "Laila Borger"
    2022-12-31 custom "förvaltningsberättelse" "forvaltningsberattelse.md"

(with the text ``forvaltningsberattelse.md`` beside the ledger) passes. Each ``styrelse``
directive names one person with a ``roll`` of ordförande, vice ordförande, ledamot or
ersättare, and the board elected on one day has exactly one chair; each ``revisor``
names one person; each ``förvaltningsberättelse`` and ``redovisningsprinciper`` names a
readable, non-empty .md or .txt file (relative to the file the directive is in). A
mistake is an error with its file and line as soon as it is written, not only when the
annual report is made::

    plugin "bergslaget_plugins.report_parts_check"

    2022-05-12 custom "styrelse" "Anna Andersson"
      roll: "ordförandé"
    2022-12-31 custom "förvaltningsberättelse" "forvaltningsberattelse.docx"
    2022-12-31 custom "redovisningsprinciper" "principer.md"
    main.beancount:3: roll ska vara ett av 'ordförande', 'vice ordförande', 'ledamot',
      'ersättare', inte 'ordförandé'
    main.beancount:5: förvaltningsberättelse: 'forvaltningsberattelse.docx' ska vara en .md- eller .txt-fil
    main.beancount:6: redovisningsprinciper: filen principer.md finns inte

That a year has its board and texts at all is checked when its report is made: a year
in progress has none yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from beancount.core.data import Directive

from bergslaget_plugins.board import check_board_directives
from bergslaget_plugins.entry_index import directives_of
from bergslaget_plugins.report_texts import check_text_directives

__plugins__ = ("check_report_parts",)


def check_report_parts(entries: list[Directive], options_map: Mapping[str, Any]) -> tuple[list[Directive], list[NamedTuple]]:
    """The entries unchanged, and an error for each board, auditor or text directive that cannot be used."""
    directives = directives_of(entries)  # the board and the texts are custom directives
    return entries, [*check_board_directives(directives), *check_text_directives(directives)]
