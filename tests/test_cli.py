"""The casetrail command as a user runs it: output, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS, lines_of
from tests.test_rejections import BAD_INPUTS


def casetrail(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    return subprocess.run(
        [sys.executable, "-m", "casetrail", *args], capture_output=True, text=True, cwd=cwd, env=env,
        input=stdin.decode() if stdin is not None else None, timeout=120, check=False,
    )


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.jsonl")))
def test_ingest_accepts_every_line_of_each_sample(database_url: str, scenario: str) -> None:
    result = casetrail("--database", database_url, "ingest", str(SCENARIOS / scenario), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"accepted": len(lines_of(scenario)), "duplicates": 0, "rejected": 0}


def test_a_file_mixing_good_and_bad_lines_reports_counts_exit_3_and_keeps_the_rejects(
    database_url: str, tmp_path: Path
) -> None:
    good = lines_of("01-overbooking-after-stop-sell.jsonl")
    bad = [raw for raw, _ in BAD_INPUTS.values()]
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\n".join(good + bad + good[:2]) + b"\n")

    result = casetrail("ingest", "--database", database_url, str(mixed), "--json")
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout) == {"accepted": len(good), "duplicates": 2, "rejected": len(bad)}

    listed = casetrail("rejects", "--database", database_url, "--json")
    assert listed.returncode == 0, listed.stderr
    rejects = json.loads(listed.stdout)
    assert [r["raw"].encode() for r in rejects] == bad
    assert [r["reason"][: len(expected)] for r, (_, expected) in zip(rejects, BAD_INPUTS.values())] == [
        expected for _, expected in BAD_INPUTS.values()
    ]
    assert rejects[0]["entrance"] == f"file:{mixed}:{len(good) + 1}"
    assert rejects[0]["received_at"].endswith("Z")


def test_plain_output_prints_the_counts(sqlite_url: str) -> None:
    result = casetrail("--database", sqlite_url, "ingest", "-", stdin=b"\n".join(lines_of("02-proactive-payment-rescue.jsonl")))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "accepted 7, duplicates 0, rejected 0"


def test_demo_loads_the_samples_into_a_fresh_file_and_shows_the_cases_found(tmp_path: Path) -> None:
    for _ in range(2):  # a second run starts afresh instead of finding duplicates
        result = casetrail("demo", "--json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert [s["duplicates"] for s in report["scenarios"]] == [0] * 5
    assert sum(report["stored_by_type"].values()) == 256
    assert report["rejected"] == 0
    assert (tmp_path / "casetrail-demo.db").exists()
    found = {s["scenario"][:2]: {(f["code"], f["department"]) for c in s["cases"] for f in c["factors"]}
             for s in report["scenarios"]}
    assert found["01"] == {("stop_sell_not_honoured", "ota_partner")}
    assert found["02"] == {("repeated_payment_failure", "ecommerce")}
    assert found["05"] == {("rate_miscommunicated", "sales"), ("sop_step_missed", "reservations")}


def test_demo_prints_a_readable_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # one line per line: the console wraps at the terminal's width
    result = casetrail("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # Every line but the factors' explanations (each on its own line under its factor), which the
    # detectors' tests check: what scenarios/README.md expects of each sample, with its cases, factors
    # and evidence.
    lines = result.stdout.splitlines()
    is_explanation = [line.startswith("      ") and not line.startswith("      evidence: ") for line in lines]
    # The demo's tokens are fresh each run (tests/pages/test_demo_pages.py signs in with them).
    shown = [re.sub(r"ct_[A-Za-z0-9_-]{43}$", "ct_TOKEN", line) for line, explanation in zip(lines, is_explanation)
             if not explanation]
    assert shown == [
        "",
        "01-overbooking-after-stop-sell: 12 events accepted, 0 duplicates, 0 rejected",
        "  case OVB-BEF6607987 overbooking, high priority, open, opened 2019-06-21T04:24:00Z by detector:overbooking, "
        "proactively",
        "    ota_partner: stop_sell_not_honoured, proposed by detector:overbooking",
        "      evidence: pms:seaside#fo-311, ota:booking.com#bcom-ack-311, ota:booking.com#bcom-8841",
        "",
        "02-proactive-payment-rescue: 7 events accepted, 0 duplicates, 0 rejected",
        "  case PAY-28E30C077D payment, high priority, open, opened 2021-12-06T04:04:40Z by "
        "detector:payment_failures, proactively",
        "    ecommerce: repeated_payment_failure, proposed by detector:payment_failures",
        "      evidence: web:checkout#pay-1, web:checkout#pay-2, web:checkout#pay-3",
        "",
        "03-member-service-month: 169 events accepted, 0 duplicates, 0 rejected",
        "  44 cases: 9 rate_discrepancy, 8 complimentary_night, 7 loyalty_status, 6 retro_claim, 5 loyalty_merge, "
        "4 website, 3 terms, 2 other",
        "",
        "04-twenty-contacts-nine-weeks: 62 events accepted, 0 duplicates, 0 rejected",
        "  case SVC-4E6EF15290 service_complaint, normal priority, open, opened 2010-03-01T14:32:00Z by "
        "detector:service_signals",
        "    customer_service: long_hold, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-01-h",
        "    billing: transfer_loop, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-02-t1, phone:pbx#pbx-K-02-t2",
        "    customer_service: transfer_loop, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-02-t1, phone:pbx#pbx-K-02-t2",
        "    customer_service: repeat_contact, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-01-s, phone:pbx#pbx-K-02-s, phone:pbx#pbx-K-03-s",
        "    billing: long_hold, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-07-h",
        "    technical_support: transfer_loop, proposed by detector:service_signals",
        "      evidence: phone:pbx#pbx-K-10-t1, phone:pbx#pbx-K-10-t2",
        "    customer_service: executive_escalation, proposed by detector:service_signals",
        "      evidence: mail:office-of-ceo#mail-letter-1-e",
        "",
        "05-booking-blamed-on-first-contact: 6 events accepted, 0 duplicates, 0 rejected",
        "  case ZD-9001 booking_error, high priority, resolved, opened 2019-03-15T07:30:00Z by rina",
        "    reservations: sop_step_missed, proposed by detector:procedures",
        "      evidence: pms:harbour#pms-g77",
        "    sales: rate_miscommunicated, added by hod",
        "      evidence: pms:harbour#pms-g77, pms:harbour#pms-g77-mod",
        "",
        "Top issues of all the samples: rate_discrepancy 9, complimentary_night 8, loyalty_status 7, retro_claim 6, "
        "loyalty_merge 5, website 4",
        "256 events stored, 0 inputs rejected.",
        "Explore: casetrail --database sqlite:///casetrail-demo.db cases",
        "    then: case CASE_REF, report NAME (weekly, monthly, top-issues, outstanding, departments)",
        "",
        "See it in a browser: serve the demo store with",
        "    casetrail --database sqlite:///casetrail-demo.db \\",
        "    --config casetrail-demo.toml serve",
        "then open http://127.0.0.1:8080/ and sign in with a token made for this demo:",
        "    lead: ct_TOKEN",
        "    auditor: ct_TOKEN",
    ]
    explanations = [line.strip() for line, explanation in zip(lines, is_explanation) if explanation]
    assert len(explanations) == 11 and all(explanations)
    assert explanations[0] == ("ota:booking.com accepted booking B-8841 50 min after acknowledging the stop-sell "
                               "of 10:31 +07:00")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--database", "mysql://x/y", "rejects"], "casetrail: database: unsupported URL 'mysql://x/y'"),
        (["ingest", "no-such-file.jsonl"], "casetrail: no-such-file.jsonl: no such file"),
        (["--database", "sqlite:///no/such/folder/x.db", "rejects"], "casetrail: database: folder 'no/such/folder'"),
        (["--database", "postgresql://nobody@127.0.0.1:1/nothing", "rejects"], "casetrail: database: "),
    ],
)
def test_user_mistakes_get_one_line_and_exit_1(args: list[str], message: str, tmp_path: Path) -> None:
    result = casetrail(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "casetrail.toml"
    config.write_text("[windows]\nsync_window_minute = 5\n")
    result = casetrail("--config", str(config), "--database", f"sqlite:///{tmp_path}/x.db", "rejects", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"casetrail: config {config}, line 2: windows.sync_window_minute: unknown key"


def test_usage_errors_exit_2() -> None:
    assert casetrail("teleport").returncode == 2
    assert casetrail("ingest").returncode == 2


def test_replay_leaves_every_case_report_byte_for_byte_the_same(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/casetrail.db"
    paths = [str(p) for p in sorted(SCENARIOS.glob("*.jsonl"))]
    assert casetrail("--database", database, "ingest", "--backfill", *paths).returncode == 0
    listed = json.loads(casetrail("--database", database, "cases", "--json").stdout)
    chosen = [c["case_ref"] for c in listed if not c["case_ref"].startswith("MS-")] + ["MS-1022"]
    before = [casetrail("--database", database, "case", ref, "--json").stdout for ref in chosen]
    replayed = casetrail("--database", database, "replay")
    assert replayed.returncode == 0, replayed.stderr
    assert "timeline: rebuilt from" in replayed.stdout
    assert [casetrail("--database", database, "case", ref, "--json").stdout for ref in chosen] == before


def test_a_lead_confirms_rejects_and_adds_factors_and_moves_the_case_on(database_url: str, tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return casetrail("--database", database_url, *args)

    paths = [str(SCENARIOS / name) for name in ("01-overbooking-after-stop-sell.jsonl",
                                                 "04-twenty-contacts-nine-weeks.jsonl")]
    assert run("ingest", "--backfill", *paths).returncode == 0
    refs = {c["category"]: c["case_ref"] for c in json.loads(run("cases", "--json").stdout)}
    overbooking, complaint = refs["overbooking"], refs["service_complaint"]

    assert run("factor", "confirm", overbooking, "stop_sell_not_honoured", "--by", "lead-7",
               "--rationale", "channel manager log shows the ack").returncode == 0
    ambiguous = run("factor", "reject", complaint, "transfer_loop", "--by", "lead-7", "--rationale", "r")
    assert ambiguous.returncode == 1 and "say which" in ambiguous.stderr
    assert run("factor", "reject", complaint, "transfer_loop", "--department", "technical_support",
               "--by", "lead-7", "--rationale", "a routing rule, not the team").returncode == 0
    assert run("factor", "add", overbooking, "--code", "relocation_late", "--department", "front_office",
               "--explanation", "the guest waited 4 h for the relocation", "--evidence", "pms:seaside#fo-reloc-8841",
               "--by", "lead-7").returncode == 0

    report = json.loads(run("case", overbooking, "--json").stdout)
    statuses = {(f["code"], f["department"]): (f["status"], f.get("decided_by")) for f in report["factors"]}
    assert statuses[("stop_sell_not_honoured", "ota_partner")] == ("confirmed", "lead-7")
    assert statuses[("relocation_late", "front_office")] == ("confirmed", None)
    assert {"case.factor_confirmed", "case.factor_added"} <= {e["type"] for e in report["timeline"]}
    rejected = [f for f in json.loads(run("case", complaint, "--json").stdout)["factors"] if f["status"] == "rejected"]
    assert [(f["department"], f["rationale"]) for f in rejected] == [("technical_support", "a routing rule, not the team")]
    assert run("cases", "--department", "technical_support", "--json").stdout.strip() == "[]"

    assert run("assign", overbooking, "--department", "revenue", "--by", "lead-7").returncode == 0
    assert run("resolve", overbooking, "--resolution", "guest relocated", "--by", "lead-7").returncode == 0
    assert run("resolve", overbooking, "--resolution", "again", "--by", "lead-7").returncode == 1
    assert run("reopen", overbooking, "--reason", "the OTA disputes it", "--by", "lead-7").returncode == 0
    assert run("close", overbooking, "--by", "lead-7").returncode == 0
    assert json.loads(run("case", overbooking, "--json").stdout)["status"] == "closed"
