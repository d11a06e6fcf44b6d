"""``casetrail erase``: a party's personal data made unreadable for good, while the log, its
chain, its checkpoints and every report still hold.

Erasing destroys the party's sealing key (``services.personal_data``) and purges the rejected
inputs that name the party, leaving a tombstone; it records a ``party.erased`` event with who
and why; then it writes again the timeline rows that held the party's text, and compacts the
tables, so no copy of the text is left in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from casetrail.domain import ids
from casetrail.domain.party import Party
from casetrail.projections.recorded import Recorded, instant_of
from casetrail.projections.timeline import COLUMNS, entry_row
from casetrail.services.application import CasetrailApplication, retrying
from casetrail.services.case_desk import own_facts
from casetrail.services.personal_data import personal_types, reveal
from casetrail.services.ports import Erasure, ViewStore
from casetrail.services.view_runner import decode_state

# The tables that held plaintext: compacted afterwards, so no freed page keeps a copy.
COMPACTED = ["timeline_entries", "casetrail_rejects"]

SUMMARY, DETAILS = COLUMNS.index("summary"), COLUMNS.index("details")


@dataclass(frozen=True)
class ErasureOutcome:
    party: str
    first_time: bool  # False: the party was erased before; its erasure event stands
    purged_rejects: int
    rewritten_entries: int
    compacted: bool  # False: freed pages may still hold the text; erase again when the store is quiet


class PartyErasure(CasetrailApplication):
    def erase(self, store: ViewStore, party: str, by: str, reason: str, role: str = "admin") -> ErasureOutcome:
        """Erase ``party``'s personal data. Safe to run again: a run stopped half way is finished."""
        erasure = Erasure(party, by, reason, datetime.now(UTC))
        purged = self.ledger.erase_party(erasure)
        first_time = retrying(lambda: self._record_erasure(erasure, role))
        rewritten = self._rewrite_timeline(store, party)
        return ErasureOutcome(party, first_time, purged, rewritten, store.compact(COMPACTED))

    def _record_erasure(self, erasure: Erasure, role: str) -> bool:
        stream_id = ids.party_id(erasure.party)
        if stream_id in self.current_streams({stream_id}):
            return False
        at = instant_of(erasure.at)
        party = Party.record(None, stream_id, Party.Erased, party_ref=erasure.party, reason=erasure.reason,
                             provenance=own_facts(f"{erasure.party}:erased", "party.erased", at, at, erasure.by,
                                                  erasure.reason, role=role))
        self.save(party)
        return True

    def _rewrite_timeline(self, store: ViewStore, party: str) -> int:
        """The timeline rows of the party's sealed events, computed again now that they read erased."""
        types = sorted(personal_types())
        positions = [int(row[0]) for row in store.query(
            f"SELECT position FROM timeline_entries WHERE party_ref = ? AND type IN ({', '.join('?' * len(types))})",
            (party, *types))]
        rows = []
        for position in positions:
            for at, topic, state in self.ledger.select_states(position - 1, position, 1):
                recorded = Recorded(at, decode_state(topic, state))
                reveal([recorded.state], self.ledger.party_keys)
                row = entry_row(recorded)
                if row is not None:
                    rows.append((row[SUMMARY], row[DETAILS], row[0], row[1]))
        if rows:
            with store.transaction() as cursor:
                cursor.executemany("UPDATE timeline_entries SET summary = ?, details = ? "
                                   "WHERE source = ? AND source_id = ?", rows)
        return len(rows)
