//! What every command is handed, built once by `dispatch`: the global flags, the console, the
//! AWS options, and (loaded on first use, since init and schema need no config) the config and
//! the async runtime.

use crate::cli::Global;
use crate::config::{Config, Region};
use crate::console::{Console, Report};
use crate::error::{Error, Exit, Result};
use std::cell::OnceCell;

pub struct Context<'a, 'b> {
    pub global: &'a Global,
    pub console: &'a Console<'b>,
    pub aws: crate::aws::Options,
    config: OnceCell<Config>,
    runtime: OnceCell<tokio::runtime::Runtime>,
}

impl<'a, 'b> Context<'a, 'b> {
    pub fn new(global: &'a Global, console: &'a Console<'b>) -> Self {
        Self {
            global,
            console,
            aws: crate::aws::Options {
                profile: global.profile.clone(),
                endpoint_url: global.endpoint_url.clone(),
                operation_timeout: global.operation_timeout.map(std::time::Duration::from_secs),
                deploy_role_arn: None,
            },
            config: OnceCell::new(),
            runtime: OnceCell::new(),
        }
    }

    pub fn json(&self) -> bool {
        self.global.json
    }

    /// The config named by `-c`, read once.
    pub fn config(&self) -> Result<&Config> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let (loaded, warnings) = Config::load_with_warnings(&self.global.config)?;
        tracing::info!(path = %self.global.config.display(), "config read");
        for warning in &warnings {
            writeln!(self.console.err(), "warning: {warning}")?;
        }
        // Said once here, however many regions a command then renders.
        if let Some(warning) = super::render::budget_left_out(&loaded)? {
            writeln!(self.console.err(), "warning: {warning}")?;
        }
        Ok(self.config.get_or_init(|| loaded))
    }

    /// The runtime for the commands that call AWS, started once. Only they ask for it, so this
    /// is where their AWS settings are checked, once and before any request (a validate or
    /// synth never trips on an AWS_PROFILE it does not use).
    pub fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        if let Some(rt) = self.runtime.get() {
            return Ok(rt);
        }
        self.aws.check()?;
        crate::aws::slow::show_on_terminal(self.console.terminals.err);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        Ok(self.runtime.get_or_init(|| rt))
    }

    /// The AWS options with the config's `deploy_role_arn`: what every command that creates a
    /// change set or deletes a stack connects with.
    pub fn aws_options(&self) -> Result<crate::aws::Options> {
        let role = self.config()?.deploy_role_arn.as_ref();
        Ok(crate::aws::Options {
            deploy_role_arn: role.map(|r| r.as_str().to_owned()),
            ..self.aws.clone()
        })
    }

    /// Prints `report` as text or as its `--json` document; returns how the command exits.
    pub fn report<R: Report + ?Sized>(&self, report: &R) -> Result<Exit> {
        self.console.report(self.global.json, report)
    }

    /// Colour only on a terminal, never with NO_COLOR or --no-color; output as wide as the
    /// terminal (or `COLUMNS`, or 80).
    pub fn style(&self) -> crate::style::Style {
        super::style(self.global, self.console.terminals)
    }

    /// The regions a command acts on: `--region` (which must be configured) or all configured.
    pub fn target_regions(&self) -> Result<Vec<Region>> {
        let config = self.config()?;
        match &self.global.region {
            None => Ok(config.regions.clone()),
            Some(r) => {
                let region = Region::parse(r).map_err(|m| Error::Usage(format!("--region {m}")))?;
                if config.regions.contains(&region) {
                    Ok(vec![region])
                } else {
                    let listed: Vec<&str> = config.regions.iter().map(Region::as_str).collect();
                    Err(Error::Usage(format!(
                        "--region {region} is not in {}'s regions ({}); add it to `regions` first",
                        self.global.config.display(),
                        listed.join(", ")
                    )))
                }
            }
        }
    }

    /// The region a single-region command acts on: `--region` or the config's first.
    pub fn one_region(&self) -> Result<Region> {
        let regions = self.target_regions()?;
        regions
            .into_iter()
            .next()
            .ok_or_else(|| Error::Usage("the config lists no region".into()))
    }

    /// With `--all-regions`, every region of the config; otherwise the one region acted on.
    pub fn regions_to_check(&self, all_regions: bool) -> Result<Vec<Region>> {
        if all_regions {
            Ok(self.config()?.regions.clone())
        } else {
            Ok(vec![self.one_region()?])
        }
    }
}
