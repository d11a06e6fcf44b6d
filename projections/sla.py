"""A case's service-level clocks, derived from its timeline rows (docs/sla.md).

A pure function of the case's own rows and the contacts linked to it, like the
detectors' ``detect``: the same rows, policy and hours give the same milestones
whatever order the events arrived in. A milestone that lies after ``now`` (a
warning or a breach still to come) is not given; the moment of the first such
one is, so that the runner looks again then.

- Every clock starts when the case opened, or at its first inbound contact if that came first.
- First reply: stops at the first outbound contact from then on.
- Next reply: each inbound contact after a reply, while none is running, starts one; the next
  outbound contact stops it.
- Resolution: pauses at each outbound contact (the desk waits on the customer) until the party's
  next inbound contact; a resolution stops it, a reopening resumes it.
- A resolution also stops a reply clock still running: the customer has the desk's answer.
Time is counted in the desk's business hours. A clock breaches when its business time reaches the
target while it runs, and warns when it reaches ``warn_at`` of the target before that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from casetrail.domain.business_hours import BusinessHours, add_business_time, business_time
from casetrail.domain.config import SLA_METRICS, SlaMetric, SlaPolicy
from casetrail.projections.case_report import Row
from casetrail.projections.findings import Evidence, key
from casetrail.projections.recorded import moment_of

KINDS = ("activated", "paused", "resumed", "warning", "fulfilled", "breached")


@dataclass(frozen=True)
class Mark:
    """One milestone of one clock: recorded as the case event ``sla.<kind>``."""

    kind: str
    metric: SlaMetric
    cycle: int
    occurrence: int  # the n-th milestone of this kind of this clock (a clock may pause many times)
    at: datetime
    known_at: datetime  # when the rows it rests on had all been reported
    target: timedelta
    elapsed: timedelta
    department: str  # holding the case at the milestone
    evidence: tuple[Evidence, ...]  # the rows that started, paused, resumed or stopped the clock so far
    due: datetime | None = None  # a warning's: when the clock breaches if it keeps running


@dataclass(frozen=True)
class Clocks:
    marks: tuple[Mark, ...]
    next_due: datetime | None  # when a warning or breach comes due if nothing else happens


@dataclass
class _Clock:
    metric: SlaMetric
    cycle: int
    target: timedelta
    warn_after: timedelta
    running_since: datetime | None = None
    elapsed: timedelta = timedelta()
    stopped: bool = False
    warned: bool = False
    breached: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)


def derive(case_rows: list[Row], contact_rows: list[Row], policy: SlaPolicy, hours: BusinessHours,
           warn_at: float, now: datetime) -> Clocks:
    """The milestones of the case's clocks under ``policy`` up to ``now``."""
    case_rows = sorted(case_rows, key=lambda r: r.order)
    opening = next((r for r in case_rows if r.type == "case.opened"), None)
    if opening is None:
        return Clocks((), None)
    started = sorted((r for r in contact_rows if r.type == "contact.started"), key=lambda r: r.order)
    first_inbound = next((r for r in started if r.data["direction"] == "inbound"), None)
    start_row = first_inbound if first_inbound is not None and first_inbound.order < opening.order else opening
    holder = _Holder(case_rows, started)
    events = sorted([r for r in started if r.order >= start_row.order]
                    + [r for r in case_rows if r.type in ("case.resolved", "case.reopened", "case.closed")
                       and r.order >= start_row.order], key=lambda r: r.order)
    derivation = _Derivation(policy, hours, warn_at, now, holder)
    begin = moment_of(start_row.occurred_at)
    derivation.known = moment_of(start_row.reported_at)
    for metric in ("first_reply", "resolution"):
        derivation.activate(metric, 1, begin, start_row)
    resolved = replied = False
    for row in events:
        at = derivation.advance(moment_of(row.occurred_at), row)
        if at is None:
            break  # past ``now``: not known yet
        outbound = row.type == "contact.started" and row.data["direction"] == "outbound"
        inbound = row.type == "contact.started" and not outbound
        if row.type in ("case.resolved", "case.closed"):
            if not resolved:
                resolved = True
                for clock in derivation.running():
                    derivation.stop(clock, at, row)
                derivation.stop_paused("resolution", at, row)
        elif row.type == "case.reopened":
            if resolved:
                resolved = False
                derivation.resume("resolution", at, row)
        elif resolved:
            continue  # contacts about a resolved case move no clock until it is reopened
        elif outbound:
            replied = True
            for clock in derivation.running():
                if clock.metric == "resolution":
                    derivation.pause(clock, at, row)
                else:
                    derivation.stop(clock, at, row)
        elif inbound:
            derivation.resume("resolution", at, row, only_paused=True)
            if replied and not any(c.metric == "next_reply" for c in derivation.running()):
                derivation.activate("next_reply", len(derivation.clocks.get("next_reply", [])) + 1, at, row)
    derivation.advance(now, None)
    return Clocks(tuple(sorted(derivation.marks, key=lambda m: (m.at, SLA_METRICS.index(m.metric), m.cycle,
                                                                KINDS.index(m.kind)))),
                  derivation.next_due)


class _Holder:
    """The department holding the case at a moment: the last assignment before it, else the first
    contact's department, else the department that opened the case."""

    def __init__(self, case_rows: list[Row], started: list[Row]) -> None:
        self.assignments = [(moment_of(r.occurred_at), r.data["department"]) for r in case_rows
                            if r.type == "case.assigned"]
        opening = next(r for r in case_rows if r.type == "case.opened")
        self.first = started[0].department if started else opening.department

    def at(self, moment: datetime) -> str:
        held = [department for at, department in self.assignments if at <= moment]
        return held[-1] if held else self.first


class _Derivation:
    def __init__(self, policy: SlaPolicy, hours: BusinessHours, warn_at: float, now: datetime,
                 holder: _Holder) -> None:
        self.policy, self.hours, self.warn_at, self.now, self.holder = policy, hours, warn_at, now, holder
        self.clocks: dict[SlaMetric, list[_Clock]] = {}
        self.marks: list[Mark] = []
        self.next_due: datetime | None = None
        self.known = now

    def running(self) -> list[_Clock]:
        return [c for clocks in self.clocks.values() for c in clocks if c.running_since is not None]

    def activate(self, metric: SlaMetric, cycle: int, at: datetime, row: Row) -> None:
        minutes = self.policy.target_minutes(metric)
        if minutes is None:
            return
        target = timedelta(minutes=minutes)
        clock = _Clock(metric, cycle, target, target * self.warn_at, running_since=at, evidence=[key(row)])
        self.clocks.setdefault(metric, []).append(clock)
        self._mark(clock, "activated", at)

    def pause(self, clock: _Clock, at: datetime, row: Row) -> None:
        self._count_until(clock, at)
        clock.running_since = None
        clock.evidence.append(key(row))
        self._mark(clock, "paused", at)

    def resume(self, metric: SlaMetric, at: datetime, row: Row, only_paused: bool = False) -> None:
        clock = self.clocks.get(metric, [None])[-1]
        if clock is None or clock.running_since is not None or (only_paused and clock.stopped):
            return
        clock.running_since, clock.stopped = at, False
        clock.evidence.append(key(row))
        self._mark(clock, "resumed", at)

    def stop(self, clock: _Clock, at: datetime, row: Row) -> None:
        self._count_until(clock, at)
        clock.running_since, clock.stopped = None, True
        clock.evidence.append(key(row))
        self._mark(clock, "fulfilled", at)

    def stop_paused(self, metric: SlaMetric, at: datetime, row: Row) -> None:
        """A resolution stops a paused resolution clock too."""
        clock = self.clocks.get(metric, [None])[-1]
        if clock is not None and clock.running_since is None and not clock.stopped:
            clock.stopped = True
            clock.evidence.append(key(row))
            self._mark(clock, "fulfilled", at)

    def advance(self, to: datetime, row: Row | None) -> datetime | None:
        """Give the warnings and breaches the running clocks reach before ``to`` (or ``now``, whichever
        is earlier); ``to`` itself, or None when it lies past ``now``."""
        until = min(to, self.now)
        for clock in self.running():
            for kind, threshold, done in (("warning", clock.warn_after, clock.warned or clock.breached),
                                          ("breached", clock.target, clock.breached)):
                if done:
                    continue
                assert clock.running_since is not None
                due = add_business_time(self.hours, clock.running_since, threshold - clock.elapsed)
                if due is None:
                    continue
                if due < until or (row is None and due <= until):
                    setattr(clock, "warned" if kind == "warning" else "breached", True)
                    elapsed = clock.elapsed + business_time(self.hours, clock.running_since, due)
                    breach = (add_business_time(self.hours, clock.running_since, clock.target - clock.elapsed)
                              if kind == "warning" else None)
                    self._mark(clock, kind, due, elapsed, breach)
                elif row is None and (self.next_due is None or due < self.next_due):
                    self.next_due = due
        if row is not None:
            self.known = max(self.known, moment_of(row.reported_at))
        return to if to <= self.now else None

    def _count_until(self, clock: _Clock, at: datetime) -> None:
        if clock.running_since is not None:
            clock.elapsed += business_time(self.hours, clock.running_since, at)

    def _mark(self, clock: _Clock, kind: str, at: datetime, elapsed: timedelta | None = None,
              due: datetime | None = None) -> None:
        if elapsed is None:
            elapsed = clock.elapsed + (business_time(self.hours, clock.running_since, at)
                                       if clock.running_since is not None and kind != "activated" else timedelta())
        clock.counts[kind] = clock.counts.get(kind, 0) + 1
        self.marks.append(Mark(kind, clock.metric, clock.cycle, clock.counts[kind], at, max(at, self.known),
                               clock.target, elapsed, self.holder.at(at), tuple(clock.evidence), due))


@dataclass(frozen=True)
class Outcome:
    """Where one clock stands by its recorded milestones: what the reports count."""

    policy: str
    version: int
    metric: str
    cycle: int
    status: str  # met, breached, running or paused
    started_at: str
    ended_at: str | None  # when it was met, or breached
    warned_at: str | None
    due_at: str | None
    department: str
    elapsed_seconds: int
    target_seconds: int


def outcomes(sla_rows: list[Row]) -> list[Outcome]:
    """The clocks of one case under its latest policy version: the one whose milestones were
    recorded last (a new version is recorded beside the old, after it)."""
    if not sla_rows:
        return []
    groups: dict[tuple[str, int], list[Row]] = {}
    for row in sorted(sla_rows, key=lambda r: r.position):
        groups.setdefault((row.data["policy"], row.data["policy_version"]), []).append(row)
    latest = max(groups.values(), key=lambda rows: rows[0].position)
    clocks: dict[tuple[str, int], list[Row]] = {}
    for row in sorted(latest, key=lambda r: r.order):
        clocks.setdefault((row.data["metric"], row.data["cycle"]), []).append(row)
    found = []
    for (metric, cycle), rows in sorted(clocks.items(), key=lambda c: (SLA_METRICS.index(c[0][0]), c[0][1])):
        kinds = {r.type.removeprefix("sla."): r for r in rows}  # the last of each kind
        moves = [r for r in rows if r.type in ("sla.activated", "sla.paused", "sla.resumed", "sla.fulfilled")]
        breach, warning = kinds.get("breached"), kinds.get("warning")
        last = moves[-1].type.removeprefix("sla.") if moves else "activated"
        status = ("breached" if breach else "met" if last == "fulfilled" else
                  "paused" if last == "paused" else "running")
        ended = breach or (kinds["fulfilled"] if status == "met" else None)
        data = rows[-1].data
        found.append(Outcome(data["policy"], data["policy_version"], metric, cycle, status, rows[0].occurred_at,
                             ended.occurred_at if ended else None, warning.occurred_at if warning else None,
                             warning.data.get("due_at") if warning else None,
                             (ended or rows[-1]).data["department"], data["elapsed_seconds"], data["target_seconds"]))
    return found
