"""Counting with a local base model's own tokenizer (``ftcook check --model local:FOLDER``, and the check
``ftcook train --model X`` runs): the model's ``tokenizer.json`` through the ``tokenizers`` library (no torch, no
transformers), its special tokens, and the tokens its chat template adds around each message, measured by
rendering the template (jinja2) on a probe conversation.

A local model is named ``local:FOLDER`` or ``local:ORG/NAME`` (a Hugging Face id in the local cache); its catalog
row is made from its ``config.json``: the context length is ``max_position_embeddings``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import UsageError

PREFIX = "hf:"  # an encoding name ``hf:FOLDER``: count with that folder's tokenizer.json


@dataclass(frozen=True)
class ChatOverhead:
    """Tokens a chat template adds: per message (role markers, separators) and per example (a BOS, the
    generation prompt the reply is trained after)."""

    per_message: int
    per_example: int
    measured: bool  # False: the template could not be rendered here, OpenAI's counts (3 and 3) stand in


def folder_of(model: str) -> Path:
    """The folder of ``model`` (a path, or a Hugging Face id in the local cache), or a clear error."""
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "tokenizer.json").is_file():
            raise UsageError(f"{path}: no tokenizer.json - give a model folder written by save_pretrained (a fast "
                             f"tokenizer), or a Hugging Face id in the local cache")
        return path.resolve()
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise UsageError(f"'{model}' is not a folder, and looking it up in the Hugging Face cache needs the local "
                         f"extra: pip install 'ftcook[local]'") from None
    try:
        return Path(snapshot_download(model, local_files_only=True, allow_patterns=["*.json", "*.jinja"]))
    except Exception:  # noqa: BLE001 - the hub raises several kinds for "not cached"
        raise UsageError(f"'{model}' is not a folder and not in the local Hugging Face cache - download it once "
                         f"(huggingface-cli download {model}) or give its folder") from None


@lru_cache(maxsize=8)
def load(folder: str):
    """(tokenizers.Tokenizer, its special tokens) of a model folder."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
    specials = frozenset(t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special)
    return tokenizer, specials


def context_length(folder: Path) -> int:
    config = json.loads((folder / "config.json").read_text(encoding="utf-8")) if (folder / "config.json").is_file() \
        else {}
    text = config.get("text_config", config)
    return int(text.get("max_position_embeddings") or text.get("max_sequence_length") or 2048)


def chat_template(folder: Path) -> str | None:
    if (folder / "chat_template.jinja").is_file():
        return (folder / "chat_template.jinja").read_text(encoding="utf-8")
    config = folder / "tokenizer_config.json"
    template = json.loads(config.read_text(encoding="utf-8")).get("chat_template") if config.is_file() else None
    return template if isinstance(template, str) else None


@lru_cache(maxsize=8)
def overhead(folder: str) -> ChatOverhead:
    """Render the template on one and on two user/assistant exchanges: the difference per message, and the rest
    per example. The probe contents are single words, counted alone and subtracted."""
    path = Path(folder)
    template = chat_template(path)
    if template is None:  # ftcook's default for such a model: the contents joined by blank lines, then the EOS
        return ChatOverhead(1, 1, True)
    tokenizer, _ = load(folder)
    probe = [{"role": "system", "content": "alpha"}] + [
        {"role": "user" if i % 2 == 0 else "assistant", "content": word}
        for i, word in enumerate(["bravo", "charlie", "delta", "echo"])]

    def added(n: int) -> int:
        """Tokens the template adds to the first ``n`` probe messages: the rendered conversation less the contents
        and the role names (the check counts those as OpenAI's accounting does: a message's values, then its
        overhead). The probe starts with a system message: a template that adds a default one when there is none
        (SmolLM2's) then adds nothing."""
        messages = probe[:n]
        text = _render(template, messages, path)
        values = sum(len(tokenizer.encode(v, add_special_tokens=False).ids) for m in messages for v in m.values())
        return len(tokenizer.encode(text, add_special_tokens=False).ids) - values

    try:
        three, five = added(3), added(5)
    except Exception:  # noqa: BLE001 - a template using what plain jinja2 lacks
        return ChatOverhead(3, 3, False)
    per_message = max(0, round((five - three) / 2))
    return ChatOverhead(per_message, max(0, three - 3 * per_message), True)


def _render(template: str, messages: list[dict], folder: Path) -> str:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message):
        raise ValueError(message)

    config = folder / "tokenizer_config.json"
    values = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    tokens = {k: (v.get("content") if isinstance(v, dict) else v) for k, v in values.items()
              if k in ("bos_token", "eos_token", "pad_token", "unk_token")}
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, add_generation_prompt=False, **tokens)
