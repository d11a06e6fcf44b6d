"""Whether the log's hash chain verifies, for the case page's proof panel.

Verifying reads the whole log; the answer only changes when the log grows, so it is kept with the
log's size it was computed at, and a page view re-reads the log only after new events.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from casetrail.adapters.bootstrap import System
from casetrail.services.verification import verify_log


@dataclass(frozen=True)
class ChainStatus:
    size: int  # the log's last position when verified
    checked: int  # positions found intact
    broken_at: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


class ChainCheck:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: ChainStatus | None = None

    def status(self, system: System) -> ChainStatus:
        size = system.ingestion.recorder.max_notification_id() or 0
        with self._lock:
            if self._last is not None and self._last.size == size:
                return self._last
            checked, broken = verify_log(system.ingestion.chained_log)
            self._last = ChainStatus(size, checked, broken.position if broken else None,
                                     broken.problem if broken else None)
            return self._last
