"""``ftcook check --fix``: write the repaired, converted file beside the input, never over it.

Output names follow the legacy tool: ``<base>_prepared.jsonl``, or ``<base>_prepared_train.jsonl`` and
``<base>_prepared_valid.jsonl`` when a classification set is split; `` (1)``, `` (2)``... are added when a name
is taken. Files are written to a temporary name and renamed, so an interrupted run leaves no half file."""

from __future__ import annotations

import os
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..errors import UsageError
from ..formats import CHAT, COMPLETION, DPO, chat_to_completion, field as get_field, to_format
from ..readers import open_source
from .examples import EXAMPLE_KEYS, MESSAGE_KEYS
from .legacy import Plan, shown

MAX_VALID_EXAMPLES = 1000
SPLIT_SEED = 42


@dataclass
class FixResult:
    outputs: list[Path] = field(default_factory=list)
    written: int = 0
    dropped: Counter = field(default_factory=Counter)  # finding code -> examples dropped
    changes: list[str] = field(default_factory=list)  # what was done, in words


def prepared_paths(path, split: bool, output=None) -> list[Path]:
    """Free output names beside ``path``, the legacy tool's way; or ``output`` (``_train``/``_valid`` added
    to its name for a split) when given."""
    path = Path(path)
    if output is not None:
        output = Path(output)
        names = ([output.with_name(f"{output.stem}_{part}{output.suffix or '.jsonl'}") for part in ("train", "valid")]
                 if split else [output])
        if any(n.resolve() == path.resolve() for n in names):
            raise UsageError(f"-o {output} is the input file; ftcook never overwrites its input")
        return names
    stem = path.with_suffix("")
    suffixes = ["_prepared_train", "_prepared_valid"] if split else ["_prepared"]
    n = 0
    while True:
        extra = f" ({n})" if n else ""
        names = [Path(f"{stem}{s}{extra}.jsonl") for s in suffixes]
        if not any(p.exists() for p in names):
            return names
        n += 1


def _strip_unknown_keys(example: dict) -> dict:
    out = {k: v for k, v in example.items() if k in EXAMPLE_KEYS}
    out["messages"] = [{k: v for k, v in m.items() if k in MESSAGE_KEYS} if isinstance(m, dict) else m
                       for m in example.get("messages", [])]
    return out


def prepare_example(example: dict, source_format: str, target_format: str, plan: Plan, repair_keys: bool) -> dict:
    """One example as ``--fix`` writes it: repaired, legacy text fixes applied, in the target's format (pure)."""
    if source_format == COMPLETION:
        prompt, completion = plan.apply(get_field(example, "prompt", ""), get_field(example, "completion", ""))
        out = {"prompt": prompt, "completion": completion}
        if not plan.remove_extra and target_format == COMPLETION:
            out.update({k: v for k, v in example.items() if str(k).lower() not in ("prompt", "completion")})
        return to_format(out, target_format)
    if source_format == CHAT and target_format == COMPLETION:
        view = chat_to_completion(example)
        prompt, completion = plan.apply(view["prompt"], view["completion"])
        return {"prompt": prompt, "completion": completion}
    if source_format == CHAT and repair_keys:
        return _strip_unknown_keys(example)
    return example


def describe(report) -> list[str]:
    """What ``--fix`` changes, in words (empty when it would change nothing)."""
    plan: Plan = report.plan
    changes = [f"drop {n} example{'s' if n != 1 else ''} ({code})"
               for code, n in sorted(Counter(plan.drop.values()).items())]
    if _repairs_keys(report):
        changes.append("remove unrecognized keys (message_unrecognized_key)")
    changes += [text for done, text in _text_changes(plan) if done]
    if report.source_format != report.target_format and report.source_format != DPO:
        changes.append(f"convert {report.source_format} examples to {report.target_format} for {report.model.id}")
    elif report.kind != "jsonl":
        changes.append(f"write {report.kind.upper()} rows as JSON Lines")
    if plan.split:
        changes.append("split into training and validation files (classification_task)")
    return changes


def _text_changes(plan: Plan) -> list[tuple[bool, str]]:
    """(planned?, words) for each change the legacy checks can plan, in their order."""
    return [
        (plan.remove_extra, "remove extra columns (extra_columns)"),
        (plan.lowercase_prompt, "lowercase prompts (uppercase_prompts)"),
        (plan.lowercase_completion, "lowercase completions (uppercase_completions)"),
        (bool(plan.add_separator), f"append `{shown(plan.add_separator)}` to every prompt (missing_prompt_separator)"),
        (bool(plan.remove_prompt_prefix),
         f"remove `{shown(plan.remove_prompt_prefix)}` from every prompt (common_prompt_prefix)"),
        (bool(plan.remove_completion_prefix),
         f"remove `{shown(plan.remove_completion_prefix)}` from every completion (common_completion_prefix)"),
        (bool(plan.add_stop), f"append `{shown(plan.add_stop)}` to every completion (missing_stop_sequence)"),
        (plan.add_leading_space, "start every completion with a space (completion_leading_space)"),
    ]


def _repairs_keys(report) -> bool:
    return any(f.code == "message_unrecognized_key" and not f.declined for f in report.findings)


def apply_fixes(report, output=None) -> FixResult:
    """Write the prepared file(s) for a ``Report`` made by ``run_check``; writes nothing when nothing changes."""
    result = FixResult(changes=describe(report))
    if not result.changes:
        return result
    plan: Plan = report.plan
    repair = _repairs_keys(report)
    source = open_source(report.path)
    outputs = prepared_paths(source.path, plan.split, output)
    valid_lines: set[int] = set()
    if plan.split:
        kept = [line for line, value in source.items() if line not in plan.drop]
        n_train = max(len(kept) - MAX_VALID_EXAMPLES, int(len(kept) * 0.8))
        valid_lines = set(kept) - set(random.Random(SPLIT_SEED).sample(kept, n_train))
    temps = [tempfile.NamedTemporaryFile("wb", dir=p.parent, prefix=f".{p.name}.", delete=False) for p in outputs]
    try:
        for line, value in source.items():
            if line in plan.drop:
                result.dropped[plan.drop[line]] += 1
                continue
            example = prepare_example(value, report.source_format, report.target_format, plan, repair)
            out = temps[1] if line in valid_lines else temps[0]
            out.write(orjson.dumps(example) + b"\n")
            result.written += 1
        for temp, path in zip(temps, outputs):
            temp.close()
            os.replace(temp.name, path)
    finally:
        for temp in temps:
            temp.close()
            if os.path.exists(temp.name):
                os.unlink(temp.name)
    result.outputs = outputs
    return result


def fix_and_recheck(report, output=None, *, epochs: int | None = None, price: float | None = None,
                    jobs: int | None = None) -> dict:
    """``ftcook check --fix``: apply the fixes, check the prepared file again, and say what was done."""
    from . import run_check
    from .report import summary

    result = apply_fixes(report, output)
    info = {"outputs": [str(p) for p in result.outputs], "written": result.written,
            "dropped": dict(result.dropped), "changes": result.changes, "recheck": None}
    if result.outputs:
        recheck = run_check(result.outputs[0], report.model, epochs=epochs, price=price, jobs=jobs)
        info["recheck"] = {"ok": recheck.ok, "summary": summary(recheck)}
    return info
