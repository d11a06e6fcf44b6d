"""What casetrail does while the database or the broker is unavailable: which errors say so,
how long to wait before trying again, and the one line of an error worth logging."""

from __future__ import annotations

import sqlite3

import psycopg
from eventsourcing.persistence import PersistenceError

# What an unavailable database raises, through the library or directly.
DATABASE_ERRORS = (PersistenceError, psycopg.Error, sqlite3.OperationalError)
FIRST_BACKOFF_S = 0.5
LONGEST_BACKOFF_S = 30.0


def next_backoff(delay: float) -> float:
    """The wait after one of ``delay`` has not been enough: twice as long, up to a limit."""
    return min(delay * 2, LONGEST_BACKOFF_S)


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
