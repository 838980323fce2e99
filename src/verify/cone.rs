//! The cone of influence closed under what rules read of each other.
//!
//! The rules of a compiled automaton share no state but the balance (the
//! search carries it for every rule), the resources a guard reads and the
//! events a step counts from. A searched rule's behaviour depends on a
//! rule outside the cone only through those two, so the cone keeps:
//!
//! * every rule whose steps release or purge a resource a kept rule's
//!   guard reads (their firing decides whether it holds);
//! * every rule an event a kept step counts from (`from <event>`, not the
//!   arrears episode, which reads the balance only) triggers: the step
//!   counts from the latest instant that event started a rule, and whether
//!   it starts depends on the rule's state.

use crate::compile::layout::Layout;
use crate::compile::{AnchorIr, Automaton, CondIr, EventId, Fx, StepIx};

/// `keep` with every rule either closure adds, until nothing changes.
pub fn closed(ir: &Automaton, keep: &[bool]) -> Vec<bool> {
    let mut keep: Vec<bool> = (0..ir.rules.len())
        .map(|r| keep.get(r).copied().unwrap_or(true))
        .collect();
    while resource_writers(ir, &mut keep) | event_starters(ir, &mut keep) {}
    keep
}

/// A step's guard (after the `Fired` that keeps its instant, if any).
fn step_guard(ir: &Automaton, s: StepIx) -> Option<crate::compile::Span32> {
    ir.step_effects(s).iter().find_map(|f| match f {
        Fx::Guard(c) => Some(*c),
        _ => None,
    })
}

/// Adds every rule that releases or purges a resource a kept rule's guard
/// reads; whether it added one.
fn resource_writers(ir: &Automaton, keep: &mut [bool]) -> bool {
    let read = |ri: usize| -> u32 {
        let Some(r) = ir.rules.get(ri) else {
            return 0;
        };
        let guards =
            std::iter::once(r.guard).chain(r.steps().filter_map(|s| step_guard(ir, StepIx(s))));
        guards
            .flat_map(|g| ir.conditions.get(g.range()).unwrap_or(&[]))
            .fold(0, |m, c| match *c {
                CondIr::Resource(i, _) => m | Layout::res_field(usize::from(i)),
                _ => m,
            })
    };
    let writes = |ri: usize| -> u32 {
        ir.rules.get(ri).map_or(0, |r| {
            r.steps()
                .flat_map(|s| ir.step_effects(StepIx(s)))
                .fold(0, |m, f| match *f {
                    Fx::Release(mask) | Fx::Purge(mask) => m | mask,
                    _ => m,
                })
        })
    };
    let wanted = (0..keep.len())
        .filter(|&r| keep.get(r).copied().unwrap_or(false))
        .fold(0, |m, r| m | read(r));
    let mut grew = false;
    for (r, k) in keep.iter_mut().enumerate() {
        if !*k && writes(r) & wanted != 0 {
            *k = true;
            grew = true;
        }
    }
    grew
}

/// Adds every rule an event a kept step counts from triggers; whether it
/// added one.
fn event_starters(ir: &Automaton, keep: &mut [bool]) -> bool {
    let mut events: Vec<EventId> = Vec::new();
    for (ri, r) in ir.rules.iter().enumerate() {
        if !keep.get(ri).copied().unwrap_or(false) {
            continue;
        }
        for s in r.steps() {
            let st = ir.step(StepIx(s));
            for t in std::iter::once(&st.timing).chain(st.alternative.as_ref()) {
                if let AnchorIr::Event { event, slot } = t.anchor {
                    if slot != ir.episode_slot {
                        events.push(event);
                    }
                }
            }
        }
    }
    let mut grew = false;
    for (ri, r) in ir.rules.iter().enumerate() {
        if events.contains(&r.trigger) {
            if let Some(k) = keep.get_mut(ri).filter(|k| !**k) {
                *k = true;
                grew = true;
            }
        }
    }
    grew
}
