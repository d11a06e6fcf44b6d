"""How far the read models are behind the log.

Each read model (the timeline index, the reports view) and the detectors follow the log from a
position of their own in ``casetrail_tracking``. Writers leave them all at the log's head; a read
only compares those positions with the head, and says how far behind its answer is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from casetrail.projections.timeline import TIMELINE
from casetrail.services import report_view
from casetrail.services.ports import ViewReader


@dataclass(frozen=True)
class Follower:
    """A read model or the detectors, as their row in ``casetrail_tracking`` names them."""

    name: str
    version: int


REPORTS = Follower(report_view.NAME, report_view.VERSION)
DETECTORS = Follower("detectors", 1)
# What the reads answer from, in the order they follow the log.
READ_MODELS = (Follower(TIMELINE.name, TIMELINE.version), REPORTS, DETECTORS)
TRACKING_TABLE = "casetrail_tracking"
REPLAY_HINT = "run `casetrail replay` to build them from the log"


class ViewsNotBuilt(ValueError):
    """The store holds a log, but the read models a read answers from are missing or of another version."""


@dataclass(frozen=True)
class Lag:
    head: int  # the log's last position
    positions: dict[str, int]  # each follower's tracked position

    @property
    def behind(self) -> int:
        """How many of the log's positions the furthest-behind follower has still to apply."""
        return max(0, self.head - min(self.positions.values()))


def lag(head: int, tracked: Sequence[tuple[str, int, int]] | None) -> Lag:
    """The followers' positions beside the log's ``head``, from the rows (name, position, version) of
    ``casetrail_tracking`` (None: no such table); raises ViewsNotBuilt when a read cannot answer."""
    rows = {name: (position, version) for name, position, version in tracked or []}
    missing = [f.name for f in READ_MODELS if f.name not in rows]
    if missing:
        raise ViewsNotBuilt(f"views: this store's read models were never built ({', '.join(missing)}); {REPLAY_HINT}")
    other = [f.name for f in READ_MODELS if rows[f.name][1] != f.version]
    if other:
        raise ViewsNotBuilt(f"views: this store's read models were built by another version of casetrail "
                            f"({', '.join(other)}); {REPLAY_HINT}")
    return Lag(head, {f.name: int(rows[f.name][0]) for f in READ_MODELS})


def position(reader: ViewReader, follower: Follower) -> int:
    """The log position ``follower`` has applied."""
    return int(reader.query(f"SELECT position FROM {TRACKING_TABLE} WHERE view = ?", [follower.name])[0][0])
