"""Signing in with an API token: a form, and an HttpOnly, SameSite=Strict session cookie that holds it.

The token never travels in a URL: it is posted in the form's body and kept in the cookie, which
no script of a page can read. Signing out clears the cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from casetrail.adapters.http.auth import TokenTable
from casetrail.adapters.http.pages.access import SIGN_IN_COOKIE, PageRefused, visitor
from casetrail.adapters.http.pages.forgery import FIELD, FormKey, check_form, check_origin
from casetrail.adapters.http.pages.forms import read_form
from casetrail.adapters.http.pages.rendering import render

router = APIRouter(include_in_schema=False)


def safe_next(value: str | None) -> str:
    """Only a path of this server: a sign-in never sends the browser elsewhere."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    key: FormKey = request.app.state.form_key
    return render(request, "sign_in.html", next=safe_next(next), csrf=key.sign_in_token(), problem=None,
                  caller=None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request)
    key: FormKey = request.app.state.form_key
    check_origin(request)
    if form.one(FIELD) != key.sign_in_token():
        raise PageRefused("this sign-in form's csrf token is missing or stale; reload the page and try again")
    back_to = safe_next(form.one("next"))
    token = form.one("token") or ""
    tokens: TokenTable = request.app.state.tokens
    if not token or tokens.caller(token) is None:
        return render(request, "sign_in.html", status=401, next=back_to, csrf=key.sign_in_token(),
                      problem="token: not a token this server knows; paste it as `casetrail token new` printed it")
    response = RedirectResponse(back_to, status_code=303)
    # A session cookie (no expiry): it ends with the browser, or at sign-out.
    response.set_cookie(SIGN_IN_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=request.url.scheme == "https")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    form = await read_form(request)
    signed_in = visitor(request)
    if signed_in is not None:
        check_form(request, signed_in, form.one(FIELD), request.app.state.form_key)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SIGN_IN_COOKIE, path="/", httponly=True, samesite="strict")
    return response
