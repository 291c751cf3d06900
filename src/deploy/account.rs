//! The right account: which account and region a change is about to go to, said before it
//! happens, and refused when the config's `allowed_account_ids` does not list the account.

use super::apply::{ApplyError, Refusal};
use crate::aws::{Aws, sts};
use crate::config::AccountId;
use std::fmt;

/// The account and region(s) a change goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub account: String,
    pub regions: Vec<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Changing AWS account {} in {}.",
            self.account,
            self.regions.join(", ")
        )
    }
}

/// Refuses an account the allow list does not name; an empty list allows any account.
pub fn check(account: &str, allowed: &[AccountId]) -> Result<(), Refusal> {
    if allowed.is_empty() || allowed.iter().any(|a| a.as_str() == account) {
        return Ok(());
    }
    let list: Vec<&str> = allowed.iter().map(AccountId::as_str).collect();
    Err(Refusal::OtherAccount {
        account: account.to_owned(),
        allowed: list.join(", "),
    })
}

/// Who the credentials belong to (one STS call, made with `aws`'s region), checked against the
/// allow list, for a change to `regions`. Nothing else is called before it.
pub async fn target(
    aws: &Aws,
    allowed: &[AccountId],
    regions: Vec<String>,
) -> Result<Target, ApplyError> {
    let account = sts::account_id(aws).await?;
    check(&account, allowed)?;
    Ok(Target { account, regions })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<AccountId> {
        list.iter()
            .filter_map(|s| AccountId::parse(s).ok())
            .collect()
    }

    #[test]
    fn an_empty_allow_list_allows_any_account() {
        assert_eq!(check("123456789012", &[]), Ok(()));
    }

    #[test]
    fn a_listed_account_is_allowed() {
        assert_eq!(
            check("123456789012", &ids(&["111111111111", "123456789012"])),
            Ok(())
        );
    }

    #[test]
    fn an_unlisted_account_is_refused_naming_it_and_the_list() {
        let err =
            check("123456789012", &ids(&["111111111111", "222222222222"])).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "these credentials are for AWS account 123456789012, which allowed_account_ids (111111111111, 222222222222) does not list; nothing was changed"
        );
    }
}
