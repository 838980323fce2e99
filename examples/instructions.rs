//! Runs the evaluator over the stream bench's workloads once, so that
//! `valgrind --tool=callgrind` can count the instructions of the per-event
//! path: a figure that, unlike the criterion timings on a shared machine,
//! is the same on every run (docs/performance.md quotes it).
//!
//! ```sh
//! cargo build --release --example instructions
//! valgrind --tool=callgrind target/release/examples/instructions sorted 30 100000
//! valgrind --tool=callgrind target/release/examples/instructions one-shot 20000
//! callgrind_annotate --inclusive=yes callgrind.out.* | grep Machine
//! ```
//!
//! `CLAUSEC_CLAUSES=DIR` reads the 2024 agreement from `DIR` instead of
//! `clauses/aliyun-2024` (to compare two builds on the same files).
//!
//! `sorted DAYS ACCOUNTS [PASSES]`: the 2024 log service and MaxCompute
//! products (postpaid) over `gen-events`' generator, grouped by account,
//! three passes (or PASSES); subtracting a run with PASSES = 0 from one with
//! 3 leaves the instructions of the passes alone (setup, generation and
//! sorting cancel out). `one-shot N`: `Machine::evaluate` of the bench's 20-event log
//! service timeline, N times; `one-shot-generated N` and
//! `one-shot-handwritten N`: the same timeline through the generated log
//! service module and through the hand-written rules (the bench's speed
//! limit), collecting the fired instants as the bench does. Subtracting a
//! run with N = 0 from one with N = 20 000 leaves the per-run count.

// The stream bench's workload module: its one-shot timeline, and the
// hand-written rules and generated log service module it includes (the
// example uses only those).
#[allow(dead_code)]
#[path = "../benches/workload/mod.rs"]
mod workload;

use clausec::eval::{Event, Fired, Machine, Program};
use clausec::stream::workload::{profiles, Generator, Profile, DEFAULT_START};
use clausec::vocab::{Billing, Reading};
use std::hint::black_box;
use workload::{handwritten, log_service_generated};

/// The two products' workload profiles and their machines, in one order.
fn setup() -> (Vec<Profile>, Vec<Machine>) {
    // CLAUSEC_CLAUSES: another copy of the 2024 agreement (to compare two
    // builds on the same clause files)
    let dir = std::env::var_os("CLAUSEC_CLAUSES").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024"),
        std::path::PathBuf::from,
    );
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let ps: Vec<Profile> = profiles(&program)
        .into_iter()
        .filter(|p| {
            ["log_service", "maxcompute"].contains(&p.product.as_str())
                && p.billing == Billing::Postpaid
        })
        .collect();
    let machines = ps
        .iter()
        .map(|p| {
            program
                .select(&p.product, Some(p.billing), Reading::CustomerSafe)
                .expect("selects")
        })
        .collect();
    (ps, machines)
}

fn sorted(ps: Vec<Profile>, machines: &[Machine], days: u32, accounts: u64, passes: u32) {
    let mut events: Vec<(u32, usize, Event)> =
        Generator::new(ps, accounts, days, 42, DEFAULT_START)
            .map(|e| {
                let m = &machines[e.profile as usize];
                let ev = m.event(e.event, e.at).expect("known event");
                (e.account as u32, e.profile as usize, ev)
            })
            .collect();
    events.sort_by_key(|e| e.0);
    let until = DEFAULT_START + i64::from(days) * 86_400;
    let mut states: Vec<_> = machines.iter().map(Machine::new_account).collect();
    let mut fired: Vec<Fired> = Vec::new();
    let (mut n, mut sum) = (0u64, 0i64);
    let start = std::time::Instant::now();
    for _ in 0..passes {
        let mut i = 0;
        while i < events.len() {
            let (account, mi) = (events[i].0, events[i].1);
            let (m, st) = (&machines[mi], &mut states[mi]);
            m.reset(st);
            while i < events.len() && events[i].0 == account {
                m.step_into(st, &events[i].2, &mut fired).expect("steps");
                i += 1;
            }
            m.advance_into(st, until, &mut fired).expect("advances");
            for f in fired.drain(..) {
                n += 1;
                sum = sum.wrapping_add(f.at);
            }
        }
    }
    eprintln!(
        "{} events × {passes} passes, {n} steps fired (sum of instants {sum}), {:?}",
        events.len(),
        start.elapsed()
    );
}

/// Which implementation runs the one-shot timeline.
#[derive(Clone, Copy, PartialEq)]
enum OneShot {
    Evaluate,
    Generated,
    Handwritten,
}

fn one_shot(machines: &[Machine], runs: u32, how: OneShot) {
    let m = machines
        .iter()
        .find(|m| m.ir.product == "log_service")
        .expect("log service");
    // the bench's 20-event timeline, evaluated 32 days after its last
    // arrears (the instant every figure in docs/performance.md used)
    let (timeline, hand) = workload::timeline(m);
    let arrears = m.event("arrears", DEFAULT_START).expect("arrears").event;
    let last = timeline.iter().rev().find(|e| e.event == arrears);
    let at = last.map_or(DEFAULT_START, |e| e.at) + 32 * 86_400;
    let start = std::time::Instant::now();
    let mut actions = 0;
    for _ in 0..runs {
        actions += match how {
            OneShot::Evaluate => {
                let e = m
                    .evaluate(black_box(&timeline), black_box(at))
                    .expect("evaluates");
                black_box(e).actions.len()
            }
            OneShot::Generated => {
                let mut out = Vec::new();
                let mut a = log_service_generated::Account::default();
                for e in black_box(&timeline) {
                    a.event(m, usize::from(e.event.0), e.at, &mut |_, x| out.push(x))
                        .expect("steps");
                }
                a.advance(m, black_box(at), &mut |_, x| out.push(x))
                    .expect("advances");
                black_box(out).len()
            }
            OneShot::Handwritten => {
                let mut out = Vec::new();
                let mut a = handwritten::Account::new(handwritten::LOG_SERVICE);
                for (t, e) in black_box(&hand) {
                    a.event(*t, *e, &mut |x| out.push(x));
                }
                a.advance(black_box(at), &mut |x| out.push(x));
                black_box(out).len()
            }
        };
    }
    eprintln!(
        "{runs} evaluations, {actions} actions, {:?} each",
        start.elapsed() / runs.max(1)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(default);
    let (ps, machines) = setup();
    match args.first().map(String::as_str) {
        Some("one-shot") => one_shot(&machines, num(1, 20_000) as u32, OneShot::Evaluate),
        Some("one-shot-generated") => {
            one_shot(&machines, num(1, 20_000) as u32, OneShot::Generated)
        }
        Some("one-shot-handwritten") => {
            one_shot(&machines, num(1, 20_000) as u32, OneShot::Handwritten)
        }
        _ => sorted(
            ps,
            &machines,
            num(1, 30) as u32,
            num(2, 100_000),
            num(3, 3) as u32,
        ),
    }
}
