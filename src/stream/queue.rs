//! The deadline queue: a binary min-heap of `(due, machine, record)`.
//!
//! Lazy deletion instead of decrease-key: whenever a record's earliest
//! deadline changes, a new entry is pushed; an entry is live only while its
//! `due` equals the record's current `next_due`, so cured or rescheduled
//! deadlines cost one stale entry each, dropped when popped. Re-processing a
//! record at a stale instant is harmless anyway (advancing to an instant
//! already passed fires nothing). When stale entries outnumber live ones the
//! heap is rebuilt, so it stays within twice the number of accounts waiting.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One queued deadline. Field order is the heap order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Due {
    /// Table-form instant ([`super::table::pack_time`]).
    pub due: u32,
    pub machine: u16,
    pub rec: u32,
}

#[derive(Clone, Debug, Default)]
pub struct DeadlineQueue {
    heap: BinaryHeap<Reverse<Due>>,
}

impl DeadlineQueue {
    pub fn push(&mut self, d: Due) {
        self.heap.push(Reverse(d));
    }

    pub fn peek(&self) -> Option<Due> {
        self.heap.peek().map(|r| r.0)
    }

    pub fn pop(&mut self) -> Option<Due> {
        self.heap.pop().map(|r| r.0)
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
            let kept: Vec<Reverse<Due>> = std::mem::take(&mut self.heap)
                .into_iter()
                .filter(|d| live(&d.0))
                .collect();
            self.heap = BinaryHeap::from(kept);
        }
    }

    /// Every entry, in no particular order (for checkpoints).
    pub fn entries(&self) -> impl Iterator<Item = Due> + '_ {
        self.heap.iter().map(|r| r.0)
    }

    pub fn heap_bytes(&self) -> usize {
        self.heap.capacity() * std::mem::size_of::<Due>()
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
}
