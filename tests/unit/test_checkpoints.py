"""Signed checkpoints as notes: what a verifier accepts and what it refuses, without a database."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casetrail.services.checkpoints import (
    Checkpoint,
    CheckpointError,
    open_note,
    parse_verifier_key,
    sign,
    verifier_key,
)

CHECKPOINT = Checkpoint("casetrail.example/hotels", 290348, hashlib.sha256(b"root").digest())


def test_a_signed_note_opens_with_its_verifier_key_alone() -> None:
    key = Ed25519PrivateKey.generate()
    note = sign(CHECKPOINT, "casetrail.example/hotels", key)
    name, public = parse_verifier_key(verifier_key("casetrail.example/hotels", key.public_key()))
    assert open_note(note, name, public) == CHECKPOINT
    origin, size, _root, blank, signature = note.splitlines()
    assert (origin, size, blank) == ("casetrail.example/hotels", "290348", "")
    assert signature.startswith("\u2014 casetrail.example/hotels ")


@pytest.mark.parametrize("change", [("290348", "290347"), ("casetrail.example/hotels\n", "elsewhere\n")])
def test_an_altered_body_is_refused(change: tuple[str, str]) -> None:
    key = Ed25519PrivateKey.generate()
    note = sign(CHECKPOINT, "casetrail.example/hotels", key).replace(*change, 1)
    with pytest.raises(CheckpointError, match="does not hold"):
        open_note(note, "casetrail.example/hotels", key.public_key())


def test_a_note_by_another_key_or_name_is_refused() -> None:
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    note = sign(CHECKPOINT, "casetrail.example/hotels", key)
    with pytest.raises(CheckpointError, match="not signed by the key"):
        open_note(note, "casetrail.example/hotels", other.public_key())
    with pytest.raises(CheckpointError, match="not signed by the key"):
        open_note(note, "someone-else", key.public_key())


@pytest.mark.parametrize("vkey", ["", "name+00+AAAA", "name+zz+" + "A" * 44, "no-plus-signs"])
def test_a_malformed_verifier_key_is_named(vkey: str) -> None:
    with pytest.raises(CheckpointError, match="verifier key"):
        parse_verifier_key(vkey)


def test_a_verifier_key_whose_hash_does_not_match_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    _name, hash_hex, encoded = verifier_key("a", key.public_key()).split("+", 2)
    with pytest.raises(CheckpointError, match="key hash does not match"):
        parse_verifier_key(f"b+{hash_hex}+{encoded}")
