"""Writes and reads on PostgreSQL after the server closed the pooled connection.

The pool checks a connection before lending it (``POSTGRES_PRE_PING``), but the
server may end it after that check and before the statement: the library's
recorder then tries again on a fresh connection, and so must casetrail's. Here
the pool does not check at all, which leaves the same window open every time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import StoredEvent

from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.services.ingestion import Ingestion
from tests.conftest import inputs
from tests.test_concurrent_writers import holds

pytestmark = pytest.mark.postgres

ONE_UNCHECKED_CONNECTION = {"POSTGRES_PRE_PING": "n", "POSTGRES_POOL_SIZE": "1", "POSTGRES_MAX_OVERFLOW": "0"}


@pytest.fixture
def ingestion(postgres_url: str) -> Iterator[Ingestion]:
    app = Ingestion(env={**persistence_env(postgres_url), **ONE_UNCHECKED_CONNECTION}, config=Config())
    yield app
    app.close()


def close_pooled_connection(app: Application[Any], postgres_base: str) -> None:
    """End, from the server's side, the one connection ``app``'s pool holds."""
    with app.recorder.datastore.get_connection() as conn:  # type: ignore[attr-defined]
        pid = conn.info.backend_pid
    with psycopg.connect(postgres_base, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        # Wait until the server has let it go (no timing: the server says when).
        admin.execute("SELECT pg_sleep(0.01) FROM generate_series(1, 500) "
                      "WHERE EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", (pid,))


def test_the_librarys_recorder_writes_after_its_connection_was_closed(postgres_url: str, postgres_base: str) -> None:
    # The baseline: eventsourcing's own recorder, over the same schema and pool settings.
    casetrail = Ingestion(env=persistence_env(postgres_url), config=Config())  # creates the schema
    stored = casetrail._prepare(inputs(holds("c-9", range(3))), 1, False).stored
    casetrail.close()
    env = {k: v for k, v in persistence_env(postgres_url).items() if k != "APPLICATION_RECORDER_TOPIC"}
    app: Application[Any] = Application(env={**env, **ONE_UNCHECKED_CONNECTION})
    try:
        app.recorder.insert_events(stored[:1])
        close_pooled_connection(app, postgres_base)
        app.recorder.insert_events(stored[1:])
        assert len(app.recorder.select_notifications(start=1, limit=10)) == 3
    finally:
        app.close()


def test_casetrails_recorder_writes_a_batch_after_its_connection_was_closed(ingestion: Ingestion,
                                                                            postgres_base: str) -> None:
    assert ingestion.ingest(inputs(holds("c-9", range(2)))).accepted == 2
    batch = ingestion._prepare(inputs(holds("c-9", range(2, 5))), 2, False)
    close_pooled_connection(ingestion, postgres_base)
    ingestion.recorder.insert_events(batch.stored, accepted=batch.accepted, rejects=batch.rejects)
    assert [e.originator_version for e in stored_events(ingestion)] == [1, 2, 3, 4, 5]
    assert ingestion.ledger.accepted_counts() == {"contact.held": 5}


def test_ingestion_goes_on_after_its_connection_was_closed(ingestion: Ingestion, postgres_base: str) -> None:
    assert ingestion.ingest(inputs(holds("c-9", range(2)))).accepted == 2
    close_pooled_connection(ingestion, postgres_base)
    # The batch's reads (stored keys, stream heads) meet the closed connection first.
    assert ingestion.ingest(inputs(holds("c-9", range(2, 5)))).accepted == 3
    assert [e.originator_version for e in stored_events(ingestion)] == [1, 2, 3, 4, 5]


def stored_events(app: Ingestion) -> list[StoredEvent]:
    streams = {UUID(str(n.originator_id)) for n in app.recorder.select_notifications(start=1, limit=100)}
    return [event for stream in app.ledger.select_streams(sorted(streams)).values() for event in stream]
