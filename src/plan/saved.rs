//! A plan saved with `plan --out FILE`, for `apply FILE`: the exact template, the stack it was
//! made against, and that stack's last change, so apply can refuse if the stack moved since.

use super::Plan;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub format: u32,
    pub infrapipe_version: String,
    pub stack: String,
    pub region: String,
    /// The deployed stack's id and last change when the plan was made (None: no stack).
    pub stack_id: Option<String>,
    pub last_change: Option<String>,
    /// SHA-256 of the deployed template when the plan was made (None: no stack); catches a
    /// change that left the stack's timestamps alone.
    pub deployed_template_sha256: Option<String>,
    pub template: serde_json::Value,
    pub plan: Plan,
    /// The monthly cost change the plan showed (absent in plans saved before it was shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::CostChange>,
}

/// SHA-256 of a template's canonical JSON (sorted keys, compact).
pub fn template_sha256(template: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(crate::cfn::canonical(template).to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl SavedPlan {
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(path, text + "\n")
    }

    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the plan file {}: {e}", path.display()))?;
        let saved: SavedPlan = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a plan saved by `infrapipe plan --out`: {e}",
                path.display()
            )
        })?;
        if saved.format != FORMAT {
            return Err(format!(
                "{} has plan format {}, this infrapipe reads format {FORMAT}; make the plan again",
                path.display(),
                saved.format
            ));
        }
        Ok(saved)
    }
}
