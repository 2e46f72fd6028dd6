"""The thin typed layer over Fava's extension API that the pages use.

* ``endpoint(name)``: Fava 1.30 annotates ``extension_endpoint`` as returning either a
  decorator or a decorated function, which a type checker cannot call; this is the same
  decorator with the one type it has when given a name.
* ``loaded_books(ledger)``: the loaded entries and options of a ``FavaLedger``. Fava types
  them with its own protocols (``fava.beans.abc``); they are Beancount's directives and
  options map, which the plain modules of ``bergslaget_plugins`` take.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

from beancount.core.data import Directive
from fava.core import FavaLedger
from fava.ext import FavaExtensionBase, extension_endpoint
from flask import Response

Extension = TypeVar("Extension", bound=FavaExtensionBase)


def endpoint(name: str) -> Callable[[Callable[[Extension], Response]], Callable[[Extension], Response]]:
    """``@endpoint("csv")``: the extension's GET endpoint ``.../extension/<Name>/csv``."""
    return cast(Callable[[Callable[[Extension], Response]], Callable[[Extension], Response]], extension_endpoint(name))


def loaded_books(ledger: FavaLedger) -> tuple[Sequence[Directive], dict[str, Any]]:
    """The books Fava loaded, as Beancount's entries and options map."""
    return cast(Sequence[Directive], ledger.all_entries), cast(dict[str, Any], ledger.options)
