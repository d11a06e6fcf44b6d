"""Signed checkpoints of the log: the C2SP tlog-checkpoint format in a C2SP signed note, by Ed25519.

A checkpoint names the log (its origin), how many events it held and the Merkle root over them:

    casetrail.example/hotel-group
    290348
    3q2+7w...=

    — casetrail.example/hotel-group Ab12...

The signature line carries the key's name and, in base64, the key's 4-byte hash followed by the
Ed25519 signature of the three lines above. The matching verifier key is the text
``NAME+KEYHASH+BASE64(0x01 || public key)``, which anyone can hold to check a checkpoint offline.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"  # the signed-note signature type
DASH = "\u2014"


class CheckpointError(ValueError):
    """A checkpoint or key that cannot be read, or whose signature does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw_public(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    return f"{name}+{key_hash(name, public).hex()}+{base64.b64encode(ED25519 + _raw_public(public)).decode()}"


def parse_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    try:
        name, hash_hex, encoded = text.strip().split("+", 2)  # a name never holds "+", the key may
        raw = base64.b64decode(encoded, validate=True)
        if raw[:1] != ED25519 or len(raw) != 33:
            raise ValueError("not an Ed25519 key")
        public = Ed25519PublicKey.from_public_bytes(raw[1:])
    except ValueError as error:
        raise CheckpointError(f"verifier key: not NAME+KEYHASH+KEY ({error})") from None
    if key_hash(name, public).hex() != hash_hex.lower():
        raise CheckpointError("verifier key: its key hash does not match its name and key")
    return name, public


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note: the checkpoint's body, a blank line, the signature line."""
    signature = key.sign(checkpoint.body().encode())
    stamp = base64.b64encode(key_hash(name, key.public_key()) + signature).decode()
    return f"{checkpoint.body()}\n{DASH} {name} {stamp}\n"


def open_note(note: str, name: str, public: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint a note holds, once its signature by the key ``name`` holds."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise CheckpointError("checkpoint: no blank line before its signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint: expected the origin, the size and the root hash, one a line")
    origin, size_text, root_text = lines[:3]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise CheckpointError(f"checkpoint: size {size_text[:40]!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise CheckpointError("checkpoint: the root hash is not base64") from None
    if len(root) != 32:
        raise CheckpointError("checkpoint: the root hash is not 32 bytes")
    wanted = key_hash(name, public)
    for line in signatures.splitlines():
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH or parts[1] != name:
            continue
        try:
            stamp = base64.b64decode(parts[2], validate=True)
        except ValueError:
            continue
        if stamp[:4] != wanted:
            continue
        try:
            public.verify(stamp[4:], (body + "\n").encode())
        except InvalidSignature:
            raise CheckpointError(f"checkpoint: the signature by {name!r} does not hold") from None
        return Checkpoint(origin, int(size_text), root)
    raise CheckpointError(f"checkpoint: not signed by the key {name!r}")
