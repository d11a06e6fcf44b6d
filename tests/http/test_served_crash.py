"""The server SIGKILLed while clients post batches: after a restart and the clients' retries,
every event is stored once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import orjson

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.http.conftest import bearer
from tests.http.helpers import BATCH
from tests.http.served import Served

CLIENTS = 2
BATCHES = 12  # per client
BATCH_SIZE = 100


def events(client: int) -> list[bytes]:
    return [orjson.dumps({
        "specversion": "1.0", "id": f"inv-{client}-{n}", "source": "pms:seaside", "type": "inventory.set",
        "time": "2019-06-20T08:00:00+07:00",
        "data": {"resource": f"seaside:room-{client}", "date": f"2019-{1 + n // 28 % 12:02}-{1 + n % 28:02}",
                 "available": n % 7}}) for n in range(BATCHES * BATCH_SIZE)]


def post_until_stored(url: str, body: bytes, answered: list[dict[str, int]]) -> None:
    """A client that retries until the server answers, as a source's sender does."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            response = httpx.post(f"{url}/v1/events", content=body, timeout=30,
                                  headers={**bearer("source"), "content-type": BATCH})
        except httpx.TransportError:
            time.sleep(0.2)
            continue
        if response.status_code == 200:
            answered.append(response.json())
            return
        assert response.status_code == 503, response.text
        time.sleep(0.2)
    raise AssertionError("the server did not come back within 120 s")


def test_a_killed_server_and_retrying_clients_store_every_event_once(database_url: str, config_path: Path) -> None:
    server = Served(database_url, config_path)
    server.start()
    answered: list[dict[str, int]] = []

    def client(number: int) -> None:
        lines = events(number)
        for start in range(0, len(lines), BATCH_SIZE):
            post_until_stored(server.url, b"[" + b",".join(lines[start:start + BATCH_SIZE]) + b"]", answered)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in clients:
        thread.start()
    while len(answered) < 3:
        time.sleep(0.01)
    server.kill()  # mid-stream: both clients have a batch in flight or about to be
    killed_after = len(answered)
    server.start()
    for thread in clients:
        thread.join(timeout=300)
    server.terminate()

    assert killed_after < CLIENTS * BATCHES
    assert len(answered) == CLIENTS * BATCHES
    assert sum(a["rejected"] for a in answered) == 0
    total = CLIENTS * BATCHES * BATCH_SIZE
    # Some answers were lost with the killed server: those events come back as duplicates.
    assert sum(a["accepted"] for a in answered) + sum(a["duplicates"] for a in answered) >= total
    system = bootstrap(Settings(database_url=database_url))
    try:
        assert sum(system.ingestion.ledger.accepted_counts().values()) == total
        assert system.ingestion.ledger.rejected_inputs() == []
        assert system.ingestion.recorder.max_notification_id() == total  # one recorded event each, no more
    finally:
        system.close()
