//! Generated Rust modules (`clausec codegen`, tests/it/generated/) against
//! the machines they were generated from: every committed module is what
//! the generator produces from today's clause files, and on random
//! timelines it fires the same steps at the same instants, in the same
//! order, and ends in the same capability, resource and termination state.

use clausec::eval::{AccountState, Decimal, EvalError, Event, Fired, Machine, Program, TERMINATED};
use clausec::vocab::{Billing, Reading};
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
#[rustfmt::skip]
#[path = "generated/account_demo_postpaid.rs"]
mod account_demo_postpaid;
#[rustfmt::skip]
#[path = "generated/account_demo_postpaid_earliest.rs"]
mod account_demo_postpaid_earliest;
#[rustfmt::skip]
#[path = "generated/lang_anchors_maxcompute.rs"]
mod lang_anchors_maxcompute;
#[rustfmt::skip]
#[path = "generated/lang_anchors_maxcompute_earliest.rs"]
mod lang_anchors_maxcompute_earliest;
#[rustfmt::skip]
#[path = "generated/lang_arrears_balance_datahub.rs"]
mod lang_arrears_balance_datahub;
#[rustfmt::skip]
#[path = "generated/lang_arrears_balance_cddc.rs"]
mod lang_arrears_balance_cddc;
#[rustfmt::skip]
#[path = "generated/lang_even_if_cured_graphics_workstation.rs"]
mod lang_even_if_cured_graphics_workstation;
#[rustfmt::skip]
#[path = "generated/lang_even_if_cured_dns.rs"]
mod lang_even_if_cured_dns;
#[rustfmt::skip]
#[path = "generated/lang_guards_ehpc.rs"]
mod lang_guards_ehpc;
#[rustfmt::skip]
#[path = "generated/lang_guards_ehpc_earliest.rs"]
mod lang_guards_ehpc_earliest;
#[rustfmt::skip]
#[path = "generated/lang_guards_workstation.rs"]
mod lang_guards_workstation;
#[rustfmt::skip]
#[path = "generated/lang_restrictions_eci.rs"]
mod lang_restrictions_eci;
#[rustfmt::skip]
#[path = "generated/lang_resume_reported_opensearch.rs"]
mod lang_resume_reported_opensearch;
#[rustfmt::skip]
#[path = "generated/time_demo_postpaid.rs"]
mod time_demo_postpaid;

/// (origin as passed to the generator, product, billing, reading, file stem),
/// in the order of `each_module!` below.
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
    // the account-state feature files the machine runs (tests/it/lang.rs)
    (
        "tests/lang/anchors",
        "maxcompute",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_anchors_maxcompute",
    ),
    (
        "tests/lang/anchors",
        "maxcompute",
        Billing::Postpaid,
        Reading::Earliest,
        "lang_anchors_maxcompute_earliest",
    ),
    (
        "tests/lang/arrears_balance",
        "datahub",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_arrears_balance_datahub",
    ),
    (
        "tests/lang/arrears_balance",
        "cddc",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_arrears_balance_cddc",
    ),
    (
        "tests/lang/even_if_cured",
        "graphics_workstation",
        Billing::Prepaid,
        Reading::CustomerSafe,
        "lang_even_if_cured_graphics_workstation",
    ),
    (
        "tests/lang/even_if_cured",
        "dns",
        Billing::Prepaid,
        Reading::CustomerSafe,
        "lang_even_if_cured_dns",
    ),
    (
        "tests/lang/guards",
        "ehpc",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_guards_ehpc",
    ),
    (
        "tests/lang/guards",
        "ehpc",
        Billing::Postpaid,
        Reading::Earliest,
        "lang_guards_ehpc_earliest",
    ),
    (
        "tests/lang/guards",
        "workstation",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_guards_workstation",
    ),
    (
        "tests/lang/restrictions",
        "eci",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_restrictions_eci",
    ),
    (
        "tests/lang/resume_reported",
        "opensearch",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "lang_resume_reported_opensearch",
    ),
    // every account-state form in one product, with a termination
    (
        "tests/it/data/account_demo",
        "acc",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "account_demo_postpaid",
    ),
    (
        "tests/it/data/account_demo",
        "acc",
        Billing::Postpaid,
        Reading::Earliest,
        "account_demo_postpaid_earliest",
    ),
    // the time forms (issue #12 item 9): on hour, calendar months, rest days
    (
        "tests/it/data/time_demo",
        "timed",
        Billing::Postpaid,
        Reading::CustomerSafe,
        "time_demo_postpaid",
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
    for (&(.., stem), size) in MODULES.iter().zip(sizes()) {
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
    /// An account-state module takes the amount; a plain one has none to
    /// take (amounts are its machine's money terms').
    fn event(
        &mut self,
        m: &Machine,
        ev: usize,
        at: i64,
        amount: Option<Decimal>,
        out: &mut Vec<(u32, i64)>,
    ) -> Result<(), EvalError>;
    fn advance(&mut self, m: &Machine, t: i64, out: &mut Vec<(u32, i64)>) -> Result<(), EvalError>;
    fn observe(&self) -> Observed;
}

macro_rules! generated {
    ($module:ident, $event:expr, $balance:expr) => {
        impl Generated for $module::Account {
            fn new() -> Self {
                $module::Account::default()
            }
            fn event(
                &mut self,
                m: &Machine,
                ev: usize,
                at: i64,
                amount: Option<Decimal>,
                out: &mut Vec<(u32, i64)>,
            ) -> Result<(), EvalError> {
                let event: fn(
                    &mut $module::Account,
                    &Machine,
                    usize,
                    i64,
                    Option<Decimal>,
                    &mut dyn FnMut(u32, i64),
                ) -> Result<(), EvalError> = $event;
                event(self, m, ev, at, amount, &mut |s, t| out.push((s, t)))
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
                    self.local.iter().map(|l| u32::from(*l)).collect(),
                    $balance(self),
                )
            }
        }
    };
}

/// A plain module: `event` takes no amount.
macro_rules! plain {
    ($($module:ident),*) => {$(
        generated!(
            $module,
            |a, m, ev, at, _amount, mut out| a.event(m, ev, at, &mut out),
            |_: &$module::Account| None
        );
    )*};
}

/// An account-state module: `event_with` takes the amount. (A module whose
/// product becomes an account-state automaton moves from `plain!` to here:
/// `the_account_state_modules_are_listed_as_such` says which.)
macro_rules! account_state {
    ($($module:ident),*) => {
        /// The modules listed as account-state modules.
        const ACCOUNT_STATE: &[&str] = &[$(stringify!($module)),*];
        $(
        generated!(
            $module,
            |a, m, ev, at, amount, mut out| a.event_with(m, ev, at, amount, &mut out),
            |a: &$module::Account| Some((a.outstanding, a.in_arrears()))
        );
    )*};
}

plain!(
    demo_postpaid,
    demo_postpaid_earliest,
    demo_prepaid,
    lang_resume_reported_opensearch,
    time_demo_postpaid
);
account_state!(
    log_service_postpaid,
    maxcompute_postpaid,
    lang_anchors_maxcompute,
    lang_anchors_maxcompute_earliest,
    lang_arrears_balance_datahub,
    lang_arrears_balance_cddc,
    lang_even_if_cured_graphics_workstation,
    lang_even_if_cured_dns,
    lang_guards_ehpc,
    lang_guards_ehpc_earliest,
    lang_guards_workstation,
    lang_restrictions_eci,
    account_demo_postpaid,
    account_demo_postpaid_earliest
);

/// Per module, in `MODULES` order: its record size and its run against
/// its machine.
macro_rules! each_module {
    ($($module:ident),* $(,)?) => {
        fn sizes() -> Vec<usize> {
            vec![$(std::mem::size_of::<$module::Account>()),*]
        }
        fn agree_with(
            which: usize,
            m: &Machine,
            events: &[(i64, usize, Option<Decimal>)],
            until: i64,
        ) -> Result<(), TestCaseError> {
            let runs: &[fn(&Machine, &[(i64, usize, Option<Decimal>)], i64) -> Result<(), TestCaseError>] =
                &[$(agree::<$module::Account>),*];
            runs[which](m, events, until)
        }
    };
}

each_module!(
    log_service_postpaid,
    maxcompute_postpaid,
    demo_postpaid,
    demo_postpaid_earliest,
    demo_prepaid,
    lang_anchors_maxcompute,
    lang_anchors_maxcompute_earliest,
    lang_arrears_balance_datahub,
    lang_arrears_balance_cddc,
    lang_even_if_cured_graphics_workstation,
    lang_even_if_cured_dns,
    lang_guards_ehpc,
    lang_guards_ehpc_earliest,
    lang_guards_workstation,
    lang_restrictions_eci,
    lang_resume_reported_opensearch,
    account_demo_postpaid,
    account_demo_postpaid_earliest,
    time_demo_postpaid,
);

/// 2019-03-01T00:00:00+08:00, as in the differential test.
const BASE: i64 = 1_551_369_600;

/// The range every generated module holds (`EPOCH..=LAST` in each module).
const FIRST: i64 = log_service_postpaid::EPOCH;
const LAST: i64 = log_service_postpaid::LAST;

/// (caps, resources, terminated, next_due, now, each rule's local state,
/// for an account-state automaton its balance and whether it is in arrears)
type Observed = (u64, u32, bool, i64, i64, Vec<u32>, Option<(Decimal, bool)>);

/// The machine's balance, read from the state as a billing system keeps it
/// (its serialised slots).
fn balance(m: &Machine, st: &AccountState) -> Option<(Decimal, bool)> {
    if !m.ir.account_state {
        return None;
    }
    let json = serde_json::to_value(st).expect("serialises");
    let k = m.ir.layout.balance_slot();
    let slot = |i: usize| json["slots"][i].as_i64().expect("a slot");
    let owed = clausec::compile::layout::amount_of_slots(slot(k), slot(k + 1)).expect("an amount");
    let unknown = st.encoded().flags & clausec::compile::layout::UNKNOWN_DEBT != 0;
    Some((owed, unknown || owed > Decimal::ZERO))
}

/// The machine's state as a module reports it: a deadline past `LAST` is
/// reported as `LAST + 1` (the module holds no later instant).
fn observe(m: &Machine, full: &AccountState) -> Observed {
    let st = full.encoded();
    let terminated = st.flags & TERMINATED != 0;
    let due = match st.next_due {
        _ if terminated => i64::MAX,
        i64::MAX => i64::MAX,
        d if d > LAST => LAST + 1,
        d => d,
    };
    let locals = (0..m.ir.rules.len())
        .map(|r| m.ir.layout.local_index(st.state, r) as u32)
        .collect();
    (
        st.caps,
        st.resources,
        terminated,
        due,
        st.now,
        locals,
        balance(m, full),
    )
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

/// Runs `events` (instant, event index, amount) through the machine and
/// the module, then advances both to `until`; any difference fails. At
/// the first instant outside the module's range the module must refuse it
/// unchanged; the comparison ends there, and at the first error both give
/// (the same error, for an account-state module).
fn agree<G: Generated>(
    m: &Machine,
    events: &[(i64, usize, Option<Decimal>)],
    until: i64,
) -> Result<(), TestCaseError> {
    let mut st = m.new_account();
    let mut g = G::new();
    let (mut fired, mut got): (Vec<Fired>, Vec<(u32, i64)>) = (Vec::new(), Vec::new());
    for &(at, e, amount) in events {
        // a plain module takes no amount (amounts are its machine's money
        // terms', which it leaves to the machine)
        let amount = amount.filter(|_| m.ir.account_state);
        let ev = Event {
            at,
            event: clausec::compile::EventId(e as u16),
            amount,
            until: None,
        };
        let before = (g.observe(), got.len());
        let b = g.event(m, e, at, amount, &mut got);
        if !(FIRST..=LAST).contains(&at) {
            return refuses(&mut g, b, before, &got, at);
        }
        let a = m.step_into(&mut st, &ev, &mut fired);
        if m.ir.account_state {
            prop_assert_eq!(&a, &b, "{} event {} at {}", m.ir.product, e, at);
        }
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
            observe(m, &st),
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
    prop_assert_eq!(observe(m, &st), g.observe());
    Ok(())
}

/// An event's amount: mostly none or a few round sums, so partial
/// payments, exact settlements and overpayments (credit) all occur; now
/// and then an amount with cents, zero, or a negative one (refused).
fn amounts() -> impl Strategy<Value = Option<Decimal>> {
    prop_oneof![
        4 => Just(None),
        4 => (1i64..=4).prop_map(|k| Some(Decimal::new(k * 5_000, 2))),
        1 => (0i64..100_000).prop_map(|c| Some(Decimal::new(c, 2))),
        1 => Just(Some(Decimal::ZERO)),
        1 => Just(Some(Decimal::new(-1, 2))),
    ]
}

/// Events as (minute, event number, amount), sorted, and the minute the
/// timeline is advanced to. Event numbers are taken modulo the machine's
/// vocabulary; half of them are `arrears` and `payment` (0 and 1), whose
/// amounts move an account-state module's balance.
fn timelines() -> impl Strategy<Value = (Vec<(i64, usize, Option<Decimal>)>, i64)> {
    let event = prop_oneof![1 => 0usize..2, 1 => 0usize..64];
    (
        prop::collection::vec((0i64..60 * 24 * 60, event, amounts()), 0..24),
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
    #![proptest_config(ProptestConfig::with_cases(4_000))]
    #[test]
    fn generated_modules_agree_with_their_machines(
        which in 0usize..MODULES.len(),
        start in starts(),
        (events, until) in timelines(),
    ) {
        let m = &machines()[which];
        let until = (start + until * 60).max(events.last().map_or(start, |e| start + e.0 * 60));
        let n = m.ir.events.len();
        let events: Vec<(i64, usize, Option<Decimal>)> = events
            .into_iter()
            .map(|(t, e, amount)| (start + t * 60, e % n, amount))
            .collect();
        agree_with(which, m, &events, until)?;
    }
}

/// A module is an account-state module (`event_with`, the balance) exactly
/// when its machine is an account-state automaton, and the test above runs
/// it as such: listed in `account_state!`.
#[test]
fn the_account_state_modules_are_listed_as_such() {
    for (m, &(.., stem)) in machines().iter().zip(MODULES) {
        let path = root().join("tests/it/generated").join(format!("{stem}.rs"));
        let text = std::fs::read_to_string(&path).expect("committed module");
        assert_eq!(
            m.ir.account_state,
            text.contains("pub fn event_with("),
            "{stem}: run .ci/gen-docs"
        );
        assert_eq!(
            m.ir.account_state,
            ACCOUNT_STATE.contains(&stem),
            "{stem}: list it in `plain!` or `account_state!` as its machine is"
        );
    }
    let state = machines().iter().filter(|m| m.ir.account_state).count();
    assert_eq!(state, 14);
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
