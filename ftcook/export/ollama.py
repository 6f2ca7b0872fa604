"""Ollama's Modelfile for an exported GGUF: ``TEMPLATE`` (a Go text/template, the engine Ollama renders prompts
with) that gives the same prompt text as the model's own chat template, ``SYSTEM`` (the system prompt it was
trained with) and ``PARAMETER stop`` (the end-of-turn tokens).

The template is written for the ChatML family (``<|im_start|>role ... <|im_end|>``: SmolLM2, Qwen2, and the
local default model). For other chat templates the Modelfile has no ``TEMPLATE``: Ollama then takes the chat
template stored in the GGUF, which it knows for the common families.
"""

from __future__ import annotations

import json

CHATML_START, CHATML_END = "<|im_start|>", "<|im_end|>"


def is_chatml(chat_template: str | None) -> bool:
    return bool(chat_template) and CHATML_START in chat_template and CHATML_END in chat_template


def default_system(rendered_without_system: str) -> str | None:
    """The system message a ChatML template adds when a chat has none (SmolLM2's "You are a helpful AI
    assistant named SmolLM..."), from the template's own rendering of a chat without one.

    >>> default_system("<|im_start|>system\\nBe brief.<|im_end|>\\n<|im_start|>user\\nHi<|im_end|>\\n")
    'Be brief.'
    >>> default_system("<|im_start|>user\\nHi<|im_end|>\\n") is None
    True
    """
    head = f"{CHATML_START}system\n"
    if not rendered_without_system.startswith(head):
        return None
    return rendered_without_system[len(head):rendered_without_system.index(CHATML_END)]


def chatml_template(fallback_system: str | None) -> str:
    """A Go template over Ollama's ``.Messages`` that renders like the ChatML chat template with a generation
    prompt; ``fallback_system`` is the system message the original adds when a chat has none."""
    fallback = ""
    if fallback_system:
        fallback = ('{{- if or (not .Messages) (ne (index .Messages 0).Role "system") }}'
                    f"{CHATML_START}system\n{_go_text(fallback_system)}{CHATML_END}\n{{{{ end }}}}")
    return (fallback + "{{- range .Messages }}" + CHATML_START + "{{ .Role }}\n{{ .Content }}" + CHATML_END
            + "\n{{ end }}" + CHATML_START + "assistant\n")


def _go_text(text: str) -> str:
    """Literal text inside a Go template: only ``{{`` needs escaping."""
    return text.replace("{{", '{{ "{{" }}')


def modelfile(gguf_name: str, template: str | None, system: str | None, stops: list[str],
              parameters: dict[str, float] | None = None) -> str:
    """The Modelfile text: multi-line values in triple quotes, as Ollama's parser reads them."""
    lines = [f"FROM ./{gguf_name}"]
    if template is not None:
        lines.append(f'TEMPLATE """{template}"""')
    if system:
        lines.append(f'SYSTEM """{system.replace(chr(34) * 3, chr(39) * 3)}"""')
    lines += [f"PARAMETER stop {json.dumps(stop, ensure_ascii=False)}" for stop in stops]
    lines += [f"PARAMETER {key} {value}" for key, value in (parameters or {}).items()]
    return "\n".join(lines) + "\n"
