"""Signing a checkpoint of the log and keeping it in the store, so that the latest can be served and published.

A kept copy proves little by itself: whoever can rewrite the database can rewrite this table too.
It is there to be handed out (``GET /v1/checkpoints/latest``, the ``casetrail.checkpoints`` topic,
files), and a copy held elsewhere is what catches a rewrite.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, cast

from casetrail.services.application import CasetrailApplication
from casetrail.services.checkpoints import CheckpointError, sign, verifier_key
from casetrail.services.ports import CheckpointShelf, KeptCheckpoint
from casetrail.services.verification import log_checkpoint

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def shelf_of(app: CasetrailApplication) -> CheckpointShelf:
    return cast(CheckpointShelf, app.recorder)


def sign_and_keep(app: CasetrailApplication, name: str, key: Ed25519PrivateKey, made_by: str,
                  on_read: Callable[[int], None] = lambda _: None) -> KeptCheckpoint:
    """A checkpoint of the whole log as it is now, signed and kept; the one kept before, when the log has
    not grown since (a size is kept once). A log whose first events no longer give the root kept for
    their number is refused: it was rewritten since that checkpoint."""
    checkpoint = log_checkpoint(app.chained_log, name, on_read)
    fresh = KeptCheckpoint(checkpoint.size, checkpoint.root, sign(checkpoint, name, key),
                           verifier_key(name, key.public_key()), datetime.now(UTC), made_by)
    kept = shelf_of(app).keep_checkpoint(fresh)
    if kept.root != fresh.root:
        raise CheckpointError(
            f"checkpoint: the log's {fresh.size} events have the Merkle root {base64.b64encode(fresh.root).decode()}, "
            f"but the checkpoint of {kept.size} events kept since {kept.signed_at.isoformat()} signed "
            f"{base64.b64encode(kept.root).decode()}: the log was rewritten since; `casetrail verify` names where")
    return kept
