//! Running compiled agreements over a stream of account events, at scale.
//!
//! Why a separate stage: [`crate::eval`] runs one account; a provider runs
//! millions. This module keeps one compact record per (account, product ×
//! billing) in a [`table::Table`], a deadline queue ([`queue::DeadlineQueue`])
//! so timer-driven actions fire as the input clock passes them, and a
//! watermark with a bounded out-of-order tolerance. Accounts are sharded by a
//! fixed hash of the account name ([`shard_of`]); each [`engine::Shard`] is an
//! independent engine, so shards run in parallel and their outputs merge by
//! the same key a single engine sorts by, `(instant, account, product,
//! billing, seq)`: the output is identical whatever the thread count.
//!
//! Pure: lines come in as `&str`, actions go out as NDJSON `String`s; the
//! command line (src/cli/run.rs) does the reading, writing and checkpoint
//! files. Semantics and guarantees: docs/scaling.md, docs/performance.md.

pub mod catalog;
pub mod checkpoint;
pub mod engine;
pub mod error;
mod parallel;
pub mod queue;
pub mod record;
pub mod runner;
pub mod table;
#[cfg(feature = "cli")]
pub mod workload;

pub use error::{LineError, LineErrorKind, ParseError};
pub use runner::{Batch, Options, Runner};

pub use crate::hash::{hash_bytes, mix64};

/// The shard an account belongs to: all of an account's products live in
/// one shard, as they would in one partition of a stream keyed by account.
pub fn shard_of(account: &str, shards: usize) -> usize {
    shard_of_hash(hash_bytes(account.as_bytes()), shards)
}

/// [`shard_of`] from the account's [`hash_bytes`], computed once per line.
pub fn shard_of_hash(account_hash: u64, shards: usize) -> usize {
    ((account_hash >> 32) % shards.max(1) as u64) as usize
}
