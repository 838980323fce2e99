//! V0001–V0003, the “never” checks: a step that never fires, a cure that
//! never applies, a restoration of something never restricted. Each
//! searches one rule (with, for V0003, one rule that may restrict what it
//! restores): fewer rules leave a superset of the timelines, so what never
//! happens there never happens.

use super::explore::{guard_holds, was_cured};
use super::{Check, Ctx, Finding};
use crate::compile::{Automaton, StateId, StepIx};
use crate::model::{ResumeM, Target};
use crate::verify::search::Move;
use crate::vocab::Modality;
use std::collections::HashSet;

impl Ctx<'_> {
    /// V0001 and V0002 for rule `ri`; whether its cure ever applies.
    pub(super) fn fires_and_cures(&mut self, ri: usize) -> bool {
        let ir = self.ir();
        let rule = &ir.rules[ri];
        let cure_written = !ir.cures(ri).is_empty()
            || !ir
                .conjunctions
                .get(rule.conjunctions.range())
                .unwrap_or(&[])
                .is_empty();
        let cone = match self.cone(&[ri]) {
            Ok(c) => c,
            Err(why) => {
                self.undecided(Check::NeverFires, ri, why);
                return false;
            }
        };
        let Some(&r) = cone.index.get(&ri) else {
            return false;
        };
        let mut due: HashSet<StepIx> = HashSet::new();
        let mut fired: HashSet<StepIx> = HashSet::new();
        let mut cured = false;
        let (explored, _) = self.explore(&cone, (), |search, d, _, mv, d2| {
            match mv {
                Move::Fire(j, s) if j == r => {
                    due.insert(s);
                    if guard_holds(search, d, j, s) {
                        fired.insert(s);
                    }
                }
                Move::Event(..) if was_cured(search, d, d2, r) => cured = true,
                _ => {}
            }
            ((), false)
        });
        if explored.exhausted {
            self.undecided(
                Check::NeverFires,
                ri,
                format!("the search stopped after {} states", explored.states),
            );
            return false;
        }
        for s in rule.steps().map(StepIx) {
            if fired.contains(&s) || after_terminate(ir, ri, s) {
                continue;
            }
            let why = if due.contains(&s) {
                "its guard never holds when it is due"
            } else {
                "it never becomes due"
            };
            let place = self.step_place(ri, s);
            self.report.findings.push(Finding {
                check: Check::NeverFires,
                message: format!(
                    "step `{}` of rule {} never fires: {why}",
                    crate::compile::dot::step_words(ir, s),
                    ir.rule_name(ri)
                ),
                rule: ir.rule_name(ri).to_string(),
                place,
                counterexample: None,
            });
        }
        if cure_written && !cured {
            let place = self.cure_place(ri);
            self.report.findings.push(Finding {
                check: Check::CureNeverApplies,
                message: format!(
                    "the cure `until {}` of rule {} never applies",
                    ir.cure_texts(ri).join(", "),
                    ir.rule_name(ri)
                ),
                rule: ir.rule_name(ri).to_string(),
                place,
                counterexample: None,
            });
        }
        cured
    }

    /// V0003 for rule `ri`, whose cure applies on some timeline.
    pub(super) fn restores(&mut self, ri: usize) {
        let ir = self.ir();
        let rule = &ir.rules[ri];
        let all_written = self
            .models
            .get(ri)
            .and_then(Option::as_ref)
            .and_then(|m| m.rule.cure.as_ref())
            .is_some_and(|c| c.resume == ResumeM::All);
        let resumable = caps_of_fields(ir, rule.resume);
        if resumable == 0 {
            if all_written {
                let place = self.cure_place(ri);
                self.report.findings.push(Finding {
                    check: Check::RestoresNothing,
                    message: format!(
                        "`then resume all` of rule {} never restores anything: no step of the rule restricts a capability",
                        ir.rule_name(ri)
                    ),
                    rule: ir.rule_name(ri).to_string(),
                    place,
                    counterexample: None,
                });
            }
            return;
        }
        // the rules whose `will` steps restrict what the cure restores,
        // each searched beside this one
        let restrictors: Vec<usize> = (0..ir.rules.len())
            .filter(|&o| o != ri && restricts(ir, o) & resumable != 0)
            .collect();
        let cones = std::iter::once(vec![ri]).chain(restrictors.iter().map(|&o| {
            let mut v = vec![ri, o];
            v.sort_unstable();
            v
        }));
        for rules in cones {
            let cone = match self.cone(&rules) {
                Ok(c) => c,
                Err(why) => {
                    self.undecided(Check::RestoresNothing, ri, why);
                    return;
                }
            };
            let Some(&r) = cone.index.get(&ri) else {
                return;
            };
            let first = rule.first_state.0;
            let (explored, _) = self.explore(&cone, 0u64, |search, d, mask, mv, d2| {
                let mut m = *mask;
                match mv {
                    Move::Fire(j, s)
                        if search.ir.step(s).modality == Modality::Will
                            && guard_holds(search, d, j, s) =>
                    {
                        m |= step_restricts(search.ir, s) & resumable;
                    }
                    Move::Event(_, b) => {
                        if b.in_arrears() && !d.bal.in_arrears() {
                            for &s in &search.net.restrictions {
                                m |= step_restricts(search.ir, s) & resumable;
                            }
                        }
                        if was_cured(search, d, d2, r) {
                            let from = StateId(first + u32::from(d.locals[r]));
                            let back =
                                caps_of_fields(search.ir, search.ir.cure_resume(from)) & resumable;
                            if m & back != 0 {
                                return (m, true);
                            }
                            m &= !back;
                        }
                    }
                    _ => {}
                }
                (m, false)
            });
            if explored.hit.is_some() {
                return;
            }
            if explored.exhausted {
                self.undecided(
                    Check::RestoresNothing,
                    ri,
                    format!("the search stopped after {} states", explored.states),
                );
                return;
            }
        }
        let names: Vec<&str> = (0..64)
            .filter(|i| resumable & (1u64 << i) != 0)
            .filter_map(|i| ir.capabilities.get(i).map(String::as_str))
            .collect();
        let place = self.cure_place(ri);
        self.report.findings.push(Finding {
            check: Check::RestoresNothing,
            message: format!(
                "the cure of rule {} never restores anything: whenever it applies, `{}` is not restricted",
                ir.rule_name(ri),
                names.join("`, `")
            ),
            rule: ir.rule_name(ri).to_string(),
            place,
            counterexample: None,
        });
    }
}

/// W0004's steps: after a `terminate` of the same rule nothing fires.
fn after_terminate(ir: &Automaton, ri: usize, s: StepIx) -> bool {
    ir.rules[ri]
        .steps()
        .take_while(|&k| k < s.0)
        .any(|k| ir.step(StepIx(k)).terminates)
}

/// The capabilities (bit i = capability i) whose layout fields `fields`
/// covers ([`crate::compile::layout::Layout::cap_field`]).
fn caps_of_fields(ir: &Automaton, fields: u64) -> u64 {
    (0..ir.capabilities.len().min(64))
        .filter(|&i| fields & crate::compile::layout::Layout::cap_field(i) != 0)
        .fold(0, |m, i| m | 1u64 << i)
}

/// The capabilities (bit i = capability i) a step withdraws.
fn step_restricts(ir: &Automaton, s: StepIx) -> u64 {
    let mut m = 0;
    for a in ir.actions(s) {
        if !a.verb.info().restricts() {
            continue;
        }
        for t in ir.targets(a) {
            if let Target::Capability(i) = t {
                m |= 1u64.checked_shl(u32::from(*i)).unwrap_or(0);
            }
        }
    }
    m
}

/// What rule `r`'s `will` steps may withdraw.
fn restricts(ir: &Automaton, r: usize) -> u64 {
    ir.rules[r]
        .steps()
        .map(StepIx)
        .filter(|&s| ir.step(s).modality == Modality::Will)
        .fold(0, |m, s| m | step_restricts(ir, s))
}
