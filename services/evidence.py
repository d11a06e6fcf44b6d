"""Evidence as a lead names it: ``SOURCE#ID``, the idempotency key of the event that shows it."""

from __future__ import annotations

from collections.abc import Sequence

from casetrail.domain.values import quote


def evidence_refs(items: Sequence[str], name: str) -> list[tuple[str, str]]:
    """``(source, id)`` of each ``SOURCE#ID``; ``name`` is what the input is called where it came from."""
    refs = []
    for item in items:
        source, _, event_id = item.rpartition("#")
        if not source or not event_id:
            raise ValueError(f"{name}: {quote(item)} is not SOURCE#ID, e.g. pms:seaside#fo-311")
        refs.append((source, event_id))
    return refs
