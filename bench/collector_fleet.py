"""Benchmark of the collector at fleet scale in cloudwatch mode (issue 17, item 6).

    .venv/bin/python bench/collector_fleet.py

For 1,000 and 10,000 running instances chosen by tag, for cpu (one CloudWatch
source per instance) and network (two: in and out), with and without
per-instance metrics, it prints:
- the handler's time for one invocation (clients already created, as in a warm
  container), wall and CPU;
- the tracemalloc peak of Python allocations during a second, traced run;
- the API calls by operation.
At the end: the peak RSS of a fresh process that runs the largest case once
(VmHWM from /proc: everything, interpreter, boto3 and the stubbed answers
included), and this process's max RSS over all runs (getrusage).

No moto: its own cost and memory would drown the handler's. Every AWS answer is
stubbed with botocore's Stubber, queued before the run (so the answers' own
memory is not in the tracemalloc figure; parsing real responses would add to
it). The handler still builds, validates and serializes every request; its
GetMetricData requests run a few at a time, and every group of the fleets here
is the same size, so the stubbed answers fit whatever order they are taken in.
Real calls add their network latency, which a stub cannot show: the last
columns are the round trips made one after the other (GetMetricData counted in
rounds of GET_METRIC_DATA_WORKERS) and how long each may take before the 30 s
timeout.

Target: 10,000 instances within 128 MB and well inside the 30 s timeout.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offline import ROOT, load, offline_aws  # noqa: E402

# Before boto3 or moto load: nothing here may reach AWS.
offline_aws({
    "RAW_BUCKET": "bench-raw-metrics",
    "METRICS_NAMESPACE": "InfraMonitoring",
    "PIPELINE": "infra-monitoring-bench",
    "PIPELINE_VERSION": "bench",
    "COLLECTOR_MODE": "cloudwatch",
    "INSTANCE_TAG": "Fleet=web",
    "AWS_LAMBDA_FUNCTION_NAME": "bench-collector",
})

from botocore.stub import ANY, Stubber  # noqa: E402

FLEETS = (1000, 10_000)
METRIC_TYPES = ("cpu", "network")
TIME = "2026-11-25T17:50:08.123Z"
AT = datetime(2026, 11, 25, 17, 40, tzinfo=timezone.utc)  # a datapoint inside the window
TIMEOUT_SECONDS = 30
MEMORY_LIMIT_MB = 128



collector = load("collector", "bench_collector_handler")


def instance(n: int) -> dict:
    """A running instance as DescribeInstances lists it (the fields the handler
    does not read are there only to weigh what a real page weighs, roughly)."""
    return {
        "InstanceId": f"i-{n:017x}",
        "InstanceType": "t3.micro",
        "ImageId": "ami-0123456789abcdef0",
        "State": {"Code": 16, "Name": "running"},
        "PrivateIpAddress": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
        "SubnetId": "subnet-0123456789abcdef0",
        "VpcId": "vpc-0123456789abcdef0",
        "Placement": {"AvailabilityZone": "us-east-1a", "Tenancy": "default"},
        "Tags": [{"Key": "Fleet", "Value": "web"}, {"Key": "Name", "Value": f"web-{n}"}],
    }


def queue(stubs: dict[str, Stubber], fleet: int, metric_type: str, per_instance: bool) -> None:
    """Every answer of one invocation, in the order the handler asks."""
    page_size = 1000  # the handler's PageSize
    filters = [{"Name": "tag:Fleet", "Values": ["web"]}, {"Name": "instance-state-name", "Values": ["running"]}]
    pages = range(0, fleet, page_size)
    for number, first in enumerate(pages):
        response = {"Reservations": [{"ReservationId": f"r-{first:017x}",
                                      "Instances": [instance(n) for n in range(first, min(first + page_size, fleet))]}]}
        expected = {"Filters": filters, "MaxResults": page_size}
        if number + 1 < len(pages):
            response["NextToken"] = f"page-{number + 2}"
        if number:
            expected["NextToken"] = f"page-{number + 1}"
        stubs["ec2"].add_response("describe_instances", response, expected)

    sources = len(collector.METRICS[metric_type].sources)
    per_request = collector.GET_METRIC_DATA_MAX_QUERIES // sources
    for first in range(0, fleet, per_request):
        group = range(min(per_request, fleet - first))
        stubs["cloudwatch"].add_response("get_metric_data", {"MetricDataResults": [
            {"Id": f"q{i}_{j}", "Label": "", "Timestamps": [AT], "Values": [float(1000 + i)], "StatusCode": "Complete"}
            for i in group for j in range(sources)
        ]}, {"MetricDataQueries": ANY, "StartTime": ANY, "EndTime": ANY, "ScanBy": "TimestampDescending"})
    stubs["s3"].add_response("put_object", {}, {"Bucket": ANY, "Key": ANY, "Body": ANY, "ContentType": ANY})
    datums = 1 + (fleet if per_instance else 0)
    for _ in range(-(-datums // collector.PUT_METRIC_DATA_MAX_DATUMS)):
        stubs["cloudwatch"].add_response("put_metric_data", {}, {"Namespace": ANY, "MetricData": ANY})


def run(fleet: int, metric_type: str, per_instance: bool, traced: bool) -> dict:
    os.environ["PER_INSTANCE_METRICS"] = "true" if per_instance else "false"
    calls: Counter = Counter()
    stubs = {}
    for service in ("ec2", "cloudwatch", "s3"):
        client = collector._client(service)
        client.meta.events.register("before-parameter-build", lambda model, **_: calls.update([model.name]))
        stubs[service] = Stubber(client)
    for stub in stubs.values():
        stub.activate()
    try:
        queue(stubs, fleet, metric_type, per_instance)
        saved = sys.stdout
        sys.stdout = open(os.devnull, "w")  # the handler's JSON log lines
        try:
            if traced:
                tracemalloc.start()
            start, cpu_start = time.perf_counter(), time.process_time()
            summary = collector.handler({"metric_type": metric_type, "time": TIME}, None)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
            peak = tracemalloc.get_traced_memory()[1] if traced else 0
        finally:
            if traced:
                tracemalloc.stop()
            sys.stdout.close()
            sys.stdout = saved
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    finally:
        for stub in stubs.values():
            stub.deactivate()
        collector._CLIENTS.clear()
    assert summary["instances"] == fleet, summary
    return {"seconds": seconds, "cpu": cpu, "peak": peak, "calls": calls}


def fresh_process_peak_mb(*args: str) -> float:
    """Peak RSS of a new interpreter running this file with ``args``. VmHWM, not
    getrusage: ru_maxrss carries the parent's peak over fork and exec."""
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def peak_rss_mb() -> float:
    return int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))) / 1024


def one(fleet: int, metric_type: str) -> int:
    run(fleet, metric_type, per_instance=True, traced=False)
    print(peak_rss_mb())
    return 0


def baseline() -> int:
    """What a container holds before its first invocation: the three clients."""
    for service in ("ec2", "cloudwatch", "s3"):
        collector._client(service)
    print(peak_rss_mb())
    return 0


def main() -> int:
    if sys.argv[1:2] == ["--one"]:
        return one(int(sys.argv[2]), sys.argv[3])
    if sys.argv[1:2] == ["--baseline"]:
        return baseline()
    began = time.perf_counter()
    print(f"infrapipe collector, cloudwatch mode, stubbed AWS (Python {sys.version.split()[0]}); "
          "one invocation, warm clients")
    header = (f"{'instances':>9} {'metric':>7} {'per-inst':>8} | {'wall s':>7} {'CPU s':>6} | {'peak MB':>7} | "
              f"{'DescribeInstances':>17} {'GetMetricData':>13} {'PutMetricData':>13} {'PutObject':>9} | "
              f"{'rounds':>6} {'s per round left':>16}")
    print(header)
    print("-" * len(header))
    worst = {"seconds": 0.0, "peak": 0}
    for fleet in FLEETS:
        for metric_type in METRIC_TYPES:
            for per_instance in (False, True):
                timed = run(fleet, metric_type, per_instance, traced=False)
                traced = run(fleet, metric_type, per_instance, traced=True)
                calls = timed["calls"]
                rounds = (calls["DescribeInstances"] + calls["PutMetricData"] + calls["PutObject"]
                          - (-calls["GetMetricData"] // collector.GET_METRIC_DATA_WORKERS))
                left = (TIMEOUT_SECONDS - timed["seconds"]) / rounds
                print(f"{fleet:>9,} {metric_type:>7} {'yes' if per_instance else 'no':>8} | "
                      f"{timed['seconds']:>7.2f} {timed['cpu']:>6.2f} | {traced['peak'] / 2**20:>7.1f} | "
                      f"{calls['DescribeInstances']:>17} {calls['GetMetricData']:>13} "
                      f"{calls['PutMetricData']:>13} {calls['PutObject']:>9} | {rounds:>6} {left:>16.2f}")
                worst["seconds"] = max(worst["seconds"], timed["seconds"])
                worst["peak"] = max(worst["peak"], traced["peak"])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    largest = fresh_process_peak_mb("--one", str(FLEETS[-1]), "network")
    print()
    print(f"peak RSS of a fresh process with the collector's three clients: {fresh_process_peak_mb('--baseline'):.1f} MB")
    print(f"peak RSS of a fresh process running {FLEETS[-1]:,} network, per-instance, once "
          f"(the same, plus every stubbed answer queued at once, plus the run): {largest:.1f} MB")
    print(f"max RSS of this process (every run above): {rss:.1f} MB")
    print(f"target, {FLEETS[-1]:,} instances within {MEMORY_LIMIT_MB} MB: "
          f"{'met' if largest < MEMORY_LIMIT_MB else 'MISSED'} (fresh-process peak {largest:.1f} MB, "
          f"largest tracemalloc peak {worst['peak'] / 2**20:.1f} MB); "
          f"handler time at most {worst['seconds']:.2f} s of {TIMEOUT_SECONDS} s before network latency")
    print(f"benchmark ran {time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
