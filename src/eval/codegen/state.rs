//! The account state of issue #12 in generated modules: what
//! `eval/account.rs` runs, written out per event for one automaton
//! (docs/semantics.md, “The account-state semantics”).
//!
//! An account-state module holds, beside the plain record, the arrears
//! balance (an exact [`rust_decimal::Decimal`], as the machine's two state
//! slots hold it) and whether an arrears of unknown amount is unpaid, each
//! conjunctive cure's progress (the machine's progress slot, its `settled`
//! bit the type's bit after the events'), and the instants of the events
//! steps count from (`from <event>`: the machine's anchor slots and the
//! arrears episode, held as the other instants are, 0 for none). Its
//! events take the machine's account path: placements that may fail are
//! tried first, the balance moves (entering arrears applies the
//! restrictions, settling lifts them), every rule the event concerns takes
//! it in rule order (a conjunctive cure, a cure, or a start its guard
//! allows), and every rule's deadline is computed again before the
//! deadlines at the event's instant fire. Deadlines fire through the plain
//! module's `rounds` (firing one step moves no other rule); a guarded
//! step's guard is read when it falls due (`fire_fn`).

use super::{Field, Gen};
use crate::compile::layout::Layout;
use crate::compile::{AnchorIr, CondIr, EdgeHot, Span32, StateId, StepIx, NONE};
use crate::eval::machine::{reported, ARREARS, PAYMENT};
use crate::model::ResourceState;
use std::fmt::Write;

/// The most events one conjunctive cure may name in a module: bit 63 of
/// the machine's progress slot is its `settled` bit.
const MAX_CONJ_EVENTS: usize = 63;

/// The first form of the automaton the generator cannot write, if any.
pub(super) fn not_emitted(m: &crate::eval::Machine) -> Option<&'static str> {
    let ir = &m.ir;
    if ir
        .rules
        .iter()
        .any(|r| r.conj_events.range().len() > MAX_CONJ_EVENTS)
    {
        return Some("until … and … naming more than 63 events");
    }
    let fx = |f: fn(&crate::compile::Fx) -> bool| {
        (0..ir.steps.len()).any(|k| ir.step_effects(StepIx(k as u32)).iter().any(f))
    };
    if fx(|f| matches!(f, crate::compile::Fx::Fired(_))) {
        return Some("a step counted from a step counted from another rule's event");
    }
    if fx(|f| matches!(f, crate::compile::Fx::Dropped(_))) {
        return Some("even if cured from <another rule's event>");
    }
    None
}

macro_rules! w {
    ($g:expr, $($arg:tt)*) => {{
        let _ = writeln!($g.out, $($arg)*);
    }};
}

impl Gen<'_> {
    /// The header lines of an account-state module.
    pub(super) fn state_header(&mut self) {
        w!(self, "//!");
        w!(
            self,
            "//! An account-state automaton (issue #12; forms: {}): the record holds the",
            self.m.ir.state_forms.join(", ")
        );
        w!(
            self,
            "//! arrears balance, exact, and `event_with` takes the event's amount (what an"
        );
        w!(
            self,
            "//! `arrears` owes or a `payment` pays; `event` passes none)."
        );
    }

    /// The slots of the events steps count from, in the module's order:
    /// the machine's anchor slots, then the arrears episode's.
    fn event_slots(&self) -> Vec<u32> {
        let ir = &self.m.ir;
        let mut slots: Vec<u32> = ir.anchor_slots.iter().map(|&(_, s)| s).collect();
        if ir.episode_slot != NONE {
            slots.push(ir.episode_slot);
        }
        slots
    }

    /// The rules with a conjunctive cure, in rule order (index: their
    /// place in `progress`).
    fn progress_rules(&self) -> Vec<usize> {
        (0..self.rules())
            .filter(|&r| self.m.ir.rules[r].progress_slot != NONE)
            .collect()
    }

    /// The most events one conjunctive cure names (the `settled` bit's
    /// place in a progress word).
    fn progress_events(&self) -> usize {
        self.m
            .ir
            .rules
            .iter()
            .map(|r| r.conj_events.range().len())
            .max()
            .unwrap_or(0)
    }

    fn progress_type(&self) -> &'static str {
        Self::uint(self.progress_events() + 1)
    }

    /// The event instants and the balance: 4-byte aligned fields.
    pub(super) fn state_wide_fields(&self) -> Vec<Field> {
        let mut fields = Vec::new();
        let a = self.event_slots().len();
        if a > 0 {
            fields.push(Field {
                decl: format!("ev_at: [u32; {a}]"),
                doc: "The instants of the events steps count from, held form (0: none yet; the arrears episode last, 0 while settled).",
                bytes: 4 * a,
                align: 4,
                read: "self.ev_at[0]".into(),
            });
        }
        fields.push(Field {
            decl: "pub outstanding: Decimal".into(),
            doc: "The arrears balance: what is owed, exact (negative: credit).",
            bytes: 16,
            align: 4,
            read: "self.outstanding.scale()".into(),
        });
        fields
    }

    /// Each conjunctive cure's progress, when a rule has one.
    pub(super) fn progress_field(&self) -> Option<Field> {
        let p = self.progress_rules().len();
        if p == 0 {
            return None;
        }
        let ty = self.progress_type();
        let size = Self::bytes(ty);
        Some(Field {
            decl: format!("progress: [{ty}; {p}]"),
            doc: "Each conjunctive cure's events seen since its rule started (bit i: its i-th event; `SETTLED`: a payment left the account settled).",
            bytes: size * p,
            align: size,
            read: "self.progress[0] as u32".into(),
        })
    }

    /// The fresh values of the account-state fields (`Default`).
    pub(super) fn state_defaults(&self) -> String {
        let mut s = String::new();
        let a = self.event_slots().len();
        if a > 0 {
            let _ = write!(s, "ev_at: [0; {a}], ");
        }
        s.push_str("outstanding: Decimal::ZERO, ");
        let p = self.progress_rules().len();
        if p > 0 {
            let _ = write!(s, "progress: [0; {p}], ");
        }
        s.push_str("unknown_debt: false,");
        s
    }

    /// `in_arrears()`, `event_at(i)` and the progress word's `SETTLED`.
    pub(super) fn state_accessors(&mut self) {
        w!(
            self,
            "    /// Whether the account is in arrears: an amount is outstanding, or an"
        );
        w!(self, "    /// arrears of unknown amount is unpaid.");
        w!(self, "    #[inline(always)]");
        w!(
            self,
            "    pub fn in_arrears(&self) -> bool {{ self.unknown_debt || (self.outstanding.is_sign_positive() && !self.outstanding.is_zero()) }}"
        );
        w!(self, "");
        if !self.event_slots().is_empty() {
            w!(
                self,
                "    /// The instant of event slot `i` (0: the event has not happened)."
            );
            w!(self, "    #[inline(always)]");
            w!(
                self,
                "    fn event_at(&self, i: usize) -> i64 {{ match self.ev_at[i] {{ 0 => 0, x => EPOCH - 1 + i64::from(x) }} }}"
            );
            w!(self, "");
        }
        if !self.progress_rules().is_empty() {
            w!(
                self,
                "    /// Bit of a progress word: a payment since the rule started left the account settled."
            );
            w!(
                self,
                "    const SETTLED: {} = 1 << {};",
                self.progress_type(),
                self.progress_events()
            );
            w!(self, "");
        }
    }

    /// For a step counted from another rule's event: the `(slot, instant)`
    /// pairs `Machine::place_step_from` reads.
    pub(super) fn event_pairs(&self, step: StepIx) -> Option<String> {
        let s = self.m.ir.steps.get(step.0 as usize)?;
        let slots = self.event_slots();
        let mut pairs = Vec::new();
        let mut counted = false;
        for t in std::iter::once(&s.timing).chain(&s.alternative) {
            if let AnchorIr::Event { slot, .. } = t.anchor {
                counted = true;
                if let Some(i) = slots.iter().position(|x| *x == slot) {
                    let pair = format!("({slot}, self.event_at({i}))");
                    if !pairs.contains(&pair) {
                        pairs.push(pair);
                    }
                }
            }
        }
        counted.then(|| pairs.join(", "))
    }

    /// A guard's conditions as a Rust expression over the record.
    pub(super) fn guard_expr(&self, conds: Span32) -> String {
        let list = self.m.ir.conditions.get(conds.range()).unwrap_or(&[]);
        let parts: Vec<String> = list
            .iter()
            .map(|c| match *c {
                CondIr::InArrears => "self.in_arrears()".to_string(),
                CondIr::Settled => "!self.in_arrears()".to_string(),
                CondIr::Capability(i, want) => {
                    // the codes that read as `want` (frozen and stopped
                    // read suspended; a code no state has reads active)
                    let codes: Vec<String> = (0..8u64)
                        .filter(|&c| reported(Layout::cap(c, 0)) == want)
                        .map(|c| c.to_string())
                        .collect();
                    let shift = 3 * u32::from(i);
                    format!(
                        "matches!(((self.caps as u64) >> {shift}) & 7, {})",
                        codes.join(" | ")
                    )
                }
                CondIr::Resource(i, want) => {
                    let code = match want {
                        ResourceState::Released => "1",
                        ResourceState::Purged => "2",
                        ResourceState::Retained => "0 | 3",
                    };
                    let shift = 2 * u32::from(i);
                    format!("matches!(((self.resources as u32) >> {shift}) & 3, {code})")
                }
                CondIr::Never => "false".to_string(),
            })
            .collect();
        if parts.is_empty() {
            "true".into()
        } else {
            parts.join(" && ")
        }
    }

    /// The waiting mask's update when rule `r` moves from `from` to `to`.
    fn wait_update(&self, r: usize, from: StateId, to: StateId) -> String {
        let ir = &self.m.ir;
        let bit = 1u64 << r;
        match (ir.waiting(from).is_some(), ir.waiting(to).is_some()) {
            (true, false) => format!(" self.waiting &= !{bit:#x};"),
            (false, true) => format!(" self.waiting |= {bit:#x};"),
            _ => String::new(),
        }
    }

    /// Placements of rule `r`'s steps from `at` that may fail, tried
    /// before the event changes anything (the machine's `check_start`),
    /// when event `e` starts it.
    fn start_checks(&mut self, r: usize, e: usize) {
        let m = self.m;
        let starting: Vec<String> = self
            .locals(r)
            .filter(|(_, sid)| {
                m.ir.edges
                    .get(sid.0, e)
                    .is_some_and(|x| x.flags & EdgeHot::SETS_ANCHOR != 0)
            })
            .map(|(l, _)| l.to_string())
            .collect();
        if starting.is_empty() {
            return;
        }
        let mut lines = Vec::new();
        let mut calendar = Vec::new();
        for k in m.ir.rules[r].steps() {
            let plan = m.ir.plans.get(k as usize).copied();
            if let Some(pairs) = self.event_pairs(StepIx(k)) {
                lines.push(format!(
                    "m.place_step_from(StepIx({k}), at, &[{pairs}]).map_err(Box::new)?;"
                ));
            } else if matches!(plan, Some(crate::compile::Plan::CalendarDays { .. })) {
                // calendar days are placed surely on the fast span
                calendar.push(k);
            } else if !plan.is_some_and(|p| p.is_point()) {
                lines.push(format!("m.place_step(StepIx({k}), at).map_err(Box::new)?;"));
            }
        }
        if lines.is_empty() && calendar.is_empty() {
            return;
        }
        w!(
            self,
            "                if matches!(self.local[{r}], {}) {{",
            starting.join(" | ")
        );
        for line in lines {
            w!(self, "                    {line}");
        }
        if !calendar.is_empty() {
            let (ff, fu) = (crate::calendar::FAST_FROM, crate::calendar::FAST_UNTIL);
            w!(
                self,
                "                    if !({ff}..={fu}).contains(&at) {{"
            );
            for k in calendar {
                w!(
                    self,
                    "                        m.place_step(StepIx({k}), at).map_err(Box::new)?;"
                );
            }
            w!(self, "                    }}");
        }
        w!(self, "                }}");
    }

    /// The balance moves: `arrears` adds its amount (or owes an unknown
    /// one), `payment` pays (all that is owed, without an amount). Entering
    /// arrears opens the episode and applies the restrictions; settling
    /// closes it and lifts them.
    fn balance(&mut self, e: u16) {
        let ir = &self.m.ir;
        let res = self.field_types().1;
        let episode = self
            .event_slots()
            .iter()
            .position(|s| *s == ir.episode_slot && ir.episode_slot != NONE);
        let lifts = ir.restrictions.iter().any(|x| x.caps != 0);
        let opens = episode.is_some() || !ir.restrictions.is_empty();
        if (e == ARREARS && opens) || (e != ARREARS && (episode.is_some() || lifts)) {
            w!(self, "                let was = self.in_arrears();");
        }
        w!(self, "                self.move_balance({e}, amount)?;");
        if e == ARREARS {
            if !opens {
                return;
            }
            // an arrears never settles (amounts are not negative)
            w!(self, "                if !was && self.in_arrears() {{");
            if let Some(i) = episode {
                w!(self, "                    self.ev_at[{i}] = h;");
            }
            let restrictions = ir.restrictions.clone();
            for x in &restrictions {
                for k in x.steps.range() {
                    for line in self.effects(StepIx(k as u32), res) {
                        w!(self, "                    {line}");
                    }
                    w!(self, "                    out({k}, at);");
                }
            }
            w!(self, "                }}");
        } else {
            if episode.is_none() && !lifts {
                return;
            }
            // a payment never enters arrears
            w!(self, "                if was && !self.in_arrears() {{");
            if let Some(i) = episode {
                w!(self, "                    self.ev_at[{i}] = 0;");
            }
            let restrictions = ir.restrictions.clone();
            for x in &restrictions {
                if x.caps == 0 {
                    continue;
                }
                w!(
                    self,
                    "                    if (self.caps as u64) & {:#x} != 0 {{ out({}, at); }}",
                    x.caps,
                    x.lift_step
                );
                w!(self, "                    self.caps &= !{:#x};", x.caps);
            }
            w!(self, "                }}");
        }
    }

    /// `move_balance(ev, amount)`: an `arrears` adds its amount (or owes
    /// an unknown one), a `payment` pays it (all that is owed, without an
    /// amount); other events leave the balance.
    fn move_balance_fn(&mut self) {
        let (a, p) = (ARREARS, PAYMENT);
        w!(
            self,
            "    /// The balance moves: an `arrears` adds its amount (or owes an unknown one),"
        );
        w!(
            self,
            "    /// a `payment` pays it (without an amount: all that is owed; credit is kept)."
        );
        w!(self, "    #[inline(always)]");
        w!(
            self,
            "    fn move_balance(&mut self, ev: usize, amount: Option<Decimal>) -> Result<(), Box<EvalError>> {{"
        );
        w!(self, "        match (ev, amount) {{");
        w!(
            self,
            "            ({a}, Some(x)) => self.outstanding = self.outstanding.checked_add(x).ok_or_else(|| Box::new(EvalError::Overflow))?,"
        );
        w!(self, "            ({a}, None) => self.unknown_debt = true,");
        w!(
            self,
            "            ({p}, Some(x)) => {{ self.unknown_debt = false; self.outstanding = self.outstanding.checked_sub(x).ok_or_else(|| Box::new(EvalError::Overflow))?; }}"
        );
        w!(
            self,
            "            ({p}, None) => {{ self.unknown_debt = false; self.outstanding = self.outstanding.min(Decimal::ZERO); }}"
        );
        w!(self, "            _ => {{}}");
        w!(self, "        }}");
        w!(self, "        Ok(())");
        w!(self, "    }}");
        w!(self, "");
    }

    /// Rule `r`'s arm for event `e`: its conjunctive cure's progress and
    /// cure, or its event edge (a cure, or a start its guard allows).
    fn rule_arm(&mut self, r: usize, e: usize) {
        let m = self.m;
        let ir = &m.ir;
        let rule = ir.rules[r];
        let pi = self.progress_rules().iter().position(|x| *x == r);
        let mine = ir.conj_events.get(rule.conj_events.range()).unwrap_or(&[]);
        let bit = mine.iter().position(|x| usize::from(x.0) == e);
        let payment = e == usize::from(PAYMENT);
        let progresses = pi.is_some() && (bit.is_some() || payment);
        let anchors: Vec<usize> = {
            let slots = self.event_slots();
            ir.anchor_slots
                .iter()
                .filter(|(ev, _)| usize::from(ev.0) == e)
                .filter_map(|(_, s)| slots.iter().position(|x| x == s))
                .collect()
        };
        let clear = pi.map_or(String::new(), |p| format!(" self.progress[{p}] = 0;"));
        let mut arms = Vec::new();
        let locals: Vec<_> = self.locals(r).collect();
        for (l, sid) in locals {
            let mut body = String::new();
            let cured_to = ir.cured_to.get(sid.0 as usize).copied().unwrap_or(NONE);
            if let (true, Some(p)) = (progresses && l != 0 && cured_to != NONE, pi) {
                let _ = write!(body, "let p = self.progress[{p}]");
                if let Some(i) = bit {
                    let _ = write!(body, " | {:#x}", 1u64 << i);
                }
                if payment {
                    body.push_str(" | if settled { Self::SETTLED } else { 0 }");
                }
                let _ = write!(body, "; self.progress[{p}] = p; ");
                let alts = ir
                    .conjunctions
                    .get(rule.conjunctions.range())
                    .unwrap_or(&[]);
                let complete: Vec<String> = alts
                    .iter()
                    .filter(|c| {
                        bit.is_some_and(|i| c.events & (1 << i) != 0) || (c.settled && payment)
                    })
                    .map(|c| {
                        let mut parts = Vec::new();
                        if c.events != 0 {
                            parts.push(format!("p & {:#x} == {:#x}", c.events, c.events));
                        }
                        if c.settled {
                            parts.push("p & Self::SETTLED != 0 && settled".into());
                        }
                        if parts.is_empty() {
                            "true".into()
                        } else {
                            parts.join(" && ")
                        }
                    })
                    .collect();
                let complete: Vec<String> = if complete.len() > 1 {
                    complete.iter().map(|c| format!("({c})")).collect()
                } else {
                    complete
                };
                if !complete.is_empty() {
                    let to = StateId(cured_to);
                    let _ = write!(
                        body,
                        "if {} {{ {}self.progress[{p}] = 0; self.local[{r}] = {};{} }}",
                        complete.join(" || "),
                        self.cure_code(r, sid),
                        self.local_of(r, to.0),
                        self.wait_update(r, sid, to)
                    );
                    let edge = self.edge_body(r, sid, e, &clear, &anchors);
                    if !edge.is_empty() {
                        let _ = write!(body, " else {{ {edge} }}");
                    }
                    arms.push((l, body));
                    continue;
                }
            }
            let edge = self.edge_body(r, sid, e, &clear, &anchors);
            if body.is_empty() && edge.is_empty() {
                continue;
            }
            body.push_str(&edge);
            arms.push((l, body));
        }
        if arms.is_empty() {
            return;
        }
        w!(self, "                match self.local[{r}] {{");
        for (l, body) in arms {
            w!(self, "                    {l} => {{ {body} }}");
        }
        w!(self, "                    _ => {{}}");
        w!(self, "                }}");
    }

    /// Rule `r`'s event edge on `e` from `sid`, as statements (empty: none).
    fn edge_body(
        &self,
        r: usize,
        sid: StateId,
        e: usize,
        clear: &str,
        anchors: &[usize],
    ) -> String {
        let ir = &self.m.ir;
        let Some(edge) = ir.edges.get(sid.0, e) else {
            return String::new();
        };
        let to = StateId(edge.target);
        let target = self.local_of(r, edge.target);
        let moves = format!(
            "self.local[{r}] = {target};{}",
            self.wait_update(r, sid, to)
        );
        if edge.flags & EdgeHot::SETS_ANCHOR != 0 {
            let mut body = String::new();
            let _ = write!(body, "self.anchor[{r}] = h;{clear}");
            for i in anchors {
                let _ = write!(body, " self.ev_at[{i}] = h;");
            }
            let _ = write!(body, " {moves}");
            let guard = ir.rules[r].guard;
            if guard.range().is_empty() {
                body
            } else {
                format!("if {} {{ {body} }}", self.guard_expr(guard))
            }
        } else if edge.flags & EdgeHot::RESUMES != 0 {
            let clear = clear.trim_start();
            let sep = if clear.is_empty() { "" } else { " " };
            format!("{}{clear}{sep}{moves}", self.cure_code(r, sid))
        } else {
            moves
        }
    }

    /// `event`, `event_with` and `apply` of an account-state module, and
    /// `settle`: every rule's deadline after an event.
    pub(super) fn state_event_fn(&mut self) {
        let m = self.m;
        let ir = &m.ir;
        w!(
            self,
            "    /// Applies event `ev` (an index into [`EVENTS`]) at `at`, without an amount."
        );
        w!(self, "    #[inline]");
        w!(
            self,
            "    pub fn event(&mut self, m: &Machine, ev: usize, at: i64, out: &mut impl FnMut(u32, i64)) -> Result<(), EvalError> {{"
        );
        w!(self, "        self.event_with(m, ev, at, None, out)");
        w!(self, "    }}");
        w!(self, "");
        w!(
            self,
            "    /// Applies event `ev` at `at` with its amount (an `arrears` owes it, a"
        );
        w!(
            self,
            "    /// `payment` pays it; other events' amounts are the machine's money terms')."
        );
        w!(self, "    #[inline]");
        w!(
            self,
            "    pub fn event_with(&mut self, m: &Machine, ev: usize, at: i64, amount: Option<Decimal>, out: &mut impl FnMut(u32, i64)) -> Result<(), EvalError> {{"
        );
        w!(
            self,
            "        let result = self.apply(m, ev, at, amount, out).map_err(|e| *e);"
        );
        w!(
            self,
            "        debug_assert_eq!(self.waiting, self.waiting_of_locals(), \"waiting mask\");"
        );
        w!(self, "        result");
        w!(self, "    }}");
        w!(self, "");
        w!(
            self,
            "    fn apply(&mut self, m: &Machine, ev: usize, at: i64, amount: Option<Decimal>, out: &mut impl FnMut(u32, i64)) -> Result<(), Box<EvalError>> {{"
        );
        w!(
            self,
            "        if !(EPOCH..=LAST).contains(&at) {{ return Err(Box::new(EvalError::OutOfRange {{ at }})); }}"
        );
        w!(
            self,
            "        if let Some(a) = amount.filter(|a| a.is_sign_negative() && !a.is_zero()) {{ return Err(Box::new(EvalError::NegativeAmount {{ at, amount: a }})); }}"
        );
        w!(self, "        let h = held(at);");
        w!(
            self,
            "        if h < self.now {{ return Err(Box::new(EvalError::OutOfOrder {{ at, previous: self.now() }})); }}"
        );
        w!(
            self,
            "        if self.next_due < h {{ self.rounds(m, at - 1, out)?; }}"
        );
        w!(self, "        self.now = h;");
        // after the end only money goes on: a payment still settles
        w!(
            self,
            "        if self.terminated {{ return self.move_balance(ev, amount); }}"
        );
        w!(self, "        match ev {{");
        let progress = self.progress_rules();
        for (e, name) in ir.events.iter().enumerate() {
            let balance =
                ir.layout.balance && (e == usize::from(ARREARS) || e == usize::from(PAYMENT));
            let payment = e == usize::from(PAYMENT);
            let rules: Vec<usize> = (0..self.rules())
                .filter(|&r| {
                    ir.reacting(e).contains(&(r as u16)) || (payment && progress.contains(&r))
                })
                .collect();
            if rules.is_empty() && !balance {
                continue;
            }
            w!(self, "            {e} => {{ // {name}");
            for &r in &rules {
                self.start_checks(r, e);
            }
            if balance {
                self.balance(e as u16);
            }
            // a conjunctive cure with `settled` reads it after the balance
            let reads_settled = rules.iter().any(|&r| {
                let rule = &ir.rules[r];
                ir.conjunctions
                    .get(rule.conjunctions.range())
                    .is_some_and(|c| c.iter().any(|c| c.settled))
                    && (payment
                        || ir
                            .conj_events
                            .get(rule.conj_events.range())
                            .is_some_and(|x| x.iter().any(|x| usize::from(x.0) == e)))
            });
            if reads_settled {
                w!(self, "                let settled = !self.in_arrears();");
            }
            for &r in &rules {
                self.rule_arm(r, e);
            }
            w!(self, "            }}");
        }
        // an event no rule takes and that moves no balance changes nothing
        w!(
            self,
            "            _ => {{ if self.next_due <= h {{ self.rounds(m, at, out)?; }} return Ok(()); }}"
        );
        w!(self, "        }}");
        w!(self, "        self.settle(m, at, out)");
        w!(self, "    }}");
        w!(self, "");
        self.move_balance_fn();
        w!(
            self,
            "    /// Every rule's deadline again (an event may have moved the instants"
        );
        w!(
            self,
            "    /// steps count from), then the deadlines due at `at`."
        );
        w!(
            self,
            "    fn settle(&mut self, m: &Machine, at: i64, out: &mut impl FnMut(u32, i64)) -> Result<(), Box<EvalError>> {{"
        );
        w!(
            self,
            "        if self.terminated {{ self.next_due = NONE; return Ok(()); }}"
        );
        w!(self, "        let mut due = i64::MAX;");
        for r in 0..self.rules() {
            let waits = self.locals(r).any(|(_, sid)| ir.waiting(sid).is_some());
            if waits {
                w!(self, "        due = due.min(self.due_{r}(m)?);");
            }
        }
        w!(self, "        self.next_due = held_due(due);");
        w!(self, "        if due <= at {{ self.rounds(m, at, out)?; }}");
        w!(self, "        Ok(())");
        w!(self, "    }}");
    }
}
