"""``casetrail consume`` and ``casetrail relay``: long-running Kafka members, stopped by SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

import structlog

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.cli.arguments import positive_int
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.kafka.relay import Relay, RelayTopics
from casetrail.adapters.kafka.topics import KafkaSettings
from casetrail.adapters.settings import Settings

log = structlog.get_logger("casetrail.kafka")

DEFAULT_INBOUND_TOPIC = "casetrail.inbound"
DEFAULT_GROUP = "casetrail"


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    consume = commands.add_parser("consume", parents=[common],
                                  help="ingest CloudEvents from Kafka topics until stopped (env CASETRAIL_KAFKA_BOOTSTRAP)")
    consume.add_argument("--topic", action="append", dest="topics", metavar="TOPIC",
                         help=f"a topic to read; repeat for several (default {DEFAULT_INBOUND_TOPIC})")
    consume.add_argument("--group", default=DEFAULT_GROUP, help=f"consumer group (default {DEFAULT_GROUP})")
    consume.add_argument("--batch-size", type=positive_int, default=1000,
                         help="records per poll and per transaction (default 1000)")
    consume.add_argument("--session-timeout-ms", type=positive_int, default=None,
                         help="how long the group waits for a silent member (default 10000)")
    consume.set_defaults(run=run_consume, store=StoreMode.CREATE)

    relay = commands.add_parser("relay", parents=[common],
                                help="publish recorded events, case changes and alerts to Kafka until stopped")
    defaults = RelayTopics()
    relay.add_argument("--events-topic", default=defaults.events, help=f"default {defaults.events}")
    relay.add_argument("--cases-topic", default=defaults.cases, help=f"default {defaults.cases}")
    relay.add_argument("--alerts-topic", default=defaults.alerts, help=f"default {defaults.alerts}")
    relay.add_argument("--batch-size", type=positive_int, default=2000,
                       help="events per flush and per position update (default 2000)")
    relay.set_defaults(run=run_relay, store=StoreMode.WRITE)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: the member finishes its batch in hand, then stops."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        log.info("stopping after the batch in hand", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def run_consume(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.adapters.kafka.consumer import InboundConsumer, Stopped  # kafka: only for the commands that use it

    stop = stop_on_signals()
    kafka = KafkaSettings.from_environment(session_timeout_ms=args.session_timeout_ms)
    system = bootstrap(settings)
    try:
        consumer = InboundConsumer(system, kafka, args.topics or [DEFAULT_INBOUND_TOPIC], args.group,
                                   batch_size=args.batch_size, stop=stop)
    except Stopped:
        system.close()
        return 0
    try:
        counts = consumer.run()
    finally:
        consumer.close()
        system.close()
    print(counts)
    return 0


def run_relay(args: argparse.Namespace, settings: Settings) -> int:
    stop = stop_on_signals()
    kafka = KafkaSettings.from_environment()
    system = bootstrap(settings)
    try:
        relay = Relay(system, kafka, RelayTopics(args.events_topic, args.cases_topic, args.alerts_topic),
                      batch_size=args.batch_size, stop=stop)
        try:
            published = relay.run()
            position = relay.position()
        finally:
            relay.close()
    finally:
        system.close()
    print(f"relayed {published} events; position {position}")
    return 0
