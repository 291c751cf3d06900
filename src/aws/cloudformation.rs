//! CloudFormation: read what is deployed.

use super::{Aws, AwsError};
use aws_sdk_cloudformation::types::TemplateStage;
use aws_smithy_types::date_time::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The deployed stack, as far as a plan needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeployedStack {
    pub stack_id: String,
    pub status: String,
    /// Last update, or creation when never updated (RFC 3339): what `apply PLANFILE` checks.
    pub last_change: Option<String>,
    pub outputs: BTreeMap<String, String>,
    pub template: serde_json::Value,
}

/// Reads the stack `name`, or None when there is none. A stack that holds only a change set
/// under review has no resources and counts as none.
pub async fn deployed(aws: &Aws, name: &str) -> Result<Option<DeployedStack>, AwsError> {
    let cf = aws.cloudformation();
    let doing = format!("reading stack {name}");
    let (described, template) = tokio::join!(
        cf.describe_stacks().stack_name(name).send(),
        cf.get_template()
            .stack_name(name)
            .template_stage(TemplateStage::Original)
            .send()
    );
    let described = match described {
        Ok(d) => d,
        Err(e) => {
            let err = AwsError::new(&doing, &aws.region, &e);
            if is_missing_stack(&err) {
                return Ok(None);
            }
            return Err(err);
        }
    };
    let Some(stack) = described.stacks().first() else {
        return Ok(None);
    };
    let status = stack
        .stack_status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    if status == "REVIEW_IN_PROGRESS" || status == "DELETE_COMPLETE" {
        return Ok(None);
    }
    let template = template.map_err(|e| AwsError::new(&doing, &aws.region, &e))?;
    let body = template.template_body().unwrap_or("{}");
    let template = parse_template(body).map_err(|m| AwsError {
        doing: doing.clone(),
        region: aws.region.clone(),
        code: None,
        message: m,
    })?;
    let last_change = stack
        .last_updated_time()
        .or(stack.creation_time())
        .and_then(|t| t.fmt(Format::DateTime).ok());
    let outputs = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned())))
        .collect();
    Ok(Some(DeployedStack {
        stack_id: stack.stack_id().unwrap_or(name).to_owned(),
        status,
        last_change,
        outputs,
        template,
    }))
}

/// CloudFormation answers a missing stack with a ValidationError that says so.
pub fn is_missing_stack(err: &AwsError) -> bool {
    err.is_code("ValidationError") && err.message.contains("does not exist")
}

/// A deployed template body: JSON (what infrapipe deploys) or plain YAML.
pub fn parse_template(body: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(body).or_else(|_| {
        serde_yaml_ng::from_str(body).map_err(|e| {
            format!("the deployed template is neither JSON nor plain YAML ({e}); was the stack deployed by another tool?")
        })
    })
}

/// CloudFormation's own view of one change in a change set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeSetEntry {
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// True, False or Conditional; empty where CloudFormation (or an emulator) gives none.
    pub replacement: String,
}

/// The template body to send: compact JSON, which CloudFormation parses like the pretty form.
pub fn body(template: &serde_json::Value) -> String {
    template.to_string()
}

/// Creates a change set for `template`, waits for it, returns CloudFormation's view and deletes
/// it again (and the empty stack a CREATE change set leaves behind). Nothing is executed.
pub async fn preview_change_set(
    aws: &Aws,
    stack: &str,
    template: &serde_json::Value,
    stack_exists: bool,
) -> Result<Vec<ChangeSetEntry>, AwsError> {
    use aws_sdk_cloudformation::types::{Capability, ChangeSetType};
    let cf = aws.cloudformation();
    let doing = format!("previewing a change set for {stack}");
    let err = |e: &dyn ErrorMeta| e.to_aws(&doing, &aws.region);
    let name = format!("infrapipe-plan-{}", std::process::id());
    let created = cf
        .create_change_set()
        .stack_name(stack)
        .change_set_name(&name)
        .change_set_type(if stack_exists {
            ChangeSetType::Update
        } else {
            ChangeSetType::Create
        })
        .capabilities(Capability::CapabilityIam)
        .template_body(body(template))
        .send()
        .await
        .map_err(|e| err(&e))?;
    let id = created.id().unwrap_or(&name).to_owned();
    let result = wait_for_change_set(aws, &id, &doing).await;
    let _ = cf.delete_change_set().change_set_name(&id).send().await;
    if !stack_exists {
        let _ = cf.delete_stack().stack_name(stack).send().await;
    }
    result
}

async fn wait_for_change_set(
    aws: &Aws,
    id: &str,
    doing: &str,
) -> Result<Vec<ChangeSetEntry>, AwsError> {
    let cf = aws.cloudformation();
    let mut delay = std::time::Duration::from_millis(200);
    for _ in 0..60 {
        let d = cf
            .describe_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(|e| AwsError::new(doing, &aws.region, &e))?;
        let status = d.status().map(|s| s.as_str()).unwrap_or_default();
        match status {
            "CREATE_COMPLETE" => {
                return Ok(d
                    .changes()
                    .iter()
                    .filter_map(|c| c.resource_change())
                    .map(|r| ChangeSetEntry {
                        action: r
                            .action()
                            .map(|a| a.as_str().to_owned())
                            .unwrap_or_default(),
                        logical_id: r.logical_resource_id().unwrap_or_default().to_owned(),
                        resource_type: r.resource_type().unwrap_or_default().to_owned(),
                        replacement: r
                            .replacement()
                            .map(|x| x.as_str().to_owned())
                            .unwrap_or_default(),
                    })
                    .collect());
            }
            "FAILED" => {
                let reason = d.status_reason().unwrap_or_default();
                if reason.contains("didn't contain changes") || reason.contains("No updates") {
                    return Ok(Vec::new());
                }
                return Err(AwsError {
                    doing: doing.to_owned(),
                    region: aws.region.clone(),
                    code: None,
                    message: format!("the change set failed: {reason}"),
                });
            }
            _ => {
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(5));
            }
        }
    }
    Err(AwsError {
        doing: doing.to_owned(),
        region: aws.region.clone(),
        code: None,
        message: "the change set was not ready after several minutes".into(),
    })
}

/// Lets one closure turn any SDK error into an AwsError.
trait ErrorMeta {
    fn to_aws(&self, doing: &str, region: &str) -> AwsError;
}

impl<E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error> ErrorMeta
    for E
{
    fn to_aws(&self, doing: &str, region: &str) -> AwsError {
        AwsError::new(doing, region, self)
    }
}
