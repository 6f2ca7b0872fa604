"""The ``openai`` SDK client for a connection: api.openai.com, any server speaking the same API (``base_url``),
or Azure OpenAI (the SDK's ``AzureOpenAI``). The connection settings (never the key) are stored with each job and
tuned model, so ``jobs follow`` and ``ask`` reach the same service."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ...errors import UsageError
from ...extras import require
from ...keys import get_key

#: the keys this backend uses (``ftcook keys set NAME``) and the environment variables that win over them
KEYS = {"openai": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}
MAX_RETRIES = 5  # the SDK retries 408/409/429/5xx and dropped connections with exponential backoff


@dataclass(frozen=True)
class Connection:
    base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_dict(cls, values: dict | None) -> "Connection":
        values = values or {}
        return cls(**{k: values.get(k) for k in cls.__dataclass_fields__})

    @classmethod
    def from_options(cls, options) -> "Connection":
        """The connection the backend's options (``-o base_url=...``) name."""
        return cls(**{k: getattr(options, k, None) for k in cls.__dataclass_fields__})

    @classmethod
    def from_stored(cls, params: dict) -> "Connection":
        """The connection of a stored job: its options (an older ftcook kept them under ``connection``)."""
        options = params.get("options") or {}
        return cls.from_dict(options.get("connection") or options)

    @property
    def key(self) -> str:
        """Which stored or environment key this connection uses."""
        return "azure" if self.azure_endpoint else "openai"


def make_client(connection: Connection, timeout: float | None = None):
    import os

    openai = require_sdk()
    timeout = timeout or float(os.environ.get("FTCOOK_OPENAI_TIMEOUT", "120"))
    key = get_key(connection.key)
    if not key:
        variable = KEYS[connection.key]
        raise UsageError(f"No API key: set {variable}, or run 'ftcook keys set {connection.key}' (stored with mode "
                         f"0600 in FTCOOK_HOME, never printed)")
    if connection.azure_endpoint:
        return openai.AzureOpenAI(api_key=key, azure_endpoint=connection.azure_endpoint,
                                  api_version=connection.api_version or "2025-04-01-preview",
                                  max_retries=MAX_RETRIES, timeout=timeout)
    return openai.OpenAI(api_key=key, base_url=connection.base_url, organization=connection.organization,
                         project=connection.project, max_retries=MAX_RETRIES, timeout=timeout)


def require_sdk():
    """The ``openai`` SDK, or one line saying which extra installs it."""
    require("The openai backend", ("openai",), "openai", "- see docs/train-openai.md")
    import openai

    return openai


def explain(error: Exception) -> str:
    """One line for an SDK error: status, OpenAI's message, and what to do."""
    import openai

    if isinstance(error, openai.AuthenticationError):
        return "the API key was refused (401) - check it with 'ftcook keys list' or OPENAI_API_KEY"
    if isinstance(error, openai.PermissionDeniedError):
        return f"not allowed (403): {_message(error)} - your organisation may not have fine-tuning"
    if isinstance(error, openai.NotFoundError):
        return f"not found (404): {_message(error)}"
    if isinstance(error, openai.RateLimitError):
        return f"rate limited (429) after {MAX_RETRIES} retries: {_message(error)} - try again later"
    if isinstance(error, openai.APIStatusError):
        return f"the API answered {error.status_code}: {_message(error)}"
    if isinstance(error, openai.APITimeoutError):
        return "the API did not answer in time (after retries) - check the connection and try again"
    if isinstance(error, openai.APIConnectionError):
        return "cannot reach the API (after retries) - check the connection or --base-url"
    return f"{type(error).__name__}: {error}"


def _message(error) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(error, "message", error))
