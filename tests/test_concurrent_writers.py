"""Two ingestion processes may write the same streams: neither loses a fact, and
every stream keeps one event per version, whichever wrote first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from uuid import UUID

from benchmarks.traffic import generate_events
from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import persistence_env
from casetrail.domain import ids
from casetrail.domain.config import Config
from casetrail.services.case_desk import SOURCE as DETECTORS
from casetrail.services.ingestion import Ingestion
from tests.conftest import inputs

ROOT = Path(__file__).resolve().parent.parent


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



def test_a_batch_that_would_lose_every_race_is_stored_at_the_second_attempt(database_url: str) -> None:
    """Another writer appends to the batch's stream after every decision made outside the write lock,
    as a busy writer of the same streams can: re-reading and retrying alone never wins."""
    env = persistence_env(database_url)
    app, rival = Ingestion(env=env, config=Config()), Ingestion(env=env, config=Config())
    prepare = app._prepare
    rival_minutes = iter(range(20, 60))

    def rival_writes_after_deciding(*args: Any, **kwargs: Any) -> Any:
        prepared = prepare(*args, **kwargs)
        if kwargs.get("ledger") is None:  # decided outside the write lock
            minute = next(rival_minutes)
            assert rival.ingest(inputs(holds("c-3", range(minute, minute + 1)), entrance="rival")).accepted == 1
        return prepared

    app._prepare = rival_writes_after_deciding  # type: ignore[method-assign]
    try:
        counts = app.ingest(inputs(holds("c-3", range(12))), batch_size=3)
        assert (counts.accepted, counts.duplicates, counts.rejected) == (12, 0, 0)
        written_by_rival = next(rival_minutes) - 20
        assert versions(app, "c-3") == list(range(1, 13 + written_by_rival))
        assert app.ledger.accepted_counts() == {"contact.held": 12 + written_by_rival}
    finally:
        app.close()
        rival.close()


# Separate ``casetrail ingest`` processes, fed the same traffic: a third of it to both, a
# third to each alone. Consecutive events of one story go to different processes, and half
# the events are holds of two long calls, so both keep appending to the same streams.
EVENTS = 6000
CHUNK = 100  # lines written to one process before the other is fed
BATCH = 100  # small: many transactions, many chances to collide


def _start_ingest(database_url: str, errors: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "casetrail", "ingest", "--json", "--batch-size", str(BATCH),
                             "--database", database_url, "-"],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors.open("wb"))


def _feed_in_step(writers: list[subprocess.Popen[bytes]], inputs: list[list[bytes]]) -> None:
    """Write each writer its lines, a chunk to each in turn: a writer that is slow to start holds
    the others back (its pipe fills), so they ingest side by side rather than one after the other."""
    failed: set[int] = set()
    for start in range(0, max(map(len, inputs)), CHUNK):
        for k, (writer, lines) in enumerate(zip(writers, inputs)):
            if (chunk := lines[start : start + CHUNK]) and k not in failed:
                try:
                    assert writer.stdin is not None
                    writer.stdin.write(b"".join(line + b"\n" for line in chunk))
                except BrokenPipeError:
                    failed.add(k)  # it stopped: its exit status tells
    for writer in writers:
        with suppress(BrokenPipeError):
            assert writer.stdin is not None
            writer.stdin.close()


def _long_calls(count: int) -> list[bytes]:
    return [json.dumps({"specversion": "1.0", "id": f"long-{n}", "source": "phone:pbx", "type": "contact.held",
                        "time": f"2024-06-03T10:{n % 60:02d}:00+07:00",
                        "data": {"contact_ref": f"long-call-{n % 2}", "seconds": n}}).encode() for n in range(count)]


def _facts(app: Ingestion, source: str | None = None) -> Counter[tuple[UUID, str, str]]:
    """Each stored event as its stream and the input it records (only those from ``source``, or
    all but the detectors' own): every one should be there once."""
    found: Counter[tuple[UUID, str, str]] = Counter()
    for n in app.recorder.select_notifications(start=1, limit=10**7):
        provenance = json.loads(n.state)["provenance"]
        if (provenance["source"] == source) if source else (provenance["source"] != DETECTORS):
            found[(n.originator_id, provenance["source"], provenance["id"])] += 1
    return found


def test_ingest_processes_started_together_on_overlapping_input_each_store_every_event_once(
        database_url: str, tmp_path: Path) -> None:
    lines = [line for pair in zip(generate_events(EVENTS // 2, seed=23), _long_calls(EVENTS // 2)) for line in pair]
    inputs_of = [[line for n, line in enumerate(lines) if n % 3 in (0, 1 + k)] for k in range(2)]
    errors = [tmp_path / f"writer-{k}.err" for k in range(2)]
    # Started together on a store nobody has used yet: they also race to create its tables.
    writers = [_start_ingest(database_url, path) for path in errors]
    _feed_in_step(writers, inputs_of)
    results = [(writer.wait(timeout=120), writer.stdout.read()) for writer in writers if writer.stdout]
    assert [(status, path.read_text()) for (status, _), path in zip(results, errors)] == [(0, ""), (0, "")]
    counts = [json.loads(out) for _, out in results]
    assert all(c["rejected"] == 0 and c["accepted"] + c["duplicates"] == len(own)
               for c, own in zip(counts, inputs_of))
    # Each shared input was accepted by exactly one of them.
    assert sum(c["accepted"] for c in counts) == EVENTS
    assert sum(c["duplicates"] for c in counts) == EVENTS // 3

    # The store holds what one process ingesting the union stores, each event once.
    app = Ingestion(env=persistence_env(database_url), config=Config())
    reference = Ingestion(env=persistence_env(f"sqlite:///{tmp_path / 'reference.db'}"), config=Config())
    try:
        assert reference.ingest(inputs(lines)).accepted == EVENTS
        stored, expected, detected = _facts(app), _facts(reference), _facts(app, DETECTORS)
        assert max(stored.values()) == 1 and max(detected.values()) == 1
        assert stored == expected
        assert app.ledger.accepted_counts() == reference.ledger.accepted_counts()
        streams = app.ledger.select_streams(sorted({stream for stream, _, _ in stored}))
        assert all([e.originator_version for e in events] == list(range(1, len(events) + 1))
                   for events in streams.values())
    finally:
        app.close()
        reference.close()

    # Both caught the views up: they stand at the end of the log, each event applied once.
    system = bootstrap(Settings(database_url=database_url))
    try:
        last = system.ingestion.recorder.max_notification_id()
        assert [runner.position() for runner in system.views] == [last, last]
        assert system.detectors.position() == last
        entries = {(source, id_) for _, source, id_ in [*stored, *detected]}
        assert system.view_store.query("SELECT count(*) FROM timeline_entries") == [(len(entries),)]
    finally:
        system.close()


def test_processes_starting_together_on_a_new_store_all_start(database_url: str) -> None:
    """Each creates the store's tables and types if they are missing: one at a time."""
    # ingest, not a read: only a command that writes may create a store.
    starting = [subprocess.Popen([sys.executable, "-m", "casetrail", "ingest", "-", "--json", "--database", database_url],
                                 cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    finished = [(process.wait(timeout=120), *process.communicate()) for process in starting]
    assert [(code, json.loads(out) if code == 0 else out, err) for code, out, err in finished] == [
        (0, {"accepted": 0, "duplicates": 0, "rejected": 0}, "")] * 3
