"""``make bench``: every figure beside its baseline, measured in the same run, in one table.

Speed targets are read off this table, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
from pathlib import Path

from rich.console import Console

from benchmarks.case_latency import add_rows as add_case_rows
from benchmarks.case_latency import measure_case_latency
from benchmarks.chain_cost import measure_chain_ingest, measure_verify
from benchmarks.concurrent_writers import add_rows as add_concurrent_rows
from benchmarks.http_rates import add_rows as add_http_rows
from benchmarks.http_rates import measure_http
from benchmarks.import_rate import measure_import
from benchmarks.ingest_memory import measure_ingest_memory
from benchmarks.ingest_rate import measure_ingest
from benchmarks.kafka_rates import GROUP_MEMBERS, GROUP_PARTITIONS, measure_kafka
from benchmarks.rebuild_rate import measure_rebuild
from benchmarks.results import Results
from benchmarks.stores import fresh_store
from benchmarks.traffic import generate_events
from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.logs import configure_logging

STORES = (("sqlite", "SQLite"), ("postgres", "PostgreSQL"))
PARTS = ("ingest", "memory", "concurrent", "import", "case", "http", "kafka", "rebuild", "chain")
PER_EVENT_SAMPLE = 5000


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--events", type=int, default=100_000, help="generated inbound events to ingest")
    parser.add_argument("--concurrent-events", type=int, default=30_000,
                        help="generated events for one, two and three concurrent writers")
    parser.add_argument("--http-events", type=int, default=20_000, help="generated events posted to casetrail serve")
    parser.add_argument("--http-seconds", type=float, default=60, help="length of the mixed HTTP run")
    parser.add_argument("--kafka-events", type=int, default=50_000, help="generated events sent through Kafka")
    parser.add_argument("--log-events", type=int, default=1_000_000, help="size of the log the views are rebuilt from")
    parser.add_argument("--verify-events", type=int, default=1_000_000,
                        help="size of the log the chain part verifies (a small one for a quick run)")
    parser.add_argument("--chain-rounds", type=int, default=3,
                        help="rounds of the chain part's pairs (with and without the chain; verify and raw read)")
    parser.add_argument("--stream-mb", type=int, default=1024, help="size of the stream the memory part ingests")
    parser.add_argument("--json", metavar="FILE", help="also write the table to FILE as a JSON list, a row an object "
                                                       "(figure, value, unit, baseline, ratio, target)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default all: {','.join(PARTS)})")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if parts - set(PARTS):
        parser.error(f"--parts: unknown {', '.join(sorted(parts - set(PARTS)))}; choose from {', '.join(PARTS)}")
    configure_logging("warning")
    tune_for_batches()

    console = Console(width=160)
    console.print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
                  f"Python {platform.python_version()}")
    started = time.perf_counter()
    results = Results("casetrail benchmarks")

    if "ingest" in parts:
        lines = generate_events(args.events)
        for kind, label in STORES:
            figures = measure_ingest(kind, lines)
            results.add(f"ingest {args.events:,} generated events, {label}",
                        f"{figures.inbound_rate:,.0f} events/s ({figures.stored_rate:,.0f} stored/s)",
                        f"{figures.raw_rate:,.0f} stored/s: eventsourcing recorder, same batches",
                        "≥ 1.0" if kind == "postgres" else "≥ 0.5",
                        value=figures.stored_rate, unit="stored/s", baseline=figures.raw_rate,
                        ratio=figures.stored_rate / figures.raw_rate)
        del lines
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        results.add("peak memory of the ingest runs", f"{peak:,.0f} MB", value=peak, unit="MB")

    if "memory" in parts:
        memory = measure_ingest_memory("sqlite", args.events, stream_mb=args.stream_mb)
        baseline = f"{memory.ordinary_peak_mb:,.0f} MB: {memory.ordinary_events:,} generated events, same command"
        for what, peak in ((f"{memory.large_lines} lines of about 1 MiB", memory.large_peak_mb),
                           (f"{memory.stream_mb:,} MB stream on standard input ({memory.stream_events:,} events)",
                            memory.stream_peak_mb)):
            results.add(f"peak memory of casetrail ingest, {what}, SQLite", f"{peak:,.0f} MB", baseline, "≤ 1.5",
                        value=peak, unit="MB", baseline=memory.ordinary_peak_mb, ratio=peak / memory.ordinary_peak_mb)

    if "concurrent" in parts:
        add_concurrent_rows(results, generate_events(args.concurrent_events))

    if "import" in parts:
        for kind, label in STORES:
            data = measure_import(kind)
            rate = data.stored / data.seconds
            results.add(f"import the hotel booking data set ({data.rows:,} rows, {data.events:,} events), with every "
                        f"view and the detectors, {label}",
                        f"{data.rate:,.0f} events/s ({data.seconds:.0f} s), peak {data.peak_rss_mb:,.0f} MB",
                        f"{data.raw_rate:,.0f} stored/s: eventsourcing recorder, same {data.stored:,} stored events",
                        f"≥ 0.4, < {60 if kind == 'sqlite' else 90} s, < 1,000 MB",
                        value=rate, unit="stored/s", baseline=data.raw_rate, ratio=rate / data.raw_rate)
            results.add(f"replay every view of that store, {label}",
                        f"{data.stored / data.replay_seconds:,.0f} events/s ({data.replay_seconds:.0f} s)",
                        value=data.stored / data.replay_seconds, unit="events/s")
            results.add(f"case --json in that store, {label}",
                        f"p50 {data.case_p50_ms:.1f} ms, p95 {data.case_p95_ms:.1f} ms",
                        value=data.case_p95_ms, unit="ms (p95)")
    if "case" in parts:
        # On a store of the hotel data set of its own; beside the interpreter's start and one query.
        for kind, label in STORES:
            add_case_rows(results, measure_case_latency(kind), label)
    if "http" in parts:
        # On a SQLite store of the hotel data set of its own, beside casetrail ingest and the in-process report.
        add_http_rows(results, measure_http("sqlite", args.http_events, mixed_seconds=args.http_seconds), "SQLite")
    if "kafka" in parts:
        kafka = measure_kafka(generate_events(args.kafka_events))
        results.add(f"consume {kafka.events:,} events from Kafka into PostgreSQL (Tansu broker)",
                    f"{kafka.consume_rate:,.0f} events/s stored and committed; views and detectors "
                    f"then {kafka.projection_seconds:.1f} s",
                    f"{kafka.raw_consume_rate:,.0f} records/s: kafka-python raw consume and commit", "≥ 15,000/s",
                    value=kafka.consume_rate, unit="events/s", baseline=kafka.raw_consume_rate,
                    ratio=kafka.consume_rate / kafka.raw_consume_rate)
        results.add(f"the same consume beside casetrail ingest of the same {kafka.events:,} events, PostgreSQL",
                    f"{kafka.consume_rate:,.0f} events/s", f"{kafka.ingest_rate:,.0f} events/s: casetrail ingest, "
                    "a fresh store", "≥ 0.9", value=kafka.consume_rate, unit="events/s", baseline=kafka.ingest_rate,
                    ratio=kafka.consume_rate / kafka.ingest_rate)
        results.add(f"relay {kafka.relayed:,} stored events to Kafka", f"{kafka.relay_rate:,.0f} events/s",
                    f"{kafka.raw_relay_rate:,.0f} events/s: kafka-python raw idempotent produce of the relay's own "
                    f"messages, built beforehand ({kafka.raw_produce_rate:,.0f} records/s of the generated lines)",
                    "≥ 0.8", value=kafka.relay_rate, unit="events/s", baseline=kafka.raw_relay_rate,
                    ratio=kafka.relay_rate / kafka.raw_relay_rate)
        results.add(f"consume {kafka.events:,} events with {GROUP_MEMBERS} casetrail consume processes in one group, "
                    f"{GROUP_PARTITIONS}-partition topic, into PostgreSQL", f"{kafka.group_rate:,.0f} events/s committed",
                    f"{kafka.member_rate:,.0f} events/s: one casetrail consume process, same topic, a fresh store",
                    value=kafka.group_rate, unit="events/s", baseline=kafka.member_rate,
                    ratio=kafka.group_rate / kafka.member_rate)

    if "rebuild" in parts:
        for kind, label in STORES:
            with fresh_store(kind) as url:
                rebuilt = measure_rebuild(kind, url, args.log_events, PER_EVENT_SAMPLE)
            baseline = ("eventsourcing ProjectionRunner" if kind == "postgres"
                        else "our runner, 1 event per transaction (no SQLite subscriptions in eventsourcing 9.5)")
            results.add(f"rebuild all views from {rebuilt.stored:,} stored events, {label}",
                        f"{rebuilt.rate:,.0f} events/s ({rebuilt.seconds:.0f} s)",
                        f"{rebuilt.raw_read_rate:,.0f} events/s: a raw read of the same log's rows", "≥ 0.25",
                        value=rebuilt.rate, unit="events/s", baseline=rebuilt.raw_read_rate,
                        ratio=rebuilt.rate / rebuilt.raw_read_rate)
            results.add(f"the same rebuild beside one transaction per event, {label}",
                        f"{rebuilt.rate:,.0f} events/s",
                        f"{rebuilt.per_event_rate:,.0f} events/s: {baseline}, first {PER_EVENT_SAMPLE:,} events",
                        value=rebuilt.rate, unit="events/s", baseline=rebuilt.per_event_rate,
                        ratio=rebuilt.rate / rebuilt.per_event_rate, ratio_shown=f"{rebuilt.rate / rebuilt.per_event_rate:.1f}")
            results.add(f"peak memory of that rebuild, {label}", f"{rebuilt.peak_rss_mb:,.0f} MB", target="< 500 MB",
                        value=rebuilt.peak_rss_mb, unit="MB")
            results.add(f"case report of 200 entries in that store, {label}",
                        f"p50 {rebuilt.case_p50_ms:.1f} ms, p95 {rebuilt.case_p95_ms:.1f} ms", target="p95 < 20 ms",
                        value=rebuilt.case_p95_ms, unit="ms (p95)")
    if "chain" in parts:
        add_chain_rows(results, args.events, args.verify_events, args.chain_rounds)
    console.print(results.table())
    console.print(f"total {time.perf_counter() - started:.0f} s")
    if args.json:
        results.write_json(Path(args.json))


def add_chain_rows(results: Results, events: int, verify_events: int, rounds: int) -> None:
    """The hash chain's cost: ingest with and without its write, and verify beside a raw read."""
    lines = generate_events(events)
    for kind, label in STORES:
        ingest, insert = measure_chain_ingest(kind, lines, rounds)
        results.add(f"ingest {events:,} generated events with the chain, {label}",
                    f"{ingest.chained_rate:,.0f} events/s",
                    f"{ingest.unchained_rate:,.0f} events/s: the same ingest, the chain's write left out", "≥ 0.85",
                    value=ingest.chained_rate, unit="events/s", baseline=ingest.unchained_rate, ratio=ingest.ratio,
                    ratio_shown=f"{ingest.ratio:.2f} (rounds {ingest.spread()}); CPU {ingest.cpu_ratio:.2f} "
                                f"(rounds {ingest.spread(cpu=True)})")
        results.add(f"insert their {insert.count:,} stored events through the recorder with the chain, {label}",
                    f"{insert.chained_rate:,.0f} stored/s",
                    f"{insert.unchained_rate:,.0f} stored/s: the same batches, the chain's write left out",
                    value=insert.chained_rate, unit="stored/s", baseline=insert.unchained_rate, ratio=insert.ratio,
                    ratio_shown=f"{insert.ratio:.2f} (rounds {insert.spread()}); CPU {insert.cpu_ratio:.2f} "
                                f"(rounds {insert.spread(cpu=True)})")
    del lines
    for kind, label in STORES:
        with fresh_store(kind) as url:
            verified = measure_verify(kind, url, verify_events, rounds)
        spread = ", ".join(f"{r / v:.2f}" for v, r in verified.rounds)
        results.add(f"verify the log of {verified.events:,} events (built in {verified.build_seconds:.0f} s), {label}",
                    f"{verified.verify_rate:,.0f} events/s ({verified.verify_seconds:.1f} s), "
                    f"peak {verified.verify_peak_mb:,.0f} MB",
                    f"{verified.raw_rate:,.0f} events/s: raw read of the same rows, same pages "
                    f"(peak {verified.raw_peak_mb:,.0f} MB)", "≥ 0.5",
                    value=verified.verify_rate, unit="events/s", baseline=verified.raw_rate, ratio=verified.ratio,
                    ratio_shown=f"{verified.ratio:.2f} (rounds {spread})")
        if verified.stages:
            results.add(f"CPU µs per event by stage of verify, timed page by page, {label}",
                        ", ".join(f"{stage} {us:.1f}" for stage, us in verified.stages.items()),
                        value=None, unit="µs per event")


if __name__ == "__main__":
    main()
