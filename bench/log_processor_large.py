"""Benchmark of the log processor on one 50 MB object (issue 17, item 4).

    .venv/bin/python bench/log_processor_large.py [size in MB, default 50]

No moto: its own memory and time would drown the handler's. S3's GetObject is
stubbed with botocore's Stubber and answers a streaming body whose bytes are
made as they are read (so the object never sits in memory); DynamoDB is a fake
client that only counts the batches and items it is given; one line in ten
thousand is poison, so the quarantine upload (stubbed PutObject) and the error
metric (a counting fake) run too.

It prints:
- the time for the whole object (one invocation, warm clients), lines and MB per second;
- the tracemalloc peak of Python allocations during a second, traced run;
- the process's max RSS (getrusage ru_maxrss) before and after, which counts
  everything: the interpreter, boto3, the stubs.
Target: within 128 MB (the function's memory). Time: this machine's core; Lambda
gives a 128 MB function a fraction of a vCPU (CPU is proportional to memory, one
vCPU at 1,769 MB), so the same object takes several times longer there.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offline import ROOT, load, offline_aws  # noqa: E402

# Before boto3 or moto load: nothing here may reach AWS.
offline_aws({
    "TABLE_NAME": "bench-metrics",
    "METRICS_NAMESPACE": "InfraMonitoring",
    "AWS_LAMBDA_FUNCTION_NAME": "bench-log-processor",
})

from botocore.response import StreamingBody  # noqa: E402
from botocore.stub import ANY, Stubber  # noqa: E402

BUCKET = "bench-raw-metrics"
KEY = "year=2026/month=11/day=25/hour=17/cpu-metrics-20261125T175008Z.json"
POISON_EVERY = 10_000
MEMORY_LIMIT_MB = 128



processor = load("log_processor", "bench_log_processor_handler")


def record(n: int) -> bytes:
    """A line as the collector writes it, one instance each; every POISON_EVERY-th is poison."""
    if n % POISON_EVERY == POISON_EVERY - 1:
        return b'{"not": "a record"}\n'
    return json.dumps({
        "timestamp": "2026-11-25T17:50:08Z",
        "instance_id": f"i-{n:017x}",
        "region": "us-east-1",
        "metric_type": "cpu",
        "value": round(n % 10_000 / 100, 2),
        "unit": "percent",
        "metadata": {"collection_method": "cloudwatch", "pipeline_version": "1.0"},
    }, sort_keys=True, separators=(",", ":")).encode() + b"\n"


class GeneratedObject(io.RawIOBase):
    """The object's bytes, made line by line as they are read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0
        self.lines = 0
        self.buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while len(self.buffer) < len(target) and self.sent + len(self.buffer) < self.size:
            self.buffer += b"".join(record(self.lines + k) for k in range(256))
            self.lines += 256
        amount = min(len(target), len(self.buffer), self.size - self.sent)
        target[:amount] = self.buffer[:amount]
        self.buffer = self.buffer[amount:]
        self.sent += amount
        return amount


def whole_lines_size(megabytes: int) -> int:
    """The byte length of as many whole lines as fit in the size."""
    size = total = 0
    limit = megabytes * 2**20
    n = 0
    while True:
        line = len(record(n))
        if total + line > limit:
            return size
        total += line
        size = total
        n += 1


class CountingTable:
    """A DynamoDB client that accepts every batch and counts."""

    def __init__(self) -> None:
        self.calls = 0
        self.items = 0

    def batch_write_item(self, RequestItems):  # noqa: N803 - boto3's parameter name
        self.calls += 1
        self.items += sum(len(requests) for requests in RequestItems.values())
        return {}


class CountingMetrics:
    def __init__(self) -> None:
        self.calls = 0

    def put_metric_data(self, **_):
        self.calls += 1
        return {}


def s3_event() -> dict:
    return {"Records": [{"eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": BUCKET}, "object": {"key": KEY}}}]}


def run(size: int, traced: bool) -> dict:
    processor._CLIENTS.clear()
    s3 = processor._client("s3")
    table, metrics = CountingTable(), CountingMetrics()
    processor._CLIENTS.update({"dynamodb": table, "cloudwatch": metrics})
    body = GeneratedObject(size)
    with Stubber(s3) as stub:
        stub.add_response("get_object", {"Body": StreamingBody(io.BufferedReader(body, 64 * 1024), size),
                                         "ContentLength": size}, {"Bucket": BUCKET, "Key": KEY})
        stub.add_response("put_object", {}, {"Bucket": BUCKET, "Key": f"quarantine/{KEY}.jsonl", "Body": ANY,
                                             "ContentType": "application/x-ndjson"})
        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")  # the handler's JSON log lines
        try:
            if traced:
                tracemalloc.start()
            start, cpu_start = time.perf_counter(), time.process_time()
            summary = processor.handler(s3_event(), None)  # no deadline: the whole object, timed
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            if traced:
                tracemalloc.stop()
            sys.stdout.close()
            sys.stdout = saved
        stub.assert_no_pending_responses()
    return {"seconds": seconds, "cpu": cpu, "peak": peak, "summary": summary, "lines": body.lines,
            "batches": table.calls, "items": table.items, "metric_calls": metrics.calls}


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> int:
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    size = whole_lines_size(megabytes)
    rss_before = max_rss_mb()
    timed = run(size, traced=False)
    rss_after = max_rss_mb()
    traced = run(size, traced=True)

    summary = timed["summary"]
    print(f"infrapipe log processor, one {size / 2**20:.1f} MB object, stubbed S3 and counting DynamoDB "
          f"(Python {sys.version.split()[0]})")
    print(f"lines {summary['items'] + summary['malformed']:,}: {summary['items']:,} items in "
          f"{timed['batches']:,} BatchWriteItem calls, {summary['malformed']} quarantined, "
          f"{timed['metric_calls']} error metric call")
    lines = summary["items"] + summary["malformed"]
    print(f"time            {timed['seconds']:8.2f} s   wall, {timed['cpu']:.2f} s CPU "
          f"({lines / timed['cpu']:,.0f} lines and {size / 2**20 / timed['cpu']:.1f} MB per CPU second on this machine)")
    print(f"tracemalloc peak {traced['peak'] / 2**20:7.2f} MB  (Python allocations during the traced run)")
    print(f"max RSS         {rss_after:8.1f} MB   (whole process; {rss_before:.1f} MB before the first run)")
    within = rss_after < MEMORY_LIMIT_MB
    print(f"target, {megabytes} MB within {MEMORY_LIMIT_MB} MB of memory: {'met' if within else 'MISSED'} "
          f"(max RSS {rss_after:.1f} MB)")
    in_lambda = timed["cpu"] * 1769 / 128
    usable = 30 - (processor.STOP_MARGIN_MS + processor.BATCH_BUDGET_MS) / 1000
    verdict = ("fits in one 30 s invocation" if in_lambda < usable else
               "needs more than one 30 s invocation: it stops before the timeout and is retried from its start, "
               "so it ends in the dead-letter queue (lambdas/README.md)")
    print(f"time in Lambda: a 128 MB function gets about {128 / 1769:.0%} of a vCPU, so about {in_lambda:.0f} s "
          f"for this object if its core is like this one: it {verdict}; one invocation handles about "
          f"{usable / in_lambda * size / 2**20:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
