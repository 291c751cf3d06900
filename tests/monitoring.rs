//! Observability from the model (issue 18): the alarms that catch silent loss, the per-region
//! dashboard, anomaly detection, the budget and what `cost` makes of them, each proved on the
//! rendered template of a small config.

mod common;
use common::*;
use serde_json::{Value, json};

fn props<'a>(t: &'a Value, id: &str) -> &'a Value {
    &resource(t, id)["Properties"]
}

/// (namespace, metric name, first dimension's value or "") of every alarm that lists one metric.
fn watched(t: &Value) -> Vec<(String, String, Value)> {
    of_type(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .filter_map(|(_, a)| {
            let p = &a["Properties"];
            Some((
                p["Namespace"].as_str()?.to_owned(),
                p["MetricName"].as_str()?.to_owned(),
                p["Dimensions"][0]["Value"].clone(),
            ))
        })
        .collect()
}

fn has_alarm(t: &Value, namespace: &str, metric: &str, dimension: Value) -> bool {
    watched(t).contains(&(namespace.to_owned(), metric.to_owned(), dimension))
}

fn dashboard_body(t: &Value) -> String {
    props(t, "PipelineDashboard")["DashboardBody"]["Fn::Sub"]
        .as_str()
        .expect("the body is an Fn::Sub string")
        .to_owned()
}

fn state_machine_arn() -> Value {
    json!({ "Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:infra-monitoring-prod-collection" })
}

#[test]
fn failed_and_timed_out_executions_each_have_an_alarm() {
    let t = example();
    assert!(has_alarm(
        &t,
        "AWS/States",
        "ExecutionsFailed",
        state_machine_arn()
    ));
    assert!(has_alarm(
        &t,
        "AWS/States",
        "ExecutionsTimedOut",
        state_machine_arn()
    ));
}

#[test]
fn each_function_has_a_lambda_errors_and_a_throttles_alarm() {
    let t = example();
    for f in [
        "infra-monitoring-prod-collector",
        "infra-monitoring-prod-log-processor",
    ] {
        assert!(has_alarm(&t, "AWS/Lambda", "Errors", json!(f)), "{f}");
        assert!(has_alarm(&t, "AWS/Lambda", "Throttles", json!(f)), "{f}");
    }
}

#[test]
fn each_dead_letter_queue_has_an_alarm_on_visible_messages() {
    let t = example();
    for q in [
        "infra-monitoring-prod-schedule-dlq",
        "infra-monitoring-prod-log-processor-dlq",
    ] {
        assert!(
            has_alarm(
                &t,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                json!(q)
            ),
            "{q}"
        );
    }
}

#[test]
fn the_heartbeat_breaches_when_no_fleet_point_arrives_in_two_periods() {
    let t = example();
    let p = props(&t, "CollectionHeartbeatAlarm");
    assert_eq!(
        (
            &p["Namespace"],
            &p["MetricName"],
            &p["Statistic"],
            &p["ComparisonOperator"],
            &p["Threshold"],
            &p["EvaluationPeriods"],
            &p["TreatMissingData"],
        ),
        (
            &json!("InfraMonitoring"),
            &json!("CPUUtilization"),
            &json!("SampleCount"),
            &json!("LessThanThreshold"),
            &json!(1.0),
            &json!(2),
            &json!("breaching"),
        )
    );
}

#[test]
fn every_silent_loss_alarm_can_be_turned_off() {
    let t = render(&format!(
        "{MINIMAL}monitoring:\n  silent_loss:\n    executions_failed: false\n    executions_timed_out: false\n    lambda_errors: false\n    lambda_throttles: false\n    dead_letter_queues: false\n    heartbeat: false\n"
    ));
    let ids: Vec<&String> = of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    // The seed's six remain, and compaction's own failure alarm (issue 20: failures alarm like
    // collection's), which is not one of the silent-loss set.
    assert_eq!(
        ids.len(),
        7,
        "only the seed's six and compaction's remain: {ids:?}"
    );
    assert!(
        ids.iter().any(|id| *id == "CompactionFailedAlarm"),
        "{ids:?}"
    );
}

#[test]
fn without_cpu_and_memory_there_is_no_cpu_or_memory_alarm_or_widget() {
    let t = render(&format!(
        "{MINIMAL}collectors:\n  metrics: [disk, network]\n"
    ));
    let metrics: Vec<String> = watched(&t).into_iter().map(|(_, m, _)| m).collect();
    let body = dashboard_body(&t);
    for m in ["CPUUtilization", "MemoryUtilization"] {
        assert!(!metrics.contains(&m.to_owned()), "{m} alarm in {metrics:?}");
        assert!(!body.contains(m), "{m} widget in the dashboard");
    }
}

#[test]
fn the_dashboard_name_holds_the_region() {
    let t = example();
    assert_eq!(
        props(&t, "PipelineDashboard")["DashboardName"],
        json!({ "Fn::Sub": "infra-monitoring-prod-${AWS::Region}" })
    );
}

#[test]
fn the_dashboard_alarm_widget_lists_every_alarm() {
    let t = example();
    let body: Value = serde_json::from_str(&dashboard_body(&t)).expect("the body is JSON");
    let listed = body["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .find(|w| w["type"] == "alarm")
        .expect("an alarm widget")["properties"]["alarms"]
        .clone();
    let want: Vec<String> = of_type(&t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(_, a)| {
            format!(
                "arn:${{AWS::Partition}}:cloudwatch:${{AWS::Region}}:${{AWS::AccountId}}:alarm:{}",
                a["Properties"]["AlarmName"].as_str().expect("name")
            )
        })
        .collect();
    let mut listed: Vec<String> = serde_json::from_value(listed).expect("ARNs");
    let mut want = want;
    listed.sort();
    want.sort();
    assert_eq!(listed, want);
}

#[test]
fn the_dashboard_shows_the_seeds_key_metrics() {
    let body = dashboard_body(&example());
    for needle in [
        "\"Invocations\"",
        "100 * errors / invocations",
        "\"p99\"",
        "\"p50\"",
        "CollectorDurationAlarm threshold",
        "\"Throttles\"",
        "ReadThrottleEvents",
        "ConsumedWriteCapacityUnits",
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "TotalExecutionTime",
        "ApproximateNumberOfMessagesVisible",
        "CPUUtilization",
        "NetworkThroughput",
    ] {
        assert!(body.contains(needle), "{needle} missing from the dashboard");
    }
}

#[test]
fn s3_put_latency_shows_only_with_request_metrics_on() {
    let off = example();
    let on = render(&format!(
        "{MINIMAL}monitoring:\n  s3_request_metrics: true\n"
    ));
    assert!(!dashboard_body(&off).contains("TotalRequestLatency"));
    assert!(dashboard_body(&on).contains("TotalRequestLatency"));
    assert_eq!(
        props(&on, "RawMetricsBucket")["MetricsConfigurations"],
        json!([{ "Id": "EntireBucket" }])
    );
}

#[test]
fn the_dashboard_can_be_turned_off() {
    let t = render(&format!("{MINIMAL}monitoring:\n  dashboard: false\n"));
    assert!(of_type(&t, "AWS::CloudWatch::Dashboard").is_empty());
}

const ANOMALY_CPU: &str =
    "monitoring:\n  anomaly_detection:\n    metrics: [cpu]\n    band_width: 3\n";

#[test]
fn anomaly_detection_on_cpu_adds_a_detector_and_a_band_alarm() {
    let t = render(&format!("{MINIMAL}{ANOMALY_CPU}"));
    assert_eq!(
        props(&t, "CpuAnomalyDetector")["SingleMetricAnomalyDetector"]["MetricName"],
        "CPUUtilization"
    );
    let band = props(&t, "CpuAnomalyAlarm");
    assert_eq!(
        (
            &band["ComparisonOperator"],
            &band["ThresholdMetricId"],
            &band["Metrics"][1]["Expression"]
        ),
        (
            &json!("LessThanLowerOrGreaterThanUpperThreshold"),
            &json!("band"),
            &json!("ANOMALY_DETECTION_BAND(metric, 3)")
        )
    );
}

#[test]
fn anomaly_detection_keeps_the_static_threshold_unless_told_to_replace_it() {
    let beside = render(&format!("{MINIMAL}{ANOMALY_CPU}"));
    let instead = render(&format!(
        "{MINIMAL}{ANOMALY_CPU}    replace_threshold: true\n"
    ));
    assert!(beside["Resources"].get("HighCpuAlarm").is_some());
    assert!(instead["Resources"].get("HighCpuAlarm").is_none());
}

#[test]
fn anomaly_detection_on_an_uncollected_metric_is_refused() {
    let yaml = format!(
        "{MINIMAL}collectors:\n  metrics: [disk]\nmonitoring:\n  anomaly_detection:\n    metrics: [cpu]\n"
    );
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("cpu is not collected");
    assert!(
        err.to_string()
            .contains("monitoring.anomaly_detection.metrics"),
        "{err}"
    );
}

#[test]
fn cost_prices_the_anomaly_alarm_and_the_dashboard() {
    let file = config_file(&format!("{MINIMAL}{ANOMALY_CPU}"));
    let (code, out, err) = run(&["cost", "-c", file.path().to_str().expect("utf-8"), "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("json");
    let items: Vec<&str> = doc["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["item"].as_str())
        .collect();
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("anomaly detection alarms (1 x 3")),
        "{items:?}"
    );
    assert!(
        items.iter().any(|i| i.starts_with("dashboard")),
        "{items:?}"
    );
}

#[test]
fn the_budget_notifies_every_address_of_actual_and_forecast_spend() {
    let t = render(&MINIMAL.replace("[ops@example.com]", "[a@example.com, b@example.org]"));
    let n = &props(&t, "PipelineBudget")["NotificationsWithSubscribers"];
    let kinds: Vec<&Value> = n
        .as_array()
        .expect("notifications")
        .iter()
        .map(|x| &x["Notification"]["NotificationType"])
        .collect();
    assert_eq!(kinds, [&json!("ACTUAL"), &json!("FORECASTED")]);
    for x in n.as_array().expect("notifications") {
        assert_eq!(
            x["Subscribers"],
            json!([
                { "SubscriptionType": "EMAIL", "Address": "a@example.com" },
                { "SubscriptionType": "EMAIL", "Address": "b@example.org" },
            ])
        );
    }
}

#[test]
fn the_budget_filters_cost_by_the_pipelines_tag() {
    let t = example();
    assert_eq!(
        props(&t, "PipelineBudget")["Budget"]["CostFilters"],
        json!({ "TagKeyValue": ["user:infrapipe:pipeline$infra-monitoring-prod"] })
    );
}

#[test]
fn the_budget_takes_the_configured_amount() {
    let t = render(&format!(
        "{MINIMAL}monitoring:\n  budget:\n    monthly_usd: 25\n"
    ));
    assert_eq!(
        props(&t, "PipelineBudget")["Budget"]["BudgetLimit"],
        json!({ "Amount": 25.0, "Unit": "USD" })
    );
}

#[test]
fn the_derived_budget_grows_with_the_headroom() {
    let amount = |headroom: u32| {
        let t = render(&format!(
            "{MINIMAL}collectors:\n  per_instance_metrics: true\ncost:\n  instances: 200\nmonitoring:\n  budget:\n    headroom_percent: {headroom}\n"
        ));
        props(&t, "PipelineBudget")["Budget"]["BudgetLimit"]["Amount"]
            .as_f64()
            .expect("amount")
    };
    assert!(amount(500) > amount(0), "{} vs {}", amount(500), amount(0));
}

#[test]
fn only_the_first_regions_stack_has_the_budget() {
    let yaml = MINIMAL.replace("[us-east-1]", "[eu-west-1, us-west-2]");
    let c = config(&yaml);
    let first = infrapipe::template::render(
        &infrapipe::commands::build(&c, &region("eu-west-1")).expect("build"),
    );
    let second = infrapipe::template::render(
        &infrapipe::commands::build(&c, &region("us-west-2")).expect("build"),
    );
    assert_eq!(of_type(&first, "AWS::Budgets::Budget").len(), 1);
    assert!(of_type(&second, "AWS::Budgets::Budget").is_empty());
}

#[test]
fn the_dashboard_url_is_in_the_regions_partition_console() {
    use infrapipe::model::monitoring::dashboard_console_url;
    assert_eq!(
        dashboard_console_url("eu-west-1", "p-eu-west-1"),
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/p-eu-west-1"
    );
    assert!(dashboard_console_url("cn-north-1", "p").starts_with("https://console.amazonaws.cn/"));
}

#[test]
fn project_and_environment_tags_default_to_the_pipelines_name_and_environment() {
    let tags = config(MINIMAL).resource_tags();
    assert_eq!(
        (tags.get("project"), tags.get("environment")),
        (
            Some(&"infra-monitoring".to_owned()),
            Some(&"prod".to_owned())
        )
    );
}

#[test]
fn a_configured_owner_and_project_tag_are_kept() {
    let tags = config(&format!("{MINIMAL}tags:\n  owner: sre\n  project: fleet\n")).resource_tags();
    assert_eq!(
        (tags.get("owner"), tags.get("project")),
        (Some(&"sre".to_owned()), Some(&"fleet".to_owned()))
    );
}

#[test]
fn each_paging_url_is_an_https_subscription_to_the_alerts_topic() {
    let t = render(&MINIMAL.replace(
        "  emails: [ops@example.com]\n",
        "  emails: [ops@example.com]\n  https: ['https://events.pagerduty.com/integration/abc/enqueue']\n",
    ));
    assert_eq!(
        props(&t, "AlertsHttpsSubscription1"),
        &json!({
            "Protocol": "https",
            "Endpoint": "https://events.pagerduty.com/integration/abc/enqueue",
            "TopicArn": { "Ref": "AlertsTopic" },
        })
    );
}

#[test]
fn a_paging_url_that_is_not_https_is_refused() {
    let yaml = MINIMAL.replace(
        "  emails: [ops@example.com]\n",
        "  emails: [ops@example.com]\n  https: ['http://example.com/hook']\n",
    );
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("http is refused");
    assert!(err.to_string().contains("https://"), "{err}");
}

#[test]
fn the_topic_policy_denies_publishers_only_so_https_delivery_is_untouched() {
    // SNS delivers to a subscription as the topic's owner: the Deny's condition names the
    // principal that publishes, and only cloudwatch.amazonaws.com may.
    let t = render(&MINIMAL.replace(
        "  emails: [ops@example.com]\n",
        "  emails: [ops@example.com]\n  https: ['https://api.opsgenie.com/v1/json/cloudwatch?apiKey=k']\n",
    ));
    let statements = props(&t, "AlertsTopicPolicy")["PolicyDocument"]["Statement"]
        .as_array()
        .expect("statements")
        .clone();
    let actions: Vec<&Value> = statements.iter().map(|s| &s["Action"]).collect();
    assert!(actions.iter().all(|a| *a == "sns:Publish"), "{actions:?}");
}

#[test]
fn a_heartbeat_longer_than_cloudwatchs_window_is_refused() {
    let yaml = format!("{MINIMAL}schedule: rate(4 days)\n");
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("two 4-day periods exceed 7 days");
    assert!(
        err.to_string().contains("monitoring.silent_loss.heartbeat"),
        "{err}"
    );
}

#[test]
fn a_budget_with_more_than_ten_addresses_is_refused() {
    let emails: Vec<String> = (1..=11).map(|i| format!("ops{i}@example.com")).collect();
    let yaml = MINIMAL.replace("[ops@example.com]", &format!("[{}]", emails.join(", ")));
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("11 addresses");
    assert!(err.to_string().contains("at most 10"), "{err}");
}

fn with_chat_channels() -> Value {
    render(&format!("{MINIMAL}{CHAT_CHANNELS}"))
}

#[test]
fn a_slack_channel_is_a_chatbot_configuration_subscribed_to_the_alerts_topic() {
    let t = with_chat_channels();
    assert_eq!(
        resource(&t, "SlackChannel1")["Type"],
        "AWS::Chatbot::SlackChannelConfiguration"
    );
    assert_eq!(
        props(&t, "SlackChannel1"),
        &json!({
            "ConfigurationName": "infra-monitoring-prod-slack-1",
            "IamRoleArn": { "Fn::GetAtt": ["ChatbotRole", "Arn"] },
            "SnsTopicArns": [{ "Ref": "AlertsTopic" }],
            "LoggingLevel": "ERROR",
            "GuardrailPolicies": [{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess" }],
            "SlackWorkspaceId": "T0123ABCD",
            "SlackChannelId": "C0123ABCD",
        })
    );
}

#[test]
fn a_teams_channel_is_a_chatbot_configuration_subscribed_to_the_alerts_topic() {
    let t = with_chat_channels();
    assert_eq!(
        resource(&t, "TeamsChannel1")["Type"],
        "AWS::Chatbot::MicrosoftTeamsChannelConfiguration"
    );
    let p = props(&t, "TeamsChannel1");
    assert_eq!(p["ConfigurationName"], "infra-monitoring-prod-teams-1");
    assert_eq!(p["SnsTopicArns"], json!([{ "Ref": "AlertsTopic" }]));
    assert_eq!(
        p["IamRoleArn"],
        json!({ "Fn::GetAtt": ["ChatbotRole", "Arn"] })
    );
    assert_eq!(p["TeamId"], "12345678-abcd-4ef0-1234-56789abcdef0");
    assert_eq!(p["TeamsTenantId"], "87654321-abcd-4ef0-1234-56789abcdef0");
    assert_eq!(
        p["TeamsChannelId"],
        "19%3ab6ef35dc342d4e8ab0bdc4a2d1d3fc5b%40thread.tacv2"
    );
}

#[test]
fn the_channels_share_one_role_only_chatbot_of_this_account_assumes() {
    let t = with_chat_channels();
    assert_eq!(
        of_type(&t, "AWS::Chatbot::SlackChannelConfiguration").len(),
        1
    );
    let role = props(&t, "ChatbotRole");
    assert_eq!(
        role["AssumeRolePolicyDocument"]["Statement"],
        json!([{
            "Effect": "Allow",
            "Principal": { "Service": "chatbot.amazonaws.com" },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": { "aws:SourceAccount": { "Ref": "AWS::AccountId" } } },
        }])
    );
    assert_eq!(
        role["ManagedPolicyArns"],
        json!([{ "Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/CloudWatchReadOnlyAccess" }])
    );
    assert!(role.get("Policies").is_none(), "no inline policy: {role}");
}

#[test]
fn without_chat_channels_nothing_chatbot_is_rendered() {
    let t = render(MINIMAL);
    let chatbot: Vec<&String> = t["Resources"]
        .as_object()
        .expect("resources")
        .iter()
        .filter(|(id, r)| {
            id.starts_with("Chatbot")
                || r["Type"]
                    .as_str()
                    .is_some_and(|ty| ty.starts_with("AWS::Chatbot::"))
        })
        .map(|(id, _)| id)
        .collect();
    assert!(chatbot.is_empty(), "{chatbot:?}");
}

#[test]
fn chat_channels_leave_the_topic_policy_admitting_cloudwatch_alarms() {
    let t = with_chat_channels();
    let statements = &props(&t, "AlertsTopicPolicy")["PolicyDocument"]["Statement"];
    assert_eq!(
        statements,
        &props(&render(MINIMAL), "AlertsTopicPolicy")["PolicyDocument"]["Statement"]
    );
    assert_eq!(
        statements[0]["Principal"]["Service"],
        "cloudwatch.amazonaws.com"
    );
}

#[test]
fn a_slack_workspace_id_of_the_wrong_shape_is_refused_where_it_is() {
    let yaml = format!("{MINIMAL}  slack: [{{workspace_id: slack-team, channel_id: C0123ABCD}}]\n");
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("not a workspace id");
    let text = err.to_string();
    assert!(text.contains("notifications.slack"), "{text}");
    assert!(text.contains("T0123ABCD"), "{text}");
}

#[test]
fn a_teams_tenant_id_that_is_not_a_uuid_is_refused() {
    let yaml = format!(
        "{MINIMAL}  teams: [{{team_id: 12345678-abcd-4ef0-1234-56789abcdef0, channel_id: '19%3aabc%40thread.tacv2', tenant_id: contoso}}]\n"
    );
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("not a UUID");
    assert!(err.to_string().contains("UUID"), "{err}");
}

#[test]
fn the_same_slack_channel_twice_is_refused() {
    let yaml = format!(
        "{MINIMAL}  slack: [{{workspace_id: T0123ABCD, channel_id: C0123ABCD}}, {{workspace_id: T0123ABCD, channel_id: C0123ABCD}}]\n"
    );
    let err = infrapipe::config::Config::parse(&yaml, std::path::Path::new("t.yaml"))
        .expect_err("repeated");
    assert!(
        err.to_string().contains("must not repeat a channel"),
        "{err}"
    );
}

#[test]
fn drift_reports_a_chat_channel_not_checked_with_the_reason() {
    use infrapipe::drift::read::{Problem, read};
    // No client is called: the reader says it cannot read Chatbot before reaching AWS.
    let aws = infrapipe::aws::Aws::with_overrides("us-east-1", Default::default());
    let target = infrapipe::drift::expected::Target {
        logical_id: "SlackChannel1".into(),
        resource_type: "AWS::Chatbot::SlackChannelConfiguration".into(),
        physical_id: None,
        name: Some("infra-monitoring-prod-slack-1".into()),
        reference: None,
        expected: json!({}),
        hints: json!({}),
    };
    let got = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(read(&aws, &target));
    match got {
        Err(Problem::Unreadable(why)) => assert!(why.contains("AWS Chatbot"), "{why}"),
        other => panic!("expected NOT_CHECKED, got {other:?}"),
    }
}

#[test]
fn cost_notes_that_aws_chatbot_adds_no_charge_only_when_channels_are_configured() {
    let note = |yaml: &str| {
        let (code, out, err) = run(&[
            "cost",
            "-c",
            config_file(yaml).path().to_str().expect("path"),
        ]);
        assert_eq!(code, 0, "{err}");
        out.contains("AWS Chatbot")
    };
    assert!(note(&format!("{MINIMAL}{CHAT_CHANNELS}")));
    assert!(!note(MINIMAL));
}
