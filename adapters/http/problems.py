"""Errors as problem documents (RFC 9457, ``application/problem+json``), each naming what was wrong."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.responses import Response

from casetrail.domain.errors import CaseNotFound, CaseStateError, DomainError
from casetrail.domain.values import quote

MEDIA_TYPE = "application/problem+json"


class ProblemDocument(BaseModel):
    """RFC 9457: ``detail`` names the parameter or field and what was wrong with it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    parameter: str | None = None


class Problem(Exception):
    def __init__(self, status: int, detail: str, parameter: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.headers = headers or {}


def problem_response(status: int, detail: str, parameter: str | None = None,
                     headers: dict[str, str] | None = None) -> Response:
    document: dict[str, Any] = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status,
                                "detail": detail}
    if parameter is not None:
        document["parameter"] = parameter
    return Response(orjson.dumps(document), status_code=status, media_type=MEDIA_TYPE, headers=headers)


# The domain's refusals: no such case is 404, a lifecycle change the case's state refuses is 409,
# any other rule of the domain a valid request breaks is 422.
def domain_status(error: DomainError) -> int:
    if isinstance(error, CaseNotFound):
        return 404
    if isinstance(error, CaseStateError):
        return 409
    return 422


async def on_problem(_request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return problem_response(error.status, error.detail, error.parameter, error.headers)


async def on_domain_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, DomainError)
    return problem_response(domain_status(error), str(error))


async def on_http_error(_request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return problem_response(error.status_code, str(error.detail), headers=dict(error.headers or {}))


async def on_invalid_request(_request: Request, error: Exception) -> Response:
    """A parameter or body field FastAPI could not take: 400, naming it (``limit``, ``body.rationale``)."""
    assert isinstance(error, RequestValidationError)
    first = error.errors()[0]
    where = [str(part) for part in first.get("loc", ())]
    name = ".".join(where[1:]) if len(where) > 1 and where[0] in ("query", "path", "header") else ".".join(where)
    message = str(first.get("msg", "is not valid")).removeprefix("Value error, ")
    if "input" in first and first.get("type") not in ("missing", "value_error"):  # the contract's reasons quote it
        message = f"{message} (got {quote(first['input'])})"
    return problem_response(400, f"{name}: {message}", parameter=name)


# For the OpenAPI document: the problems every route under /v1/ may answer.
def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": HTTPStatus(status).phrase, "model": ProblemDocument,
                     "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDocument"}}}}
            for status in statuses}
