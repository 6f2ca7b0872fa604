"""Plugins (pluggy, like llm): hooks ``register_recipes``, ``register_backends`` and ``register_commands``.

Built-in recipes register through the same hooks as third-party packages (entry-point group ``ftcook``) and
one-off recipe files (``$FTCOOK_HOME/recipes/*.py``). Two recipes with one name is an error.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import pluggy

from .errors import PluginError
from .home import user_recipes_dir

hookspec = pluggy.HookspecMarker("ftcook")
hookimpl = pluggy.HookimplMarker("ftcook")

#: the built-in recipes' modules by recipe name, and the built-in backends' modules. They are registered when
#: first needed: a build imports its own recipe's module only (all of them cost ~0.04 s of every build)
BUILTIN_RECIPES = {"author": "ftcook.recipes.author", "chat": "ftcook.recipes.chat", "email": "ftcook.recipes.email",
                   "language": "ftcook.recipes.language", "table": "ftcook.recipes.table"}
BUILTIN_BACKENDS = ("ftcook.runner.local", "ftcook.runner.openai_api")
BUILTIN_MODULES = (*BUILTIN_RECIPES.values(), *BUILTIN_BACKENDS)


class Specs:
    @hookspec
    def register_recipes(self, register):
        """Call ``register(RecipeClass)`` for each recipe the plugin provides."""

    @hookspec
    def register_backends(self, register):
        """Call ``register(BackendClass)`` for each training backend the plugin provides (ftcook.runner.base)."""

    @hookspec
    def register_commands(self, cli):
        """Add click commands to the ``ftcook`` group (``@cli.command()``)."""


_managers: dict[str, pluggy.PluginManager] = {}


def manager(builtins: tuple[str, ...] | None = None) -> pluggy.PluginManager:
    """The plugin manager for the current user dir: installed plugins, one-off recipe files, and the built-in
    modules named in ``builtins`` (default: all of them) registered into it if they are not yet."""
    pm = _manager()
    for name in BUILTIN_MODULES if builtins is None else builtins:
        if pm.get_plugin(name) is None:
            pm.register(importlib.import_module(name), name=name)
    return pm


def _manager() -> pluggy.PluginManager:
    folder = user_recipes_dir()
    files = sorted(folder.glob("*.py")) if folder.is_dir() else []
    key = repr((str(folder), [(p.name, p.stat().st_mtime_ns) for p in files]))  # a new or edited file: reload
    pm = _managers.get(key)
    if pm is None:
        pm = pluggy.PluginManager("ftcook")
        pm.add_hookspecs(Specs)
        try:
            pm.load_setuptools_entrypoints("ftcook")
        except Exception as error:  # noqa: BLE001 - a broken third-party plugin must not hide which one
            raise PluginError(f"An installed ftcook plugin failed to load ({type(error).__name__}: {error}) - "
                              f"'pip list' shows installed packages; uninstall or fix it") from None
        for path in files:
            if not path.name.startswith(("_", "test_")):
                pm.register(_load_file(path), name=f"file:{path}")
        _managers[key] = pm
    return pm


def _load_file(path: Path):
    name = f"ftcook_user_recipes.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any error in a user's recipe file: name the file and line
        sys.modules.pop(name, None)
        tb = error.__traceback__
        line = getattr(error, "lineno", None)
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == str(path):
                line = tb.tb_lineno
            tb = tb.tb_next
        where = f"{path}, line {line}" if line else str(path)
        raise PluginError(f"{where}: the recipe file failed to load ({type(error).__name__}: {error}) - fix it, "
                          f"or move it out of {path.parent}") from None
    return module


def get_recipes(builtins: tuple[str, ...] | None = None) -> dict[str, type]:
    """Every registered recipe class by name, sorted by name (with ``builtins``, of the built-in modules only
    those, besides any registered before)."""
    from .recipes.base import Recipe

    found: dict[str, type] = {}

    def register(cls):
        if not (isinstance(cls, type) and issubclass(cls, Recipe)) or not cls.name:
            raise PluginError(f"{cls!r} is not a Recipe subclass with a name - register(MyRecipe) expects one")
        if cls.name in found and found[cls.name] is not cls:
            other = found[cls.name]
            raise PluginError(f"Two recipes are named '{cls.name}': {other.__module__}.{other.__qualname__} and "
                              f"{cls.__module__}.{cls.__qualname__} - rename one (its 'name' attribute)")
        found[cls.name] = cls

    manager(builtins).hook.register_recipes(register=register)
    return dict(sorted(found.items()))


def get_recipe(name: str) -> type:
    """The recipe ``name``: a built-in one imports its own module only (plugins and recipe files load as always,
    so one of them with a built-in's name is still an error)."""
    if name in BUILTIN_RECIPES:
        recipes = get_recipes((BUILTIN_RECIPES[name],))
        if name in recipes:
            return recipes[name]
    recipes = get_recipes()
    if name not in recipes:
        import difflib

        close = difflib.get_close_matches(name, recipes, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise PluginError(f"No recipe named '{name}' - {hint}'ftcook recipes' lists them: {', '.join(recipes)}")
    return recipes[name]


def plugin_template_dirs() -> tuple[Path, ...]:
    """Template folders of registered recipes that ship their own (plugins and one-off recipe files)."""
    dirs = []
    for cls in get_recipes(builtins=()).values():  # built-in recipes use ftcook's own templates
        folder = getattr(cls, "template_dir", None)
        if folder and Path(folder) not in dirs:
            dirs.append(Path(folder))
    return tuple(dirs)


def register_commands(cli) -> None:
    """Let every plugin add its commands to ``cli`` (ftcook.cli does this when it is imported)."""
    manager().hook.register_commands(cli=cli)
