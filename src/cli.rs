//! Command-line definitions (clap). Parsing only: no behaviour lives here.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "infrapipe",
    version,
    about = "Provision, plan, check and price one serverless AWS monitoring pipeline",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Config file
    #[arg(
        short = 'c',
        long = "config",
        global = true,
        default_value = "infrapipe.yaml"
    )]
    pub config: PathBuf,
    /// AWS profile (default: the SDK's credential chain)
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Region to act on (default: the config's first region)
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint (a local emulator such as moto)
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// Print one machine-readable JSON document on stdout instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Never colour the output (NO_COLOR is honoured too)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Give up on one AWS call after SECS, all its retries included (default 300)
    #[arg(long, global = true, value_name = "SECS", env = "INFRAPIPE_OPERATION_TIMEOUT",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub operation_timeout: Option<u64>,
    /// Logs on stderr: -v infrapipe's steps, -vv also each AWS call with its request id
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Global {
    /// Colour is allowed unless `--no-color` is given or `NO_COLOR` is set to anything but empty
    /// (<https://no-color.org>); callers also require a terminal.
    pub fn color_allowed(&self) -> bool {
        !self.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the config and the model; non-zero with a clear message on any problem
    Validate,
    /// Render the CloudFormation template(s)
    Synth(SynthArgs),
    /// Diff the rendered template against the deployed stack (every resource is new when none);
    /// resources that exist outside the stack (kept by destroy, or named in adopt:) show as imports
    Plan(PlanArgs),
    /// Report live resources that differ from the model (read through each service's own API)
    Drift(DriftArgs),
    /// Publish the code, create a change set, show it, ask, execute it and wait
    Apply(ApplyArgs),
    /// Delete the stack; the raw bucket and the table are kept unless --purge-data
    Destroy(DestroyArgs),
    /// Apply to several regions in waves: a canary first, then --max-concurrent at a time; with --accounts or --organizational-units,
    /// to many accounts through a CloudFormation StackSet
    Rollout(RolloutArgs),
    /// Stack state, resources, the last collection run, alarm states, the schedule
    Status(StatusArgs),
    /// Start one collection now and wait for it, reporting each branch
    Run(RunArgs),
    /// Monthly cost estimate, per service and per region, with --scale projections
    Cost(CostArgs),
    /// Write a commented infrapipe.yaml with the seed's defaults, and its JSON Schema beside it
    Init(InitArgs),
    /// Print the JSON Schema of infrapipe.yaml, for editors to complete and check it
    Schema,
    /// Draw the pipeline from the model: resources, data flow, and what each role may touch
    Graph(GraphArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (or write one per command with --out DIR)
    Man(ManArgs),
    /// Drain the dead-letter queues once the cause is fixed: start the missed executions, invoke
    /// the log processor again with the original S3 events
    Redrive(RedriveArgs),
    /// Print the minimal IAM policy (JSON) a person or CI needs: --for read or --for apply
    IamPolicy(IamPolicyArgs),
    /// Run a named query or --sql through Athena in the pipeline's workgroup: rows, bytes scanned, cost
    Query(QueryArgs),
    /// The seed's DynamoDB access patterns: latest per instance and type, one instance, one type
    Metrics(MetricsArgs),
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// Add columns for these multiples of the fleet, e.g. 1,10,100,1000
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub scale: Vec<u32>,
    /// Output format (--json is the same as --format json)
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub format: CostFormat,
    /// Price without the always-free tier
    #[arg(long)]
    pub no_free_tier: bool,
    /// Price the pipeline in every region that has a price file, as if deployed to all
    #[arg(long, conflicts_with = "region")]
    pub all_regions: bool,
    /// Prices for one region from this file (the format of the bundled ones, `region:` naming
    /// it): prices a region this build has no prices for, or replaces the bundled ones; repeatable
    #[arg(long, value_name = "FILE")]
    pub prices: Vec<PathBuf>,
    /// Compare with another config, line by line: only the lines that differ, and the totals
    #[arg(
        long,
        visible_alias = "against",
        value_name = "OTHER.yaml",
        conflicts_with = "scale"
    )]
    pub diff: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CostFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Apply exactly this saved plan (from `plan --out FILE`); refused if the stack changed since
    pub plan: Option<PathBuf>,
    /// Do not ask (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Allow a plan that replaces or deletes the raw bucket or the table
    #[arg(long)]
    pub allow_data_loss: bool,
    /// Print the plan at its full width (the IAM table, whole values), not fitted to the terminal
    #[arg(long)]
    pub wide: bool,
    /// Apply even when the monthly cost estimate rises above cost.max_monthly_usd
    #[arg(long)]
    pub allow_cost_increase: bool,
    /// Prices for one region from this file (as `cost --prices`), for the cost ceiling; repeatable
    #[arg(long, value_name = "FILE")]
    pub prices: Vec<PathBuf>,
    /// Also put back what was changed out of band, through a drift-aware change set
    /// (REVERT_DRIFT); shows first which drift it overwrites and which it cannot revert
    #[arg(long)]
    pub revert_drift: bool,
}

#[derive(Debug, Args)]
pub struct RolloutArgs {
    /// Regions to roll out to, canary first (default: the config's regions); for a stack set, the
    /// regions of every target account, in this order (RegionOrder)
    #[arg(long, value_delimiter = ',')]
    pub regions: Option<Vec<String>>,
    /// Single-account rollout only: REGIONS applied in parallel in each wave after the canary
    /// (stack sets: --max-concurrent-accounts, --region-concurrency)
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=32),
          conflicts_with_all = ["accounts", "organizational_units"])]
    pub max_concurrent: u16,
    /// Single-account rollout: failed REGIONS allowed before the remaining waves are cancelled.
    /// Stack sets (--accounts/--organizational-units): failed ACCOUNTS PER REGION allowed before
    /// CloudFormation stops the operation in that region (FailureToleranceCount)
    #[arg(long, default_value_t = 0)]
    pub failure_tolerance: usize,
    /// Do not ask (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Allow plans that replace or delete the raw bucket or the table
    #[arg(long)]
    pub allow_data_loss: bool,
    /// Roll out even when the monthly cost estimate rises above cost.max_monthly_usd
    #[arg(long)]
    pub allow_cost_increase: bool,
    /// Prices for one region from this file (as `cost --prices`), for the cost change; repeatable
    #[arg(long, value_name = "FILE")]
    pub prices: Vec<PathBuf>,
    /// Roll out through a self-managed CloudFormation StackSet to these accounts (12-digit ids),
    /// in every region of --regions; the set is named after the stack
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "ACCOUNT_IDS",
        conflicts_with = "organizational_units",
        help_heading = "Stack sets"
    )]
    pub accounts: Option<Vec<String>>,
    /// Roll out through a service-managed StackSet to every account of these organizational
    /// units (ou-xxxx-yyyyyyyy, or a root r-xxxx); needs StackSets' trusted access in Organizations
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "OU_IDS",
        help_heading = "Stack sets"
    )]
    pub organizational_units: Option<Vec<String>>,
    /// Service-managed: deploy to accounts that join the units later (operation preferences,
    /// canary and tolerance do NOT apply to those automatic deployments); an account that
    /// leaves keeps its stack and data (RetainStacksOnAccountRemoval)
    #[arg(long, value_enum, default_value_t = OnOff::On, requires = "organizational_units", help_heading = "Stack sets")]
    pub auto_deployment: OnOff,
    /// Service-managed: the organization id (o-...) whose accounts may read the Lambda code
    /// (aws:PrincipalOrgID in the artifact buckets' policy; default: the config's stack_set
    /// organization_id)
    #[arg(long, value_name = "O_ID", help_heading = "Stack sets")]
    pub organization_id: Option<String>,
    /// Self-managed: the administration role (default: the config's stack_set
    /// administration_role_arn, else this account's AWSCloudFormationStackSetAdministrationRole)
    #[arg(long, value_name = "ARN", help_heading = "Stack sets")]
    pub administration_role_arn: Option<String>,
    /// Self-managed: the execution role name in each target account (default: the config's
    /// stack_set execution_role_name, else AWSCloudFormationStackSetExecutionRole)
    #[arg(long, value_name = "NAME", help_heading = "Stack sets")]
    pub execution_role_name: Option<String>,
    /// Stack sets: the canary, its own first operation: `region` (every account in the first
    /// region) or `account` (the first account in every region; --accounts only)
    #[arg(long, value_enum, default_value_t = CanaryBy::Region, help_heading = "Stack sets")]
    pub canary: CanaryBy,
    /// Stack sets: ACCOUNTS PER REGION deployed at one time (MaxConcurrentCount; default:
    /// --failure-tolerance + 1, the most STRICT_FAILURE_TOLERANCE allows)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "max_concurrent_percent", help_heading = "Stack sets")]
    pub max_concurrent_accounts: Option<u32>,
    /// Stack sets: percent of the ACCOUNTS PER REGION deployed at one time (MaxConcurrentPercentage)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=100), help_heading = "Stack sets")]
    pub max_concurrent_percent: Option<u32>,
    /// Stack sets: percent of the ACCOUNTS PER REGION that may fail before the operation stops in
    /// that region (FailureTolerancePercentage; instead of --failure-tolerance)
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100), help_heading = "Stack sets")]
    pub failure_tolerance_percent: Option<u32>,
    /// Stack sets: `strict` (STRICT_FAILURE_TOLERANCE: at most tolerance + 1 accounts per region
    /// at a time) or `soft` (SOFT_FAILURE_TOLERANCE: concurrency as asked, whatever fails)
    #[arg(long, value_enum, default_value_t = ConcurrencyModeArg::Strict, help_heading = "Stack sets")]
    pub concurrency_mode: ConcurrencyModeArg,
    /// Stack sets: regions one after another in --regions order (`sequential`: a region past its
    /// tolerance stops the operation, later regions are not attempted) or all at once (`parallel`)
    #[arg(long, value_enum, default_value_t = RegionConcurrency::Sequential, help_heading = "Stack sets")]
    pub region_concurrency: RegionConcurrency,
    /// Stack sets: act as a delegated administrator of the organization (CallAs DELEGATED_ADMIN)
    #[arg(long, requires = "organizational_units", help_heading = "Stack sets")]
    pub delegated_admin: bool,
}

impl RolloutArgs {
    /// The rollout goes through a StackSet (to accounts or organizational units).
    pub fn stack_set(&self) -> bool {
        self.accounts.is_some() || self.organizational_units.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CanaryBy {
    Region,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConcurrencyModeArg {
    Strict,
    Soft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RegionConcurrency {
    Sequential,
    Parallel,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Do not ask (required when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Also delete the retained data (every version in the raw bucket, the bucket, the table),
    /// only if tagged as this pipeline's; asks you to type the stack name, or give it here
    /// (`--purge-data=<stack>`, required without a terminal)
    #[arg(long, value_name = "STACK", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub purge_data: Option<String>,
    /// With --purge-data: skip the on-demand DynamoDB backup taken before the table is deleted
    #[arg(long, requires = "purge_data")]
    pub no_backup: bool,
    /// Destroy the stack in every region the config names (one prompt for all)
    #[arg(long, conflicts_with = "region")]
    pub all_regions: bool,
    /// Instead of a stack, remove the artifact bucket (all versions) of a region where no stack
    /// of ours is left
    #[arg(long, conflicts_with = "purge_data")]
    pub artifacts: bool,
    /// Destroy the stack set named after the stack (administered from --region, or the config's
    /// first region) instead of a stack: its instances in every account and region, then the set;
    /// the data is kept (--purge-data is refused here: purge in each account afterwards)
    #[arg(long, conflicts_with_all = ["all_regions", "artifacts"])]
    pub stack_set: bool,
    /// With --stack-set: act as a delegated administrator of the organization (CallAs
    /// DELEGATED_ADMIN), for a service-managed set administered from a member account
    #[arg(long, requires = "stack_set")]
    pub delegated_admin: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Show every configured region, read concurrently
    #[arg(long, conflicts_with = "region")]
    pub all_regions: bool,
    /// The stack set named after the stack (administered from --region, or the config's first
    /// region): its state, last operation and every instance, instead of a stack
    #[arg(long, conflicts_with = "all_regions")]
    pub stack_set: bool,
    /// With --stack-set: act as a delegated administrator of the organization (CallAs
    /// DELEGATED_ADMIN), for a service-managed set administered from a member account
    #[arg(long, requires = "stack_set")]
    pub delegated_admin: bool,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Check every configured region, concurrently
    #[arg(long, conflicts_with = "region")]
    pub all_regions: bool,
    /// Exit 0 when in sync, 1 on error or when a resource could not be checked, 2 on drift
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Also run CloudFormation's own drift detection and merge its findings
    #[arg(long)]
    pub cloudformation: bool,
    /// Read one resource at a time (for measuring what concurrency saves)
    #[arg(long, hide = true)]
    pub sequential: bool,
    /// The stack set named after the stack (administered from --region, or the config's first
    /// region): CloudFormation's DetectStackSetDrift per instance, and infrapipe's own check of
    /// the instances in the caller's account
    #[arg(long, conflicts_with_all = ["all_regions", "sequential"])]
    pub stack_set: bool,
    /// With --stack-set: act as a delegated administrator of the organization (CallAs
    /// DELEGATED_ADMIN), for a service-managed set administered from a member account
    #[arg(long, requires = "stack_set")]
    pub delegated_admin: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Plan every configured region, concurrently
    #[arg(long, conflicts_with = "region")]
    pub all_regions: bool,
    /// Exit 0 when nothing would change, 1 on error, 2 when something would
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan (template, stack identity, the stack's last change) for `apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also show the full unified diff of the deployed and rendered templates
    #[arg(long)]
    pub template_diff: bool,
    /// Also create a CloudFormation change set, show CloudFormation's own view, then delete it
    #[arg(long)]
    pub change_set: bool,
    /// Print at full width (the IAM table, whole values), not fitted to the terminal
    #[arg(long)]
    pub wide: bool,
    /// Prices for one region from this file (as `cost --prices`), for the cost change; repeatable
    #[arg(long, value_name = "FILE")]
    pub prices: Vec<PathBuf>,
    /// The stack set named after the stack (administered from --region, or the config's first
    /// region): the template diff once, then which instances are outdated
    #[arg(long, conflicts_with_all = ["all_regions", "out", "change_set"])]
    pub stack_set: bool,
    /// With --stack-set: the accounts a rollout would target (shows the instances it would create)
    #[arg(
        long,
        value_delimiter = ',',
        requires = "stack_set",
        value_name = "ACCOUNT_ID"
    )]
    pub accounts: Vec<String>,
    /// With --stack-set: the regions a rollout would target (default with --accounts: the
    /// config's regions)
    #[arg(
        long,
        value_delimiter = ',',
        requires = "stack_set",
        value_name = "REGION"
    )]
    pub regions: Vec<String>,
    /// With --stack-set: act as a delegated administrator of the organization (CallAs
    /// DELEGATED_ADMIN), for a service-managed set administered from a member account
    #[arg(long, requires = "stack_set")]
    pub delegated_admin: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Stop waiting after this many seconds (exit 1, saying how to follow the run, which goes
    /// on); default: as long as every branch's retries can take
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,
    /// Start the run and return at once: print its execution ARN and console URL
    #[arg(long, conflicts_with = "timeout")]
    pub no_wait: bool,
    /// Run the compaction to Parquet now instead of a collection: yesterday, or --from/--to
    #[arg(long)]
    pub compaction: bool,
    /// First day to compact, YYYY-MM-DD (UTC)
    #[arg(long, requires = "compaction", value_name = "DAY")]
    pub from: Option<String>,
    /// Last day to compact, YYYY-MM-DD (default: --from, or yesterday)
    #[arg(long, requires = "compaction", value_name = "DAY")]
    pub to: Option<String>,
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Write one template per configured region into this directory
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to write infrapipe.yaml and infrapipe.schema.json into (created if missing)
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Diagram language
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Mermaid flowchart (renders on GitHub and GitLab)
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`)
    Dot,
}

#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// read: plan (without --change-set), drift, status, cost; apply: apply, destroy, run,
    /// rollout, redrive, plan --change-set
    #[arg(long = "for", value_enum)]
    pub for_: PolicyFor,
    /// The account to fill in (default: the credentials' own, asked of STS)
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub account: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyFor {
    Read,
    Apply,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write infrapipe.1 and one page per command into this directory instead of printing
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RedriveArgs {
    /// List the dead letters and what each would become; redrive and delete nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A named query of the pipeline (average-cpu-by-instance, peak-memory-trend, or one of analytics.named_queries)
    #[arg(required_unless_present = "sql", conflicts_with = "sql")]
    pub name: Option<String>,
    /// Ad-hoc SQL instead of a named query (the tables: infra_metrics_all, infra_metrics_parquet, infra_metrics)
    #[arg(long)]
    pub sql: Option<String>,
    /// How the rows are printed (--json prints one document instead)
    #[arg(long, value_enum, default_value_t = QueryFormat::Table)]
    pub format: QueryFormat,
    /// Every region at once: the central table (infra_metrics_all_regions) and workgroup in
    /// aggregation.region; rows tell regions apart by their own `region` column
    #[arg(long)]
    pub aggregated: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QueryFormat {
    /// Aligned columns, then rows, bytes scanned and cost
    Table,
    /// RFC 4180 CSV, a header line first
    Csv,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// One instance over a time range (the table's key)
    #[arg(long)]
    pub instance: Option<String>,
    /// One metric type: over a time range through MetricTypeIndex, or with --instance only that type
    #[arg(long = "type", value_name = "TYPE")]
    pub metric_type: Option<String>,
    /// Start of the range: RFC 3339 or epoch seconds (default: 24 hours before --to)
    #[arg(long)]
    pub from: Option<String>,
    /// End of the range: RFC 3339 or epoch seconds (default: now)
    #[arg(long)]
    pub to: Option<String>,
    /// Most items to read, page after page
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub limit: u32,
}
