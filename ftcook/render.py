"""Templates: a recipe's records become prompt/completion text through jinja2 templates (DESIGN.md, "Templates").

Lookup order: the user dir (``$FTCOOK_HOME/templates``) → plugin template dirs → the built-in templates, so any
template is overridden by copying it (``ftcook templates copy language/completion.j2``). Undefined variables are
errors (``StrictUndefined``) that name the template, the variable and the record's keys.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import jinja2.meta

from .errors import FtcookError, UsageError
from .example import Example
from .home import user_templates_dir

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
_REMEMBER = 4096  # rendered parts kept (``Renderer._render_cached``), each of at most _REMEMBER_CHARS characters
_REMEMBER_CHARS = 2_000
#: filters and functions whose output is not a function of the template's variables: such templates are
#: rendered every time, never remembered
_IMPURE_FILTERS = frozenset({"random", "shuffle"})
_IMPURE_CALLS = frozenset({"lipsum", "cycler", "joiner"})
_MISSING = object()
PARTS = ("system", "prompt", "completion")


class TemplateError(FtcookError):
    """A template that does not render a record: which template, which variable, which keys the record has."""

    exit_code = 2


@dataclass(frozen=True)
class TemplateInfo:
    name: str  # "language/completion.j2"
    origin: str  # "user", "plugin" or "built-in"
    path: Path


def template_dirs(extra: tuple[Path, ...] = ()) -> list[tuple[str, Path]]:
    """(origin, folder) in lookup order."""
    return [("user", user_templates_dir())] + [("plugin", d) for d in extra] + [("built-in", BUILTIN_TEMPLATES)]


def _plugin_dirs() -> tuple[Path, ...]:
    from .plugins import plugin_template_dirs

    return plugin_template_dirs()


@lru_cache(maxsize=8)
def _environment(dirs: tuple[str, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(list(dirs)), undefined=jinja2.StrictUndefined, autoescape=False,
        keep_trailing_newline=False, trim_blocks=True, lstrip_blocks=True,
    )


def environment() -> jinja2.Environment:
    return _environment(tuple(str(d) for _, d in template_dirs(_plugin_dirs())))


def find_template(name: str) -> TemplateInfo | None:
    """Where ``name`` ("recipe/part.j2") comes from, following the lookup order; ``None`` when nowhere."""
    for origin, folder in template_dirs(_plugin_dirs()):
        path = folder / name
        if path.is_file():
            return TemplateInfo(name, origin, path)
    return None


def get_template_info(name: str) -> TemplateInfo:
    """Like ``find_template``, but a name that is nowhere is an error that says where to look."""
    info = find_template(name)
    if info is None:
        raise UsageError(f"No template named '{name}' - see 'ftcook templates list'")
    return info


def list_templates() -> list[TemplateInfo]:
    """Every template ftcook would use, one per name (the one the lookup order picks)."""
    names: set[str] = set()
    for _, folder in template_dirs(_plugin_dirs()):
        if folder.is_dir():
            names.update(p.relative_to(folder).as_posix() for p in folder.rglob("*.j2")
                         if p.is_file() and not p.relative_to(folder).as_posix().startswith("new_recipe/"))
    return [info for info in map(find_template, sorted(names)) if info is not None]


def copy_template(name: str, force: bool = False) -> Path:
    """Copy template ``name`` into the user dir, where it overrides the plugin or built-in one."""
    info = get_template_info(name)
    target = user_templates_dir() / name
    if target.exists() and not force:
        raise UsageError(f"{target} exists already - edit it, or pass --force to replace it with the "
                         f"{info.origin} one")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(info.path, target)
    return target


def _variables(tree: jinja2.nodes.Template) -> tuple[str, ...] | None:
    """The variables a parsed template reads, or None when its output is not a function of them alone: it
    includes, imports or extends another template (whose variables this cannot see), or draws random values."""
    if any(True for _ in jinja2.meta.find_referenced_templates(tree)):
        return None
    if any(f.name in _IMPURE_FILTERS for f in tree.find_all(jinja2.nodes.Filter)) or any(
            isinstance(c.node, jinja2.nodes.Name) and c.node.name in _IMPURE_CALLS
            for c in tree.find_all(jinja2.nodes.Call)):
        return None
    return tuple(sorted(jinja2.meta.find_undeclared_variables(tree)))


def _bare_variable(tree: jinja2.nodes.Template) -> str | None:
    """The variable a template prints when that is all it does (``{{ text }}``), else None."""
    if len(tree.body) == 1 and isinstance(tree.body[0], jinja2.nodes.Output) and len(tree.body[0].nodes) == 1:
        node = tree.body[0].nodes[0]
        return node.name if isinstance(node, jinja2.nodes.Name) else None
    return None


def _frozen(value):
    """A record's value as a dictionary key."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


class Renderer:
    """Renders the records of one recipe into Examples with its ``system``/``prompt``/``completion`` templates.
    ``inline`` maps a part to template text given on the command line (``-o prompt="{{ q }}"``)."""

    def __init__(self, recipe_name: str, inline: dict[str, str] | None = None):
        env = environment()
        self.recipe = recipe_name
        self.templates: dict[str, jinja2.Template] = {}
        self.sources: dict[str, str] = {}
        self._reads: dict[str, tuple[str, ...] | None] = {}  # part -> the variables its template reads
        self._bare: dict[str, str | None] = {}  # part -> the variable a template that is only ``{{ name }}`` prints
        for part in PARTS:
            text = (inline or {}).get(part)
            name = f"{recipe_name}/{part}.j2"
            try:
                if text is not None:
                    self.templates[part] = env.from_string(text)
                    self.sources[f"{part} (inline)"] = text
                else:
                    info = find_template(name)
                    if info is None:
                        continue
                    self.templates[part] = env.get_template(name)
                    self.sources[name] = text = info.path.read_text(encoding="utf-8")
                # a plain dict rather than jinja2's ChainMap of the template's and the environment's globals: every
                # render copies them into its context, and a ChainMap is slow to copy (6 -> 2.4 us a small render)
                self.templates[part].globals = dict(self.templates[part].globals)
                tree = env.parse(text)
                self._reads[part], self._bare[part] = _variables(tree), _bare_variable(tree)
            except jinja2.TemplateSyntaxError as error:
                where = f"inline {part} template" if text is not None else f"template {name}"
                raise TemplateError(f"{where}, line {error.lineno}: {error.message} - fix the jinja2 syntax") from None
        if "completion" not in self.templates:
            raise TemplateError(f"recipe '{recipe_name}' has no completion template ({recipe_name}/completion.j2) "
                                f"- add one to {user_templates_dir()} or to the recipe's templates")
        self._rendered: dict[tuple, str] = {}

    def hashes(self) -> dict[str, str]:
        """sha256 of every template used, for the manifest."""
        return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(self.sources.items())}

    def render(self, record: dict) -> Example:
        """The record's Example. A record with ``context`` (earlier turns of a conversation: records of their own
        with ``role`` "user" or "assistant") gets each turn rendered with the prompt or completion template, so
        every turn is worded as the last one is."""
        parts = {part: self._render_part(part, record) for part in self.templates}
        meta = {key: record[key] for key in ("id", "source", "place", "group") if key in record}
        meta.update(record.get("meta") or {})
        context = tuple((turn["role"], self._render_part(part, {**record, **turn}))
                        for turn in record.get("context") or ()
                        for part in ("prompt" if turn["role"] == "user" else "completion",)
                        if part in self.templates)
        return Example(parts.get("prompt", ""), parts["completion"], parts.get("system") or None, meta, context)

    def _render_part(self, part: str, record: dict) -> str:
        """One part: a template that only prints a variable gives that string as it is (what jinja2 would
        render), any other is rendered or remembered (``_render_cached``)."""
        name = self._bare.get(part)
        if name is not None:
            value = record.get(name)
            if isinstance(value, str):
                return value
        return self._render_cached(part, record)

    def _render_cached(self, part: str, record: dict) -> str:
        """A part remembered by the values its template reads: the system prompt is the same for every record of
        a recipe, and a conversation's earlier turns recur as the context of every reply after them. Templates
        that include others or draw random values, and values that cannot be keys, are rendered every time."""
        reads = self._reads.get(part)
        if reads is None:
            return self._render(part, self.templates[part], record)
        key = (part, *(_frozen(record.get(name, _MISSING)) for name in reads))
        try:
            text = self._rendered.get(key)
        except TypeError:  # a value that cannot be a key (a set, an object): render it every time
            return self._render(part, self.templates[part], record)
        if text is None:
            text = self._render(part, self.templates[part], record)
            if len(text) <= _REMEMBER_CHARS:  # a long part (an email's prompt with its parent) rarely recurs
                if len(self._rendered) >= _REMEMBER:
                    self._rendered.clear()
                self._rendered[key] = text
        return text

    def _render(self, part: str, template: jinja2.Template, record: dict) -> str:
        try:
            return template.render(record)
        except jinja2.UndefinedError as error:
            name = template.name or f"inline {part} template"
            keys = ", ".join(sorted(record)) or "(none)"
            raise TemplateError(f"template {name}: {error.message} (record {record.get('id', '?')} has keys: "
                                f"{keys}) - use one of those keys, or '{{{{ name | default(\"\") }}}}'") from None
        except jinja2.TemplateError as error:
            name = template.name or f"inline {part} template"
            raise TemplateError(f"template {name}: {error} (record {record.get('id', '?')})") from None
