"""Check the account roles: every role the rules, importers and pages need is played by
exactly one account (see ``bergslaget_plugins.roles``).

Errors, at the ``open`` directive: an unknown role (with the nearest known name), a
role on two accounts, a ``roll`` that is not a text; at this plugin's line: a role no
account plays, or settings that do not name an open account. In a chart where every
other role has its account::

    plugin "bergslaget_plugins.account_roles"

    2020-01-01 open Assets:1510-Kundfordringar SEK
      roll: "kundfordringar"
    2020-01-01 open Assets:1511-Kundfordringar-medlemmar SEK
      roll: "kundfordringar"
    2020-01-01 open Liabilities:2999-OBS-konto SEK
      roll: "obskonto"
    main.beancount:5: Assets:1511-Kundfordringar-medlemmar: rollen 'kundfordringar' har redan
      Assets:1510-Kundfordringar (main.beancount:3); en roll hör till ett konto
    main.beancount:7: Liabilities:2999-OBS-konto: okänd roll 'obskonto'; menade du "obs-konto"?
    main.beancount:1: bergslaget_plugins.account_roles: Inget konto har rollen "obs-konto"
      (OBS-konto: oidentifierade inbetalningar och bankrader); ange roll: "obs-konto" på
      kontots open-direktiv i kontoplanen

The settings give a role another account, for every consumer (plugins, importers, Fava
pages, the CLI). In ``main.beancount`` they stand under ``account_roles`` on the rules
line (:mod:`bergslaget_plugins.rules`); on this plugin's own line they are::

    plugin "bergslaget_plugins.account_roles" "{'obs-konto': 'Liabilities:2998-OBS-konto-bank'}"

    2020-01-01 open Liabilities:2998-OBS-konto-bank SEK

``bergslaget roles`` lists the roles and their accounts.
"""

from __future__ import annotations

from typing import Any

from beancount.core.data import Directive

from bergslaget_plugins.roles import PLUGIN, ROLES, RoleError, plugin_source, read_roles

__plugins__ = ("check_account_roles",)


def check_account_roles(
    entries: list[Directive], options_map: dict[str, Any], config: str | None = None
) -> tuple[list[Directive], list[RoleError]]:
    """Return the entries unchanged, with an error for each role problem."""
    roles, errors = read_roles(entries, options_map)
    errors.extend(roles.missing((role.name for role in ROLES), plugin_source(options_map, PLUGIN), PLUGIN))
    return entries, errors
