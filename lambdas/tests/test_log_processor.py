"""The log processor: objects in, DynamoDB items out, bad lines counted."""

from __future__ import annotations

import json
from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Key

from conftest import (BUCKET, EPOCH, GOOD, METRIC_TYPES, PROCESSOR_FUNCTION, TABLE, list_keys, metric_sum,
                      read_object, s3_event)

TIME = "2026-11-25T17:50:08.123Z"


@pytest.fixture
def objects(collector, bucket, table, monkeypatch):
    """The four objects of one simulated run (three instances each)."""
    for metric_type in METRIC_TYPES:
        collector.handler({"metric_type": metric_type, "time": TIME}, None)
    # Each function has its own name; from here on the processor is the one running.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", PROCESSOR_FUNCTION)
    return list_keys()


def scan() -> list[dict]:
    return boto3.resource("dynamodb").Table(TABLE).scan()["Items"]


def put(key: str, body: bytes) -> str:
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=body)
    return key


def line(**changes) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def test_processor_turns_four_objects_into_twelve_items_found_through_metric_type_index(processor, objects):
    summary = processor.handler(s3_event(BUCKET, objects), None)

    assert summary == {"objects": 4, "items": 12, "malformed": 0}
    assert len(scan()) == 12
    cpu = boto3.resource("dynamodb").Table(TABLE).query(
        IndexName="MetricTypeIndex", KeyConditionExpression=Key("metric_type").eq("cpu"),
    )["Items"]
    assert len(cpu) == 3
    cpu_key = next(k for k in objects if "-cpu-metrics-" in k)
    lines = {r["instance_id"]: r for r in map(json.loads, read_object(cpu_key).decode().splitlines())}
    for item in cpu:
        record = lines[item["instance_id"]]
        assert item["metric_key"] == f"{EPOCH}#cpu"
        assert item["timestamp"] == EPOCH
        assert item["expires_at"] == EPOCH + 90 * 86400
        assert item["value"] == Decimal(str(record["value"]))
        assert item["unit"] == "percent"
        assert item["region"] == "us-east-1"
        assert item["metadata"] == record["metadata"]
        assert item["source_key"] == cpu_key


def test_processing_the_same_objects_twice_leaves_twelve_items(processor, objects):
    processor.handler(s3_event(BUCKET, objects), None)
    first = sorted(scan(), key=lambda i: (i["instance_id"], i["metric_key"]))

    processor.handler(s3_event(BUCKET, objects), None)
    second = sorted(scan(), key=lambda i: (i["instance_id"], i["metric_key"]))

    assert len(second) == 12
    assert first == second  # identical items, TTL included


def test_bad_line_beside_a_good_one_keeps_the_good_one_and_counts_one_malformed(processor, bucket, table, capsys):
    key = put("year=2026/month=11/day=25/hour=17/cpu-metrics-20261125T175008Z.json",
              line() + b"\n{not json\n")

    summary = processor.handler(s3_event(BUCKET, [key]), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 1}
    assert [i["instance_id"] for i in scan()] == ["i-0000000000000001"]
    assert metric_sum("LogProcessorErrors", [{"Name": "FunctionName", "Value": PROCESSOR_FUNCTION}]) == 1
    logged = [json.loads(l) for l in capsys.readouterr().out.splitlines()]
    [bad] = [l for l in logged if l["message"] == "malformed line"]
    assert bad["line"] == 2 and bad["key"] == key and bad["reason"].startswith("not JSON")


@pytest.mark.parametrize("raw, reason", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "unit"}).encode(), "missing field 'unit'"),
    (line(value="45.2"), "field 'value' has the wrong type"),
    (line(value=True), "field 'value' has the wrong type"),
    (line(metadata="simulated"), "field 'metadata' has the wrong type"),
    (line(instance_id=""), "instance_id is empty"),
    (line(metric_type="gpu"), "unknown metric_type"),
    (line(timestamp="yesterday"), "timestamp is not ISO-8601"),
    (line(timestamp="2026-11-25T17:50:08"), "timestamp has no UTC offset"),
    (line().replace(b"45.2", b"NaN"), "NaN is not a number"),
    (line().replace(b"45.2", b"1e400"), "not storable in DynamoDB"),
    (line().replace(b"45.2", b"1.0000000000000000000000000000000000000001"), "not storable in DynamoDB"),
    (line().replace(b"45.2", b"1" * 5000), "not usable JSON"),
    (line(metadata={"nested": {"a": 1}}), "metadata 'nested'"),
    (b"\xff\xfe" + line(), "not UTF-8"),
    (line(unit="\ud800"), "not valid Unicode"),
])
def test_each_kind_of_malformed_line_is_rejected_with_its_reason(processor, raw, reason):
    with pytest.raises(processor.Malformed, match=reason):
        processor.parse_line(raw, "k.json", 90)


def test_duplicate_points_in_one_object_are_written_once_last_line_wins(processor, bucket, table):
    key = put("dup.json", line(value=1) + b"\n" + line(value=2) + b"\n")

    summary = processor.handler(s3_event(BUCKET, [key]), None)

    assert summary == {"objects": 1, "items": 1, "malformed": 0}
    [item] = scan()
    assert item["value"] == 2


def test_unprocessed_items_are_retried(processor, objects, monkeypatch):
    dynamodb = processor._client("dynamodb")
    real_batch_write = dynamodb.batch_write_item
    calls, sleeps = [], []

    def throttle_once(**request):
        calls.append(request)
        if len(calls) == 1:  # DynamoDB accepted nothing this time
            return {"UnprocessedItems": request["RequestItems"]}
        return real_batch_write(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", throttle_once)
    monkeypatch.setattr(processor, "_sleep", sleeps.append)

    summary = processor.handler(s3_event(BUCKET, objects[:1]), None)

    assert summary["items"] == 3
    assert len(calls) == 2 and calls[0] == calls[1]
    assert len(sleeps) == 1
    assert len(scan()) == 3


def test_items_still_unprocessed_after_the_retries_fail_the_invocation(processor, objects, monkeypatch):
    dynamodb = processor._client("dynamodb")
    calls = []

    def always_throttled(**request):
        calls.append(request)
        return {"UnprocessedItems": request["RequestItems"]}

    monkeypatch.setattr(dynamodb, "batch_write_item", always_throttled)

    with pytest.raises(RuntimeError, match="unprocessed"):
        processor.handler(s3_event(BUCKET, objects[:1]), None)

    assert len(calls) == processor.MAX_WRITE_ATTEMPTS
    assert metric_sum("LogProcessorErrors", [{"Name": "FunctionName", "Value": PROCESSOR_FUNCTION}]) == 1


def test_batches_hold_at_most_25_items(processor, bucket, table, monkeypatch):
    body = b"\n".join(line(instance_id=f"i-{n:017x}") for n in range(60))
    key = put("many.json", body)
    dynamodb = processor._client("dynamodb")
    sizes = []
    real_batch_write = dynamodb.batch_write_item

    def spy(**request):
        sizes.append(len(request["RequestItems"][TABLE]))
        return real_batch_write(**request)

    monkeypatch.setattr(dynamodb, "batch_write_item", spy)

    assert processor.handler(s3_event(BUCKET, [key]), None)["items"] == 60
    assert sizes == [25, 25, 10]


def test_ttl_days_comes_from_the_environment(processor, bucket, table, monkeypatch):
    monkeypatch.setenv("TTL_DAYS", "7")
    key = put("one.json", line())

    processor.handler(s3_event(BUCKET, [key]), None)

    assert scan()[0]["expires_at"] == EPOCH + 7 * 86400


def test_url_encoded_keys_are_decoded(processor, bucket, table):
    key = put("year=2026/odd name+plus.json", line())

    event = s3_event(BUCKET, [key])
    assert event["Records"][0]["s3"]["object"]["key"] == "year%3D2026/odd+name%2Bplus.json"
    assert processor.handler(event, None) == {"objects": 1, "items": 1, "malformed": 0}
    assert scan()[0]["source_key"] == key


def test_events_without_created_objects_do_nothing(processor, bucket, table):
    assert processor.handler({"Service": "Amazon S3", "Event": "s3:TestEvent"}, None) == {
        "objects": 0, "items": 0, "malformed": 0}
    removed = s3_event(BUCKET, ["gone.json"], event_name="ObjectRemoved:Delete")
    assert processor.handler(removed, None) == {"objects": 0, "items": 0, "malformed": 0}


def test_item_key_and_attribute_names_come_from_the_environment(processor, monkeypatch):
    for variable, name in (("TABLE_PARTITION_KEY", "host"), ("TABLE_SORT_KEY", "point"),
                           ("TABLE_TIMESTAMP_ATTRIBUTE", "at"), ("TABLE_METRIC_TYPE_ATTRIBUTE", "kind"),
                           ("TABLE_TTL_ATTRIBUTE", "ttl")):
        monkeypatch.setenv(variable, name)
    names = processor.Settings.from_env().names

    item = processor.parse_line(line(), "k.json", 90, names)

    assert {k: v for k, v in item.items() if k in names.configured()} == {
        "host": {"S": "i-0000000000000001"}, "point": {"S": f"{EPOCH}#cpu"}, "at": {"N": str(EPOCH)},
        "kind": {"S": "cpu"}, "ttl": {"N": str(EPOCH + 90 * 86400)},
    }


def test_attribute_names_that_collide_are_refused(processor):
    with pytest.raises(ValueError, match="used twice: unit"):
        processor.Settings.from_env({"TABLE_NAME": TABLE, "TABLE_SORT_KEY": "unit"})


def test_the_error_metric_name_comes_from_the_environment(processor, bucket, table, monkeypatch):
    monkeypatch.setenv("ERROR_METRIC_NAME", "ProcessorFailures")
    key = put("bad.json", b"{not json\n")

    processor.handler(s3_event(BUCKET, [key]), None)

    assert metric_sum("ProcessorFailures", [{"Name": "FunctionName", "Value": PROCESSOR_FUNCTION}]) == 1
