"""A tuned model as a merged Hugging Face folder (base + adapter in one set of weights) and its model card."""

from __future__ import annotations

import json
from pathlib import Path

from ..runner.base import TunedModel


def base_folder(model: TunedModel) -> Path:
    """The base model's folder on this machine (the default model: its one-time safetensors conversion)."""
    from ..runner.local.basemodel import resolve

    return resolve(model.base_model)


def write_merged(model: TunedModel, out: Path, card: bool = True) -> Path:
    """Merge the adapter into its base and save the whole model, tokenizer (with the chat template) and
    generation config in float32 safetensors, as trained."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig
    from transformers.utils import logging as hf_logging

    from ..runner.local import require_extra

    require_extra()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    base = AutoModelForCausalLM.from_pretrained(base_folder(model), dtype=torch.float32)
    merged = PeftModel.from_pretrained(base, model.path).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(model.path)
    out.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    generation = merged.generation_config or GenerationConfig()
    generation.eos_token_id = tokenizer.eos_token_id
    generation.pad_token_id = tokenizer.pad_token_id
    generation.save_pretrained(out)
    if card:
        (out / "README.md").write_text(model_card(model, "hf"), encoding="utf-8")
    return out


def model_card(model: TunedModel, kind: str) -> str:
    """What a reader of the exported folder needs: where it came from, on what data, with what result."""
    m = model.metrics
    manifest = _manifest(model)
    lines = ["---", f"base_model: {model.base_model}", "library_name: " + ("peft" if kind == "lora" else
                                                                          "transformers"),
             "tags: [ftcook, lora]", "---", "", f"# {model.name}", "",
             f"Fine-tuned with [ftcook](https://pypi.org/project/ftcook/) from **{model.base_model}** with LoRA "
             f"({'the adapter alone' if kind == 'lora' else 'merged into the base weights'}).", "", "## Data", ""]
    if manifest:
        counts, redaction = manifest.get("counts", {}), manifest.get("redaction", {})
        lines += [f"- recipe: `{manifest.get('recipe')}`, options `{json.dumps(manifest.get('options', {}))}`",
                  f"- examples: {counts.get('train', '?')} train, {counts.get('valid', '?')} valid, "
                  f"{counts.get('skipped', '?')} skipped (by reason: "
                  f"{json.dumps(manifest.get('ledger', {}).get('skipped_by_reason', {}))})",
                  "- redaction: " + (f"on, {json.dumps(redaction.get('placeholders', {}))}" if redaction.get("enabled")
                                     else "off")]
    else:
        lines.append("- the dataset's manifest is not available on this machine")
    lines += ["", "## Training", "", *(f"- {key}: {m[key]}" for key in ("examples", "epochs", "steps", "rank",
                                                                        "learning_rate", "first_loss", "last_loss",
                                                                        "valid_loss", "device") if key in m)]
    if model.system:
        lines += ["", "## System prompt", "", "Trained with this system prompt; use it when you ask:", "",
                  "```", model.system, "```"]
    return "\n".join(lines) + "\n"


def _manifest(model: TunedModel) -> dict | None:
    from ..state import open_state

    with open_state() as state:
        row = state.model(model.name)
        job = state.job(row.job_id) if row and row.job_id else None
        dataset = state.dataset(job.dataset_id) if job and job.dataset_id else None
    if dataset is None:
        return None
    path = Path(dataset["path"])
    manifest = (path if path.is_dir() else path.parent) / "manifest.json"
    try:
        return json.loads(manifest.read_text())
    except (OSError, ValueError):
        return None
