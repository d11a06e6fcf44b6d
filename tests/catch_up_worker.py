"""Catches views (or views and detectors) up in small batches; the exactly-once tests kill it mid-way.

Besides the timeline, it runs a view that counts events with ``n = n + 1``:
unlike the timeline's upserts, applying a batch twice would show there.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.projections.recorded import Recorded
from casetrail.projections.view import View
from casetrail.services.view_runner import ViewRunner


def count(cursor: Any, batch: Sequence[Recorded]) -> None:
    for recorded in batch:
        kind = recorded.state["provenance"]["type"]
        cursor.execute("INSERT INTO event_counts VALUES (?, 0) ON CONFLICT (type) DO NOTHING", (kind,))
        cursor.execute("UPDATE event_counts SET n = n + 1 WHERE type = ?", (kind,))


COUNTING = View(name="event_counts", version=1, tables=["event_counts"], write=count,
                schema=["CREATE TABLE IF NOT EXISTS event_counts (type TEXT PRIMARY KEY, n BIGINT NOT NULL)"])


def runners(database_url: str, batch_size: int) -> tuple[Any, list[ViewRunner]]:
    system = bootstrap(Settings(database_url=database_url))
    counting = ViewRunner(system.ingestion.recorder, system.view_store, COUNTING)
    found = [*system.views, counting]
    for runner in found:
        runner.batch_size = batch_size
    return system, found


if __name__ == "__main__":
    system, found = runners(sys.argv[1], int(sys.argv[2]))
    if sys.argv[3:] == ["detectors"]:
        system.detectors.batch_size = system.detectors.evaluate_every = int(sys.argv[2])
        system.catch_up()
    else:
        for runner in found:
            runner.catch_up()
    system.close()
