//! The speed limit: the 2024 MaxCompute (§17) and log service (§2) arrears
//! rules, and the general terms' §5.1 notice on arrears, written by hand as
//! plain Rust for the events of the benchmark workload (`arrears`,
//! `payment`, `deferral_end`). Same steps, same instants as the compiled
//! automata (the bench checks that before timing anything); no calendar
//! library: Asia/Shanghai is UTC+8 without daylight saving since 1991.
//! `#[inline]` so the baseline is always its fastest form (inlined into the
//! caller's loop), whatever the compiler would decide in a given binary.

pub const LOG_SERVICE: u8 = 0;
pub const MAXCOMPUTE: u8 = 1;

pub const ARREARS: u8 = 0;
pub const PAYMENT: u8 = 1;
pub const DEFERRAL_END: u8 = 2;

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const OFFSET: i64 = 8 * HOUR;

/// One account under one of the two products: 16 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub product: u8,
    terminated: bool,
    /// log service: 0 idle, 1 waiting for the suspension, 2 waiting for the purge.
    /// MaxCompute deferral rule: 0 idle, 1 waiting for the purge.
    phase: u8,
    /// log service: the arrears instant; MaxCompute: the deferral end.
    anchor: i64,
}

/// The instant 15 自然日 after `t` end: the start of the 16th day after
/// `t`'s day, local time.
fn after_15_calendar_days(t: i64) -> i64 {
    ((t + OFFSET).div_euclid(DAY) + 16) * DAY - OFFSET
}

impl Account {
    pub fn new(product: u8) -> Account {
        Account {
            product,
            ..Account::default()
        }
    }

    #[inline]
    pub fn next_due(&self) -> i64 {
        if self.terminated {
            return i64::MAX;
        }
        match (self.product, self.phase) {
            (LOG_SERVICE, 1) => self.anchor + 24 * HOUR,
            (LOG_SERVICE, 2) => self.anchor + 24 * HOUR + 7 * DAY,
            (MAXCOMPUTE, 1) => after_15_calendar_days(self.anchor),
            _ => i64::MAX,
        }
    }

    /// Fires every deadline up to `t`; `fired(at)` once per step.
    #[inline]
    pub fn advance(&mut self, t: i64, fired: &mut impl FnMut(i64)) {
        loop {
            let due = self.next_due();
            if due > t {
                return;
            }
            fired(due);
            match (self.product, self.phase) {
                (LOG_SERVICE, 1) => self.phase = 2,
                _ => {
                    self.phase = 0;
                    self.terminated = true;
                }
            }
        }
    }

    /// Applies one event (after the deadlines due by then).
    #[inline]
    pub fn event(&mut self, at: i64, event: u8, fired: &mut impl FnMut(i64)) {
        self.advance(at, fired);
        if self.terminated {
            return;
        }
        match event {
            ARREARS => {
                fired(at); // §5.1 the provider may notify
                if self.product == LOG_SERVICE {
                    if self.phase == 0 {
                        self.phase = 1;
                        self.anchor = at;
                    }
                } else {
                    fired(at); // §17.1.1 may suspend at once (every arrears)
                }
            }
            PAYMENT => {
                self.phase = 0;
            }
            DEFERRAL_END if self.product == MAXCOMPUTE && self.phase == 0 => {
                fired(at); // §17.1.2 suspend and freeze
                fired(at); // §17.1.4 keep billing
                self.phase = 1;
                self.anchor = at;
            }
            _ => {}
        }
    }
}
