"""A progress line on stderr for long builds (rich); silent when stderr is not a terminal."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class BuildProgress:
    def __init__(self, enabled: bool = True):
        console = Console(stderr=True)
        self.enabled = enabled and console.is_terminal
        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                  console=console, transient=True, disable=not self.enabled)
        self._task = None

    def __enter__(self) -> "BuildProgress":
        self._progress.__enter__()
        self._task = self._progress.add_task("reading", total=None)
        return self

    def update(self, ledger) -> None:
        skipped = sum(ledger.skipped.values())
        self._progress.update(self._task, description=f"{ledger.records:,} items read, {ledger.kept:,} kept, "
                                                      f"{skipped:,} skipped")

    def __exit__(self, *exc) -> None:
        self._progress.__exit__(*exc)
