"""Benchmark: `ftcook check` against the OpenAI cookbook notebook's approach on a ~200 MB chat JSONL.

The baseline is what Chat_finetuning_data_prep.ipynb does: json.loads every line into a list, run its format
checks, then count tokens with tiktoken's `encode` per message value in a Python loop (cl100k_base). ftcook runs
as a user runs it (`ftcook check FILE --model gpt-3.5-turbo-0125 --json`), once with the default tokenizer
(tiktoken) and once with FTCOOK_TOKENIZER=bpe-openai (the 'fast' extra). Each run is a separate process;
peak RSS is sampled from /proc for the whole process tree (ftcook's workers included, summed).

    python benchmarks/check_bench.py [--mb 200] [--data bench-data/chat.jsonl]

Goal (issue 2): ftcook ≥ 3× faster than the baseline, peak RSS ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

BASELINE = r'''
import json, sys
from collections import defaultdict
import tiktoken
encoding = tiktoken.get_encoding("cl100k_base")
with open(sys.argv[1], "r", encoding="utf-8") as f:
    dataset = [json.loads(line) for line in f]
format_errors = defaultdict(int)
for ex in dataset:
    if not isinstance(ex, dict):
        format_errors["data_type"] += 1; continue
    messages = ex.get("messages", None)
    if not messages:
        format_errors["missing_messages_list"] += 1; continue
    for message in messages:
        if "role" not in message or "content" not in message:
            format_errors["message_missing_key"] += 1
        if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
            format_errors["message_unrecognized_key"] += 1
        if message.get("role", None) not in ("system", "user", "assistant", "function"):
            format_errors["unrecognized_role"] += 1
        content = message.get("content", None)
        function_call = message.get("function_call", None)
        if (not content and not function_call) or not isinstance(content, str):
            format_errors["missing_content"] += 1
    if not any(message.get("role", None) == "assistant" for message in messages):
        format_errors["example_missing_assistant_message"] += 1
def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode(value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens
def num_assistant_tokens_from_messages(messages):
    return sum(len(encoding.encode(m["content"])) for m in messages if m["role"] == "assistant")
n_tokens, n_assistant = [], []
for ex in dataset:
    n_tokens.append(num_tokens_from_messages(ex["messages"]))
    n_assistant.append(num_assistant_tokens_from_messages(ex["messages"]))
print(json.dumps({"examples": len(dataset), "billing_tokens": sum(min(16385, t) for t in n_tokens),
                  "errors": dict(format_errors)}))
'''

SYSTEMS = ["You are Marv, a factual chatbot that is also sarcastic.",
           "You write emails in Alice's voice: short, warm, no jargon. Sign off with 'Best, Alice'.",
           "Classify the support ticket into one of: billing, bug, feature, other. Answer with the label only.",
           "Du bist ein hilfreicher Assistent, der auf Deutsch antwortet."]


def generate(path: Path, megabytes: int, seed: int = 7) -> None:
    """A chat dataset shaped like real fine-tuning data: a few recurring system prompts, 1-3 turns, message
    lengths log-normally spread (median ~25 words for users, ~40 for the assistant, a tail of long ones)."""
    from pydoc_data.topics import topics  # a large body of real English prose shipped with Python

    words = " ".join(topics.values()).split()
    rnd = random.Random(seed)

    def text(mu: float) -> str:
        n = max(1, min(4000, int(rnd.lognormvariate(mu, 0.9))))
        i = rnd.randrange(len(words) - n)
        return " ".join(words[i:i + n])

    target = megabytes * 1_000_000
    size = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        while size < target:
            messages = [{"role": "system", "content": rnd.choice(SYSTEMS)}] if rnd.random() < 0.9 else []
            for _ in range(rnd.choice([1, 1, 1, 2, 3])):
                messages.append({"role": "user", "content": text(3.2)})
                messages.append({"role": "assistant", "content": text(3.7)})
            line = json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())


def _memory_kb(pid: int) -> int:
    """The process's proportional set size (shared pages split between the processes sharing them, so forked
    helpers are not counted twice), or its resident set size where the kernel has no smaps_rollup."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (FileNotFoundError, PermissionError, StopIteration):
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def _tree_rss_kb(pid: int) -> int:
    """Memory of ``pid`` and all its descendants now (see ``_memory_kb``)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            total += _memory_kb(p)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def timed(cmd: list[str], env=None, ok_codes=(0,)) -> tuple[float, str]:
    """Wall seconds and stdout of a run with nothing else watching it (``measure`` samples /proc, which takes
    CPU from multi-process commands on small machines)."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        sys.exit(f"{cmd} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed, proc.stdout


def measure(cmd: list[str], env=None, ok_codes=(0,)) -> tuple[float, float, str]:
    """Wall seconds, peak RSS of the process tree in MB, and stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.05)  # reading smaps costs CPU: poll rarely enough not to slow what is measured
    out, err = proc.communicate()
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok_codes:
        sys.exit(f"{cmd} failed ({proc.returncode}):\n{err}")
    return elapsed, peak / 1024, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--data", type=Path, default=Path("bench-data/chat.jsonl"))
    args = parser.parse_args()
    if not args.data.exists() or args.data.stat().st_size < args.mb * 1_000_000:
        print(f"generating {args.mb} MB of chat examples in {args.data} ...", flush=True)
        generate(args.data, args.mb)
    size_mb = args.data.stat().st_size / 1e6
    ftcook = [sys.executable, "-m", "ftcook", "check", str(args.data), "--model", "gpt-3.5-turbo-0125", "--json"]

    # the baseline loads tiktoken's files from TIKTOKEN_CACHE_DIR, or from the copies bundled with ftcook (offline)
    from ftcook.tokens import BUNDLED_CACHE

    base_env = {**os.environ, "TIKTOKEN_CACHE_DIR": os.environ.get("TIKTOKEN_CACHE_DIR", str(BUNDLED_CACHE))}
    base_t, base_rss, base_out = measure([sys.executable, "-c", BASELINE, str(args.data)], base_env)
    runs = {}
    for label, tokenizer in (("ftcook (tiktoken, default)", "tiktoken"), ("ftcook (bpe-openai)", "bpe-openai")):
        env = {**os.environ, "FTCOOK_TOKENIZER": tokenizer}
        runs[label] = measure(ftcook, env, ok_codes=(0, 1))  # 1: the report has errors
    baseline = json.loads(base_out)
    print(f"\nfile: {args.data} ({size_mb:,.0f} MB, {baseline['examples']:,} examples), {os.cpu_count()} cores")
    print(f"{'':30} {'seconds':>8} {'peak RSS':>10} {'speed-up':>9}  billing tokens")
    print(f"{'baseline (cookbook notebook)':30} {base_t:8.2f} {base_rss:8.0f} MB {1:8.2f}×  {baseline['billing_tokens']:,}")
    for label, (t, rss, out) in runs.items():
        report = json.loads(out)
        same = "same" if report["cost"]["billing_tokens"] == baseline["billing_tokens"] else "DIFFERENT"
        print(f"{label:30} {t:8.2f} {rss:8.0f} MB {base_t / t:8.2f}×  {report['cost']['billing_tokens']:,} ({same}; "
              f"{report['tokenizer']})")
    t, rss, _ = runs["ftcook (tiktoken, default)"]
    ok = base_t / t >= 3 and rss <= 300
    print(f"\ngoal ≥ 3× and ≤ 300 MB: {'met' if ok else 'NOT met'} (ratio {base_t / t:.2f}×, peak {rss:.0f} MB)")


if __name__ == "__main__":
    main()
