//! Running the scenarios clause files carry (`clausec test`).
//!
//! A scenario is an executable example: a dated list of events and the
//! expectations that must hold. Each expectation is checked against a fresh
//! one-shot evaluation at its own instant, through the documented report
//! (names, not indices), so a scenario states behaviour the way a reader of
//! the JSON output would see it. Failures are data: the runner never prints.

use crate::eval::{Machine, Program, Report, SelectError};
use crate::model::{Agreement, ExpectKindM, ExpectM, Product, ScenarioM, Target};
use crate::vocab::{Billing, Reading, Verb};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The result of one scenario.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub agreement: String,
    pub product: String,
    pub name: String,
    pub file: String,
    pub line: usize,
    /// Expectations that failed (empty: the scenario passed).
    pub failures: Vec<Failure>,
    /// How many expectations were checked.
    pub checked: usize,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One failed expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub file: String,
    pub line: usize,
    /// The expectation in words.
    pub expected: String,
    /// What the evaluation gave.
    pub actual: String,
}

/// Runs every scenario of every agreement of `program`.
pub fn run_all(program: &Program) -> Vec<Outcome> {
    let mut machines: HashMap<(String, Billing, Reading), Result<Machine, SelectError>> =
        HashMap::new();
    let mut out = Vec::new();
    for a in &program.agreements {
        let scoped = Program::from_agreements(vec![a.clone()]);
        for p in &a.products {
            for s in &p.scenarios {
                let key = (p.id.clone(), s.billing, s.reading);
                let machine = machines
                    .entry(key)
                    .or_insert_with(|| scoped.select(&p.id, Some(s.billing), s.reading));
                out.push(run_one(a, p, s, machine.as_ref()));
            }
        }
        machines.clear();
    }
    out
}

/// Runs one scenario against an already selected machine.
pub fn run_one(
    a: &Agreement,
    p: &Product,
    s: &ScenarioM,
    machine: Result<&Machine, &SelectError>,
) -> Outcome {
    let mut outcome = Outcome {
        agreement: a.id.clone(),
        product: p.id.clone(),
        name: s.name.clone(),
        file: s.origin.file.clone(),
        line: s.origin.line,
        failures: Vec::new(),
        checked: 0,
    };
    let machine = match machine {
        Ok(m) => m,
        Err(e) => {
            outcome.failures.push(Failure {
                file: s.origin.file.clone(),
                line: s.origin.line,
                expected: format!("product `{}` to compile", p.id),
                actual: e.to_string(),
            });
            return outcome;
        }
    };
    let mut events = Vec::with_capacity(s.events.len());
    for e in &s.events {
        match machine.event(&e.event, e.at.timestamp()) {
            Ok(mut ev) => {
                ev.amount = e.amount;
                events.push(ev);
            }
            // An event no rule or money term of this product listens to
            // cannot change anything: leave it out.
            Err(crate::eval::EvalError::UnknownEvent(_)) => {}
            Err(other) => {
                outcome.failures.push(Failure {
                    file: s.origin.file.clone(),
                    line: s.origin.line,
                    expected: format!("event `{}` to be accepted", e.event),
                    actual: other.to_string(),
                });
                return outcome;
            }
        }
    }
    events.sort_by_key(|e| e.at);
    let horizon = s
        .expects
        .iter()
        .map(|x| expect_instant(&x.kind))
        .chain(s.events.iter().map(|e| e.at))
        .max()
        .unwrap_or_default();
    for x in &s.expects {
        outcome.checked += 1;
        if let Err(f) = check_expect(machine, p, &events, horizon, x) {
            outcome.failures.push(f);
        }
    }
    outcome
}

fn fail(x: &ExpectM, expected: String, actual: String) -> Failure {
    Failure {
        file: x.origin.file.clone(),
        line: x.origin.line,
        expected,
        actual,
    }
}

fn report_at(
    machine: &Machine,
    events: &[crate::eval::Event],
    at: DateTime<Utc>,
) -> Result<Report, String> {
    machine
        .evaluate(events, at.timestamp())
        .map(|e| machine.report(&e))
        .map_err(|e| e.to_string())
}

fn target_names(p: &Product, targets: &[Target]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| match t {
            Target::Capability(i) => p.capabilities.get(*i as usize).cloned(),
            Target::Resource(i) => p.resources.get(*i as usize).cloned(),
        })
        .collect()
}

fn action_words(verb: Verb, targets: &[String]) -> String {
    if targets.is_empty() {
        format!("`{}`", verb.name())
    } else {
        format!("`{} {}`", verb.name(), targets.join(", "))
    }
}

fn covers(actual: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| actual.contains(w))
}

fn instant(machine: &Machine, at: DateTime<Utc>) -> String {
    machine.format_instant(at.timestamp())
}

fn check_expect(
    machine: &Machine,
    p: &Product,
    events: &[crate::eval::Event],
    horizon: DateTime<Utc>,
    x: &ExpectM,
) -> Result<(), Failure> {
    let at = expect_instant(&x.kind);
    // Which actions fired is read off the whole scenario: a `before` step
    // (a notice ahead of a known expiry) fires at an instant earlier than
    // the event that schedules it. States are read at their own instant.
    let eval_at = match x.kind {
        ExpectKindM::Fired { .. } | ExpectKindM::NotFired { .. } => horizon,
        _ => at,
    };
    let report = report_at(machine, events, eval_at)
        .map_err(|e| fail(x, "the timeline to evaluate".into(), e))?;
    let when = instant(machine, at);
    match &x.kind {
        ExpectKindM::Fired { verb, targets, .. } => {
            let wanted = target_names(p, targets);
            let hit = report
                .actions
                .iter()
                .any(|a| a.at == when && a.action == verb.name() && covers(&a.targets, &wanted));
            if hit {
                return Ok(());
            }
            let same_verb: Vec<String> = report
                .actions
                .iter()
                .filter(|a| a.action == verb.name())
                .map(|a| format!("`{} {}` at {}", a.action, a.targets.join(", "), a.at))
                .collect();
            let pending: Vec<String> = report
                .pending
                .iter()
                .filter(|a| a.action == verb.name())
                .map(|a| {
                    format!(
                        "`{} {}` pending, due {}",
                        a.action,
                        a.targets.join(", "),
                        a.due
                    )
                })
                .collect();
            let actual = match (same_verb.is_empty(), pending.is_empty()) {
                (true, true) => format!("no `{}` up to {when}", verb.name()),
                _ => same_verb
                    .into_iter()
                    .chain(pending)
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            Err(fail(
                x,
                format!("{} at {when}", action_words(*verb, &wanted)),
                actual,
            ))
        }
        ExpectKindM::NotFired { verb, targets, .. } => {
            let wanted = target_names(p, targets);
            let hits: Vec<String> = report
                .actions
                .iter()
                .filter(|a| parse(&a.at).is_some_and(|t| t <= at.timestamp()))
                .filter(|a| {
                    a.action == verb.name()
                        && (wanted.is_empty() || wanted.iter().any(|w| a.targets.contains(w)))
                })
                .map(|a| format!("`{} {}` at {}", a.action, a.targets.join(", "), a.at))
                .collect();
            if hits.is_empty() {
                Ok(())
            } else {
                Err(fail(
                    x,
                    format!("no {} up to {when}", action_words(*verb, &wanted)),
                    hits.join("; "),
                ))
            }
        }
        ExpectKindM::Capability {
            capability, state, ..
        } => {
            let name = p
                .capabilities
                .get(*capability as usize)
                .cloned()
                .unwrap_or_default();
            let got = report.capabilities.get(&name).copied();
            if got == Some(*state) {
                Ok(())
            } else {
                Err(fail(
                    x,
                    format!("`{name}` {} at {when}", json_name(state)),
                    got.map_or("no such capability".into(), |g| {
                        format!("`{name}` {}", json_name(&g))
                    }),
                ))
            }
        }
        ExpectKindM::Service { state, .. } => {
            if report.service == *state {
                Ok(())
            } else {
                Err(fail(
                    x,
                    format!("service {} at {when}", json_name(state)),
                    format!("service {}", json_name(&report.service)),
                ))
            }
        }
        ExpectKindM::Data { state, .. } => {
            if report.data == *state {
                Ok(())
            } else {
                Err(fail(
                    x,
                    format!("data {} at {when}", json_name(state)),
                    format!("data {}", json_name(&report.data)),
                ))
            }
        }
        ExpectKindM::Resource {
            resource, state, ..
        } => {
            let name = p
                .resources
                .get(*resource as usize)
                .cloned()
                .unwrap_or_default();
            let got = report.resources.get(&name).copied();
            if got == Some(*state) {
                Ok(())
            } else {
                Err(fail(
                    x,
                    format!("`{name}` {} at {when}", json_name(state)),
                    got.map_or("no such resource".into(), |g| {
                        format!("`{name}` {}", json_name(&g))
                    }),
                ))
            }
        }
        ExpectKindM::Obligation { kind, amount, .. } => {
            let found: Vec<_> = report
                .obligations
                .iter()
                .filter(|o| &o.kind == kind)
                .collect();
            let matches = found.iter().any(|o| {
                o.amount
                    .as_deref()
                    .and_then(|s| s.parse::<rust_decimal::Decimal>().ok())
                    .is_some_and(|d| d == *amount)
            });
            if matches {
                Ok(())
            } else {
                let actual = if found.is_empty() {
                    format!("no `{kind}` obligation")
                } else {
                    found
                        .iter()
                        .map(|o| {
                            format!(
                                "`{kind}` {}",
                                o.amount.as_deref().unwrap_or("without amount")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                Err(fail(
                    x,
                    format!("obligation `{kind}` {amount} at {when}"),
                    actual,
                ))
            }
        }
        ExpectKindM::Window { verb, .. } => {
            let t = at.timestamp();
            let open = report.windows.iter().any(|w| {
                w.action == verb.name()
                    && parse(&w.start).is_some_and(|s| s <= t)
                    && w.end.as_deref().and_then(parse).is_none_or(|e| t <= e)
            });
            if open {
                Ok(())
            } else {
                let all: Vec<String> = report
                    .windows
                    .iter()
                    .map(|w| {
                        format!(
                            "`{}` [{}, {}]",
                            w.action,
                            w.start,
                            w.end.as_deref().unwrap_or("open")
                        )
                    })
                    .collect();
                Err(fail(
                    x,
                    format!("a `{}` window open at {when}", verb.name()),
                    if all.is_empty() {
                        "no window".into()
                    } else {
                        all.join("; ")
                    },
                ))
            }
        }
    }
}

fn parse(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp())
}

fn json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn expect_instant(k: &ExpectKindM) -> DateTime<Utc> {
    match k {
        ExpectKindM::Fired { at, .. }
        | ExpectKindM::Capability { at, .. }
        | ExpectKindM::Service { at, .. }
        | ExpectKindM::Data { at, .. }
        | ExpectKindM::Resource { at, .. }
        | ExpectKindM::Obligation { at, .. }
        | ExpectKindM::Window { at, .. } => *at,
        ExpectKindM::NotFired { before, .. } => *before,
    }
}
