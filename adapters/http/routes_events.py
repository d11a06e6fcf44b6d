"""``POST /v1/events`` (the ingestion of ``casetrail ingest``) and ``GET /v1/events`` (the export by position)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http import intake
from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.auth import PERSONAL_DATA_READERS
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.metrics import Metrics
from casetrail.adapters.http.problems import problem_responses
from casetrail.adapters.http.samples import SAMPLE_EVENTS
from casetrail.projections.recorded import Recorded
from casetrail.services.batches import RawInput
from casetrail.services.personal_data import SEALED_IN_JSON, reveal, withhold
from casetrail.services.view_runner import LAST_POSITION, decode_state

router = APIRouter()

MAX_EXPORT = 1000


class RejectedItem(BaseModel):
    index: int  # the event's place in the request: 0 for structured and binary mode
    reason: str


class IngestResult(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    rejects: list[RejectedItem]


class ExportPage(BaseModel):
    items: list[dict[str, Any]]
    next_after: int  # the position to ask after next time


_EVENT_BODY = {
    "description": "CloudEvents in structured (application/cloudevents+json), batch "
                   "(application/cloudevents-batch+json) or binary (ce- headers, data as the body) mode",
    "required": True,
    "content": {
        intake.STRUCTURED: {"schema": {"type": "object"}, "example": SAMPLE_EVENTS[0]},
        intake.BATCH: {"schema": {"type": "array", "items": {"type": "object"}}, "example": SAMPLE_EVENTS[:3]},
        "application/json": {"schema": {"type": "object"}, "example": SAMPLE_EVENTS[0]["data"]},
    },
}


@router.post("/v1/events", response_model=IngestResult, summary="Send events",
             openapi_extra={"requestBody": _EVENT_BODY},
             responses=problem_responses(400, 401, 403, 413, 415, 503))
async def post_events(request: Request, caller: CallerDep) -> IngestResult:
    """The same validation, `(source, id)` idempotency and rejects as `casetrail ingest`; one transaction
    for the whole request. It answers once the events are stored; the cases and reports include them
    a moment later (`GET /readyz` gives the lag, 0 once they do)."""
    body = await intake.read_body(request, request.app.state.api.max_body_bytes)
    entrance = f"http:{caller.name}:{uuid.uuid4().hex[:12]}"
    items = intake.inputs(request.scope["headers"], body, entrance)
    live: LiveSystem = request.app.state.live
    result = await run_in_threadpool(live.using, lambda system: _ingest(system, items))
    metrics: Metrics = request.app.state.metrics
    metrics.events.labels("accepted").inc(result.accepted)
    metrics.events.labels("duplicate").inc(result.duplicates)
    metrics.events.labels("rejected").inc(result.rejected)
    return result


def _ingest(system: System, items: list[RawInput]) -> IngestResult:
    if not items:
        return IngestResult(accepted=0, duplicates=0, rejected=0, rejects=[])
    stored = system.ingestion.ingest_batch(items)
    index = {item.entrance: number for number, item in enumerate(items)}
    counts = stored.counts
    return IngestResult(accepted=counts.accepted, duplicates=counts.duplicates, rejected=counts.rejected,
                        rejects=[RejectedItem(index=index[r.entrance], reason=r.reason) for r in stored.rejects])


@router.get("/v1/events", response_model=ExportPage, summary="Export recorded events after a log position",
            responses=problem_responses(400, 401, 403, 503))
def export_events(request: Request, caller: CallerDep,
                  after: Annotated[int, Query(ge=0, le=2**63 - 1, description="a log position; 0 for the start")] = 0,
                  limit: Annotated[int, Query(ge=1, le=MAX_EXPORT)] = 100) -> ExportPage:
    """Recorded events as structured CloudEvents, the relay's `casetrail.events` shape, in log order.
    A party's personal text is shown to auditors and admins (``[erased]`` once erased), and withheld
    from dashboards."""
    from casetrail.adapters.kafka.relay import exported_event

    live: LiveSystem = request.app.state.live

    def read(system: System) -> list[Recorded]:
        # The relay's read of the log: one query of tuples, paged by bytes as well as by ``limit``.
        events = system.ingestion.ledger.select_log_events(after, LAST_POSITION, limit)
        recorded = [Recorded(at, decode_state(topic, state), stream, version)
                    for at, topic, state, stream, version in events]
        sealed = [r.state for (_, _, state, _, _), r in zip(events, recorded, strict=True) if SEALED_IN_JSON in state]
        if caller.role in PERSONAL_DATA_READERS:
            reveal(sealed, system.ingestion.ledger.party_keys)
        else:
            withhold(sealed)
        return recorded

    recorded = live.using(read)
    items = [exported_event(r) for r in recorded]
    return ExportPage(items=items, next_after=recorded[-1].position if recorded else after)
