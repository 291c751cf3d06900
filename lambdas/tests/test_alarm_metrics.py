"""Alarms watch what is really published (issue 18): after the real collector and
log processor run against moto, GetMetricData with each custom-metric alarm's
exact namespace, metric name, dimensions, statistic and period returns data.

The alarms are read from templates/infrapipe-us-east-1.json, which is
`infrapipe synth`'s output for the default example (tests/golden.rs keeps the two
equal), so this checks the definitions the Rust model renders.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from conftest import GOLDEN_TEMPLATE
from test_contract import TIME, pipeline, resolve, run_as  # noqa: F401 - fixtures used by name

TEMPLATE = json.loads(GOLDEN_TEMPLATE.read_text())


def custom_metric_alarms() -> dict[str, dict]:
    """Every alarm on one metric the handlers publish themselves (not AWS/...)."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in sorted(TEMPLATE["Resources"].items())
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and "MetricName" in resource["Properties"]
        and not resource["Properties"]["Namespace"].startswith("AWS/")
    }


def test_the_heartbeat_is_among_the_custom_metric_alarms():
    assert "CollectionHeartbeatAlarm" in custom_metric_alarms()


@pytest.mark.parametrize("alarm", sorted(custom_metric_alarms()))
def test_get_metric_data_with_the_alarms_own_query_returns_data(pipeline, alarm):  # noqa: F811
    p = custom_metric_alarms()[alarm]
    scheduled = datetime.fromisoformat(TIME.replace("Z", "+00:00"))
    answer = boto3.client("cloudwatch").get_metric_data(
        MetricDataQueries=[{
            "Id": "watched",
            "MetricStat": {
                "Metric": {
                    "Namespace": p["Namespace"],
                    "MetricName": p["MetricName"],
                    "Dimensions": [{"Name": d["Name"], "Value": resolve(d["Value"])} for d in p["Dimensions"]],
                },
                "Period": p["Period"],
                "Stat": p["Statistic"],
            },
        }],
        # The fleet aggregates carry the run's scheduled time; the error counters the time they were put.
        StartTime=scheduled - timedelta(days=1),
        EndTime=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    (result,) = answer["MetricDataResults"]
    assert result["Values"], f"{alarm} watches {p['Namespace']} {p['MetricName']} {p['Dimensions']} ({p['Statistic']}): no data"
