//! The template for a CloudFormation StackSet: one body for every account and region. The
//! single-region template names its region in the description, keeps the (account-wide) budget
//! in the first region's stack only, and reads the Lambda code from the stack's own account; here
//! the budget carries a Condition on `BudgetRegion`, the code's bucket comes from the
//! `CodeBucketAccount` parameter (the administering account), and nothing names a region.

use super::r#ref;
use crate::model::Pipeline;
use serde_json::{Value, json};

/// The parameter naming the account whose artifact bucket holds the Lambda code (empty: the
/// stack's own account, as for a single-account apply).
pub const CODE_BUCKET_ACCOUNT: &str = "CodeBucketAccount";
/// The parameter naming the one region whose instance holds the account's budget.
pub const BUDGET_REGION: &str = "BudgetRegion";
const HAS_CODE_BUCKET_ACCOUNT: &str = "HasCodeBucketAccount";
const IS_BUDGET_REGION: &str = "IsBudgetRegion";

/// The stack-set template of `p`, whose budget (if any) must already be present whatever its
/// region (`commands::render::stack_set_template` sees to that); `budget_region` is the
/// default of `BudgetRegion`.
pub fn render(p: &Pipeline, budget_region: &str) -> Value {
    let mut t = super::render(p);
    if let Some(d) = t["Description"].as_str() {
        let d = d.replace(&format!("({})", p.region), "(StackSet instance)");
        t["Description"] = json!(d);
    }
    t["Parameters"][CODE_BUCKET_ACCOUNT] = json!({
        "Type": "String",
        "Default": "",
        "AllowedPattern": "^([0-9]{12})?$",
        "Description": "Account whose artifact bucket (in each region) holds the Lambda code: the StackSet's administering account (empty: this stack's own account)",
    });
    t["Conditions"][HAS_CODE_BUCKET_ACCOUNT] =
        json!({ "Fn::Not": [{ "Fn::Equals": [r#ref(CODE_BUCKET_ACCOUNT), ""] }] });
    let mut budget_ids = Vec::new();
    if let Some(resources) = t["Resources"].as_object_mut() {
        for (id, r) in resources.iter_mut() {
            match r["Type"].as_str() {
                Some("AWS::Lambda::Function") => code_from_parameter(r),
                Some("AWS::Budgets::Budget") => {
                    r["Condition"] = json!(IS_BUDGET_REGION);
                    budget_ids.push(id.clone());
                }
                _ => {}
            }
        }
    }
    if !budget_ids.is_empty() {
        t["Parameters"][BUDGET_REGION] = json!({
            "Type": "String",
            "Default": budget_region,
            "Description": "The one region whose instance holds the account's monthly budget (budgets are account-wide)",
        });
        t["Conditions"][IS_BUDGET_REGION] =
            json!({ "Fn::Equals": [r#ref("AWS::Region"), r#ref(BUDGET_REGION)] });
        // An output that names the budget exists only where the budget does.
        if let Some(outputs) = t["Outputs"].as_object_mut() {
            for o in outputs.values_mut() {
                let text = o.to_string();
                if budget_ids
                    .iter()
                    .any(|id| text.contains(&format!("\"{id}\"")))
                {
                    o["Condition"] = json!(IS_BUDGET_REGION);
                }
            }
        }
    }
    t
}

/// `S3Bucket: infrapipe-assets-${AWS::AccountId}-${AWS::Region}` becomes the same name in the
/// `CodeBucketAccount` account when that parameter is set.
fn code_from_parameter(function: &mut Value) {
    let bucket = &mut function["Properties"]["Code"]["S3Bucket"];
    let Some(own) = bucket["Fn::Sub"].as_str() else {
        return;
    };
    let theirs = own.replace("${AWS::AccountId}", &format!("${{{CODE_BUCKET_ACCOUNT}}}"));
    *bucket = json!({ "Fn::If": [
        HAS_CODE_BUCKET_ACCOUNT,
        { "Fn::Sub": theirs },
        { "Fn::Sub": own },
    ] });
}
