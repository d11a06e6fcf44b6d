"""Checkpoints kept in the store by ``casetrail checkpoint``, on SQLite and PostgreSQL: once per size,
the latest one what ``verify --latest`` checks against, and a rewrite under a kept one refused."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from casetrail.services.checkpoints import open_note, parse_verifier_key
from casetrail.services.kept_checkpoints import shelf_of
from casetrail.services.ports import KeptCheckpoint
from tests.conftest import lines_of
from tests.test_cli import casetrail
from tests.test_log_chain import execute, ingested

__all__ = ["ingested"]  # the fixture, shared with the chain's tests


def checkpoint(url: str, config: Path, *args: str) -> dict[str, object]:
    done = casetrail("--config", str(config), "--database", url, "checkpoint", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def latest(url: str) -> KeptCheckpoint | None:
    system = bootstrap(Settings(database_url=url))
    try:
        return shelf_of(system.ingestion).latest_checkpoint()
    finally:
        system.close()


def kept_sizes(url: str) -> list[int]:
    system = bootstrap(Settings(database_url=url))
    try:
        recorder = system.ingestion.recorder
        table = "casetrail_checkpoints"
        with recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
            if url.startswith("sqlite"):
                cursor.execute(f"SELECT size FROM {table} ORDER BY size")
                return [row[0] for row in cursor.fetchall()]
            cursor.execute(f'SELECT size FROM "{recorder.datastore.schema}".{table} ORDER BY size')  # type: ignore[attr-defined]
            return [row["size"] for row in cursor.fetchall()]
    finally:
        system.close()


def test_each_checkpoint_is_kept_once_per_size_and_the_latest_is_the_largest(
        ingested: str, signing: Path, tmp_path: Path) -> None:
    first = checkpoint(ingested, signing, "--out", str(tmp_path / "a.txt"))
    again = checkpoint(ingested, signing, "--out", str(tmp_path / "b.txt"), "--by", "night-auditor")
    assert kept_sizes(ingested) == [first["size"]]
    kept = latest(ingested)
    assert kept is not None and kept.size == first["size"] and kept.made_by == "casetrail checkpoint"
    assert kept.note == first["note"] == again["note"] == (tmp_path / "a.txt").read_text()
    name, public = parse_verifier_key(kept.verifier_key)
    opened = open_note(kept.note, name, public)
    assert (opened.origin, opened.size, opened.root.hex()) == ("casetrail.example/hotels", kept.size, first["root"])

    recount = lines_of("01-overbooking-after-stop-sell.jsonl")[0].replace(b'"inv-0621"', b'"inv-0621-recount"')
    grown = casetrail("--database", ingested, "ingest", "-", stdin=recount)
    assert grown.returncode == 0, grown.stderr
    bigger = checkpoint(ingested, signing, "--out", str(tmp_path / "c.txt"), "--by", "night-auditor")
    assert kept_sizes(ingested) == [first["size"], bigger["size"]] and bigger["size"] > first["size"]  # type: ignore[operator]
    newest = latest(ingested)
    assert newest is not None and (newest.size, newest.made_by) == (bigger["size"], "night-auditor")


def test_verify_latest_checks_against_the_kept_checkpoint_and_catches_a_consistent_rewrite(
        ingested: str, signing: Path, tmp_path: Path) -> None:
    verify_latest = ["--config", str(signing), "--database", ingested, "verify", "--latest", "--json"]
    none_yet = casetrail(*verify_latest)
    assert none_yet.returncode == 1
    assert none_yet.stderr.strip() == ("casetrail: verify --latest: no checkpoint is kept yet; "
                                       "make one with `casetrail checkpoint`")
    signed = checkpoint(ingested, signing, "--out", str(tmp_path / "checkpoint.txt"))
    intact = json.loads(casetrail(*verify_latest).stdout)
    assert intact["intact"] is True and intact["checkpoint"]["size"] == signed["size"]

    # Events and chain rewritten consistently from position 40: the chain alone cannot tell.
    execute(ingested, "UPDATE stored_events SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                      "WHERE notification_id = 40" if ingested.startswith("sqlite") else
                      "UPDATE stored_events SET state = overlay(state placing '\\x5b'::bytea from 1 for 1) "
                      "WHERE notification_id = 40")
    execute(ingested, "DELETE FROM casetrail_chain WHERE position >= 40")
    system = bootstrap(Settings(database_url=ingested))
    system.ingestion.chained_log.chain_up()
    system.close()

    caught = casetrail(*verify_latest)
    assert caught.returncode == 1
    assert "not those the checkpoint signed" in json.loads(caught.stdout)["break"]["problem"]
    # Signing again would keep a second root for the same size: refused, naming the rewrite.
    refused = casetrail("--config", str(signing), "--database", ingested, "checkpoint",
                        "--out", str(tmp_path / "again.txt"))
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "the log was rewritten since" in refused.stderr and not (tmp_path / "again.txt").exists()


def test_a_latest_checkpoint_by_another_key_is_refused(ingested: str, signing: Path, tmp_path: Path) -> None:
    checkpoint(ingested, signing, "--out", str(tmp_path / "checkpoint.txt"))
    other = casetrail("key", "new", "--out", str(tmp_path / "other.pem"))
    stranger = other.stdout.strip().splitlines()[-1]
    refused = casetrail("--database", ingested, "verify", "--latest", "--key", stranger)
    assert refused.returncode == 1
    assert refused.stderr.startswith("casetrail: checkpoint: not signed by the key 'casetrail'"), refused.stderr


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def test_publish_with_no_broker_is_one_line_after_the_checkpoint_was_kept_and_written(
        ingested: str, signing: Path, tmp_path: Path) -> None:
    address = closed_port()
    out = tmp_path / "checkpoint.txt"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")},
           "CASETRAIL_KAFKA_BOOTSTRAP": address}
    done = subprocess.run([sys.executable, "-m", "casetrail", "--config", str(signing), "--database", ingested,
                           "checkpoint", "--publish", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=60, check=False)
    kept = latest(ingested)
    assert done.returncode == 1 and kept is not None
    assert done.stderr.splitlines() == [
        f"casetrail: kafka: no broker answered at {address} within 5 s; the checkpoint of {kept.size} events kept "
        f"in the store and written to {out}, but not published"]
    assert out.read_text() == kept.note


def test_scheduled_checkpoints_are_configured_in_seconds(tmp_path: Path) -> None:
    from casetrail.adapters.config_file import ConfigError, load_config

    config = tmp_path / "casetrail.toml"
    config.write_text("[integrity]\ncheckpoint_every = 300\n")
    assert load_config(str(config)).integrity.checkpoint_every == 300
    config.write_text("[integrity]\ncheckpoint_every = 0\n")
    try:
        load_config(str(config))
    except ConfigError as error:
        assert str(error) == f"config {config}, line 2: integrity.checkpoint_every: input should be greater than 0"
    else:
        raise AssertionError("a checkpoint every 0 s was accepted")
