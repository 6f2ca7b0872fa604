"""Optional parts of ftcook and the extras that install them: a missing one is one line naming the extra."""

from __future__ import annotations

import importlib

from .errors import MissingExtra


def require(what: str, modules: tuple[str, ...], extra: str, note: str = "") -> None:
    """Import ``modules`` or raise ``MissingExtra``: "The local backend needs torch, trl, which is not installed:
    pip install 'ftcook[local]'"."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise MissingExtra(what, missing, extra, note)
