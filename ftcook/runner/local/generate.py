"""Generation and held-out loss with a base model, alone or with a LoRA adapter, through the chat template the
model was trained with."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=2)
def load(base_dir: Path, adapter: Path | None):
    """(model, tokenizer), kept for the next call in this process (compare asks many times)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from .train import device

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    where, dtype = device()
    tokenizer = AutoTokenizer.from_pretrained(adapter or base_dir)
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=getattr(torch, dtype))
    if adapter is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    model.to(where).eval()
    return model, tokenizer


def _prompt_ids(tokenizer, messages: list[dict]):
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                             return_dict=True)["input_ids"]
    text = "\n\n".join(m["content"] for m in messages) + "\n\n"
    return tokenizer(text, return_tensors="pt")["input_ids"]


def generate(base_dir: Path, adapter: Path | None, messages: list[dict], max_tokens: int = 256,
             temperature: float = 0.0) -> str:
    import torch

    model, tokenizer = load(base_dir, adapter)
    ids = _prompt_ids(tokenizer, messages).to(model.device)
    sampling = {"do_sample": True, "temperature": temperature, "top_p": 0.95} if temperature > 0 else \
        {"do_sample": False}
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_tokens,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                             repetition_penalty=1.1, **sampling)
    return tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=True).strip()


def completion_loss(base_dir: Path, adapter: Path | None, examples: list[dict]) -> float | None:
    """Mean cross-entropy per completion token of ``examples`` (TRL conversational form)."""
    import torch

    model, tokenizer = load(base_dir, adapter)
    total, count = 0.0, 0
    for example in examples:
        prompt = _prompt_ids(tokenizer, example["prompt"])[0]
        if tokenizer.chat_template:
            whole = tokenizer.apply_chat_template(example["prompt"] + example["completion"], return_tensors="pt",
                                                  return_dict=True)["input_ids"][0]
        else:
            text = "\n\n".join(m["content"] for m in example["completion"])
            whole = torch.cat([prompt, tokenizer(text, return_tensors="pt")["input_ids"][0]])
        if len(whole) <= len(prompt):
            continue
        labels = whole.clone()
        labels[: len(prompt)] = -100
        with torch.no_grad():
            out = model(input_ids=whole[None].to(model.device), labels=labels[None].to(model.device))
        n = int((labels[1:] != -100).sum())
        total += float(out.loss) * n
        count += n
    return round(total / count, 4) if count else None
