"""The legacy ``openai tools fine_tunes.prepare_data`` checks for prompt/completion data (FACTS.md), in its
order and with its thresholds. Like the legacy tool run with ``-q``, each check sees the data as the earlier
recommended fixes left it; a fix the user declines (``--decline CODE``) is not applied, so later checks see the
data without it. The result is a list of findings and a ``Plan`` that ``--fix`` applies to every example."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .findings import INFO, Finding, plural

MIN_EXAMPLES = 100
MAX_CHARS = 10_000  # prompt + completion; the legacy message speaks of 2048 tokens
MAX_PROMPT_PREFIX = 12
MIN_COMPLETION_PREFIX = 5
CLASSIFICATION_THRESHOLD = 3
SEPARATORS = [" ->", "\n\n###\n\n", "\n\n===\n\n", "\n\n---\n\n", "\n\n===>\n\n", "\n\n--->\n\n"]
SEPARATOR_FALLBACK = "\n\n### =>\n\n"
STOPS = ["\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%"]
STOP_FALLBACK = " [END]"
CHAT_ONLY_NOTE = " (this matters for completion models only: chat models mark where a reply starts and ends)"


@dataclass
class Plan:
    """The text changes ``--fix`` makes to every (prompt, completion), in the legacy order."""

    drop: dict = field(default_factory=dict)  # line -> code of the finding that drops it
    remove_extra: bool = False
    lowercase_prompt: bool = False
    lowercase_completion: bool = False
    add_separator: str = ""
    remove_prompt_prefix: str = ""
    remove_completion_prefix: str = ""
    keep_space: bool = False
    add_stop: str = ""
    add_leading_space: bool = False
    split: bool = False

    def apply(self, prompt: str, completion: str) -> tuple[str, str]:
        """One example's (prompt, completion) after the planned changes (pure)."""
        if self.lowercase_prompt:
            prompt = prompt.lower()
        if self.lowercase_completion:
            completion = completion.lower()
        prompt += self.add_separator
        if self.remove_prompt_prefix:
            prompt = prompt[len(self.remove_prompt_prefix):]
        if self.remove_completion_prefix:
            completion = (" " if self.keep_space else "") + completion[len(self.remove_completion_prefix):]
        completion += self.add_stop
        if self.add_leading_space and not completion.startswith(" "):
            completion = " " + completion
        return prompt, completion


def task_type(prompts: list[str], completions: list[str]) -> str:
    """The legacy tool's guess: open-ended generation, classification or conditional generation."""
    if not any(prompts):
        return "open-ended generation"
    if len(set(completions)) < len(completions) / CLASSIFICATION_THRESHOLD:
        return "classification"
    return "conditional generation"


def common_prefix(texts: list[str]) -> str:
    return os.path.commonprefix(texts) if texts else ""


def common_suffix(texts: list[str]) -> str:
    return common_prefix([t[::-1] for t in texts])[::-1]


def shown(text: str) -> str:
    return text.replace("\n", "\\n")


def _first_absent(options: list[str], texts: list[str], fallback: str, skip=lambda option: False) -> str:
    for option in options:
        if not skip(option) and not any(option in t for t in texts):
            return option
    return fallback


@dataclass
class _Data:
    """What the checks see: the rows as the earlier recommended fixes left them, the findings so far and the
    plan. Each check reads it, may add a finding, and applies its fix here unless the user declined it."""

    lines: list
    prompts: list[str]
    completions: list[str]
    rows: list[tuple]
    completion_target: bool
    declined: frozenset
    plan: Plan = field(default_factory=Plan)
    found: list[Finding] = field(default_factory=list)
    kind: str = ""

    def add(self, code: str, message: str, lines=(), **kw) -> bool:
        """Record a finding; True when its fix is to be applied (it has one and was not declined)."""
        finding = Finding(code, message, list(lines), declined=code in self.declined, **kw)
        self.found.append(finding)
        return not finding.declined and bool(finding.fix)

    def remove(self, code: str, bad: set) -> None:
        self.plan.drop.update({line: code for line in bad})
        kept = [i for i, line in enumerate(self.lines) if line not in bad]
        self.lines, self.prompts, self.completions = ([xs[i] for i in kept]
                                                      for xs in (self.lines, self.prompts, self.completions))

    @property
    def note(self) -> str:
        return "" if self.completion_target else CHAT_ONLY_NOTE

    @property
    def chat_only(self) -> dict:
        """A format fix that only completion models need is an info note without a fix for chat targets."""
        return {} if self.completion_target else {"severity": INFO, "fix": ""}


def few_examples(d: _Data) -> None:  # 1
    if len(d.rows) < MIN_EXAMPLES:
        d.add("few_examples", f"Your file contains {len(d.rows)} prompt-completion pairs. In general, we recommend "
              "having at least a few hundred examples: performance tends to increase linearly with every "
              "doubling of the number of examples.")


def extra_columns(d: _Data) -> None:  # 3
    extra = [r for r in d.rows if r[3]]
    if extra:
        names = sorted({k for r in extra for k in r[3]})
        d.plan.remove_extra = d.add("extra_columns", "The file should contain exactly two columns/keys per row; "
                                    f"additional ones present: {', '.join(names)}.", [r[0] for r in extra])


def classification(d: _Data) -> None:  # 5
    d.kind = task_type(d.prompts, d.completions)
    if d.kind == "classification":
        d.plan.split = d.add("classification_task", "Based on your data it seems like you're fine-tuning a model "
                             "for classification: keep a held-out validation set to estimate how well it does.")


def duplicate_rows(d: _Data) -> None:  # 6
    seen, duplicates = set(), set()
    for line, p, c in zip(d.lines, d.prompts, d.completions):
        if (p, c) in seen:
            duplicates.add(line)
        seen.add((p, c))
    message = plural(f"{len(duplicates)} examples repeat an earlier prompt-completion pair.", len(duplicates))
    if duplicates and d.add("duplicate_rows", message, duplicates):
        d.remove("duplicate_rows", duplicates)
    d.kind = task_type(d.prompts, d.completions)


def long_examples(d: _Data) -> None:  # 7
    if d.kind == "open-ended generation":
        return
    long = {line for line, p, c in zip(d.lines, d.prompts, d.completions) if len(p) + len(c) > MAX_CHARS}
    message = plural(f"{len(long)} example(s) very long (over {MAX_CHARS:,} characters of prompt and completion).",
                     len(long))
    if long and d.add("long_examples", message, long):
        d.remove("long_examples", long)


def uppercase(d: _Data) -> None:  # 8
    for column, code in (("prompt", "uppercase_prompts"), ("completion", "uppercase_completions")):
        texts = d.prompts if column == "prompt" else d.completions
        upper = sum(1 for t in texts for ch in t if ch.isupper())
        lower = sum(1 for t in texts for ch in t if ch.islower())
        if upper * 2 > lower and d.add(code, f"More than a third of your {column}s is uppercase; uppercase text "
                                       "tends to train worse than normal mixed case. Lowercase it if that makes "
                                       "sense in your domain."):
            if column == "prompt":
                d.plan.lowercase_prompt, d.prompts = True, [t.lower() for t in d.prompts]
            else:
                d.plan.lowercase_completion, d.completions = True, [t.lower() for t in d.completions]


def prompt_separator(d: _Data) -> None:  # 9
    if d.kind == "open-ended generation":
        return
    suffix = common_suffix(d.prompts)
    if all(p == suffix for p in d.prompts) and len(d.prompts) > 1:
        d.add("identical_prompts", f"All prompts are identical: `{shown(suffix)}`. Leave the prompts blank for "
              "open-ended generation, otherwise make them different.")
    elif suffix:
        message = f"All prompts end with suffix `{shown(suffix)}`."
        if len(suffix) > 10:
            message += " This suffix seems very long; consider a shorter one."
        if any(suffix in p[: -len(suffix)] for p in d.prompts):
            message += f" Some prompts contain `{shown(suffix)}` more than once: use a unique separator."
        d.add("prompt_separator", message)
    else:
        sep = _first_absent(SEPARATORS, d.prompts, SEPARATOR_FALLBACK,
                            skip=lambda s: s == " ->" and any("\n" in p for p in d.prompts))
        if d.add("missing_prompt_separator", "Your prompts do not end with a common separator; one makes "
                 f"clear where the completion should begin. Suggested: `{shown(sep)}`.{d.note}", **d.chat_only):
            d.plan.add_separator = sep
            d.prompts = [p + sep for p in d.prompts]


def prompt_prefix(d: _Data) -> None:  # 10
    prefix = common_prefix(d.prompts)
    if len(prefix) > MAX_PROMPT_PREFIX and not all(p == prefix for p in d.prompts):
        if d.add("common_prompt_prefix", f"All prompts start with prefix `{shown(prefix)}`. Fine-tuning doesn't "
                 "need the instruction for the task in every prompt: put only the input data into the prompt."):
            d.plan.remove_prompt_prefix = prefix
            d.prompts = [p[len(prefix):] for p in d.prompts]


def completion_prefix(d: _Data) -> None:  # 11
    prefix = common_prefix(d.completions)
    if len(prefix) >= MIN_COMPLETION_PREFIX and not all(c == prefix for c in d.completions):
        if d.add("common_completion_prefix", f"All completions start with prefix `{shown(prefix)}`. Most of the "
                 "time only the output data belongs in the completion, without a prefix."):
            d.plan.remove_completion_prefix, d.plan.keep_space = prefix, prefix.startswith(" ")
            d.completions = [(" " if d.plan.keep_space else "") + c[len(prefix):] for c in d.completions]


def stop_sequence(d: _Data) -> None:  # 12
    if d.kind != "conditional generation":
        return
    suffix = common_suffix(d.completions)
    if all(c == suffix for c in d.completions) and len(d.completions) > 1:
        d.add("identical_completions", f"All completions are identical: `{shown(suffix)}`. Make them different, "
              "otherwise the model will just repeat it.")
    elif suffix:
        d.add("stop_sequence", f"All completions end with suffix `{shown(suffix)}` (your stop sequence)." + d.note)
    else:
        stop = _first_absent(STOPS, d.completions, STOP_FALLBACK)
        if d.add("missing_stop_sequence", "Your completions do not end with a common ending; one tells the "
                 f"model where a completion stops. Suggested: `{shown(stop)}`.{d.note}", **d.chat_only):
            d.plan.add_stop = stop
            d.completions = [c + stop for c in d.completions]


def leading_space(d: _Data) -> None:  # 13
    if not all(c.startswith(" ") for c in d.completions):
        if d.add("completion_leading_space", "Completions should start with a space (` `); this tends to give "
                 f"better results with the tokenization OpenAI's completion models use.{d.note}", **d.chat_only):
            d.plan.add_leading_space = True


#: checks 1-13 in the legacy tool's order (2, a missing column, and 4, empty completions, are per example);
#: the second group needs at least one example left
CHECKS = (few_examples, extra_columns, classification, duplicate_rows, long_examples, uppercase)
TEXT_CHECKS = (prompt_separator, prompt_prefix, completion_prefix, stop_sequence, leading_space)


def legacy_checks(pairs: list[tuple], *, completion_target: bool, declined: frozenset = frozenset(),
                  dropped: frozenset = frozenset()) -> tuple[list[Finding], Plan]:
    """Run checks 1-13 of the legacy tool on ``(line, prompt, completion, extra_keys)`` rows.

    ``dropped`` holds lines that earlier (per-example) checks already drop, such as empty completions.
    """
    keep_empty = "empty_completion" in declined
    keep = [r for r in pairs if r[0] not in dropped or keep_empty]
    d = _Data([r[0] for r in keep], [r[1] for r in keep], [r[2] for r in keep], pairs, completion_target, declined)
    d.plan.drop.update({line: "empty_completion" for line in dropped if not keep_empty})
    for check in CHECKS:
        check(d)
    if d.prompts:
        for check in TEXT_CHECKS:
            check(d)
    return d.found, d.plan
