"""Connections for the read models, in the same database as the log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a PostgreSQL store is opened: a SQLite store's commands do without it
    import psycopg


class _Cursor:
    """A driver's cursor as the views use it (``services.ports.ViewCursor``), SQL written with ``?``."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def _sql(self, sql: str) -> str:
        return sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._cursor.execute(self._sql(sql), params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        return self._cursor.executemany(self._sql(sql), rows)

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = self._cursor.fetchall()
        return rows

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


class _SQLiteCursor(_Cursor):
    def insert_many(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = "") -> None:
        self._cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                                 f"{on_conflict}", rows)


class SQLiteViewStore:
    def __init__(self, path: str) -> None:
        # isolation_level=None: transactions are begun explicitly below.
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def transaction(self) -> Iterator[_SQLiteCursor]:
        cursor = self._conn.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteCursor(cursor)
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def schema_transaction(self) -> AbstractContextManager[_SQLiteCursor]:
        # BEGIN IMMEDIATE already waits for every other writer.
        return self.transaction()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, params).fetchall()

    def analyze(self, tables: Sequence[str]) -> None:
        # Every row, not a sample: a sample of the type index's first entries saw one type, so the
        # planner took the type index for "booking_ref IN (...) AND type = ?" and scanned every row
        # of that type, a read that grew with the store. The whole timeline of 900,000 rows takes 0.7 s.
        self._conn.execute("PRAGMA analysis_limit = 0")
        for table in tables:
            self._conn.execute(f"ANALYZE {table}")

    def compact(self, tables: Sequence[str]) -> bool:
        # The whole file: SQLite frees pages, not tables. Then the write-ahead log is emptied too.
        try:
            self._conn.execute("VACUUM")
            busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        except sqlite3.OperationalError:  # another process is writing or reading: it cannot be done now
            return False
        return not busy

    def close(self) -> None:
        self._conn.close()


class _PostgresCursor(_Cursor):
    _cursor: psycopg.Cursor[Any]

    def _sql(self, sql: str) -> str:
        return _placeholders(sql)

    def insert_many(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = "") -> None:
        # COPY into a staging table, then one INSERT ... SELECT: the timeline's rows cost the server half
        # the time of executemany's, and the client a sixth (docs/performance.md).
        from psycopg import sql as pgsql

        stage, target = pgsql.Identifier(f"casetrail_stage_{table}"), pgsql.Identifier(table)
        names = pgsql.SQL(", ").join(map(pgsql.Identifier, columns))
        self._cursor.execute(pgsql.SQL("CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {})").format(stage, target))
        with self._cursor.copy(pgsql.SQL("COPY {} ({}) FROM STDIN").format(stage, names)) as copy:
            for row in rows:
                copy.write_row(row)
        self._cursor.execute(pgsql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ").format(target, names, names, stage)
                             + pgsql.SQL(on_conflict))  # the views' own SQL text, never input
        self._cursor.execute(pgsql.SQL("TRUNCATE {}").format(stage))


class PostgresViewStore:
    def __init__(self, conninfo: dict[str, Any], schema: str) -> None:
        self._conninfo = conninfo
        self._schema = schema
        self._conn = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        import psycopg
        from psycopg import sql as pgsql

        from casetrail.adapters.storage.postgres_store import lock_schema

        conn = psycopg.connect(**self._conninfo, autocommit=True)
        with conn.transaction(), conn.cursor() as cursor:  # under the lock every process creates a schema with
            lock_schema(cursor, self._schema)
            cursor.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(pgsql.Identifier(self._schema)))
        conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self._schema)))
        # psycopg prepares a statement after a few uses, and the server may then keep one generic
        # plan, made while the tables were small: a per-case DELETE went on scanning a grown table.
        conn.execute("SET plan_cache_mode = force_custom_plan")
        return conn

    def _live(self) -> psycopg.Connection[Any]:
        """The connection, opened again if the server ended it: the failed call raised, the next one goes on."""
        if self._conn.broken or self._conn.closed:
            self._conn = self._connect()
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[_PostgresCursor]:
        conn = self._live()
        with conn.transaction(), conn.cursor() as cursor:
            yield _PostgresCursor(cursor)

    @contextmanager
    def schema_transaction(self) -> Iterator[_PostgresCursor]:
        # CREATE TABLE/INDEX IF NOT EXISTS beside the same statement in another process fails
        # on the catalogue's unique index: the log's recorder takes the same lock.
        with self.transaction() as cursor:
            from casetrail.adapters.storage.postgres_store import lock_schema

            lock_schema(cursor._cursor, self._schema)
            yield cursor

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._live().cursor() as cursor:
            cursor.execute(_placeholders(sql), params)
            return cursor.fetchall()

    def analyze(self, tables: Sequence[str]) -> None:
        from psycopg import sql as pgsql

        # Two ANALYZE of one table at once fail with "tuple concurrently updated": one process at a time.
        with self.schema_transaction() as cursor:
            for table in tables:
                cursor._cursor.execute(pgsql.SQL("ANALYZE {}").format(pgsql.Identifier(table)))

    def compact(self, tables: Sequence[str]) -> bool:
        from psycopg import sql as pgsql

        # FULL writes each table anew: a plain VACUUM marks the old rows' space free, bytes and all.
        # It waits for the readers of each table in turn.
        for table in tables:
            self._live().execute(pgsql.SQL("VACUUM FULL {}").format(pgsql.Identifier(table)))
        return True

    def close(self) -> None:
        self._conn.close()


def _placeholders(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")
