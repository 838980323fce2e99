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
mod parallel;
pub mod queue;
pub mod record;
pub mod runner;
pub mod table;
#[cfg(feature = "cli")]
pub mod workload;

pub use runner::{Batch, LineError, Options, Runner};

/// A fixed, portable 64-bit hash of a byte string (FxHash-style multiply
/// rotate, finished with a 64-bit mixer). Fixed so sharding and therefore
/// checkpoints do not depend on the process.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    mix64(h)
}

/// The finaliser of MurmurHash3: spreads every input bit over the output.
pub fn mix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The shard an account belongs to: all of an account's products live in
/// one shard, as they would in one partition of a stream keyed by account.
pub fn shard_of(account: &str, shards: usize) -> usize {
    shard_of_hash(hash_bytes(account.as_bytes()), shards)
}

/// [`shard_of`] from the account's [`hash_bytes`], computed once per line.
pub fn shard_of_hash(account_hash: u64, shards: usize) -> usize {
    ((account_hash >> 32) % shards.max(1) as u64) as usize
}
