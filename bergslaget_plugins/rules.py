"""The association's rules as one plugin line: each rule runs as if it had its own line,
but Beancount sorts all the entries once, after the last rule, instead of after each.

    plugin "bergslaget_plugins.rules"

does what these lines do, in this order (:data:`RULES`)::

    plugin "bergslaget_plugins.custom_values"
    plugin "bergslaget_plugins.membership_fees"
    plugin "bergslaget_plugins.accruals"
    plugin "bergslaget_plugins.holiday_pay"
    plugin "bergslaget_plugins.pension_tax"
    plugin "bergslaget_plugins.year_end"
    plugin "bergslaget_plugins.invoice_documents"
    plugin "bergslaget_plugins.verification_numbers"
    plugin "bergslaget_plugins.chart_of_accounts"
    plugin "bergslaget_plugins.markup"
    plugin "bergslaget_plugins.counterparties"
    plugin "bergslaget_plugins.spelling"
    plugin "bergslaget_plugins.budget_check"
    plugin "bergslaget_plugins.invoice_numbers"
    plugin "bergslaget_plugins.account_roles"
    plugin "bergslaget_plugins.report_parts_check"
    plugin "bergslaget_plugins.lock_check"

Each rule gets the entries sorted by date, with what the earlier rules booked in its
place, exactly as with its own plugin line (Beancount sorts after every plugin line, and
with about a hundred thousand entries each sort costs as much as a rule's own work).
Here, only the few entries a rule adds are put in their places (:func:`in_date_order`).
The rules look up transactions by account in one index of the entries
(:mod:`bergslaget_plugins.entry_index`), computed once and carried from each rule's
entries to the next with only what the rule added or replaced.

So a rule sees what the rules before it booked. With the association's chart and rates
(``ledger/kontoplan.beancount``, ``ledger/satser.beancount``)::

    plugin "bergslaget_plugins.rules"

    2022-06-30 * "Folksam" "Pensionspremier"
      ver: "A1"
      Expenses:7411-Pensionsförsäkringspremier   343961 SEK
      Assets:1930-Företagskonto                 -343961 SEK
    2022-12-31 custom "bokslut" "Årsbokslut 2022"

gives the year-end verification of the special payroll tax (``pension_tax``), numbered
in its series by ``verification_numbers``, which comes after it; the other rules find
nothing to book or to refuse::

    2022-12-31 * "Särskild löneskatt på pensionskostnader 2022: 24,26 % av 343 961 kr"
      regel: "särskild löneskatt"
      ver_serie: "BO"
      ver: "BO1"
      Expenses:7533-Särskild-löneskatt-pension       83445 SEK
      Liabilities:2943-Beräknad-särskild-löneskatt  -83445 SEK

A rule's settings go under its module's last name::

    plugin "bergslaget_plugins.rules" "{'verification_numbers': {'genererade_serier': ('MA', 'PE', 'BO')}}"
    plugin "bergslaget_plugins.rules" "{'account_roles': {'obs-konto': 'Liabilities:2998-OBS-konto-bank'}}"

A rule that fails with an exception is reported as Beancount reports a failing plugin,
and the next rule gets the entries from before it. A new rule that must see the
generated entries of these rules, or that they must see, belongs in :data:`RULES`.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import operator
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from beancount.core.data import Directive, entry_sortkey, new_metadata

from bergslaget_plugins.entry_index import carry_entry_index, handed_over, inserted, places_changed, shared_entry_indexes

__plugins__ = ("apply_rules",)

#: The rules, in the order they run: later rules see the entries of earlier ones.
RULES: tuple[str, ...] = (
    "bergslaget_plugins.custom_values",
    "bergslaget_plugins.membership_fees",
    "bergslaget_plugins.accruals",
    "bergslaget_plugins.holiday_pay",
    "bergslaget_plugins.pension_tax",
    "bergslaget_plugins.year_end",
    "bergslaget_plugins.invoice_documents",
    "bergslaget_plugins.verification_numbers",
    "bergslaget_plugins.chart_of_accounts",
    "bergslaget_plugins.markup",
    "bergslaget_plugins.counterparties",
    "bergslaget_plugins.spelling",
    "bergslaget_plugins.budget_check",
    "bergslaget_plugins.invoice_numbers",
    "bergslaget_plugins.account_roles",
    "bergslaget_plugins.report_parts_check",
    "bergslaget_plugins.lock_check",
)

_Plugin = Callable[..., tuple[list[Directive], list[Any]]]


class RulesError(NamedTuple):
    """Settings of the rules plugin that cannot be read, or a rule that failed."""

    source: dict[str, Any]
    message: str
    entry: None


def in_date_order(before: Sequence[Directive], after: list[Directive]) -> list[Directive]:
    """``after`` (a rule's result on the sorted ``before``) sorted as Beancount sorts.

    The entries of ``before`` that ``after`` keeps are still in order (a rule adds entries
    and may replace one by a copy with other metadata, never with another date); only the
    added ones are put in place, each by binary search. Copies that stand where their
    originals stood, with the same date, kind and line, are in place already; so are the
    entries of a rule that appends what it adds, which is the quick case.
    """
    return placed_in_date_order(before, after).entries


class Placed(NamedTuple):
    """A rule's result sorted (:func:`in_date_order`), with the entries of ``before`` it does
    not keep and the entries it added (copies of kept ones included)."""

    entries: list[Directive]
    removed: list[Directive]
    added: list[Directive]


def placed_in_date_order(before: Sequence[Directive], after: list[Directive]) -> Placed:
    """:func:`in_date_order`, telling also what the rule removed and added.

    Where the rule's copies stand is recorded when the rule built its result with
    ``entry_index.replaced`` and ``entry_index.appended`` (:func:`~bergslaget_plugins.entry_index.places_changed`);
    otherwise the two lists are compared entry by entry. A result the helpers made is the
    rule's to hand over: its added entries are put in place in it (as Beancount sorts a
    plugin's result in place), instead of in a copy."""
    if after is before:  # a check: the entries as they were
        return Placed(after, [], [])
    if len(after) >= len(before):
        recorded = places_changed(before, after)
        copied = recorded if recorded is not None else list(
            itertools.compress(range(len(before)), map(operator.is_not, before, after)))
        if all(entry_sortkey(after[index]) == entry_sortkey(before[index]) for index in copied):
            # The rule kept every entry in its place (or a copy of it) and appended the new ones.
            removed, copies, appended = [before[index] for index in copied], [after[index] for index in copied], after[len(before):]
            if not appended:
                return Placed(after, removed, copies)
            if recorded is None:
                return Placed(inserted(after[: len(before)], appended), removed, copies + appended)
            kept = handed_over(after)
            del kept[len(before):]
            return Placed(inserted(kept, appended), removed, copies + appended)
    after_ids = set(map(id, after))
    removed = [entry for entry in before if id(entry) not in after_ids]
    known = set(map(id, before))
    added = [entry for entry in after if id(entry) not in known]
    if not added:
        return Placed(after, removed, added)
    added_ids = set(map(id, added))
    return Placed(inserted([entry for entry in after if id(entry) not in added_ids], added), removed, added)


def handed_to_next_rule(before: Sequence[Directive], result: list[Directive]) -> list[Directive]:
    """A rule's ``result`` on ``before`` as the next rule gets it: in date order
    (:func:`placed_in_date_order`), with the entry index of ``before`` carried to it
    (``entry_index.carry_entry_index``)."""
    placed = placed_in_date_order(before, result)
    carry_entry_index(before, placed.entries, placed.removed, placed.added)
    return placed.entries


def _settings(config: str | None) -> tuple[dict[str, str | None], list[RulesError]]:
    """The settings text for each rule, by the rule's module's last name."""
    source = new_metadata("<plugin>", 0, {"plugin": __name__})
    names = {rule.rsplit(".", 1)[-1] for rule in RULES}
    try:
        raw = ast.literal_eval(config) if config and config.strip() else {}
    except (ValueError, SyntaxError) as error:
        return {}, [RulesError(source, f"{__name__}: inställningen är ingen Python-literal: {error}", None)]
    if not isinstance(raw, dict) or not all(isinstance(key, str) for key in raw):
        return {}, [RulesError(source, f"{__name__}: inställningen ska vara en ordlista regel → inställningar", None)]
    unknown = sorted(set(raw) - names)
    if unknown:
        return {}, [RulesError(source, f"{__name__}: okända regler: {', '.join(unknown)} (kända: {', '.join(sorted(names))})", None)]
    return {name: value if isinstance(value, str) or value is None else repr(value) for name, value in raw.items()}, []


def apply_rules(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[Any]]:
    """Run every rule of :data:`RULES` in order; see the module documentation."""
    settings, errors = _settings(config)
    if errors:
        return entries, list(errors)
    all_errors: list[Any] = []
    with shared_entry_indexes():
        for rule in RULES:
            module = importlib.import_module(rule)
            rule_config = settings.get(rule.rsplit(".", 1)[-1])
            for function_name in module.__plugins__:
                function: _Plugin = getattr(module, function_name)
                arguments = () if rule_config is None else (rule_config,)
                try:
                    result, rule_errors = function(entries, options_map, *arguments)
                except Exception:  # a failing rule is reported as Beancount reports a failing plugin
                    text = traceback.format_exc().replace("\n", "\n  ")
                    all_errors.append(RulesError(new_metadata("<load>", 0), f'Error applying plugin "{rule}": {text}', None))
                    continue
                all_errors.extend(rule_errors)
                entries = handed_to_next_rule(entries, result)
    return entries, all_errors


__all__ = ["RULES", "Placed", "RulesError", "apply_rules", "handed_to_next_rule", "in_date_order", "placed_in_date_order"]
