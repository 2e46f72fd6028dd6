"""Shared test setup: no Beancount load cache, paths to the books and the shared fixtures."""

from __future__ import annotations

import os

# Must be set before beancount.loader is imported: the cache ignores plugin code changes.
os.environ["BEANCOUNT_DISABLE_LOAD_CACHE"] = "1"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from beancount import loader  # noqa: E402

loader.initialize(use_cache=False)

REPOSITORY = Path(__file__).resolve().parent.parent
LEDGER = REPOSITORY / "ledger" / "main.beancount"
SHARED = REPOSITORY.parent / "shared"


@pytest.fixture(scope="session")
def books():
    """The association's books, loaded once with all plugins: (entries, errors, options)."""
    return loader.load_file(str(LEDGER))


@pytest.fixture(scope="module")
def app():
    """Fava's app on the association's books, read-only, as the board sees them (one per test module)."""
    from fava.application import create_app

    return create_app([str(LEDGER)], read_only=True, load=True)


@pytest.fixture(scope="module")
def client(app):
    """Fava's test client of :func:`app`."""
    return app.test_client()


@pytest.fixture(scope="module")
def slug(app) -> str:
    """The books' slug in Fava's URLs."""
    return app.config["LEDGERS"].first_slug()


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    folder = SHARED / "reference"
    if not folder.is_dir():
        pytest.skip("../shared/reference finns inte här")
    return folder
