//! EventBridge Scheduler schedules: expression, state, target, retry policy, dead-letter queue.

use super::{Read, id, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

pub async fn schedule(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let group = t.expected["GroupName"].as_str().unwrap_or("default");
    let doing = format!("reading schedule {group}/{name}");
    let s = aws
        .scheduler()
        .get_schedule()
        .name(name)
        .group_name(group)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["ResourceNotFoundException"], &e))?;
    let mut m = Map::new();
    m.insert("Name".into(), json!(name));
    put(&mut m, "Description", s.description().map(|d| json!(d)));
    put(
        &mut m,
        "ScheduleExpression",
        s.schedule_expression().map(|e| json!(e)),
    );
    put(
        &mut m,
        "ScheduleExpressionTimezone",
        // UTC is the default: reported when it is not, or when the template says it (the
        // compaction schedule does), so an unset timezone reads as unset.
        s.schedule_expression_timezone()
            .filter(|z| *z != "UTC" || t.expected.get("ScheduleExpressionTimezone").is_some())
            .map(|z| json!(z)),
    );
    put(&mut m, "State", s.state().map(|x| json!(x.as_str())));
    put(&mut m, "KmsKeyArn", s.kms_key_arn().map(|k| json!(k)));
    put(
        &mut m,
        "FlexibleTimeWindow",
        s.flexible_time_window().map(|w| {
            let mut x = json!({ "Mode": w.mode().as_str() });
            if let Some(n) = w.maximum_window_in_minutes() {
                x["MaximumWindowInMinutes"] = json!(n);
            }
            x
        }),
    );
    put(
        &mut m,
        "Target",
        s.target().map(|target| {
            let mut x = Map::new();
            x.insert("Arn".into(), json!(target.arn()));
            x.insert("RoleArn".into(), json!(target.role_arn()));
            put(&mut x, "Input", target.input().map(|i| json!(i)));
            put(
                &mut x,
                "RetryPolicy",
                target.retry_policy().map(|r| {
                    json!({
                        "MaximumRetryAttempts": r.maximum_retry_attempts(),
                        "MaximumEventAgeInSeconds": r.maximum_event_age_in_seconds(),
                    })
                }),
            );
            put(
                &mut x,
                "DeadLetterConfig",
                target
                    .dead_letter_config()
                    .and_then(|d| d.arn())
                    .map(|a| json!({ "Arn": a })),
            );
            Value::Object(x)
        }),
    );
    Ok(Value::Object(m))
}
