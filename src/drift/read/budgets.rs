//! AWS Budgets: the budget's name, type, period, limit and cost filters. Budgets are
//! account-wide: the account comes from STS, the name from the template.

use super::{Problem, Read, id, problem};
use crate::aws::Aws;
use crate::drift::expected::Target;
use serde_json::{Map, Value, json};

pub async fn budget(aws: &Aws, t: &Target) -> Read {
    let name = id(t)?;
    let account = crate::aws::sts::account_id(aws)
        .await
        .map_err(|e| Problem::Unreadable(e.to_string()))?;
    let doing = format!("reading budget {name}");
    let out = aws
        .budgets()
        .describe_budget()
        .account_id(&account)
        .budget_name(name)
        .send()
        .await
        .map_err(|e| problem(aws, &doing, &["NotFoundException"], &e))?;
    let Some(b) = out.budget() else {
        return Err(Problem::Missing(format!("no budget named {name}")));
    };
    let mut budget = Map::new();
    budget.insert("BudgetName".into(), json!(b.budget_name()));
    budget.insert("BudgetType".into(), json!(b.budget_type().as_str()));
    budget.insert("TimeUnit".into(), json!(b.time_unit().as_str()));
    if let Some(limit) = b.budget_limit() {
        // The API returns the amount as text ("2.0"); the template has a number.
        let amount = limit
            .amount()
            .parse::<f64>()
            .map_or_else(|_| json!(limit.amount()), |a| json!(a));
        budget.insert(
            "BudgetLimit".into(),
            json!({ "Amount": amount, "Unit": limit.unit() }),
        );
    }
    // The template filters with CostFilters (the budget's documented tag filter), so drift
    // reads the same field, deprecated in the SDK in favour of FilterExpression.
    #[allow(deprecated)]
    let filters = b.cost_filters();
    if let Some(filters) = filters.filter(|f| !f.is_empty()) {
        let sorted: std::collections::BTreeMap<&String, &Vec<String>> = filters.iter().collect();
        budget.insert("CostFilters".into(), json!(sorted));
    }
    Ok(json!({ "Budget": Value::Object(budget) }))
}
