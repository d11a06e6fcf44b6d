"""Turns a database URL into the environment eventsourcing builds its recorder from."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.utils import get_topic

from adapters.postgres_store import PostgresLedgerRecorder
from adapters.sqlite_store import SQLiteLedgerRecorder

DEFAULT_DATABASE = "sqlite:///./casetrail.db"


class DatabaseURLError(ValueError):
    pass


def persistence_env(url: str) -> dict[str, str]:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return _sqlite_env(url)
    if scheme in ("postgresql", "postgres"):
        return _postgres_env(url)
    raise DatabaseURLError(
        f"database: unsupported URL {url!r}; use sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME"
    )


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
        "APPLICATION_RECORDER_TOPIC": get_topic(SQLiteLedgerRecorder),
    }


def _postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    dbname = parts.path.lstrip("/")
    if not parts.hostname or not dbname:
        raise DatabaseURLError(f"database: expected postgresql://USER@HOST:PORT/DBNAME, got {url!r}")
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
        "APPLICATION_RECORDER_TOPIC": get_topic(PostgresLedgerRecorder),
    }
