"""``/healthz`` (alive), ``/readyz`` (the views within the configured lag of the log) and ``/metrics``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.metrics import Metrics

router = APIRouter()


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str  # ready or behind
    lag: int  # log positions the furthest-behind view, or the detectors, are behind the log
    max_lag: int


@router.get("/healthz", response_model=Health, summary="Alive")
def healthz() -> Health:
    return Health(status="alive")


@router.get("/readyz", response_model=Readiness, summary="Ready when the views are within the configured lag",
            responses={503: {"model": Readiness, "description": "the views are behind the log"}})
async def readyz(request: Request) -> Response:
    live: LiveSystem = request.app.state.live
    lag = await run_in_threadpool(live.lag)
    metrics: Metrics = request.app.state.metrics
    metrics.view_lag.set(lag)
    max_lag = request.app.state.api.ready_lag
    ready = lag <= max_lag
    document = Readiness(status="ready" if ready else "behind", lag=lag, max_lag=max_lag)
    return JSONResponse(document.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}})
async def metrics(request: Request) -> Response:
    live: LiveSystem = request.app.state.live
    measured: Metrics = request.app.state.metrics
    measured.view_lag.set(await run_in_threadpool(live.lag))
    return Response(generate_latest(measured.registry), media_type=CONTENT_TYPE_LATEST)
