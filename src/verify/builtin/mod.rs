//! Built-in checks: what `clausec verify` finds in every product without a
//! property written (issue #17 item 2), over the same zone graph as the
//! properties (docs/semantics.md, “Built-in checks”).
//!
//! * V0001: a step that never fires (never due, or its guard never holds
//!   when it is due);
//! * V0002: a cure that never applies;
//! * V0003: a `then resume` that never restores anything (whenever the
//!   cure applies, what it would restore is not restricted);
//! * V0004: an irreversible action (the vocabulary's
//!   [`crate::vocab::ActionInfo::irreversible`]) fired by one rule while
//!   another rule, whose cure still stops its own such action on the same
//!   resource, waits;
//! * V0005: a general and a product rule that conflict as W0011 decides
//!   ([`crate::check::account::conflict`]) started by one trigger event,
//!   both of whose conflicting steps fire.
//!
//! The “never” checks (V0001–V0003) search one rule, with the rules that
//! may restrict what it restores added one at a time: rules share nothing
//! but the balance and `terminate`, and dropping rules (a `terminate`
//! only cuts a timeline short) leaves a superset of the timelines, so what
//! never happens there never happens. The “some timeline” checks (V0004,
//! V0005) search the pair of rules, and confirm a finding with the rules
//! that `terminate` added (the full search decides, as for properties); a
//! finding carries its timeline as a `scenario`.
//!
//! `never.rs` holds V0001–V0003, `some_timeline.rs` V0004–V0005, and
//! `explore.rs` the zone-graph exploration both share.

mod explore;
mod never;
mod some_timeline;
#[cfg(test)]
mod tests;

pub(super) use explore::reacting_events;

use super::Counterexample;
use crate::check::account::Names;
use crate::compile::{Automaton, StepIx};
use crate::eval::Machine;
use crate::model::{Agreement, Origin, Product, RuleM};

/// A built-in check, with its stable code (docs/errors.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    NeverFires,
    CureNeverApplies,
    RestoresNothing,
    IrreversibleWhileCurable,
    Conflict,
}

impl Check {
    pub const ALL: [Check; 5] = [
        Check::NeverFires,
        Check::CureNeverApplies,
        Check::RestoresNothing,
        Check::IrreversibleWhileCurable,
        Check::Conflict,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Check::NeverFires => "V0001",
            Check::CureNeverApplies => "V0002",
            Check::RestoresNothing => "V0003",
            Check::IrreversibleWhileCurable => "V0004",
            Check::Conflict => "V0005",
        }
    }

    /// One line saying what the check finds.
    pub fn summary(self) -> &'static str {
        match self {
            Check::NeverFires => "step that can never fire",
            Check::CureNeverApplies => "cure that can never apply",
            Check::RestoresNothing => "restoration of something never restricted",
            Check::IrreversibleWhileCurable => "irreversible action while a cure for it is open",
            Check::Conflict => "general and product rule fire on one trigger, conflicting",
        }
    }

    pub fn from_code(code: &str) -> Option<Check> {
        Check::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }
}

/// Where a finding points: the clause (a step, a cure, a rule).
#[derive(Clone, Debug)]
pub struct Place {
    pub file: String,
    pub line: usize,
    /// The clause's span, when the checked model has it.
    pub span: Option<crate::ast::Span>,
}

impl Place {
    fn of(o: &Origin) -> Place {
        Place {
            file: o.file.clone(),
            line: o.line,
            span: Some(o.span),
        }
    }
}

/// What a built-in check found on one automaton.
#[derive(Clone, Debug)]
pub struct Finding {
    pub check: Check,
    pub message: String,
    /// The rule's stable name.
    pub rule: String,
    pub place: Place,
    /// A timeline that shows it (V0004, V0005).
    pub counterexample: Option<Box<Counterexample>>,
}

/// A check the search could not decide for a rule (never a finding).
#[derive(Clone, Debug)]
pub struct Undecided {
    pub check: Check,
    pub rule: String,
    pub place: Place,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub undecided: Vec<Undecided>,
    /// Zone-graph nodes explored, over every search.
    pub states: usize,
}

/// The model of one rule of the automaton, and the names its targets index.
struct Model<'m> {
    rule: &'m RuleM,
    names: Names<'m>,
}

/// Runs every built-in check on `machine` (an automaton of `product` of
/// `agreement`); `limit` bounds each search.
pub fn check(machine: &Machine, agreement: &Agreement, product: &Product, limit: usize) -> Report {
    let ir = &machine.ir;
    let models: Vec<Option<Model>> = (0..ir.rules.len())
        .map(|ri| model_of(ir, agreement, product, ri))
        .collect();
    let mut ctx = Ctx {
        machine,
        models: &models,
        limit,
        report: Report::default(),
    };
    let mut cured = vec![false; ir.rules.len()];
    for (ri, c) in cured.iter_mut().enumerate() {
        *c = ctx.fires_and_cures(ri);
    }
    for (ri, &c) in cured.iter().enumerate() {
        if c {
            ctx.restores(ri);
        }
    }
    ctx.irreversible();
    ctx.conflicts();
    ctx.report
}

fn model_of<'m>(
    ir: &Automaton,
    agreement: &'m Agreement,
    product: &'m Product,
    ri: usize,
) -> Option<Model<'m>> {
    let text = ir.text.rules.get(ri)?;
    let here = |r: &&RuleM| r.origin.file == text.file && r.origin.line == text.line;
    if text.general {
        let g = agreement.general.as_ref()?;
        let rule = g.rules.iter().find(here)?;
        Some(Model {
            rule,
            names: (&g.capabilities, &g.resources),
        })
    } else {
        let rule = product.rules.iter().find(here)?;
        Some(Model {
            rule,
            names: (&product.capabilities, &product.resources),
        })
    }
}

struct Ctx<'a> {
    machine: &'a Machine,
    models: &'a [Option<Model<'a>>],
    limit: usize,
    report: Report,
}

impl<'a> Ctx<'a> {
    fn ir(&self) -> &'a Automaton {
        &self.machine.ir
    }

    fn rule_place(&self, ri: usize) -> Place {
        match self.models.get(ri).and_then(Option::as_ref) {
            Some(m) => Place::of(&m.rule.origin),
            None => {
                let t = self.ir().text.rules.get(ri);
                Place {
                    file: t.map(|t| t.file.clone()).unwrap_or_default(),
                    line: t.map_or(0, |t| t.line),
                    span: None,
                }
            }
        }
    }

    fn step_place(&self, ri: usize, s: StepIx) -> Place {
        let k = s.0.checked_sub(self.ir().rules[ri].first_step);
        let model = self.models.get(ri).and_then(Option::as_ref);
        match (model, k) {
            (Some(m), Some(k)) => match m.rule.steps.get(k as usize) {
                Some(st) => Place::of(&st.origin),
                None => self.rule_place(ri),
            },
            _ => {
                let t = self.ir().text(s);
                Place {
                    file: t.file.clone(),
                    line: t.line,
                    span: None,
                }
            }
        }
    }

    fn cure_place(&self, ri: usize) -> Place {
        match self
            .models
            .get(ri)
            .and_then(Option::as_ref)
            .and_then(|m| m.rule.cure.as_ref())
        {
            Some(c) => Place::of(&c.origin),
            None => self.rule_place(ri),
        }
    }

    fn undecided(&mut self, check: Check, ri: usize, reason: String) {
        let place = self.rule_place(ri);
        self.report.undecided.push(Undecided {
            check,
            rule: self.ir().rule_name(ri).to_string(),
            place,
            reason,
        });
    }
}
