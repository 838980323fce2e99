//! One fixed, portable 64-bit hash, for everything that must hash the same
//! on every machine and in every process: sharding accounts, recognising
//! the input a checkpoint was taken on, a checkpoint's checksum and an
//! automaton's fingerprint.
//!
//! Each 8-byte word is folded in by a rotation, an exclusive or and a
//! multiplication by an odd constant, all bijections of the running value,
//! and the result is mixed by MurmurHash3's finaliser (a bijection too); the
//! length starts the running value. So two inputs of the same length that
//! differ in a single word, let alone a single bit or byte, always hash
//! differently.

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
