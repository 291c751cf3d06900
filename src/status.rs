//! What `infrapipe status` reads of a deployed region: the stack, its resources, the last
//! collection run, alarm states, who the alarms reach (and who has not confirmed), and the
//! schedule; and the report of one or many regions.

pub mod stack_set;

use crate::aws::alarms::{self, AlarmState};
use crate::aws::cloudformation::{self, StackResource};
use crate::aws::cost_allocation::{self, TagState};
use crate::aws::executions::{self, Execution};
use crate::aws::schedules::{self, ScheduleState};
use crate::aws::sns::{self, Subscription};
use crate::aws::{Aws, AwsError};
use crate::console::Report;
use crate::model::{Pipeline, ids};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The status of a region where the stack does not exist.
pub const NOT_DEPLOYED: &str = "NOT_DEPLOYED";

/// One region's status.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub stack: String,
    pub region: String,
    pub status: String,
    pub last_change: Option<String>,
    pub outputs: BTreeMap<String, String>,
    pub resources: Vec<StackResource>,
    pub last_run: Option<Execution>,
    pub alarms: Vec<AlarmState>,
    /// The alarm topic's subscriptions; one `pending_confirmation` receives nothing yet.
    pub subscriptions: Vec<Subscription>,
    pub schedule: Option<ScheduleState>,
    /// When the schedule should next fire, from the last run and the interval (an estimate:
    /// Scheduler's API does not say).
    pub next_run_estimate: Option<String>,
    /// The console page of the region's dashboard, when the stack has one.
    pub dashboard_url: Option<String>,
    /// Whether the tag the budget filters by is active for cost allocation (the region whose
    /// stack has the budget only).
    pub cost_allocation_tag: Option<CostAllocationTag>,
    /// Parts that could not be read, with why (never silently missing).
    pub unavailable: Vec<String>,
}

/// The budget's tag and what Cost Explorer says of it.
#[derive(Debug, Clone, Serialize)]
pub struct CostAllocationTag {
    pub key: String,
    #[serde(flatten)]
    pub state: TagState,
}

/// The status of every region asked for: one region's document alone, several under `regions`.
pub struct StatusReport(pub Vec<Status>);

impl Serialize for StatusReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Regions<'a> {
            regions: &'a [Status],
        }
        match self.0.as_slice() {
            [one] => one.serialize(s),
            all => Regions { regions: all }.serialize(s),
        }
    }
}

impl fmt::Display for StatusReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{s}")?;
        }
        if self.0.len() > 1 {
            let deployed = self.0.iter().filter(|s| s.status != NOT_DEPLOYED).count();
            writeln!(f, "\n{deployed} of {} regions deployed.", self.0.len())?;
        }
        Ok(())
    }
}

impl Report for StatusReport {
    fn what(&self) -> &'static str {
        "status"
    }
}

/// Reads one region's status; parts that cannot be read are named in `unavailable`.
pub async fn read(aws: &Aws, stack: &str, p: &Pipeline, interval: u64) -> Result<Status, AwsError> {
    let mut s = Status {
        stack: stack.to_owned(),
        region: aws.region.clone(),
        status: NOT_DEPLOYED.into(),
        last_change: None,
        outputs: BTreeMap::new(),
        resources: Vec::new(),
        last_run: None,
        alarms: Vec::new(),
        subscriptions: Vec::new(),
        schedule: None,
        next_run_estimate: None,
        dashboard_url: None,
        cost_allocation_tag: None,
        unavailable: Vec::new(),
    };
    let Some(deployed) = cloudformation::deployed(aws, stack).await? else {
        return Ok(s);
    };
    s.status = deployed.status;
    s.last_change = deployed.last_change;
    s.outputs = deployed.outputs;
    let alarm_names: Vec<String> = p.alarms.iter().map(|a| a.name.clone()).collect();
    let (resources, alarms, schedule) = tokio::join!(
        cloudformation::resources(aws, &deployed.stack_id),
        alarms::states(aws, &alarm_names),
        schedules::get(aws, &p.schedule.name, &p.names.schedule_group),
    );
    // An emulator reports resources it did not create with no ids: leave them out, and name
    // the template's resources that have no physical resource instead.
    s.resources = resources?
        .into_iter()
        .filter(|r| !r.logical_id.is_empty())
        .collect();
    let missing: Vec<String> = deployed.template["Resources"]
        .as_object()
        .map(|m| {
            m.keys()
                .filter(|id| !s.resources.iter().any(|r| &r.logical_id == *id))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    s.dashboard_url = s
        .resources
        .iter()
        .find(|r| r.logical_id == crate::model::monitoring::monitoring_ids::DASHBOARD)
        .filter(|r| !r.physical_id.is_empty())
        .map(|r| crate::model::monitoring::dashboard_console_url(&s.region, &r.physical_id));
    if p.observability.budget.is_some() {
        let key = crate::model::monitoring::PIPELINE_TAG;
        s.cost_allocation_tag = Some(CostAllocationTag {
            key: key.to_owned(),
            state: cost_allocation::tag_state(&aws.cost_explorer(), &aws.region, key).await,
        });
    }
    if !missing.is_empty() {
        s.unavailable.push(format!(
            "no physical resource reported for: {}",
            missing.join(", ")
        ));
    }
    match alarms {
        Ok(a) => s.alarms = a,
        Err(e) => s.unavailable.push(format!("alarms: {e}")),
    }
    match schedule {
        Ok(Some(sch)) => s.schedule = Some(sch),
        Ok(None) => s
            .unavailable
            .push(format!("schedule {}: not found", p.schedule.name)),
        Err(e) => s.unavailable.push(format!("schedule: {e}")),
    }
    let topic = s
        .resources
        .iter()
        .find(|r| r.logical_id == ids::TOPIC)
        .map(|r| r.physical_id.clone())
        .filter(|arn| !arn.is_empty());
    match topic {
        Some(arn) => match sns::subscriptions(aws, &arn).await {
            Ok(subs) => s.subscriptions = subs,
            Err(e) => s.unavailable.push(format!("subscriptions: {e}")),
        },
        None => s
            .unavailable
            .push("subscriptions: the alarm topic is not in the stack".into()),
    }
    let machine = s
        .resources
        .iter()
        .find(|r| r.logical_id == ids::STATE_MACHINE)
        .map(|r| r.physical_id.clone())
        .filter(|id| !id.is_empty());
    match machine {
        Some(arn) => match executions::last(aws, &arn).await {
            Ok(run) => s.last_run = run,
            Err(e) => s.unavailable.push(format!("last run: {e}")),
        },
        None => s
            .unavailable
            .push("last run: the state machine is not in the stack".into()),
    }
    s.next_run_estimate = s
        .last_run
        .as_ref()
        .and_then(|r| add_seconds(&r.started, interval));
    Ok(s)
}

/// Who the alarms reach; those still pending confirmation are marked, and said to reach nobody.
fn write_subscriptions(t: &mut fmt::Formatter<'_>, subs: &[Subscription]) -> fmt::Result {
    writeln!(t, "\nAlarm subscriptions:")?;
    if subs.is_empty() {
        return writeln!(t, "  none: alarms reach nobody");
    }
    for sub in subs {
        let state = if sub.pending_confirmation {
            "PENDING CONFIRMATION"
        } else {
            "confirmed"
        };
        writeln!(t, "  {:<20} {:<6} {}", state, sub.protocol, sub.endpoint)?;
    }
    let pending = sns::pending(subs);
    if !pending.is_empty() {
        writeln!(
            t,
            "  Confirm the SNS subscription e-mail sent to {}: alarms reach nobody there until then.",
            pending.join(", ")
        )?;
    }
    Ok(())
}

/// RFC 3339 time plus seconds, in RFC 3339.
fn add_seconds(t: &str, secs: u64) -> Option<String> {
    use aws_smithy_types::DateTime;
    use aws_smithy_types::date_time::Format;
    let d = DateTime::from_str(t, Format::DateTime).ok()?;
    DateTime::from_secs(d.secs() + secs as i64)
        .fmt(Format::DateTime)
        .ok()
}

impl CostAllocationTag {
    /// One line for people: the state, and what to do when the budget cannot see the spend.
    pub fn line(&self) -> String {
        let key = &self.key;
        match &self.state {
            TagState::Active => {
                format!("Cost allocation tag {key}: active (the budget sees the pipeline's spend)")
            }
            TagState::Inactive => format!(
                "Cost allocation tag {key}: inactive: activate it in the Billing console's cost allocation tags, or the budget sees no spend"
            ),
            TagState::NotSeen => format!(
                "Cost allocation tag {key}: not seen by Cost Explorer yet (it lists a tag a day or so after a billed resource carries it); then activate it"
            ),
            TagState::Unknown(why) => format!("Cost allocation tag {key}: unknown ({why})"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, t: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self;
        writeln!(t, "Stack {} in {}: {}", s.stack, s.region, s.status)?;
        if s.status == NOT_DEPLOYED {
            writeln!(t, "Nothing is deployed. Create it with `infrapipe apply`.")?;
            return Ok(());
        }
        if let Some(c) = &s.last_change {
            writeln!(t, "Last change: {c}")?;
        }
        if let Some(url) = &s.dashboard_url {
            writeln!(t, "Dashboard: {url}")?;
        }
        if let Some(tag) = &s.cost_allocation_tag {
            writeln!(t, "{}", tag.line())?;
        }
        writeln!(t, "\nResources:")?;
        let w = s
            .resources
            .iter()
            .map(|r| r.logical_id.len())
            .max()
            .unwrap_or(0);
        for r in &s.resources {
            writeln!(
                t,
                "  {:<w$}  {:<18}  {}",
                r.logical_id, r.status, r.physical_id
            )?;
        }
        writeln!(t, "\nLast collection run:")?;
        match &s.last_run {
            Some(r) => {
                writeln!(
                    t,
                    "  {} {} (started {}{})",
                    r.name,
                    r.status,
                    r.started,
                    r.stopped
                        .as_deref()
                        .map(|x| format!(", stopped {x}"))
                        .unwrap_or_default()
                )?;
            }
            None => {
                writeln!(t, "  none yet (start one with `infrapipe run`)")?;
            }
        }
        writeln!(t, "\nSchedule:")?;
        match &s.schedule {
            Some(sch) => {
                writeln!(t, "  {} {} {}", sch.name, sch.state, sch.expression)?;
                if let Some(n) = &s.next_run_estimate {
                    writeln!(t, "  next run about {n} (estimated from the last run)")?;
                }
            }
            None => {
                writeln!(t, "  not readable (see below)")?;
            }
        }
        if !s.alarms.is_empty() {
            writeln!(t, "\nAlarms:")?;
            for a in &s.alarms {
                let actions = if a.actions_enabled || a.state == "NOT_FOUND" {
                    ""
                } else {
                    "  (actions disabled)"
                };
                writeln!(t, "  {:<18} {}{actions}", a.state, a.name)?;
            }
        }
        write_subscriptions(t, &s.subscriptions)?;
        if !s.outputs.is_empty() {
            writeln!(t, "\nOutputs:")?;
            for (k, v) in &s.outputs {
                writeln!(t, "  {k} = {v}")?;
            }
        }
        if !s.unavailable.is_empty() {
            writeln!(t, "\nNot available:")?;
            for u in &s.unavailable {
                writeln!(t, "  {u}")?;
            }
        }
        Ok(())
    }
}
