//! Checked model → the executable automaton, one [`Automaton`] per product
//! × billing mode × variant values × reading.
//!
//! Which rules apply: every product rule whose filter admits the account
//! (its billing mode and variant values, [`AccountKind::admits`]), and
//! every general rule whose filter admits it unless one of those
//! product rules takes precedence, as written (`replaces §X` on the product
//! rule, `yields` on the general one; see
//! [`crate::model::RuleM::replaces`]); otherwise both apply. Money terms:
//! those whose filter admits the account ([`AccountKind::admits`]), the product's
//! before the general terms', each in the order written; of each kind the
//! first decides, and what an end refunds is decided by the first `refund`
//! or `no_refund` term about that end ([`money_terms`]).
//!
//! Each rule becomes a chain of local states `idle → waiting(step 0) → … →
//! done`; the trigger edge leaves `idle` (and `done`: a finished rule can run
//! again), each `waiting` state has a deadline edge that fires its step, and
//! every non-idle state has edges on the cure events back to `idle`. The
//! compiler lays this out directly in the flat tables of [`ir`], decides how
//! each step is placed ([`Plan`]), turns each `will` step's actions into bit
//! operations on the account's state ([`Fx`], through the [`Layout`]),
//! computes how far each rule's steps reach ([`reach`]) and fingerprints the
//! whole ([`fingerprint`]).

mod admit;
pub mod dot;
mod fingerprint;
pub mod ir;
pub mod layout;
pub mod reach;

pub use admit::{account_kind, kinds, AccountKind};
pub use fingerprint::fingerprint;
pub use ir::*;
pub use layout::{Layout, MoneySlots, MAX_CAPABILITIES, MAX_RESOURCES};

use crate::calendar::Clock;
use crate::model::{
    Agreement, Anchor, MoneyKindM, MoneyM, Product, RestrictionM, ResumeM, RuleM, Target, Terms,
    TimingKindM, Unit,
};
use crate::vocab::Modality;
use crate::vocab::{step_harms_customer, Billing, Reading, ResourceEffect, Verb, BUILTIN_EVENTS};

/// Which automaton of a product to compile: billing mode, variant values
/// and reading. Build one with [`Selection::default`] and the setters, so
/// code written now keeps compiling when more choices join.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selection {
    /// The billing mode; `None`: the product's first declared mode.
    pub billing: Option<Billing>,
    pub reading: Reading,
    /// The account's variant values (`yearly`, `did`), in any order: one
    /// per dimension, and every dimension a filter of the account names
    /// (otherwise [`CompileError::UnknownVariant`],
    /// [`CompileError::VariantTwice`], [`CompileError::VariantMissing`]).
    pub variants: Vec<String>,
}

impl Selection {
    pub fn billing(mut self, b: Billing) -> Selection {
        self.billing = Some(b);
        self
    }
    pub fn reading(mut self, r: Reading) -> Selection {
        self.reading = r;
        self
    }
    /// Adds one variant value of the account.
    pub fn variant(mut self, v: impl Into<String>) -> Selection {
        self.variants.push(v.into());
        self
    }
}

/// Why a product × billing cannot be compiled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("unknown product `{0}`")]
    UnknownProduct(String),
    #[error("product `{product}` does not declare billing mode `{billing}`")]
    BillingNotDeclared { product: String, billing: String },
    #[error(
        "product `{product}` has {count} {what}; the compact account state holds at most {max}"
    )]
    TooLarge {
        product: String,
        what: &'static str,
        count: usize,
        max: usize,
    },
    #[error("`{value}` is not a variant of product `{product}` (its variants: {known})")]
    UnknownVariant {
        product: String,
        value: String,
        known: String,
    },
    #[error("two values of variant `{dimension}`: `{first}` and `{second}`")]
    VariantTwice {
        dimension: String,
        first: String,
        second: String,
    },
    #[error("the account needs its `{dimension}` ({values}): rules or money terms of product `{product}` depend on it")]
    VariantMissing {
        product: String,
        dimension: String,
        values: String,
    },
    #[error(transparent)]
    Calendar(#[from] crate::calendar::CalendarError),
}

/// The rules that apply to an account of `product` of `kind`, general ones
/// first: those whose filter admits it, less a general rule an admitted
/// product rule replaces ([`RuleM::replaces`]).
pub fn applicable_rules<'a>(
    general: Option<&'a Terms>,
    product: &'a Product,
    kind: AccountKind<'_>,
) -> Vec<&'a RuleM> {
    let own: Vec<&RuleM> = product
        .rules
        .iter()
        .filter(|r| kind.admits(&r.billing, &r.variants))
        .collect();
    let mut out: Vec<&RuleM> = general
        .map(|g| {
            g.rules
                .iter()
                .filter(|r| kind.admits(&r.billing, &r.variants))
                .filter(|r| r.general_applies(own.iter().copied()))
                .collect()
        })
        .unwrap_or_default();
    out.extend(own);
    out
}

/// Money terms in force, by kind: `(late_fee, liability_cap, refund,
/// refund_window)`, among those whose filter admits an account of `kind`
/// (`None`: every term, whatever its filter).
pub fn applicable_money<'a>(
    general: Option<&'a Terms>,
    product: &'a Product,
    kind: Option<AccountKind<'_>>,
) -> [Option<&'a MoneyM>; 4] {
    fn slot(k: &MoneyKindM) -> usize {
        k.family()
    }
    let admitted = |m: &&MoneyM| kind.is_none_or(|k| k.admits(&m.billing, &m.variants));
    let mut out = [None; 4];
    for m in general
        .map(|g| g.money.as_slice())
        .unwrap_or(&[])
        .iter()
        .filter(admitted)
    {
        let k = slot(&m.kind);
        out[k] = out[k].or(Some(m));
    }
    let mut own = [None; 4];
    for m in product.money.iter().filter(admitted) {
        let k = slot(&m.kind);
        own[k] = own[k].or(Some(m));
    }
    for k in 0..4 {
        if own[k].is_some() {
            out[k] = own[k];
        }
    }
    out
}

/// An action's targets in the product's numbering. A general rule's
/// targets index the general terms' own lists; they are matched by name,
/// and a name the product does not declare is no target of its rules.
fn product_targets(
    general: Option<&Terms>,
    product: &Product,
    rule: &RuleM,
    targets: &[Target],
) -> Vec<Target> {
    let Some(general) = general.filter(|_| rule.general) else {
        return targets.to_vec();
    };
    let map = |names: &[String], i: u16, find: &dyn Fn(&str) -> Option<usize>| {
        let k = find(names.get(usize::from(i))?)?;
        u16::try_from(k).ok()
    };
    targets
        .iter()
        .filter_map(|t| match *t {
            Target::Capability(i) => {
                map(&general.capabilities, i, &|n| product.capability_index(n))
                    .map(Target::Capability)
            }
            Target::Resource(i) => {
                map(&general.resources, i, &|n| product.resource_index(n)).map(Target::Resource)
            }
        })
        .collect()
}

/// An event steps count from: its name, its account slot and its id.
type EventSlot = (String, u32, EventId);

/// Event names, interned as the compiler meets them.
struct Events(Vec<String>);

impl Events {
    fn id(&mut self, name: &str) -> EventId {
        match self.0.iter().position(|e| e == name) {
            Some(i) => EventId(i as u16),
            None => {
                self.0.push(name.to_string());
                EventId((self.0.len() - 1) as u16)
            }
        }
    }
}

/// Compiles one product under `selection`.
pub fn compile(
    agreement: &Agreement,
    product_id: &str,
    selection: &Selection,
) -> Result<Automaton, CompileError> {
    let product = agreement
        .product(product_id)
        .ok_or_else(|| CompileError::UnknownProduct(product_id.to_string()))?;
    let billing = match selection.billing {
        Some(b) => b,
        None => product
            .billing
            .first()
            .copied()
            .unwrap_or(Billing::Postpaid),
    };
    if !product.billing.contains(&billing) {
        return Err(CompileError::BillingNotDeclared {
            product: product.id.clone(),
            billing: billing.name().to_string(),
        });
    }
    let variants = account_kind(agreement, product, billing, &selection.variants)?;
    let kind = AccountKind {
        billing,
        variants: &variants,
    };
    let reading = selection.reading;
    let mut events = Events(BUILTIN_EVENTS.iter().map(|e| e.to_string()).collect());
    let general = agreement.general.as_ref();
    // The general terms' events are events of every product (issue #12
    // item 10), whether or not a rule of this automaton starts on them.
    for e in product
        .events
        .iter()
        .chain(general.iter().flat_map(|g| &g.events))
    {
        events.id(e);
    }
    let rules_m = applicable_rules(general, product, kind);
    if rules_m.len() > usize::from(u16::MAX) || events.0.len() > usize::from(u16::MAX) {
        return Err(CompileError::TooLarge {
            product: product.id.clone(),
            what: "rules or events",
            count: rules_m.len().max(events.0.len()),
            max: usize::from(u16::MAX),
        });
    }
    let layout = Layout::new(
        rules_m
            .iter()
            .map(|r| r.steps.len() as u32 + 2 + kept_states(r)),
        product.capabilities.len(),
        product.resources.len(),
    )
    .map_err(
        |layout::LayoutError::TooLarge { what, count, max }| CompileError::TooLarge {
            product: product.id.clone(),
            what,
            count,
            max,
        },
    )?;
    let mut a = Automaton {
        agreement: agreement.id.clone(),
        version: agreement.version.clone(),
        product: product.id.clone(),
        billing,
        variants: variants.clone(),
        reading,
        zone: agreement.zone,
        calendar: CalendarId {
            name: agreement.calendar.clone(),
            digest: 0,
        },
        workdays: agreement.workdays,
        events: Vec::new(),
        capabilities: product.capabilities.clone(),
        resources: product.resources.clone(),
        rules: Vec::new(),
        waits: Vec::new(),
        on_deadline: Vec::new(),
        state_rule: Vec::new(),
        cure_resume: Vec::new(),
        cured_to: Vec::new(),
        kept_from: Vec::new(),
        edges: Edges::default(),
        steps: Vec::new(),
        plans: Vec::new(),
        fx_range: Vec::new(),
        fx: Vec::new(),
        actions: Vec::new(),
        targets: Vec::new(),
        cures: Vec::new(),
        reacting: Vec::new(),
        reacting_rules: Vec::new(),
        money: Money {
            refund_window_step: NONE,
            ..Money::default()
        },
        account_state: false,
        state_forms: Vec::new(),
        conditions: Vec::new(),
        conj_events: Vec::new(),
        conjunctions: Vec::new(),
        restrictions: Vec::new(),
        anchor_slots: Vec::new(),
        episode_slot: NONE,
        safe_triggers: Vec::new(),
        safe_events: Vec::new(),
        layout,
        text: Text {
            agreement_title: agreement.title.clone(),
            product_name: product.name.clone(),
            ..Text::default()
        },
        fingerprint: Fingerprint::default(),
    };
    let restrictions: Vec<&RestrictionM> = general
        .into_iter()
        .flat_map(|g| g.restrictions.iter())
        .chain(&product.restrictions)
        .filter(|r| kind.admits(&r.billing, &r.variants))
        .collect();
    let mut forms = state_forms(&rules_m);
    if !restrictions.is_empty() {
        forms.push("while in arrears");
    }
    a.account_state = !forms.is_empty();
    a.state_forms = forms.iter().map(|f| f.to_string()).collect();
    let conjunctive = rules_m
        .iter()
        .filter(|r| r.cure.as_ref().is_some_and(|c| c.has_conjunctions()))
        .count();
    // events steps count from: one slot each after the progress slots
    let mut anchor_names: Vec<&str> = Vec::new();
    for r in &rules_m {
        for e in &r.anchor_events {
            if !anchor_names.contains(&e.as_str()) {
                anchor_names.push(e);
            }
        }
    }
    // the balance, for the account state and for a late fee on it
    let money = money_terms(general, product, kind);
    let late_fee = money.iter().any(|m| m.kind.family() == 0);
    // steps' history after the anchor slots: a slot for each step counted
    // from another rule's event that a later step counts from (the instant
    // it fired), for each kept step counted from one (a cure dropped it),
    // and for each guarded step the status reports once fired (skipped)
    let history: usize = rules_m
        .iter()
        .map(|r| fired_steps(r).len() + dropped_steps(r).len() + skipped_steps(r).len())
        .sum();
    let mut next_progress = if a.account_state || late_fee {
        a.layout
            .with_state(true, conjunctive + anchor_names.len() + history)
    } else {
        0
    };
    let first_anchor = next_progress + conjunctive;
    let mut next_fired = first_anchor + anchor_names.len();
    let mut anchors: Vec<EventSlot> = Vec::new();
    for (i, name) in anchor_names.iter().enumerate() {
        let slot = (first_anchor + i) as u32;
        let id = events.id(name);
        anchors.push((name.to_string(), slot, id));
        if *name == "arrears" {
            a.episode_slot = slot;
        } else {
            a.anchor_slots.push((id, slot));
        }
    }
    // per state: (event, target, flags) edges
    let mut edges: Vec<Vec<EdgeOf>> = Vec::new();
    for (ri, r) in rules_m.iter().enumerate() {
        let fired: Vec<(usize, u32)> = fired_steps(r)
            .into_iter()
            .enumerate()
            .map(|(i, j)| (j, (next_fired + i) as u32))
            .collect();
        next_fired += fired.len();
        let dropped: Vec<(usize, u32)> = dropped_steps(r)
            .into_iter()
            .enumerate()
            .map(|(i, j)| (j, (next_fired + i) as u32))
            .collect();
        next_fired += dropped.len();
        let skipped: Vec<(usize, u32)> = skipped_steps(r)
            .into_iter()
            .enumerate()
            .map(|(i, j)| (j, (next_fired + i) as u32))
            .collect();
        next_fired += skipped.len();
        lower_rule(
            &mut a,
            &mut edges,
            &mut events,
            general,
            product,
            (ri, r),
            (&anchors, &fired),
        );
        lower_state(
            &mut a,
            &mut edges,
            &mut events,
            general,
            product,
            ri,
            r,
            &mut next_progress,
        );
        lower_history(&mut a, ri, [&fired, &dropped, &skipped]);
    }
    for (ri, r) in rules_m.iter().enumerate() {
        lower_resume_step(&mut a, ri, r);
    }
    lower_money(&mut a, &mut events, &money, &rules_m);
    for r in &restrictions {
        lower_restriction(&mut a, general, product, r);
    }
    a.events = events.0;
    a.edges = edge_tables(edges, a.events.len());
    a.reacting = Vec::with_capacity(a.events.len());
    for e in 0..a.events.len() {
        let start = a.reacting_rules.len();
        for (ri, r) in a.rules.iter().enumerate() {
            let on_it = r.trigger.0 as usize == e
                || a.cures
                    .get(r.cures.range())
                    .is_some_and(|c| c.iter().any(|x| x.0 as usize == e))
                || a.conj_events
                    .get(r.conj_events.range())
                    .is_some_and(|c| c.iter().any(|x| x.0 as usize == e));
            if on_it {
                a.reacting_rules.push(ri as u16);
            }
        }
        a.reacting.push(Span32::of(start..a.reacting_rules.len()));
    }
    let clock = Clock::with_calendar(a.zone, a.workdays);
    a.calendar.digest = clock.calendar.digest();
    a.plans = plans(&a.steps, clock.has_fast_path());
    a.safe_triggers = a
        .rules
        .iter()
        .map(|r| match reach::rule_reach(&a.steps, r, clock.calendar) {
            Some(reach) if clock.has_fast_path() => reach.safe_triggers(clock.calendar),
            _ => (1, 0),
        })
        .collect();
    a.safe_events = (0..a.events.len())
        .map(|e| {
            a.reacting(e)
                .iter()
                .fold((i64::MIN, i64::MAX), |(lo, hi), &r| {
                    let (from, until) = a
                        .safe_triggers
                        .get(usize::from(r))
                        .copied()
                        .unwrap_or((1, 0));
                    (lo.max(from), hi.min(until))
                })
        })
        .collect();
    a.fingerprint = fingerprint(&a);
    Ok(a)
}

/// Lays out rule `ri`: its local states, steps, actions, effects and edges.
#[allow(clippy::too_many_arguments)]
fn lower_rule(
    a: &mut Automaton,
    edges: &mut Vec<Vec<EdgeOf>>,
    events: &mut Events,
    general: Option<&Terms>,
    product: &Product,
    (ri, r): (usize, &RuleM),
    (anchors, fired): (&[EventSlot], &[(usize, u32)]),
) {
    let trigger = events.id(&r.trigger);
    let event_anchor = |k: u16| -> AnchorIr {
        let name = r.anchor_events.get(usize::from(k));
        let (slot, event) = anchors
            .iter()
            .find(|(n, ..)| Some(n) == name)
            .map_or((NONE, EventId(0)), |(_, s, e)| (*s, *e));
        AnchorIr::Event { event, slot }
    };
    let cures_start = a.cures.len();
    if let Some(c) = &r.cure {
        for e in &c.events {
            let id = events.id(e);
            a.cures.push(id);
        }
    }
    let cures: Vec<EventId> = a.cures[cures_start..].to_vec();
    let resume_all = matches!(r.cure.as_ref().map(|c| &c.resume), Some(ResumeM::All));
    let listed = match r.cure.as_ref().map(|c| &c.resume) {
        Some(ResumeM::Listed(l)) => {
            let caps: Vec<Target> = l.iter().map(|&i| Target::Capability(i)).collect();
            product_targets(general, product, r, &caps)
                .iter()
                .fold(0, |m, t| match t {
                    Target::Capability(i) => m | Layout::cap_field(usize::from(*i)),
                    Target::Resource(_) => m,
                })
        }
        _ => 0,
    };
    let first_step = a.steps.len() as u32;
    let timing = |t: &crate::model::TimingM| TimingIr {
        kind: t.kind,
        duration: t.duration,
        anchor: match t.anchor {
            Anchor::Trigger => AnchorIr::Trigger,
            Anchor::Event(k) => event_anchor(k),
            Anchor::Step(j) => {
                let step = StepIx(first_step + j as u32);
                match fired.iter().find(|(x, _)| *x == j) {
                    Some(&(_, slot)) => AnchorIr::Fired { step, slot },
                    None => AnchorIr::Step(step),
                }
            }
        },
    };
    for s in &r.steps {
        let actions_start = a.actions.len();
        let fx_start = a.fx.len();
        for act in &s.actions {
            let targets = product_targets(general, product, r, &act.targets);
            let t_start = a.targets.len();
            a.targets.extend(targets.iter().copied());
            a.actions.push(Action {
                verb: act.verb,
                targets: Span32::of(t_start..a.targets.len()),
            });
            if s.modality == Modality::Will {
                a.fx.extend(action_fx(act.verb, &targets));
            }
        }
        let harmful = step_harms_customer(s.modality, s.actions.iter().map(|x| x.verb));
        a.steps.push(Step {
            rule: ri as u16,
            timing: timing(&s.timing),
            alternative: s.alternative.as_ref().map(timing),
            modality: s.modality,
            harmful,
            late: harmful && a.reading == Reading::CustomerSafe,
            terminates: s.modality == Modality::Will
                && s.actions.iter().any(|x| x.verb.info().terminates),
            // Civil Code Art. 203 ¶1 (docs/semantics.md "Time forms")
            rest_days: harmful
                && a.reading == Reading::CustomerSafe
                && std::iter::once(&s.timing)
                    .chain(&s.alternative)
                    .any(takes_rest_days),
            actions: Span32::of(actions_start..a.actions.len()),
            dropped_slot: NONE,
            skipped_slot: NONE,
        });
        a.fx_range.push(Span32::of(fx_start..a.fx.len()));
        a.text.steps.push(StepText {
            label: s.label.clone(),
            cite: s.cite.clone(),
            quote: s.quote.clone(),
            note: s.note.clone(),
            file: s.origin.file.clone(),
            line: s.origin.line,
        });
    }
    let n = r.steps.len() as u32;
    // What a cure from each state restores: the listed capabilities, or for
    // `resume all` what the rule's steps fired before it restricted.
    let mut restricted = vec![0u64];
    // per step: the fields it leaves not active
    let mut restricts = Vec::new();
    for k in 0..n {
        let fx = a.step_effects(StepIx(first_step + k));
        let here = fx.iter().fold(0, |m, f| match *f {
            Fx::Caps { mask, value } => (0..MAX_CAPABILITIES).fold(m, |m, i| {
                let field = Layout::cap_field(i);
                if mask & field != 0 && value & field != 0 {
                    m | field
                } else {
                    m
                }
            }),
            _ => m,
        });
        restricts.push(here);
        let before = restricted.last().copied().unwrap_or(0);
        restricted.push(before | here);
    }
    let resume_of = |k: usize| {
        if resume_all {
            restricted.get(k).copied().unwrap_or(0)
        } else {
            listed
        }
    };
    let resume = resume_of(n as usize);
    let base = a.waits.len() as u32;
    let idle = StateId(base);
    let done = StateId(base + n + 1);
    let waiting = |k: u32| StateId(base + 1 + k);
    let start = EdgeOf {
        event: trigger,
        target: if n == 0 { done } else { waiting(0) },
        flags: EdgeHot::PRESENT | EdgeHot::SETS_ANCHOR,
    };
    // `even if cured` steps a cure from waiting(j) keeps: a chain of states
    // after `done`, each waiting for one of them, then a `done` of its own
    // (the status must know which steps the cure cancelled)
    let mut chains: Vec<(usize, u32)> = Vec::new(); // (j, first state)
    let mut next_state = base + n + 2;
    for j in 0..=n as usize {
        let kept = kept_after(r, j);
        if !kept.is_empty() {
            chains.push((j, next_state));
            next_state += kept.len() as u32 + 1;
        }
    }
    let cured_to = |j: usize| {
        chains
            .iter()
            .find(|(x, _)| *x == j)
            .map_or(idle, |(_, s)| StateId(*s))
    };
    let cure_edges = |j: usize| -> Vec<EdgeOf> {
        cures
            .iter()
            .map(|&event| EdgeOf {
                event,
                target: cured_to(j),
                flags: EdgeHot::PRESENT | EdgeHot::RESUMES,
            })
            .collect()
    };
    // idle: only the trigger
    a.waits.push(NONE);
    a.on_deadline.push(NONE);
    a.cure_resume.push(0);
    a.cured_to.push(NONE);
    a.kept_from.push(NONE);
    edges.push(vec![start]);
    for k in 0..n {
        a.cure_resume.push(resume_of(k as usize));
        a.cured_to.push(cured_to(k as usize).0);
        a.kept_from.push(NONE);
        a.waits.push(first_step + k);
        a.on_deadline
            .push(if k + 1 == n { done.0 } else { waiting(k + 1).0 });
        edges.push(cure_edges(k as usize));
    }
    // done: cured back to idle, or started again by a new trigger
    a.cure_resume.push(resume);
    a.cured_to.push(cured_to(n as usize).0);
    a.kept_from.push(NONE);
    a.waits.push(NONE);
    a.on_deadline.push(NONE);
    let mut done_edges = cure_edges(n as usize);
    let in_conjunction = r
        .cure
        .as_ref()
        .is_some_and(|c| c.conjunctions.iter().any(|x| x.events.contains(&r.trigger)));
    if !cures.contains(&trigger) && !in_conjunction {
        done_edges.push(start);
    }
    edges.push(done_edges.clone());
    // the kept chains: no event edges (the trigger and cures are ignored);
    // each ends in its own `done`, which takes the events `done` takes and
    // keeps how many steps had fired at the cure
    for (j, first) in &chains {
        let kept = kept_after(r, *j);
        for (i, k) in kept.iter().enumerate() {
            a.cure_resume.push(0);
            a.cured_to.push(NONE);
            a.kept_from.push(*j as u32);
            a.waits.push(first_step + *k as u32);
            a.on_deadline.push(first + i as u32 + 1);
            edges.push(Vec::new());
        }
        let fired = restricted.get(*j).copied().unwrap_or(0);
        let kept_restrict = kept
            .iter()
            .fold(fired, |m, k| m | restricts.get(*k).copied().unwrap_or(0));
        a.cure_resume
            .push(if resume_all { kept_restrict } else { listed });
        a.cured_to.push(cured_to(n as usize).0);
        a.kept_from.push(*j as u32);
        a.waits.push(NONE);
        a.on_deadline.push(NONE);
        edges.push(done_edges.clone());
    }
    let state_count = next_state - base;
    a.state_rule
        .extend(std::iter::repeat_n(ri as u16, state_count as usize));
    a.rules.push(Rule {
        trigger,
        cures: Span32::of(cures_start..a.cures.len()),
        resume,
        resume_step: NONE,
        first_state: idle,
        state_count,
        first_step,
        step_count: n,
        guard: Span32::of(0..0),
        conj_events: Span32::of(0..0),
        conjunctions: Span32::of(0..0),
        progress_slot: NONE,
        step_slots: Span32::of(0..0),
    });
    a.text.rules.push(RuleText {
        name: r.name.clone(),
        general: r.general,
        file: r.origin.file.clone(),
        line: r.origin.line,
    });
}

/// Whether a timing is a period Civil Code Art. 203 ¶1 extends past rest
/// days (for a harmful step under `customer-safe`): `after` or `within` a
/// positive count of calendar days or calendar months.
fn takes_rest_days(t: &crate::model::TimingM) -> bool {
    matches!(t.kind, TimingKindM::After | TimingKindM::Within)
        && matches!(t.duration.unit, Unit::CalendarDays | Unit::CalendarMonths)
        && t.duration.count > 0
}

/// The `even if cured` steps a cure keeps when the rule's first `fired`
/// steps have fired (or been skipped): those after them whose anchors
/// have happened — the trigger, or a step among the fired ones (a step
/// anchored on a cancelled step never gets its anchor).
fn kept_after(r: &RuleM, fired: usize) -> Vec<usize> {
    r.steps
        .iter()
        .enumerate()
        .skip(fired)
        .filter(|(_, s)| s.even_if_cured)
        .filter(|(_, s)| {
            std::iter::once(&s.timing)
                .chain(&s.alternative)
                .all(|t| match t.anchor {
                    Anchor::Trigger => true,
                    Anchor::Step(i) => i < fired,
                    // whether it has happened is known only at the cure:
                    // the evaluator drops the step then if not
                    Anchor::Event(_) => true,
                })
        })
        .map(|(k, _)| k)
        .collect()
}

/// The extra local states of a rule's kept `even if cured` steps: per
/// chain, one per kept step and its own `done`.
fn kept_states(r: &RuleM) -> u32 {
    if r.cure.is_none() {
        return 0;
    }
    (0..=r.steps.len())
        .map(|j| kept_after(r, j).len() as u32)
        .filter(|&k| k > 0)
        .map(|k| k + 1)
        .sum()
}

/// The steps of `r` counted from another rule's event that a later step
/// counts from: their placement moves with the event, the later step
/// counts from the instant they fired (docs/semantics.md, anchors).
fn fired_steps(r: &RuleM) -> Vec<usize> {
    let timings = |s: &crate::model::StepM| {
        std::iter::once(s.timing)
            .chain(s.alternative)
            .collect::<Vec<_>>()
    };
    (0..r.steps.len())
        .filter(|&j| {
            let event = r.steps.get(j).is_some_and(|s| {
                timings(s)
                    .iter()
                    .any(|t| matches!(t.anchor, Anchor::Event(_)))
            });
            event
                && r.steps
                    .iter()
                    .any(|s| timings(s).iter().any(|t| t.anchor == Anchor::Step(j)))
        })
        .collect()
}

/// The `even if cured` steps of `r` counted from another rule's event: a
/// cure keeps them only when the event has happened by then.
fn dropped_steps(r: &RuleM) -> Vec<usize> {
    if r.cure.is_none() {
        return Vec::new();
    }
    (0..r.steps.len())
        .filter(|&j| {
            r.steps.get(j).is_some_and(|s| {
                s.even_if_cured
                    && std::iter::once(&s.timing)
                        .chain(&s.alternative)
                        .any(|t| matches!(t.anchor, Anchor::Event(_)))
            })
        })
        .collect()
}

/// Rule `ri`'s steps' history (step index in the rule, slot): the steps
/// that keep the instant they fire get [`Fx::Fired`] first among their
/// effects, before any guard (a skipped step has fired too); the kept steps
/// a cure can drop get [`Fx::Dropped`] before that, and their slot; the
/// guarded steps the status reports get their slot ([`Step::skipped_slot`]).
/// The rule's slot range covers all three (they are contiguous).
fn lower_history(a: &mut Automaton, ri: usize, [fired, dropped, skipped]: [&[(usize, u32)]; 3]) {
    let Some(rule) = a.rules.get(ri).copied() else {
        return;
    };
    let first_fx = |a: &mut Automaton, j: usize, f: Fx| {
        let ix = rule.first_step as usize + j;
        let Some(span) = a.fx_range.get(ix).copied() else {
            return;
        };
        let mut fx = vec![f];
        fx.extend(a.fx.get(span.range()).unwrap_or(&[]).iter().copied());
        let start = a.fx.len();
        a.fx.extend(fx);
        if let Some(x) = a.fx_range.get_mut(ix) {
            *x = Span32::of(start..a.fx.len());
        }
    };
    for &(j, slot) in fired {
        first_fx(a, j, Fx::Fired(slot));
    }
    for &(j, slot) in dropped {
        first_fx(a, j, Fx::Dropped(slot));
        if let Some(s) = a.steps.get_mut(rule.first_step as usize + j) {
            s.dropped_slot = slot;
        }
    }
    for &(j, slot) in skipped {
        if let Some(s) = a.steps.get_mut(rule.first_step as usize + j) {
            s.skipped_slot = slot;
        }
    }
    let slots = fired
        .iter()
        .chain(dropped)
        .chain(skipped)
        .map(|f| f.1 as usize);
    if let (Some(first), Some(x)) = (slots.min(), a.rules.get_mut(ri)) {
        x.step_slots = Span32::of(first..first + fired.len() + dropped.len() + skipped.len());
    }
}

/// The guarded steps of `r` whose status entry, once they have fired,
/// depends on whether their guard held: a window (`within`, `on calendar
/// day`, `on hour`), a right (`may`) or an obligation (`customer must`). A
/// skipped step fired nothing, so it has none (docs/semantics.md, guards).
fn skipped_steps(r: &RuleM) -> Vec<usize> {
    (0..r.steps.len())
        .filter(|&j| {
            r.steps.get(j).is_some_and(|s| {
                let window = std::iter::once(&s.timing).chain(&s.alternative).any(|t| {
                    matches!(
                        t.kind,
                        TimingKindM::Within | TimingKindM::OnDay | TimingKindM::OnHour
                    )
                });
                let reported = s.modality != Modality::Will;
                !s.guard.is_empty() && (window || reported)
            })
        })
        .collect()
}

/// The forms of issue #12 the rules use that read the account state.
fn state_forms(rules: &[&RuleM]) -> Vec<&'static str> {
    let mut out = Vec::new();
    for r in rules {
        let found = [
            (!r.guard.is_empty(), "if <condition>"),
            (
                r.steps.iter().any(|s| !s.guard.is_empty()),
                "if <condition>",
            ),
            (
                r.cure.as_ref().is_some_and(|c| c.has_conjunctions()),
                "until … and … / until settled",
            ),
            (r.steps.iter().any(|s| s.even_if_cured), "even if cured"),
            (!r.anchor_events.is_empty(), "from <another rule's event>"),
        ];
        for (hit, what) in found {
            if hit && !out.contains(&what) {
                out.push(what);
            }
        }
    }
    out
}

/// A guard's conditions in the product's numbering.
fn conditions(
    general: Option<&Terms>,
    product: &Product,
    rule: &RuleM,
    guard: &[crate::model::ConditionM],
) -> Vec<CondIr> {
    use crate::model::ConditionM;
    guard
        .iter()
        .map(|c| match *c {
            ConditionM::InArrears => CondIr::InArrears,
            ConditionM::Settled => CondIr::Settled,
            ConditionM::Capability(i, want) => {
                match product_targets(general, product, rule, &[Target::Capability(i)]).first() {
                    Some(Target::Capability(k)) => CondIr::Capability(*k, want),
                    _ => CondIr::Never,
                }
            }
            ConditionM::Resource(i, want) => {
                match product_targets(general, product, rule, &[Target::Resource(i)]).first() {
                    Some(Target::Resource(k)) => CondIr::Resource(*k, want),
                    _ => CondIr::Never,
                }
            }
        })
        .collect()
}

/// Rule `ri`'s account-state forms: its guard, its steps' guards (a
/// [`Fx::Guard`] first among their effects) and its conjunctive cure.
#[allow(clippy::too_many_arguments)]
fn lower_state(
    a: &mut Automaton,
    edges: &mut [Vec<EdgeOf>],
    events: &mut Events,
    general: Option<&Terms>,
    product: &Product,
    ri: usize,
    r: &RuleM,
    next_progress: &mut usize,
) {
    let Some(rule) = a.rules.get(ri).copied() else {
        return;
    };
    let start = a.conditions.len();
    a.conditions
        .extend(conditions(general, product, r, &r.guard));
    let guard = Span32::of(start..a.conditions.len());
    // step guards: rebuild the effects with the guard first
    let guarded: Vec<(usize, Vec<CondIr>)> = r
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.guard.is_empty())
        .map(|(k, s)| (k, conditions(general, product, r, &s.guard)))
        .collect();
    for (k, conds) in guarded {
        let ix = rule.first_step as usize + k;
        let Some(span) = a.fx_range.get(ix).copied() else {
            continue;
        };
        let c_start = a.conditions.len();
        a.conditions.extend(conds);
        let g = Fx::Guard(Span32::of(c_start..a.conditions.len()));
        let mut fx: Vec<Fx> = vec![g];
        fx.extend(a.fx.get(span.range()).unwrap_or(&[]).iter().copied());
        let f_start = a.fx.len();
        a.fx.extend(fx);
        if let Some(x) = a.fx_range.get_mut(ix) {
            *x = Span32::of(f_start..a.fx.len());
        }
    }
    let mut conj_events = Span32::of(0..0);
    let mut conjunctions = Span32::of(0..0);
    let mut progress_slot = NONE;
    if let Some(cure) = r.cure.as_ref().filter(|c| c.has_conjunctions()) {
        let e_start = a.conj_events.len();
        for x in &cure.conjunctions {
            for e in &x.events {
                let id = events.id(e);
                if !a.conj_events[e_start..].contains(&id) {
                    a.conj_events.push(id);
                }
            }
        }
        let mine: Vec<EventId> = a.conj_events[e_start..].to_vec();
        let c_start = a.conjunctions.len();
        for x in &cure.conjunctions {
            let bits = x.events.iter().fold(0u64, |m, e| {
                let id = events.id(e);
                match mine.iter().position(|y| *y == id) {
                    Some(i) if i < 63 => m | 1 << i,
                    _ => m,
                }
            });
            a.conjunctions.push(ConjIr {
                events: bits,
                settled: x.settled,
            });
        }
        conj_events = Span32::of(e_start..a.conj_events.len());
        conjunctions = Span32::of(c_start..a.conjunctions.len());
        progress_slot = *next_progress as u32;
        *next_progress += 1;
    }
    let _ = edges;
    if let Some(x) = a.rules.get_mut(ri) {
        x.guard = guard;
        x.conj_events = conj_events;
        x.conjunctions = conjunctions;
        x.progress_slot = progress_slot;
    }
}

/// Restriction `r`: a step per action, applied when arrears begin, and the
/// step reporting its lift; its name joins the side table's after the rules'.
fn lower_restriction(
    a: &mut Automaton,
    general: Option<&Terms>,
    product: &Product,
    r: &RestrictionM,
) {
    let index = a.text.rules.len() as u16;
    a.text.rules.push(RuleText {
        name: r.name.clone(),
        general: r.general,
        file: r.origin.file.clone(),
        line: r.origin.line,
    });
    let text = StepText {
        label: None,
        cite: r.cite.clone(),
        quote: r.quote.clone(),
        note: r.note.clone(),
        file: r.origin.file.clone(),
        line: r.origin.line,
    };
    let at_once = TimingIr {
        kind: TimingKindM::At,
        duration: crate::model::DurationM::ZERO,
        anchor: AnchorIr::Trigger,
    };
    let push_step = |a: &mut Automaton, verb: Verb, targets: Vec<Target>, fx: Option<Fx>| {
        let step = a.steps.len() as u32;
        let t_start = a.targets.len();
        a.targets.extend(targets);
        let actions_start = a.actions.len();
        a.actions.push(Action {
            verb,
            targets: Span32::of(t_start..a.targets.len()),
        });
        a.steps.push(Step {
            rule: index,
            timing: at_once,
            alternative: None,
            modality: Modality::Will,
            harmful: step_harms_customer(Modality::Will, std::iter::once(verb)),
            late: false,
            terminates: false,
            rest_days: false,
            actions: Span32::of(actions_start..a.actions.len()),
            dropped_slot: NONE,
            skipped_slot: NONE,
        });
        let fx_start = a.fx.len();
        a.fx.extend(fx);
        a.fx_range.push(Span32::of(fx_start..a.fx.len()));
        a.text.steps.push(text.clone());
        step
    };
    let first = a.steps.len();
    let mut caps = 0u64;
    for act in &r.actions {
        let targets = if r.general {
            let g = general.map(|g| (g.capabilities.as_slice(), g.resources.as_slice()));
            act.targets
                .iter()
                .filter_map(|t| match (*t, g) {
                    (Target::Capability(i), Some((gc, _))) => gc
                        .get(usize::from(i))
                        .and_then(|n| product.capability_index(n))
                        .and_then(|k| u16::try_from(k).ok())
                        .map(Target::Capability),
                    _ => None,
                })
                .collect()
        } else {
            act.targets.clone()
        };
        let fx = action_fx(act.verb, &targets);
        if let Some(Fx::Caps { mask, .. }) = fx {
            caps |= mask;
        }
        push_step(a, act.verb, targets, fx);
    }
    let steps = Span32::of(first..a.steps.len());
    let restorable: Vec<Target> = (0..a.capabilities.len())
        .filter(|&i| caps & Layout::cap_field(i) != 0)
        .filter_map(|i| u16::try_from(i).ok())
        .map(Target::Capability)
        .collect();
    let lift_step = push_step(a, Verb::Resume, restorable, None);
    a.restrictions.push(RestrictionIr {
        steps,
        lift_step,
        caps,
    });
}

/// The step that reports rule `ri`'s cure restoring capabilities: laid out
/// after every rule's own steps (their numbering does not depend on it),
/// waited for by no state, fired by the evaluator at a cure that restored
/// something (docs/semantics.md, “Restoration is reported”).
fn lower_resume_step(a: &mut Automaton, ri: usize, r: &RuleM) {
    let Some(cure) = r.cure.as_ref().filter(|c| c.resume != ResumeM::Nothing) else {
        return;
    };
    let Some(rule) = a.rules.get(ri).copied() else {
        return;
    };
    let step = a.steps.len() as u32;
    let t_start = a.targets.len();
    a.targets.extend(
        (0..a.capabilities.len())
            .filter(|&i| rule.resume & Layout::cap_field(i) != 0)
            .filter_map(|i| u16::try_from(i).ok())
            .map(Target::Capability),
    );
    let actions_start = a.actions.len();
    a.actions.push(Action {
        verb: Verb::Resume,
        targets: Span32::of(t_start..a.targets.len()),
    });
    a.steps.push(Step {
        rule: ri as u16,
        timing: TimingIr {
            kind: TimingKindM::At,
            duration: crate::model::DurationM::ZERO,
            anchor: AnchorIr::Trigger,
        },
        alternative: None,
        modality: Modality::Will,
        harmful: false,
        late: false,
        terminates: false,
        rest_days: false,
        actions: Span32::of(actions_start..a.actions.len()),
        dropped_slot: NONE,
        skipped_slot: NONE,
    });
    a.fx_range.push(Span32::of(a.fx.len()..a.fx.len()));
    a.text.steps.push(StepText {
        label: None,
        cite: cure.cite.clone(),
        quote: cure.quote.clone(),
        note: cure.note.clone(),
        file: cure.origin.file.clone(),
        line: cure.origin.line,
    });
    if let Some(x) = a.rules.get_mut(ri) {
        x.resume_step = step;
    }
}

/// The state effect of one action of a `will` step (the checker wrote out
/// its targets: an empty list acts on nothing).
fn action_fx(verb: Verb, targets: &[Target]) -> Option<Fx> {
    let info = verb.info();
    if info.terminates {
        return Some(Fx::Terminate);
    }
    if let Some(effect) = info.resource_after {
        let mask = targets.iter().fold(0u32, |m, t| match t {
            Target::Resource(i) => m | Layout::res_field(usize::from(*i)),
            Target::Capability(_) => m,
        });
        return Some(match effect {
            ResourceEffect::Purge => Fx::Purge(mask),
            ResourceEffect::Release => Fx::Release(mask),
        });
    }
    let after = info.capability_after?;
    let caps = targets.iter().filter_map(|t| match t {
        Target::Capability(i) => Some(usize::from(*i)),
        Target::Resource(_) => None,
    });
    let (mask, value) = Layout::caps_set(caps, after);
    Some(Fx::Caps { mask, value })
}

/// The per-state edge lists and, when it fits, the dense table.
fn edge_tables(per_state: Vec<Vec<EdgeOf>>, events: usize) -> Edges {
    let states = per_state.len();
    let mut e = Edges {
        by_state: Vec::with_capacity(states),
        list: Vec::new(),
        dense: Vec::new(),
        states,
    };
    for list in &per_state {
        let start = e.list.len();
        // the first edge of an event wins, as in a search
        for x in list {
            if !e.list[start..].iter().any(|y| y.event == x.event) {
                e.list.push(*x);
            }
        }
        e.by_state.push(Span32::of(start..e.list.len()));
    }
    let fits = states
        .checked_mul(events)
        .filter(|n| *n <= MAX_EDGE_ENTRIES)
        .is_some()
        && states < (1 << 28);
    if fits {
        let mut dense = vec![0u32; states * events];
        for (s, span) in e.by_state.iter().enumerate() {
            for x in &e.list[span.range()] {
                if let Some(w) = dense.get_mut(usize::from(x.event.0) * states + s) {
                    *w = (x.target.0 + 1) << 3 | u32::from(x.flags);
                }
            }
        }
        e.dense = dense;
    }
    e
}

/// How each step is placed. `fixed_zone`: whether the clock has a constant
/// UTC offset (calendar-day steps get [`Plan::CalendarDays`] only then).
fn plans(steps: &[Step], fixed_zone: bool) -> Vec<Plan> {
    let mut plans: Vec<Plan> = Vec::with_capacity(steps.len());
    for s in steps {
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
            AnchorIr::Event { .. } | AnchorIr::Fired { .. } => None,
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
            (Some(b), None) if calendar_days && s.rest_days => Plan::RestDays {
                base: b,
                days: i64::from(t.duration.count),
            },
            (Some(b), None) if calendar_days => Plan::CalendarDays {
                base: b,
                days: i64::from(t.duration.count),
            },
            _ => Plan::General,
        });
    }
    plans
}

/// The money terms that apply to the accounts of `kind`, in the order
/// that decides (docs/semantics.md, “Money”): the product's, then the
/// general terms', each in the order written, those whose filter admits
/// the account ([`AccountKind::admits`]).
pub fn money_terms<'a>(
    general: Option<&'a Terms>,
    product: &'a Product,
    kind: AccountKind<'_>,
) -> Vec<&'a MoneyM> {
    product
        .money
        .iter()
        .chain(general.into_iter().flat_map(|g| g.money.iter()))
        .filter(|m| kind.admits(&m.billing, &m.variants))
        .collect()
}

/// The money terms in force (`terms`, in deciding order), their citations
/// in the side table; the amounts of `customer must pay <amount>` steps;
/// the refund window's `claim` step.
fn lower_money(a: &mut Automaton, events: &mut Events, terms: &[&MoneyM], rules: &[&RuleM]) {
    let cited = |m: &MoneyM| Cited {
        cite: m.cite.clone(),
        quote: m.quote.clone(),
        file: m.origin.file.clone(),
        line: m.origin.line,
    };
    let first = |family: usize| terms.iter().copied().find(|m| m.kind.family() == family);
    if let Some(m) = first(0) {
        if let MoneyKindM::LateFee {
            rate,
            per,
            from,
            rounding,
        } = &m.kind
        {
            a.money.late_fee = Some(LateFee {
                rate: *rate,
                per: *per,
                from: *from,
                rounding: *rounding,
                modality: m.modality,
            });
            a.text.late_fee = Some(cited(m));
        }
    }
    if let Some(m) = first(1) {
        let kind = match &m.kind {
            MoneyKindM::LiabilityCapMonths { months } => Some(CapKindIr::Months(*months)),
            MoneyKindM::LiabilityCapService => Some(CapKindIr::Service),
            MoneyKindM::LiabilityCapAmount { amount, .. } => Some(CapKindIr::Amount(*amount)),
            _ => None,
        };
        if kind.is_some() {
            a.money.liability_cap = kind;
            a.text.liability_cap = Some(cited(m));
        }
    }
    for m in terms.iter().filter(|m| m.kind.family() == 2) {
        let (causes, basis) = match &m.kind {
            MoneyKindM::NoRefund { causes } => (causes, None),
            MoneyKindM::Refund {
                causes,
                by_month,
                part_month_by_day,
                ..
            } => (
                causes,
                Some(match (*by_month, *part_month_by_day) {
                    (true, true) => RefundBasis::MonthsThenDays,
                    (true, false) => RefundBasis::Months,
                    (false, _) => RefundBasis::Days,
                }),
            ),
            _ => continue,
        };
        let causes: Vec<EventId> = causes.iter().map(|c| events.id(c)).collect();
        for &c in &causes {
            let builtin_termination = usize::from(c.0) < BUILTIN_EVENTS.len()
                && BUILTIN_EVENTS.get(usize::from(c.0)) == Some(&"termination");
            if !builtin_termination && !a.money.end_causes.contains(&c) {
                a.money.end_causes.push(c);
            }
        }
        a.money.refunds.push(RefundIr { causes, basis });
        a.text.refunds.push(cited(m));
    }
    if let Some(m) = first(3) {
        if let MoneyKindM::RefundWindow {
            duration,
            from,
            unless,
        } = &m.kind
        {
            a.money.refund_window = Some(RefundWindowIr {
                duration: *duration,
                from: events.id(from),
                unless: unless.as_ref().map(|u| events.id(u)),
            });
            a.text.refund_window = Some(cited(m));
            a.money.refund_window_step = lower_claim_step(a, m);
        }
    }
    a.money.watches = a.money.refund_window.is_some() || !a.money.end_causes.is_empty();
    let mut first_step = 0u32;
    for r in rules {
        for (k, s) in r.steps.iter().enumerate() {
            let amount = s.actions.iter().find_map(|x| x.amount.as_ref());
            if let (Some(m), Modality::CustomerMust) = (amount, s.modality) {
                a.money
                    .step_amounts
                    .push((StepIx(first_step + k as u32), m.value));
            }
        }
        first_step += r.steps.len() as u32;
    }
}

/// The step that reports a refund window: the customer may `claim`, with
/// the term's citation; laid out after the rules' steps and their resume
/// steps, waited for by no state.
fn lower_claim_step(a: &mut Automaton, m: &MoneyM) -> u32 {
    let rule = a.text.rules.len() as u16;
    a.text.rules.push(RuleText {
        name: "refund_window".into(),
        general: false,
        file: m.origin.file.clone(),
        line: m.origin.line,
    });
    let step = a.steps.len() as u32;
    let actions_start = a.actions.len();
    a.actions.push(Action {
        verb: Verb::Claim,
        targets: Span32::of(a.targets.len()..a.targets.len()),
    });
    a.steps.push(Step {
        rule,
        timing: TimingIr {
            kind: TimingKindM::At,
            duration: crate::model::DurationM::ZERO,
            anchor: AnchorIr::Trigger,
        },
        alternative: None,
        modality: Modality::CustomerMay,
        harmful: false,
        late: false,
        terminates: false,
        rest_days: false,
        actions: Span32::of(actions_start..a.actions.len()),
        dropped_slot: NONE,
        skipped_slot: NONE,
    });
    a.fx_range.push(Span32::of(a.fx.len()..a.fx.len()));
    a.text.steps.push(StepText {
        label: None,
        cite: m.cite.clone(),
        quote: m.quote.clone(),
        note: None,
        file: m.origin.file.clone(),
        line: m.origin.line,
    });
    step
}
