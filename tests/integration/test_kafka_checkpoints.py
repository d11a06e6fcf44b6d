"""``casetrail checkpoint --publish`` against a real broker, on SQLite and PostgreSQL: each signed note is read
back from ``casetrail.checkpoints`` byte for byte, keyed by the log's origin, and still verifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from casetrail.adapters.kafka.topics import CHECKPOINTS_TOPIC
from casetrail.services.checkpoints import open_note, parse_verifier_key
from tests.conftest import SCENARIOS
from tests.integration.conftest import ROOT, read_all


def run(database_url: str, config: Path, bootstrap: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")},
           "CASETRAIL_KAFKA_BOOTSTRAP": bootstrap, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "casetrail", "--config", str(config), "--database", database_url,
                           *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def test_published_checkpoints_are_read_back_from_kafka_intact_and_in_order(
        database_url: str, kafka_bootstrap: str, names: str, tmp_path: Path) -> None:
    # An origin of this test's own: the broker is shared by the session, the topic by every log.
    origin = f"casetrail.example/{names}"
    key = tmp_path / "signing.pem"
    key.write_bytes(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    config = tmp_path / "casetrail.toml"
    config.write_text(f'[integrity]\norigin = "{origin}"\nsigning_key = "{key}"\n')

    published = []
    for sample in sorted(SCENARIOS.glob("*.jsonl"))[:2]:
        ingested = run(database_url, config, kafka_bootstrap, "ingest", str(sample))
        assert ingested.returncode == 0, ingested.stderr
        done = run(database_url, config, kafka_bootstrap, "checkpoint", "--publish", "--json",
                   "--out", str(tmp_path / f"{sample.stem}.txt"))
        assert done.returncode == 0, done.stderr
        document = json.loads(done.stdout)
        assert document["published"] is True
        published.append(document)

    records = [r for r in read_all(kafka_bootstrap, CHECKPOINTS_TOPIC) if r[2] == origin.encode()]
    assert [value.decode() for _, _, _, value, _ in records] == [d["note"] for d in published]
    assert len({partition for partition, *_ in records}) == 1  # one log's checkpoints stay in order
    name, public = parse_verifier_key(published[0]["key"])
    sizes = [open_note(value.decode(), name, public).size for _, _, _, value, _ in records]
    assert sizes == [d["size"] for d in published] and sizes[0] < sizes[1]
    headers = dict(records[0][4])
    assert headers["content-type"] == b"text/plain; charset=utf-8"
    assert headers["casetrail_size"] == str(sizes[0]).encode()
