//! Glue databases and tables: columns, partition keys, SerDe, location and the partition
//! projection parameters.

use super::{Read, expected_str, problem, put};
use crate::aws::Aws;
use crate::drift::expected::Target;
use aws_sdk_glue::types::Column;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

const NOT_FOUND: &[&str] = &["EntityNotFoundException"];

fn params(p: Option<&HashMap<String, String>>) -> Option<Value> {
    p.filter(|p| !p.is_empty())
        .map(|p| json!(p.iter().collect::<BTreeMap<_, _>>()))
}

fn columns(c: &[Column]) -> Value {
    json!(
        c.iter()
            .map(|c| {
                let mut x = json!({ "Name": c.name(), "Type": c.r#type() });
                if let Some(comment) = c.comment() {
                    x["Comment"] = json!(comment);
                }
                x
            })
            .collect::<Vec<_>>()
    )
}

pub async fn database(aws: &Aws, t: &Target) -> Read {
    let name = super::id(t)?;
    let catalog = expected_str(t, &["CatalogId"])?;
    let out = aws
        .glue()
        .get_database()
        .catalog_id(catalog)
        .name(name)
        .send()
        .await
        .map_err(|e| problem(aws, &format!("reading Glue database {name}"), NOT_FOUND, &e))?;
    let Some(d) = out.database() else {
        return Err(super::Problem::Missing(format!("no Glue database {name}")));
    };
    let mut input = Map::new();
    input.insert("Name".into(), json!(d.name()));
    put(&mut input, "Description", d.description().map(|x| json!(x)));
    put(
        &mut input,
        "LocationUri",
        d.location_uri().map(|x| json!(x)),
    );
    put(&mut input, "Parameters", params(d.parameters()));
    Ok(json!({
        "CatalogId": d.catalog_id().unwrap_or(catalog),
        "DatabaseInput": input,
    }))
}

pub async fn table(aws: &Aws, t: &Target) -> Read {
    let name = super::id(t)?;
    let catalog = expected_str(t, &["CatalogId"])?;
    let database = expected_str(t, &["DatabaseName"])?;
    let out = aws
        .glue()
        .get_table()
        .catalog_id(catalog)
        .database_name(database)
        .name(name)
        .send()
        .await
        .map_err(|e| {
            problem(
                aws,
                &format!("reading Glue table {database}.{name}"),
                NOT_FOUND,
                &e,
            )
        })?;
    let Some(tb) = out.table() else {
        return Err(super::Problem::Missing(format!(
            "no Glue table {database}.{name}"
        )));
    };
    let mut input = Map::new();
    input.insert("Name".into(), json!(tb.name()));
    put(
        &mut input,
        "Description",
        tb.description().map(|x| json!(x)),
    );
    put(&mut input, "TableType", tb.table_type().map(|x| json!(x)));
    // A view (the one over JSON and Parquet) is its SQL: a hand edit there is drift too.
    put(
        &mut input,
        "ViewOriginalText",
        tb.view_original_text().map(|x| json!(x)),
    );
    put(
        &mut input,
        "ViewExpandedText",
        tb.view_expanded_text().map(|x| json!(x)),
    );
    put(&mut input, "Parameters", params(tb.parameters()));
    input.insert("PartitionKeys".into(), columns(tb.partition_keys()));
    put(
        &mut input,
        "StorageDescriptor",
        tb.storage_descriptor().map(|s| {
            let mut sd = Map::new();
            sd.insert("Columns".into(), columns(s.columns()));
            put(&mut sd, "Location", s.location().map(|x| json!(x)));
            put(&mut sd, "InputFormat", s.input_format().map(|x| json!(x)));
            put(&mut sd, "OutputFormat", s.output_format().map(|x| json!(x)));
            put(&mut sd, "Parameters", params(s.parameters()));
            put(
                &mut sd,
                "SerdeInfo",
                s.serde_info().map(|i| {
                    let mut x = Map::new();
                    put(
                        &mut x,
                        "SerializationLibrary",
                        i.serialization_library().map(|v| json!(v)),
                    );
                    put(&mut x, "Parameters", params(i.parameters()));
                    Value::Object(x)
                }),
            );
            Value::Object(sd)
        }),
    );
    Ok(json!({
        "CatalogId": tb.catalog_id().unwrap_or(catalog),
        "DatabaseName": tb.database_name().unwrap_or(database),
        "TableInput": input,
    }))
}
