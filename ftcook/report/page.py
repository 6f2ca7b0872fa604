"""What a report page holds, independent of HTML: sections of facts, charts, tables, findings, commands and
searchable examples. ``dataset.py``, ``job.py`` and ``model.py`` fill them; ``render.py`` writes the page."""

from __future__ import annotations

from dataclasses import dataclass, field

from .charts import Chart


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


@dataclass
class Section:
    id: str
    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: list[tuple[str, str]] = field(default_factory=list)  # (what it does, the command)
    examples: list[dict] = field(default_factory=list)  # {"id", "split", "messages": [(role, text)], "text"}
    examples_total: int = 0


@dataclass
class Page:
    kind: str  # "dataset", "job" or "model"
    name: str
    title: str
    sections: list[Section]

    @property
    def charts(self) -> int:
        return sum(len(s.charts) for s in self.sections)


def number(value, digits: int = 4) -> str:
    """A number as a person reads it: thousands separated, floats to ``digits`` significant digits."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return f"{value:.{digits}g}"


def duration(seconds: float | None) -> str:
    """``95`` -> ``1 min 35 s``."""
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
