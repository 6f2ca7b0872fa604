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
    from ..runner import tuned_model

    model = tuned_model(name)
    if model.path is None:
        raise UsageError(f"'{name}' was trained on {model.backend}'s servers; its weights stay there - only local "
                         f"models can be exported")
    if to not in FORMATS:
        raise UsageError(f"--to {to}: formats are {', '.join(FORMATS)}")
    out = Path(out)
    _clear(out, force)
    return {"hf": _hf, "lora": _lora, "gguf": _gguf, "ollama": _ollama}[to](model, out, quant)


def _clear(out: Path, force: bool) -> None:
    if out.exists() and (out.is_file() or any(out.iterdir())):
        if not force:
            raise UsageError(f"{out} exists and is not empty - pick another --out, or pass --force to replace it")
        shutil.rmtree(out) if out.is_dir() else out.unlink()


def _hf(model: TunedModel, out: Path, quant: str) -> Exported:
    from .hf import write_merged

    write_merged(model, out)
    return Exported(out, sorted(out.iterdir()), [
        f"transformers: AutoModelForCausalLM.from_pretrained(\"{out}\")",
        f"vLLM: vllm serve {out}   (then base_url=http://localhost:8000/v1)"])


def _lora(model: TunedModel, out: Path, quant: str) -> Exported:
    from .hf import base_folder, model_card

    shutil.copytree(model.path, out, ignore=shutil.ignore_patterns("merged"))
    (out / "README.md").write_text(model_card(model, "lora"), encoding="utf-8")
    base = base_folder(model)
    rank = _rank(out)
    return Exported(out, sorted(out.iterdir()), [
        f"vllm serve {base} --enable-lora --lora-modules {model.name}={out.resolve()} --max-lora-rank {rank}",
        f"then: OpenAI(base_url=\"http://localhost:8000/v1\", api_key=\"x\").chat.completions.create("
        f"model=\"{model.name}\", ...)"])


def _rank(adapter: Path) -> int:
    import json

    rank = json.loads((adapter / "adapter_config.json").read_text()).get("r", 8)
    return next(r for r in (8, 16, 32, 64, 128, 256) if r >= rank)  # vLLM's allowed --max-lora-rank values


def _gguf(model: TunedModel, out: Path, quant: str) -> Exported:
    from .gguf import write_gguf
    from .hf import write_merged

    out = out if out.suffix == ".gguf" else out.with_suffix(".gguf")
    with tempfile.TemporaryDirectory(prefix="ftcook-merged-") as merged:
        write_merged(model, Path(merged), card=False)
        write_gguf(Path(merged), out, quant, name=model.name)
    return Exported(out, [out], [f"llama.cpp: llama-cli -m {out} -cnv", f"LM Studio: lms import {out}"])


def _ollama(model: TunedModel, out: Path, quant: str) -> Exported:
    from .gguf import write_gguf
    from .hf import write_merged
    from .modelfile import write_modelfile

    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{model.name}.gguf"
    with tempfile.TemporaryDirectory(prefix="ftcook-merged-") as merged:
        write_merged(model, Path(merged), card=False)
        write_gguf(Path(merged), target, quant, name=model.name)
        modelfile = write_modelfile(Path(merged), out / "Modelfile", target.name, model.system)
    tag = model.name.lower().replace("_", "-")
    return Exported(out, [target, modelfile], [f"cd {out} && ollama create {tag} -f Modelfile",
                                               f"ollama run {tag}"])
