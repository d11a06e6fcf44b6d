"""The pages as part of the server: their routes, the stylesheet and script, and how a page answers
a visitor who must sign in or may not."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from casetrail.adapters.http.pages import case_list, case_page, report_pages, sign_in
from casetrail.adapters.http.pages.access import PageRefused, SignInNeeded, sign_in_location, visitor
from casetrail.adapters.http.pages.forgery import FormKey
from casetrail.adapters.http.pages.proof import ChainCheck
from casetrail.adapters.http.pages.rendering import render

TITLES = {400: "That request cannot be answered", 403: "Not allowed", 404: "No such page or case",
          409: "The case refuses that now", 413: "Too long", 415: "Not a form", 422: "The case refuses that",
          503: "Not available now"}


def install(app: FastAPI) -> None:
    app.state.form_key = FormKey()
    app.state.chain_check = ChainCheck()
    for module in (sign_in, case_list, case_page, report_pages):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(packages=[("casetrail.adapters.http.pages", "static")]), name="static")
    app.add_exception_handler(SignInNeeded, _sign_in_first)
    app.add_exception_handler(PageRefused, _refused)


async def _sign_in_first(_request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInNeeded)
    return RedirectResponse(sign_in_location(error.back_to), status_code=303)


async def _refused(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageRefused)
    found = visitor(request)
    key: FormKey = request.app.state.form_key
    return render(request, "refused.html", status=error.status, title=TITLES.get(error.status, "Refused"),
                  detail=error.detail, caller=found.caller if found else None,
                  csrf=key.form_token_of(found) if found else "", back=_back(request.url.path))


def _back(path: str) -> str:
    """Where the refusal's "Back" leads: the case a form was about, else the case list."""
    parts = path.split("/")
    return f"/cases/{parts[2]}" if len(parts) > 3 and parts[1] == "cases" else "/"
