"""``casetrail demo``: the bundled sample incidents into a fresh SQLite file, and what casetrail found in each."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from dataclasses import replace
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.cli.case_commands import factor_decision
from casetrail.adapters.cli.output import plural, print_json, say
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.http.auth import Role
from casetrail.adapters.importers.jsonl import read_inputs
from casetrail.adapters.settings import Settings

DEMO_FILE = "casetrail-demo.db"
# The configuration that admits the demo's tokens, and the key its evidence packs are signed with.
DEMO_CONFIG = "casetrail-demo.toml"
DEMO_KEY = "casetrail-demo.pem"
DEMO_ROLES: tuple[Role, ...] = ("lead", "auditor")
# Above this many cases, a scenario's helpdesk cases are summed up by category.
LISTED_CASES = 5


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    sample = commands.add_parser("demo", parents=[common],
                                 help=f"load the sample scenarios into a fresh {DEMO_FILE} and show what was found")
    sample.add_argument("--json", action="store_true", help="print one JSON document")
    sample.set_defaults(run=run, store=StoreMode.OWN)


def sample_names() -> list[str]:
    return sorted(entry.name for entry in files("casetrail.adapters").joinpath("samples").iterdir()
                  if entry.name.endswith(".jsonl"))


def run(args: argparse.Namespace, settings: Settings) -> int:
    database = Path(DEMO_FILE)
    for leftover in (database, Path(f"{DEMO_FILE}-wal"), Path(f"{DEMO_FILE}-shm")):
        leftover.unlink(missing_ok=True)
    system = bootstrap(replace(settings, database_url=f"sqlite:///{database}"))
    scenarios: list[dict[str, Any]] = []
    try:
        seen: set[str] = set()
        for name in sample_names():
            with as_file(files("casetrail.adapters").joinpath("samples", name)) as path:
                counts = system.ingestion.ingest(read_inputs([str(path)]), backfill=True)
            system.catch_up()
            found = [c for c in system.cases.list_cases() if c["case_ref"] not in seen]
            seen |= {c["case_ref"] for c in found}
            scenarios.append({"scenario": name.removesuffix(".jsonl"), **vars(counts),
                              "cases": [_case(system, c["case_ref"]) for c in found]})
        stored = system.ingestion.ledger.accepted_counts()
        rejected = len(system.ingestion.ledger.rejected_inputs())
        top = system.reports.report("top-issues")["top"]
    finally:
        system.close()
    tokens = _demo_configuration()
    if args.json:
        print_json({"database": f"sqlite:///{database}", "scenarios": scenarios, "stored_by_type": stored,
                    "rejected": rejected, "top_issues": top,
                    "pages": {"serve": _serve_command(database), "url": PAGE_URL, "tokens": tokens}})
    else:
        _show(scenarios, stored, rejected, database, top)
        _show_pages(database, tokens)
    return 0


PAGE_URL = "http://127.0.0.1:8080/"


def _serve_command(database: Path) -> list[str]:
    return ["casetrail", "--database", f"sqlite:///{database}", "--config", DEMO_CONFIG, "serve"]


def _demo_configuration() -> dict[str, str]:
    """A fresh token of each of DEMO_ROLES and a signing key, admitted by DEMO_CONFIG: for the demo only.
    The configuration keeps the tokens' hashes, as any does; the tokens are printed once, here."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from casetrail.adapters.http.auth import new_token, token_lines

    key = Path(DEMO_KEY)
    key.unlink(missing_ok=True)
    descriptor = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    tokens: dict[str, str] = {}
    lines: list[str] = []
    for role in DEMO_ROLES:
        token, digest = new_token()
        tokens[role] = token
        lines.append(token_lines(f"demo-{role}", role, digest))
    integrity = f'[integrity]\norigin = "casetrail-demo"\nsigning_key = "{key.resolve()}"\n'
    Path(DEMO_CONFIG).write_text("\n".join([integrity, *lines]), encoding="utf-8")
    return tokens


def _show_pages(database: Path, tokens: dict[str, str]) -> None:
    command = _serve_command(database)
    say("")
    say(("See it in a browser:", "bold"), " serve the demo store with")
    say(" ".join(command[:3]) + " \\", indent=4)
    say(" ".join(command[3:]), indent=4)
    say(f"then open {PAGE_URL} and sign in with a token made for this demo:")
    for role, token in tokens.items():
        say(f"{role}: {token}", indent=4)


def _case(system: System, case_ref: str) -> dict[str, Any]:
    report = system.cases.case_report(case_ref)
    keep = ("case_id", "case_ref", "category", "status", "priority", "opened_at", "opened_by", "proactive", "factors")
    return {key: report[key] for key in keep} | {"timeline_entries": len(report["timeline"])}


def _show(scenarios: list[dict[str, Any]], stored: dict[str, int], rejected: int, database: Path,
          top: list[dict[str, Any]]) -> None:
    for scenario in scenarios:
        say("")
        say((scenario["scenario"], "bold"), f": {plural(scenario['accepted'], 'event')} accepted, "
            f"{plural(scenario['duplicates'], 'duplicate')}, {scenario['rejected']} rejected")
        cases = scenario["cases"]
        with_factors = [c for c in cases if c["factors"]]
        if len(cases) > LISTED_CASES:
            by_category = Counter(c["category"] for c in cases)
            say(f"{plural(len(cases), 'case')}: " + ", ".join(f"{n} {k}" for k, n in by_category.most_common()),
                indent=2)
            cases = with_factors
        for case in cases:
            say("case ", (case["case_ref"], "bold"), f" {case['category']}, {case['priority']} priority, "
                f"{case['status']}, opened {case['opened_at']} by {case['opened_by']}",
                (", proactively" if case["proactive"] else "", "yellow"), indent=2)
            for factor in case["factors"]:
                say((factor["department"], "cyan"), f": {factor['code']}, {factor_decision(factor)}", indent=4)
                say(factor["explanation"], indent=6, hang=2)
                say("evidence: " + ", ".join(f"{e['source']}#{e['id']}" for e in factor["evidence"]), indent=6, hang=2)
    say("")
    say("Top issues of all the samples: " + ", ".join(f"{t['category']} {t['count']}" for t in top))
    say(f"{plural(sum(stored.values()), 'event')} stored, {plural(rejected, 'input')} rejected.")
    say(f"Explore: casetrail --database sqlite:///{database} cases")
    say("then: case CASE_REF, report NAME (weekly, monthly, top-issues, outstanding, departments)", indent=4)
