"""Personal data sealed per party, so that erasing a party is destroying one key.

The free text an event holds about the party it names (the catalogue's ``personal`` fields) is
stored encrypted with that party's own key (AES-256-GCM, ``cryptography``). The hash chain
covers the ciphertext: destroying the key (``casetrail erase``) leaves every stored byte, and so
the chain and every checkpoint, as it was, while the text can no longer be read by anyone.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:  # a read that meets nothing sealed does without the domain's models and the cipher
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from casetrail.domain.catalogue import EventType

# Inbound text holds no C0 control character, so no input can look sealed.
SEALED = "\x01sealed:v1:"
# How a sealed value begins inside stored JSON: a stored state without it has nothing to open.
SEALED_IN_JSON = orjson.dumps(SEALED)[1:-1]
# What a sealed field reads as once its party's key is destroyed.
ERASED = "[erased]"
# What it reads as if its ciphertext does not open with its party's key (a changed byte, which
# ``casetrail verify`` also names): reads go on, and say so.
UNREADABLE = "[unreadable]"
# What it reads as to a reader who may not see personal data.
WITHHELD = "[withheld]"
NONCE_BYTES = 12

# Each party named with a key, or None once erased; a party not in it has no key yet.
Keys = Mapping[str, bytes | None]
KeyLookup = Callable[[Sequence[str]], Keys]



@cache
def personal_types() -> dict[str, EventType]:
    """The event types that hold personal fields, by name."""
    from casetrail.domain.catalogue import CATALOGUE

    return {name: entry for name, entry in CATALOGUE.items() if entry.personal}


def new_key() -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM.generate_key(bit_length=256)


def _bound(party: str, field: str) -> bytes:
    # Binds the ciphertext to its party and field: moved to another field or party, it does not open.
    return f"{party}\x1f{field}".encode()


@lru_cache(maxsize=4096)
def _cipher(key: bytes) -> AESGCM:
    # Made once per key: a party's events come in runs, and making one costs as much as a seal.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def seal(text: str, party: str, field: str, key: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(key).encrypt(nonce, text.encode(), _bound(party, field))
    return SEALED + base64.b64encode(nonce + sealed).decode()


def unseal(value: str, party: str, field: str, key: bytes | None) -> str:
    from cryptography.exceptions import InvalidTag

    if key is None:
        return ERASED
    try:
        raw = base64.b64decode(value[len(SEALED):], validate=True)
        return _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _bound(party, field)).decode()
    except (InvalidTag, ValueError):
        return UNREADABLE


def party_of(entry: EventType, data: Mapping[str, Any]) -> str | None:
    """The party whose key seals an event's personal fields: the one its data names."""
    named = entry.subjects.party
    party = data.get(named) if named else None
    return party if isinstance(party, str) else None


def to_seal(entry: EventType, data: object) -> str | None:
    """The party an inbound event's personal fields are sealed for (``data`` is its model), if it holds any."""
    if not entry.personal or not any(getattr(data, name, None) for name in entry.personal):
        return None
    party = getattr(data, entry.subjects.party or "", None)
    return party if isinstance(party, str) else None


def seal_fields(fields: Mapping[str, Any], entry: EventType, party: str, key: bytes | None) -> dict[str, Any]:
    """An event's fields with the personal ones sealed for ``party``; with no key (the party is
    erased), they are not kept at all."""
    sealed = dict(fields)
    for name in entry.personal:
        if isinstance(sealed.get(name), str):
            sealed[name] = seal(sealed[name], party, name, key) if key is not None else ERASED
    return sealed


def sealed_party(state: Mapping[str, Any]) -> str | None:
    """The party whose key opens a stored state's sealed fields, if it holds any."""
    provenance = state.get("provenance")
    entry = personal_types().get(provenance.get("type", "")) if isinstance(provenance, dict) else None
    if entry is None or not any(_is_sealed(state.get(name)) for name in entry.personal):
        return None
    return party_of(entry, state)


def reveal(states: Iterable[dict[str, Any]], lookup: KeyLookup) -> None:
    """Open the sealed fields of ``states`` in place, looking their parties' keys up at once;
    an erased party's fields read ``ERASED``."""
    sealed = [(state, party) for state in states if (party := sealed_party(state)) is not None]
    if not sealed:
        return
    keys = lookup(sorted({party for _, party in sealed}))
    for state, party in sealed:
        entry = personal_types()[state["provenance"]["type"]]
        for name in entry.personal:
            if _is_sealed(state.get(name)):
                state[name] = unseal(state[name], party, name, keys.get(party))


def withhold(states: Iterable[dict[str, Any]]) -> None:
    """Replace the sealed fields of ``states`` in place by ``WITHHELD``, unread."""
    for state in states:
        if sealed_party(state) is not None:
            for name in personal_types()[state["provenance"]["type"]].personal:
                if _is_sealed(state.get(name)):
                    state[name] = WITHHELD


def withheld_summary(kind: str, data: Mapping[str, Any], summary: str) -> str:
    """A timeline entry's summary as a reader who may not see personal data reads it."""
    entry = personal_types().get(kind)
    if entry is None or not any(data.get(name) for name in entry.personal):
        return summary
    return entry.summary({**data, **{name: WITHHELD for name in entry.personal if data.get(name)}})


def _is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED)
