"""The report's charts: matplotlib figures written as inline SVG (text kept as text, no fonts or scripts to load),
each with a title and a one-sentence description that becomes its accessible name."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass

#: colours with at least 3:1 contrast on white (WCAG non-text contrast), told apart by lightness too
COLOURS = ("#1f5fa8", "#c2410c", "#15803d", "#6d28d9")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str  # what the chart shows, in words: its accessible name
    svg: str


STYLE = {"svg.fonttype": "none", "svg.hashsalt": "ftcook", "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False}


def _styled(draw):
    """Draw with the report's style in an rc_context: a program that uses ftcook keeps its own matplotlib
    settings and backend (the figures need no backend: a Figure saves itself as SVG)."""

    @functools.wraps(draw)
    def styled(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return styled


def _figure(width: float = 6.4, height: float = 3.0):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


def _svg(figure, chart_id: str) -> str:
    """The figure's SVG element, its ids prefixed with the chart's (several charts share one page)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "ftcook"})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    return re.sub(r'(\bid="|url\(#|href="#)', lambda m: f"{m.group(1)}{chart_id}-", text)


def _whole_numbers(axis) -> None:
    """Ticks at whole numbers only (counts)."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


@_styled
def histogram(chart_id: str, title: str, values: list[int], *, limit: int | None, xlabel: str) -> Chart:
    """How many examples have each length, with the target's limit as a line where it is in view."""
    figure, axes = _figure()
    axes.hist(values, bins=min(40, max(5, len(set(values)))), color=COLOURS[0])
    axes.set_xlabel(xlabel)
    axes.set_ylabel("examples")
    _whole_numbers(axes.yaxis)
    described = (f"{title}: {len(values)} examples from {min(values, default=0):,} to {max(values, default=0):,} "
                 f"tokens")
    if limit and values and max(values) * 1.05 >= limit * 0.5:
        axes.axvline(limit, color=COLOURS[1], linestyle="--", label=f"limit {limit:,}")
        axes.legend(frameon=False)
    if limit:
        described += f"; the target's limit is {limit:,}, {sum(v > limit for v in values)} over it"
    return Chart(chart_id, title, described + ".", _svg(figure, chart_id))


@_styled
def bars(chart_id: str, title: str, counts: dict[str, int], *, xlabel: str) -> Chart:
    """One horizontal bar a label, largest first."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    figure, axes = _figure(height=max(1.6, 0.32 * len(items) + 0.9))
    axes.barh([k for k, _ in items][::-1], [v for _, v in items][::-1], color=COLOURS[0], height=0.6)
    axes.set_xlabel(xlabel)
    _whole_numbers(axes.xaxis)
    for index, (_, value) in enumerate(items[::-1]):
        axes.annotate(f"{value:,}", (value, index), xytext=(3, 0), textcoords="offset points", va="center")
    described = ", ".join(f"{k} {v:,}" for k, v in items)
    return Chart(chart_id, title, f"{title}: {described}.", _svg(figure, chart_id))


@_styled
def lines(chart_id: str, title: str, series: dict[str, tuple[list[float], list[float]]], *, xlabel: str,
          ylabel: str, mark: tuple[float, str] | None = None) -> Chart:
    """One line a series over steps; ``mark``: (x, label) drawn as a vertical line (the checkpoint kept)."""
    figure, axes = _figure()
    parts = []
    for (name, (xs, ys)), colour in zip(series.items(), COLOURS):
        axes.plot(xs, ys, color=colour, label=name, marker="o" if len(xs) < 12 else None, markersize=3)
        if ys:
            parts.append(f"{name} from {ys[0]:.4g} to {ys[-1]:.4g} over {len(ys)} points")
    if mark is not None:
        axes.axvline(mark[0], color="#444444", linestyle=":", label=mark[1])
        parts.append(f"{mark[1]} at {xlabel} {mark[0]:g}")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.legend(frameon=False)
    return Chart(chart_id, title, f"{title}: " + "; ".join(parts) + ".", _svg(figure, chart_id))
