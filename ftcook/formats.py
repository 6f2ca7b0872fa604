"""Training-data formats and pure per-example conversions between them (docs/formats.md).

- ``completion``: ``{"prompt": ..., "completion": ...}`` - completion models (babbage-002, davinci-002), ftcook's
  canonical Example form; an empty prompt is valid (open-ended generation).
- ``chat``: ``{"messages": [{"role": ..., "content": ...}, ...]}`` - chat models, local and OpenAI.
- ``dpo``: ``{"input": {"messages": [...]}, "preferred_output": [...], "non_preferred_output": [...]}``.
- ``trl``: TRL's prompt/completion form (conversational), and TRL's ``prompt``/``chosen``/``rejected`` for DPO.

Every conversion takes one dict and returns a new one, and is safe to call twice.
"""

from __future__ import annotations

COMPLETION, CHAT, DPO, TRL = "completion", "chat", "dpo", "trl"
FORMATS = (COMPLETION, CHAT, DPO)


def detect_format(example) -> str | None:
    """The format of one example, or ``None`` when it has none of the known shapes.

    >>> detect_format({"messages": []}), detect_format({"Prompt": "a", "Completion": "b"})
    ('chat', 'completion')
    >>> detect_format({"input": {"messages": []}, "preferred_output": [], "non_preferred_output": []})
    'dpo'
    >>> detect_format({"prompt": [{"role": "user", "content": "Hi"}], "completion": []})
    'trl'
    """
    if not isinstance(example, dict):
        return None
    if "messages" in example:
        return CHAT
    if "input" in example and ("preferred_output" in example or "non_preferred_output" in example):
        return DPO
    keys = {str(k).lower() for k in example}
    if "prompt" in keys or "completion" in keys:
        if isinstance(field(example, "prompt"), list) or isinstance(field(example, "completion"), list):
            return TRL
        return COMPLETION
    return None


def field(example: dict, name: str, default=None):
    """``example[name]`` with a case-insensitive key (legacy files have ``Prompt``/``COMPLETION`` columns)."""
    if name in example:
        return example[name]
    for key, value in example.items():
        if str(key).lower() == name:
            return value
    return default


def completion_to_chat(example: dict, system: str | None = None) -> dict:
    """A prompt/completion pair as a chat example; an empty prompt gives no user turn.

    >>> completion_to_chat({"prompt": "Hi", "completion": " Hello!"})
    {'messages': [{'role': 'user', 'content': 'Hi'}, {'role': 'assistant', 'content': 'Hello!'}]}
    """
    if detect_format(example) != COMPLETION:
        return example
    messages = [{"role": "system", "content": system}] if system else []
    prompt = field(example, "prompt", "") or ""
    if prompt:
        messages.append({"role": "user", "content": prompt})
    messages.append({"role": "assistant", "content": (field(example, "completion", "") or "").lstrip(" ")})
    return {"messages": messages}


def _text(content) -> str:
    if isinstance(content, list):  # content parts: keep the text parts
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


def chat_to_completion(example: dict) -> dict:
    """A chat example as a prompt/completion pair: the last assistant turn is the completion, everything before
    it the prompt (one user turn, optionally after a system prompt, stays plain text; longer conversations
    become a transcript with role names).

    >>> chat_to_completion({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]})
    {'prompt': 'Hi', 'completion': 'Yo'}
    """
    if detect_format(example) != CHAT:
        return example
    messages = [m for m in example.get("messages") or [] if isinstance(m, dict)]
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    if last is None:
        return {"prompt": "\n\n".join(_text(m.get("content")) for m in messages), "completion": ""}
    before = messages[:last]
    if all(m.get("role") in ("system", "user") for m in before) and sum(m.get("role") == "user" for m in before) <= 1:
        prompt = "\n\n".join(_text(m.get("content")) for m in before)
    else:
        prompt = "\n\n".join(f"{str(m.get('role')).title()}: {_text(m.get('content'))}" for m in before)
        prompt += "\n\nAssistant:"
    return {"prompt": prompt, "completion": _text(messages[last].get("content"))}


def to_format(example: dict, target: str, system: str | None = None) -> dict:
    """Convert one example to ``target`` (``chat`` or ``completion``); DPO examples are left as they are."""
    if target == CHAT:
        return completion_to_chat(example, system)
    if target == COMPLETION:
        return chat_to_completion(example)
    return example


def to_trl(example: dict) -> dict:
    """TRL's conversational prompt/completion form (loss on the completion only), or TRL's DPO form.

    >>> to_trl({"prompt": "Hi", "completion": "Hello"})
    {'prompt': [{'role': 'user', 'content': 'Hi'}], 'completion': [{'role': 'assistant', 'content': 'Hello'}]}
    """
    kind = detect_format(example)
    if kind == DPO:
        return {
            "prompt": example["input"]["messages"],
            "chosen": example["preferred_output"],
            "rejected": example["non_preferred_output"],
        }
    if kind == COMPLETION:
        example = completion_to_chat(example)
    elif kind != CHAT:
        return example  # already TRL-shaped (or unknown): unchanged, so calling twice is safe
    messages = example["messages"]
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=len(messages))
    return {"prompt": messages[:last], "completion": messages[last:]}
