"""The log processor under faults: the invocation's deadline, throttling, poison
lines in quarantine and their replay, memory on big objects."""

from __future__ import annotations

import base64
import json
import tracemalloc

import boto3
import pytest

from conftest import (BUCKET, EPOCH, GOOD, PROCESSOR_FUNCTION, TABLE, list_keys, metric_sum, read_object,
                      s3_event)

KEY = "year=2026/month=11/day=25/hour=17/cpu-metrics-20261125T175008Z.json"
QUARANTINE_KEY = f"quarantine/{KEY}.jsonl"
ERRORS = [{"Name": "FunctionName", "Value": PROCESSOR_FUNCTION}]


def line(**changes) -> bytes:
    return json.dumps({**GOOD, **changes}, sort_keys=True).encode()


def lines(count: int) -> bytes:
    return b"".join(line(instance_id=f"i-{n:017x}") + b"\n" for n in range(count))


def put(key: str, body: bytes) -> str:
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return key


def scan() -> list[dict]:
    return boto3.resource("dynamodb").Table(TABLE).scan()["Items"]


def logged(capsys, message: str) -> list[dict]:
    records = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    return [r for r in records if r["message"] == message]


class Clock:
    """A Lambda context whose time passes only when the handler waits or calls AWS."""

    def __init__(self, remaining_ms: float) -> None:
        self.remaining_ms = remaining_ms
        self.sleeps: list[float] = []

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_ms)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.remaining_ms -= seconds * 1000

    def spend(self, milliseconds: float) -> None:
        self.remaining_ms -= milliseconds


@pytest.fixture
def worst_case_backoff(processor, monkeypatch):
    """Every backoff takes the longest pause it may (full jitter's upper end)."""
    monkeypatch.setattr(processor.random, "uniform", lambda low, high: high)


# --------------------------------------------------------------------------- the deadline


def throttle_after_first_batch(processor, clock: Clock, monkeypatch) -> list[dict]:
    """DynamoDB takes the first batch, then throttles everything; each call takes 100 ms."""
    dynamodb = processor._client("dynamodb")
    real_batch_write = dynamodb.batch_write_item
    calls: list[dict] = []

    def batch_write(**request):
        calls.append(request)
        clock.spend(100)
        if len(calls) == 1:
            return real_batch_write(**request)
        return {"UnprocessedItems": request["RequestItems"]}

    monkeypatch.setattr(dynamodb, "batch_write_item", batch_write)
    monkeypatch.setattr(processor, "_sleep", clock.sleep)
    return calls


def test_a_throttled_batch_near_the_deadline_stops_before_it_with_the_margin_left(
        processor, bucket, table, monkeypatch, worst_case_backoff):
    put(KEY, lines(60))
    clock = Clock(remaining_ms=6000)
    throttle_after_first_batch(processor, clock, monkeypatch)

    with pytest.raises(processor.OutOfTime):
        processor.handler(s3_event(BUCKET, [KEY]), clock)

    assert clock.remaining_ms >= processor.STOP_MARGIN_MS


def test_backoff_of_a_throttled_batch_never_sleeps_past_the_time_that_can_be_spared(
        processor, bucket, table, monkeypatch, worst_case_backoff):
    put(KEY, lines(60))
    clock = Clock(remaining_ms=6000)
    throttle_after_first_batch(processor, clock, monkeypatch)
    budget = processor.STOP_MARGIN_MS + processor.BATCH_BUDGET_MS
    spares: list[float] = []
    real_sleep = clock.sleep

    def sleep(seconds: float) -> None:
        spares.append((clock.remaining_ms - budget) / 1000)
        real_sleep(seconds)

    monkeypatch.setattr(processor, "_sleep", sleep)

    with pytest.raises(processor.OutOfTime):
        processor.handler(s3_event(BUCKET, [KEY]), clock)

    assert clock.sleeps and all(s <= spare for s, spare in zip(clock.sleeps, spares))


def test_stopping_before_the_deadline_logs_what_was_written_and_counts_an_error(
        processor, bucket, table, monkeypatch, capsys, worst_case_backoff):
    put(KEY, lines(60))
    clock = Clock(remaining_ms=6000)
    throttle_after_first_batch(processor, clock, monkeypatch)

    with pytest.raises(processor.OutOfTime, match="25 items"):
        processor.handler(s3_event(BUCKET, [KEY]), clock)

    [stop] = logged(capsys, "stopping before the timeout")
    assert (stop["key"], stop["items_written"], stop["done_through_line"]) == (KEY, 25, 25)
    assert len(scan()) == 25
    assert metric_sum("LogProcessorErrors", ERRORS) == 1


def test_with_too_little_time_left_no_batch_is_started(processor, bucket, table, monkeypatch):
    put(KEY, lines(10))
    clock = Clock(remaining_ms=processor.STOP_MARGIN_MS + processor.BATCH_BUDGET_MS - 1)
    calls = throttle_after_first_batch(processor, clock, monkeypatch)

    with pytest.raises(processor.OutOfTime):
        processor.handler(s3_event(BUCKET, [KEY]), clock)

    assert calls == []


def test_a_retry_after_a_stop_writes_the_same_items_once(processor, bucket, table, monkeypatch, worst_case_backoff):
    put(KEY, lines(60))
    clock = Clock(remaining_ms=6000)
    throttle_after_first_batch(processor, clock, monkeypatch)
    with pytest.raises(processor.OutOfTime):
        processor.handler(s3_event(BUCKET, [KEY]), clock)
    # DynamoDB recovers; the asynchronous retry runs with a fresh 30 s.
    monkeypatch.delattr(processor._client("dynamodb"), "batch_write_item")

    summary = processor.handler(s3_event(BUCKET, [KEY]), Clock(remaining_ms=30_000))

    assert summary == {"objects": 1, "items": 60, "malformed": 0}
    assert len(scan()) == 60


# --------------------------------------------------------------------------- quarantine


def test_a_poison_line_is_quarantined_with_its_source_line_number_and_reason(processor, bucket, table):
    put(KEY, line() + b"\n" + line(metric_type="gpu") + b"\n")

    summary = processor.handler(s3_event(BUCKET, [KEY]), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 1}
    [record] = [json.loads(text) for text in read_object(QUARANTINE_KEY).splitlines()]
    assert record == {
        "source_bucket": BUCKET,
        "source_key": KEY,
        "line": 2,
        "reason": "unknown metric_type 'gpu'",
        "raw": line(metric_type="gpu").decode(),
        "bytes": len(line(metric_type="gpu")),
    }


def test_an_object_without_poison_leaves_no_quarantine(processor, bucket, table):
    put(KEY, lines(3))

    processor.handler(s3_event(BUCKET, [KEY]), None)

    assert list_keys() == [KEY]


def test_quarantining_the_same_object_twice_gives_the_same_bytes(processor, bucket, table):
    put(KEY, line(metric_type="gpu") + b"\n\xff\n")
    processor.handler(s3_event(BUCKET, [KEY]), None)
    first = read_object(QUARANTINE_KEY)

    processor.handler(s3_event(BUCKET, [KEY]), None)

    assert read_object(QUARANTINE_KEY) == first


def test_a_quarantined_line_that_is_not_utf8_is_kept_byte_for_byte(processor):
    poison = processor.Poison(BUCKET, KEY, 7, "line is not UTF-8", b"\xff\xfe{}", 4)

    record = json.loads(poison.record())

    assert base64.b64decode(record["raw_base64"]) == b"\xff\xfe{}"
    assert processor.read_quarantine_record(processor.Line(1, poison.record().rstrip(b"\n"), 1)) == poison


def test_the_quarantine_key_does_not_match_the_processor_trigger(processor, golden_template):
    [trigger] = golden_template["Resources"]["RawMetricsBucket"]["Properties"]["NotificationConfiguration"][
        "LambdaConfigurations"]
    rules = {r["Name"]: r["Value"] for r in trigger["Filter"]["S3Key"]["Rules"]}
    key = processor.Settings.from_env({"TABLE_NAME": TABLE}).quarantine_key(KEY)

    assert not (key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", "")))


def test_a_quarantined_line_is_replayed_after_the_code_is_fixed(processor, bucket, table, monkeypatch):
    put(KEY, line(metric_type="gpu") + b"\n")
    processor.handler(s3_event(BUCKET, [KEY]), None)
    assert scan() == []
    monkeypatch.setattr(processor, "METRIC_TYPES", processor.METRIC_TYPES | {"gpu"})  # the fix

    summary = processor.handler(processor.replay_event(BUCKET, QUARANTINE_KEY), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 0}
    [item] = scan()
    assert (item["metric_key"], item["source_key"]) == (f"{EPOCH}#gpu", KEY)
    assert list_keys() == [KEY]  # the quarantine object is gone once nothing in it fails


def test_a_quarantined_line_is_replayed_after_it_is_fixed_by_hand(processor, bucket, table):
    put(KEY, line() + b"\n" + line(value="45.2") + b"\n")
    processor.handler(s3_event(BUCKET, [KEY]), None)
    record = json.loads(read_object(QUARANTINE_KEY))
    record["raw"] = line(instance_id="i-0000000000000002").decode()  # the person's fix
    put(QUARANTINE_KEY, json.dumps(record).encode() + b"\n")

    summary = processor.handler(processor.replay_event(BUCKET, QUARANTINE_KEY), None)

    assert summary["items"] == 1
    assert sorted(i["instance_id"] for i in scan()) == ["i-0000000000000001", "i-0000000000000002"]


def test_replaying_keeps_in_quarantine_only_what_still_fails(processor, bucket, table, monkeypatch):
    put(KEY, line(metric_type="gpu") + b"\n" + line(value=True) + b"\n")
    processor.handler(s3_event(BUCKET, [KEY]), None)
    monkeypatch.setattr(processor, "METRIC_TYPES", processor.METRIC_TYPES | {"gpu"})

    summary = processor.handler(processor.replay_event(BUCKET, QUARANTINE_KEY), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 1}
    [left] = [json.loads(text) for text in read_object(QUARANTINE_KEY).splitlines()]
    assert (left["source_key"], left["line"], left["reason"]) == (KEY, 2, "field 'value' has the wrong type (bool)")


def test_an_unreadable_quarantine_record_stays_where_it_was(processor, bucket, table):
    put(QUARANTINE_KEY, b"{\"edited\": \"badly\"\n")

    summary = processor.handler(processor.replay_event(BUCKET, QUARANTINE_KEY), None)

    assert summary["malformed"] == 1
    assert read_object(QUARANTINE_KEY) == b"{\"edited\": \"badly\"\n"


def test_a_line_too_long_for_an_item_is_quarantined_cut_with_its_true_length(processor, bucket, table):
    huge = line(unit="x" * (processor.MAX_LINE_BYTES + 10))
    put(KEY, huge + b"\n" + line() + b"\n")

    summary = processor.handler(s3_event(BUCKET, [KEY]), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 1}
    record = json.loads(read_object(QUARANTINE_KEY))
    assert (record["bytes"], record["truncated"], len(record["raw"])) == (len(huge), True, processor.MAX_LINE_BYTES)


# --------------------------------------------------------------------------- streaming


class GeneratedBody:
    """A streaming body of ``count`` copies of ``block``, made as it is read."""

    def __init__(self, block: bytes, count: int) -> None:
        self.block, self.count, self.position = block, count, 0
        self.size = len(block) * count

    def read(self, amount: int = -1) -> bytes:
        if self.position >= self.size:
            return b""
        offset = self.position % len(self.block)
        chunk = self.block[offset:offset + min(amount, self.size - self.position)]
        self.position += len(chunk)
        return chunk

    def close(self) -> None:
        pass


def test_streaming_an_8_mb_object_keeps_the_heap_far_below_its_size(processor, aws, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", TABLE)
    block = lines(1000)  # unique keys within the block; the block repeats
    body = GeneratedBody(block, count=8 * 2**20 // len(block) + 1)
    monkeypatch.setattr(processor, "open_object", lambda bucket, key: body)
    written = []
    monkeypatch.setattr(processor._client("dynamodb"), "batch_write_item",
                        lambda **request: written.append(len(request["RequestItems"][TABLE])) or {})

    tracemalloc.start()
    try:
        summary = processor.handler(s3_event(BUCKET, [KEY]), None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert summary["items"] == sum(written) > 20_000
    assert peak < body.size / 16, f"peak {peak} bytes for a {body.size} byte object"


def test_a_line_longer_than_the_limit_is_cut_not_held_whole(processor):
    body = GeneratedBody(b"x" * 1_000_000 + b"\n{}\n", count=1)

    [long, short] = processor.iter_lines(body, max_bytes=1000)

    assert (long.number, len(long.data), long.size) == (1, 1000, 1_000_000)
    assert (short.number, short.data, short.size) == (2, b"{}", 2)


def test_the_last_line_without_a_newline_is_read(processor):
    body = GeneratedBody(b"a\nbc", count=1)

    assert [(l.number, l.data) for l in processor.iter_lines(body, max_bytes=10)] == [(1, b"a"), (2, b"bc")]
