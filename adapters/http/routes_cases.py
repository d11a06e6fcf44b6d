"""Cases: the list, one case's report, and the work leads and agents do on a case."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.auth import PERSONAL_DATA_READERS, Caller
from casetrail.adapters.http.case_lists import CaseLists
from casetrail.adapters.http.documents import document
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.problems import Problem, problem_responses
from casetrail.domain.lifecycle import Status
from casetrail.domain.values import Timestamp
from casetrail.services.case_queries import Moment
from casetrail.services.evidence import evidence_refs

router = APIRouter()

MAX_PAGE = 500
CaseParam = Annotated[str, Path(min_length=1, max_length=200, description="the case id or case_ref")]
CodeParam = Annotated[str, Path(min_length=1, max_length=200, description="the factor's code")]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class CasePage(BaseModel):
    items: list[dict[str, Any]]  # as `casetrail cases --json` lists them
    next_cursor: str | None


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(key)).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[Any]:
    """A cursor this server gave out; anything else is a bad parameter."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        key = None
    if not isinstance(key, list) or len(key) != parts:
        raise Problem(400, "cursor: not a cursor this server gave out; pass next_cursor as it came",
                      parameter="cursor")
    return key


@router.get("/v1/cases", response_model=CasePage, summary="List cases, oldest first",
            responses=problem_responses(400, 401, 403, 503))
def list_cases(request: Request, _caller: CallerDep,
               status: Annotated[Status | None, Query()] = None,
               category: Annotated[str | None, Query(max_length=200)] = None,
               department: Annotated[str | None, Query(max_length=200)] = None,
               opened_from: Annotated[Timestamp | None, Query(description="RFC 3339 with offset")] = None,
               opened_to: Annotated[Timestamp | None, Query(description="RFC 3339 with offset, inclusive")] = None,
               limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
               cursor: Annotated[str | None, Query(max_length=2000)] = None) -> CasePage:
    after = decode_cursor(cursor, 2) if cursor is not None else None
    live: LiveSystem = request.app.state.live
    lists: CaseLists = request.app.state.case_lists
    found = live.reading(lambda reader: lists.cases(reader, (status, category, department)))
    chosen = []
    for case in found:
        opened = datetime.fromisoformat(case["opened_at"])
        if opened_from is not None and opened < opened_from or opened_to is not None and opened > opened_to:
            continue
        if after is not None and [case["opened_at"], case["case_ref"]] <= after:
            continue
        chosen.append(case)
    page = chosen[:limit]
    more = len(chosen) > limit
    return CasePage(items=page,
                    next_cursor=encode_cursor([page[-1]["opened_at"], page[-1]["case_ref"]]) if more else None)


@router.get("/v1/cases/{case}", summary="One case's report with its timeline", response_model=dict[str, Any],
            responses=problem_responses(400, 401, 403, 404, 503))
def case_report(request: Request, case: CaseParam, caller: CallerDep,
                as_of: Annotated[Timestamp | None, Query(
                    description="as it stood in the world at T (events that occurred by T); RFC 3339 with offset",
                    examples=["2019-06-21T10:33:30+07:00"])
                ] = None,
                known_at: Annotated[Timestamp | None, Query(
                    description="as it was known at T (events reported by T); RFC 3339 with offset",
                    examples=["2019-06-21T12:00:00+07:00"])] = None,
                ) -> Response:
    live: LiveSystem = request.app.state.live
    personal = caller.role in PERSONAL_DATA_READERS
    return document(live.reading(lambda reader: reader.cases.case_report(case, Moment(as_of, known_at), personal)))


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"rationale": "booking.com sold the room after the 10:31 stop-sell"}]})
    rationale: Text
    department: Name | None = None  # when the case has several factors with the code
    subject: Name | None = None  # e.g. phone_booking/read_back, when needed


class AddedFactor(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "code": "stop_sell_not_honoured", "department": "ota_partner",
        "explanation": "booking.com sold B-8841 at 11:24, 53 minutes after the 10:31 stop-sell",
        "evidence": ["pms:seaside#fo-311", "ota:booking.com#bcom-8841"]}]})
    code: Name
    department: Name
    explanation: Text
    evidence: Annotated[list[Annotated[str, Field(min_length=3, max_length=500)]],
                        Field(min_length=1, max_length=100, description="the events that show it, as SOURCE#ID")]


class Assignment(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"department": "front_office", "agent": "dewi"}]})
    department: Name
    agent: Name | None = None


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"level": "manager"}]})
    level: Name  # one of the configured escalation levels


class Resolution(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"resolution": "guest relocated to the sister hotel, one night refunded"}]})
    resolution: Text


class Reopening(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "the guest wrote again"}]})
    reason: Text | None = None


class Closing(BaseModel):
    model_config = ConfigDict(extra="forbid")


_WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 503)


def _on_case(request: Request, case: str, work: Callable[[System, str], None]) -> dict[str, Any]:
    """Do the work on the case through the command line's own path, and answer the case as it now is."""
    live: LiveSystem = request.app.state.live

    def change(system: System) -> dict[str, Any]:
        case_ref = system.on_case(case, lambda ref: work(system, ref))
        return system.cases.case_report(case_ref)

    return live.using(change)


def _decide(request: Request, case: str, code: str, decision: Decision, caller: Caller, confirm: bool
            ) -> dict[str, Any]:
    return _on_case(request, case, lambda system, ref: system.desk.decide(
        ref, code, confirm, caller.name, decision.rationale, decision.department, decision.subject, role=caller.role))


@router.post("/v1/cases/{case}/factors/{code}/confirm", summary="A lead confirms a proposed factor",
             responses=_WRITE_PROBLEMS)
def confirm_factor(request: Request, case: CaseParam, code: CodeParam,
                   decision: Decision, caller: CallerDep) -> dict[str, Any]:
    return _decide(request, case, code, decision, caller, confirm=True)


@router.post("/v1/cases/{case}/factors/{code}/reject", summary="A lead rejects a proposed factor",
             responses=_WRITE_PROBLEMS)
def reject_factor(request: Request, case: CaseParam, code: CodeParam,
                  decision: Decision, caller: CallerDep) -> dict[str, Any]:
    return _decide(request, case, code, decision, caller, confirm=False)


@router.post("/v1/cases/{case}/factors", summary="A lead adds a factor no detector proposed",
             responses=_WRITE_PROBLEMS)
def add_factor(request: Request, case: CaseParam, factor: AddedFactor, caller: CallerDep) -> dict[str, Any]:
    evidence = _evidence(factor.evidence)
    return _on_case(request, case, lambda system, ref: system.desk.add_factor(
        ref, factor.code, factor.department, factor.explanation, evidence, caller.name, role=caller.role))


def _evidence(items: list[str]) -> list[tuple[str, str]]:
    try:
        return evidence_refs(items, "evidence")
    except ValueError as error:
        raise Problem(400, str(error), parameter="evidence") from None


Kind = Literal["assigned", "escalated", "resolved", "reopened", "closed"]


def _change(request: Request, case: str, kind: Kind, fields: BaseModel, caller: Caller) -> dict[str, Any]:
    values = fields.model_dump(exclude_none=True)
    return _on_case(request, case, lambda system, ref: system.desk.change(
        ref, kind, caller.name, role=caller.role, **values))


@router.post("/v1/cases/{case}/assign", summary="Assign a case to a department", responses=_WRITE_PROBLEMS)
def assign(request: Request, case: CaseParam, body: Assignment, caller: CallerDep) -> dict[str, Any]:
    return _change(request, case, "assigned", body, caller)


@router.post("/v1/cases/{case}/escalate", summary="Escalate a case", responses=_WRITE_PROBLEMS)
def escalate(request: Request, case: CaseParam, body: Escalation, caller: CallerDep) -> dict[str, Any]:
    return _change(request, case, "escalated", body, caller)


@router.post("/v1/cases/{case}/resolve", summary="Resolve a case", responses=_WRITE_PROBLEMS)
def resolve(request: Request, case: CaseParam, body: Resolution, caller: CallerDep) -> dict[str, Any]:
    return _change(request, case, "resolved", body, caller)


@router.post("/v1/cases/{case}/reopen", summary="Reopen a case", responses=_WRITE_PROBLEMS)
def reopen(request: Request, case: CaseParam, caller: CallerDep,
           body: Annotated[Reopening | None, Body()] = None) -> dict[str, Any]:
    return _change(request, case, "reopened", body or Reopening(), caller)


@router.post("/v1/cases/{case}/close", summary="Close a case", responses=_WRITE_PROBLEMS)
def close(request: Request, case: CaseParam, caller: CallerDep,
          body: Annotated[Closing | None, Body()] = None) -> dict[str, Any]:
    return _change(request, case, "closed", body or Closing(), caller)
