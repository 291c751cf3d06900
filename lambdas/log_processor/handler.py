"""Log processor Lambda of the infrapipe monitoring pipeline.

Triggered by S3 ObjectCreated on the raw bucket (keys ending in ``.json``). For
every object it streams the newline-delimited JSON the collector wrote, line by
line, validates each line, and writes one DynamoDB item per valid line with
BatchWriteItem, 25 at a time, as it goes: memory stays flat whatever the size.

- Idempotent: an item is derived from its line alone (key, TTL included), so
  processing an object again writes identical items.
- The clock: before each batch and each retry the handler looks at the time left
  in the invocation. When too little is left it stops cleanly: it logs how many
  items it wrote and up to which line, publishes the error metric and raises
  ``OutOfTime``, so the asynchronous invocation is retried (from the start:
  re-writing the same items is harmless).
- Poison lines are quarantined, not lost: each is logged (line number and
  reason), counted in the error metric, and written with its source key, line
  number and reason to ``<QUARANTINE_PREFIX><source key>.jsonl`` in the same
  bucket. That suffix does not match the trigger's ``.json`` filter, so a
  quarantined object never triggers this function by itself.
- Replay, after a fix (of this code, or of the lines by hand in the quarantine
  object): invoke the function with an S3 event naming the quarantine object,
  for instance ``replay_event("<bucket>", "quarantine/<source key>.jsonl")``
  passed to ``aws lambda invoke --payload``. Each record's line is processed as
  a line of its original source object (same item, same ``source_key``). The
  quarantine object is then rewritten with only the records that still fail,
  or deleted when none do.
- A failure that is not about one line (S3 read, DynamoDB still refusing items
  after the retries) puts the error metric and re-raises, so the asynchronous
  invocation is retried and finally lands in the dead-letter queue.

The table's key and attribute names and the error metric's name come from the
environment (the template sets them from the model); the defaults are today's.

Standard library and boto3 only: this single file is what the Lambda zip holds.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import random
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, BinaryIO, Iterator
from urllib.parse import unquote_plus

import boto3
from boto3.dynamodb.types import DYNAMODB_CONTEXT
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
# Attributes every item carries under these fixed names, beside the configurable keys.
FIXED_ATTRIBUTES = ("value", "unit", "region", "metadata", "source_key")

BATCH_WRITE_MAX_ITEMS = 25  # the BatchWriteItem limit
MAX_WRITE_ATTEMPTS = 8  # per batch, before giving up and letting Lambda retry
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_CAP_SECONDS = 2.0
# DynamoDB items are at most 400 KB; the item is the line plus a few short
# attributes, so a line this long cannot fit.
MAX_LINE_BYTES = 350_000
MAX_PARTITION_KEY_BYTES = 2048
# A quarantine record holds a line (escaped, so up to a few times longer) and a
# few short fields; longer records are cut like any over-long line.
MAX_QUARANTINE_RECORD_BYTES = 8 * MAX_LINE_BYTES
READ_CHUNK_BYTES = 64 * 1024
# Quarantine records stay in memory up to this size, then spill to /tmp.
QUARANTINE_SPOOL_BYTES = 1024 * 1024

# What a clean stop needs after the last write: the quarantine upload, the
# error metric and the log line, each normally well under a second.
STOP_MARGIN_MS = 2500
# What one BatchWriteItem call is given: no call starts with less than
# STOP_MARGIN_MS + BATCH_BUDGET_MS left.
BATCH_BUDGET_MS = 1000
# The deadline is also looked at every so many lines, for objects whose lines
# are mostly poison (and so produce no batches).
DEADLINE_CHECK_EVERY_LINES = 1000

# Short timeouts: the function has 30 s in all, and a call that hangs must fail
# while there is still time to stop cleanly.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)

# --------------------------------------------------------------------------- config


@dataclass(frozen=True)
class ItemNames:
    """The table's contract: which attribute is the key, the GSI's keys, the TTL."""

    partition_key: str = "instance_id"
    sort_key: str = "metric_key"
    timestamp: str = "timestamp"
    metric_type: str = "metric_type"
    ttl: str = "expires_at"

    @classmethod
    def from_env(cls, env: Any) -> "ItemNames":
        names = cls(
            partition_key=_name(env, "TABLE_PARTITION_KEY", cls.partition_key),
            sort_key=_name(env, "TABLE_SORT_KEY", cls.sort_key),
            timestamp=_name(env, "TABLE_TIMESTAMP_ATTRIBUTE", cls.timestamp),
            metric_type=_name(env, "TABLE_METRIC_TYPE_ATTRIBUTE", cls.metric_type),
            ttl=_name(env, "TABLE_TTL_ATTRIBUTE", cls.ttl),
        )
        every = [*names.configured(), *FIXED_ATTRIBUTES]
        clashes = sorted({n for n in every if every.count(n) > 1})
        if clashes:
            raise ValueError(f"table attribute names must be distinct; used twice: {', '.join(clashes)}")
        return names

    def configured(self) -> tuple[str, ...]:
        return (self.partition_key, self.sort_key, self.timestamp, self.metric_type, self.ttl)


def _name(env: Any, variable: str, default: str) -> str:
    return env.get(variable, "").strip() or default


@dataclass(frozen=True)
class Settings:
    table: str
    ttl_days: int
    namespace: str
    names: ItemNames
    error_metric: str
    quarantine_prefix: str

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
        prefix = env.get("QUARANTINE_PREFIX", "").strip() or "quarantine/"
        if prefix.startswith("/"):
            raise ValueError(f"QUARANTINE_PREFIX is an S3 key prefix and cannot start with '/': {prefix!r}")
        return cls(
            table=table,
            ttl_days=ttl_days,
            namespace=_namespace(env),
            names=ItemNames.from_env(env),
            error_metric=_error_metric(env),
            quarantine_prefix=prefix,
        )

    def quarantine_key(self, source_key: str) -> str:
        # ".jsonl", not ".json": the trigger's suffix filter must not match it.
        return f"{self.quarantine_prefix}{source_key}.jsonl"


def _namespace(env: Any) -> str:
    return env.get("METRICS_NAMESPACE", "").strip() or "InfraMonitoring"


def _error_metric(env: Any) -> str:
    return env.get("ERROR_METRIC_NAME", "").strip() or "LogProcessorErrors"


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

# --------------------------------------------------------------------------- the clock


class OutOfTime(RuntimeError):
    """Too little of the invocation is left to go on; the message says what was done."""


class Deadline:
    """The time left in this invocation, from the Lambda context. Without a
    context (a test, a script) there is no deadline."""

    def __init__(self, context: Any) -> None:
        self._remaining_ms = getattr(context, "get_remaining_time_in_millis", None)

    def left_ms(self) -> float:
        return float(self._remaining_ms()) if self._remaining_ms else float("inf")

    def spare_seconds(self) -> float:
        """What may still be spent before the next call must start: the time left
        less the stop margin and one call's budget."""
        return (self.left_ms() - STOP_MARGIN_MS - BATCH_BUDGET_MS) / 1000


# --------------------------------------------------------------------------- parsing


class Malformed(ValueError):
    """A line that cannot become an item; the message says why."""


def _reject_constant(name: str) -> Any:
    raise Malformed(f"{name} is not a number DynamoDB can store")


@functools.lru_cache(maxsize=256)  # an object's lines share a handful of timestamps
def parse_timestamp(raw: str) -> int:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise Malformed(f"timestamp is not ISO-8601: {raw[:64]!r}") from None
    if parsed.tzinfo is None:
        raise Malformed(f"timestamp has no UTC offset: {raw[:64]!r}")
    try:
        return int(parsed.astimezone(timezone.utc).timestamp())
    except (OverflowError, ValueError):  # e.g. year 1 with a positive offset
        raise Malformed(f"timestamp is out of range: {raw[:64]!r}") from None


def _require_utf8(field: str, value: Any) -> None:
    """JSON escapes can smuggle in lone surrogates ("\\ud800"), which cannot be
    sent to DynamoDB and would fail the whole batch, not just this line."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise Malformed(f"field {field!r} holds text that is not valid Unicode") from None


def parse_line(line: bytes, source_key: str, ttl_days: int, names: ItemNames = ItemNames()) -> dict[str, dict]:
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
        names.partition_key: instance_id,
        # Unique per point: the four collectors write the same instance at the same second.
        names.sort_key: f"{epoch}#{metric_type}",
        names.timestamp: epoch,  # a number, for the MetricTypeIndex range key
        names.metric_type: metric_type,
        "value": record["value"],
        "unit": record["unit"],
        "region": record["region"],
        "metadata": record["metadata"],
        "source_key": source_key,
        # From the data, not from now: re-processing gives the identical item.
        names.ttl: epoch + ttl_days * 86400,
    }
    try:
        # Serializing here, per line, catches what DynamoDB would reject for the
        # whole batch (numbers out of range or over 38 digits, odd metadata).
        return {name: _attribute(value) for name, value in item.items()}
    except Exception as error:  # noqa: BLE001 - any refusal means this line is malformed
        raise Malformed(f"not storable in DynamoDB: {error!r}") from None


def _attribute(value: Any) -> dict:
    """DynamoDB's wire format for what an item holds: text, numbers, null and a
    flat map. boto3's TypeSerializer does the same for every type and took most
    of the processor's time; numbers go through boto3's own decimal context, so
    what boto3 would refuse (over 38 digits, out of range) is refused here."""
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = str(DYNAMODB_CONTEXT.create_decimal(value))
        if number in ("Infinity", "-Infinity", "NaN", "-NaN", "sNaN", "-sNaN"):
            raise TypeError(f"{number} is not a DynamoDB number")
        return {"N": number}
    if value is None:
        return {"NULL": True}
    if isinstance(value, dict):
        return {"M": {name: _attribute(inner) for name, inner in value.items()}}
    raise TypeError(f"{type(value).__name__} is not stored by this processor")


# --------------------------------------------------------------------------- reading lines


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the object it was read from
    data: bytes  # without the newline; cut to the reader's limit
    size: int  # the whole line's length, which is more than len(data) when cut

    @property
    def cut(self) -> bool:
        return self.size > len(self.data)


def iter_lines(body: BinaryIO, max_bytes: int) -> Iterator[Line]:
    """The lines of a streaming body, read a chunk at a time. A line longer than
    ``max_bytes`` keeps only its first ``max_bytes`` (its length says how long it
    was): one endless line cannot take the whole memory."""
    number = 0
    pending = bytearray()
    dropped = 0
    while chunk := body.read(READ_CHUNK_BYTES):
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = memoryview(chunk)[start:] if end < 0 else memoryview(chunk)[start:end]
            room = max_bytes - len(pending)
            if len(piece) <= room:
                pending += piece
            else:
                pending += piece[:max(room, 0)]
                dropped += len(piece) - max(room, 0)
            if end < 0:
                break
            number += 1
            yield Line(number, bytes(pending), len(pending) + dropped)
            pending.clear()
            dropped = 0
            start = end + 1
    if pending or dropped:  # the last line has no newline
        yield Line(number + 1, bytes(pending), len(pending) + dropped)


# --------------------------------------------------------------------------- quarantine


@dataclass(frozen=True)
class Poison:
    """A line of a source object, and once it fails, why: everything needed to
    quarantine it and replay it."""

    bucket: str
    source_key: str
    line: int
    reason: str
    raw: bytes
    size: int  # the line's full length; more than len(raw) when it was cut

    def parse(self, settings: Settings) -> dict[str, dict]:
        """The item this line makes, as a line of its source object, or Malformed."""
        if self.size > len(self.raw):
            raise Malformed(f"line is {self.size} bytes, too large for a DynamoDB item")
        return parse_line(self.raw, self.source_key, settings.ttl_days, settings.names)

    def record(self) -> bytes:
        record: dict[str, Any] = {
            "source_bucket": self.bucket,
            "source_key": self.source_key,
            "line": self.line,
            "reason": self.reason,
            "bytes": self.size,
        }
        try:
            record["raw"] = self.raw.decode("utf-8")
        except UnicodeDecodeError:  # kept exactly, for a person to look at
            record["raw_base64"] = base64.b64encode(self.raw).decode("ascii")
        if self.size > len(self.raw):
            record["truncated"] = True
        # No clock in the record: quarantining the same object twice gives the same bytes.
        return json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"


def read_quarantine_record(line: Line) -> Poison:
    """One record of a quarantine object back to the poison line it holds; a
    record that cannot be read raises Malformed."""
    if line.cut:
        raise Malformed(f"quarantine record is over {MAX_QUARANTINE_RECORD_BYTES} bytes")
    try:
        record = json.loads(line.data)
        raw = record["raw"].encode("utf-8") if "raw" in record else base64.b64decode(record["raw_base64"], validate=True)
        return Poison(
            bucket=str(record["source_bucket"]),
            source_key=str(record["source_key"]),
            line=int(record["line"]),
            reason=str(record["reason"]),
            raw=raw,
            # Only a cut line is longer than its raw text; a hand-fixed raw is whole.
            size=int(record["bytes"]) if record.get("truncated") else len(raw),
        )
    except Exception as error:  # noqa: BLE001 - any shape problem makes this record unreadable
        raise Malformed(f"not a quarantine record: {type(error).__name__}: {str(error)[:80]}") from None


class Quarantine:
    """The poison lines of one object, spooled (memory, then /tmp) until saved."""

    def __init__(self) -> None:
        self._spool = tempfile.SpooledTemporaryFile(max_size=QUARANTINE_SPOOL_BYTES)
        self.count = 0

    def add(self, record: bytes) -> None:
        self._spool.write(record)
        self.count += 1

    def save(self, bucket: str, key: str) -> None:
        self._spool.seek(0)
        _client("s3").put_object(Bucket=bucket, Key=key, Body=self._spool, ContentType="application/x-ndjson")

    def close(self) -> None:
        self._spool.close()


# --------------------------------------------------------------------------- DynamoDB


def _backoff(attempt: int, spare_seconds: float) -> float:
    """Full-jitter exponential backoff (attempt 1, 2, ...), never past the time
    that can still be spared before the next call must start."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt, spare_seconds)
    return random.uniform(0, max(ceiling, 0.0))


class BatchWriter:
    """BatchWriteItem 25 at a time, as the items come, in line order.

    Two puts of one key in one request are refused by DynamoDB: within a batch
    the later line replaces the earlier, and across batches the later batch is
    written later, so the last line wins over the whole object."""

    def __init__(self, table: str, names: ItemNames, deadline: Deadline, key: str) -> None:
        self.table = table
        self.names = names
        self.deadline = deadline
        self.key = key
        self.pending: dict[tuple[str, str], dict] = {}
        self.last_line = 0  # the last line handed over, written or not
        self.written = 0  # items written so far
        self.written_through = 0  # every line up to this one is written (or needed no write)
        self.duplicates = 0

    def add(self, item: dict, line: int) -> None:
        key = (item[self.names.partition_key]["S"], item[self.names.sort_key]["S"])
        if key in self.pending:
            self.duplicates += 1
        self.pending[key] = item
        self.last_line = line
        if len(self.pending) == BATCH_WRITE_MAX_ITEMS:
            self.flush()

    def passed(self, line: int) -> None:
        """A line that needs no write (blank, or quarantined) is done once every
        earlier line is."""
        self.last_line = line
        if not self.pending:
            self.written_through = line

    def flush(self) -> None:
        if self.pending:
            self._write(list(self.pending.values()))
            self.written += len(self.pending)
            self.written_through = self.last_line
            self.pending.clear()

    def stop_if_late(self, before: str) -> None:
        if self.deadline.spare_seconds() <= 0:
            raise OutOfTime(
                f"stopped before {before} with {self.deadline.left_ms():.0f} ms left: "
                f"{self.written} items of {self.key} written, every line up to {self.written_through} done"
            )

    def _write(self, items: list[dict]) -> None:
        """Retries UnprocessedItems (throttling or partition limits) with a
        backoff that respects the deadline; raises after MAX_WRITE_ATTEMPTS so
        the invocation fails and is retried as a whole (the writes are idempotent)."""
        dynamodb = _client("dynamodb")
        pending = {self.table: [{"PutRequest": {"Item": item}} for item in items]}
        for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
            self.stop_if_late("a batch write" if attempt == 1 else f"retry {attempt - 1} of a throttled batch")
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            left = sum(len(requests) for requests in pending.values())
            if attempt == MAX_WRITE_ATTEMPTS:
                raise RuntimeError(f"DynamoDB left {left} items unprocessed after {attempt} attempts")
            _log("WARNING", "unprocessed items, retrying", key=self.key, attempt=attempt, items=left)
            _sleep(_backoff(attempt, self.deadline.spare_seconds()))


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


def replay_event(bucket: str, key: str) -> dict:
    """The event that replays a quarantine object: what S3 would send for it.

    aws lambda invoke --function-name <log processor> --cli-binary-format raw-in-base64-out \\
        --payload '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"<bucket>"},
                   "object":{"key":"quarantine/<source key>.jsonl"}}}]}' out.json
    """
    from urllib.parse import quote_plus

    return {"Records": [{
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key, safe="/")}},
    }]}


def open_object(bucket: str, key: str) -> BinaryIO:
    """The object's streaming body. The current version, not the event's
    versionId: a re-run rewrites a key with the same bytes, and reading a version
    would need s3:GetObjectVersion."""
    return _client("s3").get_object(Bucket=bucket, Key=key)["Body"]


# --------------------------------------------------------------------------- one object


@dataclass
class Outcome:
    items: int = 0
    malformed: int = 0


def process_object(bucket: str, key: str, settings: Settings, deadline: Deadline) -> Outcome:
    """Stream one object into the table; its poison lines into quarantine.

    An object under the quarantine prefix is a replay: its records' lines are
    processed as lines of their source objects, and what still fails is written
    back to it (or it is deleted when nothing does)."""
    replay = key.startswith(settings.quarantine_prefix)
    writer = BatchWriter(settings.table, settings.names, deadline, key)
    quarantine = Quarantine()
    try:
        body = open_object(bucket, key)
        try:
            for line in iter_lines(body, MAX_QUARANTINE_RECORD_BYTES if replay else MAX_LINE_BYTES):
                if line.number % DEADLINE_CHECK_EVERY_LINES == 0:
                    writer.stop_if_late(f"line {line.number}")
                if not line.data.strip():
                    writer.passed(line.number)  # blank lines (e.g. a trailing newline) are not records
                    continue
                try:
                    poison = read_quarantine_record(line) if replay else Poison(bucket, key, line.number, "",
                                                                                 line.data, line.size)
                except Malformed as reason:
                    # Kept as it is, where it was: a person has to look at it.
                    _log("ERROR", "unreadable quarantine record", key=key, line=line.number, reason=str(reason))
                    quarantine.add(line.data + b"\n")
                    writer.passed(line.number)
                    continue
                try:
                    item = poison.parse(settings)
                except Malformed as reason:
                    _log("ERROR", "malformed line", key=poison.source_key, line=poison.line, reason=str(reason),
                         quarantine=key if replay else settings.quarantine_key(key))
                    quarantine.add(replace(poison, reason=str(reason)).record())
                    writer.passed(line.number)
                    continue
                writer.add(item, line.number)
            writer.flush()
        except OutOfTime as stop:
            # Nothing is quarantined on a stop: the retry reads the object again.
            _log("ERROR", "stopping before the timeout", key=key, items_written=writer.written,
                 done_through_line=writer.written_through, reason=str(stop))
            raise
        finally:
            body.close()
        if writer.duplicates:
            _log("WARNING", "duplicate points, last line kept", key=key, duplicates=writer.duplicates)
        _settle_quarantine(bucket, key, replay, quarantine, settings)
    finally:
        quarantine.close()
    return Outcome(items=writer.written, malformed=quarantine.count)


def _settle_quarantine(bucket: str, key: str, replay: bool, quarantine: Quarantine, settings: Settings) -> None:
    if replay:
        if quarantine.count:
            quarantine.save(bucket, key)  # only what still fails
        else:
            _client("s3").delete_object(Bucket=bucket, Key=key)
            _log("INFO", "quarantine replayed in full and removed", key=key)
    elif quarantine.count:
        quarantine.save(bucket, settings.quarantine_key(key))


# --------------------------------------------------------------------------- errors metric


def put_error_metric(namespace: str, metric_name: str, count: int, context: Any) -> None:
    """Best effort: a failure here must not hide the processing result or error."""
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or getattr(context, "function_name", None) or "unknown"
    try:
        _client("cloudwatch").put_metric_data(
            Namespace=namespace,
            MetricData=[{
                "MetricName": metric_name,
                "Dimensions": [{"Name": "FunctionName", "Value": function_name}],
                "Unit": "Count",
                "Value": float(count),
            }],
        )
    except Exception as error:  # noqa: BLE001
        _log("ERROR", f"could not publish {metric_name}", error=repr(error), count=count)


# --------------------------------------------------------------------------- entry point


def handler(event: Any, context: Any) -> dict:
    objects = items_written = malformed = 0
    namespace = _namespace(os.environ)
    error_metric = _error_metric(os.environ)
    deadline = Deadline(context)
    try:
        settings = Settings.from_env()
        for bucket, key in s3_objects(event):
            outcome = process_object(bucket, key, settings, deadline)
            objects += 1
            items_written += outcome.items
            malformed += outcome.malformed
            _log("INFO", "processed object", bucket=bucket, key=key, items=outcome.items,
                 malformed=outcome.malformed)
    except Exception as error:
        # Count the lines already found bad plus this failure, then let Lambda retry.
        _log("ERROR", "processing failed", error=repr(error), objects_done=objects, items_written=items_written)
        put_error_metric(namespace, error_metric, malformed + 1, context)
        raise
    if malformed:
        put_error_metric(namespace, error_metric, malformed, context)
    summary = {"objects": objects, "items": items_written, "malformed": malformed}
    _log("INFO", "done", **summary)
    return summary
