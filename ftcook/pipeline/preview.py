"""``ftcook build --preview N``: the first N examples the privacy gate changed, with placeholders highlighted,
built in a temporary folder that is deleted - nothing is written where the user asked."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from . import BuildSettings, build


def run_preview(settings: BuildSettings, out: Console, as_json: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="ftcook-preview-") as folder:
        result = build(replace(settings, out=Path(folder) / "dataset"), check=False)
    if as_json:
        print(json.dumps([{"id": e.id, **e.to_record(), "redacted": e.meta.get("redacted", {})}
                          for e in result.preview], indent=2, ensure_ascii=False))
        return
    for number, example in enumerate(result.preview, 1):
        kinds = ", ".join(f"{n} {kind}" for kind, n in example.meta.get("redacted", {}).items())
        out.rule(f"{number}. {escape(example.id)}  ({kinds})")
        parts = [("system", example.system), *((f"earlier turn ({role})", text) for role, text in example.context),
                 ("prompt", example.prompt), ("completion", example.completion)]
        for part, value in parts:
            if value:
                out.print(f"[bold]{part}[/bold]")
                out.print(_highlight(value))
    counts = result.manifest.get("redaction", {}).get("placeholders", {})
    seen = result.ledger.records
    out.rule()
    if len(result.preview) < (settings.preview or 0):
        out.print(f"Only {len(result.preview)} examples had something to redact, of {result.ledger.kept:,} kept "
                  f"from all {seen:,} items.")
    else:
        out.print(f"Read {seen:,} items to find these {len(result.preview)}.")
    out.print("Placeholders so far: " + (", ".join(f"{n} {k}" for k, n in counts.items()) or "none")
              + ". Nothing was written; run without --preview to build the dataset.")


def _highlight(text: str) -> str:
    return re.sub(r"<([A-Z]+_\d+)>", r"[reverse]<\1>[/reverse]", escape(text))
