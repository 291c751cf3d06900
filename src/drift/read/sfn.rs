//! Step Functions state machines: type, role, definition, logging, tracing.

use super::{Problem, Read, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

pub async fn state_machine(aws: &Aws, t: &Target) -> Read {
    // Ref of a state machine is its ARN: the stack's physical id, else the model's.
    let arn = super::reference(t)?;
    let doing = format!("reading state machine {arn}");
    let d = aws
        .sfn()
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["StateMachineDoesNotExist"], &e))?;
    if d.status().is_some_and(|s| s.as_str() == "DELETING") {
        return Err(Problem::Missing(format!("{arn} is being deleted")));
    }
    let mut m = Map::new();
    m.insert("StateMachineName".into(), json!(d.name()));
    m.insert("StateMachineType".into(), json!(d.r#type().as_str()));
    m.insert("RoleArn".into(), json!(d.role_arn()));
    m.insert("DefinitionString".into(), json!(d.definition()));
    put(
        &mut m,
        "LoggingConfiguration",
        d.logging_configuration().map(|l| {
            let destinations: Vec<Value> = l
                .destinations()
                .iter()
                .map(|dest| {
                    json!({ "CloudWatchLogsLogGroup": {
                        "LogGroupArn": dest.cloud_watch_logs_log_group().and_then(|g| g.log_group_arn()),
                    } })
                })
                .collect();
            json!({
                "Level": l.level().map(|x| x.as_str()),
                "IncludeExecutionData": l.include_execution_data(),
                "Destinations": destinations,
            })
        }),
    );
    put(
        &mut m,
        "TracingConfiguration",
        d.tracing_configuration()
            .filter(|c| c.enabled())
            .map(|_| json!({ "Enabled": true })),
    );
    Ok(Value::Object(m))
}
