"""Fixtures: a fresh store per test, on SQLite and on a real PostgreSQL.

PostgreSQL tests use CASETRAIL_TEST_POSTGRES (default the local server) with a
schema of their own that is dropped afterwards. Under CI=true an unreachable
server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion, RawInput

SCENARIOS = Path(__file__).resolve().parent.parent / "adapters" / "samples"
POSTGRES = os.environ.get("CASETRAIL_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        with psycopg.connect(POSTGRES, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return str(error).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_base() -> str:
    problem = _postgres_reachable()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {POSTGRES} is required under CI: {problem}")
        pytest.skip(f"PostgreSQL at {POSTGRES} not reachable: {problem}")
    return POSTGRES


@pytest.fixture
def postgres_url(postgres_base: str) -> Iterator[str]:
    schema = f"test_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_base}?schema={schema}"
    with psycopg.connect(postgres_base, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'casetrail.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def system(database_url: str) -> Iterator[System]:
    running = bootstrap(Settings(database_url=database_url))
    yield running
    running.close()


def load(system: System, lines: list[bytes]) -> None:
    """Ingest valid lines as a backfill, then bring views and detectors up to them."""
    assert system.ingestion.ingest(inputs(lines), backfill=True).rejected == 0
    system.catch_up()


@pytest.fixture
def ingestion(database_url: str) -> Iterator[Ingestion]:
    app = Ingestion(env=persistence_env(database_url), config=Config())
    yield app
    app.close()


def lines_of(name: str) -> list[bytes]:
    return [line for line in (SCENARIOS / name).read_bytes().splitlines() if line.strip()]


def all_scenario_lines() -> list[bytes]:
    return [line for path in sorted(SCENARIOS.glob("*.jsonl")) for line in lines_of(path.name)]


def inputs(lines: list[bytes], entrance: str = "test") -> list[RawInput]:
    return [RawInput(raw=line, entrance=f"{entrance}:{n}") for n, line in enumerate(lines, start=1)]


@pytest.fixture
def signing(tmp_path: Path) -> Path:
    """A configuration file naming a fresh Ed25519 signing key, as ``casetrail key new`` makes one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    (tmp_path / "signing.pem").write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    config = tmp_path / "casetrail.toml"
    config.write_text(f'[integrity]\norigin = "casetrail.example/hotels"\nsigning_key = "{tmp_path / "signing.pem"}"\n')
    return config
