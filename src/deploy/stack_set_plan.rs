//! `plan --stack-set`: the stack set's template diff, once for all its instances (deployed:
//! DescribeStackSet's template body and parameters; rendered: what rollout would send), through
//! plan's own differ and rendering (replacement marks, the IAM table), then which instances are
//! outdated or inoperable and why, and which a rollout to the given accounts and regions would
//! create. Only reads.

use crate::aws::stack_sets::{self, Instance, SetRef};
use crate::aws::{Aws, AwsError};
use crate::console::Report;
use crate::error::Exit;
use crate::plan::{self, Plan, render};
use crate::style::Style;
use crate::template::stack_set::CODE_BUCKET_ACCOUNT;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the plan compares the deployed set with: the template rollout sends, and the targets a
/// rollout would be given (empty: none named, so no new instance is shown). The parameters are
/// rollout's too: `CodeBucketAccount`, the caller's account (read by `plan`).
pub struct Rendered<'a> {
    pub template: &'a Value,
    pub accounts: &'a [String],
    pub regions: &'a [String],
}

/// A stack-set parameter that changes (None: absent on that side).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterChange {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An instance CloudFormation reports as not current, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outdated {
    pub account: String,
    pub region: String,
    /// OUTDATED or INOPERABLE.
    pub status: String,
    pub detailed_status: String,
    pub reason: String,
}

/// An account and region a rollout would add to the set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NewInstance {
    pub account: String,
    pub region: String,
}

/// The plan of a stack set.
#[derive(Debug, Clone, Serialize)]
pub struct SetPlan {
    pub stack_set: String,
    /// The administering region.
    pub region: String,
    /// ACTIVE, or None when there is no set (everything is to be created).
    pub status: Option<String>,
    pub permission_model: Option<String>,
    /// The template diff, once for every instance.
    pub template: Plan,
    pub parameters: Vec<ParameterChange>,
    /// Instances the set has now; a change to the template or parameters updates them all.
    pub instances: usize,
    pub outdated: Vec<Outdated>,
    pub to_create: Vec<NewInstance>,
    pub has_changes: bool,
    #[serde(skip)]
    pub style: Style,
    #[serde(skip)]
    pub detailed_exitcode: bool,
}

/// Reads the set from `aws`'s region and plans `rendered` against it.
pub async fn plan(aws: &Aws, set: &SetRef, rendered: &Rendered<'_>) -> Result<SetPlan, AwsError> {
    tracing::info!(stack_set = %set.name, "reading the stack set (cloudformation:DescribeStackSet, ListStackInstances; sts:GetCallerIdentity)");
    let (info, caller) = tokio::join!(
        stack_sets::describe_stack_set(aws, set),
        crate::aws::sts::account_id(aws)
    );
    let (info, caller) = (info?, caller?);
    // What rollout sends besides the template: the account whose buckets hold the code.
    let parameters = BTreeMap::from([(CODE_BUCKET_ACCOUNT.to_owned(), caller)]);
    let instances = match &info {
        Some(_) => stack_sets::list_stack_instances(aws, set).await?,
        None => Vec::new(),
    };
    let deployed = match &info {
        Some(i) => Some(
            deployed_template(&i.template_body).map_err(|message| AwsError {
                doing: format!("reading the template of stack set {}", set.name),
                region: aws.region.clone(),
                code: None,
                message,
            })?,
        ),
        None => None,
    };
    let before = info.as_ref().map(|i| {
        (
            i.status.as_str(),
            i.permission_model.as_str(),
            &i.parameters,
        )
    });
    Ok(compare(
        &set.name,
        &aws.region,
        before,
        deployed.as_ref(),
        &instances,
        rendered,
        &parameters,
    ))
}

/// A parameter's value on one side: the one given, else the template's default.
fn effective(
    given: &BTreeMap<String, String>,
    template: Option<&Value>,
    key: &str,
) -> Option<String> {
    given.get(key).cloned().or_else(|| {
        template?["Parameters"][key]["Default"]
            .as_str()
            .map(str::to_owned)
    })
}

/// The deployed body as JSON (every set infrapipe made has a JSON body).
fn deployed_template(body: &str) -> Result<Value, String> {
    serde_json::from_str(body).map_err(|e| {
        format!(
            "its template body is not JSON ({e}): infrapipe did not make this stack set, so it does not plan against it"
        )
    })
}

/// The pure part: the deployed side (status, permission model, parameters; template) against
/// the rendered side.
pub fn compare(
    name: &str,
    region: &str,
    deployed: Option<(&str, &str, &BTreeMap<String, String>)>,
    template: Option<&Value>,
    instances: &[Instance],
    rendered: &Rendered<'_>,
    parameters: &BTreeMap<String, String>,
) -> SetPlan {
    let status = deployed.map(|(s, _, _)| s);
    let template_plan = plan::diff(name, region, status, template, rendered.template);
    let empty = BTreeMap::new();
    let before = deployed.map_or(&empty, |(_, _, p)| p);
    let declared = |t: Option<&Value>| -> Vec<String> {
        t.and_then(|t| t["Parameters"].as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let keys: BTreeSet<String> = before
        .keys()
        .chain(parameters.keys())
        .cloned()
        .chain(declared(template))
        .chain(declared(Some(rendered.template)))
        .collect();
    let parameters: Vec<ParameterChange> = keys
        .into_iter()
        .filter_map(|k| {
            let b = deployed.and(effective(before, template, &k));
            let a = effective(parameters, Some(rendered.template), &k);
            (b != a).then_some(ParameterChange {
                key: k,
                before: b,
                after: a,
            })
        })
        .collect();
    let outdated: Vec<Outdated> = instances
        .iter()
        .filter(|i| i.status != "CURRENT")
        .map(|i| Outdated {
            account: i.account.clone(),
            region: i.region.clone(),
            status: i.status.clone(),
            detailed_status: i.detailed_status.clone(),
            reason: i.status_reason.clone(),
        })
        .collect();
    let have: BTreeSet<(&str, &str)> = instances
        .iter()
        .map(|i| (i.account.as_str(), i.region.as_str()))
        .collect();
    let to_create: Vec<NewInstance> = rendered
        .accounts
        .iter()
        .flat_map(|a| rendered.regions.iter().map(move |r| (a, r)))
        .filter(|(a, r)| !have.contains(&(a.as_str(), r.as_str())))
        .map(|(a, r)| NewInstance {
            account: a.clone(),
            region: r.clone(),
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let has_changes = template_plan.has_changes()
        || !parameters.is_empty()
        || !outdated.is_empty()
        || !to_create.is_empty();
    SetPlan {
        stack_set: name.to_owned(),
        region: region.to_owned(),
        status: status.map(str::to_owned),
        permission_model: deployed.map(|(_, m, _)| m.to_owned()),
        template: template_plan,
        parameters,
        instances: instances.len(),
        outdated,
        to_create,
        has_changes,
        style: Style::PLAIN,
        detailed_exitcode: false,
    }
}

impl std::fmt::Display for SetPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (set, region) = (&self.stack_set, &self.region);
        match (&self.status, &self.permission_model) {
            (Some(status), Some(model)) => writeln!(
                f,
                "Stack set {set}, administered from {region} ({status}, {model}, {} instances): the template diff, once for all of them",
                self.instances
            )?,
            _ => writeln!(
                f,
                "Stack set {set} does not exist in {region}: a rollout creates it, and everything below with it"
            )?,
        }
        // The differ's own heading names a stack; ours above names the set.
        let text = render::text(&self.template, self.style);
        f.write_str(text.split_once('\n').map_or("", |(_, rest)| rest))?;
        if !self.parameters.is_empty() {
            writeln!(f, "\nParameters:")?;
            for p in &self.parameters {
                let show = |v: &Option<String>| {
                    v.as_ref()
                        .map_or("(absent)".to_owned(), |v| format!("{v:?}"))
                };
                writeln!(
                    f,
                    "  ~ {}: {} -> {}",
                    p.key,
                    show(&p.before),
                    show(&p.after)
                )?;
            }
        }
        let changes = self.template.has_changes() || !self.parameters.is_empty();
        if changes && self.instances > 0 {
            writeln!(
                f,
                "\nA rollout updates all {} instances with this template.",
                self.instances
            )?;
        }
        if !self.outdated.is_empty() {
            writeln!(
                f,
                "\nInstances not current ({}; a rollout updates them):",
                self.outdated.len()
            )?;
            let rows: Vec<Vec<String>> = self
                .outdated
                .iter()
                .map(|o| {
                    vec![
                        o.account.clone(),
                        o.region.clone(),
                        o.status.clone(),
                        o.detailed_status.clone(),
                        o.reason.clone(),
                    ]
                })
                .collect();
            f.write_str(&crate::style::columns(
                &["ACCOUNT", "REGION", "STATUS", "DETAILED", "REASON"],
                &rows,
            ))?;
        }
        if !self.to_create.is_empty() {
            writeln!(
                f,
                "\nInstances a rollout to these accounts and regions creates ({}):",
                self.to_create.len()
            )?;
            for n in &self.to_create {
                writeln!(f, "  + {} {}", n.account, n.region)?;
            }
        }
        if !self.has_changes {
            writeln!(f, "\nEvery instance is current and nothing would change.")?;
        }
        Ok(())
    }
}

impl Report for SetPlan {
    fn what(&self) -> &'static str {
        "stack set plan"
    }

    /// As plan's: with --detailed-exitcode, 2 when anything would change.
    fn exit(&self) -> Exit {
        if self.detailed_exitcode && self.has_changes {
            Exit::Changes
        } else {
            Exit::Success
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn instance(account: &str, region: &str, status: &str, reason: &str) -> Instance {
        Instance {
            account: account.into(),
            region: region.into(),
            status: status.into(),
            detailed_status: "SUCCEEDED".into(),
            status_reason: reason.into(),
            drift_status: "NOT_CHECKED".into(),
            last_drift_check: None,
            stack_id: None,
            organizational_unit: None,
        }
    }

    fn template(memory: u32) -> Value {
        json!({"Resources": {"CollectorFunction": {"Type": "AWS::Lambda::Function",
            "Properties": {"MemorySize": memory}}}})
    }

    #[test]
    fn a_template_change_is_shown_once_for_every_instance() {
        let (before, after) = (template(128), template(256));
        let params = BTreeMap::new();
        let instances = [
            instance("111111111111", "us-east-1", "CURRENT", ""),
            instance("222222222222", "us-east-1", "CURRENT", ""),
        ];
        let p = compare(
            "s",
            "us-east-1",
            Some(("ACTIVE", "SELF_MANAGED", &params)),
            Some(&before),
            &instances,
            &Rendered {
                template: &after,
                accounts: &[],
                regions: &[],
            },
            &params,
        );
        let text = p.to_string();
        assert_eq!(
            (
                text.matches("MemorySize").count(),
                text.contains("updates all 2 instances")
            ),
            (1, true),
            "{text}"
        );
    }

    #[test]
    fn outdated_instances_are_listed_with_their_reason() {
        let t = template(128);
        let params = BTreeMap::new();
        let p = compare(
            "s",
            "us-east-1",
            Some(("ACTIVE", "SELF_MANAGED", &params)),
            Some(&t),
            &[instance(
                "111111111111",
                "eu-west-1",
                "OUTDATED",
                "bucket exists",
            )],
            &Rendered {
                template: &t,
                accounts: &[],
                regions: &[],
            },
            &params,
        );
        assert_eq!(
            (p.has_changes, p.outdated[0].reason.as_str()),
            (true, "bucket exists")
        );
    }

    #[test]
    fn targets_without_an_instance_are_to_be_created() {
        let t = template(128);
        let params = BTreeMap::new();
        let accounts = ["111111111111".to_owned(), "222222222222".to_owned()];
        let regions = ["us-east-1".to_owned()];
        let p = compare(
            "s",
            "us-east-1",
            Some(("ACTIVE", "SELF_MANAGED", &params)),
            Some(&t),
            &[instance("111111111111", "us-east-1", "CURRENT", "")],
            &Rendered {
                template: &t,
                accounts: &accounts,
                regions: &regions,
            },
            &params,
        );
        assert_eq!(
            p.to_create,
            vec![NewInstance {
                account: "222222222222".into(),
                region: "us-east-1".into()
            }]
        );
    }

    #[test]
    fn no_set_shows_everything_as_created() {
        let t = template(128);
        let params = BTreeMap::from([("CodeAccount".to_owned(), "123456789012".to_owned())]);
        let p = compare(
            "s",
            "us-east-1",
            None,
            None,
            &[],
            &Rendered {
                template: &t,
                accounts: &[],
                regions: &[],
            },
            &params,
        );
        let text = p.to_string();
        assert!(
            text.contains("does not exist in us-east-1") && p.template.summary.add == 1,
            "{text}"
        );
    }

    #[test]
    fn a_parameter_left_at_its_default_is_no_change() {
        let mut t = template(128);
        t["Parameters"] = json!({"BudgetRegion": {"Type": "String", "Default": "us-east-1"}});
        let deployed = BTreeMap::from([("BudgetRegion".to_owned(), "us-east-1".to_owned())]);
        let p = compare(
            "s",
            "us-east-1",
            Some(("ACTIVE", "SELF_MANAGED", &deployed)),
            Some(&t),
            &[],
            &Rendered {
                template: &t,
                accounts: &[],
                regions: &[],
            },
            &BTreeMap::new(),
        );
        assert_eq!(p.parameters, Vec::new());
    }
}
