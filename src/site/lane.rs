//! One timeline to draw: what the library's [`Machine`] fired on a list of
//! events, with the words, citation and date arithmetic of every mark.
//!
//! Nothing here places a step: instants come from [`Machine`] runs
//! ([`crate::expect::run_account`], the loop `clausec test` and `clausec diff` use),
//! and the tooltip's arithmetic names the anchor the machine counted from,
//! found by asking the machine ([`Machine::place_step`]) which trigger
//! instant gives the step's instant.

use crate::ast::Modality;
use crate::compile::{AnchorIr, StepIx, TimingIr};
use crate::describe::{self, Placed};
use crate::eval::{EvalError, Event, Fired, Machine};
use crate::model::TimingKindM;

/// How a mark is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Harm {
    /// Notices, billing, resumption.
    Neutral,
    /// Suspends, stops, freezes, forbids, terminates…
    Harmful,
    /// Purges or releases: never undone.
    Irreversible,
    /// A customer right or duty.
    Customer,
}

/// One fired step.
#[derive(Clone, Debug)]
pub struct Mark {
    pub at: i64,
    /// `suspend upload, index_rebuild and keep_billing`, with the modality.
    pub words: String,
    pub label: Option<String>,
    pub cite: Option<String>,
    pub harm: Harm,
    /// A right (`may`, `customer may`): drawn hollow.
    pub right: bool,
    /// `file:line` of the step.
    pub file: String,
    pub line: usize,
    pub window: Option<[i64; 2]>,
    pub readings: Option<[i64; 2]>,
    /// The date arithmetic, one line per reading.
    pub arithmetic: Vec<String>,
}

/// One input event.
#[derive(Clone, Debug)]
pub struct EventMark {
    pub at: i64,
    pub name: String,
    pub note: Option<String>,
}

/// One expectation of a scenario, checked by [`crate::scenario`].
#[derive(Clone, Debug)]
pub struct ExpectMark {
    pub at: i64,
    pub text: String,
    pub passed: bool,
    /// What the evaluation gave instead (failures only).
    pub actual: Option<String>,
}

/// A timeline: events in, marks out.
#[derive(Clone, Debug)]
pub struct Lane {
    pub title: String,
    /// The first event's instant: offsets are counted from it.
    pub t0: i64,
    pub events: Vec<EventMark>,
    pub marks: Vec<Mark>,
    pub expects: Vec<ExpectMark>,
}

impl Lane {
    /// Earliest and latest instant the picture must show.
    pub fn span(&self) -> (i64, i64) {
        let all = self
            .marks
            .iter()
            .flat_map(|m| {
                [m.at]
                    .into_iter()
                    .chain(m.window.into_iter().flatten())
                    .chain(m.readings.into_iter().flatten())
            })
            .chain(self.events.iter().map(|e| e.at))
            .chain(self.expects.iter().map(|e| e.at));
        all.fold((self.t0, self.t0), |(lo, hi), t| (lo.min(t), hi.max(t)))
    }
}

fn harm(m: &Machine, step: StepIx) -> Harm {
    let s = m.ir.step(step);
    match s.modality {
        Modality::CustomerMay | Modality::CustomerMust => Harm::Customer,
        _ if s.modality == Modality::Will
            && m.ir.actions(step).iter().any(|a| a.verb.is_irreversible()) =>
        {
            Harm::Irreversible
        }
        _ if s.harmful => Harm::Harmful,
        _ => Harm::Neutral,
    }
}

/// The name a timing's anchor has in the file.
fn anchor_name(m: &Machine, step: StepIx, t: &TimingIr) -> String {
    let s = m.ir.step(step);
    let trigger =
        m.ir.rules
            .get(usize::from(s.rule))
            .map_or("?", |r| m.ir.event_name(r.trigger));
    match t.anchor {
        AnchorIr::Trigger => trigger.to_string(),
        AnchorIr::Event { event, .. } => m.ir.event_name(event).to_string(),
        AnchorIr::Step(a) | AnchorIr::Fired { step: a, .. } => match &m.ir.text(a).label {
            Some(l) => l.clone(),
            None => format!(
                "the {} step",
                m.ir.actions(a)
                    .first()
                    .map_or("previous", |x| x.verb.name())
            ),
        },
    }
}

/// The trigger instant the machine counted `f` from: the latest event of
/// the rule's trigger for which the machine places the step where it fired.
fn trigger_of(m: &Machine, events: &[Event], f: &Fired) -> Option<i64> {
    let s = m.ir.step(f.step);
    let rule = m.ir.rules.get(usize::from(s.rule))?;
    events
        .iter()
        .rev()
        .filter(|e| e.event == rule.trigger)
        .map(|e| e.at)
        .find(|&t| m.place_step(f.step, t).ok() == Some(f.at))
}

fn anchor_at(m: &Machine, t: &TimingIr, trigger: i64) -> Option<i64> {
    match t.anchor {
        AnchorIr::Trigger => Some(trigger),
        AnchorIr::Step(a) => m.place_step(a, trigger).ok(),
        // the account's history, not the trigger, places it
        AnchorIr::Event { .. } | AnchorIr::Fired { .. } => None,
    }
}

fn arithmetic(m: &Machine, events: &[Event], f: &Fired) -> Vec<String> {
    let s = m.ir.step(f.step);
    let Some(trigger) = trigger_of(m, events, f) else {
        return Vec::new();
    };
    let line = |t: &TimingIr, at: i64| -> Option<String> {
        let name = anchor_name(m, f.step, t);
        Some(describe::arithmetic(
            m.ir.zone,
            Placed {
                kind: t.kind,
                duration: t.duration,
                anchor: &name,
                anchor_at: anchor_at(m, t, trigger)?,
                at,
            },
        ))
    };
    let mut out = Vec::new();
    match (&s.alternative, f.readings) {
        (Some(alt), Some([first, second])) => {
            out.extend(line(&s.timing, first).map(|l| format!("reading 1: {l}")));
            out.extend(line(alt, second).map(|l| format!("reading 2: {l}")));
            out.push(format!(
                "{} takes {} ({})",
                m.ir.reading.name(),
                describe::instant(m.ir.zone, f.at),
                if s.harmful {
                    "the later reading for a step that harms the customer"
                } else {
                    "the earlier reading"
                }
            ));
        }
        _ => out.extend(line(&s.timing, f.at)),
    }
    if let Some([start, end]) = f.window {
        let which = if matches!(s.timing.kind, TimingKindM::Within | TimingKindM::OnDay)
            && f.at == end
            && start != end
        {
            "its end (customer-safe, harmful step)"
        } else {
            "its start"
        };
        out.push(format!(
            "window {} … {}; placed at {which}",
            describe::instant(m.ir.zone, start),
            describe::instant(m.ir.zone, end)
        ));
    }
    out
}

/// The marks of fired steps.
pub fn marks(m: &Machine, events: &[Event], fired: &[Fired]) -> Vec<Mark> {
    fired
        .iter()
        .map(|f| {
            let s = m.ir.step(f.step);
            let text = m.ir.text(f.step);
            let words = crate::compile::dot::step_words(&m.ir, f.step);
            let words = match &text.label {
                Some(l) => words
                    .strip_prefix(&format!("{l}: "))
                    .unwrap_or(&words)
                    .to_string(),
                None => words,
            };
            Mark {
                at: f.at,
                words,
                label: text.label.clone(),
                cite: text.cite.clone(),
                harm: harm(m, f.step),
                right: matches!(s.modality, Modality::May | Modality::CustomerMay),
                file: text.file.clone(),
                line: text.line,
                window: f.window,
                readings: f.readings.filter(|[a, b]| a != b),
                arithmetic: arithmetic(m, events, f),
            }
        })
        .collect()
}

/// Runs `events` through the machine and follows every deadline up to
/// `horizon`: the lane of what happens.
pub fn run(
    m: &Machine,
    title: &str,
    events: &[Event],
    notes: &[Option<String>],
    horizon: i64,
) -> Result<Lane, EvalError> {
    let (_, fired) = crate::expect::run_account(m, events, horizon)?;
    let fired: Vec<Fired> = fired.into_iter().filter(|f| f.at <= horizon).collect();
    Ok(Lane {
        title: title.to_string(),
        t0: events.first().map_or(0, |e| e.at),
        events: events
            .iter()
            .enumerate()
            .map(|(i, e)| EventMark {
                at: e.at,
                name: m.ir.event_name(e.event).to_string(),
                note: notes.get(i).cloned().flatten(),
            })
            .collect(),
        marks: marks(m, events, &fired),
        expects: Vec::new(),
    })
}
