//! The automaton's hot path, laid out for speed.
//!
//! The IR ([`crate::compile::Automaton`]) is built to be read: states own
//! their edge lists, edges own their effect lists, rules carry names and
//! source positions. Stepping one event through it walks several of those
//! heap objects per rule. [`Hot`] is derived from the IR once per
//! [`super::Machine`] and holds only what the per-event and per-deadline
//! paths read, in flat arrays of small `Copy` records:
//!
//! * per rule: where its local state sits in the packed state and which
//!   anchor slot it uses ([`RuleHot`]);
//! * per state: the step it waits for and the state its deadline leads to;
//! * per (state, event): the edge taken, as a target and two flags
//!   ([`EdgeHot`]);
//! * per step: its placement folded to a fixed offset from the trigger when
//!   that is all it is ([`Plan`]).
//!
//! Nothing here changes what the machine computes: the differential test
//! (tests/it/differential.rs) holds the machine to the reference
//! interpreter, which reads the checked model directly.

use super::machine::cap_code;
use crate::ast::Modality;
use crate::compile::{AnchorIr, Automaton, Effect, StateId, StateKind, StepIx};
use crate::model::{Target, TimingKindM, Unit};
use crate::vocab::{ResourceEffect, Verb};

/// Where a rule lives in an account's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct RuleHot {
    pub first_state: u32,
    pub bit_offset: u32,
    pub mask: u64,
    /// The slot holding the rule's trigger instant.
    pub slot: u32,
}

/// An event edge: the target state and what else the edge does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct EdgeHot {
    pub target: u32,
    pub flags: u8,
}

impl EdgeHot {
    /// The edge stores the event's instant as the rule's anchor.
    pub const SETS_ANCHOR: u8 = 1;
    /// The edge cures the rule (its resume must be applied from the IR).
    pub const RESUMES: u8 = 2;
    /// There is an edge (a zeroed entry means none).
    pub const PRESENT: u8 = 4;
}

/// How a step is placed, decided once per machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// `trigger + secs`, no window and no second reading: an `at`/`after`
    /// step counted in minutes, hours or 24-hour days, anchored on the
    /// trigger or on a step that is itself an `Offset`. Offsets are never
    /// negative, so the sum overflows exactly when a step of the chain would.
    Offset(i64),
    /// `n` calendar days after an instant that is a fixed offset `base`
    /// from the trigger (`after N calendar days`, no window, no second
    /// reading), on a clock with a constant UTC offset: computed by
    /// [`crate::calendar::Clock::calendar_days_fast`] when both instants lie
    /// in its fast span, else placed through the clock.
    CalendarDays { base: i64, days: i64 },
    /// Anything else: placed through the clock.
    General,
}

impl Plan {
    /// A single instant with no window and no second reading.
    pub fn is_point(self) -> bool {
        matches!(self, Plan::Offset(_) | Plan::CalendarDays { .. })
    }
}

/// One state effect of a fired `will` step, as bit operations on the
/// packed capability and resource states (applied in the step's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fx {
    /// `caps = caps & !mask | value` (3 bits per capability).
    Caps {
        mask: u64,
        value: u64,
    },
    /// The 2-bit resource fields in the mask become released unless purged.
    Release(u32),
    /// The 2-bit resource fields in the mask become purged.
    Purge(u32),
    Terminate,
}

const RES_LO: u32 = 0x5555_5555;
const RES_HI: u32 = 0xAAAA_AAAA;

impl Fx {
    /// Applies a resource effect to the packed resource states.
    #[inline]
    pub fn resources(self, res: u32) -> u32 {
        match self {
            Fx::Release(mask) => {
                let hi = res & mask & RES_HI; // purged fields (state 2)
                let m = mask & !(hi | hi >> 1);
                (res & !m) | (m & RES_LO)
            }
            Fx::Purge(mask) => (res & !mask) | (mask & RES_HI),
            _ => res,
        }
    }
}

/// `res` (2 bits per resource) with the resources in `mask` (both bits of
/// each field) released, except those already purged. Generated modules
/// ([`super::codegen`]) call it, so the rule lives in one place.
#[inline]
pub fn release_resources(res: u32, mask: u32) -> u32 {
    Fx::Release(mask).resources(res)
}

/// `res` with the resources in `mask` purged.
#[inline]
pub fn purge_resources(res: u32, mask: u32) -> u32 {
    Fx::Purge(mask).resources(res)
}

/// No step / no state.
pub(super) const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
pub(super) struct Hot {
    pub rules: Vec<RuleHot>,
    /// Per state: the step it waits for, or [`NONE`].
    pub waits: Vec<u32>,
    /// Per state: the state its deadline edge leads to, or [`NONE`].
    pub on_deadline: Vec<u32>,
    /// Per (event, state), one row per event so the rules an event reaches
    /// share cache lines: `(target + 1) << 3 | flags`, 0 for no edge. Empty
    /// when the table would not fit (then [`Hot::edge`] searches the IR).
    pub edges: Vec<u32>,
    pub n_states: usize,
    pub plans: Vec<Plan>,
    /// Per step: its range in `fx` (empty unless a `will` step).
    pub fx_range: Vec<(u32, u32)>,
    pub fx: Vec<Fx>,
}

/// Edge tables larger than this many entries are not built (16 MiB).
const MAX_EDGE_ENTRIES: usize = 2 << 20;

impl Hot {
    /// `fixed_zone`: whether the machine's clock has a constant UTC offset
    /// (calendar-day steps get [`Plan::CalendarDays`] only then).
    pub fn new(ir: &Automaton, fixed_zone: bool) -> Hot {
        let rules = ir
            .rules
            .iter()
            .map(|r| RuleHot {
                first_state: r.first_state.0,
                bit_offset: r.bit_offset,
                mask: if r.bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << r.bits) - 1
                },
                slot: r.slot as u32,
            })
            .collect();
        let waits = ir
            .states
            .iter()
            .map(|s| match s.kind {
                StateKind::Waiting(step) => step.0,
                _ => NONE,
            })
            .collect();
        let on_deadline = ir
            .states
            .iter()
            .map(|s| s.on_deadline.as_ref().map_or(NONE, |e| e.target.0))
            .collect();
        let (fx_range, fx) = Self::effects(ir);
        Hot {
            rules,
            waits,
            on_deadline,
            edges: Self::edge_table(ir).unwrap_or_default(),
            n_states: ir.states.len(),
            plans: Self::plans(ir, fixed_zone),
            fx_range,
            fx,
        }
    }

    /// The state effects of every step (see [`Fx`]). Capability and
    /// resource counts are bounded by the compiler so the fields fit.
    fn effects(ir: &Automaton) -> (Vec<(u32, u32)>, Vec<Fx>) {
        let mut fx = Vec::new();
        let mut ranges = Vec::with_capacity(ir.steps.len());
        for s in &ir.steps {
            let start = fx.len() as u32;
            if s.modality == Modality::Will {
                for a in &s.actions {
                    fx.extend(Self::action_fx(a.verb, &a.targets));
                }
            }
            ranges.push((start, fx.len() as u32));
        }
        (ranges, fx)
    }

    /// The state effect of one action (targets are written out by the
    /// checker: an empty list acts on nothing).
    fn action_fx(verb: Verb, targets: &[Target]) -> Option<Fx> {
        let info = verb.info();
        if info.terminates {
            return Some(Fx::Terminate);
        }
        if let Some(effect) = info.resource_after {
            let field2 = |i: u16| 3u32.checked_shl(2 * u32::from(i)).unwrap_or(0);
            let mask = targets.iter().fold(0u32, |m, t| match t {
                Target::Resource(i) => m | field2(*i),
                Target::Capability(_) => m,
            });
            return Some(match effect {
                ResourceEffect::Purge => Fx::Purge(mask),
                ResourceEffect::Release => Fx::Release(mask),
            });
        }
        let c = cap_code(info.capability_after?);
        let (mut mask, mut value) = (0u64, 0u64);
        for t in targets {
            if let Target::Capability(i) = t {
                let shift = 3 * u32::from(*i);
                mask |= 7u64.checked_shl(shift).unwrap_or(0);
                value |= c.checked_shl(shift).unwrap_or(0);
            }
        }
        Some(Fx::Caps { mask, value })
    }

    fn edge_table(ir: &Automaton) -> Option<Vec<u32>> {
        let n_states = ir.states.len();
        let size = n_states
            .checked_mul(ir.events.len())
            .filter(|n| *n <= MAX_EDGE_ENTRIES)?;
        let mut edges = vec![0u32; size];
        for (i, state) in ir.states.iter().enumerate() {
            // the first edge of an event wins, as in a search
            for e in state.on_event.iter().rev() {
                let Some(ev) = e.event else { continue };
                let target = e.target.0.checked_add(1).filter(|t| *t < 1 << 28)?;
                let flags = EdgeHot::PRESENT | Self::effect_flags(&e.effects);
                *edges.get_mut(usize::from(ev.0) * n_states + i)? = target << 3 | u32::from(flags);
            }
        }
        Some(edges)
    }

    fn plans(ir: &Automaton, fixed_zone: bool) -> Vec<Plan> {
        let mut plans: Vec<Plan> = Vec::with_capacity(ir.steps.len());
        for s in &ir.steps {
            let t = &s.timing;
            let unit: Option<i64> = match (t.kind, t.duration.unit) {
                _ if s.alternative.is_some() => None,
                (TimingKindM::At, _) => Some(0),
                (TimingKindM::After, Unit::Minutes) => Some(60),
                (TimingKindM::After, Unit::Hours) => Some(3600),
                (TimingKindM::After, Unit::Days) => Some(86_400),
                _ => None,
            };
            let secs = unit.and_then(|u| u.checked_mul(i64::from(t.duration.count)));
            let base = match t.anchor {
                AnchorIr::Trigger => Some(0),
                // a step anchors only on an earlier step of its rule
                AnchorIr::Step(j) => match plans.get(j.0 as usize) {
                    Some(Plan::Offset(o)) => Some(*o),
                    _ => None,
                },
            };
            let calendar_days = fixed_zone
                && s.alternative.is_none()
                && t.kind == TimingKindM::After
                && t.duration.unit == Unit::CalendarDays
                && t.duration.count > 0;
            plans.push(match (base, secs) {
                (Some(b), Some(x)) => b.checked_add(x).map_or(Plan::General, Plan::Offset),
                (Some(b), None) if calendar_days => Plan::CalendarDays {
                    base: b,
                    days: i64::from(t.duration.count),
                },
                _ => Plan::General,
            });
        }
        plans
    }

    /// Local state of rule `r` in the packed state `packed`.
    #[inline]
    pub fn local(&self, packed: u64, r: usize) -> StateId {
        let h = &self.rules[r];
        StateId(h.first_state + ((packed >> h.bit_offset) & h.mask) as u32)
    }

    /// `packed` with rule `r`'s local state set to `s`.
    #[inline]
    pub fn with_local(&self, packed: u64, r: usize, s: StateId) -> u64 {
        let h = &self.rules[r];
        let v = u64::from(s.0.wrapping_sub(h.first_state)) & h.mask;
        (packed & !(h.mask << h.bit_offset)) | (v << h.bit_offset)
    }

    /// The state effects of step `step` (empty unless a `will` step).
    #[inline(always)]
    pub fn step_effects(&self, step: StepIx) -> &[Fx] {
        match self.fx_range.get(step.0 as usize) {
            Some(&(from, to)) => self.fx.get(from as usize..to as usize).unwrap_or(&[]),
            None => &[],
        }
    }

    /// The step state `s` waits for.
    #[inline]
    pub fn waiting(&self, s: StateId) -> Option<StepIx> {
        match self.waits.get(s.0 as usize) {
            Some(&w) if w != NONE => Some(StepIx(w)),
            _ => None,
        }
    }

    /// The edge leaving `s` on event `ev` (from the table, or by searching
    /// the IR when the table was too large to build).
    #[inline]
    pub fn edge(&self, ir: &Automaton, s: StateId, ev: usize) -> Option<EdgeHot> {
        if self.edges.is_empty() {
            let e = ir
                .states
                .get(s.0 as usize)?
                .on_event
                .iter()
                .find(|e| e.event.map(|x| usize::from(x.0)) == Some(ev))?;
            return Some(EdgeHot {
                target: e.target.0,
                flags: EdgeHot::PRESENT | Self::effect_flags(&e.effects),
            });
        }
        match self.edges.get(ev * self.n_states + s.0 as usize) {
            Some(&w) if w != 0 => Some(EdgeHot {
                target: (w >> 3) - 1,
                flags: (w & 7) as u8,
            }),
            _ => None,
        }
    }

    fn effect_flags(effects: &[Effect]) -> u8 {
        effects.iter().fold(0, |acc, f| {
            acc | match f {
                Effect::SetAnchor => EdgeHot::SETS_ANCHOR,
                Effect::Resume(_) => EdgeHot::RESUMES,
                Effect::Fire(_) => 0,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_effects_never_bring_purged_data_back() {
        // three resources: retained, released, purged
        let res = 0b10_01_00;
        let all = 0b11_11_11;
        assert_eq!(Fx::Release(all).resources(res), 0b10_01_01);
        assert_eq!(Fx::Purge(0b11).resources(res), 0b10_01_10);
        assert_eq!(Fx::Release(0b11_00_00).resources(res), res);
        assert_eq!(Fx::Purge(all).resources(res), 0b10_10_10);
        assert_eq!(Fx::Terminate.resources(res), res);
    }
}
