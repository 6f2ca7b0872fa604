"""The settings of ``ftcook serve`` (no server libraries needed to read them)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(kw_only=True)
class ServeSettings:
    """How ``ftcook serve`` runs; each default and help once (the CLI takes them from here)."""

    host: str = field(default="127.0.0.1", metadata={"help": "Address to listen on. Anything but this machine "
                                                             "(127.0.0.1, ::1, localhost) needs --api-key."})
    port: int = field(default=8000, metadata={"help": "Port to listen on."})
    api_key: str | None = field(default=None, metadata={
        "help": "Clients must send this key (Authorization: Bearer KEY; the SDK's api_key). Default: "
                "$FTCOOK_SERVE_KEY; none needed on 127.0.0.1."})
    concurrency: int = field(default=1, metadata={"help": "Generations at once (1 on CPU; a GPU can take a few)."})
    queue: int = field(default=16, metadata={"help": "Requests that may wait for a generation; more are answered "
                                                     "429 with Retry-After."})
    max_body: int = field(default=4_000_000, metadata={"help": "Largest request body in bytes (413 beyond)."})
    max_tokens: int = field(default=512, metadata={"help": "Longest reply when a request sets no max_tokens."})
