"""The follower's wake-up: a writer's NOTIFY on PostgreSQL, polling on SQLite."""

from __future__ import annotations

import threading

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.http.log_signal import LogSignal
from casetrail.adapters.settings import Settings
from tests.conftest import inputs, lines_of


def test_a_write_by_another_process_signals_the_follower_on_postgresql(postgres_url: str) -> None:
    system = bootstrap(Settings(database_url=postgres_url))
    stop = threading.Event()
    signal = LogSignal(postgres_url, system.ingestion.recorder.channel_name, stop)  # type: ignore[attr-defined]
    try:
        assert signal.wait(0.1) is False  # listening now, and nothing was written
        writer = bootstrap(Settings(database_url=postgres_url))  # its own connections, as another process's
        try:
            woken: list[bool] = []
            waiting = threading.Thread(target=lambda: woken.append(signal.wait(0.1)))
            waiting.start()
            writer.ingestion.ingest(inputs(lines_of("01-overbooking-after-stop-sell.jsonl")[:1]))
            waiting.join()
        finally:
            writer.close()
        assert woken == [True]
    finally:
        signal.close()
        system.close()


def test_sqlite_has_no_signal_and_the_follower_polls(sqlite_url: str) -> None:
    system = bootstrap(Settings(database_url=sqlite_url))
    try:
        signal = LogSignal(sqlite_url, None, threading.Event())
        assert signal.wait(0.01) is False
    finally:
        system.close()
