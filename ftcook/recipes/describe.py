"""``ftcook recipes show NAME``: a recipe's options and templates, as text."""

from __future__ import annotations

from ftcook.options import describe_options
from ftcook.plugins import get_recipe
from ftcook.render import PARTS, find_template


def describe_recipe(name: str) -> str:
    cls = get_recipe(name)
    lines = [f"{cls.name}: {cls.summary()}", f"reads: {' '.join(cls.inputs) or 'any file'}", "",
             *describe_options(cls.Options)]
    lines += ["", "templates:"]
    for part in PARTS:
        info = find_template(f"{cls.name}/{part}.j2")
        if info is not None:
            lines.append(f"  {info.name}  ({info.origin}: {info.path})")
        elif part == "system":
            lines.append(f"  {cls.name}/system.j2  (none: no system prompt; add one with 'ftcook templates')")
    if cls.reasons:
        lines += ["", "skip reasons of its own:"] + [f"  {code}: {text}" for code, text in cls.reasons.items()]
    return "\n".join(lines)
