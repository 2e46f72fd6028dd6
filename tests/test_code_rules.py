"""Rules of the code base that a test can hold: no account named in Python code, and
no two modules with the same last name in ``bergslaget_plugins`` and ``importers``.

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
