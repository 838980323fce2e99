//! Money arithmetic with `rust_decimal` (never floats): the late fee's
//! start and periods (`balance.rs` accrues it), prorated refund, rounding.
//! Pure functions of their inputs (the reference interpreter has its own,
//! so the differential test compares the two).

use crate::calendar::{CalendarError, Clock};
use crate::model::{DurationM, LateFeeStart, RatePeriod, Rounding, Unit};
use rust_decimal::{Decimal, RoundingStrategy};

/// Rounds to 0.01 (half-up, or down when the clause says `rounding down`).
pub fn round(x: Decimal, rounding: Rounding) -> Decimal {
    let strategy = match rounding {
        Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
        Rounding::Down => RoundingStrategy::ToZero,
    };
    let mut r = x.round_dp_with_strategy(2, strategy);
    r.rescale(2);
    r
}

pub fn rounding_name(r: Rounding) -> &'static str {
    match r {
        Rounding::HalfUp => "half-up to 0.01",
        Rounding::Down => "down to 0.01",
    }
}

/// The instant a late fee starts to accrue. Inline: the balance's
/// per-event path opens an episode with it.
#[inline]
pub fn late_fee_start(
    clock: &Clock,
    from: LateFeeStart,
    arrears_at: i64,
) -> Result<i64, CalendarError> {
    match from {
        LateFeeStart::Arrears => Ok(arrears_at),
        LateFeeStart::NextDay => clock.next_midnight(arrears_at),
    }
}

/// The unit of a late fee's periods.
pub fn period_unit(per: RatePeriod) -> Unit {
    match per {
        RatePeriod::Hour => Unit::Hours,
        RatePeriod::Day => Unit::Days,
        RatePeriod::Month => Unit::Months,
    }
}

/// Started periods from `from` to `to` (a period begun counts whole).
fn started(clock: &Clock, from: i64, to: i64, unit: Unit) -> Result<i64, CalendarError> {
    if to <= from {
        return Ok(0);
    }
    let whole = clock.whole_periods(from, to, unit)?;
    let reached = clock.add(
        from,
        DurationM {
            count: u32::try_from(whole).map_err(|_| CalendarError::OutOfRange)?,
            unit,
        },
    )?;
    Ok(if reached < to { whole + 1 } else { whole })
}

/// Refund of the unused part of a prepaid term `[bought, until)` ended at
/// `ended`: by started months when the clause says `prorated by month`
/// without `part_month by day`, otherwise by started days (24 h); the used
/// part is charged, the rest refunded; rounded half-up.
pub fn refund(
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
    let total = started(clock, bought, until, unit)?;
    let used = started(clock, bought, ended, unit)?.min(total);
    if total == 0 {
        return Ok(None);
    }
    let unused = Decimal::from(total - used);
    Ok(amount
        .checked_mul(unused)
        .and_then(|x| x.checked_div(Decimal::from(total)))
        .map(|x| round(x, Rounding::HalfUp)))
}

/// “按月份计算（不足一个月的按天计）”: the refund of a prepaid term
/// `[bought, until)` ended at `ended`, the time served charged by months
/// and the days of a started month (docs/semantics.md, “Money”). On local
/// dates (Civil Code Art. 201, 202): the purchase day is not counted, month
/// `k` is complete on the date `k` months after the purchase date (the
/// month's last day when it has none), the day the agreement ends counts
/// as served. `None` outside the term or for a term of no days.
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
    let (first, last, end) = (clock.date(bought)?, clock.date(until)?, clock.date(ended)?);
    let after = |k: u32| {
        first
            .checked_add_months(chrono::Months::new(k))
            .ok_or(CalendarError::OutOfRange)
    };
    // whole months from the purchase date up to `to`
    let months_to = |to: chrono::NaiveDate| -> Result<u32, CalendarError> {
        let mut k = 0u32;
        while after(k + 1)? <= to {
            k += 1;
        }
        Ok(k)
    };
    let days =
        |a: chrono::NaiveDate, b: chrono::NaiveDate| Decimal::from((b - a).num_days().max(0));
    let term = months_to(last)?;
    let fee = if term == 0 {
        let total = days(first, last);
        if total.is_zero() {
            return Ok(None);
        }
        amount
            .checked_mul(days(first, end))
            .and_then(|x| x.checked_div(total))
    } else {
        let served = months_to(end)?.min(term);
        let monthly = amount.checked_div(Decimal::from(term));
        let started = if served < term {
            let (from, to) = (after(served)?, after(served + 1)?);
            monthly
                .and_then(|x| x.checked_mul(days(from, end)))
                .and_then(|x| x.checked_div(days(from, to)))
        } else {
            Some(Decimal::ZERO)
        };
        monthly
            .and_then(|x| x.checked_mul(Decimal::from(served)))
            .zip(started)
            .and_then(|(a, b)| a.checked_add(b))
    };
    Ok(fee
        .and_then(|f| amount.checked_sub(f))
        .map(|r| round(r.max(Decimal::ZERO), Rounding::HalfUp)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn rounding_half_up_and_down() {
        let d = Decimal::from_str("0.125").expect("decimal");
        assert_eq!(round(d, Rounding::HalfUp).to_string(), "0.13");
        assert_eq!(round(d, Rounding::Down).to_string(), "0.12");
    }

    #[test]
    fn months_then_days_follows_the_spec_example() {
        let c = Clock::exact(chrono_tz::Asia::Shanghai).expect("clock");
        let t = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(&format!("{s}:00+08:00"))
                .expect("instant")
                .timestamp()
        };
        let r = |end: &str| {
            refund_months_then_days(
                &c,
                Decimal::new(120_000, 2),
                t("2024-01-15T10:00"),
                t("2025-01-15T10:00"),
                t(end),
            )
            .expect("calendar")
            .map(|d| d.to_string())
        };
        // 1 month served of a 12-month 1200.00 term
        assert_eq!(r("2024-02-15T10:00").as_deref(), Some("1100.00"));
        // 1 month and 5 of the 29 days of the next: 100 + 17.24 charged
        assert_eq!(r("2024-02-20T18:00").as_deref(), Some("1082.76"));
        assert_eq!(r("2025-02-01T00:00"), None);
    }
}
