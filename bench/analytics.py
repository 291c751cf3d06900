"""Benchmark: what compaction to Parquet saves the seed's two queries.

Thirty days (2026-02-01 to 2026-03-02) of collector output at 100 and 1,000 instances, eight runs
a day (rate(3 hours)), four metric types: the objects the collector's own record builder writes
(lambdas/collector/handler.py: object_key, render_lines, simulate_value). Each day is compacted
into one Parquet object (ZSTD, DuckDB's writer) with the columns of the template's Parquet table.

For each query it reports the bytes read on JSON (Athena reads every object of the partitions the
query names: JSON has no columns to skip) and on Parquet (the compressed column chunks of the
columns the query touches, in the days it names, from each file's footer), and the object counts
and sizes before and after. Target: at least 90 % less scanned for both queries.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from offline import load, offline_aws  # noqa: E402

offline_aws({"RAW_BUCKET": "bench"})
import duckdb  # noqa: E402

collector = load("collector", "infrapipe_bench_collector")

FIRST = date(2026, 2, 1)
DAYS = 30
RUN_HOURS = range(0, 24, 3)
TYPES = ("cpu", "memory", "disk", "network")
TARGET = 0.90
COLUMNS = "timestamp, instance_id, region, metric_type, value, unit, metadata"
# The columns each of the seed's queries reads (sql/*.sql), and the days it names.
QUERIES = {
    "average-cpu-by-instance": ({"instance_id", "metric_type", "value"}, lambda d: d.month == 2 and 13 <= d.day <= 20),
    "peak-memory-trend": ({"timestamp", "metric_type", "value"}, lambda d: d.month == 2),
}


def write_json(root: Path, instances: int) -> dict[date, list[Path]]:
    """The collector's objects for thirty days, by day."""
    settings = collector.Settings(
        bucket="bench", namespace="InfraMonitoring", mode="simulated", instance_ids=(),
        instance_tag=None, pipeline_version="1.0", pipeline="bench", per_instance=False,
        region="us-east-1",
    )
    ids = [f"i-{n:017x}" for n in range(instances)]
    by_day: dict[date, list[Path]] = {}
    for k in range(DAYS):
        day = FIRST + timedelta(days=k)
        for hour in RUN_HOURS:
            scheduled = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)
            for metric_type in TYPES:
                values = {i: collector.simulate_value(i, metric_type, scheduled) for i in ids}
                path = root / "json" / collector.object_key(metric_type, scheduled)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(collector.render_lines(values, metric_type, scheduled, settings))
                by_day.setdefault(day, []).append(path)
    return by_day


def compact(root: Path, by_day: dict[date, list[Path]]) -> dict[date, Path]:
    """One Parquet object a day, as the compaction's INSERT INTO writes the day."""
    db = duckdb.connect()
    out = {}
    for day, paths in by_day.items():
        target = root / "compacted" / f"year={day:%Y}" / f"month={day:%m}" / f"day={day:%d}" / "data.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        files = ", ".join(f"'{p}'" for p in paths)
        db.execute(
            f"COPY (SELECT {COLUMNS} FROM read_json([{files}], format='newline_delimited', "
            "columns={'timestamp': 'VARCHAR', 'instance_id': 'VARCHAR', 'region': 'VARCHAR', "
            "'metric_type': 'VARCHAR', 'value': 'DOUBLE', 'unit': 'VARCHAR', "
            "'metadata': 'STRUCT(collection_method VARCHAR, pipeline_version VARCHAR)'})) "
            f"TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
        )
        out[day] = target
    return out


def column_bytes(path: Path, columns: set[str]) -> int:
    """Compressed bytes of the named columns' chunks (what a columnar scan reads)."""
    rows = duckdb.connect().execute(
        f"SELECT path_in_schema, total_compressed_size FROM parquet_metadata('{path}')"
    ).fetchall()
    return sum(size for name, size in rows if name.split(", ")[0] in columns)


def mb(n: float) -> str:
    return f"{n / 1e6:,.2f} MB"


def bench(instances: int) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        by_day = write_json(root, instances)
        parquet = compact(root, by_day)
        json_objects = [p for paths in by_day.values() for p in paths]
        json_bytes = sum(p.stat().st_size for p in json_objects)
        parquet_bytes = sum(p.stat().st_size for p in parquet.values())
        print(f"\n{instances:,} instances, {DAYS} days")
        print(f"  objects before: {len(json_objects):,} JSON, {mb(json_bytes)} "
              f"(mean {json_bytes / len(json_objects) / 1e3:,.1f} KB)")
        print(f"  objects after:  {len(parquet):,} Parquet, {mb(parquet_bytes)} "
              f"(mean {parquet_bytes / len(parquet) / 1e3:,.1f} KB; {parquet_bytes / json_bytes:.1%} of the JSON)")
        ok = True
        for name, (columns, wanted) in QUERIES.items():
            days = [d for d in by_day if wanted(d)]
            on_json = sum(p.stat().st_size for d in days for p in by_day[d])
            on_parquet = sum(column_bytes(parquet[d], columns) for d in days)
            saved = 1 - on_parquet / on_json
            ok &= saved >= TARGET
            print(f"  {name}: {len(days)} days, JSON {mb(on_json)}, Parquet {mb(on_parquet)} "
                  f"({', '.join(sorted(columns))}): {saved:.1%} less (target >= {TARGET:.0%})")
        return ok


def main() -> int:
    results = [bench(n) for n in (100, 1_000)]
    print("\nresult:", "every query met the target" if all(results) else "a query missed the target")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
