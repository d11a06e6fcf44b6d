"""``casetrail verify`` on real stores: the chain written with the events, and each kind of tampering
with the stored rows caught at its position, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.conftest import POSTGRES, SCENARIOS
from tests.test_cli import casetrail

RELEASE_STORE = Path(__file__).resolve().parent / "data" / "release-0.1.0" / "store.sqlite3"


def execute(url: str, sql: str) -> None:
    """Tampering behind casetrail's back, with the database's own client."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(sql.replace("notification_id", "rowid"))
        return
    sql = sql.replace("stored_events", "casetrail_events")
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        conn.execute(sql)  # type: ignore[call-overload]


def count_rows(url: str) -> int:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with psycopg.connect(POSTGRES) as conn:
        found = conn.execute(f'SELECT count(*) FROM "{schema}".casetrail_events').fetchone()
        assert found is not None
        return int(found[0])


def swap_rows(url: str, first: int, second: int) -> None:
    """Exchange the topic and state of two positions: each stream keeps its ids, the log its length."""
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            rows = {n: conn.execute("SELECT topic, state FROM stored_events WHERE rowid = ?", (n,)).fetchone()
                    for n in (first, second)}
            for here, there in ((first, second), (second, first)):
                conn.execute("UPDATE stored_events SET topic = ?, state = ? WHERE rowid = ?", (*rows[there], here))
        return
    schema = parse_qs(urlsplit(url).query)["schema"][0]
    with psycopg.connect(POSTGRES) as conn:
        table = f'"{schema}".casetrail_events'
        rows = {n: conn.execute(f"SELECT topic, state FROM {table} WHERE notification_id = %s",  # type: ignore[call-overload]
                                (n,)).fetchone() for n in (first, second)}
        for here, there in ((first, second), (second, first)):
            conn.execute(f"UPDATE {table} SET topic = %s, state = %s WHERE notification_id = %s",  # type: ignore[call-overload]
                         (*rows[there], here))


def verify(url: str) -> dict[str, object]:
    done = casetrail("--database", url, "verify", "--json")
    document = json.loads(done.stdout)
    assert done.returncode == (0 if document["intact"] else 1), done.stderr
    return document  # type: ignore[no-any-return]


@pytest.fixture
def ingested(database_url: str) -> str:
    done = casetrail("--database", database_url, "ingest", *map(str, sorted(SCENARIOS.glob("*.jsonl"))))
    assert done.returncode == 0, done.stderr
    return database_url


def test_the_events_of_every_sample_are_chained_as_they_are_stored(ingested: str) -> None:
    found = verify(ingested)
    assert found["intact"] is True and found["break"] is None
    # The ingestion's events and the detectors' case events, written by another application: every row.
    assert found["checked"] == count_rows(ingested) > 100
    text = casetrail("--database", ingested, "verify")
    assert text.returncode == 0 and text.stdout.startswith("the log is intact:"), text.stderr


TAMPERING: dict[str, tuple[Callable[[str], str], int, str]] = {
    "one byte of one state": (lambda t: f"UPDATE {t} SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                                        f"WHERE notification_id = 40", 40, "stored bytes differ"),
    "a row deleted": (lambda t: f"DELETE FROM {t} WHERE notification_id = 25", 25, "no event"),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=str)
def test_tampering_with_a_stored_row_is_named_at_its_position(ingested: str, tampering: str) -> None:
    statement, position, problem = TAMPERING[tampering]
    sql = statement("stored_events")
    if ingested.startswith("postgres"):
        sql = sql.replace("CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB)",
                          "overlay(state placing '\\x5b'::bytea from 1 for 1)")
    execute(ingested, sql)
    found = verify(ingested)
    assert found["intact"] is False
    assert found["break"]["position"] == position, found  # type: ignore[index]
    assert problem in found["break"]["problem"]  # type: ignore[index]
    assert found["checked"] == position - 1


def test_two_swapped_rows_break_at_the_first_of_them(ingested: str) -> None:
    swap_rows(ingested, 30, 31)
    found = verify(ingested)
    assert found["break"] == {"position": 30, "problem": found["break"]["problem"]}  # type: ignore[index]
    assert "moved" in found["break"]["problem"] and found["checked"] == 29  # type: ignore[index]


def test_a_row_added_behind_casetrails_back_is_named(ingested: str) -> None:
    execute(ingested, "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
                      "SELECT originator_id, originator_version + 1000, topic, state FROM stored_events "
                      "WHERE notification_id = 3")
    found = verify(ingested)
    last = found["checked"]
    assert found["intact"] is False and found["break"]["position"] == last + 1  # type: ignore[index,operator]
    assert "no link" in found["break"]["problem"]  # type: ignore[index]


def test_a_store_written_before_the_chain_is_linked_by_replay_and_then_verifies(tmp_path: Path) -> None:
    shutil.copy(RELEASE_STORE, tmp_path / "store.sqlite3")
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    before = verify(url)
    assert before["intact"] is False and before["break"]["position"] == 1  # type: ignore[index]
    assert "casetrail replay" in before["break"]["problem"]  # type: ignore[index]
    assert casetrail("--database", url, "replay").returncode == 0
    assert verify(url)["intact"] is True


def checkpoint(url: str, config: Path, out: Path) -> dict[str, object]:
    done = casetrail("--config", str(config), "--database", url, "checkpoint", "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_a_consistent_rewrite_of_events_and_chain_is_caught_only_with_a_checkpoint(
        ingested: str, signing: Path, tmp_path: Path) -> None:
    signed = checkpoint(ingested, signing, tmp_path / "checkpoint.txt")
    assert signed["size"] == count_rows(ingested)
    with_checkpoint = ["--config", str(signing), "--database", ingested, "verify", "--checkpoint",
                       str(tmp_path / "checkpoint.txt"), "--json"]
    assert json.loads(casetrail(*with_checkpoint).stdout)["intact"] is True

    # Whoever can write the database alters position 60 and relinks the chain from there.
    execute(ingested, "UPDATE stored_events SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                      "WHERE notification_id = 60" if ingested.startswith("sqlite") else
                      "UPDATE stored_events SET state = overlay(state placing '\\x5b'::bytea from 1 for 1) "
                      "WHERE notification_id = 60")
    execute(ingested, "DELETE FROM casetrail_chain WHERE position >= 60")
    system = bootstrap(Settings(database_url=ingested))
    system.ingestion.chained_log.chain_up()
    system.close()
    assert verify(ingested)["intact"] is True  # the chain alone cannot tell

    caught = casetrail(*with_checkpoint)
    assert caught.returncode == 1
    found = json.loads(caught.stdout)
    assert found["intact"] is False and "not those the checkpoint signed" in found["break"]["problem"]


def test_a_checkpoint_the_log_no_longer_reaches_is_caught(ingested: str, signing: Path, tmp_path: Path) -> None:
    checkpoint(ingested, signing, tmp_path / "checkpoint.txt")
    last = count_rows(ingested)
    execute(ingested, f"DELETE FROM stored_events WHERE notification_id >= {last - 2}")
    execute(ingested, f"DELETE FROM casetrail_chain WHERE position >= {last - 2}")
    assert verify(ingested)["intact"] is True
    caught = casetrail("--config", str(signing), "--database", ingested, "verify", "--checkpoint",
                       str(tmp_path / "checkpoint.txt"), "--json")
    assert caught.returncode == 1 and "fewer than" in json.loads(caught.stdout)["break"]["problem"]


def test_a_checkpoint_signed_by_another_key_or_altered_is_refused(ingested: str, signing: Path,
                                                                  tmp_path: Path) -> None:
    signed = checkpoint(ingested, signing, tmp_path / "checkpoint.txt")
    other = tmp_path / "other"
    other.mkdir()
    made = casetrail("key", "new", "--out", str(other / "signing.pem"))
    other_key = made.stdout.strip().splitlines()[-1]
    refused = casetrail("--database", ingested, "verify", "--checkpoint", str(tmp_path / "checkpoint.txt"),
                        "--key", other_key)
    assert refused.returncode == 1
    assert refused.stderr.startswith("casetrail: checkpoint: not signed by the key"), refused.stderr

    note = (tmp_path / "checkpoint.txt").read_text()
    size = str(signed["size"])
    (tmp_path / "altered.txt").write_text(note.replace(f"\n{size}\n", f"\n{int(size) - 1}\n", 1))
    altered = casetrail("--config", str(signing), "--database", ingested, "verify", "--checkpoint",
                        str(tmp_path / "altered.txt"))
    assert altered.returncode == 1 and "does not hold" in altered.stderr, altered.stderr


def test_checkpoint_without_a_configured_key_says_how_to_make_one(ingested: str) -> None:
    done = casetrail("--database", ingested, "checkpoint")
    assert done.returncode == 1
    assert done.stderr == ("casetrail: integrity.signing_key: not configured; make one with "
                           "`casetrail key new --out FILE`\n")


def test_key_new_prints_its_configuration_and_never_overwrites_a_key(tmp_path: Path) -> None:
    made = casetrail("key", "new", "--out", str(tmp_path / "signing.pem"))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "signing.pem").stat().st_mode & 0o777 == 0o600
    lines = made.stdout.splitlines()
    start = lines.index("[integrity]")
    assert lines[start:start + 3] == ["[integrity]", 'origin = "casetrail"', f'signing_key = "{tmp_path / "signing.pem"}"']
    assert lines[-1].startswith("casetrail+")
    again = casetrail("key", "new", "--out", str(tmp_path / "signing.pem"))
    assert again.returncode == 1 and "File exists" in again.stderr, again.stderr
