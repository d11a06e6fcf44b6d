"""Turns a database URL into the environment eventsourcing builds its recorder from."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from casetrail.adapters.storage.view_stores import PostgresViewStore, SQLiteViewStore

if TYPE_CHECKING:
    import psycopg

DEFAULT_DATABASE = "sqlite:///./casetrail.db"


class DatabaseURLError(ValueError):
    pass


class DatabaseUnavailable(ValueError):
    """The URL is well formed, but there is no such database, or nothing to connect to."""


def check_database(url: str, must_exist: bool) -> None:
    """Say at once what is wrong with the database a URL names, before any pool or file is made.

    A SQLite file that is not there is an error only when ``must_exist``: a command
    that only reads must not leave an empty database behind a mistyped path. A
    PostgreSQL database is never created, so it is tried once, directly, instead of
    through a pool that waits out its timeout and then says only that it could not connect.
    """
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        path = Path(env["SQLITE_DBNAME"])
        if must_exist and not path.is_file():
            raise DatabaseUnavailable(f"database: no such database {path}")
        return
    with connect_postgres(env) as conn:
        if must_exist:
            check_postgres_store(conn, env)


def connect_postgres(env: dict[str, str], **options: Any) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection to the PostgreSQL database of ``env``, or a DatabaseUnavailable that says what is wrong."""
    import psycopg  # only for a PostgreSQL store: a SQLite one does without it

    try:
        return psycopg.connect(**_conninfo(env), **options)
    except psycopg.Error as error:
        problem = _connect_problem(error, env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"])
        raise DatabaseUnavailable(f"database: {problem}") from None


def check_postgres_store(conn: psycopg.Connection[tuple[Any, ...]], env: dict[str, str]) -> None:
    """A schema is made on first use like a SQLite file: one without tables holds no store."""
    schema = env["POSTGRES_SCHEMA"] or "public"
    found = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
                         (schema,)).fetchone()
    if not (found and found[0]):
        raise no_postgres_store(env)


def no_postgres_store(env: dict[str, str]) -> DatabaseUnavailable:
    return DatabaseUnavailable(f"database: no casetrail store in schema {env['POSTGRES_SCHEMA'] or 'public'!r} of "
                               f"{env['POSTGRES_DBNAME']!r} at {env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}")


def _connect_problem(error: Exception, host: str, port: str, dbname: str) -> str:
    text = str(error)
    missing = re.search(r'(database|role) "([^"]*)" does not exist', text)
    if missing:
        return f"no such {missing.group(1)} {missing.group(2)!r} at {host}:{port}"
    if "Connection refused" in text:
        return f"nothing accepts connections at {host}:{port} (connection refused)"
    # psycopg's first line, without its preamble: "connection failed: connection to server at ... failed: FATAL:  ..."
    reason = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    reason = re.sub(r"^connection failed: (connection to server at .*? failed: )?", "", reason)
    return f"cannot connect to {dbname!r} at {host}:{port}: {reason.removeprefix('FATAL:').strip()}"


def persistence_env(url: str) -> dict[str, str]:
    """The store's environment with the recorder that writes casetrail's ledger beside the log."""
    from eventsourcing.utils import get_topic

    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        from casetrail.adapters.storage.sqlite_store import SQLiteLedgerRecorder

        return {**env, "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteLedgerRecorder)}
    from casetrail.adapters.storage.postgres_store import PostgresLedgerRecorder

    return {**env, "APPLICATION_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder)}


def store_env(url: str) -> dict[str, str]:
    """Where the URL's store is, in the names of eventsourcing's environment: all a read needs of it."""
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return _sqlite_env(url)
    if scheme in ("postgresql", "postgres"):
        return _postgres_env(url)
    raise DatabaseURLError(
        f"database: unsupported URL {redacted(url)!r}; use sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME"
    )


def redacted(url: str) -> str:
    """The URL without its password, fit for messages and logs."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _sqlite_env(url: str) -> dict[str, str]:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise DatabaseURLError(f"database: expected sqlite:///PATH, got {url!r}")
    path = Path(url[len(prefix):])
    if not path.parent.is_dir():
        raise DatabaseURLError(f"database: folder {str(path.parent)!r} does not exist")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(path),
        "SQLITE_LOCK_TIMEOUT": "30",
    }


def _postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not parts.hostname or not dbname:
        raise DatabaseURLError(f"database: expected postgresql://USER@HOST:PORT/DBNAME, got {redacted(url)!r}")
    schema = parse_qs(parts.query).get("schema", [""])[0]
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(dbname),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": "5",
        # A pooled connection the server ended is found out and replaced before use, not after a failed batch.
        "POSTGRES_PRE_PING": "y",
    }


def open_view_store(url: str) -> SQLiteViewStore | PostgresViewStore:
    """The read models live in the same database (and schema) as the log."""
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return SQLiteViewStore(env["SQLITE_DBNAME"])
    return PostgresViewStore(_conninfo(env), env["POSTGRES_SCHEMA"] or "public")


def _conninfo(env: dict[str, str]) -> dict[str, Any]:
    return {
        "dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"],
        "user": env["POSTGRES_USER"], "password": env["POSTGRES_PASSWORD"],
        "connect_timeout": int(env["POSTGRES_CONNECT_TIMEOUT"]),
    }
