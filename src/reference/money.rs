//! Money, written out again for the reference (the evaluator's is
//! `src/eval/money.rs`): rounding, late fees, refunds, liability caps.
//! docs/semantics.md, "Money", says what each computes and why.

use crate::calendar::{CalendarError, Clock};
use crate::model::{DurationM, LateFeeStart, RatePeriod, Rounding, Unit};
use chrono::Months;
use rust_decimal::{Decimal, RoundingStrategy};

pub fn round(x: Decimal, rounding: Rounding) -> Decimal {
    let mut r = match rounding {
        Rounding::HalfUp => x.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        Rounding::Down => x.round_dp_with_strategy(2, RoundingStrategy::ToZero),
    };
    r.rescale(2);
    r
}

/// Where a late fee starts counting for arrears at `arrears_at`.
pub fn late_fee_start(
    clock: &Clock,
    from: LateFeeStart,
    arrears_at: i64,
) -> Result<i64, CalendarError> {
    match from {
        LateFeeStart::Arrears => Ok(arrears_at),
        // 自欠费次日起: 00:00 local of the day after
        LateFeeStart::NextDay => {
            let next = clock
                .date(arrears_at)?
                .succ_opt()
                .ok_or(CalendarError::OutOfRange)?;
            clock.midnight(next)
        }
    }
}

pub fn period_unit(per: RatePeriod) -> Unit {
    match per {
        RatePeriod::Hour => Unit::Hours,
        RatePeriod::Day => Unit::Days,
        RatePeriod::Month => Unit::Months,
    }
}

/// Whole `unit`s from `from` to `to`, by stepping one at a time.
pub fn whole(clock: &Clock, from: i64, to: i64, unit: Unit) -> Result<i64, CalendarError> {
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

/// The end of the `k`-th period of a late fee from `start`.
pub fn period_end(
    clock: &Clock,
    start: i64,
    per: RatePeriod,
    k: u32,
) -> Result<i64, CalendarError> {
    clock.add(
        start,
        DurationM {
            count: k,
            unit: period_unit(per),
        },
    )
}

/// Refund of the unused part of `[bought, until)` ended at `ended`: a
/// started month (or day) counts as used.
pub fn refund_started(
    clock: &Clock,
    amount: Decimal,
    bought: i64,
    until: i64,
    ended: i64,
    by_month_only: bool,
) -> Result<Option<Decimal>, CalendarError> {
    if !(bought <= ended && ended < until) {
        return Ok(None);
    }
    let unit = if by_month_only {
        Unit::Months
    } else {
        Unit::Days
    };
    let started = |to: i64| -> Result<i64, CalendarError> {
        let n = whole(clock, bought, to, unit)?;
        let reached = clock.add(
            bought,
            DurationM {
                count: u32::try_from(n).map_err(|_| CalendarError::OutOfRange)?,
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

/// “按月份计算（不足一个月的按天计）”: the fee for the time served is whole
/// months × the monthly fee plus the days of a started month × that
/// month's daily fee; the refund is the rest, never negative. Counted on
/// local dates (Civil Code Art. 201, 202): the purchase day is not counted,
/// a month is served when its corresponding day (or the month's last day)
/// is reached, and the day the agreement ends counts as served.
pub fn refund_months_then_days(
    clock: &Clock,
    amount: Decimal,
    bought: i64,
    until: i64,
    ended: i64,
) -> Result<Option<Decimal>, CalendarError> {
    if !(bought <= ended && ended < until) {
        return Ok(None);
    }
    let start = clock.date(bought)?;
    let (term_end, end) = (clock.date(until)?, clock.date(ended)?);
    let month = |k: u32| {
        start
            .checked_add_months(Months::new(k))
            .ok_or(CalendarError::OutOfRange)
    };
    // whole months of the term and of the time served
    let count = |last: chrono::NaiveDate| -> Result<u32, CalendarError> {
        let mut k = 0;
        while month(k + 1)? <= last {
            k += 1;
        }
        Ok(k)
    };
    let months = count(term_end)?;
    let served = count(end)?.min(months);
    let days =
        |a: chrono::NaiveDate, b: chrono::NaiveDate| Decimal::from((b - a).num_days().max(0));
    let fee = if months == 0 {
        // a term shorter than a month: its days
        let total = days(start, term_end);
        if total.is_zero() {
            return Ok(None);
        }
        amount
            .checked_mul(days(start, end))
            .and_then(|x| x.checked_div(total))
    } else {
        let monthly = amount.checked_div(Decimal::from(months));
        let (from, to) = (month(served)?, month(served + 1)?);
        let part = if served < months {
            let in_month = days(from, to);
            monthly
                .and_then(|m| m.checked_mul(days(from, end)))
                .and_then(|x| x.checked_div(in_month))
        } else {
            Some(Decimal::ZERO)
        };
        monthly
            .and_then(|m| m.checked_mul(Decimal::from(served)))
            .zip(part)
            .and_then(|(a, b)| a.checked_add(b))
    };
    Ok(fee
        .and_then(|f| amount.checked_sub(f))
        .map(|r| round(r.max(Decimal::ZERO), Rounding::HalfUp)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn at(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
            .expect("instant")
            .timestamp()
    }

    #[test]
    fn months_then_days() {
        let c = Clock::exact(chrono_tz::Asia::Shanghai).expect("clock");
        let r = |end: &str| {
            refund_months_then_days(
                &c,
                Decimal::new(120_000, 2),
                at("2024-01-15T10:00"),
                at("2025-01-15T10:00"),
                at(end),
            )
            .expect("calendar")
        };
        // the spec's example: 1 month served of a 12-month 1200.00 term
        assert_eq!(r("2024-02-15T10:00"), Some(Decimal::new(110_000, 2)));
        // 1 month and 5 of the 29 days from 02-15 to 03-15: 100 + 17.24
        assert_eq!(r("2024-02-20T18:00"), Some(Decimal::new(108_276, 2)));
        // a few days into the first month: 3 of 31 days
        assert_eq!(r("2024-01-18T09:00"), Some(Decimal::new(119_032, 2)));
        // after the term: nothing
        assert_eq!(r("2025-02-01T00:00"), None);
    }
}
