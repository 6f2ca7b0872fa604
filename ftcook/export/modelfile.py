"""The Modelfile for a merged model folder: its chat template turned into Ollama's, its stop tokens."""

from __future__ import annotations

from pathlib import Path

from .ollama import chatml_template, default_system, is_chatml, modelfile


def write_modelfile(model_dir: Path, path: Path, gguf_name: str, system: str | None) -> Path:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    template = None
    stops = [tokenizer.eos_token] if tokenizer.eos_token else []
    if is_chatml(tokenizer.chat_template):
        plain = tokenizer.apply_chat_template([{"role": "user", "content": "x"}], tokenize=False,
                                              add_generation_prompt=True)
        template = chatml_template(default_system(plain))
        stops = list(dict.fromkeys([*stops, "<|im_end|>", "<|im_start|>"]))
    path.write_text(modelfile(gguf_name, template, system, stops), encoding="utf-8")
    return path
