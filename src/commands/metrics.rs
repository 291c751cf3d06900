//! `infrapipe metrics`: the seed's DynamoDB access patterns. No flag: the latest value per
//! instance and type; `--instance ID`: one instance over a time range; `--type T`: one metric
//! type over a time range through MetricTypeIndex.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::MetricsArgs;
use crate::config::MetricType;
use crate::deploy::metrics::{self, Pattern};
use crate::error::{Error, Exit, Result};

fn metric_type(name: &str) -> Result<MetricType> {
    MetricType::ALL
        .into_iter()
        .find(|m| m.as_str() == name)
        .ok_or_else(|| {
            Error::Usage(format!(
                "--type {name:?} is not one of cpu, memory, disk, network"
            ))
        })
}

pub fn run(ctx: &Context, args: &MetricsArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let pipeline = super::build(config, &region)?;
    let metric = args.metric_type.as_deref().map(metric_type).transpose()?;
    let time = |s: &str| metrics::parse_time(s).map_err(Error::Usage);
    let to = match &args.to {
        Some(t) => time(t)?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64),
    };
    let from = match &args.from {
        Some(f) => time(f)?,
        None => to - 86_400,
    };
    let ranged = args.from.is_some() || args.to.is_some();
    let pattern = match (&args.instance, metric) {
        (Some(id), metric) => Pattern::Instance {
            id: id.clone(),
            from,
            to,
            metric,
        },
        (None, Some(metric)) => Pattern::Type { metric, from, to },
        (None, None) if ranged => {
            return Err(Error::Usage(
                "--from and --to need --instance or --type".into(),
            ));
        }
        (None, None) => Pattern::Latest(config.collectors.metrics.clone()),
    };
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        let report = metrics::read(&aws, &pipeline, &pattern, args.limit as usize).await?;
        ctx.report(&report)
    })
}
