"""The unit tier: detectors and the case fold as the pure functions of rows they are.

No test here may use a database, start a process or open a connection: the
store fixtures are refused at collection, and connecting, spawning or opening
a socket fails the test that tries.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pytest

HERE = Path(__file__).resolve().parent
STORE_FIXTURES = {"database_url", "sqlite_url", "postgres_url", "postgres_base", "system", "ingestion"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            used = STORE_FIXTURES & set(getattr(item, "fixturenames", ()))
            if used:
                raise pytest.UsageError(f"{item.nodeid}: the unit tier uses no store ({', '.join(sorted(used))})")


@pytest.fixture(autouse=True)
def no_database_process_or_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(what: str) -> Any:
        def refuse(*args: Any, **kwargs: Any) -> NoReturn:
            raise AssertionError(f"the unit tier does not {what}")
        return refuse

    monkeypatch.setattr(sqlite3, "connect", refused("open SQLite"))
    monkeypatch.setattr(psycopg, "connect", refused("connect to PostgreSQL"))
    monkeypatch.setattr(psycopg.Connection, "connect", refused("connect to PostgreSQL"))
    monkeypatch.setattr(socket.socket, "connect", refused("open a connection"))
    monkeypatch.setattr(socket, "create_connection", refused("open a connection"))
    monkeypatch.setattr(subprocess, "Popen", refused("start a process"))
