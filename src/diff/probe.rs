//! Running one probe timeline through one version's machine and keeping
//! only what can be compared across versions: each fired action as
//! (instant, verb, targets by name, modality, window, readings) and the
//! state at the end, all by name. Labels, rule names, spans and file layout
//! are left out on purpose, so that renaming or moving clauses changes
//! nothing.

use crate::ast::Modality;
use crate::eval::{AccountState, EvalError, Event, Fired, Machine};
use crate::model::{CapabilityState, ResourceState, ServiceState};
use crate::vocab::Verb;
use chrono::{DateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;

pub use crate::expect::{run_account, HORIZON_SECS};

/// One event of a probe timeline, by name (the two versions may number
/// their events differently).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProbeEvent {
    pub at: i64,
    pub event: String,
    pub amount: Option<Decimal>,
    /// A `purchase`'s end of the paid term (the refund probes).
    pub until: Option<i64>,
}

/// Where an action's words are: section, file and line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Citation {
    pub section: Option<String>,
    pub file: String,
    pub line: usize,
}

/// One action that fired, comparable across versions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Act {
    pub at: i64,
    pub verb: Verb,
    /// Target names, sorted (the checker wrote out the defaults of an
    /// action written without targets).
    pub targets: Vec<String>,
    pub modality: Modality,
    /// The window of a `within` / `on calendar day` step.
    pub window: Option<[i64; 2]>,
    /// Both readings of a two-reading step.
    pub readings: Option<[i64; 2]>,
    pub cite: Citation,
}

impl Act {
    /// Everything but the citation and the readings: which instant the
    /// reading in force picks is what the customer meets, the other reading
    /// is shown for information only.
    pub fn same_behaviour(&self, o: &Act) -> bool {
        self.same_when(o)
            && self.verb == o.verb
            && self.targets == o.targets
            && self.modality == o.modality
    }
    pub fn same_when(&self, o: &Act) -> bool {
        self.at == o.at && self.window == o.window
    }
}

/// The state at the end of a probe, by name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EndState {
    pub service: Option<ServiceState>,
    pub capabilities: BTreeMap<String, CapabilityState>,
    pub resources: BTreeMap<String, ResourceState>,
}

/// What one version does on one probe timeline.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Run {
    pub acts: Vec<Act>,
    pub end: EndState,
}

/// The probe's events this machine knows (an event a version does not
/// declare cannot happen to it, so it is left out).
pub fn known_events(m: &Machine, events: &[ProbeEvent]) -> Vec<Event> {
    events
        .iter()
        .filter_map(|e| {
            m.event(&e.event, e.at).ok().map(|mut ev| {
                ev.amount = e.amount;
                ev.until = e.until;
                ev
            })
        })
        .collect()
}

/// Runs a probe timeline through one version.
pub fn run(m: &Machine, events: &[ProbeEvent], horizon: i64) -> Result<Run, EvalError> {
    run_on(m, events, horizon, None)
}

/// [`run`], keeping only the acts of rules on `only` when it is given (the
/// probe's other events set the account state up).
pub fn run_on(
    m: &Machine,
    events: &[ProbeEvent],
    horizon: i64,
    only: Option<&str>,
) -> Result<Run, EvalError> {
    let known = known_events(m, events);
    let (st, fired) = run_account(m, &known, horizon)?;
    let mut acts = Vec::new();
    let on_trigger = |f: &Fired| {
        only.is_none_or(|t| {
            let rule = m.ir.step(f.step).rule;
            m.ir.rules
                .get(usize::from(rule))
                .is_some_and(|r| m.ir.event_name(r.trigger) == t)
        })
    };
    // a cure's reported `resume` follows from the steps and the cure,
    // which the diff compares themselves (`diff/cure.rs`)
    for f in fired.iter().filter(|f| f.restored == 0 && on_trigger(f)) {
        acts.extend(acts_of(m, f));
    }
    let end = end_state(m, &st)?;
    Ok(Run { acts, end })
}

/// The state of an account by name.
pub fn end_state(m: &Machine, st: &AccountState) -> Result<EndState, EvalError> {
    // an account no event reached has seen no instant: any accepted one will do
    let status = m.status(st, st.now().max(crate::compile::layout::FIRST))?;
    Ok(EndState {
        service: Some(status.service),
        capabilities: m
            .ir
            .capabilities
            .iter()
            .cloned()
            .zip(status.capabilities.iter().copied())
            .skip(1)
            .collect(),
        resources: m
            .ir
            .resources
            .iter()
            .cloned()
            .zip(status.resources.iter().copied())
            .collect(),
    })
}

/// One comparable act per action of a fired step.
pub fn acts_of(m: &Machine, f: &Fired) -> Vec<Act> {
    let s = m.ir.step(f.step);
    let text = m.ir.text(f.step);
    m.ir.actions(f.step)
        .iter()
        .map(|a| {
            let mut targets = m.fired_targets(f, a);
            targets.sort();
            targets.dedup();
            Act {
                at: f.at,
                verb: a.verb,
                targets,
                modality: s.modality,
                window: f.window,
                readings: f.readings,
                cite: Citation {
                    section: text.cite.clone(),
                    file: text.file.clone(),
                    line: text.line,
                },
            }
        })
        .collect()
}

/// An offset from the trigger in its natural unit, computed from the
/// instants: `at once`, `+24h`, `+7d`, `+30 calendar days` (an instant at
/// local midnight when the trigger is not: the end of the N-th local day
/// after the trigger's day), `+1h30min`; negative offsets read `-7d`.
pub fn offset_text(t0: i64, at: i64, zone: Tz) -> String {
    let d = at - t0;
    if d == 0 {
        return "at once".into();
    }
    let local =
        |t: i64| DateTime::from_timestamp(t, 0).map(|u| zone.from_utc_datetime(&u.naive_utc()));
    if let (Some(a), Some(b)) = (local(t0), local(at)) {
        let midnight = b.hour() == 0 && b.minute() == 0 && b.second() == 0;
        let t0_midnight = a.hour() == 0 && a.minute() == 0 && a.second() == 0;
        if midnight && !t0_midnight && d > 0 {
            let days = (b.date_naive() - a.date_naive()).num_days() - 1;
            return format!("+{days} calendar days");
        }
    }
    let sign = if d < 0 { "-" } else { "+" };
    let d = d.abs();
    let unit = if d % 86_400 == 0 && d >= 3 * 86_400 {
        format!("{}d", d / 86_400)
    } else if d % 3_600 == 0 {
        format!("{}h", d / 3_600)
    } else if d % 60 == 0 {
        let (h, m) = (d / 3_600, (d % 3_600) / 60);
        if h > 0 {
            format!("{h}h{m}min")
        } else {
            format!("{m}min")
        }
    } else {
        format!("{d}s")
    };
    format!("{sign}{unit}")
}

/// When an act happens, relative to the trigger: the instant, and the
/// window or the two readings when the step has them.
pub fn when_text(t0: i64, a: &Act, zone: Tz) -> String {
    let at = offset_text(t0, a.at, zone);
    if let Some([s, e]) = a.window {
        return format!(
            "{at} (window {} … {})",
            offset_text(t0, s, zone),
            offset_text(t0, e, zone)
        );
    }
    if let Some([x, y]) = a.readings {
        if x != y {
            return format!(
                "{at} (readings {} or {})",
                offset_text(t0, x, zone),
                offset_text(t0, y, zone)
            );
        }
    }
    at
}

/// `purge data`, `suspend upload, reindex`, `may notify`.
pub fn act_text(a: &Act) -> String {
    let modality = match a.modality {
        Modality::Will => "",
        Modality::May => "may ",
        Modality::CustomerMay => "customer may ",
        Modality::CustomerMust => "customer must ",
    };
    if a.targets.is_empty() {
        format!("{modality}{}", a.verb.name())
    } else {
        format!("{modality}{} {}", a.verb.name(), a.targets.join(", "))
    }
}

pub fn modality_rank(m: Modality) -> u8 {
    match m {
        Modality::Will => 0,
        Modality::May => 1,
        Modality::CustomerMay => 2,
        Modality::CustomerMust => 3,
    }
}
