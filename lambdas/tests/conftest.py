"""Shared fixtures: fake credentials, moto in-process, the handlers loaded by path.

Nothing here reaches real AWS or the network: the credentials are fake and every
test that makes a client runs under ``mock_aws``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

# Before boto3 or moto are imported anywhere: no real credentials, one region.
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL"):
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    # The collector names its objects with the source account; tests pass no Lambda
    # context, so it reads this (moto's default account).
    "AWS_ACCOUNT_ID": "123456789012",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # moto's run_instances looks every instance's AMI up among hundreds of
    # default AMIs; skipping them makes a 1,000 instance fleet twice as fast.
    "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
})

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

LAMBDAS = Path(__file__).resolve().parents[1]
GOLDEN_TEMPLATE = LAMBDAS.parent / "templates" / "infrapipe-us-east-1.json"
BUCKET = "raw-metrics-test"
ACCOUNT = "123456789012"
TABLE = "InfraMetrics-test"
FUNCTION = "infra-monitoring-test-collector"
PROCESSOR_FUNCTION = "infra-monitoring-test-log-processor"
NAMESPACE = "InfraMonitoring"
METRIC_TYPES = ("cpu", "memory", "disk", "network")
# One valid record line as the collector writes it, and its epoch (the log processor's tests).
EPOCH = 1795629008  # 2026-11-25T17:50:08Z
GOOD = {
    "timestamp": "2026-11-25T17:50:08Z",
    "instance_id": "i-0000000000000001",
    "region": "us-east-1",
    "metric_type": "cpu",
    "value": 45.2,
    "unit": "percent",
    "metadata": {"collection_method": "simulated", "pipeline_version": "1.0"},
}


def load_handler(folder: str, module_name: str):
    """Both handlers are files named handler.py: load each under its own name."""
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, LAMBDAS / folder / "handler.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


collector_module = load_handler("collector", "infrapipe_collector_handler")
processor_module = load_handler("log_processor", "infrapipe_log_processor_handler")


@pytest.fixture
def collector(monkeypatch):
    """The collector module with a clean client cache and a test environment."""
    collector_module._CLIENTS.clear()
    for name in ("INSTANCE_IDS", "INSTANCE_TAG", "COLLECTOR_MODE", "PER_INSTANCE_METRICS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAW_BUCKET", BUCKET)
    monkeypatch.setenv("METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.setenv("PIPELINE_VERSION", "1.0")
    monkeypatch.setenv("PIPELINE", "infra-monitoring-test")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
    yield collector_module
    collector_module._CLIENTS.clear()


@pytest.fixture
def processor(monkeypatch):
    """The log processor module with a clean client cache, a test environment
    and no real sleeping between retries."""
    processor_module._CLIENTS.clear()
    monkeypatch.setenv("TABLE_NAME", TABLE)
    monkeypatch.setenv("METRICS_NAMESPACE", NAMESPACE)
    monkeypatch.delenv("TTL_DAYS", raising=False)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", PROCESSOR_FUNCTION)
    monkeypatch.setattr(processor_module, "_sleep", lambda seconds: None)
    yield processor_module
    processor_module._CLIENTS.clear()


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def bucket(aws):
    boto3.client("s3").create_bucket(Bucket=BUCKET)
    return BUCKET


def create_table(name: str = TABLE) -> None:
    """Exactly the table the Rust template declares."""
    boto3.client("dynamodb").create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "instance_id", "AttributeType": "S"},
            {"AttributeName": "metric_key", "AttributeType": "S"},
            {"AttributeName": "metric_type", "AttributeType": "S"},
            {"AttributeName": "timestamp", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "instance_id", "KeyType": "HASH"},
            {"AttributeName": "metric_key", "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[{
            "IndexName": "MetricTypeIndex",
            "KeySchema": [
                {"AttributeName": "metric_type", "KeyType": "HASH"},
                {"AttributeName": "timestamp", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )


@pytest.fixture
def table(aws):
    create_table()
    return TABLE


def s3_event(bucket: str, keys, event_name: str = "ObjectCreated:Put") -> dict:
    """What S3 sends the function; keys URL-encoded as S3 does."""
    from urllib.parse import quote_plus

    return {"Records": [
        {
            "eventSource": "aws:s3",
            "eventName": event_name,
            "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
        }
        for key in keys
    ]}


def list_keys(bucket: str = BUCKET) -> list[str]:
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for page in pages for o in page.get("Contents", []))


def read_object(key: str, bucket: str = BUCKET) -> bytes:
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


def count_calls(client, operation: str) -> list[dict]:
    """Records the parameters of every ``operation`` call made through ``client``
    (one entry per API call, not per HTTP retry)."""
    calls: list[dict] = []

    def record(params, **_):
        calls.append(params)

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-parameter-build.{service}.{operation}", record)
    return calls


def metric_sum(name: str, dimensions: list[dict], namespace: str = NAMESPACE) -> float:
    """The Sum moto holds for a metric published in the last day or next hour."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    points = boto3.client("cloudwatch").get_metric_statistics(
        Namespace=namespace,
        MetricName=name,
        Dimensions=dimensions,
        StartTime=now - timedelta(days=1),
        EndTime=now + timedelta(hours=1),
        Period=86400,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


@pytest.fixture(scope="session")
def golden_template() -> dict:
    """The template the Rust side renders for the example config (checked in)."""
    return json.loads(GOLDEN_TEMPLATE.read_text())
