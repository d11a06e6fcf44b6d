"""The key table of per-party sealing (``services.personal_data``), in the same SQL on both stores.

A party's row is made with the first event that seals something for it and kept for good:
erasure destroys the key but leaves the row, marked erased, so no key is ever made again for
that party and its later text is not kept either.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from casetrail.services.personal_data import new_key
from casetrail.services.ports import Erasure

TABLE = "casetrail_party_keys"
CHUNK = 400


def create_statement(table: str) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {table} (party TEXT PRIMARY KEY, key TEXT, created_at TEXT NOT NULL, "
            "erased_at TEXT, erased_by TEXT, reason TEXT)")


class PartyKeyTable:
    """``mark`` is the store's placeholder; ``holds_bytes`` its test of whether ``raw`` holds a parameter's bytes."""

    def __init__(self, table: str, rejects_table: str, mark: str, holds_bytes: str) -> None:
        self._table, self._rejects, self._mark, self._holds = table, rejects_table, mark, holds_bytes

    def keys(self, cursor: Any, parties: Sequence[str], create: bool) -> dict[str, bytes | None]:
        """Each of ``parties`` that has a row: its key, or None once erased. ``create`` first makes a
        key for each that has none; when two writers make one at once, the first one's stands."""
        found: dict[str, bytes | None] = {}
        mark = self._mark
        for start in range(0, len(parties), CHUNK):
            chunk = list(parties[start:start + CHUNK])
            if create:
                made = datetime.now(UTC).isoformat()
                cursor.executemany(f"INSERT INTO {self._table} (party, key, created_at) VALUES ({mark}, {mark}, {mark}) "
                                   "ON CONFLICT (party) DO NOTHING",
                                   [(party, base64.b64encode(new_key()).decode(), made) for party in chunk])
            cursor.execute(f"SELECT party, key FROM {self._table} WHERE party IN ({', '.join([mark] * len(chunk))})",
                           chunk)
            found.update((party, base64.b64decode(key) if key else None) for party, key in _tuples(cursor))
        return found

    def erase(self, cursor: Any, erasure: Erasure) -> int:
        """Destroy the party's key and purge the rejected inputs naming it, each replaced by a
        tombstone that says so; returns how many were purged."""
        mark, at = self._mark, erasure.at.isoformat()
        cursor.execute(f"INSERT INTO {self._table} (party, key, created_at, erased_at, erased_by, reason) "
                       f"VALUES ({mark}, NULL, {mark}, {mark}, {mark}, {mark}) ON CONFLICT (party) DO UPDATE SET "
                       # Erased again: the first erasure's who, when and why stand.
                       f"key = NULL, erased_at = COALESCE({self._table}.erased_at, excluded.erased_at), "
                       f"erased_by = COALESCE({self._table}.erased_by, excluded.erased_by), "
                       f"reason = COALESCE({self._table}.reason, excluded.reason)", (erasure.party, at, at, erasure.by, erasure.reason))
        tombstone = (f"purged: this input named party {erasure.party}, whose personal data {erasure.by} erased "
                     f"at {at}")
        named = _quoted(erasure.party)
        cursor.execute(f"SELECT count(*) FROM {self._rejects} WHERE {self._holds}", (named,))
        purged = int(_tuples(cursor)[0][0])
        cursor.execute(f"UPDATE {self._rejects} SET raw = {mark}, raw_hash = 'purged:' || position, reason = {mark} "
                       f"WHERE {self._holds}", (b"", tombstone, named))
        return purged


def _quoted(party: str) -> bytes:
    # As JSON writes it: "guest-17" is not found inside "guest-170".
    return json.dumps(party).encode()


def _tuples(cursor: Any) -> list[tuple[Any, ...]]:
    # The PostgreSQL recorder's cursors give rows as dicts.
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in cursor.fetchall()]
