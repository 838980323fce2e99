//! A counterexample run through the evaluator: where the search
//! over-approximates (a period the rest days may extend ends on any of
//! several midnights), a violating path is reported only when the
//! machine, with the agreement's own calendar, violates the property on
//! that timeline too — at the instant the machine gives.

use super::{ActionPat, Prop, SETTLED};
use crate::compile::{EventId, StepIx};
use crate::eval::{Event, Fired, Machine};
use rust_decimal::Decimal;

/// What the machine does with the timeline, judged by the property.
pub enum Replayed {
    /// No violation on this timeline.
    Holds,
    /// The watched action fires in violation at this instant.
    At(i64, StepIx),
    /// `eventually`: the action never fires.
    Never,
}

fn matches(machine: &Machine, f: &Fired, p: &ActionPat) -> bool {
    machine.ir.actions(f.step).iter().any(|a| {
        a.verb == p.verb
            && (p.targets.is_empty() || machine.ir.targets(a).iter().any(|t| p.targets.contains(t)))
    })
}

/// Runs `events` (with `amounts`; `settles[i]`: event `i` leaves the
/// account settled) through `machine` and judges `prop` as the search's
/// monitor does (`monitor.rs`); `None`: the machine refused the timeline.
pub fn replay(
    machine: &Machine,
    prop: &Prop,
    events: &[(i64, EventId)],
    amounts: &[Option<Decimal>],
    settles: &[bool],
) -> Option<Replayed> {
    let payment = machine.ir.event_id("payment");
    let names = |list: &[EventId], e: EventId, settled: bool| {
        list.contains(&e) || (list.contains(&SETTLED) && settled && payment == Some(e))
    };
    let mut st = machine.new_account();
    let mut mon = false;
    let mut deadline = i64::MAX;
    let mut found: Option<(i64, StepIx)> = None;
    let mut see = |fired: Vec<Fired>, mon: &mut bool, deadline: i64| {
        for f in fired {
            if found.is_some() {
                return;
            }
            match prop {
                Prop::NoBefore { action, .. } => {
                    if *mon && matches(machine, &f, action) && f.at < deadline {
                        found = Some((f.at, f.step));
                    }
                }
                Prop::Preceded { action, by } => {
                    if !*mon && matches(machine, &f, action) {
                        found = Some((f.at, f.step));
                    }
                    if by.iter().any(|p| matches(machine, &f, p)) {
                        *mon = true;
                    }
                }
                Prop::AfterNo { action, .. } => {
                    if *mon && matches(machine, &f, action) {
                        found = Some((f.at, f.step));
                    }
                }
                Prop::Follows { action, .. } => {
                    if matches(machine, &f, action) {
                        *mon = false;
                    }
                }
            }
        }
    };
    let mut last = events.first().map_or(0, |e| e.0);
    for (k, &(t, e)) in events.iter().enumerate() {
        last = t;
        let before = machine.advance_to(&mut st, t - 1).ok()?;
        see(before, &mut mon, deadline);
        if st.terminated() {
            break;
        }
        let settled = settles.get(k).copied().unwrap_or(false);
        match prop {
            Prop::NoBefore {
                from,
                unless,
                within,
                ..
            } => {
                if names(unless, e, settled) {
                    mon = false;
                    deadline = i64::MAX;
                } else if names(from, e, settled) && !mon {
                    mon = true;
                    deadline = machine.clock.add(t, *within).ok()?;
                }
            }
            Prop::Preceded { .. } => {}
            Prop::AfterNo { after, until, .. } => {
                if names(until, e, settled) {
                    mon = false;
                } else if names(after, e, settled) {
                    mon = true;
                }
            }
            Prop::Follows { after, unless, .. } => {
                if names(unless, e, settled) {
                    mon = false;
                } else if names(after, e, settled) {
                    mon = true;
                }
            }
        }
        let ev = Event {
            at: t,
            event: e,
            amount: amounts.get(k).copied().flatten(),
            until: None,
        };
        let now = machine.step(&mut st, &ev).ok()?;
        see(now, &mut mon, deadline);
    }
    // time passes for ever (three years: past every shipped period)
    let rest = machine.advance_to(&mut st, last + 3 * 366 * 86_400).ok()?;
    see(rest, &mut mon, deadline);
    Some(match (found, prop) {
        (Some((t, s)), _) => Replayed::At(t, s),
        (None, Prop::Follows { .. }) if mon => Replayed::Never,
        _ => Replayed::Holds,
    })
}
