"""A store opened to answer questions, and nothing else.

The read models are read through a connection that cannot write: SQLite opened read-only, a
PostgreSQL session whose transactions are read-only. Nothing here builds the applications, runs
a view or a detector, or makes a table: the writers leave the views current, and a read that
finds them behind says by how much (``services.tracking``).
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import (
    DatabaseUnavailable,
    connect_postgres,
    no_postgres_store,
    store_env,
)
from casetrail.domain.escalation import DEFAULT_LEVELS
from casetrail.services import tracking
from casetrail.services.case_queries import CaseQueries
from casetrail.services.ports import RejectedInput

if TYPE_CHECKING:
    import psycopg

    from casetrail.services.report_queries import ReportQueries

# The log's table as eventsourcing names it: on PostgreSQL after the application (services.application).
SQLITE_LOG = "stored_events"
POSTGRES_LOG = "casetrail_events"
# How often a read that waits for the views looks at their positions again.
POLL_S = 0.05


class SQLiteReading:
    """A SQLite store opened read-only."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise DatabaseUnavailable(f"database: no such database {path}")
        self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                     isolation_level=None, check_same_thread=False)
        if SQLITE_LOG not in self.tables():
            self._conn.close()
            raise DatabaseUnavailable(f"database: no casetrail store in {path}")

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def tables(self) -> set[str]:
        return {row[0] for row in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def log_head(self) -> int:
        return int(self.query(f"SELECT max(rowid) FROM {SQLITE_LOG}")[0][0] or 0)

    def rejected_inputs(self) -> list[RejectedInput]:
        return [RejectedInput(datetime.fromisoformat(r[0]), r[1], r[2], bytes(r[3])) for r in self.query(
            "SELECT received_at, entrance, reason, raw FROM casetrail_rejects ORDER BY position")]

    def close(self) -> None:
        self._conn.close()


class PostgresReading:
    """A PostgreSQL store through one connection whose transactions are read-only."""

    def __init__(self, env: dict[str, str]) -> None:
        from psycopg import sql as pgsql

        # Custom plans, as the view store asks: a generic plan made for other values can scan a whole table.
        self._conn: psycopg.Connection[tuple[Any, ...]] = connect_postgres(
            env, autocommit=True, options="-c default_transaction_read_only=on -c plan_cache_mode=force_custom_plan")
        try:
            self._conn.execute(pgsql.SQL("SET search_path TO {}").format(
                pgsql.Identifier(env["POSTGRES_SCHEMA"] or "public")))
            if not self.tables():  # a schema is made on first use like a SQLite file: without tables, no store
                raise no_postgres_store(env)
        except BaseException:
            self._conn.close()
            raise

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql.replace("%", "%%").replace("?", "%s"), params).fetchall()

    def tables(self) -> set[str]:
        # pg_tables, not information_schema: the catalogue itself answers several times sooner.
        return {row[0] for row in self.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def log_head(self) -> int:
        return int(self.query(f"SELECT max(notification_id) FROM {POSTGRES_LOG}")[0][0] or 0)

    def rejected_inputs(self) -> list[RejectedInput]:
        return [RejectedInput(r[0], r[1], r[2], bytes(r[3])) for r in self.query(
            "SELECT received_at, entrance, reason, raw FROM casetrail_rejects ORDER BY position")]

    def close(self) -> None:
        self._conn.close()


class Reader:
    """The case and report queries over a store opened read-only, and how far its views are behind."""

    def __init__(self, store: SQLiteReading | PostgresReading, escalation_levels: tuple[str, ...]) -> None:
        self.store = store
        self.cases = CaseQueries(store, escalation_levels)

    @property
    def reports(self) -> ReportQueries:
        # Imported by the reports alone: their statistics take longer to import than a case report takes.
        from casetrail.services.report_queries import ReportQueries

        return ReportQueries(self.store)

    def lag(self) -> tracking.Lag:
        """The read models' positions beside the log's head; ViewsNotBuilt if there are none to read."""
        found = self.store.tables()
        tracked = self.store.query(f"SELECT view, position, version FROM {tracking.TRACKING_TABLE}") \
            if tracking.TRACKING_TABLE in found else None
        return tracking.lag(self.store.log_head(), tracked)

    def wait(self, seconds: float) -> tracking.Lag:
        """The lag once the read models have reached the log's head, or after ``seconds``, whichever is first."""
        deadline = time.monotonic() + seconds
        lag = self.lag()
        while lag.behind and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL_S, left))
            lag = self.lag()
        return lag

    def rejected_inputs(self) -> list[RejectedInput]:
        return self.store.rejected_inputs()

    def close(self) -> None:
        self.store.close()


def open_reader(settings: Settings) -> Reader:
    """The store of ``settings``, opened to read: DatabaseUnavailable if it is not there."""
    env = store_env(settings.database_url)
    store = (SQLiteReading(Path(env["SQLITE_DBNAME"])) if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
             else PostgresReading(env))
    return Reader(store, _escalation_levels(settings))


def _escalation_levels(settings: Settings) -> tuple[str, ...]:
    """The levels the configuration names, lowest first: the defaults without a file, read without pydantic."""
    if settings.config_path is None:
        return tuple(DEFAULT_LEVELS)
    from casetrail.adapters.config_file import load_config

    return tuple(load_config(settings.config_path).escalation_levels)
