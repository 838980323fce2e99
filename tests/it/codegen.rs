//! Generated Rust modules (`clausec codegen`, tests/it/generated/) against
//! the machines they were generated from: every committed module is what
//! the generator produces from today's clause files, and on random
//! timelines it fires the same steps at the same instants, in the same
//! order, and ends in the same capability, resource and termination state.

use clausec::eval::{AccountState, EvalError, Event, Fired, Machine, Program, TERMINATED};
use clausec::vocab::{Billing, Reading, BUILTIN_EVENTS};
use proptest::prelude::*;
use std::path::PathBuf;

#[rustfmt::skip]
#[path = "generated/demo_postpaid.rs"]
mod demo_postpaid;
#[rustfmt::skip]
#[path = "generated/demo_postpaid_earliest.rs"]
mod demo_postpaid_earliest;
#[rustfmt::skip]
#[path = "generated/demo_prepaid.rs"]
mod demo_prepaid;
#[rustfmt::skip]
#[path = "generated/log_service_postpaid.rs"]
mod log_service_postpaid;
#[rustfmt::skip]
#[path = "generated/maxcompute_postpaid.rs"]
mod maxcompute_postpaid;

/// (origin as passed to the generator, product, billing, reading, file stem)
const MODULES: &[(&str, &str, Billing, Reading, &str)] = &[
    (
        "clauses/aliyun-2024",
        "log_service",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "log_service_postpaid",
    ),
    (
        "clauses/aliyun-2024",
        "maxcompute",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "maxcompute_postpaid",
    ),
    (
        "tests/it/data/eval_demo.clause",
        "demo",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "demo_postpaid",
    ),
    (
        "tests/it/data/eval_demo.clause",
        "demo",
        Billing::Postpaid,
        Reading::Earliest,
        "demo_postpaid_earliest",
    ),
    (
        "tests/it/data/eval_demo.clause",
        "demo",
        Billing::Prepaid,
        Reading::CustomerSafe,
        "demo_prepaid",
    ),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn machine(origin: &str, product: &str, billing: Billing, reading: Reading) -> Machine {
    let (map, diags) = clausec::load::load_all(&[root().join(origin)]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    program
        .select(product, Some(billing), reading)
        .expect("selects")
}

#[test]
fn committed_modules_are_what_the_generator_produces() {
    for &(origin, product, billing, reading, stem) in MODULES {
        let m = machine(origin, product, billing, reading);
        let want = clausec::eval::codegen::generate_rust(&m, origin).expect("generates");
        let path = root().join("tests/it/generated").join(format!("{stem}.rs"));
        let got = std::fs::read_to_string(&path).expect("committed module");
        assert!(got == want, "{} is stale: run .ci/gen-docs", path.display());
    }
}

/// Each module's header states its record size (what a caller budgets per
/// account); it must be what the compiler lays out.
#[test]
fn stated_record_sizes_are_the_real_ones() {
    let sizes = [
        std::mem::size_of::<log_service_postpaid::Account>(),
        std::mem::size_of::<maxcompute_postpaid::Account>(),
        std::mem::size_of::<demo_postpaid::Account>(),
        std::mem::size_of::<demo_postpaid_earliest::Account>(),
        std::mem::size_of::<demo_prepaid::Account>(),
    ];
    for (&(.., stem), size) in MODULES.iter().zip(sizes) {
        let path = root().join("tests/it/generated").join(format!("{stem}.rs"));
        let text = std::fs::read_to_string(&path).expect("committed module");
        let stated = format!("/// One account's state, {size} bytes.");
        assert!(
            text.contains(&stated),
            "{stem}: {size} bytes, header says otherwise"
        );
    }
}

/// One generated module behind a common face.
trait Generated {
    fn new() -> Self;
    fn event(
        &mut self,
        m: &Machine,
        ev: usize,
        at: i64,
        out: &mut Vec<(u32, i64)>,
    ) -> Result<(), EvalError>;
    fn advance(&mut self, m: &Machine, t: i64, out: &mut Vec<(u32, i64)>) -> Result<(), EvalError>;
    /// (caps, resources, terminated, next_due, now)
    fn observe(&self) -> Observed;
}

macro_rules! generated {
    ($module:ident) => {
        impl Generated for $module::Account {
            fn new() -> Self {
                $module::Account::default()
            }
            fn event(
                &mut self,
                m: &Machine,
                ev: usize,
                at: i64,
                out: &mut Vec<(u32, i64)>,
            ) -> Result<(), EvalError> {
                $module::Account::event(self, m, ev, at, &mut |s, t| out.push((s, t)))
            }
            fn advance(
                &mut self,
                m: &Machine,
                t: i64,
                out: &mut Vec<(u32, i64)>,
            ) -> Result<(), EvalError> {
                $module::Account::advance(self, m, t, &mut |s, x| out.push((s, x)))
            }
            fn observe(&self) -> Observed {
                (
                    u64::from(self.caps),
                    u32::from(self.resources),
                    self.terminated,
                    self.next_due(),
                    self.now(),
                )
            }
        }
    };
}

generated!(demo_postpaid);
generated!(demo_postpaid_earliest);
generated!(demo_prepaid);
generated!(log_service_postpaid);
generated!(maxcompute_postpaid);

/// 2019-03-01T00:00:00+08:00, as in the differential test.
const BASE: i64 = 1_551_369_600;

/// The range every generated module holds (`EPOCH..=LAST` in each module).
const FIRST: i64 = log_service_postpaid::EPOCH;
const LAST: i64 = log_service_postpaid::LAST;

/// (caps, resources, terminated, next_due, now)
type Observed = (u64, u32, bool, i64, i64);

/// The machine's state as a module reports it: a deadline past `LAST` is
/// reported as `LAST + 1` (the module holds no later instant).
fn observe(st: &AccountState) -> Observed {
    let st = st.encoded();
    let terminated = st.flags & TERMINATED != 0;
    let due = match st.next_due {
        _ if terminated => i64::MAX,
        i64::MAX => i64::MAX,
        d if d > LAST => LAST + 1,
        d => d,
    };
    (st.caps, st.resources, terminated, due, st.now)
}

/// A module refuses an instant outside its range, and changes nothing.
fn refuses<G: Generated>(
    g: &mut G,
    result: Result<(), EvalError>,
    before: (Observed, usize),
    got: &[(u32, i64)],
    at: i64,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(result, Err(EvalError::OutOfRange { at }));
    prop_assert_eq!(g.observe(), before.0, "state changed by a refused instant");
    prop_assert_eq!(got.len(), before.1, "steps fired on a refused instant");
    Ok(())
}

/// Runs `events` (instant, event index) through the machine and the module,
/// then advances both to `until`; any difference fails. At the first
/// instant outside the module's range the module must refuse it unchanged;
/// the comparison ends there.
fn agree<G: Generated>(
    m: &Machine,
    events: &[(i64, usize)],
    until: i64,
) -> Result<(), TestCaseError> {
    let mut st = m.new_account();
    let mut g = G::new();
    let (mut fired, mut got): (Vec<Fired>, Vec<(u32, i64)>) = (Vec::new(), Vec::new());
    for &(at, e) in events {
        let ev = Event {
            at,
            event: clausec::compile::EventId(e as u16),
            amount: None,
            until: None,
        };
        let before = (g.observe(), got.len());
        let b = g.event(m, e, at, &mut got);
        if !(FIRST..=LAST).contains(&at) {
            return refuses(&mut g, b, before, &got, at);
        }
        let a = m.step_into(&mut st, &ev, &mut fired);
        prop_assert_eq!(
            a.is_ok(),
            b.is_ok(),
            "{} event {} at {}",
            m.ir.product,
            e,
            at
        );
        if a.is_err() {
            return Ok(());
        }
        let want: Vec<(u32, i64)> = fired.iter().map(|f| (f.step.0, f.at)).collect();
        prop_assert_eq!(&want, &got, "{} after event {} at {}", m.ir.product, e, at);
        prop_assert_eq!(
            observe(&st),
            g.observe(),
            "{} state after event {} at {}",
            m.ir.product,
            e,
            at
        );
    }
    let before = (g.observe(), got.len());
    let b = g.advance(m, until, &mut got);
    if !(FIRST..=LAST).contains(&until) {
        return refuses(&mut g, b, before, &got, until);
    }
    let a = m.advance_into(&mut st, until, &mut fired);
    prop_assert_eq!(a.is_ok(), b.is_ok());
    let want: Vec<(u32, i64)> = fired.iter().map(|f| (f.step.0, f.at)).collect();
    prop_assert_eq!(&want, &got, "{} after advancing", m.ir.product);
    prop_assert_eq!(observe(&st), g.observe());
    Ok(())
}

fn timelines(n_events: usize) -> impl Strategy<Value = (Vec<(i64, usize)>, i64)> {
    (
        prop::collection::vec((0i64..60 * 24 * 60, 0..n_events), 0..24),
        0i64..90 * 24 * 60,
    )
        .prop_map(|(mut v, until)| {
            v.sort_by_key(|e| e.0);
            (v, until)
        })
}

fn machines() -> &'static Vec<Machine> {
    static M: std::sync::OnceLock<Vec<Machine>> = std::sync::OnceLock::new();
    M.get_or_init(|| {
        MODULES
            .iter()
            .map(|&(origin, product, billing, reading, _)| {
                machine(origin, product, billing, reading)
            })
            .collect()
    })
}

/// Where a timeline starts: mostly 2019; also exactly at the first instant
/// a module holds, a day before it (refused), and 30 days before the last
/// (deadlines past it, `until` past it).
fn starts() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => Just(BASE),
        1 => Just(FIRST),
        1 => Just(FIRST - 86_400),
        1 => Just(LAST - 30 * 86_400),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    #[test]
    fn generated_modules_agree_with_their_machines(
        which in 0usize..5,
        start in starts(),
        (events, until) in timelines(BUILTIN_EVENTS.len() + 2),
    ) {
        let m = &machines()[which];
        let until = (start + until * 60).max(events.last().map_or(start, |e| start + e.0 * 60));
        let n = m.ir.events.len();
        let events: Vec<(i64, usize)> =
            events.into_iter().map(|(t, e)| (start + t * 60, e % n)).collect();
        match which {
            0 => agree::<log_service_postpaid::Account>(m, &events, until)?,
            1 => agree::<maxcompute_postpaid::Account>(m, &events, until)?,
            2 => agree::<demo_postpaid::Account>(m, &events, until)?,
            3 => agree::<demo_postpaid_earliest::Account>(m, &events, until)?,
            _ => agree::<demo_prepaid::Account>(m, &events, until)?,
        }
    }
}

#[test]
fn the_command_prints_the_module_and_refuses_unknown_products() {
    let run = |product: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clausec"))
            .current_dir(root())
            .args([
                "codegen",
                "clauses/aliyun-2024",
                "--product",
                product,
                "--billing",
                "postpaid",
            ])
            .output()
            .expect("runs")
    };
    let ok = run("log_service");
    assert!(ok.status.success());
    let committed =
        std::fs::read_to_string(root().join("tests/it/generated/log_service_postpaid.rs"))
            .expect("committed module");
    assert_eq!(String::from_utf8_lossy(&ok.stdout), committed);
    let bad = run("no_such_product");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no_such_product"));
}
