"""``ftcook start`` (and bare ``ftcook`` in a terminal): pick a recipe by what the model should learn, then the
source, the options and the output folder; preview, build and train. Every step prints the plain command it runs
and runs exactly that command, so the script printed at the end, run as printed, does the same again.

``run(asker, say, places, execute)``: ``asker`` asks (``ask.TerminalAsker``, or a scripted one in tests), ``say``
prints, ``places`` is where to look for sources (``sources.py``), ``execute(argv)`` runs one ftcook command and
returns its exit status. A cancelled question (Ctrl-C, Esc) ends the picker: a build writes its folder only when it
completes, so nothing is left half-written.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .ask import Asker
from .sources import Places, suggest

#: what the model should learn -> the recipe (None: a new recipe of the user's own)
GOALS = [("email", "my emails: write replies the way I do (a mailbox: mbox, Maildir, Gmail Takeout)"),
         ("chat", "my chats: talk the way I do (WhatsApp, Telegram, Discord, Messenger, Slack exports)"),
         ("author", "an author's books: write in their voice (EPUB files)"),
         ("language", "a language: text in a language the model is weak in (plain text)"),
         ("table", "rows of a table: questions and answers, inputs and outputs (CSV, Excel, JSON Lines)"),
         ("new-recipe", "something else: write my own recipe")]
SAMPLE, OTHER = "\0sample", "\0other"
CANCELLED = 130


class Cancelled(Exception):
    """The person cancelled a question."""


@dataclass
class Plan:
    """What the picker chose; ``commands()`` is the script printed at the end."""

    recipe: str = ""
    sources: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)  # key=value
    out: str = ""
    steps: list[list[str]] = field(default_factory=list)  # the ftcook commands run, in order

    def build_argv(self, *extra: str) -> list[str]:
        return ["build", self.recipe, *self.sources, "--out", self.out,
                *(a for option in self.options for a in ("-o", option)), *extra]


def shown(argv: list[str]) -> str:
    return shlex.join(["ftcook", *argv])


def run(asker: Asker, say: Callable[[str], None], places: Places, execute: Callable[[list[str]], int]) -> int:
    """The whole picker; the exit status of the last command run (130 when cancelled)."""
    plan = Plan()
    try:
        status = _steps(_Ask(asker), say, places, execute, plan)
    except Cancelled:
        say("Cancelled; nothing half-written was left." + (" What ran so far:" if plan.steps else ""))
        status = CANCELLED
    if plan.steps:
        say("\nThe same, as commands to copy and adapt:\n" + "\n".join(shown(s) for s in plan.steps))
    return status


def _steps(ask: "_Ask", say, places: Places, execute, plan: Plan) -> int:
    def step(argv: list[str]) -> int:
        say(f"\n$ {shown(argv)}")
        plan.steps.append(argv)
        return execute(argv)

    goal = ask.select("What should the model learn?", goals())
    if goal == "new-recipe":
        from ..scaffold import NAME

        name = ask.text("A name for your recipe (e.g. 'my_notes'):", "my_recipe",
                        validate=lambda v: None if NAME.match(v) else
                        "2-40 lowercase letters, digits and underscores, starting with a letter")
        return step(["new-recipe", name])
    plan.recipe = goal
    plan.sources = _source(ask, say, places, goal, step)
    plan.options = _options(ask, say, goal, plan.sources)
    plan.out = ask.text("Folder to write the dataset to:", _free(places.here, f"{goal}-data"),
                        validate=lambda v: None if v.strip() else "a folder name, please")
    if ask.confirm("Preview a few examples first (redacted as they will be written)?", True):
        step(plan.build_argv("--preview", "3"))
        if not ask.confirm("Build the dataset now?", True):
            return 0
    status = step(plan.build_argv())
    if status != 0:
        say("The build stopped (above: why). Change the command to fix it and run it again.")
        return status
    if not ask.confirm("Train a model on it now, on this machine (the preflight says how long first)?", False):
        say(f"\nNext: {shown(['report', plan.out])} (charts), {shown(['train', plan.out])} (a model)")
        return 0
    return step(["train", plan.out])


def goals() -> list[tuple[str, str]]:
    """The built-in goals, then each recipe of a plugin or of $FTCOOK_HOME/recipes, before "something else"."""
    from ..plugins import get_recipes

    built_in = {value for value, _ in GOALS}
    own = [(name, f"{name}: {cls.summary()} (your recipe)") for name, cls in get_recipes().items()
           if name not in built_in]
    return GOALS[:-1] + own + GOALS[-1:]


def _source(ask: "_Ask", say, places: Places, recipe: str, step) -> list[str]:
    found = suggest(recipe, places)
    choices = [(str(p), places.shown(p)) for p in found]
    choices += [(SAMPLE, f"the bundled sample (to try it first: 'ftcook samples copy {recipe} .')"),
                (OTHER, "another file or folder...")]
    if not found:
        say(f"No {recipe} sources found in the usual places (docs/recipes/{recipe}.md says how to export them).")
    picked = ask.select("Where is the source?", choices)
    if picked == SAMPLE:
        from ..samples import get_sample

        step(["samples", "copy", recipe, "."])
        return [get_sample(recipe).path.name]
    if picked == OTHER:
        picked = ask.text("Path (a file or a folder; several: separate with spaces):", "",
                          validate=lambda v: _missing(v, places.here))
        return shlex.split(picked)
    return [places.shown(Path(picked))]


def _options(ask: "_Ask", say, recipe: str, sources: list[str]) -> list[str]:
    from ..options import option_rows
    from ..plugins import get_recipe

    cls = get_recipe(recipe)
    options = []
    if "me" in cls.Options.model_fields:
        options += [f"me={me}" for me in _me(ask, cls, sources)]
    if recipe == "table":
        options += _columns(ask, cls, sources)
    rows = [r for r in option_rows(cls.Options) if r[0] not in ("me", "prompt", "completion")]
    say("\nThe recipe's other options and their defaults:\n" +
        "\n".join(f"  {name} (default {default}): {help_text}" for name, _, default, help_text in rows))
    more = ask.text("Change any? key=value, separated by spaces (empty: keep the defaults):", "",
                    validate=lambda v: None if all("=" in a for a in shlex.split(v)) else "key=value, please")
    return options + shlex.split(more)


def _me(ask: "_Ask", cls, sources: list[str]) -> list[str]:
    """Who you are in the source: the recipe's candidates (most messages first) to tick, or typed."""
    found = cls().who_is_me([Path(s) for s in sources])
    if not found:
        return [ask.text("Your address or name as the source writes it:", "",
                         validate=lambda v: None if v.strip() else "the recipe needs it")]
    choices = [(value, f"{value}  ({count:,} messages)") for value, count in found]
    picked = ask.checkbox("Which of these are you? (space ticks, enter confirms)", choices, [found[0][0]])
    if not picked:
        raise Cancelled
    return picked


def _columns(ask: "_Ask", cls, sources: list[str]) -> list[str]:
    """The table recipe's prompt and completion: a column each, from the first row's columns."""
    record = next((r for r in cls().records([Path(s) for s in sources]) if isinstance(r, dict)), {})
    columns = [(k, k) for k in record if k not in ("id", "source", "row", "place")]
    if not columns:
        return []
    prompt = ask.select("Which column is the prompt (what the model is given)?", columns)
    completion = ask.select("Which column is the completion (what it should write)?",
                            [c for c in columns if c[0] != prompt])
    return [f"prompt={{{{ {prompt} }}}}", f"completion={{{{ {completion} }}}}"]


def _missing(value: str, here: Path) -> str | None:
    paths = shlex.split(value) if value.strip() else []
    if not paths:
        return "a path, please"
    gone = [p for p in paths if not (here / Path(p).expanduser()).exists()]
    return f"not found: {', '.join(gone)}" if gone else None


def _free(here: Path, name: str) -> str:
    number, candidate = 1, name
    while (here / candidate).exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


class _Ask:
    """The asker, with a cancelled question raised as ``Cancelled``."""

    def __init__(self, asker: Asker):
        self.asker = asker

    def __getattr__(self, name):
        method = getattr(self.asker, name)

        def asked(*args, **kwargs):
            answer = method(*args, **kwargs)
            if answer is None:
                raise Cancelled
            return answer

        return asked
