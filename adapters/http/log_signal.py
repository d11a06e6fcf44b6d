"""What wakes the server's follower: a writer anywhere storing events.

On PostgreSQL every writer sends the library's NOTIFY on the log's channel when it stores
events (``PostgresApplicationRecorder._notify_channel``, delivered at commit); the follower
LISTENs on a connection of its own and wakes at once. Only the signal is needed, not the
events, which the views read themselves: so a plain LISTEN, not the library's subscription,
which would read every notification's state again. SQLite has no such signal: the follower
polls.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import structlog

from casetrail.adapters.storage.database import connect_postgres, store_env

if TYPE_CHECKING:
    import psycopg

log = structlog.get_logger("casetrail.http")

# How long a listening follower waits without a signal before it looks anyway (a notification
# missed while its connection was being made again, say).
LISTENING_WAIT_S = 1.0


class LogSignal:
    def __init__(self, database_url: str, channel: str | None, stop: threading.Event) -> None:
        self._env = store_env(database_url)
        self._channel = channel if self._env["PERSISTENCE_MODULE"] == "eventsourcing.postgres" else None
        self._stop = stop
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None

    def wait(self, poll_s: float) -> bool:
        """Wait for a writer's signal, or a while; True if signalled. Without a signal to listen
        for, waits ``poll_s``."""
        if self._channel is None:
            self._stop.wait(poll_s)
            return False
        import psycopg

        try:
            conn = self._listening()
            return any(True for _ in conn.notifies(timeout=LISTENING_WAIT_S, stop_after=1))
        except (psycopg.Error, OSError) as error:
            log.info("cannot listen for the log's signal now; polling", error=str(error).splitlines()[0])
            self.close()
            self._stop.wait(poll_s)
            return False

    def _listening(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            from psycopg import sql

            self._conn = connect_postgres(self._env, autocommit=True)
            self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(str(self._channel))))
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
