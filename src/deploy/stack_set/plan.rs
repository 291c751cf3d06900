//! What a stack-set rollout has to do, from what is deployed: create the set, change its
//! template (UpdateStackSet), create the instances that are missing, bring OUTDATED or failed
//! ones current (UpdateStackInstances); the first step is the canary, alone; each step is one
//! operation over a product of accounts x regions, as CloudFormation's operations take them.

use super::flags::{Canary, Flags};
use crate::aws::stack_sets::{Instance, StackSetInfo, Targets};
use crate::console::Report;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One account in one region. In organizational-unit mode the account is unknown before the
/// operation runs and is empty: the cell stands for every account of the units in that region.
pub type Cell = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// CreateStackInstances.
    CreateInstances,
    /// UpdateStackSet: the new template and parameters, deployed to these instances.
    UpdateSet,
    /// UpdateStackInstances: the set's current template, to instances OUTDATED or failed.
    UpdateInstances,
}

/// One operation: `accounts` (empty: the organizational units) x `regions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub kind: StepKind,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub canary: bool,
}

impl StepKind {
    /// The CloudFormation action the step calls.
    pub fn api(self) -> &'static str {
        match self {
            StepKind::CreateInstances => "CreateStackInstances",
            StepKind::UpdateSet => "UpdateStackSet",
            StepKind::UpdateInstances => "UpdateStackInstances",
        }
    }
}

impl Step {
    pub fn cells(&self) -> Vec<Cell> {
        let accounts: Vec<String> = if self.accounts.is_empty() {
            vec![String::new()]
        } else {
            self.accounts.clone()
        };
        self.regions
            .iter()
            .flat_map(|r| accounts.iter().map(move |a| (a.clone(), r.clone())))
            .collect()
    }

    pub fn targets(&self, flags: &Flags) -> Targets {
        match &flags.targets {
            Targets::Accounts(_) => Targets::Accounts(self.accounts.clone()),
            ous @ Targets::OrganizationalUnits(_) => ous.clone(),
        }
    }
}

/// What the rollout will do, shown before the one prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetPlan {
    pub stack_set: String,
    /// SELF_MANAGED or SERVICE_MANAGED.
    pub permission_model: String,
    pub exists: bool,
    pub template_changed: bool,
    pub to_create: Vec<Cell>,
    pub to_update: Vec<Cell>,
    /// Instances already current that the plan leaves alone.
    pub current: Vec<Cell>,
    pub steps: Vec<Step>,
    /// Things to know before saying yes (kept data in the caller's account, automatic
    /// deployment outside the operation preferences).
    pub notes: Vec<String>,
}

impl SetPlan {
    pub fn nothing_to_do(&self) -> bool {
        self.steps.is_empty()
    }
}

/// An instance that needs its current template again: not CURRENT, or its last operation failed.
fn needs_update(i: &Instance) -> bool {
    i.status != "CURRENT" || matches!(i.detailed_status.as_str(), "FAILED" | "INOPERABLE")
}

/// The templates are the same document (CloudFormation may return the body reformatted).
pub fn same_template(deployed: &str, desired: &str) -> bool {
    match (
        serde_json::from_str::<serde_json::Value>(deployed),
        serde_json::from_str::<serde_json::Value>(desired),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => deployed == desired,
    }
}

/// The plan from what is deployed (`set`, `instances`) to `flags`' targets with `body` and
/// `parameters`.
pub fn plan(
    name: &str,
    set: Option<&StackSetInfo>,
    instances: &[Instance],
    body: &str,
    parameters: &BTreeMap<String, String>,
    flags: &Flags,
) -> SetPlan {
    let ou_mode = matches!(flags.targets, Targets::OrganizationalUnits(_));
    let wanted: Vec<Cell> = if ou_mode {
        flags
            .regions
            .iter()
            .map(|r| (String::new(), r.clone()))
            .collect()
    } else {
        flags
            .regions
            .iter()
            .flat_map(|r| flags.accounts().iter().map(move |a| (a.clone(), r.clone())))
            .collect()
    };
    // In OU mode a region counts as present when any instance is there.
    let key = |i: &Instance| -> Cell {
        if ou_mode {
            (String::new(), i.region.clone())
        } else {
            (i.account.clone(), i.region.clone())
        }
    };
    let present: BTreeMap<Cell, bool> = instances.iter().fold(BTreeMap::new(), |mut m, i| {
        let stale = m.entry(key(i)).or_insert(false);
        *stale |= needs_update(i);
        m
    });
    let template_changed = match set {
        None => true,
        Some(s) => {
            !same_template(&s.template_body, body)
                || parameters
                    .iter()
                    .any(|(k, v)| s.parameters.get(k).unwrap_or(&String::new()) != v)
        }
    };
    let mut to_create = Vec::new();
    let mut to_update = Vec::new();
    let mut current = Vec::new();
    for cell in &wanted {
        match present.get(cell) {
            None => to_create.push(cell.clone()),
            Some(stale) if *stale || (set.is_some() && template_changed) => {
                to_update.push(cell.clone())
            }
            Some(_) => current.push(cell.clone()),
        }
    }
    let update_kind = if template_changed {
        StepKind::UpdateSet
    } else {
        StepKind::UpdateInstances
    };
    // A template change goes to the deployed instances first (its canary among them), then
    // the new instances get it; without one, the missing instances come first.
    let parts: Vec<(StepKind, &[Cell])> = if set.is_some() && template_changed {
        vec![
            (update_kind, &to_update),
            (StepKind::CreateInstances, &to_create),
        ]
    } else {
        vec![
            (StepKind::CreateInstances, &to_create),
            (update_kind, &to_update),
        ]
    };
    let mut steps = Vec::new();
    for (kind, cells) in parts {
        if cells.is_empty() {
            continue;
        }
        if steps.is_empty() {
            let (canary, rest) = split_canary(cells, flags);
            steps.extend(products(kind, &canary, &flags.regions, true));
            steps.extend(products(kind, &rest, &flags.regions, false));
        } else {
            steps.extend(products(kind, cells, &flags.regions, false));
        }
    }
    // A changed template with no deployed instance to carry it: the set is updated alone first,
    // so the new instances get the new template.
    if set.is_some()
        && template_changed
        && steps.first().is_some_and(|s| s.kind != StepKind::UpdateSet)
    {
        steps.insert(
            0,
            Step {
                kind: StepKind::UpdateSet,
                accounts: Vec::new(),
                regions: Vec::new(),
                canary: false,
            },
        );
    }
    SetPlan {
        stack_set: name.to_owned(),
        permission_model: if ou_mode {
            "SERVICE_MANAGED"
        } else {
            "SELF_MANAGED"
        }
        .to_owned(),
        exists: set.is_some(),
        template_changed: set.is_some() && template_changed,
        to_create,
        to_update,
        current,
        steps,
        notes: Vec::new(),
    }
}

/// The canary's cells (the first region's, or the first account's) and the rest.
fn split_canary(cells: &[Cell], flags: &Flags) -> (Vec<Cell>, Vec<Cell>) {
    let first = match flags.canary {
        Canary::Region => flags
            .regions
            .iter()
            .find(|r| cells.iter().any(|(_, cr)| cr == *r))
            .map(|r| (None, Some(r.clone()))),
        Canary::Account => flags
            .accounts()
            .iter()
            .find(|a| cells.iter().any(|(ca, _)| ca == *a))
            .map(|a| (Some(a.clone()), None)),
    };
    let Some((account, region)) = first else {
        return (Vec::new(), cells.to_vec());
    };
    cells.iter().cloned().partition(|(a, r)| {
        account.as_ref().is_none_or(|x| x == a) && region.as_ref().is_none_or(|x| x == r)
    })
}

/// `cells` as operations over products: regions in rollout order, consecutive regions with the
/// same accounts in one operation.
fn products(kind: StepKind, cells: &[Cell], order: &[String], canary: bool) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for region in order {
        let accounts: BTreeSet<String> = cells
            .iter()
            .filter(|(_, r)| r == region)
            .map(|(a, _)| a.clone())
            .collect();
        if accounts.is_empty() {
            continue;
        }
        let accounts: Vec<String> = accounts.into_iter().filter(|a| !a.is_empty()).collect();
        match steps.last_mut() {
            Some(last) if last.accounts == accounts => last.regions.push(region.clone()),
            _ => steps.push(Step {
                kind,
                accounts,
                regions: vec![region.clone()],
                canary,
            }),
        }
    }
    steps
}

fn cell_list(cells: &[Cell]) -> String {
    cells
        .iter()
        .map(|(a, r)| {
            if a.is_empty() {
                format!("{r} (every account of the units)")
            } else {
                format!("{a}/{r}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl std::fmt::Display for SetPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.exists { "exists" } else { "new" };
        writeln!(
            f,
            "Stack set {} ({}, {state}); template change: {}",
            self.stack_set,
            self.permission_model,
            if !self.exists {
                "new set"
            } else if self.template_changed {
                "yes"
            } else {
                "no"
            }
        )?;
        writeln!(
            f,
            "  instances to create: {}{}",
            self.to_create.len(),
            if self.to_create.is_empty() {
                String::new()
            } else {
                format!(" ({})", cell_list(&self.to_create))
            }
        )?;
        writeln!(
            f,
            "  instances to update: {}{}",
            self.to_update.len(),
            if self.to_update.is_empty() {
                String::new()
            } else {
                format!(" ({})", cell_list(&self.to_update))
            }
        )?;
        writeln!(f, "  instances current:   {}", self.current.len())?;
        for (i, s) in self.steps.iter().enumerate() {
            let what = s.kind.api();
            writeln!(
                f,
                "  operation {}: {what} {} x {}{}",
                i + 1,
                if s.accounts.is_empty() {
                    "the organizational units".to_owned()
                } else {
                    s.accounts.join(",")
                },
                s.regions.join(","),
                if s.canary { "  (canary)" } else { "" }
            )?;
        }
        for n in &self.notes {
            writeln!(f, "  note: {n}")?;
        }
        Ok(())
    }
}

impl Report for SetPlan {
    fn what(&self) -> &'static str {
        "stack set plan"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::stack_sets::Amount;

    fn flags(canary: Canary) -> Flags {
        Flags {
            targets: Targets::Accounts(vec!["111111111111".into(), "222222222222".into()]),
            regions: vec!["us-east-1".into(), "eu-west-1".into()],
            canary,
            failure_tolerance: Amount::Count(0),
            max_concurrent: Amount::Count(1),
            strict: true,
            sequential: true,
        }
    }

    fn instance(account: &str, region: &str, status: &str) -> Instance {
        Instance {
            account: account.into(),
            region: region.into(),
            status: status.into(),
            detailed_status: "SUCCEEDED".into(),
            status_reason: String::new(),
            drift_status: "NOT_CHECKED".into(),
            last_drift_check: None,
            stack_id: None,
            organizational_unit: None,
        }
    }

    fn info(body: &str) -> StackSetInfo {
        StackSetInfo {
            name: "s".into(),
            id: "s:1".into(),
            status: "ACTIVE".into(),
            template_body: body.into(),
            parameters: BTreeMap::new(),
            permission_model: "SELF_MANAGED".into(),
            administration_role_arn: None,
            execution_role_name: None,
            auto_deployment: None,
            organizational_unit_ids: Vec::new(),
        }
    }

    #[test]
    fn a_new_set_creates_the_canary_region_alone_then_the_rest() {
        let p = plan(
            "s",
            None,
            &[],
            "{}",
            &BTreeMap::new(),
            &flags(Canary::Region),
        );
        let ops: Vec<(Vec<String>, bool)> = p
            .steps
            .iter()
            .map(|s| (s.regions.clone(), s.canary))
            .collect();
        assert_eq!(
            ops,
            vec![
                (vec!["us-east-1".to_owned()], true),
                (vec!["eu-west-1".to_owned()], false)
            ]
        );
    }

    #[test]
    fn an_account_canary_is_the_first_account_in_every_region() {
        let p = plan(
            "s",
            None,
            &[],
            "{}",
            &BTreeMap::new(),
            &flags(Canary::Account),
        );
        assert_eq!(
            (&p.steps[0].accounts, &p.steps[0].regions, p.steps.len()),
            (
                &vec!["111111111111".to_owned()],
                &vec!["us-east-1".to_owned(), "eu-west-1".to_owned()],
                2
            )
        );
    }

    #[test]
    fn nothing_changed_and_every_instance_current_is_nothing_to_do() {
        let all = [
            instance("111111111111", "us-east-1", "CURRENT"),
            instance("111111111111", "eu-west-1", "CURRENT"),
            instance("222222222222", "us-east-1", "CURRENT"),
            instance("222222222222", "eu-west-1", "CURRENT"),
        ];
        let p = plan(
            "s",
            Some(&info("{\"a\": 1}")),
            &all,
            "{\"a\":1}",
            &BTreeMap::new(),
            &flags(Canary::Region),
        );
        assert!(p.nothing_to_do());
    }

    #[test]
    fn a_rerun_creates_only_the_missing_and_updates_only_the_outdated() {
        let some = [
            instance("111111111111", "us-east-1", "CURRENT"),
            instance("222222222222", "us-east-1", "OUTDATED"),
            instance("111111111111", "eu-west-1", "CURRENT"),
        ];
        let p = plan(
            "s",
            Some(&info("{}")),
            &some,
            "{}",
            &BTreeMap::new(),
            &flags(Canary::Region),
        );
        let kinds: Vec<(StepKind, Vec<Cell>)> =
            p.steps.iter().map(|s| (s.kind, s.cells())).collect();
        assert_eq!(
            kinds,
            vec![
                (
                    StepKind::CreateInstances,
                    vec![("222222222222".into(), "eu-west-1".into())]
                ),
                (
                    StepKind::UpdateInstances,
                    vec![("222222222222".into(), "us-east-1".into())]
                ),
            ]
        );
    }

    #[test]
    fn a_template_change_updates_every_instance_canary_first() {
        let all = [
            instance("111111111111", "us-east-1", "CURRENT"),
            instance("111111111111", "eu-west-1", "CURRENT"),
            instance("222222222222", "us-east-1", "CURRENT"),
            instance("222222222222", "eu-west-1", "CURRENT"),
        ];
        let p = plan(
            "s",
            Some(&info("{\"a\":1}")),
            &all,
            "{\"a\":2}",
            &BTreeMap::new(),
            &flags(Canary::Region),
        );
        let cells: usize = p.steps.iter().map(|s| s.cells().len()).sum();
        assert_eq!(
            (
                p.steps[0].kind,
                p.steps[0].canary,
                cells,
                p.template_changed
            ),
            (StepKind::UpdateSet, true, 4, true)
        );
    }
}
