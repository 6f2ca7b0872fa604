"""The dataset part of a report: what a DatasetDir holds (examples and tokens per split, lengths against the
target's limit), what was skipped and why, what the privacy gate replaced, the check's findings, and a searchable
sample of the examples exactly as they are in the files (redacted)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from ..errors import InputError
from . import charts
from .page import Section, Table, number

SHOWN_EXAMPLES = 300  # the searchable sample: every held-out example, then training ones up to this many


def dataset_section(folder: Path) -> Section:
    folder = Path(folder)
    manifest = _manifest(folder)
    section = Section("dataset", f"Dataset {folder.name}/")
    checks = _checks(folder, manifest)
    section.facts = _facts(folder, manifest, checks)
    lengths = [n for report in checks.values() for n in report.lengths]
    if lengths:
        limit = next(iter(checks.values())).model.max_tokens
        section.charts.append(charts.histogram("token-lengths", "Tokens per example", lengths, limit=limit,
                                               xlabel="tokens per example (the target's tokenizer)"))
    section.tables.append(_splits(checks))
    ledger = manifest.get("ledger", {})
    if ledger.get("skipped_by_reason"):
        section.charts.append(charts.bars("skip-reasons", "Skipped items by reason", ledger["skipped_by_reason"],
                                          xlabel="items skipped"))
        section.tables.append(Table("Skip reasons", ["reason", "items", "what it means"],
                                    [[r, n, manifest.get("reasons", {}).get(r, "")]
                                     for r, n in sorted(ledger["skipped_by_reason"].items(), key=lambda kv: -kv[1])]))
    by_file = skipped_by_file(folder / "skipped.jsonl", [i["path"] for i in manifest.get("inputs", [])])
    if by_file:
        section.charts.append(charts.bars("skipped-by-file", "Skipped items by source file", by_file,
                                          xlabel="items skipped"))
    placeholders = manifest.get("redaction", {}).get("placeholders") or {}
    if placeholders:
        section.charts.append(charts.bars("redactions", "Redactions by kind", placeholders,
                                          xlabel="values replaced by placeholders"))
    section.tables.append(_findings(checks))
    section.examples, section.examples_total = examples(folder)
    return section


def _manifest(folder: Path) -> dict:
    if not (folder / "train.jsonl").is_file():
        raise InputError(folder, "no train.jsonl in this folder", hint="pass a folder 'ftcook build' wrote")
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON (line {e.lineno}: {e.msg})",
                         hint="build the dataset again with 'ftcook build'") from None


def _checks(folder: Path, manifest: dict) -> dict:
    """The check of each split file for the dataset's target model (the same numbers as 'ftcook check')."""
    from ..check import run_check

    reports = {"train": run_check(folder / "train.jsonl", manifest.get("model"))}
    if (folder / "valid.jsonl").is_file() and (folder / "valid.jsonl").stat().st_size:
        reports["valid"] = run_check(folder / "valid.jsonl", manifest.get("model"), validation=True)
    return reports


def _facts(folder: Path, manifest: dict, checks: dict) -> list[tuple[str, str]]:
    first = checks["train"]
    ledger = manifest.get("ledger", {})
    facts = [("folder", str(folder)), ("recipe", manifest.get("recipe", "- (no manifest.json)")),
             ("target model", first.model.id), ("format", first.source_format),
             ("sources", ", ".join(i["path"] for i in manifest.get("inputs", [])) or "-")]
    if ledger:
        facts += [("items read", number(ledger.get("in"))), ("kept", number(ledger.get("kept"))),
                  ("skipped", number(ledger.get("skipped")))]
    redaction = manifest.get("redaction", {})
    if redaction:
        facts.append(("privacy gate", f"{number(redaction.get('examples', 0))} examples redacted"
                                      if redaction.get("enabled") else "off (--no-redact)"))
    return facts


def _splits(checks: dict) -> Table:
    rows = []
    for split, report in checks.items():
        tokens = report.tokens or {}
        rows.append([split, number(report.n_examples), number(sum(report.lengths)), number(tokens.get("median")),
                     number(tokens.get("max")), number(report.over_limit)])
    return Table("Examples and tokens per split", ["split", "examples", "tokens", "median tokens", "longest",
                                                   "over the limit"], rows)


def _findings(checks: dict) -> Table:
    rows = [[split, f.severity, f.code, f.message, number(f.count) if f.count else "the whole file"]
            for split, report in checks.items() for f in report.findings]
    return Table("The check's findings", ["file", "severity", "code", "finding", "examples"], rows,
                 note="" if rows else "No findings: the files are ready for the target model.")


def skipped_by_file(path: Path, inputs: list[str]) -> dict[str, int]:
    """Skipped items counted by the source file their id names (ids start with the file's path)."""
    if not path.is_file():
        return {}
    ordered = sorted(inputs, key=len, reverse=True)
    counts: Counter = Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                item = json.loads(line).get("id", "")
                counts[next((p for p in ordered if item.startswith(p)), item.split(":")[0] or "-")] += 1
    return dict(counts)


def examples(folder: Path, limit: int = SHOWN_EXAMPLES) -> tuple[list[dict], int]:
    """Held-out examples first, then training ones, up to ``limit``, as messages; and how many there are."""
    shown, total = [], 0
    for split in ("valid", "train"):
        path = folder / f"{split}.jsonl"
        if not path.is_file():
            continue
        with open(path, encoding="utf-8") as f:
            for number_, line in enumerate(f, 1):
                if not line.strip():
                    continue
                total += 1
                if len(shown) < limit:
                    shown.append(_example(f"{split}.jsonl:{number_}", split, json.loads(line)))
    return shown, total


def _example(where: str, split: str, record: dict) -> dict:
    if "messages" in record:
        messages = record["messages"]
    else:
        messages = [*_as_messages(record.get("prompt"), "user"), *_as_messages(record.get("completion"), "assistant")]
    pairs = [(m.get("role", "?"), m.get("content") if isinstance(m.get("content"), str)
              else json.dumps(m.get("content"), ensure_ascii=False)) for m in messages]
    return {"id": where, "split": split, "messages": pairs, "text": " ".join(t for _, t in pairs).lower()}


def _as_messages(value, role: str) -> list[dict]:
    if isinstance(value, list):
        return value
    return [{"role": role, "content": value}] if value is not None else []
