//! A synthetic but realistic, deterministic workload for `clausec run`:
//! accounts on the shipped products going into arrears and paying (late or
//! never), prepaid terms expiring and being renewed (early, late or never),
//! orders paid or abandoned, MaxCompute-style deferrals ending.
//!
//! Why a generator: every figure in docs/performance.md must be
//! reproducible from `(accounts, days, seed)`. It is a discrete-event
//! simulation: each account has its next event in one min-heap ordered by
//! `(instant, account)`, and one ChaCha8 stream (seeded by `seed`) is drawn
//! in that order, so the output is the same on every machine. Events come
//! out in time order.

use crate::eval::Program;
use crate::vocab::{Billing, Reading};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// 2024-06-01T00:00:00+08:00, the default start.
pub const DEFAULT_START: i64 = 1_717_171_200;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// A product × billing the generator drives, with the events it reacts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub product: String,
    pub billing: Billing,
    pub deferral: bool,
    pub orders: bool,
    pub used_up: bool,
}

/// Every product × billing of `program` that reacts to arrears (postpaid)
/// or expiry (prepaid, package), in declaration order.
pub fn profiles(program: &Program) -> Vec<Profile> {
    let mut out = Vec::new();
    for (_, product, billing) in program.products() {
        let Ok(m) = program.select(product, Some(billing), Reading::CustomerSafe) else {
            continue;
        };
        let reacts = |name: &str| {
            m.ir.event_id(name)
                .is_some_and(|id| !m.ir.reacting(id.0 as usize).is_empty())
        };
        let main = if billing == Billing::Postpaid {
            "arrears"
        } else {
            "expiry"
        };
        if reacts(main) {
            out.push(Profile {
                product: product.to_string(),
                billing,
                deferral: reacts("deferral_end"),
                orders: reacts("order"),
                used_up: reacts("package_used_up"),
            });
        }
    }
    out
}

/// One generated event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenEvent {
    pub account: u64,
    pub profile: u16,
    pub at: i64,
    pub event: &'static str,
    /// Amount in cents.
    pub amount: Option<u64>,
    pub until: Option<i64>,
}

/// What an account does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Start,
    Arrears,
    DeferralEnd { pay: i64 },
    Payment,
    Order,
    OrderPaid,
    Purchase,
    Expiry,
    Renewal,
    UsedUp,
    Quiet,
}

#[derive(Clone, Copy, Debug)]
struct Account {
    profile: u16,
    next: Next,
    /// End of the current prepaid term.
    until: i64,
    amount: u64,
}

pub struct Generator {
    rng: ChaCha8Rng,
    profiles: Vec<Profile>,
    accounts: Vec<Account>,
    heap: BinaryHeap<Reverse<(i64, u64)>>,
    end: i64,
}

impl Generator {
    /// `accounts` accounts over `days` days from `start`. Panics never; an
    /// empty `profiles` yields no events.
    pub fn new(profiles: Vec<Profile>, accounts: u64, days: u32, seed: u64, start: i64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut heap = BinaryHeap::with_capacity(accounts as usize);
        let mut list = Vec::with_capacity(accounts as usize);
        if !profiles.is_empty() {
            for a in 0..accounts {
                let profile = (rng.next_u64() % profiles.len() as u64) as u16;
                list.push(Account {
                    profile,
                    next: Next::Start,
                    until: 0,
                    amount: 0,
                });
                // Accounts join over the first week (all of a shorter
                // stream), on whole minutes.
                let joining = (7 * DAY).min(i64::from(days.max(1)) * DAY);
                heap.push(Reverse((start + minutes(&mut rng, joining), a)));
            }
        }
        Generator {
            rng,
            profiles,
            accounts: list,
            heap,
            end: start + i64::from(days) * DAY,
        }
    }

    pub fn profiles(&self) -> &[Profile] {
        &self.profiles
    }

    fn uniform(&mut self, lo: i64, hi: i64) -> i64 {
        lo + minutes(&mut self.rng, hi - lo)
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    fn money(&mut self) -> u64 {
        100 + self.rng.next_u64() % 50_000
    }

    /// Decides what follows `ev` for account `a` at `at`: the next state and
    /// its instant (`None`: the account goes quiet).
    fn plan(&mut self, acct: &mut Account, at: i64) -> Option<i64> {
        let p = self.profiles[acct.profile as usize].clone();
        let (next, when) = match acct.next {
            Next::Start | Next::Payment | Next::OrderPaid | Next::Renewal
                if p.billing == Billing::Postpaid =>
            {
                (Next::Arrears, at + self.uniform(2 * DAY, 40 * DAY))
            }
            Next::Start if p.orders => (Next::Order, at),
            Next::Start => (Next::Purchase, at),
            Next::Order => {
                if self.chance(0.9) {
                    (Next::OrderPaid, at + self.uniform(10 * 60, 3 * DAY))
                } else {
                    (Next::Quiet, at)
                }
            }
            Next::OrderPaid => (Next::Purchase, at),
            Next::Arrears => {
                let r = self.rng.next_u64() % 100;
                let pay = match r {
                    0..=54 => at + self.uniform(HOUR, 20 * HOUR),
                    55..=79 => at + self.uniform(DAY, 12 * DAY),
                    _ => at + self.uniform(20 * DAY, 90 * DAY),
                };
                let deferral_end = if self.chance(0.5) {
                    at
                } else {
                    at + self.uniform(DAY, 3 * DAY)
                };
                if p.deferral && deferral_end < pay {
                    (Next::DeferralEnd { pay }, deferral_end)
                } else {
                    (Next::Payment, pay)
                }
            }
            Next::DeferralEnd { pay } => (Next::Payment, pay),
            Next::Purchase | Next::Renewal => {
                let r = self.rng.next_u64() % 100;
                if p.used_up && r < 15 {
                    (
                        Next::UsedUp,
                        at + self.uniform(DAY, (acct.until - at).max(DAY + 60)),
                    )
                } else if r < 45 {
                    let early = acct.until - self.uniform(HOUR, 3 * DAY);
                    (Next::Renewal, early.max(at))
                } else {
                    (Next::Expiry, acct.until)
                }
            }
            Next::UsedUp => (Next::Renewal, at + self.uniform(HOUR, 5 * DAY)),
            Next::Expiry => {
                if self.chance(0.6) {
                    (Next::Renewal, at + self.uniform(HOUR, 10 * DAY))
                } else {
                    (Next::Quiet, at)
                }
            }
            Next::Payment | Next::Quiet => (Next::Quiet, at),
        };
        acct.next = next;
        (next != Next::Quiet).then_some(when)
    }
}

/// A random whole-minute offset in `[0, span)`.
fn minutes(rng: &mut ChaCha8Rng, span: i64) -> i64 {
    let m = (span / 60).max(1) as u64;
    (rng.next_u64() % m) as i64 * 60
}

fn term(rng: &mut ChaCha8Rng) -> i64 {
    match rng.next_u64() % 10 {
        0..=5 => 30 * DAY,
        6..=8 => 90 * DAY,
        _ => 365 * DAY,
    }
}

impl Iterator for Generator {
    type Item = GenEvent;

    fn next(&mut self) -> Option<GenEvent> {
        loop {
            let Reverse((at, a)) = self.heap.pop()?;
            if at >= self.end {
                self.heap.clear();
                return None;
            }
            let mut acct = self.accounts[a as usize];
            let (event, amount, until) = match acct.next {
                Next::Start | Next::Quiet => ("", None, None),
                Next::Arrears => {
                    acct.amount = self.money();
                    ("arrears", Some(acct.amount), None)
                }
                Next::DeferralEnd { .. } => ("deferral_end", None, None),
                Next::Payment => ("payment", Some(acct.amount), None),
                Next::Order => ("order", None, None),
                Next::OrderPaid => ("order_paid", None, None),
                Next::Purchase | Next::Renewal => {
                    acct.until = at + term(&mut self.rng);
                    acct.amount = self.money();
                    let name = if acct.next == Next::Purchase {
                        "purchase"
                    } else {
                        "renewal"
                    };
                    (name, Some(acct.amount), Some(acct.until))
                }
                Next::Expiry => ("expiry", None, None),
                Next::UsedUp => ("package_used_up", None, None),
            };
            if let Some(when) = self.plan(&mut acct, at) {
                self.heap.push(Reverse((when, a)));
            }
            self.accounts[a as usize] = acct;
            if !event.is_empty() {
                return Some(GenEvent {
                    account: a,
                    profile: acct.profile,
                    at,
                    event,
                    amount,
                    until,
                });
            }
        }
    }
}

/// The NDJSON line of one event (no newline), instants at +08:00.
pub fn format_event(p: &Profile, e: &GenEvent) -> String {
    let fmt = |t: i64| {
        chrono::DateTime::from_timestamp(t + 8 * HOUR, 0)
            .map(|d| d.naive_utc().format("%Y-%m-%dT%H:%M:%S+08:00").to_string())
            .unwrap_or_default()
    };
    let mut s = format!(
        "{{\"account\":\"acct-{:08}\",\"product\":\"{}\",\"billing\":\"{}\",\"at\":\"{}\",\"event\":\"{}\"",
        e.account,
        p.product,
        p.billing.name(),
        fmt(e.at),
        e.event
    );
    if let Some(c) = e.amount {
        s.push_str(&format!(",\"amount\":\"{}.{:02}\"", c / 100, c % 100));
    }
    if let Some(u) = e.until {
        s.push_str(&format!(",\"until\":\"{}\"", fmt(u)));
    }
    s.push('}');
    s
}
