"""``casetrail serve`` beside what it stands on, in the same run.

- POST /v1/events, batches of 500 from one client, beside ``casetrail ingest`` of the same events
  into a fresh store of the same kind (both leave the views and detectors current at the end).
- GET /v1/cases/{case} on the hotel data set's store, beside the in-process report of the same cases.
- Eight clients mixing reads and posts at once: errors and p95.

``python -m benchmarks.http_rates [--events N] [--database URL] [--seconds S]``; without a
database the hotel data set is imported into a temporary SQLite store first.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from benchmarks.import_rate import DATA_SET, ROOT
from benchmarks.results import Results
from benchmarks.stores import fresh_store
from benchmarks.traffic import generate_events
from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings

BATCH = 500
CASES = 100
# Each case read this many times on each side: a p95 of 300 reads moves less between runs than one of 100.
PASSES = 3
CLIENTS = 8
TOKENS = {"source": "bench-source-token", "lead": "bench-lead-token"}
SOURCE = {"Authorization": f"Bearer {TOKENS['source']}", "content-type": "application/cloudevents-batch+json"}
LEAD = {"Authorization": f"Bearer {TOKENS['lead']}"}


@dataclass(frozen=True)
class HttpFigures:
    events: int
    post_rate: float
    ingest_rate: float
    case_ms: tuple[float, float]  # p50, p95 over HTTP
    report_ms: tuple[float, float]  # the same cases in process
    cases: int
    mixed_requests: int
    mixed_errors: int
    mixed_ms: tuple[float, float]
    mixed_seconds: float


def measure_http(kind: str, events: int, hotel_url: str | None = None, mixed_seconds: float = 60) -> HttpFigures:
    lines = generate_events(events)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "casetrail.toml"
        config.write_text("".join(f'[[api.tokens]]\nname = "bench-{role}"\nrole = "{role}"\nsha256 = '
                                  f'"{hashlib.sha256(token.encode()).hexdigest()}"\n' for role, token in TOKENS.items()))
        ingest_rate = _ingest_rate(kind, lines, Path(folder))
        post_rate = _post_rate(kind, lines, config)
        if hotel_url is not None:
            case, report, cases, mixed = _reads(hotel_url, config, lines, mixed_seconds)
        else:
            with fresh_store("sqlite") as url:
                subprocess.run([sys.executable, "-m", "benchmarks.import_worker", url, str(DATA_SET)], cwd=ROOT,
                               check=True, capture_output=True)
                case, report, cases, mixed = _reads(url, config, lines, mixed_seconds)
    return HttpFigures(len(lines), post_rate, ingest_rate, case, report, cases, *mixed, mixed_seconds)


def _ingest_rate(kind: str, lines: list[bytes], folder: Path) -> float:
    events = folder / "events.jsonl"
    events.write_bytes(b"\n".join(lines) + b"\n")
    with fresh_store(kind) as url:
        started = time.perf_counter()
        subprocess.run([*_casetrail(), "--database", url, "ingest", str(events), "--json"], check=True,
                       capture_output=True)
        return len(lines) / (time.perf_counter() - started)


def _post_rate(kind: str, lines: list[bytes], config: Path) -> float:
    with fresh_store(kind) as url, _served(url, config) as base, httpx.Client(base_url=base, timeout=300) as client:
        started = time.perf_counter()
        for start in range(0, len(lines), BATCH):
            answer = client.post("/v1/events", content=b"[" + b",".join(lines[start:start + BATCH]) + b"]",
                                 headers=SOURCE)
            if answer.status_code != 200 or answer.json()["rejected"]:
                raise RuntimeError(f"POST /v1/events: {answer.status_code} {answer.text[:300]}")
        _until_current(client)  # as `ingest` leaves them: timed too
        return len(lines) / (time.perf_counter() - started)


def _until_current(client: httpx.Client) -> None:
    """Wait until the server's views and detectors have caught up with the whole log."""
    while client.get("/readyz").json()["lag"]:
        time.sleep(0.05)


def _reads(url: str, config: Path, lines: list[bytes], mixed_seconds: float
           ) -> tuple[tuple[float, float], tuple[float, float], int, tuple[int, int, tuple[float, float]]]:
    """Each case read in process and over HTTP in turn, so that both see the machine as it is then
    (read one after the other, a side's p95 moved by half between runs)."""
    system = bootstrap(Settings(database_url=url))
    try:
        system.catch_up()
        refs = [c["case_ref"] for c in system.cases.list_cases()][:CASES]
        with _served(url, config) as base, httpx.Client(base_url=base, timeout=60) as client:
            in_process, over_http = [], []
            for ref in refs[:5]:  # warm the pages for both
                system.cases.case_report(ref)
                client.get(f"/v1/cases/{ref}", headers=LEAD)
            for ref in refs * PASSES:
                started = time.perf_counter()
                system.cases.case_report(ref)
                in_process.append(_ms_since(started))
                started = time.perf_counter()
                answer = client.get(f"/v1/cases/{ref}", headers=LEAD)
                over_http.append(_ms_since(started))
                if answer.status_code != 200:
                    raise RuntimeError(f"GET /v1/cases/{ref}: {answer.status_code} {answer.text[:300]}")
            mixed = _mixed(base, refs, lines, mixed_seconds)
    finally:
        system.close()
    return _p50_p95(over_http), _p50_p95(in_process), len(refs), mixed


def _mixed(base: str, refs: list[str], lines: list[bytes], seconds: float) -> tuple[int, int, tuple[float, float]]:
    """``CLIENTS`` clients at once, each posting a batch of 50 (its own events) after every four reads."""
    timings: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        own = [orjson.dumps({**event, "id": f"mixed-{number}-{event['id']}"}) for event in map(orjson.loads, lines)]
        posted = 0
        with httpx.Client(base_url=base, timeout=60) as http:
            turn = 0
            while time.monotonic() < deadline:
                started = time.perf_counter()
                if turn % 5 == 4 and posted < len(own):
                    answer = http.post("/v1/events", content=b"[" + b",".join(own[posted:posted + 50]) + b"]",
                                       headers=SOURCE)
                    posted += 50
                elif turn % 2:
                    answer = http.get("/v1/cases", params={"limit": 50}, headers=LEAD)
                else:
                    answer = http.get(f"/v1/cases/{refs[(turn + number) % len(refs)]}", headers=LEAD)
                with lock:
                    timings.append(_ms_since(started))
                    errors[0] += answer.status_code != 200
                turn += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(timings), errors[0], _p50_p95(timings)


@contextmanager
def _served(url: str, config: Path) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    process = subprocess.Popen([*_casetrail(), "--database", url, "--config", str(config), "serve", "--port",
                                str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("casetrail serve did not become ready")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _casetrail() -> list[str]:
    script = Path(sys.executable).with_name("casetrail")
    return [str(script)] if script.exists() else [sys.executable, "-m", "casetrail"]


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def add_rows(results: Results, figures: HttpFigures, label: str) -> None:
    """The rows ``make bench`` prints."""
    case, report = figures.case_ms, figures.report_ms
    results.add(f"POST /v1/events, {figures.events:,} generated events in batches of {BATCH}, one client, {label}",
                f"{figures.post_rate:,.0f} events/s", f"{figures.ingest_rate:,.0f} events/s: casetrail ingest, same events",
                "≥ 0.7", value=figures.post_rate, unit="events/s", baseline=figures.ingest_rate,
                ratio=figures.post_rate / figures.ingest_rate)
    results.add(f"GET /v1/cases/{{case}}, first {figures.cases} cases of the hotel data set, each read {PASSES} times, "
                "SQLite", f"p50 {case[0]:.1f} ms, p95 {case[1]:.1f} ms",
                f"p50 {report[0]:.1f} ms, p95 {report[1]:.1f} ms: the report in process", "p95 ≤ 1.5×",
                value=case[1], unit="ms (p95)", baseline=report[1], ratio=case[1] / report[1])
    results.add(f"{CLIENTS} clients mixing reads and posts for {figures.mixed_seconds:.0f} s, hotel data set, SQLite",
                f"{figures.mixed_requests:,} requests, {figures.mixed_errors} errors, p95 {figures.mixed_ms[1]:.0f} ms",
                f"p50 {figures.mixed_ms[0]:.0f} ms", "0 errors", value=figures.mixed_errors, unit="errors")


def main() -> None:
    from rich.console import Console

    from casetrail.adapters.logs import configure_logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks.http_rates")
    parser.add_argument("--events", type=int, default=20_000, help="generated events posted and ingested")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite", help="store of the POST rate")
    parser.add_argument("--database", help="a store holding the hotel data set (default: import it into a new one)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the mixed run")
    args = parser.parse_args()
    configure_logging("warning")
    figures = measure_http(args.store, args.events, args.database, args.seconds)
    results = Results("casetrail serve")
    add_rows(results, figures, "SQLite" if args.store == "sqlite" else "PostgreSQL")
    Console(width=160).print(results.table())


if __name__ == "__main__":
    main()
