//! The SDK clients the suite checks and sweeps with (never the code under test), each call
//! blocking on the suite's own runtime so steps read top to bottom.

use super::target::Target;
use anyhow::{Context, Result};
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::future::Future;

pub struct Clients {
    rt: tokio::runtime::Runtime,
    pub config: SdkConfig,
    emulator: bool,
}

impl Clients {
    pub fn new(target: &Target) -> Clients {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => panic!("the suite's tokio runtime did not start: {e}"),
        };
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(target.region().to_owned()));
        if let Some(endpoint) = target.endpoint() {
            // Fake credentials: against an emulator nothing may ever use a real identity.
            loader = loader.endpoint_url(endpoint).credentials_provider(
                aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "acc"),
            );
        }
        let config = rt.block_on(loader.load());
        Clients {
            rt,
            config,
            emulator: target.is_emulator(),
        }
    }

    pub fn block<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::new(&self.config)
    }
    pub fn s3(&self) -> aws_sdk_s3::Client {
        // An overridden endpoint needs path-style addressing (no `<bucket>.127.0.0.1`).
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.emulator)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }
    pub fn lambda(&self) -> aws_sdk_lambda::Client {
        aws_sdk_lambda::Client::new(&self.config)
    }
    pub fn sfn(&self) -> aws_sdk_sfn::Client {
        aws_sdk_sfn::Client::new(&self.config)
    }
    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }
    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }
    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.config)
    }
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }

    pub fn account_id(&self) -> Result<String> {
        let id = self
            .block(
                aws_sdk_sts::Client::new(&self.config)
                    .get_caller_identity()
                    .send(),
            )
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}",
                    aws_smithy_types::error::display::DisplayErrorContext(e)
                )
            })
            .context("asking STS which account the credentials belong to")?;
        Ok(id.account().unwrap_or_default().to_owned())
    }

    /// (logical id, type, physical id) of each resource of `stack`.
    pub fn stack_resources(&self, stack: &str) -> Result<Vec<(String, String, String)>> {
        let cf = self.cloudformation();
        let mut out = Vec::new();
        let mut pages = cf
            .list_stack_resources()
            .stack_name(stack)
            .into_paginator()
            .send();
        while let Some(page) = self.block(pages.next()) {
            let page = page
                .map_err(plain)
                .with_context(|| format!("listing the resources of {stack}"))?;
            for r in page.stack_resource_summaries() {
                out.push((
                    r.logical_resource_id().unwrap_or_default().to_owned(),
                    r.resource_type().unwrap_or_default().to_owned(),
                    r.physical_resource_id().unwrap_or_default().to_owned(),
                ));
            }
        }
        Ok(out)
    }

    /// The physical id of the one resource of `stack` with this logical id.
    pub fn physical_id(&self, stack: &str, logical_id: &str) -> Result<String> {
        self.stack_resources(stack)?
            .into_iter()
            .find(|(l, _, p)| l == logical_id && !p.is_empty())
            .map(|(_, _, p)| p)
            .with_context(|| format!("stack {stack} has no deployed {logical_id}"))
    }
}

/// An SDK error with its code and message (its Display alone says only "service error").
pub fn plain<E: std::error::Error + Send + Sync + 'static>(e: E) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        aws_smithy_types::error::display::DisplayErrorContext(e)
    )
}
