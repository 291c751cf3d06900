"""Log processor Lambda of the infrapipe monitoring pipeline.

Triggered by S3 ObjectCreated on the raw bucket. For every object it reads the
newline-delimited JSON the collector wrote, validates each line, and writes one
DynamoDB item per valid line with BatchWriteItem.

- Idempotent: an item is derived from its line alone (key, TTL included), so
  processing an object again writes identical items.
- A malformed line is logged (line number and reason) and counted in the
  ``LogProcessorErrors`` metric; the valid lines beside it are still written.
- A failure that is not about one line (S3 read, DynamoDB still refusing items
  after the retries) puts ``LogProcessorErrors`` and re-raises, so the
  asynchronous invocation is retried and finally lands in the dead-letter queue.

Standard library and boto3 only: this single file is what the Lambda zip holds.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterator
from urllib.parse import unquote_plus

import boto3
from boto3.dynamodb.types import TypeSerializer
from botocore.config import Config

METRIC_TYPES = frozenset({"cpu", "memory", "disk", "network"})

# The record fields and the JSON types each must have. Extra fields are ignored.
REQUIRED_FIELDS: dict[str, tuple[type, ...]] = {
    "timestamp": (str,),
    "instance_id": (str,),
    "region": (str,),
    "metric_type": (str,),
    "value": (int, Decimal),
    "unit": (str,),
    "metadata": (dict,),
}

BATCH_WRITE_MAX_ITEMS = 25  # the BatchWriteItem limit
MAX_WRITE_ATTEMPTS = 8  # per batch, before giving up and letting Lambda retry
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0
# DynamoDB items are at most 400 KB; the item is the line plus a few short
# attributes, so a line this long cannot fit.
MAX_LINE_BYTES = 350_000
MAX_PARTITION_KEY_BYTES = 2048

CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=15)

_SERIALIZER = TypeSerializer()

# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Settings:
    table: str
    ttl_days: int
    namespace: str

    @classmethod
    def from_env(cls, env: Any = None) -> "Settings":
        env = os.environ if env is None else env
        table = env.get("TABLE_NAME", "").strip()
        if not table:
            raise ValueError("TABLE_NAME environment variable is required")
        raw_ttl = env.get("TTL_DAYS", "").strip() or "90"
        try:
            ttl_days = int(raw_ttl)
        except ValueError:
            raise ValueError(f"TTL_DAYS must be a whole number of days, not {raw_ttl!r}") from None
        if ttl_days <= 0:
            raise ValueError(f"TTL_DAYS must be positive, not {ttl_days}")
        return cls(table, ttl_days, env.get("METRICS_NAMESPACE", "").strip() or "InfraMonitoring")


# --------------------------------------------------------------------------- clients and logs

# Created on first use and reused across warm invocations. Lazily, so that tests
# can start moto before the first client exists (and clear this cache).
_CLIENTS: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _CLIENTS:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        _CLIENTS[service] = boto3.client(service, region_name=region, config=CLIENT_CONFIG)
    return _CLIENTS[service]


def _log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line: CloudWatch Logs Insights can filter on the fields."""
    print(json.dumps({"level": level, "message": message, **fields}, default=str, sort_keys=True))


# Indirection so tests can skip the waiting.
_sleep = time.sleep

# --------------------------------------------------------------------------- parsing


class Malformed(ValueError):
    """A line that cannot become an item; the message says why."""


def _reject_constant(name: str) -> Any:
    raise Malformed(f"{name} is not a number DynamoDB can store")


def parse_timestamp(raw: str) -> int:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise Malformed(f"timestamp is not ISO-8601: {raw[:64]!r}") from None
    if parsed.tzinfo is None:
        raise Malformed(f"timestamp has no UTC offset: {raw[:64]!r}")
    return int(parsed.astimezone(timezone.utc).timestamp())


def _require_utf8(field: str, value: Any) -> None:
    """JSON escapes can smuggle in lone surrogates ("\\ud800"), which cannot be
    sent to DynamoDB and would fail the whole batch, not just this line."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Malformed(f"field {field!r} holds text that is not valid Unicode") from None


def parse_line(line: bytes, source_key: str, ttl_days: int) -> dict[str, dict]:
    """One line -> one item in DynamoDB's wire format, or Malformed."""
    if len(line) > MAX_LINE_BYTES:
        raise Malformed(f"line is {len(line)} bytes, too large for a DynamoDB item")
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("line is not UTF-8") from None
    try:
        # Decimal for fractions: DynamoDB numbers are decimal, and boto3 refuses floats.
        record = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise Malformed(f"not JSON: {error.msg} at column {error.colno}") from None
    except Malformed:
        raise
    except (ValueError, RecursionError) as error:  # e.g. an integer of 5,000 digits, deep nesting
        raise Malformed(f"not usable JSON: {str(error)[:80]}") from None
    if not isinstance(record, dict):
        raise Malformed(f"not a JSON object but {type(record).__name__}")

    for field, types in REQUIRED_FIELDS.items():
        if field not in record:
            raise Malformed(f"missing field {field!r}")
        value = record[field]
        # bool is an int subclass in Python; true is not a metric value.
        if not isinstance(value, types) or isinstance(value, bool):
            raise Malformed(f"field {field!r} has the wrong type ({type(value).__name__})")
        _require_utf8(field, value)

    metric_type = record["metric_type"]
    if metric_type not in METRIC_TYPES:
        raise Malformed(f"unknown metric_type {metric_type[:32]!r}")
    instance_id = record["instance_id"]
    if not instance_id or len(instance_id.encode("utf-8")) > MAX_PARTITION_KEY_BYTES:
        raise Malformed("instance_id is empty or too long for a partition key")
    epoch = parse_timestamp(record["timestamp"])
    for name, value in record["metadata"].items():
        # Flat scalars only: nested maps can exceed DynamoDB's depth and name
        # rules and fail the whole batch instead of this one line.
        if not name or not (value is None or isinstance(value, (str, int, Decimal))):
            raise Malformed(f"metadata {name[:32]!r} must be a non-empty name with a scalar value")
        _require_utf8("metadata", name)
        _require_utf8("metadata", value)

    item = {
        "instance_id": instance_id,
        # Unique per point: the four collectors write the same instance at the same second.
        "metric_key": f"{epoch}#{metric_type}",
        "timestamp": epoch,  # a number, for the MetricTypeIndex range key
        "metric_type": metric_type,
        "value": record["value"],
        "unit": record["unit"],
        "region": record["region"],
        "metadata": record["metadata"],
        "source_key": source_key,
        # From the data, not from now: re-processing gives the identical item.
        "expires_at": epoch + ttl_days * 86400,
    }
    try:
        # Serializing here, per line, catches what DynamoDB would reject for the
        # whole batch (numbers out of range or over 38 digits, odd metadata).
        return {name: _SERIALIZER.serialize(value) for name, value in item.items()}
    except Exception as error:  # noqa: BLE001 - any refusal means this line is malformed
        raise Malformed(f"not storable in DynamoDB: {error}") from None


def parse_object(body: bytes, source_key: str, ttl_days: int) -> tuple[list[dict], int]:
    """Valid items (deduplicated, last line wins) and the number of malformed lines."""
    items: dict[tuple[str, str], dict] = {}
    malformed = 0
    duplicates = 0
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue  # blank lines (e.g. a trailing newline) are not records
        try:
            item = parse_line(line, source_key, ttl_days)
        except Malformed as reason:
            malformed += 1
            _log("ERROR", "malformed line", key=source_key, line=number, reason=str(reason))
            continue
        key = (item["instance_id"]["S"], item["metric_key"]["S"])
        if key in items:
            # BatchWriteItem rejects two puts of one key in a request.
            duplicates += 1
        items[key] = item
    if duplicates:
        _log("WARNING", "duplicate points, last line kept", key=source_key, duplicates=duplicates)
    return list(items.values()), malformed


# --------------------------------------------------------------------------- DynamoDB


def _backoff(attempt: int) -> float:
    """Full-jitter exponential backoff (attempt 1, 2, ...)."""
    return random.uniform(0, min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt))


def write_items(table: str, items: list[dict]) -> None:
    """BatchWriteItem 25 at a time, retrying UnprocessedItems (throttling or
    partition limits) with backoff; raise after MAX_WRITE_ATTEMPTS so the
    invocation fails and is retried as a whole (the writes are idempotent)."""
    dynamodb = _client("dynamodb")
    for start in range(0, len(items), BATCH_WRITE_MAX_ITEMS):
        pending = {table: [{"PutRequest": {"Item": item}} for item in items[start:start + BATCH_WRITE_MAX_ITEMS]]}
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                break
            if attempt == MAX_WRITE_ATTEMPTS:
                left = sum(len(requests) for requests in pending.values())
                raise RuntimeError(f"DynamoDB left {left} items unprocessed after {attempt} attempts")
            _log("WARNING", "unprocessed items, retrying", attempt=attempt,
                 items=sum(len(requests) for requests in pending.values()))
            _sleep(_backoff(attempt))


# --------------------------------------------------------------------------- S3


def s3_objects(event: Any) -> Iterator[tuple[str, str]]:
    """(bucket, key) of each ObjectCreated record. Keys arrive URL-encoded
    (spaces as '+'), hence unquote_plus. S3's own s3:TestEvent has no Records."""
    records = event.get("Records", []) if isinstance(event, dict) else []
    for record in records:
        name = record.get("eventName", "ObjectCreated:")
        if not name.startswith("ObjectCreated:"):
            _log("INFO", "skipping event", event_name=name)
            continue
        s3 = record["s3"]
        yield s3["bucket"]["name"], unquote_plus(s3["object"]["key"])


def read_object(bucket: str, key: str) -> bytes:
    # The current version, not the event's versionId: a re-run rewrites a key
    # with the same bytes, and reading a version would need s3:GetObjectVersion.
    return _client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


# --------------------------------------------------------------------------- errors metric


def put_error_metric(namespace: str, count: int, context: Any) -> None:
    """Best effort: a failure here must not hide the processing result or error."""
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or getattr(context, "function_name", None) or "unknown"
    try:
        _client("cloudwatch").put_metric_data(
            Namespace=namespace,
            MetricData=[{
                "MetricName": "LogProcessorErrors",
                "Dimensions": [{"Name": "FunctionName", "Value": function_name}],
                "Unit": "Count",
                "Value": float(count),
            }],
        )
    except Exception as error:  # noqa: BLE001
        _log("ERROR", "could not publish LogProcessorErrors", error=repr(error), count=count)


# --------------------------------------------------------------------------- entry point


def handler(event: Any, context: Any) -> dict:
    objects = items_written = malformed = 0
    namespace = os.environ.get("METRICS_NAMESPACE", "").strip() or "InfraMonitoring"
    try:
        settings = Settings.from_env()
        namespace = settings.namespace
        for bucket, key in s3_objects(event):
            items, bad = parse_object(read_object(bucket, key), key, settings.ttl_days)
            malformed += bad
            write_items(settings.table, items)
            objects += 1
            items_written += len(items)
            _log("INFO", "processed object", bucket=bucket, key=key, items=len(items), malformed=bad)
    except Exception as error:
        # Count the lines already found bad plus this failure, then let Lambda retry.
        _log("ERROR", "processing failed", error=repr(error))
        put_error_metric(namespace, malformed + 1, context)
        raise
    if malformed:
        put_error_metric(namespace, malformed, context)
    summary = {"objects": objects, "items": items_written, "malformed": malformed}
    _log("INFO", "done", **summary)
    return summary
