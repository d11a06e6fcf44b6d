"""Escalation levels: the order in which a case or a contact climbs them.

The configuration lists a case's levels, lowest first; a contact's own levels
(supervisor, manager, executive) are these defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

DEFAULT_LEVELS = ("supervisor", "manager", "executive")


def rank(level: str, configured: Sequence[str] = DEFAULT_LEVELS) -> int:
    """How high ``level`` is: its place in the configured order, or in the defaults when the
    configuration does not list it; 0 for a level neither knows."""
    order = configured if level in configured else DEFAULT_LEVELS
    return order.index(level) + 1 if level in order else 0
