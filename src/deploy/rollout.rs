//! Rolling out to several regions: the canary alone first, then waves of at most N regions in
//! parallel, stopping the remaining waves once more regions failed than the tolerance allows.

use serde::Serialize;

/// The waves: the first region (the canary) alone, then the rest in groups of `max_concurrent`.
pub fn waves<T: Clone>(regions: &[T], max_concurrent: usize) -> Vec<Vec<T>> {
    let Some((canary, rest)) = regions.split_first() else {
        return Vec::new();
    };
    let mut waves = vec![vec![canary.clone()]];
    waves.extend(rest.chunks(max_concurrent.max(1)).map(<[T]>::to_vec));
    waves
}

/// How one region's rollout ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RegionResult {
    Updated {
        summary: String,
    },
    NoChanges,
    Failed {
        reason: String,
    },
    /// Never started: an earlier wave failed past the tolerance (or the canary failed).
    Cancelled {
        reason: String,
    },
    /// Ctrl-C while this region was being applied: CloudFormation goes on without us.
    Interrupted,
}

impl RegionResult {
    pub fn succeeded(&self) -> bool {
        matches!(self, RegionResult::Updated { .. } | RegionResult::NoChanges)
    }

    pub fn label(&self) -> String {
        match self {
            RegionResult::Updated { summary } => format!("updated ({summary})"),
            RegionResult::NoChanges => "no changes".into(),
            RegionResult::Failed { reason } => format!("failed: {reason}"),
            RegionResult::Cancelled { reason } => format!("cancelled: {reason}"),
            RegionResult::Interrupted => {
                "interrupted while applying: CloudFormation goes on; see `infrapipe status`".into()
            }
        }
    }
}

/// Whether the waves after this one go on: never after a failed canary, otherwise while the
/// failures so far are within the tolerance.
pub fn keep_going(
    wave_index: usize,
    failures_so_far: usize,
    tolerance: usize,
) -> Result<(), String> {
    if wave_index == 0 && failures_so_far > 0 {
        return Err("the canary region failed".into());
    }
    if failures_so_far > tolerance {
        return Err(format!(
            "{failures_so_far} region(s) failed, more than --failure-tolerance {tolerance}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_goes_alone_then_waves_of_max_concurrent() {
        assert_eq!(
            waves(&[1, 2, 3, 4, 5], 3),
            vec![vec![1], vec![2, 3, 4], vec![5]]
        );
    }

    #[test]
    fn a_failed_canary_stops_everything_whatever_the_tolerance() {
        assert!(keep_going(0, 1, 5).is_err());
    }

    #[test]
    fn later_failures_within_tolerance_go_on() {
        assert!(keep_going(1, 1, 1).is_ok());
        assert!(keep_going(1, 2, 1).is_err());
    }
}
