"""The collector in cloudwatch mode, on a few instances: values, absence, windows."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

from conftest import list_keys, read_object

TIME = "2026-11-25T17:50:08.123Z"
# The window ends at 17:50:00 (the scheduled time, floored to the 5 minute period).
NEWEST = datetime(2026, 11, 25, 17, 42, tzinfo=timezone.utc)
OLDER = datetime(2026, 11, 25, 17, 32, tzinfo=timezone.utc)
IDS = ["i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2", "i-0aaaaaaaaaaaaaaa3"]


@pytest.fixture
def cloudwatch_mode(collector, bucket, monkeypatch):
    monkeypatch.setenv("COLLECTOR_MODE", "cloudwatch")
    monkeypatch.setenv("INSTANCE_IDS", ",".join(IDS))
    return collector


def seed(namespace: str, name: str, values: dict[str, float], at: datetime) -> None:
    boto3.client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=[
        {"MetricName": name, "Dimensions": [{"Name": "InstanceId", "Value": i}], "Timestamp": at, "Value": v}
        for i, v in values.items()
    ])


def records(key: str) -> list[dict]:
    return [json.loads(line) for line in read_object(key).decode().splitlines()]


def test_memory_without_agent_data_skips_the_line_and_reports_absent(cloudwatch_mode):
    seed("CWAgent", "mem_used_percent", {IDS[1]: 61.5}, NEWEST)  # only one instance runs the agent

    summary = cloudwatch_mode.handler({"metric_type": "memory", "time": TIME}, None)

    assert summary["instances"] == 1
    assert summary["absent"] == 2
    [record] = records(summary["key"])
    assert record["instance_id"] == IDS[1]
    assert record["value"] == 61.5
    assert record["unit"] == "percent"
    assert record["metadata"]["collection_method"] == "cloudwatch"


def test_cpu_takes_the_newest_datapoint_in_the_window(cloudwatch_mode):
    seed("AWS/EC2", "CPUUtilization", {i: 10.0 for i in IDS}, OLDER)
    seed("AWS/EC2", "CPUUtilization", {i: 40.0 + n for n, i in enumerate(IDS)}, NEWEST)

    summary = cloudwatch_mode.handler({"metric_type": "cpu", "time": TIME}, None)

    assert [r["value"] for r in records(summary["key"])] == [40.0, 41.0, 42.0]


def test_network_is_in_plus_out_bytes_per_second(cloudwatch_mode):
    # EC2 counts bytes per period: 300 s of 1,000 B/s in and 2,000 B/s out.
    seed("AWS/EC2", "NetworkIn", {i: 300_000.0 for i in IDS}, NEWEST)
    seed("AWS/EC2", "NetworkOut", {i: 600_000.0 for i in IDS}, NEWEST)

    summary = cloudwatch_mode.handler({"metric_type": "network", "time": TIME}, None)

    assert {r["value"] for r in records(summary["key"])} == {3000.0}
    assert {r["unit"] for r in records(summary["key"])} == {"bytes_per_second"}


def test_disk_needs_both_read_and_write_of_the_same_period(cloudwatch_mode):
    seed("AWS/EC2", "EBSReadBytes", {i: 150_000.0 for i in IDS}, NEWEST)
    seed("AWS/EC2", "EBSWriteBytes", {IDS[0]: 150_000.0}, NEWEST)

    summary = cloudwatch_mode.handler({"metric_type": "disk", "time": TIME}, None)

    assert (summary["instances"], summary["absent"]) == (1, 2)
    assert records(summary["key"])[0]["value"] == 1000.0


def test_data_outside_the_window_counts_as_absent(cloudwatch_mode):
    seed("AWS/EC2", "CPUUtilization", {i: 10.0 for i in IDS}, datetime(2026, 11, 25, 16, 0, tzinfo=timezone.utc))

    summary = cloudwatch_mode.handler({"metric_type": "cpu", "time": TIME}, None)

    assert (summary["instances"], summary["absent"]) == (0, 3)
    assert read_object(summary["key"]) == b""  # the run still leaves its one object
    assert list_keys() == [summary["key"]]


def test_cloudwatch_mode_without_ids_or_tag_is_an_error(cloudwatch_mode, monkeypatch):
    monkeypatch.delenv("INSTANCE_IDS")
    with pytest.raises(ValueError, match="INSTANCE_IDS or INSTANCE_TAG"):
        cloudwatch_mode.handler({"metric_type": "cpu", "time": TIME}, None)
