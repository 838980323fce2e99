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

mod handwritten;

// `clausec codegen` output for the same two products (checked against the
// machines and for freshness in tests/it/codegen.rs).
#[rustfmt::skip]
#[path = "../tests/it/generated/log_service_postpaid.rs"]
mod log_service_generated;
#[rustfmt::skip]
#[path = "../tests/it/generated/maxcompute_postpaid.rs"]
mod maxcompute_generated;

use clausec::eval::{AccountState, Event, Fired, Machine, Program};
use clausec::stream::catalog::Catalog;
use clausec::stream::engine::{PendingEvent, Shard};
use clausec::stream::queue::{DeadlineQueue, Due, ReadMark};
use clausec::stream::table::{unpack_time, RecordShape, Table};
use clausec::stream::workload::{profiles, Generator, DEFAULT_START};
use clausec::vocab::{Billing, Reading};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

const ACCOUNTS: u64 = 1_000_000;
const DAYS: u32 = 30;
/// The second, realistic-history workload: fewer accounts, a year each, so
/// an account-sorted pass runs tens of events per account while its state
/// is hot (the 30-day workload has ~1.6, a cache miss per event).
const HISTORY_ACCOUNTS: u64 = 100_000;
const HISTORY_DAYS: u32 = 365;

struct Ev {
    account: u32,
    at: i64,
    code: u8,
    event: Event,
}

struct Setup {
    machines: Vec<Machine>,
    layouts: Vec<RecordShape>,
    product_of: Vec<u8>,
    /// Index into `machines` per account.
    machine_of: Vec<u8>,
    /// Time order.
    events: Vec<Ev>,
    /// The same events as an account-sorted stream delivers them: grouped by
    /// account (stable: time order inside), contiguous.
    by_account: Vec<Ev>,
    until: i64,
    catalog: Catalog,
}

fn setup(accounts: u64, days: u32) -> Setup {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let names = ["log_service", "maxcompute"];
    let ps: Vec<_> = profiles(&program)
        .into_iter()
        .filter(|p| names.contains(&p.product.as_str()) && p.billing == Billing::Postpaid)
        .collect();
    assert_eq!(ps.len(), 2, "{ps:?}");
    let machines: Vec<Machine> = ps
        .iter()
        .map(|p| {
            program
                .select(&p.product, Some(p.billing), Reading::CustomerSafe)
                .expect("selects")
        })
        .collect();
    let code_of = |p: usize| {
        if ps[p].product == "log_service" {
            handwritten::LOG_SERVICE
        } else {
            handwritten::MAXCOMPUTE
        }
    };
    let mut product_of = vec![0u8; accounts as usize];
    let mut machine_of = vec![0u8; accounts as usize];
    let mut events = Vec::new();
    for e in Generator::new(ps.clone(), accounts, days, 42, DEFAULT_START) {
        let m = &machines[e.profile as usize];
        product_of[e.account as usize] = code_of(e.profile as usize);
        machine_of[e.account as usize] = e.profile as u8;
        let code = match e.event {
            "arrears" => handwritten::ARREARS,
            "payment" => handwritten::PAYMENT,
            _ => handwritten::DEFERRAL_END,
        };
        events.push(Ev {
            account: e.account as u32,
            at: e.at,
            code,
            event: m.event(e.event, e.at).expect("known event"),
        });
    }
    let mut order: Vec<u32> = (0..events.len() as u32).collect();
    order.sort_by_key(|i| events[*i as usize].account);
    let by_account = order
        .iter()
        .map(|i| {
            let e = &events[*i as usize];
            Ev {
                account: e.account,
                at: e.at,
                code: e.code,
                event: e.event.clone(),
            }
        })
        .collect();
    let layouts = machines.iter().map(RecordShape::new).collect();
    let mut catalog = Catalog::new(program, Reading::CustomerSafe);
    for p in &ps {
        catalog
            .resolve(&p.product, Some(p.billing), &[] as &[&str])
            .expect("resolves");
    }
    Setup {
        machines,
        layouts,
        product_of,
        machine_of,
        events,
        by_account,
        until: DEFAULT_START + i64::from(days) * 86_400,
        catalog,
    }
}

/// (steps fired, wrapping sum of their instants).
type Tally = (u64, i64);

fn compiled_sorted(s: &Setup) -> Tally {
    let (mut n, mut sum) = (0u64, 0i64);
    let mut fired = Vec::new();
    // one scratch state per machine, reset for each account (no allocation)
    let mut states: Vec<AccountState> = s.machines.iter().map(Machine::new_account).collect();
    let evs = &s.by_account;
    let mut i = 0;
    while i < evs.len() {
        let account = evs[i].account;
        let mi = s.machine_of[account as usize] as usize;
        let m = &s.machines[mi];
        let st = &mut states[mi];
        m.reset(st);
        while i < evs.len() && evs[i].account == account {
            m.step_into(st, &evs[i].event, &mut fired).expect("steps");
            i += 1;
        }
        m.advance_into(st, s.until, &mut fired).expect("advances");
        for f in fired.drain(..) {
            n += 1;
            sum = sum.wrapping_add(f.at);
        }
    }
    (n, sum)
}

fn handwritten_sorted(s: &Setup) -> Tally {
    let (mut n, mut sum) = (0u64, 0i64);
    let mut tally = |at: i64| {
        n += 1;
        sum = sum.wrapping_add(at);
    };
    let evs = &s.by_account;
    let mut i = 0;
    while i < evs.len() {
        let account = evs[i].account;
        let mut a = handwritten::Account::new(s.product_of[account as usize]);
        while i < evs.len() && evs[i].account == account {
            let e = &evs[i];
            a.event(e.at, e.code, &mut tally);
            i += 1;
        }
        a.advance(s.until, &mut tally);
    }
    (n, sum)
}

/// One account under a generated module (which one: the account's product).
#[derive(Clone, Copy)]
enum GenAccount {
    Log(log_service_generated::Account),
    Max(maxcompute_generated::Account),
}

impl GenAccount {
    fn new(s: &Setup, machine: usize) -> GenAccount {
        if s.machines[machine].ir.product == "log_service" {
            GenAccount::Log(Default::default())
        } else {
            GenAccount::Max(Default::default())
        }
    }

    fn event(&mut self, m: &Machine, e: &Ev, tally: &mut Tally) {
        let mut f = |_: u32, at: i64| {
            tally.0 += 1;
            tally.1 = tally.1.wrapping_add(at);
        };
        let ev = usize::from(e.event.event.0);
        match self {
            GenAccount::Log(a) => a.event(m, ev, e.at, &mut f),
            GenAccount::Max(a) => a.event(m, ev, e.at, &mut f),
        }
        .expect("steps");
    }

    fn advance(&mut self, m: &Machine, t: i64, tally: &mut Tally) {
        let mut f = |_: u32, at: i64| {
            tally.0 += 1;
            tally.1 = tally.1.wrapping_add(at);
        };
        match self {
            GenAccount::Log(a) => a.advance(m, t, &mut f),
            GenAccount::Max(a) => a.advance(m, t, &mut f),
        }
        .expect("advances");
    }

    fn next_due(&self) -> i64 {
        match self {
            GenAccount::Log(a) => a.next_due(),
            GenAccount::Max(a) => a.next_due(),
        }
    }
}

fn generated_sorted(s: &Setup) -> Tally {
    let mut tally = (0u64, 0i64);
    let evs = &s.by_account;
    let mut i = 0;
    while i < evs.len() {
        let account = evs[i].account;
        let mi = s.machine_of[account as usize] as usize;
        let m = &s.machines[mi];
        let mut a = GenAccount::new(s, mi);
        while i < evs.len() && evs[i].account == account {
            a.event(m, &evs[i], &mut tally);
            i += 1;
        }
        a.advance(m, s.until, &mut tally);
    }
    tally
}

/// The generated modules' accounts, one per account; an account's variant
/// says which machine it runs under.
struct GeneratedAccounts<'a> {
    log: &'a Machine,
    max: &'a Machine,
    accounts: Vec<GenAccount>,
}

impl GeneratedAccounts<'_> {
    fn machine(&self, a: &GenAccount) -> &Machine {
        match a {
            GenAccount::Log(_) => self.log,
            GenAccount::Max(_) => self.max,
        }
    }
}

impl Accounts for GeneratedAccounts<'_> {
    fn fetch(&self, account: u32) -> u32 {
        // both ends of the record: it may span two cache lines
        match &self.accounts[account as usize] {
            GenAccount::Log(a) => a.touch(),
            GenAccount::Max(a) => a.touch(),
        }
    }
    fn next_due(&self, account: u32) -> u32 {
        table_form(self.accounts[account as usize].next_due())
    }
    fn event(&mut self, e: &Ev, tally: &mut Tally) {
        let mut a = self.accounts[e.account as usize];
        a.event(self.machine(&a), e, tally);
        self.accounts[e.account as usize] = a;
    }
    fn advance(&mut self, account: u32, t: i64, tally: &mut Tally) {
        let mut a = self.accounts[account as usize];
        a.advance(self.machine(&a), t, tally);
        self.accounts[account as usize] = a;
    }
}

fn generated_shuffled(s: &Setup) -> Tally {
    let by_product = |p: &str| {
        s.machines
            .iter()
            .find(|m| m.ir.product == p)
            .expect("both products")
    };
    let mut a = GeneratedAccounts {
        log: by_product("log_service"),
        max: by_product("maxcompute"),
        accounts: s
            .machine_of
            .iter()
            .map(|mi| GenAccount::new(s, usize::from(*mi)))
            .collect(),
    };
    time_ordered(s, &mut a)
}

/// What the time-ordered driver needs of an implementation: per-account
/// state it can fetch ahead, apply events and deadlines to, and whose
/// earliest deadline it can read (table form, `u32::MAX`: none).
trait Accounts {
    /// Reads the account's state so it is in cache when processed.
    fn fetch(&self, account: u32) -> u32;
    fn next_due(&self, account: u32) -> u32;
    fn event(&mut self, e: &Ev, tally: &mut Tally);
    fn advance(&mut self, account: u32, t: i64, tally: &mut Tally);
}

/// Events whose state is fetched together before they are applied.
const BATCH: usize = 64;

/// Time order over all accounts: the accounts' state, the deadline queue
/// (`clausec run`'s calendar queue), deadlines firing as the clock passes
/// them. The records of each `BATCH` of events are read together before
/// the batch is applied, and those of the next `BATCH` deadlines likewise,
/// so their cache misses overlap instead of stalling one by one.
fn time_ordered(s: &Setup, accounts: &mut impl Accounts) -> Tally {
    let mut d = Driver {
        queue: DeadlineQueue::default(),
        fetched: ReadMark::default(),
        sink: 0,
        tally: (0, 0),
    };
    for chunk in s.events.chunks(BATCH) {
        // independent reads in a tight loop: their cache misses overlap
        for e in chunk {
            d.sink ^= accounts.fetch(e.account);
        }
        for e in chunk {
            d.fire_until(e.at, accounts);
            let before = accounts.next_due(e.account);
            accounts.event(e, &mut d.tally);
            d.push(before, accounts.next_due(e.account), e.account);
        }
    }
    d.fire_until(s.until, accounts);
    black_box(d.sink);
    d.tally
}

struct Driver {
    queue: DeadlineQueue,
    /// How far deadline records have been fetched.
    fetched: ReadMark,
    sink: u32,
    tally: Tally,
}

impl Driver {
    fn push(&mut self, before: u32, after: u32, account: u32) {
        if after != before && after != u32::MAX {
            self.queue.push(Due {
                due: after,
                machine: 0,
                rec: account,
            });
        }
    }

    fn fire_until(&mut self, t: i64, accounts: &mut impl Accounts) {
        while let Some(d) = self.queue.peek() {
            if unpack_time(d.due) > t {
                break;
            }
            for n in self.queue.read_ahead(&mut self.fetched, BATCH) {
                self.sink ^= accounts.fetch(n.rec);
            }
            self.queue.pop();
            if accounts.next_due(d.rec) == d.due {
                accounts.advance(d.rec, unpack_time(d.due), &mut self.tally);
                let after = accounts.next_due(d.rec);
                self.push(d.due, after, d.rec);
            }
        }
    }
}

/// The compiled automata over the compact state table.
struct CompiledAccounts<'a> {
    s: &'a Setup,
    tables: Vec<Table>,
    fresh: Vec<AccountState>,
    scratch: Vec<AccountState>,
    rec: Vec<u32>,
    fired: Vec<Fired>,
}

impl<'a> CompiledAccounts<'a> {
    fn new(s: &'a Setup) -> Self {
        let fresh: Vec<_> = s.machines.iter().map(Machine::new_account).collect();
        CompiledAccounts {
            s,
            tables: s.layouts.iter().map(|l| Table::new(*l)).collect(),
            scratch: fresh.clone(),
            fresh,
            rec: vec![u32::MAX; s.product_of.len()],
            fired: Vec::new(),
        }
    }

    fn touch(&mut self, account: u32, ev: Option<&Event>, t: i64, tally: &mut Tally) {
        let mi = self.s.machine_of[account as usize] as usize;
        let m = &self.s.machines[mi];
        let table = &mut self.tables[mi];
        let mut r = self.rec[account as usize];
        if r == u32::MAX {
            r = table.push(account);
            self.rec[account as usize] = r;
        }
        let st = &mut self.scratch[mi];
        table.load(r, st, &self.fresh[mi]);
        match ev {
            Some(e) => m.step_into(st, e, &mut self.fired).expect("steps"),
            None => m.advance_into(st, t, &mut self.fired).expect("advances"),
        }
        table.store(r, st).expect("stores");
        for f in self.fired.drain(..) {
            tally.0 += 1;
            tally.1 = tally.1.wrapping_add(f.at);
        }
    }

    fn bytes(&self) -> usize {
        self.tables.iter().map(|t| 4 * t.words.len()).sum()
    }
}

impl Accounts for CompiledAccounts<'_> {
    fn fetch(&self, account: u32) -> u32 {
        let mi = self.s.machine_of[account as usize] as usize;
        match self.rec[account as usize] {
            u32::MAX => 0,
            r => self.tables[mi].next_due(r),
        }
    }
    fn next_due(&self, account: u32) -> u32 {
        match self.rec[account as usize] {
            u32::MAX => u32::MAX,
            r => self.tables[self.s.machine_of[account as usize] as usize].next_due(r),
        }
    }
    fn event(&mut self, e: &Ev, tally: &mut Tally) {
        self.touch(e.account, Some(&e.event), e.at, tally);
    }
    fn advance(&mut self, account: u32, t: i64, tally: &mut Tally) {
        self.touch(account, None, t, tally);
    }
}

/// The hand-written rules, 16 bytes per account.
struct HandwrittenAccounts(Vec<handwritten::Account>);

fn table_form(t: i64) -> u32 {
    if t == i64::MAX {
        u32::MAX
    } else {
        clausec::stream::table::pack_time(t).expect("in range")
    }
}

impl Accounts for HandwrittenAccounts {
    fn fetch(&self, account: u32) -> u32 {
        self.0[account as usize].product as u32
    }
    fn next_due(&self, account: u32) -> u32 {
        table_form(self.0[account as usize].next_due())
    }
    fn event(&mut self, e: &Ev, tally: &mut Tally) {
        let mut f = |at: i64| {
            tally.0 += 1;
            tally.1 = tally.1.wrapping_add(at);
        };
        self.0[e.account as usize].event(e.at, e.code, &mut f);
    }
    fn advance(&mut self, account: u32, t: i64, tally: &mut Tally) {
        let mut f = |at: i64| {
            tally.0 += 1;
            tally.1 = tally.1.wrapping_add(at);
        };
        self.0[account as usize].advance(t, &mut f);
    }
}

fn compiled_shuffled(s: &Setup) -> (Tally, usize) {
    let mut a = CompiledAccounts::new(s);
    let tally = time_ordered(s, &mut a);
    (tally, a.bytes())
}

fn handwritten_shuffled(s: &Setup) -> Tally {
    let mut a = HandwrittenAccounts(
        s.product_of
            .iter()
            .map(|p| handwritten::Account::new(*p))
            .collect(),
    );
    time_ordered(s, &mut a)
}

/// The `clausec run` shard on the same time-ordered events (account lookup
/// by name, output formatted as NDJSON), one batch of 65 536 events at a time.
fn engine(s: &Setup, names: &[String]) -> (u64, usize) {
    let mut shard = Shard::default();
    let mut actions = 0u64;
    for (k, chunk) in s.events.chunks(65_536).enumerate() {
        for (j, e) in chunk.iter().enumerate() {
            let machine = s.machine_of[e.account as usize] as u16;
            let name = &names[e.account as usize];
            let hash = clausec::stream::hash_bytes(name.as_bytes());
            let rec = shard
                .record(&s.catalog, name, hash, machine)
                .expect("record");
            shard.accept(PendingEvent {
                at: e.at,
                line: (k * 65_536 + j) as u64,
                machine,
                rec,
                event: e.event.clone(),
            });
        }
        let f = chunk.last().map_or(i64::MIN, |e| e.at) - 60;
        shard.advance(&s.catalog, f, f);
        shard.sort_output();
        actions += shard.counters.actions;
        shard.counters.actions = 0;
        shard.clear_output();
    }
    shard.advance(&s.catalog, i64::MAX, s.until + 1);
    actions += shard.counters.actions;
    assert!(shard.errors.is_empty(), "{:?}", shard.errors.first());
    (actions, shard.heap_bytes())
}

/// A 20-event log-service timeline: ten arrears, some paid within the 24
/// hours, some after the suspension.
fn timeline(m: &Machine) -> (Vec<Event>, Vec<(i64, u8)>) {
    let mut evs = Vec::new();
    let mut hand = Vec::new();
    let mut t = DEFAULT_START;
    for k in 0..10 {
        t += 3 * 86_400;
        evs.push(m.event("arrears", t).expect("arrears"));
        hand.push((t, handwritten::ARREARS));
        let pay = t + if k % 2 == 0 { 10 * 3600 } else { 2 * 86_400 };
        evs.push(m.event("payment", pay).expect("payment"));
        hand.push((pay, handwritten::PAYMENT));
    }
    (evs, hand)
}

/// The generated log service module over the one-shot timeline: the fired
/// instants, as the hand-written one-shot returns them.
fn generated_one_shot(m: &Machine, events: &[Event], at: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut a = log_service_generated::Account::default();
    for e in events.iter().take_while(|e| e.at <= at) {
        a.event(m, usize::from(e.event.0), e.at, &mut |_, x| out.push(x))
            .expect("steps");
    }
    a.advance(m, at, &mut |_, x| out.push(x)).expect("advances");
    out
}

fn handwritten_one_shot(events: &[(i64, u8)], at: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut a = handwritten::Account::new(handwritten::LOG_SERVICE);
    for (t, e) in events.iter().take_while(|(t, _)| *t <= at) {
        a.event(*t, *e, &mut |x| out.push(x));
    }
    a.advance(at, &mut |x| out.push(x));
    out
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
    let sorted = compiled_sorted(&s);
    assert_eq!(
        sorted,
        handwritten_sorted(&s),
        "compiled vs hand-written (sorted)"
    );
    let (shuffled, table_bytes) = compiled_shuffled(&s);
    assert_eq!(shuffled, sorted, "time-ordered vs account-sorted");
    assert_eq!(
        handwritten_shuffled(&s),
        sorted,
        "hand-written time-ordered"
    );
    assert_eq!(generated_sorted(&s), sorted, "generated (sorted)");
    assert_eq!(generated_shuffled(&s), sorted, "generated (time order)");
    let names: Vec<String> = (0..accounts).map(|a| format!("acct-{a:08}")).collect();
    let (engine_actions, engine_bytes) = engine(&s, &names);
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
        b.iter(|| black_box(engine(&s, &names)))
    });
    g.finish();

    // The same rules with realistic history per account (account-sorted only:
    // the case where state stays in cache; the hard 30-day case stays above).
    let h = setup(HISTORY_ACCOUNTS, HISTORY_DAYS);
    let hn = h.events.len() as u64;
    let h_sorted = compiled_sorted(&h);
    assert_eq!(
        h_sorted,
        handwritten_sorted(&h),
        "compiled vs hand-written (sorted, 365 days)"
    );
    assert_eq!(generated_sorted(&h), h_sorted, "generated (365 days)");
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
    let (evs, hand) = timeline(log);
    let at = evs.last().map_or(0, |e| e.at) + 30 * 86_400;
    let compiled: Vec<i64> = log
        .evaluate(&evs, at)
        .expect("evaluates")
        .actions
        .iter()
        .map(|f| f.at)
        .collect();
    assert_eq!(
        compiled,
        handwritten_one_shot(&hand, at),
        "one-shot compiled vs hand-written"
    );
    assert_eq!(
        generated_one_shot(log, &evs, at),
        compiled,
        "one-shot generated"
    );
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
