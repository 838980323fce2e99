//! A reference interpreter: evaluates a timeline directly over the checked
//! model, without the IR, packed states or cached deadlines. Deliberately
//! simple (loops over rules, vectors of plain enums) so the differential
//! test can hold the automaton to it. Same semantics (docs/semantics.md),
//! written again: it shares the vocabulary table ([`crate::vocab`], what
//! each verb does) and the calendar ([`crate::calendar`], how durations
//! fall) with the evaluator, and nothing of the evaluator itself — rule
//! selection, capability and service states and money arithmetic are its
//! own, so the differential test cross-checks them.

use crate::ast::Modality;
use crate::calendar::Clock;
use crate::compile::StepIx;
use crate::eval::{
    EvalError, Evaluation, Fired, Obligation, ObligationKind, Pending, Status, Window,
};
use crate::model::{
    Agreement, Anchor, CapabilityState, DurationM, LateFeeStart, MoneyKindM, Product, RatePeriod,
    ResourceState, ResumeM, Rounding, RuleM, ServiceState, StepM, Target, Terms, TimingKindM,
    TimingM, Unit,
};
use crate::vocab::{Billing, CapState, Reading, ResourceEffect};
use rust_decimal::{Decimal, RoundingStrategy};

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
            Anchor::Trigger | Anchor::Event(_) => trigger,
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
            TimingKindM::OnHour => {
                let (s, e) = c
                    .hour_window(a, t.duration.count)
                    .map_err(|e| self.err(e))?;
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
    // mode unless a product rule on the same trigger and mode performs any
    // of the same actions (专用条款 prevail).
    let own: Vec<&RuleM> = p
        .rules
        .iter()
        .filter(|r| r.billing.contains(&billing))
        .collect();
    let mut rules: Vec<&RuleM> = Vec::new();
    if let Some(g) = &agreement.general {
        for r in g.rules.iter().filter(|r| r.billing.contains(&billing)) {
            let replaced = own.iter().any(|o| {
                o.trigger == r.trigger
                    && r.steps.iter().flat_map(|s| &s.actions).any(|a| {
                        o.steps
                            .iter()
                            .flat_map(|s| &s.actions)
                            .any(|b| b.verb == a.verb)
                    })
            });
            if !replaced {
                rules.push(r);
            }
        }
    }
    rules.extend(own);
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
    let mut caps = vec![CapState::Active; p.capabilities.len()];
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
                      caps: &mut Vec<CapState>,
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
                    let info = a.verb.info();
                    if info.terminates {
                        *terminated = true;
                        *ended = Some(ended.map_or(when, |e: i64| e.min(when)));
                    }
                    for t in targets_in(agreement.general.as_ref(), p, run.rule, &a.targets) {
                        match (t, info.capability_after, info.resource_after) {
                            (Target::Capability(i), Some(c), _) => caps[usize::from(i)] = c,
                            (Target::Resource(i), _, Some(effect)) => {
                                let r = &mut res[usize::from(i)];
                                *r = match (effect, *r) {
                                    (_, ResourceState::Purged) | (ResourceEffect::Purge, _) => {
                                        ResourceState::Purged
                                    }
                                    (ResourceEffect::Release, _) => ResourceState::Released,
                                };
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    };

    let accepted =
        |t: i64| (crate::compile::layout::FIRST..=crate::compile::layout::LAST).contains(&t);
    for ev in timeline.iter().filter(|e| e.at <= at) {
        if let Some(t) = [Some(ev.at), ev.until]
            .into_iter()
            .flatten()
            .find(|t| !accepted(*t))
        {
            return Err(EvalError::OutOfRange { at: t });
        }
        if let Some(a) = ev.amount.filter(|a| *a < Decimal::ZERO) {
            return Err(EvalError::NegativeAmount {
                at: ev.at,
                amount: a,
            });
        }
        // deadlines strictly before the event, then the event, then those
        // due at its instant
        fire_until(
            ev.at - 1,
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
                        let start = late_fee_start(&clock, *from, ev.at).map_err(|e| {
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
                    Some(ResumeM::All) => caps.iter_mut().for_each(|c| *c = CapState::Active),
                    Some(ResumeM::Listed(l)) => {
                        l.iter().for_each(|i| caps[*i as usize] = CapState::Active)
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
    if !accepted(at) {
        return Err(EvalError::OutOfRange { at });
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
                    late_fee_amount(&clock, x, *rate, *per, *rounding, start, end)
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
                ..
            },
            true,
        ) = (&m.kind, end <= at)
        {
            let r = refund(
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
            Ok(round(sum, Rounding::HalfUp))
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
    let service = if terminated {
        ServiceState::Terminated
    } else {
        match caps.first() {
            Some(CapState::Stopped) => ServiceState::Stopped,
            Some(CapState::Suspended | CapState::Frozen) => ServiceState::Suspended,
            _ => ServiceState::Active,
        }
    };
    Ok(Evaluation {
        at,
        reading,
        actions,
        status: Status {
            at,
            pending,
            windows,
            capabilities: caps
                .iter()
                .map(|c| match c {
                    CapState::Active => CapabilityState::Active,
                    CapState::Forbidden => CapabilityState::Forbidden,
                    CapState::ReadOnly => CapabilityState::ReadOnly,
                    CapState::Suspended | CapState::Frozen | CapState::Stopped => {
                        CapabilityState::Suspended
                    }
                })
                .collect(),
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

/// An action's targets as indices into the product's lists: a general
/// rule names the general terms' capabilities and resources, matched by
/// name (a name the product lacks is no target).
fn targets_in(
    general: Option<&Terms>,
    p: &Product,
    rule: &RuleM,
    targets: &[Target],
) -> Vec<Target> {
    if !rule.general {
        return targets.to_vec();
    }
    let Some(g) = general else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for t in targets {
        match *t {
            Target::Capability(i) => {
                let name = g.capabilities.get(usize::from(i));
                if let Some(k) = p.capabilities.iter().position(|c| Some(c) == name) {
                    out.push(Target::Capability(k as u16));
                }
            }
            Target::Resource(i) => {
                let name = g.resources.get(usize::from(i));
                if let Some(k) = p.resources.iter().position(|c| Some(c) == name) {
                    out.push(Target::Resource(k as u16));
                }
            }
        }
    }
    out
}

// Money, written out again (the evaluator's is src/eval/money.rs).

fn round(x: Decimal, rounding: Rounding) -> Decimal {
    let mut r = match rounding {
        Rounding::HalfUp => x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        Rounding::Down => x.round_dp_with_strategy(2, RoundingStrategy::ToZero),
    };
    r.rescale(2);
    r
}

fn late_fee_start(
    clock: &Clock,
    from: LateFeeStart,
    arrears_at: i64,
) -> Result<i64, crate::calendar::CalendarError> {
    match from {
        LateFeeStart::Arrears => Ok(arrears_at),
        // 自欠费次日起: 00:00 local of the day after
        LateFeeStart::NextDay => {
            let next = clock
                .date(arrears_at)?
                .succ_opt()
                .ok_or(crate::calendar::CalendarError::OutOfRange)?;
            clock.midnight(next)
        }
    }
}

/// Whole `unit`s from `from` to `to`, by stepping one at a time.
fn whole(
    clock: &Clock,
    from: i64,
    to: i64,
    unit: Unit,
) -> Result<i64, crate::calendar::CalendarError> {
    let secs = match unit {
        Unit::Hours => Some(3_600),
        Unit::Days => Some(86_400),
        _ => None,
    };
    if let Some(secs) = secs {
        return Ok(if to > from { (to - from) / secs } else { 0 });
    }
    let mut n = 0u32;
    while to > from && clock.add(from, DurationM { count: n + 1, unit })? <= to {
        n += 1;
    }
    Ok(i64::from(n))
}

fn late_fee_amount(
    clock: &Clock,
    principal: Decimal,
    rate: Decimal,
    per: RatePeriod,
    rounding: Rounding,
    start: i64,
    end: i64,
) -> Result<Option<Decimal>, crate::calendar::CalendarError> {
    let unit = match per {
        RatePeriod::Hour => Unit::Hours,
        RatePeriod::Day => Unit::Days,
        RatePeriod::Month => Unit::Months,
    };
    let n = Decimal::from(whole(clock, start, end, unit)?);
    Ok(principal
        .checked_mul(rate)
        .and_then(|x| x.checked_mul(n))
        .map(|x| round(x, rounding)))
}

/// Refund of the unused part of `[bought, until)` ended at `ended`: a
/// started month (or day) counts as used.
fn refund(
    clock: &Clock,
    amount: Decimal,
    bought: i64,
    until: i64,
    ended: i64,
    by_month_only: bool,
) -> Result<Option<Decimal>, crate::calendar::CalendarError> {
    if !(bought <= ended && ended < until) {
        return Ok(None);
    }
    let unit = if by_month_only {
        Unit::Months
    } else {
        Unit::Days
    };
    let started = |to: i64| -> Result<i64, crate::calendar::CalendarError> {
        let n = whole(clock, bought, to, unit)?;
        let reached = clock.add(
            bought,
            DurationM {
                count: u32::try_from(n).map_err(|_| crate::calendar::CalendarError::OutOfRange)?,
                unit,
            },
        )?;
        Ok(if reached < to { n + 1 } else { n })
    };
    let total = started(until)?;
    if total == 0 {
        return Ok(None);
    }
    let used = started(ended)?.min(total);
    Ok(amount
        .checked_mul(Decimal::from(total - used))
        .and_then(|x| x.checked_div(Decimal::from(total)))
        .map(|x| round(x, Rounding::HalfUp)))
}
