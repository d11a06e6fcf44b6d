"""A progress bar on standard error for long reads, shown only to a person at a terminal."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TimeRemainingColumn


class ByteProgress:
    def __init__(self, paths: Sequence[str], label: str) -> None:
        total = None if "-" in paths else sum(Path(p).stat().st_size for p in paths)
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        if sys.stderr.isatty():
            self._progress = Progress(
                TextColumn(label), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._task = self._progress.add_task(label, total=total)

    def advance(self, size: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, size)

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
