"""The server's Prometheus metrics: requests by route and status, events taken in, the views' lag.

Each application has a registry of its own, so two servers in one process (tests) count apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("casetrail_http_requests", "HTTP requests answered, by route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.events = Counter("casetrail_http_events", "Events posted, by outcome",
                              ["outcome"], registry=self.registry)
        self.view_lag = Gauge("casetrail_view_lag_positions",
                              "Log positions the furthest-behind view, or the detectors, are behind the log, when last measured",
                              registry=self.registry)

    async def count(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        route = request.scope.get("route")
        # The route's template, never the path asked for: one series per route, whatever the ids.
        name = route.path if isinstance(route, Route) else "unmatched"
        self.requests.labels(request.method, name, str(response.status_code)).inc()
        return response
