//! The search against the evaluator: for the shipped products and a set of
//! generic properties about their harmful actions, random timelines run
//! through the machine never violate a property `verify` proved, and every
//! counterexample `verify` gives does violate it when run. The property is
//! judged on the machine's output by a monitor written here, apart from the
//! search's.

use clausec::compile::EventId;
use clausec::eval::{Event, Fired, Machine, Program};
use clausec::model::{DurationM, Unit};
use clausec::verify::{self, ActionPat, Prop, Verdict};
use clausec::vocab::{Reading, Verb};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use std::path::PathBuf;

fn program(dir: &str) -> Program {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let (map, _) = clausec::load::load_all(&[root.join(dir)]).expect("loads");
    Program::compile(&map).expect("checks")
}

fn pat(verb: Verb) -> ActionPat {
    ActionPat {
        verb,
        targets: Vec::new(),
    }
}

fn matches(m: &Machine, f: &Fired, p: &ActionPat) -> bool {
    m.ir.actions(f.step).iter().any(|a| {
        a.verb == p.verb
            && (p.targets.is_empty() || m.ir.targets(a).iter().any(|t| p.targets.contains(t)))
    })
}

/// The property judged on what the machine does with `timeline`.
/// Whether `timeline` (instant, event, amount) breaks `prop` on the
/// evaluator: amounts matter to account-state automata (a part payment
/// does not settle).
fn violates(m: &Machine, prop: &Prop, timeline: &[(i64, EventId, Option<Decimal>)]) -> bool {
    let mut st = m.new_account();
    let mut mon = false;
    let mut start = 0i64;
    let mut bad = false;
    let fire = |fired: Vec<Fired>, mon: &mut bool, start: i64, bad: &mut bool| {
        for f in fired {
            match prop {
                Prop::NoBefore { action, within, .. } => {
                    let secs = i64::from(within.count)
                        * match within.unit {
                            Unit::Hours => 3600,
                            Unit::Days => 86_400,
                            _ => 60,
                        };
                    if *mon && matches(m, &f, action) && f.at - start < secs {
                        *bad = true;
                    }
                }
                Prop::Preceded { action, by } => {
                    if !*mon && matches(m, &f, action) {
                        *bad = true;
                    }
                    if by.iter().any(|p| matches(m, &f, p)) {
                        *mon = true;
                    }
                }
                Prop::AfterNo { action, .. } => {
                    if *mon && matches(m, &f, action) {
                        *bad = true;
                    }
                }
                Prop::Follows { action, .. } => {
                    if matches(m, &f, action) {
                        *mon = false;
                    }
                }
            }
        }
    };
    let mut last = 0;
    for &(t, e, amount) in timeline {
        last = t;
        let before = m.advance_to(&mut st, t - 1).expect("advances");
        fire(before, &mut mon, start, &mut bad);
        if st.terminated() {
            break;
        }
        match prop {
            Prop::NoBefore { from, unless, .. } => {
                if unless.contains(&e) {
                    mon = false;
                } else if from.contains(&e) && !mon {
                    mon = true;
                    start = t;
                }
            }
            Prop::Preceded { .. } => {}
            Prop::AfterNo { after, until, .. } => {
                if until.contains(&e) {
                    mon = false;
                } else if after.contains(&e) {
                    mon = true;
                }
            }
            Prop::Follows { after, unless, .. } => {
                if unless.contains(&e) {
                    mon = false;
                } else if after.contains(&e) {
                    mon = true;
                }
            }
        }
        let ev = Event {
            at: t,
            event: e,
            amount,
            until: None,
        };
        let after = m.step(&mut st, &ev).expect("steps");
        fire(after, &mut mon, start, &mut bad);
    }
    let rest = m
        .advance_to(&mut st, last + 3 * 366 * 86_400)
        .expect("advances");
    fire(rest, &mut mon, start, &mut bad);
    bad || (matches!(prop, Prop::Follows { .. }) && mon)
}

/// A counterexample's events with their amounts.
fn with_amounts(
    events: &[(i64, EventId)],
    amounts: &[Option<Decimal>],
) -> Vec<(i64, EventId, Option<Decimal>)> {
    events
        .iter()
        .enumerate()
        .map(|(i, &(t, e))| (t, e, amounts.get(i).copied().flatten()))
        .collect()
}

/// Generic properties about the harmful actions `m` performs.
fn properties(m: &Machine) -> Vec<Prop> {
    let id = |n: &str| m.ir.event_id(n);
    let (Some(arrears), Some(payment)) = (id("arrears"), id("payment")) else {
        return Vec::new();
    };
    let performed = |v: Verb| {
        (0..m.ir.steps.len()).any(|s| {
            m.ir.actions(clausec::compile::StepIx(s as u32))
                .iter()
                .any(|a| a.verb == v)
        })
    };
    let warnings = [Verb::Notify, Verb::Suspend, Verb::Stop, Verb::Freeze];
    let mut out = Vec::new();
    for v in [Verb::Purge, Verb::Release, Verb::Terminate] {
        if !performed(v) {
            continue;
        }
        out.push(Prop::Preceded {
            action: pat(v),
            by: warnings
                .iter()
                .filter(|w| **w != v)
                .map(|w| pat(*w))
                .collect(),
        });
        out.push(Prop::NoBefore {
            action: pat(v),
            within: DurationM {
                count: 15,
                unit: Unit::Days,
            },
            from: vec![arrears],
            unless: vec![payment],
        });
        out.push(Prop::AfterNo {
            after: vec![payment],
            action: pat(v),
            until: vec![arrears],
        });
        out.push(Prop::Follows {
            action: pat(v),
            after: vec![arrears],
            unless: vec![payment],
        });
    }
    out
}

/// The events a timeline of `m` draws from: every rule's trigger and cures.
fn events_of(m: &Machine) -> Vec<EventId> {
    let mut out: Vec<EventId> = Vec::new();
    for (r, rule) in m.ir.rules.iter().enumerate() {
        out.push(rule.trigger);
        out.extend(m.ir.cures(r));
    }
    for n in ["arrears", "payment"] {
        out.extend(m.ir.event_id(n));
    }
    out.sort_by_key(|e| e.0);
    out.dedup();
    out
}

/// Gaps between events: the boundaries of the usual constants, and any.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        Just(1),
        Just(3600),
        Just(86_399),
        Just(86_400),
        Just(86_401),
        (1i64..40).prop_map(|d| d * 86_400),
        (1i64..40).prop_map(|d| d * 86_400 - 1),
        0i64..40 * 86_400,
    ]
}

#[test]
fn random_timelines_never_violate_what_verify_proved() {
    // 2024-06-01T00:00+08:00
    let base = 1_717_171_200i64;
    let mut checked = 0;
    let mut refuted = 0;
    // two agreements whole, the first products of the 2024 one, and the
    // products with `even if cured` steps (graphics workstation) and a
    // step counted from another rule's event (MaxCompute 2024)
    let forms = ["graphics_workstation", "maxcompute"];
    for (dir, take) in [
        ("clauses/maxcompute-2018", usize::MAX),
        ("clauses/tracing-2019", usize::MAX),
        ("clauses/aliyun-2024", 24),
        ("clauses/aliyun-2018", 0),
    ] {
        let p = program(dir);
        let all = p.products();
        let picked = all
            .iter()
            .enumerate()
            .filter(|(i, (_, product, _))| *i < take || forms.contains(product));
        for (_, &(_, product, billing)) in picked {
            for reading in [Reading::CustomerSafe, Reading::Earliest] {
                let Ok(m) = p.select(product, Some(billing), reading) else {
                    continue;
                };
                let events = events_of(&m);
                for prop in properties(&m) {
                    // (a search that needs more is not verified, and skipped)
                    let out = verify::verify(&m, &prop, 3_000);
                    match out.verdict {
                        Verdict::NotVerified(_) => {}
                        Verdict::Violated(c) => {
                            refuted += 1;
                            assert!(
                                violates(&m, &prop, &with_amounts(&c.events, &c.amounts)),
                                "{product} {billing:?} {reading:?}: the counterexample of {prop:?} does not violate it: {c:?}"
                            );
                        }
                        Verdict::Proved => {
                            checked += 1;
                            let timeline = (
                                0i64..86_400,
                                proptest::collection::vec(
                                    (gap(), proptest::sample::select(events.clone())),
                                    1..8,
                                ),
                            );
                            let mut runner = TestRunner::new(Config {
                                cases: 16,
                                failure_persistence: None,
                                ..Config::default()
                            });
                            let result = runner.run(&timeline, |(start, steps)| {
                                let mut t = base + start;
                                let tl: Vec<(i64, EventId, Option<Decimal>)> = steps
                                    .iter()
                                    .map(|(g, e)| {
                                        t += g;
                                        (t, *e, None)
                                    })
                                    .collect();
                                prop_assert!(!violates(&m, &prop, &tl), "{tl:?}");
                                Ok(())
                            });
                            if let Err(e) = result {
                                panic!("{product} {billing:?} {reading:?}: verify proved {prop:?}, yet {e}");
                            }
                        }
                    }
                }
            }
        }
    }
    // the sample is not empty either way
    assert!(checked > 20, "{checked} proved");
    assert!(refuted > 20, "{refuted} refuted");
}
