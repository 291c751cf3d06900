//! The cost of a change: the estimate of one side (what is deployed, or one config) against the
//! other, per region and in total, line by line, for `plan`, `apply`'s ceiling and `cost --diff`.
//! Both sides are priced by `estimate` with the same book and options; callers pass the same
//! `cost:` assumptions for both when only the pipeline changes (plan, apply).

use super::report::{Line, Report, group_int, money};
use super::{Options, PriceBook, estimate};
use crate::config::CostAssumptions;
use crate::model::Pipeline;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What one region holds on one side of a change.
pub enum Side {
    /// No stack (or the region is not in that config): nothing to pay for.
    Nothing,
    /// A stack whose configuration cannot be known; the reason says why and what to do.
    Unknown(String),
    Pipeline(Box<Pipeline>),
}

/// One region's two sides.
pub struct Sides {
    pub region: String,
    pub before: Side,
    /// What is being priced: a pipeline, or `Nothing` (the region is not in that config).
    /// Callers know it; an `Unknown` here would price as nothing.
    pub after: Side,
}

/// One region's monthly cost before and after; `None` where it cannot be known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegionCost {
    pub region: String,
    /// False when no price file covers the region: its figures are absent.
    pub priced: bool,
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub delta: Option<f64>,
    pub before_micros: Option<i64>,
    pub after_micros: Option<i64>,
    /// Why a figure is absent, and how to get it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One line of the estimate whose cost differs between the sides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChange {
    pub region: String,
    pub service: String,
    pub item: String,
    pub before: f64,
    pub after: f64,
    pub delta: f64,
    pub before_micros: i64,
    pub after_micros: i64,
    pub delta_micros: i64,
}

/// The ceiling (`cost.max_monthly_usd`) and what the change does to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingCheck {
    pub max_monthly_usd: f64,
    /// True when the change is refused (by `apply`) or warned of (by `plan`).
    pub exceeded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The monthly cost change of a whole pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostChange {
    pub currency: String,
    /// Total of the priced regions before the change; `None` when a region's is unknown.
    pub before: Option<f64>,
    pub after: f64,
    pub delta: Option<f64>,
    pub before_micros: Option<i64>,
    pub after_micros: i64,
    pub delta_micros: Option<i64>,
    /// The lines that change most, largest change first (at most `LEADING`).
    pub leading: Vec<LineChange>,
    /// Every line that changes, largest change first.
    pub lines: Vec<LineChange>,
    pub regions: Vec<RegionCost>,
    /// The assumptions both sides were priced with, in one sentence.
    pub assumptions: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<CeilingCheck>,
}

/// How many lines "led by" names in the JSON and the text.
pub const LEADING: usize = 3;

/// What to tell someone whose region has no prices.
pub const PRICE_IT: &str = "no price file for it; price it with --prices FILE";

/// A line's identity across the two sides: its region, service and item without the
/// parenthesised detail, which carries figures that may differ between the sides.
fn line_key(l: &Line) -> (String, String, String) {
    let stem = l.item.split(" (").next().unwrap_or(&l.item).to_owned();
    (l.region.clone(), l.service.to_owned(), stem)
}

/// The estimate of one side's priced pipelines, or an empty report when it has none.
fn side_report(
    assumed: &CostAssumptions,
    pipelines: Vec<Pipeline>,
    book: &PriceBook,
    options: &Options,
) -> Result<Option<Report>, String> {
    if pipelines.is_empty() {
        return Ok(None);
    }
    estimate(assumed, &pipelines, book, options).map(Some)
}

/// Prices both sides of every region (`before_assumed` and `after_assumed` are the `cost:`
/// sections each side is priced with) and compares them line by line.
pub fn change(
    before_assumed: &CostAssumptions,
    after_assumed: &CostAssumptions,
    regions: Vec<Sides>,
    book: &PriceBook,
    options: &Options,
) -> Result<CostChange, String> {
    let priced = |r: &str| book.region(r).is_ok();
    let mut before_pipes = Vec::new();
    let mut after_pipes = Vec::new();
    let mut unknown: BTreeMap<String, String> = BTreeMap::new();
    let mut fleet_from = None;
    let mut order = Vec::new();
    for s in regions {
        order.push(s.region.clone());
        if !priced(&s.region) {
            continue;
        }
        match s.before {
            Side::Pipeline(p) => before_pipes.push(*p),
            Side::Unknown(why) => {
                unknown.insert(s.region.clone(), why);
            }
            Side::Nothing => {}
        }
        if let Side::Pipeline(p) = s.after {
            fleet_from.get_or_insert_with(|| super::usage::fleet(after_assumed, &p.fleet));
            after_pipes.push(*p);
        }
    }
    let before = side_report(before_assumed, before_pipes, book, options)?;
    let after = side_report(after_assumed, after_pipes, book, options)?;
    let subtotal = |r: &Option<Report>, region: &str| {
        r.as_ref()
            .and_then(|r| r.subtotals.iter().find(|s| s.region == region))
            .map_or(0, |s| s.monthly_cost_micros)
    };
    let regions: Vec<RegionCost> = order
        .iter()
        .map(|region| {
            if !priced(region) {
                return RegionCost {
                    region: region.clone(),
                    priced: false,
                    before: None,
                    after: None,
                    delta: None,
                    before_micros: None,
                    after_micros: None,
                    note: Some(PRICE_IT.to_owned()),
                };
            }
            let b = (!unknown.contains_key(region)).then(|| subtotal(&before, region));
            let a = subtotal(&after, region);
            RegionCost {
                region: region.clone(),
                priced: true,
                before: b.map(super::report::dollars),
                after: Some(super::report::dollars(a)),
                delta: b.map(|b| super::report::dollars(a - b)),
                before_micros: b,
                after_micros: Some(a),
                note: unknown.get(region).cloned(),
            }
        })
        .collect();
    let after_micros: i64 = regions.iter().filter_map(|r| r.after_micros).sum();
    let before_micros: Option<i64> = if unknown.is_empty() {
        Some(regions.iter().filter_map(|r| r.before_micros).sum())
    } else {
        None
    };
    let lines = line_changes(before.as_ref(), after.as_ref(), &unknown);
    let (instances, from) = fleet_from.unwrap_or((0, "no region priced"));
    let prices: Vec<String> = after
        .as_ref()
        .or(before.as_ref())
        .map(|r| {
            r.prices
                .iter()
                .map(|p| format!("{} {}", p.region, p.checked))
                .collect()
        })
        .unwrap_or_default();
    let assumptions = format!(
        "Both sides priced with {} instance{} ({from}), {}, USD list prices ({}); `infrapipe cost` lists every assumption.",
        group_int(instances),
        if instances == 1 { "" } else { "s" },
        if options.free_tier {
            "the always-free tier once"
        } else {
            "no free tier"
        },
        if prices.is_empty() {
            "none".to_owned()
        } else {
            prices.join(", ")
        }
    );
    Ok(CostChange {
        currency: "USD".to_owned(),
        before: before_micros.map(super::report::dollars),
        after: super::report::dollars(after_micros),
        delta: before_micros.map(|b| super::report::dollars(after_micros - b)),
        before_micros,
        after_micros,
        delta_micros: before_micros.map(|b| after_micros - b),
        leading: lines.iter().take(LEADING).cloned().collect(),
        lines,
        regions,
        assumptions,
        ceiling: None,
    })
}

/// Every line whose cost differs, largest change first (then by region, service, item).
fn line_changes(
    before: Option<&Report>,
    after: Option<&Report>,
    unknown: &BTreeMap<String, String>,
) -> Vec<LineChange> {
    // key -> (shown item, before, after); the after side's wording wins.
    let mut by_key: BTreeMap<(String, String, String), (String, i64, i64)> = BTreeMap::new();
    for l in before.map(|r| r.lines.as_slice()).unwrap_or_default() {
        let e = by_key
            .entry(line_key(l))
            .or_insert_with(|| (l.item.clone(), 0, 0));
        e.1 += l.monthly_cost_micros;
    }
    for l in after.map(|r| r.lines.as_slice()).unwrap_or_default() {
        let e = by_key
            .entry(line_key(l))
            .or_insert_with(|| (l.item.clone(), 0, 0));
        e.0 = l.item.clone();
        e.2 += l.monthly_cost_micros;
    }
    let mut lines: Vec<LineChange> = by_key
        .into_iter()
        .filter(|((region, _, _), (_, b, a))| a != b && !unknown.contains_key(region))
        .map(|((region, service, _), (item, b, a))| LineChange {
            region,
            service,
            item,
            before: super::report::dollars(b),
            after: super::report::dollars(a),
            delta: super::report::dollars(a - b),
            before_micros: b,
            after_micros: a,
            delta_micros: a - b,
        })
        .collect();
    lines.sort_by(|x, y| {
        y.delta_micros
            .abs()
            .cmp(&x.delta_micros.abs())
            .then_with(|| (&x.region, &x.service, &x.item).cmp(&(&y.region, &y.service, &y.item)))
    });
    lines
}

/// "+$398.61", "-$0.12", "$0.00".
pub fn signed(micros: i64) -> String {
    if micros > 0 {
        format!("+{}", money(micros))
    } else {
        money(micros)
    }
}

impl CostChange {
    /// The refusal (or warning) for `cost.max_monthly_usd`: the estimate after is above the
    /// ceiling and above the estimate before (a change that lowers the cost always goes
    /// through), or a region cannot be priced while a ceiling is set.
    pub fn over_ceiling(&self, max_monthly_usd: f64) -> Option<String> {
        let ceiling = (max_monthly_usd * 1e6).round() as i64;
        if let Some(m) = self.unpriced(ceiling) {
            return Some(m);
        }
        let rises = self.before_micros.is_none_or(|b| self.after_micros > b);
        if self.after_micros <= ceiling || !rises {
            return None;
        }
        let before = match self.before_micros {
            Some(b) => format!("above {} before it", money(b)),
            None => "what is deployed cannot be priced".to_owned(),
        };
        Some(format!(
            "the monthly cost estimate after this change is {}, above cost.max_monthly_usd ({}) and {before}",
            money(self.after_micros),
            money(ceiling)
        ))
    }

    /// The config's own estimate (the after side alone) against its ceiling, for `validate`.
    pub fn estimate_over_ceiling(&self, max_monthly_usd: f64) -> Option<String> {
        let ceiling = (max_monthly_usd * 1e6).round() as i64;
        if let Some(m) = self.unpriced(ceiling) {
            return Some(m);
        }
        (self.after_micros > ceiling).then(|| {
            format!(
                "cost.max_monthly_usd: the monthly cost estimate of all regions is {}, above the ceiling of {}; lower the cost (`infrapipe cost` shows the lines) or raise the ceiling",
                money(self.after_micros),
                money(ceiling)
            )
        })
    }

    /// A ceiling cannot be checked while a region has no prices.
    fn unpriced(&self, ceiling: i64) -> Option<String> {
        let unpriced: Vec<&str> = self
            .regions
            .iter()
            .filter(|r| !r.priced)
            .map(|r| r.region.as_str())
            .collect();
        if !unpriced.is_empty() {
            return Some(format!(
                "cost.max_monthly_usd ({}) cannot be checked: {} {} not priced ({PRICE_IT})",
                money(ceiling),
                unpriced.join(", "),
                if unpriced.len() == 1 { "is" } else { "are" },
            ));
        }
        None
    }

    /// Records the ceiling's verdict in the change (for `plan`'s warning and its JSON).
    pub fn with_ceiling(mut self, max_monthly_usd: Option<f64>) -> Self {
        self.ceiling = max_monthly_usd.map(|max| {
            let message = self.over_ceiling(max);
            CeilingCheck {
                max_monthly_usd: max,
                exceeded: message.is_some(),
                message,
            }
        });
        self
    }

    fn lead_text(l: &LineChange) -> String {
        format!(
            "{} {}",
            l.service,
            l.item.split(" (").next().unwrap_or(&l.item)
        )
    }

    /// "Monthly cost: $0.68 -> $399.29 (+$398.61), led by CloudWatch custom metrics: per instance".
    pub fn headline(&self) -> String {
        let after = money(self.after_micros);
        match (self.before_micros, self.leading.first()) {
            (Some(b), _) if b == self.after_micros && self.lines.is_empty() => {
                format!("Monthly cost: {after} (no change)")
            }
            (Some(b), lead) => {
                let led = lead.map_or(String::new(), |l| {
                    format!(", led by {}", Self::lead_text(l))
                });
                format!(
                    "Monthly cost: {} -> {after} ({}){led}",
                    money(b),
                    signed(self.after_micros - b)
                )
            }
            (None, _) => format!("Monthly cost: unknown -> {after}"),
        }
    }
}

impl CostChange {
    /// The text of `Display`, each line wrapped to `width` when given (continuations indented
    /// under their line), as `plan` fits the terminal.
    pub fn render(&self, width: Option<usize>) -> String {
        let text = self.to_string();
        let Some(width) = width else { return text };
        let mut out = String::new();
        for line in text.lines() {
            let body = line.trim_start();
            let indent = line.len() - body.len();
            let first = " ".repeat(indent);
            let more = " ".repeat(indent + 4);
            let parts = crate::style::wrap(body, width.saturating_sub(indent + 4).max(20));
            for (i, part) in parts.iter().enumerate() {
                out.push_str(if i == 0 { &first } else { &more });
                out.push_str(part);
                out.push('\n');
            }
        }
        out
    }
}

/// `plan`'s lines: the headline, the leading lines, regions, what is not known, the assumptions
/// and the ceiling's warning.
impl fmt::Display for CostChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.headline())?;
        for l in &self.leading {
            writeln!(
                f,
                "  {:>12}  {} / {} / {} ({} -> {})",
                signed(l.delta_micros),
                l.region,
                l.service,
                l.item,
                money(l.before_micros),
                money(l.after_micros)
            )?;
        }
        let several = self.regions.len() > 1;
        for r in &self.regions {
            match (r.before_micros, r.after_micros) {
                _ if !r.priced => writeln!(f, "  {}: not priced ({PRICE_IT})", r.region)?,
                (Some(b), Some(a)) if several => writeln!(
                    f,
                    "  {}: {} -> {} ({})",
                    r.region,
                    money(b),
                    money(a),
                    signed(a - b)
                )?,
                (None, Some(a)) => writeln!(
                    f,
                    "  {}: unknown -> {} ({})",
                    r.region,
                    money(a),
                    r.note.as_deref().unwrap_or("not known")
                )?,
                _ => {}
            }
        }
        writeln!(f, "  {}", self.assumptions)?;
        if let Some(CeilingCheck {
            message: Some(m), ..
        }) = &self.ceiling
        {
            writeln!(
                f,
                "warning: {m}; `apply` refuses it unless --allow-cost-increase."
            )?;
        }
        Ok(())
    }
}

/// `cost --diff OTHER`: two configs side by side, only the lines that differ, and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostDiff {
    pub config: String,
    pub other: String,
    #[serde(flatten)]
    pub change: CostChange,
}

impl fmt::Display for CostDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.change;
        writeln!(
            f,
            "Monthly cost of {} against {}, lines that differ (each config priced with its own `cost:` section):\n",
            self.config, self.other
        )?;
        let mut rows = vec![vec![
            "Region / service / item".to_owned(),
            self.config.clone(),
            self.other.clone(),
            "Change".to_owned(),
        ]];
        for l in &c.lines {
            rows.push(vec![
                format!("{} / {} / {}", l.region, l.service, l.item),
                money(l.before_micros),
                money(l.after_micros),
                signed(l.delta_micros),
            ]);
        }
        if c.lines.is_empty() {
            rows.push(vec!["(no line differs)".to_owned()]);
        }
        rows.push(Vec::new());
        for r in &c.regions {
            rows.push(match (r.before_micros, r.after_micros) {
                (Some(b), Some(a)) => vec![
                    format!("Subtotal {}", r.region),
                    money(b),
                    money(a),
                    signed(a - b),
                ],
                _ => vec![format!("{}: not priced ({PRICE_IT})", r.region)],
            });
        }
        let before = c.before_micros.unwrap_or(0);
        rows.push(vec![
            "TOTAL".to_owned(),
            money(before),
            money(c.after_micros),
            signed(c.after_micros - before),
        ]);
        f.write_str(&super::report::table(&rows, &[false, true, true, true]))?;
        writeln!(
            f,
            "\nEach config is priced with its own `cost:` section; `infrapipe cost -c FILE` lists them."
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(before: Option<i64>, after: i64) -> CostChange {
        CostChange {
            currency: "USD".into(),
            before: before.map(super::super::report::dollars),
            after: super::super::report::dollars(after),
            delta: before.map(|b| super::super::report::dollars(after - b)),
            before_micros: before,
            after_micros: after,
            delta_micros: before.map(|b| after - b),
            leading: Vec::new(),
            lines: Vec::new(),
            regions: vec![RegionCost {
                region: "us-east-1".into(),
                priced: true,
                before: None,
                after: None,
                delta: None,
                before_micros: before,
                after_micros: Some(after),
                note: None,
            }],
            assumptions: String::new(),
            ceiling: None,
        }
    }

    #[test]
    fn a_rise_above_the_ceiling_is_refused_with_both_figures() {
        let message = change(Some(1_500_000), 398_900_000).over_ceiling(10.0);
        assert_eq!(
            message.as_deref(),
            Some(
                "the monthly cost estimate after this change is $398.90, above cost.max_monthly_usd ($10.00) and above $1.50 before it"
            )
        );
    }

    #[test]
    fn a_change_that_lowers_the_cost_is_never_refused() {
        assert_eq!(
            change(Some(398_900_000), 300_000_000).over_ceiling(10.0),
            None
        );
    }

    #[test]
    fn a_rise_that_stays_under_the_ceiling_passes() {
        assert_eq!(change(Some(1_500_000), 9_000_000).over_ceiling(10.0), None);
    }

    #[test]
    fn a_rise_from_an_unknown_deployment_above_the_ceiling_is_refused() {
        assert!(change(None, 11_000_000).over_ceiling(10.0).is_some());
    }

    #[test]
    fn a_region_without_prices_blocks_only_when_a_ceiling_is_set() {
        let mut c = change(Some(0), 0);
        c.regions[0].priced = false;
        let c = c.with_ceiling(None);
        assert!(
            c.ceiling.is_none()
                && c.with_ceiling(Some(10.0))
                    .ceiling
                    .is_some_and(|v| v.exceeded)
        );
    }

    #[test]
    fn the_headline_names_the_line_that_changes_most() {
        let mut c = change(Some(680_000), 399_290_000);
        c.leading = vec![LineChange {
            region: "us-east-1".into(),
            service: "CloudWatch".into(),
            item: "custom metrics: per instance (4 x instances x 243 of 730 hours)".into(),
            before: 0.0,
            after: 398.4,
            delta: 398.4,
            before_micros: 0,
            after_micros: 398_400_000,
            delta_micros: 398_400_000,
        }];
        c.lines = c.leading.clone();
        assert_eq!(
            c.headline(),
            "Monthly cost: $0.68 -> $399.29 (+$398.61), led by CloudWatch custom metrics: per instance"
        );
    }
}
