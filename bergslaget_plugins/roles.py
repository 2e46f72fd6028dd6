"""Account roles: which account of the chart does what a rule, an importer or a page needs.

Code never names an account. It names a *role*, and the chart of accounts says which
account plays it, with the metadata ``roll`` on the account's ``open`` directive
(several roles separated by commas)::

    2020-01-01 open Assets:1510-Kundfordringar SEK
      namn: "Kundfordringar"
      rad: "Kundfordringar"
      roll: "kundfordringar"
    2020-01-01 open Assets:1790-Övriga-förutbetalda-kostnader SEK
      namn: "Övriga förutbetalda kostnader och upplupna intäkter"
      rad: "Övriga kortfristiga fordringar"
      roll: "förutbetalda-kostnader, upplupna-intäkter"

The settings of the ``account_roles`` rule (in ``main.beancount``, under its name on the
rules line, or on its own plugin line) may give a role another account; they are part of
the one resolved mapping that every consumer reads with :func:`read_roles` (plugins,
importers, Fava pages, the CLI)::

    plugin "bergslaget_plugins.rules" "{'account_roles': {'obs-konto': 'Liabilities:2998-OBS-konto-bank'}}"

The known roles are listed in :data:`ROLES`; ``bergslaget roles`` prints which account
plays each. For example:

>>> from beancount import loader
>>> entries, _, options = loader.load_string('''
... 2020-01-01 open Assets:1930-Företagskonto SEK
...   roll: "bank"
... 2020-01-01 open Assets:1510-Kundfordringar SEK
...   roll: "kundfordringar"
... ''')
>>> roles, errors = read_roles(entries, options)
>>> roles.account("bank")
'Assets:1930-Företagskonto'
>>> errors
[]
>>> roles.account("obs-konto")
Traceback (most recent call last):
  ...
bergslaget_plugins.roles.RoleMissingError: Inget konto har rollen "obs-konto" (OBS-konto: oidentifierade inbetalningar och bankrader); ange roll: "obs-konto" på kontots open-direktiv i kontoplanen
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from beancount.core import account as account_lib
from beancount.core.data import Directive, Open, new_metadata

from bergslaget_plugins.entry_index import directives_of

ROLE_KEY = "roll"
PLUGIN = "bergslaget_plugins.account_roles"
#: The account_roles rule's name among the rules line's settings.
RULE_NAME = PLUGIN.rsplit(".", 1)[-1]
#: The plugin line that runs the association's rules together (``bergslaget_plugins.rules``).
RULES_BUNDLE = "bergslaget_plugins.rules"


class Role(NamedTuple):
    """A role that code asks the chart for."""

    name: str
    description: str
    #: True where several accounts may play the role (e.g. all pension premium accounts).
    several: bool = False


#: Every role the code uses, with what the account is for (Swedish: users read it).
ROLES: tuple[Role, ...] = (
    Role("bank", "Bankkontot: kontoutdragen från banken bokas här"),
    Role("bankgiroinbetalningar", "Bankgiroinbetalningar under överföring till bankkontot (BgMax)"),
    Role("kundfordringar", "Kundfordringar: fakturor till medlemmar och kunder"),
    Role("leverantörsskulder", "Leverantörsskulder: obetalda leverantörsfakturor"),
    Role("obs-konto", "OBS-konto: oidentifierade inbetalningar och bankrader"),
    Role("medlemsavgifter", "Medlemsavgifter: intäkten av medlemsavgiftsfakturorna"),
    Role("balanserat-resultat", "Balanserat resultat (eget kapital)"),
    Role("årets-resultat", "Årets resultat (eget kapital)"),
    Role("semesterlöneskuld", "Upplupna semesterlöner (skuld)"),
    Role("förändring-semesterlöneskuld", "Förändring av semesterlöneskuld (kostnad)"),
    Role("beräknade-sociala-avgifter", "Beräknade sociala avgifter på semesterlöneskulden (skuld)"),
    Role("sociala-avgifter-semesterlöneskuld", "Sociala avgifter för semesterlöneskulden (kostnad)"),
    Role("pensionspremier", "Pensionspremier: underlaget för särskild löneskatt", several=True),
    Role("särskild-löneskatt", "Särskild löneskatt på pensionskostnader (kostnad)"),
    Role("beräknad-särskild-löneskatt", "Beräknad särskild löneskatt på pensionskostnader (skuld)"),
    Role("lokalhyra", "Lokalhyra: förutbetald hyra förs till förutbetalda hyreskostnader"),
    Role("förutbetalda-hyreskostnader", "Förutbetalda hyreskostnader"),
    Role("förutbetalda-kostnader", "Övriga förutbetalda kostnader"),
    Role("upplupna-intäkter", "Upplupna intäkter"),
    Role("förutbetalda-intäkter", "Förutbetalda intäkter"),
    Role("upplupna-kostnader", "Övriga upplupna kostnader"),
)
ROLES_BY_NAME: dict[str, Role] = {role.name: role for role in ROLES}


class RoleError(NamedTuple):
    """A role declared twice, an unknown role, or a role that no account plays."""

    source: Mapping[str, Any]
    message: str
    entry: Directive | None


class RoleMissingError(LookupError):
    """Code asked for a role that no account plays."""

    def __init__(self, role: str) -> None:
        self.role = role
        known = ROLES_BY_NAME.get(role)
        what = f" ({known.description})" if known else ""
        super().__init__(
            f'Inget konto har rollen "{role}"{what}; ange roll: "{role}" på kontots open-direktiv i kontoplanen'
        )

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class AccountRoles:
    """The resolved mapping role → account(s), with where each role was declared."""

    accounts_by_role: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Where each role was given its account: the ``open`` directive's or the plugin line's meta.
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def account(self, role: str) -> str:
        """The one account playing ``role``; RoleMissingError if none does."""
        _known(role)
        accounts = self.accounts_by_role.get(role, ())
        if not accounts:
            raise RoleMissingError(role)
        return accounts[0]

    def accounts(self, role: str) -> tuple[str, ...]:
        """All accounts playing ``role`` (for roles that several accounts may play); may be empty."""
        _known(role)
        return self.accounts_by_role.get(role, ())

    def get(self, role: str) -> str | None:
        """The account playing ``role``, or None."""
        _known(role)
        accounts = self.accounts_by_role.get(role, ())
        return accounts[0] if accounts else None

    def roles_of(self, account: str) -> tuple[str, ...]:
        return tuple(role for role, accounts in self.accounts_by_role.items() if account in accounts)

    def missing(self, needed: Iterable[str], source: Mapping[str, Any], consumer: str) -> list[RoleError]:
        """An error at ``source`` for each role in ``needed`` that no account plays."""
        return [
            RoleError(source, f"{consumer}: {RoleMissingError(role)}", None)
            for role in needed
            if not self.accounts_by_role.get(_known(role).name)
        ]


def roles_for_plugin(
    entries: Sequence[Directive], options_map: Mapping[str, Any] | None, needed: Iterable[str], plugin: str
) -> tuple[AccountRoles | None, list[RoleError]]:
    """The resolved roles for a plugin that needs ``needed``; None and an error at the plugin's
    line for each needed role that no account plays.

    Doubled or unknown roles are reported once, by the ``account_roles`` plugin, not here.
    """
    roles, _ = read_roles(entries, options_map)
    missing = roles.missing(needed, plugin_source(options_map, plugin), plugin)
    return (None, missing) if missing else (roles, [])


def _known(role: str) -> Role:
    try:
        return ROLES_BY_NAME[role]
    except KeyError:
        raise ValueError(f"unknown account role {role!r} (not in roles.ROLES)") from None


def _suggestion(name: str) -> str:
    # Imported here: only an unknown role (an error) asks for a close match; a load of books without one needs none.
    import difflib

    close = difflib.get_close_matches(name, list(ROLES_BY_NAME), n=1, cutoff=0.6)
    return f'; menade du "{close[0]}"?' if close else f" (kända roller: {', '.join(ROLES_BY_NAME)})"


def declared_role_names(value: object) -> list[str] | None:
    """The role names in a ``roll`` value (comma-separated); None if it is not a text."""
    if not isinstance(value, str):
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def plugin_source(options_map: Mapping[str, Any] | None, plugin: str) -> dict[str, Any]:
    """File and line of ``plugin "<plugin>"`` in the main file, for errors about its settings.

    Beancount does not record where a plugin line stands, so the main file is searched;
    a rule run by the bundle ``bergslaget_plugins.rules`` is placed at the bundle's line.
    If neither line is found, the place is the main file (line 0).
    """
    filename = str((options_map or {}).get("filename") or "<plugin>")
    lineno = 0
    try:
        lines = [line.lstrip() for line in Path(filename).read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        lines = []
    for wanted in (f'plugin "{plugin}"', f'plugin "{RULES_BUNDLE}"'):
        lineno = next((number for number, line in enumerate(lines, start=1) if line.startswith(wanted)), 0)
        if lineno:
            break
    return new_metadata(filename, lineno, {"plugin": plugin})


def _plugin_config(options_map: Mapping[str, Any] | None) -> str | None:
    """The role settings: those of the ``account_roles`` plugin line, or those under
    ``'account_roles'`` in the rules line's settings (whose errors the rules line reports)."""
    for name, config in (options_map or {}).get("plugin") or ():
        if name == PLUGIN:
            return str(config) if config is not None else None
        if name == RULES_BUNDLE and config:
            try:
                bundle = ast.literal_eval(str(config))
            except (ValueError, SyntaxError):
                return None
            settings = bundle.get(RULE_NAME) if isinstance(bundle, dict) else None
            if settings is not None:
                return settings if isinstance(settings, str) else repr(settings)
    return None


def _read_overrides(
    config: str | None, source: dict[str, Any], opened: set[str]
) -> tuple[dict[str, tuple[str, ...]], list[RoleError]]:
    if not config or not config.strip():
        return {}, []
    try:
        raw = ast.literal_eval(config)
    except (ValueError, SyntaxError) as error:
        return {}, [RoleError(source, f"{PLUGIN}: inställningen är ingen Python-literal: {error}", None)]
    if not isinstance(raw, dict):
        return {}, [RoleError(source, f"{PLUGIN}: inställningen ska vara en ordlista roll → konto", None)]
    overrides: dict[str, tuple[str, ...]] = {}
    errors: list[RoleError] = []
    for name, value in raw.items():
        if not isinstance(name, str) or name not in ROLES_BY_NAME:
            errors.append(RoleError(source, f"{PLUGIN}: okänd roll {name!r}{_suggestion(str(name))}", None))
            continue
        accounts = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else None
        if not accounts or not all(isinstance(account, str) for account in accounts):
            errors.append(RoleError(source, f"{PLUGIN}: rollen {name!r} ska ges ett kontonamn, fick {value!r}", None))
            continue
        if len(accounts) > 1 and not ROLES_BY_NAME[name].several:
            errors.append(RoleError(source, f"{PLUGIN}: rollen {name!r} kan bara ha ett konto", None))
            continue
        bad = [account for account in accounts if not account_lib.is_valid(account) or account not in opened]
        if bad:
            errors.append(RoleError(source, f"{PLUGIN}: rollen {name!r}: kontot {bad[0]} är inte öppnat i bokföringen", None))
            continue
        overrides[name] = tuple(accounts)
    return overrides, errors


def _place(meta: Mapping[str, Any]) -> str:
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


def read_roles(
    entries: Sequence[Directive], options_map: Mapping[str, Any] | None = None
) -> tuple[AccountRoles, list[RoleError]]:
    """The one resolved mapping role → account: the chart's ``roll`` metadata, then the
    ``account_roles`` plugin's settings (from ``options_map``) over it.

    Errors (at the ``open`` directive, or at the plugin line for its settings): an
    unknown role (with the nearest known one), a role on two accounts, a ``roll`` that
    is not a text. Roles no account plays are not errors here: see :meth:`AccountRoles.missing`.
    """
    accounts_by_role: dict[str, list[str]] = {}
    sources: dict[str, Mapping[str, Any]] = {}
    errors: list[RoleError] = []
    opened: set[str] = set()
    for entry in directives_of(entries):
        if not isinstance(entry, Open):
            continue
        opened.add(entry.account)
        meta = entry.meta or {}
        if ROLE_KEY not in meta:
            continue
        names = declared_role_names(meta[ROLE_KEY])
        if names is None:
            errors.append(RoleError(meta, f'{entry.account}: roll ska vara en text, t.ex. roll: "bank"', entry))
            continue
        for name in names:
            role = ROLES_BY_NAME.get(name)
            if role is None:
                errors.append(RoleError(meta, f"{entry.account}: okänd roll {name!r}{_suggestion(name)}", entry))
                continue
            holders = accounts_by_role.setdefault(name, [])
            if holders and not role.several:
                errors.append(RoleError(
                    meta,
                    f"{entry.account}: rollen {name!r} har redan {holders[0]} ({_place(sources[name])}); "
                    "en roll hör till ett konto",
                    entry,
                ))
                continue
            if entry.account not in holders:
                holders.append(entry.account)
            sources.setdefault(name, meta)
    source = plugin_source(options_map, PLUGIN) if _plugin_config(options_map) else {}
    overrides, override_errors = _read_overrides(_plugin_config(options_map), source, opened)
    errors.extend(override_errors)
    resolved = {name: tuple(accounts) for name, accounts in accounts_by_role.items()}
    for name, accounts in overrides.items():
        resolved[name] = accounts
        sources[name] = source
    ordered = {role.name: resolved[role.name] for role in ROLES if role.name in resolved}
    return AccountRoles(ordered, {name: sources[name] for name in ordered}), errors


__all__ = [
    "AccountRoles",
    "PLUGIN",
    "ROLES",
    "ROLE_KEY",
    "Role",
    "RoleError",
    "RoleMissingError",
    "plugin_source",
    "read_roles",
    "roles_for_plugin",
]
