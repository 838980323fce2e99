//! The deadline queue: a 4-ary min-heap of `(due, machine, record)`.
//!
//! Lazy deletion instead of decrease-key: whenever a record's earliest
//! deadline changes, a new entry is pushed; an entry is live only while its
//! `due` equals the record's current `next_due`, so cured or rescheduled
//! deadlines cost one stale entry each, dropped when popped. Re-processing a
//! record at a stale instant is harmless anyway (advancing to an instant
//! already passed fires nothing). When stale entries outnumber live ones the
//! heap is rebuilt, so it stays within twice the number of accounts waiting.
//!
//! Why 4-ary with packed keys: at a million accounts the heap is far larger
//! than the caches and a pop is one cache miss per level. Each entry is one
//! `u128` ordered like `(due, machine, rec)`, and a node's four children sit
//! in one 64-byte line, so a pop touches half the lines a binary heap does.

/// One queued deadline. Field order is the heap order.
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
}

const ARITY: usize = 4;

#[derive(Clone, Debug, Default)]
pub struct DeadlineQueue {
    heap: Vec<u128>,
}

impl DeadlineQueue {
    pub fn push(&mut self, d: Due) {
        let key = d.key();
        let mut i = self.heap.len();
        self.heap.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent] <= key {
                break;
            }
            self.heap[i] = self.heap[parent];
            i = parent;
        }
        self.heap[i] = key;
    }

    pub fn peek(&self) -> Option<Due> {
        self.heap.first().map(|k| Due::from_key(*k))
    }

    pub fn pop(&mut self) -> Option<Due> {
        let last = self.heap.pop()?;
        let Some(&top) = self.heap.first() else {
            return Some(Due::from_key(last));
        };
        self.sift_down(0, last);
        Some(Due::from_key(top))
    }

    /// Places `key` at hole `i`, moving smaller children up.
    fn sift_down(&mut self, mut i: usize, key: u128) {
        let n = self.heap.len();
        loop {
            let first = i * ARITY + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut best = first;
            for c in first + 1..end {
                if self.heap[c] < self.heap[best] {
                    best = c;
                }
            }
            if self.heap[best] >= key {
                break;
            }
            self.heap[i] = self.heap[best];
            i = best;
        }
        self.heap[i] = key;
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Drops the entries `live` rejects when they are more than half.
    pub fn compact_if(&mut self, live_count: usize, live: impl Fn(&Due) -> bool) {
        if self.heap.len() > 2 * live_count + 1024 {
            self.heap.retain(|k| live(&Due::from_key(*k)));
            for i in (0..self.heap.len() / ARITY + 1).rev() {
                if let Some(&k) = self.heap.get(i) {
                    self.sift_down(i, k);
                }
            }
        }
    }

    /// Every entry, in no particular order (for checkpoints).
    pub fn entries(&self) -> impl Iterator<Item = Due> + '_ {
        self.heap.iter().map(|k| Due::from_key(*k))
    }

    pub fn heap_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<u128>()
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

    /// Random pushes, pops and compactions against a sorted reference.
    #[test]
    fn agrees_with_a_sorted_reference() {
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
                    due: (r >> 8) as u32 % 500 + round / 10,
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
            assert_eq!(q.peek(), reference.last().copied());
        }
        while let Some(d) = reference.pop() {
            assert_eq!(q.pop(), Some(d));
        }
        assert!(q.is_empty());
    }
}
