"""A custom directive without values is an error at its line; the rule hands on a copy with an
empty list of values, in the directive's place, and the same list when there is nothing to mend."""

from __future__ import annotations

from beancount import loader
from beancount.core import data

from bergslaget_plugins.custom_values import check_custom_values
from ledgers import ledger_text, line_of


def test_a_custom_directive_without_values_is_mended_in_its_place():
    text = ledger_text('2022-12-30 custom "bokslut" "Årsbokslut"\n2022-12-31 custom "bokslut"\n'
                       '2022-12-31 note Assets:1930-Företagskonto "x"\n')
    entries, _, options = loader.load_string(text)  # no plugins: the parser's None is still there
    checked, errors = check_custom_values(entries, options)
    assert [(error.message, error.source["lineno"]) for error in errors] == [
        ('custom "bokslut" saknar värden', line_of(text, '2022-12-31 custom "bokslut"'))]
    changed = [index for index, (before, after) in enumerate(zip(entries, checked)) if before is not after]
    assert len(checked) == len(entries) and len(changed) == 1
    assert isinstance(checked[changed[0]], data.Custom) and checked[changed[0]].values == []
    assert entries[changed[0]].values is None  # the input is not changed


def test_books_whose_custom_directives_have_values_are_handed_on_as_they_came():
    entries, _, options = loader.load_string(ledger_text('2022-12-30 custom "bokslut" "Årsbokslut"\n'))
    checked, errors = check_custom_values(entries, options)
    assert errors == [] and checked is entries
