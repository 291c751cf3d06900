//! The cost report: one type, shown as an Infracost-like table (`Display`), as markdown, or as
//! one JSON document (`Serialize`). Money is held in integer micro-dollars.

use super::prices::Price;
use serde::{Serialize, Serializer};
use std::fmt::{self, Write as _};

/// One priced line: usage, price and cost of one item in one region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub region: String,
    pub service: &'static str,
    pub item: String,
    /// Monthly usage in `unit`, the free part included.
    pub quantity: f64,
    pub unit: String,
    /// USD for one `unit`.
    pub unit_price: f64,
    /// USD a month: (quantity - free_quantity) x unit_price, rounded once to the micro-dollar.
    pub monthly_cost: f64,
    pub monthly_cost_micros: i64,
    pub free_quantity: f64,
    /// The price as the price file states it ("$0.20 per 1M requests").
    pub price: String,
    pub price_source: String,
    /// Exactly proportional to the fleet size.
    pub per_instance: bool,
    /// False when the price could not be confirmed on AWS's live page (the price file says so).
    pub confirmed: bool,
}

impl Line {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        region: &str,
        service: &'static str,
        item: String,
        quantity: f64,
        free_quantity: f64,
        price: &Price,
        usd: f64,
        per_instance: bool,
    ) -> Self {
        let unit_price = price.unit_price(usd);
        let micros = ((quantity - free_quantity) * unit_price * 1e6).round() as i64;
        Self {
            region: region.to_owned(),
            service,
            item,
            quantity,
            unit: price.unit.clone(),
            unit_price,
            monthly_cost: dollars(micros),
            monthly_cost_micros: micros,
            free_quantity,
            price: price.describe(usd),
            price_source: price.source.clone(),
            per_instance,
            confirmed: price.confirmed,
        }
    }

    /// "us-east-1 / S3 / PUT requests": the line's identity across scales.
    pub fn key(&self) -> String {
        format!("{} / {} / {}", self.region, self.service, self.item)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subtotal {
    pub region: String,
    pub monthly_cost: f64,
    pub monthly_cost_micros: i64,
}

/// One assumption: its config key (or the model's name for a derived figure), value and meaning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assumption {
    #[serde(skip)]
    pub key: String,
    pub value: serde_json::Value,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceFile {
    pub region: String,
    pub name: String,
    pub checked: String,
    /// The file given with `--prices`; absent for the bundled prices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Follows the price of a line priced with an unconfirmed figure; the footnote explains it.
const UNCONFIRMED: &str = "*";

/// Under the table when a line is marked `UNCONFIRMED`.
const UNCONFIRMED_NOTE: &str = "price not confirmed on AWS's live price page on the date the price file was checked; recheck before budgeting.";

/// The report at one multiple of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleColumn {
    pub multiple: u32,
    pub instances: u64,
    pub total_monthly_cost: f64,
    pub total_monthly_cost_micros: i64,
    pub dominant_line: Option<ScaleLine>,
    pub lines: Vec<ScaleLine>,
    /// The month's queries (first region) as billed on the Parquet, and as they would be billed
    /// had they read the raw JSON (what compaction saves; not part of the total).
    pub query_scans: QueryScans,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryScans {
    pub on_parquet_micros: i64,
    pub on_json_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleLine {
    pub region: String,
    pub service: &'static str,
    pub item: String,
    pub monthly_cost: f64,
    pub monthly_cost_micros: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub currency: &'static str,
    pub stack: String,
    pub instances: u64,
    pub free_tier_applied: bool,
    pub lines: Vec<Line>,
    pub subtotals: Vec<Subtotal>,
    pub total_monthly_cost: f64,
    pub total_monthly_cost_micros: i64,
    #[serde(serialize_with = "as_map")]
    pub assumptions: Vec<Assumption>,
    /// Figures derived from the model of the first region.
    #[serde(serialize_with = "as_map")]
    pub derived: Vec<Assumption>,
    pub notes: Vec<String>,
    pub prices: Vec<PriceFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scale: Vec<ScaleColumn>,
}

fn as_map<S: Serializer>(items: &[Assumption], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(items.len()))?;
    for a in items {
        map.serialize_entry(&a.key, a)?;
    }
    map.end()
}

/// Micro-dollars as dollars (exact to the micro-dollar in its shortest decimal form).
pub fn dollars(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// "$0.0048", "$1.51", "$0.00": every digit that is not zero, and at least two decimals.
pub fn money(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let cents = format!("{:06}", m % 1_000_000);
    let fraction = cents.trim_end_matches('0');
    let fraction = format!("{fraction:0<2}");
    format!("{sign}${}.{fraction}", group_int(m / 1_000_000))
}

/// 1234567 -> "1,234,567".
pub(super) fn group_int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A quantity for people: thousands grouped, two decimals at most from 1 up, four significant
/// digits below 1.
pub fn quantity(q: f64) -> String {
    if q == 0.0 {
        return "0".into();
    }
    if q.abs() >= 1.0 {
        let rounded = (q * 100.0).round() / 100.0;
        let int = rounded.trunc() as u64;
        let frac = format!("{:.2}", rounded.fract().abs());
        let frac = frac.trim_start_matches('0').trim_end_matches('0');
        let frac = if frac == "." { "" } else { frac };
        format!("{}{frac}", group_int(int))
    } else {
        let digits = (3 - q.abs().log10().floor() as i32).clamp(0, 12) as usize;
        let s = format!("{q:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            s
        }
    }
}

impl Report {
    /// The line that costs most (the first of equals), if any costs anything.
    pub fn dominant(lines: &[ScaleLine]) -> Option<ScaleLine> {
        lines
            .iter()
            .filter(|l| l.monthly_cost_micros > 0)
            .fold(None::<&ScaleLine>, |best, l| match best {
                Some(b) if b.monthly_cost_micros >= l.monthly_cost_micros => Some(b),
                _ => Some(l),
            })
            .cloned()
    }

    fn header(&self) -> String {
        let checked: Vec<String> = self
            .prices
            .iter()
            .map(|p| match &p.file {
                Some(file) => format!("{} {} from {file}", p.region, p.checked),
                None => format!("{} {}", p.region, p.checked),
            })
            .collect();
        format!(
            "Monthly cost of {} with {} instance{}, {}; USD list prices ({}).",
            self.stack,
            self.instances,
            if self.instances == 1 { "" } else { "s" },
            if self.free_tier_applied {
                "always-free tier applied once for the account"
            } else {
                "no free tier"
            },
            checked.join(", ")
        )
    }

    fn rows(&self) -> Vec<[String; 7]> {
        self.lines
            .iter()
            .map(|l| {
                [
                    l.region.clone(),
                    l.service.to_owned(),
                    l.item.clone(),
                    quantity(l.quantity),
                    l.unit.clone(),
                    marked_price(l),
                    money(l.monthly_cost_micros),
                ]
            })
            .collect()
    }

    /// The same report as GitHub-flavoured markdown.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{}\n", self.header());
        s.push_str(
            "| region | service | item | monthly qty | unit | price | free | monthly cost |\n",
        );
        s.push_str("|---|---|---|--:|---|---|--:|--:|\n");
        for (row, l) in self.rows().iter().zip(&self.lines) {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                row[0],
                row[1],
                row[2].replace('|', "\\|"),
                row[3],
                row[4],
                row[5].replace(UNCONFIRMED, "\\*"),
                quantity(l.free_quantity),
                row[6]
            );
        }
        for t in &self.subtotals {
            let _ = writeln!(
                s,
                "| **{}** | | **subtotal** | | | | | **{}** |",
                t.region,
                money(t.monthly_cost_micros)
            );
        }
        let _ = writeln!(
            s,
            "| **total** | | | | | | | **{}** |",
            money(self.total_monthly_cost_micros)
        );
        if self.any_unconfirmed() {
            let _ = writeln!(s, "\n\\{UNCONFIRMED} {UNCONFIRMED_NOTE}");
        }
        if !self.scale.is_empty() {
            s.push_str("\n### Fleet scale\n\n| line |");
            for c in &self.scale {
                let _ = write!(s, " x{} ({}) |", c.multiple, fleet_text(c.instances));
            }
            s.push_str("\n|---|");
            s.push_str(&"--:|".repeat(self.scale.len()));
            s.push('\n');
            for (key, costs) in self.scale_rows() {
                let _ = write!(s, "| {key} |");
                for c in costs {
                    let _ = write!(s, " {} |", money(c));
                }
                s.push('\n');
            }
            s.push_str("| **total** |");
            for c in &self.scale {
                let _ = write!(s, " **{}** |", money(c.total_monthly_cost_micros));
            }
            s.push_str("\n| **dominant line** |");
            for c in &self.scale {
                let _ = write!(s, " {} |", dominant_text(c));
            }
            s.push('\n');
        }
        s.push_str("\n### Assumptions\n\n");
        for a in &self.assumptions {
            let _ = writeln!(s, "- `cost.{}` = {}: {}", a.key, a.value, a.meaning);
        }
        s.push_str("\n### Derived from the model\n\n");
        for a in &self.derived {
            let _ = writeln!(s, "- {} = {}: {}", a.key, a.value, a.meaning);
        }
        s.push_str("\n### Notes\n\n");
        for n in &self.notes {
            let _ = writeln!(s, "- {n}");
        }
        s
    }

    fn any_unconfirmed(&self) -> bool {
        self.lines.iter().any(|l| !l.confirmed)
    }

    /// Each line's cost at every scale, by line, in first-seen order.
    fn scale_rows(&self) -> Vec<(String, Vec<i64>)> {
        let mut keys: Vec<String> = Vec::new();
        for c in &self.scale {
            for l in &c.lines {
                let k = format!("{} / {} / {}", l.region, l.service, l.item);
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        keys.into_iter()
            .map(|k| {
                let costs = self
                    .scale
                    .iter()
                    .map(|c| {
                        c.lines
                            .iter()
                            .find(|l| format!("{} / {} / {}", l.region, l.service, l.item) == k)
                            .map_or(0, |l| l.monthly_cost_micros)
                    })
                    .collect();
                (k, costs)
            })
            .filter(|(_, costs): &(String, Vec<i64>)| costs.iter().any(|&c| c != 0))
            .collect()
    }
}

/// The line's price, followed by the marker when it is not confirmed.
fn marked_price(l: &Line) -> String {
    if l.confirmed {
        l.price.clone()
    } else {
        format!("{} {UNCONFIRMED}", l.price)
    }
}

/// "1 instance", "30 instances".
fn fleet_text(n: u64) -> String {
    format!("{} instance{}", group_int(n), if n == 1 { "" } else { "s" })
}

fn dominant_text(c: &ScaleColumn) -> String {
    match &c.dominant_line {
        Some(d) => {
            let share = if c.total_monthly_cost_micros > 0 {
                100.0 * d.monthly_cost_micros as f64 / c.total_monthly_cost_micros as f64
            } else {
                0.0
            };
            format!("{} / {} ({share:.0} %)", d.service, d.item)
        }
        None => "none (all free)".into(),
    }
}

/// Left-aligned text columns and right-aligned numbers, two spaces apart.
pub(super) fn table(rows: &[Vec<String>], right: &[bool]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            let w = widths[i];
            if i > 0 {
                line.push_str("  ");
            }
            if right.get(i).copied().unwrap_or(false) {
                let _ = write!(line, "{cell:>w$}");
            } else {
                let _ = write!(line, "{cell:<w$}");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}\n", self.header())?;
        let mut rows = vec![vec![
            "Service / item".to_owned(),
            "Monthly qty".to_owned(),
            "Unit".to_owned(),
            "Price".to_owned(),
            "Free".to_owned(),
            "Monthly cost".to_owned(),
        ]];
        let mut region = "";
        let mut service = "";
        for l in &self.lines {
            if l.region != region {
                if !region.is_empty() {
                    rows.push(subtotal_row(&self.subtotals, region));
                    rows.push(Vec::new());
                }
                region = &l.region;
                service = "";
                rows.push(vec![region.to_owned()]);
            }
            if l.service != service {
                service = l.service;
                rows.push(vec![format!("  {service}")]);
            }
            rows.push(vec![
                format!("    {}", l.item),
                quantity(l.quantity),
                l.unit.clone(),
                marked_price(l),
                if l.free_quantity > 0.0 {
                    quantity(l.free_quantity)
                } else {
                    String::new()
                },
                money(l.monthly_cost_micros),
            ]);
        }
        if !region.is_empty() {
            rows.push(subtotal_row(&self.subtotals, region));
        }
        rows.push(Vec::new());
        rows.push(vec![
            "OVERALL TOTAL".to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            money(self.total_monthly_cost_micros),
        ]);
        let right = [false, true, false, false, true, true];
        f.write_str(&table(&rows, &right))?;
        if self.any_unconfirmed() {
            writeln!(f, "\n{UNCONFIRMED} {UNCONFIRMED_NOTE}")?;
        }

        if !self.scale.is_empty() {
            writeln!(
                f,
                "\nFleet scale (monthly cost at multiples of {})",
                fleet_text(self.instances)
            )?;
            let mut head = vec!["Line".to_owned()];
            head.extend(
                self.scale
                    .iter()
                    .map(|c| format!("x{} ({})", c.multiple, c.instances)),
            );
            let mut rows = vec![head];
            for (key, costs) in self.scale_rows() {
                let mut r = vec![key];
                r.extend(costs.into_iter().map(money));
                rows.push(r);
            }
            let mut total = vec!["Total".to_owned()];
            total.extend(
                self.scale
                    .iter()
                    .map(|c| money(c.total_monthly_cost_micros)),
            );
            rows.push(total);
            let mut right = vec![false];
            right.extend(std::iter::repeat_n(true, self.scale.len()));
            f.write_str(&table(&rows, &right))?;
            writeln!(f, "Dominant line:")?;
            for c in &self.scale {
                writeln!(f, "  x{:<6} {}", c.multiple, dominant_text(c))?;
            }
            writeln!(
                f,
                "Athena queries, on Parquet against on the raw JSON (not in the total):"
            )?;
            for c in &self.scale {
                writeln!(
                    f,
                    "  x{:<6} {} against {}",
                    c.multiple,
                    money(c.query_scans.on_parquet_micros),
                    money(c.query_scans.on_json_micros)
                )?;
            }
        }

        writeln!(f, "\nAssumptions (config `cost:`; defaults unless set):")?;
        for a in &self.assumptions {
            writeln!(f, "  {} = {}: {}", a.key, a.value, a.meaning)?;
        }
        writeln!(f, "\nDerived from the model:")?;
        for a in &self.derived {
            writeln!(f, "  {} = {}: {}", a.key, a.value, a.meaning)?;
        }
        writeln!(f, "\nNotes:")?;
        for n in &self.notes {
            writeln!(f, "  - {n}")?;
        }
        Ok(())
    }
}

fn subtotal_row(subtotals: &[Subtotal], region: &str) -> Vec<String> {
    let cost = subtotals
        .iter()
        .find(|s| s.region == region)
        .map_or(0, |s| s.monthly_cost_micros);
    vec![
        format!("  Subtotal {region}"),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        money(cost),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_shows_every_nonzero_micro_dollar() {
        assert_eq!(money(4_800), "$0.0048");
    }

    #[test]
    fn money_keeps_two_decimals() {
        assert_eq!(money(1_510_000), "$1.51");
    }

    #[test]
    fn money_groups_thousands() {
        assert_eq!(money(1_234_567_890), "$1,234.56789");
    }

    #[test]
    fn quantity_rounds_to_two_decimals_from_one_up() {
        assert_eq!(quantity(243.333_333), "243.33");
    }

    #[test]
    fn quantity_keeps_four_significant_digits_below_one() {
        assert_eq!(quantity(0.001_862_645_149), "0.001863");
    }
}
