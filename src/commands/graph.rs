//! `infrapipe graph`: the pipeline of one region as a Mermaid or DOT diagram, from the model.

use super::context::Context;
use crate::cli::{GraphArgs, GraphFormat};
use crate::console::Report;
use crate::error::{Exit, Result};
use crate::graph::Graph;
use serde::Serialize;

/// The diagram, and with `--json` the graph it was drawn from.
#[derive(Serialize)]
struct Drawn {
    stack: String,
    region: String,
    format: &'static str,
    diagram: String,
    graph: Graph,
}

impl std::fmt::Display for Drawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagram)
    }
}

impl Report for Drawn {
    fn what(&self) -> &'static str {
        "graph"
    }
}

pub fn run(ctx: &Context, args: &GraphArgs) -> Result<Exit> {
    let config = ctx.config()?;
    let region = ctx.one_region()?;
    let graph = Graph::of(&super::model(config, &region)?);
    let (format, diagram) = match args.format {
        GraphFormat::Mermaid => ("mermaid", graph.mermaid()),
        GraphFormat::Dot => ("dot", graph.dot()),
    };
    tracing::debug!(
        format,
        links = graph.links.len(),
        region = region.as_str(),
        "drew the pipeline"
    );
    ctx.report(&Drawn {
        stack: config.stack_name(),
        region: region.to_string(),
        format,
        diagram,
        graph,
    })
}
