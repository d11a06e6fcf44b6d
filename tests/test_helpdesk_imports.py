"""``casetrail import zendesk | netsuite | mailbox``: helpdesk exports as the cases, effort and
factors their stories imply, on SQLite and PostgreSQL, through the command as a desk runs it.

The fixtures in tests/data/helpdesks/ are written in the formats the helpdesks document: a Zendesk
incremental ticket event export and ticket audits, NetSuite supportCase records from its REST
record service, and an mbox. member-month/ re-tells the third sample's desk through them.
"""

from __future__ import annotations

import hashlib
import json
import mailbox
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_cli import casetrail

DATA = Path(__file__).resolve().parent / "data" / "helpdesks"
CONFIG = DATA / "desk.toml"
MONTH = DATA / "member-month"
SAMPLE = Path(__file__).resolve().parents[1] / "adapters" / "samples" / "03-member-service-month.jsonl"


def run(database_url: str, *args: str, config: Path = CONFIG) -> tuple[int, Any, str]:
    result = casetrail("--database", database_url, "--config", str(config), *args)
    document = json.loads(result.stdout) if result.stdout.strip().startswith(("{", "[")) else result.stdout
    return result.returncode, document, result.stderr


def imported(database_url: str, source: str, path: Path, config: Path = CONFIG) -> dict[str, Any]:
    code, summary, stderr = run(database_url, "import", source, str(path), "--json", config=config)
    assert code == 0, stderr
    assert isinstance(summary, dict)
    return summary


def report(database_url: str, case: str) -> dict[str, Any]:
    code, document, stderr = run(database_url, "case", case, "--json")
    assert code == 0, stderr
    assert isinstance(document, dict)
    return document


def kinds(case: dict[str, Any]) -> list[str]:
    return [entry["type"] for entry in case["timeline"]]


def test_zendesk_tickets_become_cases_with_their_contacts_transfers_and_factors(database_url: str) -> None:
    events = imported(database_url, "zendesk", DATA / "zendesk-ticket-events.json")
    audits = imported(database_url, "zendesk", DATA / "zendesk-audits.json")
    assert events["records"] == 8 and events["rejected"] == events["refused"] == 0
    assert events["accepted"] == events["events"] > 0
    # What Zendesk says and casetrail has no event for is counted, not lost without a word.
    assert events["not_recorded"] == {"internal notes": 3, "Notification events": 1}
    assert audits["not_recorded"] == {"status hold": 1, "status pending": 1, "priority changes": 1,
                                      "Notification events": 1}

    transferred = report(database_url, "ZD-101")
    assert (transferred["category"], transferred["priority"], transferred["status"]) == (
        "loyalty_status", "high", "resolved")
    assert {"ZD-101-2003", "ZD-101-2012"} <= set(transferred["subjects"]["contact_refs"])
    assert transferred["subjects"]["party_refs"] == ["guest-ana"]
    moves = [e["summary"] for e in transferred["timeline"] if e["type"] == "contact.transferred"]
    assert moves == ["contact ZD-101-2012 transferred to loyalty (group changed)",
                     "contact ZD-101-2012 transferred to member_service (group changed)"]
    assert transferred["effort"]["transfers"] == 2
    holders = [e["summary"] for e in transferred["timeline"] if e["type"] == "case.assigned"]
    assert holders[-1] == "case ZD-101 assigned to member_service (zendesk-user-903)"
    loop = {(f["code"], f["department"], f["status"]) for f in transferred["factors"]}
    assert loop == {("transfer_loop", "loyalty", "proposed"), ("transfer_loop", "member_service", "proposed")}

    merged = report(database_url, "ZD-103")
    assert merged["status"] == "closed"
    assert "case ZD-103 resolved: merged into ZD-101" in [e["summary"] for e in merged["timeline"]]

    held = report(database_url, "ZD-102")
    assert (held["category"], held["status"]) == ("rate_discrepancy", "closed")
    assert held["effort"]["contacts"] == 4 and held["effort"]["transfers"] == 0
    contacts = [e["summary"] for e in held["timeline"] if e["type"] == "contact.started"]
    assert contacts == ["inbound phone contact ZD-102-3107 from zendesk-user-502",
                        "outbound email contact ZD-102-3302 to zendesk-user-502",
                        "inbound email contact ZD-102-3401 from zendesk-user-502",
                        "inbound email contact ZD-102-3601 from zendesk-user-502"]
    statuses = [k for k in kinds(held) if k in ("case.resolved", "case.reopened", "case.closed")]
    assert statuses == ["case.resolved", "case.reopened", "case.resolved", "case.closed"]


def test_netsuite_cases_become_cases_with_their_contacts_and_escalations(database_url: str) -> None:
    summary = imported(database_url, "netsuite", DATA / "netsuite-supportcases.json")
    assert (summary["records"], summary["rejected"], summary["refused"]) == (2, 0, 0)

    closed = report(database_url, "NS-4001")
    assert (closed["category"], closed["priority"], closed["status"]) == ("payment", "high", "resolved")
    assert closed["subjects"]["party_refs"] == ["guest-ana"]
    assert closed["effort"]["contacts"] == 3  # the call it came from and its two messages
    assert closed["effort"]["highest_escalation"] == "supervisor"
    assert "case NS-4001 assigned to billing (netsuite-employee-301)" in [e["summary"] for e in closed["timeline"]]

    reopened = report(database_url, "NS-4002")
    assert (reopened["category"], reopened["priority"], reopened["status"]) == ("other", "low", "open")
    assert reopened["effort"]["contacts"] == 1
    assert "case.reopened" in kinds(reopened)


def test_a_mailbox_becomes_one_contact_per_thread_with_its_forward_as_a_transfer(database_url: str) -> None:
    summary = imported(database_url, "mailbox", DATA / "desk.mbox")
    assert (summary["records"], summary["accepted"], summary["refused"]) == (7, 3, 0)
    assert summary["not_recorded"] == {"replies within a thread": 4}
    imported(database_url, "zendesk", DATA / "zendesk-ticket-events.json")

    # Ana's thread lands on her Zendesk case, which she opened the same morning.
    case = report(database_url, "ZD-101")
    thread = [e for e in case["timeline"] if e["source"] == "mail:front-desk"]
    assert [e["summary"] for e in thread] == ["inbound email contact mail-" + _thread("a1@guest.example")
                                              + " from guest-ana: Missing points",
                                              "contact mail-" + _thread("a1@guest.example")
                                              + " transferred to loyalty (forwarded)"]
    # Bo is no configured party: a hash of his address names him, never the address. The desk
    # wrote first, so the thread is outbound; his reply and the desk's answer are in it.
    bo = "party:" + hashlib.sha256(b"bo@guest.example").hexdigest()[:16]
    assert _started(database_url, "b1@hotel.example") == [(bo, "outbound", "Your stay in June")]


def _thread(message_id: str) -> str:
    return hashlib.sha256(message_id.encode()).hexdigest()[:16]


def _started(database_url: str, thread: str) -> list[tuple[str, str, str]]:
    """(party, direction, topic) of each start of the thread whose first message is ``thread``."""
    from casetrail.adapters.reading import open_reader
    from casetrail.adapters.settings import Settings

    reader = open_reader(Settings(database_url=database_url))
    try:
        rows = reader.cases.rows("contact_ref = ? AND type = 'contact.started'", [f"mail-{_thread(thread)}"])
        return [(str(r.party_ref), r.data["direction"], r.data["topic"]) for r in rows]
    finally:
        reader.close()


def test_nothing_of_a_message_but_what_its_headers_say_reaches_the_store(database_url: str) -> None:
    imported(database_url, "mailbox", DATA / "desk.mbox")
    stored = _stored_text(database_url)
    assert "Missing points" in stored
    for text in ("guest.example", "hotel.example", "My points for the June stay", "Any news?"):
        assert text not in stored


def _stored_text(database_url: str) -> str:
    from casetrail.adapters.reading import open_reader
    from casetrail.adapters.settings import Settings

    reader = open_reader(Settings(database_url=database_url))
    try:
        return "\n".join(str(row) for row in reader.cases.rows("1 = 1", []))
    finally:
        reader.close()


def test_importing_an_export_again_or_an_overlapping_one_changes_nothing(database_url: str, tmp_path: Path) -> None:
    first = {source: imported(database_url, source, path) for source, path in (
        ("zendesk", DATA / "zendesk-ticket-events.json"), ("netsuite", DATA / "netsuite-supportcases.json"),
        ("mailbox", DATA / "desk.mbox"))}
    before = {case: _without_recorded(report(database_url, case)) for case in ("ZD-101", "ZD-103", "NS-4001")}
    for source, path in (("zendesk", DATA / "zendesk-ticket-events.json"),
                         ("netsuite", DATA / "netsuite-supportcases.json"), ("mailbox", DATA / "desk.mbox")):
        again = imported(database_url, source, path)
        assert (again["accepted"], again["rejected"]) == (0, 0)
        assert again["duplicates"] + again["seen_before"] == first[source]["accepted"]

    # A later incremental export starts after ticket 101 was created, and holds one update more:
    # the requester writes again after the solve, which reopens the ticket.
    export = json.loads((DATA / "zendesk-ticket-events.json").read_text())
    later = [record for record in export["ticket_events"] if record["created_at"] >= "2024-06-03T09:00:00Z"]
    later.append({"id": 2060, "ticket_id": 101, "timestamp": 1717430400, "created_at": "2024-06-03T16:00:00Z",
                  "updater_id": 501, "via": "Mail", "event_type": "Audit", "merged_ticket_ids": [], "child_events": [
                      {"id": 2061, "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
                       "type": "Comment", "author_id": 501, "public": True, "body": "Still missing.",
                       "event_type": "Comment"},
                      {"id": 2062, "via": "Mail", "status": "open", "previous_value": "solved",
                       "event_type": "Change"}]})
    overlapping = tmp_path / "ticket_events-later.json"
    overlapping.write_text(json.dumps({"ticket_events": later, "end_of_stream": True}))
    told = imported(database_url, "zendesk", overlapping)
    assert (told["accepted"], told["rejected"]) == (2, 0)
    assert told["duplicates"] == told["events"] - 2
    case = report(database_url, "ZD-101")
    assert case["status"] == "open"
    written = next(e for e in case["timeline"] if e["id"] == "2060-2061")
    # Told against what the store knew: the requester's (inbound), to the group holding the ticket.
    assert (written["summary"], written["department"]) == ("inbound email contact ZD-101-2061 from guest-ana",
                                                           "member_service")

    # A mailbox exported again without its first message: its thread is the one already started.
    shorter = tmp_path / "later.mbox"
    box = mailbox.mbox(str(DATA / "desk.mbox"))
    kept = mailbox.mbox(str(shorter))
    for message in list(box)[1:]:
        kept.add(message)
    kept.flush()
    again = imported(database_url, "mailbox", shorter)
    assert (again["accepted"], again["rejected"]) == (0, 0)
    assert again["not_recorded"]["first messages of threads started by an earlier import"] == 1
    assert _without_recorded(report(database_url, "NS-4001")) == before["NS-4001"]
    assert _without_recorded(report(database_url, "ZD-103")) == before["ZD-103"]


def _without_recorded(case: dict[str, Any]) -> dict[str, Any]:
    for entry in case["timeline"]:
        entry.pop("recorded_at")
    return case


def test_a_broken_file_names_its_first_bad_record_and_keeps_the_valid_ones(database_url: str, tmp_path: Path) -> None:
    code, _, stderr = run(database_url, "import", "zendesk", str(DATA / "zendesk-audits-broken.json"))
    assert code == 1
    reason = ("zendesk-audits-broken.json: record 3 (audit 3003): events[2].type 'Foo' is not a Zendesk audit "
              "event type this import knows")
    said = [line for line in stderr.splitlines() if line.startswith("casetrail:")]
    assert said == [f"casetrail: {reason}; kept with the reasons (casetrail rejects), the valid records stored"]
    assert "Traceback" not in stderr
    assert report(database_url, "ZD-102")["status"] == "closed"  # the rest of that audit, and the others
    code, rejects, _ = run(database_url, "rejects", "--json")
    assert [r["reason"] for r in rejects] == [reason]
    assert json.loads(rejects[0]["raw"]) == {"id": 3303, "type": "Foo", "value": "something new"}

    # Told ticket by ticket, named in file order: ticket 101 comes first, its bad update last.
    export = json.loads((DATA / "zendesk-ticket-events.json").read_text())
    export["ticket_events"][4]["child_events"].append({"id": 1, "event_type": "Bar"})
    export["ticket_events"][1]["child_events"].append({"id": 2, "event_type": "Baz"})
    two_bad = tmp_path / "ticket_events.json"
    two_bad.write_text(json.dumps(export))
    code, _, stderr = run(database_url, "import", "zendesk", str(two_bad))
    assert code == 1
    assert ("casetrail: ticket_events.json: record 2 (audit 2005001): child_events[6].event_type 'Baz' is not a "
            "Zendesk audit event type this import knows (2 refused in all)") in stderr

    cases = json.loads((DATA / "netsuite-supportcases.json").read_text())
    del cases["items"][1]["caseNumber"]
    broken = tmp_path / "supportcases.json"
    broken.write_text(json.dumps(cases))
    code, _, stderr = run(database_url, "import", "netsuite", str(broken))
    assert code == 1 and "Traceback" not in stderr
    assert "casetrail: supportcases.json: record 2 (case 89): caseNumber None is missing or not a case number" in stderr
    assert report(database_url, "NS-4001")["status"] == "resolved"

    text = (DATA / "desk.mbox").read_text()
    without_id = tmp_path / "desk.mbox"
    without_id.write_text(text.replace("Message-ID: <a2@hotel.example>\n", "", 1))
    code, _, stderr = run(database_url, "import", "mailbox", str(without_id))
    assert code == 1 and "Traceback" not in stderr
    assert "casetrail: desk.mbox: record 2: Message-ID header is missing or not <id@host>" in stderr


def test_a_file_that_is_not_the_export_named_is_refused_whole(database_url: str, tmp_path: Path) -> None:
    tickets = tmp_path / "tickets.json"
    tickets.write_text(json.dumps({"tickets": [{"id": 1}]}))
    not_json = tmp_path / "cases.json"
    not_json.write_text("caseNumber,title\n4001,x\n")
    for source, path, said in (
            ("zendesk", tickets, "tickets.json: not a Zendesk export: no 'ticket_events' or 'audits' list"),
            ("netsuite", not_json, "cases.json: line 1: not JSON"),
            ("mailbox", DATA / "desk.toml", "desk.toml: not an mbox file: it does not begin with a 'From ' line"),
            ("mailbox", tmp_path, f"{tmp_path.name}: not a Maildir: it has no cur, new and tmp folders"),
            ("zendesk", tmp_path / "missing.json", "missing.json: no such file")):
        code, _, stderr = run(database_url, "import", source, str(path))
        assert code == 1, stderr
        assert said in stderr and "Traceback" not in stderr and len(stderr.splitlines()) == 1


def test_a_maildir_reads_as_its_mbox_does(database_url: str, tmp_path: Path) -> None:
    folder = mailbox.Maildir(str(tmp_path / "desk"), create=True)
    for message in mailbox.mbox(str(DATA / "desk.mbox")):
        folder.add(message)
    summary = imported(database_url, "mailbox", tmp_path / "desk")
    assert (summary["records"], summary["accepted"], summary["rejected"]) == (7, 3, 0)
    assert imported(database_url, "mailbox", DATA / "desk.mbox")["duplicates"] == 3


def test_the_member_service_month_retold_through_the_importers_gives_the_same_top_six(
        database_url: str, sqlite_url: str, tmp_path: Path) -> None:
    config = MONTH / "member-desk.toml"
    for source, path in (("zendesk", MONTH / "zendesk-ticket-events.json"),
                         ("netsuite", MONTH / "netsuite-supportcases.json"), ("mailbox", MONTH / "member-desk.mbox")):
        summary = imported(database_url, source, path, config=config)
        assert summary["rejected"] == summary["refused"] == 0
    as_sample = f"sqlite:///{tmp_path / 'sample.db'}"
    result = casetrail("--database", as_sample, "ingest", "--backfill", str(SAMPLE))
    assert result.returncode == 0, result.stderr

    def top(url: str) -> list[tuple[str, int]]:
        code, document, stderr = run(url, "report", "top-issues", "--from", "2024-06-01", "--to", "2024-06-30",
                                     "--json", config=config)
        assert code == 0, stderr
        return [(row["category"], row["count"]) for row in document["top"]]

    assert top(database_url) == top(as_sample) == [
        ("rate_discrepancy", 9), ("complimentary_night", 8), ("loyalty_status", 7), ("retro_claim", 6),
        ("loyalty_merge", 5), ("website", 4)]

    # Case by case, the desk's own exports tell what the hand-written events told.
    def cases(url: str) -> dict[str, tuple[str, str, str]]:
        code, listed, stderr = run(url, "cases", "--json", config=config)
        assert code == 0, stderr
        return {c["case_ref"]: (c["category"], c["status"], c["priority"]) for c in listed}

    assert cases(database_url) == cases(as_sample)
    emailed = report(database_url, "MS-1041")
    assert [e["summary"] for e in emailed["timeline"] if e["type"] == "contact.started"] == [
        "inbound email contact mail-" + _thread("MS-1041-c@members.example") + " from member-210: website"]


def test_a_helpdesk_map_to_a_category_no_one_configured_is_refused(sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "desk.toml"
    config.write_text('[helpdesks.zendesk]\ntags = { "loyalty-points" = "loyality" }\n')
    code, _, stderr = run(sqlite_url, "import", "zendesk", str(DATA / "zendesk-audits.json"), config=config)
    assert code == 1
    assert stderr.strip() == (f"casetrail: config {config}: helpdesks: zendesk.tags: 'loyalty-points' maps to "
                              "'loyality', which is not a configured category")


def test_an_import_shows_its_progress_at_a_terminal_and_only_there(sqlite_url: str) -> None:
    export = MONTH / "zendesk-ticket-events.json"
    args = [sys.executable, "-m", "casetrail", "--database", sqlite_url, "--config", str(MONTH / "member-desk.toml"),
            "import", "zendesk", str(export)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    terminal, attached = pty.openpty()
    running = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=attached, env=env)
    os.close(attached)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        shown += chunk
    assert running.wait(timeout=120) == 0
    assert running.stdout is not None and running.stdout.read().startswith(b"51 records, 94 events")
    assert b"reading zendesk-ticket-events.json" in shown and b"storing events" in shown and b"/94" in shown
    piped = casetrail("--database", sqlite_url, "--config", str(MONTH / "member-desk.toml"), "import", "zendesk",
                      str(export))
    assert piped.returncode == 0 and piped.stderr == ""
