"""API keys: ``ftcook keys set openai`` stores a key in ``$FTCOOK_HOME/keys.json`` with mode 0600. Keys are never
printed (``keys list`` shows only which are set and their last 4 characters), and never go into manifests, logs
or the state database. An environment variable (``OPENAI_API_KEY``) wins over the stored key."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import UsageError
from .home import home

ENVIRONMENT = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}


def keys_file() -> Path:
    return home() / "keys.json"


def _read() -> dict:
    path = keys_file()
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        raise UsageError(f"{path} is not readable JSON - remove it and set your keys again") from None


def set_key(service: str, key: str) -> Path:
    if service not in ENVIRONMENT:
        raise UsageError(f"Unknown service '{service}' - services: {', '.join(ENVIRONMENT)}")
    if not key.strip():
        raise UsageError("The key is empty")
    keys = _read()
    keys[service] = key.strip()
    return _write(keys)


def remove_key(service: str) -> bool:
    keys = _read()
    if service not in keys:
        return False
    del keys[service]
    _write(keys)
    return True


def _write(keys: dict) -> Path:
    """Replace the keys file atomically; it is created with mode 0600, never readable by others."""
    path = keys_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(keys, f)
    os.chmod(temporary, 0o600)
    temporary.replace(path)
    return path


def get_key(service: str) -> str | None:
    """The key from the environment, else from the keys file; None when neither has one."""
    return os.environ.get(ENVIRONMENT.get(service, "")) or _read().get(service)


def describe() -> list[tuple[str, str, str]]:
    """(service, where the key comes from, its last 4 characters) for each service."""
    stored = _read()
    rows = []
    for service, variable in ENVIRONMENT.items():
        if os.environ.get(variable):
            rows.append((service, f"${variable}", "…" + os.environ[variable][-4:]))
        elif service in stored:
            rows.append((service, str(keys_file()), "…" + stored[service][-4:]))
        else:
            rows.append((service, "not set", ""))
    return rows
