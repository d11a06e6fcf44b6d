"""The inbound contract's limits (spec ingest-v1, Limits): inside them every
input is stored and answered by every command afterwards, on both stores;
outside them it is rejected with a short reason, and the valid input beside
it is stored."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from casetrail.adapters.cli.main import main
from casetrail.adapters.importers.jsonl import _lines
from casetrail.adapters.kafka.records import record_input
from casetrail.domain.values import MAX_REF
from casetrail.services.batches import RawInput, batches
from casetrail.services.limits import KEPT_BYTES, MAX_BATCH_BYTES, MAX_LINE_BYTES, MAX_REASON, MAX_TEXT
from casetrail.services.parsing import Invalid, parse_event

REPORTS = ("weekly", "monthly", "top-issues", "outstanding", "departments")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def event(id_: str, type_: str = "inventory.set", **extra: Any) -> dict[str, Any]:
    data = extra.pop("data", None) or {"resource": "seaside:standard", "date": "2019-06-21", "available": 4}
    return {"specversion": "1.0", "id": id_, "source": "pms:seaside", "type": type_,
            "time": "2019-06-20T08:00:00+07:00", "data": data, **extra}


def valid_lines(count: int, prefix: str = "ok") -> list[bytes]:
    return [orjson.dumps(event(f"{prefix}-{n}")) for n in range(count)]


def with_nested_extension(id_: str, depth: int) -> bytes:
    """An event whose extension ``ext`` is an object ``depth`` levels deep, the
    event itself one level more (written as text: no serialiser goes that deep)."""
    line = orjson.dumps(event(id_, ext="HERE"))
    return line.replace(b'"HERE"', b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1))


def ingest(capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path,
           lines: list[bytes]) -> tuple[int, dict[str, int]]:
    path = tmp_path / "input.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run(capsys, "--database", database_url, "ingest", str(path), "--json")
    assert code in (0, 3), err
    return code, json.loads(out)


def rejects(capsys: pytest.CaptureFixture[str], database_url: str) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "--database", database_url, "rejects", "--json")
    assert code == 0, err
    return list(json.loads(out))


def every_read_answers(capsys: pytest.CaptureFixture[str], database_url: str) -> list[dict[str, Any]]:
    """cases, case for each case, every report, rejects and replay all succeed."""
    code, out, err = run(capsys, "--database", database_url, "cases", "--json")
    assert code == 0, err
    cases = list(json.loads(out))
    for case in cases:
        code, out, err = run(capsys, "--database", database_url, "case", case["case_ref"], "--json")
        assert code == 0, err
    for name in REPORTS:
        code, out, err = run(capsys, "--database", database_url, "report", name, "--json")
        assert code == 0, (name, err)
    rejects(capsys, database_url)
    code, out, err = run(capsys, "--database", database_url, "replay")
    assert code == 0, err
    return cases


def test_an_extension_nested_past_the_limit_is_rejected_and_the_lines_beside_it_stored(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path) -> None:
    deep = with_nested_extension("deep", 299)
    at_limit = with_nested_extension("at-limit", 31)
    past_limit = with_nested_extension("past-limit", 32)
    code, counts = ingest(capsys, database_url, tmp_path, [deep, at_limit, past_limit, *valid_lines(999)])
    assert (code, counts) == (3, {"accepted": 1000, "duplicates": 0, "rejected": 2})
    reasons = [r["reason"] for r in rejects(capsys, database_url)]
    assert all("nested deeper than 32 levels" in r and r.startswith("ext.a.a") for r in reasons), reasons
    every_read_answers(capsys, database_url)


def contact_on_a_case(seconds: int, prefix: str) -> list[bytes]:
    opened = event(f"{prefix}-case", "case.opened", data={
        "case_ref": f"{prefix}-C", "category": "service_complaint", "summary": "held for ages", "party_ref": "p-1"})
    started = event(f"{prefix}-start", "contact.started", data={
        "contact_ref": f"{prefix}-K", "party_ref": "p-1", "medium": "phone", "direction": "inbound",
        "case_ref": f"{prefix}-C"})
    held = [event(f"{prefix}-held-{n}", "contact.held", data={"contact_ref": f"{prefix}-K", "seconds": seconds})
            for n in range(2)]
    return [orjson.dumps(e) for e in (opened, started, *held)]


def test_integers_up_to_the_limit_are_stored_and_summed_and_larger_ones_rejected(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path) -> None:
    largest = 2_147_483_647
    lines = contact_on_a_case(largest, "max") + contact_on_a_case(9_223_372_036_854_775_807, "huge")
    code, counts = ingest(capsys, database_url, tmp_path, lines)
    assert (code, counts) == (3, {"accepted": 6, "duplicates": 0, "rejected": 2})
    assert all(r["reason"].startswith("data.seconds: input should be less than or equal to 2147483647")
               for r in rejects(capsys, database_url))
    every_read_answers(capsys, database_url)
    code, out, _ = run(capsys, "--database", database_url, "case", "max-C", "--json")
    assert json.loads(out)["effort"]["hold_seconds"] == 2 * largest


@pytest.mark.parametrize("field", ["actor", "id", "department", "ext"])
def test_nul_and_other_control_characters_are_rejected_alike_on_both_stores(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path, field: str) -> None:
    bad = [orjson.dumps(event(f"bad-{n}", **{field: f"a{char}b"})) for n, char in enumerate("\x00\x07\x1b")]
    fine = orjson.dumps(event("fine", **{field: "tab\there, line\nfeed, return\r"}))
    code, counts = ingest(capsys, database_url, tmp_path, [*bad, fine, *valid_lines(10)])
    assert (code, counts) == (3, {"accepted": 11, "duplicates": 0, "rejected": 3})
    reasons = [r["reason"] for r in rejects(capsys, database_url)]
    assert [r.split(";")[0] for r in reasons] == [
        f"{field}: contains the control character U+{code:04X}" for code in (0, 7, 0x1B)]
    every_read_answers(capsys, database_url)


def test_reasons_stay_short_whatever_the_input_quotes(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path) -> None:
    long_type = orjson.dumps(event("long-type", type_="x" * 3000))
    long_actor = orjson.dumps(event("long-actor", actor="x" * 10_001))
    long_id = orjson.dumps(event("i" * 900_000))
    code, counts = ingest(capsys, database_url, tmp_path, [long_type, long_actor, long_id, *valid_lines(5)])
    assert (code, counts) == (3, {"accepted": 5, "duplicates": 0, "rejected": 3})
    found = rejects(capsys, database_url)
    assert all(len(r["reason"]) <= MAX_REASON for r in found), [len(r["reason"]) for r in found]
    assert found[0]["reason"].startswith("type: unknown event type 'xxxx")
    assert found[1]["reason"] == "actor: text of 10,001 characters is over the limit of 10,000"
    assert found[2]["reason"].startswith("id: text of 900,000 characters is over the limit of 10,000")


def longest(seed: str, length: int) -> str:
    """Text of ``length`` characters that does not compress (as a store's index would meet it),
    half of them four bytes long in UTF-8."""
    digits = "".join(hashlib.sha256(f"{seed}{n}".encode()).hexdigest() for n in range(length // 32 + 1))
    return "".join(chr(0x1F600 + int(d, 16)) if n % 2 else d for n, d in enumerate(digits[:length]))


def test_text_and_refs_of_the_longest_length_are_stored_and_answered(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path) -> None:
    ref = MAX_REF
    attributes = {"source": "pms:" + longest("s", ref - 4), "actor": longest("a", MAX_TEXT),
                  "department": longest("d", ref), "actorrole": longest("r", ref), "ext": longest("e", MAX_TEXT)}
    case_ref, party = longest("c", ref), longest("p", ref)
    lines = [
        event("case", "case.opened", **attributes, data={
            "case_ref": case_ref, "category": "other", "summary": longest("m", MAX_TEXT), "party_ref": party}),
        event("factor", "case.factor_added", **attributes, data={
            "case_ref": case_ref, "code": longest("f", ref), "department": longest("g", ref),
            "explanation": longest("x", MAX_TEXT), "evidence": [{"source": "pms:seaside", "id": "case"}]}),
        event("contact", "contact.started", **attributes, data={
            "contact_ref": longest("k", ref), "party_ref": party, "medium": "phone", "direction": "inbound",
            "case_ref": case_ref, "booking_ref": longest("b", ref), "topic": longest("t", MAX_TEXT)}),
        event("booking", "booking.created", **attributes, data={
            "booking_ref": longest("b", ref), "resource": longest("z", ref), "date": "2019-06-21", "nights": 2,
            "channel": longest("h", ref), "guest_ref": party}),
        event("stop", "inventory.closed", **attributes, data={
            "resource": longest("z", ref), "from": "2019-06-21", "to": "2019-06-22", "channels": [longest("h", ref)]}),
    ]
    code, counts = ingest(capsys, database_url, tmp_path, [orjson.dumps(line) for line in lines])
    assert (code, counts) == (0, {"accepted": len(lines), "duplicates": 0, "rejected": 0})
    assert case_ref in [case["case_ref"] for case in every_read_answers(capsys, database_url)]


def test_a_ref_longer_than_an_id_is_rejected() -> None:
    result = parse_event(orjson.dumps(event("r", data={"resource": "r" * (MAX_REF + 1), "date": "2019-06-21",
                                                          "available": 1})))
    assert isinstance(result, Invalid)
    assert result.reason.startswith("data.resource: string should have at most 200 characters")


def test_a_line_over_one_mebibyte_is_kept_as_its_size_hash_and_first_bytes(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path) -> None:
    huge = orjson.dumps(event("huge", ext="x" * (3 * MAX_LINE_BYTES)))
    code, counts = ingest(capsys, database_url, tmp_path, [*valid_lines(3), huge, *valid_lines(3, "after")])
    assert (code, counts) == (3, {"accepted": 6, "duplicates": 0, "rejected": 1})
    [reject] = rejects(capsys, database_url)
    assert reject["raw"].encode() == huge[:KEPT_BYTES]
    assert f"{len(huge):,} bytes" in reject["reason"]
    assert hashlib.sha256(huge).hexdigest() in reject["reason"]
    assert len(reject["reason"]) <= MAX_REASON


@pytest.mark.parametrize("time", ["1", "1561087860", "99999999999", "20190621T103330Z", "2019-W25-5T10:00Z",
                                  "2019-06-21", "1899-12-31T23:59:59Z", "2200-01-01T00:00:00+00:00"])
def test_digits_and_other_shapes_are_not_timestamps(time: str) -> None:
    result = parse_event(orjson.dumps(event("t", time=time)))
    assert isinstance(result, Invalid) and result.reason.startswith("time: "), result


@pytest.mark.parametrize("time", ["1900-01-01T00:00:00+14:00", "2199-12-31T23:59:59.123456-12:00",
                                  "2019-06-21t10:31:00z"])
def test_rfc3339_timestamps_within_the_range_are_read(time: str) -> None:
    assert not isinstance(parse_event(orjson.dumps(event("t", time=time))), Invalid)


def test_dates_in_data_must_be_rfc3339_text() -> None:
    for date in (20190621, "20190621", "2019-6-21"):
        result = parse_event(orjson.dumps(event("d", data={"resource": "r", "date": date, "available": 1})))
        assert isinstance(result, Invalid) and result.reason.startswith("data.date: "), result


def test_a_long_line_is_read_in_pieces_never_whole() -> None:
    line = b"y" * (5 * MAX_LINE_BYTES)
    stream = io.BytesIO(b"first\n" + line + b"\r\nlast")
    first, long_one, last = _lines(stream, "stdin", None)
    assert (first.raw, last.raw, last.entrance) == (b"first", b"last", "stdin:3")
    assert long_one.raw == line[:KEPT_BYTES] and long_one.entrance == "stdin:2"
    assert long_one.too_long is not None
    assert (long_one.too_long.size, long_one.too_long.sha256) == (len(line), hashlib.sha256(line).hexdigest())


def test_a_line_of_exactly_the_limit_is_read_whole() -> None:
    line = b"z" * MAX_LINE_BYTES
    [read] = _lines(io.BytesIO(line + b"\n"), "stdin", None)
    assert read.raw == line and read.too_long is None


def test_batches_are_cut_by_bytes_as_well_as_by_count() -> None:
    items = [RawInput(raw=b"x" * 1000, entrance=str(n)) for n in range(10)]
    assert [len(b) for b in batches(items, size=4, max_bytes=2500)] == [2, 2, 2, 2, 2]
    assert [len(b) for b in batches(items, size=4, max_bytes=10**9)] == [4, 4, 2]
    one_large = [RawInput(raw=b"x" * 5000, entrance="big"), *items[:2]]
    assert [len(b) for b in batches(one_large, size=4, max_bytes=2500)] == [1, 2]


def test_a_kafka_record_over_the_limit_is_kept_as_its_size_and_hash() -> None:
    value = b"v" * (MAX_LINE_BYTES + 10)
    record = record_input("events", 0, 7, None, value, [])
    assert record.input.raw == value[:KEPT_BYTES]
    assert record.input.too_long is not None and record.input.too_long.size == len(value)


@pytest.mark.parametrize("media_type", [None, "application/json", "application/json; charset=utf-8",
                                        "Application/JSON;charset=UTF-8", "application/cloudevents+json",
                                        "application/vnd.example.booking+json"])
def test_every_json_media_type_is_the_same_event(
        capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path, media_type: str | None) -> None:
    plain = orjson.dumps(event("same"))
    typed = orjson.dumps(event("same", **({"datacontenttype": media_type} if media_type else {})))
    code, counts = ingest(capsys, database_url, tmp_path, [plain, typed])
    assert (code, counts) == (0, {"accepted": 1, "duplicates": 1, "rejected": 0})


def test_a_media_type_that_is_not_json_is_rejected() -> None:
    result = parse_event(orjson.dumps(event("x", datacontenttype="text/plain")))
    assert isinstance(result, Invalid)
    assert result.reason == "datacontenttype: must be a JSON media type such as application/json (got 'text/plain')"


def test_a_key_stored_by_an_older_release_with_its_media_type_is_still_a_duplicate(
        capsys: pytest.CaptureFixture[str], sqlite_url: str, tmp_path: Path) -> None:
    """Releases before media types were canonical hashed ``datacontenttype`` with the body."""
    typed = event("old", datacontenttype="application/json")
    read = {k: v for k, v in typed.items() if k in {"specversion", "id", "source", "type", "time", "reportedat",
                                                    "actor", "department", "actorrole", "datacontenttype", "data"}}
    older_hash = hashlib.sha256(orjson.dumps(read, option=orjson.OPT_SORT_KEYS)).hexdigest()
    ingest(capsys, sqlite_url, tmp_path, [orjson.dumps(typed)])
    import sqlite3
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as db:
        assert db.execute("UPDATE casetrail_inbound SET body_hash = ?", (older_hash,)).rowcount == 1
    without = {k: v for k, v in typed.items() if k != "datacontenttype"}
    code, counts = ingest(capsys, sqlite_url, tmp_path, [orjson.dumps(typed), orjson.dumps(without)])
    assert (code, counts) == (0, {"accepted": 0, "duplicates": 2, "rejected": 0})


def test_a_cloudevents_content_type_on_kafka_means_structured_mode_even_beside_ce_headers() -> None:
    document = event("structured")
    headers = [("content-type", b"application/cloudevents+json; charset=utf-8"), ("ce_specversion", b"1.0"),
               ("ce_id", b"another"), ("ce_source", b"pms:elsewhere")]
    record = record_input("events", 0, 1, None, orjson.dumps(document), headers)
    assert orjson.loads(record.input.raw) == document


def test_a_kafka_poll_of_large_records_is_stored_as_batches_of_bounded_bytes() -> None:
    """The cut is casetrail's, after the client's poll: a stand-in for the poll's answer is enough."""
    import threading
    from types import SimpleNamespace

    from casetrail.adapters.kafka.consumer import InboundConsumer

    value = b"v" * (MAX_LINE_BYTES - 100)
    polled = {"events-0": [SimpleNamespace(topic="events", partition=0, offset=n, key=None, value=value, headers=[])
                           for n in range(20)]}
    consumer = object.__new__(InboundConsumer)
    consumer.stop, consumer.batch_size, consumer._in_flight, consumer._owed = threading.Event(), 1000, [], {}
    answers = iter([polled])

    def poll(**_: Any) -> dict[str, Any]:
        answer = next(answers, None)
        if answer is None:
            consumer.stop.set()
            return {}
        return answer

    consumer.consumer = SimpleNamespace(poll=poll)
    yielded = list(consumer._polls(SimpleNamespace(keep_alive=lambda: None)))  # type: ignore[arg-type]
    sizes = [len(batch) for batch in yielded]
    assert sum(sizes) == 20 and max(sizes) == MAX_BATCH_BYTES // len(value) and len(sizes) > 1
    assert [len(records) for records in consumer._in_flight] == [size for size in sizes if size]


@pytest.mark.parametrize(("field", "in_data"), [("actor", False), ("actorrole", False), ("department", False),
                                                ("booking_ref", True), ("topic", True), ("case_ref", True)])
def test_empty_text_is_not_text(field: str, in_data: bool) -> None:
    """Text is 1 to 10,000 characters (ingest-v1): an absent value is left out or null, never ""."""
    data = {"contact_ref": "K-1", "party_ref": "p-1", "medium": "phone", "direction": "inbound"}
    extra: dict[str, Any] = {}
    if in_data:
        data[field] = ""
    else:
        extra[field] = ""
    result = parse_event(orjson.dumps(event("e", "contact.started", data=data, **extra)))
    assert isinstance(result, Invalid)
    assert result.reason.startswith(f"{'data.' if in_data else ''}{field}: string should have at least 1 character")
