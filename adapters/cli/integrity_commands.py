"""``casetrail verify``, ``checkpoint`` and ``key new``: whether the log is still what was written,
by its hash chain and by checkpoints signed with the deployment's key."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.cli.exit_status import EXIT_FAILED, EXIT_OK
from casetrail.adapters.cli.output import print_json, say
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.config_file import load_config
from casetrail.adapters.kafka.topics import CHECKPOINTS_TOPIC
from casetrail.adapters.settings import Settings
from casetrail.adapters.signing import load_signing_key

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from rich.progress import Progress

# Who a checkpoint made by ``casetrail checkpoint`` is kept as made by, unless ``--by`` says.
COMMAND_LINE = "casetrail checkpoint"


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    verify = commands.add_parser("verify", parents=[common], help="check the log against its hash chain")
    against = verify.add_mutually_exclusive_group()
    against.add_argument("--checkpoint", metavar="FILE", help="also check that the log extends this signed checkpoint")
    against.add_argument("--latest", action="store_true",
                         help="also check against the latest checkpoint kept in the store (a copy kept elsewhere "
                              "proves more: see docs/integrity.md)")
    verify.add_argument("--key", metavar="VKEY", help="the verifier key the checkpoint must be signed by "
                                                      "(default: the configured signing key's)")
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(run=run_verify, store=StoreMode.WRITE)

    checkpoint = commands.add_parser("checkpoint", parents=[common],
                                     help="sign the log's size and Merkle root with the configured key; keep it, write it, publish it")
    checkpoint.add_argument("--out", metavar="FILE", help="where to write it (default checkpoint-SIZE.txt)")
    checkpoint.add_argument("--publish", action="store_true",
                            help=f"also send it to the Kafka topic {CHECKPOINTS_TOPIC} (env CASETRAIL_KAFKA_BOOTSTRAP)")
    checkpoint.add_argument("--by", default=COMMAND_LINE, help=f"who asks for it, as kept with it (default {COMMAND_LINE!r})")
    checkpoint.add_argument("--json", action="store_true", help="print one JSON document")
    checkpoint.set_defaults(run=run_checkpoint, store=StoreMode.WRITE)

    export = commands.add_parser("export", parents=[common],
                                 help="an evidence pack of one case, provable offline against a signed checkpoint")
    export.add_argument("case", metavar="CASE", help="the case id or case_ref")
    export.add_argument("--out", metavar="FILE", required=True, help="the pack's file (HTML, opens in a browser)")
    export.set_defaults(run=run_export, store=StoreMode.WRITE)

    pack = commands.add_parser("verify-pack", parents=[common], help="check an evidence pack offline, no database")
    pack.add_argument("file", metavar="FILE")
    pack.add_argument("--key", metavar="VKEY", help="the verifier key you trust (default: the pack's own, "
                                                    "which it then shows for you to compare)")
    pack.add_argument("--json", action="store_true", help="print one JSON document")
    pack.set_defaults(run=run_verify_pack, store=StoreMode.NONE)

    key = commands.add_parser("key", parents=[common], help="the signing key of checkpoints")
    actions = key.add_subparsers(title="actions", required=True, metavar="ACTION")
    new = actions.add_parser("new", parents=[common], help="make a new Ed25519 signing key")
    new.add_argument("--out", metavar="FILE", required=True, help="the private key's file (made readable only to you)")
    new.set_defaults(run=run_key_new, store=StoreMode.NONE)


def _progress(label: str) -> Progress:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty())


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.adapters.processes.part_walker import ProcessPartWalker
    from casetrail.services.checkpoints import Checkpoint, CheckpointError, open_note, parse_verifier_key, verifier_key
    from casetrail.services.kept_checkpoints import shelf_of
    from casetrail.services.verification import verify_log

    def trusted_key() -> tuple[str, Ed25519PublicKey]:
        if args.key:
            return parse_verifier_key(args.key)
        name, private = load_signing_key(settings.config_path)
        args.key = verifier_key(name, private.public_key())
        return name, private.public_key()

    note = Path(args.checkpoint).read_text(encoding="utf-8") if args.checkpoint else None
    key = trusted_key() if args.checkpoint or args.latest else None
    system = bootstrap(settings)
    try:
        if args.latest:
            kept = shelf_of(system.ingestion).latest_checkpoint()
            if kept is None:
                raise CheckpointError("verify --latest: no checkpoint is kept yet; make one with `casetrail checkpoint`")
            note = kept.note
        checkpoint: Checkpoint | None = None if note is None or key is None else open_note(note, *key)
        with _progress("verifying the log") as bar:
            task = bar.add_task("", total=system.ingestion.recorder.max_notification_id() or 0)
            checked, broken = verify_log(system.ingestion.chained_log, lambda count: bar.advance(task, count),
                                         checkpoint, ProcessPartWalker(settings))
    finally:
        system.close()
    if args.json:
        print_json({"intact": broken is None, "checked": checked,
                    "checkpoint": None if checkpoint is None else {"size": checkpoint.size, "key": args.key},
                    "break": None if broken is None else {"position": broken.position, "problem": broken.problem}})
    elif broken is None:
        extends = f"; it extends the checkpoint of {checkpoint.size} events" if checkpoint else ""
        say(f"the log is intact: {checked} positions, each linked to the one before{extends}")
    else:
        say(f"the log is broken at position {broken.position}: {broken.problem}; {checked} positions before it "
            "are intact")
    return EXIT_OK if broken is None else EXIT_FAILED


def run_checkpoint(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.services.kept_checkpoints import sign_and_keep

    name, key = load_signing_key(settings.config_path)
    system = bootstrap(settings)
    try:
        with _progress("reading the log") as bar:
            task = bar.add_task("", total=system.ingestion.recorder.max_notification_id() or 0)
            kept = sign_and_keep(system.ingestion, name, key, args.by, lambda count: bar.advance(task, count))
    finally:
        system.close()
    out = Path(args.out or f"checkpoint-{kept.size}.txt")
    out.write_text(kept.note, encoding="utf-8")
    done = f"checkpoint of {kept.size} events kept in the store and written to {out}"
    if args.publish:
        from kafka.errors import KafkaError

        from casetrail.adapters.kafka.checkpoints import publish_checkpoint
        from casetrail.adapters.kafka.topics import KafkaSettings, broker_problem

        try:
            publish_checkpoint(KafkaSettings.from_environment(), kept)
        except KafkaError as error:
            print(f"casetrail: {broker_problem(error)}; the {done}, but not published", file=sys.stderr)
            return EXIT_FAILED
        done += f" and published on {CHECKPOINTS_TOPIC}"
    if args.json:
        print_json({"origin": kept.origin, "size": kept.size, "root": kept.root.hex(), "file": str(out),
                    "key": kept.verifier_key, "note": kept.note, "published": args.publish})
    else:
        say(done)
    return EXIT_OK


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.services.evidence_packs import export_pack

    name, key = load_signing_key(settings.config_path)
    system = bootstrap(settings)
    try:
        report = system.cases.case_report(args.case)
        with _progress("proving the case's events") as bar:
            task = bar.add_task("", total=system.ingestion.recorder.max_notification_id() or 0)
            pack = export_pack(report, system.view_store, system.ingestion.chained_log, name, key,
                               lambda count: bar.advance(task, count))
    finally:
        system.close()
    Path(args.out).write_text(pack.text, encoding="utf-8")
    say(f"evidence pack of case {report['case_ref']} written to {args.out}: {pack.events} stored events, "
        f"each proven in the log's first {pack.log_size} events")
    return EXIT_OK


def run_verify_pack(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.services.evidence_packs import PackError, check_pack

    try:
        document, proven = check_pack(Path(args.file).read_text(encoding="utf-8"), args.key)
    except PackError as error:
        if args.json:
            print_json({"holds": False, "problem": str(error)})
        else:
            say(f"the pack does not hold: {error}")
        return EXIT_FAILED
    if args.json:
        print_json({"holds": True, "case_ref": document["case"]["case_ref"], "events": proven, "key": document["key"],
                    "key_given": args.key is not None})
        return EXIT_OK
    say(f"the pack holds: case {document['case']['case_ref']}, {proven} stored events, each in the signed log")
    if args.key is None:
        say(f"signed by the key {document['key']}: compare it with the one the log's keeper published, "
            "or give it with --key")
    return EXIT_OK


def run_key_new(args: argparse.Namespace, settings: Settings) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from casetrail.services.checkpoints import verifier_key

    name = load_config(settings.config_path).integrity.origin
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    # Made readable to its owner only, and never over a key that exists: checkpoints signed by it would no longer verify.
    descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    say(f"signing key written to {args.out}; add to the configuration file:")
    print(f'[integrity]\norigin = "{name}"\nsigning_key = "{args.out}"')
    say("verifier key, for whoever checks checkpoints:")
    print(verifier_key(name, key.public_key()))
    return EXIT_OK
