//! The deadline queue: a calendar queue of `(due, machine, record)`.
//!
//! Lazy deletion instead of decrease-key: whenever a record's earliest
//! deadline changes, a new entry is pushed; an entry is live only while its
//! `due` equals the record's current `next_due`, so cured or rescheduled
//! deadlines cost one stale entry each, dropped when popped. Re-processing a
//! record at a stale instant is harmless anyway (advancing to an instant
//! already passed fires nothing). When stale entries outnumber live ones the
//! queue is compacted, so it stays within twice the number of accounts
//! waiting.
//!
//! Why a calendar queue: at a million accounts one heap over every deadline
//! is far larger than the caches, and each pop costs a cache miss per level.
//! Deadlines here fall hours to weeks ahead of the clock, so entries are
//! dropped unsorted into buckets of [`BUCKET_SECS`] seconds (a ring of
//! [`RING`] buckets, about 48 days; anything later waits in a small `far`
//! heap). When the clock reaches a bucket it is sorted once (the `run`) and
//! popped from the front; the few entries pushed into a bucket already open
//! wait in a small heap (`late`) beside it. Pops come out in exactly the
//! order `(due, machine, rec)`: every entry outside `run` and `late` lies in
//! a later bucket, so has a later `due`.
//!
//! A sorted run, unlike a heap, also says which entries come next, so a
//! caller can read their records ahead ([`DeadlineQueue::upcoming`]).

/// One queued deadline. Field order is the pop order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Due {
    /// Table-form instant ([`super::table::pack_time`]).
    pub due: u32,
    pub machine: u16,
    pub rec: u32,
}

impl Due {
    fn key(self) -> u128 {
        (u128::from(self.due) << 48) | (u128::from(self.machine) << 32) | u128::from(self.rec)
    }

    fn from_key(k: u128) -> Due {
        Due {
            due: (k >> 48) as u32,
            machine: (k >> 32) as u16,
            rec: k as u32,
        }
    }

    fn bucket(k: u128) -> u64 {
        ((k >> 48) as u64) >> BUCKET_SHIFT
    }
}

/// log2 of the bucket width in seconds.
const BUCKET_SHIFT: u32 = 12;
/// Width of one bucket: 4096 s, about 68 minutes.
pub const BUCKET_SECS: u32 = 1 << BUCKET_SHIFT;
/// Buckets in the ring (a power of two).
pub const RING: usize = 1024;

/// A 4-ary min-heap of packed keys: a node's four children sit in one
/// 64-byte line.
#[derive(Clone, Debug, Default)]
struct Heap {
    keys: Vec<u128>,
}

const ARITY: usize = 4;

impl Heap {
    fn push(&mut self, key: u128) {
        let mut i = self.keys.len();
        self.keys.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[i] = self.keys[parent];
            i = parent;
        }
        self.keys[i] = key;
    }

    fn peek(&self) -> Option<u128> {
        self.keys.first().copied()
    }

    fn pop(&mut self) -> Option<u128> {
        let last = self.keys.pop()?;
        let Some(&top) = self.keys.first() else {
            return Some(last);
        };
        self.sift_down(0, last);
        Some(top)
    }

    /// Places `key` at hole `i`, moving smaller children up.
    fn sift_down(&mut self, mut i: usize, key: u128) {
        let n = self.keys.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.keys[c] < self.keys[best] {
                    best = c;
                }
            }
            if self.keys[best] >= key {
                break;
            }
            self.keys[i] = self.keys[best];
            i = best;
        }
        self.keys[i] = key;
    }

    /// Restores the heap order after arbitrary changes.
    fn heapify(&mut self) {
        for i in (0..self.keys.len() / ARITY + 1).rev() {
            if let Some(&k) = self.keys.get(i) {
                self.sift_down(i, k);
            }
        }
    }
}

/// Where a caller last read records ahead ([`DeadlineQueue::read_ahead`]):
/// the bucket then open, and the run index up to which it read.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadMark {
    opened: u64,
    until: usize,
}

#[derive(Clone, Debug)]
pub struct DeadlineQueue {
    /// The open bucket's entries in pop order; those before `next` are
    /// popped.
    run: Vec<u128>,
    next: usize,
    /// Entries pushed at or before the open bucket after it opened.
    late: Heap,
    /// The bucket the clock has reached.
    cur: u64,
    /// Entries of buckets `cur + 1 ..= cur + RING`, unordered, at
    /// `bucket % RING`.
    ring: Vec<Vec<u128>>,
    /// One bit per ring slot: the slot holds entries.
    occupied: [u64; RING / 64],
    ring_len: usize,
    /// Entries beyond the ring.
    far: Heap,
    /// Incremented each time a bucket opens (see [`DeadlineQueue::read_ahead`]).
    opened: u64,
}

impl Default for DeadlineQueue {
    fn default() -> Self {
        DeadlineQueue {
            run: Vec::new(),
            next: 0,
            late: Heap::default(),
            cur: 0,
            ring: vec![Vec::new(); RING],
            occupied: [0; RING / 64],
            ring_len: 0,
            far: Heap::default(),
            opened: 0,
        }
    }
}

impl DeadlineQueue {
    pub fn push(&mut self, d: Due) {
        self.push_key(d.key());
    }

    fn push_key(&mut self, key: u128) {
        let b = Due::bucket(key);
        if b <= self.cur {
            self.late.push(key);
        } else if b - self.cur <= RING as u64 {
            let slot = (b as usize) & (RING - 1);
            self.ring[slot].push(key);
            self.occupied[slot / 64] |= 1 << (slot % 64);
            self.ring_len += 1;
        } else {
            self.far.push(key);
        }
    }

    /// The smallest bucket holding ring entries.
    fn next_ring_bucket(&self) -> Option<u64> {
        if self.ring_len == 0 {
            return None;
        }
        // slots in bucket order: from cur + 1, wrapping once around the ring
        let start = ((self.cur + 1) as usize) & (RING - 1);
        let mut dist = 0;
        while dist < RING {
            let slot = (start + dist) & (RING - 1);
            let word = self.occupied[slot / 64] >> (slot % 64);
            if word != 0 {
                // Bits past `slot` in this word are slots further on; after
                // the wrap the word's bits at or past `start` are empty, or
                // the first word would have found them.
                return Some(self.cur + 1 + (dist + word.trailing_zeros() as usize) as u64);
            }
            dist += 64 - slot % 64;
        }
        None
    }

    /// Opens the next bucket when the open one is used up.
    fn refill(&mut self) {
        if self.next < self.run.len() || !self.late.keys.is_empty() {
            return;
        }
        let ring = self.next_ring_bucket();
        let far = self.far.peek().map(Due::bucket);
        let next = match (ring, far) {
            (Some(r), Some(f)) => r.min(f),
            (Some(r), None) => r,
            (None, Some(f)) => f,
            (None, None) => return,
        };
        self.cur = next;
        self.run.clear();
        self.next = 0;
        if ring == Some(next) {
            let slot = (next as usize) & (RING - 1);
            self.occupied[slot / 64] &= !(1 << (slot % 64));
            self.ring_len -= self.ring[slot].len();
            // the used-up run's buffer goes back to the ring, for reuse
            std::mem::swap(&mut self.run, &mut self.ring[slot]);
            self.run.sort_unstable();
        }
        // far entries now within the ring's reach move into it (each once)
        while let Some(k) = self
            .far
            .peek()
            .filter(|k| Due::bucket(*k) <= next + RING as u64)
        {
            self.far.pop();
            self.push_key(k);
        }
        self.opened += 1;
    }

    /// The next key to pop: from the run or from `late`, whichever is less.
    fn front(&self) -> Option<(u128, bool)> {
        let run = self.run.get(self.next).copied();
        match (run, self.late.peek()) {
            (Some(r), Some(l)) if l < r => Some((l, true)),
            (Some(r), _) => Some((r, false)),
            (None, Some(l)) => Some((l, true)),
            (None, None) => None,
        }
    }

    pub fn peek(&mut self) -> Option<Due> {
        self.refill();
        self.front().map(|(k, _)| Due::from_key(k))
    }

    pub fn pop(&mut self) -> Option<Due> {
        self.refill();
        let (k, late) = self.front()?;
        if late {
            self.late.pop();
        } else {
            self.next += 1;
        }
        Some(Due::from_key(k))
    }

    /// The next `n` entries whose records a caller should read ahead:
    /// none while it has not yet popped what it read last time (`mark`,
    /// which it keeps and this updates; `ReadMark::default()` at first).
    pub fn read_ahead(&self, mark: &mut ReadMark, n: usize) -> impl Iterator<Item = Due> + '_ {
        let fresh = self.opened != mark.opened || self.next >= mark.until;
        if fresh {
            *mark = ReadMark {
                opened: self.opened,
                until: self.next + n,
            };
        }
        self.upcoming().take(if fresh { n } else { 0 })
    }

    /// The open bucket's entries not yet popped, in pop order (without the
    /// few pushed into it after it opened): the records worth reading ahead.
    pub fn upcoming(&self) -> impl Iterator<Item = Due> + '_ {
        self.run
            .get(self.next..)
            .unwrap_or(&[])
            .iter()
            .map(|k| Due::from_key(*k))
    }

    pub fn len(&self) -> usize {
        self.run.len() - self.next + self.late.keys.len() + self.ring_len + self.far.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the entries `live` rejects when they are more than half.
    pub fn compact_if(&mut self, live_count: usize, live: impl Fn(&Due) -> bool) {
        if self.len() > 2 * live_count + 1024 {
            let keep = |k: &u128| live(&Due::from_key(*k));
            self.run.drain(..self.next);
            self.next = 0;
            self.run.retain(keep);
            self.late.keys.retain(keep);
            self.late.heapify();
            self.far.keys.retain(keep);
            self.far.heapify();
            self.ring_len = 0;
            for (slot, bucket) in self.ring.iter_mut().enumerate() {
                bucket.retain(keep);
                if bucket.is_empty() {
                    self.occupied[slot / 64] &= !(1 << (slot % 64));
                }
                self.ring_len += bucket.len();
            }
        }
    }

    /// Every entry, in no particular order (for checkpoints).
    pub fn entries(&self) -> impl Iterator<Item = Due> + '_ {
        self.run
            .get(self.next..)
            .unwrap_or(&[])
            .iter()
            .chain(self.late.keys.iter())
            .chain(self.ring.iter().flatten())
            .chain(self.far.keys.iter())
            .map(|k| Due::from_key(*k))
    }

    pub fn heap_bytes(&self) -> usize {
        let entries = self.run.capacity()
            + self.late.keys.capacity()
            + self.far.keys.capacity()
            + self.ring.iter().map(Vec::capacity).sum::<usize>();
        entries * std::mem::size_of::<u128>()
            + self.ring.capacity() * std::mem::size_of::<Vec<u128>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_earliest_first_then_by_machine_and_record() {
        let mut q = DeadlineQueue::default();
        for (due, machine, rec) in [(5, 0, 1), (3, 1, 0), (3, 0, 9), (7, 0, 0)] {
            q.push(Due { due, machine, rec });
        }
        let order: Vec<(u32, u16, u32)> = std::iter::from_fn(|| q.pop())
            .map(|d| (d.due, d.machine, d.rec))
            .collect();
        assert_eq!(order, vec![(3, 0, 9), (3, 1, 0), (5, 0, 1), (7, 0, 0)]);
    }

    #[test]
    fn read_ahead_offers_each_batch_once() {
        let mut q = DeadlineQueue::default();
        // bucket 1, later than the one open at first: it becomes a sorted run
        for rec in 0..10 {
            q.push(Due {
                due: 5_000 + rec,
                machine: 0,
                rec,
            });
        }
        let mut mark = ReadMark::default();
        assert_eq!(q.peek().map(|d| d.rec), Some(0)); // opens the bucket
        let recs = |q: &DeadlineQueue, mark: &mut ReadMark| -> Vec<u32> {
            q.read_ahead(mark, 4).map(|d| d.rec).collect()
        };
        assert_eq!(recs(&q, &mut mark), vec![0, 1, 2, 3]);
        assert!(recs(&q, &mut mark).is_empty(), "not popped yet");
        for _ in 0..4 {
            q.pop();
        }
        assert_eq!(recs(&q, &mut mark), vec![4, 5, 6, 7]);
    }

    /// Random pushes, pops and compactions against a sorted reference, with
    /// dues spread over one bucket, hundreds of buckets and far beyond the
    /// ring; pushes may fall before entries already popped.
    #[test]
    fn agrees_with_a_sorted_reference() {
        for scale in [1, 997, 13_001, 50_000] {
            agrees_at_scale(scale);
        }
    }

    fn agrees_at_scale(scale: u32) {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut q = DeadlineQueue::default();
        let mut reference: Vec<Due> = Vec::new();
        for round in 0..6_000 {
            let r = next();
            if r % 3 != 0 {
                let d = Due {
                    due: ((r >> 8) as u32 % 500 + round / 10) * scale,
                    machine: (r >> 40) as u16 % 3,
                    rec: (r >> 20) as u32 % 1000,
                };
                q.push(d);
                reference.push(d);
            } else {
                reference.sort_unstable_by(|a, b| b.cmp(a));
                assert_eq!(q.pop(), reference.pop());
            }
            if round % 2000 == 1999 {
                // Compacts only above 1024 entries (with no live count).
                q.compact_if(0, |d| d.rec % 2 == 0);
                if reference.len() > 1024 {
                    reference.retain(|d| d.rec % 2 == 0);
                }
            }
            assert_eq!(q.len(), reference.len());
            reference.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(q.peek(), reference.last().copied(), "scale {scale}");
            // what a caller reads ahead comes in pop order, none before the front
            let up: Vec<Due> = q.upcoming().collect();
            assert!(up.windows(2).all(|w| w[0] <= w[1]));
            assert!(up.first().is_none_or(|f| q.peek() <= Some(*f)));
            let mut all: Vec<Due> = q.entries().collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(all, reference);
        }
        while let Some(d) = reference.pop() {
            assert_eq!(q.pop(), Some(d));
        }
        assert!(q.is_empty());
    }
}
