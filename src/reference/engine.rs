//! The interpreter: rules as runs over a time line of events, the arrears
//! balance, restrictions, cures. Plain loops and vectors; every instant is
//! placed from scratch when it is needed.

use super::place::{Ctx, Placed};
use super::select;
use super::{Account, RefError, RefEvent};
use crate::ast::Modality;
use crate::calendar::Clock;
use crate::eval::EvalError;
use crate::model::{
    Agreement, ConditionM, CureM, MoneyKindM, MoneyM, Product, ResourceState, RestrictionM,
    ResumeM, RuleM, Target, Terms,
};
use crate::vocab::{CapState, Reading, ResourceEffect};
use rust_decimal::Decimal;

/// Where an action in the record came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Step `step` of applicable rule `rule`.
    Step { rule: usize, step: usize },
    /// The `then resume` of rule `rule`'s cure.
    Cure { rule: usize },
    /// Restriction `index` applied (the account entered arrears).
    Restrict { index: usize, action: usize },
    /// Restriction `index` lifted (the account was settled).
    Lift { index: usize },
}

/// One action of the record: a fired step, or an action the account state
/// brought about (a restriction applied or lifted, a cure's `resume`).
#[derive(Clone, Debug)]
pub struct Act {
    pub at: i64,
    pub source: Source,
    /// For `Cure` and `Lift`: the capabilities restored (product indices).
    pub restored: Vec<u16>,
    pub readings: Option<[i64; 2]>,
    pub window: Option<[i64; 2]>,
    /// A step whose guard did not hold: it fired nothing.
    pub skipped: bool,
}

/// One rule's progress.
#[derive(Clone, Debug, Default)]
pub struct Run {
    /// The trigger's instant while the rule runs or is done.
    pub trigger: Option<i64>,
    /// Steps still to fire, in order.
    pub pending: Vec<usize>,
    /// Instant each step fired (or was skipped) at.
    pub at: Vec<Option<i64>>,
    /// Whether each step fired (not skipped).
    pub fired: Vec<bool>,
    /// Cured, still waiting for its `even if cured` steps.
    pub waiting: bool,
    /// Events seen since the rule started (cure conjunctions).
    pub seen: Vec<String>,
    /// A payment since the rule started left the account settled.
    pub settled_seen: bool,
    /// Capabilities this rule's own steps restricted (`resume all`).
    pub restricted: Vec<u16>,
}

impl Run {
    fn running(&self) -> bool {
        self.trigger.is_some() && !self.waiting
    }
    fn done(&self) -> bool {
        self.running() && self.pending.is_empty()
    }
}

/// An end of the agreement, for refunds: when, and the events that caused
/// it (a terminating rule's trigger, `termination`, a refund term's cause).
#[derive(Clone, Debug)]
pub struct End {
    pub at: i64,
    pub causes: Vec<String>,
}

/// The arrears balance (issue #12).
#[derive(Clone, Debug, Default)]
pub struct Balance {
    pub outstanding: Decimal,
    pub unknown: bool,
    /// When the current arrears episode began (`None`: settled).
    pub since: Option<i64>,
}

impl Balance {
    pub fn in_arrears(&self) -> bool {
        self.unknown || self.outstanding > Decimal::ZERO
    }
}

/// The interpreter's whole state.
pub struct Engine<'a> {
    pub agreement: &'a Agreement,
    pub product: &'a Product,
    /// The whole time line (liability caps sum its payments).
    pub timeline: &'a [RefEvent],
    pub clock: Clock,
    pub reading: Reading,
    pub rules: Vec<&'a RuleM>,
    pub restrictions: Vec<&'a RestrictionM>,
    pub money: Vec<&'a MoneyM>,
    pub runs: Vec<Run>,
    pub caps: Vec<CapState>,
    pub res: Vec<ResourceState>,
    pub terminated: bool,
    pub ends: Vec<End>,
    pub acts: Vec<Act>,
    pub balance: Balance,
    /// (instant, outstanding, unknown) after each balance change.
    pub history: Vec<(i64, Decimal, bool)>,
    /// Arrears episodes: (opened, closed).
    pub episodes: Vec<(i64, Option<i64>)>,
    /// Latest instant each event started a rule.
    pub started: Vec<(String, i64)>,
    pub purchase: Option<(i64, Option<Decimal>, Option<i64>)>,
    pub breach: Option<i64>,
    /// Every event applied, in order (refund windows, caps).
    pub seen: Vec<RefEvent>,
}

fn cal(rule: &str) -> impl Fn(crate::calendar::CalendarError) -> RefError + '_ {
    move |e| {
        RefError::Eval(EvalError::Calendar {
            rule: rule.to_string(),
            source: e,
        })
    }
}

impl<'a> Engine<'a> {
    pub fn new(
        agreement: &'a Agreement,
        product: &'a Product,
        account: &'a Account,
        timeline: &'a [RefEvent],
        reading: Reading,
    ) -> Engine<'a> {
        let rules = select::rules(agreement, product, account);
        // restrictions while in arrears and `even if cured` are the
        // machine's meaning for every product: both semantics have them
        let restrictions = select::restrictions(agreement, product, account);
        Engine {
            agreement,
            product,
            timeline,
            clock: Clock::exact_with_calendar(agreement.zone, agreement.workdays),
            reading,
            runs: rules
                .iter()
                .map(|r| Run {
                    at: vec![None; r.steps.len()],
                    fired: vec![false; r.steps.len()],
                    ..Run::default()
                })
                .collect(),
            rules,
            restrictions,
            money: select::money(agreement, product, account),
            caps: vec![CapState::Active; product.capabilities.len()],
            res: vec![ResourceState::Retained; product.resources.len()],
            terminated: false,
            ends: Vec::new(),
            acts: Vec::new(),
            balance: Balance::default(),
            history: Vec::new(),
            episodes: Vec::new(),
            started: Vec::new(),
            purchase: None,
            breach: None,
            seen: Vec::new(),
        }
    }

    /// The product's index of a general rule's (or a restriction's)
    /// capability or resource, matched by name.
    pub fn target(&self, general: bool, t: Target) -> Option<Target> {
        if !general {
            return Some(t);
        }
        let g: &Terms = self.agreement.general.as_ref()?;
        match t {
            Target::Capability(i) => {
                let name = g.capabilities.get(usize::from(i))?;
                let k = self.product.capabilities.iter().position(|c| c == name)?;
                Some(Target::Capability(u16::try_from(k).ok()?))
            }
            Target::Resource(i) => {
                let name = g.resources.get(usize::from(i))?;
                let k = self.product.resources.iter().position(|c| c == name)?;
                Some(Target::Resource(u16::try_from(k).ok()?))
            }
        }
    }

    /// The instant `event` stands for as an anchor: the start of the
    /// current arrears episode for `arrears`, else the latest instant it
    /// started a rule.
    pub fn event_anchor(&self, event: &str) -> Option<i64> {
        if event == "arrears" {
            return self.balance.since;
        }
        self.started
            .iter()
            .find(|(e, _)| e == event)
            .map(|(_, at)| *at)
    }

    /// Places step `i` of rule `k` (`None`: an event it counts from has not
    /// happened).
    pub fn place(&self, k: usize, i: usize) -> Result<Option<Placed>, RefError> {
        let (rule, run) = (self.rules[k], &self.runs[k]);
        let Some(trigger) = run.trigger else {
            return Ok(None);
        };
        self.place_in(rule, trigger, &run.at, i)
    }

    /// Places step `i` of `rule` started at `trigger`, its steps having
    /// fired at `at`.
    fn place_in(
        &self,
        rule: &RuleM,
        trigger: i64,
        at: &[Option<i64>],
        i: usize,
    ) -> Result<Option<Placed>, RefError> {
        let anchor = |e: &str| self.event_anchor(e);
        let ctx = Ctx {
            clock: self.clock,
            reading: self.reading,
            rule,
            trigger,
            at,
            event_anchor: &anchor,
        };
        ctx.place(i).map_err(cal(&rule.name))
    }

    /// Whether a condition holds now. `general`: whether its indices are
    /// the general terms'.
    fn holds(&self, general: bool, c: &ConditionM) -> bool {
        match *c {
            ConditionM::InArrears => self.balance.in_arrears(),
            ConditionM::Settled => !self.balance.in_arrears(),
            ConditionM::Capability(i, want) => match self.target(general, Target::Capability(i)) {
                Some(Target::Capability(k)) => self
                    .caps
                    .get(usize::from(k))
                    .is_some_and(|c| super::output::public(*c) == want),
                _ => false,
            },
            ConditionM::Resource(i, want) => match self.target(general, Target::Resource(i)) {
                Some(Target::Resource(k)) => self.res.get(usize::from(k)) == Some(&want),
                _ => false,
            },
        }
    }

    /// Fires every step due at or before `t`, earliest first (ties: the
    /// rule written first).
    pub fn fire_until(&mut self, t: i64) -> Result<(), RefError> {
        loop {
            if self.terminated {
                return Ok(());
            }
            let mut best: Option<(usize, usize, Placed)> = None;
            for k in 0..self.runs.len() {
                let Some(&i) = self.runs[k].pending.first() else {
                    continue;
                };
                let Some(pl) = self.place(k, i)? else {
                    continue;
                };
                if pl.0 <= t && best.as_ref().is_none_or(|b| pl.0 < b.2 .0) {
                    best = Some((k, i, pl));
                }
            }
            let Some((k, i, pl)) = best else {
                return Ok(());
            };
            self.fire(k, i, pl);
        }
    }

    fn fire(&mut self, k: usize, i: usize, pl: Placed) {
        let rule = self.rules[k];
        let step = &rule.steps[i];
        let when = pl.0;
        let skipped = !step.guard.iter().all(|c| self.holds(rule.general, c));
        let run = &mut self.runs[k];
        run.pending.remove(0);
        run.at[i] = Some(when);
        run.fired[i] = !skipped;
        if run.waiting && run.pending.is_empty() {
            // the kept steps have fired: the rule is done
            run.waiting = false;
        }
        self.acts.push(Act {
            at: when,
            source: Source::Step { rule: k, step: i },
            restored: Vec::new(),
            readings: pl.1,
            window: pl.2,
            skipped,
        });
        if skipped || step.modality != Modality::Will {
            return;
        }
        for a in &step.actions {
            let info = a.verb.info();
            if info.terminates {
                self.terminated = true;
                self.ends.push(End {
                    at: when,
                    causes: vec![rule.trigger.clone()],
                });
            }
            let targets: Vec<Target> = a
                .targets
                .iter()
                .filter_map(|t| self.target(rule.general, *t))
                .collect();
            for t in targets {
                match (t, info.capability_after, info.resource_after) {
                    (Target::Capability(c), Some(after), _) => {
                        if let Some(slot) = self.caps.get_mut(usize::from(c)) {
                            *slot = after;
                        }
                        let run = &mut self.runs[k];
                        if after != CapState::Active && !run.restricted.contains(&c) {
                            run.restricted.push(c);
                        }
                    }
                    (Target::Resource(r), _, Some(effect)) => {
                        if let Some(slot) = self.res.get_mut(usize::from(r)) {
                            *slot = match (effect, *slot) {
                                (_, ResourceState::Purged) | (ResourceEffect::Purge, _) => {
                                    ResourceState::Purged
                                }
                                (ResourceEffect::Release, _) => ResourceState::Released,
                            };
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Whether `ev` (already applied to the balance) cures rule `k`.
    fn cures(&self, cure: &CureM, run: &Run, ev: &RefEvent) -> bool {
        if cure.events.contains(&ev.event) {
            return true;
        }
        let settled_now = !self.balance.in_arrears();
        cure.conjunctions.iter().any(|c| {
            let completes = c.events.contains(&ev.event) || (c.settled && ev.event == "payment");
            let events = c.events.iter().all(|e| run.seen.contains(e));
            let settled = !c.settled || (run.settled_seen && settled_now);
            completes && events && settled
        })
    }

    /// Applies one event of the time line: the deadlines due before it,
    /// then the event, then the deadlines due at its instant (a cure at the
    /// instant a step falls due cancels it: docs/semantics.md).
    pub fn event(&mut self, ev: &RefEvent) -> Result<(), RefError> {
        self.fire_until(ev.at - 1)?;
        if self.terminated {
            // Only money goes on after the agreement ended (issue #12): a
            // payment still settles the balance and closes the late fee.
            self.balance_event(ev, false)?;
            self.seen.push(ev.clone());
            return Ok(());
        }
        // can every rule this event starts be placed?
        for k in 0..self.runs.len() {
            let (rule, run) = (self.rules[k], &self.runs[k]);
            let starts = rule.trigger == ev.event
                && !run.waiting
                && (!run.running() || (run.done() && !self.names_in_cure(k, &ev.event)));
            if starts {
                let fresh = vec![None; rule.steps.len()];
                for i in 0..rule.steps.len() {
                    self.place_in(rule, ev.at, &fresh, i)?;
                }
            }
        }
        self.balance_event(ev, true)?;
        match ev.event.as_str() {
            "purchase" => self.purchase = Some((ev.at, ev.amount, ev.until)),
            "termination" => self.ends.push(End {
                at: ev.at,
                causes: vec!["termination".into()],
            }),
            "outage_start" => self.breach = Some(ev.at),
            _ => {}
        }
        if self.is_refund_cause(&ev.event) && ev.event != "termination" {
            self.ends.push(End {
                at: ev.at,
                causes: vec![ev.event.clone()],
            });
        }
        self.seen.push(ev.clone());
        for k in 0..self.runs.len() {
            self.edge(k, ev)?;
        }
        self.fire_until(ev.at)
    }

    fn names_in_cure(&self, k: usize, event: &str) -> bool {
        self.rules[k].cure.as_ref().is_some_and(|c| {
            c.events.iter().any(|e| e == event)
                || c.conjunctions
                    .iter()
                    .any(|x| x.events.iter().any(|e| e == event))
        })
    }

    fn is_refund_cause(&self, event: &str) -> bool {
        self.money.iter().any(|m| match &m.kind {
            MoneyKindM::Refund { causes, .. } | MoneyKindM::NoRefund { causes } => {
                causes.iter().any(|c| c == event)
            }
            _ => false,
        })
    }

    /// The event's edge on rule `k`: a cure, or a start.
    fn edge(&mut self, k: usize, ev: &RefEvent) -> Result<(), RefError> {
        let rule = self.rules[k];
        if self.runs[k].waiting {
            return Ok(()); // cured, waiting for its `even if cured` steps
        }
        if self.runs[k].running() {
            let settled = ev.event == "payment" && !self.balance.in_arrears();
            let run = &mut self.runs[k];
            if !run.seen.contains(&ev.event) {
                run.seen.push(ev.event.clone());
            }
            run.settled_seen |= settled;
            if let Some(cure) = &rule.cure {
                if self.cures(cure, &self.runs[k], ev) {
                    self.cure(k, cure, ev.at);
                    return Ok(());
                }
            }
        }
        let run = &self.runs[k];
        let starts = rule.trigger == ev.event
            && (!run.running() || (run.done() && !self.names_in_cure(k, &ev.event)))
            && rule.guard.iter().all(|c| self.holds(rule.general, c));
        if starts {
            let n = rule.steps.len();
            self.runs[k] = Run {
                trigger: Some(ev.at),
                pending: (0..n).collect(),
                at: vec![None; n],
                fired: vec![false; n],
                ..Run::default()
            };
            match self.started.iter_mut().find(|(e, _)| *e == ev.event) {
                Some(slot) => slot.1 = ev.at,
                None => self.started.push((ev.event.clone(), ev.at)),
            }
        }
        Ok(())
    }

    /// Whether a cure of rule `k` coming now would keep its pending step
    /// `i`: it is `even if cured` and its anchors have happened (the
    /// trigger, a step that fired or was skipped, an event that exists).
    pub fn keeps(&self, k: usize, i: usize) -> bool {
        let (Some(rule), Some(run)) = (self.rules.get(k), self.runs.get(k)) else {
            return false;
        };
        let Some(step) = rule.steps.get(i) else {
            return false;
        };
        step.even_if_cured
            && std::iter::once(&step.timing)
                .chain(&step.alternative)
                .all(|t| match t.anchor {
                    crate::model::Anchor::Trigger => true,
                    crate::model::Anchor::Step(j) => run.at.get(j).copied().flatten().is_some(),
                    crate::model::Anchor::Event(e) => rule
                        .anchor_events
                        .get(usize::from(e))
                        .and_then(|e| self.event_anchor(e))
                        .is_some(),
                })
    }

    /// A cure at `at`: restore, report the `resume`, cancel what the cure
    /// cancels.
    fn cure(&mut self, k: usize, cure: &CureM, at: i64) {
        let rule = self.rules[k];
        let wanted: Vec<u16> = match &cure.resume {
            ResumeM::Nothing => Vec::new(),
            // this rule's own restrictions (#12, the compiled machine's too):
            // a cure must not lift a restriction another rule still holds
            ResumeM::All => self.runs[k].restricted.clone(),
            ResumeM::Listed(l) => l
                .iter()
                .filter_map(
                    |i| match self.target(rule.general, Target::Capability(*i)) {
                        Some(Target::Capability(c)) => Some(c),
                        _ => None,
                    },
                )
                .collect(),
        };
        let mut restored = Vec::new();
        for c in wanted {
            if let Some(slot) = self.caps.get_mut(usize::from(c)) {
                if *slot != CapState::Active {
                    restored.push(c);
                }
                *slot = CapState::Active;
            }
        }
        if !restored.is_empty() {
            self.acts.push(Act {
                at,
                source: Source::Cure { rule: k },
                restored,
                readings: None,
                window: None,
                skipped: false,
            });
        }
        // `even if cured` steps whose anchor has happened stay
        let kept: Vec<usize> = self.runs[k]
            .pending
            .iter()
            .copied()
            .filter(|&i| self.keeps(k, i))
            .collect();
        let run = &mut self.runs[k];
        if kept.is_empty() {
            *run = Run {
                at: vec![None; rule.steps.len()],
                fired: vec![false; rule.steps.len()],
                ..Run::default()
            };
        } else {
            run.pending = kept;
            run.waiting = true;
        }
    }

    /// An `arrears` or `payment` changes the balance (issue #12); entering
    /// or leaving arrears applies or lifts the restrictions when `react`.
    fn balance_event(&mut self, ev: &RefEvent, react: bool) -> Result<(), RefError> {
        let was = self.balance.in_arrears();
        let b = &mut self.balance;
        match (ev.event.as_str(), ev.amount) {
            ("arrears", Some(a)) => {
                b.outstanding = b.outstanding.checked_add(a).ok_or(EvalError::Overflow)?;
            }
            ("arrears", None) => b.unknown = true,
            ("payment", Some(p)) => {
                b.outstanding = b.outstanding.checked_sub(p).ok_or(EvalError::Overflow)?;
                b.unknown = false;
            }
            ("payment", None) => {
                b.outstanding = b.outstanding.min(Decimal::ZERO);
                b.unknown = false;
            }
            _ => return Ok(()),
        }
        self.history
            .push((ev.at, self.balance.outstanding, self.balance.unknown));
        let now = self.balance.in_arrears();
        if !was && now {
            self.balance.since = Some(ev.at);
            self.episodes.push((ev.at, None));
            if react {
                self.restrict(ev.at);
            }
        } else if was && !now {
            self.balance.since = None;
            if let Some(last) = self.episodes.last_mut() {
                last.1 = Some(ev.at);
            }
            if react {
                self.lift(ev.at);
            }
        }
        Ok(())
    }

    fn restrict(&mut self, at: i64) {
        for index in 0..self.restrictions.len() {
            let r = self.restrictions[index];
            for (action, a) in r.actions.iter().enumerate() {
                let after = a.verb.info().capability_after;
                let targets: Vec<Target> = a
                    .targets
                    .iter()
                    .filter_map(|t| self.target(r.general, *t))
                    .collect();
                for t in targets {
                    if let (Target::Capability(c), Some(after)) = (t, after) {
                        if let Some(slot) = self.caps.get_mut(usize::from(c)) {
                            *slot = after;
                        }
                    }
                }
                self.acts.push(Act {
                    at,
                    source: Source::Restrict { index, action },
                    restored: Vec::new(),
                    readings: None,
                    window: None,
                    skipped: false,
                });
            }
        }
    }

    fn lift(&mut self, at: i64) {
        for index in 0..self.restrictions.len() {
            let r = self.restrictions[index];
            let mut restored = Vec::new();
            for a in &r.actions {
                let targets: Vec<Target> = a
                    .targets
                    .iter()
                    .filter_map(|t| self.target(r.general, *t))
                    .collect();
                for t in targets {
                    if let Target::Capability(c) = t {
                        if let Some(slot) = self.caps.get_mut(usize::from(c)) {
                            if *slot != CapState::Active && !restored.contains(&c) {
                                restored.push(c);
                            }
                            *slot = CapState::Active;
                        }
                    }
                }
            }
            if !restored.is_empty() {
                self.acts.push(Act {
                    at,
                    source: Source::Lift { index },
                    restored,
                    readings: None,
                    window: None,
                    skipped: false,
                });
            }
        }
    }
}
