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


def legacy_checks(pairs: list[tuple], *, completion_target: bool, declined: frozenset = frozenset(),
                  dropped: frozenset = frozenset()) -> tuple[list[Finding], Plan]:
    """Run checks 1-13 of the legacy tool on ``(line, prompt, completion, extra_keys)`` rows.

    ``dropped`` holds lines that earlier (per-example) checks already drop, such as empty completions.
    """
    plan = Plan()
    found: list[Finding] = []

    def add(code, message, lines=(), **kw):
        finding = Finding(code, message, list(lines), declined=code in declined, **kw)
        found.append(finding)
        return not finding.declined and bool(finding.fix)

    rows = pairs
    if len(rows) < MIN_EXAMPLES:  # 1
        add("few_examples", f"Your file contains {len(rows)} prompt-completion pairs. In general, we recommend "
            "having at least a few hundred examples: performance tends to increase linearly with every "
            "doubling of the number of examples.")
    extra = [r for r in rows if r[3]]  # 3
    if extra:
        names = sorted({k for r in extra for k in r[3]})
        plan.remove_extra = add("extra_columns", "The file should contain exactly two columns/keys per row; "
                                f"additional ones present: {', '.join(names)}.", [r[0] for r in extra])
    keep = [r for r in rows if r[0] not in dropped or "empty_completion" in declined]  # 4 (found per example)
    plan.drop.update({line: "empty_completion" for line in dropped if "empty_completion" not in declined})
    lines = [r[0] for r in keep]
    prompts = [r[1] for r in keep]
    completions = [r[2] for r in keep]

    def remove(code, bad: set):
        nonlocal lines, prompts, completions
        plan.drop.update({line: code for line in bad})
        kept = [i for i, line in enumerate(lines) if line not in bad]
        lines, prompts, completions = ([xs[i] for i in kept] for xs in (lines, prompts, completions))

    kind = task_type(prompts, completions)  # 5
    if kind == "classification":
        plan.split = add("classification_task", "Based on your data it seems like you're fine-tuning a model "
                         "for classification: keep a held-out validation set to estimate how well it does.")
    seen, duplicates = set(), set()  # 6
    for line, p, c in zip(lines, prompts, completions):
        if (p, c) in seen:
            duplicates.add(line)
        seen.add((p, c))
    if duplicates and add("duplicate_rows", plural(f"{len(duplicates)} examples repeat an earlier prompt-completion pair.",
                                                len(duplicates)),
                          duplicates):
        remove("duplicate_rows", duplicates)
    kind = task_type(prompts, completions)
    if kind != "open-ended generation":  # 7
        long = {line for line, p, c in zip(lines, prompts, completions) if len(p) + len(c) > MAX_CHARS}
        if long and add("long_examples", plural(f"{len(long)} example(s) very long (over {MAX_CHARS:,} characters "
                                                   "of prompt and completion).", len(long)), long):
            remove("long_examples", long)
    for column, code in (("prompt", "uppercase_prompts"), ("completion", "uppercase_completions")):  # 8
        texts = prompts if column == "prompt" else completions
        upper = sum(1 for t in texts for ch in t if ch.isupper())
        lower = sum(1 for t in texts for ch in t if ch.islower())
        if upper * 2 > lower and add(code, f"More than a third of your {column}s is uppercase; uppercase text "
                                     "tends to train worse than normal mixed case. Lowercase it if that makes "
                                     "sense in your domain."):
            if column == "prompt":
                plan.lowercase_prompt, prompts = True, [t.lower() for t in prompts]
            else:
                plan.lowercase_completion, completions = True, [t.lower() for t in completions]
    if not prompts:
        return found, plan
    chat_only = {} if completion_target else {"severity": INFO, "fix": ""}
    note = "" if completion_target else CHAT_ONLY_NOTE
    if kind != "open-ended generation":  # 9
        suffix = common_suffix(prompts)
        if all(p == suffix for p in prompts) and len(prompts) > 1:
            add("identical_prompts", f"All prompts are identical: `{shown(suffix)}`. Leave the prompts blank for "
                "open-ended generation, otherwise make them different.")
        elif suffix:
            message = f"All prompts end with suffix `{shown(suffix)}`."
            if len(suffix) > 10:
                message += " This suffix seems very long; consider a shorter one."
            if any(suffix in p[: -len(suffix)] for p in prompts):
                message += f" Some prompts contain `{shown(suffix)}` more than once: use a unique separator."
            add("prompt_separator", message)
        else:
            sep = _first_absent(SEPARATORS, prompts, SEPARATOR_FALLBACK,
                                skip=lambda s: s == " ->" and any("\n" in p for p in prompts))
            if add("missing_prompt_separator", "Your prompts do not end with a common separator; one makes "
                   f"clear where the completion should begin. Suggested: `{shown(sep)}`.{note}", **chat_only):
                plan.add_separator = sep
                prompts = [p + sep for p in prompts]
    prefix = common_prefix(prompts)  # 10
    if len(prefix) > MAX_PROMPT_PREFIX and not all(p == prefix for p in prompts):
        if add("common_prompt_prefix", f"All prompts start with prefix `{shown(prefix)}`. Fine-tuning doesn't "
               "need the instruction for the task in every prompt: put only the input data into the prompt."):
            plan.remove_prompt_prefix = prefix
            prompts = [p[len(prefix):] for p in prompts]
    prefix = common_prefix(completions)  # 11
    if len(prefix) >= MIN_COMPLETION_PREFIX and not all(c == prefix for c in completions):
        if add("common_completion_prefix", f"All completions start with prefix `{shown(prefix)}`. Most of the "
               "time only the output data belongs in the completion, without a prefix."):
            plan.remove_completion_prefix, plan.keep_space = prefix, prefix.startswith(" ")
            completions = [(" " if plan.keep_space else "") + c[len(prefix):] for c in completions]
    if kind == "conditional generation":  # 12
        suffix = common_suffix(completions)
        if all(c == suffix for c in completions) and len(completions) > 1:
            add("identical_completions", f"All completions are identical: `{shown(suffix)}`. Make them different, "
                "otherwise the model will just repeat it.")
        elif suffix:
            add("stop_sequence", f"All completions end with suffix `{shown(suffix)}` (your stop sequence)." + note)
        else:
            stop = _first_absent(STOPS, completions, STOP_FALLBACK)
            if add("missing_stop_sequence", "Your completions do not end with a common ending; one tells the "
                   f"model where a completion stops. Suggested: `{shown(stop)}`.{note}", **chat_only):
                plan.add_stop = stop
                completions = [c + stop for c in completions]
    if not all(c.startswith(" ") for c in completions):  # 13
        if add("completion_leading_space", "Completions should start with a space (` `); this tends to give "
               f"better results with the tokenization OpenAI's completion models use.{note}", **chat_only):
            plan.add_leading_space = True
    return found, plan
