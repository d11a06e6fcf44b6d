"""The deployment's signing key of checkpoints and evidence packs, as the configuration names it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from casetrail.adapters.config_file import load_config

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def load_signing_key(config_path: str | None) -> tuple[str, Ed25519PrivateKey]:
    """The configured log name and signing key; a missing or wrong key says how to make one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from casetrail.services.checkpoints import CheckpointError

    integrity = load_config(config_path).integrity
    if integrity.signing_key is None:
        raise CheckpointError("integrity.signing_key: not configured; make one with `casetrail key new --out FILE`")
    try:
        key = load_pem_private_key(Path(integrity.signing_key).read_bytes(), password=None)
    except ValueError:
        raise CheckpointError(f"integrity.signing_key: {integrity.signing_key} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"integrity.signing_key: {integrity.signing_key} is not an Ed25519 key")
    return integrity.origin, key
