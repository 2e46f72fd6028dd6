"""Account roles: declared once on the chart's open directives, checked by bean-check,
read by every consumer through roles.read_roles."""

from __future__ import annotations

import doctest
import io
import textwrap

import pytest
from beancount import loader

from bergslaget_plugins import cli, roles
from bergslaget_plugins.roles import ROLES, RoleMissingError, read_roles
from conftest import LEDGER
from ledgers import line_of

PLUGIN_LINE = 'plugin "bergslaget_plugins.account_roles"'


def _all_roles_chart(skip: str = "") -> str:
    """One account per known role (pensionspremier on two), each with its role."""
    lines = []
    for number, role in enumerate(ROLES, start=1000):
        if role.name == skip:
            continue
        lines.append(f'2020-01-01 open Assets:{number}-Konto\n  roll: "{role.name}"')
    lines.append('2020-01-01 open Expenses:7412-Pension\n  roll: "pensionspremier"')
    return "\n".join(lines) + "\n"


def _write(tmp_path, text: str):
    path = tmp_path / "main.beancount"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_doctests() -> None:
    assert doctest.testmod(roles).failed == 0


def test_the_books_give_every_role_one_account(books) -> None:
    entries, errors, options = books
    assert errors == []
    resolved, role_errors = read_roles(entries, options)
    assert role_errors == []
    assert {role.name for role in ROLES} == set(resolved.accounts_by_role)
    assert resolved.account("kundfordringar").startswith("Assets:1510-")
    assert resolved.account("obs-konto").startswith("Liabilities:2999-")
    # One account may play two roles.
    assert resolved.account("förutbetalda-kostnader") == resolved.account("upplupna-intäkter")


def test_a_role_on_two_accounts_is_an_error_at_the_second(tmp_path) -> None:
    text = PLUGIN_LINE + "\n" + _all_roles_chart() + '2020-01-01 open Assets:1931-Andra-banken\n  roll: "bank"\n'
    path = _write(tmp_path, text)
    _, errors, _ = loader.load_file(str(path))
    assert len(errors) == 1
    assert errors[0].source["lineno"] == line_of(text, "Assets:1931-Andra-banken")
    assert "rollen 'bank' har redan Assets:" in errors[0].message


def test_an_unknown_role_is_an_error_with_the_near_miss(tmp_path) -> None:
    text = PLUGIN_LINE + "\n" + _all_roles_chart() + '2020-01-01 open Assets:1512-Fordran\n  roll: "kundfodringar"\n'
    path = _write(tmp_path, text)
    _, errors, _ = loader.load_file(str(path))
    assert [error.source["lineno"] for error in errors] == [line_of(text, "Assets:1512-Fordran")]
    assert 'menade du "kundfordringar"?' in errors[0].message


def test_a_role_no_account_plays_is_an_error_at_the_plugin_line(tmp_path) -> None:
    text = "; böckerna\n" + PLUGIN_LINE + "\n" + _all_roles_chart(skip="obs-konto")
    path = _write(tmp_path, text)
    _, errors, _ = loader.load_file(str(path))
    assert len(errors) == 1
    assert errors[0].source["filename"] == str(path)
    assert errors[0].source["lineno"] == 2
    assert 'Inget konto har rollen "obs-konto"' in errors[0].message


def test_a_role_that_is_not_text_is_an_error(tmp_path) -> None:
    text = PLUGIN_LINE + "\n" + _all_roles_chart() + "2020-01-01 open Assets:1999-X\n  roll: 12\n"
    _, errors, _ = loader.load_file(str(_write(tmp_path, text)))
    assert ["roll ska vara en text" in error.message for error in errors] == [True]


def test_the_plugin_settings_give_a_role_another_account_for_every_reader(tmp_path) -> None:
    text = (
        PLUGIN_LINE + ' "{\'obs-konto\': \'Liabilities:2998-Annat-OBS\'}"\n'
        + _all_roles_chart() + "2020-01-01 open Liabilities:2998-Annat-OBS\n"
    )
    entries, errors, options = loader.load_file(str(_write(tmp_path, text)))
    assert errors == []
    resolved, role_errors = read_roles(entries, options)
    assert role_errors == []
    assert resolved.account("obs-konto") == "Liabilities:2998-Annat-OBS"
    assert resolved.sources["obs-konto"]["lineno"] == 1


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("{'obs-kontot': 'Liabilities:2998-Annat-OBS'}", 'menade du "obs-konto"?'),
        ("{'obs-konto': 'Liabilities:2997-Ej-öppnat'}", "är inte öppnat"),
        ("{'bank': ['Assets:1000-Konto', 'Assets:1001-Konto']}", "kan bara ha ett konto"),
        ("['obs-konto']", "ordlista"),
        ("{'obs-konto': ", "ingen Python-literal"),
    ],
)
def test_bad_settings_are_errors_at_the_plugin_line(tmp_path, settings: str, message: str) -> None:
    text = f'{PLUGIN_LINE} "{settings}"\n' + _all_roles_chart() + "2020-01-01 open Liabilities:2998-Annat-OBS\n"
    _, errors, _ = loader.load_file(str(_write(tmp_path, text)))
    assert len(errors) == 1, errors
    assert errors[0].source["lineno"] == 1
    assert message in errors[0].message


def test_asking_for_a_role_no_account_plays_names_the_role() -> None:
    entries, _, options = loader.load_string('2020-01-01 open Assets:1930-Bank SEK\n  roll: "bank"\n')
    resolved, _ = read_roles(entries, options)
    with pytest.raises(RoleMissingError, match='Inget konto har rollen "kundfordringar"'):
        resolved.account("kundfordringar")
    assert resolved.get("kundfordringar") is None
    with pytest.raises(ValueError, match="unknown account role"):
        resolved.account("kundfordring")


def test_the_roles_command_lists_every_role_with_its_account() -> None:
    out = io.StringIO()
    assert cli.main(["roles"], out) == 0
    text = out.getvalue()
    for role in ROLES:
        assert role.name in text
    assert "saknas" not in text
    kundfordringar = next(line for line in text.splitlines() if line.startswith("kundfordringar "))
    assert "Assets:1510-Kundfordringar" in kundfordringar and "kontoplan.beancount:" in kundfordringar


def test_a_rule_missing_its_role_is_placed_at_the_rules_bundle_line(tmp_path) -> None:
    text = (
        "; böckerna\n"
        'plugin "bergslaget_plugins.rules"\n'
        '2020-01-01 open Liabilities:2920-Upplupna-semesterlöner SEK\n'
        '2022-01-01 custom "procentsats" "arbetsgivaravgift" 31.42\n'
        '2022-12-31 custom "semesterlöneskuld" "Anders"\n  skuld: 1000\n'
    )
    _, errors, _ = loader.load_file(str(_write(tmp_path, text)))
    missing = [error for error in errors if "Inget konto har rollen" in error.message]
    assert missing and all(error.source["lineno"] == 2 for error in missing)
    assert 'rollen "semesterlöneskuld"' in missing[0].message


def test_an_override_in_the_plugin_settings_reaches_plugins_importers_and_the_command(tmp_path) -> None:
    """One resolved mapping: the account_roles settings (on the rules line) give obs-konto another account, and
    the books, the importers' configuration and `bergslaget roles` all use it."""
    import shutil

    from bergslaget_plugins.books import load_books
    from importers.config import build_config

    books = tmp_path / "ledger"
    shutil.copytree(LEDGER.parent, books, ignore=shutil.ignore_patterns("inkorg"))
    main = books / "main.beancount"
    text = main.read_text(encoding="utf-8")
    rules_line = "plugin \"bergslaget_plugins.rules\" \"{'accruals': {'sma_poster': 'periodisera'}}\"\n"
    assert text.count(rules_line) == 1  # the account_roles rule runs from the rules line: its settings go there
    main.write_text(
        text.replace(rules_line, "plugin \"bergslaget_plugins.rules\" \"{'accruals': {'sma_poster': 'periodisera'}, "
                                 "'account_roles': {'obs-konto': 'Liabilities:2998-OBS-konto-bank'}}\"\n")
        + '\n2020-01-01 open Liabilities:2998-OBS-konto-bank SEK\n  namn: "OBS-konto bank"\n'
        '  rad: "Övriga kortfristiga skulder"\n  notrad: "OBS-konto"\n',
        encoding="utf-8",
    )
    entries, options = load_books(main)
    resolved, errors = read_roles(entries, options)
    assert errors == []
    assert resolved.account("obs-konto") == "Liabilities:2998-OBS-konto-bank"
    swedbank, bgmax = build_config(main)[:2]
    assert swedbank.suspense_account == bgmax.suspense_account == "Liabilities:2998-OBS-konto-bank"
    out = io.StringIO()
    assert cli.main(["roles", str(main)], out) == 0
    line = next(line for line in out.getvalue().splitlines() if line.startswith("obs-konto "))
    assert "Liabilities:2998-OBS-konto-bank" in line and "main.beancount:" in line
