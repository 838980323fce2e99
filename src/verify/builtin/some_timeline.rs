//! V0004–V0005, the “some timeline” checks: an irreversible action while
//! another rule's cure for it is open, and a general and a product rule
//! that conflict on one trigger. Each searches the pair of rules (then
//! with the rules that `terminate`, `Ctx::decide`), and a finding carries
//! its timeline as a `scenario`.

use super::explore::{guard_holds, was_cured};
use super::{Check, Ctx, Finding};
use crate::check::account::{conflict, AGREEMENT, ORDER};
use crate::compile::{Automaton, StepIx};
use crate::model::Target;
use crate::verify::search::Move;
use crate::verify::witness;
use crate::vocab::{Modality, Verb};

impl Ctx<'_> {
    /// V0004.
    pub(super) fn irreversible(&mut self) {
        let ir = self.ir();
        for a in 0..ir.rules.len() {
            for s in ir.rules[a].steps().map(StepIx) {
                if ir.step(s).modality != Modality::Will {
                    continue;
                }
                for act in ir.actions(s) {
                    if !act.verb.is_irreversible() {
                        continue;
                    }
                    let verb = act.verb;
                    let targets = ir.targets(act).to_vec();
                    for b in (0..ir.rules.len()).filter(|&b| b != a && has_cure(ir, b)) {
                        let theirs = pending_like(ir, b, verb, &targets);
                        if theirs.is_empty() {
                            continue;
                        }
                        self.irreversible_pair(a, s, b, verb, &targets, &theirs);
                    }
                }
            }
        }
    }

    fn irreversible_pair(
        &mut self,
        a: usize,
        s: StepIx,
        b: usize,
        verb: Verb,
        targets: &[Target],
        theirs: &[StepIx],
    ) {
        let ir = self.ir();
        let mut rules = vec![a, b];
        rules.sort_unstable();
        let (ir_a, ir_b) = (a, b);
        let found = self.decide(
            Check::IrreversibleWhileCurable,
            a,
            &rules,
            (),
            |search, d, _, mv, d2| {
                let Move::Fire(j, t) = mv else {
                    return ((), false);
                };
                if t != s || search.net.rules[j].ir_rule != ir_a || !guard_holds(search, d, j, t) {
                    return ((), false);
                }
                let Some(jb) = search.net.rules.iter().position(|r| r.ir_rule == ir_b) else {
                    return ((), false);
                };
                let rule_b = &search.net.rules[jb];
                let open = !d2.term
                    && rule_b
                        .to_come(d2.locals[jb])
                        .iter()
                        .filter_map(|&i| rule_b.steps.get(i))
                        .any(|st| theirs.contains(&st.ix));
                ((), open)
            },
        );
        let Some(mut c) = found else { return };
        let what = action_words(ir, verb, targets);
        let at = c.step.map_or(c.end, |(t, _)| t);
        c.expect = format!(
            "expect no {what} before {}",
            witness::instant_text(self.machine, at)
        );
        c.reason = format!(
            "`{what}` fires at {} (rule {}) while rule {} still waits to do it unless `{}`",
            witness::instant_text(self.machine, at),
            ir.rule_name(a),
            ir.rule_name(b),
            ir.cure_texts(b).join(", ")
        );
        let place = self.step_place(a, s);
        self.report.findings.push(Finding {
            check: Check::IrreversibleWhileCurable,
            message: format!(
                "`{what}` of rule {} can fire while the cure `until {}` of rule {} still stops its own `{what}`",
                ir.rule_name(a),
                ir.cure_texts(b).join(", "),
                ir.rule_name(b)
            ),
            rule: ir.rule_name(a).to_string(),
            place,
            counterexample: Some(Box::new(c)),
        });
    }

    /// V0005.
    pub(super) fn conflicts(&mut self) {
        let ir = self.ir();
        for p in 0..ir.rules.len() {
            for g in 0..ir.rules.len() {
                let (Some(pm), Some(gm)) = (
                    self.models.get(p).and_then(Option::as_ref),
                    self.models.get(g).and_then(Option::as_ref),
                ) else {
                    continue;
                };
                if pm.rule.general || !gm.rule.general {
                    continue;
                }
                let Some(name) = conflict((pm.rule, pm.names), (gm.rule, gm.names)) else {
                    continue;
                };
                let name = name.to_string();
                self.conflict_pair(g, p, &name);
            }
        }
    }

    fn conflict_pair(&mut self, g: usize, p: usize, name: &str) {
        let ir = self.ir();
        let mine = touching(ir, p, name);
        let theirs = touching(ir, g, name);
        if mine.is_empty() || theirs.is_empty() {
            return;
        }
        let mut rules = vec![g, p];
        rules.sort_unstable();
        // bit 0: both started by one event and neither restarted nor cured
        // since; bit 1: the general rule's step on the state fired since;
        // bit 2: the product rule's
        let found = self.decide(Check::Conflict, p, &rules, 0u8, |search, d, x, mv, d2| {
            let net = &search.net.rules;
            let (Some(jg), Some(jp)) = (
                net.iter().position(|r| r.ir_rule == g),
                net.iter().position(|r| r.ir_rule == p),
            ) else {
                return (0, false);
            };
            match mv {
                Move::Event(..) => {
                    let started = |j: usize| {
                        (d.locals[j] == 0 || net[j].is_done(d.locals[j])) && d2.locals[j] == 1
                    };
                    let broken = |j: usize| started(j) || was_cured(search, d, d2, j);
                    if started(jg) && started(jp) {
                        (1, false)
                    } else if broken(jg) || broken(jp) {
                        (0, false)
                    } else {
                        (*x, false)
                    }
                }
                Move::Fire(j, s) if *x & 1 == 1 && guard_holds(search, d, j, s) => {
                    let mut x2 = *x;
                    if j == jg && theirs.contains(&s) {
                        x2 |= 2;
                    }
                    if j == jp && mine.contains(&s) {
                        x2 |= 4;
                    }
                    (x2, x2 == 7)
                }
                _ => (*x, false),
            }
        });
        let Some(mut c) = found else { return };
        let at = c.step.map_or(c.end, |(t, _)| t);
        let last = c.step.map(|(_, s)| s);
        let words = last.map_or(String::new(), |s| crate::compile::dot::step_words(ir, s));
        c.expect = match last.and_then(|s| ir.actions(s).first()) {
            Some(a) => format!(
                "expect no {} before {}",
                action_words(ir, a.verb, ir.targets(a)),
                witness::instant_text(self.machine, at)
            ),
            None => String::new(),
        };
        c.reason = format!(
            "one `{}` starts general rule {} and product rule {}; both change `{name}` (the last: `{words}` at {})",
            ir.event_name(ir.rules[p].trigger),
            ir.rule_name(g),
            ir.rule_name(p),
            witness::instant_text(self.machine, at)
        );
        let place = self.rule_place(p);
        self.report.findings.push(Finding {
            check: Check::Conflict,
            message: format!(
                "general rule {} and product rule {} both fire on one `{}` and change `{name}` differently",
                ir.rule_name(g),
                ir.rule_name(p),
                ir.event_name(ir.rules[p].trigger)
            ),
            rule: ir.rule_name(p).to_string(),
            place,
            counterexample: Some(Box::new(c)),
        });
    }
}

fn has_cure(ir: &Automaton, r: usize) -> bool {
    !ir.cures(r).is_empty()
        || ir
            .rules
            .get(r)
            .is_some_and(|rule| !rule.conjunctions.range().is_empty())
}

/// Rule `r`'s `will` steps that perform `verb` on one of `targets`.
fn pending_like(ir: &Automaton, r: usize, verb: Verb, targets: &[Target]) -> Vec<StepIx> {
    ir.rules[r]
        .steps()
        .map(StepIx)
        .filter(|&s| {
            ir.step(s).modality == Modality::Will
                && ir
                    .actions(s)
                    .iter()
                    .any(|a| a.verb == verb && ir.targets(a).iter().any(|t| targets.contains(t)))
        })
        .collect()
}

/// Rule `r`'s `will` steps that change the piece of state W0011 named.
fn touching(ir: &Automaton, r: usize, name: &str) -> Vec<StepIx> {
    ir.rules[r]
        .steps()
        .map(StepIx)
        .filter(|&s| {
            ir.step(s).modality == Modality::Will
                && ir.actions(s).iter().any(|a| match a.verb {
                    Verb::Terminate => name == AGREEMENT,
                    Verb::Void => name == ORDER,
                    v if v.info().capability_after.is_some()
                        || v.info().resource_after.is_some() =>
                    {
                        ir.targets(a).iter().any(|t| {
                            let n = match *t {
                                Target::Capability(i) => ir.capabilities.get(usize::from(i)),
                                Target::Resource(i) => ir.resources.get(usize::from(i)),
                            };
                            n.is_some_and(|n| n == name)
                        })
                    }
                    _ => false,
                })
        })
        .collect()
}

/// `purge data`, as a scenario's expectation writes an action.
fn action_words(ir: &Automaton, verb: Verb, targets: &[Target]) -> String {
    let names: Vec<&str> = targets
        .iter()
        .filter_map(|t| match *t {
            Target::Capability(i) => ir.capabilities.get(usize::from(i)),
            Target::Resource(i) => ir.resources.get(usize::from(i)),
        })
        .map(String::as_str)
        .collect();
    if names.is_empty() {
        verb.name().to_string()
    } else {
        format!("{} {}", verb.name(), names.join(", "))
    }
}
