//! Scenarios: a product, a billing mode, a reading, dated events and
//! expectations → [`ScenarioM`]. Instants without an offset are local time
//! in the agreement's zone; events and expectations are resolved against
//! the named product's declarations.

use super::blocks::ProductScope;
use super::names::{self, Scope};
use super::{literals, Sink};
use crate::ast::{self, ExpectKind, InstantLit};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    CapabilityState, DataState, EventM, ExpectKindM, ExpectM, ResourceState, ScenarioM,
    ServiceState, Target,
};
use crate::vocab::{Billing, Reading};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

/// What scenarios of one agreement resolve against.
pub struct Env<'a> {
    pub products: &'a [String],
    pub scopes: &'a [ProductScope],
    pub general_events: &'a [String],
    pub zone: Tz,
    /// First and last date of the agreement's working-day calendar.
    pub calendar: (NaiveDate, NaiveDate),
}

/// Kinds of obligation an expectation can be about: the money terms'
/// and a `customer must` step's verb.
const OBLIGATIONS: &[&str] = &[
    "late_fee",
    "refund",
    "liability_cap",
    "refund_window",
    "pay",
    "renew",
    "claim",
    "notify",
    "terminate",
];

/// Checks one scenario; returns the index of its product and the model.
pub fn check_scenario(sink: &mut Sink, env: &Env, s: &ast::Scenario) -> Option<(usize, ScenarioM)> {
    let Some(index) = env.products.iter().position(|p| *p == s.product.name) else {
        sink.push(
            Diagnostic::new(Code::E0015, format!("unknown product `{}`", s.product.name))
                .at(s.product.span, "no product of this agreement has this id")
                .help("a scenario names a product declared in the same directory")
                .suggest(&s.product.name, env.products.iter().map(String::as_str)),
        );
        return None;
    };
    let ps = env.scopes.get(index)?;
    let scope = &ps.scope;
    let (billing, variants) = account(sink, ps, s);
    let reading = match &s.reading {
        None => Some(Reading::default()),
        Some(r) => {
            let known = Reading::from_name(&r.name);
            if known.is_none() {
                sink.push(
                    Diagnostic::new(Code::E0034, format!("unknown reading `{}`", r.name))
                        .at(r.span, "not a reading")
                        .help("write `reading customer-safe` or `reading earliest`")
                        .suggest(&r.name, crate::vocab::Reading::NAMES),
                );
            }
            known
        }
    };
    let mut events = Vec::new();
    for e in &s.events {
        let at = instant(sink, env, ps, &e.at);
        let known = scope.check_event(sink, &e.event, env.general_events);
        let amount = match &e.amount {
            Some(a) => literals::amount(sink, a).map(|(v, _)| Some(v)),
            None => Some(None),
        };
        let until = match &e.until {
            Some(u) => literals::instant(sink, u, env.zone).map(Some),
            None => Some(None),
        };
        if let (Some(at), true, Some(amount), Some(until)) = (at, known, amount, until) {
            events.push(EventM {
                at,
                event: e.event.name.clone(),
                amount,
                until,
            });
        }
    }
    let mut expects = Vec::new();
    for x in &s.expects {
        for kind in expectation(sink, env, ps, x) {
            expects.push(ExpectM {
                kind,
                origin: sink.origin(x.span),
            });
        }
    }
    Some((
        index,
        ScenarioM {
            name: s.name.value.clone(),
            product: s.product.name.clone(),
            billing: billing?,
            variants: variants?,
            reading: reading?,
            events,
            expects,
            origin: sink.origin(s.span),
        },
    ))
}

/// The account a scenario runs: its billing mode (the first word after the
/// product, unless the product is sold one way and the word is a variant
/// value) and its variant values, one per dimension, and every dimension
/// an applicable filter names (E0040, E0041).
fn account(
    sink: &mut Sink,
    ps: &ProductScope,
    s: &ast::Scenario,
) -> (Option<Billing>, Option<Vec<String>>) {
    let scope = &ps.scope;
    let first_is_variant = s.billing.as_ref().is_some_and(|b| {
        Billing::from_name(&b.name).is_none()
            && super::filters::dimension_of(&ps.dims, &b.name).is_some()
    });
    let (billing_word, words): (Option<&ast::Ident>, Vec<&ast::Ident>) = if first_is_variant {
        (None, s.billing.iter().chain(&s.variants).collect())
    } else {
        (s.billing.as_ref(), s.variants.iter().collect())
    };
    let billing = billing(sink, ps, s, billing_word);
    let mut ok = true;
    let mut given: Vec<(&str, &ast::Ident)> = Vec::new();
    for w in words {
        let Some(dim) = super::filters::dimension_of(&ps.dims, &w.name) else {
            sink.push(super::filters::unknown_value(w, &ps.dims, &scope.owner));
            ok = false;
            continue;
        };
        if let Some((_, first)) = given.iter().find(|(d, _)| *d == dim.name) {
            sink.push(
                Diagnostic::new(Code::E0041, format!("two values of variant `{}`", dim.name))
                    .at(w.span, "a second value")
                    .also(first.span, "first value")
                    .help("an account has one value of each dimension"),
            );
            ok = false;
            continue;
        }
        given.push((dim.name.as_str(), w));
    }
    if let (Some(b), true) = (billing, ok) {
        for (_, dim) in ps.filtered.iter().filter(|(x, _)| *x == b) {
            if given.iter().any(|(d, _)| d == dim) {
                continue;
            }
            let values = ps
                .dims
                .iter()
                .find(|d| d.name == *dim)
                .map_or(String::new(), |d| d.values.join(", "));
            sink.push(
                Diagnostic::new(
                    Code::E0041,
                    format!(
                        "scenario for `{}` {} needs its `{dim}`",
                        s.product.name,
                        b.name()
                    ),
                )
                .at(s.product.span, format!("which `{dim}`: {values}?"))
                .also(ps.span, "the product")
                .help(format!(
                    "rules or money terms of this account depend on `{dim}`; add one of its values after the billing mode (`for {} {} <value>`)",
                    s.product.name,
                    b.name()
                )),
            );
            ok = false;
        }
    }
    // in dimension order
    let values = ps
        .dims
        .iter()
        .filter_map(|d| given.iter().find(|(g, _)| *g == d.name))
        .map(|(_, w)| w.name.clone())
        .collect();
    (billing, ok.then_some(values))
}

fn billing(
    sink: &mut Sink,
    ps: &ProductScope,
    s: &ast::Scenario,
    word: Option<&ast::Ident>,
) -> Option<Billing> {
    let scope = &ps.scope;
    match word {
        Some(b) => {
            let mode = names::billing_mode(sink, b)?;
            if !scope.billing.contains(&mode) && scope.billing_broken {
                return None; // the declaration's own error says enough
            }
            if !scope.billing.contains(&mode) {
                let mut d = Diagnostic::new(
                    Code::E0014,
                    format!(
                        "billing mode `{}` is not declared by {}",
                        b.name, scope.owner
                    ),
                )
                .at(b.span, "the product is not sold this way")
                .help("use one of the product's declared billing modes");
                if let Some(decl) = scope.billing_span {
                    d = d.also(decl, "declared billing modes");
                }
                sink.push(d.suggest(&b.name, scope.billing.iter().map(|b| b.name())));
                return None;
            }
            Some(mode)
        }
        None => match scope.billing.as_slice() {
            [one] => Some(*one),
            _ if scope.billing_broken => None,
            _ => {
                sink.push(
                    Diagnostic::new(
                        Code::E0034,
                        format!("scenario for `{}` needs a billing mode", s.product.name),
                    )
                    .at(s.product.span, "which billing mode?")
                    .also(ps.span, "the product")
                    .help(format!(
                        "write `for {} <mode>` with one of the product's declared modes",
                        s.product.name
                    )),
                );
                None
            }
        },
    }
}

/// An instant, also checked against the working-day calendar when the
/// product's rules count workdays from it.
fn instant(
    sink: &mut Sink,
    env: &Env,
    ps: &ProductScope,
    lit: &InstantLit,
) -> Option<DateTime<Utc>> {
    let at = literals::instant(sink, lit, env.zone)?;
    if let Some(reach) = ps.workday_reach {
        let (lo, hi) = env.calendar;
        let start = at.with_timezone(&env.zone).date_naive();
        let end = (at + Duration::minutes(reach))
            .with_timezone(&env.zone)
            .date_naive();
        if start < lo || end > hi {
            sink.push(
                Diagnostic::new(
                    Code::E0025,
                    format!("`{}` is outside the working-day calendar", lit.text),
                )
                .at(lit.span, format!("workdays are known for {lo}..{hi} only"))
                .help(format!(
                    "this product counts workdays; keep scenario instants so that every deadline falls within {lo}..{hi}, or extend the calendar with a file (`calendar \"path\"` in the agreement header)"
                )),
            );
            return None;
        }
    }
    Some(at)
}

fn expectation(sink: &mut Sink, env: &Env, ps: &ProductScope, x: &ast::Expect) -> Vec<ExpectKindM> {
    let scope = &ps.scope;
    match &x.kind {
        ExpectKind::Fired { at, actions } => {
            let at = instant(sink, env, ps, at);
            no_amounts(sink, actions.iter());
            let resolved: Vec<_> = actions
                .iter()
                .filter_map(|a| {
                    let verb = names::verb(sink, &a.verb)?;
                    let targets = named_targets(sink, scope, verb, a);
                    Some((verb, targets))
                })
                .collect();
            let Some(at) = at else { return Vec::new() };
            resolved
                .into_iter()
                .map(|(verb, targets)| ExpectKindM::Fired { at, verb, targets })
                .collect()
        }
        ExpectKind::NotFired { action, before } => {
            let before = instant(sink, env, ps, before);
            no_amounts(sink, std::iter::once(action));
            let verb = names::verb(sink, &action.verb);
            let targets = verb.map(|v| named_targets(sink, scope, v, action));
            match (before, verb, targets) {
                (Some(before), Some(verb), Some(targets)) => vec![ExpectKindM::NotFired {
                    verb,
                    targets,
                    before,
                }],
                _ => Vec::new(),
            }
        }
        ExpectKind::State { at, subject, state } => {
            let at = instant(sink, env, ps, at);
            let kind = state_expectation(sink, scope, subject, state);
            match (at, kind) {
                (Some(at), Some(k)) => vec![k(at)],
                _ => Vec::new(),
            }
        }
        ExpectKind::Obligation { at, kind, amount } => {
            let at = instant(sink, env, ps, at);
            if !OBLIGATIONS.contains(&kind.name.as_str()) {
                sink.push(
                    Diagnostic::new(Code::E0033, format!("unknown obligation `{}`", kind.name))
                        .at(kind.span, "not an obligation kind")
                        .help("obligations are `late_fee`, `refund`, `liability_cap`")
                        .suggest(&kind.name, OBLIGATIONS.iter().copied()),
                );
                return Vec::new();
            }
            let amount = literals::amount(sink, amount);
            match (at, amount) {
                (Some(at), Some((amount, _))) => vec![ExpectKindM::Obligation {
                    at,
                    kind: kind.name.clone(),
                    amount,
                }],
                _ => Vec::new(),
            }
        }
        ExpectKind::Window { at, verb } => {
            let at = instant(sink, env, ps, at);
            let verb = names::verb(sink, verb);
            match (at, verb) {
                (Some(at), Some(verb)) => vec![ExpectKindM::Window { at, verb }],
                _ => Vec::new(),
            }
        }
    }
}

/// E0049: an expectation names what fired, not amounts (an obligation's
/// amount is `expect at … obligation <kind> <amount>`).
fn no_amounts<'a>(sink: &mut Sink, actions: impl Iterator<Item = &'a ast::Action>) {
    for a in actions {
        if let Some(amount) = &a.amount {
            sink.push(
                Diagnostic::new(Code::E0049, "an expected action takes no amount")
                    .at(amount.span, "an amount here")
                    .help(format!(
                        "expect the obligation instead: `expect at <instant> obligation {} <amount>`",
                        a.verb.name
                    )),
            );
        }
    }
}

/// Targets as written in an expectation: none written means any target.
fn named_targets(
    sink: &mut Sink,
    scope: &Scope,
    verb: crate::vocab::Verb,
    a: &ast::Action,
) -> Vec<Target> {
    if a.targets.is_empty() {
        Vec::new()
    } else {
        scope.targets(sink, verb, a.verb.span, &a.targets)
    }
}

type StateAt = Box<dyn Fn(DateTime<Utc>) -> ExpectKindM>;

fn bad_state(sink: &mut Sink, what: &str, state: &ast::Ident, allowed: &[&str]) {
    let list: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
    sink.push(
        Diagnostic::new(
            Code::E0033,
            format!("`{}` is not a state of {what}", state.name),
        )
        .at(state.span, "unknown state")
        .help(format!("states of {what}: {}", list.join(", ")))
        .suggest(&state.name, allowed.iter().copied()),
    );
}

fn parse_state<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}

/// `service active`, `compute suspended`, `data purged`, `instance released`.
/// `data` names the declared resource `data` when there is one, and all of
/// the product's data otherwise.
fn state_expectation(
    sink: &mut Sink,
    scope: &Scope,
    subject: &ast::Ident,
    state: &ast::Ident,
) -> Option<StateAt> {
    let name = subject.name.as_str();
    let s = state.name.as_str();
    if name == names::SERVICE {
        let Some(st) = parse_state::<ServiceState>(s) else {
            bad_state(
                sink,
                "the service",
                state,
                &["active", "suspended", "stopped", "terminated"],
            );
            return None;
        };
        return Some(Box::new(move |at| ExpectKindM::Service { at, state: st }));
    }
    if let Some(i) = scope.capabilities.iter().position(|c| c == name) {
        let Some(st) = parse_state::<CapabilityState>(s) else {
            bad_state(
                sink,
                "a capability",
                state,
                &["active", "suspended", "forbidden", "read_only"],
            );
            return None;
        };
        let capability = names::index(i);
        return Some(Box::new(move |at| ExpectKindM::Capability {
            at,
            capability,
            state: st,
        }));
    }
    if let Some(i) = scope.resources.iter().position(|c| c == name) {
        let Some(st) = parse_state::<ResourceState>(s) else {
            bad_state(
                sink,
                "a resource",
                state,
                &["retained", "released", "purged"],
            );
            return None;
        };
        let resource = names::index(i);
        return Some(Box::new(move |at| ExpectKindM::Resource {
            at,
            resource,
            state: st,
        }));
    }
    if name == "data" {
        let Some(st) = parse_state::<DataState>(s) else {
            bad_state(sink, "data", state, &["retained", "purged"]);
            return None;
        };
        return Some(Box::new(move |at| ExpectKindM::Data { at, state: st }));
    }
    sink.push(
        Diagnostic::new(
            Code::E0011,
            format!("unknown capability or resource `{name}`"),
        )
        .at(subject.span, format!("not declared in {}", scope.owner))
        .help("an expectation is about `service`, `data`, or a declared capability or resource")
        .suggest(name, scope.subjects()),
    );
    None
}
