"""The plan of a local run, before it starts (``ftcook train --plan``, and the first lines of every run): the
model's parameters and the LoRA parameters it will train, the memory each part needs against what the device has,
the steps, and the time - from a short measured warm-up with ``--plan``, else from ``estimate.py``'s speed. A run
that will not fit is refused with the settings that would make it fit.

Memory, the sum of: the runtime (Python, torch and the libraries), the base weights in the training dtype, the
LoRA weights with their gradients and AdamW's two moments (16 bytes a trainable parameter), and the activations of
one forward pass over the longest micro-batch (``estimate.py``'s per-token rule, scaled by the model's shape).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from .distributed import world_size
from .quantize import WEIGHT_BYTES
from .estimate import Shape, activation_bytes, duration, rule_speed, runtime_bytes

DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
HEADROOM = 0.9  # of the memory the device has free: what a run may plan to use


@dataclass
class Plan:
    where: str
    dtype: str
    params: int
    trainable: int
    memory: dict[str, float]  # part -> bytes
    available: float | None  # bytes free on the device, None where unknown
    steps: int
    tokens: int  # tokens the run processes, all epochs
    tokens_per_s: float
    basis: str  # where the speed comes from
    advice: list[str] = field(default_factory=list)

    @property
    def peak(self) -> float:
        return sum(self.memory.values())

    @property
    def fits(self) -> bool:
        return self.available is None or self.peak <= self.available * HEADROOM

    @property
    def seconds(self) -> float:
        return self.tokens / self.tokens_per_s

    def lines(self) -> list[str]:
        parts = ", ".join(f"{name} {gb(b)}" for name, b in self.memory.items())
        have = f" of {gb(self.available)} free" if self.available is not None else ""
        lines = [f"model: {self.params:,} parameters, {self.trainable:,} trained (LoRA, "
                 f"{100 * self.trainable / self.params:.2f} %), {self.where} {self.dtype}",
                 f"memory: about {gb(self.peak)} at the peak{have} ({parts})",
                 f"time: about {duration(self.seconds)} for {self.steps:,} steps ({self.tokens:,} tokens at "
                 f"{self.tokens_per_s:,.1f} tokens/s, from {self.basis})"]
        if not self.fits:
            lines.append(f"It will not fit: {gb(self.peak)} needed, {gb(self.available * HEADROOM)} usable. "
                         + " ".join(self.advice))
        return lines


def gb(n: float) -> str:
    """
    >>> gb(2.56e9), gb(80e6)
    ('2.6 GB', '0.08 GB')
    """
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e9:.2f} GB"


def lora_parameters(model, rank: int) -> int:
    """What LoRA on every linear layer but the output head trains: ``rank * (in + out)`` a layer (PEFT's
    ``all-linear``)."""
    import torch

    head = model.get_output_embeddings()
    return sum(rank * (m.in_features + m.out_features) for m in model.modules()
               if isinstance(m, torch.nn.Linear) and m is not head)


def empty_model(base_dir: Path):
    """The base model's modules with no weights loaded (meta tensors): its shape, at no memory cost."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(base_dir)
    with torch.device("meta"):
        return AutoModelForCausalLM.from_config(config)


def available_memory(where: str) -> float | None:
    """Bytes free for a run: CUDA's free memory, Apple's recommended working set, else the system's available
    memory (Linux /proc/meminfo; None where it cannot be read)."""
    import torch

    if where == "cuda":
        return float(torch.cuda.mem_get_info()[0])
    if where == "mps" and hasattr(torch.mps, "recommended_max_memory"):
        return float(torch.mps.recommended_max_memory())
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            info = dict(line.split(":", 1) for line in f)
        return float(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None


def make_plan(base_dir: Path, lengths: list[int], settings: dict, where: str, dtype: str, *, threads: int = 1,
              measured: tuple[float, str] | None = None, max_steps: int | None = None) -> Plan:
    """The plan for examples of ``lengths`` tokens (as the trainer sees them) with ``settings`` (``defaults()``);
    ``measured``: (tokens/s, basis) of a warm-up or an earlier run, else a rule of thumb."""
    model = empty_model(base_dir)
    config = model.config
    params = sum(p.numel() for p in model.parameters())
    trainable = lora_parameters(model, settings["rank"])
    cut = [min(n, settings["max_length"]) for n in lengths]
    longest = sorted(cut, reverse=True)[:settings["micro_batch"]]
    shape = Shape(params, config.num_hidden_layers, config.hidden_size)
    speed = measured or rule_speed(shape, where, threads, settings["gradient_checkpointing"])
    weight_bytes = WEIGHT_BYTES.get(settings.get("quantize"), DTYPE_BYTES[dtype])
    memory = {"runtime": runtime_bytes(where), "weights": params * weight_bytes,
              "LoRA and optimizer": trainable * 16.0,
              "activations": activation_bytes(shape, sum(longest), settings["gradient_checkpointing"],
                                              DTYPE_BYTES[dtype])}
    steps = settings["epochs"] * math.ceil(len(cut) / settings["batch_size"])
    epochs = settings["epochs"] if not max_steps else min(settings["epochs"], max_steps / max(steps, 1) *
                                                          settings["epochs"])
    available = available_memory(where)
    if available is not None and where != "cuda":  # the processes of a run share this machine's memory
        available /= world_size()
    plan = Plan(where, dtype, params, trainable, memory, available, min(steps, max_steps or steps),
                round(sum(cut) * epochs), speed[0], speed[1])
    plan.advice = advice(plan, settings, max(cut, default=0))
    return plan


def advice(plan: Plan, settings: dict, longest: int) -> list[str]:
    """Settings that lower the peak, the most effective first."""
    out = []
    if settings["micro_batch"] > 1:
        out.append(f"Fewer examples per pass: -o micro_batch={max(1, settings['micro_batch'] // 2)} (same batch, "
                   f"by gradient accumulation).")
    if not settings["gradient_checkpointing"]:
        out.append("Recompute activations: -o gradient_checkpointing=true (about a sixth more time).")
    if longest > 256:
        out.append(f"Shorter examples: -o max_length={max(128, longest // 2)} (longer ones are cut).")
    if plan.where == "cuda" and not settings.get("quantize"):
        out.append("Load the base weights in 4 bits: -o quantize=4bit (QLoRA).")
    out.append("A smaller base model (--model), or a machine with more memory.")
    return out


def warm_up(base_dir: Path, rows: list[list[int]], settings: dict, where: str, dtype: str) -> tuple[float, str]:
    """Tokens/s of forward and backward passes with LoRA on this machine: two passes over a micro-batch of the
    dataset's median-length examples, the first not timed."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=getattr(torch, dtype)).to(where)
    model = get_peft_model(model, LoraConfig(r=settings["rank"], lora_alpha=settings["alpha"],
                                             target_modules="all-linear", task_type="CAUSAL_LM"))
    if settings["gradient_checkpointing"]:
        model.gradient_checkpointing_enable()
    ordered = sorted(rows, key=len)
    batch = [ids[:settings["max_length"]] for ids in ordered[len(ordered) // 2:][:settings["micro_batch"]]]
    width = max(len(ids) for ids in batch)
    ids = torch.tensor([ids + [0] * (width - len(ids)) for ids in batch], device=where)
    elapsed = 0.0
    for number in range(2):
        start = time.perf_counter()
        model(input_ids=ids, labels=ids).loss.backward()
        if number:
            elapsed = time.perf_counter() - start
    threads = torch.get_num_threads() if where == "cpu" else 0
    return sum(len(b) for b in batch) / elapsed, (f"a warm-up on this machine ({threads} threads)" if threads else
                                                  "a warm-up on this machine")
