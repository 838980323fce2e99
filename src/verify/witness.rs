//! A violating path of the zone graph back to instants: the path is run
//! again without extrapolation, with one extra clock reset at each move,
//! so the final zone relates the instants of all moves; one integral point
//! of it gives the timeline. Extrapolation keeps exactly the behaviours of
//! the concrete automaton (clocks are compared with constants only), so the
//! path is feasible and the run finds it.

use super::dbm::Dbm;
use super::search::{Disc, Move, Search};
use super::{ActionPat, Prop};
use crate::compile::{EventId, StepIx};
use crate::eval::Machine;
use crate::model::Target;
use crate::vocab::Verb;
use chrono::TimeZone;
use rust_decimal::Decimal;

/// A timeline that violates a property, in instants (UTC seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The events, in order.
    pub events: Vec<(i64, EventId)>,
    /// Per event: its amount, when the automaton reads the arrears balance
    /// (`arrears` and `payment`; an abstract path's amounts).
    pub amounts: Vec<Option<Decimal>>,
    /// The step whose firing violates (none: a liveness property, the
    /// timeline ends without the action).
    pub step: Option<(i64, StepIx)>,
    /// The instant the timeline is looked at last.
    pub end: i64,
    /// The failing expectation, as a scenario line.
    pub expect: String,
    /// What happened, in words.
    pub reason: String,
}

/// 2024-06-03 (a Monday), the first day of every counterexample.
const BASE_DAY: (i32, u32, u32) = (2024, 6, 3);

pub(super) fn concretise(
    search: &Search,
    path: &[(Move, Disc)],
    machine: &Machine,
) -> Option<Counterexample> {
    let base = search.net.clocks();
    let origin = base;
    let extra = path.len() + 1;
    let (d0, z0) = search.start();
    let mut z = Dbm::zero(base + extra);
    // the model clocks as at the start, the history clocks zero
    for c in 1..base {
        z.free(c);
    }
    if let Some(zc) = search.net.z {
        z.upper(zc, 86_399);
    }
    let _ = z0;
    let end = walk(search, path, 1, &d0, z, base)?;
    // the shortest timeline first: the origin's clock (the whole duration)
    let mut order: Vec<usize> = vec![origin];
    order.extend((1..base + extra).filter(|&c| c != origin));
    let v = end.pick(&order)?;
    let total = v[origin];
    let offset = search.net.offset;
    let ir = &machine.ir;
    let (y, m, d) = BASE_DAY;
    let midnight = chrono::NaiveDate::from_ymd_opt(y, m, d)?
        .and_hms_opt(0, 0, 0)?
        .and_utc()
        .timestamp()
        - offset;
    let start = match search.net.z {
        Some(zc) => {
            let tod = v[zc] % 86_400;
            let k = (total - tod).max(0).div_euclid(86_400)
                + i64::from((total - tod).max(0).rem_euclid(86_400) != 0);
            midnight + k * 86_400 + tod - total
        }
        None => midnight + 10 * 3600,
    };
    let at = |k: usize| start + total - v[base + 1 + k];
    let mut events = Vec::new();
    let mut balances = Vec::new();
    let mut step = None;
    let mut bal = d0.bal;
    for (k, (mv, _)) in path.iter().enumerate() {
        match mv {
            Move::Event(e, b) => {
                events.push((at(k), *e));
                balances.push((*e, bal, *b));
                bal = *b;
            }
            Move::Fire(_, s) => step = Some((at(k), *s)),
            _ => {}
        }
    }
    let end_at = start + total;
    let liveness = matches!(search.mon.prop, Prop::Follows { .. });
    let step = if liveness { None } else { step };
    let (expect, reason) = expectation(search.mon.prop, machine, step, end_at);
    let _ = ir;
    Some(Counterexample {
        events,
        amounts: super::account::amounts(&balances, search.net.balance),
        step,
        end: end_at,
        expect,
        reason,
    })
}

/// Runs `path[k..]` from `(d, z)`, resetting history clock `base + 1 + k`
/// at each move; the final zone.
fn walk(
    search: &Search,
    path: &[(Move, Disc)],
    k: usize,
    d: &Disc,
    z: Dbm,
    base: usize,
) -> Option<Dbm> {
    let Some((mv, disc)) = path.get(k) else {
        return Some(z);
    };
    if *mv == Move::Violation {
        return Some(z);
    }
    for (m, d2, mut z2, _) in search.successors(d, &z) {
        if m == *mv && d2 == *disc {
            z2.reset(base + 1 + k);
            if let Some(end) = walk(search, path, k + 1, &d2, z2, base) {
                return Some(end);
            }
        }
    }
    None
}

fn target_names(machine: &Machine, targets: &[Target]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| match *t {
            Target::Capability(i) => machine.ir.capabilities.get(usize::from(i)).cloned(),
            Target::Resource(i) => machine.ir.resources.get(usize::from(i)).cloned(),
        })
        .collect()
}

fn action_text(machine: &Machine, p: &ActionPat) -> String {
    let names = target_names(machine, &p.targets);
    if names.is_empty() {
        p.verb.name().to_string()
    } else {
        format!("{} {}", p.verb.name(), names.join(", "))
    }
}

/// A local instant as scenarios write it.
pub fn instant_text(machine: &Machine, t: i64) -> String {
    match machine.ir.zone.timestamp_opt(t, 0).single() {
        Some(dt) if t % 60 == 0 => dt.format("%Y-%m-%dT%H:%M").to_string(),
        Some(dt) => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
        None => t.to_string(),
    }
}

fn expectation(
    prop: &Prop,
    machine: &Machine,
    step: Option<(i64, StepIx)>,
    end: i64,
) -> (String, String) {
    let i = |t| instant_text(machine, t);
    let rule = |s: StepIx| {
        machine
            .ir
            .rule_name(usize::from(machine.ir.step(s).rule))
            .to_string()
    };
    match (prop, step) {
        (Prop::Follows { action, .. }, _) => {
            let later = end + 400 * 86_400;
            let names = target_names(machine, &action.targets);
            let first = |v: &[String]| v.first().cloned();
            let line = match action.verb {
                Verb::Purge => match first(&names) {
                    Some(n) => format!("expect at {} {n} purged", i(later)),
                    None => format!("expect at {} data purged", i(later)),
                },
                Verb::Release => {
                    match first(&names).or_else(|| machine.ir.resources.first().cloned()) {
                        Some(n) => format!("expect at {} {n} released", i(later)),
                        None => format!("expect {} {}", i(later), action_text(machine, action)),
                    }
                }
                Verb::Terminate => format!("expect at {} service terminated", i(later)),
                _ => format!("expect {} {}", i(later), action_text(machine, action)),
            };
            (
                line,
                format!(
                    "the timeline stops at {} and `{}` never fires",
                    i(end),
                    action_text(machine, action)
                ),
            )
        }
        (p, Some((at, s))) => {
            let action = match p {
                Prop::NoBefore { action, .. }
                | Prop::Preceded { action, .. }
                | Prop::AfterNo { action, .. }
                | Prop::Follows { action, .. } => action,
            };
            (
                format!(
                    "expect no {} before {}",
                    action_text(machine, action),
                    i(at)
                ),
                format!(
                    "`{}` fires at {} (rule {})",
                    action_text(machine, action),
                    i(at),
                    rule(s)
                ),
            )
        }
        (_, None) => (String::new(), "violated".into()),
    }
}

impl Counterexample {
    /// The counterexample as a `scenario` block to paste into the product.
    pub fn scenario(&self, machine: &Machine, name: &str) -> String {
        let ir = &machine.ir;
        let mut s = format!(
            "scenario \"{}\" for {} {} {{\n",
            name.replace('\\', "\\\\").replace('"', "\\\""),
            ir.product,
            std::iter::once(ir.billing.name())
                .chain(ir.variants.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(" ")
        );
        if ir.reading != crate::vocab::Reading::default() {
            s.push_str(&format!("  reading {}\n", ir.reading.name()));
        }
        for (k, (t, e)) in self.events.iter().enumerate() {
            let amount = match self.amounts.get(k).copied().flatten() {
                Some(a) => format!(" {a} CNY"),
                None => String::new(),
            };
            s.push_str(&format!(
                "  {} {}{amount}\n",
                instant_text(machine, *t),
                ir.event_name(*e)
            ));
        }
        s.push_str(&format!("  {}\n}}\n", self.expect));
        s
    }
}

/// [`concretise`] for a search that over-approximates where rest days
/// fall: the timeline run through the evaluator must violate the property
/// too, and the violating instant is the evaluator's (`None`: it does not).
pub(super) fn confirmed(
    search: &Search,
    path: &[(Move, Disc)],
    machine: &Machine,
) -> Option<Counterexample> {
    let mut c = concretise(search, path, machine)?;
    let settles: Vec<bool> = path
        .iter()
        .filter_map(|(mv, _)| match mv {
            Move::Event(_, b) => Some(!b.in_arrears()),
            _ => None,
        })
        .collect();
    let prop = search.mon.prop;
    match super::replay::replay(machine, prop, &c.events, &c.amounts, &settles)? {
        super::replay::Replayed::Holds => None,
        super::replay::Replayed::Never => matches!(prop, Prop::Follows { .. }).then_some(c),
        super::replay::Replayed::At(at, s) => {
            if matches!(prop, Prop::Follows { .. }) {
                return None;
            }
            c.step = Some((at, s));
            let (expect, reason) = expectation(prop, machine, c.step, c.end.max(at));
            c.expect = expect;
            c.reason = reason;
            c.end = c.end.max(at);
            Some(c)
        }
    }
}
