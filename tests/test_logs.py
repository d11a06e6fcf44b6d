"""Log lines: JSON on standard error; a library's lines only at debug, with their tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LIBRARY_AND_OWN_LINES = """
import logging, sys
import structlog
from casetrail.adapters.logs import configure_logging
configure_logging(sys.argv[1])
logging.getLogger("kafka").setLevel(logging.INFO)  # a library may set a level of its own
try:
    raise ConnectionRefusedError(111, "Connection refused")
except OSError:
    logging.getLogger("kafka.net.manager").exception("Connection failed")
logging.getLogger("kafka.net.manager").warning("Bootstrap %s not ready; waiting %.2f secs", "bootstrap-0", 0.5)
structlog.get_logger("casetrail.test").warning("broker unavailable; retrying", retry_in_s=0.5)
"""


def _log_lines(level: str) -> list[dict[str, object]]:
    result = subprocess.run([sys.executable, "-c", LIBRARY_AND_OWN_LINES, level], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    return [json.loads(line) for line in result.stderr.splitlines()]


def test_at_debug_a_library_error_keeps_its_traceback() -> None:
    failed, waiting, own = _log_lines("debug")
    assert failed["event"] == "Connection failed" and failed["logger"] == "kafka.net.manager"
    assert failed["level"] == "error" and str(failed["timestamp"]).endswith("Z")
    assert "Traceback (most recent call last)" in str(failed["exception"])
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in str(failed["exception"])
    assert waiting["event"] == "Bootstrap bootstrap-0 not ready; waiting 0.50 secs" and waiting["level"] == "warning"
    assert own["event"] == "broker unavailable; retrying"


@pytest.mark.parametrize("level", ["info", "warning", "error"])
def test_above_debug_only_casetrails_own_lines_are_written(level: str) -> None:
    lines = _log_lines(level)
    assert [line["event"] for line in lines] == (["broker unavailable; retrying"] if level != "error" else [])
