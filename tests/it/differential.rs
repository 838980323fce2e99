//! Differential test: the compiled automaton and the reference interpreter
//! give identical evaluations for random timelines, for every product ×
//! billing of every shipped agreement that checks without errors (plus a
//! small demo agreement that exercises every timing form), both readings.

use clausec::compile::StateKind;
use clausec::eval::{AccountState, Event, Machine, Program};
use clausec::model::Agreement;
use clausec::reference::{self, RefEvent};
use clausec::vocab::{Reading, BUILTIN_EVENTS};
use proptest::prelude::*;
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::sync::OnceLock;

struct Subject {
    agreement: Agreement,
    machine: Machine,
}

fn checked_agreements() -> Vec<Agreement> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("clauses"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.push(root.join("tests/it/data/eval_demo.clause"));
    dirs.push(root.join("tests/it/data/time_demo"));
    dirs.push(root.join("tests/it/data/pending_demo"));
    let mut out = Vec::new();
    for d in dirs {
        let Ok((map, diags)) = clausec::load::load_all(std::slice::from_ref(&d)) else {
            continue;
        };
        if let Ok(p) = Program::from_checked(clausec::frontend::front_end(&map, diags)) {
            out.extend(p.agreements);
        }
    }
    out
}

fn subjects() -> &'static Vec<Subject> {
    static S: OnceLock<Vec<Subject>> = OnceLock::new();
    S.get_or_init(|| {
        let mut out = Vec::new();
        for a in checked_agreements() {
            let program = Program::from_agreements(vec![a.clone()]);
            for (_, p, b, variants) in program.accounts() {
                for reading in [Reading::CustomerSafe, Reading::Earliest] {
                    let mut selection = clausec::Selection::default().billing(b).reading(reading);
                    selection.variants = variants.clone();
                    let machine = program
                        .select_with(p, &selection)
                        .expect("checked products compile");
                    out.push(Subject {
                        agreement: a.clone(),
                        machine,
                    });
                }
            }
        }
        out
    })
}

/// 2019-03-01T00:00:00+08:00: leaves room on both sides for the workday calendar.
const BASE: i64 = 1_551_369_600;

fn timeline() -> impl Strategy<Value = Vec<(i64, usize, Option<i64>, Option<i64>)>> {
    prop::collection::vec(
        (
            0i64..(90 * 86_400 / 60),
            0usize..BUILTIN_EVENTS.len() + 2,
            prop::option::of(0i64..100_000),
            prop::option::of(1i64..400),
        ),
        0..20,
    )
    .prop_map(|mut v| {
        v.sort_by_key(|e| e.0);
        v.into_iter()
            .map(|(m, e, a, u)| (BASE + m * 60, e, a, u))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]
    #[test]
    fn automaton_agrees_with_reference(
        which in any::<prop::sample::Index>(),
        raw in timeline(),
        query in 0i64..(120 * 86_400 / 60),
    ) {
        let subjects = subjects();
        prop_assume!(!subjects.is_empty());
        let s = &subjects[which.index(subjects.len())];
        let m = &s.machine;
        // the built-in events, then the product's own (drawn too)
        let names: Vec<&str> = m.ir.events.iter().map(String::as_str).collect();
        let mut events = Vec::new();
        let mut refs = Vec::new();
        for (at, e, amount, until) in raw {
            let name = names[e % names.len()];
            let amount = amount.map(|c| Decimal::new(c, 2));
            let until = until.map(|d| at + d * 86_400);
            let mut ev: Event = m.event(name, at).expect("vocabulary event");
            ev.amount = amount;
            ev.until = until;
            events.push(ev);
            refs.push(RefEvent { at, event: name.to_string(), amount, until });
        }
        let at = BASE + query * 60;
        let got = m.evaluate(&events, at);
        let account = reference::Account {
            product: m.ir.product.clone(),
            billing: m.ir.billing,
            variants: m.ir.variants.clone(),
        };
        let want = reference::evaluate_account(&s.agreement, &account, m.ir.reading, &refs, at);
        prop_assert_eq!(got, want, "{} {} {:?}", m.ir.product, m.ir.billing.name(), m.ir.reading);
    }
}

/// The earliest instant of a step some rule waits for, placed from scratch.
fn earliest_waiting(m: &Machine, st: &AccountState) -> Option<i64> {
    if st.terminated() {
        return None;
    }
    (0..m.ir.rules.len())
        .filter_map(|r| match m.rule_state(st, r) {
            StateKind::Waiting(step) => Some(m.place(st, step).expect("placeable").at),
            _ => None,
        })
        .min()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    /// The evaluator keeps `next_due` incrementally (only the rules an event
    /// or a deadline moved are placed again); after every step it must equal
    /// the earliest waiting step placed from scratch.
    #[test]
    fn next_deadline_is_the_earliest_waiting_step(
        which in any::<prop::sample::Index>(),
        raw in timeline(),
    ) {
        let subjects = subjects();
        prop_assume!(!subjects.is_empty());
        let m = &subjects[which.index(subjects.len())].machine;
        // the built-in events, then the product's own (drawn too)
        let names: Vec<&str> = m.ir.events.iter().map(String::as_str).collect();
        let mut st = m.new_account();
        let mut out = Vec::new();
        for (at, e, amount, until) in raw {
            let mut ev: Event = m.event(names[e % names.len()], at).expect("vocabulary event");
            ev.amount = amount.map(|c| Decimal::new(c, 2));
            ev.until = until.map(|d| at + d * 86_400);
            if m.step_into(&mut st, &ev, &mut out).is_err() {
                break;
            }
            prop_assert_eq!(m.next_deadline(&st).expect("own state"), earliest_waiting(m, &st), "{} after {:?}", m.ir.product, ev);
        }
    }
}

#[test]
fn the_differential_test_has_subjects_from_clause_files() {
    let s = subjects();
    assert!(s.iter().any(|s| s.machine.ir.product == "demo"));
    assert!(s.len() >= 4, "{} subjects", s.len());
}
