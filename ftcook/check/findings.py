"""Findings: what ``ftcook check`` reports. Each has a stable code, a severity and, when ``--fix`` can repair
it, the name of that fix. The order of ``CODES`` is the order of the report (the legacy tool's order first).
docs/check.md has a section per code; a test keeps the two in step."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR, WARNING, INFO = "error", "warning", "info"
SHOWN_LINES = 10

#: code -> (severity, what --fix does about it or "")
CODES: dict[str, tuple[str, str]] = {
    # the legacy prepare_data checks, in its order (FACTS.md)
    "few_examples": (WARNING, ""),
    "extra_columns": (WARNING, "remove the extra keys"),
    "empty_completion": (ERROR, "drop these examples"),
    "classification_task": (INFO, "split into _prepared_train and _prepared_valid files"),
    "duplicate_rows": (WARNING, "drop the repeated copies"),
    "long_examples": (WARNING, "drop these examples"),
    "uppercase_prompts": (WARNING, "lowercase all prompts"),
    "uppercase_completions": (WARNING, "lowercase all completions"),
    "identical_prompts": (ERROR, ""),
    "prompt_separator": (INFO, ""),
    "missing_prompt_separator": (WARNING, "append a separator to every prompt"),
    "common_prompt_prefix": (WARNING, "remove the prefix from every prompt"),
    "common_completion_prefix": (WARNING, "remove the prefix from every completion"),
    "identical_completions": (ERROR, ""),
    "stop_sequence": (INFO, ""),
    "missing_stop_sequence": (WARNING, "append a stop sequence to every completion"),
    "completion_leading_space": (WARNING, "start every completion with a space"),
    # format checks (the cookbook notebook's, and what it missed)
    "not_an_object": (ERROR, "drop these examples"),
    "mixed_formats": (ERROR, "drop these examples"),
    "missing_field": (ERROR, "drop these examples"),
    "invalid_field_type": (ERROR, "drop these examples"),
    "invalid_json_value": (ERROR, "drop these examples"),
    "missing_messages": (ERROR, "drop these examples"),
    "message_missing_key": (ERROR, "drop these examples"),
    "message_unrecognized_key": (ERROR, "remove the unrecognized keys"),
    "unrecognized_role": (ERROR, "drop these examples"),
    "invalid_content": (ERROR, "drop these examples"),
    "invalid_weight": (ERROR, "drop these examples"),
    "invalid_tools": (ERROR, "drop these examples"),
    "invalid_dpo_output": (ERROR, "drop these examples"),
    "missing_assistant": (ERROR, "drop these examples"),
    "missing_system": (INFO, ""),
    "missing_user": (WARNING, ""),
    # what the target enforces
    "unsupported_format": (ERROR, ""),
    "forbidden_special_token": (ERROR, "drop these examples"),
    "over_token_limit": (WARNING, "drop these examples"),
    "too_few_examples": (WARNING, ""),  # OpenAI's job fails; `train --backend openai` refuses
    "file_too_large": (ERROR, ""),
    # notes about reading the file
    "blank_lines": (INFO, "leave them out"),
    "reader_note": (INFO, ""),
}
ORDER = {code: i for i, code in enumerate(CODES)}
#: findings whose fix drops the example rather than changing it
DROPPING = frozenset(code for code, (_, fix) in CODES.items() if fix == "drop these examples")


@dataclass
class Finding:
    code: str
    message: str
    lines: list[int] = field(default_factory=list)
    count: int = 0  # how many lines/examples it concerns (0: the file as a whole)
    severity: str = ""
    fix: str | None = None  # None: the code's default fix; "": none
    declined: bool = False  # --fix would apply it but the user declined it with --decline CODE

    def __post_init__(self):
        default_severity, default_fix = CODES[self.code]
        self.severity = self.severity or default_severity
        self.fix = default_fix if self.fix is None else self.fix
        self.count = self.count or len(self.lines)
        self.lines = sorted(self.lines)[:SHOWN_LINES]

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message, "lines": self.lines,
                "count": self.count, "fix": self.fix or None, "declined": self.declined}


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: ORDER[f.code])


def plural(message: str, n: int) -> str:
    """Fix the grammar of a message written for several items when there is one.

    >>> plural("1 examples have no user message.", 1)
    '1 example has no user message.'
    """
    if n != 1:
        return message.replace("example(s)", "examples are").replace("(s)", "s")
    for many, one in ((" examples have ", " example has "), (" examples are ", " example is "),
                      (" examples repeat ", " example repeats "), (" lines are ", " line is "),
                      (" lines were ", " line was "), (" DPO examples lack ", " DPO example lacks "),
                      (" examples lack ", " example lacks "), (" examples contain ", " example contains "),
                      ("example(s)", "example is"), ("(s)", "")):
        message = message.replace(many, one)
    return message
