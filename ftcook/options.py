"""Options of plugins: a recipe's or a backend's ``Options`` model, set on the command line with
``-o key=value``. One parser and one description for both, so every plugin's options behave the same way.
"""

from __future__ import annotations

import typing
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import UsageError


class PluginOptions(BaseModel):
    """Options of a recipe or a backend (``-o key=value``); unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


def key_values(values: tuple[str, ...] | list[str]) -> dict[str, str | list[str]]:
    """``-o`` values as a dict; a repeated key gives a list.

    >>> key_values(["lang=zh", "me=a@x.org", "me=b@y.org"])
    {'lang': 'zh', 'me': ['a@x.org', 'b@y.org']}
    """
    options: dict[str, str | list[str]] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"-o {value!r} is not key=value, e.g. -o lang=zh")
        key = key.strip()
        if key in options:
            previous = options[key]
            options[key] = [*previous, rest] if isinstance(previous, list) else [previous, rest]
        else:
            options[key] = rest
    return options


def parse_options(model: type[PluginOptions], values: dict[str, Any], owner: str) -> PluginOptions:
    """Validate ``-o`` values against ``model``, with messages that name ``owner`` ("Recipe 'email'") and the
    option."""
    fields = model.model_fields
    unknown = [key for key in values if key not in fields]
    if unknown:
        known = ", ".join(fields) or "none"
        raise UsageError(f"{owner} has no option '{unknown[0]}' - its options: {known}")
    values = {key: [value] if isinstance(value, str) and typing.get_origin(fields[key].annotation) is list else value
              for key, value in values.items()}  # '-o me=Ada' once is a list of one
    try:
        return model(**values)
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"{owner}, option {key}: {first['msg']} (got {first.get('input')!r})") from None


def option_rows(model: type[PluginOptions]) -> list[tuple[str, str, str, str]]:
    """(name, type, default, help) of each option of ``model``."""
    rows = []
    for name, info in model.model_fields.items():
        kind = getattr(info.annotation, "__name__", None) or str(info.annotation)
        kind = str(info.annotation).replace("typing.", "") if kind in ("Optional", "Literal", "Union") else kind
        default = "required" if info.is_required() else repr(info.get_default(call_default_factory=True))
        rows.append((name, kind, default, info.description or ""))
    return rows


def describe_options(model: type[PluginOptions]) -> list[str]:
    """The lines 'ftcook recipes show' and 'ftcook backends' print for an options model."""
    lines = ["options (-o KEY=VALUE):"]
    rows = option_rows(model)
    for option, kind, default, help_text in rows:
        lines.append(f"  {option} ({kind}, default {default})")
        if help_text:
            lines.append(f"      {help_text}")
    if not rows:
        lines.append("  none")
    return lines
