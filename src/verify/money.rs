//! Money bounds (`late_fee at most 0.05% per day of arrears`): decided on
//! the late fee of a compiled automaton, over every timeline of arrears
//! and payments (docs/semantics.md, “Money bounds”).
//!
//! The late fee reads nothing of the rules: only the balance, moved by
//! `arrears` and `payment` (any amounts, any instants), and time. The
//! bound allows, for each whole local day counted from the day after the
//! account entered arrears (Civil Code Art. 201) until it is settled, the
//! rate times the most owed that day. The term charges each of its
//! periods the rate times the amount outstanding at the period's end. So
//! the term keeps to the bound on every timeline exactly when each charged
//! period can be paid for by a counted day of its own: its periods end at
//! local midnights and last a day or more (`per day` or `per month` from
//! `next_day`), and its rate is at most the bound's. Otherwise a timeline
//! that raises the arrears in the hour before the first period ends
//! (a period ending inside a day, or before any counted day has ended)
//! breaks it; the search builds that timeline, runs it through the
//! evaluator and reports it only when the evaluator's fee does exceed the
//! bound ([`bound_at`] computes the bound on a timeline).

use super::witness::instant_text;
use super::{Counterexample, Outcome, Verdict};
use crate::calendar::Clock;
use crate::compile::LateFee;
use crate::eval::{money, Event, Machine, ObligationKind};
use crate::model::{DurationM, LateFeeStart, RatePeriod, Rounding};
use rust_decimal::Decimal;

/// Decides `late_fee at most <bound> per day of arrears` (`bound`: a
/// fraction, 0.05% → 0.0005) on `machine`.
pub fn late_fee_at_most(machine: &Machine, bound: Decimal) -> Outcome {
    let verdict = match machine.ir.money.late_fee {
        // no late fee applies to this kind of account: it never owes one
        None => Verdict::Proved,
        Some(lf) if lf.rate <= Decimal::ZERO => Verdict::Proved,
        Some(_) if machine.clock.fixed_offset().is_none() => Verdict::NotVerified(
            "the time zone changes its UTC offset: its local days are not all 24 h".into(),
        ),
        Some(lf) if covered(&lf, bound) => Verdict::Proved,
        Some(lf) => refute(machine, &lf, bound),
    };
    Outcome { verdict, states: 0 }
}

/// Whether every period the term charges ends at a local midnight, lasts a
/// day or more, and is charged at no more than the bound's rate.
fn covered(lf: &LateFee, bound: Decimal) -> bool {
    let whole_days = matches!(lf.per, RatePeriod::Day | RatePeriod::Month);
    whole_days && lf.from == LateFeeStart::NextDay && lf.rate <= bound
}

/// The bound on a timeline of balance moves (`(instant, +arrears or
/// −payment)`, in order) at instant `at`, rounded half-up to 0.01: for
/// each arrears episode, each local day from the next midnight after the
/// account entered arrears that has ended by `at` and by the settling
/// payment, `rate` × the most outstanding at any moment of that day.
pub fn bound_at(
    clock: &Clock,
    moves: &[(i64, Decimal)],
    at: i64,
    rate: Decimal,
) -> Option<Decimal> {
    let balance_after = |t: i64, strict: bool| -> Decimal {
        moves
            .iter()
            .filter(|(x, _)| if strict { *x < t } else { *x <= t })
            .map(|(_, a)| *a)
            .sum()
    };
    let mut total = Decimal::ZERO;
    let mut bal = Decimal::ZERO;
    for (k, &(x, a)) in moves.iter().enumerate() {
        let before = bal;
        bal += a;
        if !(before <= Decimal::ZERO && bal > Decimal::ZERO) {
            continue;
        }
        // an episode opens at x; it ends at the first move that settles
        let mut b = bal;
        let mut settle = i64::MAX;
        for &(y, a2) in moves.iter().skip(k + 1) {
            b += a2;
            if b <= Decimal::ZERO {
                settle = y;
                break;
            }
        }
        let mut day = clock.next_midnight(x).ok()?;
        loop {
            let end = clock.next_midnight(day).ok()?;
            if end > at.min(settle) {
                break;
            }
            let most = moves
                .iter()
                .filter(|(y, _)| *y > day && *y < end)
                .map(|(y, _)| balance_after(*y, false))
                .fold(balance_after(day, false), Decimal::max);
            total += rate * most;
            day = end;
        }
    }
    Some(money::round(total, Rounding::HalfUp))
}

/// The late fee `machine` owes at `at` after `moves` (none: no amount).
fn fee_at(machine: &Machine, moves: &[(i64, Decimal)], at: i64) -> Option<Decimal> {
    let ir = &machine.ir;
    let (arrears, payment) = (ir.event_id("arrears")?, ir.event_id("payment")?);
    let timeline: Vec<Event> = moves
        .iter()
        .map(|&(t, a)| Event {
            at: t,
            event: if a > Decimal::ZERO { arrears } else { payment },
            amount: Some(a.abs()),
            until: None,
        })
        .collect();
    let ev = machine.evaluate(&timeline, at).ok()?;
    ev.status
        .obligations
        .iter()
        .find(|o| o.kind == ObligationKind::LateFee)
        .and_then(|o| o.amount)
}

/// A timeline on which the term exceeds the bound: 0.01 owed from 10:00 of
/// the counterexample's first day, a large arrears an hour before the
/// term's first period ends, looked at when it ends.
fn refute(machine: &Machine, lf: &LateFee, bound: Decimal) -> Verdict {
    let clock = &machine.clock;
    let not = |why: &str| Verdict::NotVerified(why.to_string());
    // 2024-06-03, the first day of every counterexample (witness.rs)
    let first = chrono::NaiveDate::from_ymd_opt(2024, 6, 3).map(|d| clock.midnight(d));
    let Some(Ok(first)) = first else {
        return not("the counterexample's first day has no midnight");
    };
    let s = first + 10 * 3600;
    let Ok(start) = money::late_fee_start(clock, lf.from, s) else {
        return not("the late fee's start is outside the calendar");
    };
    let period = DurationM {
        count: 1,
        unit: money::period_unit(lf.per),
    };
    let Ok(end) = clock.add(start, period) else {
        return not("the late fee's first period is outside the calendar");
    };
    let jump = end - 3600;
    let (Some(arrears), Some(_)) = (
        machine.ir.event_id("arrears"),
        machine.ir.event_id("payment"),
    ) else {
        return not("the automaton has no `arrears` and `payment` events");
    };
    let cent = Decimal::new(1, 2);
    let mut big = Decimal::new(100_000, 2);
    for _ in 0..8 {
        let moves = if jump > s {
            vec![(s, cent), (jump, big)]
        } else {
            vec![(s, cent + big)]
        };
        let (Some(fee), Some(allowed)) = (
            fee_at(machine, &moves, end),
            bound_at(clock, &moves, end, bound),
        ) else {
            return not("the evaluator gives the late fee no amount on the counterexample");
        };
        if fee > allowed {
            let when = instant_text(machine, end);
            return Verdict::Violated(Box::new(Counterexample {
                events: moves.iter().map(|&(t, _)| (t, arrears)).collect(),
                amounts: moves.iter().map(|&(_, a)| Some(a)).collect(),
                step: None,
                end,
                expect: format!("expect at {when} obligation late_fee {allowed} CNY"),
                reason: format!(
                    "the late fee at {when} is {fee} CNY; {}% per day of the most owed on each whole day since the day after the arrears allows {allowed} CNY",
                    (bound * Decimal::ONE_HUNDRED).normalize()
                ),
            }));
        }
        big *= Decimal::ONE_HUNDRED;
    }
    not("no timeline tried exceeds the bound, though the term's periods are not whole days at most its rate")
}

#[cfg(test)]
mod tests;
