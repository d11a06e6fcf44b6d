"""The dependency every /v1/ route asks: the caller, if its token may call the route (http-v1's role table)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.routing import Route

from casetrail.adapters.http.auth import ROUTE_ROLES, Caller, TokenTable
from casetrail.adapters.http.problems import Problem

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="casetrail"'}


def authorized(request: Request) -> Caller:
    route = request.scope.get("route")
    assert isinstance(route, Route)
    allowed = ROUTE_ROLES.get((request.method, route.path), frozenset())
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "this resource needs a bearer token: Authorization: Bearer TOKEN", headers=_CHALLENGE)
    tokens: TokenTable = request.app.state.tokens
    caller = tokens.caller(token.strip())
    if caller is None:
        raise Problem(401, "the bearer token is not valid here", headers=_CHALLENGE)
    if caller.role not in allowed:
        roles = ", ".join(sorted(allowed)) or "no role"
        raise Problem(403, f"the role {caller.role} may not {request.method} {route.path}; it is for {roles}")
    return caller


CallerDep = Annotated[Caller, Depends(authorized)]
