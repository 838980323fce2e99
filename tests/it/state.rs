//! A saved `AccountState` is checked by every entry point that takes one:
//! a state of another product, agreement version or reading, or with edited
//! fields, is a typed error — never a panic, never a made-up answer. Before
//! fingerprints, a MaxCompute state in the log service machine fired
//! meaningless actions and then panicked in `status`, and `slots` cut short
//! panicked in `step`.

use clausec::compile::layout::FieldError;
use clausec::eval::{AccountState, EvalError, Event, Machine, Program, StateError};
use clausec::vocab::{Billing, Reading};
use serde_json::Value;
use std::path::Path;

const T0: i64 = 1_717_207_200; // 2024-06-01T10:00:00+08:00
const DAY: i64 = 86_400;

fn program(dir: &str) -> Program {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let (map, diags) = clausec::load::load_all(&[path]).expect("loads");
    Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks")
}

fn machine(dir: &str, product: &str, reading: Reading) -> Machine {
    program(dir)
        .select(product, Some(Billing::Postpaid), reading)
        .expect("selects")
}

fn log_2024() -> Machine {
    machine("clauses/aliyun-2024", "log_service", Reading::CustomerSafe)
}

/// A state that has seen arrears and one deadline, with more pending.
fn used(m: &Machine) -> AccountState {
    let mut st = m.new_account();
    m.step(&mut st, &m.event("arrears", T0).expect("event"))
        .expect("steps");
    m.advance_to(&mut st, T0 + 2 * DAY).expect("advances");
    st
}

/// What every entry point that takes a state says about `st` (cloned for
/// each), in one list.
fn every_entry_point(m: &Machine, st: &AccountState) -> Vec<Result<(), EvalError>> {
    let ev = m.event("payment", T0 + 3 * DAY).expect("event");
    let at = T0 + 40 * DAY;
    vec![
        m.step(&mut st.clone(), &ev).map(drop),
        m.step_into(&mut st.clone(), &ev, &mut Vec::new()),
        m.advance_to(&mut st.clone(), at).map(drop),
        m.advance_into(&mut st.clone(), at, &mut Vec::new()),
        m.status(st, at).map(drop),
        m.next_deadline(st).map(drop),
        m.place(st, clausec::compile::StepIx(0)).map(drop),
        m.check(st),
    ]
}

fn all_refused(m: &Machine, st: &AccountState, want: impl Fn(&EvalError) -> bool) {
    for (i, r) in every_entry_point(m, st).into_iter().enumerate() {
        match r {
            Err(e) if want(&e) => {}
            other => panic!("entry point {i}: {other:?}"),
        }
    }
}

fn other_automaton(e: &EvalError) -> bool {
    matches!(e, EvalError::State(StateError::OtherAutomaton { .. }))
}

#[test]
fn a_state_of_another_product_is_refused_everywhere() {
    let log = log_2024();
    let maxcompute = machine("clauses/aliyun-2024", "maxcompute", Reading::CustomerSafe);
    let st = used(&maxcompute);
    all_refused(&log, &st, other_automaton);
    // the message names this machine and both fingerprints
    let e = log.check(&st).unwrap_err().to_string();
    assert!(e.contains("log_service"), "{e}");
    assert!(e.contains(&st.fingerprint().to_string()), "{e}");
}

#[test]
fn a_state_of_another_agreement_version_is_refused_everywhere() {
    let old = machine("clauses/aliyun-2018", "log_service", Reading::CustomerSafe);
    let st = used(&log_2024());
    all_refused(&old, &st, other_automaton);
}

#[test]
fn a_state_under_the_other_reading_is_refused_everywhere() {
    let earliest = machine("clauses/aliyun-2024", "log_service", Reading::Earliest);
    let st = used(&log_2024());
    all_refused(&earliest, &st, other_automaton);
}

/// `st` as JSON, edited by `f`, read back.
fn edited(st: &AccountState, f: impl FnOnce(&mut Value)) -> AccountState {
    let mut v = serde_json::to_value(st).expect("serialises");
    f(&mut v);
    serde_json::from_value(v).expect("still deserialises")
}

fn field_error(e: &EvalError) -> bool {
    matches!(e, EvalError::State(StateError::Field(_)))
}

#[test]
fn edited_fields_are_refused_everywhere() {
    let m = log_2024();
    let st = used(&m);
    type Edit = Box<dyn Fn(&mut Value)>;
    type Kind = fn(&FieldError) -> bool;
    let cases: Vec<(&str, Edit, Kind)> = vec![
        (
            "a local state the rule does not have",
            Box::new(|v| v["state"] = 999_999_999.into()),
            |e| {
                matches!(
                    e,
                    FieldError::LocalState { .. } | FieldError::StateBits { .. }
                )
            },
        ),
        (
            "slots cut to two",
            Box::new(|v| {
                v["slots"].as_array_mut().expect("slots").truncate(2);
            }),
            |e| matches!(e, FieldError::Slots { .. }),
        ),
        (
            "an unknown capability code",
            Box::new(|v| v["caps"] = 7.into()),
            |e| matches!(e, FieldError::Capability { .. }),
        ),
        (
            "a capability the product lacks",
            Box::new(|v| v["caps"] = (1u64 << 40).into()),
            |e| matches!(e, FieldError::CapabilityBits { .. }),
        ),
        (
            "an unknown resource code",
            Box::new(|v| v["resources"] = 3.into()),
            |e| matches!(e, FieldError::Resource { .. }),
        ),
        (
            "an unknown flag",
            Box::new(|v| v["flags"] = 64.into()),
            |e| matches!(e, FieldError::Flags { .. }),
        ),
        (
            "a trigger instant in 1970",
            Box::new(|v| v["slots"][0] = 86_400.into()),
            |e| matches!(e, FieldError::Instant { .. }),
        ),
    ];
    for (what, edit, kind) in cases {
        let bad = edited(&st, edit);
        all_refused(&m, &bad, |e| {
            field_error(e) && matches!(e, EvalError::State(StateError::Field(f)) if kind(f))
        });
        assert!(
            m.check(&bad).unwrap_err().to_string().contains("corrupt"),
            "{what}"
        );
    }
    // a deadline moved: the state would skip or fire it wrongly
    let moved = edited(&st, |v| {
        let due = v["next_due"].as_i64().expect("a deadline") + DAY;
        v["next_due"] = due.into();
    });
    all_refused(&m, &moved, |e| {
        matches!(e, EvalError::State(StateError::NextDue { .. }))
    });
    // the fingerprint alone changed: another automaton
    let relabelled = edited(&st, |v| v["fingerprint"] = "0123456789abcdef".into());
    all_refused(&m, &relabelled, other_automaton);
    // not even a fingerprint: refused by serde
    let mut v = serde_json::to_value(&st).expect("serialises");
    v["fingerprint"] = "xyz".into();
    assert!(serde_json::from_value::<AccountState>(v).is_err());
}

#[test]
fn a_saved_state_resumes_exactly_where_it_stopped() {
    let m = log_2024();
    let st = used(&m);
    let json = serde_json::to_string(&st).expect("serialises");
    let mut restored: AccountState = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(restored, st);
    let mut kept = st.clone();
    let until = T0 + 40 * DAY;
    let a = m.advance_to(&mut restored, until).expect("advances");
    let b = m.advance_to(&mut kept, until).expect("advances");
    assert_eq!(a, b);
    assert!(!a.is_empty());
    assert_eq!(restored, kept);
}

/// `status` at an instant the state has not reached yet fires what falls
/// due up to it on a copy; at an instant it has passed, it refuses.
#[test]
fn status_advances_a_copy_and_refuses_the_past() {
    let m = log_2024();
    let mut st = m.new_account();
    m.step(&mut st, &m.event("arrears", T0).expect("event"))
        .expect("steps");
    let at = T0 + 30 * DAY;
    let before = st.clone();
    let lazy = m.status(&st, at).expect("status");
    assert_eq!(st, before, "status changed the state");
    m.advance_to(&mut st, at).expect("advances");
    assert_eq!(lazy, m.status(&st, at).expect("status"));
    assert_eq!(
        m.status(&st, T0),
        Err(EvalError::StatusBefore { at: T0, now: at })
    );
}

/// Events and instants from outside are checked too.
#[test]
fn bad_events_and_instants_are_typed_errors() {
    let m = log_2024();
    let mut st = m.new_account();
    let mut ev: Event = m.event("arrears", T0).expect("event");
    ev.amount = Some(rust_decimal::Decimal::new(-500, 2));
    assert!(matches!(
        m.step(&mut st, &ev),
        Err(EvalError::NegativeAmount { .. })
    ));
    let early = m.event("arrears", 0).expect("event");
    assert_eq!(
        m.step(&mut st, &early),
        Err(EvalError::OutOfRange { at: 0 })
    );
    let late = clausec::compile::layout::LAST + 1;
    assert_eq!(
        m.advance_to(&mut st, late),
        Err(EvalError::OutOfRange { at: late })
    );
    let unknown = Event {
        event: clausec::compile::EventId(999),
        ..m.event("arrears", T0).expect("event")
    };
    assert!(matches!(
        m.step(&mut st, &unknown),
        Err(EvalError::UnknownEvent(_))
    ));
    // nothing of it stuck
    assert_eq!(st, m.new_account());
}
