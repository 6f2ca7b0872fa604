"""The ``table`` recipe: rows of a CSV, TSV, Excel sheet, JSON array or JSON Lines file become examples through
two templates - the quickest way to bring data you already have.

Each row's columns are template variables (``{{ question }}``), and ``row`` holds the whole row for names that
are not identifiers (``{{ row["Question text"] }}``). The templates come from ``-o prompt=...`` /
``-o completion=...`` (template text, or the path of a .j2 file), else from ``table/prompt.j2`` and
``table/completion.j2``, which expect ``prompt`` and ``completion`` columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from pydantic import Field

from ftcook.errors import InputError, UsageError
from ftcook.plugins import hookimpl
from ftcook.readers import KINDS, ParseProblem, open_source
from ftcook.recipes.base import Recipe, RecipeOptions
from ftcook.pipeline.ledger import Skip

TEMPLATE_FILE_SUFFIXES = (".j2", ".jinja", ".jinja2", ".txt")


class Table(Recipe):
    """Rows of a table (CSV, TSV, XLSX, JSON, JSONL) through a prompt and a completion template."""

    name = "table"
    inputs = tuple(suffix for suffix in KINDS if suffix != ".txt")

    class Options(RecipeOptions):
        prompt: str | None = Field(None, description="prompt template text or .j2 file (default: table/prompt.j2, "
                                                     "'{{ prompt }}')")
        completion: str | None = Field(None, description="completion template text or .j2 file (default: "
                                                         "table/completion.j2, '{{ completion }}')")
        system: str | None = Field(None, description="system prompt template text or .j2 file (default: none)")

    def inline_templates(self) -> dict[str, str]:
        parts = {"prompt": self.options.prompt, "completion": self.options.completion, "system": self.options.system}
        return {part: _template_text(part, value) for part, value in parts.items() if value is not None}

    def records(self, sources: list[Path]) -> Iterator[dict | Skip]:
        for path in self.files(sources):
            if isinstance(path, Skip):
                yield path
                continue
            try:
                source = open_source(path)
                source.required = ()  # any columns: the templates say which they use
            except InputError as error:
                yield Skip(path.as_posix(), "unreadable", error.problem)
                continue
            try:
                yield from _rows(path, source)
            except InputError as error:  # a problem the reader finds part-way (the rows before it are kept)
                yield Skip(path.as_posix(), "unreadable", str(error))


def _rows(path: Path, source) -> Iterator[dict | Skip]:
    for line, row in source.items():
        item_id = f"{path.as_posix()}:{line}"
        if isinstance(row, ParseProblem):
            yield Skip(item_id, "unreadable", f"{row.code}: {row.detail}")
        elif not isinstance(row, dict):
            yield Skip(item_id, "unreadable", "not a row of named columns (a JSON object)")
        else:
            yield {**row, "row": row, "id": item_id, "source": path.as_posix(), "place": f"line {line}"}


def _template_text(part: str, value: str) -> str:
    """Template text from an option: the content of a template file, or the text itself."""
    if value.lower().endswith(TEMPLATE_FILE_SUFFIXES) and "{" not in value:
        path = Path(value).expanduser()
        if not path.is_file():
            raise UsageError(f"-o {part}={value}: no such template file")
        return path.read_text(encoding="utf-8")
    return value


@hookimpl
def register_recipes(register):
    register(Table)
