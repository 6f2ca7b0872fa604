"""The report page as HTML: ``page.html.j2`` with jinja2 (autoescaped), the charts' SVG inline."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from .. import __version__
from .page import Page


def svg(markup: str, description: str) -> Markup:
    """A chart's SVG with its accessible name: ``role="img"`` and ``aria-label`` on the root element."""
    return Markup(markup.replace("<svg", f'<svg role="img" aria-label="{escape(description)}"', 1))


def render(page: Page) -> str:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent),
                                     autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True)
    environment.filters["svg"] = svg
    return environment.get_template("page.html.j2").render(page=page, version=__version__)
