"""Runs the cases' service-level clocks (docs/sla.md), behind the timeline index they read.

Each catch-up looks again at the cases whose events arrived since its tracked
position, the cases whose next warning or breach has come due (clocks move with
time, not only with events), and every case once the configured policies or
their versions change. For each it derives the clocks from the index
(``projections.sla.derive``) and hands the milestones to the case desk, which
records only those the case does not have yet: running it again, or replaying
the log, records nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from casetrail.domain.config import Config
from casetrail.projections.recorded import instant_of
from casetrail.projections.sla import derive
from casetrail.services.case_desk import CaseClocks, CaseDesk
from casetrail.services.case_queries import CaseQueries
from casetrail.services.ports import ViewStore
from casetrail.services.view_runner import TRACKING_SCHEMA, ViewRunner

NAME = "sla"
VERSION = 1
SCHEMA = [
    TRACKING_SCHEMA,
    # The moment each case with a running clock next warns or breaches, if nothing happens before.
    "CREATE TABLE IF NOT EXISTS sla_due (case_ref TEXT PRIMARY KEY, due_at TEXT NOT NULL)",
    # The policies and versions the clocks were last derived under, as JSON in one row.
    "CREATE TABLE IF NOT EXISTS sla_policies (name TEXT PRIMARY KEY, versions TEXT NOT NULL)",
]
READ_EVERY = 50_000
CASES_AT_ONCE = 200
LOOKUP_CHUNK = 400


class SlaClocks:
    def __init__(self, desk: CaseDesk, store: ViewStore, timeline: ViewRunner, config: Config,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.desk, self.store, self.timeline, self.config, self.now = desk, store, timeline, config, now
        self.cases = CaseQueries(store, config.escalation_levels)
        self.hours = config.sla.business_hours()
        self.versions = orjson.dumps({name: p.version for name, p in sorted(config.sla.policies.items())}).decode()
        with store.schema_transaction() as cursor:  # beside other processes making the same tables
            for statement in SCHEMA:
                cursor.execute(statement)
            cursor.execute("INSERT INTO casetrail_tracking VALUES (?, 0, ?) ON CONFLICT (view) DO NOTHING",
                           (NAME, VERSION))

    def position(self) -> int:
        return int(self.store.query("SELECT position FROM casetrail_tracking WHERE view = ?", (NAME,))[0][0])

    def catch_up(self) -> int:
        """Derive the clocks of the cases that may have moved; returns how many case events that recorded."""
        position, limit, now = self.position(), self.timeline.position(), self.now()
        seen = self.store.query("SELECT versions FROM sla_policies WHERE name = 'configured'")
        changed = not seen or seen[0][0] != self.versions
        if not self.config.sla.policies:
            if changed:  # the policies were all removed: the clocks recorded stay, none runs on
                self._applied([], {})
            self._move(limit)
            return 0
        if changed:
            cases = {r[0] for r in self.store.query(
                "SELECT DISTINCT case_ref FROM timeline_entries WHERE type = 'case.opened'")}
        else:
            cases = self._touched(position, limit)
            cases |= {r[0] for r in self.store.query("SELECT case_ref FROM sla_due WHERE due_at <= ?",
                                                     (instant_of(now),))}
        recorded, due = 0, {}
        ordered = sorted(cases)
        for start in range(0, len(ordered), CASES_AT_ONCE):
            found = []
            for state, own, contacts in self.cases.cases_with_contacts(ordered[start : start + CASES_AT_ONCE]):
                name = self.config.sla.policy_for(state.category, state.priority)
                if name is None:
                    continue
                policy = self.config.sla.policies[name]
                clocks = derive(own, contacts, policy, self.hours, self.config.sla.warn_at, now)
                found.append(CaseClocks(state.case_ref, name, policy.version, clocks.marks))
                if clocks.next_due is not None:
                    due[state.case_ref] = instant_of(clocks.next_due)
            recorded += self.desk.record_clocks(found)
        self._applied(ordered, due)
        self._move(limit)
        return recorded

    def _applied(self, evaluated: list[str], due: dict[str, str]) -> None:
        """Remember when the ``evaluated`` cases come due next, and the policy versions applied."""
        with self.store.transaction() as cursor:
            if self.config.sla.policies:
                cursor.executemany("DELETE FROM sla_due WHERE case_ref = ?", [(ref,) for ref in evaluated])
            else:
                cursor.execute("DELETE FROM sla_due")
            # Upserts: two processes catching up at once both find a row missing, and both write it.
            cursor.executemany("INSERT INTO sla_due VALUES (?, ?) ON CONFLICT (case_ref) DO UPDATE SET "
                               "due_at = excluded.due_at", sorted(due.items()))
            cursor.execute("INSERT INTO sla_policies VALUES ('configured', ?) ON CONFLICT (name) DO UPDATE SET "
                           "versions = excluded.versions", (self.versions,))

    def _move(self, position: int) -> None:
        with self.store.transaction() as cursor:
            # Another process may have gone further meanwhile: never move back.
            cursor.execute("UPDATE casetrail_tracking SET position = ? WHERE view = ? AND position < ?",
                           (position, NAME, position))

    def _touched(self, position: int, limit: int) -> set[str]:
        """The cases the index's entries after ``position`` name, directly or by their contacts and parties."""
        cases, contacts, parties = set[str](), set[str](), set[str]()
        for start in range(position, limit, READ_EVERY):
            for case_ref, contact_ref, party_ref, kind in self.store.query(
                    "SELECT case_ref, contact_ref, party_ref, type FROM timeline_entries "
                    "WHERE position > ? AND position <= ?", (start, min(limit, start + READ_EVERY))):
                if kind.startswith("sla."):
                    continue  # what the clocks recorded moves no clock
                cases.update(filter(None, [case_ref]))
                contacts.update(filter(None, [contact_ref]))
                parties.update(filter(None, [party_ref]))
        for column, refs in (("contact_ref", contacts), ("party_ref", parties)):
            values = sorted(refs)
            for start in range(0, len(values), LOOKUP_CHUNK):
                chunk = values[start : start + LOOKUP_CHUNK]
                cases.update(r[0] for r in self.store.query(
                    f"SELECT DISTINCT case_ref FROM timeline_entries WHERE case_ref IS NOT NULL "
                    f"AND {column} IN ({', '.join('?' * len(chunk))})", chunk))
        return cases
