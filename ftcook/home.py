"""The user dir: ``$FTCOOK_HOME``, else the platform's data dir (platformdirs). Recipes, templates and state
live under it."""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """``$FTCOOK_HOME`` when set, else e.g. ``~/.local/share/ftcook`` (not created here)."""
    if os.environ.get("FTCOOK_HOME"):
        return Path(os.environ["FTCOOK_HOME"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("ftcook", appauthor=False))


def user_recipes_dir() -> Path:
    return home() / "recipes"


def user_templates_dir() -> Path:
    return home() / "templates"
