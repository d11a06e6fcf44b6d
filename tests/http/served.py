"""A real ``casetrail serve`` on a free loopback port, as an operator starts it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Served:
    def __init__(self, database_url: str, config_path: Path, port: int | None = None) -> None:
        self.database_url = database_url
        self.config_path = config_path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        # Standard error to a file: a pipe no one reads would stop the server once it filled.
        self.log = config_path.with_name(f"serve-{self.port}.log")

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
        with self.log.open("ab") as log:  # the server holds its own copy of the file
            self.process = subprocess.Popen(
                [sys.executable, "-m", "casetrail", "--database", self.database_url, "--config",
                 str(self.config_path), "serve", "--port", str(self.port)],
                env=env, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"casetrail serve ended: {self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("casetrail serve did not answer /healthz within 60 s")

    def terminate(self) -> int:
        """SIGTERM, as a supervisor stops it; its exit status."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=60)
        self.process = None
        return status

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=60)
        self.process = None


@contextmanager
def served(database_url: str, config_path: Path) -> Iterator[Served]:
    server = Served(database_url, config_path)
    server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            assert server.terminate() == 0
