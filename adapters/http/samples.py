"""Examples for the OpenAPI document, taken from the sample scenarios that ship with casetrail."""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson

_SAMPLE = "01-overbooking-after-stop-sell.jsonl"

SAMPLE_EVENTS: list[dict[str, Any]] = [
    orjson.loads(line) for line in
    resources.files("casetrail.adapters").joinpath("samples", _SAMPLE).read_bytes().splitlines() if line.strip()]
