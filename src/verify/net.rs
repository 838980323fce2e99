//! The compiled automaton as the search sees it: each rule's chain, each
//! step's due instant as a condition on clocks and midnight counters.
//!
//! * A **clock** per anchor point: a rule's trigger instant, and every step
//!   another step counts from (its chosen instant is the instant it fires).
//!   `after 24h` is "clock ≥ 86 400".
//! * A **midnight counter** per anchor point that some step counts in
//!   calendar days: the number of local midnights since the anchor
//!   (saturating). `after N calendar days` ends at the (N+1)-th midnight
//!   after the anchor (00:00 of date + N + 1); `on calendar day N` is the
//!   window from the N-th to the (N+1)-th. The counters are exact because
//!   the zone keeps one UTC offset ([`crate::calendar::Clock::fixed_offset`]):
//!   midnights are 86 400 s apart, and a clock `z` (the time since the last
//!   midnight) makes them happen.
//! * A step with two readings is due at the later (`late`) or earlier of
//!   its two instants; a window step at its end (`late`) or start, as the
//!   evaluator places it ([`crate::eval::Machine`]).
//!
//! Only the rules the property can see are built (the caller's `keep`):
//! rules share no state that another rule reads but the balance, the
//! resources a guard reads and the events a step counts from (the caller
//! keeps every rule that changes one, `super::cone`), so a rule that
//! performs no watched action and never terminates changes nothing the
//! property is about.
//!
//! The account state of issue #12 is read through `super::account`: a
//! rule's guard, a step's guard and a conjunctive cure on the abstract
//! balance, and the restrictions while in arrears as steps that fire when
//! the account enters arrears.
//!
//! A rule's kept (`even if cured`) steps are chains of local states after
//! its `done`, as `compile` lays them out ([`ChainV`]); a guard on a
//! resource reads the resources the kept rules' fired steps changed.
//!
//! A step counted from another rule's event (`from <event>`) counts from
//! a global anchor point: reset when the event starts a rule, or for
//! `arrears` when the account enters arrears (unset when it is settled).
//! While it is unset the step is not due.
//!
//! What this cannot express is refused with a reason (`Err`): guards on a
//! capability's state (cures restore them), an `even if cured` step
//! counted from another rule's event (a cure may drop it), a `before` step
//! counted from another rule's event, working days and months on the
//! clock (their length depends on the date), more than 8 calendar months,
//! a zone whose offset changes, a step counted from a `before` step.
//! Calendar months are month marks (`super::months`).

use crate::calendar::Clock;
use crate::compile::{AnchorIr, Automaton, CondIr, EventId, Fx, StateId, StepIx, TimingIr, NONE};
use crate::model::{DurationM, TimingKindM, Unit};

/// "This has been reached": a clock at least `c`, or a counter at least `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Atom {
    Clock {
        /// The anchor point it counts from (unset: never reached).
        anchor: usize,
        clock: usize,
        c: i64,
    },
    /// Due from the `n`-th midnight, and by the `n + slack`-th at the
    /// latest: a period the rest days may extend (Civil Code Art. 203)
    /// ends at one of those midnights, as the calendar places it.
    Count {
        anchor: usize,
        counter: usize,
        n: u8,
        slack: u8,
    },
}

impl Atom {
    /// The anchor point it counts from.
    pub fn anchor(&self) -> usize {
        match *self {
            Atom::Clock { anchor, .. } | Atom::Count { anchor, .. } => anchor,
        }
    }
}

/// When a waiting step is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// Placed before the instant it becomes waiting (`before D`): due at
    /// once, before the steps due at that instant.
    Overdue,
    One(Atom),
    /// The earlier of two instants.
    Min(Atom, Atom),
    /// The later of two instants.
    Max(Atom, Atom),
}

#[derive(Clone, Debug)]
pub struct StepV {
    pub ix: StepIx,
    pub due: Due,
    /// The anchor point this step's firing sets (some step counts from it).
    pub anchor: Option<usize>,
    /// Its guard (empty: none): when it does not hold the step is skipped.
    pub guard: Vec<CondIr>,
}

/// The `even if cured` steps a cure keeps when it comes after the rule's
/// first `from` steps fired: the search's local states `first ..
/// first + steps.len()` wait for them in turn, `first + steps.len()` is
/// the chain's own `done` (`compile`'s kept chain).
#[derive(Clone, Debug)]
pub struct ChainV {
    pub from: usize,
    /// The kept steps, by index in the rule.
    pub steps: Vec<usize>,
    pub first: u8,
}

#[derive(Clone, Debug)]
pub struct RuleV {
    /// Its index in the automaton's rules.
    pub ir_rule: usize,
    /// The conditions that must hold for its trigger to start it.
    pub guard: Vec<CondIr>,
    pub trigger: EventId,
    pub cures: Vec<EventId>,
    pub steps: Vec<StepV>,
    /// The anchor point of the trigger instant.
    pub trigger_anchor: usize,
    /// Every anchor point of the rule (trigger first).
    pub anchors: Vec<usize>,
    /// Its kept chains, by the number of steps fired at the cure.
    pub chains: Vec<ChainV>,
}

impl RuleV {
    /// The step (index in the rule) local state `k` waits for: `k − 1`
    /// for `1 ..= steps`, a kept step in a chain.
    pub fn waits(&self, k: u8) -> Option<usize> {
        let n = self.steps.len();
        let k = usize::from(k);
        if (1..=n).contains(&k) {
            return Some(k - 1);
        }
        self.chains.iter().find_map(|c| {
            let i = k.checked_sub(usize::from(c.first))?;
            c.steps.get(i).copied()
        })
    }

    /// Whether `k` waits in a kept chain (events leave it unchanged).
    pub fn in_chain(&self, k: u8) -> bool {
        usize::from(k) > self.steps.len() + 1 && self.waits(k).is_some()
    }

    /// Whether `k` is `done` or a chain's own `done` (a trigger starts
    /// the rule again).
    pub fn is_done(&self, k: u8) -> bool {
        usize::from(k) == self.steps.len() + 1
            || self
                .chains
                .iter()
                .any(|c| usize::from(c.first) + c.steps.len() == usize::from(k))
    }

    /// Where a cure from `k` leads: a kept chain, or idle (`None`).
    pub fn cured_to(&self, k: u8) -> Option<u8> {
        let from = usize::from(k).checked_sub(1)?;
        if from >= self.steps.len() {
            return None; // from `done` (nothing is left to keep) or a chain's
        }
        self.chains.iter().find(|c| c.from == from).map(|c| c.first)
    }

    /// The steps (index in the rule) still to come from local state `k`:
    /// the one it waits for and those after it (in its chain, for a
    /// chain's state).
    pub fn to_come(&self, k: u8) -> Vec<usize> {
        let n = self.steps.len();
        let ku = usize::from(k);
        if (1..=n).contains(&ku) {
            return (ku - 1..n).collect();
        }
        self.chains
            .iter()
            .find_map(|c| {
                let i = ku.checked_sub(usize::from(c.first))?;
                c.steps.get(i..).map(<[usize]>::to_vec)
            })
            .unwrap_or_default()
    }

    /// The local state after `k`'s step fired, and whether the rule is
    /// then done (its anchors are freed).
    pub fn after_fire(&self, k: u8) -> (u8, bool) {
        let n = self.steps.len();
        let next = k.saturating_add(1);
        if usize::from(k) <= n {
            return (next, usize::from(k) == n);
        }
        (next, self.is_done(next))
    }
}

#[derive(Clone, Copy, Debug)]
pub struct AnchorPt {
    pub clock: usize,
    pub counter: Option<usize>,
}

/// Clock 0 is zero, clock 1 ([`W`]) the time since the last move.
pub const W: usize = 1;

#[derive(Clone, Debug)]
pub struct Net {
    pub rules: Vec<RuleV>,
    pub anchors: Vec<AnchorPt>,
    /// Per counter: the largest count any condition asks for.
    pub counter_cap: Vec<u8>,
    /// Per clock: the largest constant it is compared with.
    pub max: Vec<i64>,
    /// The time since the last local midnight, when some count needs it.
    pub z: Option<usize>,
    /// The zone's UTC offset (seconds east).
    pub offset: i64,
    /// The rules read the arrears balance (`super::account`).
    pub balance: bool,
    /// A guard reads a resource: the search keeps the resources.
    pub resources: bool,
    /// The most consecutive rest days of the calendar: how far the rest
    /// days may extend a period in calendar days (Civil Code Art. 203).
    pub rest_break: u8,
    /// Some step's instant depends on where rest days fall (an atom with
    /// slack): the search over-approximates it.
    pub slack: bool,
    /// The steps of every restriction while in arrears, in order: they
    /// fire when the account enters arrears.
    pub restrictions: Vec<StepIx>,
    /// The month ends some step or the property counts to
    /// (`super::months`).
    pub months: Vec<super::months::MonthMark>,
    /// The anchor point of each event a step counts from (`from <event>`,
    /// not `arrears`): reset when the event starts a rule.
    pub event_anchors: Vec<(EventId, usize)>,
    /// The anchor point of the start of the current arrears episode, when
    /// a step counts from `arrears` (another rule's trigger): reset when
    /// the account enters arrears, unset when it is settled.
    pub episode: Option<usize>,
}

const DAY: i64 = 86_400;

impl Net {
    pub fn clocks(&self) -> usize {
        self.max.len()
    }

    fn new_clock(&mut self, max: i64) -> usize {
        self.max.push(max.max(0));
        self.max.len() - 1
    }

    /// A new anchor point (clock, and a counter when `count` asks for one).
    pub fn add_anchor(&mut self) -> usize {
        let clock = self.new_clock(0);
        self.anchors.push(AnchorPt {
            clock,
            counter: None,
        });
        self.anchors.len() - 1
    }

    /// "`d` has passed since anchor point `a`", as an atom.
    pub fn after(&mut self, a: usize, d: DurationM) -> Result<Atom, String> {
        let n = i64::from(d.count);
        let secs = match d.unit {
            _ if n == 0 => Some(0),
            Unit::Minutes => Some(n * 60),
            Unit::Hours => Some(n * 3600),
            Unit::Days => Some(n * DAY),
            Unit::CalendarDays => None,
            Unit::Workdays => {
                return Err("working days (their length depends on the calendar)".into())
            }
            Unit::CalendarMonths => return self.month_atom(a, d.count, 0),
            Unit::Months => {
                return Err(
                    "months on the clock (`N months`: their length depends on the date)".into(),
                )
            }
        };
        match secs {
            Some(c) => Ok(self.clock_atom(a, c)),
            None => self.count_atom(a, d.count.saturating_add(1), 0),
        }
    }

    fn clock_atom(&mut self, a: usize, c: i64) -> Atom {
        let clock = self.anchors[a].clock;
        self.max[clock] = self.max[clock].max(c);
        Atom::Clock {
            anchor: a,
            clock,
            c,
        }
    }

    pub(super) fn count_atom(&mut self, a: usize, n: u32, slack: u8) -> Result<Atom, String> {
        let n = u8::try_from(n)
            .ok()
            .filter(|n| n.checked_add(slack).is_some_and(|m| m < u8::MAX))
            .ok_or("a count of more than 250 calendar days")?;
        if self.z.is_none() {
            self.z = Some(self.new_clock(DAY));
        }
        let counter = match self.anchors[a].counter {
            Some(k) => k,
            None => {
                self.counter_cap.push(0);
                let k = self.counter_cap.len() - 1;
                self.anchors[a].counter = Some(k);
                k
            }
        };
        self.counter_cap[counter] = self.counter_cap[counter].max(n + slack);
        if slack > 0 {
            self.slack = true;
        }
        Ok(Atom::Count {
            anchor: a,
            counter,
            n,
            slack,
        })
    }

    /// The rules `keep` selects, and every rule whose steps change what a
    /// kept rule reads (`super::cone::closed`), as chains of conditions (in
    /// rule order).
    pub fn build(ir: &Automaton, clock: &Clock, keep: &[bool]) -> Result<Net, String> {
        let keep = super::cone::closed(ir, keep);
        let offset = clock
            .fixed_offset()
            .ok_or("the time zone changes its UTC offset")?;
        let mut net = Net {
            rules: Vec::new(),
            anchors: Vec::new(),
            counter_cap: Vec::new(),
            max: vec![0, 1],
            z: None,
            offset,
            balance: ir.account_state && ir.layout.balance,
            resources: false,
            rest_break: u8::try_from(ir.workdays.longest_break().max(0)).unwrap_or(u8::MAX / 2),
            slack: false,
            restrictions: ir
                .restrictions
                .iter()
                .flat_map(|r| r.steps.range())
                .map(|k| StepIx(k as u32))
                .collect(),
            event_anchors: Vec::new(),
            episode: None,
            months: Vec::new(),
        };
        for (ri, r) in ir.rules.iter().enumerate() {
            if !keep.get(ri).copied().unwrap_or(true) {
                continue;
            }
            let steps: Vec<StepIx> = r.steps().map(StepIx).collect();
            let chains = chains(ir, ri, steps.len())?;
            let guard = conditions(ir.conditions.get(r.guard.range()).unwrap_or(&[]))?;
            let trigger_anchor = net.add_anchor();
            let mut anchors = vec![trigger_anchor];
            // the steps some step counts from
            let mut step_anchor: Vec<Option<usize>> = vec![None; steps.len()];
            for &s in &steps {
                let st = ir.step(s);
                for t in std::iter::once(&st.timing).chain(st.alternative.as_ref()) {
                    if let AnchorIr::Step(j) | AnchorIr::Fired { step: j, .. } = t.anchor {
                        let k = j.0.checked_sub(r.first_step).map(|k| k as usize);
                        let Some(slot) = k.and_then(|k| step_anchor.get_mut(k)) else {
                            return Err(format!(
                                "rule {} counts from a step of another rule",
                                ir.rule_name(ri)
                            ));
                        };
                        if ir.step(j).timing.kind == TimingKindM::Before {
                            return Err(format!(
                                "rule {} counts from a `before` step",
                                ir.rule_name(ri)
                            ));
                        }
                        if slot.is_none() {
                            let a = net.add_anchor();
                            anchors.push(a);
                            *slot = Some(a);
                        }
                    }
                }
            }
            let mut out = Vec::new();
            for (k, &s) in steps.iter().enumerate() {
                let st = ir.step(s);
                let mut atoms = Vec::new();
                let mut before = 0;
                for t in std::iter::once(&st.timing).chain(st.alternative.as_ref()) {
                    let a = match t.anchor {
                        AnchorIr::Trigger => Some(trigger_anchor),
                        AnchorIr::Step(j) | AnchorIr::Fired { step: j, .. } => step_anchor
                            .get(j.0.wrapping_sub(r.first_step) as usize)
                            .copied()
                            .flatten(),
                        AnchorIr::Event { event, slot } => {
                            if t.kind == TimingKindM::Before {
                                return Err(format!(
                                    "a `before` step of rule {} counted from another rule's event",
                                    ir.rule_name(ri)
                                ));
                            }
                            Some(net.event_anchor(ir, event, slot)?)
                        }
                    };
                    if t.kind == TimingKindM::Before {
                        before += 1;
                        continue;
                    }
                    let a = a.ok_or("a step counted from a step it cannot find")?;
                    atoms.push(net.atom(a, t, st.late, st.rest_days)?);
                }
                let due = match (before, atoms.as_slice()) {
                    (b, []) if b > 0 => Due::Overdue,
                    (0, [a]) => Due::One(*a),
                    (0, [a, b]) => net.pair(*a, *b, st.late)?,
                    _ => {
                        return Err(format!(
                            "a step of rule {} reads `before` one way and not the other",
                            ir.rule_name(ri)
                        ))
                    }
                };
                // its guard (after the `Fired` that keeps its instant)
                let guard = match ir.step_effects(s).iter().find_map(|f| match f {
                    Fx::Guard(c) => Some(*c),
                    _ => None,
                }) {
                    Some(c) => conditions(ir.conditions.get(c.range()).unwrap_or(&[]))?,
                    None => Vec::new(),
                };
                out.push(StepV {
                    ix: s,
                    due,
                    anchor: step_anchor.get(k).copied().flatten(),
                    guard,
                });
            }
            net.rules.push(RuleV {
                ir_rule: ri,
                guard,
                trigger: r.trigger,
                cures: ir.cures(ri).to_vec(),
                steps: out,
                trigger_anchor,
                anchors,
                chains,
            });
        }
        net.resources = net.rules.iter().any(|r| {
            r.guard
                .iter()
                .chain(r.steps.iter().flat_map(|s| &s.guard))
                .any(|c| matches!(c, CondIr::Resource(..)))
        });
        net.fit_constants();
        if net.anchors.len() > 60 {
            return Err(format!("{} anchor points (at most 60)", net.anchors.len()));
        }
        Ok(net)
    }

    /// The anchor point of another rule's event (`from <event>`): the start
    /// of the current arrears episode for `arrears`, else the latest instant
    /// the event started a rule.
    fn event_anchor(&mut self, ir: &Automaton, event: EventId, slot: u32) -> Result<usize, String> {
        if slot == ir.episode_slot && slot != NONE {
            if !self.balance {
                return Err("a step counted from the arrears episode without the balance".into());
            }
            if let Some(a) = self.episode {
                return Ok(a);
            }
            let a = self.add_anchor();
            self.episode = Some(a);
            return Ok(a);
        }
        if let Some(&(_, a)) = self.event_anchors.iter().find(|(e, _)| *e == event) {
            return Ok(a);
        }
        let a = self.add_anchor();
        self.event_anchors.push((event, a));
        Ok(a)
    }

    /// Each anchor point's clock compared with the constants of the atoms
    /// the steps kept: an atom [`Net::pair`] dropped leaves a clock that
    /// nothing reads, which extrapolation then forgets (it would otherwise
    /// tell apart zones no step can).
    fn fit_constants(&mut self) {
        let mut max = self.max.clone();
        for pt in &self.anchors {
            if let Some(m) = max.get_mut(pt.clock) {
                *m = 0;
            }
        }
        for s in self.rules.iter().flat_map(|r| &r.steps) {
            let (a, b) = match s.due {
                Due::Overdue => (None, None),
                Due::One(a) => (Some(a), None),
                Due::Min(a, b) | Due::Max(a, b) => (Some(a), Some(b)),
            };
            for atom in a.into_iter().chain(b) {
                if let Atom::Clock { clock, c, .. } = atom {
                    if let Some(m) = max.get_mut(clock) {
                        *m = (*m).max(c);
                    }
                }
            }
        }
        self.max = max;
    }

    /// The instant one timing places a step at, as an atom.
    fn atom(&mut self, a: usize, t: &TimingIr, late: bool, rest: bool) -> Result<Atom, String> {
        // Art. 203 moves the end of a period in calendar days or months
        // past the rest days its last day falls in: by 0 to `rest_break` days
        let extended = rest
            && t.duration.count > 0
            && matches!(t.duration.unit, Unit::CalendarDays | Unit::CalendarMonths)
            && matches!(t.kind, TimingKindM::After | TimingKindM::Within);
        if extended && (late || t.kind == TimingKindM::After) {
            if t.duration.unit == Unit::CalendarMonths {
                return self.month_atom(a, t.duration.count, self.rest_break);
            }
            let n = t.duration.count.saturating_add(1);
            return self.count_atom(a, n, self.rest_break);
        }
        match t.kind {
            TimingKindM::At => Ok(self.clock_atom(a, 0)),
            TimingKindM::After => self.after(a, t.duration),
            TimingKindM::Within if late => self.after(a, t.duration),
            TimingKindM::Within => Ok(self.clock_atom(a, 0)),
            TimingKindM::OnDay if t.duration.count == 0 => {
                Err("`on calendar day 0` (a window that starts before its anchor)".into())
            }
            TimingKindM::OnDay => {
                let n = t.duration.count.saturating_add(u32::from(late));
                self.count_atom(a, n, 0)
            }
            // `on hour N`: the window [(N−1) h, N h], its end when late
            TimingKindM::OnHour if t.duration.count == 0 => {
                Err("`on hour 0` (a window that starts before its anchor)".into())
            }
            TimingKindM::OnHour => {
                let n = i64::from(t.duration.count) - i64::from(!late);
                Ok(self.clock_atom(a, n * 3600))
            }
            TimingKindM::Before => Err("`before` inside a reading".into()),
        }
    }

    /// Two readings: the later (`late`) or the earlier of their instants.
    fn pair(&mut self, a: Atom, b: Atom, late: bool) -> Result<Due, String> {
        use Atom::*;
        // exact time against midnights from one anchor point: `n`
        // midnights after an instant are at least (n − 1) × 24 h + 1 s
        // after it, so when `c` is no more the midnights are the later
        // instant and the clock the earlier one, whatever the time of day
        // (`after 7d or after 7 calendar days`: the 8th midnight)
        let (clock, count) = match (a, b) {
            (x @ Clock { .. }, y @ Count { .. }) | (y @ Count { .. }, x @ Clock { .. }) => (x, y),
            _ => (a, b),
        };
        if let (Clock { anchor: p, c, .. }, Count { anchor: q, n, .. }) = (clock, count) {
            // (a month mark counts from its anchor too, but is not its
            // midnight counter)
            let midnights = self.anchors.get(q).and_then(|pt| pt.counter);
            if p == q && midnights == Some(count_of(&count)) && c <= (i64::from(n) - 1) * DAY + 1 {
                return Ok(Due::One(if late { count } else { clock }));
            }
        }
        Ok(match (a, b) {
            (
                Clock {
                    anchor,
                    clock: x,
                    c,
                },
                Clock { clock: y, c: d, .. },
            ) if x == y => Due::One(Clock {
                anchor,
                clock: x,
                c: if late { c.max(d) } else { c.min(d) },
            }),
            (
                Count {
                    anchor,
                    counter: x,
                    n,
                    slack: s,
                },
                Count {
                    counter: y,
                    n: m,
                    slack: t,
                    ..
                },
            ) if x == y => {
                let (lo, hi) = if late {
                    (n.max(m), (n + s).max(m + t))
                } else {
                    (n.min(m), (n + s).min(m + t))
                };
                Due::One(Count {
                    anchor,
                    counter: x,
                    n: lo,
                    slack: hi - lo,
                })
            }
            _ if late => Due::Max(a, b),
            _ => Due::Min(a, b),
        })
    }
}

/// A count atom's counter.
fn count_of(a: &Atom) -> usize {
    match *a {
        Atom::Count { counter, .. } => counter,
        Atom::Clock { .. } => usize::MAX,
    }
}

/// Rule `ri`'s kept chains, numbered after its `done` (`n` steps).
fn chains(ir: &Automaton, ri: usize, n: usize) -> Result<Vec<ChainV>, String> {
    let Some(r) = ir.rules.get(ri) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<ChainV> = Vec::new();
    let mut next = n + 2;
    for j in 0..=n {
        let from = StateId(r.first_state.0 + 1 + j as u32);
        let to = ir.cured_to.get(from.0 as usize).copied().unwrap_or(NONE);
        let Some((_, kept)) = (to != NONE).then(|| ir.kept_chain(StateId(to))).flatten() else {
            continue;
        };
        let steps: Vec<usize> = kept
            .iter()
            .filter_map(|s| s.checked_sub(r.first_step).map(|k| k as usize))
            .collect();
        if kept
            .iter()
            .any(|s| ir.step(StepIx(*s)).dropped_slot != NONE)
        {
            return Err("an `even if cured` step counted from another rule's event".into());
        }
        let first = u8::try_from(next)
            .ok()
            .filter(|f| usize::from(*f) + steps.len() < usize::from(u8::MAX))
            .ok_or_else(|| format!("rule {} has too many kept steps", ir.rule_name(ri)))?;
        next += steps.len() + 1;
        out.push(ChainV {
            from: j,
            steps,
            first,
        });
    }
    Ok(out)
}

/// A guard's conditions, when the search can read them: the balance and
/// resources (only fired steps change a resource, and never back; the
/// cone keeps every rule that changes one a guard reads).
fn conditions(conds: &[CondIr]) -> Result<Vec<CondIr>, String> {
    if conds.iter().any(|c| matches!(c, CondIr::Capability(..))) {
        return Err("a guard on a capability's state".into());
    }
    Ok(conds.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Program;
    use crate::vocab::{Billing, Reading};

    /// `after 7d or after 7 calendar days` from one anchor: the 8th
    /// midnight is always the later instant, 7 × 24 h the earlier, and the
    /// clock of the one left out is compared with nothing.
    #[test]
    fn two_readings_from_one_anchor_keep_the_instant_the_reading_takes() {
        let text = r#"
product p "图形工作站服务" §1 {
  billing prepaid
  resources data
  on expiry {
    after 7d or after 7 calendar days purge data §1.1 note "two readings"
    until renewal
  }
}
"#;
        let p = Program::compile_str("t.clause", text).expect("checks");
        for (reading, calendar) in [(Reading::CustomerSafe, true), (Reading::Earliest, false)] {
            let m = p
                .select("p", Some(Billing::Prepaid), reading)
                .expect("compiles");
            let keep = vec![true; m.ir.rules.len()];
            let net = Net::build(&m.ir, &m.clock, &keep).expect("searchable");
            let dues: Vec<Due> = net
                .rules
                .iter()
                .flat_map(|r| r.steps.iter().map(|s| s.due))
                .collect();
            assert_eq!(dues.len(), 1, "{dues:?}");
            match dues[0] {
                Due::One(Atom::Count { n, .. }) if calendar => assert_eq!(n, 8),
                Due::One(Atom::Clock { clock, c, .. }) if !calendar => {
                    assert_eq!(c, 7 * DAY);
                    assert_eq!(net.max[clock], 7 * DAY);
                }
                other => panic!("{reading:?}: {other:?}"),
            }
            // no anchor clock is compared with 7 × 24 h under customer-safe
            if calendar {
                assert!(net.anchors.iter().all(|pt| net.max[pt.clock] == 0));
            }
        }
    }
}
