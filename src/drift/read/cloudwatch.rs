//! CloudWatch alarms: threshold, periods, missing-data treatment, actions and whether they
//! are enabled, the metric or metric-math expression.

use super::{Problem, Read, id, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use aws_sdk_cloudwatch::types::Dimension;
use serde_json::{Map, Value, json};

fn dimensions(d: &[Dimension]) -> Value {
    json!(
        d.iter()
            .map(|d| json!({ "Name": d.name(), "Value": d.value() }))
            .collect::<Vec<_>>()
    )
}

pub async fn alarm(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let doing = format!("reading alarm {name}");
    let out = aws
        .cloudwatch()
        .describe_alarms()
        .alarm_names(name)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &[], &e))?;
    let Some(a) = out
        .metric_alarms()
        .iter()
        .find(|a| a.alarm_name() == Some(name))
    else {
        return Err(Problem::Missing(format!("no metric alarm named {name}")));
    };
    let mut m = Map::new();
    m.insert("AlarmName".into(), json!(name));
    put(
        &mut m,
        "AlarmDescription",
        a.alarm_description().map(|d| json!(d)),
    );
    put(
        &mut m,
        "ComparisonOperator",
        a.comparison_operator().map(|c| json!(c.as_str())),
    );
    put(&mut m, "Threshold", a.threshold().map(|x| json!(x)));
    put(
        &mut m,
        "EvaluationPeriods",
        a.evaluation_periods().map(|x| json!(x)),
    );
    put(
        &mut m,
        "DatapointsToAlarm",
        a.datapoints_to_alarm().map(|x| json!(x)),
    );
    put(
        &mut m,
        "TreatMissingData",
        a.treat_missing_data().map(|x| json!(x)),
    );
    put(
        &mut m,
        "ActionsEnabled",
        a.actions_enabled().map(|x| json!(x)),
    );
    m.insert("AlarmActions".into(), json!(a.alarm_actions()));
    m.insert("OKActions".into(), json!(a.ok_actions()));
    m.insert(
        "InsufficientDataActions".into(),
        json!(a.insufficient_data_actions()),
    );
    put(&mut m, "Namespace", a.namespace().map(|x| json!(x)));
    put(&mut m, "MetricName", a.metric_name().map(|x| json!(x)));
    m.insert("Dimensions".into(), dimensions(a.dimensions()));
    put(
        &mut m,
        "Statistic",
        a.statistic().map(|x| json!(x.as_str())),
    );
    put(
        &mut m,
        "ExtendedStatistic",
        a.extended_statistic().map(|x| json!(x)),
    );
    put(&mut m, "Period", a.period().map(|x| json!(x)));
    put(&mut m, "Unit", a.unit().map(|x| json!(x.as_str())));
    let metrics: Vec<Value> = a
        .metrics()
        .iter()
        .map(|q| {
            let mut x = Map::new();
            put(&mut x, "Id", q.id().map(|v| json!(v)));
            put(&mut x, "ReturnData", q.return_data().map(|v| json!(v)));
            put(&mut x, "Label", q.label().map(|v| json!(v)));
            put(&mut x, "Expression", q.expression().map(|v| json!(v)));
            put(&mut x, "Period", q.period().map(|v| json!(v)));
            put(
                &mut x,
                "MetricStat",
                q.metric_stat().map(|s| {
                    let metric = s.metric().map(|mm| {
                        json!({
                            "Namespace": mm.namespace(),
                            "MetricName": mm.metric_name(),
                            "Dimensions": dimensions(mm.dimensions()),
                        })
                    });
                    let mut stat =
                        json!({ "Metric": metric, "Period": s.period(), "Stat": s.stat() });
                    if let Some(u) = s.unit() {
                        stat["Unit"] = json!(u.as_str());
                    }
                    stat
                }),
            );
            Value::Object(x)
        })
        .collect();
    m.insert("Metrics".into(), json!(metrics));
    Ok(Value::Object(m))
}

/// A dashboard: its name and body, as GetDashboard returns them.
pub async fn dashboard(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let doing = format!("reading dashboard {name}");
    let out = aws
        .cloudwatch()
        .get_dashboard()
        .dashboard_name(name)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["ResourceNotFound"], &e))?;
    let mut m = Map::new();
    m.insert("DashboardName".into(), json!(name));
    put(
        &mut m,
        "DashboardBody",
        out.dashboard_body().map(|b| json!(b)),
    );
    Ok(Value::Object(m))
}

/// An anomaly detector: it has no name, so it is found by the metric the template says it
/// models; none there is DELETED.
pub async fn anomaly_detector(aws: &Aws, t: &Target) -> Read {
    let want = &t.expected["SingleMetricAnomalyDetector"];
    let text = |k: &str| want[k].as_str().unwrap_or_default().to_owned();
    let (namespace, metric) = (text("Namespace"), text("MetricName"));
    let doing = format!("reading the anomaly detector of {namespace} {metric}");
    let mut req = aws
        .cloudwatch()
        .describe_anomaly_detectors()
        .namespace(&namespace)
        .metric_name(&metric);
    for d in want["Dimensions"].as_array().into_iter().flatten() {
        req = req.dimensions(
            Dimension::builder()
                .name(d["Name"].as_str().unwrap_or_default())
                .value(d["Value"].as_str().unwrap_or_default())
                .build(),
        );
    }
    let out = req
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &[], &e))?;
    let stat = want["Stat"].as_str().unwrap_or_default();
    let found = out.anomaly_detectors().iter().find_map(|a| {
        a.single_metric_anomaly_detector()
            .filter(|s| s.stat() == Some(stat))
    });
    let Some(s) = found else {
        return Err(Problem::Missing(format!(
            "no anomaly detector models {namespace} {metric} ({stat})"
        )));
    };
    Ok(json!({
        "SingleMetricAnomalyDetector": {
            "Namespace": s.namespace(),
            "MetricName": s.metric_name(),
            "Dimensions": dimensions(s.dimensions()),
            "Stat": s.stat(),
        }
    }))
}
