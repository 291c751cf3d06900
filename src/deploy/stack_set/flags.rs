//! What a stack-set rollout is asked to do, checked before any request: account ids (12 digits),
//! organizational unit ids (AWS's documented pattern), and operation preferences that
//! CloudFormation would refuse (in STRICT_FAILURE_TOLERANCE, concurrency is at most tolerance + 1).

use crate::aws::stack_sets::{Amount, Preferences, Targets};

/// Which slice of the targets goes first, alone, as its own operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Canary {
    /// Every target account in the first region (the default: as `rollout` without accounts).
    Region,
    /// The first listed account in every region (`--accounts` only).
    Account,
}

/// A stack-set rollout's targets and preferences, valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    pub targets: Targets,
    /// Rollout order: the canary region first.
    pub regions: Vec<String>,
    pub canary: Canary,
    pub failure_tolerance: Amount,
    pub max_concurrent: Amount,
    pub strict: bool,
    pub sequential: bool,
}

impl Flags {
    /// The operation preferences for an operation over `regions` (in rollout order).
    pub fn preferences(&self, regions: &[String]) -> Preferences {
        Preferences {
            sequential: self.sequential,
            region_order: regions.to_vec(),
            failure_tolerance: self.failure_tolerance,
            max_concurrent: self.max_concurrent,
            strict: self.strict,
        }
    }

    /// The listed accounts (empty for organizational units).
    pub fn accounts(&self) -> &[String] {
        match &self.targets {
            Targets::Accounts(a) => a,
            Targets::OrganizationalUnits(_) => &[],
        }
    }
}

/// `--accounts`: each a 12-digit AWS account id, no duplicates.
pub fn account_ids(list: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let a = raw.trim();
        if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "--accounts: item {} ({a:?}) is not an AWS account id (12 digits, such as 111111111111)",
                i + 1
            ));
        }
        if out.iter().any(|o| o == a) {
            return Err(format!("--accounts: {a} is listed twice"));
        }
        out.push(a.to_owned());
    }
    if out.is_empty() {
        return Err("--accounts lists no account".into());
    }
    Ok(out)
}

/// `--organizational-units`: each `ou-<4-32>-<8-32>` (lowercase letters and digits) or an
/// organization root `r-<4-32>`, the pattern of DeploymentTargets.OrganizationalUnitIds.
pub fn ou_ids(list: &[String]) -> Result<Vec<String>, String> {
    fn part(s: &str, min: usize, max: usize) -> bool {
        (min..=max).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let id = raw.trim();
        let ok = match id.strip_prefix("ou-") {
            Some(rest) => rest
                .split_once('-')
                .is_some_and(|(root, ou)| part(root, 4, 32) && part(ou, 8, 32)),
            None => id.strip_prefix("r-").is_some_and(|r| part(r, 4, 32)),
        };
        if !ok {
            return Err(format!(
                "--organizational-units: item {} ({id:?}) is not an organizational unit id (ou- then 4-32 and 8-32 lowercase letters or digits joined by -, such as ou-ab12-cd34ef56; or a root, r-ab12)",
                i + 1
            ));
        }
        if !out.iter().any(|o| o == id) {
            out.push(id.to_owned());
        }
    }
    if out.is_empty() {
        return Err("--organizational-units lists no unit".into());
    }
    Ok(out)
}

/// The rule CloudFormation applies in STRICT_FAILURE_TOLERANCE (the default mode): at most
/// tolerance + 1 accounts per region at a time. Said before any request, with the way out.
pub fn check_concurrency(
    failure_tolerance: Amount,
    max_concurrent: Amount,
    strict: bool,
) -> Result<(), String> {
    if let Amount::Percent(p) = failure_tolerance
        && p > 100
    {
        return Err(format!(
            "--failure-tolerance-percent must be 0 to 100 (got {p})"
        ));
    }
    match max_concurrent {
        Amount::Percent(p) if !(1..=100).contains(&p) => {
            return Err(format!(
                "--max-concurrent-percent must be 1 to 100 (got {p})"
            ));
        }
        Amount::Count(0) => return Err("--max-concurrent-accounts must be at least 1".into()),
        _ => {}
    }
    if let (true, Amount::Count(tolerance), Amount::Count(max)) =
        (strict, failure_tolerance, max_concurrent)
        && max > tolerance + 1
    {
        return Err(format!(
            "--max-concurrent-accounts {max} with --failure-tolerance {tolerance}: in STRICT_FAILURE_TOLERANCE mode (the default) CloudFormation runs at most failure tolerance + 1 = {} accounts per region at a time. Lower --max-concurrent-accounts to {}, raise --failure-tolerance to {}, or pass --concurrency-mode soft to decouple them",
            tolerance + 1,
            tolerance + 1,
            max - 1
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_id_must_be_twelve_digits_and_the_message_says_which_item() {
        let e = account_ids(&["111111111111".into(), "22222222222".into()])
            .err()
            .unwrap_or_default();
        assert!(e.contains("item 2") && e.contains("12 digits"), "{e}");
    }

    #[test]
    fn ou_ids_follow_the_documented_pattern() {
        assert!(ou_ids(&["ou-ab12-cd34ef56".into(), "r-ab12".into()]).is_ok());
        assert!(ou_ids(&["ou-AB12-cd34ef56".into()]).is_err());
        assert!(ou_ids(&["ou-ab1-cd34ef56".into()]).is_err());
        assert!(ou_ids(&["ab12-cd34ef56".into()]).is_err());
    }

    #[test]
    fn strict_mode_refuses_concurrency_above_tolerance_plus_one() {
        let e = check_concurrency(Amount::Count(0), Amount::Count(3), true)
            .err()
            .unwrap_or_default();
        assert!(
            e.contains("at most failure tolerance + 1 = 1") && e.contains("soft"),
            "{e}"
        );
    }

    #[test]
    fn soft_mode_decouples_concurrency_from_tolerance() {
        assert!(check_concurrency(Amount::Count(0), Amount::Count(3), false).is_ok());
    }

    #[test]
    fn strict_mode_allows_exactly_tolerance_plus_one() {
        assert!(check_concurrency(Amount::Count(1), Amount::Count(2), true).is_ok());
    }
}
