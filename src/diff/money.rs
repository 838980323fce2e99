//! Money terms in force for a product (the compiler's choice: the
//! product's own term of a kind replaces the general one), compared by
//! value, and the probe timelines that make a late fee or a liability cap
//! show in a scenario.

use super::probe::ProbeEvent;
use super::rules::{change, section, Ctx, R};
use super::scenario::{distinguish, Distinction, Focus};
use super::{Change, ChangeKind, Side, READING};
use crate::ast::Modality;
use crate::compile::applicable_money;
use crate::model::Product;
use crate::model::{Agreement, LateFeeStart, MoneyKindM, MoneyM, RatePeriod, Rounding, Unit};
use crate::vocab::Billing;
use rust_decimal::Decimal;

/// The four kinds of money term, in report order.
pub const KINDS: [&str; 4] = ["late fee", "liability cap", "refund", "refund window"];

/// The money terms of `product` by kind (see [`KINDS`]).
pub fn terms<'a>(a: &'a Agreement, product: &str) -> [Option<&'a MoneyM>; 4] {
    match a.product(product) {
        Some(p) => applicable_money(a.general.as_ref(), p, None),
        None => [None; 4],
    }
}

/// The terms about what an end refunds (`refund`, `no_refund`) in force for
/// `product`, in deciding order as compiled: the product's, then the
/// general terms'; the first about an end decides it.
fn refund_terms<'a>(a: &'a Agreement, product: &'a Product) -> Vec<&'a MoneyM> {
    product
        .money
        .iter()
        .chain(a.general.iter().flat_map(|g| g.money.iter()))
        .filter(|m| {
            matches!(
                m.kind,
                MoneyKindM::Refund { .. } | MoneyKindM::NoRefund { .. }
            )
        })
        .collect()
}

/// The causes a refund term is about (none: any end).
fn causes(m: &MoneyM) -> &[String] {
    match &m.kind {
        MoneyKindM::Refund { causes, .. } | MoneyKindM::NoRefund { causes } => causes,
        _ => &[],
    }
}

/// The term that decides what an end caused by `cause` refunds (`None`: an
/// end no term names, decided by a term about any end).
fn deciding<'a>(terms: &[&'a MoneyM], cause: Option<&str>) -> Option<&'a MoneyM> {
    terms.iter().copied().find(|m| {
        let on = causes(m);
        on.is_empty() || cause.is_some_and(|c| on.iter().any(|x| x == c))
    })
}

/// What a refund term refunds, its causes aside (they are compared per
/// cause): `unused prepaid, by month`, `no refund`.
fn refund_value(m: &MoneyM) -> String {
    let mut bare = m.clone();
    if let MoneyKindM::Refund { causes, .. } | MoneyKindM::NoRefund { causes } = &mut bare.kind {
        causes.clear();
    }
    describe(&bare)
}

/// Per end cause named by either version (then any other end): the term
/// that decides the refund in each version, where they differ by value.
/// `refund` alone when neither version names a cause.
#[allow(clippy::type_complexity)]
fn refund_changes<'a>(
    old: &[&'a MoneyM],
    new: &[&'a MoneyM],
) -> Vec<(
    String,
    Option<String>,
    Option<&'a MoneyM>,
    Option<&'a MoneyM>,
)> {
    let mut named: Vec<&str> = old
        .iter()
        .chain(new)
        .flat_map(|m| causes(m).iter().map(String::as_str))
        .collect();
    named.sort_unstable();
    named.dedup();
    let other = if named.is_empty() {
        "refund".to_string()
    } else {
        "refund on any other end".to_string()
    };
    named
        .iter()
        .map(|c| (format!("refund on {c}"), Some(*c)))
        .chain(std::iter::once((other, None)))
        .filter_map(|(label, cause)| {
            let (o, n) = (deciding(old, cause), deciding(new, cause));
            let same = match (o, n) {
                (None, None) => true,
                (Some(x), Some(y)) => refund_value(x) == refund_value(y),
                _ => false,
            };
            (!same).then_some((label, cause.map(str::to_string), o, n))
        })
        .collect()
}

/// Same value (citations and quotes aside).
pub fn same(a: Option<&MoneyM>, b: Option<&MoneyM>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.kind == y.kind && x.modality == y.modality,
        _ => false,
    }
}

fn unit_text(count: u32, u: Unit) -> String {
    match u {
        Unit::Minutes => format!("{count}min"),
        Unit::Hours => format!("{count}h"),
        Unit::Days => format!("{count}d"),
        Unit::CalendarDays => format!("{count} calendar days"),
        Unit::Workdays => format!("{count} workdays"),
        Unit::Months => format!("{count} months"),
        Unit::CalendarMonths => format!("{count} calendar months"),
    }
}

/// The term in words, e.g. `may 0.05% per day from arrears`.
pub fn describe(m: &MoneyM) -> String {
    let modality = match m.modality {
        Modality::May => "may ",
        _ => "",
    };
    match &m.kind {
        MoneyKindM::LateFee {
            rate,
            per,
            from,
            rounding,
        } => {
            let pct = (rate * Decimal::from(100)).normalize();
            let per = match per {
                RatePeriod::Hour => "hour",
                RatePeriod::Day => "day",
                RatePeriod::Month => "month",
            };
            let from = match from {
                LateFeeStart::Arrears => "arrears",
                LateFeeStart::NextDay => "next_day",
            };
            let rounding = match rounding {
                Rounding::HalfUp => "",
                Rounding::Down => ", rounding down",
            };
            format!("{modality}{pct}% per {per} from {from}{rounding}")
        }
        MoneyKindM::LiabilityCapMonths { months } => {
            format!("fees paid {months} months before the breach")
        }
        MoneyKindM::LiabilityCapService => "fees of the breached service".into(),
        MoneyKindM::LiabilityCapAmount { amount, currency } => format!("{amount} {currency}"),
        MoneyKindM::Refund {
            by_month,
            part_month_by_day,
            causes,
        } => {
            let what = match (by_month, part_month_by_day) {
                (true, true) => "unused prepaid, by month, part month by day",
                (true, false) => "unused prepaid, by month",
                _ => "unused prepaid",
            };
            format!("{what}{}", on_causes(causes))
        }
        MoneyKindM::NoRefund { causes } => format!("no refund{}", on_causes(causes)),
        MoneyKindM::RefundWindow { duration, from, .. } => {
            format!("{} from {from}", unit_text(duration.count, duration.unit))
        }
    }
}

/// A probe timeline for a money kind, and the instants to look at; `None`
/// when no scenario can observe the kind (refunds are probed per cause by
/// [`refund_probe`]; refund windows and
/// a late fee's modality change no evaluated value).
pub fn probe(kind: usize, t0: i64) -> Option<(Vec<ProbeEvent>, Vec<i64>)> {
    let hour = 3_600;
    let day = 86_400;
    match kind {
        0 => Some((
            vec![ProbeEvent {
                at: t0,
                event: "arrears".into(),
                amount: Some(Decimal::new(10_000, 2)),
                until: None,
            }],
            vec![
                t0 + hour,
                t0 + 14 * hour,
                t0 + day,
                t0 + day + 14 * hour,
                t0 + 10 * day,
                t0 + 30 * day,
            ],
        )),
        1 => {
            // Payments whose sums tell every window apart: 1, 2, 4, … CNY paid
            // 1 day, 2, 4, 7, 13, 25 and 61 months (about) before the breach.
            let mut events = Vec::new();
            let back_days = [1i64, 61, 122, 213, 396, 761, 1_856];
            for (i, d) in back_days.iter().enumerate().rev() {
                events.push(ProbeEvent {
                    at: t0 - d * day,
                    event: "payment".into(),
                    amount: Some(Decimal::new(100 << i, 2)),
                    until: None,
                });
            }
            events.push(ProbeEvent {
                at: t0,
                event: "outage_start".into(),
                amount: None,
                until: None,
            });
            Some((events, vec![t0 + hour]))
        }
        _ => None,
    }
}

/// The refund probe for an end caused by `cause` (`None`: any other end,
/// the built-in `termination`): a year of 1200.00 CNY bought 31 days
/// before the end, then the end at `t0`; the refund is looked at an hour
/// later.
fn refund_probe(cause: Option<&str>, t0: i64) -> (Vec<ProbeEvent>, Vec<i64>) {
    let day = 86_400;
    (
        vec![
            ProbeEvent {
                at: t0 - 31 * day,
                event: "purchase".into(),
                amount: Some(Decimal::new(120_000, 2)),
                until: Some(t0 + 334 * day),
            },
            ProbeEvent {
                at: t0,
                event: cause.unwrap_or("termination").to_string(),
                amount: None,
                until: None,
            },
        ],
        vec![t0 + 3_600],
    )
}

/// Money terms that differ between the versions, each with a scenario when
/// an evaluated amount tells them apart.
pub(super) fn changes(ctx: &Ctx, po: &Product, pn: &Product) -> R<Vec<Change>> {
    let (to, tn) = (terms(ctx.old, &po.id), terms(ctx.new, &pn.id));
    let mut out = Vec::new();
    let common: Vec<Billing> = po
        .billing
        .iter()
        .copied()
        .filter(|b| pn.billing.contains(b))
        .collect();
    // (kind, label, old term, new term, probe): one per kind, refunds per
    // cause
    type Differing<'a> = (
        usize,
        String,
        Option<&'a MoneyM>,
        Option<&'a MoneyM>,
        Option<(Vec<ProbeEvent>, Vec<i64>)>,
    );
    let mut differing: Vec<Differing> = Vec::new();
    for k in 0..4 {
        if k == 2 {
            let (ro, rn) = (refund_terms(ctx.old, po), refund_terms(ctx.new, pn));
            for (label, cause, o, n) in refund_changes(&ro, &rn) {
                let probe = refund_probe(cause.as_deref(), ctx.t0);
                differing.push((k, label, o, n, Some(probe)));
            }
        } else if !same(to[k], tn[k]) {
            differing.push((k, KINDS[k].to_string(), to[k], tn[k], probe(k, ctx.t0)));
        }
    }
    for (k, label, old_term, new_term, probe) in differing {
        let value = |m: &MoneyM| if k == 2 { refund_value(m) } else { describe(m) };
        let side = |m: Option<&crate::model::MoneyM>, label: &str, p: &Product| Side {
            what: m.map_or_else(|| "none".to_string(), value),
            cite: match (m, m.and_then(|m| m.cite.clone())) {
                (_, Some(c)) => format!("{label} {}", section(&c)),
                // no article to cite: the end is refunded by no term, of
                // the product or the general terms
                (None, None) if k == 2 => format!("{label}: no term about this end"),
                _ => format!("{label} §{}", p.section.trim_start_matches('§')),
            },
        };
        let so = side(old_term, &ctx.old_label, po);
        let sn = side(new_term, &ctx.new_label, pn);
        let mut c = change(&po.id, None, common.clone(), ChangeKind::Money);
        c.text = format!(
            "{} · money: {label}: {} ({}) → {} ({})",
            po.id, so.what, so.cite, sn.what, sn.cite
        );
        c.old = Some(so);
        c.new = Some(sn);
        match (probe, common.first()) {
            (Some((events, instants)), Some(b)) => {
                let mo = ctx.old_program.select(&po.id, Some(*b), READING);
                let mn = ctx.new_program.select(&pn.id, Some(*b), READING);
                if let (Ok(mo), Ok(mn)) = (mo, mn) {
                    match distinguish(&mo, &mn, &events, &Focus::default(), &instants)? {
                        Some(x) => c.distinction = Some(Distinction { events, expectation: x }),
                        None => c.no_scenario = Some("the change alters no amount a scenario can expect (e.g. only the modality, or the new version has no such term)".into()),
                    }
                } else {
                    c.no_scenario = Some(format!(
                        "a {} account of the product needs a variant value, which the money probes do not choose",
                        b.name()
                    ));
                }
            }
            _ => {
                c.no_scenario = Some(match k {
                    3 => "the evaluator computes no value from a refund window".into(),
                    _ => "no billing mode in common".into(),
                })
            }
        }
        out.push(c);
    }
    Ok(out)
}

/// The ends a refund term is about, as written (`on a, b`); nothing for
/// a term about any end.
fn on_causes(causes: &[String]) -> String {
    if causes.is_empty() {
        String::new()
    } else {
        format!(" on {}", causes.join(", "))
    }
}
