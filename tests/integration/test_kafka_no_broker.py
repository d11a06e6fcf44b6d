"""``casetrail relay`` and ``consume`` when no broker answers: a real closed loopback port, real processes.

Each gives up or stops promptly with one line of its own; the Kafka
library's reconnect lines are shown only at ``--log-level debug``.
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings
from tests.integration.conftest import start_member, wait_for

# Generous bounds for a shared machine; the commands take about half of them.
DEADLINE_S = 15


def closed_port() -> str:
    """A loopback address nothing listens on: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{probe.getsockname()[1]}"


def existing_store(tmp_path: Path) -> str:
    """A database with the log's tables: the relay reads it, and does not create one."""
    url = f"sqlite:///{tmp_path}/casetrail.db"
    bootstrap(Settings(database_url=url)).close()
    return url


def test_relay_without_a_broker_exits_1_with_one_line(tmp_path: Path) -> None:
    address = closed_port()
    relay = start_member("relay", existing_store(tmp_path), address)
    try:
        _, stderr = relay.communicate(timeout=DEADLINE_S)
    finally:
        relay.kill()
    lines = stderr.decode().strip().splitlines()
    assert relay.returncode == 1, stderr
    assert lines == [f"casetrail: kafka: no broker answered at {address} within 5 s"]


def test_the_library_lines_are_shown_at_debug(tmp_path: Path) -> None:
    address = closed_port()
    relay = start_member("relay", existing_store(tmp_path), address, "--log-level", "debug")
    try:
        _, stderr = relay.communicate(timeout=DEADLINE_S)
    finally:
        relay.kill()
    lines = stderr.decode().strip().splitlines()
    assert relay.returncode == 1
    assert any('"logger": "kafka.' in line and "ECONNREFUSED" in line for line in lines), lines
    assert lines[-1] == f"casetrail: kafka: no broker answered at {address} within 5 s"


def test_consume_stops_promptly_on_sigterm_while_the_broker_is_down(tmp_path: Path) -> None:
    consume = start_member("consume", f"sqlite:///{tmp_path}/casetrail.db", closed_port(), "--log-level", "debug")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in consume.stderr or ()),
                              daemon=True)
    reader.start()
    try:
        # Stopped while the library is trying to reach the broker, as an operator would.
        wait_for(lambda: any('"logger": "kafka.' in line for line in lines), DEADLINE_S, "a connection attempt")
        consume.send_signal(signal.SIGTERM)
        asked = time.monotonic()
        assert consume.wait(timeout=DEADLINE_S) == 0, lines
        stopped_after = time.monotonic() - asked
    finally:
        consume.kill()
    reader.join(timeout=5)
    assert "Traceback" not in "".join(lines)
    print(f"consume stopped {stopped_after:.1f} s after SIGTERM")


def test_consume_without_a_broker_logs_only_its_own_lines(tmp_path: Path) -> None:
    consume = start_member("consume", f"sqlite:///{tmp_path}/casetrail.db", closed_port())
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in consume.stderr or ()),
                              daemon=True)
    reader.start()
    try:
        wait_for(lambda: lines, DEADLINE_S, "the first failed attempt to reach the broker")
        consume.send_signal(signal.SIGTERM)
        assert consume.wait(timeout=DEADLINE_S) == 0, lines
    finally:
        consume.kill()
    reader.join(timeout=5)
    assert lines and all('"event": "broker unavailable; retrying"' in line for line in lines), lines
