//! The executable automaton: what [`super::compile`] produces and what the
//! evaluator ([`crate::eval::Machine`]), `status`, the stream engine and
//! the generated code run. Nothing of the AST or the checked model.
//!
//! One [`Automaton`] is one product × billing mode × reading. It is a
//! network of small deterministic timed automata, one component per rule,
//! whose synchronous product is the product's automaton, kept factored: the
//! local states of every rule live in one table indexed by [`StateId`], and
//! an account's global state is the tuple of its components' local states,
//! packed as its [`Layout`] says. Timers are deadlines relative to anchors:
//! a rule's trigger instant (the account's slot for that rule) or an earlier
//! step's chosen instant.
//!
//! The tables are flat, indexed by small integers, and hold `Copy` records:
//! per local state the step it waits for and where its deadline leads; per
//! (event, state) the edge taken; per step its timing, a placement [`Plan`]
//! decided at compile time and its state effects as bit operations
//! ([`Fx`]); per event the rules it reaches. Names, citations and quotes,
//! which only reports read, are in the side table ([`Text`]).
//!
//! Every automaton carries a [`Fingerprint`]: a hash of the canonical
//! encoding of all of it (tables, side table, calendar, reading, agreement
//! id and version, and [`SEMANTICS`]), so an account state or a checkpoint
//! taken under one automaton is recognised anywhere else.

use super::layout::Layout;
use crate::model::{DurationM, LateFeeStart, RatePeriod, Rounding, Target, TimingKindM};
use crate::vocab::Modality;
use crate::vocab::{Billing, Reading, Verb};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::ops::Range;

/// Index of a local state in [`Automaton::waits`] and its siblings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct StateId(pub u32);

/// Index of an event name in [`Automaton::events`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub struct EventId(pub u16);

/// Index of a step in [`Automaton::steps`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StepIx(pub u32);

/// No step / no state, in the `u32` tables.
pub const NONE: u32 = u32::MAX;

/// The version of what the evaluator does with an automaton. Part of every
/// fingerprint: bump it when the evaluator's meaning changes while the
/// tables do not (an order of firing, a rounding), so states and
/// checkpoints taken under the old meaning are refused.
///
/// 2: at one instant, deadlines due before an event fire first, then the
/// event, then the deadlines due at that instant (docs/semantics.md).
/// 3: a cure's `resume` is reported, and `then resume all` restores what
/// the rule's own steps restricted (issue #12).
/// 4: the late fee accrues on the arrears balance, period by period, over
/// every episode, and a payment after the agreement ended still settles
/// it (issue #12, item 8).
/// 5: the earliest end and its cause decide the refund (`no_refund`,
/// causes, months then days), refund windows are evaluated (item 8).
pub const SEMANTICS: u32 = 5;

/// A range of a flat table, as `u32` bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Span32 {
    pub start: u32,
    pub end: u32,
}

impl Span32 {
    pub fn of(r: Range<usize>) -> Span32 {
        Span32 {
            start: r.start as u32,
            end: r.end as u32,
        }
    }
    #[inline]
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A stable 64-bit hash of an automaton's canonical encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub u64);

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = std::num::ParseIntError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        u64::from_str_radix(s, 16).map(Fingerprint)
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> serde::Deserialize<'de> for Fingerprint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 16 {
            return Err(serde::de::Error::custom(
                "a fingerprint is 16 hexadecimal digits",
            ));
        }
        s.parse().map_err(serde::de::Error::custom)
    }
}

fn zone_name<S: Serializer>(z: &Tz, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(z.name())
}

/// The working-day calendar an automaton places workdays on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarId {
    pub name: String,
    /// A hash of its dates and working days.
    pub digest: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Automaton {
    pub agreement: String,
    /// The agreement's version as its header states it.
    pub version: String,
    pub product: String,
    pub billing: Billing,
    /// The account's variant values, in dimension order (empty for a
    /// product without variants); part of the fingerprint, so a state saved
    /// under one kind of account is refused under another.
    pub variants: Vec<String>,
    /// Which instant two-reading and window steps take.
    pub reading: Reading,
    #[serde(serialize_with = "zone_name")]
    pub zone: Tz,
    pub calendar: CalendarId,
    /// The working days (their digest is in `calendar`).
    #[serde(skip)]
    pub workdays: &'static crate::calendar::WorkCalendar,
    /// Event vocabulary: the built-in events first (in
    /// [`crate::vocab::BUILTIN_EVENTS`] order), then the product's own.
    pub events: Vec<String>,
    /// Capability names; index 0 is `service`.
    pub capabilities: Vec<String>,
    pub resources: Vec<String>,
    /// One component per rule, in evaluation order (general terms first,
    /// then the product's rules, each in source order).
    pub rules: Vec<Rule>,
    /// Per local state: the step it waits for, or [`NONE`].
    pub waits: Vec<u32>,
    /// Per local state: where its deadline edge leads, or [`NONE`].
    pub on_deadline: Vec<u32>,
    /// Per local state: its rule.
    pub state_rule: Vec<u16>,
    /// Per local state: the capability fields its cure edges return to
    /// active (`caps &= !mask`): the listed capabilities, or for `then
    /// resume all` those the rule's steps before this state restricted.
    pub cure_resume: Vec<u64>,
    /// Per local state: where its rule's cure leads ([`NONE`] where no cure
    /// applies): `idle`, or the first state of the chain that waits for the
    /// `even if cured` steps the cure keeps, one state per step, then a
    /// `done` of the chain's own (it takes the events `done` takes).
    pub cured_to: Vec<u32>,
    /// Per local state: for a state of a kept chain and the `done` that
    /// ends it, how many of the rule's steps had fired when the cure came
    /// ([`NONE`] for every other state).
    pub kept_from: Vec<u32>,
    pub edges: Edges,
    pub steps: Vec<Step>,
    /// Per step: how it is placed (the per-event path reads only this).
    pub plans: Vec<Plan>,
    /// Per step: its range in `fx` (empty unless a `will` step).
    pub fx_range: Vec<Span32>,
    pub fx: Vec<Fx>,
    /// Every step's actions, by [`Step::actions`].
    pub actions: Vec<Action>,
    /// Every action's targets, by [`Action::targets`].
    pub targets: Vec<Target>,
    /// Every rule's cure events, by [`Rule::cures`].
    pub cures: Vec<EventId>,
    /// Per event: its range in `reacting_rules`.
    pub reacting: Vec<Span32>,
    /// The rules with an edge on each event, in rule order.
    pub reacting_rules: Vec<u16>,
    pub money: Money,
    /// Whether the rules read the account state of issue #12 (the arrears
    /// balance, guards, conjunctive cures): events then take the
    /// evaluator's account-state path (`Layout::state_slots` hold it).
    pub account_state: bool,
    /// The forms of issue #12 this automaton runs, by name (generated
    /// modules refuse them until they emit them).
    pub state_forms: Vec<String>,
    /// Every guard's conditions, by [`Rule::guard`] and [`Fx::Guard`].
    pub conditions: Vec<CondIr>,
    /// Every conjunctive cure's events, by [`Rule::conj_events`]: bit `i`
    /// of a rule's progress slot is its `i`-th event seen.
    pub conj_events: Vec<EventId>,
    /// Every conjunctive cure's alternatives, by [`Rule::conjunctions`].
    pub conjunctions: Vec<ConjIr>,
    /// Events a step counts from (`from <event>`) and the slot holding the
    /// latest instant each started a rule (`arrears`: see `episode_slot`).
    pub anchor_slots: Vec<(EventId, u32)>,
    /// The slot holding the start of the current arrears episode (0 while
    /// settled), or [`NONE`].
    pub episode_slot: u32,
    /// Restrictions while in arrears (`while in arrears forbid …`), general
    /// terms' first: applied when the account enters arrears, lifted when
    /// it is settled.
    pub restrictions: Vec<RestrictionIr>,
    /// Per rule: the triggers from which every placement of its steps
    /// surely succeeds (inclusive; empty when `from > until`), so the
    /// evaluator skips checking them first ([`super::reach`]).
    pub safe_triggers: Vec<(i64, i64)>,
    /// Per event: the intersection of its reacting rules' safe triggers.
    pub safe_events: Vec<(i64, i64)>,
    pub layout: Layout,
    pub text: Text,
    /// Of everything above (set last by the compiler).
    #[serde(skip)]
    pub fingerprint: Fingerprint,
}

/// A rule compiled to one component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub trigger: EventId,
    /// Its range in [`Automaton::cures`].
    pub cures: Span32,
    /// The capability fields a cure from `done` returns to active (every
    /// capability it may restore; per state: [`Automaton::cure_resume`]).
    pub resume: u64,
    /// The step that reports the cure's `resume` (an extra step after every
    /// rule's own, never waited for: action `resume`, the cure's citation),
    /// or [`NONE`] when the cure restores nothing.
    pub resume_step: u32,
    /// Local states: `idle`, `waiting(step 0)`, …, `done`, contiguous from here.
    pub first_state: StateId,
    pub state_count: u32,
    pub first_step: u32,
    pub step_count: u32,
    /// Its guard: the conditions that must hold for its trigger to start it.
    pub guard: Span32,
    /// The events its conjunctive cure alternatives name.
    pub conj_events: Span32,
    /// Its conjunctive cure alternatives (`until renewal and settled`).
    pub conjunctions: Span32,
    /// The slot of its cure progress, or [`NONE`] without conjunctions.
    pub progress_slot: u32,
    /// Account slots (a range of slot indices, empty for most rules) of
    /// its steps' history, cleared when the rule starts or is cured to
    /// idle: the instant a step counted from another rule's event fired,
    /// for a later step counting from it ([`AnchorIr::Fired`]), the cure
    /// that dropped a kept step ([`Step::dropped_slot`]), and the instant a
    /// guarded step was skipped ([`Step::skipped_slot`]).
    pub step_slots: Span32,
}

/// One condition of a guard, in the product's numbering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CondIr {
    InArrears,
    Settled,
    Capability(u16, crate::model::CapabilityState),
    Resource(u16, crate::model::ResourceState),
    /// A general rule's condition on a capability or resource the product
    /// does not have: it never holds.
    Never,
}

/// One alternative of a conjunctive cure: every event of `events` (bits of
/// the rule's [`Rule::conj_events`]) seen since the rule started and, with
/// `settled`, a payment left the account settled and it still is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ConjIr {
    pub events: u64,
    pub settled: bool,
}

/// One restriction while in arrears. Its actions are steps no rule waits
/// for (laid out after the rules' own and their resume steps; their `rule`
/// indexes the side table's names past the rules: `<block>.while#<n>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RestrictionIr {
    /// One step per action, applied and reported when arrears begin.
    pub steps: Span32,
    /// The step reporting the lift (`resume`, the restriction's citation).
    pub lift_step: u32,
    /// The capability fields it restricts (made active when lifted).
    pub caps: u64,
}

/// Bit of a progress slot: a payment since the rule started left the
/// account settled (event bits are below it).
pub const PROGRESS_SETTLED: u64 = 1 << 63;

impl Rule {
    /// The rule's steps, as indices into `Automaton::steps`.
    pub fn steps(&self) -> Range<u32> {
        self.first_step..self.first_step + self.step_count
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AnchorIr {
    Trigger,
    Step(StepIx),
    /// Another rule's event (`from <event>`): the instant in account slot
    /// `slot` — the latest instant `event` started a rule, or for
    /// `arrears` the start of the current arrears episode (0: none yet,
    /// the step is not due).
    Event {
        event: EventId,
        slot: u32,
    },
    /// An earlier step of the same rule that counts from another rule's
    /// event: once it has fired, the instant it fired (account slot
    /// `slot`, kept by [`Fx::Fired`]), its placement before (which moves
    /// with the event).
    Fired {
        step: StepIx,
        slot: u32,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TimingIr {
    pub kind: TimingKindM,
    pub duration: DurationM,
    pub anchor: AnchorIr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    pub rule: u16,
    pub timing: TimingIr,
    pub alternative: Option<TimingIr>,
    #[serde(serialize_with = "modality_name")]
    pub modality: Modality,
    /// A provider action (will/may) that harms the customer.
    pub harmful: bool,
    /// Takes the later of its instants (customer-safe reading, harmful).
    pub late: bool,
    /// A `will` step with a `terminate` action.
    pub terminates: bool,
    /// Its period in calendar days or months ends past rest days (Civil
    /// Code Art. 203 ¶1): a late (harmful, customer-safe) step with an
    /// `after` or `within` timing counted in calendar days or months.
    pub rest_days: bool,
    /// Its range in [`Automaton::actions`].
    pub actions: Span32,
    /// An `even if cured` step counted from another rule's event: the
    /// account slot that holds the instant of the cure that found the event
    /// had not happened yet (the cure drops the step: it is due at once and
    /// fires nothing, [`Fx::Dropped`]); [`NONE`] for every other step.
    pub dropped_slot: u32,
    /// A guarded step whose window, right or obligation the status reports
    /// once it has fired: the account slot that holds the instant its guard
    /// did not hold (it fired nothing, so the status reports nothing of
    /// it); [`NONE`] for every other step.
    pub skipped_slot: u32,
}

fn modality_name<S: Serializer>(m: &Modality, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(crate::vocab::modality_name(*m))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Action {
    pub verb: Verb,
    /// Its range in [`Automaton::targets`]: the targets it acts on (the
    /// checker wrote out the defaults).
    pub targets: Span32,
}

/// How a step is placed, decided at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Plan {
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
    /// [`Plan::CalendarDays`] for a step that takes the rest-day extension
    /// ([`Step::rest_days`]): computed by
    /// [`crate::calendar::Clock::calendar_days_rest_fast`] on the fast path
    /// inside the working-day calendar, else placed through the clock (which
    /// reports a last day outside the calendar).
    RestDays { base: i64, days: i64 },
    /// Anything else: placed through the clock.
    General,
}

impl Plan {
    /// A single instant with no window and no second reading whose
    /// placement cannot fail on the clock's fast span (generated code
    /// checks every other step's placement when its rule starts). A
    /// [`Plan::RestDays`] step is a single instant too, but asks the
    /// working-day calendar, which may not cover it.
    pub fn is_point(self) -> bool {
        matches!(self, Plan::Offset(_) | Plan::CalendarDays { .. })
    }
}

/// One state effect of a fired `will` step, as bit operations on the
/// packed capability and resource states (applied in the step's order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Fx {
    /// `caps = caps & !mask | value` (see [`Layout::caps_set`]).
    Caps {
        mask: u64,
        value: u64,
    },
    /// The resource fields in the mask become released unless purged.
    Release(u32),
    /// The resource fields in the mask become purged.
    Purge(u32),
    Terminate,
    /// First of a guarded step's effects: when these conditions do not hold
    /// at its instant the step fires nothing (it is skipped).
    Guard(Span32),
    /// Keeps the instant the step fires (skipped or not) in this account
    /// slot, for a step counting from it ([`AnchorIr::Fired`]); before a
    /// [`Fx::Guard`].
    Fired(u32),
    /// First of a dropped-capable step's effects ([`Step::dropped_slot`]):
    /// when this account slot is set, the step fires nothing.
    Dropped(u32),
}

/// An event edge: the target state and what else the edge does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EdgeHot {
    pub target: u32,
    pub flags: u8,
}

impl EdgeHot {
    /// The edge stores the event's instant as the rule's anchor.
    pub const SETS_ANCHOR: u8 = 1;
    /// The edge cures the rule (its `resume` applies).
    pub const RESUMES: u8 = 2;
    /// There is an edge (a zeroed entry means none).
    pub const PRESENT: u8 = 4;
}

/// One event edge of a local state, as listed by [`Automaton::edges_from`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EdgeOf {
    pub event: EventId,
    pub target: StateId,
    pub flags: u8,
}

/// The event edges: per state its list (always), and per (event, state) a
/// dense table when it fits, one row per event so the rules an event
/// reaches share cache lines.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Edges {
    /// Per state: its range in `list`.
    pub by_state: Vec<Span32>,
    pub list: Vec<EdgeOf>,
    /// `(target + 1) << 3 | flags` per `event * states + state`, 0 for no
    /// edge; empty when it would exceed [`MAX_EDGE_ENTRIES`].
    pub dense: Vec<u32>,
    pub states: usize,
}

/// Dense edge tables larger than this many entries are not built (16 MiB).
pub const MAX_EDGE_ENTRIES: usize = 2 << 20;

impl Edges {
    /// The edge leaving `s` on event `ev`.
    #[inline]
    pub fn get(&self, s: u32, ev: usize) -> Option<EdgeHot> {
        if self.dense.is_empty() {
            return self.search(s, ev);
        }
        match self.dense.get(ev * self.states + s as usize) {
            Some(&w) if w != 0 => Some(EdgeHot {
                target: (w >> 3) - 1,
                flags: (w & 7) as u8,
            }),
            _ => None,
        }
    }

    #[inline(never)]
    fn search(&self, s: u32, ev: usize) -> Option<EdgeHot> {
        let span = self.by_state.get(s as usize)?;
        self.list
            .get(span.range())?
            .iter()
            .find(|e| usize::from(e.event.0) == ev)
            .map(|e| EdgeHot {
                target: e.target.0,
                flags: e.flags,
            })
    }
}

/// Money terms in force for the product × billing (citations in [`Text`]):
/// of each kind the first that applies (the product's terms, then the
/// general terms', in the order written, those whose filter admits the
/// account), and every term about what an end refunds, in that order.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Money {
    pub late_fee: Option<LateFee>,
    pub liability_cap: Option<CapKindIr>,
    /// `refund` and `no_refund` terms in order; the first about an end
    /// decides it (citations in [`Text::refunds`]).
    pub refunds: Vec<RefundIr>,
    /// Every event a refund term names as a cause, `termination` aside:
    /// it ends the agreement.
    pub end_causes: Vec<EventId>,
    pub refund_window: Option<RefundWindowIr>,
    /// The step that reports the refund window as a `claim` window of the
    /// customer (waited for by no state; [`NONE`] without a window).
    pub refund_window_step: u32,
    /// The amounts of `customer must pay <amount>` steps, by step.
    pub step_amounts: Vec<(StepIx, Decimal)>,
    /// Whether events other than the built-in money events matter to
    /// money: a refund window, or a cause of an end.
    pub watches: bool,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct LateFee {
    pub rate: Decimal,
    pub per: RatePeriod,
    pub from: LateFeeStart,
    pub rounding: Rounding,
    #[serde(serialize_with = "modality_name")]
    pub modality: Modality,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub enum CapKindIr {
    Months(u32),
    Service,
    Amount(Decimal),
}

/// A term about what an end refunds.
#[derive(Clone, Debug, Serialize)]
pub struct RefundIr {
    /// The ends it is about (by cause); empty: any end.
    pub causes: Vec<EventId>,
    /// `None`: `no_refund` (nothing is refunded).
    pub basis: Option<RefundBasis>,
}

/// How a refund counts the time served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum RefundBasis {
    /// Started days (24 h).
    Days,
    /// Started months (`prorated by month`).
    Months,
    /// Months, then the days of a started month on local dates
    /// (`prorated by month, part_month by day`: “按月份计算（不足一个月的按天计）”).
    MonthsThenDays,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct RefundWindowIr {
    pub duration: DurationM,
    pub from: EventId,
    /// The right lapses when this happens after `from`.
    pub unless: Option<EventId>,
}

/// Where a clause came from, for output.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Cited {
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub file: String,
    pub line: usize,
}

/// A rule's names, for output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleText {
    /// Stable name: `<product>.<trigger>[.<billing>]#<n>`.
    pub name: String,
    /// From the general terms.
    pub general: bool,
    pub file: String,
    pub line: usize,
}

/// A step's words, for output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepText {
    pub label: Option<String>,
    pub cite: Option<String>,
    pub quote: Option<String>,
    pub note: Option<String>,
    pub file: String,
    pub line: usize,
}

/// Names, citations and quotes: what reports read and the per-event path
/// never does.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Text {
    pub agreement_title: String,
    pub product_name: String,
    pub rules: Vec<RuleText>,
    pub steps: Vec<StepText>,
    pub late_fee: Option<Cited>,
    pub liability_cap: Option<Cited>,
    /// By [`Money::refunds`].
    pub refunds: Vec<Cited>,
    pub refund_window: Option<Cited>,
}

/// Whether a local state is its rule's idle, a wait for a step, or done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    Idle,
    Waiting(StepIx),
    Done,
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

    /// Step `s` (indices come from this automaton).
    pub fn step(&self, s: StepIx) -> &Step {
        &self.steps[s.0 as usize]
    }

    /// Step `s`'s actions.
    pub fn actions(&self, s: StepIx) -> &[Action] {
        self.steps
            .get(s.0 as usize)
            .and_then(|st| self.actions.get(st.actions.range()))
            .unwrap_or(&[])
    }

    /// An action's targets.
    pub fn targets(&self, a: &Action) -> &[Target] {
        self.targets.get(a.targets.range()).unwrap_or(&[])
    }

    /// Step `s`'s label, citation, quote, note and source position.
    pub fn text(&self, s: StepIx) -> &StepText {
        &self.text.steps[s.0 as usize]
    }

    /// Rule `r`'s stable name.
    pub fn rule_name(&self, r: usize) -> &str {
        self.text.rules.get(r).map_or("?", |t| t.name.as_str())
    }

    /// Rule `r`'s cure events.
    pub fn cures(&self, r: usize) -> &[EventId] {
        self.rules
            .get(r)
            .and_then(|rule| self.cures.get(rule.cures.range()))
            .unwrap_or(&[])
    }

    /// Rule `r`'s cures as the author wrote them: each event of `until a,
    /// b`, and each conjunctive cure as `a and b and settled`.
    pub fn cure_texts(&self, r: usize) -> Vec<String> {
        let mut out: Vec<String> = self
            .cures(r)
            .iter()
            .map(|c| self.event_name(*c).to_string())
            .collect();
        let Some(rule) = self.rules.get(r) else {
            return out;
        };
        let events = self
            .conj_events
            .get(rule.conj_events.range())
            .unwrap_or(&[]);
        for c in self
            .conjunctions
            .get(rule.conjunctions.range())
            .unwrap_or(&[])
        {
            let mut parts: Vec<&str> = events
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    u32::try_from(*i).is_ok_and(|i| i < 64 && c.events & (1 << i) != 0)
                })
                .map(|(_, e)| self.event_name(*e))
                .collect();
            if c.settled {
                parts.push("settled");
            }
            out.push(parts.join(" and "));
        }
        out
    }

    /// The rules with an edge on event `e`, in rule order.
    #[inline]
    pub fn reacting(&self, e: usize) -> &[u16] {
        match self.reacting.get(e) {
            Some(span) => self.reacting_rules.get(span.range()).unwrap_or(&[]),
            None => &[],
        }
    }

    /// The state effects of step `step` (empty unless a `will` step).
    #[inline(always)]
    pub fn step_effects(&self, step: StepIx) -> &[Fx] {
        match self.fx_range.get(step.0 as usize) {
            Some(span) => self.fx.get(span.range()).unwrap_or(&[]),
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

    /// Whether state `s` is an idle, a waiting or a done state.
    pub fn state_kind(&self, s: StateId) -> StateKind {
        if let Some(step) = self.waiting(s) {
            return StateKind::Waiting(step);
        }
        let rule = self.state_rule.get(s.0 as usize).copied().unwrap_or(0);
        match self.rules.get(usize::from(rule)) {
            Some(r) if r.first_state == s => StateKind::Idle,
            _ => StateKind::Done,
        }
    }

    /// The event edges leaving state `s`.
    pub fn edges_from(&self, s: StateId) -> &[EdgeOf] {
        self.edges
            .by_state
            .get(s.0 as usize)
            .and_then(|span| self.edges.list.get(span.range()))
            .unwrap_or(&[])
    }

    /// Where the deadline edge of `s` leads.
    pub fn deadline_target(&self, s: StateId) -> Option<StateId> {
        match self.on_deadline.get(s.0 as usize) {
            Some(&t) if t != NONE => Some(StateId(t)),
            _ => None,
        }
    }

    /// Whether `s` is a step that reports a cure's `resume` (no rule waits
    /// for it; [`Rule::resume_step`]).
    pub fn is_resume_step(&self, s: StepIx) -> bool {
        self.steps
            .get(s.0 as usize)
            .and_then(|st| self.rules.get(usize::from(st.rule)))
            .is_some_and(|r| r.resume_step == s.0)
    }

    /// The capability fields a cure edge leaving `s` returns to active.
    #[inline]
    pub fn cure_resume(&self, s: StateId) -> u64 {
        self.cure_resume.get(s.0 as usize).copied().unwrap_or(0)
    }

    /// For a state of a kept chain (`even if cured`), or the `done` that
    /// ends it: the rule's steps that had fired when the cure came (as a
    /// bound, `first_step + j`) and the steps the chain keeps, in order.
    #[inline]
    pub fn kept_chain(&self, s: StateId) -> Option<(u32, Vec<u32>)> {
        let j = *self.kept_from.get(s.0 as usize).filter(|j| **j != NONE)?;
        self.kept_chain_of(s, j)
    }

    /// [`Automaton::kept_chain`] of a state of chain `j` (most states are
    /// in none: that test stays inline).
    fn kept_chain_of(&self, s: StateId, j: u32) -> Option<(u32, Vec<u32>)> {
        let rule = self
            .rules
            .get(usize::from(*self.state_rule.get(s.0 as usize)?))?;
        let from = StateId(rule.first_state.0 + 1 + j);
        let mut at = *self.cured_to.get(from.0 as usize)?;
        let mut kept = Vec::new();
        while self.kept_from.get(at as usize).is_some_and(|x| *x == j) {
            match *self.waits.get(at as usize)? {
                NONE => break, // the chain's own `done`
                step => kept.push(step),
            }
            at = *self.on_deadline.get(at as usize)?;
        }
        Some((rule.first_step + j, kept))
    }

    /// Number of local states.
    pub fn state_count(&self) -> usize {
        self.waits.len()
    }
}
