//! The stream bench's workloads and the runs that compare the compiled
//! automata, the generated modules and the hand-written rules on them,
//! shared by `benches/stream.rs` (which times them) and
//! `tests/it/bench_baseline.rs` (which holds them to the same steps at the
//! same instants in the default `cargo test`, on a small workload).
//!
//! Workload: `clausec gen-events`' generator restricted to the 2024
//! MaxCompute and log service products (postpaid), events pre-parsed and
//! without amounts (an `arrears` owes an unknown amount, a `payment` pays
//! everything owed: each payment settles the account).

#[path = "../handwritten/mod.rs"]
pub mod handwritten;

// `clausec codegen` output for the same two products (checked against the
// machines and for freshness in tests/it/codegen.rs).
#[rustfmt::skip]
#[path = "../../tests/it/generated/log_service_postpaid.rs"]
pub mod log_service_generated;
#[rustfmt::skip]
#[path = "../../tests/it/generated/maxcompute_postpaid.rs"]
pub mod maxcompute_generated;

use clausec::eval::{AccountState, Event, Fired, Machine, Program};
use clausec::stream::queue::{DeadlineQueue, Due, ReadMark};
use clausec::stream::table::{unpack_time, RecordShape, Table};
use clausec::stream::workload::{profiles, Generator, Profile, DEFAULT_START};
use clausec::vocab::{Billing, Reading};
use std::hint::black_box;

/// The 2024 agreement and its two postpaid products the workload drives
/// (log service and MaxCompute), in the generator's profile order.
pub fn products() -> (Program, Vec<Profile>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024");
    let (map, diags) = clausec::load::load_all(&[dir]).expect("loads");
    let program = Program::from_checked(clausec::frontend::front_end(&map, diags)).expect("checks");
    let names = ["log_service", "maxcompute"];
    let ps: Vec<_> = profiles(&program)
        .into_iter()
        .filter(|p| names.contains(&p.product.as_str()) && p.billing == Billing::Postpaid)
        .collect();
    assert_eq!(ps.len(), 2, "{ps:?}");
    (program, ps)
}

/// One event of the workload: the account, its instant, the hand-written
/// code's event code and the machine's event.
pub struct Ev {
    pub account: u32,
    pub at: i64,
    pub code: u8,
    pub event: Event,
}

/// One workload, ready to run.
pub struct Setup {
    pub machines: Vec<Machine>,
    pub layouts: Vec<RecordShape>,
    /// The hand-written product code per account.
    pub product_of: Vec<u8>,
    /// Index into `machines` per account.
    pub machine_of: Vec<u8>,
    /// Time order.
    pub events: Vec<Ev>,
    /// The same events as an account-sorted stream delivers them: grouped by
    /// account (stable: time order inside), contiguous.
    pub by_account: Vec<Ev>,
    /// Every run ends by advancing each account to this instant.
    pub until: i64,
}

/// `accounts` accounts over `days` days from [`DEFAULT_START`] (seed 42).
pub fn setup(accounts: u64, days: u32) -> Setup {
    let (program, ps) = products();
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
    Setup {
        machines,
        layouts,
        product_of,
        machine_of,
        events,
        by_account,
        until: DEFAULT_START + i64::from(days) * 86_400,
    }
}

/// (steps fired, wrapping sum of their instants).
pub type Tally = (u64, i64);

/// A step callback that counts into `tally`.
#[inline(always)]
fn count(tally: &mut Tally) -> impl FnMut(i64) + '_ {
    |at| {
        tally.0 += 1;
        tally.1 = tally.1.wrapping_add(at);
    }
}

pub fn compiled_sorted(s: &Setup) -> Tally {
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

pub fn handwritten_sorted(s: &Setup) -> Tally {
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
pub enum GenAccount {
    Log(log_service_generated::Account),
    Max(maxcompute_generated::Account),
}

impl GenAccount {
    pub fn new(s: &Setup, machine: usize) -> GenAccount {
        if s.machines[machine].ir.product == "log_service" {
            GenAccount::Log(Default::default())
        } else {
            GenAccount::Max(Default::default())
        }
    }

    /// Applies `e`; `fired(at)` once per step.
    pub fn event(&mut self, m: &Machine, e: &Ev, fired: &mut impl FnMut(i64)) {
        let mut f = |_: u32, at: i64| fired(at);
        let ev = usize::from(e.event.event.0);
        match self {
            GenAccount::Log(a) => a.event(m, ev, e.at, &mut f),
            GenAccount::Max(a) => a.event(m, ev, e.at, &mut f),
        }
        .expect("steps");
    }

    /// Fires every deadline up to `t`; `fired(at)` once per step.
    pub fn advance(&mut self, m: &Machine, t: i64, fired: &mut impl FnMut(i64)) {
        let mut f = |_: u32, at: i64| fired(at);
        match self {
            GenAccount::Log(a) => a.advance(m, t, &mut f),
            GenAccount::Max(a) => a.advance(m, t, &mut f),
        }
        .expect("advances");
    }

    pub fn next_due(&self) -> i64 {
        match self {
            GenAccount::Log(a) => a.next_due(),
            GenAccount::Max(a) => a.next_due(),
        }
    }
}

pub fn generated_sorted(s: &Setup) -> Tally {
    let mut tally = (0u64, 0i64);
    let evs = &s.by_account;
    let mut i = 0;
    while i < evs.len() {
        let account = evs[i].account;
        let mi = s.machine_of[account as usize] as usize;
        let m = &s.machines[mi];
        let mut a = GenAccount::new(s, mi);
        while i < evs.len() && evs[i].account == account {
            a.event(m, &evs[i], &mut count(&mut tally));
            i += 1;
        }
        a.advance(m, s.until, &mut count(&mut tally));
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
        a.event(self.machine(&a), e, &mut count(tally));
        self.accounts[e.account as usize] = a;
    }
    fn advance(&mut self, account: u32, t: i64, tally: &mut Tally) {
        let mut a = self.accounts[account as usize];
        a.advance(self.machine(&a), t, &mut count(tally));
        self.accounts[account as usize] = a;
    }
}

pub fn generated_shuffled(s: &Setup) -> Tally {
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
pub trait Accounts {
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
/// them (an event's instant after the event). The records of each `BATCH` of events are read together before
/// the batch is applied, and those of the next `BATCH` deadlines likewise,
/// so their cache misses overlap instead of stalling one by one.
pub fn time_ordered(s: &Setup, accounts: &mut impl Accounts) -> Tally {
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
            // deadlines strictly before the event; those at its instant
            // fire after it (docs/semantics.md, "Order within an instant":
            // a payment at the purge instant saves the data), from the
            // event's own call, as in the account-sorted runs
            d.fire_until(e.at - 1, accounts);
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
pub struct CompiledAccounts<'a> {
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
pub struct HandwrittenAccounts(Vec<handwritten::Account>);

pub fn table_form(t: i64) -> u32 {
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

pub fn compiled_shuffled(s: &Setup) -> (Tally, usize) {
    let mut a = CompiledAccounts::new(s);
    let tally = time_ordered(s, &mut a);
    (tally, a.bytes())
}

pub fn handwritten_shuffled(s: &Setup) -> Tally {
    let mut a = HandwrittenAccounts(
        s.product_of
            .iter()
            .map(|p| handwritten::Account::new(*p))
            .collect(),
    );
    time_ordered(s, &mut a)
}

/// Runs every implementation over `s` (`what` names the workload in a
/// failure) and panics unless they all fire the same number of steps at
/// the same instants (count and wrapping sum): the compiled automata, the
/// generated modules and the hand-written rules, account-sorted and in
/// time order. Returns the tally and the compiled tables' bytes.
pub fn check(s: &Setup, what: &str) -> (Tally, usize) {
    let sorted = compiled_sorted(s);
    assert_eq!(
        handwritten_sorted(s),
        sorted,
        "hand-written vs compiled (sorted, {what})"
    );
    let (shuffled, table_bytes) = compiled_shuffled(s);
    assert_eq!(shuffled, sorted, "time-ordered vs account-sorted ({what})");
    assert_eq!(
        handwritten_shuffled(s),
        sorted,
        "hand-written time-ordered ({what})"
    );
    assert_eq!(generated_sorted(s), sorted, "generated (sorted, {what})");
    assert_eq!(
        generated_shuffled(s),
        sorted,
        "generated (time order, {what})"
    );
    (sorted, table_bytes)
}

/// A 20-event log-service timeline: ten arrears, some paid within the 24
/// hours, some after the suspension.
pub fn timeline(m: &Machine) -> (Vec<Event>, Vec<(i64, u8)>) {
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
pub fn generated_one_shot(m: &Machine, events: &[Event], at: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut a = log_service_generated::Account::default();
    for e in events.iter().take_while(|e| e.at <= at) {
        a.event(m, usize::from(e.event.0), e.at, &mut |_, x| out.push(x))
            .expect("steps");
    }
    a.advance(m, at, &mut |_, x| out.push(x)).expect("advances");
    out
}

/// The hand-written log service rules over the one-shot timeline.
pub fn handwritten_one_shot(events: &[(i64, u8)], at: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut a = handwritten::Account::new(handwritten::LOG_SERVICE);
    for (t, e) in events.iter().take_while(|(t, _)| *t <= at) {
        a.event(*t, *e, &mut |x| out.push(x));
    }
    a.advance(at, &mut |x| out.push(x));
    out
}

/// The one-shot timeline of the log service (`timeline`) with the instant
/// it is evaluated at, after checking that `Machine::evaluate`, the
/// generated module and the hand-written rules fire the same steps at the
/// same instants on it.
pub fn check_one_shot(log: &Machine) -> (Vec<Event>, Vec<(i64, u8)>, i64) {
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
        handwritten_one_shot(&hand, at),
        compiled,
        "one-shot hand-written vs compiled"
    );
    assert_eq!(
        generated_one_shot(log, &evs, at),
        compiled,
        "one-shot generated"
    );
    (evs, hand, at)
}
