//! The whole stream: parses batches of lines, keeps the watermark, routes
//! events to shards, advances the shards in parallel and merges their
//! output.
//!
//! Out-of-order tolerance: the watermark `W` is the latest `at` of the
//! accepted lines so far. A line whose `at` is earlier than `W −
//! max_lateness` is an error (reported with its line number, never applied
//! silently out of order). Everything before the frontier `F = W −
//! max_lateness` is final: after each batch the shards apply the events and
//! fire the deadlines before `F`, and the output up to `F` is emitted. At
//! the end of the input, the remaining events are applied and deadlines fire
//! up to `--until` (or up to `W` without it). Whether a line is late depends
//! only on the lines before it, not on how the input is cut into batches.

use super::catalog::Catalog;
use super::engine::{PendingEvent, Shard};
use super::error::{LineError, LineErrorKind};
use super::parallel;
use super::record::{parse_line, InputRecord};

/// What changes the result of a run (kept in checkpoints).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// Seconds an event may be earlier than the latest instant seen.
    pub max_lateness: i64,
    /// Flush deadlines up to this instant at the end; later events are errors.
    pub until: Option<i64>,
    /// Number of shards (independent engines).
    pub shards: usize,
    /// Longest line read, in bytes; a longer one is an error
    /// (`--max-line-bytes`).
    pub max_line_bytes: usize,
}

/// The default bound on a line's length: 64 KiB, about 400 times a typical
/// event, so that memory does not grow with the longest line nor a huge
/// account name get copied into every action.
pub const DEFAULT_MAX_LINE_BYTES: usize = 64 * 1024;

impl Default for Options {
    fn default() -> Options {
        Options {
            max_lateness: 60,
            until: None,
            shards: 1,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
        }
    }
}

/// The result of one batch: output lines (NDJSON, in order) and problems.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub output: String,
    pub errors: Vec<LineError>,
    pub actions: u64,
    /// Per output line, the instant at which it was processed (the event's
    /// or the deadline's); it differs from the line's `at` for steps placed
    /// before their trigger. Keys the actions a sink deduplicates
    /// (src/kafka/partition.rs).
    pub instants: Vec<i64>,
}

#[derive(Debug)]
pub struct Runner {
    pub catalog: Catalog,
    pub shards: Vec<Shard>,
    pub options: Options,
    /// Latest accepted `at` (`i64::MIN` before the first).
    pub watermark: i64,
    /// Lines consumed (the next line is `lines + 1`).
    pub lines: u64,
    /// Hash of every consumed line, to recognise the same input on restart.
    pub input_hash: u64,
    /// Output actions emitted so far.
    pub actions_out: u64,
    /// Lines (and deadlines) reported as errors so far.
    pub errors: u64,
}

/// The merge key of output line `h` of shard `s`.
fn head_key(s: &Shard, h: usize) -> Option<(i64, &str, u16, u32)> {
    s.out
        .get(h)
        .map(|o| (o.instant, s.names.get(o.name), o.machine, o.seq))
}

type Routed<'a> = (usize, std::borrow::Cow<'a, str>, u64, PendingEvent);

impl Runner {
    pub fn new(catalog: Catalog, options: Options) -> Runner {
        let shards = (0..options.shards.max(1))
            .map(|_| Shard::default())
            .collect();
        Runner {
            catalog,
            shards,
            options,
            watermark: i64::MIN,
            lines: 0,
            input_hash: 0,
            actions_out: 0,
            errors: 0,
        }
    }

    /// A runner of every product of `program` under `reading` (its
    /// machines are compiled as the input first names them).
    pub fn from_program(
        program: crate::eval::Program,
        reading: crate::vocab::Reading,
        options: Options,
    ) -> Runner {
        Runner::new(Catalog::new(program, reading), options)
    }

    /// Everything before this instant is final.
    pub fn frontier(&self) -> i64 {
        self.watermark.saturating_sub(self.options.max_lateness)
    }

    /// Folds one line into the input hash.
    pub fn hash_line(h: u64, line_hash: u64) -> u64 {
        super::mix64(h ^ line_hash).wrapping_add(0x9e37_79b9_7f4a_7c15)
    }

    /// Checks and resolves one parsed line into a routed event.
    fn route<'a>(&mut self, line: u64, r: InputRecord<'a>) -> Result<Routed<'a>, LineErrorKind> {
        let floor = self.frontier();
        if r.at < floor {
            return Err(LineErrorKind::Late {
                at: r.at,
                max_lateness: self.options.max_lateness,
                watermark: self.watermark,
            });
        }
        if let Some(u) = self.options.until {
            if r.at > u {
                return Err(LineErrorKind::AfterUntil { at: r.at });
            }
        }
        super::engine::representable(r.at)?;
        let machine = self.catalog.resolve(&r.product, r.billing, &r.variants)?;
        let m = &self.catalog.entries[machine as usize].machine;
        let mut event = m
            .event(&r.event, r.at)
            .map_err(|_| LineErrorKind::UnknownEvent {
                event: r.event.to_string(),
                product: r.product.to_string(),
                known: m.ir.events.clone(),
            })?;
        event.amount = r.amount;
        event.until = r.until;
        self.watermark = self.watermark.max(r.at);
        let account_hash = super::hash_bytes(r.account.as_bytes());
        let shard = super::shard_of_hash(account_hash, self.shards.len());
        let pending = PendingEvent {
            at: r.at,
            line,
            machine,
            rec: 0,
            event,
        };
        Ok((shard, r.account, account_hash, pending))
    }

    /// Consumes the next lines (without their terminators). With
    /// `stop_on_error`, stops at the first bad line: the lines before it are
    /// processed, the rest of the batch is not consumed. A line that is not
    /// UTF-8 or longer than `max_line_bytes` is an error like any other bad
    /// line (the command line reads no more than `max_line_bytes + 1` bytes
    /// of a line).
    pub fn push<S: AsRef<[u8]> + Sync>(&mut self, lines: &[S], stop_on_error: bool) -> Batch {
        let max = self.options.max_line_bytes;
        let parsed: Vec<(u64, Option<Result<InputRecord<'_>, LineErrorKind>>)> =
            parallel::map(lines, |l| {
                let b = l.as_ref();
                let h = super::hash_bytes(b);
                let r = if b.len() > max {
                    Some(Err(LineErrorKind::TooLong { max }))
                } else {
                    match std::str::from_utf8(b) {
                        Err(e) => Some(Err(LineErrorKind::NotUtf8 {
                            offset: e.valid_up_to(),
                        })),
                        Ok(l) => (!l.trim().is_empty()).then(|| parse_line(l).map_err(Into::into)),
                    }
                };
                (h, r)
            });
        let mut errors = Vec::new();
        let per_shard = parsed.len() / self.shards.len() + parsed.len() / 16 + 16;
        let mut buckets: Vec<Vec<(std::borrow::Cow<'_, str>, u64, PendingEvent)>> =
            (0..self.shards.len())
                .map(|_| Vec::with_capacity(per_shard))
                .collect();
        for (h, r) in parsed {
            self.lines += 1;
            self.input_hash = Self::hash_line(self.input_hash, h);
            let line = self.lines;
            let routed = match r {
                None => continue,
                Some(r) => r.and_then(|r| self.route(line, r)),
            };
            match routed {
                Ok((shard, account, h, p)) => buckets[shard].push((account, h, p)),
                Err(kind) => {
                    errors.push(LineError {
                        line: Some(line),
                        kind,
                    });
                    if stop_on_error {
                        break;
                    }
                }
            }
        }
        let f = self.frontier();
        let catalog = &self.catalog;
        parallel::each_mut(&mut self.shards, buckets, |shard, bucket| {
            for (account, h, mut p) in bucket {
                match shard.record(catalog, &account, h, p.machine) {
                    Ok(rec) => {
                        p.rec = rec;
                        shard.accept(p);
                    }
                    Err(kind) => shard.errors.push(LineError {
                        line: Some(p.line),
                        kind,
                    }),
                }
            }
            shard.advance(catalog, f, f);
            shard.sort_output();
        });
        self.collect(errors)
    }

    /// The end of the input: applies what is left and fires deadlines up to
    /// `--until` (or the watermark).
    pub fn finish(&mut self) -> Batch {
        let last = self.options.until.unwrap_or(self.watermark);
        let limit = last.saturating_add(1);
        let catalog = &self.catalog;
        let inputs = vec![(); self.shards.len()];
        parallel::each_mut(&mut self.shards, inputs, |shard, ()| {
            shard.advance(catalog, i64::MAX, limit);
            shard.sort_output();
        });
        self.collect(Vec::new())
    }

    /// Merges the shards' sorted outputs and errors into one batch.
    fn collect(&mut self, mut errors: Vec<LineError>) -> Batch {
        let total: usize = self.shards.iter().map(|s| s.text.len()).sum();
        let mut output = String::with_capacity(total);
        let mut heads = vec![0usize; self.shards.len()];
        // Each shard's head key, its name fetched once per output line.
        let key = head_key;
        let mut keys: Vec<_> = self.shards.iter().map(|s| key(s, 0)).collect();
        let mut actions = 0u64;
        let mut instants = Vec::new();
        loop {
            let mut best: Option<usize> = None;
            for (i, k) in keys.iter().enumerate() {
                let Some(k) = k else { continue };
                let better = match best.and_then(|b| keys[b].as_ref()) {
                    None => true,
                    Some(bk) => k < bk,
                };
                if better {
                    best = Some(i);
                }
            }
            let Some(b) = best else { break };
            let s = &self.shards[b];
            let o = s.out[heads[b]];
            let text = &s.text[o.text.0 as usize..o.text.1 as usize];
            let lines = text.bytes().filter(|b| *b == b'\n').count();
            actions += lines as u64;
            instants.extend(std::iter::repeat_n(o.instant, lines));
            output.push_str(text);
            heads[b] += 1;
            keys[b] = key(s, heads[b]);
        }
        for s in &mut self.shards {
            s.clear_output();
            errors.append(&mut s.errors);
        }
        errors.sort_by_key(|e| e.line.unwrap_or(u64::MAX));
        self.errors += errors.len() as u64;
        self.actions_out += actions;
        Batch {
            output,
            errors,
            actions,
            instants,
        }
    }

    /// Accounts (records) held, over all shards.
    pub fn accounts(&self) -> usize {
        self.shards.iter().map(Shard::accounts).sum()
    }

    /// Heap bytes of the state (tables, names, index, queues).
    pub fn state_bytes(&self) -> usize {
        self.shards.iter().map(Shard::heap_bytes).sum()
    }

    /// Deadlines still queued (live or stale).
    pub fn queued(&self) -> usize {
        self.shards.iter().map(|s| s.queue.len()).sum()
    }
}
