"""Benchmark local training on long examples: memory and time per step, before and after (issue: style
evaluation, item 3 - CPU memory and time on long examples).

The shape is the author recipe's: a passage as the prompt and the next passage as the completion, about 600 tokens
per example, batch 4, with the local default model (SmolLM2-135M-Instruct). The text is real prose: the paragraphs
of ftcook's own docs, cut into passages of 280 tokens. Each run is ``ftcook train`` in its own process for a few
steps; peak memory is the process tree's RSS.

- before: the whole batch in one forward pass, with LoRA dropout 0.05 (``-o micro_batch=4 -o dropout=0.05``), as
  ftcook trained until now;
- one example per forward pass (the rest of the batch accumulated), LoRA dropout 0.05;
- after: the defaults (one example per pass, no LoRA dropout);
- after, with ``-o gradient_checkpointing=true``.

    python benchmarks/train_bench.py [--steps 4] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from check_bench import measure  # noqa: E402 - one way of measuring for every benchmark

ROOT = Path(__file__).resolve().parent.parent
RUNS = {"before: batch in one pass": ["-o", "micro_batch=4", "-o", "dropout=0.05"],
        "micro-batch 1, accumulation 4, LoRA dropout 0.05": ["-o", "dropout=0.05"],
        "after: defaults (micro-batch 1, accumulation 4, no LoRA dropout)": [],
        "after: defaults + gradient checkpointing": ["-o", "gradient_checkpointing=true"]}


def dataset(folder: Path, tokens: int = 280, examples: int = 24) -> Path:
    """Passage pairs of about ``tokens`` tokens each from the docs' paragraphs."""
    from transformers import AutoTokenizer

    from ftcook.runner.local.basemodel import resolve

    tokenizer = AutoTokenizer.from_pretrained(resolve("SmolLM2-135M-Instruct"))
    text = " ".join(p.strip() for page in sorted((ROOT / "docs").rglob("*.md"))
                    for p in re.split(r"\n\s*\n", page.read_text(encoding="utf-8"))
                    if p.strip() and not p.lstrip().startswith(("|", "```", "#", "<!--")))
    ids = tokenizer(text)["input_ids"]
    passages = [tokenizer.decode(ids[i:i + tokens]) for i in range(0, len(ids) - tokens, tokens)]
    path = folder / "passages.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for before, after in list(zip(passages, passages[1:]))[:examples]:
            f.write(json.dumps({"messages": [{"role": "system", "content": "Continue the text in its author's words."},
                                             {"role": "user", "content": before},
                                             {"role": "assistant", "content": after}]}) + "\n")
    return path


def run(data: Path, name: str, extra: list[str], steps: int, env: dict) -> dict:
    cmd = [sys.executable, "-c", "from ftcook.cli import main; main()", "train", str(data), "--name", name,
           "--batch-size", "4", "-o", f"max_steps={steps}", "-q", *extra]
    seconds, peak_mb, out = measure(cmd, env=env)
    timing = re.search(r"\((\d+) steps in ([\d.]+) s", out)
    steps_done, train_s = int(timing.group(1)), float(timing.group(2))
    return {"peak_mb": round(peak_mb), "s_per_step": round(train_s / steps_done, 1), "wall_s": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "ftcook-bench" / "home",
                        help="FTCOOK_HOME (the default model is converted there once)")
    args = parser.parse_args()
    os.environ["FTCOOK_HOME"] = str(args.home)
    env = dict(os.environ)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = dataset(Path(tmp))
        for number, (label, extra) in enumerate(RUNS.items()):
            env["FTCOOK_HOME"] = str(Path(tmp) / f"home{number}")
            Path(env["FTCOOK_HOME"]).mkdir()
            (Path(env["FTCOOK_HOME"]) / "base-models").symlink_to(args.home / "base-models")
            results[label] = run(data, f"bench{number}", extra, args.steps, env)
            print(label, results[label], flush=True)
    before = results["before: batch in one pass"]
    print("\n| run | peak memory | s/step | steps/s |\n|---|---|---|---|")
    for label, r in results.items():
        print(f"| {label} | {r['peak_mb']:,} MB | {r['s_per_step']} | {1 / r['s_per_step']:.3f} |")
    after = results["after: defaults (micro-batch 1, accumulation 4, no LoRA dropout)"]
    print(f"\npeak memory {before['peak_mb']:,} MB -> {after['peak_mb']:,} MB "
          f"({after['peak_mb'] / before['peak_mb']:.0%}); time per step {before['s_per_step']} s -> "
          f"{after['s_per_step']} s (goal: under 3,000 MB)")


if __name__ == "__main__":
    main()
