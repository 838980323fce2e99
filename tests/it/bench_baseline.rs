//! The stream bench's baseline (benches/handwritten/, the speed limit the
//! compiled code is measured against) fires what the compiled automata and
//! the generated modules fire, on a small version of the bench's own
//! workloads (benches/workload/, shared with `benches/stream.rs`). CI only
//! builds the benches, so without this test a clause change that the
//! hand-written code does not follow is seen only when someone runs
//! `cargo bench --bench stream` and it panics before timing anything.

// The bench's workload module, with the hand-written rules and the
// generated modules it includes.
#[path = "../../benches/workload/mod.rs"]
mod workload;

use clausec::eval::{AccountState, Machine};
use workload::handwritten::{self, Account};
use workload::{GenAccount, Setup};

/// Accounts of the small 30-day workload (the bench runs 1 M).
const ACCOUNTS: u64 = 3_000;
/// Accounts of the small 365-day workload (the bench runs 100 k).
const HISTORY_ACCOUNTS: u64 = 1_000;

/// The fired instants of one account's events (`evs`, one account, in time
/// order) and the advance to `until`, per implementation: compiled,
/// generated, hand-written.
fn one_account(s: &Setup, evs: &[workload::Ev], st: &mut [AccountState]) -> [Vec<i64>; 3] {
    let account = evs[0].account as usize;
    let mi = usize::from(s.machine_of[account]);
    let m: &Machine = &s.machines[mi];
    let st = &mut st[mi];
    m.reset(st);
    let mut fired = Vec::new();
    for e in evs {
        m.step_into(st, &e.event, &mut fired).expect("steps");
    }
    m.advance_into(st, s.until, &mut fired).expect("advances");
    let compiled = fired.iter().map(|f| f.at).collect();
    let mut generated = Vec::new();
    let mut g = GenAccount::new(s, mi);
    for e in evs {
        g.event(m, e, &mut |at| generated.push(at));
    }
    g.advance(m, s.until, &mut |at| generated.push(at));
    let mut hand = Vec::new();
    let mut a = Account::new(s.product_of[account]);
    for e in evs {
        a.event(e.at, e.code, &mut |at| hand.push(at));
    }
    a.advance(s.until, &mut |at| hand.push(at));
    [compiled, generated, hand]
}

/// Every account of `s`, one at a time: the three implementations fire the
/// same steps at the same instants (a failure names the first account that
/// differs and its events); then the bench's own checks (count and sum of
/// instants, account-sorted and in time order).
fn same_steps(s: &Setup, what: &str) {
    let mut st: Vec<AccountState> = s.machines.iter().map(Machine::new_account).collect();
    let mut accounts = 0;
    let mut steps = 0;
    // accounts with events per product (index: the hand-written code)
    let mut per_product = [0; 2];
    for evs in s.by_account.chunk_by(|a, b| a.account == b.account) {
        let [compiled, generated, hand] = one_account(s, evs, &mut st);
        let timeline: Vec<(i64, u8)> = evs.iter().map(|e| (e.at, e.code)).collect();
        let product = s.machines[usize::from(s.machine_of[evs[0].account as usize])]
            .ir
            .product
            .clone();
        assert_eq!(
            generated, compiled,
            "{what}: generated vs compiled, {product} account {} (instant, event code): {timeline:?}",
            evs[0].account
        );
        assert_eq!(
            hand, compiled,
            "{what}: hand-written vs compiled, {product} account {} (instant, event code; \
             codes in benches/handwritten/mod.rs): {timeline:?}",
            evs[0].account
        );
        accounts += 1;
        steps += compiled.len();
        per_product[usize::from(s.product_of[evs[0].account as usize])] += 1;
    }
    // the workload exercises both products' rules
    assert!(
        per_product.iter().all(|n| *n > 100),
        "{what}: accounts with events per product {per_product:?}"
    );
    assert!(
        steps > accounts,
        "{what}: {steps} steps over {accounts} accounts"
    );
    let (tally, _) = workload::check(s, what);
    assert_eq!(tally.0, steps as u64, "{what}: the bench's count");
}

#[test]
fn the_hand_written_baseline_fires_what_the_machines_fire_over_30_days() {
    same_steps(&workload::setup(ACCOUNTS, 30), "30 days");
}

#[test]
fn the_hand_written_baseline_fires_what_the_machines_fire_over_365_days() {
    same_steps(&workload::setup(HISTORY_ACCOUNTS, 365), "365 days");
}

#[test]
fn the_one_shot_timeline_fires_the_same_steps_in_all_three() {
    let s = workload::setup(10, 30);
    let log = s
        .machines
        .iter()
        .find(|m| m.ir.product == "log_service")
        .expect("log service");
    let (evs, hand, at) = workload::check_one_shot(log);
    assert_eq!(evs.len(), hand.len());
    assert!(at > evs[evs.len() - 1].at);
}

/// The hand-written rest days are the shipped calendar's, every day of the
/// two years they cover.
#[test]
fn the_hand_written_rest_days_are_the_shipped_calendars() {
    let cal = clausec::calendar::cn_mainland().expect("shipped calendar");
    let (first, last) = (handwritten::day(2024, 1, 1), handwritten::day(2025, 12, 31));
    for d in first..=last {
        let date =
            chrono::NaiveDate::from_num_days_from_ce_opt((d + 719_163) as i32).expect("a date");
        let shipped = cal.is_rest_day(date).expect("in the calendar");
        assert_eq!(handwritten::rest_day(d), shipped, "{date}");
    }
}

/// 2024-06-01T00:00:00+08:00.
const JUNE_1: i64 = 1_717_171_200;
const H: i64 = 3600;
const D: i64 = 86_400;

/// The compiled machine of `product` and the hand-written rules on one
/// timeline (`(instant, event code)`), up to `until`: the same instants.
fn crafted(s: &Setup, product: &str, timeline: &[(i64, u8)], until: i64) -> Vec<i64> {
    let m = s
        .machines
        .iter()
        .find(|m| m.ir.product == product)
        .expect("product");
    let name = |c: u8| match c {
        handwritten::ARREARS => "arrears",
        handwritten::PAYMENT => "payment",
        _ => "deferral_end",
    };
    let mut st = m.new_account();
    let mut fired = Vec::new();
    for (t, c) in timeline {
        let ev = m.event(name(*c), *t).expect("event");
        m.step_into(&mut st, &ev, &mut fired).expect("steps");
    }
    m.advance_into(&mut st, until, &mut fired)
        .expect("advances");
    let compiled: Vec<i64> = fired.iter().map(|f| f.at).collect();
    let code = if product == "log_service" {
        handwritten::LOG_SERVICE
    } else {
        handwritten::MAXCOMPUTE
    };
    let mut a = Account::new(code);
    let mut hand = Vec::new();
    for (t, c) in timeline {
        a.event(*t, *c, &mut |at| hand.push(at));
    }
    a.advance(until, &mut |at| hand.push(at));
    assert_eq!(hand, compiled, "{product}: {timeline:?}");
    compiled
}

/// What the random workload rarely or never draws: a cure at the very
/// instant a step falls due, a deadline at an event's instant, a deferral
/// that ends after a full payment, a deletion period whose last day is a
/// statutory rest day.
#[test]
fn the_hand_written_baseline_agrees_on_the_edges_the_workload_rarely_draws() {
    use handwritten::{ARREARS as A, DEFERRAL_END as E, PAYMENT as P};
    let s = workload::setup(10, 30);
    let t = JUNE_1 + 10 * H;
    let until = JUNE_1 + 60 * D;
    // log service: a payment at the suspension instant cures it; one at
    // the deletion instant saves the data
    assert_eq!(
        crafted(&s, "log_service", &[(t, A), (t + D, P)], until),
        [t]
    );
    assert_eq!(
        crafted(&s, "log_service", &[(t, A), (t + 8 * D, P)], until),
        [t, t + D]
    );
    // an arrears at the suspension instant: suspension after its notice
    crafted(&s, "log_service", &[(t, A), (t + D, A)], until);
    // nobody pays; a payment after the termination fires nothing
    assert_eq!(
        crafted(&s, "log_service", &[(t, A), (t + 9 * D, P)], until).len(),
        3
    );
    // MaxCompute, suspended 06-01T10:00: the 15 calendar days end on
    // Sunday 06-16, moved to Monday 06-17 (Art. 203 ¶1): deleted 06-18T00:00
    let purge = JUNE_1 + 17 * D;
    let fired = crafted(&s, "maxcompute", &[(t, A), (t, E)], until);
    assert_eq!(fired.last(), Some(&purge));
    // suspended 05-24T10:00: the last day is Saturday 06-08, 端午节 runs to
    // Monday 06-10; the period ends 24:00 of Tuesday 06-11
    let may_24 = JUNE_1 - 8 * D + 10 * H;
    let fired = crafted(&s, "maxcompute", &[(may_24, A), (may_24, E)], until);
    assert_eq!(fired.last(), Some(&(JUNE_1 + 11 * D)));
    // a payment at the deletion instant saves the data and resumes
    crafted(&s, "maxcompute", &[(t, A), (t, E), (purge, P)], until);
    // paid in full before the deferral ends: its end suspends nothing
    assert_eq!(
        crafted(
            &s,
            "maxcompute",
            &[(t, A), (t + H, P), (t + 2 * H, E)],
            until
        ),
        [t, t]
    );
    // a second arrears while suspended, then the payment resumes
    crafted(
        &s,
        "maxcompute",
        &[(t, A), (t + D, E), (t + 2 * D, A), (t + 5 * D, P)],
        until,
    );
    // the 365-day workload's dates: a period over the 2024 National Day
    // holiday (suspended 09-20, last day Saturday 10-05, off to 10-07)
    let sep_20 = JUNE_1 + (30 + 31 + 31 + 19) * D + 10 * H;
    let fired = crafted(
        &s,
        "maxcompute",
        &[(sep_20, A), (sep_20, E)],
        until + 120 * D,
    );
    assert_eq!(fired.last(), Some(&(JUNE_1 + (30 + 31 + 31 + 30 + 8) * D)));
}
