"""Proof for outsiders: a case's evidence pack, checkable offline with ``casetrail verify-pack``, and the
log's signed checkpoints, for whoever keeps copies of them to check the log against later."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.live import LiveSystem, log
from casetrail.adapters.http.problems import Problem, problem_responses
from casetrail.adapters.http.routes_cases import CaseParam
from casetrail.adapters.signing import load_signing_key
from casetrail.services.checkpoints import CheckpointError
from casetrail.services.evidence_packs import export_pack
from casetrail.services.kept_checkpoints import shelf_of, sign_and_keep
from casetrail.services.ports import KeptCheckpoint

router = APIRouter()


@router.get("/v1/cases/{case}/evidence-pack", response_class=HTMLResponse,
            summary="One case's evidence pack: its report and stored events, proven against a checkpoint signed now",
            responses={**problem_responses(401, 403, 404, 503),
                       200: {"content": {"text/html": {}}, "description": "the pack, as `casetrail export` writes it"}})
def evidence_pack(request: Request, case: CaseParam, _caller: CallerDep) -> HTMLResponse:
    name, key = _signing_key(request, "evidence packs")
    live: LiveSystem = request.app.state.live

    def export(system: System) -> str:
        report = system.cases.case_report(case)
        return export_pack(report, system.view_store, system.ingestion.chained_log, name, key).text

    text = live.using(export)
    filename = "evidence-pack.html"
    return HTMLResponse(text, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


class CheckpointDocument(BaseModel):
    """A kept checkpoint as JSON: the signed note itself, and what it says, for a reader without a note parser."""

    origin: str = Field(description="the log's name, the note's first line")
    size: int = Field(description="how many events of the log the checkpoint covers")
    root: str = Field(description="the Merkle root (RFC 9162) over those events, base64")
    note: str = Field(description="the C2SP signed note, byte for byte as signed")
    signed_at: datetime
    made_by: str = Field(description="who asked for it: a token's name, the command line, the server's schedule")
    verifier_key: str = Field(description="the key that signed it, NAME+KEYHASH+KEY: compare it with the one the "
                                          "log's keeper published before trusting it")


FormatParam = Annotated[Literal["text", "json"] | None, Query(
    alias="format", description="`json` for the JSON document; the signed note as text otherwise, unless `Accept` asks for JSON")]

_CHECKPOINT_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "the checkpoint: a C2SP signed note as `text/plain`, or JSON",
          "content": {"text/plain": {"schema": {"type": "string"}},
                      "application/json": {"schema": {"$ref": "#/components/schemas/CheckpointDocument"}}}}}


def _answer(request: Request, kept: KeptCheckpoint, wanted: str | None) -> Response:
    headers = {"Vary": "Accept"}
    if wanted == "json" or (wanted is None and "application/json" in request.headers.get("accept", "")):
        document = CheckpointDocument(origin=kept.origin, size=kept.size, root=base64.b64encode(kept.root).decode(),
                                      note=kept.note, signed_at=kept.signed_at, made_by=kept.made_by,
                                      verifier_key=kept.verifier_key)
        return Response(document.model_dump_json(), media_type="application/json", headers=headers)
    return PlainTextResponse(kept.note, headers=headers)


@router.get("/v1/checkpoints/latest", response_model=CheckpointDocument,
            summary="The latest signed checkpoint kept of the log (C2SP tlog-checkpoint), to keep a copy elsewhere",
            responses={**problem_responses(400, 401, 403, 404), **_CHECKPOINT_ANSWERS})
def latest_checkpoint(request: Request, _caller: CallerDep, shown_as: FormatParam = None) -> Response:
    live: LiveSystem = request.app.state.live
    kept = live.using(lambda system: shelf_of(system.ingestion).latest_checkpoint())
    if kept is None:
        raise Problem(404, "no checkpoint is kept yet: an admin makes one with POST /v1/checkpoints, "
                           "or `casetrail checkpoint`")
    return _answer(request, kept, shown_as)


@router.post("/v1/checkpoints", response_model=CheckpointDocument,
             summary="Sign a checkpoint of the log now and keep it (the one kept already when the log has not grown)",
             responses={**problem_responses(400, 401, 403, 409, 503), **_CHECKPOINT_ANSWERS})
def make_checkpoint(request: Request, caller: CallerDep, shown_as: FormatParam = None) -> Response:
    name, key = _signing_key(request, "checkpoints")
    live: LiveSystem = request.app.state.live
    try:
        kept = live.using(lambda system: sign_and_keep(system.ingestion, name, key, caller.name))
    except CheckpointError as error:  # the log no longer gives the root kept for its size
        raise Problem(409, str(error)) from None
    log.info("checkpoint kept", size=kept.size, actor=caller.name, actorrole=caller.role)
    return _answer(request, kept, shown_as)


def _signing_key(request: Request, what: str) -> tuple[str, Ed25519PrivateKey]:
    try:
        return load_signing_key(request.app.state.settings.config_path)
    except (CheckpointError, OSError) as error:
        raise Problem(503, f"{what}: this server cannot sign: {error}") from None
