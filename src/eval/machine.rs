//! Running the IR: events, deadlines and status for one account.
//!
//! Order within an instant: deadlines due before an event's instant fire
//! first (earliest first, ties in component order), then the event's edges
//! in component order, then every deadline due at the event's instant,
//! those the event made due (`at once`, `before`) included: a period ends
//! at 24:00 of its last day (Civil Code Art. 203), so a payment at that
//! instant is still within it (docs/semantics.md). A `will terminate` step
//! ends everything: nothing fires after it, and further events take the
//! money-only path of `balance.rs` (`Machine::ended_event`).

use super::types::*;
use crate::calendar::{CalendarError, Clock};
use crate::compile::layout::{self, amount_slots, Layout, MoneySlots};
use crate::compile::{AnchorIr, Automaton, EdgeHot, Fx, Plan, StateId, StepIx, TimingIr};
use crate::model::{CapabilityState, ServiceState, TimingKindM};
use crate::vocab::CapState;

/// How a capability state reads in reports: a frozen or stopped
/// capability reads `suspended`.
pub(super) fn reported(c: CapState) -> CapabilityState {
    match c {
        CapState::Active => CapabilityState::Active,
        CapState::Suspended | CapState::Frozen | CapState::Stopped => CapabilityState::Suspended,
        CapState::Forbidden => CapabilityState::Forbidden,
        CapState::ReadOnly => CapabilityState::ReadOnly,
    }
}

/// Service state from the `service` capability and the terminated flag.
pub(super) fn service_state(terminated: bool, service: CapState) -> ServiceState {
    if terminated {
        ServiceState::Terminated
    } else {
        match service {
            CapState::Stopped => ServiceState::Stopped,
            CapState::Suspended | CapState::Frozen => ServiceState::Suspended,
            _ => ServiceState::Active,
        }
    }
}

/// Id of a built-in event (its index in [`crate::vocab::BUILTIN_EVENTS`]);
/// a name missing from the list fails the build.
const fn builtin_event(name: &str) -> u16 {
    let list = crate::vocab::BUILTIN_EVENTS;
    let mut i = 0;
    while i < list.len() {
        let (a, b) = (list[i].as_bytes(), name.as_bytes());
        let mut same = a.len() == b.len();
        let mut k = 0;
        while same && k < a.len() {
            same = a[k] == b[k];
            k += 1;
        }
        if same {
            return i as u16;
        }
        i += 1;
    }
    panic!("not a built-in event")
}

pub(super) const ARREARS: u16 = builtin_event("arrears");
pub(super) const PAYMENT: u16 = builtin_event("payment");
pub(super) const PURCHASE: u16 = builtin_event("purchase");
const TERMINATION: u16 = builtin_event("termination");
const OUTAGE_START: u16 = builtin_event("outage_start");

/// Instants of the last few steps of one rule placed at its current anchor.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Known {
    steps: [u32; 4],
    at: [i64; 4],
    len: usize,
}

impl Known {
    /// No step placed yet (what `default` gives, as a constant the hot
    /// paths borrow instead of building one per rule).
    pub(super) const EMPTY: Known = Known {
        steps: [0; 4],
        at: [0; 4],
        len: 0,
    };

    pub(super) fn get(&self, step: StepIx) -> Option<i64> {
        (0..self.len.min(4))
            .find(|&i| self.steps[i] == step.0)
            .map(|i| self.at[i])
    }

    pub(super) fn push(&mut self, step: StepIx, at: i64) {
        let i = self.len % 4;
        self.steps[i] = step.0;
        self.at[i] = at;
        self.len += 1;
    }
}

/// Where a placement reads the instants of the events steps count from:
/// an account's slots, or the `(slot, instant)` pairs a generated module
/// passes ([`Machine::place_step_from`]).
pub(super) trait Slots {
    fn slot(&self, k: u32) -> Option<i64>;
}

impl Slots for [i64] {
    #[inline(always)]
    fn slot(&self, k: u32) -> Option<i64> {
        self.get(k as usize).copied()
    }
}

impl Slots for [(u32, i64)] {
    #[inline]
    fn slot(&self, k: u32) -> Option<i64> {
        self.iter().find(|p| p.0 == k).map(|p| p.1)
    }
}

/// An evaluation error on the hot path: boxed, so results stay two words
/// and are returned in registers (the public API unboxes it).
pub(super) type Fault = Box<EvalError>;

/// One reading of a step: its instant and window.
type Reading1 = (i64, Option<[i64; 2]>);

/// Where a step lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub at: i64,
    pub readings: Option<[i64; 2]>,
    pub window: Option<[i64; 2]>,
}

/// One compiled automaton (a product × billing mode × reading) ready to
/// run accounts.
#[derive(Clone, Debug)]
pub struct Machine {
    /// The automaton (read it freely: names, rules, steps, the layout).
    pub ir: Automaton,
    pub(crate) clock: Clock,
    /// A fresh account's slots ([`Layout::fresh_slots`]), copied by
    /// [`Machine::reset`].
    fresh: Box<[i64]>,
}

impl Machine {
    pub fn new(ir: Automaton) -> Result<Machine, crate::calendar::CalendarError> {
        let clock = Clock::with_calendar(ir.zone, ir.workdays);
        let fresh = ir.layout.fresh_slots();
        Ok(Machine { ir, clock, fresh })
    }

    /// The fingerprint of the automaton (what its account states record).
    pub fn fingerprint(&self) -> crate::compile::Fingerprint {
        self.ir.fingerprint
    }

    /// What this machine runs, in words: `agreement version / product
    /// (billing), reading`.
    pub fn describe(&self) -> String {
        format!(
            "{} {} / {} ({}), reading {}",
            self.ir.agreement,
            self.ir.version,
            self.ir.product,
            self.ir.billing.name(),
            self.ir.reading.name()
        )
    }

    /// Whether placing rule `r`'s steps from `trigger` might fail, so they
    /// must be placed before the event changes anything.
    fn placement_may_fail(&self, r: usize, trigger: i64) -> bool {
        match self.ir.safe_triggers.get(r) {
            Some(&(from, until)) => trigger < from || trigger > until,
            None => true,
        }
    }

    /// When event `e` at `at` starts rule `r` (its edge sets the anchor),
    /// that every step of the rule can be placed from `at`: checked before
    /// the account changes, so an error leaves it as it was.
    #[inline]
    pub(super) fn check_start(
        &self,
        st: &AccountState,
        r: usize,
        e: usize,
        at: i64,
    ) -> Result<(), Fault> {
        if let Some(edge) = self.ir.edges.get(self.local(st, r).0, e) {
            if edge.flags & EdgeHot::SETS_ANCHOR != 0 {
                let rule = &self.ir.rules[r];
                for k in 0..rule.step_count {
                    let step = StepIx(rule.first_step + k);
                    let slot = Layout::anchor_slot(r);
                    self.place_with(&st.slots[..], slot, step, at, &Known::EMPTY)?;
                }
            }
        }
        Ok(())
    }

    /// A fresh account: every rule idle, everything active and retained.
    pub fn new_account(&self) -> AccountState {
        AccountState {
            fingerprint: self.ir.fingerprint,
            state: 0,
            caps: 0,
            resources: 0,
            flags: 0,
            now: i64::MIN,
            next_due: i64::MAX,
            slots: self.fresh.clone(),
            checked: Some(self.ir.fingerprint),
        }
    }

    /// Resets an account to the fresh state without reallocating.
    pub fn reset(&self, st: &mut AccountState) {
        if st.slots.len() != self.fresh.len() {
            *st = self.new_account();
            return;
        }
        st.slots.copy_from_slice(&self.fresh);
        st.fingerprint = self.ir.fingerprint;
        st.checked = Some(self.ir.fingerprint);
        st.state = 0;
        st.caps = 0;
        st.resources = 0;
        st.flags = 0;
        st.now = i64::MIN;
        st.next_due = i64::MAX;
    }

    /// Takes `st` if it is this automaton's and its fields are what the
    /// automaton writes (checked in full once, then remembered in the state).
    #[inline]
    pub(crate) fn admit(&self, st: &mut AccountState) -> Result<(), EvalError> {
        if st.checked == Some(self.ir.fingerprint) {
            return Ok(());
        }
        self.check(st)?;
        st.checked = Some(self.ir.fingerprint);
        Ok(())
    }

    /// [`Machine::admit`] for a state it may not mark.
    #[inline]
    pub(crate) fn admit_ref(&self, st: &AccountState) -> Result<(), EvalError> {
        if st.checked == Some(self.ir.fingerprint) {
            return Ok(());
        }
        self.check(st)
    }

    /// Checks an account state from anywhere (a database, a file, another
    /// process) against this machine: the automaton's fingerprint, every
    /// encoded field ([`Layout::check`]), and that `next_due` is the
    /// earliest deadline of its rules.
    pub fn check(&self, st: &AccountState) -> Result<(), EvalError> {
        if st.fingerprint != self.ir.fingerprint {
            return Err(StateError::OtherAutomaton {
                expected: self.ir.fingerprint,
                found: st.fingerprint,
                machine: self.describe(),
            }
            .into());
        }
        self.ir
            .layout
            .check(st.state, st.caps, st.resources, st.flags, &st.slots)
            .map_err(StateError::from)?;
        for r in 0..self.ir.rules.len() {
            let trigger = st.slots[Layout::anchor_slot(r)];
            let idle = self.ir.layout.local_index(st.state, r) == 0;
            if !idle && (trigger == UNSET || st.now < trigger) {
                return Err(StateError::Now {
                    now: st.now,
                    trigger,
                }
                .into());
            }
        }
        if st.now != i64::MIN && !layout::accepted(st.now) {
            return Err(StateError::Field(layout::FieldError::Instant {
                field: "now",
                value: st.now,
            })
            .into());
        }
        let mut copy = st.clone();
        self.recompute_due(&mut copy).map_err(|e| *e)?;
        if copy.next_due != st.next_due {
            return Err(StateError::NextDue {
                expected: copy.next_due,
                found: st.next_due,
            }
            .into());
        }
        Ok(())
    }

    /// Checks an event from outside: in this machine's vocabulary, at an
    /// accepted instant, with a non-negative amount.
    #[inline]
    fn check_event(&self, ev: &Event) -> Result<(), EvalError> {
        if usize::from(ev.event.0) >= self.ir.events.len() {
            return Err(EvalError::UnknownEvent(format!("#{}", ev.event.0)));
        }
        if !layout::accepted(ev.at) {
            return Err(EvalError::OutOfRange { at: ev.at });
        }
        if let Some(u) = ev.until.filter(|u| !layout::accepted(*u)) {
            return Err(EvalError::OutOfRange { at: u });
        }
        match ev.amount {
            Some(a) if a.is_sign_negative() && !a.is_zero() => Err(EvalError::NegativeAmount {
                at: ev.at,
                amount: a,
            }),
            _ => Ok(()),
        }
    }

    /// An event by name (built-in or declared by the product).
    pub fn event(&self, name: &str, at: i64) -> Result<Event, EvalError> {
        let event = self
            .ir
            .event_id(name)
            .ok_or_else(|| EvalError::UnknownEvent(name.to_string()))?;
        Ok(Event {
            at,
            event,
            amount: None,
            until: None,
        })
    }

    #[inline]
    pub(super) fn local(&self, st: &AccountState, rule: usize) -> StateId {
        StateId(self.ir.layout.local(st.state, rule))
    }

    #[inline]
    pub(super) fn set_local(&self, st: &mut AccountState, rule: usize, s: StateId) {
        st.state = self.ir.layout.with_local(st.state, rule, s.0);
    }

    /// Rule `r`'s local state in `st`: idle, waiting for a step, or done.
    pub fn rule_state(&self, st: &AccountState, r: usize) -> crate::compile::StateKind {
        self.ir.state_kind(self.local(st, r))
    }

    fn calendar_error(&self, step: StepIx, e: crate::calendar::CalendarError) -> Fault {
        let rule = self.ir.step(step).rule as usize;
        Box::new(EvalError::Calendar {
            rule: self.ir.rule_name(rule).to_string(),
            source: e,
        })
    }

    /// Places one timing given its anchor instant: (point, window).
    fn place_one(
        &self,
        t: &TimingIr,
        anchor: i64,
    ) -> Result<(i64, Option<[i64; 2]>), crate::calendar::CalendarError> {
        Ok(match t.kind {
            TimingKindM::At => (anchor, None),
            TimingKindM::After => (self.clock.add(anchor, t.duration)?, None),
            TimingKindM::Before => (self.clock.sub(anchor, t.duration)?, None),
            TimingKindM::Within => {
                let end = self.clock.add(anchor, t.duration)?;
                (anchor, Some([anchor, end]))
            }
            TimingKindM::OnDay => {
                let (s, e) = self.clock.day_window(anchor, t.duration.count)?;
                (s, Some([s, e]))
            }
            TimingKindM::OnHour => {
                let (s, e) = self.clock.hour_window(anchor, t.duration.count)?;
                (s, Some([s, e]))
            }
        })
    }

    /// Civil Code Art. 203 ¶1 for a step that takes it ([`Step::rest_days`]):
    /// an `after` or `within` period in calendar days or months whose last
    /// day is a rest day ends at 24:00 of the first working day after.
    ///
    /// [`Step::rest_days`]: crate::compile::Step::rest_days
    #[inline(always)]
    fn rest_days(
        &self,
        s: &crate::compile::Step,
        t: &TimingIr,
        (p, w): (i64, Option<[i64; 2]>),
    ) -> Result<(i64, Option<[i64; 2]>), crate::calendar::CalendarError> {
        use crate::model::Unit;
        let counted = s.rest_days
            && t.duration.count > 0
            && matches!(t.duration.unit, Unit::CalendarDays | Unit::CalendarMonths);
        if !counted {
            return Ok((p, w));
        }
        match (t.kind, w) {
            (TimingKindM::After, _) => Ok((self.clock.rest_day_extension(p)?, None)),
            (TimingKindM::Within, Some([start, end])) => {
                Ok((start, Some([start, self.clock.rest_day_extension(end)?])))
            }
            _ => Ok((p, w)),
        }
    }

    /// One reading `t` of step `s` (`step`) from anchor `a` (none: the
    /// event it counts from has not happened): its instant, the window's
    /// end for a late reading, and its window.
    #[inline(always)]
    fn reading(
        &self,
        s: &crate::compile::Step,
        step: StepIx,
        t: &TimingIr,
        a: Option<i64>,
    ) -> Result<Option<Reading1>, Fault> {
        let Some(a) = a else { return Ok(None) };
        // `after N calendar days` with the rest-day extension: on the
        // clock's integer path as a `Plan::RestDays` step (`None` off it)
        if t.kind == TimingKindM::After
            && s.rest_days
            && t.duration.unit == crate::model::Unit::CalendarDays
            && t.duration.count > 0
        {
            let n = i64::from(t.duration.count);
            if let Some(at) = self.clock.calendar_days_rest_fast(a, n) {
                return Ok(Some((at, None)));
            }
        }
        let (p, w) = self
            .place_one(t, a)
            .and_then(|p| self.rest_days(s, t, p))
            .map_err(|e| self.calendar_error(step, e))?;
        Ok(Some(match w {
            Some([start, end]) => (if s.late { end } else { start }, w),
            None => (p, None),
        }))
    }

    #[inline(always)]
    fn anchor_of<S: Slots + ?Sized>(
        &self,
        slots: &S,
        rule_slot: usize,
        a: AnchorIr,
        trigger: i64,
        known: &Known,
    ) -> Result<Option<i64>, Fault> {
        match a {
            AnchorIr::Trigger => Ok(Some(trigger)),
            AnchorIr::Step(j) => match known.get(j) {
                Some(at) => Ok(Some(at)),
                None => Ok(Some(
                    self.place_with(slots, rule_slot, j, trigger, known)?.at,
                )),
            },
            // 0 (or nothing): the event has not happened yet
            AnchorIr::Event { slot, .. } => Ok(slots.slot(slot).filter(|t| layout::accepted(*t))),
            // the instant it fired, or (not yet fired) its placement, which
            // is none while the event it counts from has not happened
            AnchorIr::Fired { step, slot } => {
                match slots.slot(slot).filter(|t| layout::accepted(*t)) {
                    Some(t) => Ok(Some(t)),
                    None => {
                        let p = match known.get(step) {
                            Some(at) => at,
                            None => self.place_with(slots, rule_slot, step, trigger, known)?.at,
                        };
                        Ok((p != i64::MAX).then_some(p))
                    }
                }
            }
        }
    }

    /// Places `step` of the rule whose anchor slot is `rule_slot`. `known`:
    /// steps of the same rule already placed at the same trigger (those that
    /// just fired) and their instants, so a step anchored on one of them does
    /// not place it again.
    pub(super) fn place_with<S: Slots + ?Sized>(
        &self,
        slots: &S,
        rule_slot: usize,
        step: StepIx,
        trigger: i64,
        known: &Known,
    ) -> Result<Placement, Fault> {
        if let Some(Plan::Offset(o)) = self.ir.plans.get(step.0 as usize) {
            let at = trigger.checked_add(*o).ok_or_else(|| {
                self.calendar_error(step, crate::calendar::CalendarError::OutOfRange)
            })?;
            return Ok(Placement {
                at,
                readings: None,
                window: None,
            });
        }
        let s = self.ir.step(step);
        if s.dropped_slot != crate::compile::NONE {
            // a kept step a cure dropped: due at the cure, firing nothing
            let cure = slots.slot(s.dropped_slot);
            if let Some(at) = cure.filter(|t| layout::accepted(*t)) {
                return Ok(Placement {
                    at,
                    readings: None,
                    window: None,
                });
            }
        }
        let late = s.late;
        // not due: an event it counts from has not happened
        let never = Placement {
            at: i64::MAX,
            readings: None,
            window: None,
        };
        let a = self.anchor_of(slots, rule_slot, s.timing.anchor, trigger, known)?;
        let first = not_before_trigger(&s.timing, self.reading(s, step, &s.timing, a)?, trigger);
        let Some(alt) = &s.alternative else {
            return Ok(first.map_or(never, |first| Placement {
                at: first.0,
                readings: None,
                window: first.1,
            }));
        };
        // (the two readings usually count from one anchor: placed once)
        let b = if alt.anchor == s.timing.anchor {
            a
        } else {
            self.anchor_of(slots, rule_slot, alt.anchor, trigger, known)?
        };
        let second = not_before_trigger(alt, self.reading(s, step, alt, b)?, trigger);
        let (first, second) = match (first, second) {
            (Some(f), Some(x)) => (f, x),
            // one reading can be placed: a customer-safe harmful step waits
            // for both, anything else takes it
            (Some(o), None) | (None, Some(o)) if !late => {
                return Ok(Placement {
                    at: o.0,
                    readings: None,
                    window: o.1,
                })
            }
            _ => return Ok(never),
        };
        let pick_second = if late {
            second.0 > first.0
        } else {
            second.0 < first.0
        };
        let chosen = if pick_second { second } else { first };
        Ok(Placement {
            at: chosen.0,
            readings: Some([first.0, second.0]),
            window: chosen.1,
        })
    }

    /// The instant `step` is chosen at (under the machine's reading) when
    /// its rule was triggered at `trigger`: what generated modules
    /// ([`super::codegen`]) call for placements that are not fixed offsets.
    pub fn place_step(&self, step: StepIx, trigger: i64) -> Result<i64, EvalError> {
        let s = self
            .ir
            .steps
            .get(step.0 as usize)
            .ok_or(EvalError::UnknownStep(step.0))?;
        let slot = Layout::anchor_slot(usize::from(s.rule));
        let none: &[i64] = &[];
        self.place_with(none, slot, step, trigger, &Known::default())
            .map(|p| p.at)
            .map_err(|e| *e)
    }

    /// [`Machine::place_step`] for a step counted from another rule's event
    /// (`from <event>`): `events` are `(slot, instant)` pairs, the instants
    /// in the account slots the step's anchors read
    /// (`AnchorIr::Event::slot`; 0 or a missing pair: the event has not
    /// happened, and a step waiting for it is never due, `i64::MAX`).
    /// What generated modules of account-state automata call.
    pub fn place_step_from(
        &self,
        step: StepIx,
        trigger: i64,
        events: &[(u32, i64)],
    ) -> Result<i64, EvalError> {
        let s = self
            .ir
            .steps
            .get(step.0 as usize)
            .ok_or(EvalError::UnknownStep(step.0))?;
        let slot = Layout::anchor_slot(usize::from(s.rule));
        self.place_with(events, slot, step, trigger, &Known::default())
            .map(|p| p.at)
            .map_err(|e| *e)
    }

    /// Where `step` lands for this account (its rule must have started).
    pub fn place(&self, st: &AccountState, step: StepIx) -> Result<Placement, EvalError> {
        self.admit_ref(st)?;
        if self.ir.steps.get(step.0 as usize).is_none() {
            return Err(EvalError::UnknownStep(step.0));
        }
        self.place_knowing(st, step, &Known::default())
            .map_err(|e| *e)
    }

    /// [`Machine::place`] given the instant of a step of the same rule.
    pub(super) fn place_knowing(
        &self,
        st: &AccountState,
        step: StepIx,
        known: &Known,
    ) -> Result<Placement, Fault> {
        let slot = Layout::anchor_slot(self.ir.step(step).rule as usize);
        self.place_with(&st.slots[..], slot, step, st.slots[slot], known)
    }

    /// When the step a rule waits for is due (`None`: the rule is not waiting).
    /// Always inline: called per rule wherever deadlines are looked for, and
    /// out of line it cost 5 % of a one-shot evaluation (docs/performance.md).
    #[inline(always)]
    fn rule_due(&self, st: &AccountState, r: usize) -> Result<Option<i64>, Fault> {
        match self.ir.waiting(self.local(st, r)) {
            Some(step) => Ok(Some(self.due_of(st, r, step, &Known::EMPTY)?)),
            None => Ok(None),
        }
    }

    /// The instant `step` of rule `r` is due: a fixed offset from the
    /// rule's trigger where the step's [`Plan`] allows, else placed.
    #[inline(always)]
    fn due_of(
        &self,
        st: &AccountState,
        r: usize,
        step: StepIx,
        known: &Known,
    ) -> Result<i64, Fault> {
        if let Some(Plan::Offset(o)) = self.ir.plans.get(step.0 as usize) {
            if let Some(at) = st.slots[Layout::anchor_slot(r)].checked_add(*o) {
                return Ok(at);
            }
        }
        self.due_placed(st, step, known)
    }

    /// [`Machine::due_of`] off its inline path: calendar days by the clock's
    /// integer path where it applies, anything else placed through the clock
    /// (or a fixed offset's overflow reported).
    #[inline(never)]
    fn due_placed(&self, st: &AccountState, step: StepIx, known: &Known) -> Result<i64, Fault> {
        match self.ir.plans.get(step.0 as usize) {
            Some(Plan::Offset(_)) => {
                return Err(self.calendar_error(step, CalendarError::OutOfRange))
            }
            Some(Plan::CalendarDays { base, days }) => {
                let rule = usize::from(self.ir.step(step).rule);
                let trigger = st.slots[Layout::anchor_slot(rule)];
                if let Some(at) = trigger
                    .checked_add(*base)
                    .and_then(|a| self.clock.calendar_days_fast(a, *days))
                {
                    return Ok(at);
                }
            }
            Some(Plan::RestDays { base, days }) => {
                let rule = usize::from(self.ir.step(step).rule);
                let trigger = st.slots[Layout::anchor_slot(rule)];
                if let Some(at) = trigger
                    .checked_add(*base)
                    .and_then(|a| self.clock.calendar_days_rest_fast(a, *days))
                {
                    return Ok(at);
                }
            }
            _ => {}
        }
        Ok(self.place_knowing(st, step, known)?.at)
    }

    /// Sets `next_due` to the earliest deadline of every waiting rule.
    pub(super) fn recompute_due(&self, st: &mut AccountState) -> Result<(), Fault> {
        let mut due = i64::MAX;
        if st.flags & TERMINATED == 0 {
            // an idle rule waits for nothing
            for r in self.ir.layout.busy_rules(st.state) {
                if let Some(d) = self.rule_due(st, r)? {
                    due = due.min(d);
                }
            }
        }
        st.next_due = due;
        Ok(())
    }

    /// Fires every deadline due at or before `t`.
    #[inline]
    pub(super) fn fire_due(
        &self,
        st: &mut AccountState,
        t: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        if st.next_due > t || st.flags & TERMINATED != 0 {
            return Ok(());
        }
        self.fire_due_rounds(st, t, out)
    }

    /// The body of [`Machine::fire_due`], kept out of line so the common
    /// "nothing due" check stays cheap.
    ///
    /// A rule's deadline depends only on its own local state and anchor, so
    /// each waiting rule is placed once here and only the rule that fired is
    /// placed again. The buffer has room for 32 rules: a rule with a step
    /// has at least three local states (two bits), so 32 fill the packed
    /// state; a larger automaton takes the uncached path.
    #[inline(never)]
    fn fire_due_rounds(
        &self,
        st: &mut AccountState,
        t: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        match self.ir.rules.len() {
            0..=8 => self.fire_rounds::<8>(st, t, out),
            9..=32 => self.fire_rounds::<32>(st, t, out),
            _ => self.fire_due_uncached(st, t, out),
        }
    }

    /// [`Machine::fire_due_rounds`] for at most `N` rules (a small buffer
    /// for the usual handful of rules costs less to set up).
    #[inline(always)]
    fn fire_rounds<const N: usize>(
        &self,
        st: &mut AccountState,
        t: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        // only waiting rules: firing a step moves no other rule
        // (only `cand[..m]` is read: zeros are the cheapest fill)
        let mut cand = [(0u32, 0i64); N];
        let mut m = 0;
        // (an idle rule waits for nothing)
        for r in self.ir.layout.busy_rules(st.state) {
            if r >= N {
                break;
            }
            if let Some(due) = self.rule_due(st, r)? {
                cand[m] = (r as u32, due);
                m += 1;
            }
        }
        self.fire_candidates(st, t, &mut cand[..m], i64::MAX, out)
    }

    /// Fires, earliest first (ties in component order), every step due at
    /// or before `t` of the candidate rules `cand` — `(rule, due)` in rule
    /// order — given that every other rule is due after `t`, at `rest` at
    /// the earliest. Sets `next_due`.
    #[inline(always)]
    fn fire_candidates(
        &self,
        st: &mut AccountState,
        t: i64,
        cand: &mut [(u32, i64)],
        rest: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        // steps of the rule that fired last: steps anchored on them need not
        // place them again
        let mut known = Known::default();
        let mut known_rule = usize::MAX;
        loop {
            if st.flags & TERMINATED != 0 {
                st.next_due = i64::MAX;
                break;
            }
            let mut best = 0;
            for i in 1..cand.len() {
                if cand[i].1 < cand[best].1 {
                    best = i;
                }
            }
            let due = cand.get(best).map_or(i64::MAX, |c| c.1);
            if due > t {
                st.next_due = due.min(rest);
                break;
            }
            let r = cand[best].0 as usize;
            let sid = self.local(st, r);
            let (Some(step), Some(&target)) = (
                self.ir.waiting(sid),
                self.ir.on_deadline.get(sid.0 as usize),
            ) else {
                break;
            };
            if target == crate::compile::NONE {
                break;
            }
            let target = StateId(target);
            // A single instant (fixed offset or calendar days) has no window
            // and no second reading: its due instant is its placement.
            let point = matches!(
                self.ir.plans.get(step.0 as usize),
                Some(Plan::Offset(_) | Plan::CalendarDays { .. } | Plan::RestDays { .. })
            );
            if point {
                let p = Placement {
                    at: due,
                    readings: None,
                    window: None,
                };
                self.take_deadline(st, r, target, step, p, out);
            } else {
                if known_rule != r {
                    known = Known::default();
                    known_rule = r;
                }
                let p = self.place_knowing(st, step, &known)?;
                self.take_deadline(st, r, target, step, p, out);
                known.push(step, p.at);
            }
            // `known` holds only instants of steps placed at this rule's
            // trigger, or of another rule's steps, on which no step of this
            // rule anchors: sound after either branch
            cand[best].1 = match self.ir.waiting(target) {
                Some(next) => self.due_of(st, r, next, &known)?,
                None => i64::MAX,
            };
        }
        Ok(())
    }

    /// [`Machine::fire_due`] placing every waiting rule on each round (only
    /// for automata too large for its buffer).
    fn fire_due_uncached(
        &self,
        st: &mut AccountState,
        t: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        while st.next_due <= t && st.flags & TERMINATED == 0 {
            let mut best: Option<(i64, usize, StepIx, Placement)> = None;
            for r in 0..self.ir.rules.len() {
                if let Some(step) = self.ir.waiting(self.local(st, r)) {
                    let p = self.place_knowing(st, step, &Known::EMPTY)?;
                    if best.as_ref().is_none_or(|b| p.at < b.0) {
                        best = Some((p.at, r, step, p));
                    }
                }
            }
            let Some((_, r, step, p)) = best else { break };
            let Some(target) = self.ir.deadline_target(self.local(st, r)) else {
                break;
            };
            self.take_deadline(st, r, target, step, p, out);
            self.recompute_due(st)?;
        }
        Ok(())
    }

    /// Rule `r` takes its deadline edge to `target`: `step` fires at its
    /// placement `p`.
    #[inline(always)]
    fn take_deadline(
        &self,
        st: &mut AccountState,
        r: usize,
        target: StateId,
        step: StepIx,
        p: Placement,
        out: &mut Vec<Fired>,
    ) {
        self.set_local(st, r, target);
        if self.apply_step(st, step, p.at) {
            out.push(Fired {
                at: p.at,
                step,
                readings: p.readings,
                window: p.window,
                restored: 0,
            });
        }
        st.now = st.now.max(p.at);
    }

    /// Rule `r` is cured from local state `from` at `at`: the capabilities
    /// its cure restores from there become active, and when any of them was
    /// not, its `resume` is reported (docs/semantics.md, “Restoration is
    /// reported”).
    #[inline(always)]
    pub(super) fn cure(
        &self,
        st: &mut AccountState,
        r: usize,
        from: StateId,
        at: i64,
        out: &mut Vec<Fired>,
    ) {
        let mask = self.ir.cure_resume(from);
        let restored = st.caps & mask;
        st.caps &= !mask;
        if restored != 0 {
            self.report_resume(r, restored, at, out);
        }
    }

    /// [`Machine::cure`]'s report of what it restored, off the inline path
    /// (most cures restore nothing).
    #[inline(never)]
    fn report_resume(&self, r: usize, restored: u64, at: i64, out: &mut Vec<Fired>) {
        let step = self.ir.rules[r].resume_step;
        if step != crate::compile::NONE {
            out.push(Fired {
                at,
                step: StepIx(step),
                readings: None,
                window: None,
                restored: Layout::caps_not_active(restored),
            });
        }
    }

    /// `step`'s guard did not hold at `at`: the status must know it fired
    /// nothing ([`crate::compile::Step::skipped_slot`]).
    #[inline(never)]
    fn skip(&self, st: &mut AccountState, step: StepIx, at: i64) {
        let slot = self.ir.step(step).skipped_slot;
        if slot != crate::compile::NONE {
            if let Some(s) = st.slots.get_mut(slot as usize) {
                *s = at;
            }
        }
    }

    /// State effects of a fired step (only `will` steps change state), from
    /// the step's precompiled effects ([`super::hot::Fx`]).
    /// Returns false when the step's guard did not hold: it fired nothing.
    #[inline(always)]
    pub(super) fn apply_step(&self, st: &mut AccountState, step: StepIx, at: i64) -> bool {
        for fx in self.ir.step_effects(step) {
            match *fx {
                Fx::Guard(conds) => {
                    if !self.holds(st, conds) {
                        self.skip(st, step, at);
                        return false;
                    }
                }
                Fx::Fired(slot) => {
                    if let Some(s) = st.slots.get_mut(slot as usize) {
                        *s = at;
                    }
                }
                // a cure dropped this kept step: it fires nothing
                Fx::Dropped(slot) => {
                    if st
                        .slots
                        .get(slot as usize)
                        .is_some_and(|t| layout::accepted(*t))
                    {
                        return false;
                    }
                }
                Fx::Caps { mask, value } => st.caps = (st.caps & !mask) | value,
                Fx::Terminate => {
                    st.flags |= TERMINATED;
                    // the end's cause: the rule's trigger
                    let rule = usize::from(self.ir.step(step).rule);
                    if let Some(r) = self.ir.rules.get(rule) {
                        self.end(st, at, r.trigger.0);
                    }
                }
                Fx::Release(mask) => st.resources = Layout::release(st.resources, mask),
                Fx::Purge(mask) => st.resources = Layout::purge(st.resources, mask),
            }
        }
        true
    }

    /// What an event does to the money facts and the balance. Inline: the
    /// balance's events without amount go straight to their shortcut, the
    /// rest to [`Machine::money_facts`].
    #[inline]
    pub(super) fn money_event(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        if matches!(ev.event.0, ARREARS | PAYMENT) && !self.ir.money.watches {
            return self.balance_event(st, ev);
        }
        self.money_facts(st, ev)
    }

    /// [`Machine::money_event`] off its inline path.
    #[inline(never)]
    fn money_facts(&self, st: &mut AccountState, ev: &Event) -> Result<(), Fault> {
        let m = self.ir.layout.money();
        // Built-in events have fixed ids: their index in BUILTIN_EVENTS.
        match ev.event.0 {
            ARREARS | PAYMENT => self.balance_event(st, ev)?,
            PURCHASE => {
                st.slots[m.at(MoneySlots::PURCHASE_AT)] = ev.at;
                let [a, b] = amount_slots(ev.amount.unwrap_or_default());
                st.slots[m.at(MoneySlots::PURCHASE_AMOUNT)] = a;
                st.slots[m.at(MoneySlots::PURCHASE_AMOUNT) + 1] = b;
                st.slots[m.at(MoneySlots::PURCHASE_UNTIL)] = ev.until.unwrap_or(UNSET);
                if ev.amount.is_some() {
                    st.flags |= PURCHASE_HAS_AMOUNT;
                } else {
                    st.flags &= !PURCHASE_HAS_AMOUNT;
                }
            }
            TERMINATION => self.end(st, ev.at, TERMINATION),
            OUTAGE_START => st.slots[m.at(MoneySlots::BREACH)] = ev.at,
            _ => {}
        }
        if self.ir.money.watches {
            self.money_watch(st, ev);
        }
        Ok(())
    }

    /// The agreement ends at `at` for `cause` (an event id); the earliest
    /// end decides what is refunded (the first of several at one instant).
    pub(super) fn end(&self, st: &mut AccountState, at: i64, cause: u16) {
        let m = self.ir.layout.money();
        if at < st.slots[m.at(MoneySlots::ENDED)] {
            st.slots[m.at(MoneySlots::ENDED)] = at;
            st.slots[m.at(MoneySlots::ENDED_CAUSE)] = i64::from(cause);
        }
    }

    /// Events money terms name: a cause of an end, the event a refund
    /// window counts from and the one that ends it. Only automata with
    /// such terms come here ([`crate::compile::Money::watches`]).
    #[inline(never)]
    pub(super) fn money_watch(&self, st: &mut AccountState, ev: &Event) {
        let m = self.ir.layout.money();
        if self.ir.money.end_causes.contains(&ev.event) {
            self.end(st, ev.at, ev.event.0);
        }
        let Some(w) = &self.ir.money.refund_window else {
            return;
        };
        if ev.event == w.from {
            st.slots[m.at(MoneySlots::WINDOW_FROM)] = ev.at;
            let [a, b] = amount_slots(ev.amount.unwrap_or_default());
            st.slots[m.at(MoneySlots::WINDOW_AMOUNT)] = a;
            st.slots[m.at(MoneySlots::WINDOW_AMOUNT) + 1] = b;
            if ev.amount.is_some() {
                st.flags |= WINDOW_HAS_AMOUNT;
            } else {
                st.flags &= !WINDOW_HAS_AMOUNT;
            }
        }
        if w.unless == Some(ev.event) {
            st.slots[m.at(MoneySlots::WINDOW_UNLESS)] = ev.at;
        }
    }

    /// Applies one event; returns the steps it (and the deadlines before it) fired.
    pub fn step(&self, st: &mut AccountState, ev: &Event) -> Result<Vec<Fired>, EvalError> {
        let mut out = Vec::new();
        self.step_into(st, ev, &mut out)?;
        Ok(out)
    }

    /// [`Machine::step`] appending to a caller's buffer (no allocation when
    /// nothing fires).
    #[inline]
    pub fn step_into(
        &self,
        st: &mut AccountState,
        ev: &Event,
        out: &mut Vec<Fired>,
    ) -> Result<(), EvalError> {
        self.admit(st)?;
        self.check_event(ev)?;
        self.apply(st, ev, out).map_err(|e| *e)
    }

    /// The body of [`Machine::step_into`]. Inline: an account whose
    /// agreement has ended takes the money-only path
    /// ([`Machine::ended_event`]) without entering the rules' path
    /// ([`Machine::apply_live`]); nothing is due after the end, so no
    /// deadline fires before its event.
    #[inline]
    pub(super) fn apply(
        &self,
        st: &mut AccountState,
        ev: &Event,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        if ev.at < st.now {
            return Err(self.out_of_order(st, ev));
        }
        if st.flags & TERMINATED != 0 {
            st.now = ev.at;
            return self.ended_event(st, ev);
        }
        self.apply_live(st, ev, out)
    }

    /// [`Machine::apply`]'s error for an event before the account's last
    /// instant (off the inline path).
    #[cold]
    #[inline(never)]
    fn out_of_order(&self, st: &AccountState, ev: &Event) -> Fault {
        Box::new(EvalError::OutOfOrder {
            at: ev.at,
            previous: st.now,
        })
    }

    /// [`Machine::apply`] for an account whose agreement has not ended
    /// (a deadline before the event may still end it).
    #[inline(never)]
    fn apply_live(
        &self,
        st: &mut AccountState,
        ev: &Event,
        out: &mut Vec<Fired>,
    ) -> Result<(), Fault> {
        // deadlines strictly before the event first (an accepted instant is
        // past 2000, so `ev.at - 1` cannot overflow)
        self.fire_due(st, ev.at - 1, out)?;
        st.now = ev.at;
        if st.flags & TERMINATED != 0 {
            return self.ended_event(st, ev);
        }
        if self.ir.account_state {
            return self.apply_account(st, ev, out);
        }
        let e = usize::from(ev.event.0);
        let reacting = self.ir.reacting(e);
        if reacting.is_empty() {
            self.money_event(st, ev)?;
            // then the deadlines due at its instant
            return self.fire_due(st, ev.at, out);
        }
        // Check first that every rule this event starts can be placed, so an
        // error leaves the account as it was (unless all are surely safe).
        let safe = self
            .ir
            .safe_events
            .get(e)
            .is_some_and(|&(from, until)| from <= ev.at && ev.at <= until);
        for &r in reacting.iter().filter(|_| !safe) {
            let r = r as usize;
            if self.placement_may_fail(r, ev.at) {
                self.check_start(st, r, e, ev.at)?;
            }
        }
        self.money_event(st, ev)?;
        // A rule's deadline depends only on its own state and anchor, so the
        // earliest deadline changes only through the rules this event moves:
        // place those again, and every rule when one of them was waiting
        // (it may have held the earliest deadline).
        let old_due = st.next_due;
        let mut full = false;
        // rules moved, as bits (rules past 64 force the full recompute)
        let mut moved = 0u64;
        let mut any_moved = false;
        for &r in reacting {
            let ri = r as usize;
            let sid = self.local(st, ri);
            let Some(edge) = self.ir.edges.get(sid.0, e) else {
                continue;
            };
            // a waiting rule may hold the earliest deadline
            if self.ir.waiting(sid).is_some() {
                full = true;
            }
            if edge.flags & EdgeHot::SETS_ANCHOR != 0 {
                st.slots[Layout::anchor_slot(ri)] = ev.at;
            }
            if edge.flags & EdgeHot::RESUMES != 0 {
                self.cure(st, ri, sid, ev.at, out);
            }
            self.set_local(st, ri, StateId(edge.target));
            match 1u64.checked_shl(u32::from(r)) {
                Some(bit) => moved |= bit,
                None => full = true,
            }
            any_moved = true;
        }
        // Then every deadline due at the event's instant: those the event
        // made due (`at once`, `before`) and those that were due then anyway
        // (a cure at a deadline's instant has cancelled its rule's).
        if !any_moved {
            return self.fire_due(st, ev.at, out);
        }
        if full {
            self.recompute_due(st)?;
            self.fire_due(st, ev.at, out)?;
        } else {
            // No moved rule was waiting, so `old_due` is the earliest
            // deadline of the others, all after `ev.at - 1`. When it is
            // after `ev.at` too, only moved rules can be due now.
            {
                // (only `cand[..m]` is read: zeros are the cheapest fill)
                let mut cand = [(0u32, 0i64); 8];
                let mut m = 0;
                let mut due = old_due;
                let mut overflow = false;
                while moved != 0 {
                    let r = moved.trailing_zeros();
                    moved &= moved - 1;
                    if let Some(d) = self.rule_due(st, r as usize)? {
                        due = due.min(d);
                        match cand.get_mut(m) {
                            Some(c) => *c = (r, d),
                            None => overflow = true,
                        }
                        m += 1;
                    }
                }
                st.next_due = due;
                if due <= ev.at {
                    if overflow || old_due <= ev.at {
                        self.fire_due(st, ev.at, out)?;
                    } else {
                        self.fire_candidates(st, ev.at, &mut cand[..m], old_due, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Fires every deadline up to `at`.
    pub fn advance_to(&self, st: &mut AccountState, at: i64) -> Result<Vec<Fired>, EvalError> {
        let mut out = Vec::new();
        self.advance_into(st, at, &mut out)?;
        Ok(out)
    }

    /// [`Machine::advance_to`] appending to a caller's buffer.
    pub fn advance_into(
        &self,
        st: &mut AccountState,
        at: i64,
        out: &mut Vec<Fired>,
    ) -> Result<(), EvalError> {
        self.admit(st)?;
        if !layout::accepted(at) {
            return Err(EvalError::OutOfRange { at });
        }
        self.fire_due(st, at, out).map_err(|e| *e)?;
        st.now = st.now.max(at);
        Ok(())
    }

    /// The next instant something is due, if any.
    pub fn next_deadline(&self, st: &AccountState) -> Result<Option<i64>, EvalError> {
        self.admit_ref(st)?;
        Ok((st.next_due != i64::MAX && st.flags & TERMINATED == 0).then_some(st.next_due))
    }
}

/// A step counted from another rule's event (`from <event>`, not `before`)
/// is never due before its own rule's trigger: overdue when the rule
/// starts, it is due at the trigger (docs/semantics.md, "Running rules").
#[inline(always)]
fn not_before_trigger(t: &TimingIr, r: Option<Reading1>, trigger: i64) -> Option<Reading1> {
    match (t.anchor, r) {
        (AnchorIr::Event { .. }, Some((at, w)))
            if t.kind != TimingKindM::Before && at < trigger =>
        {
            Some((trigger, w))
        }
        (_, r) => r,
    }
}
