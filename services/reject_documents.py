"""A rejected input as JSON (spec ``cases-v1.md``): ``casetrail rejects --json`` and ``GET /v1/rejects``."""

from __future__ import annotations

import base64
from datetime import UTC
from typing import Any

from casetrail.services.ports import RejectedInput


def reject_document(reject: RejectedInput) -> dict[str, Any]:
    document: dict[str, Any] = {
        "received_at": reject.received_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "entrance": reject.entrance,
        "reason": reject.reason,
        "raw": reject.raw.decode("utf-8", "replace"),
    }
    try:
        reject.raw.decode("utf-8")
    except UnicodeDecodeError:
        # The text above replaced what was not UTF-8; these are the exact bytes.
        document["raw_base64"] = base64.b64encode(reject.raw).decode()
    return document
