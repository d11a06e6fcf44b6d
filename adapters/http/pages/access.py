"""Who is asking for a page: the bearer token, or the token of the sign-in cookie; and whether
their role may. A page has exactly the roles of the /v1/ route it shows or acts through."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request

from casetrail.adapters.http.auth import ROUTE_ROLES, Caller, Role, TokenTable

SIGN_IN_COOKIE = "casetrail_sign_in"

# Each page route and the /v1/ route whose roles it has (auth.ROUTE_ROLES). A test walks it whole.
PAGE_ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/"): ("GET", "/v1/cases"),
    ("GET", "/cases/{case}"): ("GET", "/v1/cases/{case}"),
    ("GET", "/cases/{case}/evidence-pack"): ("GET", "/v1/cases/{case}/evidence-pack"),
    ("POST", "/cases/{case}/factors/{code}/confirm"): ("POST", "/v1/cases/{case}/factors/{code}/confirm"),
    ("POST", "/cases/{case}/factors/{code}/reject"): ("POST", "/v1/cases/{case}/factors/{code}/reject"),
    ("POST", "/cases/{case}/factors"): ("POST", "/v1/cases/{case}/factors"),
    ("GET", "/reports/{name}"): ("GET", "/v1/reports/{name}"),
}


def page_roles(method: str, path: str) -> frozenset[Role]:
    return ROUTE_ROLES[PAGE_ROUTES[(method, path)]]


@dataclass(frozen=True)
class Visitor:
    """A signed-in caller, and whether the credential came from the cookie (then a form needs its CSRF token)."""

    caller: Caller
    token: str
    by_cookie: bool

    def may(self, method: str, path: str) -> bool:
        return self.caller.role in page_roles(method, path)


class SignInNeeded(Exception):
    """No credential, or one that is not valid here: the browser is sent to the sign-in form."""

    def __init__(self, back_to: str, detail: str) -> None:
        super().__init__(detail)
        self.back_to = back_to
        self.detail = detail


class PageRefused(Exception):
    """A signed-in caller whose role may not, or a form that fails the forgery checks: 403."""

    def __init__(self, detail: str, status: int = 403) -> None:
        super().__init__(detail)
        self.detail = detail
        self.status = status


def visitor(request: Request) -> Visitor | None:
    """The caller of a valid bearer token or session cookie, or None."""
    tokens: TokenTable = request.app.state.tokens
    scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and bearer.strip():
        caller = tokens.caller(bearer.strip())
        return Visitor(caller, bearer.strip(), by_cookie=False) if caller else None
    cookie = request.cookies.get(SIGN_IN_COOKIE)
    if cookie:
        caller = tokens.caller(cookie)
        return Visitor(caller, cookie, by_cookie=True) if caller else None
    return None


def admitted(request: Request, method: str, path: str) -> Visitor:
    """The visitor, if their role may use the page ``method path``; else sign in, or 403."""
    found = visitor(request)
    if found is None:
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(back_to, "sign in with your token to see this page")
    allowed = page_roles(method, path)
    if found.caller.role not in allowed:
        roles = ", ".join(sorted(allowed))
        raise PageRefused(f"{found.caller.name} has the role {found.caller.role}, which may not {method} {path}; "
                          f"it is for {roles}")
    return found


def sign_in_location(back_to: str) -> str:
    return f"/sign-in?next={quote(back_to, safe='')}"
