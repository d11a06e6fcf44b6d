"""The reports' read model: one row per case with what the reports count, its
factors, and the subjects that link later events back to it.

It follows the log behind the timeline index. For each batch it finds the
cases the batch's events touch (their own events, and the bookings, contacts
and parties they name) and writes those cases' rows again from their case
reports, in the transaction that moves its position. A row is a function of
the case report as the index holds it, so a replay rebuilds the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from casetrail.projections.case_report import CaseState, Row, effort
from casetrail.projections.recorded import Recorded, instant, moment_of
from casetrail.projections.view import View
from casetrail.services.case_queries import AROUND_CASE, CaseQueries
from casetrail.services.ports import ViewCursor

# Bump when a row is computed differently: the view is then rebuilt from the log.
# 2: counts and hold time are 64-bit, so sums of values inside the inbound limits fit.
VERSION = 2
NAME = "reports"
TABLES = ["report_cases", "report_factors", "report_subjects"]
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS report_cases ("
    "case_ref TEXT PRIMARY KEY, category TEXT, priority TEXT NOT NULL, status TEXT NOT NULL, "
    "opened_at TEXT NOT NULL, resolved_at TEXT, holder TEXT, first_contact TEXT, contacts BIGINT NOT NULL, "
    "transfers BIGINT NOT NULL, hold_seconds BIGINT NOT NULL, first_contact_resolution INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS report_factors ("
    "case_ref TEXT NOT NULL, code TEXT NOT NULL, department TEXT NOT NULL, subject TEXT NOT NULL, "
    "status TEXT NOT NULL, PRIMARY KEY (case_ref, code, department, subject))",
    "CREATE TABLE IF NOT EXISTS report_subjects ("
    "kind TEXT NOT NULL, ref TEXT NOT NULL, case_ref TEXT NOT NULL, PRIMARY KEY (kind, ref, case_ref))",
    # Kept while rebuilding too: every case is written again, and first deleted, many times.
    "CREATE INDEX IF NOT EXISTS report_subjects_by_case ON report_subjects (case_ref)",
]
# The subjects an event may name, and the kind each is filed under (parties apart: see _touched).
SUBJECT_FIELDS = {"booking_ref": "booking", "contact_ref": "contact"}
LOOKUP_CHUNK = 400
# Cases whose rows are written again from one read of their reports. A party's service case
# comes with every contact of the party: 100 of them at once were the peak of a long stream.
CASES_AT_ONCE = 25


def report_view(queries: CaseQueries) -> View:
    def write(cursor: Any, batch: Sequence[Recorded]) -> None:
        _write_cases(cursor, queries, sorted(_touched(cursor, batch)))

    return View(name=NAME, version=VERSION, schema=SCHEMA, tables=TABLES, write=write)


def _touched(cursor: ViewCursor, batch: Sequence[Recorded]) -> set[str]:
    cases: set[str] = set()
    named: dict[str, set[str]] = {"booking": set(), "contact": set()}
    parties: dict[str, list[datetime]] = {}  # when the batch's events naming each party occurred
    for recorded in batch:
        facts, state = recorded.provenance, recorded.state
        if facts is None:
            continue
        if state.get("case_ref"):
            cases.add(state["case_ref"])
        for field, kind in SUBJECT_FIELDS.items():
            if state.get(field):
                named[kind].add(state[field])
        party = state.get("party_ref") or state.get("guest_ref")
        if party:
            parties.setdefault(party, []).append(moment_of(instant(facts["occurred_at"])))
    for kind, refs in sorted(named.items()):
        for chunk in _chunks(sorted(refs)):
            cursor.execute(f"SELECT case_ref FROM report_subjects WHERE kind = ? AND ref IN ({_marks(chunk)})",
                           [kind, *chunk])
            cases.update(row[0] for row in cursor.fetchall())
    # A party's event belongs to its cases opened within a day of it, as on the case report.
    for chunk in _chunks(sorted(parties)):
        cursor.execute("SELECT s.ref, s.case_ref, c.opened_at FROM report_subjects s JOIN report_cases c "
                       f"ON c.case_ref = s.case_ref WHERE s.kind = 'party' AND s.ref IN ({_marks(chunk)})", chunk)
        cases.update(case_ref for party, case_ref, opened_at in cursor.fetchall()
                     if any(abs(moment_of(opened_at) - at) <= AROUND_CASE for at in parties[party]))
    return cases


def _chunks(values: list[str]) -> list[list[str]]:
    return [values[start : start + LOOKUP_CHUNK] for start in range(0, len(values), LOOKUP_CHUNK)]


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _write_cases(cursor: ViewCursor, queries: CaseQueries, case_refs: list[str]) -> None:
    for table in TABLES:
        cursor.executemany(f"DELETE FROM {table} WHERE case_ref = ?", [(ref,) for ref in case_refs])
    # Read a few cases at a time: the evidence of a batch's overbooking cases, read at once,
    # was 100 of a 162 MB peak on a store of 400,000 events.
    for start in range(0, len(case_refs), CASES_AT_ONCE):
        # A case whose opening has not arrived yet has no row; it gets one when the opening does.
        found = queries.cases_with_contacts(case_refs[start : start + CASES_AT_ONCE])
        cursor.executemany("INSERT INTO report_cases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           [_case_row(state, own, contacts) for state, own, contacts in found])
        cursor.executemany("INSERT INTO report_factors VALUES (?, ?, ?, ?, ?)",
                           [(state.case_ref, f["code"], f["department"], f.get("subject", ""), f["status"])
                            for state, _, _ in found for f in state.factor_list()])
        cursor.executemany("INSERT INTO report_subjects VALUES (?, ?, ?)",
                           [(kind, ref, state.case_ref) for state, _, contacts in found
                            for kind, refs in _subjects(state, contacts) for ref in sorted(refs)])


def _subjects(state: CaseState, contacts: list[Row]) -> list[tuple[str, set[str]]]:
    """Where later events about the case will point: its bookings, parties and contacts."""
    return [("booking", state.booking_refs), ("party", state.party_refs),
            ("contact", {r.contact_ref for r in contacts if r.contact_ref})]


def _case_row(state: CaseState, own: list[Row], contacts: list[Row]) -> tuple[Any, ...]:
    """What the reports count of one case, as its case report (``casetrail case``) shows it."""
    opening = min((r for r in own if r.type == "case.opened"), key=lambda r: r.order)
    first_contact = min((r for r in contacts if r.type == "contact.started"), key=lambda r: r.order, default=None)
    spent = effort(contacts, own)
    return (state.case_ref, state.category, state.priority, state.status, state.opened_at, state.resolved_at,
            state.holder or opening.department, first_contact.department if first_contact else None,
            spent["contacts"], spent["transfers"], spent["hold_seconds"], int(spent["first_contact_resolution"]))
