//! The region list in `src/config/partitions.rs` is the SDK's partition metadata: every region of
//! every partition, with its partition and each partition's region prefixes. Checked against the
//! JSON the locked aws-sdk-sts embeds, whenever its sources are on this machine.

use infrapipe::config::partitions::{PREFIXES, REGIONS};
use infrapipe::config::{Config, Region};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `endpoint_lib.rs` of the aws-sdk-sts version Cargo.lock pins, in the cargo registry.
fn sdk_endpoint_lib() -> Option<PathBuf> {
    let lock = std::fs::read_to_string("Cargo.lock").ok()?;
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"aws-sdk-sts\""))?
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))?
        .trim_end_matches('"')
        .to_owned();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let registry = home.join("registry").join("src");
    std::fs::read_dir(registry).ok()?.find_map(|index| {
        let file = index
            .ok()?
            .path()
            .join(format!("aws-sdk-sts-{version}"))
            .join("src")
            .join("endpoint_lib.rs");
        file.is_file().then_some(file)
    })
}

/// The partitions JSON inside `new_from_json(b"...")`, unescaped.
fn partitions_json(source: &str) -> Option<serde_json::Value> {
    let start = source.find("new_from_json(b\"")? + "new_from_json(b\"".len();
    let mut json = String::new();
    let mut chars = source[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => json.push(chars.next()?),
            '"' => break,
            c => json.push(c),
        }
    }
    serde_json::from_str(&json).ok()
}

/// (name, partition) pairs: regions, or region prefixes.
type ByPartition = BTreeSet<(String, String)>;

/// (region, partition) pairs and (prefix, partition) pairs the metadata implies.
fn from_metadata(doc: &serde_json::Value) -> (ByPartition, ByPartition) {
    let mut regions = BTreeSet::new();
    let mut prefixes = BTreeSet::new();
    for p in doc["partitions"].as_array().into_iter().flatten() {
        let id = p["id"].as_str().unwrap_or_default().to_owned();
        for r in p["regions"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(r, _)| r)
        {
            if !r.ends_with("-global") {
                regions.insert((r.clone(), id.clone()));
            }
        }
        // `^(us|eu)\-\w+\-\d+$` or `^us\-gov\-\w+\-\d+$`: the heads, and any fixed words after.
        let regex = p["regionRegex"].as_str().unwrap_or_default();
        let body = regex
            .trim_start_matches('^')
            .trim_end_matches("\\-\\w+\\-\\d+$")
            .replace("\\-", "-");
        let (heads, tail) = match body.strip_prefix('(') {
            Some(rest) => rest.split_once(')').unwrap_or((rest, "")),
            None => body
                .split_once('-')
                .map_or((body.as_str(), ""), |(h, _)| (h, &body[h.len()..])),
        };
        let tail = tail.replace(['(', ')'], "");
        for head in heads.split('|') {
            prefixes.insert((format!("{head}{tail}-"), id.clone()));
        }
    }
    (regions, prefixes)
}

#[test]
fn the_region_list_is_the_sdk_partition_metadata() {
    let Some(file) = sdk_endpoint_lib() else {
        eprintln!("skipped: the locked aws-sdk-sts sources are not in the cargo registry here");
        return;
    };
    let source = std::fs::read_to_string(&file).expect("read endpoint_lib.rs");
    let doc = partitions_json(&source).expect("partitions JSON in endpoint_lib.rs");
    let (regions, prefixes) = from_metadata(&doc);
    let ours: ByPartition = REGIONS
        .iter()
        .map(|(r, p)| ((*r).to_owned(), (*p).to_owned()))
        .collect();
    let lines: Vec<String> = regions
        .iter()
        .map(|(r, p)| format!("    (\"{r}\", \"{p}\"),"))
        .collect();
    assert_eq!(
        ours,
        regions,
        "src/config/partitions.rs REGIONS differs from {}; the list should read:\n{}",
        file.display(),
        lines.join("\n")
    );
    let our_prefixes: ByPartition = PREFIXES
        .iter()
        .map(|(r, p)| ((*r).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(
        our_prefixes, prefixes,
        "PREFIXES differs from the regionRegex of each partition"
    );
}

#[test]
fn the_region_list_is_sorted_for_binary_search() {
    assert!(REGIONS.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn prefixes_are_tried_longest_first() {
    assert!(PREFIXES.windows(2).all(|w| w[0].0.len() >= w[1].0.len()));
}

#[test]
fn china_and_govcloud_regions_get_their_partitions_in_arns() {
    let yaml = "name: infra-monitoring\nenvironment: prod\nregions: [cn-north-1, us-gov-west-1]\nnotifications:\n  emails: [ops@example.com]\n";
    let config = Config::parse(yaml, Path::new("t.yaml")).expect("valid");
    let partitions: Vec<&str> = config.regions.iter().map(Region::partition).collect();
    assert_eq!(partitions, ["aws-cn", "aws-us-gov"]);
    assert_eq!(infrapipe::model::names::partition("cn-north-1"), "aws-cn");
}
