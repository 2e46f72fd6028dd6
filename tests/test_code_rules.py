"""Rules of the code base that a test can hold: no account named in Python code,
no two modules with the same last name in ``bergslaget_plugins`` and ``importers``,
no public name defined in two of their modules, no function over sixty lines, and no role
name in the code that is not a declared role.

Accounts are found by their role (``roles.read_roles``); a name written in code would
silently stop matching when the chart changes. Docstrings may show ledger examples.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("bergslaget_plugins", "importers")
ACCOUNT_NAME = re.compile(r"\b(Assets|Liabilities|Equity|Income|Expenses):[\wÅÄÖåäö]")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def account_names_in_code(path: Path, root: Path = REPOSITORY) -> list[str]:
    """``file:line: text`` of every string constant outside docstrings that names an account."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings and ACCOUNT_NAME.search(node.value)
    ]


def test_the_scan_finds_an_account_name_outside_docstrings_only(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Docstring: Assets:1510-Kundfordringar is fine here."""\n'
        'def f() -> str:\n    """Also here: Income:3994-Medlemsavgifter."""\n    return "Assets:1930-Företagskonto"\n',
        encoding="utf-8",
    )
    assert account_names_in_code(sample, tmp_path) == ["sample.py:4: 'Assets:1930-Företagskonto'"]


def test_no_account_name_in_python_code() -> None:
    found = [hit for package in PACKAGES for path in sorted((REPOSITORY / package).rglob("*.py"))
             for hit in account_names_in_code(path)]
    assert found == [], "Kontonamn i koden; hämta kontot genom dess roll (roles.read_roles):\n" + "\n".join(found)


def module_last_names(root: Path = REPOSITORY) -> dict[str, list[str]]:
    """Each module's last name (a package's is its folder's) and the modules that have it."""
    found: dict[str, list[str]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.setdefault(parts[-1], []).append(".".join(parts))
    return found


def test_the_last_name_scan_sees_a_package_and_a_module_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "bergslaget_plugins" / "sie").mkdir(parents=True)
    (tmp_path / "bergslaget_plugins" / "sie" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "importers").mkdir()
    (tmp_path / "importers" / "sie.py").write_text("", encoding="utf-8")
    assert module_last_names(tmp_path)["sie"] == ["bergslaget_plugins.sie", "importers.sie"]


def test_one_last_name_one_module() -> None:
    """``sie`` in a traceback, an import or a conversation means one module (issue 15)."""
    doubled = {name: modules for name, modules in module_last_names().items() if len(modules) > 1}
    assert doubled == {}


#: Names every module of a kind defines by contract, so the same name is the same meaning in each:
#: a command module's ``add_command(commands)`` is how cli.py's COMMAND_MODULES adds it (one per line).
ONE_NAME_BY_CONTRACT = frozenset({"add_command"})


def _assigned_names(target: ast.expr) -> list[str]:
    return [node.id for node in ast.walk(target) if isinstance(node, ast.Name)]


def public_definitions(path: Path) -> list[tuple[str, int]]:
    """``(name, line)`` of each public module-level class, function and constant defined in ``path``.

    Imports (re-exports included) define nothing; private (``_x``) and dunder names
    (``__all__``, ``__plugins__``) are the module's own.
    """
    found: list[tuple[str, int]] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [name for target in node.targets for name in _assigned_names(target)]
        elif isinstance(node, ast.AnnAssign):
            names = _assigned_names(node.target)
        else:
            names = []
        found += [(name, node.lineno) for name in names if not name.startswith("_")]
    return found


def names_defined_twice(root: Path = REPOSITORY) -> dict[str, list[str]]:
    """Each public name defined in more than one module, with ``file:line`` of every definition."""
    places: dict[str, dict[Path, int]] = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for name, line in public_definitions(path):
                places.setdefault(name, {}).setdefault(path.relative_to(root), line)
    return {name: [f"{path}:{line}" for path, line in by_module.items()]
            for name, by_module in places.items() if len(by_module) > 1}


def test_the_name_scan_sees_definitions_not_imports(tmp_path: Path) -> None:
    (tmp_path / "bergslaget_plugins").mkdir()
    (tmp_path / "importers").mkdir()
    (tmp_path / "bergslaget_plugins" / "a.py").write_text(
        "from x import Shared\n__plugins__ = ()\nRow = 1\n_private = 2\ndef kronor(): ...\n", encoding="utf-8")
    (tmp_path / "importers" / "b.py").write_text(
        "__plugins__ = ()\nfrom bergslaget_plugins.a import Row\n_private = 3\n"
        "class Shared: ...\nkronor: int = 1\n", encoding="utf-8")
    assert names_defined_twice(tmp_path) == {"kronor": ["bergslaget_plugins/a.py:5", "importers/b.py:5"]}


def test_a_public_name_has_one_definition_across_bergslaget_plugins_and_importers() -> None:
    """``Problem`` or ``Row`` in an import, a traceback or a conversation means one thing (issue 15).

    The same concept twice is defined once and imported; different meanings get names that say which.
    """
    doubled = {name: places for name, places in names_defined_twice().items() if name not in ONE_NAME_BY_CONTRACT}
    assert doubled == {}, "Samma namn definieras i flera moduler:\n" + "\n".join(
        f"{name}: {', '.join(places)}" for name, places in sorted(doubled.items()))


def test_a_name_by_contract_is_defined_where_the_contract_says() -> None:
    """``add_command`` is defined only by the command modules that cli.py lists."""
    from bergslaget_plugins.cli import COMMAND_MODULES

    command_files = {Path(*module.split(".")).with_suffix(".py") for module in COMMAND_MODULES}
    defined_in = {Path(place.split(":")[0]) for place in names_defined_twice().get("add_command", [])}
    assert defined_in <= command_files


#: A function longer than this wants named steps (issue 15).
LONGEST_FUNCTION = 60


def long_functions(path: Path, root: Path = REPOSITORY, longest: int = LONGEST_FUNCTION) -> list[str]:
    """``file:line: name (N lines)`` of every function in ``path`` longer than ``longest`` lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None and node.end_lineno - node.lineno + 1 > longest
    ]


def test_the_length_scan_finds_a_long_function(tmp_path: Path) -> None:
    module = tmp_path / "long.py"
    module.write_text("def short():\n    return 1\n\n\ndef long():\n" + "    x = 1\n" * 61, encoding="utf-8")
    assert long_functions(module, tmp_path) == ["long.py:5: long (62 lines)"]


def test_no_function_is_over_sixty_lines() -> None:
    found = [line for package in PACKAGES for path in sorted((REPOSITORY / package).rglob("*.py"))
             for line in long_functions(path)]
    assert found == []


def role_names_in_code(path: Path, root: Path = REPOSITORY) -> list[tuple[str, str]]:
    """(``file:line``, text) of every role name the code writes: a text given to ``.account``,
    ``.accounts`` or ``.get`` of roles, or assigned to a module constant named ``*_ROLE``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("account", "accounts") and node.args
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((f"{path.relative_to(root)}:{node.lineno}", node.args[0].value))
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
              and node.targets[0].id.endswith("_ROLE") and isinstance(node.value, ast.Constant)
              and isinstance(node.value.value, str)):
            found.append((f"{path.relative_to(root)}:{node.lineno}", node.value.value))
    return found


def test_the_role_scan_finds_role_names_in_calls_and_constants(tmp_path: Path) -> None:
    module = tmp_path / "uses_roles.py"
    module.write_text('BANK_ROLE = "bank"\nOTHER = "x"\n\ndef f(roles):\n    return roles.account("obs-konto")\n',
                      encoding="utf-8")
    assert role_names_in_code(module, tmp_path) == [("uses_roles.py:1", "bank"), ("uses_roles.py:5", "obs-konto")]


def test_every_role_name_in_the_code_is_a_declared_role() -> None:
    """A role name is written where a rule or a command asks for its account; a misspelt one
    would fail only when that code runs. Every one must be a role of ``roles.ROLES``."""
    from bergslaget_plugins.roles import ROLES_BY_NAME

    found = [place_and_name for package in PACKAGES for path in sorted((REPOSITORY / package).rglob("*.py"))
             for place_and_name in role_names_in_code(path)]
    assert len(found) > 20  # the scan sees the rules' and importers' roles
    assert [(place, name) for place, name in found if name not in ROLES_BY_NAME] == []
