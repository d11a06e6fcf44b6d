"""What casetrail does while the database or the broker is unavailable: which errors say so,
how long to wait before trying again, and the one line of an error worth logging."""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing.persistence import PersistenceError

FIRST_BACKOFF_S = 0.5
LONGEST_BACKOFF_S = 30.0


def __getattr__(name: str) -> Any:
    # DATABASE_ERRORS: what an unavailable database raises, through the library or directly. Made
    # when first imported, as psycopg is then: a command that never waits on a database does without it.
    if name == "DATABASE_ERRORS":
        import psycopg

        return (PersistenceError, psycopg.Error, sqlite3.OperationalError)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def next_backoff(delay: float) -> float:
    """The wait after one of ``delay`` has not been enough: twice as long, up to a limit."""
    return min(delay * 2, LONGEST_BACKOFF_S)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
