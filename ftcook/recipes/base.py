"""The ``Recipe`` base class: a plugin that reads one kind of source and yields plain dict records.

A recipe knows its sources, not wording: templates (``templates/<name>/prompt.j2``, ``completion.j2``, optional
``system.j2``) turn records into text, and the shared pipeline does everything after (docs/writing-recipes.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, ClassVar, Iterable, Iterator

from pydantic import AfterValidator

from ftcook.errors import InputError, UsageError
from ftcook.options import PluginOptions
from ftcook.options import parse_options as parse_plugin_options
from ftcook.pipeline.ledger import Skip
from ftcook.pipeline.regions import check_region


class RecipeOptions(PluginOptions):
    """A recipe's options (``-o key=value`` on the command line); unknown keys are errors."""


#: the ``region`` option of recipes that read private messages: ``auto`` or a region libphonenumber knows
PhoneRegion = Annotated[str, AfterValidator(check_region)]
REGION_HELP = ("country for phone numbers written without +country code, for redaction: auto (read from each "
               "message: its sender's domain, its language, its +country numbers; else US) or ISO 3166 (US, DE, "
               "FR, GB, ...)")


class Recipe:
    """Subclass it, set ``name``, write ``records``; register the class with the ``register_recipes`` hook."""

    name: ClassVar[str] = ""
    #: one line for 'ftcook recipes' (default: the first line of the class docstring)
    description: ClassVar[str] = ""
    #: file suffixes the recipe reads, e.g. (".txt", ".md"); folders are searched for them
    inputs: ClassVar[tuple[str, ...]] = ()
    #: folder holding ``<name>/prompt.j2`` etc. for recipes that ship templates (plugins); built-ins use ftcook's
    template_dir: ClassVar[Path | None] = None
    #: skip reasons the recipe uses besides the pipeline's, code -> what it means (shown in docs and manifests)
    reasons: ClassVar[dict[str, str]] = {}
    #: fewest characters a completion needs to be kept (shorter ones are skipped as ``too_short``)
    min_chars: ClassVar[int] = 1
    #: whether the pipeline's privacy gate (ftcook.pipeline.redact) is on unless --redact/--no-redact says
    redact_default: ClassVar[bool] = False

    Options: ClassVar[type[RecipeOptions]] = RecipeOptions

    def __init__(self, options: dict[str, Any] | None = None, *, counter=None, model=None):
        self.options = parse_options(self, options or {})
        self.counter = counter  # the target model's token counter (ftcook.tokens.TokenCounter), set by the pipeline
        self.model = model

    @classmethod
    def summary(cls) -> str:
        doc = (cls.__doc__ or "").strip()
        return cls.description or (doc.splitlines()[0] if doc else "")

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        """Yield one dict per source item, with an ``id`` a person can find the item by ("notes.txt:line 12"),
        or a ``Skip`` for an item that cannot be used, with its reason."""
        raise NotImplementedError

    def who_is_me(self, sources: list[Path]) -> list[tuple[str, int]]:
        """For recipes that learn one person's writing (``-o me``): who in ``sources`` that could be, as
        (value for ``-o me``, messages), most first. ``ftcook start`` offers them to tick."""
        return []

    def inline_templates(self) -> dict[str, str]:
        """Template text given as options (the table recipe's ``-o prompt="{{ q }}"``), by part."""
        return {}

    def redaction(self) -> dict:
        """Settings for the privacy gate (``Redactor``): ``keep`` (addresses not to redact, e.g. the user's own),
        ``keep_patterns``, ``region`` (country for phone numbers without +code)."""
        return {}

    def redact(self, example):
        """A recipe's own redaction after the privacy gate's (when it is on): return the example changed."""
        return example

    def mask(self, text: str) -> str:
        """What ``redact`` hides, hidden in a skipped item's excerpt (no counting): the chat recipe's names."""
        return text

    def stats(self) -> dict:
        """Numbers about the sources for the manifest and the report (the language recipe: tokens per char)."""
        return {}

    def items_coming(self) -> int | None:
        """How many items ``records`` yields in all, asked once it has yielded its first; None when it does not
        know. A recipe that reads its sources before its first item (the email recipe's passes) knows, and a large
        build then starts its helper processes at once rather than after ``PARALLEL_FROM`` items."""
        return None

    # --- helpers for subclasses -----------------------------------------------------------------------------

    def files(self, sources: Iterable[Path]) -> Iterator[Path | Skip]:
        """The files to read: each named file, and the files in named folders (sorted, recursively) whose suffix
        the recipe reads; other files in folders are skipped with ``unsupported_file``."""
        for source in map(Path, sources):
            if source.is_dir():
                for path in sorted(p for p in source.rglob("*") if p.is_file()):
                    if any(part.startswith(".") for part in path.relative_to(source).parts):
                        continue  # hidden files and folders (.git, .DS_Store) are not sources
                    if self.accepts(path):
                        yield path
                    else:
                        yield Skip(str(path), "unsupported_file", detail=f"{self.name} reads {', '.join(self.inputs)}")
            elif source.is_file():
                if not self.accepts(source):
                    raise UsageError(f"{source}: the {self.name} recipe reads {', '.join(self.inputs)} files - "
                                     f"see 'ftcook recipes show {self.name}'")
                yield source
            else:
                raise InputError(source, "no such file or folder")

    def accepts(self, path: Path) -> bool:
        return not self.inputs or path.suffix.lower() in self.inputs


def parse_options(recipe: Recipe, values: dict[str, Any]) -> RecipeOptions:
    """Validate ``-o`` values against the recipe's Options, with messages that name the option."""
    return parse_plugin_options(recipe.Options, values, f"Recipe '{recipe.name}'")
