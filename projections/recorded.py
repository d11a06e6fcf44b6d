"""A stored event as projections see it: its log position and its JSON state.

Projections read the stored state directly, without building event objects,
because a rebuild walks the whole log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

# Fixed width, so text comparison in SQL orders instants correctly.
INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
INSTANT_LENGTH = len("2019-06-21T04:24:00.000000Z")


@dataclass(frozen=True)
class Recorded:
    position: int
    state: dict[str, Any]
    stream_id: UUID | None = None  # the aggregate the event belongs to, for those who publish it
    version: int = 0

    @property
    def provenance(self) -> dict[str, Any] | None:
        return self.state.get("provenance")

    @property
    def recorded_at(self) -> str:
        return instant(self.state["timestamp"])


def instant(text: str) -> str:
    """An RFC 3339 timestamp with any offset, as sortable UTC text (``INSTANT_FORMAT``)."""
    if len(text) == INSTANT_LENGTH and text.endswith("Z"):
        return text  # already UTC with microseconds, as recorded times are: a rebuild meets one per event
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")  # isoformat: several times strftime's speed


def moment_of(stored: str) -> datetime:
    """Sortable UTC text back to an aware datetime."""
    return datetime.fromisoformat(stored)  # reads the Z as UTC; fifty times strptime's speed


def instant_of(moment: datetime) -> str:
    """An aware datetime as sortable UTC text."""
    return moment.astimezone(UTC).strftime(INSTANT_FORMAT)


def rfc3339(stored: str) -> str:
    """Sortable UTC text as the public output shows it: ``2019-06-21T04:24:00Z``."""
    return stored.replace(".000000Z", "Z")
