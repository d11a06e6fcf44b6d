"""Sealing a party's text: it opens only with its party's key, in its own field, unaltered."""

from __future__ import annotations

import orjson

from casetrail.domain.catalogue import CATALOGUE
from casetrail.services.personal_data import (
    ERASED,
    SEALED,
    SEALED_IN_JSON,
    UNREADABLE,
    WITHHELD,
    new_key,
    reveal,
    seal,
    seal_fields,
    unseal,
    withhold,
)

TEXT = "double charge on account"


def test_sealed_text_opens_with_its_key_and_reads_erased_without_it() -> None:
    key = new_key()
    sealed = seal(TEXT, "guest-1", "topic", key)
    assert sealed.startswith(SEALED) and TEXT not in sealed
    assert unseal(sealed, "guest-1", "topic", key) == TEXT
    assert unseal(sealed, "guest-1", "topic", None) == ERASED


def test_sealed_text_does_not_open_for_another_party_field_key_or_after_a_changed_byte() -> None:
    key = new_key()
    sealed = seal(TEXT, "guest-1", "topic", key)
    assert unseal(sealed, "guest-2", "topic", key) == UNREADABLE
    assert unseal(sealed, "guest-1", "summary", key) == UNREADABLE
    assert unseal(sealed, "guest-1", "topic", new_key()) == UNREADABLE
    changed = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    assert unseal(changed, "guest-1", "topic", key) == UNREADABLE


def test_a_stored_state_is_sealed_in_its_personal_fields_only_and_revealed_by_its_party() -> None:
    entry = CATALOGUE["contact.started"]
    state = {"provenance": {"type": "contact.started"}, "contact_ref": "K-1", "party_ref": "guest-1",
             "medium": "phone", "direction": "inbound", "topic": TEXT}
    key = new_key()
    stored = orjson.dumps(seal_fields(state, entry, "guest-1", key))
    assert SEALED_IN_JSON in stored and TEXT.encode() not in stored
    read = orjson.loads(stored)
    assert {k: v for k, v in read.items() if k != "topic"} == {k: v for k, v in state.items() if k != "topic"}
    asked: list[list[str]] = []
    reveal([read], lambda parties: asked.append(list(parties)) or {"guest-1": key})
    assert read == state and asked == [["guest-1"]]
    hidden = orjson.loads(stored)
    withhold([hidden])
    assert hidden["topic"] == WITHHELD


def test_an_erased_partys_text_is_not_kept_at_all() -> None:
    state = {"provenance": {"type": "case.opened"}, "case_ref": "ZD-1", "category": "other", "summary": TEXT,
             "party_ref": "guest-1"}
    stored = seal_fields(state, CATALOGUE["case.opened"], "guest-1", None)
    assert stored["summary"] == ERASED
