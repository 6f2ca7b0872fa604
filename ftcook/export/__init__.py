"""``ftcook export``: a tuned local model written for another runtime.

- ``hf``: a merged model folder (safetensors, tokenizer with its chat template, generation config) and a model
  card: what transformers, vLLM and TGI load.
- ``lora``: the PEFT adapter alone, with the vLLM command that serves it on its base model.
- ``gguf``: one GGUF file (``gguf.py``) for llama.cpp and LM Studio.
- ``ollama``: the GGUF and a Modelfile (``ollama.py``) for ``ollama create``.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..runner.base import TunedModel

FORMATS = ("hf", "lora", "gguf", "ollama")


@dataclass
class Exported:
    out: Path
    files: list[Path] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)


def export(name: str, to: str, out: Path, quant: str = "f16", force: bool = False) -> Exported:
    """Write tuned model ``name`` for runtime ``to``. Everything is written beside ``out`` first and moved into
    place at the end: an export that fails or is interrupted leaves nothing half-written, and ``--force``
    replaces what was there only once the new export is whole."""
    from ..runner import tuned_model

    model = tuned_model(name)
    if model.path is None:
        raise UsageError(f"'{name}' was trained on {model.backend}'s servers; its weights stay there - only local "
                         f"models can be exported")
    if to not in FORMATS:
        raise UsageError(f"--to {to}: formats are {', '.join(FORMATS)}")
    target = Path(out).with_suffix(".gguf") if to == "gguf" and Path(out).suffix != ".gguf" else Path(out)
    if target.exists() and (target.is_file() or any(target.iterdir())) and not force:
        raise UsageError(f"{target} exists and is not empty - pick another --out, or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.partial")
    _remove(staging)
    try:
        next_steps = {"hf": _hf, "lora": _lora, "gguf": _gguf, "ollama": _ollama}[to](model, staging, target, quant)
    except BaseException:
        _remove(staging)
        raise
    _remove(target)
    staging.replace(target)
    return Exported(target, sorted(target.iterdir()) if target.is_dir() else [target], next_steps)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _hf(model: TunedModel, staging: Path, target: Path, quant: str) -> list[str]:
    from .hf import write_merged

    write_merged(model, staging)
    return [f"transformers: AutoModelForCausalLM.from_pretrained(\"{target}\")",
            f"vLLM: vllm serve {target}   (then base_url=http://localhost:8000/v1)"]


def _lora(model: TunedModel, staging: Path, target: Path, quant: str) -> list[str]:
    from .hf import base_folder, model_card

    shutil.copytree(model.path, staging, ignore=shutil.ignore_patterns("merged"))
    (staging / "README.md").write_text(model_card(model, "lora"), encoding="utf-8")
    return [f"vllm serve {base_folder(model)} --enable-lora --lora-modules {model.name}={target.resolve()} "
            f"--max-lora-rank {_rank(staging)}",
            f"then: OpenAI(base_url=\"http://localhost:8000/v1\", api_key=\"x\").chat.completions.create("
            f"model=\"{model.name}\", ...)"]


def _rank(adapter: Path) -> int:
    import json

    rank = json.loads((adapter / "adapter_config.json").read_text()).get("r", 8)
    return next(r for r in (8, 16, 32, 64, 128, 256) if r >= rank)  # vLLM's allowed --max-lora-rank values


def _gguf(model: TunedModel, staging: Path, target: Path, quant: str) -> list[str]:
    _write_gguf(model, staging, quant)
    return [f"llama.cpp: llama-cli -m {target} -cnv", f"LM Studio: lms import {target}"]


def _ollama(model: TunedModel, staging: Path, target: Path, quant: str) -> list[str]:
    staging.mkdir(parents=True)
    _write_gguf(model, staging / f"{model.name}.gguf", quant, modelfile=staging / "Modelfile")
    tag = model.name.lower().replace("_", "-")
    return [f"cd {target} && ollama create {tag} -f Modelfile", f"ollama run {tag}"]


def _write_gguf(model: TunedModel, path: Path, quant: str, modelfile: Path | None = None) -> None:
    """The merged model (in a temporary folder) as a GGUF file, and with ``modelfile`` Ollama's Modelfile for it."""
    from .gguf import write_gguf
    from .hf import write_merged
    from .modelfile import write_modelfile

    with tempfile.TemporaryDirectory(prefix="ftcook-merged-") as merged:
        write_merged(model, Path(merged), card=False)
        write_gguf(Path(merged), path, quant, name=model.name)
        if modelfile is not None:
            write_modelfile(Path(merged), modelfile, path.name, model.system)
