"""The collector's bad input, its configurable metric names, and GetMetricData paging."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from botocore.stub import ANY, Stubber

from conftest import FUNCTION, list_keys, metric_sum

TIME = "2026-11-25T17:50:08.123Z"
ERRORS = [{"Name": "FunctionName", "Value": FUNCTION}]


@pytest.mark.parametrize("event", [
    None,
    ["cpu"],
    "cpu",
    {},
    {"metric_type": ["cpu"], "time": TIME},  # unhashable: TypeError
    {"metric_type": {"cpu": 1}, "time": TIME},
    {"metric_type": "cpu", "time": ["2026-11-25T17:50:08Z"]},
    {"metric_type": "cpu", "time": "0001-01-01T00:00:00+01:00"},  # OverflowError in astimezone
    {"metric_type": "cpu", "time": "9999-12-31T23:59:59-01:00"},  # OverflowError the other way
    {"metric_type": "cpu", "time": "0001-01-01T00:10:00Z"},  # the window before it would overflow
    {"metric_type": "cpu", "time": "2026-11-25T17:50:08\x00"},
    {"metric_type": "cpu", "time": "\ud800"},
])
def test_bad_input_of_any_shape_reaches_step_functions_as_a_plain_value_error(collector, bucket, event):
    with pytest.raises(Exception) as raised:
        collector.handler(event, None)

    # Step Functions matches the class name: a subclass of ValueError would be retried.
    assert type(raised.value).__name__ == "ValueError"


def test_bad_input_publishes_the_error_metric_and_writes_nothing(collector, bucket):
    with pytest.raises(ValueError):
        collector.handler({"metric_type": ["cpu"], "time": TIME}, None)

    assert list_keys() == []
    assert metric_sum("DataCollectorErrors", ERRORS) == 1


def test_an_aws_failure_keeps_its_own_type_and_so_stays_retryable(collector, aws):
    with pytest.raises(ClientError) as raised:  # the bucket does not exist
        collector.handler({"metric_type": "cpu", "time": TIME}, None)

    assert type(raised.value).__name__ != "ValueError"


def test_the_error_metric_name_comes_from_the_environment(collector, bucket, monkeypatch):
    monkeypatch.setenv("ERROR_METRIC_NAME", "CollectorFailures")

    with pytest.raises(ValueError):
        collector.handler({"metric_type": "gpu", "time": TIME}, None)

    assert metric_sum("CollectorFailures", ERRORS) == 1


def test_metric_names_from_the_environment_name_the_published_metric(collector, bucket, monkeypatch):
    monkeypatch.setenv("METRIC_NAMES", '{"cpu": "FleetCpu"}')
    puts = []
    collector._client("cloudwatch").meta.events.register(
        "before-parameter-build.cloudwatch.PutMetricData", lambda params, **_: puts.append(params))

    collector.handler({"metric_type": "cpu", "time": TIME}, None)

    assert [d["MetricName"] for p in puts for d in p["MetricData"]] == ["FleetCpu"]


@pytest.mark.parametrize("raw, problem", [
    ("not json", "not JSON"),
    ('["cpu"]', "JSON object"),
    ('{"gpu": "Gpu"}', "unknown metric type 'gpu'"),
    ('{"cpu": ""}', "1 to 255 characters"),
    ('{"cpu": 7}', "1 to 255 characters"),
])
def test_bad_metric_names_are_a_plain_value_error(collector, raw, problem):
    with pytest.raises(ValueError, match=problem) as raised:
        collector.Settings.from_env({"RAW_BUCKET": "b", "METRIC_NAMES": raw})

    assert type(raised.value) is ValueError


def test_get_metric_data_follows_next_token_across_pages(collector):
    cloudwatch = collector._client("cloudwatch")
    at = datetime(2026, 11, 25, 17, 40, tzinfo=timezone.utc)
    spec = collector.METRICS["cpu"]
    ids = ["i-1", "i-2"]
    with Stubber(cloudwatch) as stub:
        stub.add_response("get_metric_data", {
            "MetricDataResults": [{"Id": "q0_0", "Timestamps": [at], "Values": [10.0], "StatusCode": "Complete"}],
            "NextToken": "page-2",
        }, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampDescending"})
        stub.add_response("get_metric_data", {
            "MetricDataResults": [{"Id": "q1_0", "Timestamps": [at], "Values": [20.0], "StatusCode": "Complete"}],
        }, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampDescending",
            "NextToken": "page-2"})

        values = collector.fetch_cloudwatch_values(ids, spec, datetime(2026, 11, 25, 17, 50, tzinfo=timezone.utc))

        stub.assert_no_pending_responses()
    assert values == {"i-1": 10.0, "i-2": 20.0}


def test_get_metric_data_keeps_every_source_of_an_instance_in_one_request(collector, monkeypatch):
    requests = []
    monkeypatch.setattr(collector, "_get_metric_data", lambda queries, start, end: requests.append(queries) or [])
    ids = [f"i-{n}" for n in range(1001)]

    collector.fetch_cloudwatch_values(ids, collector.METRICS["network"], datetime(2026, 11, 25, tzinfo=timezone.utc))

    assert sorted(len(r) for r in requests) == [2, 500, 500, 500, 500]  # a few in flight at once: any order
    for queries in requests:
        instances = [q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in queries]
        assert all(instances.count(i) == 2 for i in instances)


def test_get_metric_data_requests_run_a_few_at_a_time(collector, monkeypatch):
    import threading

    in_flight, most = [0], [0]
    lock = threading.Lock()
    release = threading.Barrier(collector.GET_METRIC_DATA_WORKERS, timeout=5)

    def slow(queries, start, end):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        release.wait()  # only passes once that many requests are waiting together
        with lock:
            in_flight[0] -= 1
        return []

    monkeypatch.setattr(collector, "_get_metric_data", slow)
    ids = [f"i-{n}" for n in range(500 * collector.GET_METRIC_DATA_WORKERS)]

    collector.fetch_cloudwatch_values(ids, collector.METRICS["cpu"], datetime(2026, 11, 25, tzinfo=timezone.utc))

    assert most[0] == collector.GET_METRIC_DATA_WORKERS
