"""Benchmark of the bundled Lambda handlers against moto in-process.

    .venv/bin/python bench/lambda_handler.py

For 1, 100 and 1,000 simulated instances it prints:
- the collector's duration for one invocation (one metric type): the first call
  with fresh boto3 clients ("cold", client creation included) and the median of
  warm calls (clients reused, as in a warm Lambda container);
- the collector's peak memory, measured with tracemalloc: the peak of Python heap
  allocations made during one invocation. It does not count the interpreter,
  already imported modules or memory outside the Python allocator, and it does
  count moto's own in-process work on the requests (moto plays AWS inside this
  process), so it overstates the handler's own allocations;
- the log processor's duration for the objects that run wrote (one S3 event per
  object, as S3 sends them), per object (median) and for all four.
At the end it prints the resident memory of a fresh Python process that imports
the collector and creates its clients, the fixed cost a Lambda container pays
before the first invocation.

Target: 1,000 instances in under 1 s and under 128 MB (the function's size).
Durations include moto's in-process handling of each request and no network.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offline import ROOT, load, offline_aws  # noqa: E402

# Before boto3 or moto load: nothing here may reach AWS.
offline_aws({
    "RAW_BUCKET": "bench-raw-metrics",
    "TABLE_NAME": "bench-metrics",
    "METRICS_NAMESPACE": "InfraMonitoring",
    "PIPELINE": "infra-monitoring-bench",
    "PIPELINE_VERSION": "bench",
    "COLLECTOR_MODE": "simulated",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
})

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

SIZES = (1, 100, 1000)
WARM_RUNS = 7
METRIC_TYPES = ("cpu", "memory", "disk", "network")
TIME = "2026-11-25T17:50:08.123Z"



collector = load("collector", "bench_collector_handler")
processor = load("log_processor", "bench_log_processor_handler")


def silently(function, *args):
    """Run a handler with its JSON log lines thrown away (they would drown the table)."""
    saved = sys.stdout
    sys.stdout = open(os.devnull, "w")
    try:
        return function(*args)
    finally:
        sys.stdout.close()
        sys.stdout = saved


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = silently(function, *args)
    return time.perf_counter() - start, result


def peak_bytes(function, *args) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        silently(function, *args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def create_resources() -> None:
    boto3.client("s3").create_bucket(Bucket=os.environ["RAW_BUCKET"])
    boto3.client("dynamodb").create_table(
        TableName=os.environ["TABLE_NAME"],
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


def s3_event(key: str) -> dict:
    from urllib.parse import quote_plus

    return {"Records": [{
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": os.environ["RAW_BUCKET"]}, "object": {"key": quote_plus(key, safe="/")}},
    }]}


def fresh_clients() -> None:
    """As in a new container: no cached clients, and a new default boto3 session,
    so the service models are loaded again (the session caches them)."""
    collector._CLIENTS.clear()
    boto3.DEFAULT_SESSION = None


def bench_size(n: int, per_instance: bool) -> dict:
    # INSTANCE_IDS only for the benchmark: a real Lambda's environment is capped
    # at 4 KB (about 200 ids); real large fleets use INSTANCE_TAG.
    os.environ["INSTANCE_IDS"] = ",".join(f"i-{k:017x}" for k in range(1, n + 1))
    os.environ["PER_INSTANCE_METRICS"] = "true" if per_instance else "false"
    event = {"metric_type": "cpu", "time": TIME}

    fresh_clients()
    cold, _ = timed(collector.handler, event, None)
    warm = [timed(collector.handler, event, None)[0] for _ in range(WARM_RUNS)]
    warm_peak = peak_bytes(collector.handler, event, None)
    fresh_clients()
    cold_peak = peak_bytes(collector.handler, event, None)

    keys = [silently(collector.handler, {"metric_type": m, "time": TIME}, None)["key"] for m in METRIC_TYPES]
    processor._CLIENTS.clear()
    silently(processor.handler, s3_event(keys[0]), None)  # create the clients first: measure warm
    per_object = []
    items = 0
    for key in keys:
        seconds, summary = timed(processor.handler, s3_event(key), None)
        per_object.append(seconds)
        items += summary["items"]
    processor_peak = peak_bytes(processor.handler, s3_event(keys[0]), None)
    return {
        "n": n,
        "per_instance": per_instance,
        "cold": cold,
        "warm": statistics.median(warm),
        "warm_peak": warm_peak,
        "cold_peak": cold_peak,
        "proc_object": statistics.median(per_object),
        "proc_total": sum(per_object),
        "proc_peak": processor_peak,
        "items": items,
    }


def baseline_rss_mb() -> float:
    """Peak RSS (VmHWM) of a fresh interpreter that imports the collector and
    creates its two clients: what a container holds before the first invocation.
    Read from /proc, not getrusage: ru_maxrss carries the parent's peak over
    fork and exec."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('h', {str(ROOT / 'lambdas/collector/handler.py')!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['h'] = m; spec.loader.exec_module(m)\n"
        "m._client('s3'); m._client('cloudwatch')\n"
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ)
    return int(out.stdout.strip()) / 1024  # kB -> MB


def mb(value: int) -> str:
    return f"{value / 2**20:7.2f} MB"


def main() -> int:
    began = time.perf_counter()
    rows = []
    with mock_aws():
        create_resources()
        for n in SIZES:
            rows.append(bench_size(n, per_instance=False))
        rows.append(bench_size(1000, per_instance=True))

    print("infrapipe Lambda handlers, simulated mode, moto in-process "
          f"(Python {sys.version.split()[0]}; durations in ms; collector = one metric type)")
    print("memory = tracemalloc peak of Python allocations during one invocation (moto's share included)")
    print()
    header = (f"{'instances':>9} {'per-inst':>8} | {'collector warm':>14} {'cold':>8} | "
              f"{'peak warm':>10} {'peak cold':>10} | {'processor/object':>16} {'x4 objects':>10} "
              f"{'items':>6} {'peak':>10}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['n']:>9} {'yes' if r['per_instance'] else 'no':>8} | "
              f"{r['warm'] * 1000:>14.1f} {r['cold'] * 1000:>8.1f} | "
              f"{mb(r['warm_peak']):>10} {mb(r['cold_peak']):>10} | "
              f"{r['proc_object'] * 1000:>16.1f} {r['proc_total'] * 1000:>10.1f} "
              f"{r['items']:>6} {mb(r['proc_peak']):>10}")
    print()
    baseline = baseline_rss_mb()
    print(f"fresh process RSS after importing the collector and creating its clients: {baseline:.1f} MB")
    print(f"this benchmark process peak RSS (moto itself, both handlers, all runs): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB")

    thousand = next(r for r in rows if r["n"] == 1000 and not r["per_instance"])
    within_time = thousand["warm"] < 1.0 and thousand["cold"] < 1.0
    within_memory = baseline + thousand["cold_peak"] / 2**20 < 128
    print(f"target, 1,000 instances under 1 s: {'met' if within_time else 'MISSED'}; "
          f"under 128 MB (baseline RSS + cold peak = {baseline + thousand['cold_peak'] / 2**20:.1f} MB): "
          f"{'met' if within_memory else 'MISSED'}")
    print(f"benchmark ran {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
