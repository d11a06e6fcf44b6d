"""``POST /v1/parties/{party}/erase``: the admin's ``casetrail erase``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.problems import problem_responses
from casetrail.adapters.http.routes_cases import Text

router = APIRouter()

PartyParam = Annotated[str, Path(min_length=1, max_length=200, description="the party's ref, e.g. guest-17")]


class ErasureRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "erasure request R-77"}]})
    reason: Text


class ErasureResult(BaseModel):
    party_ref: str
    first_time: bool  # false: the party was erased before, and its erasure was finished again
    purged_rejects: int
    rewritten_entries: int
    compacted: bool  # false: another process kept the store from being compacted; erase again later


@router.post("/v1/parties/{party}/erase", response_model=ErasureResult,
             summary="Erase a party's personal data: its key is destroyed; the log, its chain and reports hold",
             responses=problem_responses(400, 401, 403, 422, 503))
def erase_party(request: Request, party: PartyParam, body: ErasureRequest, caller: CallerDep) -> ErasureResult:
    live: LiveSystem = request.app.state.live

    def erase(system: System) -> ErasureResult:
        outcome = system.erase(party, caller.name, body.reason, role=caller.role)
        return ErasureResult(party_ref=outcome.party, first_time=outcome.first_time,
                             purged_rejects=outcome.purged_rejects, rewritten_entries=outcome.rewritten_entries,
                             compacted=outcome.compacted)

    return live.using(erase)
