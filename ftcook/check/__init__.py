"""``ftcook check``: is a training file right for a target model, and what will training on it cost?

``run_check(path, model)`` reads the file once (streaming, in parallel for large files), and returns a ``Report``:
findings with stable codes, token statistics and a cost estimate. The same function runs inside ``build`` and
``train``. ``ftcook.check.fix`` writes the repaired file; ``ftcook.check.report`` renders a report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import Model, get_model
from ..errors import InputError
from ..formats import CHAT, COMPLETION, DPO, TRL, detect_format
from ..readers import Source, open_source
from ..tokens import get_counter
from .findings import DROPPING, ERROR, INFO, WARNING, Finding, plural, sort_findings
from .legacy import MIN_EXAMPLES, Plan, legacy_checks, task_type
from .scan import Scan, ScanContext, scan_file
from .stats import Cost, distribution, estimate_cost

EXAMPLE_MESSAGES = {
    "not_an_object": "{n} lines are not JSON objects",
    "mixed_formats": "{n} examples are not in the file's format ({format})",
    "missing_field": "{n} examples lack a 'prompt' or 'completion' key",
    "invalid_field_type": "{n} examples have a prompt or completion that is not text",
    "missing_messages": "{n} examples have no 'messages' list, or an empty one",
    "message_missing_key": "{n} examples have a message without 'role' or 'content'",
    "message_unrecognized_key": "{n} examples have keys the API does not accept (a message may have role, "
                                "content, name, weight, function_call, tool_calls, tool_call_id; an example "
                                "messages, tools, functions, parallel_tool_calls)",
    "unrecognized_role": "{n} examples have a role other than system, user, assistant, tool or function",
    "invalid_content": "{n} examples have message content that is neither text nor a list of content parts",
    "invalid_weight": "{n} examples have a 'weight' that is not 0 or 1 on an assistant message",
    "invalid_tools": "{n} examples have a malformed 'tools' list",
    "invalid_dpo_output": "{n} DPO examples lack one preferred and one non-preferred assistant reply with text",
    "missing_assistant": "{n} examples have no assistant message, so nothing to learn from",
    "empty_completion": "{n} examples have nothing to learn from: an empty completion, or only empty or "
                        "weight-0 assistant messages",
    "missing_system": "{n} examples have no system message; fine if you will not send one when using the model",
    "missing_user": "{n} examples have no user message",
    "forbidden_special_token": "{n} examples contain special tokens of the target's tokenizer as text; the "
                               "API rejects the file ('contains an invalid token') - remove them from the text",
}


@dataclass
class Report:
    path: str
    kind: str
    size: int
    model: Model
    source_format: str
    target_format: str
    tokenizer: str
    n_examples: int
    findings: list[Finding]
    tokens: dict | None
    trainable_tokens: dict | None
    messages: dict | None
    cost: Cost
    over_limit: int = 0
    task: str | None = None
    plan: Plan = field(default_factory=Plan)
    declined: frozenset = frozenset()
    lengths: list[int] = field(default_factory=list, repr=False)  # each example's tokens, in file order

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        m = self.model
        return {
            "file": self.path, "kind": self.kind, "bytes": self.size,
            "model": {"id": m.id, "provider": m.provider, "format": m.format, "encoding": m.encoding,
                      "max_tokens": m.max_tokens, "status": m.status, "status_note": m.status_note,
                      "jobs_end": m.jobs_end, "shutdown": m.shutdown},
            "format": self.source_format, "target_format": self.target_format, "tokenizer": self.tokenizer,
            "examples": self.n_examples, "task": self.task, "ok": self.ok,
            "counts": {s: sum(1 for f in self.findings if f.severity == s) for s in (ERROR, WARNING, INFO)},
            "findings": [f.to_dict() for f in self.findings],
            "tokens": self.tokens, "trainable_tokens": self.trainable_tokens, "messages": self.messages,
            "over_token_limit": self.over_limit, "cost": self.cost.to_dict(),
        }


def _source_format(source: Source) -> str:
    if source.kind in ("csv", "tsv", "xlsx", "txt"):
        return COMPLETION
    for line, value in source.items():
        if isinstance(value, dict):
            kind = detect_format(value)
            if kind == TRL:
                raise InputError(source.path, "is in TRL's conversational prompt/completion form", line=line,
                                 hint="ftcook checks chat ({\"messages\": [...]}), prompt/completion and DPO "
                                      "files; see docs/formats.md")
            if kind is None:
                keys = ", ".join(map(str, list(value)[:6])) or "none"
                raise InputError(source.path, f"not a training example: keys {keys}", line=line,
                                 hint="use 'messages' (chat), 'prompt' and 'completion', or DPO's 'input', "
                                      "'preferred_output' and 'non_preferred_output' (docs/formats.md)")
            return kind
    return CHAT  # nothing but unparseable lines: the scan reports them


def _raise_parse_problems(source: Source, result: Scan) -> None:
    problems = result.parse_problems
    if not problems:
        return
    first = problems[0]
    what = {"invalid_utf8": "not valid UTF-8", "invalid_json": "invalid JSON",
            "invalid_json_value": "JSON the API rejects"}[first.code]
    more = ""
    if len(problems) > 1:
        others = ", ".join(str(p.line) for p in problems[1:11])
        more = f"; {len(problems) - 1} more bad line{'s' if len(problems) > 2 else ''} ({others}"
        more += ", ..." if len(problems) > 11 else ""
        more += ")"
    hint = "re-save the file as UTF-8" if first.code == "invalid_utf8" else "fix or remove the line"
    raise InputError(source.path, f"{what}: {first.detail}{more}", line=first.line, hint=hint + " and run again")


#: advice about the size of a training set, which a validation file does not need
TRAINING_ONLY = frozenset({"few_examples", "too_few_examples", "classification_task"})


def scan_context(source_format: str | None, target: Model) -> ScanContext | None:
    """How the examples of a file in ``source_format`` are checked for ``target``; None for a format the check
    does not read (``_source_format`` says why)."""
    if source_format not in (CHAT, COMPLETION, DPO):
        return None
    legacy = source_format == COMPLETION or (target.format == COMPLETION and source_format == CHAT)
    return ScanContext(source_format, target.format, target.encoding, target.extra_special_tokens, legacy)


def run_check(path, model: str | Model | None = None, *, epochs: int | None = None, price: float | None = None,
              declined=frozenset(), jobs: int | None = None, validation: bool = False,
              scanned: tuple[ScanContext, Scan] | None = None) -> Report:
    """Check the training file at ``path`` for ``model`` (a catalog name or ``Model``); with ``validation``,
    a validation file (the same checks less the advice on the number of examples). ``scanned``: the file was
    scanned as it was written (``live.LiveScan``), used when it was scanned the way this check would."""
    target = (model if isinstance(model, Model) else get_model(model)).with_price(price)
    declined = frozenset(declined)
    source = open_source(path)
    source_format = _source_format(source)
    counter = get_counter(target.encoding, target.extra_special_tokens)
    ctx = scan_context(source_format, target)
    legacy = ctx.legacy
    result = scanned[1] if scanned is not None and scanned[0] == ctx else scan_file(source, ctx, jobs)
    _raise_parse_problems(source, result)

    findings: list[Finding] = []
    plan = Plan()
    for code, lines in result.problems.items():
        message = plural(EXAMPLE_MESSAGES[code].format(n=len(lines), format=source_format), len(lines))
        detail = result.details.get(code)
        findings.append(Finding(code, f"{message}. First: {detail}." if detail else f"{message}.", lines,
                                declined=code in declined))
    drop = {}
    for f in findings:
        if f.code in DROPPING and not f.declined and f.code != "empty_completion":
            drop.update({line: f.code for line in result.problems[f.code]})
    n = len(result.lines)
    task = None
    if legacy:
        empty = frozenset(result.problems.get("empty_completion", ()))
        rows = [r for r in result.pairs if r[0] not in drop]
        more, plan = legacy_checks(rows, completion_target=target.format == COMPLETION, declined=declined,
                                   dropped=empty)
        findings += more
        task = task_type([r[1] for r in rows], [r[2] for r in rows]) if rows else None
    else:
        findings += _chat_file_checks(result, declined, plan)
        plan.drop.update({line: "empty_completion" for line in result.problems.get("empty_completion", ())
                          if "empty_completion" not in declined})
    plan.drop.update(drop)
    findings += _target_checks(source, target, source_format, result, declined, plan)
    if result.blank_lines:
        blank = plural(f"{result.blank_lines} blank lines were skipped.", result.blank_lines)
        findings.append(Finding("blank_lines", blank,
                                count=result.blank_lines))
    findings += [Finding("reader_note", note[0].upper() + note[1:] + ".") for note in source.notes]
    if validation:
        findings = [f for f in findings if f.code not in TRAINING_ONLY]
    tokens = list(result.tokens)
    return Report(
        path=str(source.path), kind=source.kind, size=source.size, model=target, source_format=source_format,
        target_format=target.format if source_format != DPO else DPO,
        tokenizer=f"{counter.tokenizer} {counter.encoding}", n_examples=n, findings=sort_findings(findings),
        tokens=distribution(tokens), trainable_tokens=distribution(result.trainable),
        messages=distribution(result.messages) if target.format == CHAT else None,
        cost=estimate_cost(target, tokens, epochs), over_limit=sum(t > target.max_tokens for t in tokens),
        task=task, plan=plan, declined=declined, lengths=tokens,
    )


def _chat_file_checks(result: Scan, declined: frozenset, plan: Plan) -> list[Finding]:
    """Checks of chat and DPO files that need the whole file: example count advice and duplicates."""
    found = []
    n = len(result.lines)
    if n < MIN_EXAMPLES:
        found.append(Finding("few_examples", f"Your file contains {n} examples. In general, we recommend at least "
                             "a few hundred: quality tends to increase with every doubling of the examples."))
    duplicates = result.duplicates
    if duplicates:
        message = plural(f"{len(duplicates)} examples repeat an earlier example exactly.", len(duplicates))
        f = Finding("duplicate_rows", message,
                    duplicates, declined="duplicate_rows" in declined)
        found.append(f)
        if not f.declined:
            plan.drop.update({line: "duplicate_rows" for line in duplicates})
    return found


def _target_checks(source: Source, target: Model, source_format: str, result: Scan, declined: frozenset,
                   plan: Plan) -> list[Finding]:
    """What the target enforces: methods, minimum examples, file size, tokens per example."""
    found = []
    if source_format == DPO and "dpo" not in target.methods:
        found.append(Finding("unsupported_format", f"{target.id} cannot be trained with DPO (preference) data; "
                             "pick a model that can ('ftcook models') or use chat data."))
    if source_format == DPO and target.format == COMPLETION:
        found[-1:] = [Finding("unsupported_format", f"{target.id} is a completion model: it takes prompt/"
                              "completion data, not DPO preference pairs.")]
    kept = len(result.lines) - len(plan.drop)
    if target.min_examples and kept < target.min_examples:
        found.append(Finding("too_few_examples", f"{target.id}'s service refuses training files with fewer than "
                             f"{target.min_examples} examples; this file has {kept} usable. Add more examples "
                             "before training there."))
    if target.max_file_mb and source.size > target.max_file_mb * 1_000_000:
        found.append(Finding("file_too_large", f"The file is {source.size / 1e6:,.0f} MB; {target.id}'s service "
                             f"accepts at most {target.max_file_mb} MB per training file. Split it or sample it."))
    over = [line for line, t in zip(result.lines, result.tokens) if t > target.max_tokens]
    if over:
        message = plural(f"{len(over)} example(s) longer than {target.max_tokens:,} tokens, {target.id}'s limit: "
                         "training truncates them and cuts off their end (usually the reply). Shorten or split "
                         "them.", len(over))
        f = Finding("over_token_limit", message, over, declined="over_token_limit" in declined)
        found.append(f)
        if not f.declined:
            plan.drop.update({line: "over_token_limit" for line in over if line not in plan.drop})
    return found
