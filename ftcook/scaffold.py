"""``ftcook new-recipe``: a new recipe to copy and adapt, rendered from ``ftcook/templates/new_recipe/``.

Only files ending in ``.jinja`` are rendered (the suffix is dropped); the recipe's own ``.j2`` templates and
the fixture are copied as they are. ``--from RECIPE`` starts from a registered recipe's code and templates.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .errors import UsageError
from .home import user_recipes_dir
from .render import PARTS, find_template

SCAFFOLD = Path(__file__).parent / "templates" / "new_recipe"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


@dataclass
class Scaffold:
    root: Path
    files: list[Path]
    next_steps: list[str]


def class_name(name: str) -> str:
    """The Python class name of recipe ``name``.

    >>> class_name("my_emails")
    'MyEmails'
    """
    return "".join(part.capitalize() for part in name.split("_"))


def new_recipe(name: str, package: bool = False, base: str | None = None, directory: Path | None = None,
               force: bool = False) -> Scaffold:
    if not NAME.match(name):
        raise UsageError(f"'{name}' is not a usable recipe name: use 2-40 lowercase letters, digits and "
                         f"underscores, starting with a letter (e.g. my_emails)")
    from .plugins import get_recipes

    if name in get_recipes():
        raise UsageError(f"A recipe named '{name}' exists already - pick another name ('ftcook recipes' lists them)")
    module = f"ftcook_{name}" if package else name
    if package:
        root = Path(directory or ".") / f"ftcook-{name.replace('_', '-')}"
        code_dir, tests = root / module, root / "tests"
        module_path = code_dir / "__init__.py"
        files = {module_path: "recipe.py.jinja", root / "pyproject.toml": "pyproject.toml.jinja",
                 root / "README.md": "README.md.jinja"}
    else:
        root = Path(directory) if directory else user_recipes_dir()
        code_dir, tests = root, root / "tests"
        module_path = root / f"{name}.py"
        files = {module_path: "recipe.py.jinja"}
    files[tests / f"test_{name}.py"] = "test_recipe.py.jinja"
    files[tests / "fixtures" / "sample.txt"] = "sample.txt"
    templates = code_dir / "templates" / name
    context = {"name": name, "class_name": class_name(name), "module": module, "package": package, "base": base,
               "description": "a recipe made with 'ftcook new-recipe' (edit this line).",
               "test_path": (tests / f"test_{name}.py").as_posix()}
    contents = {path: _render(source, context) for path, source in files.items()}
    if base:
        code, parts = _from_recipe(base, name)
        contents[module_path] = code
        contents.update({templates / part: text for part, text in parts.items()})
    else:
        contents.update({templates / part: (SCAFFOLD / part).read_text(encoding="utf-8")
                         for part in ("prompt.j2", "completion.j2")})
    existing = [path for path in contents if path.exists()]
    if existing and not force:
        raise UsageError(f"{existing[0]} exists already - pass --force to overwrite, or --dir to write elsewhere")
    for path, text in contents.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Scaffold(root, sorted(contents), _next_steps(name, root, package, tests))


def _render(source: str, context: dict) -> str:
    if not source.endswith(".jinja"):
        return (SCAFFOLD / source).read_text(encoding="utf-8")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    return env.from_string((SCAFFOLD / source).read_text(encoding="utf-8")).render(context)


def _from_recipe(base: str, name: str) -> tuple[str, dict[str, str]]:
    """The code of recipe ``base`` renamed to ``name`` (class, ``name``, templates next to it), and its templates."""
    from .plugins import get_recipe

    cls = get_recipe(base)
    code = inspect.getsource(inspect.getmodule(cls))
    new_class = class_name(name)
    code = re.sub(rf"\b{cls.__name__}\b", new_class, code)
    code = re.sub(r'^([ \t]+)name = "[^"]*"\n', rf'\1name = "{name}"\n\1template_dir = Path(__file__).parent / '
                  r'"templates"' "\n", code, count=1, flags=re.M)
    if not re.search(r"^from pathlib import .*\bPath\b", code, flags=re.M):
        code = code.replace("from __future__ import annotations\n", "from __future__ import annotations\n\n"
                            "from pathlib import Path\n", 1)
    code = f'"""The {name} recipe, started from ftcook\'s {base} recipe with \'ftcook new-recipe --from {base}\'.' \
           f'"""\n\n' + code.split('"""', 2)[2].lstrip("\n") if code.startswith('"""') else code
    parts = {}
    for part in PARTS:
        info = find_template(f"{base}/{part}.j2")
        if info is not None:
            parts[f"{part}.j2"] = info.path.read_text(encoding="utf-8")
    return code, parts


def _next_steps(name: str, root: Path, package: bool, tests: Path) -> list[str]:
    if package:
        return [f"cd {root}", "pip install -e '.[test]'", f"ftcook recipes            # lists {name}",
                f"ftcook build {name} tests/fixtures/sample.txt --out dataset", "pytest"]
    steps = [f"ftcook recipes            # lists {name}" if root == user_recipes_dir() else
             f"copy {root / (name + '.py')} and {root / 'templates'} into {user_recipes_dir()} (ftcook loads "
             f"recipes from there)",
             f"ftcook build {name} {tests / 'fixtures' / 'sample.txt'} --out dataset",
             f"pytest {tests / f'test_{name}.py'}"]
    return steps
