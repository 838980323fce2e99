//! Scenario expectations by name, checked against one version's machine.
//!
//! The diff needs this twice: to pick, among candidate expectations, one
//! that holds under the new version and fails under the old, and to write
//! it as scenario text. Names (not indices) are used because the two
//! versions number their capabilities and resources independently.
//! Semantics follow docs/language.md: `expect <instant> <action> [targets]`
//! holds when a step with that action fired exactly then and its targets
//! include the listed ones (none listed: any); `expect no` when none fired at
//! or before the instant; states, windows and obligations are read from the
//! status at the instant, after every event and deadline up to it.

use super::probe::{known_events, run_account, ProbeEvent};
use crate::eval::{EvalError, Machine, ObligationKind};
use crate::model::{
    CapabilityState, DataState, ExpectKindM, Product, ResourceState, ServiceState, Target,
};
use crate::vocab::Verb;
use rust_decimal::Decimal;

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

fn state_name<T: serde::Serialize>(s: T) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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
                capability,
                state,
            } => Expectation::Capability {
                at: at.timestamp(),
                name: product
                    .capabilities
                    .get(*capability as usize)
                    .cloned()
                    .unwrap_or_default(),
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
                resource,
                state,
            } => Expectation::Resource {
                at: at.timestamp(),
                name: product
                    .resources
                    .get(*resource as usize)
                    .cloned()
                    .unwrap_or_default(),
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

    fn instant(&self) -> i64 {
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

fn includes(fired: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| fired.contains(w))
}

/// Whether `x` holds for the probe timeline `events` under machine `m`.
/// A name the version does not declare makes the expectation fail.
pub fn holds(m: &Machine, events: &[ProbeEvent], x: &Expectation) -> Result<bool, EvalError> {
    let known = known_events(m, events);
    match x {
        Expectation::Fired { at, verb, targets } => {
            let (_, fired) = run_account(m, &known, *at)?;
            Ok(fired.iter().filter(|f| f.at == *at).any(|f| {
                m.ir.step(f.step).actions.iter().any(|a| {
                    a.verb == *verb && includes(&m.target_names(a.verb, &a.targets), targets)
                })
            }))
        }
        Expectation::NotFired {
            before,
            verb,
            targets,
        } => {
            // any overlap of targets counts as fired (as `clausec test` reads it)
            let (_, fired) = run_account(m, &known, *before)?;
            Ok(!fired.iter().filter(|f| f.at <= *before).any(|f| {
                m.ir.step(f.step).actions.iter().any(|a| {
                    let names = m.target_names(a.verb, &a.targets);
                    a.verb == *verb
                        && (targets.is_empty() || targets.iter().any(|t| names.contains(t)))
                })
            }))
        }
        _ => {
            let at = x.instant();
            let e = m.evaluate(&known, at)?;
            let st = &e.status;
            let cap = |name: &str| {
                m.ir.capabilities
                    .iter()
                    .position(|c| c == name)
                    .and_then(|i| st.capabilities.get(i).copied())
            };
            let res = |name: &str| {
                m.ir.resources
                    .iter()
                    .position(|c| c == name)
                    .and_then(|i| st.resources.get(i).copied())
            };
            Ok(match x {
                Expectation::Capability { name, state, .. } => cap(name) == Some(*state),
                Expectation::Service { state, .. } => st.service == *state,
                Expectation::Resource { name, state, .. } => res(name) == Some(*state),
                Expectation::Data { state, .. } => {
                    let purged = match res("data") {
                        Some(r) => r == ResourceState::Purged,
                        None => {
                            !st.resources.is_empty()
                                && st.resources.iter().all(|r| *r == ResourceState::Purged)
                        }
                    };
                    (*state == DataState::Purged) == purged
                }
                Expectation::Obligation { kind, amount, .. } => st.obligations.iter().any(|o| {
                    let k = match o.kind {
                        ObligationKind::LateFee => "late_fee",
                        ObligationKind::Refund => "refund",
                        ObligationKind::LiabilityCap => "liability_cap",
                        ObligationKind::Step(_) => "",
                    };
                    k == kind && o.amount == Some(*amount)
                }),
                Expectation::Window { verb, .. } => st.windows.iter().any(|w| {
                    w.start <= at
                        && w.end.is_none_or(|end| at <= end)
                        && m.ir.step(w.step).actions.iter().any(|a| a.verb == *verb)
                }),
                Expectation::Fired { .. } | Expectation::NotFired { .. } => false,
            })
        }
    }
}
