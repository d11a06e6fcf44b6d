"""``/reports/{name}``: the five desk reports as pages, with the server's charts."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
