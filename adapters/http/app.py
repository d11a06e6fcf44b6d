"""The FastAPI application of ``casetrail serve`` (spec ``http-v1.md``)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from eventsourcing.persistence import PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from casetrail.adapters.http import (
    problems,
    routes_cases,
    routes_events,
    routes_health,
    routes_integrity,
    routes_parties,
    routes_reports,
)
from casetrail.adapters.http.auth import ApiSettings, TokenTable
from casetrail.adapters.http.case_lists import CaseLists
from casetrail.adapters.http.live import LiveSystem, log
from casetrail.adapters.http.metrics import Metrics
from casetrail.adapters.http.openapi import openapi_document
from casetrail.adapters.http.pages import site as pages
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import redacted
from casetrail.adapters.storage.outages import first_line
from casetrail.domain.errors import DomainError
from casetrail.services.tracking import ViewsNotBuilt

API_VERSION = "1"


def create_app(settings: Settings, api: ApiSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        live = LiveSystem(settings)
        app.state.live = live
        live.start()
        try:
            yield
        finally:
            live.close()  # after the last request: uvicorn lets those in flight finish first

    app = FastAPI(title="casetrail", version=API_VERSION, openapi_url="/v1/openapi.json", docs_url="/v1/docs",
                  redoc_url=None, lifespan=lifespan,
                  description="Cases, reports and events of casetrail over HTTP (spec http-v1). Every /v1/ "
                              "request carries `Authorization: Bearer TOKEN`; errors are RFC 9457 problem documents.")
    app.state.api = api
    app.state.settings = settings
    app.state.tokens = TokenTable(api.tokens)
    app.state.case_lists = CaseLists()
    app.state.metrics = metrics = Metrics()
    app.middleware("http")(metrics.count)
    app.add_exception_handler(problems.Problem, problems.on_problem)
    app.add_exception_handler(DomainError, problems.on_domain_error)
    app.add_exception_handler(HTTPException, problems.on_http_error)
    app.add_exception_handler(RequestValidationError, problems.on_invalid_request)

    async def on_database_error(_request: Request, error: Exception) -> Response:
        log.warning("database unavailable", error=first_line(error))
        return problems.problem_response(503, f"database: cannot use {redacted(settings.database_url)} now; "
                                              "try again", headers={"Retry-After": "1"})

    async def on_views_not_built(_request: Request, error: Exception) -> Response:
        return problems.problem_response(503, f"{error}; try again", headers={"Retry-After": "1"})

    app.add_exception_handler(ViewsNotBuilt, on_views_not_built)
    for error_class in _database_errors():
        app.add_exception_handler(error_class, on_database_error)
    for module in (routes_events, routes_cases, routes_reports, routes_integrity, routes_parties, routes_health):
        app.include_router(module.router)
    pages.install(app)  # the pages for people: /, /cases/{case}, /reports/{name}, /sign-in (none under /v1/)
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


def _database_errors() -> tuple[type[Exception], ...]:
    import psycopg

    return PersistenceError, sqlite3.Error, psycopg.Error
