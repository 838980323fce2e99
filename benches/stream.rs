//! Throughput of the compiled agreements over account event streams, next
//! to a hand-written implementation of the same rules (the speed limit).
//!
//! Workload: `clausec gen-events`' generator restricted to the 2024
//! MaxCompute and log service products (postpaid), 1M accounts over 30
//! days; events pre-parsed (JSON parsing is measured by `clausec run`, see
//! docs/performance.md). Groups:
//! * `sorted`: events grouped by account (each account's timeline in one
//!   go), state in a fresh `AccountState` per account;
//! * `shuffled`: events in time order across all accounts (random access to
//!   the compact state table and the deadline heap);
//! * `engine`: the `clausec run` shard (account lookup by name, output JSON)
//!   on the time-ordered events;
//! * `stream_history_365d/sorted`: account-sorted again over a second
//!   workload with realistic history (100k accounts over 365 days, tens of
//!   events per account), where state stays hot between an account's events;
//! * `one_shot`: `Machine::evaluate` of a 20-event log-service timeline.
//!
//! Each group times the compiled code and the hand-written one on the same
//! events; the setup checks both fire the same steps at the same instants.

mod workload;

use clausec::eval::AccountState;
use clausec::stream::catalog::Catalog;
use clausec::stream::engine::{PendingEvent, Shard};
use clausec::vocab::Reading;
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;
use workload::{
    check, check_one_shot, compiled_shuffled, compiled_sorted, generated_one_shot,
    generated_shuffled, generated_sorted, handwritten, handwritten_one_shot, handwritten_shuffled,
    handwritten_sorted, log_service_generated, maxcompute_generated, setup, Setup, Tally,
};

const ACCOUNTS: u64 = 1_000_000;
const DAYS: u32 = 30;
/// The second, realistic-history workload: fewer accounts, a year each, so
/// an account-sorted pass runs tens of events per account while its state
/// is hot (the 30-day workload has ~1.6, a cache miss per event).
const HISTORY_ACCOUNTS: u64 = 100_000;
const HISTORY_DAYS: u32 = 365;

/// The catalog the engine runs under: the two products' machines, numbered
/// as the workload's profiles.
fn catalog() -> Catalog {
    let (program, ps) = workload::products();
    let mut catalog = Catalog::new(program, Reading::CustomerSafe);
    for p in &ps {
        catalog
            .resolve(&p.product, Some(p.billing), &[] as &[&str])
            .expect("resolves");
    }
    catalog
}

/// The `clausec run` shard on the same time-ordered events (account lookup
/// by name, output formatted as NDJSON), one batch of 65 536 events at a time.
fn engine(s: &Setup, catalog: &Catalog, names: &[String]) -> (u64, usize) {
    let mut shard = Shard::default();
    let mut actions = 0u64;
    for (k, chunk) in s.events.chunks(65_536).enumerate() {
        for (j, e) in chunk.iter().enumerate() {
            let machine = s.machine_of[e.account as usize] as u16;
            let name = &names[e.account as usize];
            let hash = clausec::stream::hash_bytes(name.as_bytes());
            let rec = shard.record(catalog, name, hash, machine).expect("record");
            shard.accept(PendingEvent {
                at: e.at,
                line: (k * 65_536 + j) as u64,
                machine,
                rec,
                event: e.event.clone(),
            });
        }
        let f = chunk.last().map_or(i64::MIN, |e| e.at) - 60;
        shard.advance(catalog, f, f);
        shard.sort_output();
        actions += shard.counters.actions;
        shard.counters.actions = 0;
        shard.clear_output();
    }
    shard.advance(catalog, i64::MAX, s.until + 1);
    actions += shard.counters.actions;
    assert!(shard.errors.is_empty(), "{:?}", shard.errors.first());
    (actions, shard.heap_bytes())
}

/// One implementation run over a whole workload.
type Run = fn(&Setup) -> Tally;

/// The three account-sorted implementations of one workload.
const SORTED: [(&str, Run); 3] = [
    ("sorted/compiled", compiled_sorted),
    ("sorted/handwritten", handwritten_sorted),
    ("sorted/generated", generated_sorted),
];

fn bench_sorted(g: &mut BenchmarkGroup<'_, WallTime>, s: &Setup) {
    for (name, run) in SORTED {
        g.bench_function(name, |b| b.iter(|| black_box(run(s))));
    }
}

fn benches(c: &mut Criterion) {
    // CLAUSEC_BENCH_ACCOUNTS overrides the account count of the 30-day
    // workload (docs/performance.md quotes a 10 M run).
    let accounts = std::env::var("CLAUSEC_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(ACCOUNTS);
    let s = setup(accounts, DAYS);
    let n = s.events.len() as u64;
    // Same steps at the same instants, or the comparison means nothing.
    let (sorted, table_bytes) = check(&s, "30 days");
    let names: Vec<String> = (0..accounts).map(|a| format!("acct-{a:08}")).collect();
    let catalog = catalog();
    let (engine_actions, engine_bytes) = engine(&s, &catalog, &names);
    let accounts = s.product_of.len();
    eprintln!(
        "workload: {n} events, {accounts} accounts, {} steps fired, {engine_actions} output actions",
        sorted.0
    );
    for (m, l) in s.machines.iter().zip(&s.layouts) {
        eprintln!(
            "bytes per account, {}: table record {} B; AccountState {} B + {} B of slots on the heap; hand-written {} B",
            m.ir.product,
            l.bytes(),
            std::mem::size_of::<AccountState>(),
            8 * m.ir.layout.slots,
            std::mem::size_of::<handwritten::Account>()
        );
    }
    eprintln!(
        "bytes per account, generated modules: log_service {} B, maxcompute {} B",
        std::mem::size_of::<log_service_generated::Account>(),
        std::mem::size_of::<maxcompute_generated::Account>()
    );
    eprintln!(
        "bytes per account over the workload: tables {:.1} B; whole shard (tables, names, index, queue, buffers) {:.1} B",
        table_bytes as f64 / accounts as f64,
        engine_bytes as f64 / accounts as f64
    );

    let mut g = c.benchmark_group("stream");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(n));
    bench_sorted(&mut g, &s);
    g.bench_function("shuffled/compiled", |b| {
        b.iter(|| black_box(compiled_shuffled(&s)))
    });
    g.bench_function("shuffled/handwritten", |b| {
        b.iter(|| black_box(handwritten_shuffled(&s)))
    });
    g.bench_function("shuffled/generated", |b| {
        b.iter(|| black_box(generated_shuffled(&s)))
    });
    g.bench_function("shuffled/engine", |b| {
        b.iter(|| black_box(engine(&s, &catalog, &names)))
    });
    g.finish();

    // The same rules with realistic history per account (account-sorted only:
    // the case where state stays in cache; the hard 30-day case stays above).
    let h = setup(HISTORY_ACCOUNTS, HISTORY_DAYS);
    let hn = h.events.len() as u64;
    let (h_sorted, _) = check(&h, "365 days");
    eprintln!(
        "history workload: {hn} events, {} accounts ({:.1} events per account), {} steps fired",
        h.product_of.len(),
        hn as f64 / h.product_of.len() as f64,
        h_sorted.0
    );
    let mut g = c.benchmark_group("stream_history_365d");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(hn));
    bench_sorted(&mut g, &h);
    g.finish();
    drop(h);

    let log = s
        .machines
        .iter()
        .find(|m| m.ir.product == "log_service")
        .expect("log service");
    let (evs, hand, at) = check_one_shot(log);
    let mut g = c.benchmark_group("one_shot");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    g.bench_function("evaluate_20_events/compiled", |b| {
        b.iter(|| black_box(log.evaluate(black_box(&evs), at)))
    });
    g.bench_function("fired_20_events/generated", |b| {
        b.iter(|| black_box(generated_one_shot(log, black_box(&evs), at)))
    });
    g.bench_function("evaluate_20_events/handwritten", |b| {
        b.iter(|| black_box(handwritten_one_shot(black_box(&hand), at)))
    });
    g.finish();
}

criterion_group!(stream, benches);
criterion_main!(stream);
