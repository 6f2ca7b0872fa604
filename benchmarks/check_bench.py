"""Benchmark: `ftcook check` against the OpenAI cookbook notebook's approach, on chat JSONL files of two shapes.

The baseline is what Chat_finetuning_data_prep.ipynb does: json.loads every line into a list, run its format
checks, then count tokens with tiktoken's `encode` per message value in a Python loop (the model's encoding).
ftcook runs as a user runs it (`ftcook check FILE --model MODEL --json`), once as installed (the default
tokenizer: bpe-openai's native BPE with the 'fast' extra, else tiktoken; the row names which) and once with
FTCOOK_TOKENIZER=tiktoken. Each run is a separate process, timed
with nothing watching it (the best of ``--repeat`` runs, the commands taking turns: ``best_of_each``); peak memory
comes from one more run, sampled from /proc for the whole process tree (ftcook's workers included, summed).

Shapes (every one is measured and printed, so no shape hides another):

- ``english``: ~200 MB of English examples, a few recurring short system prompts, 1-3 turns, message lengths
  log-normally spread (median ~25 words for users, ~40 for the assistant), gpt-3.5-turbo (cl100k_base);
- ``multilingual``: ~50 MB of ~2.3 KB examples - a system prompt, one user and one assistant turn - in Chinese,
  Japanese, Russian, Arabic, German and English, gpt-4o-mini (o200k_base): long non-English messages, where
  BPE costs most per byte.

    python benchmarks/check_bench.py [--shapes english,multilingual] [--mb 200]

Goal: ftcook ≥ 3× faster than the baseline on every shape, peak memory ≤ 300 MB.
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
from typing import NamedTuple

BASELINE = r'''
import json, sys
from collections import defaultdict
import tiktoken
encoding = tiktoken.get_encoding(sys.argv[2])
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


MULTILINGUAL_SYSTEMS = {
    "zh": "你是一位博学的中文助手。请用简洁、准确的现代汉语回答用户的问题，并在需要时引用原文。",
    "ja": "あなたは丁寧な日本語のアシスタントです。質問には簡潔かつ正確に、です・ます調で答えてください。",
    "ru": "Ты вежливый помощник, который отвечает по-русски: кратко, точно и без лишних подробностей.",
    "ar": "أنت مساعد مفيد يجيب باللغة العربية الفصحى بإيجاز ودقة، ويشرح المصطلحات الصعبة عند الحاجة.",
    "de": "Du bist ein hilfreicher Assistent, der auf Deutsch antwortet: knapp, genau und freundlich.",
    "en": "You are a helpful assistant. Answer in plain English, briefly and accurately, quoting the source.",
}


def generate_multilingual(path: Path, megabytes: int, seed: int = 5) -> None:
    """~2.3 KB examples (a system prompt, one user and one assistant turn), a sixth in each of six languages.
    Chinese is real text (the bundled Romance of the Three Kingdoms), English real prose (Python's pydoc
    topics); the others are sentences drawn from seed paragraphs, as benchmarks/language_bench.py writes them."""
    from language_bench import SEEDS, sentence
    from pydoc_data.topics import topics

    from ftcook.samples import SAMPLES

    chinese = [line.strip() for line in SAMPLES["language"].path.read_text(encoding="gb18030").splitlines()
               if len(line.strip()) > 20]
    english = " ".join(topics.values()).split()
    seeds = {**SEEDS, "de": "am frühen morgen war der hafen still und die boote schaukelten leise an ihren "
                            "tauen der alte fischer saß auf dem steg und flickte seine netze sie ging lange am "
                            "fluss entlang und zählte die laternen die noch am ufer brannten"}
    rng = random.Random(seed)

    def text(lang: str, size: int) -> str:
        out = ""
        while len(out.encode()) < size:
            if lang == "zh":
                out += rng.choice(chinese)
            elif lang == "en":
                i = rng.randrange(len(english) - 40)
                out += " ".join(english[i:i + 40]) + " "
            elif lang == "de":
                words = seeds["de"].split()
                out += " ".join(rng.choice(words) for _ in range(rng.randint(5, 20))).capitalize() + ". "
            else:
                out += sentence(rng, lang) + ("" if lang == "ja" else " ")
        return out.strip()

    target, size = megabytes * 1_000_000, 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        while size < target:
            lang = rng.choice(list(MULTILINGUAL_SYSTEMS))
            messages = [{"role": "system", "content": MULTILINGUAL_SYSTEMS[lang]},
                        {"role": "user", "content": text(lang, int(rng.lognormvariate(6.0, 0.5)))},
                        {"role": "assistant", "content": text(lang, int(rng.lognormvariate(7.3, 0.4)))}]
            line = json.dumps({"messages": messages}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())


SHAPES = {  # name: (default MB, generator, model)
    "english": (200, lambda path, mb: generate(path, mb), "gpt-3.5-turbo-0125"),
    "multilingual": (50, generate_multilingual, "gpt-4o-mini-2024-07-18"),
}


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


def as_installed() -> None:
    """ftcook's modules compiled to bytecode, as ``pip install`` leaves an installed package and the baselines'
    libraries already are. A checkout run with PYTHONDONTWRITEBYTECODE set (this project's machines set it)
    would otherwise compile every ftcook module again in every timed run: ~0.1 s of a one-book build."""
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parent.parent / "ftcook", quiet=1)


class Cmd(NamedTuple):
    """One command of a benchmark: its argv, environment (None: this one's) and the exit codes that are fine."""

    argv: list[str]
    env: dict | None = None
    ok_codes: tuple[int, ...] = (0,)


def best_of_each(cmds: list[Cmd], repeat: int = 3) -> list[tuple[float, float, str]]:
    """For each command: the best seconds of ``repeat`` runs with nothing watching them (as timeit reports), the
    peak memory of one more run (``measure`` samples /proc, which takes CPU from what it watches), and its output.
    The commands take turns (round after round), so a slower or faster minute of the machine falls on all of them
    alike: a ratio of two bests taken minutes apart moved by 15-25 % on this project's 2-core machines, whose
    second core is at times shared. ftcook's bytecode is compiled first (``as_installed``)."""
    as_installed()
    best, outs = [float("inf")] * len(cmds), [""] * len(cmds)
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            seconds, outs[i] = timed(cmd.argv, cmd.env, cmd.ok_codes)
            best[i] = min(best[i], seconds)
    peaks = [measure(cmd.argv, cmd.env, cmd.ok_codes)[1] for cmd in cmds]
    return list(zip(best, peaks, outs))


def best_of(cmd: list[str], env=None, ok_codes=(0,), repeat: int = 3) -> tuple[float, float, str]:
    """``best_of_each`` of one command."""
    return best_of_each([Cmd(cmd, env, ok_codes)], repeat)[0]


def run_shape(name: str, megabytes: int | None, repeat: int = 3) -> dict:
    """Generate the shape's file once (bench-data/), run the baseline and ftcook; the row of the table."""
    default_mb, make, model = SHAPES[name]
    mb = megabytes or default_mb
    data = Path("bench-data") / ("chat.jsonl" if name == "english" else f"chat-{name}.jsonl")
    if not data.exists() or data.stat().st_size < mb * 1_000_000:
        print(f"generating {mb} MB of {name} chat examples in {data} ...", flush=True)
        make(data, mb)
    from ftcook.catalog import get_model
    from ftcook.tokens import BUNDLED_CACHE

    # the baseline loads tiktoken's files from TIKTOKEN_CACHE_DIR, or from the copies bundled with ftcook (offline)
    base_env = {**os.environ, "TIKTOKEN_CACHE_DIR": os.environ.get("TIKTOKEN_CACHE_DIR", str(BUNDLED_CACHE))}
    ftcook = [sys.executable, "-m", "ftcook", "check", str(data), "--model", model, "--json"]
    default_env = {k: v for k, v in os.environ.items() if k != "FTCOOK_TOKENIZER"}
    variants = (("default", default_env), ("FTCOOK_TOKENIZER=tiktoken", {**os.environ, "FTCOOK_TOKENIZER": "tiktoken"}))
    (base_t, base_rss, base_out), *ours = best_of_each(
        [Cmd([sys.executable, "-c", BASELINE, str(data), get_model(model).encoding], base_env),
         *(Cmd(ftcook, env, (0, 1)) for _, env in variants)], repeat)
    baseline = json.loads(base_out)
    row = {"shape": name, "file": str(data), "mb": data.stat().st_size / 1e6, "examples": baseline["examples"],
           "model": model, "baseline": (base_t, base_rss, baseline["billing_tokens"]), "ftcook": {}}
    for (label, _), (t, rss, out) in zip(variants, ours):
        report = json.loads(out)
        row["ftcook"][f"ftcook, {label} ({report['tokenizer'].split()[0]})"] = (t, rss, report["cost"]["billing_tokens"])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--mb", type=int, help="size of every shape's file (default: english 200, multilingual 50)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each command (the best is kept)")
    args = parser.parse_args()
    rows = [run_shape(name, args.mb, args.repeat) for name in args.shapes.split(",")]
    print(f"\n{os.cpu_count()} cores")
    print("| shape | file | run | seconds | peak memory | speed-up | billing tokens |")
    print("|---|---|---|---|---|---|---|")
    met = True
    for row in rows:
        base_t, base_rss, base_tokens = row["baseline"]
        where = f"{row['mb']:,.0f} MB, {row['examples']:,} examples, {row['model']}"
        print(f"| {row['shape']} | {where} | baseline (cookbook notebook) | {base_t:.2f} | {base_rss:,.0f} MB | 1.00x "
              f"| {base_tokens:,} |")
        for label, (t, rss, tokens) in row["ftcook"].items():
            same = "same" if tokens == base_tokens else "DIFFERENT"
            print(f"| {row['shape']} | | {label} | {t:.2f} | {rss:,.0f} MB | {base_t / t:.2f}x | {tokens:,} ({same}) |")
        t, rss, _ = next(iter(row["ftcook"].values()))  # the default
        met = met and base_t / t >= 3 and rss <= 300
    print(f"\ngoal >= 3x and <= 300 MB on every shape (as installed): {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
