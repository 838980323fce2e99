//! Speed of the compiler and the evaluator (figures in docs/performance.md):
//! compiling every shipped clause file, one-shot evaluation of a 20-event
//! timeline, and `step` throughput on account-sorted input.

use clausec::eval::{AccountState, Event, Fired, Machine, Program};
use clausec::vocab::{Billing, Reading};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rust_decimal::Decimal;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn agreement_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("clauses"))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir() && !p.ends_with("sources"))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The demo agreement's product under `billing`. Postpaid runs the arrears
/// rule (hours, workdays, calendar days, two readings) on every arrears and
/// payment; prepaid has only the outage and notice rules and the money terms
/// (its expiry rules see no `expiry` event in this timeline).
fn machine(billing: Billing) -> Machine {
    let path = root().join("tests/it/data/eval_demo.clause");
    let (map, diags) = clausec::load::load_all(&[path]).expect("demo exists");
    let program =
        Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("demo checks");
    program
        .select("demo", Some(billing), Reading::CustomerSafe)
        .expect("demo compiles")
}

const BILLINGS: [(Billing, &str); 2] = [
    (Billing::Postpaid, "postpaid"),
    (Billing::Prepaid, "prepaid"),
];

/// 20 events over two months: arrears and payments, an outage, a notice.
fn timeline(m: &Machine, base: i64) -> Vec<Event> {
    let names = [
        "purchase",
        "arrears",
        "payment",
        "bill",
        "arrears",
        "outage_start",
        "outage_end",
        "payment",
        "arrears",
        "bill",
        "payment",
        "provider_notice",
        "arrears",
        "payment",
        "bill",
        "arrears",
        "outage_start",
        "payment",
        "bill",
        "arrears",
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let mut e = m
                .event(n, base + i as i64 * 3 * 86_400 + 3_600)
                .expect("known event");
            e.amount = Some(Decimal::new(12_000 + i as i64, 2));
            e
        })
        .collect()
}

fn compile_all(c: &mut Criterion) {
    let loaded: Vec<_> = agreement_dirs()
        .into_iter()
        .filter_map(|d| clausec::load::load_all(&[d]).ok())
        .collect();
    c.bench_function("compile every shipped clause file", |b| {
        b.iter(|| {
            let mut automata = 0usize;
            for (map, diags) in &loaded {
                let checked = clausec::frontend::front_end(map, diags.clone());
                for a in &checked.agreements {
                    for p in &a.products {
                        for &billing in &p.billing {
                            if clausec::compile::compile(
                                a,
                                &p.id,
                                &clausec::compile::Selection::default().billing(billing),
                            )
                            .is_ok()
                            {
                                automata += 1;
                            }
                        }
                    }
                }
            }
            black_box(automata)
        })
    });
}

fn one_shot(c: &mut Criterion) {
    for (billing, name) in BILLINGS {
        let m = machine(billing);
        let base = 1_561_946_400; // 2019-07-01T10:00:00+08:00
        let events = timeline(&m, base);
        let at = base + 70 * 86_400;
        c.bench_function(&format!("evaluate 20-event timeline ({name})"), |b| {
            b.iter(|| black_box(m.evaluate(black_box(&events), at).expect("evaluates")))
        });
    }
}

fn step_throughput(c: &mut Criterion) {
    for (billing, name) in BILLINGS {
        step_throughput_of(c, billing, name);
    }
}

fn step_throughput_of(c: &mut Criterion, billing: Billing, name: &str) {
    let m = machine(billing);
    let accounts = 1_000usize;
    let base = 1_561_946_400;
    let per_account = timeline(&m, base);
    let total = (accounts * per_account.len()) as u64;
    let mut g = c.benchmark_group("step");
    g.throughput(Throughput::Elements(total));
    g.bench_function(format!("account-sorted events ({name})"), |b| {
        let mut out: Vec<Fired> = Vec::with_capacity(64);
        let mut states: Vec<AccountState> = (0..accounts).map(|_| m.new_account()).collect();
        b.iter(|| {
            for st in states.iter_mut() {
                m.reset(st);
                for ev in &per_account {
                    out.clear();
                    m.step_into(st, ev, &mut out).expect("steps");
                }
            }
            black_box(states.len())
        })
    });
    g.finish();
}

/// Not timed: what one `AccountState` of the demo costs, printed with the
/// figures (docs/performance.md quotes it).
fn state_size(_: &mut Criterion) {
    for (billing, name) in BILLINGS {
        let m = machine(billing);
        let base = 1_561_946_400;
        let mut st = m.new_account();
        for ev in timeline(&m, base).iter().take(5) {
            m.step(&mut st, ev).expect("steps");
        }
        let inline = std::mem::size_of::<AccountState>();
        let heap = 8 * m.ir.layout.slots;
        let json = serde_json::to_string(&st).expect("serialises").len();
        // bincode 1 fixed-width layout: the fingerprint and the six scalar
        // fields, a u64 length and 8 bytes per slot
        let binary = 8 + 8 + 8 + 4 + 4 + 8 + 8 + 8 + heap;
        eprintln!(
            "AccountState ({name}, {} rules): {inline} B inline + {heap} B of slots on the heap; \
             JSON {json} B after 5 events; fixed-width binary {binary} B",
            m.ir.rules.len()
        );
    }
}

criterion_group!(benches, state_size, compile_all, one_shot, step_throughput);
criterion_main!(benches);
