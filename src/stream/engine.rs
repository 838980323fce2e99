//! One shard's engine: its accounts' records, their deadlines and the events
//! accepted but not yet applied, processed in time order up to a limit.
//!
//! Order: at one instant, events apply first, in input line order, and
//! deadlines due at that instant fire after them, as
//! [`crate::eval::Machine::step`] orders one account's (a payment at the
//! instant a period ends is still within it); the account an event reaches
//! has its own fired inside the event's step. Deadlines due before an event
//! fire before it. Each action is keyed by `(instant processed, account, machine,
//! seq)` — the instant is the event's or the deadline's, which is also the
//! action's `at` except for steps placed *before* their trigger — so the
//! shard's output can be merged with other shards' into one deterministic
//! order.

use super::catalog::Catalog;
use super::error::{LineError, LineErrorKind};
use super::queue::{DeadlineQueue, Due, ReadMark};
use super::table::{pack_time, unpack_time, Names, Table, TableError};
use crate::eval::{AccountState, Event, Fired};
use hashbrown::HashTable;

/// An accepted event waiting for the watermark to pass it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEvent {
    pub at: i64,
    pub line: u64,
    pub machine: u16,
    pub rec: u32,
    pub event: Event,
}

impl PartialOrd for PendingEvent {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PendingEvent {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.line).cmp(&(other.at, other.line))
    }
}

/// One output action with its merge key; `text` is a range of the shard's
/// output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Out {
    pub instant: i64,
    pub name: u32,
    pub machine: u16,
    pub seq: u32,
    pub text: (u32, u32),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub events: u64,
    pub deadlines: u64,
    pub actions: u64,
}

#[derive(Debug, Default)]
pub struct Shard {
    pub names: Names,
    /// By machine index.
    pub tables: Vec<Table>,
    index: HashTable<IndexEntry>,
    pub queue: DeadlineQueue,
    /// Accepted events not yet applied, sorted by `(at, line)` from `head` on.
    pending: Vec<PendingEvent>,
    head: usize,
    /// Accepted since the last `advance`, not yet merged into `pending`.
    incoming: Vec<PendingEvent>,
    scratch: Vec<Option<AccountState>>,
    fired: Vec<Fired>,
    pub out: Vec<Out>,
    pub text: String,
    /// Problems found while applying (not parsing) events and deadlines.
    pub errors: Vec<LineError>,
    pub counters: Counters,
    /// `pending[..fetched]` have had their records read ahead (see
    /// [`Shard::fetch_ahead`]).
    fetched: usize,
    /// How far deadline records have been read ahead.
    deadlines_fetched: ReadMark,
}

/// Events whose records are read together ahead of applying them.
const FETCH_BATCH: usize = 64;

/// One slot of the account index. It carries what a lookup compares, so a
/// probe touches the slot and, for the matching key only, the name's bytes:
/// `tag` (32 bits of the key's hash, enough to rebuild the table hash on
/// growth without reading names), the machine, and where the name's bytes
/// start in [`Names::bytes`] with their length. A name longer than
/// `u16::MAX - 1` bytes has `len == u16::MAX` and is compared through its
/// record instead.
#[derive(Clone, Copy, Debug)]
struct IndexEntry {
    tag: u32,
    start: u32,
    rec: u32,
    machine: u16,
    len: u16,
}

const LONG_NAME: u16 = u16::MAX;

/// The index key of `(account, machine)` from the account name's hash
/// ([`super::hash_bytes`], computed once per line for sharding too).
fn key_tag(account_hash: u64, machine: u16) -> u32 {
    (super::mix64(account_hash ^ (u64::from(machine) << 48)) >> 32) as u32
}

/// The table hash of a tag: a multiply spreads its bits over all 64.
fn spread(tag: u32) -> u64 {
    u64::from(tag).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

impl Shard {
    fn ensure_machine(&mut self, cat: &Catalog, machine: u16) {
        let m = machine as usize;
        while self.tables.len() <= m {
            let layout = cat.entries[self.tables.len()].layout;
            self.tables.push(Table::new(layout));
        }
        if self.scratch.len() <= m {
            self.scratch.resize(m + 1, None);
        }
    }

    /// The record of `account` under `machine`, created fresh if new.
    /// `account_hash` is `hash_bytes(account)`.
    pub fn record(
        &mut self,
        cat: &Catalog,
        account: &str,
        account_hash: u64,
        machine: u16,
    ) -> Result<u32, LineErrorKind> {
        self.ensure_machine(cat, machine);
        let tag = key_tag(account_hash, machine);
        let (tables, names) = (&self.tables, &self.names);
        let found = self.index.find(spread(tag), |e| {
            e.tag == tag
                && e.machine == machine
                && if e.len == LONG_NAME {
                    names.get(tables[machine as usize].name(e.rec)) == account
                } else {
                    names.slice(e.start, e.len) == account.as_bytes()
                }
        });
        if let Some(e) = found {
            return Ok(e.rec);
        }
        let start = self.names.bytes.len() as u32;
        let name = self.names.push(account)?;
        let rec = self.tables[machine as usize].push(name);
        self.insert_index(tag, start, account.len(), machine, rec);
        Ok(rec)
    }

    fn insert_index(&mut self, tag: u32, start: u32, len: usize, machine: u16, rec: u32) {
        let len = u16::try_from(len)
            .ok()
            .filter(|l| *l != LONG_NAME)
            .unwrap_or(LONG_NAME);
        let entry = IndexEntry {
            tag,
            start,
            rec,
            machine,
            len,
        };
        self.index
            .insert_unique(spread(tag), entry, |e| spread(e.tag));
    }

    /// Rebuilds the account index after the tables were restored.
    pub fn rebuild_index(&mut self) {
        self.index = HashTable::new();
        for m in 0..self.tables.len() {
            for r in 0..self.tables[m].len() as u32 {
                let name = self.tables[m].name(r);
                let account = self.names.get(name);
                let tag = key_tag(super::hash_bytes(account.as_bytes()), m as u16);
                let (start, len) = (self.names.start(name), account.len());
                self.insert_index(tag, start, len, m as u16, r);
            }
        }
    }

    /// Accepts an event for later application.
    pub fn accept(&mut self, e: PendingEvent) {
        self.incoming.push(e);
    }

    /// Applies every event before `event_limit` and fires every deadline
    /// before `deadline_limit`, in time order.
    pub fn advance(&mut self, cat: &Catalog, event_limit: i64, deadline_limit: i64) {
        if !self.incoming.is_empty() {
            // Input is nearly in time order, so this sort finds long runs.
            let mut all = std::mem::take(&mut self.incoming);
            all.extend(self.pending.drain(self.head..));
            all.sort_by_key(|p| (p.at, p.line));
            self.pending = all;
            self.head = 0;
            self.fetched = 0;
        }
        loop {
            let td = self
                .queue
                .peek()
                .map(|d| unpack_time(d.due))
                .filter(|t| *t < deadline_limit);
            let te = self
                .pending
                .get(self.head)
                .map(|p| p.at)
                .filter(|t| *t < event_limit);
            self.fetch_ahead();
            match (td, te) {
                (Some(d), Some(e)) if d < e => self.fire_deadline(cat),
                (Some(_), None) => self.fire_deadline(cat),
                (_, Some(_)) => self.apply_event(cat),
                (None, None) => break,
            }
        }
        let live: usize = self.tables.iter().map(Table::len).sum();
        let tables = &self.tables;
        self.queue.compact_if(live, |d| {
            tables[d.machine as usize].next_due(d.rec) == d.due
        });
    }

    /// Reads ahead the records the next events and deadlines will touch.
    ///
    /// At millions of accounts each record is a cache miss. Read one at a
    /// time as it is applied, the misses queue up behind each other; read
    /// in a tight loop over the next [`FETCH_BATCH`] pending events and the
    /// next [`FETCH_BATCH`] deadlines, they overlap, and the records are in
    /// cache when applied. Only speed depends on this.
    fn fetch_ahead(&mut self) {
        let mut sink = 0u32;
        if self.head >= self.fetched {
            let end = (self.head + FETCH_BATCH).min(self.pending.len());
            for p in self.pending.get(self.head..end).unwrap_or(&[]) {
                if let Some(t) = self.tables.get(p.machine as usize) {
                    sink ^= t.peek(p.rec);
                }
            }
            self.fetched = end;
        }
        for d in self
            .queue
            .read_ahead(&mut self.deadlines_fetched, FETCH_BATCH)
        {
            if let Some(t) = self.tables.get(d.machine as usize) {
                sink ^= t.peek(d.rec);
            }
        }
        std::hint::black_box(sink);
    }

    /// The scratch state of `machine` (a fresh one the first time). A shard
    /// restored from a checkpoint has none yet for machines its new lines
    /// have not named, though its restored deadlines and pending events do.
    fn scratch(&mut self, cat: &Catalog, machine: u16) -> AccountState {
        self.scratch
            .get_mut(machine as usize)
            .and_then(Option::take)
            .unwrap_or_else(|| cat.entries[machine as usize].fresh.clone())
    }

    /// Keeps `st` as `machine`'s scratch state for the next record.
    fn put_scratch(&mut self, machine: u16, st: AccountState) {
        let m = machine as usize;
        if self.scratch.len() <= m {
            self.scratch.resize(m + 1, None);
        }
        self.scratch[m] = Some(st);
    }

    fn fire_deadline(&mut self, cat: &Catalog) {
        let Some(d) = self.queue.pop() else { return };
        if self.tables[d.machine as usize].next_due(d.rec) != d.due {
            return; // stale: rescheduled or cured since
        }
        let entry = &cat.entries[d.machine as usize];
        let mut st = self.scratch(cat, d.machine);
        let table = &self.tables[d.machine as usize];
        table.load(d.rec, &mut st, &entry.fresh);
        let at = unpack_time(d.due);
        self.counters.deadlines += 1;
        let result = entry.machine.advance_to(&mut st, at);
        match result {
            Ok(fired) => {
                self.fired.extend(fired);
                self.commit(cat, d.machine, d.rec, at, &st, None);
            }
            Err(e) => {
                let name = self.names.get(table.name(d.rec)).to_string();
                self.errors.push(LineError {
                    line: None,
                    kind: LineErrorKind::Deadline {
                        account: name,
                        at,
                        error: e,
                    },
                });
            }
        }
        self.put_scratch(d.machine, st);
    }

    fn apply_event(&mut self, cat: &Catalog) {
        let Some(p) = self.pending.get(self.head).cloned() else {
            return;
        };
        self.head += 1;
        if self.head == self.pending.len() {
            self.pending.clear();
            self.head = 0;
            self.fetched = 0;
        }
        let entry = &cat.entries[p.machine as usize];
        let mut st = self.scratch(cat, p.machine);
        self.tables[p.machine as usize].load(p.rec, &mut st, &entry.fresh);
        self.counters.events += 1;
        self.fired.clear();
        let result = entry.machine.step_into(&mut st, &p.event, &mut self.fired);
        match result {
            Ok(()) => self.commit(cat, p.machine, p.rec, p.at, &st, Some(p.line)),
            Err(e) => self.errors.push(LineError {
                line: Some(p.line),
                kind: LineErrorKind::Apply(e),
            }),
        }
        self.fired.clear();
        self.put_scratch(p.machine, st);
    }

    /// Stores the new state, queues its next deadline and formats what fired.
    fn commit(
        &mut self,
        cat: &Catalog,
        machine: u16,
        rec: u32,
        instant: i64,
        st: &AccountState,
        line: Option<u64>,
    ) {
        let table = &mut self.tables[machine as usize];
        let before = table.next_due(rec);
        if let Err(e) = table.store(rec, st) {
            self.errors.push(LineError {
                line,
                kind: e.into(),
            });
            self.fired.clear();
            return;
        }
        let after = table.next_due(rec);
        if after != before && after != u32::MAX {
            self.queue.push(Due {
                due: after,
                machine,
                rec,
            });
        }
        if self.fired.is_empty() {
            return; // most events fire nothing: leave the name's bytes cold
        }
        let name = table.name(rec);
        let entry = &cat.entries[machine as usize];
        let account = self.names.get(name);
        for f in self.fired.drain(..) {
            let start = self.text.len() as u32;
            entry
                .format
                .write(&entry.machine, account, &f, &mut self.text);
            let end = self.text.len() as u32;
            if end > start {
                self.counters.actions += 1;
                self.out.push(Out {
                    instant,
                    name,
                    machine,
                    seq: self.out.len() as u32,
                    text: (start, end),
                });
            }
        }
    }

    /// Accepted events not yet applied, in no particular order.
    pub fn pending_events(&self) -> impl Iterator<Item = &PendingEvent> + '_ {
        self.pending[self.head..].iter().chain(self.incoming.iter())
    }

    /// Number of accepted events not yet applied.
    pub fn pending_len(&self) -> usize {
        self.pending.len() - self.head + self.incoming.len()
    }

    /// Sorts this batch's output by its merge key.
    pub fn sort_output(&mut self) {
        // Fetch each name once (they are scattered over the arena), then sort.
        let names = &self.names;
        let mut keyed: Vec<(i64, &str, u16, u32, Out)> = self
            .out
            .iter()
            .map(|o| (o.instant, names.get(o.name), o.machine, o.seq, *o))
            .collect();
        keyed.sort_unstable_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        let sorted: Vec<Out> = keyed.into_iter().map(|k| k.4).collect();
        self.out = sorted;
    }

    /// Clears the batch's output once written.
    pub fn clear_output(&mut self) {
        self.out.clear();
        self.text.clear();
    }

    /// Heap bytes held (tables, names, index, queue, pending), for reports.
    pub fn heap_bytes(&self) -> usize {
        self.tables
            .iter()
            .map(|t| 4 * t.words.capacity())
            .sum::<usize>()
            + self.names.heap_bytes()
            + self.index.capacity() * (std::mem::size_of::<IndexEntry>() + 1)
            + self.queue.heap_bytes()
            + (self.pending.capacity() + self.incoming.capacity())
                * std::mem::size_of::<PendingEvent>()
    }

    /// Records held.
    pub fn accounts(&self) -> usize {
        self.tables.iter().map(Table::len).sum()
    }
}

/// Whether `at` can be held by the table (checked when events are accepted
/// so a bad instant is a line error, not a lost event later).
pub fn representable(at: i64) -> Result<(), TableError> {
    pack_time(at).map(|_| ())
}
