"""``ftcook recipes show NAME``: a recipe's options and templates, as text."""

from __future__ import annotations

from ftcook.plugins import get_recipe
from ftcook.render import PARTS, find_template


def option_rows(cls) -> list[tuple[str, str, str, str]]:
    """(name, type, default, help) of each option of recipe class ``cls``."""
    rows = []
    for name, info in cls.Options.model_fields.items():
        kind = getattr(info.annotation, "__name__", None) or str(info.annotation)
        kind = str(info.annotation).replace("typing.", "") if kind in ("Optional", "Literal", "Union") else kind
        default = "required" if info.is_required() else repr(info.get_default(call_default_factory=True))
        rows.append((name, kind, default, info.description or ""))
    return rows


def describe_recipe(name: str) -> str:
    cls = get_recipe(name)
    lines = [f"{cls.name}: {cls.summary()}", f"reads: {' '.join(cls.inputs) or 'any file'}", "", "options (-o KEY=VALUE):"]
    rows = option_rows(cls)
    for option, kind, default, help_text in rows:
        lines.append(f"  {option} ({kind}, default {default})")
        if help_text:
            lines.append(f"      {help_text}")
    if not rows:
        lines.append("  none")
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
