"""The collector in cloudwatch mode on a tagged fleet of 1,000 instances in moto:
it makes no more GetMetricData and PutMetricData calls than the API limits require.

The fleet is built once for the module (moto takes seconds to run 1,000 instances).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import boto3
import pytest
from moto import mock_aws

from conftest import BUCKET, count_calls

FLEET = 1000
TIME = "2026-11-25T17:50:08.123Z"
AT = datetime(2026, 11, 25, 17, 42, tzinfo=timezone.utc)  # inside the window before 17:50
GET_METRIC_DATA_QUERIES = 500  # the API's limits
PUT_METRIC_DATA_DATUMS = 1000


@pytest.fixture(scope="module")
def fleet():
    with mock_aws():
        ec2 = boto3.client("ec2")
        tagged = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=FLEET, MaxCount=FLEET,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Fleet", "Value": "web"}]}],
        )["Instances"]
        ids = sorted(i["InstanceId"] for i in tagged)
        # Not part of the fleet: untagged, or tagged but stopped.
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=2, MaxCount=2)
        stopped = ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Fleet", "Value": "web"}]}],
        )["Instances"][0]["InstanceId"]
        ec2.stop_instances(InstanceIds=[stopped])

        cloudwatch = boto3.client("cloudwatch")
        for name, value in (("CPUUtilization", 37.5), ("NetworkIn", 300_000.0), ("NetworkOut", 900_000.0)):
            cloudwatch.put_metric_data(Namespace="AWS/EC2", MetricData=[
                {"MetricName": name, "Dimensions": [{"Name": "InstanceId", "Value": i}], "Timestamp": AT, "Value": value}
                for i in ids
            ])
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        yield ids


@pytest.fixture
def tagged_fleet(collector, fleet, monkeypatch):
    monkeypatch.setenv("COLLECTOR_MODE", "cloudwatch")
    monkeypatch.setenv("INSTANCE_TAG", "Fleet=web")
    cloudwatch = collector._client("cloudwatch")
    return collector, count_calls(cloudwatch, "GetMetricData"), count_calls(cloudwatch, "PutMetricData")


def test_network_per_instance_for_1000_instances_makes_the_minimum_calls(tagged_fleet, monkeypatch):
    collector, gets, puts = tagged_fleet
    monkeypatch.setenv("PER_INSTANCE_METRICS", "true")

    summary = collector.handler({"metric_type": "network", "time": TIME}, None)

    assert (summary["instances"], summary["absent"]) == (FLEET, 0)
    # NetworkIn and NetworkOut per instance: 2,000 queries, 500 a call.
    assert len(gets) == math.ceil(2 * FLEET / GET_METRIC_DATA_QUERIES) == 4
    assert all(len(g["MetricDataQueries"]) <= GET_METRIC_DATA_QUERIES for g in gets)
    # One fleet aggregate plus 1,000 per-instance datums, 1,000 a call.
    assert len(puts) == math.ceil((FLEET + 1) / PUT_METRIC_DATA_DATUMS) == 2
    assert [len(p["MetricData"]) for p in puts] == [1000, 1]
    aggregate = puts[0]["MetricData"][0]["StatisticValues"]
    assert aggregate == {"SampleCount": 1000.0, "Sum": 4_000_000.0, "Minimum": 4000.0, "Maximum": 4000.0}


def test_cpu_aggregate_only_for_1000_instances_makes_the_minimum_calls(tagged_fleet):
    collector, gets, puts = tagged_fleet

    summary = collector.handler({"metric_type": "cpu", "time": TIME}, None)

    assert (summary["instances"], summary["absent"]) == (FLEET, 0)
    assert len(gets) == math.ceil(FLEET / GET_METRIC_DATA_QUERIES) == 2
    assert len(puts) == 1 and len(puts[0]["MetricData"]) == 1
