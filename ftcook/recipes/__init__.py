"""Recipes: plugins that turn one kind of source into records (docs/writing-recipes.md).

Everything a recipe author needs is importable from here::

    from ftcook.recipes import Recipe, RecipeOptions, Skip, hookimpl
"""

from ftcook.pipeline.ledger import Skip
from ftcook.plugins import hookimpl
from ftcook.recipes.base import Recipe, RecipeOptions

__all__ = ["Recipe", "RecipeOptions", "Skip", "hookimpl"]
