//! The money bound's decision against the evaluator: what it proves no
//! random timeline breaks, and what it refutes a timeline does.

use super::*;
use crate::eval::Program;
use crate::vocab::{Billing, Reading};

fn machine(term: &str) -> Machine {
    let text = format!("product p \"产品\" §1 {{\n  billing postpaid\n  {term} §1.1\n}}\n");
    let p = Program::compile_str("t.clause", &text).expect("checks");
    p.select("p", Some(Billing::Postpaid), Reading::CustomerSafe)
        .expect("compiles")
}

fn per_day(percent: &str) -> Decimal {
    percent.parse::<Decimal>().expect("a number") / Decimal::ONE_HUNDRED
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Random arrears and payments over 70 days (some at midnight, some
/// settling, some leaving credit), each looked at on random instants.
fn timelines(seed: u64) -> impl Iterator<Item = (Vec<(i64, Decimal)>, Vec<i64>)> {
    let mut rng = Rng(seed);
    let t0 = 1_717_344_000; // 2024-06-02T16:00Z, 2024-06-03 00:00 in Shanghai
    (0..300).map(move |_| {
        let n = 1 + rng.next(6);
        let mut t = t0 + (rng.next(48) as i64) * 1800;
        let mut moves = Vec::new();
        let mut owed = Decimal::ZERO;
        for _ in 0..n {
            t += match rng.next(3) {
                // to the next local midnight (16:00 UTC in Shanghai)
                0 => match (57_600 - t).rem_euclid(86_400) {
                    0 => 86_400,
                    d => d,
                },
                1 => (rng.next(30) as i64) * 3600,
                _ => (rng.next(20) as i64) * 86_400 + (rng.next(86_400) as i64),
            };
            let a = Decimal::new(1 + rng.next(500_000) as i64, 2);
            let pay = owed > Decimal::ZERO && rng.next(2) == 0;
            let amount = if pay {
                match rng.next(3) {
                    0 => -owed,
                    1 => -(owed + a),
                    _ => -a.min(owed),
                }
            } else {
                a
            };
            owed += amount;
            moves.push((t, amount));
        }
        let looks = (0..4)
            .map(|_| t0 + (rng.next(75 * 24) as i64) * 3600 + (rng.next(2) as i64) * 1799)
            .collect();
        (moves, looks)
    })
}

#[test]
fn what_the_decision_proves_no_random_timeline_breaks() {
    for (term, bound) in [
        (
            "late_fee may 0.05% per day of arrears from next_day",
            "0.05",
        ),
        (
            "late_fee 0.04% per day of arrears from next_day rounding down",
            "0.05",
        ),
        ("late_fee 1% per month of arrears from next_day", "1"),
    ] {
        let m = machine(term);
        let bound = per_day(bound);
        assert!(
            matches!(late_fee_at_most(&m, bound).verdict, Verdict::Proved),
            "{term}"
        );
        let mut looked = 0;
        for (moves, looks) in timelines(0x5eed_1234) {
            for at in looks {
                let fee = fee_at(&m, &moves, at).unwrap_or_default();
                let allowed = bound_at(&m.clock, &moves, at, bound).expect("a bound");
                assert!(
                    fee <= allowed,
                    "{term}: {moves:?} at {at}: {fee} > {allowed}"
                );
                looked += usize::from(fee > Decimal::ZERO);
            }
        }
        // the timelines do owe late fees: the comparison is not empty
        assert!(looked > 100, "{term}: {looked}");
    }
}

#[test]
fn what_the_decision_refutes_a_timeline_through_the_evaluator_shows() {
    for term in [
        "late_fee 0.06% per day of arrears from next_day",
        "late_fee 0.05% per day of arrears from arrears",
        "late_fee 0.001% per hour of arrears from next_day",
        "late_fee 0.05% per month of arrears from arrears",
        "late_fee 0.06% per month of arrears from next_day",
    ] {
        let m = machine(term);
        let bound = per_day("0.05");
        let Verdict::Violated(c) = late_fee_at_most(&m, bound).verdict else {
            panic!("{term}: not refuted")
        };
        let moves: Vec<(i64, Decimal)> = c
            .events
            .iter()
            .zip(&c.amounts)
            .map(|(&(t, _), a)| (t, a.unwrap_or_default()))
            .collect();
        let fee = fee_at(&m, &moves, c.end).expect("an amount");
        let allowed = bound_at(&m.clock, &moves, c.end, bound).expect("a bound");
        assert!(fee > allowed, "{term}: {fee} <= {allowed}");
        assert!(
            c.expect.starts_with("expect at ")
                && c.expect.ends_with(&format!("late_fee {allowed} CNY")),
            "{}",
            c.expect
        );
    }
}

#[test]
fn an_account_without_a_late_fee_owes_none() {
    let m = machine("liability_cap fees_of_breached_service");
    assert!(matches!(
        late_fee_at_most(&m, per_day("0.05")).verdict,
        Verdict::Proved
    ));
}
