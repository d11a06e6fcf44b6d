"""Whether the log's hash chain verifies up to the latest kept checkpoint, for the case page's proof panel.

Verifying reads the whole log; the answer only changes when the log grows or a checkpoint is kept,
so it is kept with the log's size and the checkpoint's it was computed at, and a page view re-reads
the log only after new events or a new checkpoint.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from casetrail.adapters.bootstrap import System
from casetrail.services.checkpoints import Checkpoint
from casetrail.services.kept_checkpoints import shelf_of
from casetrail.services.verification import verify_log


@dataclass(frozen=True)
class ChainStatus:
    size: int  # the log's last position when verified
    checked: int  # positions found intact
    broken_at: int | None
    problem: str | None
    checkpoint_size: int | None = None  # the latest kept checkpoint's, which the log was checked against
    checkpoint_signed_at: datetime | None = None

    @property
    def intact(self) -> bool:
        return self.broken_at is None


class ChainCheck:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: ChainStatus | None = None

    def status(self, system: System) -> ChainStatus:
        size = system.ingestion.recorder.max_notification_id() or 0
        kept = shelf_of(system.ingestion).latest_checkpoint()
        with self._lock:
            if (self._last is not None and self._last.size == size
                    and self._last.checkpoint_size == (kept.size if kept else None)):
                return self._last
            checkpoint = Checkpoint(kept.origin, kept.size, kept.root) if kept else None
            checked, broken = verify_log(system.ingestion.chained_log, checkpoint=checkpoint)
            self._last = ChainStatus(size, checked, broken.position if broken else None,
                                     broken.problem if broken else None, kept.size if kept else None,
                                     kept.signed_at if kept else None)
            return self._last
