//! CloudWatch alarms: their current states.

use super::{Aws, AwsError};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlarmState {
    pub name: String,
    /// OK, ALARM, INSUFFICIENT_DATA, or NOT_FOUND when no such alarm exists.
    pub state: String,
    pub actions_enabled: bool,
}

pub async fn states(aws: &Aws, names: &[String]) -> Result<Vec<AlarmState>, AwsError> {
    let out = aws
        .cloudwatch()
        .describe_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .send()
        .await
        .map_err(|e| AwsError::new("reading alarm states", &aws.region, &e))?;
    Ok(names
        .iter()
        .map(|n| {
            let found = out
                .metric_alarms()
                .iter()
                .find(|a| a.alarm_name() == Some(n.as_str()));
            AlarmState {
                name: n.clone(),
                state: found
                    .and_then(|a| a.state_value())
                    .map_or("NOT_FOUND".to_owned(), |s| s.as_str().to_owned()),
                actions_enabled: found.and_then(|a| a.actions_enabled()).unwrap_or(false),
            }
        })
        .collect())
}
