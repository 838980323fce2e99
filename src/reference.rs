//! A reference interpreter: evaluates a timeline directly over the checked
//! model, without the IR, packed states or cached deadlines. Deliberately
//! simple (loops over rules, vectors of plain enums) so the differential
//! test can hold the automaton to it. Same semantics (docs/semantics.md);
//! money arithmetic is the shared pure functions of [`crate::eval::money`].

use crate::ast::Modality;
use crate::calendar::Clock;
use crate::compile::StepIx;
use crate::eval::money;
use crate::eval::{
    Cap, EvalError, Evaluation, Fired, Obligation, ObligationKind, Pending, Status, Window,
};
use crate::model::{
    Agreement, Anchor, DurationM, MoneyKindM, ResourceState, ResumeM, RuleM, StepM, Target,
    TimingKindM, TimingM, Unit,
};
use crate::vocab::{Billing, Reading, Verb};
use rust_decimal::Decimal;

/// One event of a timeline, by name.
#[derive(Clone, Debug)]
pub struct RefEvent {
    pub at: i64,
    pub event: String,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
}

struct Run<'a> {
    rule: &'a RuleM,
    first: u32,
    trigger: Option<i64>,
    fired: usize,
}

fn harmful(s: &StepM) -> bool {
    matches!(s.modality, Modality::Will | Modality::May)
        && s.actions.iter().any(|a| a.verb.is_harmful())
}

/// (instant, both readings, window) of a placed step.
type Placed = (i64, Option<[i64; 2]>, Option<[i64; 2]>);

struct Ctx<'a> {
    clock: Clock,
    reading: Reading,
    rule: &'a RuleM,
}

impl Ctx<'_> {
    fn err(&self, e: crate::calendar::CalendarError) -> EvalError {
        EvalError::Calendar {
            rule: self.rule.name.clone(),
            source: e,
        }
    }

    fn one(
        &self,
        t: &TimingM,
        trigger: i64,
        late: bool,
    ) -> Result<(i64, Option<[i64; 2]>), EvalError> {
        let a = match t.anchor {
            Anchor::Trigger => trigger,
            Anchor::Step(j) => self.place(j, trigger)?.0,
        };
        let c = &self.clock;
        Ok(match t.kind {
            TimingKindM::At => (a, None),
            TimingKindM::After => (c.add(a, t.duration).map_err(|e| self.err(e))?, None),
            TimingKindM::Before => (c.sub(a, t.duration).map_err(|e| self.err(e))?, None),
            TimingKindM::Within => {
                let end = c.add(a, t.duration).map_err(|e| self.err(e))?;
                (if late { end } else { a }, Some([a, end]))
            }
            TimingKindM::OnDay => {
                let (s, e) = c.day_window(a, t.duration.count).map_err(|e| self.err(e))?;
                (if late { e } else { s }, Some([s, e]))
            }
        })
    }

    /// (instant, readings, window) of step `i` of the rule.
    fn place(&self, i: usize, trigger: i64) -> Result<Placed, EvalError> {
        let s = &self.rule.steps[i];
        let late = self.reading == Reading::CustomerSafe && harmful(s);
        let first = self.one(&s.timing, trigger, late)?;
        match &s.alternative {
            None => Ok((first.0, None, first.1)),
            Some(alt) => {
                let second = self.one(alt, trigger, late)?;
                let chosen = if late {
                    if second.0 > first.0 {
                        second
                    } else {
                        first
                    }
                } else if second.0 < first.0 {
                    second
                } else {
                    first
                };
                Ok((chosen.0, Some([first.0, second.0]), chosen.1))
            }
        }
    }
}

/// Evaluates `timeline` (sorted) at `at` for one product × billing.
pub fn evaluate(
    agreement: &Agreement,
    product: &str,
    billing: Billing,
    reading: Reading,
    timeline: &[RefEvent],
    at: i64,
) -> Result<Evaluation, EvalError> {
    let clock = Clock::exact(agreement.zone).map_err(|e| EvalError::Calendar {
        rule: "calendar".into(),
        source: e,
    })?;
    let Some(p) = agreement.product(product) else {
        return Err(EvalError::UnknownEvent(product.to_string()));
    };
    // Rule selection: product rules for the mode; general rules for the
    // mode unless a product rule on the same trigger performs the same
    // actions.
    let mut rules: Vec<&RuleM> = Vec::new();
    if let Some(g) = &agreement.general {
        rules.extend(g.rules.iter().filter(|r| r.general_applies(p, billing)));
    }
    rules.extend(p.rules.iter().filter(|r| r.billing.contains(&billing)));
    let mut runs: Vec<Run> = Vec::new();
    let mut n = 0u32;
    for r in rules {
        runs.push(Run {
            rule: r,
            first: n,
            trigger: None,
            fired: 0,
        });
        n += r.steps.len() as u32;
    }
    let mut caps = vec![Cap::Active; p.capabilities.len()];
    let mut res = vec![ResourceState::Retained; p.resources.len()];
    let mut terminated = false;
    let mut ended: Option<i64> = None;
    let mut actions: Vec<Fired> = Vec::new();
    // money facts
    let money_of = |want: fn(&MoneyKindM) -> bool| {
        p.money.iter().find(|m| want(&m.kind)).or_else(|| {
            agreement
                .general
                .as_ref()
                .and_then(|g| g.money.iter().find(|m| want(&m.kind)))
        })
    };
    let late_fee = money_of(|k| matches!(k, MoneyKindM::LateFee { .. }));
    let refund_term = money_of(|k| matches!(k, MoneyKindM::Refund { .. }));
    let cap_term = money_of(|k| {
        matches!(
            k,
            MoneyKindM::LiabilityCapMonths { .. }
                | MoneyKindM::LiabilityCapService
                | MoneyKindM::LiabilityCapAmount { .. }
        )
    });
    let mut arrears: Option<(i64, Option<Decimal>, Option<i64>)> = None; // start, principal, paid
    let mut purchase: Option<(i64, Option<Decimal>, Option<i64>)> = None;
    let mut breach: Option<i64> = None;

    // Fires due steps up to `t` one at a time, earliest first.
    let fire_until = |t: i64,
                      runs: &mut Vec<Run>,
                      caps: &mut Vec<Cap>,
                      res: &mut Vec<ResourceState>,
                      terminated: &mut bool,
                      ended: &mut Option<i64>,
                      actions: &mut Vec<Fired>|
     -> Result<(), EvalError> {
        loop {
            if *terminated {
                return Ok(());
            }
            let mut best: Option<(i64, usize, Placed)> = None;
            for (k, run) in runs.iter().enumerate() {
                let Some(trig) = run.trigger else { continue };
                if run.fired >= run.rule.steps.len() {
                    continue;
                }
                let ctx = Ctx {
                    clock,
                    reading,
                    rule: run.rule,
                };
                let pl = ctx.place(run.fired, trig)?;
                if pl.0 <= t && best.as_ref().is_none_or(|b| pl.0 < b.0) {
                    best = Some((pl.0, k, pl));
                }
            }
            let Some((when, k, pl)) = best else {
                return Ok(());
            };
            let run = &mut runs[k];
            let step = &run.rule.steps[run.fired];
            actions.push(Fired {
                at: when,
                step: StepIx(run.first + run.fired as u32),
                readings: pl.1,
                window: pl.2,
            });
            run.fired += 1;
            if step.modality == Modality::Will {
                for a in &step.actions {
                    match a.verb {
                        Verb::Terminate => {
                            *terminated = true;
                            *ended = Some(ended.map_or(when, |e: i64| e.min(when)));
                        }
                        Verb::Release | Verb::Purge => {
                            let all = a.targets.is_empty();
                            for (i, r) in res.iter_mut().enumerate() {
                                let hit = all || a.targets.contains(&Target::Resource(i as u16));
                                if hit && *r != ResourceState::Purged {
                                    *r = if a.verb == Verb::Purge {
                                        ResourceState::Purged
                                    } else {
                                        ResourceState::Released
                                    };
                                }
                            }
                        }
                        v => {
                            if let Some(c) = Cap::after(v) {
                                if a.targets.is_empty() {
                                    caps[0] = c;
                                }
                                for t in &a.targets {
                                    if let Target::Capability(i) = t {
                                        caps[*i as usize] = c;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };

    for ev in timeline.iter().filter(|e| e.at <= at) {
        fire_until(
            ev.at,
            &mut runs,
            &mut caps,
            &mut res,
            &mut terminated,
            &mut ended,
            &mut actions,
        )?;
        if terminated {
            continue;
        }
        // can every rule this event starts be placed?
        for run in &runs {
            let running = run.trigger.is_some();
            let done = running && run.fired >= run.rule.steps.len();
            let starts = run.rule.trigger == ev.event
                && (!running || (done && !cured_by(run.rule, &ev.event)));
            if starts {
                let ctx = Ctx {
                    clock,
                    reading,
                    rule: run.rule,
                };
                for i in 0..run.rule.steps.len() {
                    ctx.place(i, ev.at)?;
                }
            }
        }
        match ev.event.as_str() {
            "arrears" => {
                if let (Some(m), true) = (late_fee, arrears.is_none_or_paid()) {
                    if let MoneyKindM::LateFee { from, .. } = &m.kind {
                        let start = money::late_fee_start(&clock, *from, ev.at).map_err(|e| {
                            EvalError::Calendar {
                                rule: "late_fee".into(),
                                source: e,
                            }
                        })?;
                        arrears = Some((start, ev.amount, None));
                    }
                }
            }
            "payment" => {
                if let Some((_, _, paid @ None)) = &mut arrears {
                    *paid = Some(ev.at);
                }
            }
            "purchase" => purchase = Some((ev.at, ev.amount, ev.until)),
            "termination" => ended = Some(ended.map_or(ev.at, |e| e.min(ev.at))),
            "outage_start" => breach = Some(ev.at),
            _ => {}
        }
        for run in runs.iter_mut() {
            let running = run.trigger.is_some();
            let done = running && run.fired >= run.rule.steps.len();
            if running && cured_by(run.rule, &ev.event) {
                match run.rule.cure.as_ref().map(|c| &c.resume) {
                    Some(ResumeM::All) => caps.iter_mut().for_each(|c| *c = Cap::Active),
                    Some(ResumeM::Listed(l)) => {
                        l.iter().for_each(|i| caps[*i as usize] = Cap::Active)
                    }
                    _ => {}
                }
                run.trigger = None;
                run.fired = 0;
                continue;
            }
            if run.rule.trigger == ev.event
                && (!running || (done && !cured_by(run.rule, &ev.event)))
            {
                run.trigger = Some(ev.at);
                run.fired = 0;
            }
        }
        fire_until(
            ev.at,
            &mut runs,
            &mut caps,
            &mut res,
            &mut terminated,
            &mut ended,
            &mut actions,
        )?;
    }
    fire_until(
        at,
        &mut runs,
        &mut caps,
        &mut res,
        &mut terminated,
        &mut ended,
        &mut actions,
    )?;
    actions.sort_by_key(|f| f.at);

    // status
    let mut pending = Vec::new();
    let mut windows = Vec::new();
    let mut obligations = Vec::new();
    for run in &runs {
        let Some(trig) = run.trigger else { continue };
        let ctx = Ctx {
            clock,
            reading,
            rule: run.rule,
        };
        for (i, s) in run.rule.steps.iter().enumerate() {
            let fired = i < run.fired;
            if !fired && terminated {
                continue;
            }
            let step = StepIx(run.first + i as u32);
            let (when, _, window) = ctx.place(i, trig)?;
            if !fired {
                pending.push(Pending { due: when, step });
            }
            if let Some([s0, e0]) = window {
                if fired || s0 <= at {
                    windows.push(Window {
                        step,
                        start: s0,
                        end: Some(e0),
                    });
                }
            } else if fired && matches!(s.modality, Modality::May | Modality::CustomerMay) {
                windows.push(Window {
                    step,
                    start: when,
                    end: None,
                });
            }
            if fired && s.modality == Modality::CustomerMust {
                obligations.push(Obligation {
                    kind: ObligationKind::Step(step),
                    amount: None,
                    until: Some(window.map_or(when, |w| w[1])),
                });
            }
        }
    }
    pending.sort_by_key(|p| (p.due, p.step));
    if let (Some(m), Some((start, principal, paid))) = (late_fee, arrears) {
        if let MoneyKindM::LateFee {
            rate,
            per,
            rounding,
            ..
        } = &m.kind
        {
            let end = paid.map_or(at, |p| p.min(at));
            let amount = match principal {
                Some(x) => Some(
                    money::late_fee(&clock, x, *rate, *per, *rounding, start, end)
                        .map_err(|e| EvalError::Calendar {
                            rule: "late_fee".into(),
                            source: e,
                        })?
                        .ok_or(EvalError::Overflow)?,
                ),
                None => None,
            };
            obligations.push(Obligation {
                kind: ObligationKind::LateFee,
                amount,
                until: paid.filter(|p| *p <= at),
            });
        }
    }
    if let (Some(m), Some(end), Some((bought, Some(amount), Some(until)))) =
        (refund_term, ended, purchase)
    {
        if let (
            MoneyKindM::Refund {
                by_month,
                part_month_by_day,
            },
            true,
        ) = (&m.kind, end <= at)
        {
            let r = money::refund(
                &clock,
                amount,
                bought,
                until,
                end,
                *by_month && !*part_month_by_day,
            )
            .map_err(|e| EvalError::Calendar {
                rule: "refund".into(),
                source: e,
            })?;
            if let Some(r) = r {
                obligations.push(Obligation {
                    kind: ObligationKind::Refund,
                    amount: Some(r),
                    until: None,
                });
            }
        }
    }
    if let (Some(m), Some(b)) = (cap_term, breach) {
        let sum_since = |from: i64| -> Result<Decimal, EvalError> {
            let mut sum = Decimal::ZERO;
            for e in timeline.iter().filter(|e| e.at <= at) {
                if (e.event == "payment" || e.event == "purchase") && from <= e.at && e.at < b {
                    sum = sum
                        .checked_add(e.amount.unwrap_or_default())
                        .ok_or(EvalError::Overflow)?;
                }
            }
            Ok(money::round(sum, crate::model::Rounding::HalfUp))
        };
        let amount = match &m.kind {
            MoneyKindM::LiabilityCapAmount { amount, .. } => *amount,
            MoneyKindM::LiabilityCapService => sum_since(i64::MIN)?,
            MoneyKindM::LiabilityCapMonths { months } => {
                let from = clock
                    .sub(
                        b,
                        DurationM {
                            count: *months,
                            unit: Unit::Months,
                        },
                    )
                    .map_err(|e| EvalError::Calendar {
                        rule: "liability_cap".into(),
                        source: e,
                    })?;
                sum_since(from)?
            }
            _ => Decimal::ZERO,
        };
        obligations.push(Obligation {
            kind: ObligationKind::LiabilityCap,
            amount: Some(amount),
            until: None,
        });
    }
    let service =
        crate::eval::service_state(terminated, caps.first().copied().unwrap_or(Cap::Active));
    Ok(Evaluation {
        at,
        reading,
        actions,
        status: Status {
            at,
            pending,
            windows,
            capabilities: caps.iter().map(|c| c.public()).collect(),
            service,
            resources: res,
            obligations,
        },
    })
}

fn cured_by(r: &RuleM, event: &str) -> bool {
    r.cure
        .as_ref()
        .is_some_and(|c| c.events.iter().any(|e| e == event))
}

trait OpenEpisode {
    fn is_none_or_paid(&self) -> bool;
}

impl OpenEpisode for Option<(i64, Option<Decimal>, Option<i64>)> {
    fn is_none_or_paid(&self) -> bool {
        self.is_none_or(|(_, _, paid)| paid.is_some())
    }
}
