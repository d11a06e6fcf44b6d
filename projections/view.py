"""What a read model declares so that a runner can keep it current."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from casetrail.projections.recorded import Recorded


@dataclass(frozen=True)
class View:
    name: str
    # A new version is rebuilt from the log instead of patched.
    version: int
    schema: list[str]
    tables: list[str]
    write: Callable[[Any, Sequence[Recorded]], None]
    # Secondary indexes by name: dropped while the view is rebuilt and made once
    # at the end, which is much faster than keeping them up to date row by row.
    indexes: dict[str, str] = field(default_factory=dict)
    # The relay publishes each event's stream id and version; a view without them reads
    # the log's states alone, skipping a UUID and a notification per event.
    streams: bool = False
