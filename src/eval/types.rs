//! Values the evaluator takes and gives: events, the per-account state and
//! the evaluation. They hold indices into the IR and `i64` instants so that
//! evaluating allocates little; [`super::report`] turns them into the
//! documented JSON shape with names, citations and RFC 3339 instants.

use crate::compile::layout::FieldError;
use crate::compile::{EventId, Fingerprint, StepIx};
use crate::model::{CapabilityState, ResourceState, ServiceState};
use crate::vocab::Reading;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// One input event. `at` is seconds since the Unix epoch (UTC).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: i64,
    pub event: EventId,
    pub amount: Option<Decimal>,
    /// End of the paid term (`purchase`), seconds since the epoch.
    pub until: Option<i64>,
}

/// The state of one account under one [`super::Machine`]: the packed tuple
/// of the rules' local states plus a few instants, encoded as the
/// automaton's [`Layout`](crate::compile::Layout) says. Small and
/// serde-ready so a billing system can keep one per account for years.
///
/// It records the [`Fingerprint`] of the automaton it belongs to; every
/// entry point that takes a state refuses one from another automaton (other
/// product, billing mode, reading or agreement version, changed rules) and
/// one whose fields are not what that automaton could have written, with an
/// [`EvalError::State`]. The fields are private so that only a machine
/// changes them; a deserialised state is checked in full the first time a
/// machine takes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountState {
    /// The automaton this state belongs to.
    pub(crate) fingerprint: Fingerprint,
    /// Local state of every rule component.
    pub(crate) state: u64,
    /// Capability states (index 0 = `service`).
    pub(crate) caps: u64,
    /// Resource states.
    pub(crate) resources: u32,
    pub(crate) flags: u32,
    /// Instant of the last event or deadline processed.
    pub(crate) now: i64,
    /// Earliest pending deadline (`i64::MAX` when none).
    pub(crate) next_due: i64,
    /// Rule trigger instants, then the money slots.
    pub(crate) slots: Box<[i64]>,
    /// The fingerprint of the machine that checked this state last, so the
    /// per-event path checks it with one comparison.
    #[serde(skip)]
    pub(crate) checked: Option<Fingerprint>,
}

impl PartialEq for AccountState {
    fn eq(&self, o: &Self) -> bool {
        (
            self.fingerprint,
            self.state,
            self.caps,
            self.resources,
            self.flags,
            self.now,
            self.next_due,
            &self.slots,
        ) == (
            o.fingerprint,
            o.state,
            o.caps,
            o.resources,
            o.flags,
            o.now,
            o.next_due,
            &o.slots,
        )
    }
}

impl Eq for AccountState {}

impl AccountState {
    /// The automaton this state belongs to.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
    /// The instant of the last event or deadline processed (`i64::MIN`:
    /// none yet).
    pub fn now(&self) -> i64 {
        self.now
    }
    /// Whether a `will terminate` step has ended the agreement.
    pub fn terminated(&self) -> bool {
        self.flags & TERMINATED != 0
    }
    /// The encoded fields as the automaton's [`Layout`](crate::compile::Layout)
    /// lays them out, for tools that keep states in another form of the same
    /// encoding (generated modules, the stream table). Read only: a state
    /// is changed by a machine alone.
    pub fn encoded(&self) -> Encoded {
        Encoded {
            state: self.state,
            caps: self.caps,
            resources: self.resources,
            flags: self.flags,
            now: self.now,
            next_due: self.next_due,
        }
    }
}

/// The encoded fields of an [`AccountState`] (its slots aside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Encoded {
    pub state: u64,
    pub caps: u64,
    pub resources: u32,
    pub flags: u32,
    pub now: i64,
    pub next_due: i64,
}

pub use crate::compile::layout::{
    LATE_UNKNOWN, PURCHASE_HAS_AMOUNT, TERMINATED, UNSET, WINDOW_HAS_AMOUNT,
};

/// 2000-01-01T00:00:00Z: the first instant accepted, and the zero of the
/// compact `u32` instants of the stream table and generated modules.
pub const EPOCH_BASE: i64 = crate::compile::layout::FIRST;

/// A step that fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fired {
    /// The step's chosen instant.
    pub at: i64,
    pub step: StepIx,
    /// Both readings of a two-reading step (first, alternative).
    pub readings: Option<[i64; 2]>,
    /// The window of a `within` / `on calendar day` step.
    pub window: Option<[i64; 2]>,
    /// For a rule's cure (`step` is its [`Rule::resume_step`]): the
    /// capabilities it restored, bit `i` = capability `i` (those not active
    /// just before). 0 for every other step.
    ///
    /// [`Rule::resume_step`]: crate::compile::Rule::resume_step
    pub restored: u32,
}

/// A step that will fire unless its rule is cured first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub due: i64,
    pub step: StepIx,
    /// A cure coming now would not cancel it: the rule was cured already
    /// and waits for its `even if cured` steps, or the step is `even if
    /// cured` and its anchors have happened (docs/semantics.md, Cures).
    /// Derived when the status is read, never stored per event. `false`
    /// for a rule without a cure (nothing cancels its steps but the end of
    /// the agreement).
    pub kept: bool,
}

/// A `within` window or a right opened by a `may` / `customer may` step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Window {
    pub step: StepIx,
    pub start: i64,
    /// `None`: open until the rule is cured or the agreement ends.
    pub end: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ObligationKind {
    /// A `customer must` step.
    Step(StepIx),
    LateFee,
    /// What the end refunds, decided by the term at this index of
    /// [`crate::compile::Money::refunds`] (a `no_refund`: 0.00).
    Refund(u16),
    LiabilityCap,
    /// The customer's right to a full refund inside a `refund_window`.
    RefundWindow,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub amount: Option<Decimal>,
    pub until: Option<i64>,
}

/// What is in force at an instant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Status {
    pub at: i64,
    pub pending: Vec<Pending>,
    pub windows: Vec<Window>,
    /// By capability index (0 = `service`).
    pub capabilities: Vec<CapabilityState>,
    pub service: ServiceState,
    /// By resource index.
    pub resources: Vec<ResourceState>,
    pub obligations: Vec<Obligation>,
}

/// Result of a one-shot evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub at: i64,
    pub reading: Reading,
    /// Every step fired up to `at`, in time order (stable).
    pub actions: Vec<Fired>,
    pub status: Status,
}

/// An instant in an error message: RFC 3339 UTC (seconds when it has none).
fn utc(at: &i64) -> String {
    chrono::DateTime::from_timestamp(*at, 0).map_or_else(
        || at.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

/// Why a machine refuses an account state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// Returned when the state was taken under another automaton: another
    /// product, billing mode, reading or agreement version, or rules that
    /// changed since.
    #[error("the account state belongs to another automaton (fingerprint {found}); this machine runs {machine} (fingerprint {expected})")]
    OtherAutomaton {
        expected: Fingerprint,
        found: Fingerprint,
        /// `agreement version / product (billing), reading`.
        machine: String,
    },
    /// Returned when a field holds what the automaton never writes.
    #[error("the account state is corrupt: {0}")]
    Field(#[from] FieldError),
    /// Returned when `next_due` is not the earliest deadline of the state's
    /// rules (a deadline would be skipped or fired early).
    #[error("the account state is corrupt: `next_due` is {}, the rules are next due at {}", utc(.found), utc(.expected))]
    NextDue { expected: i64, found: i64 },
    /// Returned when `now` is earlier than a rule's trigger.
    #[error("the account state is corrupt: `now` {} is before a rule's trigger {}", utc(.now), utc(.trigger))]
    Now { now: i64, trigger: i64 },
}

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    #[error("cannot place step of rule `{rule}`: {source}")]
    Calendar {
        rule: String,
        #[source]
        source: crate::calendar::CalendarError,
    },
    #[error("event at {} comes before the previous instant {}", utc(.at), utc(.previous))]
    OutOfOrder { at: i64, previous: i64 },
    #[error("money amount out of range")]
    Overflow,
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
    #[error("no step {0} in this machine")]
    UnknownStep(u32),
    /// An instant outside the range every entry point accepts (the one a
    /// compact account holds): before 2000-01-01T00:00:00Z or after
    /// 2136-02-07T06:28:12Z.
    #[error("instant {} is outside the supported range (2000-01-01T00:00:00Z to 2136-02-07T06:28:12Z)", utc(.at))]
    OutOfRange { at: i64 },
    /// Returned for an event with a negative amount: amounts of money are
    /// never negative (a refund is its own event).
    #[error("event at {} has the negative amount `{amount}`; amounts of money are never negative", utc(.at))]
    NegativeAmount { at: i64, amount: Decimal },
    /// Returned when the state is not one this machine can take.
    #[error(transparent)]
    State(#[from] StateError),
    /// Returned by `status` asked about an instant the account has already
    /// passed (its state no longer says what held then).
    #[error("status at {} asked of an account already at {}", utc(.at), utc(.now))]
    StatusBefore { at: i64, now: i64 },
}
