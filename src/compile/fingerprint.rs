//! An automaton's fingerprint: a hash of its canonical encoding.
//!
//! The encoding is the automaton serialised whole (every table, the side
//! table of names and citations, the calendar's name and digest, the
//! reading, the agreement's id and version) together with
//! [`super::SEMANTICS`]. It is derived mechanically: `Automaton` and every
//! type in it derive `Serialize`, so a field added later is covered without
//! anyone remembering to add it here. Only the fingerprint itself is left
//! out. The hash is [`crate::hash::hash_bytes`], the same on every machine.

use super::ir::{Automaton, Fingerprint, SEMANTICS};

/// The fingerprint of `a` (its own `fingerprint` field is not part of it).
pub fn fingerprint(a: &Automaton) -> Fingerprint {
    // Serialising plain data (no maps, no floats) cannot fail; if it ever
    // did, the bytes of the error's message would still differ from any
    // automaton's encoding.
    let bytes = serde_json::to_vec(&(SEMANTICS, a))
        .unwrap_or_else(|e| format!("unencodable automaton: {e}").into_bytes());
    Fingerprint(crate::hash::hash_bytes(&bytes))
}
