//! What a destroy reports: the stack gone (or never there), the data kept or purged, or the
//! person's no; as a sentence and as the `--json` document.

use super::destroy::Retained;
use crate::console::Report;
use crate::error::Exit;
use serde::{Serialize, Serializer};

/// What --purge-data removed; false where it was already gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Purged {
    pub objects: u64,
    pub bucket: bool,
    pub table: bool,
    /// The on-demand backup taken of the table first (None with --no-backup).
    pub backup_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destroyed {
    /// There was no stack; with --purge-data, what was left of its data was removed.
    NotDeployed { purged: Option<(Retained, Purged)> },
    Destroyed {
        results_objects_deleted: u64,
        kept: Retained,
        purged: Option<Purged>,
    },
    /// The person said no (to the destroy, or to the purge of a stack already gone).
    Cancelled { purge: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestroyReport {
    pub stack: String,
    pub region: String,
    pub result: Destroyed,
}

impl Serialize for DestroyReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            stack: &'a str,
            region: &'a str,
            result: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            results_objects_deleted: Option<u64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            kept: Option<Vec<&'a str>>,
            /// Destroyed says `null` when nothing was purged; not-deployed leaves it out.
            #[serde(skip_serializing_if = "Option::is_none")]
            purged: Option<Option<Purged>>,
        }
        let mut doc = Document {
            stack: &self.stack,
            region: &self.region,
            result: "not_deployed",
            results_objects_deleted: None,
            kept: None,
            purged: None,
        };
        match &self.result {
            Destroyed::NotDeployed { purged } => {
                doc.purged = purged.as_ref().map(|(_, p)| Some(p.clone()));
            }
            Destroyed::Destroyed {
                results_objects_deleted,
                kept,
                purged,
            } => {
                doc.result = "destroyed";
                doc.results_objects_deleted = Some(*results_objects_deleted);
                doc.kept = Some(match purged {
                    Some(_) => Vec::new(),
                    None => vec![&kept.raw_bucket, &kept.table],
                });
                doc.purged = Some(purged.clone());
            }
            Destroyed::Cancelled { .. } => doc.result = "cancelled",
        }
        doc.serialize(s)
    }
}

fn purge_text(kept: &Retained, p: &Purged) -> String {
    let gone = |b: bool| if b { "deleted" } else { "was already gone" };
    let backup = match &p.backup_arn {
        Some(arn) => format!(" Backup of the table first: {arn}."),
        None => String::new(),
    };
    format!(
        "Purged the data: {} object versions deleted; bucket {} {}; table {} {}.{backup}",
        p.objects,
        kept.raw_bucket,
        gone(p.bucket),
        kept.table,
        gone(p.table)
    )
}

impl std::fmt::Display for DestroyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (stack, region) = (&self.stack, &self.region);
        match &self.result {
            Destroyed::NotDeployed { purged: None } => writeln!(
                f,
                "Nothing to destroy: stack {stack} does not exist in {region}. (Retained data, if any, stays; `--purge-data` removes it.)"
            ),
            Destroyed::NotDeployed {
                purged: Some((kept, p)),
            } => writeln!(
                f,
                "Stack {stack} is not deployed in {region}. {}",
                purge_text(kept, p)
            ),
            Destroyed::Destroyed { kept, purged, .. } => {
                writeln!(f, "Destroyed stack {stack} in {region}.")?;
                match purged {
                    Some(p) => writeln!(f, "{}", purge_text(kept, p)),
                    None => writeln!(
                        f,
                        "Kept (DeletionPolicy Retain): bucket {} and table {}. Remove them later with `infrapipe destroy --purge-data`.",
                        kept.raw_bucket, kept.table
                    ),
                }
            }
            Destroyed::Cancelled { purge: true } => {
                writeln!(f, "Purge cancelled. Nothing was changed.")
            }
            Destroyed::Cancelled { purge: false } => {
                writeln!(f, "Destroy cancelled. Nothing was changed.")
            }
        }
    }
}

impl Report for DestroyReport {
    fn what(&self) -> &'static str {
        "destroy result"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(!matches!(self.result, Destroyed::Cancelled { .. }))
    }

    fn text_on_err(&self) -> bool {
        matches!(self.result, Destroyed::Cancelled { .. })
    }
}

/// The destroy of every region asked for: one region's document alone, several as `regions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllDestroyed {
    pub reports: Vec<DestroyReport>,
}

impl Serialize for AllDestroyed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Regions<'a> {
            regions: &'a [DestroyReport],
        }
        match self.reports.as_slice() {
            [one] => one.serialize(s),
            all => Regions { regions: all }.serialize(s),
        }
    }
}

impl std::fmt::Display for AllDestroyed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.reports {
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl Report for AllDestroyed {
    fn what(&self) -> &'static str {
        "destroy result"
    }

    fn exit(&self) -> Exit {
        Exit::from_ok(self.reports.iter().all(|r| r.exit() == Exit::Success))
    }

    fn text_on_err(&self) -> bool {
        self.reports.iter().any(DestroyReport::text_on_err)
    }
}
