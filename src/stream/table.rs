//! The compact per-account state table.
//!
//! [`AccountState`] is built for one account at a time: it owns a boxed
//! slice of `i64` slots (rule anchors and money facts). Kept per account at
//! the scale of millions that would cost an allocation and ~150 bytes each.
//! A [`Table`] instead stores every (account, product × billing) as a fixed
//! run of `u32` words in one `Vec`, laid out per machine by [`RecordShape`]:
//!
//! `[name, flags, now, next_due, state…, caps…, resources…, anchor per rule…,
//! state slot…]` (state slots, two words each, only where the automaton has
//! issue #12's account state or a late fee: the arrears balance, cure
//! progress)
//!
//! Every field is in the encoding the automaton's
//! [`crate::compile::Layout`] owns: the packed local states,
//! capability and resource codes, flag bits, and instants in its held `u32`
//! form (2000–2136; anything outside is an error, never a silent wrap; a
//! deadline past the range is held as "beyond"). Only what decides actions
//! is kept: the rules' local states, capability and resource states, the
//! terminated and unknown-debt flags, the rules' anchor instants and the
//! state slots. Money facts (late-fee
//! principal, purchase amount) only feed `status` obligations, which
//! `clausec eval` reports; the stream keeps none, so `run` emits actions,
//! not money.

use crate::compile::layout::ACTION_FLAGS;
use crate::compile::layout::{self, hold, hold_due, unhold, Layout};
use crate::eval::{AccountState, Machine};

pub use crate::eval::EPOCH_BASE;

/// Why a state cannot be stored in the table.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    #[error("instant {at} is outside the state table's range (2000-01-01 to 2136)")]
    OutOfRange { at: i64 },
    #[error("account names exceed 4 GiB in one shard")]
    NamesFull,
}

/// An instant in table form (the layout's held form).
pub fn pack_time(t: i64) -> Result<u32, TableError> {
    hold(t).ok_or(TableError::OutOfRange { at: t })
}

/// The inverse of [`pack_time`].
pub fn unpack_time(w: u32) -> i64 {
    unhold(w)
}

const NAME: usize = 0;
const FLAGS: usize = 1;
const NOW: usize = 2;
const NEXT_DUE: usize = 3;
const HEADER: usize = 4;

/// Where each field of an [`AccountState`] sits in a record of one machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordShape {
    rules: usize,
    state_words: usize,
    cap_words: usize,
    res_words: usize,
    /// The layout's state slots (issue #12: balance, cure progress), two
    /// words each, after the anchors; none for most automata.
    state_slots: usize,
    /// Where they sit among an account's slots.
    state_first: usize,
    /// Words per record.
    pub words: usize,
}

fn words_for(bits: usize) -> usize {
    bits.div_ceil(32)
}

impl RecordShape {
    pub fn new(m: &Machine) -> RecordShape {
        let l = &m.ir.layout;
        let rules = l.rules.len();
        let state_words = words_for(l.state_bits as usize);
        let cap_words = words_for(l.cap_bits());
        let res_words = words_for(l.res_bits());
        let state_slots = l.state_slots;
        RecordShape {
            rules,
            state_words,
            cap_words,
            res_words,
            state_slots,
            state_first: l.state_range().start,
            words: HEADER + state_words + cap_words + res_words + rules + 2 * state_slots,
        }
    }

    /// Bytes per record.
    pub fn bytes(&self) -> usize {
        self.words * 4
    }

    /// Whether a record's words are ones [`Table::store`] writes under
    /// `layout` (the automaton's): its fields hold known codes, instants
    /// are held or unset.
    pub fn check(&self, layout: &Layout, w: &[u32]) -> Result<(), layout::FieldError> {
        if w.len() != self.words {
            return Err(layout::FieldError::Slots {
                expected: self.words,
                found: w.len(),
            });
        }
        let mut o = HEADER;
        let state = get_u64(&w[o..o + self.state_words]);
        o += self.state_words;
        let caps = get_u64(&w[o..o + self.cap_words]);
        o += self.cap_words;
        let resources = get_u64(&w[o..o + self.res_words]);
        o += self.res_words;
        let resources = u32::try_from(resources).map_err(|_| layout::FieldError::ResourceBits {
            count: layout.resources,
        })?;
        let mut slots = layout.fresh_slots();
        for (k, a) in w[o..o + self.rules].iter().enumerate() {
            slots[k] = unhold(*a);
            if *a == layout::HELD_BEYOND || *a == layout::HELD_NEVER {
                return Err(layout::FieldError::Instant {
                    field: "anchor",
                    value: slots[k],
                });
            }
        }
        o += self.rules;
        for k in 0..self.state_slots {
            if let Some(s) = slots.get_mut(self.state_first + k) {
                *s = get_u64(&w[o + 2 * k..o + 2 * k + 2]) as i64;
            }
        }
        if w[NOW] == layout::HELD_BEYOND || w[NOW] == layout::HELD_NEVER {
            return Err(layout::FieldError::Instant {
                field: "now",
                value: unhold(w[NOW]),
            });
        }
        layout.check(state, caps, resources, w[FLAGS], &slots)
    }
}

fn get_u64(words: &[u32]) -> u64 {
    words
        .iter()
        .enumerate()
        .fold(0u64, |acc, (i, w)| acc | (u64::from(*w) << (32 * i)))
}

fn put_u64(v: u64, words: &mut [u32]) {
    for (i, w) in words.iter_mut().enumerate() {
        *w = (v >> (32 * i)) as u32;
    }
}

/// Every record of one machine, `layout.words` words each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub layout: RecordShape,
    pub words: Vec<u32>,
}

impl Table {
    pub fn new(layout: RecordShape) -> Table {
        Table {
            layout,
            words: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.words.len() / self.layout.words.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn rec(&self, r: u32) -> &[u32] {
        let w = self.layout.words;
        &self.words[r as usize * w..(r as usize + 1) * w]
    }

    fn rec_mut(&mut self, r: u32) -> &mut [u32] {
        let w = self.layout.words;
        &mut self.words[r as usize * w..(r as usize + 1) * w]
    }

    /// Appends a fresh account (everything idle, active, retained).
    pub fn push(&mut self, name: u32) -> u32 {
        let r = self.len() as u32;
        let start = self.words.len();
        self.words.resize(start + self.layout.words, 0);
        self.words[start + NAME] = name;
        self.words[start + NEXT_DUE] = layout::HELD_NEVER;
        r
    }

    pub fn name(&self, r: u32) -> u32 {
        self.rec(r)[NAME]
    }

    /// One word of record `r` (0 if there is none), read only to bring the
    /// record into cache ahead of use.
    pub fn peek(&self, r: u32) -> u32 {
        let w = self.layout.words;
        self.words.get(r as usize * w).copied().unwrap_or(0)
    }

    /// The record's earliest deadline in table form (`u32::MAX`: none).
    pub fn next_due(&self, r: u32) -> u32 {
        self.rec(r)[NEXT_DUE]
    }

    /// Loads record `r` into `st`, a scratch state of the same machine. Money
    /// slots are reset to a fresh account's (`fresh`).
    pub fn load(&self, r: u32, st: &mut AccountState, fresh: &AccountState) {
        let l = self.layout;
        let w = self.rec(r);
        st.flags = w[FLAGS];
        st.now = unpack_time(w[NOW]);
        st.next_due = unpack_time(w[NEXT_DUE]);
        let mut o = HEADER;
        st.state = get_u64(&w[o..o + l.state_words]);
        o += l.state_words;
        st.caps = get_u64(&w[o..o + l.cap_words]);
        o += l.cap_words;
        st.resources = get_u64(&w[o..o + l.res_words]) as u32;
        o += l.res_words;
        st.slots.copy_from_slice(&fresh.slots);
        for (k, a) in w[o..o + l.rules].iter().enumerate() {
            st.slots[k] = unpack_time(*a);
        }
        o += l.rules;
        for k in 0..l.state_slots {
            if let Some(s) = st.slots.get_mut(l.state_first + k) {
                *s = get_u64(&w[o + 2 * k..o + 2 * k + 2]) as i64;
            }
        }
    }

    /// Stores `st` into record `r`. On error (an instant out of range) the
    /// record is left unchanged.
    pub fn store(&mut self, r: u32, st: &AccountState) -> Result<(), TableError> {
        let now = pack_time(st.now)?;
        let due = hold_due(st.next_due);
        // a rule with a step takes two bits of the 64 of the packed state,
        // a rule without one bit: at most 64 rules
        let mut anchors = [0u32; 64];
        let n = self.layout.rules.min(64);
        for (k, a) in anchors.iter_mut().enumerate().take(n) {
            *a = pack_time(st.slots[k])?;
        }
        let l = self.layout;
        let w = self.rec_mut(r);
        w[FLAGS] = st.flags & ACTION_FLAGS;
        w[NOW] = now;
        w[NEXT_DUE] = due;
        let mut o = HEADER;
        put_u64(st.state, &mut w[o..o + l.state_words]);
        o += l.state_words;
        put_u64(st.caps, &mut w[o..o + l.cap_words]);
        o += l.cap_words;
        put_u64(u64::from(st.resources), &mut w[o..o + l.res_words]);
        o += l.res_words;
        w[o..o + l.rules].copy_from_slice(&anchors[..n]);
        o += l.rules;
        for k in 0..l.state_slots {
            let v = st.slots.get(l.state_first + k).copied().unwrap_or(0);
            put_u64(v as u64, &mut w[o + 2 * k..o + 2 * k + 2]);
        }
        Ok(())
    }
}

/// Account names of one shard, end to end in one buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    pub bytes: String,
    pub ends: Vec<u32>,
}

impl Names {
    pub fn push(&mut self, name: &str) -> Result<u32, TableError> {
        let end = self.bytes.len() + name.len();
        let end = u32::try_from(end).map_err(|_| TableError::NamesFull)?;
        self.bytes.push_str(name);
        self.ends.push(end);
        Ok(self.ends.len() as u32 - 1)
    }

    pub fn get(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        self.bytes.get(start..end).unwrap_or("?")
    }

    /// Where name `i`'s bytes start in `bytes`.
    pub fn start(&self, i: u32) -> u32 {
        match i {
            0 => 0,
            i => self.ends.get(i as usize - 1).copied().unwrap_or(0),
        }
    }

    /// `len` bytes of `bytes` from `start` (empty if out of range).
    pub fn slice(&self, start: u32, len: u16) -> &[u8] {
        let start = start as usize;
        self.bytes
            .as_bytes()
            .get(start..start + len as usize)
            .unwrap_or(&[])
    }

    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + 4 * self.ends.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stored_end_to_end() {
        let mut n = Names::default();
        let a = n.push("acct-1").expect("fits");
        let b = n.push("账户二").expect("fits");
        assert_eq!((n.get(a), n.get(b)), ("acct-1", "账户二"));
    }
}
