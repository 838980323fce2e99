//! The flat automaton IR: everything the evaluator needs and nothing of the
//! AST or the checked model.
//!
//! One [`Automaton`] is one product × billing mode. It is a network of small
//! deterministic timed automata, one component per rule, whose synchronous
//! product is the product's automaton. The product is kept factored: all
//! local states live in one `Vec<State>` indexed by [`StateId`], and an
//! account's global state is the tuple of its components' local states,
//! packed into one `u64` ([`crate::eval::AccountState::state`]). Timers are
//! deadlines relative to named anchors: a rule's trigger instant (held in the
//! account's slot for that rule) or an earlier step's chosen instant.

use crate::ast::Modality;
use crate::model::{DurationM, LateFeeStart, RatePeriod, Rounding, Target, TimingKindM};
use crate::vocab::{Billing, Verb};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::Serialize;

/// Index of a local state in [`Automaton::states`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct StateId(pub u32);

/// Index of an event name in [`Automaton::events`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct EventId(pub u16);

/// Index of a step in [`Automaton::steps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StepIx(pub u32);

#[derive(Clone, Debug)]
pub struct Automaton {
    pub agreement: String,
    pub agreement_title: String,
    pub product: String,
    pub product_name: String,
    pub billing: Billing,
    pub zone: Tz,
    /// Event vocabulary: the built-in events first (in
    /// [`crate::vocab::BUILTIN_EVENTS`] order), then the product's own.
    pub events: Vec<String>,
    /// Capability names; index 0 is `service`.
    pub capabilities: Vec<String>,
    pub resources: Vec<String>,
    /// One component per rule, in evaluation order (general terms first,
    /// then the product's rules, each in source order).
    pub rules: Vec<RuleIr>,
    pub steps: Vec<StepIr>,
    pub states: Vec<State>,
    /// For each event id, the components that have an edge on it.
    pub reacting: Vec<Vec<u16>>,
    pub money: MoneyIr,
    /// Number of `i64` slots an account needs (rule anchors + money).
    pub slot_count: usize,
}

/// Where money facts live among an account's slots (after the rule anchors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MoneySlots {
    pub base: usize,
}

impl MoneySlots {
    pub const LATE_START: usize = 0;
    pub const LATE_AMOUNT: usize = 1; // two slots: the Decimal's 16 bytes
    pub const LATE_END: usize = 3;
    pub const PURCHASE_AT: usize = 4;
    pub const PURCHASE_AMOUNT: usize = 5; // two slots
    pub const PURCHASE_UNTIL: usize = 7;
    pub const ENDED: usize = 8;
    pub const BREACH: usize = 9;
    pub const COUNT: usize = 10;
    pub fn at(self, k: usize) -> usize {
        self.base + k
    }
}

/// A rule compiled to one component.
#[derive(Clone, Debug)]
pub struct RuleIr {
    pub name: String,
    pub trigger: EventId,
    pub cures: Vec<EventId>,
    pub resume: ResumeIr,
    /// Local states: `idle`, `waiting(step 0)`, …, `done`, contiguous from here.
    pub first_state: StateId,
    pub state_count: u32,
    pub first_step: u32,
    pub step_count: u32,
    /// Position of this component's local state in the packed state.
    pub bit_offset: u32,
    pub bits: u32,
    /// Slot holding the trigger instant.
    pub slot: usize,
    pub general: bool,
    pub file: String,
    pub line: usize,
}

impl RuleIr {
    /// The rule's steps, as indices into `Automaton::steps`.
    pub fn steps(&self) -> std::ops::Range<u32> {
        self.first_step..self.first_step + self.step_count
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResumeIr {
    Nothing,
    All,
    Listed(Vec<u16>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorIr {
    Trigger,
    Step(StepIx),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimingIr {
    pub kind: TimingKindM,
    pub duration: DurationM,
    pub anchor: AnchorIr,
}

#[derive(Clone, Debug)]
pub struct ActionIr {
    pub verb: Verb,
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug)]
pub struct StepIr {
    pub rule: u16,
    pub timing: TimingIr,
    pub alternative: Option<TimingIr>,
    pub modality: Modality,
    pub actions: Vec<ActionIr>,
    /// A provider action (will/may) that harms the customer.
    pub harmful: bool,
    /// A `will` step with a `terminate` action.
    pub terminates: bool,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub note: Option<String>,
    pub label: Option<String>,
    pub file: String,
    pub line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    Idle,
    Waiting(StepIx),
    Done,
}

#[derive(Clone, Debug)]
pub struct State {
    pub rule: u16,
    pub kind: StateKind,
    pub on_event: Vec<Edge>,
    /// For `Waiting(step)`: the edge taken when the step's deadline comes.
    pub on_deadline: Option<Edge>,
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub event: Option<EventId>,
    pub target: StateId,
    pub effects: Vec<Effect>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Store the current instant in the rule's anchor slot.
    SetAnchor,
    /// Fire a step (its actions and their state effects).
    Fire(StepIx),
    /// The rule is cured: apply its resume.
    Resume(ResumeIr),
}

/// Money terms in force for the product × billing.
#[derive(Clone, Debug, Default)]
pub struct MoneyIr {
    pub late_fee: Option<LateFeeIr>,
    pub liability_cap: Option<CapIr>,
    pub refund: Option<RefundIr>,
    pub refund_window: Option<RefundWindowIr>,
}

#[derive(Clone, Debug)]
pub struct Cited {
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub file: String,
    pub line: usize,
}

#[derive(Clone, Debug)]
pub struct LateFeeIr {
    pub rate: Decimal,
    pub per: RatePeriod,
    pub from: LateFeeStart,
    pub rounding: Rounding,
    pub modality: Modality,
    pub at: Cited,
}

#[derive(Clone, Debug)]
pub enum CapKindIr {
    Months(u32),
    Service,
    Amount(Decimal),
}

#[derive(Clone, Debug)]
pub struct CapIr {
    pub kind: CapKindIr,
    pub at: Cited,
}

#[derive(Clone, Debug)]
pub struct RefundIr {
    pub by_month: bool,
    pub part_month_by_day: bool,
    pub at: Cited,
}

#[derive(Clone, Debug)]
pub struct RefundWindowIr {
    pub duration: DurationM,
    pub from: EventId,
    pub at: Cited,
}

impl Automaton {
    pub fn event_id(&self, name: &str) -> Option<EventId> {
        self.events
            .iter()
            .position(|e| e == name)
            .map(|i| EventId(i as u16))
    }
    pub fn event_name(&self, id: EventId) -> &str {
        self.events.get(id.0 as usize).map_or("?", String::as_str)
    }
    pub fn step(&self, s: StepIx) -> &StepIr {
        &self.steps[s.0 as usize]
    }
    pub fn state(&self, s: StateId) -> &State {
        &self.states[s.0 as usize]
    }
    pub fn money_slots(&self) -> MoneySlots {
        MoneySlots {
            base: self.rules.len(),
        }
    }
}
