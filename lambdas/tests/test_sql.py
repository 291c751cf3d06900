"""The deployed SQL, verified without AWS: every named query, the compaction
statement and the view, as they stand in the rendered template, parsed in
Athena's dialect (Trino), transpiled to DuckDB and run on the collector's real
output (the handler run on moto in-process). moto's Athena returns canned rows,
so it proves nothing about SQL; this does.

The compaction state machine deletes a day's Parquet and then runs its INSERT
INTO with the day as execution parameters; `compact` does the same here.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import boto3
import duckdb
import pytest
import sqlglot
from moto import mock_aws

from conftest import BUCKET, FUNCTION, METRIC_TYPES, NAMESPACE, GOLDEN_TEMPLATE, collector_module

RAW = "infra_metrics"
PARQUET = "infra_metrics_parquet"
VIEW = "infra_metrics_all"
# The default schedule, rate(3 hours): eight runs a day.
RUN_HOURS = range(0, 24, 3)
BACKFILL_FIRST = date(2026, 2, 1)
BACKFILL_DAYS = 30
COLUMNS = (
    "timestamp VARCHAR, instance_id VARCHAR, region VARCHAR, metric_type VARCHAR, value DOUBLE, "
    "unit VARCHAR, metadata STRUCT(collection_method VARCHAR, pipeline_version VARCHAR), "
    "year VARCHAR, month VARCHAR, day VARCHAR"
)


# --------------------------------------------------------------------------- the deployed SQL


def deployed() -> dict[str, str]:
    """Each statement as the template deploys it."""
    template = json.loads(GOLDEN_TEMPLATE.read_text())["Resources"]
    queries = {
        r["Properties"]["Name"]: r["Properties"]["QueryString"]
        for r in template.values()
        if r["Type"] == "AWS::Athena::NamedQuery"
    }
    definition = json.loads(template["CompactionStateMachine"]["Properties"]["DefinitionString"]["Fn::Sub"])
    insert = definition["States"]["CompactEachDay"]["ItemProcessor"]["States"]["InsertDay"]
    view_text = template["MetricsView"]["Properties"]["TableInput"]["ViewOriginalText"]
    encoded = view_text.removeprefix("/* Presto View: ").removesuffix(" */")
    view = json.loads(base64.b64decode(encoded))
    return {**queries, "compact-day": insert["Arguments"]["QueryString"], "view": view["originalSql"]}


def to_duckdb(sql: str) -> str:
    """Parsed as Athena (engine 3 is Trino) reads it, strictly, then written for DuckDB."""
    tree = sqlglot.parse_one(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    return tree.sql(dialect="duckdb")


# --------------------------------------------------------------------------- collector output


def day_range(first: date, days: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(days)]


def collect(folder: Path, days: list[date]) -> None:
    """Runs the real collector handler on moto for every scheduled run of `days`
    and copies the objects it wrote to `folder`, keys as paths."""
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name in ("INSTANCE_IDS", "INSTANCE_TAG", "COLLECTOR_MODE", "PER_INSTANCE_METRICS"):
            env.delenv(name, raising=False)
        env.setenv("RAW_BUCKET", BUCKET)
        env.setenv("METRICS_NAMESPACE", NAMESPACE)
        env.setenv("PIPELINE_VERSION", "1.0")
        env.setenv("PIPELINE", "infra-monitoring-test")
        env.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION)
        collector_module._CLIENTS.clear()
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for day in days:
            for hour in RUN_HOURS:
                time = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc).isoformat()
                for metric_type in METRIC_TYPES:
                    collector_module.handler({"metric_type": metric_type, "time": time}, None)
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for o in page.get("Contents", []):
                path = folder / o["Key"]
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(s3.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read())
        collector_module._CLIENTS.clear()


def records(folder: Path) -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(folder.rglob("*.json"))
        for line in path.read_text().splitlines()
    ]


class Athena:
    """DuckDB holding the raw table (the collector's objects, partitioned by
    their keys), the Parquet table and the view, all as the template declares."""

    def __init__(self, folder: Path):
        self.db = duckdb.connect()
        sql = deployed()
        self.db.execute(
            f"CREATE TABLE {RAW} AS SELECT * FROM read_json('{folder}/year=*/month=*/day=*/hour=*/*.json', "
            "format='newline_delimited', hive_partitioning=true, "
            "hive_types={'year': 'VARCHAR', 'month': 'VARCHAR', 'day': 'VARCHAR', 'hour': 'VARCHAR'}, "
            "columns={'timestamp': 'VARCHAR', 'instance_id': 'VARCHAR', 'region': 'VARCHAR', "
            "'metric_type': 'VARCHAR', 'value': 'DOUBLE', 'unit': 'VARCHAR', "
            "'metadata': 'STRUCT(collection_method VARCHAR, pipeline_version VARCHAR)'})"
        )
        self.db.execute(f"CREATE TABLE {PARQUET} ({COLUMNS})")
        self.db.execute(f"CREATE VIEW {VIEW} AS {to_duckdb(sql['view'])}")
        self.insert = to_duckdb(sql["compact-day"])
        self.sql = sql

    def compact(self, day: date, delete_first: bool = True) -> None:
        """One iteration of the state machine: the day's Parquet deleted, then its INSERT."""
        parameters = [f"{day:%Y}", f"{day:%m}", f"{day:%d}"]
        if delete_first:
            self.db.execute(f"DELETE FROM {PARQUET} WHERE year = ? AND month = ? AND day = ?", parameters)
        self.db.execute(self.insert, parameters)

    def rows(self, sql: str, parameters: list | None = None) -> list[tuple]:
        return self.db.execute(sql, parameters or []).fetchall()

    def named(self, name: str) -> list[tuple]:
        return self.rows(to_duckdb(self.sql[name]))


@pytest.fixture(scope="module")
def backfill(tmp_path_factory) -> Path:
    """Thirty days of collector output, 2026-02-01 to 2026-03-02."""
    folder = tmp_path_factory.mktemp("raw")
    collect(folder, day_range(BACKFILL_FIRST, BACKFILL_DAYS))
    return folder


@pytest.fixture
def athena(backfill) -> Athena:
    return Athena(backfill)


def parquet_count(athena: Athena, day: date) -> int:
    return athena.rows(
        f"SELECT count(*) FROM {PARQUET} WHERE year = ? AND month = ? AND day = ?",
        [f"{day:%Y}", f"{day:%m}", f"{day:%d}"],
    )[0][0]


def duplicates(athena: Athena) -> list[tuple]:
    return athena.rows(
        f"SELECT instance_id, metric_type, timestamp FROM {PARQUET} "
        "GROUP BY instance_id, metric_type, timestamp HAVING count(*) > 1"
    )


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", ["average-cpu-by-instance", "peak-memory-trend", "compact-day", "view"])
def test_every_deployed_statement_parses_in_athenas_dialect(name):
    assert to_duckdb(deployed()[name])


def test_compaction_copies_every_line_of_its_day_and_no_other(athena):
    day = date(2026, 2, 13)
    athena.compact(day)
    # Three simulated instances, four metric types, eight runs.
    assert parquet_count(athena, day) == 3 * 4 * 8
    assert athena.rows(f"SELECT count(*) FROM {PARQUET}")[0][0] == 3 * 4 * 8


def test_compaction_keeps_every_column_value(athena):
    day = date(2026, 2, 14)
    athena.compact(day)
    where = "WHERE year = '2026' AND month = '02' AND day = '14'"
    columns = "timestamp, instance_id, region, metric_type, value, unit, metadata"
    raw = athena.rows(f"SELECT {columns} FROM {RAW} {where} ORDER BY ALL")
    assert athena.rows(f"SELECT {columns} FROM {PARQUET} {where} ORDER BY ALL") == raw


def test_rerunning_a_day_replaces_its_rows_and_duplicates_none(athena):
    day = date(2026, 2, 13)
    athena.compact(day)
    athena.compact(day)
    assert parquet_count(athena, day) == 3 * 4 * 8
    assert duplicates(athena) == []


def test_insert_into_alone_would_duplicate_a_rerun_day(athena):
    """Why the state machine deletes the day first: INSERT INTO appends."""
    day = date(2026, 2, 13)
    athena.compact(day)
    athena.compact(day, delete_first=False)
    assert parquet_count(athena, day) == 2 * 3 * 4 * 8


def test_thirty_day_backfill_writes_thirty_day_partitions_under_athenas_limit_of_100(athena):
    for day in day_range(BACKFILL_FIRST, BACKFILL_DAYS):
        athena.compact(day)
    partitions = athena.rows(f"SELECT DISTINCT year, month, day FROM {PARQUET}")
    assert len(partitions) == BACKFILL_DAYS <= 100
    assert athena.rows(f"SELECT count(*) FROM {PARQUET}")[0][0] == athena.rows(f"SELECT count(*) FROM {RAW}")[0][0]
    assert duplicates(athena) == []


def test_average_cpu_named_query_gives_each_instances_week_on_the_compacted_data(athena, backfill):
    for day in day_range(BACKFILL_FIRST, BACKFILL_DAYS):
        athena.compact(day)
    values = defaultdict(list)
    for r in records(backfill):
        if r["metric_type"] == "cpu" and "2026-02-13" <= r["timestamp"][:10] <= "2026-02-20":
            values[r["instance_id"]].append(r["value"])
    expected = sorted(
        ((i, sum(v) / len(v), max(v), min(v)) for i, v in values.items()),
        key=lambda row: row[1],
        reverse=True,
    )
    rows = athena.named("average-cpu-by-instance")
    assert [r[0] for r in rows] == [e[0] for e in expected]
    for row, want in zip(rows, expected):
        assert row[1:] == pytest.approx(want[1:])


def test_peak_memory_named_query_gives_each_days_maximum_of_february(athena, backfill):
    for day in day_range(BACKFILL_FIRST, BACKFILL_DAYS):
        athena.compact(day)
    peaks: dict[str, float] = {}
    for r in records(backfill):
        day = r["timestamp"][:10]
        if r["metric_type"] == "memory" and day.startswith("2026-02"):
            peaks[day] = max(peaks.get(day, float("-inf")), r["value"])
    # The day as text: a TIMESTAMP WITH TIME ZONE reaches Python only through pytz.
    query = to_duckdb(athena.sql["peak-memory-trend"])
    rows = athena.rows(f"SELECT strftime(date, '%Y-%m-%d'), peak_memory FROM ({query})")
    assert rows == sorted(peaks.items())


def test_named_queries_find_nothing_before_compaction(athena):
    """February 2026 is long past: the view reads it from Parquet only."""
    assert athena.named("average-cpu-by-instance") == []


def test_view_reads_today_and_yesterday_from_json_and_older_days_from_parquet(tmp_path):
    today = datetime.now(timezone.utc).date()
    days = day_range(today - timedelta(days=3), 4)
    collect(tmp_path, days)
    athena = Athena(tmp_path)
    # Every day compacted, yesterday and today too (as `run --compaction` may do).
    for day in days:
        athena.compact(day)
    per_day = dict(athena.rows(f"SELECT year || '-' || month || '-' || day, count(*) FROM {VIEW} GROUP BY 1"))
    assert per_day == {day.isoformat(): 3 * 4 * 8 for day in days}


def test_view_shows_an_uncompacted_day_only_while_it_is_yesterday_or_today(tmp_path):
    today = datetime.now(timezone.utc).date()
    days = day_range(today - timedelta(days=2), 3)
    collect(tmp_path, days)
    athena = Athena(tmp_path)
    per_day = dict(athena.rows(f"SELECT year || '-' || month || '-' || day, count(*) FROM {VIEW} GROUP BY 1"))
    assert per_day == {day.isoformat(): 3 * 4 * 8 for day in days[1:]}
