"""Generation and held-out loss with a base model, alone or with a LoRA adapter, through the chat template the
model was trained with."""

from __future__ import annotations

from dataclasses import dataclass
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


def _prompt_ids(tokenizer, messages: list[dict], plain: bool = False):
    """A chat's token ids through the chat template; for a model trained on plain text (``plain``), the user
    turns as text to continue (the end-of-text token when there is none)."""
    if plain:
        text = "\n\n".join(m["content"] for m in messages if m["role"] == "user")
        ids = tokenizer(text, return_tensors="pt")["input_ids"] if text else None
        if ids is None or ids.shape[1] == 0:
            import torch

            ids = torch.tensor([[tokenizer.bos_token_id if tokenizer.bos_token_id is not None else
                                 tokenizer.eos_token_id]])
        return ids
    if tokenizer.chat_template:
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                             return_dict=True)["input_ids"]
    text = "\n\n".join(m["content"] for m in messages) + "\n\n"
    return tokenizer(text, return_tensors="pt")["input_ids"]


def prompt_ids(tokenizer, messages: list[dict] | None = None, text: str | None = None, plain: bool = False):
    """Token ids of a chat (through the model's chat template, as in training; for a model trained on plain text,
    its user turns as text to continue) or of plain ``text``."""
    if messages is not None:
        return _prompt_ids(tokenizer, messages, plain)
    return tokenizer(text, return_tensors="pt")["input_ids"]


@dataclass(kw_only=True)
class Sampling:
    """How to pick tokens. Greedy at temperature 0; the repetition penalty is the one ``ftcook ask`` has always
    used, so every way of asking a model gives the same greedy answer."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 0.95
    stop: tuple[str, ...] = ()
    seed: int | None = None
    repetition_penalty: float = 1.1


@dataclass
class Generation:
    text: str
    finish_reason: str  # "stop" (end of turn or a stop string), "length" (max_tokens), "cancelled"
    prompt_tokens: int
    completion_tokens: int


def run(model, tokenizer, ids, sampling: Sampling, on_text=None, cancelled=None) -> Generation:
    """Generate from prompt ``ids`` with transformers' ``generate``. ``on_text(delta)`` receives the text as it
    grows (never a cut character, never a stop string); ``cancelled()`` returning True stops at the next token
    (a client that went away)."""
    import torch

    ids = ids.to(model.device)
    watch = _Watch(tokenizer, ids.shape[1], sampling.stop, on_text, cancelled)
    if sampling.seed is not None:
        torch.manual_seed(sampling.seed)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=sampling.max_tokens,
                             pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                             repetition_penalty=sampling.repetition_penalty, stopping_criteria=[watch],
                             **_sampling_args(sampling))
    new = out[0, ids.shape[1]:]
    text, finish = watch.finish(new)
    return Generation(text, finish, int(ids.shape[1]), len(new))


def _sampling_args(sampling: Sampling) -> dict:
    if sampling.temperature <= 0:
        return {"do_sample": False}
    return {"do_sample": True, "temperature": sampling.temperature, "top_p": sampling.top_p}


def _watch_base():
    from transformers import StoppingCriteria

    return StoppingCriteria


class _Watch(_watch_base()):
    """Sees each new token: sends the grown text to ``on_text``, stops at a stop string or when cancelled."""

    def __init__(self, tokenizer, start: int, stop: tuple[str, ...], on_text, cancelled):
        self.tokenizer, self.start, self.stop = tokenizer, start, tuple(s for s in stop if s)
        self.on_text, self.cancelled = on_text, cancelled
        self.sent = 0
        self.stopped_by: str | None = None

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if not self.stop and self.on_text is None:  # nothing to watch but a cancel: no decoding per token
            self.stopped_by = "cancelled" if self.cancelled is not None and self.cancelled() else None
            return torch.full((input_ids.shape[0],), self.stopped_by is not None, dtype=torch.bool,
                              device=input_ids.device)
        text = self.tokenizer.decode(input_ids[0, self.start:], skip_special_tokens=True)
        cut = min((i for i in (text.find(s) for s in self.stop) if i >= 0), default=-1)
        if cut >= 0:
            self.stopped_by = "stop"
            self._send(text[:cut], final=True)
        elif self.cancelled is not None and self.cancelled():
            self.stopped_by = "cancelled"
        else:
            self._send(text, final=False)
        return torch.full((input_ids.shape[0],), self.stopped_by is not None, dtype=torch.bool,
                          device=input_ids.device)

    def _send(self, text: str, final: bool) -> None:
        """The text not sent yet, holding back a cut character and what may be the start of a stop string."""
        if self.on_text is None:
            return
        end = len(text)
        if not final:
            end = len(text.rstrip("\ufffd"))
            for s in self.stop:
                for k in range(min(len(s) - 1, end), 0, -1):
                    if text[:end].endswith(s[:k]):
                        end -= k
                        break
        if end > self.sent:
            self.on_text(text[self.sent:end])
            self.sent = end

    def finish(self, new) -> tuple[str, str]:
        """The whole reply and why it ended; what was held back is sent now."""
        text = self.tokenizer.decode(new, skip_special_tokens=True)
        if self.stopped_by == "stop":
            text = text[:min(i for i in (text.find(s) for s in self.stop) if i >= 0)]
        self._send(text, final=True)
        eos = set(_eos_ids(self.tokenizer))
        if self.stopped_by:
            return text, self.stopped_by
        return text, "stop" if len(new) and int(new[-1]) in eos else "length"


def _eos_ids(tokenizer) -> list[int]:
    ids = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    return ids


def generate(base_dir: Path, adapter: Path | None, messages: list[dict], max_tokens: int = 256,
             temperature: float = 0.0, plain: bool = False, seed: int | None = None) -> str:
    model, tokenizer = load(base_dir, adapter)
    sampling = Sampling(max_tokens=max_tokens, temperature=temperature, seed=seed)
    return run(model, tokenizer, _prompt_ids(tokenizer, messages, plain), sampling).text.strip()


def completion_loss(base_dir: Path, adapter: Path | None, examples: list[dict], plain: bool = False) -> float | None:
    """Mean cross-entropy per completion token of ``examples`` (TRL conversational form); ``plain``: as text
    to continue, without the chat template (a model trained on plain text)."""
    import torch

    model, tokenizer = load(base_dir, adapter)
    total, count = 0.0, 0
    for example in examples:
        prompt = _prompt_ids(tokenizer, example["prompt"], plain)[0]
        if tokenizer.chat_template and not plain:
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
