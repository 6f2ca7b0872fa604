"""What ``ftcook build`` prints: the ledger, the recipe's numbers, where the files are, and the check report."""

from __future__ import annotations

import shlex

from rich.console import Console
from rich.text import Text

from ..check.report import render as render_check


def _breakdowns(out: Console, stats: dict, most: int = 10) -> None:
    """A recipe's ``by_*`` stats (the chat recipe's ``by_chat``): a line per entry, the largest first."""
    for key, table in stats.items():
        if not key.startswith("by_") or not isinstance(table, dict) or not table:
            continue
        out.print(f"  {key.replace('_', ' ')}")
        for name, row in list(table.items())[:most]:
            out.print(f"    {name[:30]:<31}" + " · ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in row.items()),
                      markup=False)
        if len(table) > most:
            out.print(f"    ... and {len(table) - most:,} more (manifest.json, stats.{key})")


def _split_notes(manifest: dict, out: Console) -> None:
    """What a small dataset's split did: an example moved to valid.jsonl or everything to train.jsonl; a note when
    nothing is held out."""
    counts, split = manifest["counts"], manifest.get("split") or {}
    for key, what in (("held_out_to_keep_one", "moved to valid: the split left it empty"),
                      ("valid_moved_to_train", "moved to train: the split held out all there was")):
        if split.get(key):
            out.print(f"                {'':>9}   ({split[key]:,} {what})", style="dim")
    if counts["train"] and not counts["valid"] and not split.get("held_out_to_keep_one"):
        out.print("  [yellow]note[/yellow]: nothing is held out (valid.jsonl is empty), so training cannot measure a "
                  "held-out loss and 'ftcook eval style' will use training examples; add examples or raise "
                  "--valid-fraction")


def render_build(result, out: Console, quiet: bool = False) -> None:
    ledger, manifest = result.ledger, result.manifest
    counts = manifest["counts"]
    out.print(f"[bold]{manifest['recipe']}[/bold] → {result.out}/  (model {manifest['model']}, format "
              f"{manifest['format']})")
    split = f" (+{ledger.split_parts:,} parts from splitting long items)" if ledger.split_parts else ""
    out.print(f"  items in      {ledger.entered:>9,}{split}")
    out.print(f"  kept          {ledger.kept:>9,}   train {counts['train']:,}, valid {counts['valid']:,}")
    _split_notes(manifest, out)
    out.print(f"  skipped       {sum(ledger.skipped.values()):>9,}")
    for reason, n in manifest["ledger"]["skipped_by_reason"].items():
        out.print(f"    {reason:<20}{n:>7,}  [dim]{manifest['reasons'].get(reason, '')}[/dim]")
    for code, row in (manifest.get("stats") or {}).get("languages", {}).items():
        if row["tokens_per_char"] is not None:
            label = "all text" if code == "all" else code
            out.print(f"  tokens per character ({label}, {manifest['stats']['encoding']}): "
                      f"{row['tokens_per_char']:.2f}  ({row['tokens']:,} tokens, {row['chars']:,} characters)")
    numbers = {k: v for k, v in (manifest.get("stats") or {}).items() if isinstance(v, int)}
    if numbers:
        line = " · ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in numbers.items())
        out.print(f"  {manifest['recipe']:<14}{line}")
    _breakdowns(out, manifest.get("stats") or {})
    redaction = manifest.get("redaction") or {}
    if redaction.get("enabled"):
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in redaction["placeholders"].items()) or "nothing found"
        out.print(f"  redacted      {redaction['examples']:>9,}   examples ({kinds}); check with --preview N")
        _left_numbers(out, redaction)
    out.print("  files         train.jsonl valid.jsonl skipped.jsonl manifest.json")
    out.print(f"  charts        ftcook report {shlex.quote(str(result.out))}", markup=False, highlight=False)
    if result.report is not None:
        out.print()
        render_check(result.report, out, quiet=quiet)
    valid = result.valid_report
    if valid is not None:  # the same checks; only its errors and its summary are printed
        out.print()
        out.print(Text.assemble(("ftcook check ", "bold"), valid.path, f"  ({valid.n_examples:,} examples)"))
        render_check(valid, out, quiet=True)


def _left_numbers(out, redaction: dict) -> None:
    """Numbers the privacy gate left that would be phone numbers in some region: how many, where, what to do."""
    left = redaction.get("left_phone_like") or {}
    if not left.get("count"):
        return
    regions = list(left["regions"].items())
    where = ", ".join(f"{region} ({n:,})" for region, n in regions[:4]) + (" ..." if len(regions) > 4 else "")
    if redaction.get("region", "auto") == "auto":
        read, instead = "each message's region (-o region=auto)", f"-o region={regions[0][0]}"
    else:
        read, instead = redaction["region"], "-o region=auto (each message's own region) or another region"
    out.print(f"  [yellow]left[/yellow]          {left['count']:>9,}   numbers that would be phone numbers in {where}, "
              f"but not in {read}; e.g. in {', '.join(left['examples'][:3])}. If they are phone numbers, build "
              f"again with {instead}")
