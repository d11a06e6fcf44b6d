"""The templates: one Jinja2 environment, autoescaping everything it renders, for the server and the CLI."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

STYLESHEET = "pages.css"


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("casetrail.adapters.http.pages", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["moment"] = moment
    env.filters["duration"] = duration
    env.filters["epoch"] = epoch
    return env


def render(request: Request | None, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(page(template, request=request, **context), status_code=status)


def page(template: str, **context: Any) -> str:
    context.setdefault("standalone", False)
    context.setdefault("caller", None)
    return environment().get_template(template).render(**context)


def standalone(template: str, **context: Any) -> str:
    """The page as one file: the stylesheet inline, nothing fetched from anywhere."""
    return page(template, standalone=True, inline_css=Markup(stylesheet()), **context)


def stylesheet() -> str:
    return files("casetrail.adapters.http.pages").joinpath("static", STYLESHEET).read_text(encoding="utf-8")


def moment(value: str | None) -> str:
    """An RFC 3339 UTC moment as people read it: ``2019-06-21 04:24:00 UTC``."""
    if not value:
        return ""
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min" if minutes else "",
             f"{secs} s" if secs and not days else ""]
    return " ".join(p for p in parts if p) or "0 s"


def epoch(value: str) -> int:
    """Seconds since 1970 of an RFC 3339 moment with offset: a slider's value."""
    return int(datetime.fromisoformat(value).timestamp())
