//! Values the evaluator takes and gives: events, the per-account state and
//! the evaluation. They hold indices into the IR and `i64` instants so that
//! evaluating allocates little; [`super::report`] turns them into the
//! documented JSON shape with names, citations and RFC 3339 instants.

use crate::compile::{EventId, StepIx};
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
/// of the rules' local states plus a few instants. Small and serde-ready so a
/// stream engine can keep one per account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountState {
    /// Local state of every rule component, `bits` each (see the IR).
    pub state: u64,
    /// Capability states, 3 bits each (index 0 = `service`).
    pub caps: u64,
    /// Resource states, 2 bits each.
    pub resources: u32,
    /// Bit 0: terminated; bit 1: the late-fee arrears carry an amount;
    /// bit 2: the purchase carries an amount.
    pub flags: u32,
    /// Instant of the last event or deadline processed.
    pub now: i64,
    /// Earliest pending deadline (`i64::MAX` when none).
    pub next_due: i64,
    /// Rule trigger instants, then the money slots (`MoneySlots`).
    pub slots: Box<[i64]>,
}

pub const TERMINATED: u32 = 1;
pub const LATE_HAS_AMOUNT: u32 = 2;
pub const PURCHASE_HAS_AMOUNT: u32 = 4;
/// Slot value meaning "not set".
pub const UNSET: i64 = i64::MIN;

/// 2000-01-01T00:00:00Z: compact state (the stream table, generated
/// modules) holds instants as `u32` seconds since this one.
pub const EPOCH_BASE: i64 = 946_684_800;

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
}

/// A step that will fire unless its rule is cured first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub due: i64,
    pub step: StepIx,
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
    Refund,
    LiabilityCap,
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

/// Why evaluation stopped.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("cannot place step of rule `{rule}`: {source}")]
    Calendar {
        rule: String,
        #[source]
        source: crate::calendar::CalendarError,
    },
    #[error("event at {at} comes before the previous instant {previous}")]
    OutOfOrder { at: i64, previous: i64 },
    #[error("money amount out of range")]
    Overflow,
    #[error("unknown event `{0}`")]
    UnknownEvent(String),
    #[error("no step {0} in this machine")]
    UnknownStep(u32),
    /// An instant a generated module's compact account cannot hold
    /// (`clausec codegen`): before 2000-01-01T00:00:00Z or after
    /// 2136-02-07T06:28:12Z.
    #[error("instant {at} is outside the range a generated account holds (2000-01-01T00:00:00Z to 2136-02-07T06:28:12Z)")]
    OutOfRange { at: i64 },
}
