//! Differential test over generated agreements: random agreements
//! (`gen_agreement.rs`: 1–40 rules per product, every timing form the
//! compiler executes, both readings, verbs with and without targets, cures,
//! general and product rules, money terms), printed by `clausec fmt`'s
//! printer and read back through the front end, then evaluated by the
//! automaton and by the reference interpreter on generated timelines. The
//! two must give the same evaluation, or fail the same way.
//!
//! The timelines put events exactly on the account's next deadline (and a
//! second before and after it), several events at one instant, every event
//! the product declares, and run to both ends of the working-day calendar
//! (2018-01-01..2026-12-31) and of the instants the automaton accepts
//! (2000-01-01T00:00:00Z..2136-02-07T06:28:12Z).
//!
//! `PROPTEST_CASES=N` runs N agreements instead of the default (sized to
//! stay well under 30 s in a debug build on a loaded 2-core machine), e.g.
//! `PROPTEST_CASES=2000 cargo test --test it differential_gen`.

use crate::gen_agreement::{spec, to_ast, AgreementSpec};
use clausec::compile::layout::{FIRST, LAST};
use clausec::eval::{AccountState, Event, Machine, Program};
use clausec::reference::{self, RefEvent};
use clausec::vocab::Reading;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rust_decimal::Decimal;

const DEFAULT_CASES: u32 = 200;

/// 2019-03-01T00:00:00+08:00
const BASE: i64 = 1_551_369_600;
/// 2026-12-20T00:00:00+08:00: timelines that cross the end of the
/// working-day calendar (2026-12-31).
const CALENDAR_END: i64 = 1_797_696_000;
/// 2017-12-25T00:00:00+08:00: timelines that cross its start.
const CALENDAR_START: i64 = 1_514_131_200;

#[derive(Clone, Debug)]
struct RawEvent {
    /// 0–4 a gap of `gap` minutes, 5 the previous instant again, 6 the
    /// next deadline, 7 a second before it, 8 a second after it
    when: u8,
    gap: u32,
    event: u8,
    amount: Option<i64>,
    until: Option<u16>,
}

#[derive(Clone, Debug)]
struct TimelineSpec {
    /// where the timeline starts (see [`start`])
    era: u8,
    /// every event of the product, in order, before the drawn ones
    sweep: bool,
    events: Vec<RawEvent>,
    /// 0–2 after the last event, 3 the next deadline, 4 the calendar's last
    /// instant, 5 the last accepted instant, 6 one past it, 7 the first
    query: u8,
    query_gap: u32,
}

fn start(era: u8) -> i64 {
    // most timelines start in 2019, inside the calendar and the range
    match era % 16 {
        0..=9 => BASE,
        10 => CALENDAR_END,
        11 => CALENDAR_START,
        12 => FIRST,
        // an hour before the first accepted instant: refused by both
        13 => FIRST - 3_600,
        _ => LAST - 40 * 86_400,
    }
}

fn timeline() -> impl Strategy<Value = TimelineSpec> {
    let raw = (
        0u8..9,
        0u32..(6 * 24 * 60),
        any::<u8>(),
        prop::option::of(0i64..100_000),
        prop::option::of(1u16..400),
    )
        .prop_map(|(when, gap, event, amount, until)| RawEvent {
            when,
            gap,
            event,
            amount,
            until,
        });
    (
        any::<u8>(),
        prop::bool::weighted(0.3),
        prop::collection::vec(raw, 0..16),
        0u8..8,
        0u32..(90 * 24 * 60),
    )
        .prop_map(|(era, sweep, events, query, query_gap)| TimelineSpec {
            era,
            sweep,
            events,
            query,
            query_gap,
        })
}

/// The timeline for machine `m`: instants chosen while an account follows
/// it, so that events can land on the deadlines it has pending.
fn build(m: &Machine, t: &TimelineSpec) -> (Vec<Event>, Vec<RefEvent>, i64, u32) {
    let names: Vec<&str> = m.ir.events.iter().map(String::as_str).collect();
    let sweep = if t.sweep { names.len() } else { 0 };
    let mut st: Option<AccountState> = Some(m.new_account());
    let mut out = Vec::new();
    let mut at = start(t.era);
    let (mut events, mut refs) = (Vec::new(), Vec::new());
    let mut on_deadline = 0;
    let next =
        |st: &Option<AccountState>| st.as_ref().and_then(|s| m.next_deadline(s).ok().flatten());
    for i in 0..sweep + t.events.len() {
        let (name, raw) = match i.checked_sub(sweep) {
            None => (names[i], None),
            Some(j) => (
                names[usize::from(t.events[j].event) % names.len()],
                Some(&t.events[j]),
            ),
        };
        let gap = |g: u32| at + i64::from(g) * 60;
        at = match raw {
            None => gap(17 * 60),
            Some(r) => match (r.when, next(&st)) {
                (5, _) => at,
                (6, Some(d)) if d >= at => {
                    on_deadline += 1;
                    d
                }
                (7, Some(d)) => (d - 1).max(at),
                (8, Some(d)) => (d + 1).max(at),
                _ => gap(r.gap),
            },
        };
        let amount = raw.and_then(|r| r.amount).map(|c| Decimal::new(c, 2));
        let until = raw
            .and_then(|r| r.until)
            .map(|d| at + i64::from(d) * 86_400);
        let Ok(mut ev) = m.event(name, at) else {
            panic!("`{name}` is an event of the machine");
        };
        ev.amount = amount;
        ev.until = until;
        if let Some(s) = st.as_mut() {
            if m.step_into(s, &ev, &mut out).is_err() {
                st = None;
            }
        }
        events.push(ev);
        refs.push(RefEvent {
            at,
            event: name.to_string(),
            amount,
            until,
        });
    }
    let query = match (t.query, next(&st)) {
        (3, Some(d)) => d,
        (3, None) | (0..=2, _) => at + i64::from(t.query_gap) * 60,
        // 2026-12-31T23:59:59+08:00
        (4, _) => 1_798_732_799,
        (5, _) => LAST,
        (6, _) => LAST + 1,
        _ => FIRST,
    };
    (events, refs, query, on_deadline)
}

/// How many generated cases had which size (the test asserts the large
/// automata were reached).
#[derive(Default)]
struct Seen {
    cases: u32,
    over_32_rules: u32,
    over_32_fired: u32,
    /// events drawn exactly at the account's next deadline
    on_deadline: u32,
    evaluations: u32,
    errors: u32,
    /// errors by kind (the variant's name)
    kinds: std::collections::BTreeMap<String, u32>,
}

fn one_case(
    a: &AgreementSpec,
    timelines: &[TimelineSpec],
    seen: &mut Seen,
) -> Result<(), TestCaseError> {
    let file = to_ast(a);
    let text = clausec::fmt::format_file(&file, "");
    let program = match Program::compile_str("generated.clause", &text) {
        Ok(p) => p,
        Err(d) => {
            let codes: Vec<String> = d
                .iter()
                .map(|d| format!("{:?} {}", d.code, d.message))
                .collect();
            return Err(TestCaseError::fail(format!(
                "the front end refuses a generated agreement: {codes:?}\n{text}"
            )));
        }
    };
    let Some(agreement) = program.agreements.first() else {
        return Err(TestCaseError::fail("no agreement"));
    };
    let Some(product) = agreement.products.first() else {
        return Err(TestCaseError::fail("no product"));
    };
    seen.cases += 1;
    for &billing in &product.billing {
        for reading in [Reading::CustomerSafe, Reading::Earliest] {
            let m = program
                .select(&product.id, Some(billing), reading)
                .map_err(|e| TestCaseError::fail(format!("does not compile: {e}\n{text}")))?;
            let big = m.ir.rules.len() > 32;
            seen.over_32_rules += u32::from(big);
            for t in timelines {
                let (events, refs, at, on_deadline) = build(&m, t);
                seen.on_deadline += on_deadline;
                let got = m.evaluate(&events, at);
                let want = reference::evaluate(agreement, &product.id, billing, reading, &refs, at);
                seen.evaluations += 1;
                if let Err(e) = &got {
                    seen.errors += 1;
                    let kind = format!("{e:?}");
                    let kind = kind.split([' ', '(', '{']).next().unwrap_or_default();
                    *seen.kinds.entry(kind.to_string()).or_default() += 1;
                }
                if big && got.as_ref().is_ok_and(|e| !e.actions.is_empty()) {
                    seen.over_32_fired += 1;
                }
                prop_assert_eq!(
                    got,
                    want,
                    "{} {:?} at {}, events {:?}\n{}",
                    billing.name(),
                    reading,
                    at,
                    refs,
                    text
                );
            }
        }
    }
    Ok(())
}

#[test]
fn generated_agreements_agree_with_the_reference() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let seen = std::cell::RefCell::new(Seen::default());
    let strategy = (spec(), prop::collection::vec(timeline(), 3));
    let result = runner.run(&strategy, |(a, timelines)| {
        one_case(&a, &timelines, &mut seen.borrow_mut())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let seen = seen.into_inner();
    eprintln!(
        "{} agreements, {} evaluations ({} errors on both sides: {:?}), {} events on a deadline, {} machines with > 32 rules ({} evaluations of them fired steps)",
        seen.cases,
        seen.evaluations,
        seen.errors,
        seen.kinds,
        seen.on_deadline,
        seen.over_32_rules,
        seen.over_32_fired
    );
    // the uncached deadline path (> 32 rules) is reached, and does fire
    assert!(seen.over_32_rules > 0, "no machine had more than 32 rules");
    assert!(
        seen.over_32_fired > 0,
        "no machine with more than 32 rules fired a step"
    );
    assert!(seen.on_deadline > 0, "no event fell on a deadline");
    assert!(seen.errors < seen.evaluations, "every evaluation failed");
}

/// Found by the generated test: a general rule's `then resume compute`
/// restored the product's capability with compute's number in the general
/// terms (here `download`), not the product's `compute` (which it does not
/// have). The general terms' names are matched by name, as for steps.
#[test]
fn a_general_cure_resumes_capabilities_by_name() {
    let text = r#"
general §8 {
  billing prepaid
  capabilities compute, download
  on deferral_end { until renewal then resume compute }
}
product gen "生成的产品" §9 {
  billing prepaid
  capabilities download, console
  on order_paid { at once suspend download §9.1 }
}
"#;
    let program = Program::compile_str("cure.clause", text).expect("checks");
    let agreement = &program.agreements[0];
    let m = program
        .select("gen", None, Reading::CustomerSafe)
        .expect("compiles");
    let names = ["order_paid", "deferral_end", "renewal"];
    let refs: Vec<RefEvent> = names
        .iter()
        .enumerate()
        .map(|(i, e)| RefEvent {
            at: BASE + i as i64 * 3_600,
            event: e.to_string(),
            amount: None,
            until: None,
        })
        .collect();
    let events: Vec<Event> = refs
        .iter()
        .map(|r| m.event(&r.event, r.at).expect("event"))
        .collect();
    let at = BASE + 86_400;
    let got = m.evaluate(&events, at).expect("evaluates");
    let download = m.ir.capabilities.iter().position(|c| c == "download");
    let state = download.map(|i| got.status.capabilities[i]);
    assert_eq!(
        state,
        Some(clausec::model::CapabilityState::Suspended),
        "{got:?}"
    );
    let want = reference::evaluate(agreement, "gen", m.ir.billing, m.ir.reading, &refs, at);
    assert_eq!(Ok(got), want);
}
