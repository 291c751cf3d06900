//! `infrapipe graph`: the pipeline of one region as a Mermaid or DOT diagram, from the model.

use crate::cli::{Global, GraphArgs, GraphFormat};
use crate::config::Config;
use crate::error::Result;
use crate::graph::Graph;
use serde_json::json;
use std::io::Write;

pub fn run(global: &Global, args: &GraphArgs, out: &mut dyn Write) -> Result<i32> {
    let config = Config::load(&global.config)?;
    let region = super::one_region(global, &config)?;
    let graph = Graph::of(&super::build(&config, &region)?);
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
    if global.json {
        let doc = json!({
            "stack": config.stack_name(),
            "region": region.as_str(),
            "format": format,
            "diagram": diagram,
            "graph": graph,
        });
        writeln!(out, "{doc}")?;
    } else {
        write!(out, "{diagram}")?;
    }
    Ok(0)
}
