//! Distinguishing scenarios: for one change, the probe timeline that shows
//! it and one expectation that holds under the new version and fails under
//! the old, written as a runnable `scenario`.
//!
//! Candidates are tried most-telling first: the changed acts themselves
//! (`expect <t> <action>` for what the new version does, `expect no … before`
//! for what only the old one did), then states, windows and obligations at
//! the instants the change concerns, then at every instant either version
//! acts. Candidates naming only what the old version also declares come
//! first, so the scenario fails there by evaluation rather than by a
//! checker error; each candidate is checked under both machines.

use super::probe::{known_events, Act, ProbeEvent};
use crate::ast::Modality;
use crate::eval::{EvalError, Machine, ObligationKind};
use crate::expect::{check, Expectation};
use chrono::{DateTime, TimeZone, Timelike};
use chrono_tz::Tz;

/// What a change is about, to order the candidates.
#[derive(Clone, Debug, Default)]
pub struct Focus {
    /// Acts the new version performs that the old does not (as they are).
    pub new_acts: Vec<Act>,
    /// Acts the old version performs that the new does not (as they are).
    pub old_acts: Vec<Act>,
    /// Further instants worth looking at.
    pub instants: Vec<i64>,
}

/// A probe timeline and the expectation that separates the versions.
#[derive(Clone, Debug)]
pub struct Distinction {
    pub events: Vec<ProbeEvent>,
    pub expectation: Expectation,
}

fn state_candidates(
    m: &Machine,
    events: &[ProbeEvent],
    at: i64,
) -> Result<Vec<Expectation>, EvalError> {
    let known = known_events(m, events);
    let st = m.evaluate(&known, at)?.status;
    let mut out = Vec::new();
    for (i, name) in m.ir.resources.iter().enumerate() {
        if let Some(s) = st.resources.get(i) {
            out.push(Expectation::Resource {
                at,
                name: name.clone(),
                state: *s,
            });
        }
    }
    out.push(Expectation::Service {
        at,
        state: st.service,
    });
    for (i, name) in m.ir.capabilities.iter().enumerate().skip(1) {
        if let Some(s) = st.capabilities.get(i) {
            out.push(Expectation::Capability {
                at,
                name: name.clone(),
                state: *s,
            });
        }
    }
    for w in &st.windows {
        if w.start <= at && w.end.is_none_or(|e| at <= e) {
            for a in m.ir.actions(w.step) {
                out.push(Expectation::Window { at, verb: a.verb });
            }
        }
    }
    for o in &st.obligations {
        if let (Some(amount), false) = (o.amount, matches!(o.kind, ObligationKind::Step(_))) {
            out.push(Expectation::Obligation {
                at,
                kind: m.obligation_kind(o.kind).to_string(),
                amount,
            });
        }
    }
    Ok(out)
}

/// Whether every name the expectation uses is declared by `m`.
fn portable(m: &Machine, x: &Expectation) -> bool {
    let known =
        |n: &String| n == "service" || m.ir.capabilities.contains(n) || m.ir.resources.contains(n);
    match x {
        Expectation::Fired { targets, .. } | Expectation::NotFired { targets, .. } => {
            targets.iter().all(known)
        }
        Expectation::Capability { name, .. } | Expectation::Resource { name, .. } => known(name),
        _ => true,
    }
}

/// Whether `x` holds for the probe timeline `events` under `m` (the one
/// meaning of an expectation, [`crate::expect::check`]).
fn holds(m: &Machine, events: &[ProbeEvent], x: &Expectation) -> Result<bool, EvalError> {
    Ok(check(m, &known_events(m, events), x)?.holds())
}

/// Finds one expectation that holds under `new` and fails under `old` on
/// `events`.
pub fn distinguish(
    old: &Machine,
    new: &Machine,
    events: &[ProbeEvent],
    focus: &Focus,
    all_instants: &[i64],
) -> Result<Option<Expectation>, EvalError> {
    let mut candidates = Vec::new();
    for a in &focus.new_acts {
        for targets in [a.targets.clone(), Vec::new()] {
            candidates.push(Expectation::Fired {
                at: a.at,
                verb: a.verb,
                targets,
            });
        }
        if matches!(a.modality, Modality::May | Modality::CustomerMay) {
            candidates.push(Expectation::Window {
                at: a.at,
                verb: a.verb,
            });
        }
        candidates.extend(state_candidates(new, events, a.at)?);
    }
    for a in &focus.old_acts {
        for targets in [a.targets.clone(), Vec::new()] {
            candidates.push(Expectation::NotFired {
                before: a.at,
                verb: a.verb,
                targets,
            });
        }
        candidates.extend(state_candidates(new, events, a.at)?);
    }
    for &t in &focus.instants {
        candidates.extend(state_candidates(new, events, t)?);
    }
    let mut generic = Vec::new();
    for &t in all_instants {
        generic.extend(state_candidates(new, events, t)?);
    }
    // what the change is about first, then anything that tells the versions
    // apart on this timeline; the new version must declare every name (the
    // scenario runs there), names the old one lacks only as a last resort
    for list in [&candidates, &generic] {
        for pass_portable in [true, false] {
            for x in list.iter() {
                if !portable(new, x) || portable(old, x) != pass_portable {
                    continue;
                }
                if holds(new, events, x)? && !holds(old, events, x)? {
                    return Ok(Some(x.clone()));
                }
            }
        }
    }
    Ok(None)
}

/// An instant as scenario text: local time with its offset.
pub fn instant_text(at: i64, zone: Tz) -> String {
    match DateTime::from_timestamp(at, 0) {
        Some(u) => {
            let l = zone.from_utc_datetime(&u.naive_utc());
            if l.second() == 0 {
                l.format("%Y-%m-%dT%H:%M%:z").to_string()
            } else {
                l.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
            }
        }
        None => at.to_string(),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// One scenario block (indented for a `general` block).
pub fn scenario_text(
    name: &str,
    product: &str,
    billing: &str,
    d: &Distinction,
    zone: Tz,
) -> String {
    let instant = |t: i64| instant_text(t, zone);
    let mut s = format!(
        "  scenario \"{}\" for {product} {billing} {{\n    reading customer-safe\n",
        escape(name)
    );
    for e in &d.events {
        let until = e
            .until
            .map(|u| format!(" until {}", instant(u)))
            .unwrap_or_default();
        match e.amount {
            Some(a) => s.push_str(&format!(
                "    {} {} {a} CNY{until}\n",
                instant(e.at),
                e.event
            )),
            None => s.push_str(&format!("    {} {}{until}\n", instant(e.at), e.event)),
        }
    }
    s.push_str(&format!("    {}\n  }}\n", d.expectation.text(&instant)));
    s
}
