//! What an evaluation gives: the record of actions and the status at the
//! instant asked about — as the evaluator's [`Evaluation`] (today's
//! semantics, step indices in the compiler's order, for the differential
//! test) or as an [`Outcome`] by name (the account-state semantics, with
//! the actions the account state brings about, and the steps whose guard
//! did not hold).

use super::engine::{Act, Engine, Source};
use super::money;
use super::select;
use super::RefError;
use crate::ast::Modality;
use crate::compile::StepIx;
use crate::eval::{
    EvalError, Evaluation, Fired, Obligation, ObligationKind, Pending, Status, Window,
};
use crate::model::{
    CapabilityState, DurationM, MoneyKindM, MoneyM, ResourceState, Rounding, ServiceState, Target,
    Unit,
};
use crate::vocab::{CapState, Verb};
use rust_decimal::Decimal;

/// A capability's state as the status reads it: frozen and stopped read
/// `suspended`.
pub fn public(c: CapState) -> CapabilityState {
    match c {
        CapState::Active => CapabilityState::Active,
        CapState::Forbidden => CapabilityState::Forbidden,
        CapState::ReadOnly => CapabilityState::ReadOnly,
        CapState::Suspended | CapState::Frozen | CapState::Stopped => CapabilityState::Suspended,
    }
}

fn service(e: &Engine) -> ServiceState {
    if e.terminated {
        return ServiceState::Terminated;
    }
    match e.caps.first() {
        Some(CapState::Stopped) => ServiceState::Stopped,
        Some(CapState::Suspended | CapState::Frozen) => ServiceState::Suspended,
        _ => ServiceState::Active,
    }
}

/// Who owes an obligation and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Owed {
    /// A fired `customer must` step of rule `rule`.
    Step {
        rule: usize,
        step: usize,
    },
    LateFee,
    /// A refund; `Some` names the `no_refund` or refund term that decided.
    Refund,
    LiabilityCap,
    RefundWindow,
}

/// A window or right; `claim` for a refund window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenWindow {
    /// The step that opened it (`None`: a refund window).
    pub step: Option<(usize, usize)>,
    pub start: i64,
    pub end: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owing {
    pub what: Owed,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
    /// The money term it comes from (refunds: the one that decided).
    pub term: Option<usize>,
}

/// The status parts both outputs share, by rule and step.
pub struct Parts {
    /// (due, rule, step, kept: a cure coming now would not cancel it).
    pub pending: Vec<(i64, usize, usize, bool)>,
    pub windows: Vec<OpenWindow>,
    pub obligations: Vec<Owing>,
}

fn cal(rule: &str) -> impl Fn(crate::calendar::CalendarError) -> RefError + '_ {
    move |e| {
        RefError::Eval(EvalError::Calendar {
            rule: rule.to_string(),
            source: e,
        })
    }
}

/// Pending steps, windows and obligations at `at`.
pub fn parts(e: &Engine, at: i64) -> Result<Parts, RefError> {
    let mut pending = Vec::new();
    let mut windows = Vec::new();
    let mut obligations = Vec::new();
    for (k, run) in e.runs.iter().enumerate() {
        if run.trigger.is_none() {
            continue;
        }
        let rule = e.rules[k];
        for (i, s) in rule.steps.iter().enumerate() {
            let fired = run.fired.get(i).copied().unwrap_or(false);
            let waiting = run.pending.contains(&i);
            if !fired && (!waiting || e.terminated) {
                continue;
            }
            let Some((when, _, window)) = e.place(k, i)? else {
                continue;
            };
            if !fired {
                // kept: the rule was cured and waits for it, or a cure
                // coming now would keep it; a rule without a cure keeps
                // nothing (nothing cancels its steps)
                let kept = run.waiting || (rule.cure.is_some() && e.keeps(k, i));
                pending.push((when, k, i, kept));
            }
            if let Some([s0, e0]) = window {
                if fired || s0 <= at {
                    windows.push(OpenWindow {
                        step: Some((k, i)),
                        start: s0,
                        end: Some(e0),
                    });
                }
            } else if fired && matches!(s.modality, Modality::May | Modality::CustomerMay) {
                windows.push(OpenWindow {
                    step: Some((k, i)),
                    start: when,
                    end: None,
                });
            }
            if fired && s.modality == Modality::CustomerMust {
                obligations.push(Owing {
                    what: Owed::Step { rule: k, step: i },
                    amount: s
                        .actions
                        .iter()
                        .find_map(|a| a.amount.as_ref().map(|m| m.value)),
                    until: Some(window.map_or(when, |w| w[1])),
                    term: None,
                });
            }
        }
    }
    pending.sort_by_key(|p| p.0);
    late_fee(e, at, &mut obligations)?;
    refund(e, at, &mut obligations)?;
    liability_cap(e, at, &mut obligations)?;
    refund_window(e, at, &mut windows, &mut obligations)?;
    Ok(Parts {
        pending,
        windows,
        obligations,
    })
}

fn term_index(e: &Engine, m: &MoneyM) -> Option<usize> {
    e.money.iter().position(|x| std::ptr::eq(*x, m))
}

fn late_fee(e: &Engine, at: i64, out: &mut Vec<Owing>) -> Result<(), RefError> {
    let Some(m) = select::first(&e.money, |k| matches!(k, MoneyKindM::LateFee { .. })) else {
        return Ok(());
    };
    let MoneyKindM::LateFee {
        rate,
        per,
        rounding,
        from,
    } = &m.kind
    else {
        return Ok(());
    };
    let term = term_index(e, m);
    // Each whole period of an episode accrues rate × the amount
    // outstanding at its end (before what happens at that instant);
    // the episode closes when the account is settled.
    let opened: Vec<_> = e.episodes.iter().filter(|(o, _)| *o <= at).collect();
    if opened.is_empty() {
        return Ok(());
    }
    let mut total = Decimal::ZERO;
    let mut unknown = false;
    for (open, close) in &opened {
        let start = money::late_fee_start(&e.clock, *from, *open).map_err(cal("late_fee"))?;
        let stop = close.map_or(at, |c| c.min(at));
        let mut k = 1u32;
        loop {
            let end = money::period_end(&e.clock, start, *per, k).map_err(cal("late_fee"))?;
            if end > stop {
                break;
            }
            let before = e
                .history
                .iter()
                .rfind(|(t, _, _)| *t < end)
                .map_or((Decimal::ZERO, false), |(_, o, u)| (*o, *u));
            match before {
                (_, true) => unknown = true,
                (owed, false) => {
                    total = owed
                        .max(Decimal::ZERO)
                        .checked_mul(*rate)
                        .and_then(|f| total.checked_add(f))
                        .ok_or(EvalError::Overflow)?;
                }
            }
            k += 1;
        }
    }
    let until = opened.last().and_then(|(_, c)| c.filter(|c| *c <= at));
    out.push(Owing {
        what: Owed::LateFee,
        amount: (!unknown).then(|| money::round(total, *rounding)),
        until,
        term,
    });
    Ok(())
}

fn refund(e: &Engine, at: i64, out: &mut Vec<Owing>) -> Result<(), RefError> {
    let Some(end) = e.ends.iter().filter(|x| x.at <= at).min_by_key(|x| x.at) else {
        return Ok(());
    };
    let decides = |m: &&MoneyM| match &m.kind {
        MoneyKindM::Refund { causes, .. } | MoneyKindM::NoRefund { causes } => {
            causes.is_empty() || causes.iter().any(|c| end.causes.contains(c))
        }
        _ => false,
    };
    let term = e.money.iter().copied().find(|m| decides(m));
    let Some(m) = term else { return Ok(()) };
    let index = term_index(e, m);
    match &m.kind {
        MoneyKindM::NoRefund { .. } => out.push(Owing {
            what: Owed::Refund,
            amount: Some(money::round(Decimal::ZERO, Rounding::HalfUp)),
            until: None,
            term: index,
        }),
        MoneyKindM::Refund {
            by_month,
            part_month_by_day,
            ..
        } => {
            let Some((bought, Some(amount), Some(until))) = e.purchase else {
                return Ok(());
            };
            let r = if *by_month && *part_month_by_day {
                money::refund_months_then_days(&e.clock, amount, bought, until, end.at)
            } else {
                money::refund_started(
                    &e.clock,
                    amount,
                    bought,
                    until,
                    end.at,
                    *by_month && !*part_month_by_day,
                )
            }
            .map_err(cal("refund"))?;
            if let Some(r) = r {
                out.push(Owing {
                    what: Owed::Refund,
                    amount: Some(r),
                    until: None,
                    term: index,
                });
            }
        }
        _ => {}
    }
    Ok(())
}

fn liability_cap(e: &Engine, at: i64, out: &mut Vec<Owing>) -> Result<(), RefError> {
    let cap = select::first(&e.money, |k| {
        matches!(
            k,
            MoneyKindM::LiabilityCapMonths { .. }
                | MoneyKindM::LiabilityCapService
                | MoneyKindM::LiabilityCapAmount { .. }
        )
    });
    let (Some(m), Some(b)) = (cap, e.breach) else {
        return Ok(());
    };
    let sum_since = |from: i64| -> Result<Decimal, RefError> {
        let mut sum = Decimal::ZERO;
        for ev in e.timeline.iter().filter(|x| x.at <= at) {
            if (ev.event == "payment" || ev.event == "purchase") && from <= ev.at && ev.at < b {
                sum = sum
                    .checked_add(ev.amount.unwrap_or_default())
                    .ok_or(EvalError::Overflow)?;
            }
        }
        Ok(money::round(sum, Rounding::HalfUp))
    };
    let amount = match &m.kind {
        MoneyKindM::LiabilityCapAmount { amount, .. } => *amount,
        MoneyKindM::LiabilityCapService => sum_since(i64::MIN)?,
        MoneyKindM::LiabilityCapMonths { months } => {
            let from = e
                .clock
                .sub(
                    b,
                    DurationM {
                        count: *months,
                        unit: Unit::Months,
                    },
                )
                .map_err(cal("liability_cap"))?;
            sum_since(from)?
        }
        _ => Decimal::ZERO,
    };
    out.push(Owing {
        what: Owed::LiabilityCap,
        amount: Some(amount),
        until: None,
        term: term_index(e, m),
    });
    Ok(())
}

/// `refund_window D from <event> [unless <event>]` (issue #12): while the
/// window from the latest `<event>` is open and `unless` has not happened
/// in it, the customer may claim a full refund of the purchase.
fn refund_window(
    e: &Engine,
    at: i64,
    windows: &mut Vec<OpenWindow>,
    out: &mut Vec<Owing>,
) -> Result<(), RefError> {
    let Some(m) = select::first(&e.money, |k| matches!(k, MoneyKindM::RefundWindow { .. })) else {
        return Ok(());
    };
    let MoneyKindM::RefundWindow {
        duration,
        from,
        unless,
    } = &m.kind
    else {
        return Ok(());
    };
    let Some(opened) = e.seen.iter().rev().find(|x| x.at <= at && x.event == *from) else {
        return Ok(());
    };
    let end = e
        .clock
        .add(opened.at, *duration)
        .map_err(cal("refund_window"))?;
    let lapsed = unless.as_ref().is_some_and(|u| {
        e.seen
            .iter()
            .any(|x| x.event == *u && opened.at <= x.at && x.at <= at)
    });
    if at > end || lapsed {
        return Ok(());
    }
    // the event's amount, or the last purchase's
    let amount = opened
        .amount
        .or_else(|| e.purchase.and_then(|(_, amount, _)| amount));
    windows.push(OpenWindow {
        step: None,
        start: opened.at,
        end: Some(end),
    });
    out.push(Owing {
        what: Owed::RefundWindow,
        amount: amount.map(|a| money::round(a, Rounding::HalfUp)),
        until: Some(end),
        term: term_index(e, m),
    });
    Ok(())
}

/// Step indices in the compiler's numbering: the rules' steps one after
/// another, in the order the rules apply.
fn step_ix(e: &Engine, k: usize, i: usize) -> StepIx {
    let before: usize = e.rules[..k].iter().map(|r| r.steps.len()).sum();
    StepIx(u32::try_from(before + i).unwrap_or(u32::MAX))
}

/// The index of the step that reports rule `k`'s cure restoring
/// capabilities, in the compiler's numbering: after every rule's own steps,
/// one per rule whose cure has a `then resume`, in rule order.
fn resume_step_ix(e: &Engine, k: usize) -> StepIx {
    let steps: usize = e.rules.iter().map(|r| r.steps.len()).sum();
    let before = e.rules[..k]
        .iter()
        .filter(|r| {
            r.cure
                .as_ref()
                .is_some_and(|c| c.resume != crate::model::ResumeM::Nothing)
        })
        .count();
    StepIx(u32::try_from(steps + before).unwrap_or(u32::MAX))
}

/// The index of the step that reports a refund window, in the compiler's
/// numbering: after the rules' steps and their resume steps.
fn claim_step_ix(e: &Engine) -> StepIx {
    let steps: usize = e.rules.iter().map(|r| r.steps.len()).sum();
    let resumes = e
        .rules
        .iter()
        .filter(|r| {
            r.cure
                .as_ref()
                .is_some_and(|c| c.resume != crate::model::ResumeM::Nothing)
        })
        .count();
    StepIx(u32::try_from(steps + resumes).unwrap_or(u32::MAX))
}

/// The index of restriction `index`'s step for its action `action` (or, with
/// `action` = its number of actions, of its lift), in the compiler's
/// numbering: after the rules' steps, their resume steps and the refund
/// window's claim step, each restriction's actions and then its lift.
fn restriction_step_ix(e: &Engine, index: usize, action: usize) -> StepIx {
    let claim = e.money.iter().any(|m| m.kind.family() == 3);
    let before: usize = e.restrictions[..index.min(e.restrictions.len())]
        .iter()
        .map(|r| r.actions.len() + 1)
        .sum();
    let first = claim_step_ix(e).0 as usize + usize::from(claim);
    StepIx(u32::try_from(first + before + action).unwrap_or(u32::MAX))
}

/// A refund term's index among the terms about what an end refunds (the
/// compiler's `Money::refunds`), from its index among all money terms.
fn refund_ix(e: &Engine, term: Option<usize>) -> u16 {
    let before = term.map_or(0, |t| {
        e.money
            .iter()
            .take(t)
            .filter(|m| m.kind.family() == 2)
            .count()
    });
    u16::try_from(before).unwrap_or(u16::MAX)
}

/// Today's semantics as the evaluator reports it.
pub fn evaluation(e: &Engine, at: i64) -> Result<Evaluation, RefError> {
    let mut actions: Vec<Fired> = e
        .acts
        .iter()
        .filter_map(|a| match a.source {
            Source::Step { rule, step } if !a.skipped => Some(Fired {
                at: a.at,
                step: step_ix(e, rule, step),
                readings: a.readings,
                window: a.window,
                restored: 0,
            }),
            Source::Cure { rule } => Some(Fired {
                at: a.at,
                step: resume_step_ix(e, rule),
                readings: None,
                window: None,
                restored: a.restored.iter().fold(0u32, |m, &c| {
                    m | 1u32.checked_shl(u32::from(c)).unwrap_or(0)
                }),
            }),
            Source::Restrict { index, action } => Some(Fired {
                at: a.at,
                step: restriction_step_ix(e, index, action),
                readings: None,
                window: None,
                restored: 0,
            }),
            Source::Lift { index } => Some(Fired {
                at: a.at,
                step: restriction_step_ix(
                    e,
                    index,
                    e.restrictions.get(index).map_or(0, |r| r.actions.len()),
                ),
                readings: None,
                window: None,
                restored: a.restored.iter().fold(0u32, |m, &c| {
                    m | 1u32.checked_shl(u32::from(c)).unwrap_or(0)
                }),
            }),
            _ => None,
        })
        .collect();
    actions.sort_by_key(|f| f.at);
    let p = parts(e, at)?;
    let mut pending: Vec<Pending> = p
        .pending
        .iter()
        .map(|(due, k, i, kept)| Pending {
            due: *due,
            step: step_ix(e, *k, *i),
            kept: *kept,
        })
        .collect();
    pending.sort_by_key(|x| (x.due, x.step));
    let windows = p
        .windows
        .iter()
        .map(|w| Window {
            step: w
                .step
                .map_or_else(|| claim_step_ix(e), |(k, i)| step_ix(e, k, i)),
            start: w.start,
            end: w.end,
        })
        .collect();
    let obligations = p
        .obligations
        .iter()
        .map(|o| {
            let kind = match o.what {
                Owed::Step { rule, step } => ObligationKind::Step(step_ix(e, rule, step)),
                Owed::LateFee => ObligationKind::LateFee,
                Owed::Refund => ObligationKind::Refund(refund_ix(e, o.term)),
                Owed::LiabilityCap => ObligationKind::LiabilityCap,
                Owed::RefundWindow => ObligationKind::RefundWindow,
            };
            Obligation {
                kind,
                amount: o.amount,
                until: o.until,
            }
        })
        .collect();
    Ok(Evaluation {
        at,
        reading: e.reading,
        actions,
        status: Status {
            at,
            pending,
            windows,
            capabilities: e.caps.iter().map(|c| public(*c)).collect(),
            service: service(e),
            resources: e.res.clone(),
            obligations,
        },
    })
}

/// One action by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionOut {
    pub at: i64,
    pub verb: Verb,
    pub targets: Vec<String>,
    pub modality: Modality,
    /// The rule (or restriction) it belongs to.
    pub rule: String,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub file: String,
    pub line: usize,
    pub readings: Option<[i64; 2]>,
    pub window: Option<[i64; 2]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingOut {
    pub due: i64,
    pub verb: Verb,
    pub targets: Vec<String>,
    pub rule: String,
    pub cite: Option<String>,
    /// A cure coming now would not cancel it (`even if cured`).
    pub kept: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowOut {
    pub verb: Verb,
    pub modality: Modality,
    pub start: i64,
    pub end: Option<i64>,
    pub rule: String,
    pub cite: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObligationOut {
    /// `customer` or `provider`.
    pub party: &'static str,
    /// `late_fee`, `refund`, `liability_cap`, `refund_window`, or a
    /// `customer must` step's verb.
    pub kind: String,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
    pub cite: Option<String>,
}

/// An evaluation under the account-state semantics, by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub at: i64,
    /// Every action up to `at`, in time order: fired steps, restrictions
    /// applied and lifted, cures' `resume`.
    pub actions: Vec<ActionOut>,
    /// Steps whose guard did not hold at their instant: they fired nothing
    /// (`explain` lists them as “skipped”).
    pub skipped: Vec<ActionOut>,
    pub pending: Vec<PendingOut>,
    pub windows: Vec<WindowOut>,
    /// By capability, `service` first.
    pub capabilities: Vec<(String, CapabilityState)>,
    pub service: ServiceState,
    pub resources: Vec<(String, ResourceState)>,
    pub obligations: Vec<ObligationOut>,
    /// The arrears balance: outstanding (negative: credit) and whether an
    /// arrears of unknown amount is unpaid.
    pub outstanding: Decimal,
    pub unknown_debt: bool,
}

fn names(e: &Engine, general: bool, targets: &[Target]) -> Vec<String> {
    targets
        .iter()
        .filter_map(|t| e.target(general, *t))
        .filter_map(|t| match t {
            Target::Capability(i) => e.product.capabilities.get(usize::from(i)),
            Target::Resource(i) => e.product.resources.get(usize::from(i)),
        })
        .cloned()
        .collect()
}

fn restored(e: &Engine, caps: &[u16]) -> Vec<String> {
    caps.iter()
        .filter_map(|c| e.product.capabilities.get(usize::from(*c)).cloned())
        .collect()
}

fn act_out(e: &Engine, a: &Act) -> Vec<ActionOut> {
    let base = |verb,
                targets,
                modality,
                rule: &str,
                cite: &Option<String>,
                quote: &Option<String>,
                origin: &crate::model::Origin| ActionOut {
        at: a.at,
        verb,
        targets,
        modality,
        rule: rule.to_string(),
        cite: cite.clone(),
        quote: quote.clone(),
        file: origin.file.clone(),
        line: origin.line,
        readings: a.readings,
        window: a.window,
    };
    match a.source {
        Source::Step { rule, step } => {
            let r = e.rules[rule];
            let s = &r.steps[step];
            s.actions
                .iter()
                .map(|x| {
                    base(
                        x.verb,
                        names(e, r.general, &x.targets),
                        s.modality,
                        &r.name,
                        &s.cite,
                        &s.quote,
                        &s.origin,
                    )
                })
                .collect()
        }
        Source::Cure { rule } => {
            let r = e.rules[rule];
            let Some(c) = &r.cure else { return Vec::new() };
            vec![base(
                Verb::Resume,
                restored(e, &a.restored),
                Modality::Will,
                &r.name,
                &c.cite,
                &c.quote,
                &c.origin,
            )]
        }
        Source::Restrict { index, action } => {
            let r = e.restrictions[index];
            r.actions
                .get(action)
                .map(|x| {
                    base(
                        x.verb,
                        names(e, r.general, &x.targets),
                        r.modality,
                        &r.name,
                        &r.cite,
                        &r.quote,
                        &r.origin,
                    )
                })
                .into_iter()
                .collect()
        }
        Source::Lift { index } => {
            let r = e.restrictions[index];
            vec![base(
                Verb::Resume,
                restored(e, &a.restored),
                Modality::Will,
                &r.name,
                &r.cite,
                &r.quote,
                &r.origin,
            )]
        }
    }
}

/// The account-state semantics by name.
pub fn outcome(e: &Engine, at: i64) -> Result<Outcome, RefError> {
    let mut acts: Vec<&Act> = e.acts.iter().collect();
    acts.sort_by_key(|a| a.at);
    let actions = acts
        .iter()
        .filter(|a| !a.skipped)
        .flat_map(|a| act_out(e, a))
        .collect();
    let skipped = acts
        .iter()
        .filter(|a| a.skipped)
        .flat_map(|a| act_out(e, a))
        .collect();
    let p = parts(e, at)?;
    let pending = p
        .pending
        .iter()
        .flat_map(|(due, k, i, kept)| {
            let r = e.rules[*k];
            let s = &r.steps[*i];
            s.actions.iter().map(move |x| PendingOut {
                due: *due,
                verb: x.verb,
                targets: names(e, r.general, &x.targets),
                rule: r.name.clone(),
                cite: s.cite.clone(),
                kept: *kept,
            })
        })
        .collect();
    let windows = p
        .windows
        .iter()
        .flat_map(|w| match w.step {
            Some((k, i)) => {
                let r = e.rules[k];
                let s = &r.steps[i];
                s.actions
                    .iter()
                    .map(|x| WindowOut {
                        verb: x.verb,
                        modality: s.modality,
                        start: w.start,
                        end: w.end,
                        rule: r.name.clone(),
                        cite: s.cite.clone(),
                    })
                    .collect::<Vec<_>>()
            }
            None => {
                let m = select::first(&e.money, |k| matches!(k, MoneyKindM::RefundWindow { .. }));
                vec![WindowOut {
                    verb: Verb::Claim,
                    modality: Modality::CustomerMay,
                    start: w.start,
                    end: w.end,
                    rule: "refund_window".into(),
                    cite: m.and_then(|m| m.cite.clone()),
                }]
            }
        })
        .collect();
    let obligations = p
        .obligations
        .iter()
        .map(|o| {
            let cite = o
                .term
                .and_then(|t| e.money.get(t))
                .and_then(|m| m.cite.clone());
            let (party, kind, cite) = match o.what {
                Owed::Step { rule, step } => {
                    let s = &e.rules[rule].steps[step];
                    let kind = s.actions.first().map_or("obligation", |a| a.verb.name());
                    ("customer", kind.to_string(), s.cite.clone())
                }
                Owed::LateFee => ("customer", "late_fee".to_string(), cite),
                Owed::Refund => ("provider", "refund".to_string(), cite),
                Owed::LiabilityCap => ("provider", "liability_cap".to_string(), cite),
                Owed::RefundWindow => ("provider", "refund_window".to_string(), cite),
            };
            ObligationOut {
                party,
                kind,
                amount: o.amount,
                until: o.until,
                cite,
            }
        })
        .collect();
    Ok(Outcome {
        at,
        actions,
        skipped,
        pending,
        windows,
        capabilities: e
            .product
            .capabilities
            .iter()
            .cloned()
            .zip(e.caps.iter().map(|c| public(*c)))
            .collect(),
        service: service(e),
        resources: e
            .product
            .resources
            .iter()
            .cloned()
            .zip(e.res.iter().copied())
            .collect(),
        obligations,
        outstanding: e.balance.outstanding,
        unknown_debt: e.balance.unknown,
    })
}
