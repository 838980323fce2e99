//! One input partition: the stream engine ([`crate::stream::Runner`], one
//! shard) over the partition's records, in offset order.
//!
//! Pure: records come in as `(offset, value)`, actions and dead letters go
//! out as data; [`super::member`] does the network IO. Everything here is a
//! function of the partition's records and the checkpoint it started from,
//! so a new owner that resumes from a checkpoint and reads the same records
//! again emits the same actions with the same keys.
//!
//! * **Line numbers are offsets.** Before each run of records the runner's
//!   line count is set to the first record's offset, so the engine's line
//!   `n` is offset `n − 1`: its errors name the record, ties at one instant
//!   break by offset, and the count in a checkpoint is the input position.
//! * **Clock records** `{"clock":"<RFC 3339>"}` advance the partition's
//!   watermark as an event at that instant would, so deadlines fire on a
//!   partition without new events (docs/scaling.md, "Idle partitions").
//! * **Dead letters**: a record that is not UTF-8, has no value, does not
//!   parse, names an unknown product or event, or is later than the
//!   lateness tolerance becomes a [`DeadLetter`] with the reason; so does a
//!   deadline that cannot be applied. Nothing is dropped silently and
//!   nothing stops the partition.

use crate::stream::catalog::Catalog;
use crate::stream::{Batch, Options, Runner};
use serde::Deserialize;

/// One consumed record of the input topic.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
}

/// One action for the output topic, keyed by account (the Kafka key) and
/// by its deduplication key (a header; see [`action_key`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    pub account: String,
    pub key: String,
    /// The NDJSON line of `clausec run`, without its newline.
    pub value: String,
}

/// A record or deadline that could not be applied, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// The input offset; `None` for a deadline (no record caused it).
    pub offset: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub reason: String,
}

/// What processing some records gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Emitted {
    pub actions: Vec<Action>,
    pub dead: Vec<DeadLetter>,
}

/// The engine of one partition and its input position.
#[derive(Debug)]
pub struct Partition {
    pub runner: Runner,
    /// The offset of the next record to process.
    pub next_offset: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Clock<'a> {
    #[serde(borrow)]
    clock: std::borrow::Cow<'a, str>,
}

/// The instant of a clock record, `None` if `line` is not one.
pub fn clock_instant(line: &str) -> Option<Result<i64, String>> {
    if !line.contains("\"clock\"") {
        return None;
    }
    let c: Clock<'_> = serde_json::from_str(line).ok()?;
    Some(
        crate::eval::parse_instant(&c.clock)
            .map(|t| t.timestamp())
            .map_err(|m| format!("`clock`: {m}")),
    )
}

/// A clock record's value for instant `at` (seconds since the epoch).
pub fn clock_record(at: i64) -> String {
    let at = chrono::DateTime::from_timestamp(at, 0).map_or_else(
        || at.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    );
    format!("{{\"clock\":\"{at}\"}}")
}

/// The run of consecutive event lines waiting to be pushed together.
struct Run<'a> {
    first: i64,
    lines: Vec<&'a str>,
    records: Vec<Record<'a>>,
}

impl Partition {
    /// A partition with no history; `options.shards` is forced to 1 (a
    /// partition is a shard).
    pub fn new(catalog: Catalog, options: Options) -> Partition {
        Partition {
            runner: Runner::new(
                catalog,
                Options {
                    shards: 1,
                    ..options
                },
            ),
            next_offset: 0,
        }
    }

    /// Processes `records` (in offset order); those before
    /// [`Partition::next_offset`] were processed already and are skipped.
    pub fn process(&mut self, records: &[Record<'_>], out: &mut Emitted) {
        let mut run = Run {
            first: 0,
            lines: Vec::new(),
            records: Vec::new(),
        };
        for r in records {
            if r.offset < self.next_offset {
                continue;
            }
            let contiguous = run.records.last().is_none_or(|l| l.offset + 1 == r.offset);
            if !contiguous {
                self.push(&mut run, out);
            }
            let dead = |reason: &str| DeadLetter {
                offset: Some(r.offset),
                key: r.key.map(<[u8]>::to_vec),
                value: r.value.map(<[u8]>::to_vec),
                reason: reason.to_string(),
            };
            match r.value.map(std::str::from_utf8) {
                None => {
                    self.push(&mut run, out);
                    out.dead.push(dead("record has no value"));
                }
                Some(Err(_)) => {
                    self.push(&mut run, out);
                    out.dead.push(dead("record is not UTF-8"));
                }
                Some(Ok(line)) if line.trim().is_empty() => {
                    self.push(&mut run, out);
                    out.dead.push(dead("record is empty"));
                }
                Some(Ok(line)) => match clock_instant(line) {
                    Some(at) => {
                        self.push(&mut run, out);
                        match at.and_then(|t| self.tick(t, out).map(|()| t)) {
                            Ok(_) => {}
                            Err(m) => out.dead.push(dead(&m)),
                        }
                    }
                    None => {
                        if run.records.is_empty() {
                            run.first = r.offset;
                        }
                        run.lines.push(line);
                        run.records.push(*r);
                    }
                },
            }
            self.next_offset = r.offset + 1;
        }
        self.push(&mut run, out);
    }

    /// Advances the watermark to `at` as an event at `at` would, firing the
    /// deadlines the new frontier passes.
    fn tick(&mut self, at: i64, out: &mut Emitted) -> Result<(), String> {
        crate::stream::engine::representable(at).map_err(|e| e.to_string())?;
        self.runner.watermark = self.runner.watermark.max(at);
        let batch = self.runner.push::<&str>(&[], false);
        self.emit(batch, None, out);
        Ok(())
    }

    fn push(&mut self, run: &mut Run<'_>, out: &mut Emitted) {
        if run.lines.is_empty() {
            return;
        }
        // Line n of the engine is offset n − 1 (offsets are never negative).
        self.runner.lines = u64::try_from(run.first).unwrap_or(0);
        let batch = self.runner.push(&run.lines, false);
        self.emit(batch, Some(run), out);
        run.lines.clear();
        run.records.clear();
    }

    /// Turns a batch into keyed actions and dead letters.
    fn emit(&self, batch: Batch, run: Option<&Run<'_>>, out: &mut Emitted) {
        for e in batch.errors {
            let offset = e.line.and_then(|l| i64::try_from(l).ok()).map(|l| l - 1);
            let record = offset.and_then(|o| {
                let run = run?;
                run.records.get(usize::try_from(o - run.first).ok()?)
            });
            out.dead.push(DeadLetter {
                offset,
                key: record.and_then(|r| r.key).map(<[u8]>::to_vec),
                value: record.and_then(|r| r.value).map(<[u8]>::to_vec),
                reason: e.kind.to_string(),
            });
        }
        let mut keys = Keyer::default();
        for (line, instant) in batch.output.lines().zip(batch.instants) {
            match keys.key(line, instant) {
                Ok((account, key)) => out.actions.push(Action {
                    account,
                    key,
                    value: line.to_string(),
                }),
                Err(reason) => out.dead.push(DeadLetter {
                    offset: None,
                    key: None,
                    value: Some(line.as_bytes().to_vec()),
                    reason,
                }),
            }
        }
    }
}

#[derive(Deserialize)]
struct ActionFields<'a> {
    #[serde(borrow)]
    account: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    product: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    billing: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    at: std::borrow::Cow<'a, str>,
}

/// Numbers the actions of one batch: `seq` counts the actions with the same
/// account, product, billing and `at` processed at the same instant. An
/// instant is processed within one batch, so the count does not depend on
/// how the input was cut into batches.
#[derive(Default)]
struct Keyer {
    group: Option<(i64, String, String, String)>,
    seen: Vec<(String, u32)>,
}

impl Keyer {
    fn key(&mut self, line: &str, instant: i64) -> Result<(String, String), String> {
        let f: ActionFields<'_> =
            serde_json::from_str(line).map_err(|e| format!("unreadable action `{line}`: {e}"))?;
        let group = (
            instant,
            f.account.to_string(),
            f.product.to_string(),
            f.billing.to_string(),
        );
        if self.group.as_ref() != Some(&group) {
            self.group = Some(group);
            self.seen.clear();
        }
        let n = match self.seen.iter_mut().find(|(at, _)| *at == f.at) {
            Some((_, n)) => {
                *n += 1;
                *n
            }
            None => {
                self.seen.push((f.at.to_string(), 0));
                0
            }
        };
        let at = crate::eval::parse_instant(&f.at)
            .map(|t| t.timestamp())
            .map_err(|m| format!("action `at`: {m}"))?;
        let key = action_key(&f.account, &f.product, &f.billing, &f.at, n, at, instant);
        Ok((f.account.into_owned(), key))
    }
}

/// The deduplication key of an action: the JSON array `[account, product,
/// billing, at, seq]`. `seq` is `"n"`, the action's position among those of
/// the same account, product, billing and `at` processed at the same
/// instant; when the instant processed is not `at` (a step placed before
/// its trigger, known only when the trigger arrives) it is `"n@T"` with `T`
/// the instant processed in Unix seconds, so such an action never shares a
/// key with one fired at `at` itself.
pub fn action_key(
    account: &str,
    product: &str,
    billing: &str,
    at_text: &str,
    n: u32,
    at: i64,
    processed: i64,
) -> String {
    let seq = if processed == at {
        n.to_string()
    } else {
        format!("{n}@{processed}")
    };
    serde_json::json!([account, product, billing, at_text, seq]).to_string()
}

#[cfg(test)]
mod tests;
