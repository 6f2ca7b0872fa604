"""Training speed: plain TRL ``SFTTrainer`` with its defaults against ftcook's local backend, same base model, same
data, same machine, one run each (issue: any base model, item 5 - GPU speed).

Both train a LoRA adapter (rank 16, all linear layers) for one epoch over the same examples: the email sample the
quickstart trains on, repeated to ``--examples``, in TRL's conversational prompt/completion form. Measured:
- real tokens/s: the examples' tokens (chat template applied, no padding) over the training time;
- the ratio ftcook / TRL (goal on a GPU: at least 5x);
- peak memory: the process tree's resident memory, and on CUDA the peak allocated GPU memory;
- MFU on CUDA: 6 x parameters x tokens/s over the GPU's dense bf16 peak (a table below; unknown GPUs: none).

    python benchmarks/train_speed_bench.py [--model default|tiny|FOLDER] [--examples 64] [--home DIR]

``--model tiny`` builds a 2-layer model so the script is known to work on a CPU in a minute; ``default`` is
SmolLM2-135M-Instruct (the GPU comparison's model: on an H200 TRL's defaults did about 5.8k tokens/s with a
model of its shape).
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
#: dense bf16 peak, FLOP/s, by a substring of torch.cuda.get_device_name()
PEAK_FLOPS = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10G": 125e12, "L4": 121e12,
              "RTX 4090": 165e12, "T4": 65e12}

BASELINE = r'''
import json, sys, time, torch
from datasets import Dataset
from peft import LoraConfig
from trl import SFTConfig, SFTTrainer
model, data, out = sys.argv[1:4]
rows = [json.loads(line) for line in open(data, encoding="utf-8")]
config = SFTConfig(output_dir=out, num_train_epochs=1, report_to="none", save_strategy="no",
                   use_cpu=not torch.cuda.is_available())  # everything else: TRL's defaults
trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(rows),
                     peft_config=LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
result = trainer.train()
gpu = torch.cuda.max_memory_allocated() / 1e6 if torch.cuda.is_available() else None
print(json.dumps({"seconds": result.metrics["train_runtime"], "gpu_mb": gpu}))
'''


def tiny_model(folder: Path) -> Path:
    """The test suite's tiny model: a 2-layer Llama with a word-level tokenizer and a ChatML template."""
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny import tiny_model as make

    return make.__wrapped__(_Factory(folder))


class _Factory:
    def __init__(self, folder: Path):
        self.folder = folder

    def mktemp(self, name: str) -> Path:
        path = self.folder / name
        path.mkdir()
        return path


def dataset(folder: Path, examples: int) -> tuple[Path, Path]:
    """The quickstart's email replies, repeated to ``examples``: as TRL's conversational prompt/completion rows
    (the baseline: loss on the completions, as ftcook trains) and as the chat file ftcook reads (it makes the same
    rows of it)."""
    sample = ROOT / "ftcook" / "samples" / "quickstart" / "replies.jsonl"
    rows = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines() if line.strip()]
    trl, chat = folder / "trl.jsonl", folder / "chat.jsonl"
    with open(trl, "w", encoding="utf-8") as a, open(chat, "w", encoding="utf-8") as b:
        for i in range(examples):
            row = rows[i % len(rows)]
            prompt, reply = [{"role": "user", "content": row["email"]}], [{"role": "assistant", "content": row["reply"]}]
            a.write(json.dumps({"prompt": prompt, "completion": reply}) + "\n")
            b.write(json.dumps({"messages": prompt + reply}) + "\n")
    return trl, chat


def tokens(model: str, data: Path) -> int:
    """The examples' tokens with the model's chat template, no padding: what both runs must process."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    return sum(len(tokenizer.apply_chat_template(r["messages"], tokenize=True, return_dict=True)["input_ids"])
               for r in rows)


def mfu(params: int, tokens_per_s: float) -> str:
    import torch

    if not torch.cuda.is_available():
        return "n/a (CPU)"
    name = torch.cuda.get_device_name()
    peak = next((v for k, v in PEAK_FLOPS.items() if k in name), None)
    return f"{6 * params * tokens_per_s / peak:.1%}" if peak else f"n/a ({name}: peak unknown)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--examples", type=int, default=64)
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "ftcook-bench" / "home")
    args = parser.parse_args()
    os.environ["FTCOOK_HOME"] = str(args.home)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.model == "tiny":
            model = str(tiny_model(tmp))
        elif args.model == "default":
            from ftcook.runner.local.basemodel import resolve

            model = str(resolve("SmolLM2-135M-Instruct"))
        else:
            model = args.model
        trl_data, data = dataset(tmp, args.examples)
        total = tokens(model, data)
        from transformers import AutoConfig, AutoModelForCausalLM

        import torch

        with torch.device("meta"):
            params = sum(p.numel() for p in AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(model))
                         .parameters())
        _, base_mb, out = measure([sys.executable, "-c", BASELINE, model, str(trl_data), str(tmp / "trl")])
        base = json.loads(out.strip().splitlines()[-1])
        _, ours_mb, out = measure([sys.executable, "-m", "ftcook", "train", str(data), "--model", model,
                                        "--epochs", "1", "--name", f"speed-{os.getpid()}", "-o", "rank=16", "-q"])
        seconds = float(re.search(r"steps? in ([\d.]+) s", out).group(1))
    rows = {"TRL SFTTrainer, its defaults": (base["seconds"], base_mb, base["gpu_mb"]),
            "ftcook local backend, its defaults": (seconds, ours_mb, None)}
    print(f"\n{args.examples} examples, {total:,} tokens (no padding), model {Path(model).name} ({params:,} params)")
    print("| run | train s | real tokens/s | peak RSS | MFU |\n|---|---|---|---|---|")
    for label, (s, mb, gpu) in rows.items():
        print(f"| {label} | {s:.1f} | {total / s:,.0f} | {mb:,.0f} MB{f', GPU {gpu:,.0f} MB' if gpu else ''} | "
              f"{mfu(params, total / s)} |")
    print(f"\nratio ftcook / TRL: {base['seconds'] / seconds:.2f}x (goal on a GPU: at least 5x)")


if __name__ == "__main__":
    main()
