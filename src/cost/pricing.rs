//! Usage times price: the free tier taken once for the whole account, tiers split into lines,
//! and each line's cost rounded once to a micro-dollar so that totals are exact sums.

use super::prices::{Pool, PriceBook, PriceKey, RegionPrices};
use super::report::Line;
use super::usage::Charge;
use std::collections::BTreeMap;

/// Prices each region's charges, in order; the free allowances are used up by the first region
/// first, then by the next (AWS applies them across regions; the order is ours, and stated).
pub fn price(
    regions: &[(&RegionPrices, Vec<Charge>)],
    book: &PriceBook,
    free_tier: bool,
) -> Vec<Line> {
    let mut left: BTreeMap<Pool, f64> = Pool::ALL
        .iter()
        .map(|&p| (p, if free_tier { book.allowance(p) } else { 0.0 }))
        .collect();
    let mut lines = Vec::new();
    for (prices, charges) in regions {
        // Tiers count a region's billable units across its lines of the same price.
        let mut used: BTreeMap<PriceKey, f64> = BTreeMap::new();
        for c in charges {
            // A charge the region's file has no price for is left to the report's note
            // (`unpriced`), never priced at a guess, and takes no free allowance.
            let Some(price) = prices.get(c.price) else {
                continue;
            };
            let free = match c.free.and_then(|p| left.get_mut(&p)) {
                Some(allowance) => {
                    let take = allowance.min(c.quantity).max(0.0);
                    *allowance -= take;
                    take
                }
                None => 0.0,
            };
            let billable = c.quantity - free;
            let offset = used.entry(c.price).or_insert(0.0);
            let segments = split(&price.bands(), *offset, billable);
            *offset += billable;
            let several = segments.len() > 1;
            for (i, seg) in segments.iter().enumerate() {
                let seg_free = if i == 0 { free } else { 0.0 };
                let item = if several {
                    format!("{} ({})", c.item, seg.label)
                } else {
                    c.item.clone()
                };
                lines.push(Line::new(
                    &prices.region,
                    c.service.name(),
                    item,
                    seg.quantity + seg_free,
                    seg_free,
                    price,
                    seg.usd,
                    c.per_instance,
                ));
            }
        }
    }
    lines
}

#[derive(Debug, Clone, PartialEq)]
struct Segment {
    quantity: f64,
    usd: f64,
    label: String,
}

/// The parts of `[offset, offset + quantity)` that fall in each price band; one segment (the
/// band at `offset`) when the quantity is zero or lies in one band.
fn split(bands: &[(f64, f64)], offset: f64, quantity: f64) -> Vec<Segment> {
    let mut out = Vec::new();
    for (i, &(from, usd)) in bands.iter().enumerate() {
        let to = bands.get(i + 1).map_or(f64::INFINITY, |b| b.0);
        let overlap = (offset + quantity).min(to) - offset.max(from);
        let label = if i == 0 {
            format!("first {}", group(to))
        } else {
            format!("from {}", group(from))
        };
        let starts_here = offset >= from && offset < to;
        if overlap > 0.0 || (quantity <= 0.0 && starts_here) {
            out.push(Segment {
                quantity: overlap.max(0.0),
                usd,
                label,
            });
        }
    }
    if out.is_empty() {
        let usd = bands.first().map_or(0.0, |b| b.1);
        out.push(Segment {
            quantity: 0.0,
            usd,
            label: String::new(),
        });
    }
    out
}

/// 10000 -> "10,000" (tier bounds are whole quantities).
fn group(n: f64) -> String {
    super::report::group_int(n.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: [(f64, f64); 2] = [(0.0, 0.30), (10_000.0, 0.10)];

    #[test]
    fn split_keeps_a_quantity_inside_one_band_whole() {
        let s = split(&METRICS, 0.0, 40.0);
        assert_eq!(
            s.iter().map(|x| (x.quantity, x.usd)).collect::<Vec<_>>(),
            vec![(40.0, 0.30)]
        );
    }

    #[test]
    fn split_cuts_a_quantity_at_the_tier_boundary() {
        let s = split(&METRICS, 9_000.0, 3_000.0);
        assert_eq!(
            s.iter().map(|x| (x.quantity, x.usd)).collect::<Vec<_>>(),
            vec![(1_000.0, 0.30), (2_000.0, 0.10)]
        );
    }

    #[test]
    fn split_prices_nothing_at_the_band_of_the_offset() {
        let s = split(&METRICS, 12_000.0, 0.0);
        assert_eq!(s[0].usd, 0.10);
    }

    #[test]
    fn group_separates_thousands() {
        assert_eq!(group(1_000_000.0), "1,000,000");
    }
}
