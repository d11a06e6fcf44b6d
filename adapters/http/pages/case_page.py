"""``/cases/{case}``: the case as swimlanes by department, replayed at ``as_of`` / ``known_at``, its
factors with their history, the customer's effort, the log's proof, and a lead's decisions in place.

Decisions go through the case desk exactly as the API's POST routes do, recorded with the
signed-in token's name as actor and its role.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http import routes_integrity
from casetrail.adapters.http.auth import PERSONAL_DATA_READERS
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.pages.access import PageRefused, Visitor, admitted
from casetrail.adapters.http.pages.drill_down import timestamp_param
from casetrail.adapters.http.pages.factor_history import factor_histories, factor_key
from casetrail.adapters.http.pages.forgery import FIELD, FormKey, check_form
from casetrail.adapters.http.pages.forms import Form, read_form
from casetrail.adapters.http.pages.proof import ChainCheck
from casetrail.adapters.http.pages.rendering import render
from casetrail.adapters.http.pages.swimlanes import evidence_keys, swimlanes
from casetrail.adapters.http.problems import Problem, domain_status
from casetrail.adapters.reading import Reader
from casetrail.domain.errors import DomainError
from casetrail.services.case_queries import Moment
from casetrail.services.evidence import evidence_refs

router = APIRouter(include_in_schema=False)

CASE = "/cases/{case}"
CONFIRM = "/cases/{case}/factors/{code}/confirm"
REJECT = "/cases/{case}/factors/{code}/reject"
ADD = "/cases/{case}/factors"
PACK = "/cases/{case}/evidence-pack"


def case_path(case_ref: str) -> str:
    return f"/cases/{quote(case_ref, safe='')}"


@router.get(CASE)
def case_page(request: Request, case: str, as_of: str | None = None, known_at: str | None = None) -> Response:
    visitor = admitted(request, "GET", CASE)
    moment = Moment(timestamp_param("as_of", as_of), timestamp_param("known_at", known_at))
    live: LiveSystem = request.app.state.live
    chain: ChainCheck = request.app.state.chain_check

    personal = visitor.caller.role in PERSONAL_DATA_READERS

    def read(reader: Reader) -> dict[str, Any]:
        report = reader.cases.case_report(case, moment, personal)
        now = reader.cases.case_report(report["case_ref"], personal=personal) if moment != Moment() else report
        return {"report": report, "now": now, "histories": factor_histories(reader.cases, report["case_ref"], moment)}

    try:
        found = {**live.reading(read), "chain": live.using(chain.status)}
    except DomainError as error:
        raise PageRefused(str(error), status=domain_status(error)) from None
    return _render_case(request, visitor, found, as_of or "", known_at or "")


def _render_case(request: Request, visitor: Visitor, found: dict[str, Any], as_of: str, known_at: str) -> Response:
    report, now = found["report"], found["now"]
    histories = found["histories"]
    factors = [{**factor, "number": number, "history": histories.get(factor_key(factor), [])}
               for number, factor in enumerate(report["factors"])]
    on_timeline = {(e["source"], e["id"]) for e in report["timeline"]}
    key: FormKey = request.app.state.form_key
    travelling = bool(as_of or known_at)
    moments = sorted({e["occurred_at"] for e in now["timeline"]} | {e["reported_at"] for e in now["timeline"]})
    return render(
        request, "case.html", caller=visitor.caller, csrf=key.form_token_of(visitor),
        report=report, lanes=swimlanes(report["timeline"], report["factors"], now["timeline"]), factors=factors,
        evidence=evidence_keys(report["factors"]), on_timeline=on_timeline, as_of=as_of, known_at=known_at,
        travelling=travelling, first_moment=moments[0] if moments else None,
        last_moment=moments[-1] if moments else None, chain=found["chain"],
        may_decide=visitor.may("POST", CONFIRM) and not travelling, may_add=visitor.may("POST", ADD) and not travelling,
        may_download=visitor.may("GET", PACK), case_url=case_path(report["case_ref"]))


async def _decision(request: Request, case: str, route: str, work: Callable[[System, str, Visitor, Form], None]
                    ) -> Response:
    visitor = admitted(request, "POST", route)
    form = await read_form(request)
    check_form(request, visitor, form.one(FIELD), request.app.state.form_key)
    live: LiveSystem = request.app.state.live

    def change(system: System) -> str:
        return system.on_case(case, lambda ref: work(system, ref, visitor, form))

    try:
        case_ref = await run_in_threadpool(live.using, change)
    except DomainError as error:
        raise PageRefused(str(error), status=domain_status(error)) from None
    return RedirectResponse(case_path(case_ref) + "#factors", status_code=303)


@router.post(CONFIRM)
async def confirm(request: Request, case: str, code: str) -> Response:
    return await _decision(request, case, CONFIRM, _decide(code, confirm=True))


@router.post(REJECT)
async def reject(request: Request, case: str, code: str) -> Response:
    return await _decision(request, case, REJECT, _decide(code, confirm=False))


def _decide(code: str, confirm: bool) -> Callable[[System, str, Visitor, Form], None]:
    def decide(system: System, case_ref: str, visitor: Visitor, form: Form) -> None:
        rationale = form.required("rationale", "rationale")
        system.desk.decide(case_ref, code, confirm, visitor.caller.name, rationale, form.one("department") or None,
                           form.one("subject") or None, role=visitor.caller.role)

    return decide


@router.post(ADD)
async def add_factor(request: Request, case: str) -> Response:
    def add(system: System, case_ref: str, visitor: Visitor, form: Form) -> None:
        try:
            evidence = evidence_refs(form.every("evidence"), "evidence")
        except ValueError as error:
            raise PageRefused(str(error), status=400) from None
        if not evidence:
            raise PageRefused("evidence: choose at least one event that shows the factor", status=400)
        system.desk.add_factor(case_ref, form.required("code", "code"), form.required("department", "department"),
                               form.required("explanation", "explanation"), evidence, visitor.caller.name,
                               role=visitor.caller.role)

    return await _decision(request, case, ADD, add)


@router.get(PACK)
def evidence_pack(request: Request, case: str) -> Response:
    """The API's evidence pack, for a signed-in auditor's download button."""
    visitor = admitted(request, "GET", PACK)
    try:
        return routes_integrity.evidence_pack(request, case, visitor.caller)
    except Problem as problem:  # e.g. a server with no signing key: said on a page, not as a document
        raise PageRefused(problem.detail, status=problem.status) from None
    except DomainError as error:
        raise PageRefused(str(error), status=domain_status(error)) from None

