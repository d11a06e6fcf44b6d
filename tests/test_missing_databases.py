"""A database that is not there: the commands that only read say so instead of creating one,
and a PostgreSQL database that does not exist is named at once, not after a pool's timeout."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.conftest import SCENARIOS
from tests.test_cli import casetrail

# Reads, and the commands that need a store's contents: a lead's decision needs its case.
READS = [["cases"], ["cases", "--json"], ["case", "CS-1"], ["report", "weekly"], ["rejects"], ["replay"],
         ["resolve", "CS-1", "--resolution", "refunded", "--by", "lead-7"],
         ["factor", "confirm", "CS-1", "long_hold", "--by", "lead-7", "--rationale", "heard the call"]]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_on_a_mistyped_sqlite_path_says_no_such_database_and_creates_nothing(
    tmp_path: Path, args: list[str]
) -> None:
    path = tmp_path / "casetrial.db"
    result = casetrail("--database", f"sqlite:///{path}", *args)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"casetrail: database: no such database {path}"]
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_a_command_that_records_creates_the_store(tmp_path: Path) -> None:
    path = tmp_path / "casetrail.db"
    ingested = casetrail("--database", f"sqlite:///{path}", "ingest",
                         str(SCENARIOS / "01-overbooking-after-stop-sell.jsonl"))
    assert ingested.returncode == 0, ingested.stderr
    listed = casetrail("--database", f"sqlite:///{path}", "cases", "--json")
    assert listed.returncode == 0 and listed.stdout.strip() != "[]", listed.stderr


def _other_database(url: str, dbname: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{dbname}", query=""))


@pytest.mark.postgres
@pytest.mark.parametrize("args", [["cases"], ["ingest", str(SCENARIOS / "01-overbooking-after-stop-sell.jsonl")]],
                         ids=["cases", "ingest"])
def test_a_postgresql_database_that_does_not_exist_is_named(postgres_base: str, args: list[str]) -> None:
    missing = f"casetrail_missing_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(postgres_base)
    result = casetrail("--database", _other_database(postgres_base, missing), *args)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"casetrail: database: no such database {missing!r} at {parts.hostname}:{parts.port or 5432}"]


@pytest.mark.postgres
def test_an_unknown_postgresql_role_is_named(postgres_base: str) -> None:
    parts = urlsplit(postgres_base)
    url = urlunsplit(parts._replace(netloc=f"nobody_{uuid.uuid4().hex[:6]}@{parts.hostname}:{parts.port or 5432}"))
    result = casetrail("--database", url, "rejects")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and " role " in result.stderr, result.stderr


def test_a_postgresql_server_that_refuses_connections_is_one_line(tmp_path: Path) -> None:
    result = casetrail("--database", "postgresql://postgres@127.0.0.1:1/test", "cases", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "casetrail: database: nothing accepts connections at 127.0.0.1:1 (connection refused)"]


@pytest.mark.postgres
@pytest.mark.parametrize("args", READS[:3] + READS[-1:], ids=" ".join)
def test_a_read_on_a_mistyped_postgresql_schema_says_so_and_creates_nothing(
        postgres_base: str, args: list[str]) -> None:
    import psycopg

    schema = f"casetrial_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(postgres_base)
    result = casetrail("--database", f"{postgres_base}?schema={schema}", *args)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"casetrail: database: no casetrail store in schema {schema!r} of {parts.path.lstrip('/')!r} at "
        f"{parts.hostname}:{parts.port or 5432}"]
    with psycopg.connect(postgres_base) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s",
                            (schema,)).fetchone() == (0,)
