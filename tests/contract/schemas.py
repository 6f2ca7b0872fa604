"""The response schemas of OpenAI's OpenAPI spec (the committed subset) as JSON Schema validators, for holding
``ftcook serve`` to the contract of the API it imitates. OpenAPI's ``nullable: true`` beside a ``type`` becomes
``type: [..., "null"]`` (and null joins an ``enum``); everything else is JSON Schema 2020-12 as OpenAPI 3.1 writes it."""

from functools import lru_cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

SPEC = Path(__file__).parent / "openai-subset.yaml"


def _nullable(node):
    if isinstance(node, dict):
        node = {k: _nullable(v) for k, v in node.items()}
        if node.pop("nullable", False) is True and isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        return node
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@lru_cache(maxsize=None)
def _components() -> dict:
    spec = yaml.load(SPEC.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _nullable(spec["components"])


def validator(name: str) -> Draft202012Validator:
    """A validator for ``#/components/schemas/NAME``."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": _components()})


def check(name: str, body: dict) -> None:
    """Raise with every way ``body`` breaks schema ``name``."""
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
