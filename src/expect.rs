//! What a scenario's `expect` line means, decided once: `clausec test`
//! ([`crate::scenario`]) and `clausec diff` ([`crate::diff`]) both check
//! expectations through [`check`], so the two cannot read one line two
//! ways (review D2).
//!
//! Expectations name capabilities, resources and actions by name (not by
//! index): the diff holds one expectation against two versions of an
//! agreement, which number them independently. The meaning, as in
//! docs/language.md:
//!
//! * `expect <instant> <action> [targets]`: a step with that action (any
//!   modality) fired exactly at the instant, and its targets include the
//!   listed ones (none listed: any). What fired is read off the whole
//!   timeline followed to its end ([`run_account`]: every event, then every
//!   deadline up to ten years after the last event or the instant), by the
//!   instant each step is reported at: a `before` step (a notice ahead of a
//!   known expiry) is reported at an instant earlier than the event that
//!   schedules it, and a step after a later one in its rule's chain fires
//!   only once that one has.
//! * `expect no <action> [targets] before <instant>`: no such step fired at
//!   or before the instant; with targets listed, a step acting on any of
//!   them counts.
//! * states, windows and obligations: read from the status at the instant,
//!   after every event and deadline up to it. `data` is the declared
//!   resource `data` when there is one, and all the product's resources
//!   otherwise ([`crate::eval::data_state`]).

use crate::eval::{data_state, AccountState, EvalError, Event, Fired, Machine};
use crate::model::{
    CapabilityState, DataState, ExpectKindM, Product, ResourceState, ServiceState, Target,
};
use crate::vocab::Verb;
use rust_decimal::Decimal;

/// One expectation, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    Fired {
        at: i64,
        verb: Verb,
        targets: Vec<String>,
    },
    NotFired {
        before: i64,
        verb: Verb,
        targets: Vec<String>,
    },
    Capability {
        at: i64,
        name: String,
        state: CapabilityState,
    },
    Service {
        at: i64,
        state: ServiceState,
    },
    Resource {
        at: i64,
        name: String,
        state: ResourceState,
    },
    Data {
        at: i64,
        state: DataState,
    },
    Obligation {
        at: i64,
        kind: String,
        amount: Decimal,
    },
    Window {
        at: i64,
        verb: Verb,
    },
}

/// Whether an expectation holds, and if not, what was expected and what
/// the evaluation gave, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Holds,
    Fails { expected: String, actual: String },
}

impl Verdict {
    pub fn holds(&self) -> bool {
        *self == Verdict::Holds
    }
}

/// A state's name as the language writes it (`read_only`, `purged`, …).
pub fn state_name<T: serde::Serialize>(s: T) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn action_words(verb: Verb, targets: &[String]) -> String {
    if targets.is_empty() {
        format!("`{}`", verb.name())
    } else {
        format!("`{} {}`", verb.name(), targets.join(", "))
    }
}

impl Expectation {
    /// The scenario line (without indentation); `instant` formats instants.
    pub fn text(&self, instant: &dyn Fn(i64) -> String) -> String {
        let action = |verb: &Verb, targets: &[String]| {
            if targets.is_empty() {
                verb.name().to_string()
            } else {
                format!("{} {}", verb.name(), targets.join(", "))
            }
        };
        match self {
            Expectation::Fired { at, verb, targets } => {
                format!("expect {} {}", instant(*at), action(verb, targets))
            }
            Expectation::NotFired {
                before,
                verb,
                targets,
            } => format!(
                "expect no {} before {}",
                action(verb, targets),
                instant(*before)
            ),
            Expectation::Capability { at, name, state } => {
                format!("expect at {} {name} {}", instant(*at), state_name(state))
            }
            Expectation::Service { at, state } => {
                format!("expect at {} service {}", instant(*at), state_name(state))
            }
            Expectation::Resource { at, name, state } => {
                format!("expect at {} {name} {}", instant(*at), state_name(state))
            }
            Expectation::Data { at, state } => {
                format!("expect at {} data {}", instant(*at), state_name(state))
            }
            Expectation::Obligation { at, kind, amount } => {
                format!("expect at {} obligation {kind} {amount} CNY", instant(*at))
            }
            Expectation::Window { at, verb } => {
                format!("expect at {} window {} open", instant(*at), verb.name())
            }
        }
    }

    /// From the checked model of a scenario of `product`.
    pub fn from_model(k: &ExpectKindM, product: &Product) -> Expectation {
        let names = |ts: &[Target]| -> Vec<String> {
            ts.iter()
                .map(|t| match t {
                    Target::Capability(i) => product.capabilities.get(*i as usize),
                    Target::Resource(i) => product.resources.get(*i as usize),
                })
                .map(|n| n.cloned().unwrap_or_default())
                .collect()
        };
        let capability = |i: u16| {
            product
                .capabilities
                .get(usize::from(i))
                .cloned()
                .unwrap_or_default()
        };
        let resource = |i: u16| {
            product
                .resources
                .get(usize::from(i))
                .cloned()
                .unwrap_or_default()
        };
        match k {
            ExpectKindM::Fired { at, verb, targets } => Expectation::Fired {
                at: at.timestamp(),
                verb: *verb,
                targets: names(targets),
            },
            ExpectKindM::NotFired {
                verb,
                targets,
                before,
            } => Expectation::NotFired {
                before: before.timestamp(),
                verb: *verb,
                targets: names(targets),
            },
            ExpectKindM::Capability {
                at,
                capability: c,
                state,
            } => Expectation::Capability {
                at: at.timestamp(),
                name: capability(*c),
                state: *state,
            },
            ExpectKindM::Service { at, state } => Expectation::Service {
                at: at.timestamp(),
                state: *state,
            },
            ExpectKindM::Data { at, state } => Expectation::Data {
                at: at.timestamp(),
                state: *state,
            },
            ExpectKindM::Resource {
                at,
                resource: r,
                state,
            } => Expectation::Resource {
                at: at.timestamp(),
                name: resource(*r),
                state: *state,
            },
            ExpectKindM::Obligation { at, kind, amount } => Expectation::Obligation {
                at: at.timestamp(),
                kind: kind.clone(),
                amount: *amount,
            },
            ExpectKindM::Window { at, verb } => Expectation::Window {
                at: at.timestamp(),
                verb: *verb,
            },
        }
    }

    /// The instant the expectation is about.
    pub fn instant(&self) -> i64 {
        match self {
            Expectation::Fired { at, .. }
            | Expectation::Capability { at, .. }
            | Expectation::Service { at, .. }
            | Expectation::Resource { at, .. }
            | Expectation::Data { at, .. }
            | Expectation::Obligation { at, .. }
            | Expectation::Window { at, .. } => *at,
            Expectation::NotFired { before, .. } => *before,
        }
    }
}

/// How far after the last event (or the instant asked about) deadlines are
/// followed: ten years, longer than any duration the shipped agreements
/// write.
pub const HORIZON_SECS: i64 = 10 * 366 * 86_400;
/// Most deadlines one timeline follows (a guard; rules do not loop).
const MAX_DEADLINES: usize = 10_000;

/// Applies `events` and follows every deadline up to `horizon`; the fired
/// steps in the order of the instants they are reported at.
pub fn run_account(
    m: &Machine,
    events: &[Event],
    horizon: i64,
) -> Result<(AccountState, Vec<Fired>), EvalError> {
    let mut st = m.new_account();
    let mut fired = Vec::new();
    for ev in events {
        m.step_into(&mut st, ev, &mut fired)?;
    }
    let mut guard = 0;
    while let Some(due) = m.next_deadline(&st)? {
        if due > horizon || guard >= MAX_DEADLINES {
            break;
        }
        fired.extend(m.advance_to(&mut st, due)?);
        guard += 1;
    }
    fired.sort_by_key(|f| f.at);
    Ok((st, fired))
}

/// What a state, window or obligation expectation reads: the status at an
/// instant, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Every capability (`service` first) and its state.
    pub capabilities: Vec<(String, CapabilityState)>,
    pub service: ServiceState,
    pub resources: Vec<(String, ResourceState)>,
    /// (kind, amount): `late_fee`, `refund`, … or a `customer must` verb.
    pub obligations: Vec<(String, Option<Decimal>)>,
    /// (the action, start, end) of every open window or right.
    pub windows: Vec<(Verb, i64, Option<i64>)>,
}

/// An action that fired: (instant, verb, target names).
pub type FiredAction = (i64, Verb, Vec<String>);

/// An account's time line under some evaluator — the compiled machine, or
/// the reference interpreter (`tests/it/lang.rs`) — as expectations see it.
pub trait Observe {
    type Error;
    /// Every action fired following the time line to `horizon`: (instant,
    /// verb, target names), in instant order.
    fn actions(&self, horizon: i64) -> Result<Vec<FiredAction>, Self::Error>;
    /// The status at `at`, after every event and deadline up to it.
    fn observe(&self, at: i64) -> Result<Observation, Self::Error>;
    /// An instant as reports write it.
    fn format_instant(&self, at: i64) -> String;
    /// The instant of the last event (deadlines are followed from there).
    fn last_event(&self) -> Option<i64>;
}

/// A machine and a time line (sorted, in the machine's vocabulary).
pub struct MachineRun<'a> {
    pub machine: &'a Machine,
    pub events: &'a [Event],
}

impl Observe for MachineRun<'_> {
    type Error = EvalError;
    fn actions(&self, horizon: i64) -> Result<Vec<FiredAction>, EvalError> {
        let m = self.machine;
        let (_, fired) = run_account(m, self.events, horizon)?;
        Ok(fired
            .iter()
            .flat_map(|f| {
                m.ir.actions(f.step)
                    .iter()
                    .map(move |a| (f.at, a.verb, m.fired_targets(f, a)))
            })
            .collect())
    }
    fn observe(&self, at: i64) -> Result<Observation, EvalError> {
        let m = self.machine;
        let st = m.evaluate(self.events, at)?.status;
        Ok(Observation {
            capabilities: m
                .ir
                .capabilities
                .iter()
                .cloned()
                .zip(st.capabilities.iter().copied())
                .collect(),
            service: st.service,
            resources: m
                .ir
                .resources
                .iter()
                .cloned()
                .zip(st.resources.iter().copied())
                .collect(),
            obligations: st
                .obligations
                .iter()
                .map(|o| (m.obligation_kind(o.kind).to_string(), o.amount))
                .collect(),
            windows: st
                .windows
                .iter()
                .flat_map(|w| {
                    m.ir.actions(w.step)
                        .iter()
                        .map(move |a| (a.verb, w.start, w.end))
                })
                .collect(),
        })
    }
    fn format_instant(&self, at: i64) -> String {
        self.machine.format_instant(at)
    }
    fn last_event(&self) -> Option<i64> {
        self.events.iter().map(|e| e.at).max()
    }
}

/// Checks `x` against `events` (sorted, in `m`'s vocabulary) under `m`.
/// A name `m` does not declare makes the expectation fail.
pub fn check(m: &Machine, events: &[Event], x: &Expectation) -> Result<Verdict, EvalError> {
    decide(&MachineRun { machine: m, events }, x)
}

/// Whether expectation `x` holds for the account `o` observes: the one
/// place that decides what an `expect` line means.
pub fn decide<O: Observe>(o: &O, x: &Expectation) -> Result<Verdict, O::Error> {
    let at = x.instant();
    let when = o.format_instant(at);
    let fails = |expected: String, actual: String| Ok(Verdict::Fails { expected, actual });
    match x {
        Expectation::Fired { verb, targets, .. } | Expectation::NotFired { verb, targets, .. } => {
            let last = o.last_event().map_or(at, |l| l.max(at));
            let fired: Vec<(i64, Vec<String>)> = o
                .actions(last.saturating_add(HORIZON_SECS))?
                .into_iter()
                .filter(|(_, v, _)| v == verb)
                .map(|(t, _, names)| (t, names))
                .collect();
            let words = |(t, names): &(i64, Vec<String>)| {
                format!(
                    "`{} {}` at {}",
                    verb.name(),
                    names.join(", "),
                    o.format_instant(*t)
                )
            };
            if let Expectation::Fired { .. } = x {
                let covers = |names: &[String]| targets.iter().all(|w| names.contains(w));
                if fired.iter().any(|(t, names)| *t == at && covers(names)) {
                    return Ok(Verdict::Holds);
                }
                let actual: Vec<String> = fired.iter().map(words).collect();
                let actual = if actual.is_empty() {
                    format!("no `{}` up to {when}", verb.name())
                } else {
                    actual.join("; ")
                };
                return fails(
                    format!("{} at {when}", action_words(*verb, targets)),
                    actual,
                );
            }
            let hits: Vec<String> = fired
                .iter()
                .filter(|(t, names)| {
                    *t <= at && (targets.is_empty() || targets.iter().any(|w| names.contains(w)))
                })
                .map(words)
                .collect();
            if hits.is_empty() {
                Ok(Verdict::Holds)
            } else {
                fails(
                    format!("no {} up to {when}", action_words(*verb, targets)),
                    hits.join("; "),
                )
            }
        }
        _ => {
            let seen = o.observe(at)?;
            Ok(state_verdict(o, &seen, x, &when))
        }
    }
}

fn found<T: Copy>(list: &[(String, T)], name: &str) -> Option<T> {
    list.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
}

/// A state, window or obligation expectation against the status at its
/// instant.
fn state_verdict<O: Observe>(o: &O, st: &Observation, x: &Expectation, when: &str) -> Verdict {
    let verdict = |ok: bool, expected: String, actual: String| {
        if ok {
            Verdict::Holds
        } else {
            Verdict::Fails { expected, actual }
        }
    };
    match x {
        Expectation::Capability { name, state, .. } => {
            let got = found(&st.capabilities, name);
            verdict(
                got == Some(*state),
                format!("`{name}` {} at {when}", state_name(state)),
                got.map_or("no such capability".into(), |g| {
                    format!("`{name}` {}", state_name(g))
                }),
            )
        }
        Expectation::Service { state, .. } => verdict(
            st.service == *state,
            format!("service {} at {when}", state_name(state)),
            format!("service {}", state_name(st.service)),
        ),
        Expectation::Resource { name, state, .. } => {
            let got = found(&st.resources, name);
            verdict(
                got == Some(*state),
                format!("`{name}` {} at {when}", state_name(state)),
                got.map_or("no such resource".into(), |g| {
                    format!("`{name}` {}", state_name(g))
                }),
            )
        }
        Expectation::Data { state, .. } => {
            let (names, states): (Vec<String>, Vec<ResourceState>) =
                st.resources.iter().cloned().unzip();
            let got = data_state(&names, &states);
            verdict(
                got == *state,
                format!("data {} at {when}", state_name(state)),
                format!("data {}", state_name(got)),
            )
        }
        Expectation::Obligation { kind, amount, .. } => {
            let found: Vec<_> = st.obligations.iter().filter(|(k, _)| k == kind).collect();
            let actual = if found.is_empty() {
                format!("no `{kind}` obligation")
            } else {
                found
                    .iter()
                    .map(|(_, a)| {
                        format!(
                            "`{kind}` {}",
                            a.map_or("without amount".to_string(), |a| a.to_string())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            verdict(
                found.iter().any(|(_, a)| *a == Some(*amount)),
                format!("obligation `{kind}` {amount} at {when}"),
                actual,
            )
        }
        Expectation::Window { at, verb } => {
            let open = st.windows.iter().any(|(v, start, end)| {
                v == verb && *start <= *at && end.is_none_or(|end| *at <= end)
            });
            let all: Vec<String> = st
                .windows
                .iter()
                .map(|(v, start, end)| {
                    format!(
                        "`{}` [{}, {}]",
                        v.name(),
                        o.format_instant(*start),
                        end.map_or("open".to_string(), |e| o.format_instant(e))
                    )
                })
                .collect();
            verdict(
                open,
                format!("a `{}` window open at {when}", verb.name()),
                if all.is_empty() {
                    "no window".into()
                } else {
                    all.join("; ")
                },
            )
        }
        Expectation::Fired { .. } | Expectation::NotFired { .. } => Verdict::Holds,
    }
}
