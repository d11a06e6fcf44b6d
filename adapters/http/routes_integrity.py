"""Proof for outsiders: a case's evidence pack, checkable offline with ``casetrail verify-pack``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.problems import Problem, problem_responses
from casetrail.adapters.http.routes_cases import CaseParam
from casetrail.adapters.signing import load_signing_key
from casetrail.services.checkpoints import CheckpointError
from casetrail.services.evidence_packs import export_pack

router = APIRouter()


@router.get("/v1/cases/{case}/evidence-pack", response_class=HTMLResponse,
            summary="One case's evidence pack: its report and stored events, proven against a checkpoint signed now",
            responses={**problem_responses(401, 403, 404, 503),
                       200: {"content": {"text/html": {}}, "description": "the pack, as `casetrail export` writes it"}})
def evidence_pack(request: Request, case: CaseParam, _caller: CallerDep) -> HTMLResponse:
    try:
        name, key = load_signing_key(request.app.state.settings.config_path)
    except (CheckpointError, OSError) as error:
        raise Problem(503, f"evidence packs: this server cannot sign: {error}") from None
    live: LiveSystem = request.app.state.live

    def export(system: System) -> str:
        report = system.cases.case_report(case)
        return export_pack(report, system.view_store, system.ingestion.chained_log, name, key).text

    text = live.using(export)
    filename = "evidence-pack.html"
    return HTMLResponse(text, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
