"""Plugin configuration: a Python literal parsed with ``ast.literal_eval``, never ``eval``.

Each plugin declares a frozen dataclass for its settings; :func:`parse_config` turns
the string from the ``plugin`` line into that dataclass and reports problems as
Beancount errors at the ``plugin`` line's place (the options map does not record it,
so the error names ``main.beancount``'s plugin by module).
"""

from __future__ import annotations

import ast
import dataclasses
import typing
from typing import Any, NamedTuple, TypeVar

from beancount.core import account as account_lib
from beancount.core.data import new_metadata

_T = TypeVar("_T")


class ConfigError(NamedTuple):
    """A plugin configuration that cannot be read."""

    source: dict[str, Any]
    message: str
    entry: None


def _check_type(name: str, value: Any, expected: Any) -> None:
    origin = typing.get_origin(expected)
    if expected is typing.Any:
        return
    if origin is None:
        if expected is float:
            raise TypeError(f"{name}: flyttal används inte för belopp")
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise TypeError(f"{name}: väntade {expected.__name__}, fick {value!r}")
        return
    if origin in (tuple, list):
        if not isinstance(value, (tuple, list)):
            raise TypeError(f"{name}: väntade en lista, fick {value!r}")
        (item_type, *_) = typing.get_args(expected)
        for index, item in enumerate(value):
            _check_type(f"{name}[{index}]", item, item_type)
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise TypeError(f"{name}: väntade en ordlista, fick {value!r}")
        key_type, value_type = typing.get_args(expected)
        for key, item in value.items():
            _check_type(f"{name} (nyckel)", key, key_type)
            _check_type(f"{name}[{key!r}]", item, value_type)
        return
    if origin is typing.Union or str(origin) == "types.UnionType":
        for option in typing.get_args(expected):
            try:
                _check_type(name, value, option)
                return
            except TypeError:
                continue
        raise TypeError(f"{name}: otillåtet värde {value!r}")
    raise TypeError(f"{name}: typen {expected!r} stöds inte")  # pragma: no cover


def parse_config(config_text: str | None, settings_type: type[_T], plugin: str) -> tuple[_T | None, list[ConfigError]]:
    """Parse ``config_text`` into ``settings_type``; return (settings, errors).

    An empty or missing config gives the dataclass defaults.
    """
    source = new_metadata("<plugin>", 0, {"plugin": plugin})
    try:
        raw = ast.literal_eval(config_text) if config_text and config_text.strip() else {}
    except (ValueError, SyntaxError) as error:
        return None, [ConfigError(source, f"{plugin}: inställningen är ingen Python-literal: {error}", None)]
    if not isinstance(raw, dict):
        return None, [ConfigError(source, f"{plugin}: inställningen ska vara en ordlista (dict)", None)]
    fields = {field.name: field for field in dataclasses.fields(settings_type)}  # type: ignore[arg-type]
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        return None, [ConfigError(source, f"{plugin}: okända inställningar: {', '.join(unknown)}", None)]
    hints = typing.get_type_hints(settings_type)
    try:
        for name, value in raw.items():
            _check_type(name, value, hints[name])
        settings = settings_type(**raw)
    except (TypeError, ValueError) as error:
        return None, [ConfigError(source, f"{plugin}: {error}", None)]
    return settings, []


def check_account_name(name: str, value: str) -> None:
    """Raise ValueError unless ``value`` is a valid Beancount account name."""
    if not account_lib.is_valid(value):
        raise ValueError(f"{name}: ogiltigt kontonamn {value!r}")
