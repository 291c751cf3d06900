"""The contract between the template and the Lambdas (issue 13, item 6).

The REAL handlers run against moto with exactly the environment the golden
template gives each function (templates/infrapipe-us-east-1.json, its
``Fn::Sub`` resolved with moto's account and region), against a table built from
the template's own key schema. What they write and publish is then checked
against what the rest of the template assumes: the Glue table's columns and
partitions, the trigger's filter, the collector role's write prefix, the
DynamoDB key schema, index and TTL, and each custom-metric alarm.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

import boto3
import pytest

from conftest import LAMBDAS, collector_module, list_keys, processor_module, s3_event

ACCOUNT = "123456789012"  # moto's
REGION = "us-east-1"
PSEUDO = {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws"}
TIME = "2026-11-25T17:50:08.123Z"
METRIC_TYPES = ("cpu", "memory", "disk", "network")


def resolve(value):
    """A string, or an ``Fn::Sub`` over pseudo parameters only (what the
    functions' environments hold); anything else is not for this test."""
    if isinstance(value, str):
        return value
    (function, template), = value.items()
    assert function == "Fn::Sub" and isinstance(template, str), f"cannot resolve {value!r}"
    resolved = re.sub(r"\$\{(AWS::\w+)\}", lambda m: PSEUDO[m.group(1)], template)
    return resolved.replace("${!", "${")


def read_variables(handler: Path) -> set[str]:
    """Every environment variable the handler's source reads, but those the
    Lambda runtime sets itself (AWS_...)."""
    # env.get("X"), os.environ.get("X") and the log processor's _name(env, "X", default).
    found = re.findall(r"""(?:env(?:iron)?\.get\(|_name\(env,)\s*["']([A-Z_]+)["']""", handler.read_text())
    return {name for name in found if not name.startswith("AWS_")}


class Function:
    """One function of the template: its properties and its environment."""

    def __init__(self, template: dict, logical_id: str) -> None:
        self.properties = template["Resources"][logical_id]["Properties"]
        self.name = self.properties["FunctionName"]
        self.variables = {k: resolve(v) for k, v in self.properties["Environment"]["Variables"].items()}


@pytest.fixture
def run_as(monkeypatch):
    """Run a handler with exactly its function's environment, as Lambda would:
    the template's variables plus what the Lambda runtime sets itself."""
    handled = read_variables(LAMBDAS / "collector" / "handler.py") | read_variables(
        LAMBDAS / "log_processor" / "handler.py")

    def run(module, function: Function, event: dict, fails: bool = False):
        for name in handled | set(function.variables):
            monkeypatch.delenv(name, raising=False)
        runtime = {"AWS_LAMBDA_FUNCTION_NAME": function.name, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
        for name, value in {**function.variables, **runtime}.items():
            monkeypatch.setenv(name, value)
        module._CLIENTS.clear()
        published = []
        module._client("cloudwatch").meta.events.register(
            "before-parameter-build.cloudwatch.PutMetricData", lambda params, **_: published.append(params))
        monkeypatch.setattr(module, "_sleep", lambda seconds: None, raising=False)
        try:
            if fails:  # a bad-input run, for the error metric it publishes
                with pytest.raises(Exception):
                    module.handler(event, None)
                return None, published
            return module.handler(event, None), published
        finally:
            module._CLIENTS.clear()

    return run


@pytest.fixture
def pipeline(aws, golden_template, run_as):
    """One collection of the four metric types and their processing, plus one
    bad collector event and one poison line (for the error metrics)."""
    collector = Function(golden_template, "CollectorFunction")
    processor = Function(golden_template, "LogProcessorFunction")
    table = golden_template["Resources"]["MetricsTable"]["Properties"]
    bucket = collector.variables["RAW_BUCKET"]
    boto3.client("s3").create_bucket(Bucket=bucket)
    boto3.client("dynamodb").create_table(**{k: table[k] for k in (
        "TableName", "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode")})

    published = []
    keys = []
    for metric_type in METRIC_TYPES:
        summary, metrics = run_as(collector_module, collector, {"metric_type": metric_type, "time": TIME})
        keys.append(summary["key"])
        published += metrics
    published += run_as(collector_module, collector, {"metric_type": "gpu", "time": TIME}, fails=True)[1]
    summary, metrics = run_as(processor_module, processor, s3_event(bucket, keys))
    published += metrics
    assert summary["items"] > 0
    poison = f"{keys[0].rsplit('/', 1)[0]}/poison.json"
    boto3.client("s3").put_object(Bucket=bucket, Key=poison, Body=b"{not json\n")
    published += run_as(processor_module, processor, s3_event(bucket, [poison]))[1]
    return {"bucket": bucket, "keys": keys, "published": published, "table": table}


# --------------------------------------------------------------------------- the environment

# What the handlers must be told by the template rather than assume (their defaults
# are today's values, so a missing variable would pass unseen until a name changes).
CONTRACT_VARIABLES = {
    "CollectorFunction": {"RAW_BUCKET", "METRICS_NAMESPACE", "ERROR_METRIC_NAME", "METRIC_NAMES"},
    "LogProcessorFunction": {
        "TABLE_NAME", "METRICS_NAMESPACE", "ERROR_METRIC_NAME", "TABLE_PARTITION_KEY", "TABLE_SORT_KEY",
        "TABLE_TIMESTAMP_ATTRIBUTE", "TABLE_METRIC_TYPE_ATTRIBUTE", "TABLE_TTL_ATTRIBUTE", "QUARANTINE_PREFIX",
    },
}
HANDLERS = {"CollectorFunction": "collector", "LogProcessorFunction": "log_processor"}


@pytest.mark.parametrize("logical_id", sorted(CONTRACT_VARIABLES))
def test_the_template_gives_each_function_every_contract_variable(golden_template, logical_id):
    given = set(Function(golden_template, logical_id).variables)

    assert sorted(CONTRACT_VARIABLES[logical_id] - given) == []


@pytest.mark.parametrize("logical_id", sorted(HANDLERS))
def test_the_template_sets_no_variable_its_handler_does_not_read(golden_template, logical_id):
    given = set(Function(golden_template, logical_id).variables)

    assert sorted(given - read_variables(LAMBDAS / HANDLERS[logical_id] / "handler.py")) == []


def records(bucket: str, key: str) -> list[dict]:
    body = boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def glue_table(template: dict) -> dict:
    return template["Resources"]["MetricsGlueTable"]["Properties"]["TableInput"]


def struct_fields(hive_type: str) -> dict[str, str]:
    inner = re.fullmatch(r"struct<(.*)>", hive_type).group(1)
    return dict(part.split(":", 1) for part in inner.split(","))


def matches_hive_type(value, hive_type: str) -> bool:
    if hive_type == "string":
        return isinstance(value, str)
    if hive_type in ("double", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hive_type.startswith("struct<"):
        fields = struct_fields(hive_type)
        return (isinstance(value, dict) and set(value) == set(fields)
                and all(matches_hive_type(value[name], kind) for name, kind in fields.items()))
    raise AssertionError(f"no check written for the Hive type {hive_type}")


# --------------------------------------------------------------------------- raw records


def test_every_raw_record_has_exactly_the_glue_tables_columns_and_their_types(pipeline, golden_template):
    columns = {c["Name"]: c["Type"] for c in glue_table(golden_template)["StorageDescriptor"]["Columns"]}

    for key in pipeline["keys"]:
        for record in records(pipeline["bucket"], key):
            assert set(record) == set(columns), key
            assert all(matches_hive_type(record[name], kind) for name, kind in columns.items()), record


def test_every_raw_object_lies_in_a_projected_partition_of_the_glue_table(pipeline, golden_template):
    table = glue_table(golden_template)
    parameters = table["Parameters"]
    location = resolve(parameters["storage.location.template"])
    partitions = [p["Name"] for p in table["PartitionKeys"]]
    pattern = re.escape(location)
    for name in partitions:
        pattern = pattern.replace(re.escape("${" + name + "}"), f"(?P<{name}>[^/]+)")

    for key in pipeline["keys"]:
        found = re.fullmatch(pattern + r"[^/]+", f"s3://{pipeline['bucket']}/{key}")
        assert found, f"{key} is outside {location}"
        for name in partitions:
            low, high = map(int, parameters[f"projection.{name}.range"].split(","))
            digits = int(parameters.get(f"projection.{name}.digits", "1"))
            value = found.group(name)
            assert low <= int(value) <= high and len(value) >= digits, (name, value)


def test_every_raw_object_triggers_the_log_processor(pipeline, golden_template):
    [trigger] = golden_template["Resources"]["RawMetricsBucket"]["Properties"]["NotificationConfiguration"][
        "LambdaConfigurations"]
    rules = {r["Name"]: r["Value"] for r in trigger["Filter"]["S3Key"]["Rules"]}

    for key in pipeline["keys"]:
        assert key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", "")), key


def test_every_raw_object_is_under_the_collector_roles_write_prefix(pipeline, golden_template):
    [policy] = golden_template["Resources"]["CollectorRole"]["Properties"]["Policies"]
    allowed = [resolve(r) for s in policy["PolicyDocument"]["Statement"] if "s3:PutObject" in s["Action"]
               for r in s["Resource"]]

    for key in pipeline["keys"]:
        arn = f"arn:aws:s3:::{pipeline['bucket']}/{key}"
        assert any(fnmatch.fnmatchcase(arn, pattern) for pattern in allowed), arn


def processor_may(template: dict, action: str, arn: str) -> bool:
    [policy] = template["Resources"]["LogProcessorRole"]["Properties"]["Policies"]
    return any(
        fnmatch.fnmatchcase(arn, resolve(resource))
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow" and action in statement["Action"]
        for resource in statement["Resource"]
    )


@pytest.mark.parametrize("action", ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"])
def test_the_processor_role_allows_what_quarantine_and_replay_do(pipeline, golden_template, action):
    quarantined = [k for k in list_keys(pipeline["bucket"]) if k.endswith(".jsonl")]
    assert quarantined, "the poison line was not quarantined"

    for key in quarantined:
        assert processor_may(golden_template, action, f"arn:aws:s3:::{pipeline['bucket']}/{key}"), key


# --------------------------------------------------------------------------- DynamoDB items


def attribute_types(table: dict) -> dict[str, str]:
    return {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}


def items(table: dict) -> list[dict]:
    return boto3.client("dynamodb").scan(TableName=table["TableName"])["Items"]


def test_every_item_carries_the_table_keys_with_their_declared_types(pipeline):
    table = pipeline["table"]
    types = attribute_types(table)

    stored = items(table)

    assert len(stored) == 12  # three simulated instances, four metric types
    for item in stored:
        for key in table["KeySchema"]:
            name = key["AttributeName"]
            assert list(item[name]) == [types[name]], (name, item)


def test_every_item_is_found_through_each_global_secondary_index(pipeline):
    table = pipeline["table"]
    types = attribute_types(table)

    for index in table["GlobalSecondaryIndexes"]:
        names = [k["AttributeName"] for k in index["KeySchema"]]
        for item in items(table):
            assert all(list(item.get(name, {})) == [types[name]] for name in names), (index["IndexName"], item)
        indexed = boto3.client("dynamodb").scan(TableName=table["TableName"], IndexName=index["IndexName"])
        assert indexed["Count"] == 12


def test_every_item_carries_a_numeric_ttl_in_the_tables_ttl_attribute(pipeline):
    table = pipeline["table"]
    ttl = table["TimeToLiveSpecification"]["AttributeName"]

    for item in items(table):
        assert list(item[ttl]) == ["N"], item


# --------------------------------------------------------------------------- alarms


def custom_metric_alarms(template: dict) -> dict[str, dict]:
    """Alarms on one metric this pipeline publishes itself (not AWS/...)."""
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
        and "MetricName" in resource["Properties"]
        and not resource["Properties"]["Namespace"].startswith("AWS/")
    }


def published_series(published: list[dict]) -> set[tuple]:
    return {
        (call["Namespace"], datum["MetricName"], frozenset((d["Name"], d["Value"]) for d in datum.get("Dimensions", [])))
        for call in published
        for datum in call["MetricData"]
    }


def test_there_are_custom_metric_alarms_to_check(golden_template):
    assert set(custom_metric_alarms(golden_template)) >= {
        "DataCollectorErrorsAlarm", "LogProcessorErrorsAlarm", "HighCpuAlarm", "HighMemoryAlarm"}


@pytest.mark.parametrize("alarm", ["DataCollectorErrorsAlarm", "LogProcessorErrorsAlarm", "HighCpuAlarm",
                                   "HighMemoryAlarm"])
def test_each_custom_metric_alarm_watches_a_series_the_handlers_publish(pipeline, golden_template, alarm):
    properties = custom_metric_alarms(golden_template)[alarm]
    # CloudWatch matches the whole dimension set exactly: a subset or superset is another series.
    watched = (properties["Namespace"], properties["MetricName"],
               frozenset((d["Name"], resolve(d["Value"])) for d in properties.get("Dimensions", [])))

    assert watched in published_series(pipeline["published"])
