"""The case desk: what detectors and leads do to cases, recorded as events.

A detector's findings are applied idempotently: the case of an incident is
opened once, a subject linked once, a factor proposed once, however often the
finding comes back. A lead's confirmation, rejection or added factor is an
event with who, when and why.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson

from casetrail.domain import ids
from casetrail.domain.case import Case, EvidenceRef, link_names
from casetrail.domain.errors import CaseNotFound
from casetrail.domain.model import Aggregate, Provenance
from casetrail.projections.findings import Finding
from casetrail.projections.recorded import instant_of, moment_of, rfc3339
from casetrail.projections.sla import Mark
from casetrail.services.application import CasetrailApplication, retrying

SOURCE = "casetrail"
LIFECYCLE: dict[str, type[Case.Fact]] = {
    "assigned": Case.Assigned, "escalated": Case.Escalated, "resolved": Case.Resolved,
    "reopened": Case.Reopened, "closed": Case.Closed,
}


SLA_MARKS: dict[str, type[Case.SlaMarked]] = {
    "activated": Case.SlaActivated, "paused": Case.SlaPaused, "resumed": Case.SlaResumed,
    "warning": Case.SlaWarned, "fulfilled": Case.SlaFulfilled, "breached": Case.SlaBreached,
}
SLA_FACTOR = "sla_breached"


@dataclass(frozen=True)
class CaseClocks:
    """The milestones a case's clocks reached under one version of one policy."""

    case_ref: str
    policy: str
    version: int
    marks: tuple[Mark, ...]


# Cases whose findings are applied in one transaction: each is read back whole first, and
# a case with a long history holds many events (2,000 at once peaked at 226 MB, 200 at 82 MB).
CASES_AT_ONCE = 200


def _by_case_chunks(findings: list[Finding], cases: int) -> list[list[Finding]]:
    """``findings``, in their order, cut into runs of at most ``cases`` cases. A case whose findings
    are not side by side may land in two runs; each run reads the case again, so both apply."""
    chunks: list[list[Finding]] = []
    refs: set[str] = set()
    for finding in findings:
        if finding.case_ref not in refs and len(refs) == cases:
            refs = set()
        if not refs:
            chunks.append([])
        refs.add(finding.case_ref)
        chunks[-1].append(finding)
    return chunks


class CaseDesk(CasetrailApplication):
    def record_findings(self, findings: list[Finding]) -> int:
        """Apply findings to their cases; returns how many events that recorded.

        Cases are read and written ``CASES_AT_ONCE`` at a time, in the order of their openings:
        a large backlog touches many cases with long histories, and memory follows the chunk.
        """
        ordered = sorted(findings, key=lambda f: (f.opened_at, f.case_ref))
        recorded = 0
        for chunk in _by_case_chunks(ordered, CASES_AT_ONCE):
            recorded += retrying(partial(self._record_findings, chunk))
        return recorded

    def _record_findings(self, findings: list[Finding]) -> int:
        streams = self.current_streams({ids.case_id(f.case_ref) for f in findings})
        changed: dict[uuid.UUID, Aggregate] = {}
        for finding in findings:
            case_id = ids.case_id(finding.case_ref)
            case = streams.get(case_id)
            if case is None and finding.existing_case_ref:
                continue  # the case it belongs to is not known (yet); a later run will find it
            case = self._apply(finding, case)  # type: ignore[arg-type]  # the streams of case ids are cases
            streams[case_id] = changed[case_id] = case
        events = [event for aggregate in changed.values() for event in aggregate.collect_events()]
        self.events.put(events)
        return len(events)

    def _apply(self, finding: Finding, case: Case | None) -> Case:
        actor = f"detector:{finding.detector}"
        ref = finding.case_ref
        if case is None:
            case = Case.record(None, ids.case_id(ref), Case.Opened, case_ref=ref, category=finding.category,
                               summary=finding.summary, priority=finding.priority,
                               provenance=own_facts(f"{ref}:opened", "case.opened", finding.opened_at, finding.known_at,
                                                 actor, {"summary": finding.summary}))
        evidence = [EvidenceRef(source=s, id=i) for s, i in finding.evidence]
        wanted = link_names(list(finding.booking_refs), list(finding.party_refs), list(finding.contact_refs), evidence)
        if not wanted <= case.linked:
            new = sorted(wanted - case.linked)
            Case.record(case, case.id, Case.Linked, case_ref=ref,
                        booking_refs=_named("booking", new), party_refs=_named("party", new),
                        contact_refs=_named("contact", new),
                        evidence=[EvidenceRef(source=n.split("#")[0], id=n.split("#", 1)[1])
                                  for n in _named("event", new)],
                        provenance=own_facts(f"{ref}:linked:{_digest(new)}", "case.linked", finding.opened_at,
                                          finding.known_at, actor, new))
        for factor in sorted(finding.factors, key=lambda f: (f.at, f.code, f.department, f.subject)):
            if (factor.code, factor.department, factor.subject) in case.factors:
                continue
            Case.record(case, case.id, Case.FactorProposed, case_ref=ref, code=factor.code,
                        department=factor.department, subject=factor.subject, explanation=factor.explanation,
                        evidence=[EvidenceRef(source=s, id=i) for s, i in factor.evidence],
                        provenance=own_facts(":".join(filter(None, [ref, "factor", factor.code, factor.department,
                                                                      factor.subject])),
                                          "case.factor_proposed", factor.at, factor.known_at or finding.known_at,
                                          actor, factor.explanation))
        return case

    def record_clocks(self, clocks: list[CaseClocks]) -> int:
        """Record the milestones of cases' clocks that the cases do not have yet, and propose
        ``sla_breached`` for each breach; returns how many events that recorded."""
        recorded = 0
        for start in range(0, len(clocks), CASES_AT_ONCE):
            recorded += retrying(partial(self._record_clocks, clocks[start : start + CASES_AT_ONCE]))
        return recorded

    def _record_clocks(self, clocks: list[CaseClocks]) -> int:
        streams = self.current_streams({ids.case_id(c.case_ref) for c in clocks})
        changed: dict[uuid.UUID, Case] = {}
        for case_clocks in clocks:
            case = streams.get(ids.case_id(case_clocks.case_ref))
            if isinstance(case, Case):
                for mark in case_clocks.marks:
                    if self._mark(case, case_clocks, mark):
                        changed[case.id] = case
        events = [event for aggregate in changed.values() for event in aggregate.collect_events()]
        self.events.put(events)
        return len(events)

    def _mark(self, case: Case, clocks: CaseClocks, mark: Mark) -> bool:
        ref, kind = clocks.case_ref, f"sla.{mark.kind}"
        event_id = f"{ref}:sla:{clocks.policy}:v{clocks.version}:{mark.metric}:{mark.cycle}:{mark.kind}:{mark.occurrence}"
        if event_id in case.sla_marks:
            return False
        at, known = instant_of(mark.at), instant_of(mark.known_at)
        fields = {"policy": clocks.policy, "policy_version": clocks.version, "metric": mark.metric,
                  "cycle": mark.cycle, "target_seconds": int(mark.target.total_seconds()),
                  "elapsed_seconds": int(mark.elapsed.total_seconds()), "department": mark.department,
                  **({"due_at": rfc3339(instant_of(mark.due))} if mark.due else {})}
        Case.record(case, case.id, SLA_MARKS[mark.kind], case_ref=ref, **fields,
                    provenance=own_facts(event_id, kind, at, known, "detector:sla", fields))
        subject = f"{mark.metric}:{mark.cycle}"
        if mark.kind == "breached" and (SLA_FACTOR, mark.department, subject) not in case.factors:
            clock = mark.metric.replace("_", " ") + (f" {mark.cycle}" if mark.metric == "next_reply" else "")
            explanation = (f"the {clock} target of {int(mark.target.total_seconds()) // 60} business minutes "
                           f"({clocks.policy} v{clocks.version}) passed while {mark.department} held the case")
            Case.record(case, case.id, Case.FactorProposed, case_ref=ref, code=SLA_FACTOR, department=mark.department,
                        subject=subject, explanation=explanation,
                        evidence=[EvidenceRef(source=s, id=i) for s, i in mark.evidence],
                        provenance=own_facts(f"{ref}:factor:{SLA_FACTOR}:{mark.department}:{subject}",
                                             "case.factor_proposed", at, known, "detector:sla", explanation))
        return True

    def decide(self, case_ref: str, code: str, confirm: bool, by: str, rationale: str,
               department: str | None = None, subject: str | None = None, role: str = "lead") -> None:
        retrying(lambda: self._decide(case_ref, code, confirm, by, rationale, department, subject, role))

    def _decide(self, case_ref: str, code: str, confirm: bool, by: str, rationale: str,
                department: str | None, subject: str | None, role: str) -> None:
        case = self._case(case_ref)
        factor_code, factor_department, factor_subject = case.check_one_factor_named(code, department, subject)
        event_class = Case.FactorConfirmed if confirm else Case.FactorRejected
        kind = "case.factor_confirmed" if confirm else "case.factor_rejected"
        now = _now()
        Case.record(case, case.id, event_class, case_ref=case_ref, code=factor_code, department=factor_department,
                    subject=factor_subject, rationale=rationale,
                    provenance=own_facts(str(uuid.uuid4()), kind, now, now, by, rationale, role=role))
        self.save(case)

    def add_factor(self, case_ref: str, code: str, department: str, explanation: str,
                   evidence: list[tuple[str, str]], by: str, role: str = "lead") -> None:
        retrying(lambda: self._add_factor(case_ref, code, department, explanation, evidence, by, role))

    def _add_factor(self, case_ref: str, code: str, department: str, explanation: str,
                    evidence: list[tuple[str, str]], by: str, role: str) -> None:
        case = self._case(case_ref)
        case.check_factor_is_new(code, department)
        now = _now()
        Case.record(case, case.id, Case.FactorAdded, case_ref=case_ref, code=code, department=department,
                    explanation=explanation, evidence=[EvidenceRef(source=s, id=i) for s, i in evidence],
                    provenance=own_facts(str(uuid.uuid4()), "case.factor_added", now, now, by, explanation,
                                      role=role))
        self.save(case)

    def change(self, case_ref: str, kind: str, by: str, role: str = "lead", **fields: Any) -> None:
        """A lead moves a case on: ``assigned``, ``escalated``, ``resolved``, ``reopened`` or ``closed``.
        ``role`` is the role of ``by`` (an agent may do all of it but close, over HTTP)."""
        event_class = LIFECYCLE[kind]
        if kind == "escalated":
            self.config.check_escalation_level(str(fields.get("level")))

        def record() -> None:
            case = self._case(case_ref)
            now = _now()
            case.check_can(kind, moment_of(now))
            Case.record(case, case.id, event_class, case_ref=case_ref, **fields,
                        provenance=own_facts(str(uuid.uuid4()), f"case.{kind}", now, now, by, fields, role=role))
            self.save(case)

        retrying(record)

    def _case(self, case_ref: str) -> Case:
        case = self.current_streams({ids.case_id(case_ref)}).get(ids.case_id(case_ref))
        if not isinstance(case, Case):
            raise CaseNotFound(f"case {case_ref}: no such case")
        return case


def own_facts(event_id: str, kind: str, occurred: str, known: str, actor: str, content: Any,
           role: str = "detector") -> Provenance:
    """The provenance of an event casetrail itself records: it has no CloudEvent, so it says so."""
    return Provenance(
        source=SOURCE, id=event_id, type=kind,
        occurred_at=moment_of(occurred), reported_at=moment_of(known),
        received_at=datetime.now(UTC), department=SOURCE, actor=actor, role=role,
        body_hash=hashlib.sha256(orjson.dumps(content)).hexdigest(),
    )


def _now() -> str:
    return instant_of(datetime.now(UTC))


def _named(kind: str, names: list[str]) -> list[str]:
    return [name.split(":", 1)[1] for name in names if name.startswith(f"{kind}:")]


def _digest(names: list[str]) -> str:
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
