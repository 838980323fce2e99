//! How an account's state is encoded: the one owner of every bit.
//!
//! An account under one automaton is a handful of integers
//! ([`crate::eval::AccountState`]); the interpreter, `status`, the stream
//! table, the checkpoint and the generated code all read and write them
//! through a [`Layout`], so an encoding exists once:
//!
//! * **local states**: rule `r`'s local state (0 = idle, `1..=n` = waiting
//!   for step `k-1`, `n+1` = done) in `bits` bits at `offset` of the packed
//!   `state: u64` ([`RuleBits`]);
//! * **capabilities**: 3 bits each in `caps: u64`, index 0 = `service`,
//!   coded by [`Layout::cap_code`] (0 = active, so a resume clears bits);
//! * **resources**: 2 bits each in `resources: u32` (0 retained, 1
//!   released, 2 purged);
//! * **flags**: [`TERMINATED`], [`LATE_UNKNOWN`], [`PURCHASE_HAS_AMOUNT`],
//!   [`UNKNOWN_DEBT`], [`WINDOW_HAS_AMOUNT`];
//! * **slots**: `i64`s, the rules' trigger instants (slot `r` for rule `r`)
//!   then the money facts ([`MoneySlots`]);
//! * **held instants**: the compact `u32` form of an instant that the stream
//!   table, checkpoints and generated accounts keep ([`hold`], [`unhold`]).
//!   It also bounds what any entry point accepts: [`FIRST`]..=[`LAST`].
//!
//! New per-account state (a balance, per-rule flags) gets its place here
//! first: a money slot or a flag bit, read and written through the layout,
//! and checked by [`Layout::check`].

use crate::vocab::CapState;
use serde::Serialize;

/// Where rule `r`'s local state sits in the packed state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RuleBits {
    /// The rule's first local state (its `idle`) in the automaton's states.
    pub first_state: u32,
    /// Number of local states (`idle`, one per step, `done`).
    pub states: u32,
    pub offset: u32,
    pub bits: u32,
    /// `(1 << bits) - 1`.
    pub mask: u64,
}

/// Where the money facts live among an account's slots (after the rules'
/// trigger instants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MoneySlots {
    pub base: usize,
}

impl MoneySlots {
    /// When the periods of the latest arrears episode's late fee start
    /// (`UNSET`: the account has not been in arrears).
    pub const LATE_START: usize = 0;
    /// The late fee accrued by the periods counted so far, over every
    /// episode, not rounded: two slots, the `Decimal`'s 16 bytes.
    pub const LATE_ACCRUED: usize = 1;
    /// When the latest episode was settled (`i64::MAX`: not yet).
    pub const LATE_END: usize = 3;
    pub const PURCHASE_AT: usize = 4;
    /// The purchase amount: two slots.
    pub const PURCHASE_AMOUNT: usize = 5;
    pub const PURCHASE_UNTIL: usize = 7;
    /// When the agreement ended (`i64::MAX`: it has not).
    pub const ENDED: usize = 8;
    /// The last outage start (a breach), `UNSET` if none.
    pub const BREACH: usize = 9;
    /// The periods of the latest episode counted into
    /// [`MoneySlots::LATE_ACCRUED`] (they ended by the last balance change).
    pub const LATE_PERIODS: usize = 10;
    /// The cause of the end in [`MoneySlots::ENDED`]: an event id (a
    /// `will terminate` step's: its rule's trigger), `UNSET` if none.
    pub const ENDED_CAUSE: usize = 11;
    /// The latest event a refund window counts from (`UNSET`: none).
    pub const WINDOW_FROM: usize = 12;
    /// Its amount: two slots (with [`WINDOW_HAS_AMOUNT`]).
    pub const WINDOW_AMOUNT: usize = 13;
    /// The latest event that ends the right (`unless`), `UNSET` if none.
    pub const WINDOW_UNLESS: usize = 15;
    pub const COUNT: usize = 16;
    pub fn at(self, k: usize) -> usize {
        self.base + k
    }
}

/// Flag bit: a `will terminate` step fired; nothing happens after it.
pub const TERMINATED: u32 = 1;
/// Flag bit: a period of the late fee ended while an arrears of unknown
/// amount was unpaid (the fee has no amount).
pub const LATE_UNKNOWN: u32 = 2;
/// Flag bit: the purchase carries an amount.
pub const PURCHASE_HAS_AMOUNT: u32 = 4;
/// Flag bit: an arrears of unknown amount is unpaid (issue #12's balance).
pub const UNKNOWN_DEBT: u32 = 8;
/// Flag bit: the event a refund window counts from carried an amount.
pub const WINDOW_HAS_AMOUNT: u32 = 16;
/// Every flag bit in use.
pub const FLAGS: u32 =
    TERMINATED | LATE_UNKNOWN | PURCHASE_HAS_AMOUNT | UNKNOWN_DEBT | WINDOW_HAS_AMOUNT;
/// The flag bits that decide actions (what the stream table keeps).
pub const ACTION_FLAGS: u32 = TERMINATED | UNKNOWN_DEBT;

/// Slot value meaning "not set".
pub const UNSET: i64 = i64::MIN;

/// Capability state bits per capability.
pub const CAP_BITS: u32 = 3;
/// Resource state bits per resource.
pub const RES_BITS: u32 = 2;
/// Most capabilities (`CAP_BITS` each in a `u64`).
pub const MAX_CAPABILITIES: usize = 21;
/// Most resources (`RES_BITS` each in a `u32`).
pub const MAX_RESOURCES: usize = 16;
/// Most bits of packed local states.
pub const MAX_STATE_BITS: u32 = 64;

/// The resource codes.
pub const RELEASED: u32 = 1;
pub const PURGED: u32 = 2;
const RES_LO: u32 = 0x5555_5555;
const RES_HI: u32 = 0xAAAA_AAAA;

// ------------------------------------------------------------ held instants

/// 2000-01-01T00:00:00Z, the first instant any entry point accepts and the
/// zero of the held form.
pub const FIRST: i64 = 946_684_800;
/// 2136-02-07T06:28:12Z, the last instant any entry point accepts.
pub const LAST: i64 = FIRST + (u32::MAX - 3) as i64;
/// Held form: not set (an idle rule's anchor, no instant seen yet).
pub const HELD_UNSET: u32 = 0;
/// Held form of a deadline after [`LAST`] (reached by no accepted instant).
pub const HELD_BEYOND: u32 = u32::MAX - 1;
/// Held form of "no deadline".
pub const HELD_NEVER: u32 = u32::MAX;

/// Whether `t` is an instant the evaluator accepts.
#[inline]
pub fn accepted(t: i64) -> bool {
    (FIRST..=LAST).contains(&t)
}

/// An accepted instant, [`UNSET`] or `i64::MAX` in held form; `None` for
/// anything else.
#[inline]
pub fn hold(t: i64) -> Option<u32> {
    match t {
        UNSET => Some(HELD_UNSET),
        i64::MAX => Some(HELD_NEVER),
        t if accepted(t) => Some((t - FIRST + 1) as u32),
        _ => None,
    }
}

/// A deadline in held form: past [`LAST`] it is [`HELD_BEYOND`] (no
/// accepted instant reaches it), `i64::MAX` is [`HELD_NEVER`].
#[inline]
pub fn hold_due(t: i64) -> u32 {
    if t > LAST {
        if t == i64::MAX {
            HELD_NEVER
        } else {
            HELD_BEYOND
        }
    } else {
        (t - FIRST + 1).max(1) as u32
    }
}

/// The inverse of [`hold`] and [`hold_due`] ([`HELD_BEYOND`] reads as
/// `LAST + 1`, which no accepted instant reaches).
#[inline]
pub fn unhold(w: u32) -> i64 {
    match w {
        HELD_UNSET => UNSET,
        HELD_NEVER => i64::MAX,
        w => i64::from(w) - 1 + FIRST,
    }
}

/// The encodings of one automaton's accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Layout {
    pub rules: Vec<RuleBits>,
    /// Bits of the packed local states in use.
    pub state_bits: u32,
    pub capabilities: usize,
    pub resources: usize,
    /// `i64` slots per account: one anchor per rule, then the money facts,
    /// then [`Layout::state_slots`] of them.
    pub slots: usize,
    /// Slots of the account state of issue #12 after the money facts, only
    /// in automata whose rules read it or that have a late fee (0
    /// otherwise, so other accounts pay nothing): the arrears balance (two
    /// slots, a `Decimal`, when `balance`; the late fee accrues on it), then one slot per rule with a conjunctive cure (the
    /// events it has seen since it started, and whether a payment left the
    /// account settled). They decide actions: the stream table keeps them.
    pub state_slots: usize,
    /// Whether the first two state slots hold the arrears balance.
    pub balance: bool,
    /// For each bit of the packed local states, the rule whose field holds
    /// it ([`Layout::busy_rules`]). Derived from `rules`, so it is left out
    /// of the encoding the fingerprint hashes.
    #[serde(skip)]
    rule_of_bit: [u16; 64],
}

/// The rules whose local state is not idle, in rule order
/// ([`Layout::busy_rules`]).
pub struct BusyRules<'a> {
    layout: &'a Layout,
    bits: u64,
}

impl Iterator for BusyRules<'_> {
    type Item = usize;

    #[inline(always)]
    fn next(&mut self) -> Option<usize> {
        if self.bits == 0 {
            return None;
        }
        let r = usize::from(
            *self
                .layout
                .rule_of_bit
                .get(self.bits.trailing_zeros() as usize)?,
        );
        let b = self.layout.rules.get(r)?;
        self.bits &= !(b.mask << b.offset);
        Some(r)
    }
}

/// Why a packed state does not fit a layout.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("{count} {what}; an account state holds at most {max}")]
    TooLarge {
        what: &'static str,
        count: usize,
        max: usize,
    },
}

/// What is wrong with an account's encoded state ([`Layout::check`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldError {
    #[error("`slots` holds {found} values; this automaton's accounts hold {expected}")]
    Slots { expected: usize, found: usize },
    #[error("`state` gives rule {rule} local state {value}; the rule has {states}")]
    LocalState {
        rule: usize,
        value: u64,
        states: u32,
    },
    #[error("`state` has bits set above the {bits} this automaton uses")]
    StateBits { bits: u32 },
    #[error("`caps` gives capability {index} the unknown code {code}")]
    Capability { index: usize, code: u64 },
    #[error("`caps` has bits set above the {count} capabilities of this automaton")]
    CapabilityBits { count: usize },
    #[error("`resources` gives resource {index} the unknown code {code}")]
    Resource { index: usize, code: u32 },
    #[error("`resources` has bits set above the {count} resources of this automaton")]
    ResourceBits { count: usize },
    #[error("`flags` has unknown bits {bits:#x}")]
    Flags { bits: u32 },
    #[error("`{field}` is {value}, outside 2000-01-01T00:00:00Z..2136-02-07T06:28:12Z")]
    Instant { field: &'static str, value: i64 },
    #[error("`{field}` is not a decimal amount of money")]
    Amount { field: &'static str },
    #[error("`{field}` is negative; amounts of money are never negative")]
    NegativeAmount { field: &'static str },
    #[error("`{field}` is out of range")]
    Count { field: &'static str },
}

fn bits_for(states: u32) -> u32 {
    32 - (states.max(2) - 1).leading_zeros()
}

impl Layout {
    /// The layout of an automaton whose rules have `states[r]` local states,
    /// with `capabilities` capabilities (`service` included) and `resources`
    /// resources.
    pub fn new(
        states: impl IntoIterator<Item = u32>,
        capabilities: usize,
        resources: usize,
    ) -> Result<Layout, LayoutError> {
        let too_large = |what, count, max| LayoutError::TooLarge { what, count, max };
        if capabilities > MAX_CAPABILITIES {
            return Err(too_large("capabilities", capabilities, MAX_CAPABILITIES));
        }
        if resources > MAX_RESOURCES {
            return Err(too_large("resources", resources, MAX_RESOURCES));
        }
        let mut rules = Vec::new();
        let (mut offset, mut first_state) = (0u32, 0u32);
        for n in states {
            let bits = bits_for(n);
            rules.push(RuleBits {
                first_state,
                states: n,
                offset,
                bits,
                mask: if bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                },
            });
            offset = offset.saturating_add(bits);
            first_state = first_state.saturating_add(n);
        }
        if offset > MAX_STATE_BITS {
            let bits = offset as usize;
            return Err(too_large("bits of rule states", bits, 64));
        }
        let slots = rules.len() + MoneySlots::COUNT;
        let mut rule_of_bit = [u16::MAX; 64];
        for (r, b) in rules.iter().enumerate() {
            for bit in b.offset..(b.offset + b.bits).min(64) {
                rule_of_bit[bit as usize] = u16::try_from(r).unwrap_or(u16::MAX);
            }
        }
        Ok(Layout {
            rule_of_bit,
            rules,
            state_bits: offset,
            capabilities,
            resources,
            slots,
            state_slots: 0,
            balance: false,
        })
    }

    /// Adds the account state of issue #12: the balance (when `balance`)
    /// and `progress` slots of conjunctive cures; returns the index of the
    /// first progress slot.
    pub fn with_state(&mut self, balance: bool, progress: usize) -> usize {
        let first = self.rules.len() + MoneySlots::COUNT;
        self.balance = balance;
        self.state_slots = if balance { 2 } else { 0 } + progress;
        self.slots = first + self.state_slots;
        first + if balance { 2 } else { 0 }
    }

    /// The first of the two slots of the arrears balance (meaningful only
    /// when [`Layout::balance`]).
    #[inline]
    pub fn balance_slot(&self) -> usize {
        self.rules.len() + MoneySlots::COUNT
    }

    /// The range of the state slots among an account's slots.
    pub fn state_range(&self) -> std::ops::Range<usize> {
        let first = self.rules.len() + MoneySlots::COUNT;
        first..first + self.state_slots
    }

    // -------------------------------------------------------- local states

    /// Rule `r`'s local state in `packed`, as an index into the automaton's
    /// states.
    #[inline]
    pub fn local(&self, packed: u64, r: usize) -> u32 {
        let b = &self.rules[r];
        b.first_state + ((packed >> b.offset) & b.mask) as u32
    }

    /// `packed` with rule `r`'s local state set to state `s`.
    #[inline]
    pub fn with_local(&self, packed: u64, r: usize, s: u32) -> u64 {
        let b = &self.rules[r];
        let v = u64::from(s.wrapping_sub(b.first_state)) & b.mask;
        (packed & !(b.mask << b.offset)) | (v << b.offset)
    }

    /// The rules that are not idle in `packed` (local index other than 0),
    /// in rule order: what looking for deadlines visits, so idle rules cost
    /// nothing there. `packed` holds only rule fields (a checked state).
    #[inline(always)]
    pub fn busy_rules(&self, packed: u64) -> BusyRules<'_> {
        BusyRules {
            layout: self,
            bits: packed,
        }
    }

    /// Rule `r`'s local index (0 = idle) in `packed`.
    #[inline]
    pub fn local_index(&self, packed: u64, r: usize) -> u64 {
        let b = &self.rules[r];
        (packed >> b.offset) & b.mask
    }

    // -------------------------------------------------------- capabilities

    /// The code of a capability state.
    pub const fn cap_code(c: CapState) -> u64 {
        match c {
            CapState::Active => 0,
            CapState::Suspended => 1,
            CapState::Frozen => 2,
            CapState::Forbidden => 3,
            CapState::ReadOnly => 4,
            CapState::Stopped => 5,
        }
    }

    /// The capability state of a code (`None`: no state has it).
    pub fn cap_of_code(code: u64) -> Option<CapState> {
        CapState::ALL
            .into_iter()
            .find(|c| Self::cap_code(*c) == code)
    }

    /// The mask of capability `i`'s field.
    #[inline]
    pub fn cap_field(i: usize) -> u64 {
        7u64.checked_shl(CAP_BITS * i as u32).unwrap_or(0)
    }

    /// Capability `i`'s state (a code no state has reads active; a checked
    /// state has none).
    #[inline]
    pub fn cap(caps: u64, i: usize) -> CapState {
        let code = caps.checked_shr(CAP_BITS * i as u32).unwrap_or(0) & 7;
        Self::cap_of_code(code).unwrap_or(CapState::Active)
    }

    /// `(mask, value)` that put the capabilities `indices` in state `c`:
    /// `caps = caps & !mask | value`.
    pub fn caps_set(indices: impl IntoIterator<Item = usize>, c: CapState) -> (u64, u64) {
        indices.into_iter().fold((0, 0), |(m, v), i| {
            let shift = CAP_BITS * i as u32;
            (
                m | Self::cap_field(i),
                v | Self::cap_code(c).checked_shl(shift).unwrap_or(0),
            )
        })
    }

    /// The capabilities whose fields in `caps` are not active (the bits of
    /// `caps` outside a field mask are ignored by the caller masking
    /// first), as one bit per capability index.
    pub fn caps_not_active(caps: u64) -> u32 {
        // the lowest bit of every field, 0, 3, 6, … (MAX_CAPABILITIES fields)
        const LOW: u64 = 0x1249_2492_4924_9249 & ((1 << (CAP_BITS * MAX_CAPABILITIES as u32)) - 1);
        // a field is not active when any of its bits is set; visit only those
        let mut set = (caps | caps >> 1 | caps >> 2) & LOW;
        let mut bits = 0;
        while set != 0 {
            bits |= 1 << (set.trailing_zeros() / CAP_BITS);
            set &= set - 1;
        }
        bits
    }

    /// The mask of every capability field.
    pub fn all_caps(&self) -> u64 {
        (0..self.capabilities).fold(0, |m, i| m | Self::cap_field(i))
    }

    // ----------------------------------------------------------- resources

    /// The mask of resource `i`'s field.
    #[inline]
    pub fn res_field(i: usize) -> u32 {
        3u32.checked_shl(RES_BITS * i as u32).unwrap_or(0)
    }

    /// Resource `i`'s code (0 retained, [`RELEASED`], [`PURGED`]).
    #[inline]
    pub fn resource(resources: u32, i: usize) -> u32 {
        resources.checked_shr(RES_BITS * i as u32).unwrap_or(0) & 3
    }

    /// `res` with the resources in `mask` (both bits of each field)
    /// released, except those already purged: purged data never comes
    /// back. Generated modules call it, so the rule is written once.
    #[inline]
    pub fn release(res: u32, mask: u32) -> u32 {
        let hi = res & mask & RES_HI; // purged fields
        let m = mask & !(hi | hi >> 1);
        (res & !m) | (m & RES_LO)
    }

    /// `res` with the resources in `mask` purged.
    #[inline]
    pub fn purge(res: u32, mask: u32) -> u32 {
        (res & !mask) | (mask & RES_HI)
    }

    // ------------------------------------------------------------- slots

    /// The slot of rule `r`'s trigger instant.
    #[inline]
    pub fn anchor_slot(r: usize) -> usize {
        r
    }

    pub fn money(&self) -> MoneySlots {
        MoneySlots {
            base: self.rules.len(),
        }
    }

    /// A fresh account's slots: no anchors, no money facts, never ended.
    pub fn fresh_slots(&self) -> Box<[i64]> {
        let mut slots = vec![UNSET; self.slots].into_boxed_slice();
        self.reset_slots(&mut slots);
        slots
    }

    /// Sets `slots` (this layout's length) to a fresh account's, in place.
    #[inline]
    pub fn reset_slots(&self, slots: &mut [i64]) {
        slots.fill(UNSET);
        let m = self.money();
        if let Some(s) = slots.get_mut(m.at(MoneySlots::LATE_END)) {
            *s = i64::MAX;
        }
        if let Some(s) = slots.get_mut(m.at(MoneySlots::ENDED)) {
            *s = i64::MAX;
        }
        if let Some(s) = slots.get_mut(m.at(MoneySlots::LATE_PERIODS)) {
            *s = 0;
        }
        // a zero balance, no cure progress
        if let Some(s) = slots.get_mut(self.state_range()) {
            s.fill(0);
        }
    }

    // -------------------------------------------------------- generated code

    /// Bits of the capability field.
    pub fn cap_bits(&self) -> usize {
        CAP_BITS as usize * self.capabilities
    }

    /// Bits of the resource field.
    pub fn res_bits(&self) -> usize {
        RES_BITS as usize * self.resources
    }

    // ---------------------------------------------------------- checking

    /// Checks every encoded field of a state against this layout: the
    /// local states exist, the capability and resource codes are known, no
    /// bit is set outside the fields, instants are in the accepted range
    /// (or unset), amounts are valid non-negative decimals.
    pub fn check(
        &self,
        state: u64,
        caps: u64,
        resources: u32,
        flags: u32,
        slots: &[i64],
    ) -> Result<(), FieldError> {
        if slots.len() != self.slots {
            return Err(FieldError::Slots {
                expected: self.slots,
                found: slots.len(),
            });
        }
        for (r, b) in self.rules.iter().enumerate() {
            let value = self.local_index(state, r);
            if value >= u64::from(b.states) {
                return Err(FieldError::LocalState {
                    rule: r,
                    value,
                    states: b.states,
                });
            }
        }
        if state.checked_shr(self.state_bits).unwrap_or(0) != 0 {
            return Err(FieldError::StateBits {
                bits: self.state_bits,
            });
        }
        for i in 0..self.capabilities {
            let code = caps.checked_shr(CAP_BITS * i as u32).unwrap_or(0) & 7;
            if Self::cap_of_code(code).is_none() {
                return Err(FieldError::Capability { index: i, code });
            }
        }
        if caps & !self.all_caps() != 0 {
            return Err(FieldError::CapabilityBits {
                count: self.capabilities,
            });
        }
        for i in 0..self.resources {
            let code = Self::resource(resources, i);
            if code > PURGED {
                return Err(FieldError::Resource { index: i, code });
            }
        }
        let all_res = (0..self.resources).fold(0, |m, i| m | Self::res_field(i));
        if resources & !all_res != 0 {
            return Err(FieldError::ResourceBits {
                count: self.resources,
            });
        }
        // an automaton without the balance never owes an unknown amount
        let known = if self.balance {
            FLAGS
        } else {
            FLAGS & !UNKNOWN_DEBT
        };
        if flags & !known != 0 {
            return Err(FieldError::Flags {
                bits: flags & !known,
            });
        }
        let instant = |field: &'static str, value: i64, open: i64| {
            if value == UNSET || value == open || accepted(value) {
                Ok(())
            } else {
                Err(FieldError::Instant { field, value })
            }
        };
        for &a in &slots[..self.rules.len()] {
            instant("slots (a rule's trigger instant)", a, UNSET)?;
        }
        let m = self.money();
        let slot = |k: usize| slots[m.at(k)];
        // the late fee starts at the arrears or at the next midnight, up
        // to a day past the last accepted instant
        let late = slot(MoneySlots::LATE_START);
        if late != UNSET && !(FIRST..=LAST + 2 * 86_400).contains(&late) {
            return Err(FieldError::Instant {
                field: "slots (late fee start)",
                value: late,
            });
        }
        instant("slots (arrears paid)", slot(MoneySlots::LATE_END), i64::MAX)?;
        instant("slots (purchase)", slot(MoneySlots::PURCHASE_AT), UNSET)?;
        instant("slots (ended)", slot(MoneySlots::ENDED), i64::MAX)?;
        instant("slots (breach)", slot(MoneySlots::BREACH), UNSET)?;
        if slot(MoneySlots::LATE_PERIODS) < 0 {
            return Err(FieldError::Count {
                field: "slots (late fee periods)",
            });
        }
        let cause = slot(MoneySlots::ENDED_CAUSE);
        if cause != UNSET && !(0..=i64::from(u16::MAX)).contains(&cause) {
            return Err(FieldError::Count {
                field: "slots (cause of the end)",
            });
        }
        instant(
            "slots (refund window)",
            slot(MoneySlots::WINDOW_FROM),
            UNSET,
        )?;
        instant(
            "slots (refund window lapsed)",
            slot(MoneySlots::WINDOW_UNLESS),
            UNSET,
        )?;
        for (k, field) in [
            (MoneySlots::WINDOW_AMOUNT, "slots (refund window amount)"),
            (MoneySlots::LATE_ACCRUED, "slots (late fee accrued)"),
            (MoneySlots::PURCHASE_AMOUNT, "slots (purchase amount)"),
        ] {
            match amount_of_slots(slot(k), slot(k + 1)) {
                None => return Err(FieldError::Amount { field }),
                Some(a) if a.is_sign_negative() && !a.is_zero() => {
                    return Err(FieldError::NegativeAmount { field })
                }
                Some(_) => {}
            }
        }
        // the arrears balance (negative: credit)
        if self.balance {
            let k = self.balance_slot();
            let (lo, hi) = (slots[k], slots[k + 1]);
            if amount_of_slots(lo, hi).is_none() {
                return Err(FieldError::Amount {
                    field: "slots (arrears balance)",
                });
            }
        }
        Ok(())
    }
}

/// A `Decimal` as two slots, exactly.
pub fn amount_slots(x: rust_decimal::Decimal) -> [i64; 2] {
    let b = x.serialize();
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&b[..8]);
    hi.copy_from_slice(&b[8..]);
    [i64::from_le_bytes(lo), i64::from_le_bytes(hi)]
}

/// The `Decimal` two slots hold; `None` unless they are one's encoding
/// (unset slots read as zero).
pub fn amount_of_slots(lo: i64, hi: i64) -> Option<rust_decimal::Decimal> {
    if lo == UNSET && hi == UNSET {
        return Some(rust_decimal::Decimal::ZERO);
    }
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&lo.to_le_bytes());
    b[8..].copy_from_slice(&hi.to_le_bytes());
    // flags word: bits 16..24 the scale (at most 28), bit 31 the sign,
    // nothing else
    let flags = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
        return None;
    }
    Some(rust_decimal::Decimal::deserialize(b))
}

/// The sign of the amount two slots hold, as [`amount_of_slots`] reads
/// them but without building the `Decimal` (the balance's per-event path
/// asks only this): `None` unless they are one's encoding (unset slots
/// read as zero).
#[inline]
pub fn amount_sign(lo: i64, hi: i64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if lo == UNSET && hi == UNSET {
        return Some(Ordering::Equal);
    }
    // the low word of `lo` is the flags word (see `amount_of_slots`), its
    // high word and `hi` the 96-bit mantissa
    let flags = lo as u32;
    if flags & 0x7F00_FFFF != 0 || (flags >> 16) & 0xFF > 28 {
        return None;
    }
    Some(if (lo as u64) >> 32 == 0 && hi == 0 {
        Ordering::Equal
    } else if flags & 0x8000_0000 != 0 {
        Ordering::Less
    } else {
        Ordering::Greater
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[test]
    fn busy_rules_are_the_rules_not_idle_in_order() {
        // rules of 1 (no bits), 3, 5, 2, 9 and 4 local states
        let l = Layout::new([1, 3, 5, 2, 9, 4], 0, 0).expect("fits");
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // any local index of each rule
            let mut packed = 0;
            for (r, b) in l.rules.iter().enumerate() {
                let i = (x >> (r * 5)) % u64::from(b.states);
                packed |= i << b.offset;
            }
            let want: Vec<usize> = (0..l.rules.len())
                .filter(|&r| l.local_index(packed, r) != 0)
                .collect();
            assert_eq!(
                l.busy_rules(packed).collect::<Vec<_>>(),
                want,
                "{packed:#b}"
            );
        }
        assert_eq!(l.busy_rules(0).count(), 0);
    }

    #[test]
    fn amount_sign_is_the_sign_of_the_decoded_amount() {
        let mut cases: Vec<(i64, i64)> = vec![
            (UNSET, UNSET),
            (0, 0),
            (UNSET, 0),
            (0, UNSET),
            (0x7F00_0000, 0),
            (0x001D_0000, 5),
            (0x0001_0000, 0),
            (0x8000_0000u32 as i64, 0),
            (-1, -1),
        ];
        for x in [
            "0",
            "-0",
            "0.00",
            "-0.000",
            "1",
            "-1",
            "0.0005",
            "-0.01",
            "123456789.123",
            "-79228162514264337593543950335",
            "79228162514264337593543950335",
        ] {
            let [lo, hi] = amount_slots(Decimal::from_str(x).expect("decimal"));
            cases.push((lo, hi));
        }
        for (lo, hi) in cases {
            assert_eq!(
                amount_sign(lo, hi),
                amount_of_slots(lo, hi).map(|d| d.cmp(&Decimal::ZERO)),
                "{lo:#x} {hi:#x}"
            );
        }
    }

    #[test]
    fn resource_effects_never_bring_purged_data_back() {
        // three resources: retained, released, purged
        let res = 0b10_01_00;
        let all = 0b11_11_11;
        assert_eq!(Layout::release(res, all), 0b10_01_01);
        assert_eq!(Layout::purge(res, 0b11), 0b10_01_10);
        assert_eq!(Layout::release(res, 0b11_00_00), res);
        assert_eq!(Layout::purge(res, all), 0b10_10_10);
    }

    #[test]
    fn held_instants_round_trip_and_refuse_the_rest() {
        for t in [UNSET, i64::MAX, FIRST, 1_717_207_200, LAST] {
            assert_eq!(hold(t).map(unhold), Some(t));
        }
        for t in [FIRST - 1, LAST + 1, i64::MIN + 1, 0] {
            assert_eq!(hold(t), None, "{t}");
        }
        assert_eq!(hold_due(LAST + 1), HELD_BEYOND);
        assert_eq!(hold_due(i64::MAX), HELD_NEVER);
        assert!(unhold(HELD_BEYOND) > LAST);
        assert_eq!(unhold(hold_due(LAST)), LAST);
    }

    #[test]
    fn capability_codes_are_a_bijection_with_active_zero() {
        assert_eq!(Layout::cap_code(CapState::Active), 0);
        for c in CapState::ALL {
            assert_eq!(Layout::cap_of_code(Layout::cap_code(c)), Some(c));
        }
        assert_eq!(Layout::cap_of_code(6), None);
        assert_eq!(Layout::cap_of_code(7), None);
    }

    #[test]
    fn amounts_survive_slots_and_garbage_is_refused() {
        for s in ["0", "120.00", "-3.14159", "79228162514264337593543950335"] {
            let d = Decimal::from_str(s).expect("decimal");
            let [a, b] = amount_slots(d);
            assert_eq!(amount_of_slots(a, b), Some(d));
        }
        assert_eq!(amount_of_slots(UNSET, UNSET), Some(Decimal::ZERO));
        assert_eq!(amount_of_slots(1 << 16 | 29 << 16, 0), None);
        assert_eq!(amount_of_slots(1, 0), None);
    }

    #[test]
    fn the_account_state_slots_are_checked_and_fresh_at_zero() {
        let mut l = Layout::new([3], 2, 1).expect("fits");
        let first_progress = l.with_state(true, 1);
        assert_eq!(first_progress, l.balance_slot() + 2);
        let mut slots = l.fresh_slots();
        assert_eq!(slots.len(), l.slots);
        assert_eq!(&slots[l.state_range()], &[0, 0, 0]);
        assert_eq!(l.check(0, 0, 0, UNKNOWN_DEBT, &slots), Ok(()));
        let [lo, hi] = amount_slots(rust_decimal::Decimal::new(-1_250, 2));
        slots[l.balance_slot()] = lo;
        slots[l.balance_slot() + 1] = hi;
        assert_eq!(l.check(0, 0, 0, 0, &slots), Ok(()), "credit is a balance");
        slots[l.balance_slot()] = 0x7F00_0000;
        assert!(matches!(
            l.check(0, 0, 0, 0, &slots),
            Err(FieldError::Amount { .. })
        ));
        // without the balance, an unknown debt is no flag of this layout
        let plain = Layout::new([3], 2, 1).expect("fits");
        assert!(matches!(
            plain.check(0, 0, 0, UNKNOWN_DEBT, &plain.fresh_slots()),
            Err(FieldError::Flags { .. })
        ));
    }

    #[test]
    fn a_layout_checks_every_field() {
        let l = Layout::new([3, 4], 2, 1).expect("fits");
        let ok = l.fresh_slots();
        assert_eq!(l.check(0, 0, 0, 0, &ok), Ok(()));
        assert!(matches!(
            l.check(3, 0, 0, 0, &ok),
            Err(FieldError::LocalState { rule: 0, .. })
        ));
        assert!(matches!(
            l.check(1 << 10, 0, 0, 0, &ok),
            Err(FieldError::StateBits { .. })
        ));
        assert!(matches!(
            l.check(0, 6, 0, 0, &ok),
            Err(FieldError::Capability { index: 0, code: 6 })
        ));
        assert!(matches!(
            l.check(0, 1 << 6, 0, 0, &ok),
            Err(FieldError::CapabilityBits { .. })
        ));
        assert!(matches!(
            l.check(0, 0, 3, 0, &ok),
            Err(FieldError::Resource { index: 0, code: 3 })
        ));
        assert!(matches!(
            l.check(0, 0, 0, 8, &ok),
            Err(FieldError::Flags { .. })
        ));
        assert!(matches!(
            l.check(0, 0, 0, 0, &ok[..3]),
            Err(FieldError::Slots { .. })
        ));
        let mut bad = ok.clone();
        bad[0] = 5;
        assert!(matches!(
            l.check(0, 0, 0, 0, &bad),
            Err(FieldError::Instant { .. })
        ));
        let mut neg = ok.clone();
        let [a, b] = amount_slots(Decimal::from(-5));
        let m = l.money();
        neg[m.at(MoneySlots::LATE_ACCRUED)] = a;
        neg[m.at(MoneySlots::LATE_ACCRUED) + 1] = b;
        assert!(matches!(
            l.check(0, 0, 0, 0, &neg),
            Err(FieldError::NegativeAmount { .. })
        ));
        let mut periods = ok.clone();
        periods[m.at(MoneySlots::LATE_PERIODS)] = -1;
        assert!(matches!(
            l.check(0, 0, 0, 0, &periods),
            Err(FieldError::Count { .. })
        ));
    }

    #[test]
    fn caps_not_active_names_every_field_with_a_bit_set() {
        // one field per code in turn, pairs of fields, and every bit alone
        let mut cases: Vec<u64> = (0..64).map(|b| 1u64 << b).collect();
        for i in 0..MAX_CAPABILITIES {
            for code in 0..8u64 {
                cases.push(code << (CAP_BITS * i as u32));
                cases.push(
                    (code << (CAP_BITS * i as u32)) | Layout::cap_field(MAX_CAPABILITIES - 1 - i),
                );
            }
        }
        cases.push(u64::MAX);
        for caps in cases {
            let want = (0..MAX_CAPABILITIES).fold(0u32, |bits, i| {
                if caps & Layout::cap_field(i) != 0 {
                    bits | 1 << i
                } else {
                    bits
                }
            });
            assert_eq!(Layout::caps_not_active(caps), want, "{caps:#x}");
        }
    }
}
