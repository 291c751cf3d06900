//! EventBridge Scheduler: the collection schedule's state.

use super::{Aws, AwsError};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScheduleState {
    pub name: String,
    pub state: String,
    pub expression: String,
}

/// The schedule, or None when it does not exist.
pub async fn get(aws: &Aws, name: &str, group: &str) -> Result<Option<ScheduleState>, AwsError> {
    match aws
        .scheduler()
        .get_schedule()
        .name(name)
        .group_name(group)
        .send()
        .await
    {
        Ok(s) => Ok(Some(ScheduleState {
            name: name.to_owned(),
            state: s.state().map(|x| x.as_str().to_owned()).unwrap_or_default(),
            expression: s.schedule_expression().unwrap_or_default().to_owned(),
        })),
        Err(e) => {
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception())
            {
                Ok(None)
            } else {
                Err(AwsError::new(
                    format!("reading schedule {name}"),
                    &aws.region,
                    &e,
                ))
            }
        }
    }
}
