//! The checkpoint format: everything a run needs to continue after the last
//! checkpointed line as if it had never stopped.
//!
//! Contents: the options that change results, the number of input lines
//! consumed and their hash (so a restart on different input is refused),
//! the output's byte length and action count at that point, the watermark,
//! the machines in index order, and per shard the account names, the state
//! tables, the deadline queue and the accepted-but-unapplied events. Binary,
//! little-endian, with a magic and a version; the file is written to a
//! temporary name, synced and renamed by the command line so a crash leaves
//! either the old or the new checkpoint, never half of one.

use super::catalog::Catalog;
use super::engine::{PendingEvent, Shard};
use super::queue::Due;
use super::runner::{Options, Runner};
use super::table::Table;
use crate::compile::EventId;
use crate::eval::Event;
use crate::vocab::Billing;
use rust_decimal::Decimal;

const MAGIC: &[u8; 8] = b"CLAUSECK";
const VERSION: u32 = 1;

/// Where the output stood when the checkpoint was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputMark {
    /// Bytes of output written (the output file is truncated to this).
    pub bytes: u64,
}

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn words(&mut self, w: &[u32]) {
        self.u64(w.len() as u64);
        for x in w {
            self.u32(*x);
        }
    }
}

struct R<'a>(&'a [u8]);

const TRUNCATED: &str = "checkpoint is truncated or corrupt";

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(TRUNCATED.into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    fn len(&mut self, unit: usize) -> Result<usize, String> {
        let n = usize::try_from(self.u64()?).map_err(|_| TRUNCATED.to_string())?;
        if n.saturating_mul(unit) > self.0.len() {
            return Err(TRUNCATED.into());
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len(1)?;
        self.take(n)
    }
    fn words(&mut self) -> Result<Vec<u32>, String> {
        let n = self.len(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
}

fn opt_i64(w: &mut W, v: Option<i64>) {
    match v {
        Some(x) => {
            w.u8(1);
            w.i64(x);
        }
        None => w.u8(0),
    }
}

fn read_opt_i64(r: &mut R) -> Result<Option<i64>, String> {
    Ok(match r.u8()? {
        0 => None,
        _ => Some(r.i64()?),
    })
}

/// Serialises the runner's state with the output mark.
pub fn encode(run: &Runner, mark: OutputMark) -> Vec<u8> {
    let mut w = W(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u32(VERSION);
    w.i64(run.options.max_lateness);
    opt_i64(&mut w, run.options.until);
    w.u64(run.shards.len() as u64);
    w.u64(run.lines);
    w.u64(run.input_hash);
    w.u64(mark.bytes);
    w.u64(run.actions_out);
    w.u64(run.errors);
    w.i64(run.watermark);
    let keys = run.catalog.keys();
    w.u64(keys.len() as u64);
    for (product, billing) in &keys {
        w.bytes(product.as_bytes());
        w.bytes(billing.name().as_bytes());
    }
    for s in &run.shards {
        w.bytes(s.names.bytes.as_bytes());
        w.words(&s.names.ends);
        w.u64(s.tables.len() as u64);
        for t in &s.tables {
            w.words(&t.words);
        }
        w.u64(s.queue.len() as u64);
        for d in s.queue.entries() {
            w.u32(d.due);
            w.u16(d.machine);
            w.u32(d.rec);
        }
        w.u64(s.pending_len() as u64);
        for p in s.pending_events() {
            w.i64(p.at);
            w.u64(p.line);
            w.u16(p.machine);
            w.u32(p.rec);
            w.u16(p.event.event.0);
            match p.event.amount {
                Some(a) => {
                    w.u8(1);
                    w.0.extend_from_slice(&a.serialize());
                }
                None => w.u8(0),
            }
            opt_i64(&mut w, p.event.until);
        }
    }
    w.0
}

/// What a restored run needs besides the runner.
#[derive(Debug)]
pub struct Restored {
    pub runner: Runner,
    pub output: OutputMark,
}

/// Rebuilds a runner from a checkpoint; `catalog` must come from the same
/// agreements and `options` must match the checkpoint's (except the shard
/// count, which the checkpoint decides).
pub fn decode(bytes: &[u8], mut catalog: Catalog, options: Options) -> Result<Restored, String> {
    let mut r = R(bytes);
    if r.take(8)? != MAGIC {
        return Err("not a clausec checkpoint".into());
    }
    let version = r.u32()?;
    if version != VERSION {
        return Err(format!(
            "checkpoint version {version}; this clausec reads {VERSION}"
        ));
    }
    let max_lateness = r.i64()?;
    let until = read_opt_i64(&mut r)?;
    if (max_lateness, until) != (options.max_lateness, options.until) {
        return Err("checkpoint was written with other --max-lateness or --until".into());
    }
    let shards = r.len(0)?.max(1);
    let lines = r.u64()?;
    let input_hash = r.u64()?;
    let output = OutputMark { bytes: r.u64()? };
    let actions_out = r.u64()?;
    let errors = r.u64()?;
    let watermark = r.i64()?;
    let machines = r.len(2)?;
    for i in 0..machines {
        let product = String::from_utf8(r.bytes()?.to_vec()).map_err(|_| TRUNCATED)?;
        let billing = std::str::from_utf8(r.bytes()?).map_err(|_| TRUNCATED)?;
        let billing = Billing::from_name(billing).ok_or(TRUNCATED)?;
        let m = catalog.resolve(&product, Some(billing))?;
        if m as usize != i {
            return Err(TRUNCATED.into());
        }
    }
    let mut run = Runner::new(catalog, Options { shards, ..options });
    run.lines = lines;
    run.input_hash = input_hash;
    run.actions_out = actions_out;
    run.errors = errors;
    run.watermark = watermark;
    for shard in &mut run.shards {
        *shard = read_shard(&mut r, &run.catalog)?;
    }
    if !r.0.is_empty() {
        return Err(TRUNCATED.into());
    }
    Ok(Restored {
        runner: run,
        output,
    })
}

fn read_shard(r: &mut R, catalog: &Catalog) -> Result<Shard, String> {
    let mut s = Shard::default();
    s.names.bytes = std::str::from_utf8(r.bytes()?)
        .map_err(|_| TRUNCATED)?
        .to_string();
    s.names.ends = r.words()?;
    let names = &s.names;
    let ends_ok = names.ends.windows(2).all(|w| w[0] <= w[1])
        && names
            .ends
            .iter()
            .all(|e| names.bytes.is_char_boundary(*e as usize))
        && names
            .ends
            .last()
            .map_or(names.bytes.is_empty(), |e| *e as usize == names.bytes.len());
    if !ends_ok {
        return Err(TRUNCATED.into());
    }
    let tables = r.len(8)?;
    if tables > catalog.entries.len() {
        return Err("checkpoint names more machines than it lists".into());
    }
    for m in 0..tables {
        let layout = catalog.entries[m].layout;
        let words = r.words()?;
        if words.len() % layout.words != 0 {
            return Err(format!(
                "checkpoint state for `{}` does not match the compiled agreement; was it changed?",
                catalog.entries[m].machine.ir.product
            ));
        }
        let t = Table { layout, words };
        if (0..t.len() as u32).any(|rec| t.name(rec) as usize >= s.names.ends.len()) {
            return Err(TRUNCATED.into());
        }
        s.tables.push(t);
    }
    let valid = |machine: u16, rec: u32| {
        s.tables
            .get(machine as usize)
            .is_some_and(|t| (rec as usize) < t.len())
    };
    let queued = r.len(10)?;
    let mut dues = Vec::with_capacity(queued);
    for _ in 0..queued {
        let d = Due {
            due: r.u32()?,
            machine: r.u16()?,
            rec: r.u32()?,
        };
        if !valid(d.machine, d.rec) {
            return Err(TRUNCATED.into());
        }
        dues.push(d);
    }
    let pending = r.len(24)?;
    let mut events = Vec::with_capacity(pending);
    for _ in 0..pending {
        let at = r.i64()?;
        let line = r.u64()?;
        let machine = r.u16()?;
        let rec = r.u32()?;
        let event = EventId(r.u16()?);
        let amount = match r.u8()? {
            0 => None,
            _ => Some(Decimal::deserialize(r.arr::<16>()?)),
        };
        let until = read_opt_i64(r)?;
        if !valid(machine, rec) {
            return Err(TRUNCATED.into());
        }
        events.push(PendingEvent {
            at,
            line,
            machine,
            rec,
            event: Event {
                at,
                event,
                amount,
                until,
            },
        });
    }
    for d in dues {
        s.queue.push(d);
    }
    for e in events {
        s.accept(e);
    }
    s.rebuild_index();
    Ok(s)
}
