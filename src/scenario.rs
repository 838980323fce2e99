//! Running the scenarios clause files carry (`clausec test`).
//!
//! A scenario is an executable example: a dated list of events and the
//! expectations that must hold. What an expectation means is decided in
//! [`crate::expect`], which `clausec diff` uses too. Failures are data: the
//! runner never prints.

use crate::compile::Selection;
use crate::eval::{Machine, Program, SelectError};
use crate::expect::{check, Expectation, Verdict};
use crate::model::{Agreement, ExpectM, Product, ScenarioM};
use crate::vocab::{Billing, Reading};
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
    type Key = (String, Billing, Vec<String>, Reading);
    let mut machines: HashMap<Key, Result<Machine, SelectError>> = HashMap::new();
    let mut out = Vec::new();
    for a in &program.agreements {
        let scoped = Program::from_agreements(vec![a.clone()]);
        for p in &a.products {
            for s in &p.scenarios {
                let key = (p.id.clone(), s.billing, s.variants.clone(), s.reading);
                let machine = machines.entry(key).or_insert_with(|| {
                    let mut selection = Selection::default().billing(s.billing).reading(s.reading);
                    selection.variants = s.variants.clone();
                    scoped.select_with(&p.id, &selection)
                });
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
                ev.until = e.until.map(|u| u.timestamp());
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
    for x in &s.expects {
        outcome.checked += 1;
        let expectation = Expectation::from_model(&x.kind, p);
        match check(machine, &events, &expectation) {
            Ok(Verdict::Holds) => {}
            Ok(Verdict::Fails { expected, actual }) => {
                outcome.failures.push(fail(x, expected, actual))
            }
            Err(e) => {
                outcome
                    .failures
                    .push(fail(x, "the timeline to evaluate".into(), e.to_string()))
            }
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
