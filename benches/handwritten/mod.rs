//! The speed limit: the 2024 log service (§2) and MaxCompute (§17) arrears
//! rules and the general terms' §5.1 notice on arrears, written by hand as
//! plain Rust for the events of the benchmark workload (`arrears`,
//! `payment`, `deferral_end`, none with an amount), in the account-state
//! meaning the shipped clause files have (docs/semantics.md, “The
//! account-state semantics”). Same steps, same instants as the compiled
//! automata under `customer-safe`: the bench checks that before timing
//! anything, and `tests/it/bench_baseline.rs` in every `cargo test`.
//!
//! What the workload's events mean here:
//! * an `arrears` without an amount owes an unknown amount (the account is in
//!   arrears); a `payment` without one pays everything owed, so every payment
//!   settles the account and every `until settled` cure is complete;
//! * §5.1 (`at once may notify`, cured by any payment) fires at every
//!   arrears: the rule is done once its one step fired, and a done rule
//!   starts again; no product rule `replaces §5.1`, so it applies beside both;
//! * log service: §2.1 suspends 24 h after the arrears that started the rule,
//!   §2.2 terminates and purges 7×24 h later; an arrears while it runs is
//!   ignored; a payment cures it and restores nothing (no `then resume`);
//! * MaxCompute: §17.1.1 `may suspend` fires at every arrears (a right:
//!   nothing changes); `deferral_end`, guarded `if in arrears`, suspends and
//!   freezes and keeps billing at once (two steps) and purges at the later of
//!   15 calendar days from the suspension (with the rest-day extension
//!   below) and 15×24 h from the start of the arrears episode (review row
//!   4.1). The rule starts only in arrears, so the episode started at or
//!   before the suspension, and 00:00 after the 15th day is always later
//!   than 15×24 h from it: the second reading never decides and is not
//!   computed. A payment while it waits cures both rules and each reports
//!   its `resume` (two steps at the payment): the §17.1.1 rule's `then
//!   resume service` restores the service the deferral rule suspended, then
//!   the deferral rule's `then resume all` the operations it froze;
//! * a step or event due at an event's instant comes after the event
//!   (“Order within an instant”: a payment at the deletion instant saves the
//!   data); after a termination nothing fires.
//!
//! Rest days (Civil Code Art. 203 ¶1): a period whose last day is a
//! statutory rest day ends at 24:00 of the next working day. [`REST`] and
//! [`WORK`] are the 2024 and 2025 entries of the shipped working-day
//! calendar, `data/cn_mainland_workdays.txt` (the State Council notices
//! 国办发明电〔2023〕7号 and 〔2024〕12号): the workloads start on 2024-06-01 and
//! their last deletion days fall before 2025-07. A day outside those two
//! years is a bug in the caller (debug builds assert).
//!
//! No calendar library: Asia/Shanghai is UTC+8 without daylight saving since
//! 1991. `#[inline]` so the baseline is always its fastest form (inlined into
//! the caller's loop), whatever the compiler would decide in a given binary.

pub const LOG_SERVICE: u8 = 0;
pub const MAXCOMPUTE: u8 = 1;

pub const ARREARS: u8 = 0;
pub const PAYMENT: u8 = 1;
pub const DEFERRAL_END: u8 = 2;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const OFFSET: i64 = 8 * HOUR;

/// `flags`: a step terminated the agreement.
const TERMINATED: u8 = 1;
/// `flags`: an arrears is unpaid.
const IN_ARREARS: u8 = 2;

/// One account under one of the two products: 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Account {
    pub product: u8,
    flags: u8,
    /// log service: 0 idle, 1 waiting for the suspension, 2 waiting for the purge.
    /// MaxCompute deferral rule: 0 idle, 1 suspended, waiting for the purge.
    phase: u8,
    /// The pending step's instant (`i64::MAX`: none).
    due: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub const fn day(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Statutory holidays of 2024 and 2025 (`off` in the shipped calendar),
/// first and last day.
const REST: [(i64, i64); 13] = [
    (day(2024, 1, 1), day(2024, 1, 1)),
    (day(2024, 2, 10), day(2024, 2, 17)),
    (day(2024, 4, 4), day(2024, 4, 6)),
    (day(2024, 5, 1), day(2024, 5, 5)),
    (day(2024, 6, 8), day(2024, 6, 10)),
    (day(2024, 9, 15), day(2024, 9, 17)),
    (day(2024, 10, 1), day(2024, 10, 7)),
    (day(2025, 1, 1), day(2025, 1, 1)),
    (day(2025, 1, 28), day(2025, 2, 4)),
    (day(2025, 4, 4), day(2025, 4, 6)),
    (day(2025, 5, 1), day(2025, 5, 5)),
    (day(2025, 5, 31), day(2025, 6, 2)),
    (day(2025, 10, 1), day(2025, 10, 8)),
];

/// Make-up working weekend days (调休, `work` in the shipped calendar) of
/// 2024 and 2025.
const WORK: [i64; 13] = [
    day(2024, 2, 4),
    day(2024, 2, 18),
    day(2024, 4, 7),
    day(2024, 4, 28),
    day(2024, 5, 11),
    day(2024, 9, 14),
    day(2024, 9, 29),
    day(2024, 10, 12),
    day(2025, 1, 26),
    day(2025, 2, 8),
    day(2025, 4, 27),
    day(2025, 9, 28),
    day(2025, 10, 11),
];

/// Whether local day `d` (days since 1970-01-01) is a statutory rest day.
pub fn rest_day(d: i64) -> bool {
    debug_assert!(
        (day(2024, 1, 1)..=day(2025, 12, 31)).contains(&d),
        "day {d} is outside the hand-written calendar"
    );
    // 1970-01-01 was a Thursday: 0 Sunday … 6 Saturday
    let weekend = matches!((d + 4).rem_euclid(7), 0 | 6);
    if weekend {
        !WORK.contains(&d)
    } else {
        REST.iter().any(|(a, b)| (*a..=*b).contains(&d))
    }
}

/// The end of 15 自然日 from `t` under the rest-day extension: 24:00 of the
/// 15th day after `t`'s local day, or of the first working day after it
/// when that day is a rest day.
fn after_15_calendar_days(t: i64) -> i64 {
    let mut last = (t + OFFSET).div_euclid(DAY) + 15;
    while rest_day(last) {
        last += 1;
    }
    (last + 1) * DAY - OFFSET
}

impl Account {
    pub fn new(product: u8) -> Account {
        Account {
            product,
            flags: 0,
            phase: 0,
            due: i64::MAX,
        }
    }

    #[inline]
    pub fn next_due(&self) -> i64 {
        self.due
    }

    /// Fires every deadline up to `t`; `fired(at)` once per step.
    #[inline]
    pub fn advance(&mut self, t: i64, fired: &mut impl FnMut(i64)) {
        while self.next_due() <= t {
            let at = self.due;
            fired(at);
            if self.product == LOG_SERVICE && self.phase == 1 {
                // §2.1 suspended; §2.2 counts 7×24 h from it
                self.phase = 2;
                self.due = at + 7 * DAY;
            } else {
                // §2.2 / §17.1.4 terminate and purge
                self.phase = 0;
                self.flags |= TERMINATED;
                self.due = i64::MAX;
            }
        }
    }

    /// Applies one event: the deadlines before its instant, the event, then
    /// those due at its instant.
    #[inline]
    pub fn event(&mut self, at: i64, event: u8, fired: &mut impl FnMut(i64)) {
        self.advance(at - 1, fired);
        if self.flags & TERMINATED != 0 {
            return;
        }
        match event {
            ARREARS => {
                self.flags |= IN_ARREARS;
                fired(at); // §5.1 may notify
                if self.product == LOG_SERVICE {
                    if self.phase == 0 {
                        self.phase = 1;
                        self.due = at + 24 * HOUR;
                    }
                } else {
                    fired(at); // §17.1.1 may suspend
                }
            }
            PAYMENT => {
                self.flags &= !IN_ARREARS;
                if self.phase != 0 {
                    if self.product == MAXCOMPUTE {
                        fired(at); // §17.1.1 then resume service
                        fired(at); // §17.1.4 then resume all: the operations
                    }
                    self.phase = 0;
                    self.due = i64::MAX;
                }
            }
            DEFERRAL_END
                if self.product == MAXCOMPUTE
                    && self.phase == 0
                    && self.flags & IN_ARREARS != 0 =>
            {
                fired(at); // §17.1.2 suspend and freeze
                fired(at); // §17.1.4 keep billing
                self.phase = 1;
                self.due = after_15_calendar_days(at);
            }
            _ => {}
        }
        self.advance(at, fired);
    }
}
