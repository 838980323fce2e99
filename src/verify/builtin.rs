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

use super::account;
use super::dbm::Dbm;
use super::net::Net;
use super::search::{Disc, Monitor, Move, Search};
use super::{witness, ActionPat, Counterexample, Prop};
use crate::check::account::{conflict, Names, AGREEMENT, ORDER};
use crate::compile::{Automaton, EventId, StateId, StepIx};
use crate::eval::Machine;
use crate::model::{Agreement, Origin, Product, ResumeM, RuleM, Target};
use crate::vocab::{Modality, Verb};
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;

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

/// The outcome of one exploration.
struct Explored {
    states: usize,
    exhausted: bool,
    /// The moves from the start to the first move the observer marked.
    hit: Option<Vec<(Move, Disc)>>,
}

/// One searched cone of rules: its net and the events that reach it.
struct Cone {
    net: Net,
    events: Vec<EventId>,
    /// Per rule of the automaton: its index in the net.
    index: HashMap<usize, usize>,
}

/// A property that never moves its monitor: the exploration's own
/// observer watches the moves instead.
fn neutral() -> Prop {
    Prop::AfterNo {
        after: Vec::new(),
        action: ActionPat {
            verb: Verb::Notify,
            targets: Vec::new(),
        },
        until: Vec::new(),
    }
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

    fn cone(&self, rules: &[usize]) -> Result<Cone, String> {
        let ir = self.ir();
        let keep: Vec<bool> = (0..ir.rules.len()).map(|r| rules.contains(&r)).collect();
        let net = Net::build(ir, &self.machine.clock, &keep)?;
        let index = net
            .rules
            .iter()
            .enumerate()
            .map(|(j, r)| (r.ir_rule, j))
            .collect();
        let events = reacting_events(ir, &net);
        Ok(Cone { net, events, index })
    }

    /// Explores `cone`'s zone graph; `see` watches each move (the state
    /// before, the observer's value, the move, the state after) and gives
    /// the observer's next value and whether the move is the one sought.
    fn explore<X: Clone + Eq + Hash>(
        &mut self,
        cone: &Cone,
        x0: X,
        mut see: impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
    ) -> (Explored, Option<Counterexample>) {
        let prop = neutral();
        let search = Search {
            net: &cone.net,
            ir: self.ir(),
            mon: Monitor {
                prop: &prop,
                anchor: None,
                within: None,
            },
            events: cone.events.clone(),
        };
        let explored = explore(&search, self.limit, x0, &mut see);
        self.report.states += explored.states;
        let witness = explored
            .hit
            .as_ref()
            .and_then(|p| witness::concretise(&search, p, self.machine));
        (explored, witness)
    }

    /// V0001 and V0002 for rule `ri`; whether its cure ever applies.
    fn fires_and_cures(&mut self, ri: usize) -> bool {
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
    fn restores(&mut self, ri: usize) {
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

    /// Searches `rules`, then with the rules that `terminate` added when
    /// that finds the move sought; the full search decides.
    fn decide<X: Clone + Eq + Hash>(
        &mut self,
        check: Check,
        at: usize,
        rules: &[usize],
        x0: X,
        mut see: impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
    ) -> Option<Counterexample> {
        let ir = self.ir();
        let mut all = rules.to_vec();
        let mut rounds = vec![all.clone()];
        all.extend((0..ir.rules.len()).filter(|r| {
            !rules.contains(r) && ir.rules[*r].steps().any(|s| ir.step(StepIx(s)).terminates)
        }));
        all.sort_unstable();
        if all.len() > rules.len() {
            rounds.push(all);
        }
        let mut last = None;
        for round in rounds {
            let cone = match self.cone(&round) {
                Ok(c) => c,
                Err(why) => {
                    self.undecided(check, at, why);
                    return None;
                }
            };
            let (explored, witness) = self.explore(&cone, x0.clone(), &mut see);
            if explored.exhausted {
                self.undecided(
                    check,
                    at,
                    format!("the search stopped after {} states", explored.states),
                );
                return None;
            }
            explored.hit.as_ref()?;
            if cone.net.slack {
                last = Some(Err(format!(
                    "found when a period in calendar days that rest days extend (Civil Code Art. 203) ends on some day up to {} days late; where the calendar's rest days fall is not searched",
                    cone.net.rest_break
                )));
            } else {
                last = Some(witness.ok_or_else(|| {
                    "found on a path whose instants could not be reconstructed".to_string()
                }));
            }
        }
        match last {
            Some(Ok(c)) => Some(c),
            Some(Err(why)) => {
                self.undecided(check, at, why);
                None
            }
            None => None,
        }
    }

    /// V0004.
    fn irreversible(&mut self) {
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
    fn conflicts(&mut self) {
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

/// Every event the rules of `net` react to: triggers, cure events, the
/// parts of conjunctive cures, and `arrears` and `payment` when a rule
/// reads the balance (they are what moves it), sorted, once each.
pub(super) fn reacting_events(ir: &Automaton, net: &Net) -> Vec<EventId> {
    let mut events = Vec::new();
    for r in &net.rules {
        events.push(r.trigger);
        events.extend(&r.cures);
        if let Some(rule) = ir.rules.get(r.ir_rule) {
            events.extend(ir.conj_events.get(rule.conj_events.range()).unwrap_or(&[]));
        }
    }
    if net.balance {
        events.extend(["arrears", "payment"].iter().filter_map(|e| ir.event_id(e)));
    }
    events.sort_by_key(|e| e.0);
    events.dedup();
    events
}

/// The exploration proper: breadth-first in the number of events, as the
/// property search ([`Search::run`]), each discrete state with the
/// observer's value, subsumed zones skipped.
fn explore<X: Clone + Eq + Hash>(
    search: &Search,
    limit: usize,
    x0: X,
    see: &mut impl FnMut(&Search, &Disc, &X, Move, &Disc) -> (X, bool),
) -> Explored {
    struct Node<X> {
        disc: Disc,
        x: X,
        zone: Dbm,
        parent: usize,
        mv: Move,
    }
    let (d0, z0) = search.start();
    let mut nodes = vec![Node {
        disc: d0.clone(),
        x: x0.clone(),
        zone: z0,
        parent: usize::MAX,
        mv: Move::Start,
    }];
    let mut passed: HashMap<(Disc, X), Vec<usize>> = HashMap::new();
    passed.entry((d0, x0)).or_default().push(0);
    let mut queue = VecDeque::from([0usize]);
    let mut states = 0;
    let path = |nodes: &[Node<X>], mut i: usize, last: (Move, Disc)| {
        let mut out = vec![last];
        while i != usize::MAX {
            out.push((nodes[i].mv, nodes[i].disc.clone()));
            i = nodes[i].parent;
        }
        out.reverse();
        out
    };
    while let Some(i) = queue.pop_front() {
        states += 1;
        if states > limit {
            return Explored {
                states,
                exhausted: true,
                hit: None,
            };
        }
        for (mv, disc, mut zone, _) in search.successors(&nodes[i].disc, &nodes[i].zone) {
            let (x, hit) = see(search, &nodes[i].disc, &nodes[i].x, mv, &disc);
            if hit {
                return Explored {
                    states,
                    exhausted: false,
                    hit: Some(path(&nodes, i, (mv, disc))),
                };
            }
            zone.extrapolate(&search.net.max);
            let seen = passed.entry((disc.clone(), x.clone())).or_default();
            if seen.iter().any(|&j| nodes[j].zone.includes(&zone)) {
                continue;
            }
            seen.push(nodes.len());
            nodes.push(Node {
                disc,
                x,
                zone,
                parent: i,
                mv,
            });
            if matches!(mv, Move::Event(..)) {
                queue.push_back(nodes.len() - 1);
            } else {
                queue.push_front(nodes.len() - 1);
            }
        }
    }
    Explored {
        states,
        exhausted: false,
        hit: None,
    }
}

/// Whether the step `s` rule `j` (net numbering) fires from `d` does
/// something: its guard holds on the balance.
fn guard_holds(search: &Search, d: &Disc, j: usize, s: StepIx) -> bool {
    search
        .net
        .rules
        .get(j)
        .and_then(|r| r.steps.iter().find(|st| st.ix == s))
        .is_some_and(|st| account::holds(&st.guard, d.bal, d.res))
}

/// Whether the move from `d` to `d2` cured rule `j` (net numbering): back
/// to idle, or into the chain of the `even if cured` steps it keeps (only
/// a cure enters one).
fn was_cured(search: &Search, d: &Disc, d2: &Disc, j: usize) -> bool {
    let (Some(&k), Some(&k2), Some(rule)) =
        (d.locals.get(j), d2.locals.get(j), search.net.rules.get(j))
    else {
        return false;
    };
    let n = rule.steps.len();
    k != 0 && (k2 == 0 || (usize::from(k) <= n && usize::from(k2) > n + 1))
}

/// W0004's steps: after a `terminate` of the same rule nothing fires.
fn after_terminate(ir: &Automaton, ri: usize, s: StepIx) -> bool {
    ir.rules[ri]
        .steps()
        .take_while(|&k| k < s.0)
        .any(|k| ir.step(StepIx(k)).terminates)
}

fn has_cure(ir: &Automaton, r: usize) -> bool {
    !ir.cures(r).is_empty()
        || ir
            .rules
            .get(r)
            .is_some_and(|rule| !rule.conjunctions.range().is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;
    use crate::vocab::{Billing, Reading};

    /// The findings of `product` in `text` (postpaid, customer-safe).
    fn findings(text: &str, product: &str) -> Vec<(Check, String)> {
        let p = Program::compile_str("t.clause", text).expect("checks");
        let m = p
            .select(product, Some(Billing::Postpaid), Reading::CustomerSafe)
            .expect("compiles");
        let a = &p.agreements[0];
        let prod = a.product(product).expect("product");
        let r = check(&m, a, prod, super::super::STATE_LIMIT);
        assert!(r.undecided.is_empty(), "{:?}", r.undecided);
        r.findings
            .into_iter()
            .map(|f| (f.check, f.message))
            .collect()
    }

    #[test]
    fn a_restriction_while_in_arrears_is_what_a_cure_restores() {
        let text = r#"
product eci "弹性容器" §1 {
  billing postpaid
  capabilities new_instances
  while in arrears forbid new_instances §1.1
  on arrears {
    after 15d notify §1.2
    until payment then resume new_instances
  }
}
"#;
        assert_eq!(findings(text, "eci"), Vec::new());
        // without the restriction nothing restricts what the cure restores
        let bare = text.replace("  while in arrears forbid new_instances §1.1\n", "");
        let found = findings(&bare, "eci");
        assert!(
            found
                .iter()
                .any(|(c, m)| *c == Check::RestoresNothing && m.contains("new_instances")),
            "{found:?}"
        );
    }

    /// The property search sends the parts of a conjunctive cure too
    /// (`reacting_events`): without them the cure never completes, and a
    /// purge it stops was “proved” to follow every expiry.
    #[test]
    fn a_conjunctive_cure_is_searched_by_properties_too() {
        let text = r#"
product p "产品" §1 {
  billing prepaid
  resources data
  on expiry {
    after 7d purge data §1.1
    until renewal and order_paid
  }
}
"#;
        let program = Program::compile_str("t.clause", text).expect("checks");
        let m = program
            .select("p", Some(Billing::Prepaid), Reading::CustomerSafe)
            .expect("compiles");
        let id = |n: &str| m.ir.event_id(n).expect("event");
        let follows = Prop::Follows {
            action: ActionPat {
                verb: Verb::Purge,
                targets: Vec::new(),
            },
            after: vec![id("expiry")],
            unless: Vec::new(),
        };
        let out = super::super::verify(&m, &follows, super::super::STATE_LIMIT);
        let super::super::Verdict::Violated(c) = out.verdict else {
            panic!("{out:?}")
        };
        let sent: Vec<&str> = c.events.iter().map(|(_, e)| m.ir.event_name(*e)).collect();
        assert!(
            sent.contains(&"renewal") && sent.contains(&"order_paid"),
            "{sent:?}"
        );
    }

    #[test]
    fn an_arrears_the_credit_covers_leaves_the_account_settled() {
        // no guard on the rule: an arrears the credit covers starts it with
        // the account settled, so the guarded purge can fire
        let text = r#"
product log "日志服务" §1 {
  billing postpaid
  resources data
  on arrears {
    after 15d purge data if settled §1.1
    until payment
  }
}
"#;
        assert_eq!(findings(text, "log"), Vec::new());
        let guarded = text.replace("on arrears {", "on arrears if in arrears {");
        let found = findings(&guarded, "log");
        assert!(
            found
                .iter()
                .any(|(c, m)| *c == Check::NeverFires && m.contains("guard never holds")),
            "{found:?}"
        );
    }
}
