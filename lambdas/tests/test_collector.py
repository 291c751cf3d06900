"""The collector in simulated mode (the default): objects, keys, values, errors."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

from conftest import ACCOUNT, BUCKET, FUNCTION, METRIC_TYPES, count_calls, list_keys, metric_sum, read_object

TIME = "2026-11-25T17:50:08.123Z"  # what $$.Execution.StartTime looks like
RECORD_FIELDS = {"timestamp", "instance_id", "region", "metric_type", "value", "unit", "metadata"}
DEFAULT_FLEET = ["i-0000000000000001", "i-0000000000000002", "i-0000000000000003"]


def expected_key(metric_type: str) -> str:
    return f"year=2026/month=11/day=25/hour=17/{ACCOUNT}-us-east-1-{metric_type}-metrics-20261125T175008Z.json"


def collect_all(collector, time: str | None = TIME) -> list[dict]:
    event = {} if time is None else {"time": time}
    return [collector.handler({**event, "metric_type": m}, None) for m in METRIC_TYPES]


def lines(key: str) -> list[dict]:
    return [json.loads(line) for line in read_object(key).decode().splitlines()]


def test_simulated_collection_of_four_metrics_writes_four_partitioned_objects_of_three_lines(collector, bucket):
    summaries = collect_all(collector)

    assert list_keys() == sorted(expected_key(m) for m in METRIC_TYPES)
    for metric_type, summary in zip(METRIC_TYPES, summaries):
        records = lines(expected_key(metric_type))
        assert len(records) == 3
        assert [r["instance_id"] for r in records] == DEFAULT_FLEET
        for record in records:
            assert set(record) == RECORD_FIELDS
            assert record["timestamp"] == "2026-11-25T17:50:08Z"
            assert record["region"] == "us-east-1"
            assert record["metric_type"] == metric_type
            assert record["metadata"] == {"collection_method": "simulated", "pipeline_version": "1.0"}
        assert summary == {
            "metric_type": metric_type,
            "instances": 3,
            "absent": 0,
            "bytes": len(read_object(expected_key(metric_type))),
            "key": expected_key(metric_type),
            "bucket": BUCKET,
        }


def test_simulated_values_are_deterministic_and_plausible(collector, bucket):
    first = [read_object(s["key"]) for s in collect_all(collector)]
    boto3.resource("s3").Bucket(BUCKET).objects.all().delete()
    second = [read_object(s["key"]) for s in collect_all(collector)]
    assert first == second  # same instance, metric and time: same bytes

    units = {"cpu": "percent", "memory": "percent", "disk": "bytes_per_second", "network": "bytes_per_second"}
    seen = set()
    for hour in range(0, 24, 3):
        moment = datetime(2026, 11, 25, hour, 0, tzinfo=timezone.utc)
        for n in range(50):
            instance_id = f"i-{n:017x}"
            for metric_type in METRIC_TYPES:
                value = collector.simulate_value(instance_id, metric_type, moment)
                assert value == collector.simulate_value(instance_id, metric_type, moment)
                assert value >= 0
                if units[metric_type] == "percent":
                    assert 0 <= value <= 100
                seen.add((metric_type, value))
    # Plausible also means varied, not one constant.
    assert len(seen) > 4 * 50


def test_rerun_with_same_time_leaves_four_objects(collector, bucket):
    first = collect_all(collector)
    second = collect_all(collector)

    assert [s["key"] for s in first] == [s["key"] for s in second]
    assert list_keys() == sorted(expected_key(m) for m in METRIC_TYPES)


@pytest.mark.parametrize("time", ["2026-11-25T17:50:08.123Z", "2026-11-25T17:50:08Z", "2026-11-25T17:50:08+00:00",
                                  "2026-11-25T18:50:08.999+01:00"])
def test_time_with_milliseconds_z_or_offset_gives_the_same_key(collector, bucket, time):
    summary = collector.handler({"metric_type": "cpu", "time": time}, None)
    assert summary["key"] == expected_key("cpu")


def test_missing_time_uses_now_rounded_down_to_the_minute(collector, bucket, monkeypatch):
    monkeypatch.setattr(collector, "_utcnow", lambda: datetime(2026, 11, 25, 17, 50, 42, 500000, tzinfo=timezone.utc))

    summary = collector.handler({"metric_type": "memory"}, None)

    assert summary["key"] == f"year=2026/month=11/day=25/hour=17/{ACCOUNT}-us-east-1-memory-metrics-20261125T175000Z.json"
    assert {r["timestamp"] for r in lines(summary["key"])} == {"2026-11-25T17:50:00Z"}


@pytest.mark.parametrize("time", ["yesterday", "2026-13-01T00:00:00Z", "2026-11-25T17:50:08", 1764093008])
def test_malformed_time_raises_and_counts_a_collector_error(collector, bucket, time):
    with pytest.raises(ValueError, match="'time'"):
        collector.handler({"metric_type": "cpu", "time": time}, None)

    assert list_keys() == []
    assert metric_sum("DataCollectorErrors", [{"Name": "FunctionName", "Value": FUNCTION}]) == 1


def test_unknown_metric_type_raises_and_counts_a_collector_error(collector, bucket):
    with pytest.raises(ValueError, match="unknown metric_type 'gpu'; expected one of cpu, disk, memory, network"):
        collector.handler({"metric_type": "gpu", "time": TIME}, None)

    assert metric_sum("DataCollectorErrors", [{"Name": "FunctionName", "Value": FUNCTION}]) == 1


def test_missing_bucket_raises_and_counts_a_collector_error(collector, aws, monkeypatch):
    monkeypatch.delenv("RAW_BUCKET")
    with pytest.raises(ValueError, match="RAW_BUCKET"):
        collector.handler({"metric_type": "cpu", "time": TIME}, None)

    assert metric_sum("DataCollectorErrors", [{"Name": "FunctionName", "Value": FUNCTION}]) == 1


def test_one_fleet_aggregate_is_published_as_a_statistic_set(collector, bucket):
    puts = count_calls(collector._client("cloudwatch"), "PutMetricData")

    collector.handler({"metric_type": "cpu", "time": TIME}, None)

    values = [r["value"] for r in lines(expected_key("cpu"))]
    assert len(puts) == 1
    assert puts[0]["Namespace"] == "InfraMonitoring"
    [datum] = puts[0]["MetricData"]
    assert datum["MetricName"] == "CPUUtilization"
    assert datum["Unit"] == "Percent"
    assert datum["Dimensions"] == [{"Name": "Pipeline", "Value": "infra-monitoring-test"}]
    assert datum["Timestamp"] == datetime(2026, 11, 25, 17, 50, 8, tzinfo=timezone.utc)
    assert datum["StatisticValues"] == {
        "SampleCount": 3.0, "Sum": pytest.approx(sum(values)), "Minimum": min(values), "Maximum": max(values),
    }


def test_per_instance_metrics_add_one_datum_per_instance(collector, bucket, monkeypatch):
    monkeypatch.setenv("PER_INSTANCE_METRICS", "true")
    puts = count_calls(collector._client("cloudwatch"), "PutMetricData")

    collector.handler({"metric_type": "network", "time": TIME}, None)

    [call] = puts
    per_instance = [d for d in call["MetricData"] if len(d["Dimensions"]) == 2]
    assert [d["Dimensions"][1] for d in per_instance] == [{"Name": "InstanceId", "Value": i} for i in DEFAULT_FLEET]
    assert {d["Unit"] for d in call["MetricData"]} == {"Bytes/Second"}


def test_instance_ids_from_the_environment_are_sorted_and_deduplicated(collector, bucket, monkeypatch):
    monkeypatch.setenv("INSTANCE_IDS", " i-0b, i-0a,,i-0b ")

    summary = collector.handler({"metric_type": "disk", "time": TIME}, None)

    assert summary["instances"] == 2
    assert [r["instance_id"] for r in lines(summary["key"])] == ["i-0a", "i-0b"]


class _Context:
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111122223333:function:infra-monitoring-test-collector"


def test_the_key_carries_the_source_account_from_the_context_and_the_region(collector, bucket, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    summary = collector.handler({"metric_type": "cpu", "time": TIME}, _Context())
    assert summary["key"] == (
        "year=2026/month=11/day=25/hour=17/111122223333-eu-west-1-cpu-metrics-20261125T175008Z.json"
    )


def test_two_regions_write_different_keys_for_the_same_run(collector):
    scheduled = datetime(2026, 11, 25, 17, 50, tzinfo=timezone.utc)
    keys = {collector.object_key("cpu", scheduled, ACCOUNT, r) for r in ("us-east-1", "eu-west-1")}
    assert len(keys) == 2


def test_without_a_context_or_an_account_the_collection_fails_and_says_why(collector, bucket, monkeypatch):
    monkeypatch.delenv("AWS_ACCOUNT_ID")
    with pytest.raises(ValueError, match="source account"):
        collector.handler({"metric_type": "cpu", "time": TIME}, None)
