"""``ftcook serve``: tuned local models behind OpenAI's HTTP API, so client code written for OpenAI works with
``base_url`` pointed here. Starlette on uvicorn (docs/use.md says why); the models are in ``models.py``, the
routes in ``app.py``, the request and response shapes in ``protocol.py``."""

from __future__ import annotations

import ipaddress
import os

from ..errors import UsageError
from ..extras import require
from .settings import ServeSettings

__all__ = ["ServeSettings", "check_settings", "make_app", "serve"]


def check_settings(settings: ServeSettings) -> ServeSettings:
    """The key from ``FTCOOK_SERVE_KEY`` when none was given; binding beyond this machine needs one."""
    key = settings.api_key or os.environ.get("FTCOOK_SERVE_KEY") or None
    if key is None and not _loopback(settings.host):
        raise UsageError(f"Serving on {settings.host} lets other machines use your models: set a key with "
                         f"--api-key KEY (or FTCOOK_SERVE_KEY); clients send it as their api_key")
    if settings.concurrency < 1 or settings.queue < 0:
        raise UsageError("--concurrency must be at least 1 and --queue at least 0")
    settings.api_key = key
    return settings


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_app(names: tuple[str, ...], settings: ServeSettings, on_loaded=None):
    """The ASGI app serving ``names`` (every local tuned model when empty), models loaded."""
    require("ftcook serve", ("starlette", "uvicorn"), "serve", "- see docs/use.md")
    from .app import Server
    from .models import Registry, tuned_models

    registry = Registry(tuned_models(names))
    registry.load(on_loaded)
    return Server(registry, settings).app(), registry


def serve(names: tuple[str, ...], settings: ServeSettings, say=print) -> None:
    """Load the models and answer until Ctrl-C."""
    settings = check_settings(settings)
    app, registry = make_app(names, settings, on_loaded=lambda g: say(f"loaded {g.base} with "
                                                                           f"{len(g.adapters)} adapter(s)"))
    import uvicorn

    base_url = f"http://{_url_host(settings.host)}:{settings.port}/v1"
    say(f"Serving {', '.join(sorted(registry.served))} at {base_url}")
    say(f"Use it: OpenAI(base_url=\"{base_url}\", api_key=\"{'YOUR_KEY' if settings.api_key else 'ftcook'}\"). "
        f"Ctrl-C stops.")
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            timeout_graceful_shutdown=5, access_log=False)
    try:
        uvicorn.Server(config).run()
    except OSError as error:
        raise UsageError(f"Cannot listen on {settings.host}:{settings.port} ({error.strerror or error}) - is "
                         f"another server there? Pick another --port") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

