"""``bergslaget roles [LEDGER]``: the account roles and the account that plays each.

Prints one line per role in :data:`bergslaget_plugins.roles.ROLES`: the role, its
account (or "saknas"), where the role is declared and what the account is for.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from bergslaget_plugins.command_arguments import add_books_argument
from bergslaget_plugins.books import load_books
from bergslaget_plugins.roles import ROLES, read_roles


def print_roles(args: argparse.Namespace, out: TextIO) -> int:
    entries, options = load_books(args.ledger)
    roles, _ = read_roles(entries, options)
    width = max(len(role.name) for role in ROLES)
    for role in ROLES:
        accounts = roles.accounts(role.name)
        source = roles.sources.get(role.name, {})
        place = f"{Path(str(source.get('filename', '?'))).name}:{source.get('lineno', '?')}" if accounts else ""
        account_text = ", ".join(accounts) if accounts else "saknas"
        out.write(f"{role.name:<{width}}  {account_text}  {place}\n{'':<{width}}  {role.description}\n")
    return 0


def add_command(commands: Any) -> None:
    roles = commands.add_parser("roles", help="kontonas roller: vilket konto reglerna och importen använder till vad")
    add_books_argument(roles)
    roles.set_defaults(handler=print_roles)
