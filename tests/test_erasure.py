"""``casetrail erase`` on real stores: the party's personal text sealed before it is chained, and
after erasure unreadable everywhere in the database, while every case, report and ``verify`` holds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psycopg

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.conftest import POSTGRES, SCENARIOS, lines_of
from tests.test_cli import casetrail

PARTY = "cust-3307"  # the customer of the twenty contacts, whose topics are free text
TOPIC = "double charge on account"
TWENTY_CONTACTS = "04-twenty-contacts-nine-weeks.jsonl"
# Rejected (an unknown medium), and naming the party and its text: purged by the erasure.
REJECTED = json.dumps({"specversion": "1.0", "id": "pbx-bad-1", "source": "phone:pbx", "type": "contact.started",
                       "time": "2010-03-02T09:30:00-05:00", "data": {
                           "contact_ref": "K-99", "party_ref": PARTY, "medium": "pigeon", "direction": "inbound",
                           "topic": TOPIC}})
# Another party's rejected line, which the erasure leaves alone.
OTHER_REJECTED = REJECTED.replace(PARTY, f"{PARTY}0").replace("pbx-bad-1", "pbx-bad-2").replace(TOPIC, "a lost key")


def stored_text(url: str) -> list[str]:
    """Every value of every table, as text: what someone reading the database would find."""
    values: list[Any] = []
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for table in tables:
                values += [value for row in conn.execute(f'SELECT * FROM "{table}"') for value in row]
        # And the file's bytes, freed pages included.
        path = Path(url.removeprefix("sqlite:///"))
        values += [p.read_bytes() for p in path.parent.glob(path.name + "*")]
    else:
        schema = parse_qs(urlsplit(url).query)["schema"][0]
        with psycopg.connect(POSTGRES) as conn:
            tables = [row[0] for row in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,))]
            for table in tables:
                values += [value for row in conn.execute(f'SELECT * FROM "{schema}"."{table}"')  # type: ignore[call-overload]
                           for value in row]
    return [value.decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else str(value)
            for value in (bytes(v) if isinstance(v, memoryview) else v for v in values)]


def holds(url: str, text: str) -> bool:
    return any(text in value for value in stored_text(url))


def json_of(*args: str) -> Any:
    result = casetrail(*args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_erasure_leaves_no_plaintext_and_every_case_report_and_the_chain_hold(database_url: str, tmp_path: Path) -> None:
    db = ("--database", database_url)
    for path in sorted(SCENARIOS.glob("*.jsonl")):
        assert casetrail(*db, "ingest", str(path)).returncode == 0
    rejects = tmp_path / "rejects.jsonl"
    rejects.write_text(f"{REJECTED}\n{OTHER_REJECTED}\n")
    assert casetrail(*db, "ingest", str(rejects)).returncode == 3
    case = next(c for c in json_of(*db, "cases", "--json") if c["category"] == "service_complaint")
    before = json_of(*db, "case", case["case_ref"], "--json")
    assert any(TOPIC in entry["summary"] for entry in before["timeline"])
    assert holds(database_url, TOPIC)  # in the timeline and the rejects, so the search below can fail

    erased = json_of(*db, "erase", PARTY, "--by", "dpo-1", "--reason", "erasure request R-77", "--json")

    assert erased == {"party_ref": PARTY, "first_time": True, "purged_rejects": 1, "rewritten_entries": 20, "compacted": True}
    assert not holds(database_url, TOPIC)
    assert holds(database_url, f'"party_ref": "{PARTY}0", "medium": "pigeon"')  # another party's reject is kept whole
    verified = casetrail(*db, "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    after = json_of(*db, "case", case["case_ref"], "--json")
    assert after["subjects"]["erased_party_refs"] == [PARTY]
    assert [e["summary"].replace(TOPIC, "[erased]") for e in before["timeline"]] == [
        e["summary"] for e in after["timeline"]]
    assert after["effort"] == before["effort"] and after["factors"] == before["factors"]
    system = bootstrap(Settings(database_url=database_url))
    try:  # every case and report still folds (in process: one interpreter for them all)
        for listed in system.cases.list_cases():
            assert system.cases.case_report(listed["case_ref"])["case_ref"] == listed["case_ref"]
        for name in ("weekly", "monthly", "top-issues", "outstanding", "departments"):
            assert system.reports.report(name)["report"] == name
    finally:
        system.close()
    rejected = casetrail(*db, "rejects", "--json")
    assert "purged: this input named party cust-3307" in rejected.stdout
    # A rebuild reads the same, and the erasure itself is on the log, with who and why.
    assert casetrail(*db, "replay").returncode == 0
    assert json_of(*db, "case", case["case_ref"], "--json")["timeline"] == after["timeline"]
    assert not holds(database_url, TOPIC)
    system = bootstrap(Settings(database_url=database_url))
    try:
        rows = system.view_store.query("SELECT actor, summary FROM timeline_entries WHERE type = 'party.erased'")
    finally:
        system.close()
    assert rows == [("dpo-1", f"the personal data of {PARTY} was erased (erasure request R-77)")]


def test_personal_text_is_stored_sealed_and_a_second_erasure_changes_nothing(database_url: str) -> None:
    db = ("--database", database_url)
    assert casetrail(*db, "ingest", str(SCENARIOS / TWENTY_CONTACTS)).returncode == 0
    system = bootstrap(Settings(database_url=database_url))
    try:
        states = [state for _, _, state in system.ingestion.ledger.select_states(0, 10**9, 10_000)]
    finally:
        system.close()
    assert not any(TOPIC.encode() in state for state in states)  # the chain covers the ciphertext only
    assert sum(b"\\u0001sealed:v1:" in state for state in states) == sum(
        b'"topic"' in line for line in lines_of(TWENTY_CONTACTS))

    assert json_of(*db, "erase", PARTY, "--by", "dpo-1", "--reason", "R-77", "--json")["first_time"] is True
    again = json_of(*db, "erase", PARTY, "--by", "dpo-2", "--reason", "R-78", "--json")
    assert again == {"party_ref": PARTY, "first_time": False, "purged_rejects": 0, "rewritten_entries": 20, "compacted": True}
    system = bootstrap(Settings(database_url=database_url))
    try:
        assert system.view_store.query("SELECT count(*) FROM timeline_entries WHERE type = 'party.erased'") == [(1,)]
    finally:
        system.close()


def test_text_about_an_erased_party_arriving_later_is_not_kept(database_url: str, tmp_path: Path) -> None:
    db = ("--database", database_url)
    assert casetrail(*db, "ingest", str(SCENARIOS / "01-overbooking-after-stop-sell.jsonl")).returncode == 0
    assert casetrail(*db, "erase", PARTY, "--by", "dpo-1", "--reason", "R-77").returncode == 0
    assert casetrail(*db, "ingest", str(SCENARIOS / TWENTY_CONTACTS)).returncode == 0
    assert not holds(database_url, TOPIC)
    case = next(c for c in json_of(*db, "cases", "--json") if c["category"] == "service_complaint")
    report = json_of(*db, "case", case["case_ref"], "--json")
    assert report["effort"]["contacts"] == 20
    assert "from cust-3307: [erased]" in report["timeline"][0]["summary"]


def test_two_writers_making_a_party_key_at_once_share_the_first(database_url: str) -> None:
    first, second = (bootstrap(Settings(database_url=database_url)) for _ in range(2))
    try:
        made = first.ingestion.ledger.party_keys(["guest-1"], create=True)
        again = second.ingestion.ledger.party_keys(["guest-1", "guest-2"], create=True)
        assert again["guest-1"] == made["guest-1"] and len(made["guest-1"] or b"") == 32
        assert first.ingestion.ledger.party_keys(["guest-2", "guest-3"]) == {"guest-2": again["guest-2"]}
    finally:
        first.close()
        second.close()
