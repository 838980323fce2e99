//! Pairing what two versions do on the same probe timeline.
//!
//! Acts are paired most-alike first: identical behaviour (dropped), then
//! the same verb, targets and modality at another time (a timing change),
//! then the same verb and targets (a modality change), then the same verb at
//! the same time (a target change); what is left was added or removed.
//! A cure is compared on the common ground only: pending acts both versions
//! have (is each cancelled?), capabilities in the same state in both just
//! before the cure (what state after it?), and what the cure event itself
//! starts; differences in what was pending are the nobody-acts comparison's
//! business and are not reported twice.

use super::probe::{modality_rank, Act};
use std::collections::BTreeMap;

/// One difference between two acts lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActChange {
    Timing { old: Act, new: Act },
    Modality { old: Act, new: Act },
    Targets { old: Act, new: Act },
    Added { new: Act },
    Removed { old: Act },
}

fn take_pairs(
    old: &[Act],
    new: &[Act],
    used_o: &mut [bool],
    used_n: &mut [bool],
    same: impl Fn(&Act, &Act) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, o) in old.iter().enumerate() {
        if used_o[i] {
            continue;
        }
        if let Some(j) = (0..new.len()).find(|&j| !used_n[j] && same(o, &new[j])) {
            used_o[i] = true;
            used_n[j] = true;
            out.push((i, j));
        }
    }
    out
}

/// The differences between two act lists (both sorted by instant).
pub fn pair_acts(old: &[Act], new: &[Act]) -> Vec<ActChange> {
    let mut uo = vec![false; old.len()];
    let mut un = vec![false; new.len()];
    take_pairs(old, new, &mut uo, &mut un, |a, b| a.same_behaviour(b));
    let mut out = Vec::new();
    for (i, j) in take_pairs(old, new, &mut uo, &mut un, |a, b| {
        a.verb == b.verb && a.targets == b.targets && a.modality == b.modality
    }) {
        out.push(ActChange::Timing {
            old: old[i].clone(),
            new: new[j].clone(),
        });
    }
    for (i, j) in take_pairs(old, new, &mut uo, &mut un, |a, b| {
        a.verb == b.verb && a.targets == b.targets
    }) {
        out.push(ActChange::Modality {
            old: old[i].clone(),
            new: new[j].clone(),
        });
    }
    for (i, j) in take_pairs(old, new, &mut uo, &mut un, |a, b| {
        a.verb == b.verb && a.same_when(b)
    }) {
        out.push(ActChange::Targets {
            old: old[i].clone(),
            new: new[j].clone(),
        });
    }
    for (i, o) in old.iter().enumerate() {
        if !uo[i] {
            out.push(ActChange::Removed { old: o.clone() });
        }
    }
    for (j, n) in new.iter().enumerate() {
        if !un[j] {
            out.push(ActChange::Added { new: n.clone() });
        }
    }
    out.sort_by_key(change_instant);
    out
}

/// The instant a change is sorted by: the earlier of its acts.
pub fn change_instant(c: &ActChange) -> i64 {
    match c {
        ActChange::Timing { old, new }
        | ActChange::Modality { old, new }
        | ActChange::Targets { old, new } => old.at.min(new.at),
        ActChange::Added { new } => new.at,
        ActChange::Removed { old } => old.at,
    }
}

/// Verb, targets and modality: what an act is, whenever it happens.
pub type ActKey = (crate::vocab::Verb, Vec<String>, u8);

pub fn key(a: &Act) -> ActKey {
    (a.verb, a.targets.clone(), modality_rank(a.modality))
}

/// For each pending act kind: how many the cure cancels, out of how many.
pub fn cancellations(
    pending: &[Act],
    cured_after: &[Act],
) -> BTreeMap<ActKey, (usize, usize, Act)> {
    let mut left: Vec<&Act> = cured_after.iter().collect();
    let mut out: BTreeMap<ActKey, (usize, usize, Act)> = BTreeMap::new();
    for a in pending {
        let still = left.iter().position(|b| a.same_behaviour(b));
        let cancelled = match still {
            Some(i) => {
                left.remove(i);
                0
            }
            None => 1,
        };
        let e = out.entry(key(a)).or_insert((0, 0, a.clone()));
        e.0 += cancelled;
        e.1 += 1;
    }
    out
}

/// Acts of the cured run that the nobody-acts run does not have: what the
/// cure event itself started.
pub fn started_by_cure(nobody_after: &[Act], cured_after: &[Act]) -> Vec<Act> {
    let mut left: Vec<&Act> = nobody_after.iter().collect();
    let mut out = Vec::new();
    for a in cured_after {
        match left.iter().position(|b| a.same_behaviour(b)) {
            Some(i) => {
                left.remove(i);
            }
            None => out.push(a.clone()),
        }
    }
    out
}
