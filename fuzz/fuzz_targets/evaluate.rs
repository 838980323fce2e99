//! Differential fuzzing of the evaluator: any timeline over the demo
//! agreement (every timing form, both readings, money) must give the same
//! evaluation from the automaton and from the reference interpreter, and
//! neither may panic.
#![no_main]

use clausec::eval::Program;
use clausec::reference::{self, RefEvent};
use clausec::vocab::{Billing, Reading};
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use std::sync::OnceLock;

const DEMO: &str = include_str!("../../tests/it/data/eval_demo.clause");
const EVENTS: &[&str] = &[
    "arrears", "payment", "expiry", "renewal", "order", "order_paid", "outage_start",
    "outage_end", "provider_notice", "purchase", "termination",
];

fn program() -> &'static Program {
    static P: OnceLock<Program> = OnceLock::new();
    P.get_or_init(|| Program::compile_str("demo.clause", DEMO).expect("demo compiles"))
}

fuzz_target!(|data: &[u8]| {
    let program = program();
    let agreement = &program.agreements[0];
    let (billing, reading) = match data.first().copied().unwrap_or(0) % 4 {
        0 => (Billing::Prepaid, Reading::CustomerSafe),
        1 => (Billing::Prepaid, Reading::Earliest),
        2 => (Billing::Postpaid, Reading::CustomerSafe),
        _ => (Billing::Postpaid, Reading::Earliest),
    };
    let Ok(machine) = program.select("demo", Some(billing), reading) else {
        return;
    };
    // 2019-03-01T00:00:00Z, inside the working-day calendar.
    let mut t: i64 = 1_551_398_400;
    let mut ref_events = Vec::new();
    let mut events = Vec::new();
    for chunk in data.get(1..).unwrap_or(&[]).chunks(3) {
        let [kind, hi, lo] = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        t += i64::from(u16::from_be_bytes([hi, lo])) * 60;
        let name = EVENTS[kind as usize % EVENTS.len()];
        let amount = (kind & 0x80 != 0).then(|| Decimal::new(i64::from(lo) * 100 + 1, 2));
        let Ok(mut ev) = machine.event(name, t) else { continue };
        ev.amount = amount;
        events.push(ev);
        ref_events.push(RefEvent { at: t, event: name.to_string(), amount, until: None });
    }
    let at = t + 40 * 86_400;
    let fast = machine.evaluate(&events, at);
    let slow = reference::evaluate(agreement, "demo", billing, reading, &ref_events, at);
    match (fast, slow) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "automaton and reference disagree"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("one side failed: automaton {a:?}, reference {b:?}"),
    }
});
