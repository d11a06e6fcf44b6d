"""Two ingestion processes may write the same streams: neither loses a fact, and
every stream keeps one event per version, whichever wrote first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from adapters.database import persistence_env
from domain import ids
from domain.config import Config
from services.ingestion import Ingestion
from tests.conftest import inputs


def holds(contact_ref: str, numbers: range) -> list[bytes]:
    return [json.dumps({"specversion": "1.0", "id": f"{contact_ref}-hold-{n}", "source": "phone:pbx",
                        "type": "contact.held", "time": f"2024-06-03T10:{n:02d}:00+07:00",
                        "data": {"contact_ref": contact_ref, "seconds": n}}).encode() for n in numbers]


def versions(app: Ingestion, contact_ref: str) -> list[int]:
    stream = app.ledger.select_streams([ids.contact_id(contact_ref)]).get(ids.contact_id(contact_ref), [])
    return [event.originator_version for event in stream]


def test_a_writer_whose_remembered_heads_went_stale_stores_its_batch_again(database_url: str) -> None:
    first = Ingestion(env=persistence_env(database_url), config=Config())
    second = Ingestion(env=persistence_env(database_url), config=Config())
    try:
        assert first.ingest(inputs(holds("c-1", range(5)))).accepted == 5
        assert second.ingest(inputs(holds("c-1", range(5, 8)))).accepted == 3
        # ``first`` still remembers the stream at version 5; the store has 8.
        assert first.ingest(inputs(holds("c-1", range(8, 12)))).accepted == 4
        assert versions(first, "c-1") == list(range(1, 13))
    finally:
        first.close()
        second.close()


def test_a_batch_that_loses_a_race_while_the_next_is_decided_is_stored_again(database_url: str) -> None:
    env = persistence_env(database_url)
    app, rival = Ingestion(env=env, config=Config()), Ingestion(env=env, config=Config())
    write = app._write
    rival_lines: Iterator[list[bytes]] = iter([holds("c-2", range(50, 52))])

    def rival_writes_first(prepared: Any) -> None:
        # Once, just before the first batch lands, another process appends to its stream.
        for lines in rival_lines:
            assert rival.ingest(inputs(lines, entrance="rival")).accepted == 2
        write(prepared)

    app._write = rival_writes_first  # type: ignore[method-assign]
    try:
        counts = app.ingest(inputs(holds("c-2", range(12))), batch_size=3)
        assert (counts.accepted, counts.duplicates, counts.rejected) == (12, 0, 0)
        assert versions(app, "c-2") == list(range(1, 15))
        assert app.ledger.accepted_counts() == {"contact.held": 14}
    finally:
        app.close()
        rival.close()
