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

/// The instant a late fee starts to accrue.
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
}
