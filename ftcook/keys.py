"""API keys: ``ftcook keys set openai`` stores a key in ``$FTCOOK_HOME/keys.json`` with mode 0600. Keys are never
printed (``keys list`` shows only which are set and their last 4 characters), and never go into manifests, logs
or the state database. An environment variable (``OPENAI_API_KEY``) wins over the stored key. The key names are
those the backends declare (``Backend.keys``: name -> environment variable), plugins' included."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import UsageError
from .home import home


def known_keys() -> dict[str, str]:
    """Every key a registered backend declares: name -> the environment variable that wins over it."""
    from .runner import get_backends

    return {name: variable for backend in get_backends().values() for name, variable in backend.keys.items()}


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
    known = known_keys()
    if service not in known:
        raise UsageError(f"No backend uses a key named '{service}' - keys: {', '.join(known) or 'none'} "
                         f"('ftcook backends' says which backend uses which)")
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
    variable = known_keys().get(service)
    return (os.environ.get(variable) if variable else None) or _read().get(service)


def describe() -> list[tuple[str, str, str]]:
    """(service, where the key comes from, its last 4 characters) for each service."""
    stored = _read()
    rows = []
    for service, variable in known_keys().items():
        if os.environ.get(variable):
            rows.append((service, f"${variable}", "…" + os.environ[variable][-4:]))
        elif service in stored:
            rows.append((service, str(keys_file()), "…" + stored[service][-4:]))
        else:
            rows.append((service, "not set", ""))
    return rows
