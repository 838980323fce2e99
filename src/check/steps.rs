//! Rules and their steps: anchors, labels, timings, actions and cures, and
//! the checks that need the whole rule — a timeline that goes backwards,
//! contradicting actions at one instant, steps after `terminate`,
//! irreversible actions without warning, missing citations and quotes.
//!
//! Absolute time is reasoned about with offset intervals: every step's
//! instant lies within `[lo, hi]` minutes of the trigger, whatever the
//! calendar does (a month is 28–31 days, `N calendar days` ends between
//! `N-1` and `N` days later, workdays may span long holidays). A check only
//! fires when it holds for every instant the intervals allow.

use super::names::{self, Scope};
use super::{literals, Sink};
use crate::ast::{self, Modality, Span, TimingKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{
    ActionM, AmountM, Anchor, CureConjunction, CureM, DurationM, PrecedenceM, ResumeM, RuleM,
    StepM, TimingKindM, TimingM, Unit, VariantDim,
};
use crate::vocab::Verb;

const DAY: i64 = 24 * 60;

/// What a rule is checked against.
pub struct RuleCtx<'s> {
    pub scope: &'s Scope,
    /// Events visible beyond the block's own (the general terms' events).
    pub extra_events: &'s [String],
    pub general: bool,
    /// 1-based position of the rule in its block, for its stable name.
    pub ordinal: usize,
    /// Variant dimensions visible to the block (the general terms', then a
    /// product's own).
    pub dims: &'s [VariantDim],
}

/// Earliest and latest number of minutes a duration can span.
pub fn minutes(d: DurationM) -> (i64, i64) {
    let n = i64::from(d.count);
    match d.unit {
        Unit::Minutes => (n, n),
        Unit::Hours => (n * 60, n * 60),
        Unit::Days => (n * DAY, n * DAY),
        Unit::CalendarDays => ((n - 1).max(0) * DAY, n.max(1) * DAY),
        // Counted like calendar days, skipping weekends and holidays (the
        // longest Chinese holiday with its weekends is under 10 days).
        Unit::Workdays => ((n - 1).max(0) * DAY, (n + 2 * (n / 5 + 1) + 10) * DAY),
        Unit::Months => (n * 28 * DAY, n * 31 * DAY),
        // Art. 202: the corresponding day's 24:00, or the month's last day.
        Unit::CalendarMonths => (n * 28 * DAY, (n * 31 + 1) * DAY),
    }
}

/// Offsets of a timing given its anchor's offsets.
fn offsets(t: &TimingM, anchor: (i64, i64)) -> (i64, i64) {
    let (dlo, dhi) = minutes(t.duration);
    match t.kind {
        TimingKindM::At => anchor,
        TimingKindM::After => (anchor.0 + dlo, anchor.1 + dhi),
        TimingKindM::Within => (anchor.0, anchor.1 + dhi),
        TimingKindM::Before => (anchor.0 - dhi, anchor.1 - dlo),
        TimingKindM::OnDay => {
            let n = i64::from(t.duration.count);
            (anchor.0 + (n - 1).max(0) * DAY, anchor.1 + (n + 1) * DAY)
        }
        TimingKindM::OnHour => {
            let n = i64::from(t.duration.count);
            (anchor.0 + (n - 1).max(0) * 60, anchor.1 + n * 60)
        }
    }
}

/// A step as checked, with what the rule-wide checks need.
struct Checked<'a> {
    ast: &'a ast::Step,
    model: StepM,
    /// Verb spans, parallel to `model.actions`.
    verb_spans: Vec<Span>,
    /// Offsets from the trigger; `None` when a timing could not be checked
    /// (the rule-wide checks then leave the step alone).
    offsets: Option<(i64, i64)>,
    /// Whether every action's verb was known (an unknown one is reported
    /// and left out of `model`, so what the step does is not known).
    verbs_known: bool,
}

pub fn check_rule(sink: &mut Sink, ctx: &RuleCtx, rule: &ast::Rule) -> RuleM {
    let scope = ctx.scope;
    let trigger_known = scope.check_event(sink, &rule.trigger, ctx.extra_events);
    // After a misspelt trigger (`on arrear`), `from arrears` names the event
    // the author meant: it is the trigger, not a second, follow-up error.
    let trigger_names = |name: &str| {
        name == rule.trigger.name || (!trigger_known && scope.knows_event(name, ctx.extra_events))
    };
    let filter = super::filters::resolve(sink, scope, ctx.dims, rule.billing.as_deref());
    let guard = rule.guard.as_ref().map_or(Vec::new(), |g| {
        super::conditions::check_all(sink, scope, &g.conditions)
    });
    let precedence = precedence(sink, ctx, rule);
    let name = {
        let filter = rule.billing.as_ref().map_or(String::new(), |f| {
            let modes: Vec<&str> = f.iter().map(|m| m.name.as_str()).collect();
            format!(".{}", modes.join("+"))
        });
        format!(
            "{}.{}{}#{}",
            scope.id, rule.trigger.name, filter, ctx.ordinal
        )
    };

    let labels = check_labels(sink, rule);
    let mut steps: Vec<Checked> = Vec::new();
    let mut anchors = Anchors {
        ctx,
        trigger: &rule.trigger,
        trigger_known,
        trigger_names: &trigger_names,
        labels: &labels,
        events: Vec::new(),
    };
    for (i, s) in rule.steps.iter().enumerate() {
        let primary = timing(sink, &s.timing, i, &mut anchors);
        let second = s
            .alternative
            .as_ref()
            .map(|t| timing(sink, t, i, &mut anchors));
        // Another rule's event has no fixed place relative to the trigger.
        let anchor_offsets = |a: Anchor, steps: &[Checked]| match a {
            Anchor::Trigger => Some((0, 0)),
            Anchor::Step(j) => steps.get(j).and_then(|c| c.offsets),
            Anchor::Event(_) => None,
        };
        let at = |t: &Option<TimingM>, steps: &[Checked]| {
            t.as_ref()
                .and_then(|t| Some(offsets(t, anchor_offsets(t.anchor, steps)?)))
        };
        let mut off = at(&primary, &steps);
        if let Some(alt) = &second {
            off = match (off, at(alt, &steps)) {
                (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
                _ => None,
            };
        }
        let timing = timing_or_zero(primary);
        let alternative = second.map(timing_or_zero);
        let (actions, verb_spans) = actions(sink, scope, s);
        step_warnings(sink, s);
        let guard = s.guard.as_ref().map_or(Vec::new(), |g| {
            super::conditions::check_all(sink, scope, &g.conditions)
        });
        steps.push(Checked {
            ast: s,
            model: StepM {
                label: s.label.as_ref().map(|l| l.name.clone()),
                timing,
                alternative,
                modality: s.modality,
                actions,
                guard,
                even_if_cured: s.even_if_cured.is_some(),
                cite: s.cite.as_ref().map(|c| c.number.clone()),
                quote: s.quote.as_ref().map(|q| q.value.clone()),
                note: s.note.as_ref().map(|n| n.value.clone()),
                origin: sink.origin(s.span),
            },
            verbs_known: verb_spans.len() == s.actions.len(),
            verb_spans,
            offsets: off,
        });
    }
    backwards(sink, &steps);
    contradictions(sink, &steps);
    after_terminate(sink, &steps);
    irreversible_without_warning(sink, &steps, &rule.trigger.name);
    let cure = rule.cure.as_ref().map(|c| cure(sink, ctx, c));
    RuleM {
        name,
        trigger: rule.trigger.name.clone(),
        billing: filter.billing,
        variants: filter.variants,
        guard,
        precedence,
        anchor_events: anchors.events,
        steps: steps.into_iter().map(|c| c.model).collect(),
        cure,
        general: ctx.general,
        origin: sink.origin(rule.span),
    }
}

/// `yields` belongs to general rules and `replaces` to product rules
/// (E0047 otherwise); whether `replaces` finds a general rule is checked
/// with the whole agreement (`account`).
fn precedence(sink: &mut Sink, ctx: &RuleCtx, rule: &ast::Rule) -> PrecedenceM {
    match &rule.precedence {
        None => PrecedenceM::Both,
        Some(ast::Precedence::Yields(span)) if !ctx.general => {
            sink.push(
                Diagnostic::new(Code::E0047, "a product rule cannot `yields`")
                    .at(*span, "only general rules give way")
                    .help("a product rule takes precedence with `replaces §<article>`; `yields` is written on the general rule"),
            );
            PrecedenceM::Both
        }
        Some(ast::Precedence::Yields(_)) => PrecedenceM::Yields,
        Some(ast::Precedence::Replaces(_, span)) if ctx.general => {
            sink.push(
                Diagnostic::new(Code::E0047, "a general rule cannot `replaces`")
                    .at(*span, "general rules replace nothing")
                    .help(
                        "write `replaces §<article>` on the product rule, or `yields` on this one",
                    ),
            );
            PrecedenceM::Both
        }
        Some(ast::Precedence::Replaces(sections, _)) => {
            PrecedenceM::Replaces(sections.iter().map(|s| s.number.clone()).collect())
        }
    }
}

/// Labels of the rule's steps by index; duplicates are E0023.
fn check_labels(sink: &mut Sink, rule: &ast::Rule) -> Vec<Option<(String, Span)>> {
    let mut out: Vec<Option<(String, Span)>> = Vec::new();
    for s in &rule.steps {
        let Some(l) = &s.label else {
            out.push(None);
            continue;
        };
        let first = out
            .iter()
            .flatten()
            .find(|(n, _)| *n == l.name)
            .map(|(_, sp)| *sp);
        if let Some(first) = first {
            sink.push(
                Diagnostic::new(Code::E0023, format!("duplicate label `{}`", l.name))
                    .at(l.span, "label used again")
                    .also(first, "first used here")
                    .help("labels name one step of a rule; rename one of them"),
            );
            out.push(None);
        } else {
            out.push(Some((l.name.clone(), l.span)));
        }
    }
    out
}

fn timing_or_zero(t: Option<TimingM>) -> TimingM {
    t.unwrap_or(TimingM {
        kind: TimingKindM::At,
        duration: DurationM::ZERO,
        anchor: Anchor::Trigger,
    })
}

fn timing(sink: &mut Sink, t: &ast::Timing, i: usize, anchors: &mut Anchors) -> Option<TimingM> {
    let anchor = anchors.anchor(sink, t, i);
    let (kind, duration) = match t.kind {
        TimingKind::AtOnce => (TimingKindM::At, Some(DurationM::ZERO)),
        TimingKind::OnDay => {
            let n = t.day.as_ref().and_then(|d| {
                literals::whole_number(sink, &d.name, d.span, "a day number", 36_525)
            });
            (
                TimingKindM::OnDay,
                n.map(|count| DurationM {
                    count,
                    unit: Unit::CalendarDays,
                }),
            )
        }
        TimingKind::OnHour => {
            let n = t.day.as_ref().and_then(|d| {
                let n = literals::whole_number(sink, &d.name, d.span, "an hour number", 876_600)?;
                if n == 0 {
                    sink.push(
                        Diagnostic::new(Code::E0018, "hours are counted from 1")
                            .at(d.span, "there is no hour 0")
                            .help("`on hour 1` is the first hour after the anchor (第1小时)"),
                    );
                    return None;
                }
                Some(n)
            });
            (
                TimingKindM::OnHour,
                n.map(|count| DurationM {
                    count,
                    unit: Unit::Hours,
                }),
            )
        }
        k => {
            let kind = match k {
                TimingKind::After => TimingKindM::After,
                TimingKind::Within => TimingKindM::Within,
                _ => TimingKindM::Before,
            };
            (
                kind,
                t.duration
                    .as_ref()
                    .and_then(|d| literals::duration(sink, d)),
            )
        }
    };
    Some(TimingM {
        kind,
        duration: duration?,
        anchor: anchor?,
    })
}

/// What `from X` can name in one rule, and the other rules' events its
/// steps count from so far.
struct Anchors<'a> {
    ctx: &'a RuleCtx<'a>,
    trigger: &'a ast::Ident,
    /// After a misspelt trigger every known event may be the one meant.
    trigger_known: bool,
    trigger_names: &'a dyn Fn(&str) -> bool,
    labels: &'a [Option<(String, Span)>],
    events: Vec<String>,
}

impl Anchors<'_> {
    /// `from X`: the trigger, an earlier step's label, or another event
    /// (whether that event starts a rule is checked with the whole
    /// agreement, E0044); without `from` the previous step (the trigger
    /// for the first step and for `before`).
    fn anchor(&mut self, sink: &mut Sink, t: &ast::Timing, i: usize) -> Option<Anchor> {
        let known_event = t.from.as_ref().is_some_and(|f| {
            self.trigger_known
                && f.name != self.trigger.name
                && !self.labels.iter().flatten().any(|(n, _)| *n == f.name)
                && self.ctx.scope.knows_event(&f.name, self.ctx.extra_events)
        });
        if let (true, Some(from)) = (known_event, &t.from) {
            let k = match self.events.iter().position(|e| *e == from.name) {
                Some(k) => k,
                None => {
                    self.events.push(from.name.clone());
                    self.events.len() - 1
                }
            };
            return Some(Anchor::Event(names::index(k)));
        }
        anchor(sink, t, i, self.labels, self.trigger, self.trigger_names)
    }
}

/// `from X` within the rule: the trigger or an earlier step's label.
/// `trigger_names` says whether a name means the trigger.
fn anchor(
    sink: &mut Sink,
    t: &ast::Timing,
    i: usize,
    labels: &[Option<(String, Span)>],
    trigger: &ast::Ident,
    trigger_names: &dyn Fn(&str) -> bool,
) -> Option<Anchor> {
    let Some(from) = &t.from else {
        return Some(if i == 0 || t.kind == TimingKind::Before {
            Anchor::Trigger
        } else {
            Anchor::Step(i - 1)
        });
    };
    if from.name == trigger.name {
        return Some(Anchor::Trigger);
    }
    let found = labels.iter().enumerate().find_map(|(j, l)| {
        l.as_ref()
            .filter(|(n, _)| *n == from.name)
            .map(|(_, sp)| (j, *sp))
    });
    match found {
        Some((j, _)) if j < i => Some(Anchor::Step(j)),
        Some((j, label)) => {
            let (msg, what) = if j == i {
                (
                    format!("step `{}` counts from itself", from.name),
                    "a cycle",
                )
            } else {
                (
                    format!("anchor `{}` is a later step", from.name),
                    "not yet happened here",
                )
            };
            sink.push(
                Diagnostic::new(Code::E0019, msg)
                    .at(from.span, what)
                    .also(label, "the step this names")
                    .help(
                        "a step counts from the trigger or from an earlier step; reorder the steps",
                    ),
            );
            None
        }
        None if trigger_names(&from.name) => Some(Anchor::Trigger),
        None => {
            let candidates: Vec<&str> = std::iter::once(trigger.name.as_str())
                .chain(
                    labels[..i.min(labels.len())]
                        .iter()
                        .flatten()
                        .map(|(n, _)| n.as_str()),
                )
                .collect();
            sink.push(
                Diagnostic::new(Code::E0013, format!("unknown anchor `{}`", from.name))
                    .at(from.span, "not the trigger or an earlier step's label")
                    .also(trigger.span, "the rule's trigger")
                    .help(format!(
                        "count from the trigger (`from {}`), label an earlier step (`name: after …`), or name an event that starts another rule",
                        trigger.name
                    ))
                    .suggest(&from.name, candidates),
            );
            None
        }
    }
}

fn actions(sink: &mut Sink, scope: &Scope, s: &ast::Step) -> (Vec<ActionM>, Vec<Span>) {
    let customer = matches!(s.modality, Modality::CustomerMay | Modality::CustomerMust);
    let mut out = Vec::new();
    let mut spans = Vec::new();
    for a in &s.actions {
        let Some(verb) = names::verb(sink, &a.verb) else {
            continue;
        };
        let parties = verb.info().parties;
        if !parties.provider && !customer {
            sink.push(
                Diagnostic::new(Code::E0031, format!("`{}` is a customer verb", verb.name()))
                    .at(a.verb.span, "only the customer does this")
                    .help(format!(
                        "write `customer must {0}` or `customer may {0}`",
                        verb.name()
                    )),
            );
        } else if customer && !parties.customer {
            let mut d = Diagnostic::new(
                Code::E0031,
                format!("the customer cannot `{}`", verb.name()),
            )
            .at(a.verb.span, "a provider action")
            .help(format!(
                "customer verbs are {}; drop `customer` for a provider action",
                crate::vocab::ACTIONS
                    .iter()
                    .filter(|a| a.parties.customer)
                    .map(|a| format!("`{}`", a.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            if let Some(m) = s.modality_span {
                d = d.also(m, "customer modality");
            }
            sink.push(d);
        }
        let targets = scope.targets(sink, verb, a.verb.span, &a.targets);
        let amount = a.amount.as_ref().and_then(|lit| {
            if verb != Verb::Pay {
                sink.push(
                    Diagnostic::new(
                        Code::E0049,
                        format!("`{}` takes no amount", verb.name()),
                    )
                    .at(lit.span, "an amount here")
                    .also(a.verb.span, "this action")
                    .help("only `customer must pay <amount>` (or `customer may pay`) names an amount"),
                );
                return None;
            }
            let (value, currency) = literals::amount(sink, lit)?;
            Some(AmountM { value, currency })
        });
        out.push(ActionM {
            verb,
            targets,
            amount,
        });
        spans.push(a.verb.span);
    }
    (out, spans)
}

/// W0002 (no `§`) and W0003 (no `quote`) for a `what` (`step`,
/// `restriction`) whose words end at `head`.
pub fn citation_warnings(
    sink: &mut Sink,
    what: &str,
    head: Span,
    cite: Option<&ast::Section>,
    quote: Option<&ast::Str>,
) {
    if cite.is_none() {
        sink.push(
            Diagnostic::new(Code::W0002, format!("{what} without citation"))
                .at(head, "which section says this?")
                .help("add the section it encodes, e.g. `§16.1.2`"),
        );
    }
    if quote.is_none() {
        sink.push(
            Diagnostic::new(Code::W0003, format!("{what} without quote"))
                .at(head, "no source words")
                .help(format!(
                    "add `quote \"…\"` with the words of the agreement this {what} encodes"
                )),
        );
    }
}

/// W0002 (no `§`), W0003 (no `quote`), W0005 (two readings, no `note`).
fn step_warnings(sink: &mut Sink, s: &ast::Step) {
    let head = s.actions.last().map_or(s.timing.span, |a| {
        Span::new(s.span.file, s.span.start as usize, a.span.end as usize)
    });
    citation_warnings(sink, "step", head, s.cite.as_ref(), s.quote.as_ref());
    if let (Some(alt), None) = (&s.alternative, &s.note) {
        sink.push(
            Diagnostic::new(Code::W0005, "two readings without a note")
                .at(alt.span, "second reading")
                .also(s.timing.span, "first reading")
                .help("add `note \"…\"` saying why the text supports both"),
        );
    }
}

/// E0020: a step that is certainly earlier than a step written before it.
/// `before` steps are exempt: they state their place relative to the
/// trigger (notices ahead of expiry) and may be written in any order.
fn backwards(sink: &mut Sink, steps: &[Checked]) {
    for (k, later) in steps.iter().enumerate() {
        if later.model.timing.kind == TimingKindM::Before {
            continue;
        }
        let Some((_, hi)) = later.offsets else {
            continue;
        };
        let earlier = steps[..k]
            .iter()
            .find(|e| e.offsets.is_some_and(|(lo, _)| hi < lo));
        if let Some(e) = earlier {
            sink.push(
                Diagnostic::new(Code::E0020, "timeline goes backwards")
                    .at(later.ast.timing.span, "this step happens earlier")
                    .also(e.ast.timing.span, "than this step written before it")
                    .help("anchor the step to the step it follows (`from <label>`) or reorder the steps"),
            );
        }
    }
}

/// Whether two steps happen at the same instant for certain.
fn same_instant(a: &Checked, b: &Checked, b_index: usize, a_index: usize) -> bool {
    let exact = |c: &Checked| {
        c.offsets.is_some_and(|(lo, hi)| lo == hi)
            && c.model.timing.kind != TimingKindM::Within
            && c.model.alternative.is_none()
    };
    let at_once_from = |c: &Checked, other: usize| {
        c.model.timing.kind == TimingKindM::At
            && c.model.alternative.is_none()
            && c.model.timing.anchor == Anchor::Step(other)
    };
    (exact(a) && exact(b) && a.offsets == b.offsets)
        || at_once_from(b, a_index)
        || at_once_from(a, b_index)
}

fn conflict(a: &ActionM, b: &ActionM) -> bool {
    let billing = matches!(
        (a.verb, b.verb),
        (Verb::KeepBilling, Verb::StopBilling) | (Verb::StopBilling, Verb::KeepBilling)
    );
    let resume_vs = |r: &ActionM, x: &ActionM| {
        r.verb == Verb::Resume
            && x.verb.info().restricts()
            && (r.targets.is_empty() || r.targets.iter().any(|t| x.targets.contains(t)))
    };
    billing || resume_vs(a, b) || resume_vs(b, a)
}

/// E0021: actions undoing each other at one instant.
fn contradictions(sink: &mut Sink, steps: &[Checked]) {
    let provider = |c: &Checked| matches!(c.model.modality, Modality::Will | Modality::May);
    for (k, b) in steps.iter().enumerate() {
        // inside one step
        let acts = &b.model.actions;
        for i in 0..acts.len() {
            for j in (i + 1)..acts.len() {
                if conflict(&acts[i], &acts[j]) {
                    sink.push(contradiction(
                        &acts[j],
                        b.verb_spans[j],
                        &acts[i],
                        b.verb_spans[i],
                    ));
                }
            }
        }
        // against earlier steps at the same instant
        for (i, a) in steps[..k].iter().enumerate() {
            if !(provider(a) && provider(b) && same_instant(a, b, k, i)) {
                continue;
            }
            for (x, xs) in a.model.actions.iter().zip(&a.verb_spans) {
                for (y, ys) in b.model.actions.iter().zip(&b.verb_spans) {
                    if conflict(x, y) {
                        sink.push(contradiction(y, *ys, x, *xs));
                    }
                }
            }
        }
    }
}

fn contradiction(y: &ActionM, ys: Span, x: &ActionM, xs: Span) -> Diagnostic {
    Diagnostic::new(
        Code::E0021,
        format!(
            "`{}` and `{}` contradict each other at the same instant",
            x.verb.name(),
            y.verb.name()
        ),
    )
    .at(ys, "this action")
    .also(xs, "undoes or is undone by this one")
    .help("put the two actions at different times, or keep only the one the text says")
}

/// W0004: steps that can only happen after a certain `terminate`.
fn after_terminate(sink: &mut Sink, steps: &[Checked]) {
    for (i, t) in steps.iter().enumerate() {
        if t.model.modality != Modality::Will {
            continue;
        }
        let Some(pos) = t
            .model
            .actions
            .iter()
            .position(|a| a.verb == Verb::Terminate)
        else {
            continue;
        };
        let Some((_, end)) = t.offsets else { continue };
        for later in &steps[i + 1..] {
            if later.offsets.is_some_and(|(lo, _)| lo > end) {
                sink.push(
                    Diagnostic::new(Code::W0004, "step after `terminate` can never matter")
                        .at(later.ast.timing.span, "happens after the agreement ended")
                        .also(t.verb_spans[pos], "the agreement ends here")
                        .help("move the step before `terminate`, or drop it if the text does not need it"),
                );
            }
        }
    }
}

/// W0001: `release`/`purge` with no earlier suspension, stop, notice,
/// freeze or ban in the rule.
fn irreversible_without_warning(sink: &mut Sink, steps: &[Checked], trigger: &str) {
    if trigger == "provider_notice" {
        return;
    }
    for (k, s) in steps.iter().enumerate() {
        if !matches!(s.model.modality, Modality::Will | Modality::May) {
            continue;
        }
        // A misspelt verb before (`frezee`) may be the warning: its E0012
        // says enough.
        let warned = steps[..=k].iter().any(|e| !e.verbs_known)
            || steps[..k]
                .iter()
                .any(|e| e.model.actions.iter().any(|a| a.verb.info().warns));
        if warned {
            continue;
        }
        for (a, span) in s.model.actions.iter().zip(&s.verb_spans) {
            if a.verb.is_irreversible() {
                sink.push(
                    Diagnostic::new(
                        Code::W0001,
                        format!("`{}` without an earlier warning step", a.verb.name()),
                    )
                    .at(*span, "irreversible")
                    .help("the customer loses data with no earlier `suspend`, `stop`, `notify`, `freeze` or `forbid`; check the text says so"),
                );
                break;
            }
        }
    }
}

fn cure(sink: &mut Sink, ctx: &RuleCtx, c: &ast::Cure) -> CureM {
    let mut events = Vec::new();
    let mut conjunctions = Vec::new();
    for alt in &c.alternatives {
        let mut conj = CureConjunction {
            events: Vec::new(),
            settled: false,
        };
        for part in &alt.parts {
            match part {
                ast::CurePart::Event(e) => {
                    ctx.scope.check_event(sink, e, ctx.extra_events);
                    if !conj.events.contains(&e.name) {
                        conj.events.push(e.name.clone());
                    }
                }
                ast::CurePart::Settled(_) => conj.settled = true,
            }
        }
        match (conj.events.as_slice(), conj.settled) {
            ([one], false) => {
                if !events.contains(one) {
                    events.push(one.clone());
                }
            }
            _ => conjunctions.push(conj),
        }
    }
    let resume = match &c.resume {
        None => ResumeM::Nothing,
        Some(ast::Resume::All(_)) => ResumeM::All,
        Some(ast::Resume::Listed(names)) => ResumeM::Listed(
            names
                .iter()
                .filter_map(|n| ctx.scope.capability(sink, n))
                .collect(),
        ),
    };
    CureM {
        events,
        conjunctions,
        resume,
        cite: c.cite.as_ref().map(|x| x.number.clone()),
        quote: c.quote.as_ref().map(|q| q.value.clone()),
        note: c.note.as_ref().map(|n| n.value.clone()),
        origin: sink.origin(c.span),
    }
}
