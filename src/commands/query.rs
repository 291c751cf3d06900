//! `infrapipe query NAME` / `infrapipe query --sql "..."`: runs it in the pipeline's workgroup,
//! shows progress on stderr, prints the rows, the bytes scanned and the cost. Ctrl-C stops the
//! query (StopQueryExecution) and exits 130.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::{QueryArgs, QueryFormat};
use crate::deploy::aggregation;
use crate::deploy::query::{self, Format};
use crate::error::{Error, Exit, Result};

pub fn run(ctx: &Context, args: &QueryArgs) -> Result<Exit> {
    let config = ctx.config()?;
    // --aggregated: the central table and workgroup, in the aggregation region.
    let region = match args.aggregated {
        true => aggregation::region(config)?,
        false => ctx.one_region()?,
    };
    let pipeline = super::build(config, &region)?;
    let central = match args.aggregated {
        true => Some(aggregation::central(&pipeline)?),
        false => None,
    };
    let sql = match (&args.name, &args.sql, central) {
        (_, Some(sql), _) => query::ad_hoc(sql),
        (Some(name), None, Some(c)) => aggregation::named(c, name)?,
        (Some(name), None, None) => query::named(&pipeline, name)?,
        (None, None, _) => return Err(Error::Usage("give a named query or --sql \"...\"".into())),
    };
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        let (id, workgroup) = match central {
            Some(c) => (aggregation::start(&aws, &pipeline, c, &sql).await?, &c.workgroup),
            None => (query::start(&aws, &pipeline, &sql).await?, &pipeline.analytics.workgroup),
        };
        writeln!(
            ctx.console.err(),
            "Started query {id} ({}) in workgroup {workgroup}; Ctrl-C stops it.",
            sql.label,
        )?;
        let mut last = String::new();
        let progress = |s: &crate::aws::athena::QueryState| {
            if s.state != last {
                last.clone_from(&s.state);
                let _ = writeln!(ctx.console.err(), "  {} ({} bytes scanned)", s.state, s.bytes_scanned);
            }
        };
        let mut report = tokio::select! {
            r = query::finish(&aws, &sql, &id, progress) => r?,
            _ = tokio::signal::ctrl_c() => {
                query::stop(&aws, &id).await?;
                return Err(Error::Interrupted {
                    goes_on: format!("Query {id} was stopped; Athena bills what it scanned until then."),
                });
            }
        };
        report.format = match args.format {
            QueryFormat::Table => Format::Table,
            QueryFormat::Csv => Format::Csv,
        };
        ctx.report(&report)
    })
}
