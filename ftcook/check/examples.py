"""Per-example checks and token counts: pure functions of one parsed example (docs/check.md).

``check_example`` returns what is wrong with one example (``(code, detail)`` pairs), its tokens for the target
model, the tokens it trains on, its message count and - when the legacy prompt/completion checks apply - its
(prompt, completion) view. It is called once per example by the checker's workers, so it is the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..formats import COMPLETION, DPO, chat_to_completion, completion_to_chat, detect_format, field
from ..tokens import TokenCounter, chat_tokens, message_cost, value_tokens

ROLES = frozenset({"system", "user", "assistant", "tool", "function"})
MESSAGE_KEYS = frozenset({"role", "content", "name", "weight", "function_call", "tool_calls", "tool_call_id"})
EXAMPLE_KEYS = frozenset({"messages", "tools", "functions", "parallel_tool_calls"})


@dataclass
class Checked:
    problems: list  # (code, detail)
    tokens: int = 0
    trainable: int = 0
    messages: int = 0
    pair: tuple | None = None  # (prompt, completion, extra keys) when the legacy checks apply


def check_example(example, source_format: str, target_format: str, counter: TokenCounter,
                  legacy: bool) -> Checked:
    """Check one example that the file's format says is ``source_format``, for a ``target_format`` model."""
    if not isinstance(example, dict):
        return Checked([("not_an_object", f"a JSON {type(example).__name__}, not an object")])
    kind = detect_format(example)
    if kind != source_format:
        what = f"a {kind} example" if kind else f"keys {', '.join(map(str, list(example)[:5])) or 'none'}"
        return Checked([("mixed_formats", f"{what} in a {source_format} file")])
    if kind == COMPLETION:
        return _check_completion(example, target_format, counter, legacy)
    if kind == DPO:
        return _check_dpo(example, counter)
    return _check_chat(example, target_format, counter, legacy)


def _specials(counter: TokenCounter, texts, problems: list):
    for text in texts:
        found = counter.special_tokens_in(text)
        if found:
            problems.append(("forbidden_special_token", ", ".join(found)))
            return


# --- prompt/completion -------------------------------------------------------------------------------------

def _check_completion(example: dict, target: str, counter: TokenCounter, legacy: bool) -> Checked:
    problems = []
    prompt, completion = field(example, "prompt"), field(example, "completion")
    for name, value in (("prompt", prompt), ("completion", completion)):
        if value is None and name not in {str(k).lower() for k in example}:
            problems.append(("missing_field", f"no '{name}' key"))
        elif not isinstance(value, str):
            problems.append(("invalid_field_type", f"'{name}' is a {type(value).__name__}, not text"))
    if problems:
        return Checked(problems)
    extra = tuple(sorted(str(k) for k in example if str(k).lower() not in ("prompt", "completion")))
    _specials(counter, (prompt, completion), problems)
    if not completion.strip():
        problems.append(("empty_completion", "the completion is empty"))
    trainable = counter.count(completion)
    if target == COMPLETION:
        tokens, messages = counter.count(prompt) + trainable, 0
    else:
        chat = completion_to_chat({"prompt": prompt, "completion": completion})["messages"]
        tokens = chat_tokens(counter, chat)
        messages = len(chat)
    return Checked(problems, tokens, trainable, messages, (prompt, completion, extra) if legacy else None)


# --- chat --------------------------------------------------------------------------------------------------

def _check_messages(messages, counter: TokenCounter, problems: list, *, need_assistant: bool):
    """Validate a messages list; returns (tokens, trainable tokens, roles seen)."""
    if not isinstance(messages, list) or not messages:
        problems.append(("missing_messages", "'messages' is missing, empty or not a list"))
        return 0, 0, set()
    tokens = trainable = 0
    roles = set()
    texts = []
    trainable_turn = False
    for i, m in enumerate(messages, 1):
        if not isinstance(m, dict):
            problems.append(("message_missing_key", f"message {i} is not an object"))
            continue
        roles.add(m.get("role"))
        has_call = _check_message(i, m, problems, texts)
        cost, content_tokens = message_cost(counter, m)
        tokens += cost
        if m.get("role") == "assistant" and m.get("weight", 1) != 0:
            trainable += content_tokens
            trainable_turn = trainable_turn or content_tokens > 0 or has_call
    _specials(counter, texts, problems)
    if need_assistant:
        if "assistant" not in roles:
            problems.append(("missing_assistant", "no assistant message"))
        elif not trainable_turn:
            problems.append(("empty_completion", "every assistant message is empty or has weight 0"))
    return tokens, trainable, roles


def _check_message(i: int, m: dict, problems: list, texts: list) -> bool:
    """Problems of message ``i``; its texts go to ``texts``. Returns whether it calls a tool."""
    role = m.get("role")
    has_call = bool(m.get("tool_calls") or m.get("function_call"))
    if "role" not in m or ("content" not in m and not has_call):
        problems.append(("message_missing_key", f"message {i} has no '{'role' if 'role' not in m else 'content'}'"))
    unknown = [k for k in m if k not in MESSAGE_KEYS]
    if unknown:
        problems.append(("message_unrecognized_key", f"message {i}: {', '.join(map(str, unknown))}"))
    if role is not None and role not in ROLES:
        problems.append(("unrecognized_role", f"message {i} has role {role!r}"))
    _content(i, m, has_call, problems, texts)
    if "weight" in m and (m["weight"] not in (0, 1) or isinstance(m["weight"], bool) or role != "assistant"):
        problems.append(("invalid_weight", f"message {i} has weight {m['weight']!r}"
                         + ("" if role == "assistant" else f" on a {role} message")))
    if role == "tool" and "tool_call_id" not in m:
        problems.append(("message_missing_key", f"message {i} is a tool result with no 'tool_call_id'"))
    return has_call


def _content(i: int, m: dict, has_call: bool, problems: list, texts: list) -> None:
    """The texts of a message's content (a string or a list of typed parts), or its problem."""
    content = m.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list) and all(isinstance(p, dict) and "type" in p for p in content):
        texts.extend(p["text"] for p in content if isinstance(p.get("text"), str))
    elif not (content is None and has_call) and "content" in m:
        problems.append(("invalid_content", f"message {i} content is a {type(content).__name__}"))


def _check_tools(example: dict, problems: list):
    tools = example.get("tools")
    if tools is None:
        return
    ok = isinstance(tools, list) and all(
        isinstance(t, dict) and t.get("type") == "function" and isinstance(t.get("function"), dict)
        and isinstance(t["function"].get("name"), str) for t in tools)
    if not ok:
        problems.append(("invalid_tools", "'tools' must be a list of {\"type\": \"function\", \"function\": "
                                          "{\"name\": ...}}"))


def _check_chat(example: dict, target: str, counter: TokenCounter, legacy: bool) -> Checked:
    problems = []
    unknown = [k for k in example if k not in EXAMPLE_KEYS]
    if unknown:
        problems.append(("message_unrecognized_key", f"example keys {', '.join(map(str, unknown))}"))
    _check_tools(example, problems)
    messages = example.get("messages")
    tokens, trainable, roles = _check_messages(messages, counter, problems, need_assistant=True)
    if not roles:
        return Checked(problems)
    if "system" not in roles:
        problems.append(("missing_system", ""))
    if "user" not in roles:
        problems.append(("missing_user", ""))
    pair = None
    if target == COMPLETION or legacy:
        view = chat_to_completion(example)
        pair = (view["prompt"], view["completion"], ())
        if target == COMPLETION:
            tokens = counter.count(view["prompt"]) + counter.count(view["completion"])
            trainable = counter.count(view["completion"])
    else:
        tokens += counter.per_example
        if example.get("tools"):
            tokens += value_tokens(counter, "tools", example["tools"])
    return Checked(problems, tokens, trainable, len(messages), pair)


# --- DPO ---------------------------------------------------------------------------------------------------

def _check_dpo(example: dict, counter: TokenCounter) -> Checked:
    problems = []
    given = example.get("input")
    messages = given.get("messages") if isinstance(given, dict) else None
    tokens, _, roles = _check_messages(messages, counter, problems, need_assistant=False)
    if isinstance(given, dict):
        _check_tools(given, problems)
    trainable = 0
    for key in ("preferred_output", "non_preferred_output"):
        output = example.get(key)
        if not (isinstance(output, list) and len(output) == 1 and isinstance(output[0], dict)
                and output[0].get("role") == "assistant" and isinstance(output[0].get("content"), str)
                and output[0]["content"].strip()):
            problems.append(("invalid_dpo_output", f"'{key}' must be a list of one assistant message with text"))
            continue
        _specials(counter, (output[0]["content"],), problems)
        cost, content_tokens = message_cost(counter, output[0])
        tokens += cost
        trainable += content_tokens
    if roles and "user" not in roles:
        problems.append(("missing_user", ""))
    n = len(messages) + 1 if isinstance(messages, list) else 0
    return Checked(problems, tokens + counter.per_example, trainable, n)
