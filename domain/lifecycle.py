"""A case's lifecycle: one state machine over its status changes, in the order they occurred.

The case aggregate checks a lead's change with it and the case report folds
with it, so the two cannot disagree. Plain data: a read needs no model of events.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Status = Literal["open", "resolved", "closed"]


@dataclass(frozen=True)
class StatusChange:
    """A case event that changes its status (``resolved``, ``reopened``, ``closed``), and where it
    falls in the case's history: when it occurred, then when it was reported, then its position."""

    change: str
    occurred_at: datetime
    reported_at: datetime
    position: int  # in the case's stream or in the log: within one case the two agree

    @property
    def order(self) -> tuple[datetime, datetime, int]:
        return (self.occurred_at, self.reported_at, self.position)


@dataclass(frozen=True)
class Lifecycle:
    status: Status = "open"
    resolved_at: datetime | None = None  # the last resolution, while the case stays resolved or closed

    def after(self, step: StatusChange) -> Lifecycle:
        """The case once ``step`` happened. A reported fact already happened, so every step applies."""
        if step.change == "resolved":
            return Lifecycle("resolved", step.occurred_at)
        if step.change == "reopened":
            return Lifecycle("open", None)
        if step.change == "closed":
            return Lifecycle("closed", self.resolved_at or step.occurred_at)
        raise ValueError(f"not a change of status: {step.change}")

    def refusal(self, change: str) -> str | None:
        """Why a lead's ``change`` makes no sense for the case as it stands, or None when it does."""
        if change == "reopened" and self.status == "open":
            return "is open already"
        if change == "resolved" and self.status != "open":
            return f"is {self.status}; reopen it first"
        if change == "closed" and self.status == "closed":
            return "is closed already"
        return None


STATUS_CHANGES = ("resolved", "reopened", "closed")


def lifecycle(steps: Iterable[StatusChange], before: StatusChange | None = None) -> Lifecycle:
    """The case's status from its status changes in the order they occurred (then were reported,
    then were stored), whatever order they arrived in; ``before``: only the steps that come before it."""
    state = Lifecycle()
    for step in sorted(steps, key=lambda s: s.order):
        if before is not None and step.order >= before.order:
            break
        state = state.after(step)
    return state
