//! The checkpoint format: everything a run needs to continue after the last
//! checkpointed line as if it had never stopped, and nothing it could
//! resume from wrongly.
//!
//! Contents: the options that change results (`--max-lateness`, `--until`,
//! `--max-line-bytes`, `--reading`), the number of input lines consumed and
//! their hash (so a restart on different input is refused), the output's
//! byte length and action count at that point, the watermark, the machines
//! in index order — each with its agreement id and version and the
//! [`crate::compile::Fingerprint`] of its automaton — and per
//! shard the account names, the state tables, the deadline queue and the
//! accepted-but-unapplied events. Binary, little-endian, with a magic, a
//! version and, last, a checksum of every byte before it
//! ([`crate::hash::hash_bytes`]: any single changed byte changes it).
//!
//! Decoding trusts nothing: the checksum is checked before anything is
//! read, every count is bounded by the bytes left before anything is
//! allocated, every record is checked against its automaton's layout, and a
//! checkpoint taken under other options, another reading or another
//! automaton is refused with what differs. The file is written to a
//! temporary name, synced and renamed by the command line, so a crash leaves
//! either the old or the new checkpoint, never half of one.

use super::catalog::Catalog;
use super::engine::{PendingEvent, Shard};
use super::error::LineErrorKind;
use super::queue::Due;
use super::runner::{Options, Runner};
use super::table::Table;
use crate::compile::layout::{self, amount_of_slots, amount_slots};
use crate::compile::{EventId, Fingerprint};
use crate::eval::Event;
use crate::vocab::{Billing, Reading};

const MAGIC: &[u8; 8] = b"CLAUSECK";
/// 2: fingerprints, reading, line bound and a checksum (1 had none).
/// 3: each machine's variant values (which kind of account its records are).
pub const VERSION: u32 = 3;
/// The most shards a checkpoint may hold (a run has one per thread).
pub const MAX_SHARDS: usize = 4096;

/// Why a checkpoint cannot be resumed from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Returned when the file does not start like a checkpoint.
    #[error("not a clausec checkpoint")]
    NotACheckpoint,
    /// Returned for a checkpoint of another format version.
    #[error("checkpoint format version {found}; this clausec reads version {reads}")]
    Version { found: u32, reads: u32 },
    /// Returned when the checksum does not match: some byte changed since
    /// the checkpoint was written.
    #[error("checkpoint is corrupt: its checksum does not match its contents")]
    Checksum,
    /// Returned when the contents are inconsistent (a count beyond the
    /// file, a record no automaton writes, an index out of range).
    #[error("checkpoint is corrupt: {0}")]
    Corrupt(&'static str),
    /// Returned when an option that changes results differs.
    #[error("checkpoint was taken with {option} {checkpoint}; this run has {now}")]
    Option {
        option: &'static str,
        checkpoint: String,
        now: String,
    },
    /// Returned when the checkpoint was taken under another reading.
    #[error("checkpoint was taken with --reading {}; this run has --reading {}", .checkpoint.name(), .now.name())]
    Reading { checkpoint: Reading, now: Reading },
    /// Returned when a product the checkpoint holds accounts of compiles
    /// to a different automaton now: another agreement version, or rules
    /// that changed.
    #[error("the agreement changed since the checkpoint: `{product}` ({}) was {checkpoint}, is now {now}", .billing.name())]
    Agreement {
        product: String,
        billing: Billing,
        checkpoint: String,
        now: String,
    },
    /// Returned when a product the checkpoint holds accounts of cannot be
    /// compiled now.
    #[error("checkpoint holds accounts of `{product}`, which this agreement cannot run: {error}")]
    Product {
        product: String,
        error: LineErrorKind,
    },
}

const TRUNCATED: CheckpointError =
    CheckpointError::Corrupt("it ends early or holds a count beyond its end");

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
    fn opt_i64(&mut self, v: Option<i64>) {
        match v {
            Some(x) => {
                self.u8(1);
                self.i64(x);
            }
            None => self.u8(0),
        }
    }
}

struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CheckpointError> {
        if self.0.len() < n {
            return Err(TRUNCATED);
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], CheckpointError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, CheckpointError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, CheckpointError> {
        Ok(u16::from_le_bytes(self.arr()?))
    }
    fn u32(&mut self) -> Result<u32, CheckpointError> {
        Ok(u32::from_le_bytes(self.arr()?))
    }
    fn u64(&mut self) -> Result<u64, CheckpointError> {
        Ok(u64::from_le_bytes(self.arr()?))
    }
    fn i64(&mut self) -> Result<i64, CheckpointError> {
        Ok(i64::from_le_bytes(self.arr()?))
    }
    /// A count of items at least `unit` bytes each: never more than the
    /// bytes left allow, so nothing is allocated for a count the file
    /// cannot hold.
    fn len(&mut self, unit: usize) -> Result<usize, CheckpointError> {
        let n = usize::try_from(self.u64()?).map_err(|_| TRUNCATED)?;
        if n.saturating_mul(unit.max(1)) > self.0.len() {
            return Err(TRUNCATED);
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Result<&'a [u8], CheckpointError> {
        let n = self.len(1)?;
        self.take(n)
    }
    fn str(&mut self) -> Result<&'a str, CheckpointError> {
        std::str::from_utf8(self.bytes()?)
            .map_err(|_| CheckpointError::Corrupt("a name is not UTF-8"))
    }
    fn words(&mut self) -> Result<Vec<u32>, CheckpointError> {
        let n = self.len(4)?;
        (0..n).map(|_| self.u32()).collect()
    }
    fn opt_i64(&mut self) -> Result<Option<i64>, CheckpointError> {
        Ok(match self.u8()? {
            0 => None,
            1 => Some(self.i64()?),
            _ => return Err(CheckpointError::Corrupt("an optional value has a bad tag")),
        })
    }
}

/// Serialises the runner's state with the output mark.
pub fn encode(run: &Runner, mark: OutputMark) -> Vec<u8> {
    let mut w = W(Vec::new());
    w.0.extend_from_slice(MAGIC);
    w.u32(VERSION);
    w.i64(run.options.max_lateness);
    w.opt_i64(run.options.until);
    w.u64(run.options.max_line_bytes as u64);
    w.bytes(run.catalog.reading().name().as_bytes());
    w.u64(run.shards.len() as u64);
    w.u64(run.lines);
    w.u64(run.input_hash);
    w.u64(mark.bytes);
    w.u64(run.actions_out);
    w.u64(run.errors);
    w.i64(run.watermark);
    w.u64(run.catalog.entries.len() as u64);
    for e in &run.catalog.entries {
        let ir = &e.machine.ir;
        w.bytes(ir.product.as_bytes());
        w.bytes(ir.billing.name().as_bytes());
        w.u64(ir.variants.len() as u64);
        for v in &ir.variants {
            w.bytes(v.as_bytes());
        }
        w.bytes(ir.agreement.as_bytes());
        w.bytes(ir.version.as_bytes());
        w.u64(ir.fingerprint.0);
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
                    let [lo, hi] = amount_slots(a);
                    w.i64(lo);
                    w.i64(hi);
                }
                None => w.u8(0),
            }
            w.opt_i64(p.event.until);
        }
    }
    let sum = crate::hash::hash_bytes(&w.0);
    w.u64(sum);
    w.0
}

/// The part of a checkpoint that does not depend on the agreement: where
/// the input and the output stood, and the options it was taken with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub options: Options,
    pub reading: Reading,
    pub shards: usize,
    /// Lines consumed.
    pub lines: u64,
    /// Their hash ([`Runner::hash_line`]).
    pub input_hash: u64,
    pub output: OutputMark,
    pub actions_out: u64,
    pub errors: u64,
    pub watermark: i64,
}

/// The checkpoint's bytes without its checksum, once the magic, the version
/// and the checksum are right.
fn verified(bytes: &[u8]) -> Result<&[u8], CheckpointError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(CheckpointError::NotACheckpoint);
    }
    let mut r = R(&bytes[MAGIC.len()..]);
    let found = r.u32()?;
    if found != VERSION {
        return Err(CheckpointError::Version {
            found,
            reads: VERSION,
        });
    }
    let body = bytes.len().checked_sub(8).ok_or(TRUNCATED)?;
    let (content, sum) = bytes.split_at(body);
    let mut s = [0u8; 8];
    s.copy_from_slice(sum);
    if crate::hash::hash_bytes(content) != u64::from_le_bytes(s) {
        return Err(CheckpointError::Checksum);
    }
    Ok(content)
}

fn read_header(r: &mut R) -> Result<Header, CheckpointError> {
    r.take(MAGIC.len() + 4)?;
    let max_lateness = r.i64()?;
    let until = r.opt_i64()?;
    let max_line_bytes = usize::try_from(r.u64()?).map_err(|_| TRUNCATED)?;
    let reading =
        Reading::from_name(r.str()?).ok_or(CheckpointError::Corrupt("an unknown reading"))?;
    // a shard takes five counts at least
    let shards = r.len(40)?;
    if shards == 0 || shards > MAX_SHARDS {
        return Err(CheckpointError::Corrupt("a shard count no run has"));
    }
    Ok(Header {
        options: Options {
            max_lateness,
            until,
            shards,
            max_line_bytes,
        },
        reading,
        shards,
        lines: r.u64()?,
        input_hash: r.u64()?,
        output: OutputMark { bytes: r.u64()? },
        actions_out: r.u64()?,
        errors: r.u64()?,
        watermark: r.i64()?,
    })
}

/// Reads a checkpoint's header (checksum first): enough to start over under
/// a changed agreement (`run --migrate`).
pub fn header(bytes: &[u8]) -> Result<Header, CheckpointError> {
    read_header(&mut R(verified(bytes)?))
}

/// What a restored run needs besides the runner.
#[derive(Debug)]
pub struct Restored {
    pub runner: Runner,
    pub output: OutputMark,
}

fn differs(option: &'static str, checkpoint: String, now: String) -> CheckpointError {
    CheckpointError::Option {
        option,
        checkpoint,
        now,
    }
}

/// Rebuilds a runner from a checkpoint. `catalog` is this run's (its
/// agreement and reading) and `options` this run's options, except the
/// shard count, which the checkpoint decides; anything that would make the
/// resumed run differ from the one that wrote the checkpoint is refused.
pub fn decode(
    bytes: &[u8],
    mut catalog: Catalog,
    options: Options,
) -> Result<Restored, CheckpointError> {
    let mut r = R(verified(bytes)?);
    let h = read_header(&mut r)?;
    let show = |t: Option<i64>| t.map_or_else(|| "none".to_string(), |t| t.to_string());
    if h.options.max_lateness != options.max_lateness {
        return Err(differs(
            "--max-lateness",
            format!("{}s", h.options.max_lateness),
            format!("{}s", options.max_lateness),
        ));
    }
    if h.options.until != options.until {
        return Err(differs(
            "--until",
            show(h.options.until),
            show(options.until),
        ));
    }
    if h.options.max_line_bytes != options.max_line_bytes {
        return Err(differs(
            "--max-line-bytes",
            h.options.max_line_bytes.to_string(),
            options.max_line_bytes.to_string(),
        ));
    }
    if h.reading != catalog.reading() {
        return Err(CheckpointError::Reading {
            checkpoint: h.reading,
            now: catalog.reading(),
        });
    }
    // per machine: product, billing, variants, agreement, version (5
    // counts) + fingerprint
    let machines = r.len(48)?;
    for i in 0..machines {
        let product = r.str()?.to_string();
        let billing = Billing::from_name(r.str()?)
            .ok_or(CheckpointError::Corrupt("an unknown billing mode"))?;
        let values = r.len(8)?;
        let variants = (0..values)
            .map(|_| r.str().map(str::to_string))
            .collect::<Result<Vec<String>, _>>()?;
        let agreement = r.str()?.to_string();
        let version = r.str()?.to_string();
        let fingerprint = Fingerprint(r.u64()?);
        let m = catalog
            .resolve(&product, Some(billing), &variants)
            .map_err(|error| CheckpointError::Product {
                product: product.clone(),
                error,
            })?;
        if m as usize != i {
            return Err(CheckpointError::Corrupt("its machines are out of order"));
        }
        let ir = &catalog.entries[i].machine.ir;
        if ir.fingerprint != fingerprint {
            let (was, is) = if (&agreement, &version) != (&ir.agreement, &ir.version) {
                (
                    format!("agreement `{agreement}` version {version}"),
                    format!("agreement `{}` version {}", ir.agreement, ir.version),
                )
            } else {
                (
                    format!("compiled from other rules (automaton {fingerprint})"),
                    format!(
                        "automaton {}: its rules, timings, effects or citations changed",
                        ir.fingerprint
                    ),
                )
            };
            return Err(CheckpointError::Agreement {
                product,
                billing,
                checkpoint: was,
                now: is,
            });
        }
    }
    let mut run = Runner::new(
        catalog,
        Options {
            shards: h.shards,
            ..options
        },
    );
    run.lines = h.lines;
    run.input_hash = h.input_hash;
    run.actions_out = h.actions_out;
    run.errors = h.errors;
    run.watermark = h.watermark;
    for shard in &mut run.shards {
        *shard = read_shard(&mut r, &run.catalog)?;
    }
    if !r.0.is_empty() {
        return Err(CheckpointError::Corrupt("bytes follow its last shard"));
    }
    Ok(Restored {
        runner: run,
        output: h.output,
    })
}

fn read_shard(r: &mut R, catalog: &Catalog) -> Result<Shard, CheckpointError> {
    let mut s = Shard::default();
    s.names.bytes = r.str()?.to_string();
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
        return Err(CheckpointError::Corrupt(
            "its account names are cut wrongly",
        ));
    }
    let tables = r.len(8)?;
    if tables > catalog.entries.len() {
        return Err(CheckpointError::Corrupt(
            "a shard has more tables than machines",
        ));
    }
    for m in 0..tables {
        let entry = &catalog.entries[m];
        let shape = entry.layout;
        let words = r.words()?;
        if words.len() % shape.words != 0 {
            return Err(CheckpointError::Corrupt(
                "a table's length is not a whole number of records",
            ));
        }
        for rec in words.chunks_exact(shape.words) {
            shape
                .check(&entry.machine.ir.layout, rec)
                .map_err(|_| CheckpointError::Corrupt("a record holds what no automaton writes"))?;
        }
        let t = Table {
            layout: shape,
            words,
        };
        if (0..t.len() as u32).any(|rec| t.name(rec) as usize >= s.names.ends.len()) {
            return Err(CheckpointError::Corrupt(
                "a record names an account that is not there",
            ));
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
        if !valid(d.machine, d.rec) || matches!(d.due, layout::HELD_UNSET | layout::HELD_NEVER) {
            return Err(CheckpointError::Corrupt("a deadline names no record"));
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
            1 => {
                let (lo, hi) = (r.i64()?, r.i64()?);
                Some(
                    amount_of_slots(lo, hi)
                        .ok_or(CheckpointError::Corrupt("an amount is not a decimal"))?,
                )
            }
            _ => return Err(CheckpointError::Corrupt("an optional value has a bad tag")),
        };
        let until = r.opt_i64()?;
        let known = catalog
            .entries
            .get(machine as usize)
            .is_some_and(|e| usize::from(event.0) < e.machine.ir.events.len());
        let instants = layout::accepted(at) && until.is_none_or(layout::accepted);
        if !valid(machine, rec) || !known || !instants {
            return Err(CheckpointError::Corrupt(
                "a pending event names no record, event or instant",
            ));
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
