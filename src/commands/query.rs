//! `infrapipe query NAME` / `infrapipe query --sql "..."`: runs it in the pipeline's workgroup,
//! shows progress on stderr, prints the rows, the bytes scanned and the cost. Ctrl-C stops the
//! query (StopQueryExecution) and exits 130.

use super::context::Context;
use crate::aws::Aws;
use crate::cli::{QueryArgs, QueryFormat};
use crate::deploy::query::{self, Format};
use crate::error::{Error, Exit, Result};

pub fn run(ctx: &Context, args: &QueryArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let pipeline = super::build(config, &region)?;
    let sql = match (&args.name, &args.sql) {
        (_, Some(sql)) => query::ad_hoc(sql),
        (Some(name), None) => query::named(&pipeline, name)?,
        (None, None) => return Err(Error::Usage("give a named query or --sql \"...\"".into())),
    };
    ctx.runtime()?.block_on(async {
        let aws = Aws::connect(&ctx.aws, region.as_str()).await;
        let id = query::start(&aws, &pipeline, &sql).await?;
        writeln!(
            ctx.console.err(),
            "Started query {id} ({}) in workgroup {}; Ctrl-C stops it.",
            sql.label,
            pipeline.analytics.workgroup
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
