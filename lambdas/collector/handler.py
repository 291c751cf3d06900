"""Data collector Lambda of the infrapipe monitoring pipeline.

Invoked by one Step Functions Parallel branch per metric type with
``{"metric_type": "cpu"|"memory"|"disk"|"network", "time": "<ISO-8601>"}``.
For that metric type it

1. finds the fleet (``INSTANCE_IDS``, ``INSTANCE_TAG`` or a small fixed fake fleet),
2. gets one value per instance (``simulated``: deterministic fake values;
   ``cloudwatch``: the instances' own EC2 / CloudWatch agent metrics),
3. writes ONE newline-delimited JSON object to the raw bucket, at a key derived
   from the scheduled time only, so a retried run overwrites instead of adding,
4. publishes the values to CloudWatch (a fleet aggregate, and per instance if asked).

Any failure puts the error metric (``ERROR_METRIC_NAME``, by default
``DataCollectorErrors``) = 1 and re-raises, so the alarm fires. Bad input (any
problem with the event's shape or values) is raised as a plain ``ValueError``,
the one error type the state machine does not retry (Step Functions matches the
exception's class name, not its base classes); AWS failures keep their own types
and are retried.

The names of the published metrics come from ``METRIC_NAMES`` (a JSON object from
metric type to CloudWatch metric name; the template sets it from the model).

Standard library and boto3 only: this single file is what the Lambda zip holds.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

import boto3
from botocore.config import Config

# --------------------------------------------------------------------------- constants

# Per metric type: the unit written to S3, the CloudWatch metric we publish, and
# where cloudwatch mode reads the value from. Rates are EC2 byte counters
# (Sum over the period) turned into bytes per second.
@dataclass(frozen=True)
class Source:
    namespace: str
    name: str
    stat: str


@dataclass(frozen=True)
class MetricSpec:
    unit: str  # unit in the S3 record
    cw_name: str  # metric name we publish, unless METRIC_NAMES says otherwise
    cw_unit: str  # CloudWatch unit of what we publish
    sources: tuple[Source, ...]  # summed together (e.g. NetworkIn + NetworkOut)
    per_second: bool  # divide the period Sum by the period length


METRICS: dict[str, MetricSpec] = {
    "cpu": MetricSpec(
        "percent", "CPUUtilization", "Percent",
        (Source("AWS/EC2", "CPUUtilization", "Average"),), False,
    ),
    # The CloudWatch agent must publish mem_used_percent with the InstanceId
    # dimension only (append_dimensions InstanceId, or aggregation_dimensions
    # [["InstanceId"]]): GetMetricData matches dimensions exactly.
    "memory": MetricSpec(
        "percent", "MemoryUtilization", "Percent",
        (Source("CWAgent", "mem_used_percent", "Average"),), False,
    ),
    "disk": MetricSpec(
        "bytes_per_second", "DiskThroughput", "Bytes/Second",
        (Source("AWS/EC2", "EBSReadBytes", "Sum"), Source("AWS/EC2", "EBSWriteBytes", "Sum")),
        True,
    ),
    "network": MetricSpec(
        "bytes_per_second", "NetworkThroughput", "Bytes/Second",
        (Source("AWS/EC2", "NetworkIn", "Sum"), Source("AWS/EC2", "NetworkOut", "Sum")),
        True,
    ),
}

# API limits (CloudWatch API reference, and botocore's service model docs).
GET_METRIC_DATA_MAX_QUERIES = 500
# GetMetricData requests in flight at once: at 10,000 instances and two sources
# there are 40 requests, too many to wait for one after the other within 30 s.
# Well under the API's default quota of 50 requests a second.
GET_METRIC_DATA_WORKERS = 4
PUT_METRIC_DATA_MAX_DATUMS = 1000
# PutMetricData also caps a request at 1 MB; keep a margin for encoding overhead.
PUT_METRIC_DATA_MAX_BYTES = 800_000

# EC2 basic monitoring publishes every 5 minutes, a few minutes late: read the
# last 4 whole periods before the scheduled time and keep the newest datapoint.
PERIOD_SECONDS = 300
LOOKBACK_PERIODS = 4

# Scheduled times outside these are bad input, not something to collect.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST_TIME = datetime(9999, 1, 1, tzinfo=timezone.utc)

# Used in simulated mode when neither INSTANCE_IDS nor INSTANCE_TAG is set.
DEFAULT_SIMULATED_FLEET = tuple(f"i-{n:016d}" for n in (1, 2, 3))

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=5,
    read_timeout=15,  # the function has 30 s in all
)

# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class Settings:
    bucket: str
    namespace: str
    mode: str
    instance_ids: tuple[str, ...]
    instance_tag: tuple[str, str] | None
    pipeline_version: str
    pipeline: str
    per_instance: bool
    region: str
    error_metric: str = "DataCollectorErrors"
    metric_names: tuple[tuple[str, str], ...] = tuple(sorted((t, m.cw_name) for t, m in METRICS.items()))

    def metric_name(self, metric_type: str) -> str:
        return dict(self.metric_names)[metric_type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        bucket = env.get("RAW_BUCKET", "").strip()
        if not bucket:
            raise ValueError("RAW_BUCKET environment variable is required")
        mode = env.get("COLLECTOR_MODE", "simulated").strip().lower() or "simulated"
        if mode not in ("simulated", "cloudwatch"):
            raise ValueError(f"COLLECTOR_MODE must be 'simulated' or 'cloudwatch', not {mode!r}")
        # Sorted and deduplicated: the object's lines do not depend on the order
        # the ids were configured or returned by DescribeInstances.
        ids = tuple(sorted({i.strip() for i in env.get("INSTANCE_IDS", "").split(",") if i.strip()}))
        return cls(
            bucket=bucket,
            namespace=env.get("METRICS_NAMESPACE", "").strip() or "InfraMonitoring",
            mode=mode,
            instance_ids=ids,
            instance_tag=_parse_tag(env.get("INSTANCE_TAG", "")),
            pipeline_version=env.get("PIPELINE_VERSION", "").strip() or "unknown",
            pipeline=env.get("PIPELINE", "").strip() or "infra-monitoring",
            per_instance=_parse_bool("PER_INSTANCE_METRICS", env.get("PER_INSTANCE_METRICS", "")),
            region=_region(env),
            error_metric=_error_metric(env),
            metric_names=_parse_metric_names(env.get("METRIC_NAMES", "")),
        )


def _error_metric(env: Any) -> str:
    return env.get("ERROR_METRIC_NAME", "").strip() or "DataCollectorErrors"


def _parse_metric_names(raw: str) -> tuple[tuple[str, str], ...]:
    """METRIC_NAMES over the defaults; every problem is a plain ValueError."""
    names = {metric_type: spec.cw_name for metric_type, spec in METRICS.items()}
    if not raw.strip():
        return tuple(sorted(names.items()))
    try:
        given = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"METRIC_NAMES is not JSON: {error.msg}") from None
    if not isinstance(given, dict):
        raise ValueError(f"METRIC_NAMES must be a JSON object, not {type(given).__name__}")
    for metric_type, name in given.items():
        if metric_type not in METRICS:
            raise ValueError(f"METRIC_NAMES names an unknown metric type {metric_type!r}")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
            raise ValueError(f"METRIC_NAMES[{metric_type!r}] must be a metric name of 1 to 255 characters")
        names[metric_type] = name.strip()
    return tuple(sorted(names.items()))


def _parse_tag(raw: str) -> tuple[str, str] | None:
    raw = raw.strip()
    if not raw:
        return None
    key, sep, value = raw.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"INSTANCE_TAG must look like Key=Value, not {raw!r}")
    return key.strip(), value.strip()


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise ValueError(f"{name} must be true or false, not {raw!r}")


def _region(env: Any = None) -> str:
    env = os.environ if env is None else env
    return env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"


# --------------------------------------------------------------------------- clients

# Created on first use and reused across warm invocations. Lazily, so that tests
# can start moto before the first client exists (and clear this cache).
_CLIENTS: dict[str, Any] = {}


def _client(service: str) -> Any:
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.client(service, region_name=_region(), config=CLIENT_CONFIG)
    return _CLIENTS[service]


def _log(level: str, message: str, **fields: Any) -> None:
    """One JSON object per line: CloudWatch Logs Insights can filter on the fields."""
    print(json.dumps({"level": level, "message": message, **fields}, default=str, sort_keys=True))


# --------------------------------------------------------------------------- event


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(raw: Any) -> datetime:
    """The scheduled time, in UTC, truncated to whole seconds.

    Accepts what Step Functions passes as ``$$.Execution.StartTime``
    (``2026-11-25T17:50:08.123Z``) and plain ``...Z`` / ``+00:00`` forms. Absent means
    now, rounded down to the minute.
    """
    if raw is None:
        return _utcnow().replace(second=0, microsecond=0)
    if not isinstance(raw, str):
        raise ValueError(f"'time' must be an ISO-8601 string, not {type(raw).__name__}")
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError(f"'time' is not an ISO-8601 timestamp: {raw!r}") from None
    if parsed.tzinfo is None:
        # A naive time is ambiguous (local? UTC?); the state machine always sends Z.
        raise ValueError(f"'time' must include a UTC offset (e.g. Z): {raw!r}")
    scheduled = parsed.astimezone(timezone.utc).replace(microsecond=0)
    # Every later step (keys, windows, CloudWatch timestamps) stays in range.
    if not EARLIEST_TIME <= scheduled < LATEST_TIME:
        raise ValueError(f"'time' must lie between {EARLIEST_TIME:%Y} and {LATEST_TIME:%Y}: {raw!r}")
    return scheduled


def parse_event(event: Any) -> tuple[str, datetime]:
    """The metric type and the scheduled time, or a plain ValueError: any other
    exception from a bad event (TypeError of an unhashable metric_type,
    OverflowError of a far date, ...) is raised as one, so Step Functions does not
    retry it."""
    try:
        return _parse_event(event)
    except Exception as error:
        if type(error) is ValueError:
            raise
        raise ValueError(f"bad event: {type(error).__name__}: {error}") from error


def _parse_event(event: Any) -> tuple[str, datetime]:
    if not isinstance(event, dict):
        raise ValueError(f"event must be a JSON object, not {type(event).__name__}")
    metric_type = event.get("metric_type")
    if metric_type not in METRICS:
        raise ValueError(
            f"unknown metric_type {metric_type!r}; expected one of {', '.join(sorted(METRICS))}"
        )
    return metric_type, parse_time(event.get("time"))


def object_key(metric_type: str, scheduled: datetime, account: str, region: str) -> str:
    """Hive-style partitions for Athena's partition projection; the name carries the
    source account and region, so that every region's objects can share the central
    bucket S3 replication copies them to (replication keeps the key), and is derived
    from the scheduled time alone so a retried run overwrites the object."""
    return (
        f"year={scheduled:%Y}/month={scheduled:%m}/day={scheduled:%d}/hour={scheduled:%H}/"
        f"{account}-{region}-{metric_type}-metrics-{scheduled:%Y%m%dT%H%M%SZ}.json"
    )


def source_account(context: Any, env: Any = None) -> str:
    """The account this function runs in: from the invoked function's ARN
    (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME), which Lambda always gives,
    else AWS_ACCOUNT_ID (local runs and tests, with no context)."""
    env = os.environ if env is None else env
    parts = str(getattr(context, "invoked_function_arn", "") or "").split(":")
    if len(parts) >= 5 and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    account = env.get("AWS_ACCOUNT_ID", "").strip()
    if len(account) == 12 and account.isdigit():
        return account
    raise ValueError(
        "cannot tell the source account for the object's name: no invoked_function_arn "
        "in the context and no 12-digit AWS_ACCOUNT_ID in the environment"
    )


# --------------------------------------------------------------------------- fleet


def list_instances(settings: Settings) -> list[str]:
    if settings.instance_ids:
        return list(settings.instance_ids)
    if settings.instance_tag:
        return describe_tagged_instances(*settings.instance_tag)
    if settings.mode == "simulated":
        return list(DEFAULT_SIMULATED_FLEET)
    raise ValueError("cloudwatch mode needs INSTANCE_IDS or INSTANCE_TAG")


def describe_tagged_instances(key: str, value: str) -> list[str]:
    """Running instances carrying the tag, over every page of DescribeInstances."""
    ids: set[str] = set()
    pages = _client("ec2").get_paginator("describe_instances").paginate(
        Filters=[
            {"Name": f"tag:{key}", "Values": [value]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ],
        PaginationConfig={"PageSize": 1000},  # the API's maximum MaxResults
    )
    for page in pages:
        for reservation in page.get("Reservations", []):
            ids.update(i["InstanceId"] for i in reservation.get("Instances", []))
    return sorted(ids)


# --------------------------------------------------------------------------- simulated values


def _fraction(*parts: str) -> float:
    """A uniform number in [0, 1) that depends only on ``parts``.

    sha256 instead of ``random``/``hash()``: stable across processes, Python
    versions and machines (``hash()`` of str is salted per process).
    """
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _daily_wave(instance_id: str, scheduled: datetime) -> float:
    """0..1..0 over a day, peaking at an instance-specific hour. Piecewise linear
    (no libm ``sin``), so every platform computes the same bits."""
    hours = scheduled.hour + scheduled.minute / 60 + 24 * _fraction(instance_id, "peak")
    return 1 - abs((hours % 24) - 12) / 12


def simulate_value(instance_id: str, metric_type: str, scheduled: datetime) -> float:
    """A plausible value, deterministic for (instance, metric, time)."""
    stamp = scheduled.strftime("%Y%m%dT%H%M%SZ")
    base = _fraction(instance_id, metric_type, "base")  # what this instance usually does
    noise = _fraction(instance_id, metric_type, stamp) - 0.5  # -0.5..0.5, per run
    wave = _daily_wave(instance_id, scheduled)
    if metric_type == "cpu":
        value = 5 + 45 * base + 25 * wave + 20 * noise
    elif metric_type == "memory":
        value = 30 + 45 * base + 5 * wave + 10 * noise
    elif metric_type == "disk":  # EBS read+write, up to ~60 MB/s
        value = (0.2e6 + 30e6 * base) * (0.5 + wave) * (1 + noise)
    else:  # network in+out, up to ~120 MB/s
        value = (0.1e6 + 60e6 * base) * (0.5 + wave) * (1 + noise)
    if METRICS[metric_type].unit == "percent":
        value = min(max(value, 0.0), 100.0)
    return round(max(value, 0.0), 2)


# --------------------------------------------------------------------------- cloudwatch values


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _floor(moment: datetime, seconds: int) -> datetime:
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, timezone.utc)


def _get_metric_data(queries: list[dict], start: datetime, end: datetime) -> Iterator[dict]:
    """All result pages of one GetMetricData request (NextToken pagination)."""
    request = {
        "MetricDataQueries": queries,
        "StartTime": start,
        "EndTime": end,
        "ScanBy": "TimestampDescending",
    }
    while True:
        response = _client("cloudwatch").get_metric_data(**request)
        for message in response.get("Messages", []):
            _log("WARNING", "GetMetricData message", **message)
        yield from response.get("MetricDataResults", [])
        token = response.get("NextToken")
        if not token:
            return
        request["NextToken"] = token


def fetch_cloudwatch_values(instance_ids: list[str], spec: MetricSpec, scheduled: datetime) -> dict[str, float]:
    """The newest value per instance; instances without a datapoint are left out.

    One GetMetricData request per group of instances, with every source of an
    instance in the same request (500 queries: 500 instances of one source, 250 of
    two), a few groups at a time (boto3 clients are thread-safe), and each group
    reduced to its values as soon as it is answered, so memory holds a few
    groups' queries and series, not the fleet's."""
    end = _floor(scheduled, PERIOD_SECONDS)
    start = end - timedelta(seconds=PERIOD_SECONDS * LOOKBACK_PERIODS)
    per_request = max(1, GET_METRIC_DATA_MAX_QUERIES // len(spec.sources))
    groups = list(_chunks(instance_ids, per_request))
    values: dict[str, float] = {}
    if not groups:
        return values
    with ThreadPoolExecutor(max_workers=min(GET_METRIC_DATA_WORKERS, len(groups))) as pool:
        for group_values in pool.map(lambda group: _group_values(group, spec, start, end), groups):
            values.update(group_values)
    return values


def _group_values(instance_ids: list[str], spec: MetricSpec, start: datetime, end: datetime) -> dict[str, float]:
    series: dict[str, dict[datetime, float]] = {}
    for result in _get_metric_data(_queries(instance_ids, spec), start, end):
        points = series.setdefault(result["Id"], {})
        points.update(zip(result.get("Timestamps", []), result.get("Values", [])))
    values: dict[str, float] = {}
    for i, instance_id in enumerate(instance_ids):
        parts = [series.get(f"q{i}_{j}", {}) for j in range(len(spec.sources))]
        # Sum the parts (e.g. in + out) of the same period: the newest period all have.
        common = set(parts[0]).intersection(*parts[1:])
        if not common:
            continue  # absent: no agent, stopped, or too new to have data
        newest = max(common)
        total = sum(part[newest] for part in parts)
        if spec.per_second:
            total /= PERIOD_SECONDS
        values[instance_id] = round(max(total, 0.0), 2)
    return values


def _queries(instance_ids: list[str], spec: MetricSpec) -> list[dict]:
    return [
        {
            # Ids must start with a lower-case letter; i/j map the result back.
            "Id": f"q{i}_{j}",
            "MetricStat": {
                "Metric": {
                    "Namespace": source.namespace,
                    "MetricName": source.name,
                    "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                },
                "Period": PERIOD_SECONDS,
                "Stat": source.stat,
            },
            "ReturnData": True,
        }
        for i, instance_id in enumerate(instance_ids)
        for j, source in enumerate(spec.sources)
    ]


# --------------------------------------------------------------------------- S3 object


def render_lines(values: dict[str, float], metric_type: str, scheduled: datetime, settings: Settings) -> bytes:
    """Newline-delimited JSON, one line per instance, sorted keys and fixed
    separators so that the same inputs always give the same bytes."""
    timestamp = scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")
    unit = METRICS[metric_type].unit
    metadata = {"collection_method": settings.mode, "pipeline_version": settings.pipeline_version}
    lines = [
        json.dumps(
            {
                "timestamp": timestamp,
                "instance_id": instance_id,
                "region": settings.region,
                "metric_type": metric_type,
                "value": values[instance_id],
                "unit": unit,
                "metadata": metadata,
            },
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
        for instance_id in sorted(values)
    ]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def write_object(bucket: str, key: str, body: bytes) -> None:
    _client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-ndjson")


# --------------------------------------------------------------------------- CloudWatch metrics


def metric_datums(values: dict[str, float], metric_type: str, scheduled: datetime, settings: Settings) -> Iterator[dict]:
    """One fleet aggregate (a statistic set, so alarms can use Maximum and
    Average), then one datum per instance when configured. Per-instance custom
    metrics cost money per instance, hence off by default. A generator: at fleet
    scale only one request's datums exist at a time."""
    spec = METRICS[metric_type]
    name = settings.metric_name(metric_type)
    pipeline = {"Name": "Pipeline", "Value": settings.pipeline}
    if values:  # a statistic set needs at least one sample
        numbers = values.values()
        yield {
            "MetricName": name,
            "Dimensions": [pipeline],
            "Timestamp": scheduled,
            "Unit": spec.cw_unit,
            "StatisticValues": {
                "SampleCount": float(len(numbers)),
                "Sum": float(sum(numbers)),
                "Minimum": float(min(numbers)),
                "Maximum": float(max(numbers)),
            },
        }
    if settings.per_instance:
        for instance_id in sorted(values):
            yield {
                "MetricName": name,
                "Dimensions": [pipeline, {"Name": "InstanceId", "Value": instance_id}],
                "Timestamp": scheduled,
                "Unit": spec.cw_unit,
                "Value": float(values[instance_id]),
            }


def _datum_size(datum: dict) -> int:
    # A generous estimate of the encoded size; exactness does not matter, only
    # that a batch never reaches the 1 MB request limit.
    return len(json.dumps(datum, default=str)) + 64


def _metric_batches(datums: Iterable[dict]) -> Iterator[list[dict]]:
    """As few PutMetricData requests as the limits allow: at most 1,000 datums
    and well under 1 MB each."""
    batch: list[dict] = []
    size = 0
    for datum in datums:
        datum_size = _datum_size(datum)
        if batch and (len(batch) == PUT_METRIC_DATA_MAX_DATUMS or size + datum_size > PUT_METRIC_DATA_MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(datum)
        size += datum_size
    if batch:
        yield batch


def put_metrics(namespace: str, datums: Iterable[dict]) -> int:
    calls = 0
    for batch in _metric_batches(datums):
        _client("cloudwatch").put_metric_data(Namespace=namespace, MetricData=batch)
        calls += 1
    return calls


def put_error_metric(context: Any) -> None:
    """Best effort: a failure here must not hide the original error."""
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or getattr(context, "function_name", None) or "unknown"
    namespace = os.environ.get("METRICS_NAMESPACE", "").strip() or "InfraMonitoring"
    metric_name = _error_metric(os.environ)
    try:
        _client("cloudwatch").put_metric_data(
            Namespace=namespace,
            MetricData=[{
                "MetricName": metric_name,
                "Dimensions": [{"Name": "FunctionName", "Value": function_name}],
                "Unit": "Count",
                "Value": 1.0,
            }],
        )
    except Exception as error:  # noqa: BLE001 - reporting the report's failure is all we can do
        _log("ERROR", f"could not publish {metric_name}", error=repr(error))


# --------------------------------------------------------------------------- entry point


def collect(event: Any, settings: Settings, account: str) -> dict:
    metric_type, scheduled = parse_event(event)
    spec = METRICS[metric_type]
    instance_ids = list_instances(settings)
    if not instance_ids:
        _log("WARNING", "no instances to collect", tag=settings.instance_tag)

    if settings.mode == "simulated":
        values = {i: simulate_value(i, metric_type, scheduled) for i in instance_ids}
    else:
        values = fetch_cloudwatch_values(instance_ids, spec, scheduled)
    absent = sorted(set(instance_ids) - set(values))
    if absent:
        _log("WARNING", "instances without a datapoint", metric_type=metric_type,
             count=len(absent), sample=absent[:10])

    key = object_key(metric_type, scheduled, account, settings.region)
    body = render_lines(values, metric_type, scheduled, settings)
    # S3 first: if publishing metrics fails, the retry rewrites the same key.
    write_object(settings.bucket, key, body)
    put_metrics(settings.namespace, metric_datums(values, metric_type, scheduled, settings))

    summary = {
        "metric_type": metric_type,
        "instances": len(values),
        "absent": len(absent),
        "bytes": len(body),
        "key": key,
        "bucket": settings.bucket,
    }
    _log("INFO", "collected", **summary)
    return summary


def handler(event: Any, context: Any) -> dict:
    try:
        return collect(event, Settings.from_env(), source_account(context))
    except Exception as error:
        _log("ERROR", "collection failed", error=repr(error))
        put_error_metric(context)
        raise
