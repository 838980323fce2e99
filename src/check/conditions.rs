//! Conditions on the account's state (`in arrears`, `settled`,
//! `compute suspended`, `data purged`), as written after `if` on a rule or
//! a step and after `while` on a restriction. Capability and resource names
//! resolve against the block, like action targets.
//!
//! Whether a state can ever be reached needs every rule that applies to an
//! account; that check (E0042) is in `account`.

use super::names::{self, Scope};
use super::Sink;
use crate::ast::{Condition, ConditionKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{CapabilityState, ConditionM, ResourceState};

const CAPABILITY_STATES: &[&str] = &["active", "suspended", "forbidden", "read_only"];
const RESOURCE_STATES: &[&str] = &["retained", "released", "purged"];

pub fn capability_state(word: &str) -> Option<CapabilityState> {
    Some(match word {
        "active" => CapabilityState::Active,
        "suspended" => CapabilityState::Suspended,
        "forbidden" => CapabilityState::Forbidden,
        "read_only" => CapabilityState::ReadOnly,
        _ => return None,
    })
}

pub fn resource_state(word: &str) -> Option<ResourceState> {
    Some(match word {
        "retained" => ResourceState::Retained,
        "released" => ResourceState::Released,
        "purged" => ResourceState::Purged,
        _ => return None,
    })
}

/// Every condition of a guard; `in arrears and settled` can never hold
/// (E0042).
pub fn check_all(sink: &mut Sink, scope: &Scope, conditions: &[Condition]) -> Vec<ConditionM> {
    let out: Vec<ConditionM> = conditions
        .iter()
        .filter_map(|c| check(sink, scope, c))
        .collect();
    let arrears = conditions
        .iter()
        .find(|c| matches!(c.kind, ConditionKind::InArrears));
    let settled = conditions
        .iter()
        .find(|c| matches!(c.kind, ConditionKind::Settled));
    if let (Some(a), Some(s)) = (arrears, settled) {
        sink.push(
            Diagnostic::new(
                Code::E0042,
                "`in arrears` and `settled` can never hold together",
            )
            .at(s.span, "settled means: not in arrears")
            .also(a.span, "in arrears")
            .help("keep the one the text says"),
        );
    }
    out
}

/// One condition.
pub fn check(sink: &mut Sink, scope: &Scope, c: &Condition) -> Option<ConditionM> {
    let (subject, state) = match &c.kind {
        ConditionKind::InArrears => return Some(ConditionM::InArrears),
        ConditionKind::Settled => return Some(ConditionM::Settled),
        ConditionKind::State { subject, state } => (subject, state),
    };
    let capability = scope.capabilities.iter().position(|n| *n == subject.name);
    let resource = scope.resources.iter().position(|n| *n == subject.name);
    let bad_state = |sink: &mut Sink, what: &str, allowed: &[&str]| {
        let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
        sink.push(
            Diagnostic::new(
                Code::E0042,
                format!("`{}` is not a state of {what}", state.name),
            )
            .at(state.span, "no such state")
            .help(format!("states of {what}: {}", list.join(", ")))
            .suggest(&state.name, allowed.iter().copied()),
        );
    };
    match (capability, resource) {
        (Some(i), _) => match capability_state(&state.name) {
            Some(st) => Some(ConditionM::Capability(names::index(i), st)),
            None => {
                bad_state(sink, "a capability", CAPABILITY_STATES);
                None
            }
        },
        (None, Some(i)) => match resource_state(&state.name) {
            Some(st) => Some(ConditionM::Resource(names::index(i), st)),
            None => {
                bad_state(sink, "a resource", RESOURCE_STATES);
                None
            }
        },
        (None, None) => {
            sink.push(
                Diagnostic::new(
                    Code::E0011,
                    format!("unknown capability or resource `{}`", subject.name),
                )
                .at(subject.span, format!("not declared in {}", scope.owner))
                .help("a condition is about `in arrears`, `settled`, or a declared capability or resource")
                .suggest(&subject.name, scope.subjects()),
            );
            None
        }
    }
}
